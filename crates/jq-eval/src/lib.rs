//! Sandboxed jq programs, evaluated with jaq 3.
//!
//! Two users: `hookctl` evaluates binding `jqFilter`s the way shell-operator does
//! (gojq), and `connect-apply` evaluates the original connect-operator connector
//! templates. Both need the same guarantees: no file or stdin access (`input`,
//! `inputs` are not defined), no process environment unless the caller passes one
//! (`env` and `$ENV` read the map given to [`Program::run`]), no `halt`, and no
//! writes to stderr from inside a program.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

mod convert;

pub use convert::{from_val, to_val};

/// Native filters of jaq's standard library that reach outside the program. The
/// library's own definitions call some of them, so they are replaced by inert
/// versions (see [`inert`]) rather than dropped.
const REPLACED: &[&str] = &["env", "halt", "stderr_empty", "debug_empty", "input_filename"];

/// Why a program could not be compiled or run.
#[derive(Debug, thiserror::Error)]
pub enum JqError {
    #[error("jq syntax error: {0}")]
    Parse(String),
    #[error("jq compile error: {0}")]
    Compile(String),
    #[error("jq runtime error: {0}")]
    Runtime(String),
    #[error("jq program expects {expected} variables, got {got}")]
    VarCount { expected: usize, got: usize },
}

/// A compiled program and the names of the `$variables` it was compiled with.
pub struct Program {
    filter: jaq_core::Filter<Data>,
    vars: Vec<String>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").field("vars", &self.vars).finish_non_exhaustive()
    }
}

impl Program {
    /// Compiles a program that uses no variables besides `$ENV`.
    pub fn compile(code: &str) -> Result<Self, JqError> {
        Self::compile_with_vars(code, &[])
    }

    /// Compiles a program that may read the given global variables (names without `$`).
    pub fn compile_with_vars(code: &str, vars: &[&str]) -> Result<Self, JqError> {
        // `env` is redefined on top of `$ENV` so that both spellings read the caller's map.
        let wrapped = format!("def env: $ENV;\n{code}");
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs())
            .filter(|(name, _, _)| !REPLACED.contains(name))
            .chain(inert::<Data>());
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
        Ok(Self { filter, vars: vars.iter().map(|v| (*v).to_owned()).collect() })
    }

    /// Runs the program on `input`; `env` backs `env`/`$ENV`, `vars` follow the compile order.
    pub fn run(&self, input: &Value, env: &Value, vars: &[Value]) -> Result<Vec<Value>, JqError> {
        if vars.len() != self.vars.len() {
            return Err(JqError::VarCount { expected: self.vars.len(), got: vars.len() });
        }
        let mut values = Vec::with_capacity(vars.len() + 1);
        values.push(to_val(env));
        values.extend(vars.iter().map(to_val));
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new(values));
        self.filter
            .id
            .run((ctx, to_val(input)))
            .map(unwrap_valr)
            .map(|r| r.map(|v| from_val(&v)).map_err(|e| JqError::Runtime(e.to_string())))
            .collect()
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

fn describe_errors<T: std::fmt::Debug>(errs: &T) -> String {
    // jaq's load/compile error types carry the offending token and what was expected;
    // their Debug form is the most complete description it offers.
    let text = format!("{errs:?}");
    let text = text.replace("def env: $ENV;\\n", "");
    if text.len() > 400 { format!("{}…", &text[..text.floor_char_boundary(400)]) } else { text }
}

#[cfg(test)]
mod tests;
