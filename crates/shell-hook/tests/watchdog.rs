#![allow(clippy::unwrap_used)]
//! The watchdog ends a hung run between two output lines, never inside one.
//!
//! The test re-runs its own binary as the hook (`WATCHDOG_CHILD` set): the child writes
//! large precious patch lines without end, past its deadline, until the watchdog exits.
//! The patch file is a FIFO the test reads, so that each line takes many `write` calls
//! (a regular file usually takes a line in one, which hides a torn line).

use serde_json::{Value, json};
use shell_hook::{HookConfig, Invocation, ObjectOperation, Outcome, RunOptions};
use std::io::Read;
use std::time::Duration;

const CHILD: &str = "WATCHDOG_CHILD";

#[test]
fn child_writes_until_the_watchdog_exits() {
    let Some(dir) = std::env::var_os(CHILD) else { return };
    let dir = std::path::PathBuf::from(dir);
    let ctx = dir.join("ctx.json");
    std::fs::write(&ctx, r#"[{"binding":"onStartup"}]"#).unwrap();
    let invocation = Invocation {
        binding_context: Some(ctx),
        patch_file: Some(dir.join("patch")),
        metrics_file: Some(dir.join("metrics")),
        ..Invocation::default()
    };
    let options = RunOptions { deadline: Duration::ZERO, ..RunOptions::default() };
    let line = "s".repeat(4 * 1024 * 1024);
    shell_hook::execute(&HookConfig::v1().with_on_startup(1), &invocation, options, |run| {
        for i in 0.. {
            let secret = json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": format!("minted-{i}"), "namespace": "default"}, "stringData": {"secret": line}});
            run.outputs.patch_precious(&ObjectOperation::create_or_update(secret))?;
        }
        Ok(Outcome::default())
    });
    unreachable!("the watchdog ends the process");
}

#[test]
fn the_watchdog_never_leaves_a_torn_line_and_keeps_minted_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("patch");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writes_until_the_watchdog_exits", "--nocapture", "--test-threads=1"])
        .env(CHILD, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Blocks until the child opens it. Read slowly, so that the child spends its time
    // inside a write (where the old watchdog tore lines) and memory stays at one line.
    let mut fifo = std::fs::File::open(&fifo).unwrap();
    let (mut pending, mut lines, mut chunk) = (Vec::new(), 0, vec![0u8; 64 * 1024]);
    loop {
        let n = fifo.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&chunk[..n]);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let op: Value = serde_json::from_slice(&pending[..end]).expect("every line is a whole operation");
            assert_eq!(op["object"]["kind"], "Secret");
            pending.drain(..=end);
            lines += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a secret was written: exit 0 so it is applied");
    assert!(pending.is_empty(), "the file ends inside a line ({} bytes after the last newline)", pending.len());
    assert!(lines > 0);
}
