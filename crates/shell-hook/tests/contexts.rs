#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Binding-context parsing with the project's hand-written fixtures.

use serde_json::{Value, json};
use shell_hook::context::{ContextError, read_contexts};
use shell_hook::{ContextType, WatchEvent, latest_objects};
use test_support::testdata;

fn load(name: &str) -> Vec<shell_hook::BindingContext> {
    read_contexts(&testdata(&format!("binding-contexts/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_context_type_parses() {
    assert!(load("onstartup.json")[0].is_on_startup());
    let sync = &load("synchronization.json")[0];
    assert_eq!(sync.kind, Some(ContextType::Synchronization));
    assert_eq!(sync.objects.as_ref().unwrap().len(), 2);
    assert_eq!(sync.objects.as_ref().unwrap()[1].filter_result(), Some(Value::Null));
    assert_eq!(load("synchronization-empty.json")[0].objects.as_deref(), Some(&[][..]));
    let event = &load("event-modified.json")[0];
    assert_eq!(event.watch_event, Some(WatchEvent::Modified));
    assert_eq!(event.object.as_ref().unwrap()["metadata"]["name"], json!("specs"));
    let null_event = &load("event-null-object.json")[0];
    assert_eq!(null_event.object, Some(Value::Null), "explicit null is kept apart from absent");
    assert_eq!(load("schedule.json")[0].kind, Some(ContextType::Schedule));
    let group = &load("group.json")[0];
    assert_eq!(group.group_name.as_deref(), Some("pods"));
    assert!(group.objects.is_none());
    assert_eq!(load("validating.json")[0].kind, Some(ContextType::Validating));
    let conversion = &load("conversion.json")[0];
    assert_eq!(conversion.to_version.as_deref(), Some("v1"));
}

#[test]
fn mixed_compacted_array_keeps_every_element_in_order() {
    let contexts = load("mixed-compacted.json");
    let kinds: Vec<Option<ContextType>> = contexts.iter().map(|c| c.kind).collect();
    use ContextType::*;
    assert_eq!(kinds, vec![Some(Event), Some(Event), Some(Schedule), Some(Group), None, Some(Synchronization)]);
    // The newest full view wins: the trailing Synchronization, not the earlier events.
    let current = latest_objects(&contexts, "ccloud-specs").unwrap();
    assert_eq!(current[0].filter_result(), Some(json!({"name": "c"})));
    assert_eq!(latest_objects(&contexts, "specs").unwrap().len(), 1);
    assert!(latest_objects(&contexts, "unknown").is_none());
}

#[test]
fn errors_name_the_index_and_the_field() {
    let err = read_contexts(&testdata("binding-contexts/bad-event-without-watchevent.json")).unwrap_err();
    assert!(matches!(&err, ContextError::Field { index: 1, field, .. } if field == "watchEvent"), "{err}");
    let err = read_contexts(&testdata("binding-contexts/bad-unknown-type.json")).unwrap_err();
    assert!(matches!(&err, ContextError::Field { index: 1, field, .. } if field == "type"), "{err}");
    let err = shell_hook::parse_contexts(br#"[{"binding":"a","type":"Event","watchEvent":"Exploded"}]"#).unwrap_err();
    assert!(err.to_string().contains("[0]") && err.to_string().contains("watchEvent"), "{err}");
    assert!(shell_hook::parse_contexts(b"{}").is_err(), "the file holds an array");
    assert!(shell_hook::parse_contexts(b"[] []").is_err(), "trailing data is rejected");
}

#[test]
fn taking_a_snapshot_moves_the_newest_and_drops_the_older_copies() {
    let mut contexts = load("mixed-compacted.json");
    let newest: Vec<Option<Value>> =
        latest_objects(&contexts, "ccloud-specs").unwrap().iter().map(shell_hook::ObjectItem::filter_result).collect();
    let others = latest_objects(&contexts, "specs").map(<[_]>::to_vec);
    let taken = shell_hook::take_latest_objects(&mut contexts, "ccloud-specs").unwrap();
    assert_eq!(taken.iter().map(shell_hook::ObjectItem::filter_result).collect::<Vec<_>>(), newest);
    assert!(latest_objects(&contexts, "ccloud-specs").is_none(), "no older copy is left behind");
    assert_eq!(latest_objects(&contexts, "specs").map(<[_]>::to_vec), others, "other bindings are untouched");
    assert!(shell_hook::take_latest_objects(&mut contexts, "ccloud-specs").is_none());
}

#[test]
fn items_keep_their_json_and_null_apart_from_absent() {
    let item = shell_hook::ObjectItem::new(Some(&json!({"kind": "ConfigMap"})), Some(&Value::Null));
    assert_eq!(item.object(), Some(json!({"kind": "ConfigMap"})));
    assert_eq!((item.filter_result(), item.filter_result_json()), (Some(Value::Null), Some("null")));
    assert_eq!(item.view(), Some(Value::Null), "a null filter result is still the view");
    let absent = shell_hook::ObjectItem::new(Some(&json!(1)), None);
    assert_eq!((absent.filter_result(), absent.view()), (None, Some(json!(1))));
}
