//! Reaching a target: the client for the self-managed worker or for Confluent Cloud
//! managed Connect, and what an HTTP error means for the item it happened to.

use crate::options::Options;
use api_http::{Client, HttpError};
use connect_client::{ConnectApi, Target};
use reconcile::{Failure, Reason};
use std::time::Instant;

/// The client for `target`; a failure is the target's (keyed by its name).
pub fn connect(target: &Target, options: &Options, deadline: Instant) -> Result<ConnectApi, Failure> {
    let fail = |reason, message: String| Failure::new(target.to_string(), reason, message);
    let client = match target {
        Target::SelfManaged => {
            let client = Client::new(&options.connect_url, options.connect_auth.as_ref(), deadline);
            match &options.connect_ca {
                None => client,
                Some(path) => {
                    let pem = std::fs::read(path)
                        .map_err(|e| fail(Reason::Invalid, format!("CONNECT_CA_FILE {}: {e}", path.display())))?;
                    client.with_ca_pem(&pem).map_err(|e| fail(Reason::Invalid, format!("CONNECT_CA_FILE: {e}")))?
                }
            }
        }
        Target::Cloud { .. } => {
            let credentials = options.cloud_credentials.as_ref().ok_or_else(|| {
                fail(Reason::Unauthorized, "CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET are required".into())
            })?;
            Client::new(&options.cloud_endpoint, Some(credentials), deadline)
        }
    };
    Ok(ConnectApi::new(client, target.clone()))
}

/// The failure of `key` for an HTTP error. The client decides what a retry can fix (a
/// rebalance that outlasted its retries, a 5xx, a timeout); otherwise the status does.
pub fn http_failure(key: impl Into<String>, error: &HttpError) -> Failure {
    let reason = match (error.is_transient(), error.status()) {
        (true, _) => Reason::Transient,
        (false, Some(status)) => Reason::from_status(Some(status)),
        // An answer that could not be read: repeating the request gets the same answer.
        (false, None) => Reason::Refused,
    };
    Failure::new(key, reason, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, message: &str) -> HttpError {
        HttpError::Status {
            method: "PUT",
            path: "/connectors/a/config".into(),
            status,
            error_code: None,
            message: message.into(),
            retry_after: None,
        }
    }

    #[test]
    fn reasons_come_from_the_client_and_the_status_never_the_text() {
        let transport =
            HttpError::Transport { method: "PUT", path: "/x".into(), message: "HTTP 409: rebalance".into() };
        assert_eq!(http_failure("a", &transport).reason, Reason::Transient, "a rebalance that outlasted the retries");
        assert_eq!(http_failure("a", &status(503, "down")).reason, Reason::Transient);
        assert_eq!(http_failure("a", &status(401, "no")).reason, Reason::Unauthorized);
        assert_eq!(http_failure("a", &status(409, "Connector a already exists")).reason, Reason::Refused);
        assert_eq!(http_failure("a", &status(400, "bad config")).reason, Reason::Refused);
        let decode = HttpError::Decode { method: "GET", path: "/x".into(), message: "not JSON".into() };
        assert_eq!(http_failure("a", &decode).reason, Reason::Refused);
    }
}
