//! What each target has: one listing (`GET /connectors?expand=info&expand=status`), the
//! targets side by side. A target that cannot be reached or listed is unavailable: none
//! of its connectors is touched this run, and what the record says of it is kept.

use crate::options::Options;
use crate::target::{connect, http_failure};
use connect_client::{ConnectApi, Live, Target};
use hook_reconcile::pool::run_bounded;
use reconcile::Failure;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

#[derive(Debug, Default)]
pub struct Observed {
    /// Every target that got a client (listed or not), for the writes and the request count.
    pub apis: BTreeMap<Target, ConnectApi>,
    pub listed: BTreeMap<Target, BTreeMap<String, Live>>,
    /// Targets that could not be reached or listed, with the failure (keyed by the target).
    pub unavailable: Vec<(Target, Failure)>,
}

impl Observed {
    /// Every request sent to every target so far.
    pub fn requests(&self) -> u64 {
        self.apis.values().map(ConnectApi::requests_sent).sum()
    }
}

pub fn observe(targets: &BTreeSet<Target>, options: &Options, deadline: Instant) -> Observed {
    let targets: Vec<&Target> = targets.iter().collect();
    type Listing = Result<BTreeMap<String, Live>, Failure>;
    let results = run_bounded(&targets, options.concurrency, |target| -> Result<(ConnectApi, Listing), Failure> {
        let api = connect(target, options, deadline)?;
        let listing = api.list().map_err(|e| http_failure(target.to_string(), &e));
        Ok((api, listing))
    });
    let mut out = Observed::default();
    for (target, result) in targets.into_iter().zip(results) {
        match result {
            Ok((api, Ok(live))) => {
                out.apis.insert(target.clone(), api);
                out.listed.insert(target.clone(), live);
            }
            Ok((api, Err(failure))) => {
                out.apis.insert(target.clone(), api);
                out.unavailable.push((target.clone(), failure));
            }
            Err(failure) => out.unavailable.push((target.clone(), failure)),
        }
    }
    out
}
