//! The writes: account creates and descriptions, key mints (delivered the moment they
//! exist), ACL creates, and the deletions the switches admitted, in that order.

use crate::observe::{ambiguous, failure};
use crate::plan::{AccountAction, Deletion, KeyTarget};
use ccloud_api::{CloudApi, ServiceAccount};
use reconcile::{Failure, OwnerToken, Reason};
use shell_hook::Outputs;
use std::collections::BTreeSet;

pub fn account(cloud: &CloudApi, action: &AccountAction) -> Result<Option<ServiceAccount>, api_http::HttpError> {
    match action {
        AccountAction::Create { name, description } => match cloud.create_service_account(name, description) {
            Ok(sa) => Ok(Some(sa)),
            // The name is taken (an earlier attempt, or a concurrent one): adopt it.
            Err(e) if e.status() == Some(409) => {
                cloud.service_accounts(&[name]).map(|l| l.into_iter().find(|s| s.name == *name))
            }
            Err(e) => Err(e),
        },
        AccountAction::Describe { id, description, .. } => cloud.update_service_account(id, description).map(|()| None),
    }
}

/// What became of one mint, with the keys that landed without their response.
pub enum Minted {
    /// The key exists and its Secrets are in the patch file.
    Delivered {
        key_id: String,
        secret: api_http::Secret,
        lost: Vec<String>,
    },
    Failed(Failure, Vec<String>),
}

/// The description every key of this deployment carries: its exact owner token.
pub fn key_description(owner: &OwnerToken, target: &KeyTarget) -> String {
    format!("{owner} sa={} resource={}", target.delivery.service_account, target.delivery.resource_id)
}

/// Attempts of one mint. After an ambiguous failure the pair's keys are listed first: a
/// key that landed without its response is useless (its secret exists nowhere), so it is
/// reported and left to the orphan clean-up, and the create is sent again.
const MINT_ATTEMPTS: u32 = 3;

/// Mints and delivers one key. The create is never repeated blindly after a timeout or
/// a 5xx: the pair's keys are listed first, so that the report names every key that
/// landed unseen (an orphan, deleted through the switches after `ORPHAN_GRACE`).
#[allow(clippy::too_many_arguments)]
pub fn mint(
    cloud: &CloudApi,
    outputs: &Outputs,
    owner: &OwnerToken,
    target: &KeyTarget,
    env_id: &str,
    previous: Option<&str>,
    known: &BTreeSet<String>,
    deadline: std::time::Instant,
) -> std::io::Result<Minted> {
    let d = &target.delivery;
    let mut known = known.clone();
    let mut lost = Vec::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let e = match cloud.create_api_key(
            &d.service_account_id,
            Some((&d.resource_id, env_id)),
            &key_description(owner, target),
        ) {
            Ok((key, secret)) => {
                let rotated_at = jiff::Timestamp::now().to_string();
                for op in d.secrets(&key.id, &secret, previous.map(|p| (p, rotated_at.as_str()))) {
                    outputs.patch_precious(&op)?;
                }
                return Ok(Minted::Delivered { key_id: key.id, secret, lost });
            }
            Err(e) if ambiguous(&e) => e,
            Err(e) => return Ok(Minted::Failed(failure(target.subject.clone(), &e), lost)),
        };
        let listed = cloud.api_keys(Some(&d.service_account_id), Some(&d.resource_id));
        if let Ok(keys) = &listed {
            for k in keys.iter().filter(|k| owner.owns(&k.description)) {
                if known.insert(k.id.clone()) {
                    lost.push(k.id.clone());
                }
            }
        }
        let wait = std::time::Duration::from_millis(250 << attempt);
        if listed.is_err() || attempt >= MINT_ATTEMPTS || std::time::Instant::now() + wait >= deadline {
            let message = format!(
                "the key create failed ({e}) after {attempt} attempt(s), each checked against the pair's keys; the next run looks again before it mints"
            );
            return Ok(Minted::Failed(Failure::new(target.subject.clone(), Reason::Transient, message), lost));
        }
        std::thread::sleep(wait);
    }
}

/// Deletes one admitted candidate (`kafka`: the client of an ACL's cluster).
pub fn delete(cloud: &CloudApi, kafka: Option<&kafka_rest::KafkaRest>, d: &Deletion) -> Result<(), Failure> {
    let subject = d.subject();
    match d {
        Deletion::Key { id, .. } => cloud.delete_api_key(id).map_err(|e| failure(subject, &e)),
        Deletion::Account { id, .. } => cloud.delete_service_account(id).map_err(|e| failure(subject, &e)),
        Deletion::Acl { acl, .. } => match kafka {
            Some(k) => k.delete_acl(acl).map(drop).map_err(|e| failure(subject, &e)),
            None => Err(Failure::new(subject, Reason::Unresolved, "the cluster is not reachable this run")),
        },
    }
}
