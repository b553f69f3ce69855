//! The run's account, in the one report type every tool shares
//! (`reconcile::Report`): changes, failures with their reason, held deletions, and the
//! connectors left alone. From it come the hand run's text and JSON, the status
//! annotation of each ConfigMap, the metrics and the exit code.

use crate::apply::{Applied, Step};
use crate::desired::Desired;
use crate::key::ConnectorKey;
use crate::plan::{Action, Want};
use crate::run_plan::RunPlan;
use crate::sensitive::redacted;
use connect_client::Target;
use reconcile::settings::Tool;
use reconcile::{Failure, Reason, Report};

pub const KIND: &str = "connector";

/// What the run found and did.
pub struct Facts<'a> {
    pub dry_run: bool,
    pub desired: &'a Desired,
    pub unavailable: &'a [(Target, Failure)],
    pub plan: &'a RunPlan,
    pub steps: &'a [(Target, Vec<Step>)],
}

pub fn report(facts: &Facts<'_>) -> Report {
    let desired = facts.desired;
    let mut report = Report::new(Tool::Connect, facts.dry_run);
    report.declared = desired.declarations;
    for d in desired.connectors.values() {
        report.declares(&d.source, d.key.to_string());
    }
    for f in &desired.failures {
        report.fail(f.clone());
    }
    for (target, failure) in facts.unavailable {
        report.fail(failure.clone());
        // Each declared connector there is not reconciled: its ConfigMap's status says so.
        let message = format!("not reconciled: {}", failure.message);
        for d in desired.connectors.values().filter(|d| d.key.target == *target) {
            report.fail(Failure::new(d.key.to_string(), failure.reason, &message));
        }
    }
    for (target, p) in &facts.plan.targets {
        report.in_sync += p.in_sync.len();
        report.unmanaged.extend(p.unmanaged.iter().map(|n| ConnectorKey::new(target.clone(), n.as_str()).short()));
        for name in &p.backed_off {
            report.fail(Failure::new(
                ConnectorKey::new(target.clone(), name.as_str()).to_string(),
                Reason::Refused,
                "FAILED; automatic restarts are used up for now (back-off)",
            ));
        }
    }
    for (key, hold) in &facts.plan.held {
        report.hold(key.to_string(), hold.clone());
    }
    for (target, steps) in facts.steps {
        for step in steps {
            let key = ConnectorKey::new(target.clone(), step.action.name());
            match &step.result {
                Ok(applied) => {
                    let want = desired.connectors.get(&key).map(|d| &d.want);
                    report.event(KIND, key.short(), step.action.verb(), detail(&step.action, want, *applied));
                }
                Err(f) => report.fail(f.clone()),
            }
        }
    }
    report
}

fn detail(action: &Action, want: Option<&Want>, applied: Applied) -> String {
    let outcome = match applied {
        Applied::Done => "done",
        Applied::Validated => "validated by the worker (dry run)",
        Applied::Planned => "planned (dry run)",
    };
    match (action, want) {
        (Action::Put { .. }, Some(w)) => format!("{}: {outcome}", redacted(&w.config, &w.sensitive)),
        (Action::Delete { why, .. }, _) => format!("{why}: {outcome}"),
        _ => outcome.to_owned(),
    }
}
