//! Argv rules, compiled: which rules match which simple commands.
//!
//! Rules are indexed by program name: a command whose program no rule names
//! (and no program-less rule exists) is dismissed with one hash lookup and
//! no regular expression at all — the prefilter path that most benign
//! commands take. The index is built from the rules themselves, so no rule
//! can hide behind it, and it is applied after parsing, so splices such as
//! `r''m` cannot hide a program from it. Program globs (`mkfs.*`) share one
//! automaton; every `pattern` of every rule is one [`RegexSet`], searched at
//! most once per command and only when a candidate rule has a pattern; all
//! path globs of `args_any` are one more set, searched once per argument.
//!
//! A rule that matches only because an argument is unknown (`$X`, `$(…)`) or
//! because the program itself is unknown is reported as *uncertain*: the
//! engine caps its effect at `ask`. Matching knows nothing of raw text: it
//! sees [`SimpleCommand`]s.

use std::collections::HashMap;

use super::parser::Construct;
use super::paths::{glob_directory, glob_to_path_regex, normalize_path};
use super::simple::SimpleCommand;
use super::tables::Tables;
use crate::pattern::{RegexSet, RegexSetError};
use crate::tool::NameSet;

/// One rule, as the matcher needs it. Built by the engine from the policy.
#[derive(Debug, Clone, Default)]
pub struct ArgvRule {
    /// Returned in every hit.
    pub tag: u32,
    /// Exact program names.
    pub programs: Vec<String>,
    /// Program globs.
    pub program_globs: Vec<String>,
    /// Alternatives of subcommand word globs.
    pub subcommands: Vec<Vec<String>>,
    /// All required.
    pub flags_all: Vec<String>,
    /// One required.
    pub flags_any: Vec<String>,
    /// None allowed.
    pub not_flags: Vec<String>,
    /// Path globs for positional arguments.
    pub args_any: Vec<String>,
    /// Path globs for redirection targets.
    pub writes_any: Vec<String>,
    /// Programs that may feed the command's input.
    pub piped_from: Vec<String>,
    /// A structural construct.
    pub construct: Option<Construct>,
    /// A regular expression over the normalized text.
    pub pattern: Option<String>,
}

/// A rule that matched a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The rule's tag.
    pub tag: u32,
    /// Index of the command in the analysis.
    pub command: usize,
    /// False when the match depends on something unknown (program or argument).
    pub certain: bool,
}

/// Which field of which rule could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherError {
    /// The rule's tag.
    pub tag: u32,
    /// `pattern`, `args_any`, `writes_any` or `program`.
    pub field: &'static str,
    /// What went wrong.
    pub message: String,
}

#[derive(Debug)]
struct Rule {
    tag: u32,
    subcommands: Vec<Vec<String>>,
    /// Each required flag, in every spelling it may have after normalization.
    flags_all: Vec<Vec<String>>,
    flags_any: Vec<String>,
    not_flags: Vec<String>,
    has_args: bool,
    has_writes: bool,
    piped_from: Vec<String>,
    construct: Option<Construct>,
    has_pattern: bool,
}

/// Compiled argv rules.
#[derive(Debug, Default)]
pub struct CommandMatcher {
    rules: Vec<Rule>,
    by_program: HashMap<Box<str>, Vec<u32>>,
    program_globs: NameSet,
    any_program: Vec<u32>,
    patterns: RegexSet,
    pattern_slots: Vec<u32>,
    arg_globs: RegexSet,
    arg_slots: Vec<u32>,
    write_globs: RegexSet,
    write_slots: Vec<u32>,
}

/// Per-command facts computed at most once, on demand.
#[derive(Default)]
struct Lazy {
    patterns: Option<Vec<bool>>,
    args: Option<(Vec<bool>, bool)>,
    writes: Option<(Vec<bool>, bool)>,
}

fn spellings(
    tables: &Tables,
    programs: &[String],
    subcommand: Option<&str>,
    flag: &str,
) -> Vec<String> {
    let mut out = vec![flag.to_owned()];
    for program in programs {
        let canonical = tables.canonical(program, subcommand, flag).to_owned();
        if !out.contains(&canonical) {
            out.push(canonical);
        }
    }
    out
}

fn set_error(tag_of: &[u32], field: &'static str, e: RegexSetError) -> MatcherError {
    MatcherError {
        tag: e.pattern.and_then(|p| tag_of.get(p).copied()).unwrap_or(0),
        field,
        message: e.message,
    }
}

impl CommandMatcher {
    /// Compiles `rules`, mapping their flags to canonical names with the program table.
    pub fn new(rules: Vec<ArgvRule>) -> Result<Self, MatcherError> {
        let tables = super::tables::tables().map_err(|e| MatcherError {
            tag: 0,
            field: "program",
            message: format!("the program table failed to load: {e}"),
        })?;
        let mut m = CommandMatcher::default();
        let mut globs = NameSet::builder();
        let (mut patterns, mut arg_globs, mut write_globs) = (Vec::new(), Vec::new(), Vec::new());
        let mut tags = (Vec::new(), Vec::new(), Vec::new());
        for (slot, rule) in rules.into_iter().enumerate() {
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            for program in &rule.programs {
                m.by_program
                    .entry(program.as_str().into())
                    .or_default()
                    .push(slot);
            }
            for glob in &rule.program_globs {
                globs.glob(glob, slot);
            }
            let has_program = !rule.programs.is_empty() || !rule.program_globs.is_empty();
            if !has_program {
                m.any_program.push(slot);
            }
            let sub = match rule.subcommands.as_slice() {
                [only] => only
                    .first()
                    .map(String::as_str)
                    .filter(|w| !w.contains('*')),
                _ => None,
            };
            if let Some(pattern) = &rule.pattern {
                patterns.push(pattern.clone());
                m.pattern_slots.push(slot);
                tags.0.push(rule.tag);
            }
            for glob in &rule.args_any {
                arg_globs.push(glob_to_path_regex(glob));
                m.arg_slots.push(slot);
                tags.1.push(rule.tag);
            }
            for glob in &rule.writes_any {
                write_globs.push(glob_to_path_regex(glob));
                m.write_slots.push(slot);
                tags.2.push(rule.tag);
            }
            m.rules.push(Rule {
                tag: rule.tag,
                subcommands: rule.subcommands.clone(),
                flags_all: rule
                    .flags_all
                    .iter()
                    .map(|f| spellings(tables, &rule.programs, sub, f))
                    .collect(),
                flags_any: rule
                    .flags_any
                    .iter()
                    .flat_map(|f| spellings(tables, &rule.programs, sub, f))
                    .collect(),
                not_flags: rule
                    .not_flags
                    .iter()
                    .flat_map(|f| spellings(tables, &rule.programs, sub, f))
                    .collect(),
                has_args: !rule.args_any.is_empty(),
                has_writes: !rule.writes_any.is_empty(),
                piped_from: rule.piped_from.clone(),
                construct: rule.construct,
                has_pattern: rule.pattern.is_some(),
            });
        }
        m.program_globs = globs.build().map_err(|e| MatcherError {
            tag: 0,
            field: "program",
            message: e.message,
        })?;
        m.patterns = RegexSet::new(&patterns).map_err(|e| set_error(&tags.0, "pattern", e))?;
        m.arg_globs = RegexSet::new(&arg_globs).map_err(|e| set_error(&tags.1, "args_any", e))?;
        m.write_globs =
            RegexSet::new(&write_globs).map_err(|e| set_error(&tags.2, "writes_any", e))?;
        Ok(m)
    }

    /// Calls `found` for every rule that matches one of `commands`.
    pub fn for_each_match(&self, commands: &[SimpleCommand], mut found: impl FnMut(Hit)) {
        let mut candidates: Vec<u32> = Vec::new();
        for (index, command) in commands.iter().enumerate() {
            candidates.clear();
            let unknown_program = command.program.is_none();
            match command.program.as_deref() {
                Some(program) => {
                    if let Some(slots) = self.by_program.get(program) {
                        candidates.extend(slots);
                    }
                    self.program_globs
                        .for_each_match(program, |s| candidates.push(s));
                }
                None => candidates.extend(0..u32::try_from(self.rules.len()).unwrap_or(0)),
            }
            if !unknown_program {
                candidates.extend(&self.any_program);
            }
            if candidates.is_empty() {
                continue;
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut lazy = Lazy::default();
            for &slot in &candidates {
                let Some(rule) = self.rules.get(slot as usize) else {
                    continue;
                };
                if let Some(certain) = self.matches(rule, slot, command, unknown_program, &mut lazy)
                {
                    found(Hit {
                        tag: rule.tag,
                        command: index,
                        certain,
                    });
                }
            }
        }
    }

    /// `Some(certain)` when `rule` matches `command`.
    fn matches(
        &self,
        rule: &Rule,
        slot: u32,
        command: &SimpleCommand,
        unknown_program: bool,
        lazy: &mut Lazy,
    ) -> Option<bool> {
        if rule.construct.is_some() && rule.construct != command.construct {
            return None;
        }
        if !rule.piped_from.is_empty() {
            let from = command.piped_from.as_deref()?;
            if !rule.piped_from.iter().any(|p| p == from) {
                return None;
            }
        }
        if !rule.subcommands.is_empty()
            && !rule
                .subcommands
                .iter()
                .any(|alt| subcommand_matches(alt, &command.subcommand))
        {
            return None;
        }
        if !rule
            .flags_all
            .iter()
            .all(|forms| forms.iter().any(|f| command.has_flag(f)))
        {
            return None;
        }
        if !rule.flags_any.is_empty() && !rule.flags_any.iter().any(|f| command.has_flag(f)) {
            return None;
        }
        if rule.not_flags.iter().any(|f| command.has_flag(f)) {
            return None;
        }
        let mut certain = !unknown_program;
        if rule.has_args {
            let (hits, wild) = lazy.args.get_or_insert_with(|| self.arg_hits(command));
            if !hits.get(slot as usize).copied().unwrap_or(false) {
                if !*wild {
                    return None;
                }
                certain = false;
            }
        }
        if rule.has_writes {
            let (hits, wild) = lazy.writes.get_or_insert_with(|| self.write_hits(command));
            if !hits.get(slot as usize).copied().unwrap_or(false) {
                if !*wild {
                    return None;
                }
                certain = false;
            }
        }
        if rule.has_pattern {
            let hits = lazy
                .patterns
                .get_or_insert_with(|| self.pattern_hits(command));
            if !hits.get(slot as usize).copied().unwrap_or(false) {
                return None;
            }
        }
        // An unknown program matches only on what its arguments show.
        let shown = !rule.subcommands.is_empty()
            || !rule.flags_all.is_empty()
            || !rule.flags_any.is_empty()
            || rule.has_args
            || rule.has_writes
            || rule.has_pattern
            || !rule.piped_from.is_empty();
        if unknown_program && !shown {
            return None;
        }
        Some(certain)
    }

    fn slots(&self, set: &RegexSet, slots: &[u32], texts: &[&str]) -> Vec<bool> {
        let mut hit = vec![false; self.rules.len()];
        for text in texts {
            set.for_each_match(text, |i| {
                if let Some(cell) = slots.get(i).and_then(|&s| hit.get_mut(s as usize)) {
                    *cell = true;
                }
            });
        }
        hit
    }

    fn arg_hits(&self, command: &SimpleCommand) -> (Vec<bool>, bool) {
        let mut wild = false;
        let mut texts = Vec::new();
        for arg in &command.positionals {
            if arg.dynamic {
                wild = true;
                continue;
            }
            texts.extend(path_views(&arg.text, arg.glob));
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        (self.slots(&self.arg_globs, &self.arg_slots, &refs), wild)
    }

    fn write_hits(&self, command: &SimpleCommand) -> (Vec<bool>, bool) {
        let mut wild = false;
        let mut texts = Vec::new();
        for redirect in command.redirects.iter().filter(|r| r.writes()) {
            if redirect.target.dynamic {
                wild = true;
                continue;
            }
            texts.extend(path_views(&redirect.target.text, redirect.target.glob));
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        (
            self.slots(&self.write_globs, &self.write_slots, &refs),
            wild,
        )
    }

    fn pattern_hits(&self, command: &SimpleCommand) -> Vec<bool> {
        let mut text = command.text();
        if let (Some(_), Some(input)) = (&command.language, &command.input) {
            text.push('\n');
            text.push_str(input);
        }
        self.slots(&self.patterns, &self.pattern_slots, &[&text])
    }
}

/// How an argument is compared with path globs: its normalized spelling, and
/// for a shell glob also the directory it lists.
fn path_views(text: &str, glob: bool) -> Vec<String> {
    let looks_like_path = text.starts_with(['/', '~', '.']) || text.starts_with("$HOME");
    let normal = if looks_like_path {
        normalize_path(text)
    } else if text.len() > 1 {
        text.trim_end_matches('/').to_owned()
    } else {
        text.to_owned()
    };
    let mut views = vec![normal];
    if glob {
        views.push(glob_directory(text));
    }
    views
}

fn subcommand_matches(globs: &[String], words: &[String]) -> bool {
    globs.len() <= words.len()
        && globs
            .iter()
            .zip(words)
            .all(|(glob, word)| wildcard(glob.as_bytes(), word.as_bytes()))
}

/// `*` matches any run of bytes; everything else is literal. Iterative, with
/// one backtrack point: O(pattern × text) in the worst case.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern.iter().skip(p).all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_words() {
        assert!(wildcard(b"delete-*", b"delete-db-instance"));
        assert!(wildcard(b"*", b"anything"));
        assert!(wildcard(b"*-instances", b"terminate-instances"));
        assert!(!wildcard(b"delete-*", b"describe-db"));
        assert!(wildcard(b"a*b*c", b"aXbYc"));
        assert!(!wildcard(b"a*b*c", b"aXbY"));
    }
}
