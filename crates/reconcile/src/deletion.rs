//! Fail-closed deletion: every kind of deletion of every tool goes through
//! [`DeletionPolicy::admit`], with the same switches.
//!
//! A candidate is deleted only when all of these hold: its item is undeclared (not
//! declared, not failing, not possibly declared by a broken source); this deployment
//! provably owns it; `ALLOW_DELETE` allows its kind; no protected pattern matches it; and
//! the run's deletions, counted across every kind and cluster, stay within
//! `MAX_DELETIONS_PER_RUN`. Above the budget nothing is deleted: a mass deletion is far
//! more often a mistake (a wrong selector, a lost mount) than an intent.

use crate::failure::Reason;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

/// The kinds of resources the tools may delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Topic,
    Acl,
    ApiKey,
    ServiceAccount,
    Connector,
    Subject,
    Environment,
    Cluster,
    RoleBinding,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Topic,
        Kind::Acl,
        Kind::ApiKey,
        Kind::ServiceAccount,
        Kind::Connector,
        Kind::Subject,
        Kind::Environment,
        Kind::Cluster,
        Kind::RoleBinding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Topic => "topic",
            Kind::Acl => "acl",
            Kind::ApiKey => "api-key",
            Kind::ServiceAccount => "service-account",
            Kind::Connector => "connector",
            Kind::Subject => "subject",
            Kind::Environment => "environment",
            Kind::Cluster => "cluster",
            Kind::RoleBinding => "role-binding",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protected pattern: `*` any run of characters, `?` one character; for one kind or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    pub kind: Option<Kind>,
    pub pattern: String,
}

impl Protected {
    /// `kind:pattern` or a bare `pattern` (every kind).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.split_once(':') {
            Some((kind, pattern)) if Kind::parse(kind).is_some() => {
                Ok(Self { kind: Kind::parse(kind), pattern: pattern.to_owned() })
            }
            Some((kind, _)) if !kind.contains('*') && kind.chars().all(|c| c.is_ascii_lowercase() || c == '-') => {
                Err(format!("unknown kind {kind:?} in protected pattern {text:?}"))
            }
            _ => Ok(Self { kind: None, pattern: text.to_owned() }),
        }
    }

    pub fn matches(&self, kind: Kind, name: &str) -> bool {
        self.kind.is_none_or(|k| k == kind) && glob(&self.pattern, name)
    }
}

/// Glob matching with `*` and `?` (no character classes), on characters.
pub fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The switches, read once per run from the settings table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionPolicy {
    /// Kinds whose deletion is allowed (`ALLOW_DELETE`: `true` all, or a list of kinds).
    pub allowed: BTreeSet<Kind>,
    /// `MAX_DELETIONS_PER_RUN`, across every kind and cluster of the run.
    pub budget: usize,
    pub protected: Vec<Protected>,
}

impl Default for DeletionPolicy {
    /// Nothing may be deleted.
    fn default() -> Self {
        Self { allowed: BTreeSet::new(), budget: 5, protected: Vec::new() }
    }
}

/// One resource a plan would delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: Kind,
    /// What protected patterns match and reports show (a topic name, a connector name, a key id).
    pub name: String,
    /// This deployment provably owns it: it recorded it, or it carries its exact owner token.
    pub owned: bool,
    /// Its item is failing or possibly declared by a broken source (see [`crate::Standing`]).
    pub frozen: bool,
}

/// Why a candidate is not deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// Its declaration is failing, or a broken source may declare it.
    Frozen,
    /// This deployment cannot prove it owns it.
    NotOwned,
    /// `ALLOW_DELETE` does not include the kind.
    Disabled(Kind),
    /// A protected pattern matches.
    Protected(String),
    /// The run would delete more than the budget; none is deleted.
    OverBudget { candidates: usize, budget: usize },
}

impl Hold {
    /// Holds that are errors (the declaration asks for something the switches refuse);
    /// the others are notices.
    pub fn failure_reason(&self) -> Option<Reason> {
        match self {
            Hold::Protected(_) | Hold::OverBudget { .. } => Some(Reason::Refused),
            Hold::Frozen | Hold::NotOwned | Hold::Disabled(_) => None,
        }
    }
}

impl fmt::Display for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hold::Frozen => f.write_str("kept: its declaration is failing, so it is frozen"),
            Hold::NotOwned => f.write_str("kept: not provably owned by this deployment"),
            Hold::Disabled(kind) => write!(f, "kept: ALLOW_DELETE does not include {kind}"),
            Hold::Protected(p) => write!(f, "refused: matches protected pattern {p:?}"),
            Hold::OverBudget { candidates, budget } => write!(
                f,
                "refused: this run would delete {candidates} resources, more than MAX_DELETIONS_PER_RUN={budget}; nothing is deleted"
            ),
        }
    }
}

/// The verdict on a run's candidates, in the order given.
#[derive(Debug)]
pub struct Admission<T> {
    pub admitted: Vec<T>,
    pub held: Vec<(T, Hold)>,
}

impl DeletionPolicy {
    /// Decides on every deletion candidate of the run at once (the budget counts them all).
    pub fn admit<T>(&self, items: Vec<T>, candidate: impl Fn(&T) -> Candidate) -> Admission<T> {
        let mut eligible = Vec::new();
        let mut held = Vec::new();
        for item in items {
            let c = candidate(&item);
            let hold = if c.frozen {
                Some(Hold::Frozen)
            } else if !c.owned {
                Some(Hold::NotOwned)
            } else if !self.allowed.contains(&c.kind) {
                Some(Hold::Disabled(c.kind))
            } else {
                self.protected.iter().find(|p| p.matches(c.kind, &c.name)).map(|p| Hold::Protected(p.pattern.clone()))
            };
            match hold {
                Some(h) => held.push((item, h)),
                None => eligible.push(item),
            }
        }
        if eligible.len() > self.budget {
            let hold = Hold::OverBudget { candidates: eligible.len(), budget: self.budget };
            held.extend(eligible.into_iter().map(|i| (i, hold.clone())));
            return Admission { admitted: Vec::new(), held };
        }
        Admission { admitted: eligible, held }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(kind: Kind, name: &str) -> Candidate {
        Candidate { kind, name: name.into(), owned: true, frozen: false }
    }

    fn policy(kinds: &[Kind], budget: usize) -> DeletionPolicy {
        DeletionPolicy { allowed: kinds.iter().copied().collect(), budget, protected: Vec::new() }
    }

    #[test]
    fn every_switch_must_agree() {
        let mut p = policy(&[Kind::Topic], 5);
        p.protected.push(Protected::parse("topic:payments*").unwrap());
        let items = vec![
            candidate(Kind::Topic, "orders"),
            Candidate { frozen: true, ..candidate(Kind::Topic, "broken") },
            Candidate { owned: false, ..candidate(Kind::Topic, "theirs") },
            candidate(Kind::Connector, "sink"),
            candidate(Kind::Topic, "payments-eu"),
        ];
        let a = p.admit(items, Clone::clone);
        assert_eq!(a.admitted.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["orders"]);
        let holds: Vec<Hold> = a.held.into_iter().map(|(_, h)| h).collect();
        assert_eq!(
            holds,
            [Hold::Frozen, Hold::NotOwned, Hold::Disabled(Kind::Connector), Hold::Protected("payments*".into())]
        );
    }

    #[test]
    fn the_budget_counts_the_whole_run_and_is_all_or_nothing() {
        let p = policy(&Kind::ALL, 2);
        let items = vec![candidate(Kind::Topic, "a"), candidate(Kind::Acl, "b"), candidate(Kind::ApiKey, "c")];
        let a = p.admit(items, Clone::clone);
        assert!(a.admitted.is_empty());
        assert!(a.held.iter().all(|(_, h)| matches!(h, Hold::OverBudget { candidates: 3, budget: 2 })));
        assert_eq!(a.held[0].1.failure_reason(), Some(Reason::Refused));
        assert!(policy(&[], 5).admit(Vec::<Candidate>::new(), Clone::clone).admitted.is_empty());
    }

    #[test]
    fn globs() {
        assert!(glob("*", "") && glob("a*c", "abbc") && glob("a?c", "abc") && glob("_*", "_confluent"));
        assert!(!glob("a*c", "abcd") && !glob("a?c", "ac"));
        assert_eq!(Protected::parse("conn:*").unwrap_err(), "unknown kind \"conn\" in protected pattern \"conn:*\"");
        assert_eq!(Protected::parse("ns:x").unwrap_err(), "unknown kind \"ns\" in protected pattern \"ns:x\"");
        assert!(Protected::parse("*:x").unwrap().matches(Kind::Acl, "*:x"));
    }
}

impl DeletionPolicy {
    /// `ALLOW_DELETE`, `MAX_DELETIONS_PER_RUN`, `PROTECTED_RESOURCES` (and, for topics,
    /// `PROTECTED_TOPICS`).
    pub fn from_env(env: &crate::settings::Env<'_>) -> Result<Self, crate::settings::SettingError> {
        use crate::settings::{SettingError, Tool, defs};
        let mut allowed = BTreeSet::new();
        for word in env.list(&defs::ALLOW_DELETE) {
            match (crate::settings::parse_bool(&word), Kind::parse(&word.to_ascii_lowercase())) {
                (Some(true), _) => allowed.extend(Kind::ALL),
                (Some(false), _) => {}
                (None, Some(kind)) => {
                    allowed.insert(kind);
                }
                (None, None) => {
                    return Err(SettingError {
                        name: defs::ALLOW_DELETE.name,
                        message: format!("{word:?} is neither true/false nor a kind ({})", kinds_list()),
                    });
                }
            }
        }
        let mut protected = Vec::new();
        for p in env.list(&defs::PROTECTED_RESOURCES) {
            protected.push(
                Protected::parse(&p)
                    .map_err(|message| SettingError { name: defs::PROTECTED_RESOURCES.name, message })?,
            );
        }
        if env.tool() == Tool::Topic {
            protected.extend(
                env.list(&defs::PROTECTED_TOPICS)
                    .into_iter()
                    .map(|pattern| Protected { kind: Some(Kind::Topic), pattern }),
            );
        }
        Ok(Self { allowed, budget: env.count(&defs::MAX_DELETIONS_PER_RUN)?, protected })
    }
}

fn kinds_list() -> String {
    Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod env_tests {
    use super::*;
    use crate::settings::{Env, Tool};

    #[test]
    fn switches_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            Env::new(Tool::Topic, move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
        };
        assert!(DeletionPolicy::from_env(&env(&[])).unwrap().allowed.is_empty());
        assert!(DeletionPolicy::from_env(&env(&[("ALLOW_DELETE", "")])).unwrap().allowed.is_empty());
        assert_eq!(DeletionPolicy::from_env(&env(&[("ALLOW_DELETE", "TRUE")])).unwrap().allowed.len(), Kind::ALL.len());
        let p = DeletionPolicy::from_env(&env(&[
            ("ALLOW_DELETE", "topic, connector"),
            ("PROTECTED_TOPICS", "prod-*"),
            ("MAX_DELETIONS_PER_RUN", "2"),
        ]))
        .unwrap();
        assert_eq!(p.allowed, [Kind::Topic, Kind::Connector].into());
        assert_eq!((p.budget, p.protected.len()), (2, 1));
        assert!(DeletionPolicy::from_env(&env(&[("ALLOW_DELETE", "topics")])).is_err());
    }
}
