//! Typed per-item failures. A failure carries a [`Reason`] that says what can be done
//! about it; code decides on the reason, never on the message text.

use serde::Serialize;
use shell_hook::run::Errors;
use std::fmt;

/// Why an item failed. The reason, not the message, decides retries and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The declaration cannot be used: bad JSON, a wrong field, an undefined template
    /// variable, a name the API server or Confluent would reject.
    Invalid,
    /// The same item is declared twice, differently; neither declaration is applied.
    Conflict,
    /// The declaration refers to something that is not there: a route ConfigMap, a
    /// service account, an environment or cluster.
    Unresolved,
    /// The change is refused by the tool or the server and a retry cannot fix it: a
    /// partition decrease, a replication-factor change, a protected deletion, a 4xx.
    Refused,
    /// The server validated the change and said no (dry-run validation, compatibility).
    ValidationFailed,
    /// The credentials are missing, or the server rejects them.
    Unauthorized,
    /// A retry may fix it: 429, 5xx, a dropped connection, a timeout, a rebalance that
    /// outlasted the retries, a listing that could not be read.
    Transient,
}

impl Reason {
    pub fn is_transient(self) -> bool {
        self == Reason::Transient
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Invalid => "invalid",
            Reason::Conflict => "conflict",
            Reason::Unresolved => "unresolved",
            Reason::Refused => "refused",
            Reason::ValidationFailed => "validation_failed",
            Reason::Unauthorized => "unauthorized",
            Reason::Transient => "transient",
        }
    }

    /// The reason of an HTTP status: 401/403 unauthorized, 408/429/5xx transient, other
    /// 4xx refused. Connection failures and timeouts have no status and are transient.
    pub fn from_status(status: Option<u16>) -> Self {
        match status {
            None | Some(408 | 429 | 500..=599) => Reason::Transient,
            Some(401 | 403) => Reason::Unauthorized,
            Some(_) => Reason::Refused,
        }
    }

    pub const ALL: [Reason; 7] = [
        Reason::Invalid,
        Reason::Conflict,
        Reason::Unresolved,
        Reason::Refused,
        Reason::ValidationFailed,
        Reason::Unauthorized,
        Reason::Transient,
    ];
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that went wrong with one item (`key`: a topic, a connector, a key pair, a
/// ConfigMap), with the reason that decides what happens next. Messages never hold
/// secret values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<K = String> {
    pub key: K,
    pub reason: Reason,
    pub message: String,
}

impl<K> Failure<K> {
    pub fn new(key: impl Into<K>, reason: Reason, message: impl Into<String>) -> Self {
        Self { key: key.into(), reason, message: message.into() }
    }

    pub fn is_transient(&self) -> bool {
        self.reason.is_transient()
    }

    /// The same failure about another item (a cluster outage reported per topic).
    pub fn for_key<L>(&self, key: impl Into<L>) -> Failure<L> {
        Failure { key: key.into(), reason: self.reason, message: self.message.clone() }
    }
}

impl<K: fmt::Display> fmt::Display for Failure<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// The run's errors as the exit-code table needs them.
pub fn summarize<'a, K: 'a>(failures: impl IntoIterator<Item = &'a Failure<K>>) -> Errors {
    failures
        .into_iter()
        .fold(Errors::None, |acc, f| acc.max(if f.is_transient() { Errors::Transient } else { Errors::Permanent }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_reasons() {
        assert_eq!(Reason::from_status(None), Reason::Transient);
        assert_eq!(Reason::from_status(Some(503)), Reason::Transient);
        assert_eq!(Reason::from_status(Some(429)), Reason::Transient);
        assert_eq!(Reason::from_status(Some(401)), Reason::Unauthorized);
        assert_eq!(Reason::from_status(Some(400)), Reason::Refused);
    }

    #[test]
    fn summary_is_the_worst_failure() {
        let none: Vec<Failure> = Vec::new();
        assert_eq!(summarize(&none), Errors::None);
        let permanent = vec![Failure::<String>::new("a", Reason::Invalid, "x")];
        assert_eq!(summarize(&permanent), Errors::Permanent);
        let mixed = vec![
            Failure::<String>::new("a", Reason::Transient, "x"),
            Failure::<String>::new("b", Reason::Refused, "y"),
        ];
        assert_eq!(summarize(&mixed), Errors::Transient);
    }
}
