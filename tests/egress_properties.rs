//! Properties of egress decisions under random hosts and address spellings:
//! a spelling never changes a decision, and a name is allowed exactly when
//! it is under an allowed name, label by label.

use std::net::Ipv4Addr;

use portcullis::{Effect, Engine};
use proptest::prelude::*;
use serde_json::json;

fn label() -> impl Strategy<Value = String> {
    "[a-z]([a-z0-9-]{0,6}[a-z0-9])?"
        .prop_filter("punycode labels must be valid", |l| !l.starts_with("xn--"))
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 2..4).prop_map(|l| l.join("."))
}

fn engine(hosts: &[String], cidrs: &[String]) -> Engine {
    let mut egress = Vec::new();
    if !hosts.is_empty() {
        egress.push(json!({"id": "allow-hosts", "effect": "allow", "hosts": hosts}));
    }
    if !cidrs.is_empty() {
        egress.push(json!({"id": "deny-nets", "effect": "deny", "cidrs": cidrs}));
    }
    egress.push(json!({"id": "allow-all-ips", "effect": "allow", "cidrs": ["0.0.0.0/0"]}));
    Engine::from_json(&json!({"version": 1, "egress": egress}).to_string()).unwrap()
}

/// Random case for each character.
fn recase(s: &str, mask: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// Spellings of an IPv4 address that URL parsers and resolvers accept.
fn spellings(ip: Ipv4Addr) -> Vec<String> {
    let [a, b, c, d] = ip.octets();
    let n = u32::from(ip);
    vec![
        format!("{a}.{b}.{c}.{d}"),
        format!("{n}"),
        format!("0x{n:x}"),
        format!("0{a:o}.0{b:o}.0{c:o}.0{d:o}"),
        format!("0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}"),
        format!("{a}.{b}.{}", u32::from(c) << 8 | u32::from(d)),
        format!(
            "{a}.{}",
            u32::from(b) << 16 | u32::from(c) << 8 | u32::from(d)
        ),
        format!("[::ffff:{a}.{b}.{c}.{d}]"),
        format!("[::ffff:{:x}:{:x}]", n >> 16, n & 0xffff),
        format!("[64:ff9b::{a}.{b}.{c}.{d}]"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn case_and_trailing_dot_never_change_a_decision(
        allowed in prop::collection::vec(name(), 1..4),
        pick in any::<prop::sample::Index>(),
        sub in label(),
        mask in any::<u64>(),
        wildcard in any::<bool>(),
    ) {
        let hosts: Vec<String> = allowed.iter().map(|h| if wildcard { format!("*.{h}") } else { h.clone() }).collect();
        let e = engine(&hosts, &[]);
        let base = pick.get(&allowed);
        let host = if wildcard { format!("{sub}.{base}") } else { base.clone() };
        let plain = e.check_http("GET", &format!("https://{host}/"));
        prop_assert_eq!(plain.effect, Effect::Allow);
        for variant in [recase(&host, mask), format!("{}.", recase(&host, !mask))] {
            let d = e.check_http("GET", &format!("https://{variant}/x"));
            prop_assert_eq!(d.effect, plain.effect, "{}", variant);
        }
    }

    #[test]
    fn every_ipv4_spelling_decides_as_the_dotted_address(
        nets in prop::collection::vec((any::<u32>(), 8u8..=32), 1..6),
        probe in any::<u32>(),
        inside in any::<bool>(),
    ) {
        let cidrs: Vec<String> = nets.iter().map(|(a, l)| format!("{}/{l}", Ipv4Addr::from(*a))).collect();
        let e = engine(&[], &cidrs);
        let ip = if inside { Ipv4Addr::from(nets[0].0) } else { Ipv4Addr::from(probe) };
        let dotted = e.check_http("GET", &format!("http://{ip}/"));
        for spelling in spellings(ip) {
            let d = e.check_http("GET", &format!("http://{spelling}/"));
            prop_assert_eq!(d.effect, dotted.effect, "{} vs {}", spelling, ip);
        }
    }

    #[test]
    fn a_name_is_allowed_only_under_an_allowed_name(
        exact in prop::collection::vec(name(), 1..4),
        wild in prop::collection::vec(name(), 1..4),
        probe in name(),
        prefix in label(),
    ) {
        let hosts: Vec<String> = exact.iter().cloned().chain(wild.iter().map(|w| format!("*.{w}"))).collect();
        let e = engine(&hosts, &[]);
        for host in [probe.clone(), format!("{prefix}.{probe}"), format!("{prefix}{}", wild[0]), format!("{prefix}.{}", wild[0])] {
            let under = exact.contains(&host) || wild.iter().any(|w| host.ends_with(&format!(".{w}")));
            let d = e.check_http("GET", &format!("https://{host}/"));
            prop_assert_eq!(d.effect == Effect::Allow, under, "{}", host);
        }
    }

    #[test]
    fn wildcards_hold_label_boundaries(domain in name(), glued in label()) {
        let e = engine(&[format!("*.{domain}")], &[]);
        let allow = |h: String| e.check_http("GET", &format!("https://{h}/")).effect == Effect::Allow;
        let inside = format!("{glued}.{domain}");
        let outside = [
            format!("{glued}{domain}"),
            format!("{glued}-{domain}"),
            domain.clone(),
            format!("{domain}.{glued}.example"),
        ];
        prop_assert!(allow(inside));
        for host in outside {
            prop_assert!(!allow(host.clone()), "{}", host);
        }
    }
}

/// URL-ish strings built from the pieces that make parsers disagree.
fn url_like() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "https://", "http://", "HTTP://", "https:/", "ftp://", "https:",
    ]);
    let host = prop::collection::vec(
        prop::sample::select(vec![
            "a", "b", "z9", "x-y", "-", "0x7f", "1", "127", "xn--", "A", "%41", ".", "..", "@",
            "ü", "[", "]", "::1", "_", "com", "0", "255", "256", "010", "10.0.0.1", "1.2.3", ".4",
        ]),
        1..6,
    )
    .prop_map(|p| p.concat());
    let port = prop::sample::select(vec![
        "", ":443", ":80", ":8080", ":0", ":08", ":65536", ":", ":99999",
    ]);
    let path = prop::collection::vec(
        prop::sample::select(vec![
            "/", "a", ".", "..", "%2e", "%2F", "%41", "\\", "'", "\"", "{", "`", "~", "!", "$",
            "&", "(", ";", "=", ":", "@", "|", "^",
        ]),
        0..6,
    )
    .prop_map(|p| p.concat());
    let query = prop::sample::select(vec![
        "", "?", "?a=1", "?a='x'", "?q=%20", "?x?y", "#f", "?a#b", "?{}",
    ]);
    (scheme, host, port, path, query).prop_map(|(s, h, p, pa, q)| format!("{s}{h}{p}{pa}{q}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn the_canonical_fast_path_agrees_with_the_full_parse(raw in url_like()) {
        let fast = portcullis::egress::parse_url(&raw);
        let full = portcullis::egress::url::parse_url_in_full(&raw);
        prop_assert_eq!(fast, full, "{}", raw);
    }
}

/// URLs already in canonical form, which the fast path takes.
fn canonical_like() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["https://", "http://"]),
        prop_oneof![
            prop::collection::vec("[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3})?", 1..4)
                .prop_map(|l| l.join(".")),
            any::<[u8; 4]>().prop_map(|o| Ipv4Addr::from(o).to_string()),
        ],
        prop::sample::select(vec!["", ":443", ":80", ":8080", ":65535"]),
        "(/[A-Za-z0-9._~!$&'()*+,;=:@-]{0,6}){0,4}",
        prop::sample::select(vec!["", "?", "?a=1&b=2", "?q=a/b?c", "?x=(1)"]),
    )
        .prop_map(|(s, host, p, path, q)| format!("{s}{host}{p}{path}{q}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn canonical_urls_parse_alike_on_both_paths(raw in canonical_like()) {
        let fast = portcullis::egress::parse_url(&raw);
        let full = portcullis::egress::url::parse_url_in_full(&raw);
        prop_assert!(full.is_ok(), "{} {:?}", raw, full);
        prop_assert_eq!(fast, full, "{}", raw);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The strict path mode's reading of a normalized path: applying it
    /// again changes nothing, and nothing a decoding server would read
    /// differently is left in it (no `;params`, no encoded or backslash
    /// separators, no empty or dot segments).
    #[test]
    fn strict_paths_are_fixed_points_with_nothing_left_to_decode(
        raw in "(/|;|%2[fF]|%5[cC]|\\\\|\\.|\\.\\.|a|b|%41|=)*"
    ) {
        use portcullis::egress::path::{normalize_path, strict_path};
        let normalized = normalize_path(&format!("/{raw}")).into_owned();
        let strict = strict_path(&normalized).into_owned();
        prop_assert_eq!(strict_path(&strict).into_owned(), strict.clone());
        prop_assert!(strict.starts_with('/'), "{}", strict);
        prop_assert!(!strict.contains(';') && !strict.contains('\\') && !strict.contains("//"), "{}", strict);
        let upper = strict.to_ascii_uppercase();
        prop_assert!(!upper.contains("%2F") && !upper.contains("%5C"), "{}", strict);
        prop_assert!(strict.split('/').all(|s| s != "." && s != ".."), "{}", strict);
    }
}
