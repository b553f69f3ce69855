//! The applied truth of a pretend cluster and the possibly stale view shell-operator's
//! informers give a hook. shell-operator builds snapshots from its informer cache, not
//! from the API server, so a run can start before the watch delivered what the previous
//! run wrote; a hook that trusts its snapshot to hold its own last write re-creates or
//! re-mints. With a lag of N, run k sees the objects as they were when run k−N started.

use super::{Objects, Rejection, describe_operation};
use serde_json::Value;
use std::collections::VecDeque;

/// A fault: the API server refuses the operations that match, `times` times (None: always).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefuseRule {
    pub operation: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub reason: String,
    pub times: Option<u32>,
}

impl RefuseRule {
    fn matches(&self, op: &Value) -> bool {
        let object = &op["object"];
        let field = |direct: &Value, inner: &Value| direct.as_str().or(inner.as_str()).map(str::to_owned);
        let same = |want: &Option<String>, have: Option<String>| want.as_ref().is_none_or(|w| Some(w) == have.as_ref());
        same(&self.operation, op["operation"].as_str().map(str::to_owned))
            && same(&self.kind, field(&op["kind"], &object["kind"]))
            && same(&self.name, field(&op["name"], &object["metadata"]["name"]))
    }
}

/// Objects as applied (the API server's truth) plus the lagging informer view.
#[derive(Debug, Clone, Default)]
pub struct PretendCluster {
    truth: Objects,
    lag: usize,
    /// The truth as it was at the start of each of the last `lag + 1` runs, oldest first.
    seen: VecDeque<Vec<Value>>,
    refusals: Vec<RefuseRule>,
}

impl PretendCluster {
    pub fn new(objects: Objects) -> Self {
        Self { truth: objects, lag: 0, seen: VecDeque::new(), refusals: Vec::new() }
    }

    /// Snapshots lag the applied objects by `runs` hook runs (0: always fresh).
    pub fn with_informer_lag(mut self, runs: usize) -> Self {
        self.lag = runs;
        self
    }

    pub fn set_informer_lag(&mut self, runs: usize) {
        self.lag = runs;
    }

    pub fn informer_lag(&self) -> usize {
        self.lag
    }

    /// From now on the API server refuses the operations `rule` matches.
    pub fn refuse(&mut self, rule: RefuseRule) {
        self.refusals.push(rule);
    }

    /// Applies a run's operations like shell-operator's patcher: every one attempted in
    /// order; injected refusals first, then the API server's own validation.
    pub fn apply(&mut self, operations: &[Value]) -> Vec<Rejection> {
        let mut rejected = Vec::new();
        for (index, op) in operations.iter().enumerate() {
            let refusal = self.refusals.iter_mut().find(|r| r.matches(op) && r.times != Some(0));
            if let Some(rule) = refusal {
                rule.times = rule.times.map(|n| n - 1);
                rejected.push(Rejection { index, operation: describe_operation(op), reason: rule.reason.clone() });
                continue;
            }
            rejected
                .extend(self.truth.apply_each(std::slice::from_ref(op)).into_iter().map(|r| Rejection { index, ..r }));
        }
        rejected
    }

    /// What the API server holds now.
    pub fn truth(&self) -> &Objects {
        &self.truth
    }

    pub fn truth_mut(&mut self) -> &mut Objects {
        &mut self.truth
    }

    /// What [`PretendCluster::snapshot_for_run`] would return now, without starting a
    /// run (for hand runs and inspection).
    pub fn peek_snapshot(&self) -> Vec<Value> {
        let recorded = self.seen.len() + 1;
        let skip = recorded.saturating_sub(self.lag + 1);
        self.seen.iter().chain(std::iter::once(&self.truth.0)).nth(skip).cloned().unwrap_or_default()
    }

    /// Starts a run: records the truth and returns the informer's view for this run,
    /// the truth as of `lag` runs ago (or the oldest recorded, early on).
    pub fn snapshot_for_run(&mut self) -> Vec<Value> {
        self.seen.push_back(self.truth.0.clone());
        while self.seen.len() > self.lag + 1 {
            self.seen.pop_front();
        }
        self.seen.front().cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str) -> Value {
        json!({"kind": "ConfigMap", "metadata": {"name": name, "namespace": "n"}})
    }

    fn names(view: &[Value]) -> Vec<&str> {
        view.iter().filter_map(|o| o["metadata"]["name"].as_str()).collect()
    }

    #[test]
    fn a_write_shows_after_the_lag() {
        let mut cluster = Objects(vec![cm("a")]).with_informer_lag(1);
        assert_eq!(names(&cluster.snapshot_for_run()), ["a"]);
        cluster.truth_mut().apply(&[json!({"operation": "Create", "object": cm("b")})]).unwrap();
        assert_eq!(names(&cluster.peek_snapshot()), ["a"], "peeking agrees with the next run");
        assert_eq!(names(&cluster.snapshot_for_run()), ["a"], "run 2 does not see run 1's write yet");
        assert_eq!(names(&cluster.peek_snapshot()), ["a", "b"]);
        assert_eq!(names(&cluster.snapshot_for_run()), ["a", "b"], "run 3 does");
        assert_eq!(cluster.truth().0.len(), 2);
    }

    #[test]
    fn an_injected_refusal_applies_the_given_number_of_times() {
        let mut cluster = PretendCluster::default();
        cluster.refuse(RefuseRule {
            kind: Some("ConfigMap".into()),
            reason: "quota".into(),
            times: Some(1),
            ..RefuseRule::default()
        });
        let create = |name: &str| json!({"operation": "Create", "object": cm(name)});
        let rejected = cluster.apply(&[create("a"), create("b")]);
        assert_eq!(rejected.len(), 1);
        assert_eq!((rejected[0].index, rejected[0].reason.as_str()), (0, "quota"));
        assert_eq!(names(&cluster.truth().0), ["b"]);
        assert!(cluster.apply(&[create("a")]).is_empty(), "the fault was used up");
    }

    #[test]
    fn no_lag_is_always_fresh() {
        let mut cluster = PretendCluster::new(Objects(vec![cm("a")]));
        cluster.snapshot_for_run();
        cluster.truth_mut().remove("ConfigMap", "a");
        assert!(cluster.snapshot_for_run().is_empty());
    }
}
