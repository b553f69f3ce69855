//! Hook configuration text (`--config` output of any hook, v0 or v1, YAML or JSON), checked with
//! upstream's rules.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = shell_hook::config_check::parse_config(text);
});
