//! Carries out one target's actions: connectors side by side (bounded), one connector's
//! actions in order (create, then pause), stopping at its first failure. In a dry run,
//! creates and updates are validated by the worker; nothing is changed.

use crate::key::ConnectorKey;
use crate::plan::{Action, Want};
use crate::target::http_failure;
use connect_client::ConnectApi;
use hook_reconcile::pool::run_bounded;
use reconcile::{Failure, Reason};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// Dry run: the worker validated the config.
    Validated,
    /// Dry run: there is no validate-only form of this change.
    Planned,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub action: Action,
    pub result: Result<Applied, Failure>,
}

pub fn apply(
    api: &ConnectApi,
    actions: &[Action],
    wants: &BTreeMap<&str, &Want>,
    dry_run: bool,
    concurrency: usize,
) -> Vec<Step> {
    let mut groups: Vec<Vec<&Action>> = Vec::new();
    for action in actions {
        match groups.iter_mut().find(|g| g[0].name() == action.name()) {
            Some(g) => g.push(action),
            None => groups.push(vec![action]),
        }
    }
    let results = run_bounded(&groups, concurrency, |group| {
        let mut steps = Vec::new();
        for action in group {
            let result = apply_one(api, action, wants.get(action.name()).copied(), dry_run);
            let failed = result.is_err();
            steps.push(Step { action: (*action).clone(), result });
            if failed {
                break;
            }
        }
        steps
    });
    results.into_iter().flatten().collect()
}

/// Connect's errors quote the values they reject (`Invalid value … for configuration
/// tasks.max`), in validation results and in 400 bodies alike: every sensitive value of
/// the connector (secret-looking keys and whatever came from a variable or the
/// environment) is cut out of the message before it reaches a status, a log or a plan.
fn scrubbed(want: Option<&Want>, mut failure: Failure) -> Failure {
    let Some(w) = want else { return failure };
    let mut values: Vec<&str> =
        w.sensitive.iter().filter_map(|k| w.config.get(k)).map(String::as_str).filter(|v| !v.is_empty()).collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    failure.message = values.into_iter().fold(failure.message, |m, v| m.replace(v, "<redacted>"));
    failure
}

fn apply_one(api: &ConnectApi, action: &Action, want: Option<&Want>, dry_run: bool) -> Result<Applied, Failure> {
    apply_unscrubbed(api, action, want, dry_run).map_err(|f| scrubbed(want, f))
}

fn apply_unscrubbed(api: &ConnectApi, action: &Action, want: Option<&Want>, dry_run: bool) -> Result<Applied, Failure> {
    let subject = ConnectorKey::new(api.target().clone(), action.name()).to_string();
    let fail = |e: &api_http::HttpError| http_failure(subject.clone(), e);
    let done = |r: Result<(), api_http::HttpError>| r.map(|()| Applied::Done).map_err(|e| fail(&e));
    match (action, want) {
        (Action::Put { .. }, None) => {
            Err(Failure::new(subject.clone(), Reason::Invalid, "nothing declared to put (a planner bug)"))
        }
        (Action::Put { .. }, Some(w)) if dry_run => {
            let class = w.config.get("connector.class").map(String::as_str).unwrap_or_default();
            let errors = api.validate(class, &w.config).map_err(|e| fail(&e))?;
            if errors.is_empty() {
                return Ok(Applied::Validated);
            }
            let list: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
            Err(Failure::new(
                subject.clone(),
                Reason::ValidationFailed,
                format!("validation failed: {}", list.join("; ")),
            ))
        }
        _ if dry_run => Ok(Applied::Planned),
        (Action::Put { name, .. }, Some(w)) => done(api.put_config(name, &w.config)),
        (Action::SetState { name, to }, _) => done(api.set_state(name, to.verb())),
        (Action::Restart { name }, _) => done(api.restart_failed(name)),
        (Action::Delete { name, .. }, _) => done(api.delete(name)),
    }
}
