//! Shell commands: see a command line the way the shell will run it.
//!
//! Guards that match regular expressions on the raw line are bypassed by
//! `rm -fr`, `sudo`, `bash -c '…'`, `$(echo rm)` and `r''m`, and trip on
//! `git commit -m "never rm -rf /"`. This module parses the line ([`parser`]
//! for structure, [`lexer`] for words), normalizes every simple command
//! ([`normalize`]: wrappers unwrapped, basenames, flags split and mapped via
//! the program table), and hands the engine a list of [`SimpleCommand`]s,
//! each with its span in the line. It knows nothing of policies; the argv
//! matcher ([`matcher`]) knows nothing of raw text, and matches the plain
//! [`ArgvRule`] ([`rule`]) that the policy model holds.
//!
//! Cost: one pass over the line, a handful of small allocations per word;
//! nested scripts (`bash -c`, `eval`, `$(…)`) are parsed once each, within
//! the nesting bound. Anything not fully understood is reported in
//! [`Analysis::problems`], which the engine turns into `ask`.

mod braces;
pub mod deployment;
mod git_line;
mod line_files;
pub(crate) mod runners;
pub mod code_http;
pub mod http;
pub mod inline;
pub mod lexer;
pub mod matcher;
pub mod normalize;
pub mod packages;
pub mod parser;
pub mod paths;
pub mod quote;
pub mod rule;
pub mod simple;
pub mod tables;
pub mod typosquat;
pub mod word;

pub use packages::Ecosystem;
pub use parser::{Construct, Problem, Redirect, RedirectOp, MAX_COMMANDS, MAX_DEPTH};
pub use rule::ArgvRule;
pub use simple::SimpleCommand;
pub use word::Word;

use parser::{Context, Parser};

/// Bytes through which shell syntax can make a command run a program whose
/// name does not appear literally in the line: quotes and escapes (`r''m`),
/// expansions (`$x`, `` `…` ``), brace expansion and globs (`r{m,}`,
/// `/bin/r?`), assignments, redirections and here-documents, subshells and
/// function bodies. A line with none of them runs only the programs it names.
pub const SYNTAX_TRIGGERS: &[u8] = b"'\"\\$`{}=<>()*?[";

/// Shell reserved words: a line with one of them has structure (a `case`, a
/// `for` header, a function) that can hide commands or leave the line
/// unfinished, so the prefilter sends it to the parser.
pub const RESERVED_WORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
    "done", "function", "coproc", "time", "!",
];

/// The names of programs that run or read code beyond their own name
/// (wrappers such as `sudo`, `find`, `xargs`, shells, interpreters): a line
/// naming none of them and none of [`SYNTAX_TRIGGERS`] runs only the
/// programs it names. `None` when the program table failed to load.
pub fn code_runners() -> Option<Vec<&'static str>> {
    let tables = tables::tables().ok()?;
    Some(tables.code_runners().collect())
}

/// What a command line would run, and what could not be understood.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Every simple command, outer ones and nested ones.
    pub commands: Vec<SimpleCommand>,
    /// Why parts of the line could not be analyzed (unterminated quotes,
    /// bounds exceeded, scripts unknown until run).
    pub problems: Vec<Problem>,
}

/// Analyzes a shell command line.
pub fn analyze(line: &str) -> Analysis {
    analyze_in(line, None)
}

/// Analyzes a shell command line run in the working directory `cwd`
/// (absolute): the line starts there, so relative paths, `cd` chains and
/// `..` resolve against it, and when it is a project root
/// ([`paths::is_project_root`]) each command carries it
/// ([`SimpleCommand::project`]).
pub fn analyze_in(line: &str, cwd: Option<&str>) -> Analysis {
    let tables = match tables::tables() {
        Ok(tables) => tables,
        Err(e) => {
            return Analysis {
                commands: Vec::new(),
                problems: vec![Problem {
                    message: format!("the program table failed to load: {e}"),
                    at: 0,
                }],
            }
        }
    };
    let mut ctx = Context::default();
    Parser::new(line, &mut ctx, 0, None, Vec::new()).parse();
    let mut commands = Vec::new();
    // For each raw command, the index in `commands` of what it became.
    let mut became: Vec<Option<usize>> = Vec::new();
    // The working directory left by `cd` commands so far: known, or unknown.
    let mut cwd: Option<String> = cwd.and_then(paths::working_directory);
    let project = cwd.clone().filter(|dir| paths::is_project_root(dir));
    let mut cwd_unknown = false;
    // Remotes and aliases the line's git commands define.
    let mut git = git_line::GitLine::default();
    // Files the line's commands write, for later commands that run them.
    let mut files = line_files::LineFiles::default();
    let mut i = 0;
    // Commands before this index were checked for aliases already.
    let mut alias_checked = 0;
    let mut alias_expansions = 0;
    loop {
        while let Some(slot) = ctx.commands.get_mut(i) {
            let raw = std::mem::take(slot);
            let piped = raw
                .pipe_prev
                .and_then(|p| became.get(p).copied().flatten())
                .and_then(|c| commands.get(c))
                .map(normalize::Piped::from_writer);
            let first_new = commands.len();
            let index = normalize::normalize(raw, &mut ctx, tables, piped.as_ref(), &files, &mut commands);
            for command in commands.iter_mut().skip(first_new) {
                command.cwd.clone_from(&cwd);
                command.cwd_unknown = cwd_unknown;
                command.project.clone_from(&project);
                git.resolve_remote(command);
                git.learn(command);
                files.learn(command, piped.as_ref());
            }
            if let Some(command) = index.and_then(|c| commands.get(c)) {
                if matches!(command.program.as_deref(), Some("cd" | "pushd")) {
                    (cwd, cwd_unknown) = paths::change_directory(cwd, cwd_unknown, command);
                }
            }
            became.push(index);
            i += 1;
        }
        // Aliases: a command word naming an alias defined anywhere in the line
        // (also inside `eval`) runs the alias's text, so that text is analyzed
        // too: over-eager, as the guard must be.
        let before = ctx.commands.len();
        for command in commands.iter().skip(alias_checked) {
            if let Some((script, how)) = git.expansion(command) {
                alias_expansions += 1;
                if alias_expansions > MAX_DEPTH {
                    ctx.abort(command.span.0, "too many alias expansions");
                    break;
                }
                let mut via = command.via.clone();
                via.push(how);
                Parser::new(&script, &mut ctx, 1, Some(command.span), via).parse();
                continue;
            }
            let Some(name) = command.program.as_deref() else {
                continue;
            };
            let Some(value) = ctx.aliases.get(name).cloned() else {
                continue;
            };
            // An alias is not expanded inside its own expansion (`alias ls='ls -F'`).
            let how = format!("alias {name}");
            if command.via.contains(&how) {
                continue;
            }
            alias_expansions += 1;
            if alias_expansions > MAX_DEPTH {
                ctx.abort(command.span.0, "too many alias expansions");
                break;
            }
            let mut script = value.clone();
            for word in command.argv.iter().skip(1) {
                script.push(' ');
                if word.is_known() {
                    script.push_str(&quote::quote(&word.text));
                } else {
                    script.push_str("\"$(unknown)\"");
                }
            }
            let mut via = command.via.clone();
            via.push(how);
            let span = command.span;
            Parser::new(&script, &mut ctx, 1, Some(span), via).parse();
        }
        alias_checked = commands.len();
        if ctx.commands.len() == before || ctx.aborted {
            break;
        }
    }
    Analysis {
        commands,
        problems: ctx.problems,
    }
}
