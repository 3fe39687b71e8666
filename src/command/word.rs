//! A shell word after quote removal, with what the analyzer could not know.
//!
//! The shell decides on words, not on characters: `r''m`, `"rm"` and `\rm`
//! are all the word `rm`. A [`Word`] holds that text, plus two facts a rule
//! needs: whether part of it is an expansion whose value is unknown at
//! analysis time (`$X`, `$(…)`), and whether it contains an unquoted glob. An
//! unknown part is kept as written (`$X`, `$(…)`) so that it stays visible in
//! decisions. `$HOME`, `${HOME}` and a leading `~` are not unknown: they are
//! the principal's home directory, and path rules treat them as `~`.

use compact_str::CompactString;

/// One word of a shell command, quotes removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// The text the shell would pass, with unknown expansions kept as written.
    /// Words of up to 24 bytes, most of them, are stored inline without allocating.
    pub text: CompactString,
    /// Part of the word is an expansion whose value is unknown.
    pub dynamic: bool,
    /// The word contains an unquoted `*`, `?` or `[`: it may name many paths.
    pub glob: bool,
    /// Some part of the word was quoted or escaped.
    pub quoted: bool,
    /// Byte length of the unquoted `NAME` before `=`, when the word is an assignment.
    pub(crate) assignment: Option<usize>,
    /// Positions of unquoted `{`, `,`, `}` in `text`, for brace expansion.
    pub(crate) braces: Vec<usize>,
    /// Byte ranges of `text` that came from unquoted expansions (`$cmd`,
    /// `${IFS}`, `$@`): the shell splits them into words at `$IFS`.
    pub(crate) split: Vec<(usize, usize)>,
}

impl Word {
    /// A literal word (no quoting, no expansion).
    pub fn literal(text: impl Into<CompactString>) -> Self {
        Word {
            text: text.into(),
            ..Word::default()
        }
    }

    /// A word whose value is unknown, shown as `shown`.
    pub fn unknown(shown: impl Into<CompactString>) -> Self {
        Word {
            text: shown.into(),
            dynamic: true,
            ..Word::default()
        }
    }

    /// True when the word's value is fully known (no unknown expansion).
    pub fn is_known(&self) -> bool {
        !self.dynamic
    }
}
