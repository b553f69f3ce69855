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

impl OwnerToken {
    pub fn new(tool: impl Into<String>, instance: impl Into<String>) -> Self {
        Self { tool: tool.into(), instance: instance.into() }
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
    fn instance_ids_are_plain() {
        assert!(valid_instance("prod-eu.cluster-1").is_ok());
        for bad in ["", "Prod", "a b", "-x", "x-", "a/b", &"x".repeat(64)] {
            assert!(valid_instance(bad).is_err(), "{bad:?}");
        }
    }
}
