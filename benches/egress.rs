//! URL decisions against growing egress policies, with a linear scan in
//! the same run.
//!
//! `egress_url/*` decides a whole URL (WHATWG parse, canonicalization, host
//! lookup, filters, combine) against policies of 10, 1,000 and 100,000 host
//! rules (nine in ten exact names, one in ten `*.` wildcards) and of 10,000
//! CIDR rules; the probe hits a rule near the end of the policy, so a
//! linear matcher would pay for every rule before it. `egress_match/*`
//! times the matcher alone on an already canonical host or address.
//! `egress_peer/linear_*` is what a simple allowlist does: compare the host
//! with every pattern in turn (suffix test with a label boundary) or test
//! every network: the same questions, measured in the same run.
//!
//! Run: `cargo bench --bench egress`; medians are in
//! `target/criterion/<group>/<case>/new/estimates.json`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{criterion_group, criterion_main, Criterion};
use ipnet::{IpNet, Ipv4Net};
use portcullis::egress::{HostSet, NetworkSet};
use portcullis::{Engine, Policy};
use serde_json::json;

/// The host of rule `i`: exact for nine in ten, a wildcard domain for the tenth.
fn host(i: usize) -> String {
    if i % 10 == 9 {
        format!("*.svc{i}.example{}.net", i % 97)
    } else {
        format!("api{i}.example{}.com", i % 97)
    }
}

/// The network of rule `i`: a /24 inside 11.0.0.0/8 and beyond.
fn network(i: usize) -> Ipv4Net {
    let base = u32::from(Ipv4Addr::new(11, 0, 0, 0)) + ((i as u32) << 8);
    Ipv4Net::new(Ipv4Addr::from(base), 24).expect("valid prefix")
}

fn host_engine(n: usize) -> Engine {
    let egress: Vec<_> = (0..n)
        .map(|i| json!({"id": format!("h{i}"), "effect": "allow", "hosts": [host(i)], "schemes": ["https"]}))
        .collect();
    let policy = Policy::from_value(&json!({"version": 1, "egress": egress})).expect("policy");
    Engine::builder().policy(&policy).build().expect("compiles")
}

fn cidr_engine(n: usize) -> Engine {
    let egress: Vec<_> = (0..n)
        .map(|i| json!({"id": format!("n{i}"), "effect": "allow", "cidrs": [network(i).to_string()]}))
        .collect();
    let policy = Policy::from_value(&json!({"version": 1, "egress": egress})).expect("policy");
    Engine::builder().policy(&policy).build().expect("compiles")
}

/// A probe URL hitting the last exact rule of an `n`-rule policy.
fn probe(n: usize) -> String {
    let i = (0..n).rev().find(|i| i % 10 != 9).unwrap_or(0);
    format!("https://{}/v1/items?page=2", host(i))
}

fn urls(c: &mut Criterion) {
    let mut group = c.benchmark_group("egress_url");
    for n in [10usize, 1_000, 100_000] {
        let engine = host_engine(n);
        let url = probe(n);
        assert!(engine.check_http("GET", &url).is_allowed(), "{url}");
        group.bench_function(format!("hosts_{n}"), |b| {
            b.iter(|| engine.check_http(black_box("GET"), black_box(&url)))
        });
    }
    let wildcard = format!("https://deep.a.svc{}.example{}.net/x", 99_999, 99_999 % 97);
    let engine = host_engine(100_000);
    assert!(engine.check_http("GET", &wildcard).is_allowed());
    group.bench_function("hosts_100000_wildcard", |b| {
        b.iter(|| engine.check_http(black_box("GET"), black_box(&wildcard)))
    });
    let denied = "https://unknown.example.org/";
    group.bench_function("hosts_100000_miss", |b| {
        b.iter(|| engine.check_http(black_box("GET"), black_box(denied)))
    });
    let engine = cidr_engine(10_000);
    let ip_url = format!("http://{}/x", network(9_999).network());
    assert!(engine.check_http("GET", &ip_url).is_allowed(), "{ip_url}");
    group.bench_function("cidrs_10000", |b| {
        b.iter(|| engine.check_http(black_box("GET"), black_box(&ip_url)))
    });
    let engine = cidr_engine(10);
    let ip_url = format!("http://{}/x", network(9).network());
    group.bench_function("cidrs_10", |b| {
        b.iter(|| engine.check_http(black_box("GET"), black_box(&ip_url)))
    });
    group.finish();
}

/// Hosts as a simple allowlist holds them: (`domain`, is_wildcard).
fn linear_patterns(n: usize) -> Vec<(String, bool)> {
    (0..n)
        .map(|i| {
            let h = host(i);
            match h.strip_prefix("*.") {
                Some(d) => (d.to_owned(), true),
                None => (h, false),
            }
        })
        .collect()
}

fn linear_host_match(patterns: &[(String, bool)], name: &str) -> Option<usize> {
    patterns.iter().position(|(d, wild)| {
        if *wild {
            name.len() > d.len()
                && name.ends_with(d.as_str())
                && name.as_bytes()[name.len() - d.len() - 1] == b'.'
        } else {
            name == d
        }
    })
}

fn matchers(c: &mut Criterion) {
    let mut group = c.benchmark_group("egress_match");
    for n in [10usize, 100_000] {
        let mut set = HostSet::new();
        for i in 0..n {
            let h = host(i);
            match h.strip_prefix("*.") {
                Some(d) => set.insert_subdomains(d, i as u32),
                None => set.insert_exact(&h, i as u32),
            }
        }
        let name = probe(n)
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        group.bench_function(format!("hosts_{n}"), |b| {
            b.iter(|| {
                let mut hit = None;
                set.for_each_match(black_box(&name), |t| hit = Some(t));
                hit
            })
        });
        let patterns = linear_patterns(n);
        assert!(linear_host_match(&patterns, &name).is_some());
        group.bench_function(format!("linear_hosts_{n}"), |b| {
            b.iter(|| linear_host_match(black_box(&patterns), black_box(&name)))
        });
    }
    for n in [10usize, 10_000] {
        let mut set = NetworkSet::new();
        let nets: Vec<IpNet> = (0..n).map(|i| IpNet::V4(network(i))).collect();
        for (i, net) in nets.iter().enumerate() {
            set.insert(*net, i as u32);
        }
        set.build();
        let ip = IpAddr::V4(network(n - 1).network());
        group.bench_function(format!("cidrs_{n}"), |b| {
            b.iter(|| {
                let mut hit = None;
                set.for_each_match(black_box(ip), |t| hit = Some(t));
                hit
            })
        });
        group.bench_function(format!("linear_cidrs_{n}"), |b| {
            b.iter(|| nets.iter().position(|net| net.contains(black_box(&ip))))
        });
    }
    group.finish();
}

criterion_group!(benches, urls, matchers);
criterion_main!(benches);
