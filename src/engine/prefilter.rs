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

use aho_corasick::AhoCorasick;

use crate::command::http::client_names;
use crate::command::ArgvRule;
use crate::command::{code_runners, RESERVED_WORDS, SYNTAX_TRIGGERS};
use crate::pattern::NamePattern;
use crate::policy::Policy;

/// Lines this long or longer are always analyzed in full.
pub(crate) const MAX_PREFILTER_BYTES: usize = 2048;

#[derive(Debug, Default)]
pub(crate) struct CommandPrefilter {
    /// `None`: every line is analyzed.
    literals: Option<AhoCorasick>,
    /// How each pattern of the automaton must stand in the line.
    kinds: Vec<Literal>,
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
    matches!(
        after,
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|')
    )
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
    pub(crate) fn new(policy: &Policy) -> Self {
        let disabled = CommandPrefilter::default();
        if !policy.commands.iter().all(|r| rule_is_anchored(&r.argv)) {
            return disabled;
        }
        // HTTP clients are always analyzed: egress rules decide their requests.
        let Some(clients) = client_names() else {
            return disabled;
        };
        let mut literals: Vec<(String, Literal)> = clients
            .into_iter()
            .chain(RESERVED_WORDS.iter().map(|w| (*w).to_owned()))
            .map(|c| (c, Literal::Name))
            .collect();
        if policy.commands.is_empty() && policy.sql.is_empty() && policy.paths.is_empty() {
            // No rule: only HTTP clients matter (bounds still apply below).
            return CommandPrefilter::build(literals).unwrap_or(disabled);
        }
        let Some(runners) = code_runners() else {
            return disabled;
        };
        literals.extend(runners.into_iter().map(|r| (r, Literal::Name)));
        if !policy.paths.is_empty() {
            // Path rules see the paths of every program that reads, writes
            // or deletes its arguments (redirections are syntax triggers).
            literals.extend(
                crate::paths::access::programs()
                    .into_iter()
                    .map(|p| (p, Literal::Name)),
            );
        }
        for rule in policy.commands.iter().map(|r| &r.argv) {
            for program in &rule.programs {
                literals.push(match program {
                    NamePattern::Exact(name) => (name.clone(), Literal::Name),
                    NamePattern::Glob(glob) => {
                        let prefix = glob.split(['*', '?']).next().unwrap_or_default();
                        (prefix.to_owned(), Literal::Prefix)
                    }
                });
            }
            literals.extend(rule.piped_from.iter().map(|p| (p.clone(), Literal::Name)));
        }
        literals.retain(|(l, _)| !l.is_empty());
        CommandPrefilter::build(literals).unwrap_or(disabled)
    }

    fn build(mut literals: Vec<(String, Literal)>) -> Option<Self> {
        literals.extend(
            SYNTAX_TRIGGERS
                .iter()
                .map(|&b| (char::from(b).to_string(), Literal::Trigger)),
        );
        // A NUL byte is refused by the analysis, so it must reach it.
        literals.push(("\0".to_owned(), Literal::Trigger));
        let automaton = AhoCorasick::new(literals.iter().map(|(l, _)| l)).ok()?;
        Some(CommandPrefilter {
            literals: Some(automaton),
            kinds: literals.into_iter().map(|(_, k)| k).collect(),
        })
    }

    /// False when `line` certainly matches no command rule and needs no analysis.
    pub(crate) fn needs_analysis(&self, line: &str) -> bool {
        let Some(automaton) = &self.literals else {
            return true;
        };
        if line.len() >= MAX_PREFILTER_BYTES {
            return true;
        }
        let bytes = line.as_bytes();
        automaton.find_overlapping_iter(line).any(|m| {
            let before = m.start().checked_sub(1).and_then(|i| bytes.get(i));
            match self.kinds.get(m.pattern().as_usize()) {
                Some(Literal::Trigger) | None => true,
                Some(Literal::Prefix) => starts_word(before),
                Some(Literal::Name) => starts_word(before) && ends_word(bytes.get(m.end())),
            }
        })
    }
}
