//! Exact owner tokens. Everything a tool may delete carries one (in a description, a
//! label or a record), and a token matches only itself: `instance=prod` never matches
//! `instance=prod-eu`, and another tool's token never matches.

use std::fmt;

/// `ccops/<tool>/<instance>`: which deployment of which tool made a resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OwnerToken {
    pub tool: String,
    pub instance: String,
}

/// Instance ids are written into descriptions and labels, so they are plain: 1 to 63
/// characters of `a-z`, `0-9`, `-`, `.`, starting and ending with a letter or digit.
pub fn valid_instance(id: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if id.is_empty()
        || id.len() > 63
        || !id.chars().all(ok_char)
        || !edge(id.chars().next())
        || !edge(id.chars().last())
    {
        return Err(format!(
            "instance id {id:?} must be 1-63 characters of a-z, 0-9, '-' and '.', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// Marks the instance of a deployment that has no explicit id: its namespace.
const IMPLICIT: &str = "ns:";

impl OwnerToken {
    pub fn new(tool: impl Into<String>, instance: impl Into<String>) -> Self {
        Self { tool: tool.into(), instance: instance.into() }
    }

    /// The token of a deployment without an explicit instance id: `ccops/<tool>/ns:<namespace>`.
    /// Another Kubernetes cluster may use the same namespace name, so this token proves
    /// nothing; `:` is outside [`valid_instance`], so no explicit id can ever equal it
    /// (an explicit `default` is not the namespace `default`).
    pub fn implicit(tool: impl Into<String>, namespace: &str) -> Self {
        Self::new(tool, format!("{IMPLICIT}{namespace}"))
    }

    /// Whether this is a namespace token ([`OwnerToken::implicit`]).
    pub fn is_implicit(&self) -> bool {
        self.instance.starts_with(IMPLICIT)
    }

    /// Whether `text` carries exactly this token as a word of the current format. Unlike
    /// [`OwnerToken::owns`], the first round's `ccops <tool> instance=<id>` words do not
    /// count: that format cannot tell an explicit id from a namespace, so it never proves
    /// ownership enough for a deletion.
    pub fn marks(&self, text: &str) -> bool {
        text.split_whitespace().any(|w| Self::parse(w).as_ref() == Some(self))
    }

    /// Finds a token in free text (a description): a whitespace-separated word exactly
    /// `ccops/<tool>/<instance>`, or the first round's `ccops <tool> instance=<id>` words.
    pub fn find_in(text: &str) -> Option<Self> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if let Some(token) = words.iter().find_map(|w| Self::parse(w)) {
            return Some(token);
        }
        match words.as_slice() {
            ["ccops", tool, rest @ ..] => {
                rest.iter().find_map(|w| w.strip_prefix("instance=")).map(|i| Self::new(*tool, i))
            }
            _ => None,
        }
    }

    /// Parses exactly `ccops/<tool>/<instance>`.
    pub fn parse(word: &str) -> Option<Self> {
        let rest = word.strip_prefix("ccops/")?;
        let (tool, instance) = rest.split_once('/')?;
        if tool.is_empty() || instance.is_empty() || instance.contains('/') {
            return None;
        }
        Some(Self::new(tool, instance))
    }

    /// Whether `text` carries exactly this token.
    pub fn owns(&self, text: &str) -> bool {
        Self::find_in(text).as_ref() == Some(self)
    }
}

impl fmt::Display for OwnerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ccops/{}/{}", self.tool, self.instance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_exactly() {
        let prod = OwnerToken::new("ccloud-api-key", "prod");
        assert!(prod.owns(&format!("{prod} sa=orders resource=lkc-1")));
        assert!(!prod.owns("ccops/ccloud-api-key/prod-eu sa=orders"), "no prefix match");
        assert!(!prod.owns("ccops/ccloud-topic/prod"), "another tool's token");
        assert!(!prod.owns("made by hand for prod"));
        assert!(prod.owns("ccops ccloud-api-key instance=prod sa=x resource=y"), "first-round descriptions");
        assert!(!prod.owns("ccops ccloud-api-key instance=prod-eu sa=x"));
        assert!(!prod.owns("xccops/ccloud-api-key/prod"));
    }

    #[test]
    fn the_namespace_token_is_never_an_explicit_one() {
        let implicit = OwnerToken::implicit("ccloud-api-key", "default");
        assert_eq!(implicit.to_string(), "ccops/ccloud-api-key/ns:default");
        assert!(implicit.is_implicit() && !OwnerToken::new("ccloud-api-key", "default").is_implicit());
        assert!(valid_instance(&implicit.instance).is_err(), "no INSTANCE_ID can spell it");
        let explicit = OwnerToken::new("ccloud-api-key", "default");
        assert!(!explicit.owns(&format!("{implicit} sa=x")) && !explicit.marks(&format!("{implicit} sa=x")));
        assert!(implicit.marks(&format!("{implicit} sa=x resource=y")));
        assert!(explicit.owns("ccops ccloud-api-key instance=default sa=x"));
        assert!(!explicit.marks("ccops ccloud-api-key instance=default sa=x"), "the first format proves nothing");
    }

    #[test]
    fn instance_ids_are_plain() {
        assert!(valid_instance("prod-eu.cluster-1").is_ok());
        for bad in ["", "Prod", "a b", "-x", "x-", "a/b", &"x".repeat(64)] {
            assert!(valid_instance(bad).is_err(), "{bad:?}");
        }
    }
}
