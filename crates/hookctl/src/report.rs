//! How `hookctl run` and `hookctl simulate` show an attempt: text for people, JSON for
//! machines. Object operations are always shown redacted (Secret data never printed).

use crate::cycle::{Attempt, Failure};
use crate::session::Try;
use serde_json::{Value, json};
use shell_hook::patch::redact_operation;
use std::fmt::Write as _;

/// `Synchronization cms`, `Event Modified cms`, `Group g (via b)`, `onStartup`.
pub fn describe_context(ctx: &Value) -> String {
    let text = |k: &str| ctx[k].as_str().unwrap_or_default();
    match text("type") {
        "" => text("binding").to_owned(),
        "Event" => format!("Event {} {}", text("watchEvent"), text("binding")),
        "Group" => format!("Group {} (via {})", text("groupName"), text("binding")),
        other => format!("{other} {}", text("binding")),
    }
}

/// The sections `hookctl run` prints for one attempt.
pub fn attempt_text(label: &str, queue: &str, t: &Try) -> String {
    let a = &t.attempt;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "--- {label} (queue {queue}, {} binding contexts): exit {} ---",
        a.contexts.len(),
        a.run.exit_code
    );
    if let Ok(ops) = &a.run.operations {
        let _ = writeln!(out, "--- object operations ({}) ---", ops.len());
        ops.iter().for_each(|op| {
            let _ = writeln!(out, "{}", redact_operation(op));
        });
    }
    if !a.rejected.is_empty() {
        let _ = writeln!(out, "--- rejected by the API server ({}) ---", a.rejected.len());
        a.rejected.iter().for_each(|r| {
            let _ = writeln!(out, "{r}");
        });
    }
    if let Ok(m) = &a.run.metrics {
        let discarded = if a.succeeded() { "" } else { ", discarded: the run failed" };
        let _ = writeln!(out, "--- metrics ({}{discarded}) ---", m.operations.len());
        m.operations.iter().for_each(|op| {
            let _ = writeln!(out, "{op}");
        });
    }
    if let (Some(failure), Some(delay)) = (&a.failure, t.retry_in) {
        let _ = writeln!(out, "--- failed ({failure}): shell-operator retries in {}s ---", delay.as_secs());
    }
    if let (Some(failure), true) = (&a.failure, t.failure_allowed) {
        let _ = writeln!(out, "--- failed ({failure}): allowFailure, shell-operator drops the task ---");
    }
    out
}

/// One attempt as JSON: exit code, applied and refused operations (redacted), recorded
/// metrics, the failure and the retry delay.
pub fn attempt_json(t: &Try) -> Value {
    let a = &t.attempt;
    json!({
        "exit": a.run.exit_code,
        "contexts": a.contexts.iter().map(describe_context).collect::<Vec<_>>(),
        "applied": a.applied.iter().map(redact_operation).collect::<Vec<_>>(),
        "rejected": a.rejected,
        "metrics": a.recorded_metrics(),
        "metricsDiscarded": !a.succeeded() && a.run.metrics.as_ref().is_ok_and(|m| !m.operations.is_empty()),
        "failure": a.failure.as_ref().map(ToString::to_string),
        "retryInSeconds": t.retry_in.map(|d| d.as_secs()),
        "failureAllowed": t.failure_allowed,
    })
}

/// The hook's exit code, or 1 when it exited 0 but the run failed anyway.
pub fn exit_code(a: &Attempt) -> i32 {
    match &a.failure {
        None => 0,
        Some(Failure::Exit(code)) => *code,
        Some(_) => 1,
    }
}
