//! Fault injection, latency and the request log: the test-bed side of the emulator.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// When a fault strikes: instead of the request, or after it took effect
/// (the write happened, the client never learns it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    #[default]
    Before,
    After,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with this status (429, 500, 503, ...); `retry_after` adds the header.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u32>,
    },
    /// Close the connection without answering.
    Drop,
    /// Wait, then serve the request normally.
    Delay { ms: u64 },
    /// A busy Connect worker: 500 `Request timed out`, which Connect answers when the
    /// herder does not finish within its 90 s request timeout. With `when: after` the
    /// change still happened, as it does on a real worker.
    Timeout,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// HTTP method to match; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path pattern: `*` matches one segment, `**` any number of segments.
    pub path: String,
    pub action: FaultAction,
    #[serde(default)]
    pub when: When,
    /// Strike only the first N matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Strike each match with this probability (seeded, reproducible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// How often this rule struck (read-only).
    #[serde(default)]
    pub hits: u32,
}

impl FaultRule {
    fn matches(&self, method: &str, segments: &[String]) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && glob(&self.path, segments)
    }

    fn spent(&self) -> bool {
        self.times.is_some_and(|t| self.hits >= t)
    }
}

fn glob(pattern: &str, segments: &[String]) -> bool {
    let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    fn go(parts: &[&str], segs: &[String]) -> bool {
        match parts.split_first() {
            None => segs.is_empty(),
            Some((&"**", rest)) => (0..=segs.len()).any(|i| go(rest, &segs[i..])),
            Some((p, rest)) => segs.split_first().is_some_and(|(s, tail)| (*p == "*" || p == s) && go(rest, tail)),
        }
    }
    go(&parts, segments)
}

/// Latency added to every request, and to requests matching a path pattern.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    #[serde(default)]
    pub ms: u64,
    #[serde(default)]
    pub routes: Vec<RouteLatency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteLatency {
    #[serde(default)]
    pub method: Option<String>,
    pub path: String,
    pub ms: u64,
}

impl Latency {
    pub fn for_request(&self, method: &str, segments: &[String]) -> Duration {
        let route = self
            .routes
            .iter()
            .filter(|r| r.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && glob(&r.path, segments))
            .map(|r| r.ms)
            .max()
            .unwrap_or(0);
        Duration::from_millis(self.ms + route)
    }
}

/// The active fault rules and their seeded randomness.
#[derive(Debug)]
pub struct Faults {
    pub rules: Vec<FaultRule>,
    rng: fastrand::Rng,
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Self { rules: Vec::new(), rng: fastrand::Rng::with_seed(seed) }
    }

    /// The action of the first live rule that matches and strikes, counting the hit.
    pub fn strike(&mut self, when: When, method: &str, segments: &[String]) -> Option<FaultAction> {
        for rule in self.rules.iter_mut().filter(|r| r.when == when && !r.spent() && r.matches(method, segments)) {
            if rule.probability.is_some_and(|p| self.rng.f64() >= p) {
                continue;
            }
            rule.hits += 1;
            return Some(rule.action.clone());
        }
        None
    }
}

/// One served request, as the control API reports it (never headers or bodies).
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub query: String,
    pub route: String,
    pub status: u16,
    pub micros: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// A bounded log plus per-route counters.
#[derive(Debug, Default)]
pub struct RequestLog {
    pub entries: VecDeque<LoggedRequest>,
    pub counters: BTreeMap<String, u64>,
    pub next_seq: u64,
}

pub const LOG_CAPACITY: usize = 100_000;

impl RequestLog {
    pub fn record(&mut self, mut entry: LoggedRequest) {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        *self.counters.entry(format!("{} {}", entry.method, entry.route)).or_default() += 1;
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.counters.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').filter(|s| !s.is_empty()).map(String::from).collect()
    }

    #[test]
    fn globs() {
        assert!(glob("/kafka/v3/clusters/*/topics", &segs("/kafka/v3/clusters/lkc-1/topics")));
        assert!(!glob("/kafka/v3/clusters/*/topics", &segs("/kafka/v3/clusters/lkc-1/topics/x")));
        assert!(glob("/kafka/**", &segs("/kafka/v3/clusters/lkc-1/topics/x")));
        assert!(glob("/**/configs:alter", &segs("/kafka/v3/clusters/l/topics/t/configs:alter")));
    }

    #[test]
    fn first_n_matches_then_spent() {
        let mut f = Faults::new(1);
        f.rules.push(FaultRule {
            method: Some("POST".into()),
            path: "/a".into(),
            action: FaultAction::Status { status: 503, retry_after: None },
            when: When::Before,
            times: Some(2),
            probability: None,
            hits: 0,
        });
        let s = segs("/a");
        assert!(f.strike(When::Before, "POST", &s).is_some());
        assert!(f.strike(When::After, "POST", &s).is_none());
        assert!(f.strike(When::Before, "GET", &s).is_none());
        assert!(f.strike(When::Before, "post", &s).is_some());
        assert!(f.strike(When::Before, "POST", &s).is_none());
    }

    #[test]
    fn probability_is_seeded() {
        let run = |seed| {
            let mut f = Faults::new(seed);
            f.rules.push(FaultRule {
                method: None,
                path: "/**".into(),
                action: FaultAction::Drop,
                when: When::Before,
                times: None,
                probability: Some(0.5),
                hits: 0,
            });
            (0..100).filter(|_| f.strike(When::Before, "GET", &segs("/x")).is_some()).count()
        };
        assert_eq!(run(3), run(3));
        let hits = run(3);
        assert!((25..75).contains(&hits), "{hits}");
    }

    #[test]
    fn log_is_bounded() {
        let mut log = RequestLog::default();
        for _ in 0..LOG_CAPACITY + 5 {
            log.record(LoggedRequest {
                seq: 0,
                method: "GET".into(),
                path: "/".into(),
                query: String::new(),
                route: "/".into(),
                status: 200,
                micros: 1,
                fault: None,
            });
        }
        assert_eq!(log.entries.len(), LOG_CAPACITY);
        assert_eq!(log.counters["GET /"], (LOG_CAPACITY + 5) as u64);
        assert_eq!(log.entries.front().unwrap().seq, 5);
    }
}
