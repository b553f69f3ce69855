//! Typed reading of the settings table.

use super::defs::{Setting, Tool, Type};
use std::collections::BTreeMap;
use std::time::Duration;

/// A setting with a bad value. The message names the variable and, for settings that
/// are not secret, the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct SettingError {
    pub name: &'static str,
    pub message: String,
}

type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// The environment as one tool sees it.
pub struct Env<'a> {
    tool: Tool,
    lookup: Lookup<'a>,
}

impl<'a> Env<'a> {
    /// `lookup` is `|k| std::env::var(k).ok()` in production.
    pub fn new(tool: Tool, lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self { tool, lookup: Box::new(lookup) }
    }

    /// The process environment.
    pub fn process(tool: Tool) -> Env<'static> {
        Env::new(tool, |k| std::env::var(k).ok())
    }

    pub fn tool(&self) -> Tool {
        self.tool
    }

    /// The trimmed value, `None` when unset or empty. Reading a setting that is not
    /// listed for this tool is a programming error: a tool never reads another tool's
    /// variables (the settings table test runs every reader).
    pub fn value(&self, s: &Setting) -> Option<String> {
        assert!(
            s.tools.contains(&self.tool),
            "{} reads {}, which the settings table does not give it",
            self.tool,
            s.name
        );
        let own = (self.lookup)(s.name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        own.or_else(|| s.alias.and_then(|a| (self.lookup)(a)).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()))
    }

    fn value_or_default(&self, s: &Setting) -> Option<String> {
        self.value(s).or_else(|| s.default.map(str::to_owned))
    }

    fn error(&self, s: &Setting, what: &str, value: &str) -> SettingError {
        let shown = if s.ty == Type::Secret { String::new() } else { format!(", got {value:?}") };
        SettingError { name: s.name, message: format!("must be {what}{shown}") }
    }

    pub fn text(&self, s: &Setting) -> Option<String> {
        self.value_or_default(s)
    }

    pub fn bool(&self, s: &Setting) -> Result<bool, SettingError> {
        let Some(v) = self.value_or_default(s) else { return Ok(false) };
        parse_bool(&v).ok_or_else(|| self.error(s, "true or false (also 1/0, yes/no)", &v))
    }

    pub fn duration(&self, s: &Setting) -> Result<Duration, SettingError> {
        let Some(v) = self.value_or_default(s) else { return Ok(Duration::ZERO) };
        parse_duration(&v).ok_or_else(|| self.error(s, "a duration such as 90s, 15m, 24h or a number of seconds", &v))
    }

    /// A duration that may be unset (no default).
    pub fn optional_duration(&self, s: &Setting) -> Result<Option<Duration>, SettingError> {
        match self.value_or_default(s) {
            None => Ok(None),
            Some(_) => self.duration(s).map(Some),
        }
    }

    pub fn count(&self, s: &Setting) -> Result<usize, SettingError> {
        let Some(v) = self.value_or_default(s) else { return Ok(0) };
        v.parse().map_err(|_| self.error(s, "a whole number", &v))
    }

    /// Comma-separated, entries trimmed, empty entries dropped.
    pub fn list(&self, s: &Setting) -> Vec<String> {
        self.value_or_default(s)
            .map(|v| v.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect())
            .unwrap_or_default()
    }

    /// `key=value,key=value`; every entry needs a key and `=`; never empty.
    pub fn selector(&self, s: &Setting) -> Result<BTreeMap<String, String>, SettingError> {
        let v = self.value_or_default(s).unwrap_or_default();
        let mut labels = BTreeMap::new();
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((k, val)) if !k.trim().is_empty() => {
                    labels.insert(k.trim().to_owned(), val.trim().to_owned());
                }
                _ => return Err(self.error(s, "label=value pairs separated by commas", &v)),
            }
        }
        if labels.is_empty() {
            return Err(self.error(
                s,
                "at least one label=value pair (an empty selector would match every ConfigMap)",
                &v,
            ));
        }
        Ok(labels)
    }
}

pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" => Some(true),
        "false" | "0" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// Go duration syntax, or a bare number of seconds.
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (0.0..1e12).contains(&secs).then(|| Duration::from_secs_f64(secs));
    }
    shell_hook::duration::parse_go_duration(v).ok()
}

#[cfg(test)]
mod tests {
    use super::super::defs;
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<'static> {
        Env::new(Tool::Topic, move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn empty_means_unset_and_values_are_forgiving() {
        assert!(!env(&[("DRY_RUN", "")]).bool(&defs::DRY_RUN).unwrap());
        assert!(env(&[("DRY_RUN", "1")]).bool(&defs::DRY_RUN).unwrap());
        assert!(env(&[("DRY_RUN", " YES ")]).bool(&defs::DRY_RUN).unwrap());
        assert!(!env(&[("DRY_RUN", "False")]).bool(&defs::DRY_RUN).unwrap());
        assert!(env(&[("DRY_RUN", "maybe")]).bool(&defs::DRY_RUN).is_err());
        assert_eq!(env(&[("HOOK_DEADLINE", "")]).duration(&defs::HOOK_DEADLINE).unwrap(), Duration::from_secs(240));
        assert_eq!(env(&[("HOOK_DEADLINE", "5")]).duration(&defs::HOOK_DEADLINE).unwrap(), Duration::from_secs(5));
        assert_eq!(env(&[("HOOK_DEADLINE", "1m30s")]).duration(&defs::HOOK_DEADLINE).unwrap(), Duration::from_secs(90));
        let e = env(&[("HOOK_DEADLINE", "soon")]).duration(&defs::HOOK_DEADLINE).unwrap_err();
        assert!(e.to_string().starts_with("HOOK_DEADLINE: must be a duration"), "{e}");
    }

    #[test]
    fn selectors_need_pairs() {
        let s =
            env(&[("CCLOUD_SPEC_SELECTOR", "destination=ccloud, variant=dev")]).selector(&defs::CCLOUD_SPEC_SELECTOR);
        assert_eq!(s.unwrap().len(), 2);
        assert!(env(&[("CCLOUD_SPEC_SELECTOR", "destination")]).selector(&defs::CCLOUD_SPEC_SELECTOR).is_err());
        assert!(env(&[("CCLOUD_SPEC_SELECTOR", ",")]).selector(&defs::CCLOUD_SPEC_SELECTOR).is_err());
        assert_eq!(env(&[]).selector(&defs::CCLOUD_SPEC_SELECTOR).unwrap()["destination"], "ccloud");
    }

    #[test]
    fn secrets_are_not_quoted_in_errors() {
        let e = Env::new(Tool::Topic, |_| Some("x".into()));
        let fake = Setting { ty: Type::Secret, ..defs::HOOK_DEADLINE };
        assert!(!e.error(&fake, "something", "hunter2").to_string().contains("hunter2"));
    }

    #[test]
    #[should_panic(expected = "does not give it")]
    fn a_tool_never_reads_another_tools_variables() {
        Env::new(Tool::Connect, |_| None).value(&defs::CCLOUD_SPEC_SELECTOR);
    }
}
