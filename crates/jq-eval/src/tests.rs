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
