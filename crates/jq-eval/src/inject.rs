//! Places the guard at the start of every function body of a program's source.
//!
//! jaq's parsed modules cannot be changed before compiling, so this works on the text:
//! jaq's own lexer finds each `def NAME[(ARGS)]:` (at any nesting, inside string
//! interpolations too) and `__ccops_guard | ` is inserted after the colon. A body is a
//! pipe, the loosest jq construct, so `guard | BODY` is BODY after an identity.

use crate::guard::GUARD;
use jaq_core::load::lex::{StrPart, Tok, Token};

/// The source with a guard at the start of every function body; `None` when the
/// source does not lex (the compiler then reports the error on the original text).
pub fn guarded(code: &str) -> Option<String> {
    let tokens = jaq_core::load::Lexer::new(code).lex().ok()?;
    let mut offsets = Vec::new();
    def_colons(code, &tokens, &mut offsets);
    offsets.sort_unstable();
    let insert = format!("{GUARD} | ");
    let mut out = String::with_capacity(code.len() + offsets.len() * insert.len());
    let mut last = 0;
    for at in offsets {
        out.push_str(&code[last..at]);
        out.push_str(&insert);
        last = at;
    }
    out.push_str(&code[last..]);
    Some(out)
}

/// The byte offset of `s` (a slice of `code`, as every token is) within `code`.
fn offset(code: &str, s: &str) -> usize {
    (s.as_ptr() as usize).saturating_sub(code.as_ptr() as usize)
}

/// Collects the offset just after the colon of every definition head.
fn def_colons(code: &str, tokens: &[Token<&str>], out: &mut Vec<usize>) {
    for (i, token) in tokens.iter().enumerate() {
        match &token.1 {
            Tok::Word if token.0 == "def" => {
                let mut j = i + 1;
                if !matches!(tokens.get(j), Some(Token(_, Tok::Word))) {
                    continue;
                }
                j += 1;
                if let Some(Token(s, Tok::Block(_))) = tokens.get(j)
                    && s.starts_with('(')
                {
                    j += 1;
                }
                if let Some(Token(colon, Tok::Sym)) = tokens.get(j)
                    && *colon == ":"
                {
                    out.push(offset(code, colon) + 1);
                }
            }
            Tok::Block(inner) => def_colons(code, inner, out),
            Tok::Str(parts) => {
                for part in parts {
                    if let StrPart::Term(t) = part {
                        def_colons(code, std::slice::from_ref(t), out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_gets_a_guard() {
        let g = guarded(r#"def f: 1; def g($a; h): def k: 2; k; "\(def i: 3; i)" | {def: f}"#).unwrap();
        assert_eq!(
            g,
            r#"def f:__ccops_guard |  1; def g($a; h):__ccops_guard |  def k:__ccops_guard |  2; k; "\(def i:__ccops_guard |  3; i)" | {def: f}"#
        );
    }

    #[test]
    fn text_that_does_not_lex_is_left_to_the_compiler() {
        assert_eq!(guarded("\"open"), None);
    }
}
