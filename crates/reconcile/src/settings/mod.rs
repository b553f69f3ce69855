//! The environment variables of every tool, each defined once ([`defs`]) with its type,
//! default, documentation and the tools that read it, and typed readers that apply the
//! same rules everywhere: empty means unset; booleans accept true/false/1/0/yes/no in
//! any case; durations take Go syntax (`90s`, `1h30m`) or bare seconds (`5`); a tool
//! reads only the variables listed for it.
//!
//! A bad value is an error of the run that reads it, never of `--config`: binding
//! settings fall back to their default for `--config` and the run reports the error.

pub mod defs;
mod read;

pub use defs::{ALL, Setting, Tool, Type};
pub use read::{Env, SettingError, parse_bool, parse_duration};

/// The README's variable reference, generated from the table (a test keeps the README
/// equal to it).
pub fn markdown_table() -> String {
    let mut out = String::from("| Variable | Type | Default | Read by | Meaning |\n|---|---|---|---|---|\n");
    for s in ALL {
        let tools: Vec<&str> = s.tools.iter().map(|t| t.as_str()).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            s.name,
            s.ty.as_str(),
            s.default.map_or_else(|| "unset".to_owned(), |d| format!("`{d}`")),
            tools.join(", "),
            s.doc.replace('\n', " ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_setting_is_defined_once_with_a_doc_and_a_reader() {
        let mut names = BTreeSet::new();
        for s in ALL {
            assert!(names.insert(s.name), "{} defined twice", s.name);
            assert!(!s.doc.is_empty() && !s.tools.is_empty(), "{}", s.name);
            assert!(s.name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'), "{}", s.name);
        }
    }

    #[test]
    fn defaults_parse_as_their_type() {
        for s in ALL {
            let Some(tool) = s.tools.first() else { continue };
            let env = Env::new(*tool, |_| None);
            let ok = match s.ty {
                Type::Bool => env.bool(s).is_ok(),
                Type::Duration => env.duration(s).is_ok(),
                Type::Count => env.count(s).is_ok(),
                Type::Selector => env.selector(s).is_ok(),
                Type::Text | Type::Secret | Type::List | Type::Path | Type::Url => true,
            };
            assert!(ok, "default of {} does not parse", s.name);
        }
    }
}
