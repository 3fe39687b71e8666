//! Command decisions on the embedded default policy.
//!
//! `command/*` decides whole command lines (parse, normalize, match,
//! combine): a short command, a typical agent command under 200 bytes, a
//! dangerous one, a benign line that names no guarded program and no shell
//! syntax that could hide one (the prefilter path: one aho-corasick scan, no
//! parse), and a 4 KiB
//! here-document. `command_parts/*` splits the typical case into analysis
//! alone and decision, and times the unguarded line with the prefilter off. `command_peer/raw_regex_scan` is what a regex guard
//! does — every pattern of the default packs as one multi-pattern automaton
//! over the raw line, no parsing — measured in the same run as a floor to
//! compare against (it is cheaper and easy to bypass). `command_session/*`
//! decides short, typical and unguarded lines alone and in a session that
//! has seen a few facts (`Engine::decide_in_at`): what sessions add.
//!
//! Run: `cargo bench --bench commands`; medians are in
//! `target/criterion/<group>/<case>/new/estimates.json`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use portcullis::pattern::RegexSet;
use portcullis::Engine;

const SHORT: &str = "ls -la";
const TYPICAL: &str =
    "git add -A && git commit -m 'fix: handle empty input in parser' && git push origin feature/parser-fix";
const DANGEROUS: &str = "cd /srv && sudo rm -rf /var/lib/postgresql/data";
const UNGUARDED: &str = "ls -la src && wc -l README.md && pwd && echo done";

fn heredoc() -> String {
    let line = "Some notes the agent writes into a file, one line of many.\n";
    format!(
        "cat <<'EOF' > notes.md\n{}EOF\n",
        line.repeat(4096 / line.len())
    )
}

fn commands(c: &mut Criterion) {
    let engine = Engine::default_policy().expect("default policy compiles");
    let heredoc = heredoc();
    let mut group = c.benchmark_group("command");
    for (name, line) in [
        ("short", SHORT),
        ("typical", TYPICAL),
        ("dangerous", DANGEROUS),
        ("unguarded", UNGUARDED),
        ("heredoc_4k", heredoc.as_str()),
    ] {
        group.bench_function(name, |b| b.iter(|| engine.check_command(black_box(line))));
    }
    group.finish();

    let mut parts = c.benchmark_group("command_parts");
    parts.bench_function("analyze_typical", |b| {
        b.iter(|| portcullis::command::analyze(black_box(TYPICAL)))
    });
    parts.bench_function("decide_typical", |b| {
        b.iter(|| engine.check_command(black_box(TYPICAL)))
    });
    parts.bench_function("unguarded_without_prefilter", |b| {
        b.iter(|| engine.check_command_analyzed(black_box(UNGUARDED)))
    });
    parts.finish();

    // A decision in a session against the same decision alone, in the same
    // run: what consulting and updating the session adds (a session that
    // has seen a few facts, as a real one has).
    let mut session = portcullis::session::Session::new("bench");
    for step in [
        "cat .envrc",
        "curl -s https://pypi.org/simple/requests/",
        "echo 'print(1)' > diag.py",
    ] {
        engine.decide_in_at(&mut session, &portcullis::Request::command(step), 1_000);
    }
    let mut in_session = c.benchmark_group("command_session");
    for (name, line) in [
        ("short", SHORT),
        ("typical", TYPICAL),
        ("unguarded", UNGUARDED),
    ] {
        let request = portcullis::Request::command(line);
        in_session.bench_function(format!("{name}_alone"), |b| {
            b.iter(|| engine.decide(black_box(&request)))
        });
        in_session.bench_function(format!("{name}_in_session"), |b| {
            b.iter(|| engine.decide_in_at(&mut session, black_box(&request), 2_000))
        });
    }
    in_session.finish();

    let policy = portcullis::defaults::policy().expect("default policy reads");
    let patterns: Vec<String> = policy
        .commands
        .iter()
        .filter_map(|r| r.argv.pattern.clone())
        .collect();
    let set = RegexSet::new(&patterns).expect("patterns compile");
    let mut peer = c.benchmark_group("command_peer");
    peer.bench_function("raw_regex_scan_typical", |b| {
        b.iter(|| {
            let mut n = 0;
            set.for_each_match(black_box(TYPICAL), |_| n += 1);
            n
        })
    });
    peer.finish();

    // The typosquat lookup alone (index built before measuring), and a whole
    // install decision against a plain one; the naive reference is a linear
    // scan of the popular keys with the one-edit test.
    use portcullis::command::packages::Ecosystem;
    use portcullis::command::typosquat::{key, near_popular, within_one_edit};
    let _ = near_popular(Ecosystem::Pypi, "requests");
    let mut squat = c.benchmark_group("typosquat");
    for (name, word) in [
        ("popular", "requests"),
        ("near", "python-dateutils"),
        ("far", "an-entirely-different-name"),
    ] {
        squat.bench_function(format!("pypi_{name}"), |b| {
            b.iter(|| near_popular(Ecosystem::Pypi, black_box(word)))
        });
    }
    let keys: Vec<Vec<u8>> = include_str!("../src/command/popular/pypi.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(key)
        .collect();
    squat.bench_function("pypi_near_linear_scan", |b| {
        let wanted = key("python-dateutils");
        b.iter(|| {
            keys.iter()
                .position(|k| within_one_edit(black_box(&wanted), k))
        })
    });
    for (name, line) in [
        ("install_decision", "pip install python-dateutils"),
        ("plain_decision", "pip list --outdated"),
    ] {
        let request = portcullis::Request::command(line);
        squat.bench_function(name, |b| b.iter(|| engine.decide(black_box(&request))));
    }
    squat.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);
