use super::*;
use serde_json::json;

fn empty() -> Value {
    json!({})
}

#[test]
fn filter_result_follows_shell_operator_rules() {
    let p = Program::compile(".items[]?").unwrap();
    assert_eq!(p.filter_result(&json!({})).unwrap(), Value::Null);
    assert_eq!(p.filter_result(&json!({"items": [1]})).unwrap(), json!(1));
    assert_eq!(p.filter_result(&json!({"items": [1, 2]})).unwrap(), json!([1, 2]));
}

#[test]
fn data_filter_keeps_the_map() {
    let p = Program::compile(".data").unwrap();
    let cm = json!({"data": {"a": "x", "b": "{\"k\":1}"}});
    assert_eq!(p.filter_result(&cm).unwrap(), json!({"a": "x", "b": "{\"k\":1}"}));
}

#[test]
fn standard_library_is_available() {
    let p = Program::compile("{name: .metadata.name, keys: (.data | keys), up: (.x | ascii_upcase)}").unwrap();
    let out = p.filter_result(&json!({"metadata": {"name": "n"}, "data": {"b": 1, "a": 2}, "x": "q"})).unwrap();
    assert_eq!(out, json!({"name": "n", "keys": ["a", "b"], "up": "Q"}));
}

#[test]
fn variables_and_env_come_from_the_caller() {
    let p = Program::compile_with_vars("{u: env.USER_X, e: $ENV.USER_X, url: $URL}", &["URL"]).unwrap();
    let out = p.run(&Value::Null, &json!({"USER_X": "root"}), &[json!("http://sr")]).unwrap();
    assert_eq!(out, vec![json!({"u": "root", "e": "root", "url": "http://sr"})]);
}

#[test]
fn process_environment_is_not_visible() {
    let p = Program::compile("env.PATH").unwrap();
    assert_eq!(p.run(&Value::Null, &empty(), &[]).unwrap(), vec![Value::Null]);
}

#[test]
fn io_filters_are_not_defined() {
    for code in ["input", "inputs", "input_filename"] {
        assert!(Program::compile(code).is_err(), "{code} must not compile");
    }
    for code in ["halt", "halt_error(1)"] {
        let p = Program::compile(code).unwrap();
        assert!(p.run(&Value::Null, &empty(), &[]).is_err(), "{code} must not halt the process");
    }
    let p = Program::compile("\"x\" | stderr | debug").unwrap();
    assert_eq!(p.run(&Value::Null, &empty(), &[]).unwrap(), vec![json!("x")]);
}

#[test]
fn undefined_variable_is_a_compile_error() {
    let err = Program::compile("{a: $NOPE}").unwrap_err();
    assert!(matches!(err, JqError::Compile(_)), "{err}");
    assert!(err.to_string().contains("NOPE"), "{err}");
}

#[test]
fn syntax_error_is_reported() {
    assert!(matches!(Program::compile("{a: }").unwrap_err(), JqError::Parse(_)));
}

#[test]
fn runtime_errors_are_reported() {
    let p = Program::compile("error(\"boom\")").unwrap();
    let err = p.run(&Value::Null, &empty(), &[]).unwrap_err();
    assert!(err.to_string().contains("boom"), "{err}");
}

#[test]
fn values_round_trip() {
    let v = json!({"s": "ü", "n": 1, "f": 1.5, "big": 12345678901u64, "neg": -3, "a": [null, true], "o": {}});
    let p = Program::compile(".").unwrap();
    assert_eq!(p.run(&v, &empty(), &[]).unwrap(), vec![v]);
}

#[test]
fn wrong_variable_count_is_rejected() {
    let p = Program::compile_with_vars("$A", &["A"]).unwrap();
    assert!(matches!(p.run(&Value::Null, &empty(), &[]), Err(JqError::VarCount { .. })));
}

fn run_err(code: &str, env: &Value) -> JqError {
    Program::compile(code).unwrap().run(&Value::Null, env, &[]).unwrap_err()
}

#[test]
fn endless_outputs_stop_at_the_output_limit() {
    let err = run_err("repeat(1)", &empty());
    assert!(matches!(err, JqError::Limit(_)), "{err}");
    assert!(err.to_string().contains("more than 10000 outputs"), "{err}");
}

#[test]
fn endless_loops_stop_at_the_fuel_limit() {
    for code in
        ["[repeat(1)]", "def f: f; f", "[range(1e18)] | length", "last(range(0; infinite))", "[1 | until(false; .)]"]
    {
        let err = run_err(code, &empty());
        assert!(matches!(err, JqError::Limit(_)), "{code}: {err}");
    }
}

#[test]
fn endless_recursion_stops_at_the_depth_limit_without_crashing() {
    let limits = Limits { fuel: u64::MAX, ..Limits::default() };
    for code in ["def f: 1 + f; f", "def f: [f]; f", "def f(g): g | f(g + 1); [f(1)]"] {
        let p = Program::compile(code).unwrap().with_limits(limits);
        let err = p.run(&Value::Null, &empty(), &[]).unwrap_err();
        assert!(matches!(err, JqError::Limit(_)), "{code}: {err}");
    }
}

#[test]
fn a_caught_limit_does_not_let_the_loop_go_on() {
    let err = run_err("[repeat(try (def f: f; f) catch 0)] | length", &empty());
    assert!(matches!(err, JqError::Limit(_)), "{err}");
    let err = run_err("def f: 1 + f; try f catch \"caught\"", &empty());
    assert!(matches!(err, JqError::Limit(_)), "{err}");
}

#[test]
fn deeply_nested_outputs_are_refused_not_crashed_on() {
    let err = run_err("reduce range(5000) as $i (null; [.])", &empty());
    assert!(matches!(err, JqError::Limit(_)), "{err}");
}

#[test]
fn limits_can_be_tightened() {
    let p = Program::compile("1, 2").unwrap().with_limits(Limits { max_outputs: 1, ..Limits::default() });
    assert!(matches!(p.run(&Value::Null, &empty(), &[]), Err(JqError::Limit(_))));
}

#[test]
fn the_guard_name_is_reserved() {
    let err = Program::compile("def __ccops_guard: .; repeat(1)").unwrap_err();
    assert!(err.to_string().contains("reserved"), "{err}");
}

#[test]
fn guarded_loops_keep_jq_semantics() {
    let cases = [
        ("[range(0,1; 3,4)]", json!([0, 1, 2, 0, 1, 2, 3, 1, 2, 1, 2, 3])),
        ("[range(5; 0; -2)]", json!([5, 3, 1])),
        ("[range(0; 3; 0)]", json!([])),
        ("[limit(3; repeat(1))]", json!([1, 1, 1])),
        ("[1 | while(. < 100; . * 2)]", json!([1, 2, 4, 8, 16, 32, 64])),
        ("[1 | until(. > 100; . * 2)]", json!([128])),
        ("[{\"a\": [1]} | recurse]", json!([{"a": [1]}, [1], 1])),
        ("[2 | recurse(if . < 20 then . * . else empty end)]", json!([2, 4, 16, 256])),
        ("[path(def f: .a; f)]", json!([["a"]])),
        ("{} | (def f: .a; f) |= 1", json!({"a": 1})),
    ];
    for (code, want) in cases {
        assert_eq!(Program::compile(code).unwrap().run(&Value::Null, &empty(), &[]).unwrap(), vec![want], "{code}");
    }
}

/// Values that break each kind of jaq error, holding the secret.
const SECRET: &str = "s3cr3t-\"quoted\"-value";

#[test]
fn runtime_errors_never_quote_input_values() {
    let env = json!({"X": SECRET, "N": {"k": SECRET}});
    let codes = [
        "env.X | fromjson",
        "env.X | tonumber",
        "env.X | .field",
        "env.X | .[0]",
        "env.X - 1",
        "1 - env.X",
        "env.X * {}",
        "env.X | keys",
        "env.X | test(env.X) | error",
        "\"a\" | test(\"a\"; env.X)",
        "env.X | @base64d | fromjson",
        "env.X | error",
        "error(env.X)",
        "error(\"prefix \" + env.X)",
        "env.N | error",
        "env.X | fromdate",
        "env.X | strptime(\"%Y\")",
        "env.X | implode",
        "[env.X] | implode",
        "env.X | path(ascii_downcase)",
        "env.N | .k.x",
        "env.N | has(0) | error",
        "env.X | ltrimstr(1) | tonumber",
        "{(env.X): 1} | to_entries[0].key | tonumber",
    ];
    for code in codes {
        let err = run_err(code, &env).to_string();
        for form in [SECRET, "s3cr3t", "quoted"] {
            assert!(!err.contains(form), "{code}: {err}");
        }
    }
}

#[test]
fn errors_keep_what_the_program_spelled() {
    let e = run_err("\"abc\" | .field", &empty()).to_string();
    assert!(e.contains("cannot index \"abc\" with \"field\""), "literals of the program are shown: {e}");
    let e = run_err("env.X | .field", &json!({"X": "abc"})).to_string();
    assert!(e.contains("cannot index a string with \"field\""), "{e}");
    let e = run_err("env.X | fromjson", &json!({"X": "{"})).to_string();
    assert!(e.contains("cannot parse a string as JSON"), "{e}");
    let e = run_err("env.X | tonumber", &json!({"X": "abc"})).to_string();
    assert!(e.contains("cannot parse a string as"), "{e}");
    let e = run_err("{} - 1", &empty()).to_string();
    assert!(e.contains("cannot calculate an object - a number"), "{e}");
}

#[test]
fn binding_filters_run_within_the_same_limits() {
    for code in ["def f: 1 + f; f", "[repeat(.)]", "repeat(.)"] {
        let err = Program::compile(code).unwrap().filter_result(&json!({"kind": "ConfigMap"})).unwrap_err();
        assert!(matches!(err, JqError::Limit(_)), "{code}: {err}");
    }
    let p = Program::compile("[.items[] | .metadata.name]").unwrap();
    let items: Vec<Value> = (0..5000).map(|i| json!({"metadata": {"name": format!("cm-{i}")}})).collect();
    assert_eq!(p.filter_result(&json!({"items": items})).unwrap().as_array().unwrap().len(), 5000);
}

#[test]
fn folds_over_native_generators_spend_fuel() {
    for code in [
        "reduce (\"x\" * 300000 | explode | .[]) as $i (0; . + 1)",
        "[foreach (\"x\" * 300000 | explode | .[]) as $i (0; . + 1)] | length",
        "reduce (\"x\" * 300000 | explode | .[]) as $i (null; [.]) | tojson | length",
        "null | [combinations(1e9)] | length",
        "\"x\" * 9000 | explode | reduce .[] as $x (null; {a: .}) | [paths] | length",
    ] {
        let p = Program::compile(code).unwrap().with_limits(Limits { fuel: 10_000, ..Limits::default() });
        let err = p.run(&Value::Null, &empty(), &[]).unwrap_err();
        assert!(matches!(err, JqError::Limit(_)), "{code}: {err}");
    }
    let p = Program::compile(r#"{"a": {"b": [1, null]}} | [paths], [paths(. == null)]"#).unwrap();
    let want = vec![json!([["a"], ["a", "b"], ["a", "b", 0], ["a", "b", 1]]), json!([["a", "b", 1]])];
    assert_eq!(p.run(&Value::Null, &empty(), &[]).unwrap(), want, "jq 1.6's paths");
    let p =
        Program::compile("[foreach range(4) as $i (0; . + $i; [$i, .])], ([[1], [2, 3]] | [combinations])").unwrap();
    assert_eq!(
        p.run(&Value::Null, &empty(), &[]).unwrap(),
        vec![json!([[0, 0], [1, 1], [2, 3], [3, 6]]), json!([[1, 2], [1, 3]])]
    );
}

#[test]
fn deeply_nested_programs_are_refused_not_crashed_on() {
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let err = Program::compile(&deep).unwrap_err();
    assert!(err.to_string().contains("nests 20000 levels"), "{err}");
    let fine = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert!(Program::compile(&fine).is_ok());
    let long = format!("1{}", " + 1".repeat(20_000));
    assert_eq!(Program::compile(&long).unwrap().run(&Value::Null, &empty(), &[]).unwrap(), vec![json!(20_001)]);
}
