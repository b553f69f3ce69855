//! Places the guard at the start of every function body and every `reduce`/`foreach`
//! update of a program's source.
//!
//! jaq's parsed modules cannot be changed before compiling, so this works on the text:
//! jaq's own lexer finds each `def NAME[(ARGS)]:` (at any nesting, inside string
//! interpolations too) and `__ccops_guard | ` is inserted after the colon. A body is a
//! pipe, the loosest jq construct, so `guard | BODY` is BODY after an identity. Likewise
//! after the first `;` of the `(INIT; UPDATE[; EXTRACT])` of `reduce`/`foreach`: a fold
//! over a native generator (`.[]` of a long array, `explode`) calls no definition, so
//! without it such a loop would run, and nest values, without ever spending fuel.

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
            Tok::Word if token.0 == "reduce" || token.0 == "foreach" => {
                if let Some(at) = fold_update(code, &tokens[i + 1..]) {
                    out.push(at);
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

/// The offset just after the first top-level `;` of the `(INIT; UPDATE…)` block that
/// follows the `as PATTERN` of a fold (`rest` starts after the keyword).
fn fold_update(code: &str, rest: &[Token<&str>]) -> Option<usize> {
    let as_at = rest.iter().position(|t| matches!(t.1, Tok::Word) && t.0 == "as")?;
    let block = rest[as_at + 1..].iter().find_map(|t| match &t.1 {
        Tok::Block(inner) if t.0.starts_with('(') => Some(inner),
        _ => None,
    })?;
    let semicolon = block.iter().find(|t| matches!(t.1, Tok::Sym) && t.0 == ";")?;
    Some(offset(code, semicolon.0) + 1)
}

/// How deeply brackets, strings and interpolations nest in `code`, found without
/// recursion (jaq's lexer and parser recurse once per level).
pub fn nesting(code: &str) -> usize {
    #[derive(PartialEq)]
    enum Open {
        Bracket,
        Str,
    }
    let (mut stack, mut deepest, mut chars) = (Vec::new(), 0, code.chars());
    while let Some(c) = chars.next() {
        if stack.last() == Some(&Open::Str) {
            match c {
                '"' => {
                    stack.pop();
                }
                '\\' => {
                    // The escaped character; `\(` opens an interpolation.
                    let escaped = chars.next();
                    if escaped == Some('(') {
                        stack.push(Open::Bracket);
                    }
                }
                _ => {}
            }
        } else {
            match c {
                '"' => stack.push(Open::Str),
                '(' | '[' | '{' => stack.push(Open::Bracket),
                ')' | ']' | '}' => {
                    stack.pop();
                }
                '#' => {
                    chars.by_ref().find(|c| *c == '\n');
                }
                _ => {}
            }
        }
        deepest = deepest.max(stack.len());
    }
    deepest
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
    fn every_fold_update_gets_a_guard() {
        let g = guarded("reduce .[] as [$a] (0; . + $a), foreach (.[] as $x (1; 2)) as $y (0; 1; 2)").unwrap();
        assert_eq!(
            g,
            "reduce .[] as [$a] (0;__ccops_guard |  . + $a), foreach (.[] as $x (1; 2)) as $y (0;__ccops_guard |  1; 2)"
        );
    }

    #[test]
    fn nesting_is_measured_without_recursion() {
        assert_eq!(nesting(r#"[{"a": "\(.b | [1])"}] # ((("#), 5);
        assert_eq!(nesting(&"[".repeat(100_000)), 100_000);
    }

    #[test]
    fn text_that_does_not_lex_is_left_to_the_compiler() {
        assert_eq!(guarded("\"open"), None);
    }
}
