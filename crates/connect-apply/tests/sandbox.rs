#![allow(clippy::unwrap_used)]
//! Issue 14 through the real binary: what connector templates may read, runaway templates,
//! jq errors that would quote secrets, valid programs over templated values, and plain http.

#[path = "it/common.rs"]
mod common;

use common::*;
use hookctl::cluster::Objects;
use serde_json::{Value, json};

/// A hand run with `--output json`: (exit code, report, stdout and stderr as text).
fn hand(objects: &Objects, env: &[(String, String)]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let contexts = hookctl::render::Renderer::new(&config).unwrap().startup(&objects.0).unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, serde_json::to_vec(&contexts).unwrap()).unwrap();
    let out = std::process::Command::new(bin())
        .arg("--binding-context")
        .arg(&ctx)
        .args(["--output", "json"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), text)
}

fn template(name: &str, config: &str) -> String {
    format!(
        r#"{{"name": "{name}", "config": {{"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1", {config}}}}}"#
    )
}

fn one_cm(data: Value) -> Objects {
    Objects(vec![connector_cm("sandbox", json!({"enabled": "true"}), data)])
}

fn config_of(url: &str, name: &str) -> Value {
    http(url, "GET", &format!("/connectors/{name}/config"), None, None).1
}

#[test]
fn templates_never_read_the_toolkit_credentials() {
    let emu = emulator();
    let u = &emu.url;
    let secrets = [
        ("CONFLUENT_CLOUD_API_SECRET", CLOUD.1),
        ("KAFKA_API_SECRET", "process-kafka-secret-value"),
        ("CONNECT_BASIC_AUTH_PASSWORD", "connect-password-value"),
    ];
    for (var, value) in secrets {
        let mut objects = one_cm(
            json!({"t.json": template("leak", &format!(r#""leak": (env.{var} // "absent"), "all": ($ENV | tostring)"#))}),
        );
        let env = env(u, &[(var, value), ("KAFKA_API_KEY", "PROCESSKAFKAKEY1")]);
        let r = run(&mut objects, &env);
        let live = config_of(u, "leak");
        if var == "CONFLUENT_CLOUD_API_SECRET" {
            assert_eq!(live["leak"], "absent", "{var}");
        }
        assert!(!live.to_string().contains(value), "{var} reached Connect: {live}");
        assert!(!r.patch_text.contains(value), "{var} in the patches");
        http(u, "DELETE", "/connectors/leak", None, None);
    }
}

#[test]
fn only_allowlisted_variables_are_readable_and_a_listed_credential_is_a_clear_error() {
    let emu = emulator();
    let u = &emu.url;
    let data = json!({"a.json": template("reads-extra", r#""x": env.EXTRA_VALUE"#)});
    let mut objects = one_cm(data.clone());
    run(&mut objects, &env(u, &[("EXTRA_VALUE", "extra-1")]));
    assert_eq!(config_of(u, "reads-extra")["x"], Value::Null, "not listed: not readable");

    let mut objects = one_cm(data);
    let listed =
        env(u, &[("EXTRA_VALUE", "extra-1"), ("CONNECT_TEMPLATE_ENV", "EXTRA_VALUE,CONFLUENT_CLOUD_API_SECRET")]);
    let (_, report, text) = hand(&objects, &listed);
    assert_eq!(report["result"]["errors"][0]["subject"], "CONNECT_TEMPLATE_ENV", "{report}");
    assert!(text.contains("CONNECT_TEMPLATE_ENV lists CONFLUENT_CLOUD_API_SECRET"), "{text}");
    assert!(!text.contains(CLOUD.1), "the error names the variable, never its value");
    run(&mut objects, &listed);
    assert_eq!(config_of(u, "reads-extra")["x"], "extra-1", "the rest of the allowlist still works");
}

#[test]
fn kafka_credentials_come_from_the_jaas_line_not_the_process_environment() {
    let emu = emulator();
    let u = &emu.url;
    let mut objects =
        one_cm(json!({"a.json": template("jaas", r#""k": env.KAFKA_API_KEY, "s": env.KAFKA_API_SECRET"#)}));
    run(&mut objects, &env(u, &[("KAFKA_API_KEY", "PROCESSKAFKAKEY1"), ("KAFKA_API_SECRET", "process-secret")]));
    let config = config_of(u, "jaas");
    assert_eq!(config["k"], "FIXTUREKEY000001");
    assert_eq!(config["s"], "fixture/secret=with=equals");
}

#[test]
fn runaway_templates_fail_alone_with_a_clear_error() {
    let emu = emulator();
    let u = &emu.url;
    let runaway = [
        ("outputs", "repeat({})"),
        ("fuel", "[repeat(1)] | {name: \"x\", config: {}}"),
        ("loop", "def f: f; f"),
        ("recursion", "def f: 1 + f; {name: \"y\", config: {a: f}}"),
        ("fold", "reduce (\"x\" * 1000000 | explode | .[]) as $i (0; . + 1) | {name: \"z\", config: {}}"),
        ("combinations", "null | [combinations(1e9)] | {name: \"w\", config: {}}"),
    ];
    let mut manifests: Vec<Value> = runaway
        .iter()
        .map(|(name, code)| connector_cm(name, json!({"enabled": "true"}), json!({"t.json": code})))
        .collect();
    manifests.push(connector_cm(
        "good",
        json!({"enabled": "true"}),
        json!({"t.json": template("good", r#""x": "1""#)}),
    ));
    let mut objects = Objects(manifests);
    run(&mut objects, &env(u, &[]));
    for (name, _) in runaway {
        let status = status(&objects, name);
        assert!(status["lastError"].as_str().unwrap_or_default().contains("jq limit"), "{name}: {status}");
    }
    assert_eq!(config_of(u, "good")["x"], "1", "the other connector is applied");
}

#[test]
fn a_deeply_nested_template_fails_alone_instead_of_crashing_the_run() {
    let emu = emulator();
    let u = &emu.url;
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let mut objects = Objects(vec![
        connector_cm("deep", json!({"enabled": "true"}), json!({"t.json": deep})),
        connector_cm("good", json!({"enabled": "true"}), json!({"t.json": template("good", r#""x": "1""#)})),
    ]);
    let r = run(&mut objects, &env(u, &[]));
    assert_ne!(r.exit_code, 134, "no abort");
    assert!(status(&objects, "deep")["lastError"].as_str().unwrap_or_default().contains("nests 50000 levels"));
    assert_eq!(config_of(u, "good")["x"], "1", "the other connector is applied");
}

#[test]
fn names_and_keys_built_from_secrets_are_refused_without_showing_them() {
    let emu = emulator();
    let u = &emu.url;
    let cases = [
        ("key", template("k", r#""plain": "1", (env.MYSQL_CONNECTION_PASSWORD): "v""#)),
        ("null-key", template("k2", r#"("p-" + env.MYSQL_CONNECTION_PASSWORD): null"#)),
        (
            "name",
            r#"{"name": ("n-" + ($SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO | split(":")[1])), "config": {}}"#.to_owned(),
        ),
        ("jaas-name", r#"{"name": env.KAFKA_API_SECRET, "config": {}}"#.to_owned()),
    ];
    let mut objects = Objects(
        cases.iter().map(|(cm, code)| connector_cm(cm, json!({"enabled": "true"}), json!({"t.json": code}))).collect(),
    );
    let (_, _, text) = hand(&objects, &env(u, &[]));
    let r = run(&mut objects, &env(u, &[]));
    for (cm, _) in &cases {
        let status = status(&objects, cm).to_string();
        assert!(status.contains("must not hold secrets"), "{cm}: {status}");
        for secret in ["GoKafka-test-password", "fixture-sr-secret", "fixture/secret=with=equals"] {
            assert!(!status.contains(secret), "{secret} in the status: {status}");
            assert!(!text.contains(secret), "{secret} in the output: {text}");
            assert!(!r.patch_text.contains(secret), "{secret} in the patches");
        }
    }
}

#[test]
fn benign_values_that_share_text_with_plain_inputs_are_shown_in_the_plan() {
    let emu = emulator();
    let u = &emu.url;
    let code = template(
        "shown",
        r#""connection.url": "jdbc:mysql://db:3306/x", "sr": $SCHEMA_REGISTRY_URL, "security.protocol": $SECURITY_PROTOCOL, "value.converter": "org.apache.kafka.connect.json.JsonConverter", "sasl.jaas.config": $SASL_JAAS_CONFIG, "pw": env.MYSQL_CONNECTION_PASSWORD, "pw-part": (env.MYSQL_CONNECTION_PASSWORD | .[0:9])"#,
    );
    let objects = one_cm(json!({"t.json": code}));
    let (_, report, text) = hand(&objects, &env(u, &[("DRY_RUN", "true")]));
    for shown in ["io.confluent.connect.jdbc.JdbcSourceConnector", "org.apache.kafka.connect.json.JsonConverter"] {
        assert!(text.contains(shown), "{shown} is not a secret: {report}");
    }
    for hidden in ["psrc-emulated", "SASL_SSL", "FIXTUREKEY000001", "fixture/secret", "GoKafka-t", "PlainLoginModule"] {
        assert!(!text.contains(hidden), "{hidden} came from an input: {report}");
    }
}

#[test]
fn jq_errors_never_quote_secret_values() {
    let emu = emulator();
    let u = &emu.url;
    let data = json!({
        "a.json": template("a", r#""x": ($SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO | tonumber)"#),
        "b.json": template("b", r#""x": (env.MYSQL_CONNECTION_PASSWORD | fromjson)"#),
        "c.json": template("c", r#""x": ($SASL_JAAS_CONFIG | .[0])"#),
        "d.json": template("d", r#""x": ($SASL_JAAS_CONFIG - 1)"#),
        "e.json": template("e", r#""x": error(env.MYSQL_CONNECTION_PASSWORD)"#),
        "f.json": r#"{"name": "f", "config": {}, "state": env.MYSQL_CONNECTION_PASSWORD}"#,
    });
    let mut objects = one_cm(data);
    let (_, _, text) = hand(&objects, &env(u, &[]));
    let r = run(&mut objects, &env(u, &[]));
    let status = status(&objects, "sandbox").to_string();
    for secret in ["fixture-sr-secret", "FIXTURESRKEY0001", "GoKafka-test-password", "fixture/secret=with=equals"] {
        assert!(!text.contains(secret), "{secret} in the output: {text}");
        assert!(!status.contains(secret), "{secret} in the status: {status}");
        assert!(!r.patch_text.contains(secret), "{secret} in the patches");
    }
    assert!(text.contains("cannot parse a string as"), "{text}");
}

#[test]
fn valid_programs_over_templated_values_give_jq_results_and_stay_redacted() {
    let emu = emulator();
    let u = &emu.url;
    let props = properties("tasks=3\n");
    let props_dir = props.path().display().to_string();
    let data = json!({"a.json": template(
        "valid",
        r#""k": (env.KEY_JSON | fromjson | .key), "t": ($TASKS | tonumber + 1), "u": ($SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO | split(":") | .[0] | ascii_downcase), "plain": "fixed-value""#
    )});
    let mut objects = one_cm(data);
    let env = env(
        u,
        &[
            ("CONNECT_PROPERTIES_DIR", props_dir.as_str()),
            ("CONNECT_TEMPLATE_ENV", "KEY_JSON"),
            ("KEY_JSON", r#"{"key": "key-from-json-0001"}"#),
        ],
    );
    let (_, report, text) = hand(&objects, &env);
    assert!(!text.contains("key-from-json-0001"), "a templated value is redacted in the plan: {report}");
    assert!(text.contains("fixed-value"), "a literal is shown: {report}");
    let r = run(&mut objects, &env);
    assert_eq!(r.exit_code, 0);
    let config = config_of(u, "valid");
    assert_eq!(config["k"], "key-from-json-0001");
    assert_eq!(config["t"], "4");
    assert_eq!(config["u"], "fixturesrkey0001");
}

#[test]
fn credentials_go_over_plain_http_only_to_loopback_or_when_allowed() {
    let objects = one_cm(json!({"a.json": template("h", r#""x": "1""#)}));
    let base = env("http://connect.invalid", &[("CONNECT_BASIC_AUTH_USER", "u"), ("CONNECT_BASIC_AUTH_PASSWORD", "p")]);
    let (_, _, text) = hand(&objects, &base);
    assert!(text.contains("refusing to send credentials to connect.invalid over plain http"), "{text}");
    let mut allowed = base.clone();
    allowed.push(("ALLOW_INSECURE_HTTP".into(), "true".into()));
    let (_, _, text) = hand(&objects, &allowed);
    assert!(!text.contains("refusing to send credentials"), "{text}");
    assert_eq!(text.matches("ALLOW_INSECURE_HTTP=true").count(), 1, "the opt-in is logged once: {text}");
}

/// Debian's jq 1.6: `.tools/jq/bin/jq` (scripts/install-tools) or `jq` on PATH. CI must have it.
fn jq16() -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates = [root.join(".tools/jq/bin/jq"), "jq".into()];
    let found = candidates.into_iter().find(|jq| {
        std::process::Command::new(jq)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "jq-1.6")
    });
    if found.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs Debian's jq 1.6 (scripts/install-tools)");
        eprintln!("jq 1.6 not found: the comparison with jq is skipped");
    }
    found
}

/// What jq 1.6 outputs for `code` on `input` with `env` as its whole environment and `vars` as `--arg`s.
fn jq_outputs(
    jq: &std::path::Path,
    code: &str,
    input: &Value,
    env: &[(&str, &str)],
    vars: &[(&str, &str)],
) -> Vec<Value> {
    let mut command = std::process::Command::new(jq);
    command.env_clear().envs(env.iter().copied()).arg("-c");
    for (k, v) in vars {
        command.args(["--arg", k, v]);
    }
    let mut child = command
        .arg(code)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Common idioms of templates and binding filters: (program, input). Every one reads the
/// same environment and variables, evaluated by jaq here and by jq 1.6.
const IDIOMS: &[(&str, &str)] = &[
    ("env.KEY_JSON | fromjson | .key", "null"),
    ("$TASKS | tonumber", "null"),
    ("$TASKS | tonumber + 1 | tostring", "null"),
    (r#""\($USER)-\(env.REGION)""#, "null"),
    (r#"env.MISSING // "default""#, "null"),
    (r#".a // "default""#, r#"{"a": false}"#),
    ("[.[] | select(. > 1)]", "[1, 2, 3]"),
    ("env.B64 | @base64d", "null"),
    ("$USER | @base64", "null"),
    ("$USER | ascii_downcase", "null"),
    ("$USER | ascii_upcase", "null"),
    (r#"env.LIST | split(",") | join("-")"#, "null"),
    (r#"env.LIST | split(",") | map(ascii_upcase) | length"#, "null"),
    ("env.KEY_JSON | fromjson | keys", "null"),
    ("env.KEY_JSON | fromjson | to_entries", "null"),
    ("env.KEY_JSON | fromjson | with_entries(.value |= ascii_upcase)", "null"),
    (".data | to_entries | map(select(.key | test(\"^a\"))) | from_entries", r#"{"data": {"ab": 1, "b": 2}}"#),
    (r#"if $TASKS == "3" then "three" else "other" end"#, "null"),
    (r#"$USER | ltrimstr("FIX") | rtrimstr("0001")"#, "null"),
    (r#"$USER | sub("KEY"; "-")"#, "null"),
    ("[range(3)] | add", "null"),
    ("reduce .[] as $x (0; . + $x)", "[1, 2, 3]"),
    ("[limit(2; .[])]", "[1, 2, 3]"),
    ("map(tostring) | unique", "[1, 1, 2]"),
    ("sort_by(.n) | map(.n)", r#"[{"n": 2}, {"n": 1}]"#),
    (r#"try error("boom") catch ."#, "null"),
    (".a?.b", r#"{"a": {"b": 1}}"#),
    ("[paths]", r#"{"a": {"b": [1]}}"#),
    ("del(.a) | keys", r#"{"a": 1, "b": 2}"#),
    (r#"{name: .metadata.name, labels: (.metadata.labels // {})}"#, r#"{"metadata": {"name": "n"}}"#),
    ("$ENV.REGION", "null"),
    ("env | has(\"REGION\")", "null"),
    ("$USER | @uri", "null"),
    ("$USER | length", "null"),
    ("$USER | tojson | fromjson", "null"),
    ("[.[] | tonumber?]", r#"["1", "x", "2.5"]"#),
    ("[1 | while(. < 50; . * 3)]", "null"),
    ("[recurse | numbers]", "[1, [2]]"),
];

#[test]
fn templates_and_common_idioms_give_what_jq_1_6_gives() {
    let Some(jq) = jq16() else { return };
    let env = [
        ("KEY_JSON", r#"{"key": "k-value-1", "other": "x"}"#),
        ("REGION", "eu"),
        ("B64", "aGVsbG8gd29ybGQ="),
        ("LIST", "a,b,c"),
    ];
    let vars = [("TASKS", "3"), ("USER", "FIXTURESRKEY0001")];
    let env_json: Value =
        env.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect::<serde_json::Map<_, _>>().into();
    let names: Vec<&str> = vars.iter().map(|(k, _)| *k).collect();
    let values: Vec<Value> = vars.iter().map(|(_, v)| json!(v)).collect();
    let mut table = Vec::new();
    for (code, input) in IDIOMS {
        let input: Value = serde_json::from_str(input).unwrap();
        let program = jq_eval::Program::compile_with_vars(code, &names).unwrap();
        let ours = program.run(&input, &env_json, &values).unwrap();
        let theirs = jq_outputs(&jq, code, &input, &env, &vars);
        assert_eq!(ours, theirs, "{code}");
        table.push(format!("| `{code}` | `{}` |", serde_json::to_string(&ours).unwrap()));
    }
    // The seed templates: the original ConfigMaps, with the test properties as `--arg`s.
    let props = connect_apply::template::Variables::load(&test_support::testdata("connect-properties")).unwrap();
    let seed_env = [
        ("MYSQL_CONNECTION_USER", "root"),
        ("MYSQL_CONNECTION_PASSWORD", "pw"),
        ("ORDERS_BQ_SINK_KEYFILE", "kf"),
        ("KAFKA_API_KEY", "K"),
        ("KAFKA_API_SECRET", "S"),
    ];
    let prop_args: Vec<(&str, &str)> = props.0.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let seed_map = seed_env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    for cm in original().unwrap_or_default().iter().filter(|o| o["metadata"]["labels"]["destination"] == "connect") {
        for (key, code) in cm["data"].as_object().unwrap() {
            let code = code.as_str().unwrap();
            let rendered = connect_apply::template::render(code, &props, &seed_map).unwrap();
            let theirs = jq_outputs(&jq, code, &Value::Null, &seed_env, &prop_args);
            assert_eq!(theirs.len(), 1, "{key}");
            assert_eq!(json!(rendered.name), theirs[0]["name"], "{key}");
            let config: serde_json::Map<String, Value> =
                rendered.config.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            assert_eq!(Value::Object(config), theirs[0]["config"], "{key}");
            table.push(format!("| seed `{key}` | same `{{name, config}}` |"));
        }
    }
    eprintln!("{}", table.join("\n"));
}

/// Connect's validation errors quote the invalid value (`Invalid value <v> for configuration
/// tasks.max`): the message reaches the status annotation and the output with every
/// sensitive value of the connector cut out (connect-apply's `apply::scrubbed`).
#[test]
fn validation_errors_quoting_a_templated_secret_are_scrubbed() {
    let emu = emulator();
    let u = &emu.url;
    let code = template("v", r#""connection.url": "jdbc:x", "tasks.max": env.MYSQL_CONNECTION_PASSWORD"#);
    let mut objects = one_cm(json!({"t.json": code.replace(r#""tasks.max": "1", "#, "")}));
    let dry = env(u, &[("DRY_RUN", "true")]);
    let (_, _, text) = hand(&objects, &dry);
    run(&mut objects, &dry);
    let status = status(&objects, "sandbox").to_string();
    assert!(status.contains("tasks.max"), "{status}");
    assert!(!status.contains("GoKafka-test-password"), "in the status: {status}");
    assert!(!text.contains("GoKafka-test-password"), "in the output: {text}");
}
