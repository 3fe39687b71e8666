//! Property tests over the command corpora: rewriting a blocked command the
//! way an agent (or an attacker) might never unblocks it, and quoting any
//! command as data never blocks it.

mod common;

use portcullis::{Effect, Engine};
use proptest::prelude::*;

/// Single-line commands the corpora expect to be blocked (deny or ask).
fn blocked() -> Vec<String> {
    let mut out = Vec::new();
    let mut files = vec![
        "corpus/commands.tsv".to_owned(),
        "corpus/commands_extra.tsv".to_owned(),
    ];
    let mut round2: Vec<String> = std::fs::read_dir(common::data("corpus/round2"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tsv"))
        .map(|name| format!("corpus/round2/{name}"))
        .collect();
    round2.sort();
    files.extend(round2);
    for file in &files {
        for line in common::read(file).lines() {
            let Some((expect, command)) = line.split_once('\t') else {
                continue;
            };
            if matches!(expect, "block" | "deny" | "ask")
                && !command.contains("\\n")
                && !line.starts_with('#')
            {
                out.push(command.to_owned());
            }
        }
    }
    // Commands that are blocked only because they cannot be parsed stay out:
    // rewriting them may well make them parse.
    let engine = Engine::default_policy().unwrap();
    out.retain(|c| engine.check_command(c).rule.is_some());
    out
}

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Splits or reorders one short-flag cluster (`-rf` → `-r -f` or `-fr`).
fn rewrite_clusters(command: &str, reorder: bool) -> String {
    command
        .split(' ')
        .map(|w| {
            // Short-flag clusters only: `-destroy` is one long option, not seven flags.
            let is_cluster = (3..=4).contains(&w.len())
                && w.starts_with('-')
                && !w.starts_with("--")
                && w.bytes().skip(1).all(|b| b.is_ascii_alphabetic());
            if !is_cluster {
                return w.to_owned();
            }
            let letters: Vec<char> = w.chars().skip(1).collect();
            if reorder {
                format!("-{}", letters.iter().rev().collect::<String>())
            } else {
                letters
                    .iter()
                    .map(|c| format!("-{c}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds redundant quotes inside plain words (`rm` → `r''m`, `"rm"`).
fn add_quotes(command: &str, style: u8) -> String {
    command
        .split(' ')
        .map(|w| {
            let plain = !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/' || b == b'.');
            // Quoting a keyword changes its meaning (`"if"` is a command named if).
            const KEYWORDS: &[&str] = &[
                "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in",
                "case", "esac", "function", "select", "time",
            ];
            if !plain || w.len() < 2 || KEYWORDS.contains(&w) {
                return w.to_owned();
            }
            let (head, tail) = w.split_at(1);
            match style % 3 {
                0 => format!("{head}''{tail}"),
                1 => format!("\"{w}\""),
                _ => format!("{head}\"\"{tail}"),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One way to run `command` that must not change what it does (`n` picks a variant).
fn transform(command: &str, kind: u8, n: u8) -> String {
    match kind % KINDS {
        0 => format!("sudo {command}"),
        1 => format!("env X{n}=1 {command}"),
        2 => format!("timeout {n} {command}"),
        3 => format!("bash -c {}", single_quote(command)),
        4 => rewrite_clusters(command, false),
        5 => rewrite_clusters(command, true),
        6 => add_quotes(command, n),
        7 => format!("true && {command}"),
        8 => format!("ls; {command}"),
        // Second round: wrappers and splices that hide the command.
        9 => format!("env -S {}", single_quote(command)),
        10 => format!("printf '%s\\n' {} | sh", single_quote(command)),
        // A fresh name at each nesting: an alias that redefines itself
        // inside its own body runs nothing on this line, in any shell.
        11 => {
            let name = format!("k{n}_{}", command.len());
            format!("alias {name}={}; {name}", single_quote(command))
        }
        12 => format!("set -- {}; eval \"$1\"", single_quote(command)),
        13 => format!("npx -c {}", single_quote(command)),
        14 => format!("parallel ::: {}", single_quote(command)),
        _ => format!("echo {} | bash", single_quote(command)),
    }
}

/// How many rewrites `transform` knows.
const KINDS: u8 = 16;

fn corpus() -> &'static [String] {
    static BLOCKED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    BLOCKED.get_or_init(blocked)
}

/// A project root only ever exempts the project's own files: every blocked
/// corpus line, run in a project outside the protected trees or inside one,
/// is still blocked.
#[test]
fn a_project_root_never_allows_a_blocked_command() {
    let engine = Engine::default_policy().unwrap();
    let mut allowed = Vec::new();
    for command in corpus() {
        for cwd in ["/tmp/work/app", "/srv/app", "/home/dev/code/app"] {
            let d = engine.check_command_in(command, cwd);
            if d.effect == Effect::Allow {
                allowed.push(format!("{command:?} in {cwd}: {}", d.reason));
            }
        }
    }
    assert!(
        allowed.is_empty(),
        "{} allowed:\n{}",
        allowed.len(),
        allowed.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rewriting_a_blocked_command_never_allows_it(
        index in any::<prop::sample::Index>(),
        steps in prop::collection::vec((any::<u8>(), 1u8..60), 1..4),
    ) {
        let engine = Engine::default_policy().unwrap();
        let original = index.get(corpus());
        let mut command = original.clone();
        for (kind, n) in &steps {
            // Simple word-level rewrites only apply to one-line commands without quotes.
            let textual = matches!(kind % KINDS, 4..=6);
            // A prefix wraps only the first command of a list (`sudo a; b`).
            let prefix = matches!(kind % KINDS, 0..=2);
            if prefix && command.contains([';', '&', '|', '\n']) {
                continue;
            }
            // `timeout 1 X=1 cmd` runs a program named `X=1`: only `sudo`
            // and `env` take assignments before the command.
            let assigns = command.split(' ').next().is_some_and(|w| w.contains('=') && !w.starts_with('-'));
            if kind % KINDS == 2 && assigns {
                continue;
            }
            if textual && (command.contains(['\'', '"', '\\', '$', '`', '{'])) {
                continue;
            }
            command = transform(&command, *kind, *n);
        }
        let d = engine.check_command(&command);
        prop_assert!(d.effect != Effect::Allow, "{original:?} became {command:?}, allowed: {}", d.reason);
    }

    #[test]
    fn quoting_a_command_as_data_never_blocks_it(
        index in any::<prop::sample::Index>(),
        how in 0u8..5,
    ) {
        let engine = Engine::default_policy().unwrap();
        let original = index.get(corpus());
        let quoted = single_quote(original);
        let command = match how {
            0 => format!("echo {quoted}"),
            1 => format!("printf '%s\\n' {quoted}"),
            2 => format!("grep -rn {quoted} ."),
            3 => format!("git commit -m {quoted}"),
            _ => format!("echo {quoted} >> notes.md"),
        };
        let d = engine.check_command(&command);
        prop_assert_eq!(d.effect, Effect::Allow, "{:?} was blocked: {}", command, d.reason);
    }

    #[test]
    fn arbitrary_command_lines_never_panic(line in "\\PC{0,300}") {
        let engine = Engine::default_policy().unwrap();
        let _ = engine.check_command(&line);
    }

    #[test]
    fn shell_syntax_soup_never_panics(line in "[a-z\\-/~$(){}\\[\\]'\"`|&;<>\\\\ \\n*?=#!.,:0-9]{0,120}") {
        let engine = Engine::default_policy().unwrap();
        let d = engine.check_command(&line);
        prop_assert_eq!(d.clone(), engine.check_command(&line), "decisions are deterministic");
    }
}

#[test]
fn deep_nesting_fails_closed_not_open() {
    let engine = Engine::default_policy().unwrap();
    let deep = format!("{}ls{}", "$(".repeat(5000), ")".repeat(5000));
    assert_eq!(engine.check_command(&deep).effect, Effect::Ask);
    let nested = format!("{}rm -rf /", "eval ".repeat(40));
    assert_ne!(engine.check_command(&nested).effect, Effect::Allow);
    let nested = format!("{}ls", "eval ".repeat(40));
    assert_eq!(
        engine.check_command(&nested).effect,
        Effect::Ask,
        "too deep to analyze"
    );
    let many = "true;".repeat(5000);
    assert_eq!(
        engine.check_command(&many).effect,
        Effect::Ask,
        "more commands than the bound"
    );
    let braces = "{a,b}".repeat(20);
    assert_eq!(
        engine.check_command(&format!("echo {braces}")).effect,
        Effect::Ask
    );
}

#[test]
fn decisions_name_the_simple_command_that_decided() {
    let engine = Engine::default_policy().unwrap();
    let line = "ls -la && sudo rm -fr /opt/app; echo done";
    let d = engine.check_command(line);
    assert_eq!(d.effect, Effect::Deny);
    assert_eq!(d.rule.as_deref(), Some("fs-rm-recursive-protected"));
    let detail = d.command.expect("command detail");
    assert_eq!(detail.text, "sudo rm -fr /opt/app");
    assert_eq!(
        &line[detail.span[0]..detail.span[1]].trim(),
        &"sudo rm -fr /opt/app"
    );
    assert_eq!(detail.argv, ["rm", "-fr", "/opt/app"]);
    assert_eq!(detail.via, ["sudo"]);
}

/// Words that make lines close to what the prefilter must not skip.
const PREFILTER_WORDS: &[&str] = &[
    "rm",
    "-rf",
    "/",
    "~",
    "ls",
    "format",
    "term",
    "git",
    "push",
    "--force",
    "sudo",
    "env",
    "find",
    "-delete",
    "xargs",
    "curl",
    "sh",
    "bash",
    "|",
    "&&",
    ";",
    "\n",
    "mkfs.ext4",
    "mkfsx",
    "/bin/rm",
    "kill",
    "-1",
    "history",
    "-c",
    "shutdown",
    "cat",
    ".env",
    "python3",
    "-",
    "nice",
    "a",
    "x/rm",
    "rmdir",
    "docker",
    "volume",
    "terraform",
    "destroy",
    "'",
    "$x",
    "*",
    "{rm,-rf}",
    ">",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn prefilter_never_changes_a_decision(
        words in prop::collection::vec(prop::sample::select(PREFILTER_WORDS), 0..10),
        glue in prop::collection::vec(prop::sample::select(&[" ", "", "\t"][..]), 10),
    ) {
        let engine = Engine::default_policy().unwrap();
        let mut line = String::new();
        for (i, w) in words.iter().enumerate() {
            line.push_str(w);
            line.push_str(glue[i % glue.len()]);
        }
        prop_assert_eq!(engine.check_command(&line), engine.check_command_analyzed(&line), "line {:?}", line);
    }
}

#[test]
fn prefilter_agrees_on_every_corpus_line() {
    let engine = Engine::default_policy().unwrap();
    for file in ["corpus/commands.tsv", "corpus/commands_extra.tsv"] {
        for line in common::read(file).lines().filter(|l| !l.starts_with('#')) {
            let Some((_, command)) = line.split_once('\t') else {
                continue;
            };
            let command = command.replace("\\n", "\n");
            assert_eq!(
                engine.check_command(&command),
                engine.check_command_analyzed(&command),
                "{command:?}"
            );
        }
    }
}
