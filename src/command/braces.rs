//! Brace expansion: `{rm,-rf,/}` is the three words `rm -rf /`.
//!
//! The lexer records, in [`Word`]'s brace marks, where the unquoted `{`, `,`
//! and `}` of a word are (quoted ones are literal); the parser expands each
//! word it adds with [`expand_braces`], after lexing, as the shell does.
//! The first `{` with a matching `}` and a `,` at its own level is expanded,
//! then each result again, left to right; `{a}` and an unmatched `{` stay
//! as written. Assignments are not expanded. Cost: linear in the output,
//! which is bounded at [`MAX_BRACE_WORDS`] words (`{a,b}{c,d}…` doubles with
//! each group); past the bound the line is refused rather than truncated.

use super::word::Word;

/// Most words one brace expansion may produce.
pub const MAX_BRACE_WORDS: usize = 256;

/// Applies brace expansion to a word with unquoted `{…,…}`; `Ok(None)` when
/// there is none, an error past [`MAX_BRACE_WORDS`] words.
pub(crate) fn expand_braces(word: &Word) -> Result<Option<Vec<Word>>, String> {
    if word.braces.is_empty() || word.assignment.is_some() {
        return Ok(None);
    }
    let mut out = Vec::new();
    expand_into(&word.text, &word.braces, &mut out)?;
    if out.len() <= 1 && out.first().is_some_and(|t| *t == word.text) {
        return Ok(None);
    }
    Ok(Some(
        out.into_iter()
            .map(|text| Word {
                text: text.into(),
                braces: Vec::new(),
                ..word.clone()
            })
            .collect(),
    ))
}

fn expand_into(text: &str, marks: &[usize], out: &mut Vec<String>) -> Result<(), String> {
    let byte = |i: usize| text.as_bytes().get(i).copied();
    // The first `{` that has a matching `}` with a `,` at its own level.
    for (n, &open) in marks.iter().enumerate() {
        if byte(open) != Some(b'{') {
            continue;
        }
        let mut depth = 0usize;
        let mut commas = Vec::new();
        let mut close = None;
        for &m in marks.iter().skip(n + 1) {
            match byte(m) {
                Some(b'{') => depth += 1,
                Some(b'}') if depth == 0 => {
                    close = Some(m);
                    break;
                }
                Some(b'}') => depth -= 1,
                Some(b',') if depth == 0 => commas.push(m),
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        if commas.is_empty() {
            continue;
        }
        let prefix = text.get(..open).unwrap_or_default();
        let suffix = text.get(close + 1..).unwrap_or_default();
        let mut bounds = vec![open];
        bounds.extend(&commas);
        bounds.push(close);
        for pair in bounds.windows(2) {
            let [a, b] = pair else { continue };
            let middle = text.get(a + 1..*b).unwrap_or_default();
            let candidate = format!("{prefix}{middle}{suffix}");
            // Marks of the candidate: those of prefix, middle and suffix, shifted.
            let shift_middle = prefix.len() as isize - (*a as isize + 1);
            let shift_suffix = prefix.len() as isize + middle.len() as isize - (close as isize + 1);
            let sub: Vec<usize> = marks
                .iter()
                .filter_map(|&m| {
                    if m < open {
                        Some(m)
                    } else if m > *a && m < *b {
                        usize::try_from(m as isize + shift_middle).ok()
                    } else if m > close {
                        usize::try_from(m as isize + shift_suffix).ok()
                    } else {
                        None
                    }
                })
                .collect();
            expand_into(&candidate, &sub, out)?;
            if out.len() > MAX_BRACE_WORDS {
                return Err(format!(
                    "brace expansion makes more than {MAX_BRACE_WORDS} words"
                ));
            }
        }
        return Ok(());
    }
    out.push(text.to_owned());
    Ok(())
}
