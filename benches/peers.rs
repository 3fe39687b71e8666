//! Portcullis against the engines a gateway author would pick instead, on
//! the shared workload (`benches/workload/`), in one criterion run.
//!
//! - `peers_egress`: 10,000 exact hosts, 1,000 wildcard domains, 1,200
//!   CIDRs; 10,000 probes (hosts, IPv4, IPv6). Portcullis decides the URL
//!   (`check_http`, parsing included) and, as the matcher stage alone, the
//!   canonical host; the baseline is a `HashSet` plus a linear scan of the
//!   suffixes and networks; regorus looks the host up in an object and
//!   loops over suffixes and networks (`net.cidr_contains`); Cedar holds the
//!   exact hosts as entities in one group (`resource in Group::"exact"`),
//!   one `like` policy per wildcard and one `isInRange` policy per network.
//! - `peers_commands`: 261 patterns; 10,000 probes. Portcullis's pattern
//!   stage (one `regex-automata` set, MatchKind::All, the set the engine
//!   runs its `pattern` rules through); `regex::RegexSet` default and with a
//!   64 MiB DFA limit; a loop of single `Regex`es; regorus with
//!   `regex.match` over the patterns as data (its regex cache raised to hold
//!   all of them, `\w` spelled as an ASCII class to fit its regex size limit). The full Portcullis decision on the default policy is
//!   timed on the same lines for reference; it is not the same question
//!   (the engine matches patterns against each simple command's unquoted
//!   words, so `curl … | sh` is a pipeline rule there, not one regex over
//!   the line), so it is not checked against these answers.
//!
//! Every peer's answers are checked against the workload's expected answers
//! before it is timed (all probes; a stratified sample for Cedar, whose
//! per-request cost makes all 10,000 take minutes). Each timed iteration
//! decides the next probe in turn, so a median is over the probe mix.
//! Percentiles of single decisions (which criterion does not give) are
//! measured per call and written to `target/criterion/percentiles.json`
//! (in a `cargo bench` run only, not in `cargo test`'s test mode).
//! Run: `cargo bench --bench peers` (then `python3 benches/report.py`).

mod workload;

use std::collections::HashSet;
use std::hint::black_box;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Instant;

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet};
use criterion::{criterion_group, criterion_main, Criterion};
use ipnet::IpNet;
use portcullis::egress::{HostSet, NetworkSet};
use portcullis::{Effect, Engine, Policy};
use serde_json::{json, Value};

struct EgressProbe {
    target: String,
    is_host: bool,
    allow: bool,
}

impl EgressProbe {
    fn url(&self) -> String {
        match self.target.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => format!("https://[{}]/", self.target),
            _ => format!("https://{}/", self.target),
        }
    }
}

struct Egress {
    exact: Vec<String>,
    suffixes: Vec<String>,
    cidrs: Vec<String>,
    probes: Vec<EgressProbe>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn egress_workload() -> Egress {
    let w = workload::load("egress");
    let mut cidrs = strings(&w["cidrs_v4"]);
    cidrs.extend(strings(&w["cidrs_v6"]));
    Egress {
        exact: strings(&w["exact_hosts"]),
        suffixes: strings(&w["wildcards"])
            .iter()
            .map(|w| w.trim_start_matches("*.").to_owned())
            .collect(),
        cidrs,
        probes: w["probes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| EgressProbe {
                target: p["target"].as_str().unwrap().to_owned(),
                is_host: p["kind"] == "host",
                allow: p["allow"].as_bool().unwrap(),
            })
            .collect(),
    }
}

/// Cycles through `items`, one per call.
struct Cycle<'a, T> {
    items: &'a [T],
    at: usize,
}

impl<'a, T> Cycle<'a, T> {
    fn new(items: &'a [T]) -> Self {
        Cycle { items, at: 0 }
    }
    fn next(&mut self) -> &'a T {
        self.at = (self.at + 1) % self.items.len();
        &self.items[self.at]
    }
}

/// Every `step`-th item, with each category represented.
fn sample<T>(items: &[T], step: usize) -> Vec<&T> {
    items.iter().step_by(step).collect()
}

fn check_all<T>(
    name: &str,
    probes: &[&T],
    expected: impl Fn(&T) -> bool,
    got: impl FnMut(&T) -> bool,
) {
    let mut got = got;
    let wrong = probes.iter().filter(|p| got(p) != expected(p)).count();
    assert_eq!(
        wrong,
        0,
        "{name}: {wrong} of {} probes answered wrong",
        probes.len()
    );
}

// ---------------------------------------------------------------- egress

fn portcullis_egress(w: &Egress) -> Engine {
    let mut hosts: Vec<String> = w.exact.clone();
    hosts.extend(w.suffixes.iter().map(|s| format!("*.{s}")));
    let policy = json!({"version": 1, "egress": [
        {"id": "hosts", "effect": "allow", "hosts": hosts},
        {"id": "networks", "effect": "allow", "cidrs": w.cidrs},
    ]});
    Engine::builder()
        .policy(&Policy::from_value(&policy).unwrap())
        .build()
        .unwrap()
}

struct HostStage {
    hosts: HostSet,
    networks: NetworkSet,
}

impl HostStage {
    fn new(w: &Egress) -> Self {
        let mut hosts = HostSet::new();
        for h in &w.exact {
            hosts.insert_exact(h, 0);
        }
        for s in &w.suffixes {
            hosts.insert_subdomains(s, 1);
        }
        let mut networks = NetworkSet::new();
        for c in &w.cidrs {
            networks.insert(IpNet::from_str(c).unwrap(), 2);
        }
        networks.build();
        HostStage { hosts, networks }
    }
    fn allows(&self, p: &EgressProbe) -> bool {
        let mut hit = false;
        match p.target.parse::<IpAddr>() {
            Ok(ip) => self.networks.for_each_match(ip, |_| hit = true),
            Err(_) => self.hosts.for_each_match(&p.target, |_| hit = true),
        }
        hit
    }
}

struct Baseline {
    exact: HashSet<String>,
    suffixes: Vec<String>,
    nets: Vec<IpNet>,
}

impl Baseline {
    fn new(w: &Egress) -> Self {
        Baseline {
            exact: w.exact.iter().cloned().collect(),
            suffixes: w.suffixes.iter().map(|s| format!(".{s}")).collect(),
            nets: w
                .cidrs
                .iter()
                .map(|c| IpNet::from_str(c).unwrap())
                .collect(),
        }
    }
    fn allows(&self, p: &EgressProbe) -> bool {
        match p.target.parse::<IpAddr>() {
            Ok(ip) => self.nets.iter().any(|n| n.contains(&ip)),
            Err(_) => {
                self.exact.contains(&p.target)
                    || self.suffixes.iter().any(|s| p.target.ends_with(s.as_str()))
            }
        }
    }
}

const EGRESS_REGO: &str = r#"
package egress
import rego.v1

default allow := false

allow if data.exact[input.host]

allow if {
    input.kind == "host"
    some s in data.suffixes
    endswith(input.host, s)
}

allow if {
    input.kind != "host"
    some n in data.cidrs
    net.cidr_contains(n, input.host)
}
"#;

struct Rego {
    vm: regorus::rvm::RegoVM,
}

impl Rego {
    fn new(source: &str, entrypoint: &str, data: Value) -> Self {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("peer.rego".into(), source.into())
            .unwrap();
        let rule = regorus::Rc::from(entrypoint);
        let compiled = engine.compile_with_entrypoint(&rule).unwrap();
        let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(
            &compiled,
            &[entrypoint],
        )
        .unwrap();
        let mut vm = regorus::rvm::RegoVM::new();
        vm.load_program(program);
        vm.set_data(regorus::Value::from_json_str(&data.to_string()).unwrap())
            .unwrap();
        Rego { vm }
    }
    fn eval(&mut self, input: &regorus::Value) -> regorus::Value {
        self.vm.set_input(input.clone());
        self.vm.execute().unwrap()
    }
}

fn rego_egress(w: &Egress) -> Rego {
    let exact: serde_json::Map<String, Value> = w
        .exact
        .iter()
        .map(|h| (h.clone(), Value::Bool(true)))
        .collect();
    let suffixes: Vec<String> = w.suffixes.iter().map(|s| format!(".{s}")).collect();
    Rego::new(
        EGRESS_REGO,
        "data.egress.allow",
        json!({"exact": exact, "suffixes": suffixes, "cidrs": w.cidrs}),
    )
}

fn rego_egress_input(p: &EgressProbe) -> regorus::Value {
    let kind = if p.is_host { "host" } else { "ip" };
    regorus::Value::from_json_str(&json!({"host": p.target, "kind": kind}).to_string()).unwrap()
}

struct CedarEgress {
    set: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
}

impl CedarEgress {
    fn new(w: &Egress) -> Self {
        let mut text =
            String::from("permit(principal, action, resource in Egress::Group::\"exact\");\n");
        for s in &w.suffixes {
            text.push_str(&format!(
                "permit(principal, action, resource) when {{ context.host like \"*.{s}\" }};\n"
            ));
        }
        for c in &w.cidrs {
            text.push_str(&format!(
                "permit(principal, action, resource) when {{ context has ip && context.ip.isInRange(ip(\"{c}\")) }};\n"
            ));
        }
        let entities: Vec<Value> = w
            .exact
            .iter()
            .map(|h| json!({"uid": {"type": "Egress::Host", "id": h}, "attrs": {}, "parents": [{"type": "Egress::Group", "id": "exact"}]}))
            .chain(std::iter::once(json!({"uid": {"type": "Egress::Group", "id": "exact"}, "attrs": {}, "parents": []})))
            .collect();
        CedarEgress {
            set: PolicySet::from_str(&text).unwrap(),
            entities: Entities::from_json_value(Value::Array(entities), None).unwrap(),
            authorizer: Authorizer::new(),
        }
    }
    fn request(p: &EgressProbe) -> cedar_policy::Request {
        let context = if p.is_host {
            json!({"host": p.target})
        } else {
            json!({"host": p.target, "ip": {"__extn": {"fn": "ip", "arg": p.target}}})
        };
        cedar_policy::Request::new(
            EntityUid::from_str(r#"Egress::Agent::"a""#).unwrap(),
            EntityUid::from_str(r#"Egress::Action::"connect""#).unwrap(),
            EntityUid::from_type_name_and_id(
                cedar_policy::EntityTypeName::from_str("Egress::Host").unwrap(),
                cedar_policy::EntityId::new(&p.target),
            ),
            Context::from_json_value(context, None).unwrap(),
            None,
        )
        .unwrap()
    }
    fn allows(&self, request: &cedar_policy::Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.set, &self.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }
}

fn egress(c: &mut Criterion) {
    let w = egress_workload();
    let all: Vec<&EgressProbe> = w.probes.iter().collect();
    let engine = portcullis_egress(&w);
    check_all(
        "portcullis url",
        &all,
        |p| p.allow,
        |p| engine.check_http("GET", &p.url()).effect == Effect::Allow,
    );
    let stage = HostStage::new(&w);
    check_all(
        "portcullis host stage",
        &all,
        |p| p.allow,
        |p| stage.allows(p),
    );
    let baseline = Baseline::new(&w);
    check_all("baseline", &all, |p| p.allow, |p| baseline.allows(p));
    let mut rego = rego_egress(&w);
    let inputs: Vec<regorus::Value> = w.probes.iter().map(rego_egress_input).collect();
    let yes = regorus::Value::from(true);
    check_all(
        "regorus",
        &sample(&w.probes, 5),
        |p| p.allow,
        |p| rego.eval(&rego_egress_input(p)) == yes,
    );
    let cedar = CedarEgress::new(&w);
    check_all(
        "cedar",
        &sample(&w.probes, 50),
        |p| p.allow,
        |p| cedar.allows(&CedarEgress::request(p)),
    );

    let urls: Vec<String> = w.probes.iter().map(EgressProbe::url).collect();
    let mut g = c.benchmark_group("peers_egress");
    let mut next = Cycle::new(&urls);
    g.bench_function("portcullis_url", |b| {
        b.iter(|| engine.check_http("GET", black_box(next.next())).effect)
    });
    let mut next = Cycle::new(&w.probes);
    g.bench_function("portcullis_host_stage", |b| {
        b.iter(|| stage.allows(black_box(next.next())))
    });
    let mut next = Cycle::new(&w.probes);
    g.bench_function("baseline_hashset_linear", |b| {
        b.iter(|| baseline.allows(black_box(next.next())))
    });
    let mut next = Cycle::new(&inputs);
    g.bench_function("regorus", |b| b.iter(|| rego.eval(black_box(next.next()))));
    let requests: Vec<cedar_policy::Request> = sample(&w.probes, 10)
        .into_iter()
        .map(CedarEgress::request)
        .collect();
    g.sample_size(10);
    let mut next = Cycle::new(&requests);
    g.bench_function("cedar", |b| b.iter(|| cedar.allows(black_box(next.next()))));
    g.finish();
}

// ---------------------------------------------------------------- commands

struct CommandProbe {
    command: String,
    deny: bool,
    matches: Vec<usize>,
}

fn commands_workload() -> (Vec<(String, String)>, Vec<CommandProbe>) {
    let w = workload::load("commands");
    let patterns: Vec<(String, String)> = w["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["pattern"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let index = |id: &str| patterns.iter().position(|p| p.0 == id).unwrap();
    let probes = w["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut matches: Vec<usize> = p["matches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| index(m.as_str().unwrap()))
                .collect();
            matches.sort_unstable();
            CommandProbe {
                command: p["command"].as_str().unwrap().to_owned(),
                deny: p["deny"].as_bool().unwrap(),
                matches,
            }
        })
        .collect();
    (patterns, probes)
}

const COMMANDS_REGO: &str = r#"
package commands
import rego.v1

deny contains p.id if {
    some p in data.patterns
    regex.match(p.pattern, input.command)
}
"#;

/// Per-call latencies of `f` over every probe, three passes: (median, p99) in ns.
fn percentiles<T>(items: &[T], mut f: impl FnMut(&T)) -> (f64, f64) {
    let mut times = Vec::with_capacity(items.len() * 3);
    for _ in 0..3 {
        for item in items {
            let t = Instant::now();
            f(black_box(item));
            times.push(t.elapsed().as_nanos() as f64);
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

/// Per-call median and p99 of the pattern stage, the tuned `RegexSet` and
/// the default-policy decision, to `target/criterion/percentiles.json`.
fn write_percentiles(
    probes: &[CommandProbe],
    stage: &portcullis::pattern::RegexSet,
    tuned: &regex::RegexSet,
) {
    let (stage_median, stage_p99) = percentiles(probes, |p| {
        black_box(stage.matches(&p.command));
    });
    let (tuned_median, tuned_p99) = percentiles(probes, |p| {
        black_box(tuned.matches(&p.command));
    });
    let default_engine = Engine::default_policy().unwrap();
    let typical: Vec<&CommandProbe> = probes.iter().filter(|p| p.command.len() < 200).collect();
    let (default_median, default_p99) = percentiles(&typical, |p| {
        black_box(default_engine.check_command(&p.command));
    });
    let report = json!({
        "pattern_stage": {"median_ns": stage_median, "p99_ns": stage_p99},
        "regex_set_tuned": {"median_ns": tuned_median, "p99_ns": tuned_p99},
        "default_policy_command": {"median_ns": default_median, "p99_ns": default_p99, "probes": typical.len()},
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("percentiles.json"), report.to_string()).unwrap();
    println!("percentiles (single calls, ns): {report}");
}

fn commands(c: &mut Criterion) {
    let (patterns, probes) = commands_workload();
    let sources: Vec<&str> = patterns.iter().map(|p| p.1.as_str()).collect();
    let all: Vec<&CommandProbe> = probes.iter().collect();

    let stage = portcullis::pattern::RegexSet::new(&sources).unwrap();
    let stage_matches = |cmd: &str| {
        let mut out = Vec::new();
        stage.for_each_match(cmd, |i| out.push(i));
        out
    };
    let wrong = probes
        .iter()
        .filter(|p| stage_matches(&p.command) != p.matches)
        .count();
    assert_eq!(
        wrong, 0,
        "portcullis pattern stage: {wrong} probes with other matches"
    );

    let tuned = regex::RegexSetBuilder::new(&sources)
        .dfa_size_limit(64 << 20)
        .build()
        .unwrap();
    let default = regex::RegexSet::new(&sources).unwrap();
    let singles: Vec<regex::Regex> = sources
        .iter()
        .map(|p| regex::Regex::new(p).unwrap())
        .collect();
    for (name, set) in [("regex tuned", &tuned), ("regex default", &default)] {
        let wrong = probes
            .iter()
            .filter(|p| set.matches(&p.command).into_iter().collect::<Vec<_>>() != p.matches)
            .count();
        assert_eq!(wrong, 0, "{name}: {wrong} probes with other matches");
    }
    check_all(
        "regex loop",
        &all,
        |p| p.deny,
        |p| singles.iter().any(|r| r.is_match(&p.command)),
    );

    regorus::cache::configure(regorus::cache::Config {
        regex: 1024,
        glob: 128,
    });
    // regorus compiles each `regex.match` pattern with a 100 KiB size
    // limit, which a Unicode `\w` exceeds (and a rejected pattern aborts the
    // whole evaluation): regorus gets `\w` spelled as its ASCII class, the
    // same answers on this ASCII workload (checked below).
    let ascii = |p: &str| p.replace(r"\w", "[0-9A-Za-z_]");
    let data = json!({"patterns": patterns.iter().map(|(id, p)| json!({"id": id, "pattern": ascii(p)})).collect::<Vec<_>>()});
    let mut rego = Rego::new(COMMANDS_REGO, "data.commands.deny", data);
    let rego_input = |p: &CommandProbe| {
        regorus::Value::from_json_str(&json!({"command": p.command}).to_string()).unwrap()
    };
    check_all(
        "regorus",
        &sample(&probes, 20),
        |p| p.deny,
        |p| match rego.eval(&rego_input(p)) {
            regorus::Value::Set(s) => !s.is_empty(),
            other => panic!("regorus answered {other}"),
        },
    );

    // Percentiles of single decisions, for the report: only in a benchmark
    // run (`cargo bench` passes `--bench`), never from the unoptimized
    // test-mode run of `cargo test`, whose figures would overwrite them.
    if std::env::args().any(|a| a == "--bench") {
        write_percentiles(&probes, &stage, &tuned);
    }

    let default_engine = Engine::default_policy().unwrap();

    let mut g = c.benchmark_group("peers_commands");
    let mut next = Cycle::new(&probes);
    g.bench_function("portcullis_pattern_stage", |b| {
        b.iter(|| stage.matches(black_box(&next.next().command)).contains(0))
    });
    let mut next = Cycle::new(&probes);
    g.bench_function("portcullis_default_policy", |b| {
        b.iter(|| {
            default_engine
                .check_command(black_box(&next.next().command))
                .effect
        })
    });
    let mut next = Cycle::new(&probes);
    g.bench_function("regex_set_tuned", |b| {
        b.iter(|| tuned.matches(black_box(&next.next().command)).matched_any())
    });
    let mut next = Cycle::new(&probes);
    g.bench_function("regex_set_default", |b| {
        b.iter(|| {
            default
                .matches(black_box(&next.next().command))
                .matched_any()
        })
    });
    let mut next = Cycle::new(&probes);
    g.bench_function("regex_loop", |b| {
        b.iter(|| {
            let cmd = &next.next().command;
            singles
                .iter()
                .filter(|r| r.is_match(black_box(cmd)))
                .count()
        })
    });
    let inputs: Vec<regorus::Value> = probes.iter().map(rego_input).collect();
    let mut next = Cycle::new(&inputs);
    g.sample_size(20);
    g.bench_function("regorus", |b| b.iter(|| rego.eval(black_box(next.next()))));
    g.finish();
}

criterion_group!(benches, egress, commands);
criterion_main!(benches);
