//! The declarations: every data key of every connector ConfigMap is one connector.
//!
//! A declaration that cannot be used (its route is missing, its template does not render,
//! its state or `enabled` label is invalid, or the same connector is declared twice) is a
//! failure of that declaration and freezes its connector: it is never changed or deleted.
//! A failing declaration whose connector's name is known also freezes every recorded
//! connector of that name on any target (it may be moving there). When the name cannot be
//! known (the template failed), the data key may declare any connector, even one another,
//! removed ConfigMap declared (a rename): nothing in the scope may be deleted this run.

use crate::annotations::SourceNotes;
use crate::config::STATE_ANNOTATION;
use crate::key::ConnectorKey;
use crate::plan::{State, Want};
use crate::record::Owned;
use crate::sensitive::{sensitive_hash, sensitive_keys};
use crate::template::{self, Variables};
use connect_client::Target;
use reconcile::{Failure, Inventory, Reason};
use shell_hook::ConfigMapView;
use std::collections::{BTreeMap, BTreeSet};

/// What declarations are read from.
pub struct Inputs<'a> {
    pub views: &'a [ConfigMapView],
    /// The `cc.env.<env>.kafka.<cluster>` ConfigMaps that route connectors to Confluent Cloud.
    pub routes: &'a [ConfigMapView],
    pub vars: &'a Variables,
    /// `env.X` of the templates.
    pub env: &'a BTreeMap<String, String>,
    /// What the record says each ConfigMap declared; `None` when the snapshot has no
    /// record (then a broken declaration freezes every connector).
    pub owned: Option<&'a Owned>,
    /// Keys the hash of sensitive values (the Cloud API secret).
    pub hash_key: &'a [u8],
}

/// One usable declaration.
#[derive(Debug, Clone)]
pub struct Declared {
    pub key: ConnectorKey,
    /// The ConfigMap (`namespace/name`).
    pub source: String,
    pub want: Want,
}

#[derive(Debug, Clone, Default)]
pub struct Desired {
    /// Usable declarations only.
    pub connectors: BTreeMap<ConnectorKey, Declared>,
    /// Where every connector stands: declared, failing (frozen), unknown (frozen) or undeclared.
    pub inventory: Inventory<ConnectorKey>,
    /// One per failing declaration, keyed `<namespace>/<name> key <data key>`.
    pub failures: Vec<Failure>,
    /// ConfigMaps with at least one failing declaration.
    pub failing_sources: BTreeSet<String>,
    /// Data keys read.
    pub declarations: usize,
}

impl Desired {
    fn failed(&mut self, source: &str, failure: Failure) {
        self.failing_sources.insert(source.to_owned());
        self.failures.push(failure);
    }
}

/// A declaration whose connector is known, usable or not.
struct Named {
    subject: String,
    source: String,
    want: Result<Want, (Reason, String)>,
}

pub fn desired(inputs: &Inputs<'_>) -> Desired {
    let mut out = Desired::default();
    let mut named: BTreeMap<ConnectorKey, Vec<Named>> = BTreeMap::new();
    // Names of failing declarations whose connector is known: (subject, name).
    let mut failing_names: Vec<(String, String)> = Vec::new();
    for view in inputs.views {
        let source = view.id();
        let notes = SourceNotes::read(view);
        let target = route(view, inputs.routes);
        for (data_key, code) in &view.data {
            out.declarations += 1;
            let subject = format!("{source} key {data_key}");
            let rendered = template::render_named(code, inputs.vars, inputs.env);
            let (target, rendered) = match (&target, rendered) {
                (Ok(t), Ok(r)) => (t.clone(), r),
                (Err(message), Ok(r)) => {
                    // The name is known, the target is not: freeze what this ConfigMap
                    // declared before, and the name anywhere.
                    out.inventory.fail_source(&subject, inputs.owned.map(|o| o.recorded_by(&source)));
                    failing_names.push((subject.clone(), r.name));
                    out.failed(&source, Failure::new(subject, Reason::Unresolved, message.clone()));
                    continue;
                }
                (route, Err((Some(name), e))) => {
                    // The template named its connector, then failed: freeze what this
                    // ConfigMap declared before, and that name anywhere.
                    out.inventory.fail_source(&subject, inputs.owned.map(|o| o.recorded_by(&source)));
                    failing_names.push((subject.clone(), name));
                    let (reason, message) = match route {
                        Err(m) => (Reason::Unresolved, format!("{m}; and the template fails: {e}")),
                        Ok(_) => (Reason::Invalid, e),
                    };
                    out.failed(&source, Failure::new(subject, reason, message));
                    continue;
                }
                (route, Err((None, e))) => {
                    // The connector is unknown, so this key may declare any of them.
                    out.inventory.fail_source(&subject, None);
                    let (reason, message) = match route {
                        Err(m) => (Reason::Unresolved, format!("{m}; and the template fails: {e}")),
                        Ok(_) => (Reason::Invalid, e.to_string()),
                    };
                    out.failed(&source, Failure::new(subject, reason, message));
                    continue;
                }
            };
            let key = ConnectorKey::new(target, rendered.name.clone());
            let want = want(view, &key, rendered, &notes, inputs.hash_key);
            named.entry(key).or_default().push(Named { subject, source: source.clone(), want });
        }
    }
    for (key, mut declarations) in named {
        if declarations.len() > 1 {
            let sources: Vec<&str> = declarations.iter().map(|d| d.subject.as_str()).collect();
            let message = format!("{key} is declared in {}; none of them is applied", sources.join(", "));
            for d in &declarations {
                out.failed(&d.source, Failure::new(d.subject.clone(), Reason::Conflict, &message));
                failing_names.push((d.subject.clone(), key.name.clone()));
            }
            out.inventory.fail(Failure::new(key, Reason::Conflict, message));
            continue;
        }
        let Some(d) = declarations.pop() else { continue };
        match d.want {
            Ok(want) => {
                out.inventory.declare(key.clone());
                out.connectors.insert(key.clone(), Declared { key, source: d.source, want });
            }
            Err((reason, message)) => {
                failing_names.push((d.subject.clone(), key.name.clone()));
                out.failed(&d.source, Failure::new(d.subject, reason, format!("{key}: {message}")));
                out.inventory.fail(Failure::new(key, reason, message));
            }
        }
    }
    for (subject, name) in failing_names {
        let same_name = inputs.owned.into_iter().flat_map(Owned::keys).filter(|k| k.name == name).cloned().collect();
        out.inventory.fail_source(subject, Some(same_name));
    }
    out
}

/// The target of a ConfigMap: self-managed, or the Cloud cluster its `destination.cc`
/// label names. The route must be in the ConfigMap's own namespace: one of the same name
/// elsewhere would silently move the connector to another cluster.
fn route(view: &ConfigMapView, routes: &[ConfigMapView]) -> Result<Target, String> {
    let Some(name) = view.labels.get("destination.cc").filter(|v| !v.is_empty() && *v != "null") else {
        return Ok(Target::SelfManaged);
    };
    routes
        .iter()
        .find(|r| r.name == *name && r.namespace == view.namespace)
        .and_then(|r| {
            Some(Target::Cloud {
                environment_id: r.labels.get("environment_id")?.clone(),
                cluster_id: r.labels.get("resource_id")?.clone(),
            })
        })
        .ok_or_else(|| {
            format!(
                "destination.cc names ConfigMap {name}, which is missing from namespace {} or has no environment_id/resource_id labels",
                view.namespace
            )
        })
}

fn want(
    view: &ConfigMapView,
    key: &ConnectorKey,
    rendered: template::Rendered,
    notes: &SourceNotes,
    hash_key: &[u8],
) -> Result<Want, (Reason, String)> {
    let invalid = |m: String| (Reason::Invalid, m);
    let state = match rendered.state {
        Some(s) => {
            State::parse(&s).ok_or_else(|| invalid(format!("\"state\" {s:?} is not running, paused or stopped")))?
        }
        None => match view.annotations.get(STATE_ANNOTATION).or_else(|| view.labels.get(STATE_ANNOTATION)) {
            None => State::Running,
            Some(s) => State::parse(s)
                .ok_or_else(|| invalid(format!("{STATE_ANNOTATION} {s:?} is not running, paused or stopped")))?,
        },
    };
    let enabled = match view.labels.get("enabled") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        // A typo must not read as "delete it".
        Some(v) => return Err(invalid(format!("label enabled {v:?} is neither true nor false"))),
    };
    if state == State::Stopped && matches!(key.target, Target::Cloud { .. }) {
        return Err(invalid("Confluent Cloud managed connectors cannot be stopped (use paused)".into()));
    }
    let mut config = rendered.config;
    config.insert("name".into(), rendered.name.clone());
    let sensitive = sensitive_keys(&config, &rendered.templated);
    let hash = sensitive_hash(hash_key, &rendered.name, &config, &sensitive);
    Ok(Want {
        applied_hash: notes.applied.get(&rendered.name).cloned(),
        name: rendered.name,
        config,
        enabled,
        state,
        sensitive,
        hash,
    })
}
