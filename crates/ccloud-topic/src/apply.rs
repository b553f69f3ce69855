//! Carries out a plan with bounded concurrency. In a dry run, creates and config
//! changes are validated by the server (`validate_only`); nothing is changed.

use crate::plan::Action;
use api_http::HttpError;
use hook_reconcile::pool::run_bounded;
use kafka_rest::{ConfigChange, KafkaRest};
use reconcile::{Failure, Reason};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// A create whose earlier attempt had already taken effect.
    AlreadyDone,
    /// Dry run: the server accepted the change without making it.
    Validated,
    /// Dry run: the API has no validate-only form for this change.
    NotValidated,
}

#[derive(Debug, Clone)]
pub struct ActionResult {
    pub action: Action,
    pub outcome: Result<Applied, Failure>,
}

pub fn apply(kafka: &KafkaRest, actions: &[Action], dry_run: bool, concurrency: usize) -> Vec<ActionResult> {
    run_bounded(actions, concurrency, |action| ActionResult {
        action: action.clone(),
        outcome: apply_one(kafka, action, dry_run),
    })
}

fn apply_one(kafka: &KafkaRest, action: &Action, dry_run: bool) -> Result<Applied, Failure> {
    let subject = format!("topic {} on {}", action.topic(), kafka.cluster_id());
    let fail = |e: &HttpError| Failure::new(subject.clone(), reason(e, dry_run), e.to_string());
    let done = if dry_run { Applied::Validated } else { Applied::Done };
    match action {
        Action::Create { topic, partitions, replication_factor, config } => {
            match kafka.create_topic(topic, *partitions, *replication_factor, config.iter(), dry_run) {
                Ok(()) => Ok(done),
                // 40002 covers several causes: "exists" is proven only by a GET.
                Err(e) if !dry_run && e.error_code() == Some(40002) && e.api_message().contains("already exists") => {
                    match kafka.get_topic(topic) {
                        Ok(Some(_)) => Ok(Applied::AlreadyDone),
                        Ok(None) => Err(fail(&e)),
                        Err(get) => Err(fail(&get)),
                    }
                }
                Err(e) if !dry_run && e.is_transient() => match kafka.get_topic(topic) {
                    // The create may have happened before the failure; look before repeating.
                    Ok(Some(_)) => Ok(Applied::AlreadyDone),
                    _ => Err(fail(&e)),
                },
                Err(e) => Err(fail(&e)),
            }
        }
        Action::AlterConfigs { topic, set, reset } => {
            let changes: Vec<ConfigChange> = set
                .iter()
                .map(|(k, (_, v))| ConfigChange::Set(k.clone(), v.clone()))
                .chain(reset.iter().map(|k| ConfigChange::Delete(k.clone())))
                .collect();
            kafka.alter_configs(topic, &changes, dry_run).map(|()| done).map_err(|e| fail(&e))
        }
        Action::IncreasePartitions { .. } | Action::Delete { .. } if dry_run => Ok(Applied::NotValidated),
        Action::IncreasePartitions { topic, to, .. } => match kafka.increase_partitions(topic, *to) {
            Ok(()) => Ok(Applied::Done),
            // A retried PATCH that had taken effect answers "already has N partitions".
            Err(e) if e.error_code() == Some(40002) => match kafka.get_topic(topic) {
                Ok(Some(t)) if t.partitions >= *to => Ok(Applied::AlreadyDone),
                _ => Err(fail(&e)),
            },
            Err(e) => Err(fail(&e)),
        },
        Action::Delete { topic } => kafka.delete_topic(topic).map(|()| Applied::Done).map_err(|e| fail(&e)),
    }
}

/// What a failed request means for the topic. In a dry run the only writes are
/// `validate_only` ones, so a refusal there is the server's validation saying no.
pub fn reason(e: &HttpError, dry_run: bool) -> Reason {
    if e.is_transient() {
        return Reason::Transient;
    }
    match Reason::from_status(e.status()) {
        Reason::Refused if dry_run => Reason::ValidationFailed,
        // Not transient and no status (an unreadable answer): a retry will not help.
        Reason::Transient => Reason::Refused,
        other => other,
    }
}
