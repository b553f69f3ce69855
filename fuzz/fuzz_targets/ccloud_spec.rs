//! The streaming-ops ConfigMap format: JSON inside YAML strings, and the `k=v,k=v` config form.
#![no_main]

use ccloud_spec::ConfigMapView;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = ccloud_spec::parse_config_string(text);
    let mut view = ConfigMapView { namespace: "default".into(), name: "fuzz".into(), ..ConfigMapView::default() };
    // The first line picks the data key, the rest is its value.
    let (key, value) = text.split_once('\n').unwrap_or(("environments", text));
    let key = if key.contains("service") { "service-accounts" } else { "environments" };
    view.data.insert(key.into(), value.into());
    let _ = ccloud_spec::topics(&view);
    let _ = ccloud_spec::identities(&view);
});
