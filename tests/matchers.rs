//! Differential property tests: each compiled matcher agrees with a naive
//! reference on random rule sets and random inputs.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use portcullis::egress::{HostSet, NetworkSet};
use portcullis::pattern::NameSet;
use portcullis::pattern::RegexSet;
use proptest::prelude::*;

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v
}

/// Naive host semantics: exact equality, or `name` ends with `.` + domain
/// (`*.`), or either (`**.`). Tags: exact, then wild, then apex.
fn naive_host(exact: &[String], wild: &[String], apex: &[String], name: &str) -> Vec<u32> {
    let below = |d: &str| {
        name.len() > d.len()
            && name.ends_with(d)
            && name.as_bytes()[name.len() - d.len() - 1] == b'.'
    };
    let mut out = Vec::new();
    for (i, e) in exact.iter().enumerate() {
        if e == name {
            out.push(i as u32);
        }
    }
    for (i, w) in wild.iter().enumerate() {
        if below(w) {
            out.push((exact.len() + i) as u32);
        }
    }
    for (i, a) in apex.iter().enumerate() {
        if a == name || below(a) {
            out.push((exact.len() + wild.len() + i) as u32);
        }
    }
    sorted(out)
}

/// Naive glob: `*` any run, `?` one character.
fn naive_glob(glob: &[char], name: &[char]) -> bool {
    match (glob.first(), name.first()) {
        (None, None) => true,
        (Some('*'), _) => {
            naive_glob(&glob[1..], name) || (!name.is_empty() && naive_glob(glob, &name[1..]))
        }
        (Some('?'), Some(_)) => naive_glob(&glob[1..], &name[1..]),
        (Some(g), Some(n)) if g == n => naive_glob(&glob[1..], &name[1..]),
        _ => false,
    }
}

fn label() -> impl Strategy<Value = String> {
    "[a-c]{1,2}"
}

fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|labels| labels.join("."))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn host_set_agrees_with_naive_suffix_matching(
        exact in prop::collection::vec(domain(), 0..8),
        wild in prop::collection::vec(domain(), 0..8),
        apex in prop::collection::vec(domain(), 0..8),
        probes in prop::collection::vec(domain(), 1..8),
    ) {
        let mut set = HostSet::new();
        for (i, e) in exact.iter().enumerate() {
            set.insert_exact(e, i as u32);
        }
        for (i, w) in wild.iter().enumerate() {
            set.insert_subdomains(w, (exact.len() + i) as u32);
        }
        for (i, a) in apex.iter().enumerate() {
            set.insert_apex_and_subdomains(a, (exact.len() + wild.len() + i) as u32);
        }
        for probe in &probes {
            let mut got = Vec::new();
            set.for_each_match(probe, |t| got.push(t));
            prop_assert_eq!(sorted(got), naive_host(&exact, &wild, &apex, probe), "probe {}", probe);
        }
    }

    #[test]
    fn network_set_agrees_with_naive_containment_for_ipv6(
        nets in prop::collection::vec((any::<u128>(), 0u8..=128), 0..40),
        probes in prop::collection::vec(any::<u128>(), 1..12),
    ) {
        let nets: Vec<ipnet::Ipv6Net> = nets
            .into_iter()
            .map(|(addr, len)| ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(addr), len).unwrap().trunc())
            .collect();
        let mut set = NetworkSet::new();
        for (i, n) in nets.iter().enumerate() {
            set.insert(IpNet::V6(*n), i as u32);
        }
        set.build();
        let probes = probes.iter().copied().chain(nets.iter().map(|n| u128::from(n.network()) | 1));
        for probe in probes {
            let mut got = Vec::new();
            set.for_each_match(IpAddr::V6(probe.into()), |t| got.push(t));
            let want: Vec<u32> = nets
                .iter()
                .enumerate()
                .filter(|(_, n)| {
                    let mask = if n.prefix_len() == 0 { 0 } else { u128::MAX << (128 - n.prefix_len()) };
                    probe & mask == u128::from(n.network())
                })
                .map(|(i, _)| i as u32)
                .collect();
            prop_assert_eq!(sorted(got), want);
        }
    }

    #[test]
    fn network_set_agrees_with_naive_containment(
        nets in prop::collection::vec((any::<u32>(), 0u8..=32), 0..40),
        probes in prop::collection::vec(any::<u32>(), 1..12),
    ) {
        let nets: Vec<IpNet> = nets
            .into_iter()
            .map(|(addr, len)| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(addr), len).unwrap().trunc()))
            .collect();
        let mut set = NetworkSet::new();
        for (i, n) in nets.iter().enumerate() {
            set.insert(*n, i as u32);
        }
        let mut built = set.clone();
        built.build();
        // Probe inside some networks on purpose, not only at random.
        let probes = probes.iter().copied().chain(nets.iter().map(|n| match n.network() {
            IpAddr::V4(a) => u32::from(a),
            IpAddr::V6(_) => 0,
        }));
        for probe in probes {
            let ip = IpAddr::V4(Ipv4Addr::from(probe));
            let mut got = Vec::new();
            set.for_each_match(ip, |t| got.push(t));
            let mut got_built = Vec::new();
            built.for_each_match(ip, |t| got_built.push(t));
            prop_assert_eq!(sorted(got_built), sorted(got.clone()));
            let want: Vec<u32> = nets
                .iter()
                .enumerate()
                .filter(|(_, n)| {
                    let IpNet::V4(n) = n else { return false };
                    let mask = if n.prefix_len() == 0 { 0 } else { u32::MAX << (32 - n.prefix_len()) };
                    probe & mask == u32::from(n.network())
                })
                .map(|(i, _)| i as u32)
                .collect();
            prop_assert_eq!(sorted(got), want);
        }
    }

    #[test]
    fn regex_set_agrees_with_a_loop_of_single_regexes(
        patterns in prop::collection::vec("[ab]{1,3}|\\^[ab]{1,2}|[ab]\\+[ab]|\\([ab]\\|c\\)[ab]\\*|\\\\b[ab]{1,2}", 1..10),
        haystacks in prop::collection::vec("[abc ]{0,12}", 1..10),
    ) {
        let set = RegexSet::new(&patterns).unwrap();
        let singles: Vec<regex_automata::meta::Regex> =
            patterns.iter().map(|p| regex_automata::meta::Regex::new(p).unwrap()).collect();
        for haystack in &haystacks {
            let mut got = Vec::new();
            set.for_each_match(haystack, |i| got.push(i));
            let want: Vec<usize> = singles
                .iter()
                .enumerate()
                .filter(|(_, r)| r.is_match(haystack.as_str()))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(got, want, "haystack {:?}", haystack);
        }
    }

    #[test]
    fn name_set_agrees_with_a_naive_glob_matcher(
        globs in prop::collection::vec("[ab_*?.]{1,6}", 1..8),
        names in prop::collection::vec("[ab_.]{0,8}", 1..8),
    ) {
        let mut builder = NameSet::builder();
        for (i, g) in globs.iter().enumerate() {
            if g.contains(['*', '?']) {
                builder.glob(g, i as u32);
            } else {
                builder.exact(g, i as u32);
            }
        }
        let set = builder.build().unwrap();
        for name in &names {
            let mut got = Vec::new();
            set.for_each_match(name, |t| got.push(t));
            let name_chars: Vec<char> = name.chars().collect();
            let want: Vec<u32> = globs
                .iter()
                .enumerate()
                .filter(|(_, g)| naive_glob(&g.chars().collect::<Vec<_>>(), &name_chars))
                .map(|(i, _)| i as u32)
                .collect();
            prop_assert_eq!(sorted(got), want, "name {:?}", name);
        }
    }
}

/// Naive URL path glob core: `**` any run, `*` any run without `/`, `?` one
/// character other than `/`.
fn naive_url_core(glob: &[char], path: &[char]) -> bool {
    match glob {
        ['*', '*', rest @ ..] => {
            (0..=path.len()).any(|k| naive_url_core(rest, path.get(k..).unwrap_or_default()))
        }
        ['*', rest @ ..] => (0..=path.len())
            .take_while(|&k| k == 0 || path.get(k - 1) != Some(&'/'))
            .any(|k| naive_url_core(rest, path.get(k..).unwrap_or_default())),
        ['?', rest @ ..] => {
            matches!(path.first(), Some(c) if *c != '/') && naive_url_core(rest, &path[1..])
        }
        [g, rest @ ..] => path.first() == Some(g) && naive_url_core(rest, &path[1..]),
        [] => path.is_empty(),
    }
}

/// Naive URL path glob semantics: the core, plus the directory itself for a
/// trailing `/**` or `/*`, plus a trailing `/` for a glob ending in neither
/// `/` nor `*`.
fn naive_url_glob(glob: &str, path: &str) -> bool {
    let g: Vec<char> = glob.chars().collect();
    let p: Vec<char> = path.chars().collect();
    if naive_url_core(&g, &p) {
        return true;
    }
    if let Some(body) = glob.strip_suffix("/**").filter(|b| !b.is_empty()) {
        return naive_url_core(&body.chars().collect::<Vec<_>>(), &p);
    }
    if let Some(body) = glob
        .strip_suffix("/*")
        .filter(|b| !b.is_empty() && !b.ends_with('*'))
    {
        return naive_url_core(&body.chars().collect::<Vec<_>>(), &p);
    }
    !glob.ends_with(['/', '*']) && path.ends_with('/') && naive_url_core(&g, &p[..p.len() - 1])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn url_path_globs_agree_with_a_naive_matcher(
        globs in prop::collection::vec("/[ab/*?]{0,6}", 1..6),
        paths in prop::collection::vec("/[ab/]{0,7}", 1..8),
    ) {
        let regexes: Vec<String> = globs.iter().map(|g| portcullis::pattern::path_glob_to_regex(g)).collect();
        let set = RegexSet::new(&regexes).unwrap();
        for path in &paths {
            let got = set.matches(path);
            for (i, glob) in globs.iter().enumerate() {
                prop_assert_eq!(got.contains(i), naive_url_glob(glob, path), "glob {:?} path {:?}", glob, path);
            }
        }
    }
}

/// The default policy's command patterns, as one set and one by one.
fn default_patterns() -> &'static (RegexSet, Vec<regex_automata::meta::Regex>) {
    static PATTERNS: std::sync::OnceLock<(RegexSet, Vec<regex_automata::meta::Regex>)> =
        std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        let policy = portcullis::defaults::policy().unwrap();
        let patterns: Vec<String> = policy
            .commands
            .iter()
            .filter_map(|r| r.argv.pattern.clone())
            .collect();
        let singles = patterns
            .iter()
            .map(|p| regex_automata::meta::Regex::new(p).unwrap())
            .collect();
        (RegexSet::new(&patterns).unwrap(), singles)
    })
}

/// Words the default policy's command patterns look for, to build inputs that hit them.
const VOCABULARY: &[&str] = &[
    "drop",
    "DROP",
    "table",
    "database",
    "truncate",
    "delete",
    "from",
    "where",
    "users",
    ";",
    "alter",
    "flushall",
    "FLUSHDB",
    "db.dropDatabase()",
    "deleteMany({})",
    "kill",
    "-1",
    "-9",
    "--",
    "git",
    "checkout",
    ".",
    "-d",
    "@.env",
    "-F",
    "file=@id_rsa",
    "--data-binary",
    "x",
    " ",
    "\n",
    "=",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn default_policy_patterns_agree_with_single_regexes(
        words in prop::collection::vec(prop::sample::select(VOCABULARY), 0..12),
    ) {
        let (set, singles) = default_patterns();
        prop_assert!(singles.len() >= 8);
        let haystack = words.join(" ");
        let mut got = Vec::new();
        set.for_each_match(&haystack, |i| got.push(i));
        let want: Vec<usize> = singles
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_match(haystack.as_str()))
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(got, want, "haystack {:?}", haystack);
    }
}
