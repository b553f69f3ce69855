//! Minimal reads: the named service accounts (one filtered list), the keys of the
//! declared accounts (one list per owner), and one ACL list per cluster in scope.

use crate::config::{CONFIGMAPS_BINDING, SECRETS_BINDING};
use crate::secrets::ManagedSecret;
use ccloud_api::{ApiKey, CloudApi, ServiceAccount};
use hook_reconcile::pool::run_bounded;
use reconcile::{Failure, Reason};
use shell_hook::BindingContext;
use std::collections::BTreeMap;

pub fn failure(subject: impl Into<String>, e: &api_http::HttpError) -> Failure {
    Failure::new(subject.into(), Reason::from_status(e.status()), e.to_string())
}

/// Whether a failed request may still have been executed (no answer, or a 5xx).
pub fn ambiguous(e: &api_http::HttpError) -> bool {
    e.status().is_none_or(|s| s >= 500)
}

pub fn accounts(cloud: &CloudApi, names: &[&str]) -> Result<BTreeMap<String, ServiceAccount>, Failure> {
    let list = cloud.service_accounts(names).map_err(|e| failure("service accounts", &e))?;
    Ok(list.into_iter().map(|sa| (sa.name.clone(), sa)).collect())
}

/// The keys of each owner; an owner whose list failed is reported, its keys unknown.
pub fn keys(cloud: &CloudApi, owners: &[String], concurrency: usize) -> (Vec<ApiKey>, Vec<(String, Failure)>) {
    let results = run_bounded(owners, concurrency, |o| cloud.api_keys(Some(o), None));
    let (mut keys, mut failures) = (Vec::new(), Vec::new());
    for (owner, r) in owners.iter().zip(results) {
        match r {
            Ok(k) => keys.extend(k),
            Err(e) => failures.push((owner.clone(), failure(format!("API keys of {owner}"), &e))),
        }
    }
    (keys, failures)
}

/// The keys in `held` (named by delivered Secrets) that the list did not show: the
/// list lags a freshly minted key, so absence from it is no evidence the key is gone.
pub fn unlisted(cloud: &CloudApi, held: &[String], concurrency: usize) -> (Vec<ApiKey>, Vec<(String, Failure)>) {
    let results = run_bounded(held, concurrency, |id| cloud.api_key(id));
    let (mut keys, mut failures) = (Vec::new(), Vec::new());
    for (id, r) in held.iter().zip(results) {
        match r {
            Ok(k) => keys.extend(k),
            Err(e) => failures.push((id.clone(), failure(format!("API key {id}"), &e))),
        }
    }
    (keys, failures)
}

/// The objects of a snapshot binding; `None` when this run has no snapshot of it.
pub fn snapshot(contexts: &[BindingContext], binding: &str) -> Option<Vec<ManagedSecret>> {
    let items = shell_hook::latest_objects(contexts, binding)?;
    Some(items.iter().filter_map(|i| i.filter_result().as_ref().and_then(ManagedSecret::from_view)).collect())
}

pub fn secrets(contexts: &[BindingContext]) -> Option<Vec<ManagedSecret>> {
    snapshot(contexts, SECRETS_BINDING)
}

pub fn configmaps(contexts: &[BindingContext]) -> Option<Vec<ManagedSecret>> {
    snapshot(contexts, CONFIGMAPS_BINDING)
}

/// The directory's failures (cluster and environment lookups) as typed failures: a
/// lookup that failed transiently is retried; one that found nothing is unresolved.
pub fn lookup_failure(f: hook_reconcile::Failure) -> Failure {
    let reason = if f.transient { Reason::Transient } else { Reason::Unresolved };
    Failure::new(f.subject, reason, f.message)
}
