//! Where credentials may go, and which certificates are trusted.
//!
//! Every endpoint of the toolkit receives credentials: Basic auth, or (Kafka Connect)
//! connector configs that carry the templates' secrets. So plain `http://` is refused,
//! except to the loopback interface (the traffic never leaves the host: sidecars,
//! port-forwards, the emulator in tests), unless `ALLOW_INSECURE_HTTP=true` says the
//! network is trusted (an in-cluster Connect worker without TLS). The opt-in is logged
//! once per run.

use std::net::IpAddr;
use std::sync::{Once, OnceLock};

/// `ALLOW_INSECURE_HTTP` in the process environment, read once.
pub fn insecure_http_allowed() -> bool {
    static ALLOWED: OnceLock<bool> = OnceLock::new();
    *ALLOWED.get_or_init(|| {
        let value = std::env::var("ALLOW_INSECURE_HTTP").unwrap_or_default();
        matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "y" | "on")
    })
}

/// Whether `base` may receive credentials; the error says why not and what to do.
pub fn check(base: &str, allow_insecure: bool) -> Result<(), String> {
    let uri: ureq::http::Uri = base.parse().map_err(|_| format!("{base} is not a URL"))?;
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") => {
            let host = uri.host().unwrap_or_default();
            if is_loopback(host) {
                Ok(())
            } else if allow_insecure {
                static WARNED: Once = Once::new();
                WARNED.call_once(|| {
                    tracing::warn!(
                        host,
                        "ALLOW_INSECURE_HTTP=true: credentials and connector secrets go over plain http"
                    );
                });
                Ok(())
            } else {
                Err(format!(
                    "refusing to send credentials to {host} over plain http: use https, or set ALLOW_INSECURE_HTTP=true for an endpoint on a trusted network"
                ))
            }
        }
        _ => Err(format!("{base}: only https (and http, see ALLOW_INSECURE_HTTP) URLs are supported")),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The public roots (Mozilla's, as ureq uses by default) plus `extra`: a private CA adds
/// to what is trusted instead of replacing it.
pub fn roots_with(extra: &[ureq::tls::Certificate<'static>]) -> ureq::tls::RootCerts {
    let public = webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().map(|c| ureq::tls::Certificate::from_der(c.as_ref()));
    public.chain(extra.iter().cloned()).collect::<Vec<_>>().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_loopback_or_when_allowed() {
        assert!(check("https://api.confluent.cloud", false).is_ok());
        for local in ["http://127.0.0.1:8083", "http://localhost", "http://[::1]:1"] {
            assert!(check(local, false).is_ok(), "{local}");
        }
        let e = check("http://connect", false).unwrap_err();
        assert!(e.contains("ALLOW_INSECURE_HTTP") && e.contains("connect"), "{e}");
        assert!(check("http://connect", true).is_ok());
        assert!(check("ftp://x", true).is_err());
    }

    #[test]
    fn hosts_that_only_look_local_are_not_loopback() {
        for remote in [
            "http://127.0.0.1.example.com",
            "http://localhost.evil",
            "http://localhost.evil:8083/x",
            "http://[::ffff:10.0.0.1]",
            "http://[::ffff:127.0.0.1]",
            "http://0.0.0.0",
            "http://127.1",
            "http://evil@127.0.0.1.evil",
            "http://127.0.0.1@evil.example",
            "HTTP://connect",
        ] {
            assert!(check(remote, false).is_err(), "{remote}");
        }
        for local in ["HTTP://127.0.0.1:8083", "http://LOCALHOST", "http://user@127.0.0.1", "http://127.0.0.2"] {
            assert!(check(local, false).is_ok(), "{local}");
        }
        assert!(check("HTTPS://api.confluent.cloud", false).is_ok());
        assert!(check("file:///etc/passwd", true).is_err());
    }

    #[test]
    fn a_private_ca_adds_to_the_public_roots() {
        let public = webpki_root_certs::TLS_SERVER_ROOT_CERTS.len();
        let extra = ureq::tls::Certificate::from_der(webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref()).to_owned();
        match roots_with(&[extra]) {
            ureq::tls::RootCerts::Specific(certs) => assert_eq!(certs.len(), public + 1),
            _ => panic!("specific roots expected"),
        }
    }
}
