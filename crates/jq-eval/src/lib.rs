//! Sandboxed jq programs, evaluated with jaq 3.
//!
//! Two users: `hookctl` evaluates binding `jqFilter`s the way shell-operator does
//! (gojq), and `connect-apply` evaluates the original connect-operator connector
//! templates. Both need the same guarantees: no file or stdin access (`input`,
//! `inputs` are not defined), no process environment unless the caller passes one
//! (`env` and `$ENV` read the map given to [`Program::run`]), no `halt`, and no
//! writes to stderr from inside a program. Every evaluation runs within [`Limits`]
//! (outputs, fuel, time, recursion depth) on its own thread, so a runaway program
//! fails alone instead of exhausting the process; runtime errors never quote a value
//! the program did not spell itself.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

mod convert;
mod errors;
mod guard;
mod inject;

pub use convert::{MAX_OUTPUT_DEPTH, from_val, to_val};
pub use guard::{Limits, STACK_BYTES};

/// Native filters of jaq's standard library that reach outside the program. The
/// library's own definitions call some of them, so they are replaced by inert
/// versions (see [`inert`]) rather than dropped.
const REPLACED: &[&str] = &["env", "halt", "stderr_empty", "debug_empty", "input_filename"];

/// Definitions placed before every program. `env` reads the caller's map. `paths` walks
/// with the guarded `recurse` instead of `..` (native: building every path of a deep value
/// takes time quadratic in its depth, which no guard would see). The loops are
/// jq 1.6's definitions (jaq's `range` is native, its others are not guarded): as jq
/// definitions they pass through the guard at every step (see [`guard`]). Each refers
/// only to definitions above it, so `range` comes after the `while` it uses.
const PRELUDE: &str = "def env: $ENV;
def repeat(f): def _repeat: f, _repeat; _repeat;
def while(cond; update): def _while: if cond then ., (update | _while) else empty end; _while;
def until(cond; update): def _until: if cond then . else (update | _until) end; _until;
def recurse(f): def r: ., (f | r); r;
def recurse(f; cond): def r: ., (f | select(cond) | r); r;
def recurse: recurse(.[]?);
def range(from; upto): from as $from | upto as $upto | $from | while(. < $upto; . + 1);
def range($upto): range(0; $upto);
def range($from; $upto; $by): if $by > 0 then $from | while(. < $upto; . + $by) elif $by < 0 then $from | while(. > $upto; . + $by) else empty end;
def combinations($n): [limit($n; repeat(.))] | combinations;
def paths: skip(1; path(recurse));
def paths(p): skip(1; path_value(recurse)) | if .[1] | p then .[0] else empty end;
";

/// Programs whose brackets, strings and interpolations nest deeper than this are refused:
/// jaq's lexer, parser and compiler recurse once per level.
pub const MAX_NESTING: usize = 256;

/// Why a program could not be compiled or run. No message quotes an input value.
#[derive(Debug, thiserror::Error)]
pub enum JqError {
    #[error("jq syntax error: {0}")]
    Parse(String),
    #[error("jq compile error: {0}")]
    Compile(String),
    #[error("jq runtime error: {0}")]
    Runtime(String),
    #[error("jq limit: {0}")]
    Limit(String),
    #[error("jq program expects {expected} variables, got {got}")]
    VarCount { expected: usize, got: usize },
}

/// A compiled program, the names of the `$variables` it was compiled with, and its limits.
pub struct Program {
    filter: jaq_core::Filter<Data>,
    vars: Vec<String>,
    code: String,
    limits: Limits,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").field("vars", &self.vars).field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl Program {
    /// Compiles a program that uses no variables besides `$ENV`.
    pub fn compile(code: &str) -> Result<Self, JqError> {
        Self::compile_with_vars(code, &[])
    }

    /// Compiles a program that may read the given global variables (names without `$`).
    /// Compiling runs on a thread with a large stack, like the evaluation.
    pub fn compile_with_vars(code: &str, vars: &[&str]) -> Result<Self, JqError> {
        let depth = inject::nesting(code);
        if depth > MAX_NESTING {
            return Err(JqError::Parse(format!(
                "the program nests {depth} levels deep; at most {MAX_NESTING} are allowed"
            )));
        }
        on_large_stack(|| Self::compile_here(code, vars))
            .unwrap_or_else(|| Err(JqError::Compile("the compilation failed unexpectedly".into())))
    }

    fn compile_here(code: &str, vars: &[&str]) -> Result<Self, JqError> {
        if code.contains(guard::GUARD) {
            return Err(JqError::Compile(format!("{} is a reserved name", guard::GUARD)));
        }
        let wrapped = format!("{PRELUDE}{code}");
        let wrapped = inject::guarded(&wrapped).unwrap_or(wrapped);
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs())
            .filter(|(name, _, _)| !REPLACED.contains(name))
            .chain(inert::<Data>())
            .chain([guard::native::<Data>()]);
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = loader
            .load(&arena, File { code: wrapped.as_str(), path: () })
            .map_err(|errs| JqError::Parse(describe_errors(&errs)))?;
        let mut names: Vec<String> = vec!["$ENV".to_owned()];
        names.extend(vars.iter().map(|v| format!("${v}")));
        let filter = Compiler::default()
            .with_funs(funs)
            .with_global_vars(names.iter().map(String::as_str))
            .compile(modules)
            .map_err(|errs| JqError::Compile(describe_errors(&errs)))?;
        Ok(Self {
            filter,
            vars: vars.iter().map(|v| (*v).to_owned()).collect(),
            code: code.to_owned(),
            limits: Limits::default(),
        })
    }

    /// The same program under other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Runs the program on `input`; `env` backs `env`/`$ENV`, `vars` follow the compile order.
    /// The evaluation runs on its own thread with a large stack, within [`Limits`].
    pub fn run(&self, input: &Value, env: &Value, vars: &[Value]) -> Result<Vec<Value>, JqError> {
        if vars.len() != self.vars.len() {
            return Err(JqError::VarCount { expected: self.vars.len(), got: vars.len() });
        }
        on_large_stack(|| self.evaluate(input, env, vars))
            .unwrap_or_else(|| Err(JqError::Runtime("the evaluation failed unexpectedly".into())))
    }

    /// One evaluation, on the evaluation thread.
    fn evaluate(&self, input: &Value, env: &Value, vars: &[Value]) -> Result<Vec<Value>, JqError> {
        guard::arm(&self.limits);
        let mut values = Vec::with_capacity(vars.len() + 1);
        values.push(to_val(env));
        values.extend(vars.iter().map(to_val));
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new(values));
        let mut outputs = Vec::new();
        for result in self.filter.id.run((ctx, to_val(input))).map(unwrap_valr) {
            if let Some(hit) = guard::exceeded() {
                return Err(JqError::Limit(hit.to_string()));
            }
            let value = result.map_err(|e| JqError::Runtime(errors::describe(&e, &self.code)))?;
            if outputs.len() == self.limits.max_outputs {
                guard::exceed(guard::Exceeded::Outputs(self.limits.max_outputs));
                return Err(JqError::Limit(guard::Exceeded::Outputs(self.limits.max_outputs).to_string()));
            }
            let json = from_val(&value)
                .ok_or_else(|| JqError::Limit(format!("an output nests deeper than {MAX_OUTPUT_DEPTH} levels")))?;
            outputs.push(json);
        }
        match guard::exceeded() {
            Some(hit) => Err(JqError::Limit(hit.to_string())),
            None => Ok(outputs),
        }
    }

    /// Runs a binding `jqFilter` and shapes the outputs as shell-operator does:
    /// no output gives `null`, one output gives it, several give an array of them.
    pub fn filter_result(&self, input: &Value) -> Result<Value, JqError> {
        let mut outputs = self.run(input, &Value::Object(Default::default()), &[])?;
        Ok(match outputs.len() {
            0 => Value::Null,
            1 => outputs.remove(0),
            _ => Value::Array(outputs),
        })
    }
}

type Data = data::JustLut<Val>;

/// Runs `f` on its own thread with a stack of [`STACK_BYTES`]; `None` when it panicked
/// or the thread could not be started.
fn on_large_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().name("jq-eval".into()).stack_size(STACK_BYTES).spawn_scoped(scope, f);
        worker.ok()?.join().ok()
    })
}

/// Side-effect-free stand-ins: logging filters output nothing, `halt` is an error.
fn inert<D: jaq_core::DataT>() -> impl Iterator<Item = jaq_core::native::Fun<D>>
where
    for<'a> D::V<'a>: jaq_core::ValT,
{
    use jaq_core::native::{Filter, bome, run, v};
    use jaq_core::{Error, RunPtr};
    let filters: [Filter<RunPtr<D>>; 3] = [
        ("stderr_empty", v(0), |_| Box::new(core::iter::empty())),
        ("debug_empty", v(0), |_| Box::new(core::iter::empty())),
        ("halt", v(1), |_| bome(Err(Error::str("halt is not allowed in this program")))),
    ];
    filters.into_iter().map(run)
}

fn describe_errors<F, E: std::fmt::Debug>(errs: &[(F, E)]) -> String {
    // jaq's load/compile errors carry the offending token and what was expected; their
    // Debug form is the most complete description it offers. The file (prelude and
    // program text) is left out, and so are the guards placed in the program.
    let parts: Vec<String> = errs.iter().map(|(_, e)| format!("{e:?}")).collect();
    let text = parts.join("; ").replace(&format!("{} | ", guard::GUARD), "");
    if text.len() > 400 { format!("{}…", &text[..text.floor_char_boundary(400)]) } else { text }
}

#[cfg(test)]
mod tests;
