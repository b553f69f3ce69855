//! Random spec edits, valid and invalid, applied to the model and to the pretend cluster.

use crate::model::{Acl, Broken, ConnectorCm, LKC, LSRC, Model, ROUTE, Topic};
use hookctl::cluster::PretendCluster;
use serde_json::Value;

/// Applies one random edit and says what it was.
pub fn random_edit(rng: &mut fastrand::Rng, model: &mut Model, cluster: &mut PretendCluster) -> String {
    let c = rng.usize(..model.ccloud.len());
    let k = rng.usize(..model.connectors.len());
    let roll = rng.u32(..22);
    let what = match roll {
        0 | 1 => {
            let name = format!("soak-topic-{}", rng.u32(..12));
            let cm = &mut model.ccloud[c];
            if cm.topics.iter().any(|t| t.name == name) {
                return touch(model, cluster, c, format!("no-op: {name} already in {}", model.ccloud[c].name));
            }
            cm.topics.push(Topic {
                name: name.clone(),
                partitions: rng.u32(1..4),
                retention_ms: None,
                tombstone: false,
            });
            format!("add topic {name} to {}", cm.name)
        }
        2 => with_topic(rng, model, c, |t| {
            t.partitions += 1;
            format!("grow {} to {} partitions", t.name, t.partitions)
        }),
        3 => with_topic(rng, model, c, |t| {
            t.retention_ms = Some(3_600_000 * u64::from(t.partitions + 1));
            format!("set retention.ms of {}", t.name)
        }),
        4 => with_topic(rng, model, c, |t| {
            t.tombstone = !t.tombstone;
            format!("{} tombstone on {}", if t.tombstone { "set" } else { "lift" }, t.name)
        }),
        5 => {
            let cm = &mut model.ccloud[c];
            if cm.topics.is_empty() {
                String::from("no-op: no topic to remove")
            } else {
                let t = cm.topics.remove(rng.usize(..cm.topics.len()));
                format!("remove topic {} from {} (undeclared, must be kept)", t.name, cm.name)
            }
        }
        6 => {
            let cm = &mut model.ccloud[c];
            match cm.broken {
                Some(_) => {
                    cm.broken = None;
                    format!("fix {}", cm.name)
                }
                None => {
                    let b = if rng.bool() { Broken::Typo } else { Broken::Syntax };
                    cm.broken = Some(b);
                    format!("break {} ({b:?}): its declarations fail", cm.name)
                }
            }
        }
        7 => {
            // Duplicate a topic of one ConfigMap into the other, with other partitions: a conflict.
            let other = (c + 1) % model.ccloud.len();
            match model.ccloud[c].topics.first().cloned() {
                Some(mut t) if !model.ccloud[other].topics.iter().any(|o| o.name == t.name) => {
                    t.partitions += 2;
                    let name = t.name.clone();
                    model.ccloud[other].topics.push(t);
                    if model.ccloud[other].present {
                        apply_cm(cluster, model.ccloud[other].render());
                    }
                    format!("duplicate topic {name} into {} (conflict)", model.ccloud[other].name)
                }
                _ => String::from("no-op: nothing to duplicate"),
            }
        }
        8 => {
            let cm = &mut model.ccloud[c];
            cm.present = !cm.present;
            if !cm.present {
                cluster.truth_mut().remove("ConfigMap", &cm.name);
                return format!("delete ConfigMap {}", cm.name);
            }
            format!("restore ConfigMap {}", cm.name)
        }
        9 => rename_service_account(rng, model, c),
        10 => {
            let cm = &mut model.ccloud[c];
            let sa = cm.service_accounts.first().cloned().unwrap_or_else(|| "orders-app".into());
            let res = if rng.bool() { LKC } else { LSRC };
            if let Some(i) = cm.keys.iter().position(|(s, r)| *s == sa && *r == res) {
                cm.keys.remove(i);
                format!("drop api-key ({sa}, {res}) from {}", cm.name)
            } else {
                cm.keys.push((sa.clone(), res));
                format!("add api-key ({sa}, {res}) to {}", cm.name)
            }
        }
        11 => {
            let cm = &mut model.ccloud[c];
            let Some(sa) = cm.service_accounts.first().cloned() else { return String::from("no-op: no account") };
            let topic = format!("soak-topic-{}", rng.u32(..12));
            let acl =
                Acl { sa: sa.clone(), operation: ["read", "write", "describe"][rng.usize(..3)], topic, prefix: false };
            if let Some(i) = cm.acls.iter().position(|a| *a == acl) {
                cm.acls.remove(i);
                format!("drop ACL {acl:?}")
            } else {
                cm.acls.push(acl.clone());
                format!("add ACL {acl:?}")
            }
        }
        12 | 13 => {
            let conn = &mut model.connectors[k];
            conn.enabled = !conn.enabled;
            format!("{} connector {} in {}", if conn.enabled { "enable" } else { "disable" }, conn.connector, conn.cm)
        }
        14 => {
            let conn = &mut model.connectors[k];
            conn.removed_variable = !conn.removed_variable;
            format!("{} variable in {}", if conn.removed_variable { "remove the" } else { "restore the" }, conn.cm)
        }
        15 => {
            let conn = &mut model.connectors[k];
            conn.tasks = conn.tasks % 3 + 1;
            format!("tasks.max of {} = {}", conn.connector, conn.tasks)
        }
        16 => {
            let conn = &mut model.connectors[k];
            conn.present = !conn.present;
            if !conn.present {
                cluster.truth_mut().remove("ConfigMap", &conn.cm);
                return format!("delete connector ConfigMap {} ({})", conn.cm, conn.connector);
            }
            format!("restore connector ConfigMap {}", conn.cm)
        }
        17 => {
            // The same connector declared by a second ConfigMap: a conflict, both frozen.
            let src = model.connectors[k].clone();
            let cm = format!("{}-copy", src.cm);
            if let Some(i) = model.connectors.iter().position(|x| x.cm == cm) {
                let gone = model.connectors.remove(i);
                cluster.truth_mut().remove("ConfigMap", &gone.cm);
                return format!("delete duplicate connector ConfigMap {cm}");
            }
            let dup = ConnectorCm { cm: cm.clone(), tasks: src.tasks % 3 + 1, present: true, ..src };
            apply_cm(cluster, dup.render());
            model.connectors.push(dup);
            return format!("duplicate connector {} in {cm} (conflict)", model.connectors[k].connector);
        }
        18 => {
            cluster.truth_mut().remove("ConfigMap", ROUTE);
            return format!("delete route ConfigMap {ROUTE}");
        }
        19 | 20 => return delete_secret(rng, cluster),
        _ => {
            let cm = format!("cc.env.{}", crate::model::ENV);
            cluster.truth_mut().remove("ConfigMap", &cm);
            return format!("delete ConfigMap {cm}");
        }
    };
    what + &sync(model, cluster, roll, c, k)
}

fn touch(model: &Model, cluster: &mut PretendCluster, c: usize, what: String) -> String {
    if model.ccloud[c].present {
        apply_cm(cluster, model.ccloud[c].render());
    }
    what
}

/// Re-renders the ConfigMap the edit touched; says so when that ConfigMap is deleted.
fn sync(model: &Model, cluster: &mut PretendCluster, roll: u32, c: usize, k: usize) -> String {
    let (object, name, present) = if (12..=16).contains(&roll) {
        let conn = &model.connectors[k];
        (conn.render(), &conn.cm, conn.present)
    } else {
        (model.ccloud[c].render(), &model.ccloud[c].name, model.ccloud[c].present)
    };
    if present {
        apply_cm(cluster, object);
        return String::new();
    }
    format!(" (in the model only: ConfigMap {name} is deleted)")
}

fn with_topic(rng: &mut fastrand::Rng, model: &mut Model, c: usize, f: impl FnOnce(&mut Topic) -> String) -> String {
    let cm = &mut model.ccloud[c];
    if cm.topics.is_empty() {
        return String::from("no-op: no topic");
    }
    let i = rng.usize(..cm.topics.len());
    let what = f(&mut cm.topics[i]);
    let state = if cm.present { "" } else { ", which is deleted" };
    format!("{what} in {}{state}", cm.name)
}

fn rename_service_account(rng: &mut fastrand::Rng, model: &mut Model, c: usize) -> String {
    let cm = &mut model.ccloud[c];
    if cm.service_accounts.is_empty() {
        return String::from("no-op: no account");
    }
    let i = rng.usize(..cm.service_accounts.len());
    let old = cm.service_accounts[i].clone();
    let new = match old.strip_suffix("-v2") {
        Some(base) => base.to_owned(),
        None => format!("{old}-v2"),
    };
    cm.service_accounts[i].clone_from(&new);
    cm.keys.iter_mut().filter(|(s, _)| *s == old).for_each(|(s, _)| s.clone_from(&new));
    cm.acls.iter_mut().filter(|a| a.sa == old).for_each(|a| a.sa.clone_from(&new));
    format!("rename service account {old} to {new} in {}", cm.name)
}

fn delete_secret(rng: &mut fastrand::Rng, cluster: &mut PretendCluster) -> String {
    let names: Vec<String> = cluster
        .truth()
        .0
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_owned))
        .collect();
    if names.is_empty() {
        return String::from("no-op: no Secret to delete");
    }
    let name = &names[rng.usize(..names.len())];
    cluster.truth_mut().remove("Secret", name);
    format!("delete Secret {name}")
}

/// Creates or replaces a ConfigMap as `kubectl apply` does, keeping the annotations the
/// hooks wrote on it.
pub fn apply_cm(cluster: &mut PretendCluster, mut object: Value) {
    let name = object["metadata"]["name"].as_str().unwrap_or_default().to_owned();
    let truth = cluster.truth_mut();
    if let Some(old) = truth.get("ConfigMap", &name) {
        object["metadata"]["annotations"] = old["metadata"]["annotations"].clone();
        if object["metadata"]["annotations"].is_null()
            && let Some(m) = object["metadata"].as_object_mut()
        {
            m.remove("annotations");
        }
    }
    truth.remove("ConfigMap", &name);
    truth.0.push(object);
}
