//! From what was written to what will run: wrappers unwrapped, programs
//! reduced to basenames, flags split and mapped to canonical names.
//!
//! Every raw command of the parse goes through `normalize` once. Wrappers
//! from the program table are peeled off in a loop (`sudo env X=1 timeout 5
//! nice rm …` is `rm …`); strings that are themselves shell scripts (`bash -c`,
//! `eval`, `ssh host 'cmd'`, `su -c`, `watch`, `env -S`, `find -exec`, git
//! aliases starting with `!`, shell-outs inside `python -c` and friends) are
//! parsed again, one nesting level deeper, and their commands join the queue.
//! `xargs` and `parallel` take their template as the command, with the piped
//! input as its last arguments (known when it comes from `echo` or `printf`,
//! unknown otherwise). Cost: linear in the words, plus one re-parse per
//! nested script.

use compact_str::CompactString;

use super::inline;
use super::line_files::{LineFiles, Written};
use super::parser::{Context, Parser, RawCommand, MAX_DEPTH};
use super::simple::SimpleCommand;
use super::tables::{Tables, Wrapper, WrapperKind};
use super::word::Word;

/// Most wrappers peeled off one command.
const MAX_UNWRAP: usize = 32;

/// The program name of a command word: its basename.
pub(crate) fn basename(text: &str) -> &str {
    text.rsplit('/').next().unwrap_or(text)
}

/// Where a nested script came from, for its commands' `via` and span.
struct Origin<'a> {
    span: (usize, usize),
    depth: usize,
    via: &'a [String],
}

impl Origin<'_> {
    /// Parses `script` as shell, one level deeper, into the context's queue.
    fn parse(&self, ctx: &mut Context, script: &str, how: String) {
        let mut via = self.via.to_vec();
        via.push(how);
        if self.depth + 1 > MAX_DEPTH {
            ctx.abort(
                self.span.0,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            );
            return;
        }
        Parser::new(script, ctx, self.depth + 1, Some(self.span), via).parse();
    }

    /// Queues `words` as a command of its own (a `find -exec` template).
    fn queue(&self, ctx: &mut Context, words: Vec<Word>, how: String) {
        let mut via = self.via.to_vec();
        via.push(how);
        if ctx.commands.len() >= super::parser::MAX_COMMANDS {
            ctx.abort(self.span.0, "too many commands");
            return;
        }
        ctx.commands.push(RawCommand {
            words,
            span: self.span,
            via,
            depth: self.depth + 1,
            ..RawCommand::default()
        });
    }
}

/// Normalizes one raw command; returns the index in `out` of the command it
/// became (for pipes that read its output), if any.
pub(crate) fn normalize(
    raw: RawCommand,
    ctx: &mut Context,
    tables: &Tables,
    piped: Option<&Piped>,
    files: &LineFiles,
    out: &mut Vec<SimpleCommand>,
) -> Option<usize> {
    let mut words: Vec<Word> = raw.words;
    let leading = words.iter().take_while(|w| w.assignment.is_some()).count();
    let mut assignments: Vec<Word> = words.drain(..leading).collect();
    if words.is_empty() && raw.redirects.is_empty() && raw.construct.is_none() {
        return None;
    }
    let mut via = raw.via;
    let mut input = raw.input;
    for round in 0.. {
        if round == MAX_UNWRAP {
            ctx.problem(raw.span.0, "too many nested wrappers");
            break;
        }
        let Some(first) = words.first().filter(|w| w.is_known() && !w.glob) else {
            break;
        };
        let Some(wrapper) = tables.wrapper(basename(&first.text)) else {
            break;
        };
        let name = basename(&first.text).to_owned();
        let origin = Origin {
            span: raw.span,
            depth: raw.depth,
            via: &via,
        };
        if !wrapper.subcommands.is_empty() {
            // `npm exec prisma …`: the wrapping subcommand is consumed, so the
            // options after it are the wrapper's; any other subcommand is the
            // program's own.
            // The tool's own options may come first (`kubectl -n prod exec`).
            let info = tables.program(&name);
            let mut at = 1;
            while let Some(word) = words.get(at).filter(|w| w.text.starts_with('-')) {
                let takes = !word.text.contains('=') && info.is_some_and(|p| p.takes_value(&word.text));
                at += if takes { 2 } else { 1 };
            }
            // `docker compose exec`: a subcommand may be several words.
            let wraps = wrapper.subcommands.iter().find_map(|sub| {
                let mut n = 0;
                for part in sub.split(' ') {
                    let word = words.get(at + n)?;
                    if !(word.is_known() && !word.glob && word.text == part) {
                        return None;
                    }
                    n += 1;
                }
                Some(n)
            });
            let Some(n) = wraps else {
                break;
            };
            if wrapper.keep_outer {
                // `docker exec --privileged web sh`: the outer command is judged
                // too; the inner one is queued as a command of its own.
                let mut inner = words.clone();
                inner.drain(1..at + n);
                if let Peeled::Command(rest) = peel(&inner, wrapper) {
                    origin.queue(ctx, rest, format!("{name} exec"));
                }
                break;
            }
            words.drain(1..at + n);
        }
        match wrapper.kind {
            WrapperKind::Prefix | WrapperKind::String => match peel(&words, wrapper) {
                Peeled::Command(rest) if wrapper.kind == WrapperKind::Prefix => {
                    via.push(name);
                    let peeled = words.len().saturating_sub(rest.len());
                    assignments.extend(words.drain(..peeled).filter(|w| w.assignment.is_some()));
                    words = rest;
                    continue;
                }
                Peeled::Script(script) => {
                    run_script(ctx, &origin, &script, format!("{name} -c"));
                }
                Peeled::Split(command) => {
                    run_script(ctx, &origin, &command, format!("{name} -S"));
                }
                Peeled::Shell => {
                    via.push(name);
                    words = vec![Word::literal("sh")];
                }
                Peeled::Command(_) | Peeled::Nothing => {}
            },
            WrapperKind::Multiplexer if words.len() > 1 => {
                via.push(name);
                words.remove(0);
                continue;
            }
            WrapperKind::Multiplexer => {}
            WrapperKind::Shell => match shell_script(&words, wrapper) {
                ShellRun::Script(script) => {
                    run_script(ctx, &origin, &script, format!("{name} -c"));
                }
                ShellRun::Stdin => {
                    if let Some(body) = input.take() {
                        origin.parse(ctx, &body, format!("{name} <<heredoc"));
                    } else {
                        piped_script(ctx, &origin, &name, piped, &raw.redirects, files);
                    }
                }
                ShellRun::File(file) if reads_stdin(&file) => match input.take() {
                    Some(body) => origin.parse(ctx, &body, format!("{name} <<heredoc")),
                    None => piped_script(ctx, &origin, &name, piped, &raw.redirects, files),
                },
                ShellRun::File(file) => {
                    if let Some(written) = files.script(&file) {
                        run_written(ctx, &origin, &name, &file, written);
                    }
                }
            },
            WrapperKind::Eval => {
                let script = join(words.iter().skip(1));
                run_script(ctx, &origin, &script, "eval".into());
            }
            WrapperKind::Watch => {
                if let Peeled::Command(rest) = peel(&words, wrapper) {
                    run_script(ctx, &origin, &join(rest.iter()), "watch".into());
                }
            }
            WrapperKind::Ssh => {
                if let Peeled::Command(rest) = peel(&words, wrapper) {
                    // The first word after the options is the host; the rest is a remote script.
                    if rest.len() > 1 {
                        let host = rest.first().map_or("", |w| w.text.as_str());
                        let script = join(rest.iter().skip(1));
                        run_script(ctx, &origin, &script, format!("ssh {host}"));
                    }
                }
            }
            WrapperKind::Xargs => {
                if let Some(template) = xargs_template(&words, wrapper, piped) {
                    via.push(name);
                    words = template;
                    continue;
                }
            }
            WrapperKind::Find => find_actions(&words, ctx, &origin, tables, out),
        }
        break;
    }

    let command = build(words, raw.redirects, input, raw.span, via, tables, piped);
    let mut command = SimpleCommand {
        construct: raw.construct,
        assignments,
        ..command
    };
    let written = run_written_program(&mut command, tables, files);
    let origin = Origin {
        span: raw.span,
        depth: raw.depth,
        via: &command.via,
    };
    if let Some((file, written)) = written {
        let name = command.program.as_deref().unwrap_or_default();
        run_written(ctx, &origin, name, &file, &written);
    }
    for (script, how) in embedded_scripts(&command) {
        origin.parse(ctx, &script, how);
    }
    out.push(command);
    Some(out.len() - 1)
}

/// A shell running a file the line wrote: its known text is parsed as the
/// script; a file some program wrote with output not known is reported.
fn run_written(ctx: &mut Context, origin: &Origin<'_>, name: &str, file: &Word, written: &Written) {
    match written {
        Written::Known(text) => origin.parse(ctx, text, format!("{name} {} (written earlier in the line)", file.text)),
        Written::Unknown(writer) => ctx.problem(
            origin.span.0,
            format!(
                "`{name}` runs `{}`, which `{writer}` wrote earlier in the line and is not known until it runs",
                file.text
            ),
        ),
    }
}

/// An interpreter, a SQL client or `./file` running a file the line wrote:
/// known text becomes the command's code (`python3 x.py` judged like
/// `python3 -c …`); what is left to [`run_written`] is returned — a
/// `./file` whose text has no interpreter line (a shell script), or a file
/// whose text is not known.
fn run_written_program(
    command: &mut SimpleCommand,
    tables: &Tables,
    files: &LineFiles,
) -> Option<(Word, Written)> {
    if let Some(path) = command.path.as_deref().map(Word::literal) {
        let written = files.script(&path)?;
        if let Written::Known(text) = written {
            if let Some(language) = shebang_language(text, tables) {
                command.language = Some(language);
                command.input = Some(text.clone());
                return None;
            }
        }
        return Some((path, written.clone()));
    }
    let language = command.language.as_deref()?;
    let options = tables.code_options(language);
    if command.input.is_some() || command.argv.iter().any(|w| options.iter().any(|o| *o == w.text)) {
        return None;
    }
    match files.run_by(command)? {
        (_, Written::Known(text)) => {
            command.input = Some(text.clone());
            None
        }
        (file, unknown) => Some((file, unknown.clone())),
    }
}

/// The language a script's `#!` line names (`#!/usr/bin/env python3`), if
/// the tables know the interpreter; `None` for a shell or no `#!` line.
fn shebang_language(text: &str, tables: &Tables) -> Option<String> {
    let line = text.lines().next()?.strip_prefix("#!")?;
    let mut words = line.split_whitespace();
    let mut interpreter = basename(words.next()?);
    if interpreter == "env" {
        interpreter = words.find(|w| !w.starts_with('-'))?;
    }
    tables.program(basename(interpreter))?.language.clone()
}

/// Parses a script word, or reports that it cannot be known before it runs.
fn run_script(ctx: &mut Context, origin: &Origin<'_>, script: &Word, how: String) {
    if script.is_known() {
        origin.parse(ctx, &script.text, how);
    } else {
        ctx.problem(
            origin.span.0,
            format!(
                "`{how}` runs `{}`, which is not known until it runs",
                script.text
            ),
        );
    }
}

fn join<'w>(words: impl Iterator<Item = &'w Word>) -> Word {
    let mut out = Word::default();
    for (i, w) in words.enumerate() {
        if i > 0 {
            out.text.push(' ');
        }
        out.text.push_str(&w.text);
        out.dynamic |= w.dynamic;
    }
    out
}

enum Peeled {
    /// The wrapped command's words.
    Command(Vec<Word>),
    /// An option's value is a script (`su -c`, `env -S`, `flock -c`).
    Script(Word),
    /// A split option's value and the words after it (`env -S 'A=1 cmd' x`).
    Split(Word),
    /// An interactive shell (`sudo -i`).
    Shell,
    /// Nothing is run (`command -v x`, `sudo -l`).
    Nothing,
}

/// Skips a wrapper's options (and fixed positionals) and returns what it runs.
fn peel(words: &[Word], wrapper: &Wrapper) -> Peeled {
    let has = |list: &[String], name: &str| list.iter().any(|o| o == name);
    let mut i = 1;
    let mut shell = false;
    while let Some(word) = words.get(i) {
        let text = word.text.as_str();
        if has(&wrapper.ignored_words, text) {
            i += 1;
            continue;
        }
        if word.dynamic || !text.starts_with('-') || text.len() < 2 {
            if wrapper.skip_assignments && word.assignment.is_some() {
                i += 1;
                continue;
            }
            break;
        }
        if text == "--" {
            i += 1;
            break;
        }
        let (name, attached) = match text.split_once('=') {
            Some((name, value)) if text.starts_with("--") => (name, Some(value)),
            _ => (text, None),
        };
        if has(&wrapper.stop_options, name) {
            return Peeled::Nothing;
        }
        if has(&wrapper.script_options, name) {
            return match attached
                .map(Word::literal)
                .or_else(|| words.get(i + 1).cloned())
            {
                Some(script) => Peeled::Script(script),
                None => Peeled::Nothing,
            };
        }
        if has(&wrapper.split_options, name) {
            let value = match attached {
                Some(value) => Word::literal(value),
                None => match words.get(i + 1) {
                    Some(value) => value.clone(),
                    None => return Peeled::Nothing,
                },
            };
            // The value is split as a script; the words after it stay words.
            let next = i + if attached.is_some() { 1 } else { 2 };
            let mut line = value;
            for word in words.iter().skip(next) {
                line.text.push(' ');
                if word.glob {
                    // Still a pattern when parsed again (`env -S x rm -rf /*`).
                    line.text.push_str(&word.text);
                } else {
                    line.text.push_str(&super::quote::quote(&word.text));
                }
                line.dynamic |= word.dynamic;
            }
            return Peeled::Split(line);
        }
        if has(&wrapper.shell_options, name) {
            shell = true;
        }
        if has(&wrapper.value_options, name) {
            i += if attached.is_some() { 1 } else { 2 };
            continue;
        }
        // A short cluster (`-Eu root`, `-kn10`): the first letter that takes a
        // value takes the rest of the cluster, or the next word.
        if !text.starts_with("--") && text.len() > 2 {
            let mut consumed_next = false;
            for (at, c) in text.char_indices().skip(1) {
                let flag = format!("-{c}");
                if has(&wrapper.stop_options, &flag) {
                    return Peeled::Nothing;
                }
                if has(&wrapper.shell_options, &flag) {
                    shell = true;
                }
                if has(&wrapper.value_options, &flag) {
                    consumed_next = at + c.len_utf8() == text.len();
                    break;
                }
            }
            i += if consumed_next { 2 } else { 1 };
            continue;
        }
        i += 1;
    }
    if wrapper.after_dashes {
        // `kubectl exec POD -c app -- CMD`: the command is what follows `--`.
        match words.iter().position(|w| w.text == "--" && !w.quoted) {
            Some(dashes) => i = dashes + 1,
            None => return Peeled::Nothing,
        }
    } else {
        i += wrapper.positionals;
        if words.get(i).is_some_and(|w| w.text == "--" && !w.quoted) {
            i += 1;
        }
    }
    let rest: Vec<Word> = words.iter().skip(i).cloned().collect();
    if rest.is_empty() {
        return if shell {
            Peeled::Shell
        } else {
            Peeled::Nothing
        };
    }
    Peeled::Command(rest)
}

enum ShellRun {
    Script(Word),
    File(Word),
    Stdin,
}

/// A script file that is the shell's own input: `sh /dev/stdin`, `. -`,
/// `bash <(…)` (a process substitution reads like a pipe).
fn reads_stdin(file: &Word) -> bool {
    matches!(
        file.text.as_str(),
        "-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0"
    ) || file.text.starts_with("/dev/fd/")
}

/// A shell reading its script from a pipe or a redirection: the script is
/// analyzed when the pipe prints known text (`echo 'rm -rf /' | sh`);
/// otherwise it cannot be seen, which the engine turns into `ask`.
fn piped_script(
    ctx: &mut Context,
    origin: &Origin<'_>,
    name: &str,
    piped: Option<&Piped>,
    redirects: &[super::parser::Redirect],
    files: &LineFiles,
) {
    match piped {
        Some(Piped {
            text: Some(text), ..
        }) => origin.parse(ctx, text, format!("{name} <pipe")),
        Some(Piped { program, .. }) => ctx.problem(
            origin.span.0,
            format!(
                "`{name}` runs the script `{}` prints, which is not known until it runs",
                program.as_deref().unwrap_or("a command")
            ),
        ),
        None => {
            if let Some(r) = redirects
                .iter()
                .find(|r| r.op == super::parser::RedirectOp::Read)
            {
                if let Some(written) = files.script(&r.target) {
                    run_written(ctx, origin, name, &r.target, written);
                    return;
                }
                ctx.problem(
                    origin.span.0,
                    format!(
                        "`{name}` runs the script in `{}`, which is not seen",
                        r.target.text
                    ),
                );
            }
        }
    }
}

/// How a shell invocation gets its script: `-c STRING`, a file, or stdin.
fn shell_script(words: &[Word], wrapper: &Wrapper) -> ShellRun {
    let mut i = 1;
    let mut c_mode = false;
    while let Some(word) = words.get(i) {
        let text = word.text.as_str();
        if text == "--" {
            i += 1;
            break;
        }
        if wrapper.value_options.iter().any(|o| o == text) {
            i += 2;
            continue;
        }
        let is_option = (text.starts_with('-') || text.starts_with('+')) && text.len() > 1;
        if !is_option || word.dynamic {
            break;
        }
        if !text.starts_with("--") && text.contains('c') {
            c_mode = true;
        }
        if text == "-s" {
            return ShellRun::Stdin;
        }
        i += 1;
    }
    match words.get(i) {
        Some(script) if c_mode => ShellRun::Script(script.clone()),
        Some(file) => ShellRun::File(file.clone()),
        None => ShellRun::Stdin,
    }
}

/// The command `xargs` (or `parallel`) runs, with the piped input as arguments.
fn xargs_template(words: &[Word], wrapper: &Wrapper, piped: Option<&Piped>) -> Option<Vec<Word>> {
    // GNU parallel replaces `{}` without being asked, and runs its input
    // lines as commands when it is given none; xargs does neither.
    let parallel = words.first().is_some_and(|w| basename(&w.text) == "parallel");
    let mut i = 1;
    let mut replace: Option<String> = parallel.then(|| "{}".into());
    let mut from_file = false;
    while let Some(word) = words.get(i) {
        let text = word.text.as_str();
        if !text.starts_with('-') || text.len() < 2 {
            break;
        }
        if text == "--" {
            i += 1;
            break;
        }
        if text == "-I" || text == "-J" {
            replace = words.get(i + 1).map(|w| w.text.to_string());
        } else if let Some(r) = text.strip_prefix("-I").or_else(|| text.strip_prefix("-J")) {
            replace = Some(r.to_owned());
        } else if let Some(r) = text
            .strip_prefix("--replace=")
            .or_else(|| text.strip_prefix("-i"))
            .filter(|r| !r.is_empty())
        {
            replace = Some(r.to_owned());
        } else if text.starts_with("--replace") || text == "-i" {
            // An empty replacement (`--replace=`) is `{}`, as GNU xargs reads it.
            replace = Some("{}".into());
        }
        // `-a FILE`: the input is a file's content, not the pipe.
        from_file |= text == "-a" || text.starts_with("--arg-file") || text.starts_with("-a");
        let takes_value = wrapper.value_options.iter().any(|o| o == text);
        i += if takes_value { 2 } else { 1 };
    }
    let mut template: Vec<Word> = words.iter().skip(i).cloned().collect();
    // `parallel cmd ::: a b c`: the arguments after `:::` are the input.
    let mut inline_input = None;
    if let Some(sep) = template.iter().position(|w| w.text == ":::") {
        inline_input = Some(
            template
                .split_off(sep)
                .into_iter()
                .skip(1)
                .collect::<Vec<_>>(),
        );
    }
    let input: Vec<Word> = match inline_input {
        Some(words) => words,
        None if from_file => vec![Word::unknown("(input file)")],
        // parallel takes each input line as one argument; xargs splits at blanks.
        None if parallel => piped_lines(piped),
        None => piped_words(piped),
    };
    if template.is_empty() && parallel {
        return Some(vec![Word::literal("sh"), Word::literal("-c"), join(input.iter())]);
    }
    if template.is_empty() {
        template.push(Word::literal("echo"));
    }
    match replace {
        // parallel appends the input when the command has no `{}`.
        Some(r) if parallel && !template.iter().any(|w| w.text.contains(r.as_str())) => {
            template.extend(input);
        }
        Some(r) => {
            let value = join(input.iter());
            for w in template.iter_mut().filter(|w| w.text.contains(r.as_str())) {
                w.text = w.text.replace(r.as_str(), &value.text).into();
                w.dynamic |= value.dynamic;
            }
        }
        None => template.extend(input),
    }
    Some(template)
}

/// What a pipe feeds a command: the program writing into it, and what that
/// program prints when it is known (`echo` or `printf` of known words).
/// Taken from the writer once, so the writer itself is not copied.
#[derive(Debug, Default)]
pub(crate) struct Piped {
    program: Option<String>,
    /// What the writer prints, when the line says it: `echo`/`printf` of
    /// known words, `cat` of a here-document or here-string.
    text: Option<String>,
    /// The paths the writer prints, when only their place is known: `find
    /// ROOT -name x` prints paths under ROOT.
    paths: Option<Vec<Word>>,
}

impl Piped {
    /// What the writer prints, when the line says it.
    pub(crate) fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    pub(crate) fn from_writer(writer: &SimpleCommand) -> Self {
        let known = writer.positionals.iter().all(Word::is_known);
        let text = match writer.program.as_deref() {
            // printf's arguments may start with `-`: they are arguments, not flags.
            Some("printf") if writer.argv.iter().all(Word::is_known) => {
                let args = writer.argv.get(1..).unwrap_or_default();
                let dashes = args.first().is_some_and(|w| w.text == "--");
                printf_output(args.get(usize::from(dashes)..).unwrap_or_default())
            }
            Some("echo") if known => Some(
                writer
                    .positionals
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Some("cat") if writer.positionals.is_empty() => writer.input.clone(),
            Some(decoder @ ("base64" | "xxd" | "rev")) => {
                writer.input.as_deref().and_then(|input| decode(decoder, writer, input))
            }
            _ => None,
        };
        let paths = (writer.program.as_deref() == Some("find")).then(|| find_listing(&writer.argv));
        Piped {
            program: writer.program.clone(),
            text,
            paths,
        }
    }
}

/// What a decoder prints for a known input: `base64 -d`, `xxd -r -p` (plain
/// hex), `rev` (each line reversed). Undecodable input or another mode (an
/// encoder, `xxd` without `-p`): unknown. Bounded by the input's length.
fn decode(decoder: &str, writer: &SimpleCommand, input: &str) -> Option<String> {
    let has = |flag: &str| writer.flags.iter().any(|f| f == flag);
    let compact = || input.split_whitespace().collect::<String>();
    let bytes = match decoder {
        "base64" if has("-d") || has("--decode") || has("-D") => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(compact())
                .ok()?
        }
        "xxd" if (has("-r") || has("-revert")) && (has("-p") || has("-ps") || has("-plain")) => {
            hex::decode(compact()).ok()?
        }
        "rev" => {
            let lines: Vec<String> = input.lines().map(|l| l.chars().rev().collect()).collect();
            return Some(lines.join("\n"));
        }
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

/// What `printf FORMAT ARGS…` prints: `%s` and `%b` take the next argument
/// (the format repeats while arguments remain, as printf does), `\n`, `\t`
/// and `\\` are escapes. Any other directive makes the output unknown.
fn printf_output(words: &[Word]) -> Option<String> {
    let (format, mut args) = words.split_first()?;
    let mut args_left = args.len();
    let mut out = String::new();
    loop {
        let mut directives = 0;
        let mut chars = format.text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('\\') => out.push('\\'),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                '%' => match chars.next() {
                    Some('%') => out.push('%'),
                    Some('s' | 'b') => {
                        directives += 1;
                        if let Some((arg, rest)) = args.split_first() {
                            out.push_str(&arg.text);
                            args = rest;
                            args_left -= 1;
                        }
                    }
                    _ => return None,
                },
                c => out.push(c),
            }
        }
        if directives == 0 || args_left == 0 {
            return Some(out);
        }
    }
}

/// What the pipe prints, as words; one unknown word when it is not known.
fn piped_words(piped: Option<&Piped>) -> Vec<Word> {
    if let Some(paths) = piped.and_then(|p| p.paths.clone()) {
        return paths;
    }
    piped
        .and_then(|p| p.text.as_deref())
        .map(|text| text.split_whitespace().map(Word::literal).collect())
        .unwrap_or_else(|| vec![Word::unknown("(piped input)")])
}

/// What the pipe prints, one word per line (parallel's arguments).
fn piped_lines(piped: Option<&Piped>) -> Vec<Word> {
    if let Some(paths) = piped.and_then(|p| p.paths.clone()) {
        return paths;
    }
    piped
        .and_then(|p| p.text.as_deref())
        .map(|text| text.lines().map(Word::literal).collect())
        .unwrap_or_else(|| vec![Word::unknown("(piped input)")])
}

/// `find ROOTS… EXPR`: `-delete` deletes under every root; `-exec CMD {} ;`
/// runs CMD with `{}` standing for anything under the roots.
fn find_actions(
    words: &[Word],
    ctx: &mut Context,
    origin: &Origin<'_>,
    tables: &Tables,
    out: &mut Vec<SimpleCommand>,
) {
    let args: Vec<&Word> = words.iter().skip(1).collect();
    let (roots, mut i) = find_roots(&args);
    // Until a test narrows what is found (`-name`, `-newer`, …), an action
    // applies to the whole tree, the root included: `find . -delete` is
    // `rm -r -f .`. After a test it applies to some of what is under the root.
    let mut whole = true;
    let target = find_target;
    while let Some(word) = args.get(i) {
        let text = word.text.as_str();
        if let Some(skip) = whole_tree_option(text) {
            i += 1 + skip;
            continue;
        }
        match text {
            "-delete" => {
                for root in &roots {
                    let argv = vec![
                        Word::literal("rm"),
                        Word::literal("-r"),
                        Word::literal("-f"),
                        target(root, whole),
                    ];
                    let mut via = origin.via.to_vec();
                    via.push("find -delete".into());
                    out.push(build(
                        argv,
                        Vec::new(),
                        None,
                        origin.span,
                        via,
                        tables,
                        None,
                    ));
                }
            }
            action @ ("-exec" | "-execdir" | "-ok" | "-okdir") => {
                let template: Vec<&Word> = args
                    .iter()
                    .skip(i + 1)
                    .take_while(|w| w.text != ";" && w.text != "+")
                    .copied()
                    .collect();
                i += template.len() + 1;
                for root in &roots {
                    let found = target(root, whole);
                    let words = template
                        .iter()
                        .map(|w| {
                            if w.text.contains("{}") {
                                Word {
                                    text: w.text.replace("{}", &found.text).into(),
                                    glob: found.glob || w.glob,
                                    dynamic: w.dynamic || root.dynamic,
                                    ..Word::default()
                                }
                            } else {
                                (*w).clone()
                            }
                        })
                        .collect();
                    origin.queue(ctx, words, format!("find {action}"));
                }
            }
            _ if text.starts_with('-') || text == "(" || text == "!" => whole = false,
            _ => {}
        }
        i += 1;
    }
}

/// `find`'s roots (`.` when none is given) and the index of its first expression word.
fn find_roots(args: &[&Word]) -> (Vec<Word>, usize) {
    let mut roots: Vec<Word> = args
        .iter()
        .take_while(|w| !(w.text.starts_with('-') || w.text == "(" || w.text == "!"))
        .map(|w| (*w).clone())
        .collect();
    let first = roots.len();
    if roots.is_empty() {
        roots.push(Word::literal("."));
    }
    (roots, first)
}

/// What `find` acts on under `root`: the root itself when nothing narrows the
/// search, else anything under it.
fn find_target(root: &Word, whole: bool) -> Word {
    if whole {
        root.clone()
    } else {
        Word {
            text: format!("{}/**", root.text.trim_end_matches('/')).into(),
            glob: true,
            dynamic: root.dynamic,
            ..Word::default()
        }
    }
}

/// How many values follow `option` when it does not narrow what `find` finds.
fn whole_tree_option(option: &str) -> Option<usize> {
    FIND_WHOLE_TREE
        .iter()
        .find(|(o, _)| *o == option)
        .map(|(_, n)| *n)
}

/// The paths `find` prints: its roots, or what is under them after a test.
fn find_listing(argv: &[Word]) -> Vec<Word> {
    let args: Vec<&Word> = argv.iter().skip(1).collect();
    let (roots, mut i) = find_roots(&args);
    let mut whole = true;
    while let Some(word) = args.get(i) {
        match whole_tree_option(&word.text) {
            Some(skip) => i += 1 + skip,
            None => {
                whole = false;
                break;
            }
        }
    }
    roots.iter().map(|r| find_target(r, whole)).collect()
}

/// `find` options that do not narrow what is found, with how many values
/// follow each: an action after only these applies to the whole tree.
const FIND_WHOLE_TREE: [(&str, usize); 14] = [
    ("-depth", 0),
    ("-d", 0),
    ("-maxdepth", 1),
    ("-mindepth", 1),
    ("-xdev", 0),
    ("-mount", 0),
    ("-follow", 0),
    ("-noleaf", 0),
    ("-ignore_readdir_race", 0),
    ("-daystart", 0),
    ("-type", 1),
    ("-print", 0),
    ("-print0", 0),
    ("-ls", 0),
];

/// Builds the normalized view of an argv.
fn build(
    argv: Vec<Word>,
    redirects: Vec<super::parser::Redirect>,
    input: Option<String>,
    span: (usize, usize),
    via: Vec<String>,
    tables: &Tables,
    piped: Option<&Piped>,
) -> SimpleCommand {
    // A command word with a glob (`/bin/r?`) runs whatever it expands to: unknown.
    let program = argv
        .first()
        .filter(|w| w.is_known() && !w.glob)
        .map(|w| basename(&w.text).to_owned());
    let mut argv = argv;
    let mut path = None;
    if let (Some(first), Some(name)) = (argv.first_mut(), &program) {
        if first.text.contains('/') {
            path = Some(first.text.to_string());
        }
        first.text = name.as_str().into();
    }
    let info = program.as_deref().and_then(|p| tables.program(p));
    let canonical = |sub: Option<&str>, flag: &str| -> Option<CompactString> {
        let canonical = info?.canonical(sub, flag);
        (canonical != flag).then(|| CompactString::from(canonical))
    };
    let takes_value = |flag: &str| info.is_some_and(|i| i.takes_value(flag));
    let mut flags: Vec<CompactString> = Vec::with_capacity(4);
    let mut positionals: Vec<Word> = Vec::with_capacity(argv.len());
    let mut subcommand: Vec<usize> = Vec::with_capacity(4);
    let mut after_dashes = false;
    let mut value_next = false;
    for word in argv.iter().skip(1) {
        let text = word.text.as_str();
        if value_next {
            value_next = false;
            positionals.push(word.clone());
            continue;
        }
        if after_dashes || word.dynamic || !text.starts_with('-') || text.len() < 2 {
            if !word.dynamic {
                subcommand.push(positionals.len());
            }
            positionals.push(word.clone());
            continue;
        }
        if text == "--" {
            after_dashes = true;
            continue;
        }
        let sub = subcommand
            .first()
            .and_then(|&i| positionals.get(i))
            .map(|w: &Word| w.text.as_str());
        if text.starts_with("--") {
            let (flag, value) = match text.split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (text, None),
            };
            value_next = value.is_none() && takes_value(flag);
            push_flag(&mut flags, flag);
            if let Some(c) = canonical(sub, flag) {
                push_flag(&mut flags, &c);
            }
            if let Some(value) = value {
                positionals.push(Word {
                    text: value.into(),
                    ..word.clone()
                });
            }
            continue;
        }
        value_next = takes_value(text);
        push_flag(&mut flags, text);
        if let Some(c) = canonical(sub, text) {
            push_flag(&mut flags, &c);
        }
        // A cluster of single-letter flags: `-rf` is `-r -f`.
        if text.len() > 2 && text.bytes().skip(1).all(|b| b.is_ascii_alphanumeric()) {
            for b in text.bytes().skip(1) {
                let pair = [b'-', b];
                let single = std::str::from_utf8(&pair).unwrap_or("-");
                push_flag(&mut flags, single);
                if let Some(c) = canonical(sub, single) {
                    push_flag(&mut flags, &c);
                }
            }
        }
    }
    let language = info.and_then(|i| i.language.clone());
    let input = input.or_else(|| piped_input(language.as_deref(), &argv, &positionals, piped, tables));
    SimpleCommand {
        program,
        argv,
        flags,
        positionals,
        subcommand_at: subcommand,
        redirects,
        input,
        language,
        piped_from: piped.and_then(|p| p.program.clone()),
        span,
        via,
        construct: None,
        cwd: None,
        cwd_unknown: false,
        path,
        assignments: Vec::new(),
        project: None,
    }
}

/// The input a command reads from a pipe whose text is known, when it
/// matters: a database client reads SQL from stdin unless a code option
/// gives it (`echo 'DROP TABLE t' | psql`); another interpreter reads its
/// program from stdin when no script file (or `-`) is named (`printf '…' |
/// python3`); a decoder decodes it (`echo … | base64 -d | sh`).
fn piped_input(
    language: Option<&str>,
    argv: &[Word],
    positionals: &[Word],
    piped: Option<&Piped>,
    tables: &Tables,
) -> Option<String> {
    let text = piped?.text.as_ref()?;
    let Some(language) = language else {
        // A decoder reading the pipe (`echo … | base64 -d`) decodes its text.
        let program = argv.first().map(|w| w.text.as_str());
        let decoder = matches!(program, Some("base64" | "xxd" | "rev"));
        return (decoder && positionals.is_empty()).then(|| text.clone());
    };
    let options = tables.code_options(language);
    if argv.iter().any(|w| options.iter().any(|o| *o == w.text)) {
        return None;
    }
    let reads_stdin = language == "sql"
        || positionals.is_empty()
        || positionals.first().is_some_and(|w| w.text == "-");
    reads_stdin.then(|| text.clone())
}

fn push_flag(flags: &mut Vec<CompactString>, flag: &str) {
    if !flags.iter().any(|f| f == flag) {
        flags.push(flag.into());
    }
}

/// Scripts hidden inside a command's arguments: git's `-c alias.x=!cmd` and
/// command-running settings, and shell-outs in interpreter code.
fn embedded_scripts(command: &SimpleCommand) -> Vec<(String, String)> {
    let mut scripts = Vec::new();
    if command.program.as_deref() == Some("git") {
        let mut words = command.argv.iter().skip(1);
        while let Some(word) = words.next() {
            if word.text == "-c" {
                if let Some(setting) = words.next() {
                    if let Some(script) = git_setting_script(&setting.text) {
                        scripts.push((script.to_owned(), "git -c".to_owned()));
                    }
                }
            } else if !word.text.starts_with('-') {
                break;
            }
        }
    }
    if let Some(language) = command.language.as_deref() {
        scripts.extend(inline::shell_outs(command, language));
    }
    scripts
}

/// The shell command a git setting runs, for settings that run one.
fn git_setting_script(setting: &str) -> Option<&str> {
    const COMMAND_SETTINGS: &[&str] = &[
        "core.sshcommand",
        "core.pager",
        "core.editor",
        "core.fsmonitor",
        "sequence.editor",
        "diff.external",
        "gpg.program",
    ];
    let (key, value) = setting.split_once('=')?;
    let key = key.to_ascii_lowercase();
    if key.starts_with("alias.") {
        return value.strip_prefix('!');
    }
    COMMAND_SETTINGS.contains(&key.as_str()).then_some(value)
}
