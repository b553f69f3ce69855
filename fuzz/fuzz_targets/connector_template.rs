//! Connector definitions: jq programs evaluated with jaq against properties variables and env.
#![no_main]

use connect_apply::template::{Variables, render};
use std::collections::BTreeMap;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(code) = std::str::from_utf8(data) else { return };
    let vars = Variables(BTreeMap::from([("SASL_JAAS_CONFIG".into(), r#"x username="k" password="s";"#.into())]));
    let env = BTreeMap::from([("KAFKA_API_KEY".to_owned(), "k".to_owned())]);
    let _ = render(code, &vars, &env);
});
