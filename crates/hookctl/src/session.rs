//! A planned run carried out as shell-operator carries it out: fresh snapshots from the
//! informer's view before each attempt, the outcome judged and applied to the pretend
//! cluster, and a failed run retried after upstream's back-off (reported, never slept).

use crate::cluster::PretendCluster;
use crate::cycle::{Attempt, retry_delay, run_with};
use crate::queues::PlannedRun;
use crate::render::{RenderError, Renderer};
use crate::runner::RunError;
use shell_hook::HookConfig;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// One attempt of a planned run.
#[derive(Debug)]
pub struct Try {
    pub attempt: Attempt,
    /// After a failure: shell-operator's delay before the next attempt (no jitter).
    pub retry_in: Option<Duration>,
    /// The run failed, but its binding has `allowFailure`: dropped, never retried.
    pub failure_allowed: bool,
}

/// How a hook is run: its path, configuration and extra environment.
pub struct HookRunner<'a> {
    pub hook: &'a Path,
    pub config: &'a HookConfig,
    pub env: &'a [(String, String)],
    /// Keep the hook's stdout and stderr instead of passing them through.
    pub capture: bool,
}

impl HookRunner<'_> {
    /// Runs `planned` until it succeeds, fails with `allowFailure`, or `max_retries`
    /// retries failed too; every
    /// attempt, the last one included, is returned in order. `failed_before` counts the
    /// task's earlier failed attempts: upstream's back-off goes on from there.
    pub fn execute(
        &self,
        cluster: &mut PretendCluster,
        planned: &PlannedRun,
        max_retries: u32,
        failed_before: u32,
    ) -> Result<Vec<Try>, SessionError> {
        let renderer = Renderer::new(self.config)?;
        let allowed = planned.contexts.first().is_some_and(|c| crate::queues::allows_failure(self.config, c));
        let mut tries = Vec::new();
        for retry in failed_before..=failed_before.saturating_add(max_retries) {
            let view = cluster.snapshot_for_run();
            let contexts = renderer.refresh(&planned.contexts, &view)?;
            let attempt = run_with(cluster, self.hook, contexts, self.env, self.capture)?;
            let failed = !attempt.succeeded();
            let failure_allowed = failed && allowed;
            let retry_in = (failed && !allowed).then(|| retry_delay(retry));
            tries.push(Try { attempt, retry_in, failure_allowed });
            if !failed || allowed {
                break;
            }
        }
        Ok(tries)
    }
}
