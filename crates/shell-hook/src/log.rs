//! Logs on stderr: one JSON object per line with `level` and `msg` (what
//! shell-operator turns into structured records) when stderr is not a terminal,
//! short human text when it is. Level from `LOG_LEVEL` (default `info`).

use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Human,
}

impl LogFormat {
    /// JSON unless stderr is a terminal; `LOG_TYPE=json|text` overrides.
    pub fn detect() -> Self {
        match std::env::var("LOG_TYPE").as_deref() {
            Ok("json") => Self::Json,
            Ok("text" | "color") => Self::Human,
            _ if std::io::stderr().is_terminal() => Self::Human,
            _ => Self::Json,
        }
    }
}

/// Installs the global subscriber. Safe to call more than once (later calls are no-ops).
pub fn init(format: LogFormat) {
    let level = match std::env::var("LOG_LEVEL").unwrap_or_default().to_ascii_lowercase().as_str() {
        "trace" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "warn" | "warning" => LevelFilter::WARN,
        "error" => LevelFilter::ERROR,
        _ => LevelFilter::INFO,
    };
    let subscriber = tracing_subscriber::registry().with(StderrLayer { format }.with_filter(level));
    let _ = tracing::subscriber::set_global_default(subscriber);
}

struct StderrLayer {
    format: LogFormat,
}

impl<S: Subscriber> Layer<S> for StderrLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let line = render(self.format, event.metadata().level(), fields);
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// Formats one record. Public for tests of the exact wire format.
fn render(format: LogFormat, level: &Level, mut fields: Fields) -> String {
    let msg = match fields.0.remove("message") {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let level = match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    };
    match format {
        LogFormat::Json => {
            let mut record = Map::new();
            record.insert("level".into(), Value::String(level.into()));
            record.insert("msg".into(), Value::String(msg));
            for (k, v) in fields.0 {
                record.entry(k).or_insert(v);
            }
            format!("{}\n", Value::Object(record))
        }
        LogFormat::Human => {
            let mut line = format!("{:<5} {msg}", level.to_uppercase());
            for (k, v) in fields.0 {
                match v {
                    Value::String(s) => write!(line, " {k}={s}"),
                    other => write!(line, " {k}={other}"),
                }
                .unwrap_or_default();
            }
            line.push('\n');
            line
        }
    }
}

#[derive(Default)]
struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::String(value.into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_carry_level_and_msg() {
        let mut f = Fields::default();
        f.0.insert("message".into(), "topic created".into());
        f.0.insert("topic".into(), "orders".into());
        let line = render(LogFormat::Json, &Level::WARN, f);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v, serde_json::json!({"level": "warn", "msg": "topic created", "topic": "orders"}));
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
    }

    #[test]
    fn human_text_does_not_start_with_a_brace() {
        let mut f = Fields::default();
        f.0.insert("message".into(), "{weird}".into());
        let line = render(LogFormat::Human, &Level::INFO, f);
        assert!(line.starts_with("INFO"), "{line}");
    }
}
