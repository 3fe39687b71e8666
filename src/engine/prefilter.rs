//! The literal prefilter for commands: most benign lines are decided
//! without being parsed.
//!
//! A command line can run a program only by naming it, unless shell syntax
//! hides the name (quotes and escapes, expansions, brace expansion, globs,
//! assignments, redirections, subshells: [`SYNTAX_TRIGGERS`]) or a program
//! runs other code ([`code_runners`]: wrappers, shells, interpreters), or a
//! reserved word gives the line structure ([`RESERVED_WORDS`]). So a
//! short line that contains none of the policy's program names (or glob
//! prefixes, or `piped_from` names), no code runner and no trigger byte
//! cannot match any argv rule, and its decision is the default for
//! commands. One aho-corasick automaton over all of those literals answers
//! that in a single scan; a name counts only as a word of its own (`rm` in
//! `/bin/rm -f x`, not in `format`), a glob prefix only at the start of a word. The set is derived from the rules, so no rule is
//! unreachable behind it; a policy with a rule that could match a program it
//! does not name (a program-less `pattern`, `args_any` or `flags_*` rule, or
//! a program glob starting with a wildcard) turns the prefilter off. Lines of
//! [`MAX_PREFILTER_BYTES`] or more always take the full path, so the analysis
//! bounds (which answer `ask`) apply exactly as without the prefilter; a test
//! checks that both paths decide alike.
//!
//! The question is answered without an automaton when it can be: a name
//! that holds no word-ending byte can only stand in a line as the whole
//! word starting where it starts, so one hash lookup per word start (and a
//! `starts_with` per glob prefix, a table lookup per byte for the triggers)
//! finds exactly what an overlapping aho-corasick search over the literals
//! would. Building that is a hash set of a few hundred names, where the
//! automaton cost more to build than a hook's whole decision; the automaton
//! remains for literal sets the word test cannot take (a unit test holds
//! the two equal).

use std::borrow::Cow;

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashSet;

use crate::command::http::client_names;
use crate::command::ArgvRule;
use crate::command::{code_runners, RESERVED_WORDS, SYNTAX_TRIGGERS};
use crate::pattern::NamePattern;
use crate::policy::CommandRule;

/// Lines this long or longer are always analyzed in full.
pub(crate) const MAX_PREFILTER_BYTES: usize = 2048;

#[derive(Debug, Default)]
pub(crate) struct CommandPrefilter {
    /// `None`: every line is analyzed.
    literals: Option<Literals>,
}

/// The prefilter's literals, compiled.
#[derive(Debug)]
enum Literals {
    /// Names by word, prefixes at word starts, trigger bytes by table.
    Words(Words),
    /// Every literal in one automaton, with how each must stand.
    Automaton(AhoCorasick, Vec<Literal>),
}

/// A literal of the prefilter: the tables' names borrowed, the policy's owned.
type Text = Cow<'static, str>;

#[derive(Debug)]
struct Words {
    names: FxHashSet<Cow<'static, [u8]>>,
    prefixes: Vec<Cow<'static, [u8]>>,
    /// The trigger bytes, one bit each.
    triggers: [u64; 4],
}

/// What a literal of the prefilter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Literal {
    /// A whole program name: a word of its own (after `/` for a path).
    Name,
    /// The literal start of a program glob (`mkfs.` of `mkfs.*`): starts a word.
    Prefix,
    /// A syntax byte: anywhere.
    Trigger,
}

/// Bytes that may stand before a program name in a line without trigger bytes.
fn starts_word(before: Option<&u8>) -> bool {
    matches!(
        before,
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'/' | b';' | b'&' | b'|')
    )
}

/// Bytes that may follow a program name.
fn ends_word(after: Option<&u8>) -> bool {
    after.is_none_or(|&b| is_word_end(b))
}

/// A byte after which a program name ends.
fn is_word_end(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|')
}

impl Words {
    /// The word test, when it can stand for the automaton: every trigger is
    /// one byte and no name is empty or holds a word-ending byte.
    fn new(literals: Vec<(Text, Literal)>) -> Result<Words, Vec<(Text, Literal)>> {
        let takes = literals.iter().all(|(text, kind)| match kind {
            Literal::Trigger => text.len() == 1,
            Literal::Prefix => true,
            Literal::Name => !text.is_empty() && !text.bytes().any(is_word_end),
        });
        if !takes {
            return Err(literals);
        }
        let mut words = Words {
            names: FxHashSet::default(),
            prefixes: Vec::new(),
            triggers: [0; 4],
        };
        let bytes = |text: Text| match text {
            Cow::Borrowed(t) => Cow::Borrowed(t.as_bytes()),
            Cow::Owned(t) => Cow::Owned(t.into_bytes()),
        };
        for (text, kind) in literals {
            match kind {
                Literal::Trigger => {
                    if let Some(&b) = text.as_bytes().first() {
                        if let Some(word) = words.triggers.get_mut(usize::from(b >> 6)) {
                            *word |= 1 << (b & 63);
                        }
                    }
                }
                Literal::Prefix => words.prefixes.push(bytes(text)),
                Literal::Name => {
                    words.names.insert(bytes(text));
                }
            }
        }
        Ok(words)
    }

    /// True when a literal stands in `line` as it must: a trigger byte
    /// anywhere, a prefix at a word start, a name as a whole word.
    fn found(&self, line: &[u8]) -> bool {
        let trigger = |b: u8| {
            self.triggers
                .get(usize::from(b >> 6))
                .is_none_or(|word| word & (1 << (b & 63)) != 0)
        };
        if line.iter().any(|&b| trigger(b)) {
            return true;
        }
        let mut start = 0;
        while start <= line.len() {
            let before = start.checked_sub(1).and_then(|i| line.get(i));
            if starts_word(before) {
                let rest = line.get(start..).unwrap_or_default();
                let end = rest
                    .iter()
                    .position(|&b| is_word_end(b))
                    .unwrap_or(rest.len());
                let word = rest.get(..end).unwrap_or_default();
                if !word.is_empty() && self.names.contains(word) {
                    return true;
                }
                if self.prefixes.iter().any(|p| rest.starts_with(p.as_ref())) {
                    return true;
                }
            }
            start += 1;
        }
        false
    }
}

/// True when `rule` can only match commands that name one of its literals.
fn rule_is_anchored(rule: &ArgvRule) -> bool {
    if rule.programs.is_empty() {
        // Program-less rules apply to any program, unless they need a
        // write redirection or a construct (both need trigger bytes) or a pipe
        // from a named program.
        let only_syntax = rule.subcommands.is_empty()
            && rule.flags_all.is_empty()
            && rule.flags_any.is_empty()
            && rule.args_any.is_empty()
            && rule.pattern.is_none();
        return only_syntax
            && (!rule.writes_any.is_empty()
                || rule.construct.is_some()
                || !rule.piped_from.is_empty());
    }
    rule.programs.iter().all(|p| match p {
        NamePattern::Exact(_) => true,
        NamePattern::Glob(g) => !g.starts_with(['*', '?']),
    })
}

impl CommandPrefilter {
    /// The prefilter of a policy's `commands`, given whether it has SQL
    /// and path rules (which see commands too).
    pub(crate) fn new(commands: &[CommandRule], has_sql: bool, has_paths: bool) -> Self {
        let disabled = CommandPrefilter::default();
        if !commands.iter().all(|r| rule_is_anchored(&r.argv)) {
            return disabled;
        }
        // HTTP clients are always analyzed: egress rules decide their requests.
        let Some(clients) = client_names() else {
            return disabled;
        };
        let mut literals: Vec<(Text, Literal)> = clients
            .into_iter()
            .chain(RESERVED_WORDS.iter().copied())
            .map(|c| (Cow::Borrowed(c), Literal::Name))
            .collect();
        if commands.is_empty() && !has_sql && !has_paths {
            // No rule: only HTTP clients matter (bounds still apply below).
            return CommandPrefilter::build(literals).unwrap_or(disabled);
        }
        let Some(runners) = code_runners() else {
            return disabled;
        };
        literals.extend(
            runners
                .into_iter()
                .map(|r| (Cow::Borrowed(r), Literal::Name)),
        );
        if has_paths {
            // Path rules see the paths of every program that reads, writes
            // or deletes its arguments (redirections are syntax triggers).
            literals.extend(
                crate::paths::access::programs()
                    .into_iter()
                    .map(|p| (Cow::Borrowed(p), Literal::Name)),
            );
        }
        for rule in commands.iter().map(|r| &r.argv) {
            for program in &rule.programs {
                literals.push(match program {
                    NamePattern::Exact(name) => (Cow::Owned(name.clone()), Literal::Name),
                    NamePattern::Glob(glob) => {
                        let prefix = glob.split(['*', '?']).next().unwrap_or_default();
                        (Cow::Owned(prefix.to_owned()), Literal::Prefix)
                    }
                });
            }
            literals.extend(
                rule.piped_from
                    .iter()
                    .map(|p| (Cow::Owned(p.clone()), Literal::Name)),
            );
        }
        literals.retain(|(l, _)| !l.is_empty());
        CommandPrefilter::build(literals).unwrap_or(disabled)
    }

    fn build(mut literals: Vec<(Text, Literal)>) -> Option<Self> {
        literals.extend(
            SYNTAX_TRIGGERS
                .iter()
                .map(|&b| (Cow::Owned(char::from(b).to_string()), Literal::Trigger)),
        );
        // A NUL byte is refused by the analysis, so it must reach it.
        literals.push((Cow::Borrowed("\0"), Literal::Trigger));
        match Words::new(literals) {
            Ok(words) => Some(CommandPrefilter {
                literals: Some(Literals::Words(words)),
            }),
            Err(literals) => CommandPrefilter::automaton(literals),
        }
    }

    /// The prefilter as one aho-corasick automaton over `literals`.
    fn automaton(literals: Vec<(Text, Literal)>) -> Option<Self> {
        let automaton = AhoCorasick::new(literals.iter().map(|(l, _)| l.as_ref())).ok()?;
        Some(CommandPrefilter {
            literals: Some(Literals::Automaton(
                automaton,
                literals.into_iter().map(|(_, k)| k).collect(),
            )),
        })
    }

    /// False when `line` certainly matches no command rule and needs no analysis.
    pub(crate) fn needs_analysis(&self, line: &str) -> bool {
        let Some(literals) = &self.literals else {
            return true;
        };
        if line.len() >= MAX_PREFILTER_BYTES {
            return true;
        }
        let bytes = line.as_bytes();
        match literals {
            Literals::Words(words) => words.found(bytes),
            Literals::Automaton(automaton, kinds) => {
                automaton.find_overlapping_iter(line).any(|m| {
                    let before = m.start().checked_sub(1).and_then(|i| bytes.get(i));
                    match kinds.get(m.pattern().as_usize()) {
                        Some(Literal::Trigger) | None => true,
                        Some(Literal::Prefix) => starts_word(before),
                        Some(Literal::Name) => starts_word(before) && ends_word(bytes.get(m.end())),
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals() -> Vec<(Text, Literal)> {
        let mut l: Vec<(Text, Literal)> = ["rm", "git", "sudo", "if", "!", "a.b", "x/y"]
            .iter()
            .map(|n| (Cow::Borrowed(*n), Literal::Name))
            .collect();
        l.push(("mkfs.".into(), Literal::Prefix));
        l.push((Cow::Owned("rm".into()), Literal::Prefix));
        l.extend(
            SYNTAX_TRIGGERS
                .iter()
                .chain(b"\0")
                .map(|&b| (Cow::Owned(char::from(b).to_string()), Literal::Trigger)),
        );
        l
    }

    #[test]
    fn the_word_test_finds_what_the_automaton_finds() {
        let by_words = CommandPrefilter {
            literals: Some(Literals::Words(Words::new(literals()).unwrap())),
        };
        let by_automaton = CommandPrefilter::automaton(literals()).unwrap();
        let pieces = [
            "rm",
            "rmdir",
            "/bin/rm",
            "git",
            "gitk",
            "sudo",
            "if",
            "!",
            "a.b",
            "x/y",
            "y",
            "mkfs.ext4",
            "mkfs",
            "ls",
            "-la",
            "src",
            "x",
            "/",
            " ",
            "\t",
            ";",
            "&",
            "|",
            "\n",
            "\r",
            "$",
            "'",
            "=",
            "é",
            "rm;",
            "|rm",
            "a/rm",
            "rm/",
            "",
            ".b",
            "x/",
            "format",
        ];
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for c in ["", " ", "/", ";", "rm", "x"] {
                    let line = format!("{a}{c}{b}");
                    assert_eq!(
                        by_words.needs_analysis(&line),
                        by_automaton.needs_analysis(&line),
                        "{line:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000);
        assert!(!by_words.needs_analysis("ls -la src"));
        assert!(by_words.needs_analysis("ls; rm -rf ~"));
    }

    #[test]
    fn names_the_word_test_cannot_take_keep_the_automaton() {
        let mut l = literals();
        l.push(("a b".into(), Literal::Name));
        assert!(Words::new(l).is_err());
        let mut l = literals();
        l.push(("ab".into(), Literal::Trigger));
        assert!(Words::new(l).is_err());
    }
}
