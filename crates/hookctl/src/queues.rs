//! Which hook runs shell-operator v1.20 makes of a hook's binding contexts: each context
//! is one task in a queue, and a run takes the task at the head of its queue together
//! with every task of the same hook queued right behind it.
//!
//! - Start-up (`bootstrapMainQueue`, `taskHandleEnableKubernetesBindings` in
//!   `pkg/shell-operator/operator.go`): `onStartup` is a task of its own; every
//!   Synchronization runs in the `main` queue whatever the binding's `queue` says
//!   (`NewSyncHookRunTask` in `hook_task_factory.go`). An ungrouped Synchronization at
//!   the head is never combined; any other head takes all the hook's tasks behind it,
//!   ungrouped Synchronizations included.
//! - Events and schedule ticks go to their binding's queue (default `main`) and are
//!   combined only within it. Queues run concurrently upstream; here they run one after
//!   the other, in the order their first context appears.
//! - Combining compacts: a grouped context directly followed by one of the same group is
//!   dropped (`combineBindingContextForHook` in `combine_binding_context.go`).

use crate::render::compact;
use serde_json::Value;
use shell_hook::HookConfig;

pub const MAIN: &str = "main";

/// One run shell-operator would make.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    pub queue: String,
    pub contexts: Vec<Value>,
}

/// The runs of start-up contexts (as `Renderer::startup` renders them).
pub fn startup_runs(contexts: Vec<Value>) -> Vec<PlannedRun> {
    let main = |contexts: Vec<Value>| PlannedRun { queue: MAIN.into(), contexts };
    let mut runs = Vec::new();
    let mut rest = Vec::new();
    for ctx in contexts {
        if ctx["binding"] == "onStartup" && ctx.get("type").is_none() {
            runs.push(main(vec![ctx]));
        } else {
            rest.push(ctx);
        }
    }
    let mut rest = rest.into_iter().peekable();
    while let Some(head) = rest.next() {
        if head["type"] == "Synchronization" {
            runs.push(main(vec![head]));
        } else {
            runs.push(main(compact(std::iter::once(head).chain(rest.by_ref()).collect())));
        }
    }
    runs
}

/// The runs of event or schedule contexts: one per queue, in order of first appearance.
pub fn event_runs(config: &HookConfig, contexts: Vec<Value>) -> Vec<PlannedRun> {
    let mut runs: Vec<PlannedRun> = Vec::new();
    for ctx in contexts {
        let queue = queue_of(config, &ctx);
        match runs.iter_mut().find(|r| r.queue == queue) {
            Some(run) => run.contexts.push(ctx),
            None => runs.push(PlannedRun { queue, contexts: vec![ctx] }),
        }
    }
    for run in &mut runs {
        run.contexts = compact(std::mem::take(&mut run.contexts));
    }
    runs
}

/// The queue of the binding a context came from (default `main`).
pub fn queue_of(config: &HookConfig, ctx: &Value) -> String {
    binding_of(config, ctx).and_then(|b| b.queue).unwrap_or_else(|| MAIN.into())
}

/// Whether a failed run of this context is dropped instead of retried: `allowFailure` of
/// the binding of the run's first context (upstream's task metadata is the head task's).
pub fn allows_failure(config: &HookConfig, ctx: &Value) -> bool {
    binding_of(config, ctx).and_then(|b| b.allow_failure).unwrap_or(false)
}

struct BindingFields {
    queue: Option<String>,
    allow_failure: Option<bool>,
}

/// A schedule tick's own binding when the context says `Schedule` (or no kubernetes
/// binding has the name), else the kubernetes one.
fn binding_of(config: &HookConfig, ctx: &Value) -> Option<BindingFields> {
    let name = ctx["binding"].as_str().unwrap_or_default();
    let kubernetes = config.kubernetes_bindings().iter().find(|b| b.binding_name() == name);
    let schedule = config.schedule_bindings().iter().find(|b| b.binding_name() == name);
    match (ctx["type"].as_str(), kubernetes, schedule) {
        (Some("Schedule"), _, Some(s)) | (_, None, Some(s)) => {
            Some(BindingFields { queue: s.queue.clone(), allow_failure: s.allow_failure })
        }
        (_, Some(k), _) => Some(BindingFields { queue: k.queue.clone(), allow_failure: k.allow_failure }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn startup_runs_like_the_main_queue() {
        let runs = startup_runs(vec![
            json!({"binding": "onStartup"}),
            json!({"binding": "a", "type": "Synchronization", "objects": []}),
            json!({"binding": "g2", "type": "Group", "groupName": "g"}),
            json!({"binding": "b", "type": "Synchronization", "objects": []}),
        ]);
        let bindings: Vec<Vec<&str>> = runs
            .iter()
            .map(|r| r.contexts.iter().map(|c| c["binding"].as_str().unwrap_or_default()).collect())
            .collect();
        assert_eq!(bindings, [vec!["onStartup"], vec!["a"], vec!["g2", "b"]], "a Group head takes b along");
        assert!(runs.iter().all(|r| r.queue == MAIN));
    }
}
