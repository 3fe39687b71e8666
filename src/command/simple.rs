//! A simple command after normalization: what will really run.
//!
//! `sudo /usr/bin/rm -fr -- /opt/app` and `rm -r -f /opt/app` are the same
//! command, and a rule should see them the same way: program `rm` (a
//! basename), canonical flags `-r` and `-f`, positional argument `/opt/app`.
//! A [`SimpleCommand`] is that view, plus where it came from (its span in the
//! command line, the wrappers it was found behind) and where its input comes
//! from (a pipe, a here-document).

use compact_str::CompactString;

use super::parser::{Construct, Redirect};
use super::word::Word;

/// One command that the shell line would run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// The program's basename; `None` when the command word is unknown (`$X`, `$(…)`).
    pub program: Option<String>,
    /// The arguments after normalization; `argv[0]` is the program (or the unknown word).
    pub argv: Vec<Word>,
    /// Flags: each as written, each letter of a short cluster (`-rf` gives
    /// `-r`, `-f`), and each canonical name from the flag table (`-R` gives `-r`).
    pub flags: Vec<CompactString>,
    /// Arguments that are not flags (values of `--opt=value` included).
    pub positionals: Vec<Word>,
    /// Indices into `positionals` of those that are not option values, in
    /// order: for `git -C x push -f`, the index of `push` (see [`SimpleCommand::subcommand`]).
    pub subcommand_at: Vec<usize>,
    /// Redirections of the command.
    pub redirects: Vec<Redirect>,
    /// A here-document or here-string body fed to it.
    pub input: Option<String>,
    /// The language its code or input is in (`sql` for `psql`), from the program table.
    pub language: Option<String>,
    /// The program whose output feeds this command: through a pipe, or through
    /// a `<(…)` process substitution (`bash <(curl …)`).
    pub piped_from: Option<String>,
    /// Byte span of the command in the original line.
    pub span: (usize, usize),
    /// Wrappers and contexts it was found behind, outermost first.
    pub via: Vec<String>,
    /// Set for a construct found by structure (a fork bomb).
    pub construct: Option<Construct>,
    /// The working directory an earlier `cd`/`pushd` of the same line moved
    /// to, when it was a known absolute or home path (`cd / && rm -rf *`).
    pub cwd: Option<String>,
    /// An earlier `cd` of the line went somewhere unknown (`cd "$DIR"`).
    pub cwd_unknown: bool,
    /// The command word as written when it named a file by path (`./x`,
    /// `/usr/bin/rm`): `program` is its basename.
    pub path: Option<String>,
    /// Variable assignments it runs with, as `NAME=value` words: before the
    /// command word (`RAILS_ENV=production rails db:reset`) and behind `env`.
    pub assignments: Vec<Word>,
    /// The project root the line runs in (the request's `cwd`, when it names
    /// a project): paths strictly inside it, but for its `.git`, are shown
    /// to path rules relative to it.
    pub project: Option<String>,
}

impl SimpleCommand {
    /// The normalized command text: argv joined by spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, word) in self.argv.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&word.text);
        }
        out
    }

    /// The positionals that are not option values, in order: the subcommand
    /// words (`git -C x push -f` gives `push`).
    pub fn subcommand(&self) -> impl Iterator<Item = &str> {
        self.subcommand_at
            .iter()
            .filter_map(|&i| self.positionals.get(i))
            .map(|w| w.text.as_str())
    }

    /// True when the command has `flag` (canonical or as written).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}
