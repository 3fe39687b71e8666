//! Words quoted back into shell text.
//!
//! The analyzer turns what it learned back into a line it parses again
//! (an alias's body before its arguments, `env -S` before the words after
//! it); the hook quotes an argv into the one line an agent shows; `init`
//! writes the hook command agents run through a shell. All of them need the
//! same quoting, so there is one: single quotes, with `'` spelled `'\''`,
//! which no POSIX shell expands. Cost: one pass over the word.

/// `text` as one single-quoted shell word, whatever it holds.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `word` as one shell word, quoted only when it needs it.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        word.to_owned()
    } else {
        quote(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_words_parse_back_to_themselves() {
        for word in ["plain", "", "a b", "it's", "$HOME", "'", "a\nb", "*"] {
            let line = format!("echo {}", shell_quote(word));
            let analysis = crate::command::analyze(&line);
            let echoed = &analysis.commands[0].positionals[0];
            assert_eq!(echoed.text.as_str(), word, "{line}");
        }
    }
}
