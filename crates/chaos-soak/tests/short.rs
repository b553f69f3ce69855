//! The CI form of the soak, ignored by default: it needs the three hook binaries beside
//! `chaos-soak` (`cargo build --bin ccloud-topic --bin ccloud-api-key --bin connect-apply`).

#[test]
#[ignore = "needs the hook binaries in target/debug; run with --ignored after building them"]
fn forty_seeded_steps_hold_every_invariant() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chaos-soak"))
        .args(["--seed", "1", "--steps", "40"])
        .output()
        .expect("chaos-soak starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("40 steps"), "{stdout}");
}
