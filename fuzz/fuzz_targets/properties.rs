//! The `*.properties` files mounted from Secrets: variables, and the JAAS credentials in them.
#![no_main]

use connect_apply::template::Variables;
use std::collections::BTreeMap;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut vars = BTreeMap::new();
    Variables::read_properties(text, &mut vars);
    let _ = Variables(vars).jaas_credentials();
});
