//! Files the line writes, and the later commands that run them.
//!
//! `echo 'rm -rf ~' > /tmp/x.sh && sh /tmp/x.sh`, `cat > m.go <<EOF … EOF
//! go run m.go`, `printf 'DROP TABLE t;' > x.sql; psql -f x.sql`,
//! `curl -o i.py https://… && python3 i.py`: the script a later command runs
//! was written earlier in the same line, so the guard knows it as well as if
//! it had been passed inline. [`LineFiles::learn`] records what each command
//! writes to a literal path — the text when the writer prints known text
//! (`echo`, `printf`, `cat` of a here-document, a decoder, `tee` of known
//! input), otherwise only which program wrote it (a download, a generator);
//! the normalizer asks [`LineFiles::script`] when a shell, an interpreter, a
//! SQL client or `./file` runs a file. Known text is analyzed as that
//! program's code; text that is not known makes the line `ask`. Which
//! programs run which file, and which files a download writes, is
//! `runners.toml` (through `runners.rs`), the table sessions use for files
//! written by earlier requests.
//!
//! Paths are compared in their normalized spelling; a `cd` between the write
//! and the run is not followed (over-eager: a same-named file elsewhere is
//! judged by what the line wrote). Cost: nothing for a command without a
//! write redirection, a `tee` or a download option; at most [`MAX_FILES`]
//! files, whose texts are bounded by what the line itself holds.

use super::normalize::Piped;
use super::parser::RedirectOp;
use super::paths::normalize_path;
use super::simple::SimpleCommand;
use super::word::Word;

/// Files remembered per line; later writes to other paths are not followed.
pub(crate) const MAX_FILES: usize = 64;

/// What the line wrote to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// The file's text as the line wrote it.
    Known(String),
    /// The file was written by this program, with output not known before it runs.
    Unknown(String),
}

/// The files written so far in one line.
#[derive(Debug, Default)]
pub(crate) struct LineFiles {
    files: Vec<(String, Written)>,
}

impl LineFiles {
    /// Records what `command` writes: its redirections' targets, `tee`'s
    /// files and download targets. `piped` is what its stdin pipe carries.
    pub(crate) fn learn(&mut self, command: &SimpleCommand, piped: Option<&Piped>) {
        let program = command.program.as_deref().unwrap_or("a command");
        // The common case, a command that writes no file, costs one lookup.
        let downloads = super::runners::is_download_client(program);
        if command.redirects.is_empty() && program != "tee" && !downloads {
            return;
        }
        let stdout_targets = command
            .redirects
            .iter()
            .filter(|r| matches!(r.op, RedirectOp::Write | RedirectOp::Append))
            .filter(|r| r.fd.is_none_or(|fd| fd == 1));
        let mut output: Option<Option<String>> = None;
        for redirect in stdout_targets {
            let text = output
                .get_or_insert_with(|| Piped::from_writer(command).text().map(str::to_owned))
                .clone();
            let append = redirect.op == RedirectOp::Append;
            self.record(&redirect.target, text, program, append);
        }
        if program == "tee" {
            let input = command
                .input
                .clone()
                .or_else(|| piped.and_then(Piped::text).map(str::to_owned));
            let append = command.has_flag("-a") || command.has_flag("--append");
            for file in &command.positionals {
                self.record(file, input.clone(), program, append);
            }
        }
        if downloads {
            for target in super::runners::downloaded(command) {
                self.record(&Word::literal(&target), None, program, false);
            }
        }
    }

    fn record(&mut self, target: &Word, text: Option<String>, program: &str, append: bool) {
        if !target.is_known() || target.glob || target.text.starts_with("/dev/") {
            return;
        }
        let key = normalize_path(&target.text);
        let slot = self.files.iter_mut().find(|(k, _)| *k == key);
        match (slot, text) {
            // Appends grow the text in place: linear in what the line writes.
            (Some((_, Written::Known(before))), Some(text)) if append => {
                before.push_str(&text);
                before.push('\n');
            }
            (Some((_, written)), Some(text)) => *written = Written::Known(format!("{text}\n")),
            (Some((_, written)), None) => *written = Written::Unknown(program.to_owned()),
            (None, text) => {
                if self.files.len() < MAX_FILES {
                    let written = match text {
                        Some(text) => Written::Known(format!("{text}\n")),
                        None => Written::Unknown(program.to_owned()),
                    };
                    self.files.push((key, written));
                }
            }
        }
    }

    fn get(&self, key: &str) -> Option<&Written> {
        self.files.iter().find(|(k, _)| k == key).map(|(_, w)| w)
    }

    /// What the line wrote to the file `word` names, if it wrote it.
    pub(crate) fn script(&self, word: &Word) -> Option<&Written> {
        if self.files.is_empty() || !word.is_known() {
            return None;
        }
        self.get(&normalize_path(&word.text))
    }

    /// The file a command runs as its program text, when the line wrote it:
    /// an interpreter's script (`python3 x.py`, `deno run x.ts`, `go run
    /// m.go`), a SQL client's `-f FILE`, or any of these reading `< FILE`.
    pub(crate) fn run_by(&self, command: &SimpleCommand) -> Option<(Word, &Written)> {
        if self.files.is_empty() {
            return None;
        }
        let reads = command
            .redirects
            .iter()
            .filter(|r| r.op == RedirectOp::Read && r.fd.is_none_or(|fd| fd == 0))
            .map(|r| &r.target);
        let sql = command.language.as_deref() == Some("sql");
        let file_option = command.argv.windows(2).filter_map(|pair| match pair {
            [option, value] if sql && matches!(option.text.as_str(), "-f" | "--file") => Some(value),
            _ => None,
        });
        // A SQL client's positionals are databases, not scripts.
        let script = (!sql)
            .then(|| super::runners::script_run(command))
            .flatten()
            .map(Word::literal);
        let found = reads
            .chain(file_option)
            .find_map(|w| self.script(w).map(|written| (w.clone(), written)));
        found.or_else(|| {
            let script = script?;
            self.script(&script).map(|written| (script, written))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::analyze;

    fn files_of(line: &str) -> LineFiles {
        let mut files = LineFiles::default();
        for command in analyze(line).commands {
            files.learn(&command, None);
        }
        files
    }

    #[test]
    fn known_writers_give_text_and_others_their_name() {
        let files = files_of("echo 'rm -rf ~' > /tmp/x.sh; printf 'a\\n' >> /tmp/x.sh; curl -o i.py https://x.test/i.py; make > log");
        assert_eq!(
            files.script(&Word::literal("/tmp//x.sh")),
            Some(&Written::Known("rm -rf ~\na\n\n".into()))
        );
        assert_eq!(files.script(&Word::literal("./i.py")), Some(&Written::Unknown("curl".into())));
        assert_eq!(files.script(&Word::literal("log")), Some(&Written::Unknown("make".into())));
        assert_eq!(files.script(&Word::literal("other.sh")), None);
    }

    #[test]
    fn a_later_unknown_write_replaces_known_text() {
        let files = files_of("echo ls > a.sh; curl https://x.test >> a.sh");
        assert_eq!(files.script(&Word::literal("a.sh")), Some(&Written::Unknown("curl".into())));
    }

    #[test]
    fn tee_records_its_input_and_devices_are_not_files() {
        let files = files_of("tee x.py <<< 'import os' > /dev/null");
        assert_eq!(files.script(&Word::literal("x.py")), Some(&Written::Known("import os\n".into())));
        assert_eq!(files.script(&Word::literal("/dev/null")), None);
    }

    #[test]
    fn many_appends_to_one_file_stay_linear_and_complete() {
        // As many commands as a line may hold.
        let last = crate::command::MAX_COMMANDS - 2;
        let line: Vec<String> = std::iter::once("echo start > a.sh".to_owned())
            .chain((0..=last).map(|i| format!("echo {i} >> a.sh")))
            .collect();
        let files = files_of(&line.join("; "));
        let Some(Written::Known(text)) = files.script(&Word::literal("a.sh")) else {
            panic!("a.sh not known");
        };
        assert!(text.starts_with("start\n0\n1\n"), "{text:.40}");
        assert!(text.ends_with(&format!("\n{last}\n")), "{:?}", text.get(text.len().saturating_sub(40)..));
    }

    #[test]
    fn the_number_of_files_is_bounded() {
        let line: Vec<String> = (0..MAX_FILES + 10).map(|i| format!("echo x > f{i}")).collect();
        let files = files_of(&line.join("; "));
        assert_eq!(files.files.len(), MAX_FILES);
    }
}
