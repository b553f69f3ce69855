//! Any bytes in `$BINDING_CONTEXT_PATH`: parsed or rejected with an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(contexts) = shell_hook::parse_contexts(data) {
        // What the tools do next with a parsed array.
        let _ = shell_hook::latest_objects(&contexts, "specs");
        let _ = serde_json::to_vec(&contexts);
    }
});
