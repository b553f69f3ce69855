//! The budget of one evaluation and the native filter that enforces it.
//!
//! jaq has no fuel or depth limit of its own, and a Rust stack overflow aborts the whole
//! process. So every evaluation runs on its own thread with a stack of [`STACK_BYTES`],
//! and `__ccops_guard` (an identity filter) is placed at the start of every function
//! body — the program's and the library's loops (`repeat`, `while`, `range`, …), which
//! are the only ways a jq program can run for long or recurse. Each pass spends one unit
//! of fuel, checks the clock, and measures how much of the thread's stack is in use.
//! Once a limit is hit, every later pass fails too, so `try` cannot resume the loop.

use jaq_core::box_iter::box_once;
use jaq_core::{DataT, Error, Exn, Native, ValT};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The name of the guard filter; programs may not use it themselves.
pub const GUARD: &str = "__ccops_guard";

/// Stack of each evaluation thread. Only the pages a program touches are ever backed
/// by memory; the size bounds how deep values may nest when they are dropped.
pub const STACK_BYTES: usize = 256 * 1024 * 1024;

/// Limits of one evaluation. Exceeding one fails that evaluation with [`crate::JqError::Limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Outputs taken from the program; one more is an error.
    pub max_outputs: usize,
    /// Function calls and loop steps (passes through the guard).
    pub fuel: u64,
    /// Wall-clock bound, checked at every pass through the guard.
    pub time: Duration,
    /// Stack the program's recursion may use on the evaluation thread.
    pub stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_outputs: 10_000, fuel: 1_000_000, time: Duration::from_secs(5), stack_bytes: 64 * 1024 * 1024 }
    }
}

/// Which limit stopped an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Outputs(usize),
    Fuel(u64),
    Time(Duration),
    Depth,
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Outputs(n) => write!(f, "the program produced more than {n} outputs"),
            Self::Fuel(n) => write!(f, "the program ran more than {n} steps (an endless loop?)"),
            Self::Time(d) => write!(f, "the program ran longer than {}s", d.as_secs_f64()),
            Self::Depth => f.write_str("the program recursed too deeply (an endless recursion?)"),
        }
    }
}

struct Budget {
    fuel: Cell<u64>,
    fuel_given: Cell<u64>,
    deadline: Cell<Option<Instant>>,
    time: Cell<Duration>,
    stack_base: Cell<usize>,
    stack_bytes: Cell<usize>,
    exceeded: Cell<Option<Exceeded>>,
}

thread_local! {
    static BUDGET: Budget = const {
        Budget {
            fuel: Cell::new(0),
            fuel_given: Cell::new(0),
            deadline: Cell::new(None),
            time: Cell::new(Duration::ZERO),
            stack_base: Cell::new(0),
            stack_bytes: Cell::new(0),
            exceeded: Cell::new(None),
        }
    };
}

fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::addr_of!(marker)) as usize
}

/// Arms the budget of the current thread (the evaluation thread, at its start).
pub fn arm(limits: &Limits) {
    BUDGET.with(|b| {
        b.fuel.set(limits.fuel);
        b.fuel_given.set(limits.fuel);
        b.time.set(limits.time);
        b.deadline.set(Instant::now().checked_add(limits.time));
        b.stack_base.set(stack_position());
        b.stack_bytes.set(limits.stack_bytes);
        b.exceeded.set(None);
    });
}

/// The limit this thread's evaluation hit, if any.
pub fn exceeded() -> Option<Exceeded> {
    BUDGET.with(|b| b.exceeded.get())
}

/// Records a limit hit outside the guard (too many outputs).
pub fn exceed(what: Exceeded) {
    BUDGET.with(|b| b.exceeded.set(Some(what)));
}

/// One pass: spends fuel and checks clock and stack.
fn spend() -> Result<(), Exceeded> {
    BUDGET.with(|b| {
        if let Some(e) = b.exceeded.get() {
            return Err(e);
        }
        let fuel = b.fuel.get();
        let verdict = if fuel == 0 {
            Err(Exceeded::Fuel(b.fuel_given.get()))
        } else if b.stack_base.get().saturating_sub(stack_position()) > b.stack_bytes.get() {
            Err(Exceeded::Depth)
        } else if b.deadline.get().is_some_and(|d| Instant::now() >= d) {
            Err(Exceeded::Time(b.time.get()))
        } else {
            Ok(())
        };
        b.fuel.set(fuel.saturating_sub(1));
        if let Err(e) = verdict {
            b.exceeded.set(Some(e));
        }
        verdict
    })
}

fn limit_error<'a, V: ValT>() -> Exn<'a, V> {
    Exn::from(Error::str("evaluation limit exceeded"))
}

/// The guard: an identity filter (also as a path and in updates) that spends the budget.
pub fn native<D: DataT>() -> jaq_core::native::Fun<D>
where
    for<'a> D::V<'a>: ValT,
{
    let run: jaq_core::RunPtr<D> = |cv| box_once(spend().map(|()| cv.1).map_err(|_| limit_error()));
    let paths: jaq_core::PathsPtr<D> = |cv| box_once(spend().map(|()| cv.1).map_err(|_| limit_error()));
    let update: jaq_core::UpdatePtr<D> = |cv, f| match spend() {
        Ok(()) => f(cv.1),
        Err(_) => box_once(Err(limit_error())),
    };
    (GUARD, jaq_core::native::v(0), Native::new(run).with_paths(paths).with_update(update))
}
