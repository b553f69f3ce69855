//! The soak loop: per step one random edit, random faults, the three hooks in a random
//! order (one run each), invariants 1, 2 and 4 after every run; every `checkpoint` steps
//! and at the end the faults stop and invariants 5 and 3 are checked.

use crate::faults::{self, Undo};
use crate::harness::{Deployment, HOOKS, Hooks, Run};
use crate::invariants::{self as inv, Delivered};
use crate::model::{LKC, Model};
use crate::world::{Emulator, FOREIGN_KEYS, Observed};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub struct Figures {
    pub steps: u64,
    pub runs: u64,
    pub checks: u64,
    /// Resources the runs deleted, and keys they minted (that the soak saw at all).
    pub deletions: u64,
    pub mints: u64,
    pub violations: Vec<String>,
    pub notes: Vec<String>,
}

pub struct Soak {
    pub seed: u64,
    rng: fastrand::Rng,
    emu: Emulator,
    hooks: Hooks,
    model: Model,
    deployment: Deployment,
    foreign: Value,
    secrets: BTreeSet<String>,
    undo: Undo,
    pub figures: Figures,
    verbose: bool,
    step: u64,
    step_text: String,
    /// Deletions the last ccloud-api-key run held (its `reconcile finished` line).
    api_key_held: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    #[error(transparent)]
    World(#[from] crate::world::WorldError),
    #[error(transparent)]
    Harness(#[from] crate::harness::HarnessError),
}

fn envs(url: &str, d: &Deployment) -> [Vec<(String, String)>; 3] {
    let mut extra: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = d.allow_delete {
        extra.push(("ALLOW_DELETE", a));
    }
    if let Some(m) = d.max_deletions {
        extra.push(("MAX_DELETIONS_PER_RUN", m));
    }
    if let Some(i) = d.instance {
        extra.push(("INSTANCE_ID", i));
    }
    let ccloud = test_support::emulator::hook_env(url, &extra);
    let props = test_support::testdata("connect-properties").display().to_string();
    let connect_delete = match d.allow_delete {
        Some(a) if a == "true" || a.contains("connector") => a,
        _ => "connector",
    };
    let mut connect: Vec<(&str, &str)> = vec![
        ("CONNECT_URL", url),
        ("CONNECT_PROPERTIES_DIR", props.as_str()),
        ("MYSQL_CONNECTION_USER", "root"),
        ("ALLOW_DELETE", connect_delete),
    ];
    connect.extend(extra.iter().filter(|(k, _)| *k != "ALLOW_DELETE"));
    let mut connect_env = test_support::emulator::hook_env(url, &connect);
    connect_env.retain(|(k, _)| k != "KAFKA_API_KEY" && k != "KAFKA_API_SECRET");
    [ccloud.clone(), ccloud, connect_env]
}

impl Soak {
    pub fn new(seed: u64, bin_dir: &std::path::Path, verbose: bool) -> Result<Self, SoakError> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let emu = Emulator::start()?;
        let deployment = Deployment::pick(&mut rng);
        let mut hooks = Hooks::new(bin_dir, envs(emu.url(), &deployment))?;
        let model = Model::initial();
        for cm in &model.ccloud {
            crate::edits::apply_cm(&mut hooks.cluster, cm.render());
        }
        for c in &model.connectors {
            crate::edits::apply_cm(&mut hooks.cluster, c.render());
        }
        let foreign = inv::foreign(&emu.observe());
        let mut secrets: BTreeSet<String> = [
            test_support::emulator::CLOUD.1,
            test_support::emulator::KAFKA.1,
            "fixture/secret=with=equals",
            "fixture-sr-secret",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        secrets.extend(FOREIGN_KEYS.iter().map(|k| k.1.to_owned()));
        let figures =
            Figures { steps: 0, runs: 0, checks: 0, deletions: 0, mints: 0, violations: Vec::new(), notes: Vec::new() };
        Ok(Self {
            seed,
            rng,
            emu,
            hooks,
            model,
            deployment,
            foreign,
            secrets,
            undo: Undo::default(),
            figures,
            verbose,
            step: 0,
            step_text: String::new(),
            api_key_held: 0,
        })
    }

    pub fn deployment(&self) -> &Deployment {
        &self.deployment
    }

    fn violation(&mut self, run: &str, what: &str, detail: &str) {
        let text = format!(
            "VIOLATION seed={} step={} ({}) {run}: {what}\n  replay: chaos-soak --seed {} --steps {}{detail}",
            self.seed, self.step, self.step_text, self.seed, self.step
        );
        eprintln!("{text}");
        self.figures.violations.push(text);
    }

    fn report(&mut self, run: &str, found: Vec<String>, detail: &str) {
        self.figures.checks += 1;
        for f in found {
            if let Some(note) = f.strip_prefix("note: ") {
                let n = format!("seed={} step={} {run}: {note}", self.seed, self.step);
                if self.verbose {
                    eprintln!("note {n}");
                }
                self.figures.notes.push(n);
            } else {
                self.violation(run, &f, detail);
            }
        }
    }

    /// One step: edit, faults, one run of each hook in a random order.
    pub fn step(&mut self) {
        self.step += 1;
        self.figures.steps += 1;
        faults::clear(&self.emu, &mut self.hooks, &mut self.undo);
        faults::drop_refusals(&mut self.hooks);
        let edit = if self.rng.u32(..10) < 8 {
            crate::edits::random_edit(&mut self.rng, &mut self.model, &mut self.hooks.cluster)
        } else {
            String::from("no edit")
        };
        let faults = faults::random_faults(&mut self.rng, &self.emu, &mut self.hooks, &mut self.undo);
        self.step_text = format!("edit: {edit}; faults: [{}]", faults.join("; "));
        if self.verbose {
            eprintln!("step {}: {}", self.step, self.step_text);
        }
        let mut order = [0, 1, 2];
        self.rng.shuffle(&mut order);
        for hook in order {
            self.checked_run(hook, &format!("run of {}", HOOKS[hook]));
        }
    }

    /// Runs one hook and checks invariants 1, 2 and 4 around it.
    fn checked_run(&mut self, hook: usize, label: &str) -> Option<bool> {
        let declared = self.model.declared();
        let before = self.emu.observe();
        let secrets_before = inv::delivered(&self.hooks.cluster.truth().0);
        let record_before = self.connect_record();
        let run = self.hooks.run(hook);
        self.figures.runs += 1;
        let after = self.emu.observe();
        let r = match &run.result {
            Ok(r) => r.clone(),
            Err(panic) => {
                self.report(label, vec![format!("the harness rejected the run: {panic}")], "");
                return None;
            }
        };
        self.learn_secrets(&r.operations);
        self.count_changes(&before, &after);
        let detail = self.detail(&run, &before, &after, &record_before);
        let found = inv::nothing_declared_deleted(&declared, &before, &after, &secrets_before);
        self.report(&format!("{label} [invariant 1]"), found, &detail);
        let found = inv::foreign_untouched(&self.foreign, &after);
        self.report(&format!("{label} [invariant 2]"), found, &detail);
        let found = inv::deletions_authorised(&self.model, &self.deployment, &before, &after);
        self.report(&format!("{label} [invariant 1b, deletion switches]"), found, &detail);
        self.leaks(label, &r);
        if self.verbose {
            let f = r.failure.as_deref().unwrap_or("ok");
            eprintln!("  {label}: exit {} {}", r.exit, f.lines().next().unwrap_or_default());
            if std::env::var_os("CHAOS_SOAK_HOOK_LOG").is_some() {
                eprintln!("{}", r.stderr);
            }
        }
        if run.hook == "ccloud-api-key" {
            self.api_key_held = held(&r.stderr);
        }
        Some(r.succeeded())
    }

    fn connect_record(&self) -> String {
        // `connect-apply.records`, or `connect-apply.records.<stamp>` with an instance id.
        let record = self.hooks.cluster.truth().0.iter().find(|o| {
            o["kind"] == "ConfigMap"
                && o["metadata"]["name"].as_str().is_some_and(|n| n.starts_with("connect-apply.records"))
        });
        record.and_then(|r| r["data"]["records"].as_str()).unwrap_or("(none)").to_owned()
    }

    fn detail(&self, run: &Run, before: &Observed, after: &Observed, record_before: &str) -> String {
        let gone =
            |a: Vec<String>, b: &dyn Fn(&String) -> bool| -> Vec<String> { a.into_iter().filter(|x| !b(x)).collect() };
        let topics = gone(before.topics.keys().cloned().collect(), &|t| after.topics.contains_key(t));
        let keys = gone(before.keys.keys().cloned().collect(), &|k| after.keys.contains_key(k));
        let acls = gone(before.acls.iter().cloned().collect(), &|a| after.acls.contains(a));
        let conns: Vec<String> = before
            .connectors
            .keys()
            .filter(|c| !after.connectors.contains_key(*c))
            .map(|c| format!("{}/{}", c.0, c.1))
            .collect();
        let minted: Vec<&String> = after.keys.keys().filter(|k| !before.keys.contains_key(*k)).collect();
        let tail = match &run.result {
            Ok(r) => {
                let lines: Vec<&str> = r.stderr.lines().rev().take(6).collect();
                format!("exit {}; last log lines: {}", r.exit, lines.into_iter().rev().collect::<Vec<_>>().join(" | "))
            }
            Err(_) => String::new(),
        };
        // connect-apply's record (which ConfigMap declared which connector) explains its deletions.
        let record = if run.hook == "connect-apply" {
            format!("\n  connect-apply.records before the run: {record_before}; after: {}", self.connect_record())
        } else {
            String::new()
        };
        format!(
            "\n  {}: deleted topics {topics:?}, keys {keys:?}, ACLs {acls:?}, connectors {conns:?}; minted keys {minted:?}\n  {tail}{record}",
            run.hook
        )
    }

    fn count_changes(&mut self, before: &Observed, after: &Observed) {
        let gone = before.topics.keys().filter(|k| !after.topics.contains_key(*k)).count()
            + before.acls.iter().filter(|k| !after.acls.contains(*k)).count()
            + before.keys.keys().filter(|k| !after.keys.contains_key(*k)).count()
            + before.connectors.keys().filter(|k| !after.connectors.contains_key(*k)).count();
        self.figures.deletions += gone as u64;
        self.figures.mints += after.keys.keys().filter(|k| !before.keys.contains_key(*k)).count() as u64;
    }

    fn learn_secrets(&mut self, operations: &[Value]) {
        for op in operations {
            let o = &op["object"];
            if o["kind"] != "Secret" {
                continue;
            }
            if let Some(s) = inv::secret_value(o, "ccloud-api-key").and_then(|s| serde_json::from_str::<Value>(&s).ok())
                && let Some(secret) = s["secret"].as_str()
            {
                self.secrets.insert(secret.to_owned());
            }
        }
    }

    fn leaks(&mut self, label: &str, r: &test_support::hook_test::HookRunResult) {
        // Every operation, a Secret's metadata included, with only Secret data left out.
        let non_secret: Vec<Value> = r
            .operations
            .iter()
            .map(|op| {
                let mut op = op.clone();
                let secret = op["object"]["kind"] == "Secret" || op["kind"] == "Secret";
                for field in ["object", "mergePatch", "jsonPatch"] {
                    if secret && let Some(o) = op[field].as_object_mut() {
                        o.remove("data");
                        o.remove("stringData");
                    }
                }
                op
            })
            .collect();
        let ops = serde_json::to_string(&non_secret).unwrap_or_default();
        let metrics = serde_json::to_string(&r.metrics_written).unwrap_or_default();
        let configmaps: Vec<&Value> =
            self.hooks.cluster.truth().0.iter().filter(|o| o["kind"] == "ConfigMap").collect();
        let cms = serde_json::to_string(&configmaps).unwrap_or_default();
        let state = self.emu.state().to_string();
        let mut found = Vec::new();
        for (what, text) in [
            ("stdout", &r.stdout),
            ("stderr", &r.stderr),
            ("the patch file (non-Secret operations)", &ops),
            ("the metrics", &metrics),
            ("ConfigMaps (status annotations, records)", &cms),
            ("/_emulator/state", &state),
        ] {
            found.extend(inv::no_secret_in(&self.secrets, what, text));
        }
        self.report(&format!("{label} [invariant 4]"), found, "");
    }

    /// Faults stop: converged within 3 fault-free rounds (a 4th writes nothing), then one
    /// live key per declared pair whose Secret authenticates.
    pub fn checkpoint(&mut self) {
        faults::clear(&self.emu, &mut self.hooks, &mut self.undo);
        faults::drop_refusals(&mut self.hooks);
        self.step_text = String::from("convergence checkpoint");
        self.age_orphans();
        // The hook judges "delivery pending" by its own clock: as if ORPHAN_GRACE had passed.
        self.hooks.set_env(0, "ORPHAN_GRACE", "1s");
        self.emu.advance(10);
        self.emu.writes_since_clear();
        let mut history = Vec::new();
        let mut converged = false;
        for round in 1..=4 {
            let mut ok = true;
            for (hook, name) in HOOKS.iter().enumerate() {
                ok &= self.checked_run(hook, &format!("fault-free round {round}, {name}")).unwrap_or(false);
            }
            let writes = self.write_log();
            self.emu.advance(10);
            history.push(format!(
                "round {round}: {} writes{}{}",
                writes.len(),
                if ok { "" } else { " (a run failed)" },
                if writes.is_empty() { String::new() } else { format!(" {writes:?}") }
            ));
            if ok && writes.is_empty() {
                converged = true;
                break;
            }
        }
        self.hooks.unset_env(0, "ORPHAN_GRACE");
        self.figures.checks += 1;
        if !converged {
            self.violation(
                "[invariant 5]",
                "not converged within 3 fault-free rounds",
                &format!("\n  {}", history.join("\n  ")),
            );
        }
        self.emu.advance(10);
        let observed = self.emu.observe();
        let objects = self.hooks.cluster.truth().0.clone();
        if self.verbose {
            let secrets = objects.iter().filter(|o| o["kind"] == "Secret").count();
            eprintln!(
                "  state: {} topics, {} keys, {} ACLs, {} connectors {:?}, {} service accounts, {secrets} Secrets",
                observed.topics.len(),
                observed.keys.len(),
                observed.acls.len(),
                observed.connectors.len(),
                observed.connectors.keys().collect::<Vec<_>>(),
                observed.service_accounts.len()
            );
        }
        let (found, auth) = inv::one_key_per_pair(
            &self.model,
            &observed,
            &objects,
            self.deployment.allows("api-key") && self.deployment.instance.is_some() && self.api_key_held == 0,
        );
        self.report("after convergence [invariant 3]", found, "");
        let mut failed = Vec::new();
        for (pair, key, secret) in auth {
            let (status, _) = test_support::http::call(
                self.emu.url(),
                "GET",
                &format!("/kafka/v3/clusters/{LKC}/topics"),
                Some((&key, &secret)),
                None,
            );
            if status != 200 {
                failed.push(format!("the Secret of {pair} (key {key}) does not authenticate: HTTP {status}"));
            }
        }
        self.report("after convergence [invariant 3, authentication]", failed, "");
    }

    /// Keys of this deployment that no Secret holds are made an hour older, as if
    /// `ORPHAN_GRACE` had passed (the emulator's clock alone does not age them for the hook).
    fn age_orphans(&self) {
        let held: BTreeSet<String> =
            inv::delivered(&self.hooks.cluster.truth().0).into_iter().map(|d: Delivered| d.key).collect();
        let token = self.deployment.owner_token();
        for (id, k) in self.emu.observe().keys {
            let instance = self.deployment.instance.unwrap_or("default");
            let ours = k.description.split_whitespace().next() == Some(token.as_str())
                || k.description.starts_with(&format!("ccops ccloud-api-key instance={instance} "));
            if ours && !held.contains(&id) && !FOREIGN_KEYS.iter().any(|f| f.0 == id) {
                self.emu.call("POST", &format!("/_emulator/api-keys/{id}/age"), Some(json!({"seconds": 3600})));
            }
        }
    }

    /// The writes (non-GET requests) since the last call.
    fn write_log(&self) -> Vec<String> {
        let log = self.emu.call("GET", "/_emulator/requests", None).1;
        self.emu.call("DELETE", "/_emulator/requests", None);
        log["requests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap_or_default().starts_with("/_emulator"))
            .map(|r| {
                format!(
                    "{} {} {}",
                    r["method"].as_str().unwrap_or_default(),
                    r["path"].as_str().unwrap_or_default(),
                    r["status"]
                )
            })
            .collect()
    }
}

/// `held` of a run's `reconcile finished` log line: deletions the switches held back.
fn held(stderr: &str) -> u64 {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["msg"] == "reconcile finished")
        .filter_map(|v| v["held"].as_u64())
        .next_back()
        .unwrap_or(0)
}
