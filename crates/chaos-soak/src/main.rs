//! `chaos-soak`: a seeded chaos soak of the three hooks against one emulator. Random spec
//! edits (valid and invalid) and random faults, invariants checked after every run; a
//! failing seed is printed with the exact replay command (`--seed N --steps M`).

mod edits;
mod faults;
mod harness;
mod invariants;
mod model;
mod soak;
mod world;

use clap::Parser;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(version, about = "Seeded chaos soak of ccloud-api-key, ccloud-topic and connect-apply against one emulator")]
struct Cli {
    /// The seed of the edits and faults (default: from the clock; printed either way).
    #[arg(long)]
    seed: Option<u64>,
    /// Steps to play (each: one edit, faults, one run of each hook).
    #[arg(long, default_value_t = 40)]
    steps: u64,
    /// Play seed after seed (seed, seed+1, …) for this long instead of --steps.
    #[arg(long)]
    minutes: Option<u64>,
    /// A convergence checkpoint (faults off, invariants 3 and 5) every N steps, and at the end.
    #[arg(long, default_value_t = 10)]
    checkpoint_every: u64,
    /// Where the hook binaries are (default: beside this binary).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Print every step, its faults and each run's outcome.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Default)]
struct Totals {
    steps: u64,
    runs: u64,
    checks: u64,
    deletions: u64,
    mints: u64,
    violations: Vec<String>,
    notes: usize,
}

fn out(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
}

fn play(
    seed: u64,
    steps: u64,
    cli: &Cli,
    bin_dir: &std::path::Path,
    deadline: Option<Instant>,
    totals: &mut Totals,
) -> Result<(), soak::SoakError> {
    let mut s = soak::Soak::new(seed, bin_dir, cli.verbose)?;
    let d = s.deployment().clone();
    out(&format!(
        "seed {seed}: ALLOW_DELETE={:?} MAX_DELETIONS_PER_RUN={:?} INSTANCE_ID={:?}",
        d.allow_delete, d.max_deletions, d.instance
    ));
    for i in 1..=steps {
        s.step();
        if i % cli.checkpoint_every.max(1) == 0 || i == steps || deadline.is_some_and(|t| Instant::now() >= t) {
            s.checkpoint();
        }
        if deadline.is_some_and(|t| Instant::now() >= t) {
            break;
        }
    }
    let f = &s.figures;
    totals.steps += f.steps;
    totals.runs += f.runs;
    totals.checks += f.checks;
    totals.deletions += f.deletions;
    totals.mints += f.mints;
    totals.notes += f.notes.len();
    totals.violations.extend(f.violations.iter().cloned());
    out(&format!(
        "seed {seed}: {} steps, {} runs, {} invariant checks, {} violations, {} notes",
        f.steps,
        f.runs,
        f.checks,
        f.violations.len(),
        f.notes.len()
    ));
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let bin_dir =
        cli.bin_dir.clone().or_else(|| std::env::current_exe().ok()?.parent().map(PathBuf::from)).unwrap_or_default();
    let seed = cli.seed.unwrap_or_else(|| fastrand::u64(..1_000_000));
    let start = Instant::now();
    let mut totals = Totals::default();
    let result = match cli.minutes {
        Some(m) => {
            let deadline = start + Duration::from_secs(m * 60);
            let mut seed = seed;
            let mut r = Ok(());
            while Instant::now() < deadline && r.is_ok() {
                r = play(seed, 200, &cli, &bin_dir, Some(deadline), &mut totals);
                seed += 1;
            }
            r
        }
        None => play(seed, cli.steps, &cli, &bin_dir, None, &mut totals),
    };
    if let Err(e) = result {
        eprintln!("chaos-soak: {e}");
        return std::process::ExitCode::from(2);
    }
    let secs = start.elapsed().as_secs_f64().max(0.001);
    #[allow(clippy::cast_precision_loss)]
    let rate = |n: u64| n as f64 / secs;
    out(&format!(
        "{} steps, {} runs, {} invariant checks in {secs:.1} s: {:.2} steps/s, {:.2} runs/s, {:.2} checks/s; the runs deleted {} resources and minted {} keys; {} violations, {} notes",
        totals.steps,
        totals.runs,
        totals.checks,
        rate(totals.steps),
        rate(totals.runs),
        rate(totals.checks),
        totals.deletions,
        totals.mints,
        totals.violations.len(),
        totals.notes
    ));
    if totals.violations.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        out("violations (each with its replay command):");
        for v in &totals.violations {
            out(v);
        }
        std::process::ExitCode::from(1)
    }
}
