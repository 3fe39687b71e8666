//! Argv rules ([`ArgvRule`], plain data), compiled: which rules match which
//! simple commands. The matcher is built from `(tag, &rule)` pairs: it
//! splits exact program names from globs itself.
//!
//! Rules are indexed by program name, then by the first subcommand word
//! when the rule names one (`git push` rules are not tried on `git add`): a
//! command whose program no rule names
//! is dismissed with one hash lookup and no regular expression at all
//! (program-less rules are indexed by what they need: a write redirection
//! or a construct) — the prefilter path that most benign
//! commands take. The index is built from the rules themselves, so no rule
//! can hide behind it, and it is applied after parsing, so splices such as
//! `r''m` cannot hide a program from it. Program globs (`mkfs.*`) share one
//! automaton; every `pattern` of every rule is one [`RegexSet`], searched at
//! most once per command and only when a candidate rule has a pattern, then
//! queried per rule in constant time; each rule's path globs (`args_any`,
//! `writes_any`) are one anchored regex, tried only on candidate rules and
//! only on an argument that holds one of the globs' literals (the longest
//! literal run of each glob, which every path it matches holds: `+` for
//! `+*`, `://` for `https://**`) — a byte search where the regex call costs
//! hundreds of instructions, and most arguments hold none.
//!
//! A rule that matches only because an argument is unknown (`$X`, `$(…)`) or
//! because the program itself is unknown is reported as *uncertain*: the
//! engine caps its effect at `ask`. Matching knows nothing of raw text: it
//! sees [`SimpleCommand`]s.

use rustc_hash::FxHashMap;

use super::packages::Ecosystem;
use super::parser::Construct;
use super::paths::{glob_directory, in_project, join, normalize_path};
use super::rule::ArgvRule;
use super::simple::SimpleCommand;
use super::tables::Tables;
use super::typosquat::near_popular;
use super::word::Word;
use crate::pattern::{glob_to_path_regex, Build, Matches, NameSet, RegexSet, RegexSetError};

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
    /// All of the rule's `args_any` globs as one automaton; `None` when it has none.
    args: Option<PathGlobs>,
    /// All of the rule's `writes_any` globs as one automaton.
    writes: Option<PathGlobs>,
    piped_from: Vec<String>,
    construct: Option<Construct>,
    packages_near_popular: Option<Ecosystem>,
    /// Index of the rule's `pattern` in the matcher's pattern set.
    pattern: Option<usize>,
}

/// Compiled argv rules.
#[derive(Debug, Default)]
pub struct CommandMatcher {
    rules: Vec<Rule>,
    by_program: FxHashMap<Box<str>, ProgramRules>,
    program_globs: NameSet,
    /// Rules without a program, by what a command must have for them to apply:
    /// a write redirection, a construct, or nothing in particular.
    any_program_writes: Vec<u32>,
    any_program_construct: Vec<u32>,
    any_program: Vec<u32>,
    patterns: RegexSet,
}

/// The rules of one program: those that apply whatever the subcommand, and
/// those whose every subcommand alternative starts with a literal word.
#[derive(Debug, Default)]
struct ProgramRules {
    any: Vec<u32>,
    by_subcommand: FxHashMap<Box<str>, Vec<u32>>,
}

/// Per-command facts computed at most once, on demand.
#[derive(Default)]
struct Lazy {
    patterns: Option<Matches>,
    /// How the positional arguments compare with path globs, and whether one is unknown.
    args: Option<(Vec<View>, bool)>,
    writes: Option<(Vec<View>, bool)>,
}

fn spellings(
    tables: &Tables,
    programs: &[&str],
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
    /// Compiles `rules`, each with the tag its hits carry, mapping their
    /// flags to canonical names with the program table.
    pub fn new<'r>(
        rules: impl IntoIterator<Item = (u32, &'r ArgvRule)>,
        build: Build,
    ) -> Result<Self, MatcherError> {
        let tables = super::tables::tables().map_err(|e| MatcherError {
            tag: 0,
            field: "program",
            message: format!("the program table failed to load: {e}"),
        })?;
        let mut m = CommandMatcher::default();
        let mut globs = NameSet::builder();
        let mut patterns = Vec::new();
        let mut pattern_tags = Vec::new();
        for (slot, (tag, rule)) in rules.into_iter().enumerate() {
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            let programs: Vec<&str> = rule.exact_programs().collect();
            // Index by the first subcommand word when every alternative names one.
            let first_words: Option<Vec<&str>> = rule
                .subcommands
                .iter()
                .map(|alt| alt.first().map(String::as_str).filter(|w| !w.contains('*')))
                .collect();
            let first_words = first_words.filter(|w| !w.is_empty());
            for &program in &programs {
                let entry = m.by_program.entry(program.into()).or_default();
                match &first_words {
                    Some(words) => {
                        for word in words {
                            let list = entry.by_subcommand.entry((*word).into()).or_default();
                            if !list.contains(&slot) {
                                list.push(slot);
                            }
                        }
                    }
                    None => entry.any.push(slot),
                }
            }
            for glob in rule.program_globs() {
                globs.glob(glob, slot);
            }
            if rule.programs.is_empty() {
                if rule.construct.is_some() {
                    m.any_program_construct.push(slot);
                } else if !rule.writes_any.is_empty() {
                    m.any_program_writes.push(slot);
                } else {
                    m.any_program.push(slot);
                }
            }
            let sub = match rule.subcommands.as_slice() {
                [only] => only
                    .first()
                    .map(String::as_str)
                    .filter(|w| !w.contains('*')),
                _ => None,
            };
            let pattern = rule.pattern.as_ref().map(|p| {
                patterns.push(p.clone());
                pattern_tags.push(tag);
                patterns.len() - 1
            });
            let args = path_regex(&rule.args_any, build).map_err(|message| MatcherError {
                tag,
                field: "args_any",
                message,
            })?;
            let writes = path_regex(&rule.writes_any, build).map_err(|message| MatcherError {
                tag,
                field: "writes_any",
                message,
            })?;
            m.rules.push(Rule {
                tag,
                subcommands: rule.subcommands.clone(),
                flags_all: rule
                    .flags_all
                    .iter()
                    .map(|f| spellings(tables, &programs, sub, f))
                    .collect(),
                flags_any: rule
                    .flags_any
                    .iter()
                    .flat_map(|f| spellings(tables, &programs, sub, f))
                    .collect(),
                not_flags: rule
                    .not_flags
                    .iter()
                    .flat_map(|f| spellings(tables, &programs, sub, f))
                    .collect(),
                args,
                writes,
                piped_from: rule.piped_from.clone(),
                construct: rule.construct,
                packages_near_popular: rule.packages_near_popular,
                pattern,
            });
        }
        m.program_globs = globs.build_with(build).map_err(|e| MatcherError {
            tag: 0,
            field: "program",
            message: e.message,
        })?;
        m.patterns = RegexSet::with_build(&patterns, build)
            .map_err(|e| set_error(&pattern_tags, "pattern", e))?;
        Ok(m)
    }

    /// Calls `found` for every rule that matches one of `commands`.
    pub fn for_each_match(&self, commands: &[SimpleCommand], mut found: impl FnMut(Hit)) {
        let mut candidates: Vec<u32> = Vec::new();
        for (index, command) in commands.iter().enumerate() {
            candidates.clear();
            // No words at all (`> /dev/sda`) is no program, not an unknown one.
            let unknown_program = command.program.is_none() && !command.argv.is_empty();
            match command.program.as_deref() {
                Some(program) => {
                    if let Some(rules) = self.by_program.get(program) {
                        candidates.extend(&rules.any);
                        if let Some(slots) = command
                            .subcommand()
                            .next()
                            .and_then(|sub| rules.by_subcommand.get(sub))
                        {
                            candidates.extend(slots);
                        }
                    }
                    self.program_globs
                        .for_each_match(program, |s| candidates.push(s));
                }
                None if unknown_program => {
                    candidates.extend(0..u32::try_from(self.rules.len()).unwrap_or(0));
                }
                None => {}
            }
            if !unknown_program {
                candidates.extend(&self.any_program);
            }
            if command.construct.is_some() {
                candidates.extend(&self.any_program_construct);
            }
            if command.redirects.iter().any(|r| r.writes()) {
                candidates.extend(&self.any_program_writes);
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
                if let Some(certain) = self.matches(rule, command, unknown_program, &mut lazy) {
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
                .any(|alt| subcommand_matches(alt, command))
        {
            return None;
        }
        if let Some(ecosystem) = rule.packages_near_popular {
            if !installs_near_popular(ecosystem, &rule.subcommands, command) {
                return None;
            }
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
        if let Some(regex) = &rule.args {
            let (views, wild) = lazy
                .args
                .get_or_insert_with(|| views(command.positionals.iter(), command));
            if !views.iter().any(|v| regex.is_match(v)) {
                if !*wild {
                    return None;
                }
                certain = false;
            }
        }
        if let Some(regex) = &rule.writes {
            let (views, wild) = lazy.writes.get_or_insert_with(|| {
                let targets = command.redirects.iter().filter(|r| r.writes());
                views(targets.map(|r| &r.target), command)
            });
            if !views.iter().any(|v| regex.is_match(v)) {
                if !*wild {
                    return None;
                }
                certain = false;
            }
        }
        if let Some(index) = rule.pattern {
            let matches = lazy
                .patterns
                .get_or_insert_with(|| self.pattern_matches(command));
            if !matches.contains(index) {
                return None;
            }
        }
        // An unknown program matches only on what its arguments show.
        let shown = !rule.subcommands.is_empty()
            || rule.packages_near_popular.is_some()
            || !rule.flags_all.is_empty()
            || !rule.flags_any.is_empty()
            || rule.args.is_some()
            || rule.writes.is_some()
            || rule.pattern.is_some()
            || !rule.piped_from.is_empty();
        if unknown_program && !shown {
            return None;
        }
        Some(certain)
    }

    fn pattern_matches(&self, command: &SimpleCommand) -> Matches {
        let mut text = command.text();
        if let (Some(_), Some(input)) = (&command.language, &command.input) {
            text.push('\n');
            text.push_str(input);
        }
        self.patterns.matches(&text)
    }
}

/// A rule's path globs: one automaton, and the literals one of which every
/// path it matches holds (`None`: some glob has no literal).
#[derive(Debug)]
struct PathGlobs {
    regex: RegexSet,
    literals: Option<Vec<Box<str>>>,
}

impl PathGlobs {
    fn is_match(&self, view: &View) -> bool {
        let gate = self.literals.as_ref().is_none_or(|l| {
            l.iter()
                .any(|x| view.may_hold(x.as_bytes()) && holds(view.text.as_bytes(), x.as_bytes()))
        });
        gate && self.regex.is_match(&view.text)
    }
}

/// An argument as path globs see it, with the set of bytes it holds: a
/// literal with a byte the argument lacks is not in it (a few instructions
/// per literal, where a substring search costs tens).
#[derive(Debug)]
struct View {
    text: String,
    bytes: [u64; 4],
}

impl View {
    fn new(text: String) -> Self {
        let mut bytes = [0u64; 4];
        for b in text.bytes() {
            if let Some(word) = bytes.get_mut(usize::from(b >> 6)) {
                *word |= 1 << (b & 63);
            }
        }
        View { text, bytes }
    }

    /// False when `literal` has a byte the view does not.
    fn may_hold(&self, literal: &[u8]) -> bool {
        literal.iter().all(|&b| {
            self.bytes
                .get(usize::from(b >> 6))
                .is_some_and(|word| word & (1 << (b & 63)) != 0)
        })
    }
}

/// True when `haystack` holds `needle`. Arguments are short: a byte loop
/// beats setting up a substring searcher (`str::contains` builds one per
/// call), and one byte is a `memchr`.
fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    match needle {
        [] => true,
        [byte] => memchr::memchr(*byte, haystack).is_some(),
        [first, rest @ ..] => memchr::memchr_iter(*first, haystack).any(|i| {
            haystack
                .get(i + 1..i + 1 + rest.len())
                .is_some_and(|tail| tail == rest)
        }),
    }
}

/// The longest literal run of file-path glob `glob` in the spelling
/// [`glob_to_path_regex`] matches (`$HOME` is `~`, no trailing `/` or
/// `/**`): every path the glob matches holds it. `None` when the glob is
/// all wildcards.
pub(crate) fn required_literal(glob: &str) -> Option<String> {
    let whole = match glob.strip_prefix("$HOME") {
        Some(rest) => format!("~{rest}"),
        None => glob.to_owned(),
    };
    let whole = if whole.len() > 1 {
        whole.trim_end_matches('/')
    } else {
        whole.as_str()
    };
    let body = match whole.strip_suffix("/**") {
        Some(body) if !body.is_empty() => body,
        _ => whole,
    };
    body.split(['*', '?'])
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())
        .map(str::to_owned)
}

/// One automaton of anchored regexes for a list of path globs, with their
/// literals; `None` for an empty list.
fn path_regex(globs: &[String], build: Build) -> Result<Option<PathGlobs>, String> {
    if globs.is_empty() {
        return Ok(None);
    }
    let regexes: Vec<String> = globs.iter().map(|g| glob_to_path_regex(g)).collect();
    let literals: Option<Vec<Box<str>>> = globs
        .iter()
        .map(|g| required_literal(g).map(String::into_boxed_str))
        .collect();
    let regex = RegexSet::with_build(&regexes, build).map_err(|e| e.message)?;
    Ok(Some(PathGlobs { regex, literals }))
}

/// The path views of known words, and whether any word could be anything:
/// unknown itself, or a shell glob after a `cd` to an unknown directory.
/// Relative words are also seen from the directory an earlier `cd` moved to.
fn views<'w>(
    words: impl Iterator<Item = &'w Word>,
    command: &SimpleCommand,
) -> (Vec<View>, bool) {
    let mut wild = false;
    let mut out = Vec::new();
    // Inside the project a path is shown relative to its root, so rules for
    // protected trees (`/srv/**`) meet the project's root, parents and
    // `.git`, never its own files.
    let view = |path: String| match command.project.as_deref().and_then(|root| in_project(root, &path)) {
        Some(inside) => View::new(inside.to_owned()),
        None => View::new(path),
    };
    for word in words {
        if word.dynamic {
            wild = true;
            continue;
        }
        let relative = !word.text.starts_with(['/', '~']) && !word.text.starts_with("$HOME");
        let joined = relative
            .then(|| command.cwd.as_deref().map(|cwd| join(cwd, &word.text)))
            .flatten();
        // As written: `..` and `../other` meet the rules for leaving the
        // working directory, URLs the rules for URLs; but a dotted relative
        // path that stays inside the project (`../api/dist` from a package)
        // is only the project path it names.
        let stays_inside = word.text.starts_with('.')
            && joined.as_deref().is_some_and(|path| {
                command
                    .project
                    .as_deref()
                    .is_some_and(|root| in_project(root, path).is_some())
            });
        if !stays_inside {
            out.extend(path_views(&word.text, word.glob).into_iter().map(view));
        }
        // A relative word is also seen from the working directory.
        match joined {
            Some(absolute) => out.extend(path_views(&absolute, word.glob).into_iter().map(view)),
            None if relative && command.cwd_unknown && word.glob => wild = true,
            None => {}
        }
    }
    (out, wild)
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

/// True when a known argument after the subcommand (the shortest matching
/// alternative: `pip install` skips one word, `uv pip install` two) names a
/// package one edit away from a popular one. Unknown words (`$PKG`) name
/// nothing known and are passed over.
fn installs_near_popular(
    ecosystem: Ecosystem,
    subcommands: &[Vec<String>],
    command: &SimpleCommand,
) -> bool {
    let skip = subcommands
        .iter()
        .filter(|alt| subcommand_matches(alt, command))
        .map(Vec::len)
        .min()
        .unwrap_or(0);
    command
        .subcommand_at
        .iter()
        .skip(skip)
        .filter_map(|&i| command.positionals.get(i))
        .any(|word| !word.dynamic && near_popular(ecosystem, &word.text).is_some())
}

fn subcommand_matches(globs: &[String], command: &SimpleCommand) -> bool {
    globs.len() <= command.subcommand_at.len()
        && globs
            .iter()
            .zip(command.subcommand())
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
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The literal gate is sound: a path the glob's regex matches holds
        /// the glob's required literal.
        #[test]
        fn a_path_a_glob_matches_holds_its_literal(
            home in proptest::bool::ANY,
            glob in "[ab/*?.~:+]{0,7}",
            path in "[ab/.~:+]{0,9}",
        ) {
            let glob = if home { format!("$HOME{glob}") } else { glob };
            prop_assert_eq!(holds(path.as_bytes(), glob.as_bytes()), path.contains(&glob));
            if path.contains(&glob) {
                prop_assert!(View::new(path.clone()).may_hold(glob.as_bytes()));
            }
            let regex = RegexSet::new(&[glob_to_path_regex(&glob)]).unwrap();
            if regex.is_match(&path) {
                if let Some(literal) = required_literal(&glob) {
                    prop_assert!(path.contains(&literal), "glob {:?} literal {:?} path {:?}", glob, literal, path);
                }
            }
            // A path made from the glob itself (its wildcards filled in)
            // matches whenever the regex says so, and then holds the literal.
            let filled = glob
                .replacen("$HOME", "~", 1)
                .replace("**", "a/b")
                .replace('*', "ab")
                .replace('?', "a");
            if regex.is_match(&filled) {
                if let Some(literal) = required_literal(&glob) {
                    prop_assert!(filled.contains(&literal), "glob {:?} literal {:?} path {:?}", glob, literal, filled);
                }
            }
        }
    }

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
