//! Sensitive values: which keys are, their keyed hash (Confluent Cloud masks them in every
//! read, so the last applied values are compared through it), and redacted display.

use crate::template::sensitive_key;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Keys that look secret, and every key whose value came from a variable or the environment.
pub fn sensitive_keys(config: &BTreeMap<String, String>, templated: &[String]) -> BTreeSet<String> {
    config.keys().filter(|k| sensitive_key(k) || templated.contains(k)).cloned().collect()
}

/// HMAC-SHA256, keyed with the Cloud API secret so that the annotation reveals nothing to
/// readers of the ConfigMap, over the name and each sensitive `key\0value`, in key order.
/// The layout must never change: annotations written by earlier versions must match.
pub fn sensitive_hash(
    secret: &[u8],
    name: &str,
    config: &BTreeMap<String, String>,
    sensitive: &BTreeSet<String>,
) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { unreachable!("HMAC takes keys of any length") };
    mac.update(name.as_bytes());
    for k in sensitive {
        mac.update(&[0]);
        mac.update(k.as_bytes());
        mac.update(&[0]);
        mac.update(config.get(k).map(String::as_bytes).unwrap_or_default());
    }
    mac.finalize().into_bytes().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `[k=v, secret=<redacted>, …]`, for plans and logs.
pub fn redacted(config: &BTreeMap<String, String>, sensitive: &BTreeSet<String>) -> String {
    let shown: Vec<String> = config
        .iter()
        .map(|(k, v)| if sensitive.contains(k) { format!("{k}=<redacted>") } else { format!("{k}={v}") })
        .collect();
    format!("[{}]", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_standard_hmac_sha256() {
        let none = BTreeSet::new();
        // RFC 4231 test cases 2 and 6 (a key longer than the block is hashed first).
        assert_eq!(
            sensitive_hash(b"Jefe", "what do ya want for nothing?", &BTreeMap::new(), &none),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            sensitive_hash(
                &[0xaa; 131],
                "Test Using Larger Than Block-Size Key - Hash Key First",
                &BTreeMap::new(),
                &none
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn annotations_written_by_earlier_versions_still_match() {
        // Computed by the hand-written HMAC this replaced (and by Python's hmac module).
        let config: BTreeMap<String, String> =
            [("kafka.api.key", "FIXTUREKEY000001"), ("kafka.api.secret", "s3"), ("kafka.topic", "pageviews")]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
        let sensitive = sensitive_keys(&config, &[]);
        assert_eq!(sensitive, ["kafka.api.key".to_owned(), "kafka.api.secret".to_owned()].into());
        assert_eq!(
            sensitive_hash(b"demo-cloud-secret-not-real", "dg", &config, &sensitive),
            "ebe5550e95354446f289731f78c19e19b0e45c92d67d4ad4406d6e0a106f7148"
        );
        assert_eq!(
            sensitive_hash(b"", "dg", &config, &BTreeSet::new()),
            "ff79f147704534a66f3bed9dbb29fb9e16cba75ad8010d17e1dc0c36a055250f",
            "no Cloud secret: still a stable hash"
        );
    }

    #[test]
    fn redaction() {
        let config: BTreeMap<String, String> =
            [("a".to_owned(), "1".to_owned()), ("p".to_owned(), "s".to_owned())].into();
        assert_eq!(redacted(&config, &["p".to_owned()].into()), "[a=1, p=<redacted>]");
    }
}
