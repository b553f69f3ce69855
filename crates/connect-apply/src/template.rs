//! Connector definitions in the original connect-operator format: jq programs that
//! produce `{name, config}`, reading `$X` (from every `*.properties` file in a
//! directory) and `env.X` (only the variables `CONNECT_TEMPLATE_ENV` allows, see
//! [`env`]). Evaluated once, with jaq, sandboxed and within [`LIMITS`]; which values
//! came from the inputs is found by matching the outputs against them ([`redact`]).

mod env;
mod redact;

pub use env::{is_credential, template_env};

use jq_eval::{Limits, Program};
use redact::Sources;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// A template is a small object builder: one output (a second one is already an
/// error), a few thousand steps at most, well under a second.
pub const LIMITS: Limits =
    Limits { max_outputs: 2, fuel: 100_000, time: Duration::from_secs(2), stack_bytes: 16 * 1024 * 1024 };

/// `$VARS` from properties files: key upper-cased with `.` → `_`, value everything after
/// the first `=` (the original cut at the second `=`, breaking JAAS lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables(pub BTreeMap<String, String>);

impl Variables {
    pub fn load(dir: &Path) -> std::io::Result<Self> {
        let mut vars = BTreeMap::new();
        if !dir.is_dir() {
            return Ok(Self(vars));
        }
        let mut files: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "properties") && p.is_file())
            .collect();
        files.sort();
        for file in files {
            Self::read_properties(&std::fs::read_to_string(&file)?, &mut vars);
        }
        Ok(Self(vars))
    }

    /// Adds the `key=value` lines of one properties file (comments and blank lines skipped).
    pub fn read_properties(text: &str, vars: &mut BTreeMap<String, String>) {
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with(['#', '!']) {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                vars.insert(k.trim().to_ascii_uppercase().replace(['.', '-'], "_"), v.to_owned());
            }
        }
    }

    /// The original also exported `KAFKA_API_KEY`/`KAFKA_API_SECRET` from the JAAS line;
    /// templates use them as `env.KAFKA_API_KEY` (never the toolkit's own variables).
    pub fn jaas_credentials(&self) -> Option<(String, String)> {
        let jaas = self.0.get("SASL_JAAS_CONFIG")?;
        let field = |name: &str| jaas.split(&format!("{name}=\"")).nth(1)?.split('"').next().map(str::to_owned);
        Some((field("username")?, field("password")?))
    }
}

/// A definition turned into a connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub name: String,
    pub config: BTreeMap<String, String>,
    /// Keys whose values came from a variable or the environment (shown redacted).
    pub templated: Vec<String>,
    /// Extension: `"state": "running" | "paused" | "stopped"` next to name and config.
    pub state: Option<String>,
}

/// Evaluates one definition. No request is ever sent for a definition that fails here.
/// `env` is what [`template_env`] gives; no error message quotes an input value.
pub fn render(code: &str, vars: &Variables, env: &BTreeMap<String, String>) -> Result<Rendered, String> {
    render_named(code, vars, env).map_err(|(_, message)| message)
}

/// [`render`], with the connector's name in the error when the definition got as far as
/// naming it (a `null` config value, a bad state): then only that connector is frozen,
/// not every connector the deployment manages.
pub fn render_named(
    code: &str,
    vars: &Variables,
    env: &BTreeMap<String, String>,
) -> Result<Rendered, (Option<String>, String)> {
    let unnamed = |e: String| (None, e);
    let names: Vec<&str> = vars.0.keys().map(String::as_str).collect();
    let program = Program::compile_with_vars(code, &names).map_err(|e| unnamed(e.to_string()))?.with_limits(LIMITS);
    let env_json = Value::Object(env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect());
    let values: Vec<Value> = vars.0.values().map(|v| Value::String(v.clone())).collect();
    let mut out = program.run(&Value::Null, &env_json, &values).map_err(|e| unnamed(e.to_string()))?;
    let real = match out.len() {
        1 => out.remove(0),
        n => {
            return Err(unnamed(format!(
                "the definition produced {n} values; exactly one {{name, config}} object is expected"
            )));
        }
    };
    // Every env.X is secret (see [`redact`]); a $VAR is when its name or value looks so.
    // Of a JAAS line, the quoted fields (username, password) are the secrets; the line
    // itself (`org.apache.kafka.common.security.plain.PlainLoginModule required …`)
    // counts whole, so that `security.protocol` or a class name stays readable.
    let (mut secret, mut plain): (Vec<String>, Vec<String>) = (env.values().cloned().collect(), Vec::new());
    for (k, v) in &vars.0 {
        let fields = redact::quoted_fields(v);
        if !redact::secret_input(k, v) {
            plain.push(v.clone());
        } else if fields.is_empty() {
            secret.push(v.clone());
        } else {
            plain.push(v.clone());
            secret.extend(fields);
        }
    }
    let sources = Sources::new(secret.iter().map(String::as_str), plain.iter().map(String::as_str));
    let name = real["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| unnamed("the definition has no \"name\"".into()))?
        .to_owned();
    if sources.carries_secret(&name) {
        return Err(unnamed(SECRET_NAME.into()));
    }
    let named = |e: String| (Some(name.clone()), e);
    let Some(config) = real["config"].as_object() else {
        return Err(named("the definition has no \"config\" object".into()));
    };
    // Before `strings`, whose errors quote keys.
    if config.keys().any(|k| sources.carries_secret(k)) {
        return Err(named(SECRET_KEY.into()));
    }
    let config = strings(config).map_err(named)?;
    let templated = config.iter().filter(|(_, v)| sources.derived(v)).map(|(k, _)| k.clone()).collect();
    let state = match &real["state"] {
        Value::Null => None,
        Value::String(s) if matches!(s.as_str(), "running" | "paused" | "stopped") => Some(s.clone()),
        _ => return Err(named("\"state\" must be running, paused or stopped".into())),
    };
    Ok(Rendered { name, config, templated, state })
}

/// Names and keys are shown unredacted in plans, logs and the status annotation.
const SECRET_NAME: &str = "the connector name carries a secret input (an env.X, or a $VAR that looks secret); names are shown in plans, logs and the status, so they must not hold secrets";
const SECRET_KEY: &str = "a config key carries a secret input (an env.X, or a $VAR that looks secret); keys are shown in plans, logs and the status, so they must not hold secrets (the key is not named here for that reason)";

/// Connect stores strings: numbers and booleans become strings; null is an error
/// (usually an `env.X` that is not set).
fn strings(config: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    config
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            Value::Number(n) => Ok((k.clone(), n.to_string())),
            Value::Bool(b) => Ok((k.clone(), b.to_string())),
            Value::Null => {
                Err(format!("config {k:?} is null (an env.X that is not set, or not listed in CONNECT_TEMPLATE_ENV?)"))
            }
            _ => Err(format!("config {k:?} must be a string, number or boolean")),
        })
        .collect()
}

/// Keys that look secret: the last segment is `key`, or the name mentions a password,
/// secret, token, credentials or JAAS.
pub fn sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.rsplit(['.', '_', '-']).next() == Some("key")
        || ["password", "secret", "token", "jaas", "credential", "keyfile"].iter().any(|w| k.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables(
            [
                ("SCHEMA_REGISTRY_URL".to_owned(), "https://sr".to_owned()),
                ("SASL_JAAS_CONFIG".to_owned(), "a=b username=\"K\" password=\"S=1\";".to_owned()),
            ]
            .into(),
        )
    }

    #[test]
    fn renders_the_original_format() {
        let env = [("MYSQL_CONNECTION_USER".to_owned(), "root".to_owned())].into();
        let code = r#"{"name": "jdbc", "config": {"name": "jdbc", "connection.user": env.MYSQL_CONNECTION_USER, "url": $SCHEMA_REGISTRY_URL, "tasks.max": 1, "fixed": "x"}}"#;
        let r = render(code, &vars(), &env).unwrap();
        assert_eq!(r.config["connection.user"], "root");
        assert_eq!(r.config["tasks.max"], "1");
        assert_eq!(r.templated, ["connection.user", "url"]);
        assert_eq!(vars().jaas_credentials(), Some(("K".into(), "S=1".into())));
    }

    #[test]
    fn errors_are_clear() {
        let env = BTreeMap::new();
        assert!(render(r#"{"name": "x", "config": {"a": $NOPE}}"#, &vars(), &env).unwrap_err().contains("NOPE"));
        assert!(render(r#"{"name": "x", "config": {"a": env.MISSING}}"#, &vars(), &env).unwrap_err().contains("null"));
        assert!(render(r#"{"config": {}}"#, &vars(), &env).unwrap_err().contains("name"));
        assert!(render(r#"{"name": "x", "config": {}}, {"name": "y", "config": {}}"#, &vars(), &env).is_err());
        assert!(render("input", &vars(), &env).is_err(), "no I/O");
    }

    #[test]
    fn only_what_came_from_inputs_is_redacted() {
        let vars = Variables(
            [
                ("SCHEMA_REGISTRY_URL".to_owned(), "https://psrc-abc12.us-east-2.aws.confluent.cloud".to_owned()),
                ("SASL_JAAS_CONFIG".to_owned(), "a=b username=\"K\" password=\"S3cretValue\";".to_owned()),
            ]
            .into(),
        );
        let code = r#"{"name": "s", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "sr": $SCHEMA_REGISTRY_URL, "p": env.KAFKA_API_SECRET, "part": env.KAFKA_API_SECRET[0:5]}}"#;
        let (env, _) = template_env(|_| None, &vars);
        let r = render(code, &vars, &env).unwrap();
        assert_eq!(r.templated, ["p", "part", "sr"]);
    }

    #[test]
    fn names_and_keys_from_secret_inputs_are_refused_without_quoting_them() {
        let env = [("MYSQL_CONNECTION_PASSWORD".to_owned(), "my-db-password-1".to_owned())].into();
        for code in [
            r#"{"name": "x", "config": {(env.MYSQL_CONNECTION_PASSWORD): "v"}}"#,
            r#"{"name": "x", "config": {(env.MYSQL_CONNECTION_PASSWORD + ".k"): null}}"#,
            r#"{"name": ("c-" + env.MYSQL_CONNECTION_PASSWORD), "config": {}}"#,
            r#"{"name": "x", "config": {($SASL_JAAS_CONFIG | @base64): 1}}"#,
        ] {
            let e = render(code, &vars(), &env).unwrap_err();
            assert!(e.contains("must not hold secrets") && !e.contains("my-db-password"), "{code}: {e}");
        }
        let ok = r#"{"name": ("sr-" + ($SCHEMA_REGISTRY_URL | ltrimstr("https://"))), "config": {($SCHEMA_REGISTRY_URL): 1}}"#;
        assert_eq!(render(ok, &vars(), &env).unwrap().name, "sr-sr", "plain inputs may name things");
    }

    #[test]
    fn properties_split_at_the_first_equals() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.properties"),
            "# comment\nsasl.jaas.config=x required username=\"K\" password=\"p=q\";\nschema.registry.url=https://sr\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.txt"), "IGNORED=1\n").unwrap();
        let v = Variables::load(dir.path()).unwrap();
        assert_eq!(v.0["SASL_JAAS_CONFIG"], "x required username=\"K\" password=\"p=q\";");
        assert_eq!(v.0.len(), 2);
    }

    #[test]
    fn sensitive_keys() {
        for k in
            ["kafka.api.key", "kafka.api.secret", "connection.password", "keyfile", "sasl.jaas.config", "auth.token"]
        {
            assert!(sensitive_key(k), "{k}");
        }
        for k in ["key.converter", "key.converter.schemas.enable", "topics", "connection.url"] {
            assert!(!sensitive_key(k), "{k}");
        }
    }
}
