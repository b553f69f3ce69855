//! One hook run as shell-operator v1.20 handles it (`taskHandleHookRun`/`handleRunHook`
//! in `pkg/shell-operator/operator.go`), and the back-off before it retries a failed one.
//!
//! In that order: a non-zero exit fails the run and nothing of it is used (the patch file
//! is not even read); an invalid metrics file fails it next, then an invalid patch file;
//! then every operation is attempted in file order and any refusal fails the run, the
//! operations that went through staying applied; only a run with no failure has its
//! metrics recorded.

use crate::cluster::{PretendCluster, Rejection};
use crate::runner::{RunError, RunResult};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Why shell-operator counts a run as failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Exit(i32),
    InvalidMetrics(String),
    InvalidOperations(String),
    Rejected(Vec<Rejection>),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exit(code) => write!(f, "exit status {code}"),
            Self::InvalidMetrics(e) => write!(f, "got bad metrics: {e}"),
            Self::InvalidOperations(e) => write!(f, "invalid object operations: {e}"),
            Self::Rejected(all) => {
                let text: Vec<String> = all.iter().map(ToString::to_string).collect();
                write!(f, "{} operation(s) refused: {}", all.len(), text.join("; "))
            }
        }
    }
}

/// A run and what shell-operator made of it.
#[derive(Debug)]
pub struct Attempt {
    pub contexts: Vec<Value>,
    pub run: RunResult,
    /// The operations that were applied, in file order (may hold Secret data).
    pub applied: Vec<Value>,
    pub rejected: Vec<Rejection>,
    pub failure: Option<Failure>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.failure.is_none()
    }

    /// The metric operations shell-operator records: the hook's when the run succeeded,
    /// none when it failed (`HookMetricStorage.ApplyBatchOperations` is never reached).
    pub fn recorded_metrics(&self) -> Vec<Value> {
        match (&self.failure, &self.run.metrics) {
            (None, Ok(m)) => m.operations.clone(),
            _ => Vec::new(),
        }
    }

    /// The operations the hook wrote, whether or not they were used.
    pub fn written_operations(&self) -> Vec<Value> {
        self.run.operations.clone().unwrap_or_default()
    }
}

/// Runs `hook` with `contexts` and applies what shell-operator would apply to `cluster`.
pub fn run_with(
    cluster: &mut PretendCluster,
    hook: &Path,
    contexts: Vec<Value>,
    env: &[(String, String)],
    capture: bool,
) -> Result<Attempt, RunError> {
    let run = if capture {
        crate::runner::run_captured(hook, &contexts, env)?
    } else {
        crate::runner::run_once(hook, &contexts, env)?
    };
    let mut attempt = Attempt { contexts, applied: Vec::new(), rejected: Vec::new(), failure: None, run };
    attempt.failure = judge_before_apply(&attempt.run);
    if attempt.failure.is_none() {
        let operations = attempt.written_operations();
        attempt.rejected = cluster.apply(&operations);
        let refused: Vec<usize> = attempt.rejected.iter().map(|r| r.index).collect();
        attempt.applied =
            operations.into_iter().enumerate().filter(|(i, _)| !refused.contains(i)).map(|(_, op)| op).collect();
        if !attempt.rejected.is_empty() {
            attempt.failure = Some(Failure::Rejected(attempt.rejected.clone()));
        }
    }
    Ok(attempt)
}

fn judge_before_apply(run: &RunResult) -> Option<Failure> {
    if run.exit_code != 0 {
        return Some(Failure::Exit(run.exit_code));
    }
    if let Err(e) = &run.metrics {
        return Some(Failure::InvalidMetrics(e.to_string()));
    }
    if let Err(e) = &run.operations {
        return Some(Failure::InvalidOperations(e.to_string()));
    }
    None
}

/// The delay before retry number `retry` (0 for the first) of a failed task, without
/// the up to 1 s of random jitter upstream adds (`pkg/utils/exponential_backoff/delay.go`:
/// 5 s, then 5 s + 2^(retry−1) s for five retries, then the 32 s cap).
pub fn retry_delay(retry: u32) -> Duration {
    const INITIAL: u64 = 5;
    const MAX: u64 = 32;
    const EXPONENTIAL_RETRIES: u32 = 5; // int(log2(32 s)): upstream's ExponentialCalculationsCount
    let seconds = match retry {
        0 => INITIAL,
        n if n <= EXPONENTIAL_RETRIES => INITIAL + (1u64 << (n - 1)),
        _ => INITIAL + MAX,
    };
    Duration::from_secs(seconds.min(MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_matches_upstream_without_jitter() {
        let secs: Vec<u64> = (0..9).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(secs, [5, 6, 7, 9, 13, 21, 32, 32, 32]);
    }
}
