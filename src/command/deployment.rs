//! Where a command acts: the values that name a deployment.
//!
//! `kubectl --context prod-eu apply -f x.yaml`, `RAILS_ENV=production rails
//! db:reset`, `terraform workspace select prod`, `ssh deploy@prod-web-1` and
//! `psql postgres://app@db.prod.example.com/app` all say where they act, each
//! in its own way. [`names`] hands the engine those values (`prod-eu`,
//! `production`, `prod`, `prod-web-1`, the URL), read by the table
//! `deployments.toml`; which of them are production is the policy's
//! environments' business, not the analysis's. [`argument_names`] does the
//! same for a tool call's arguments, by key (`{"namespace": "production"}`).
//! Cost: for every command, a look at its assignments (usually none) and one
//! map lookup by program name; for the few programs listed, one pass over
//! the arguments. No allocation; a tool call's walk is bounded (4 levels,
//! 1,024 nodes), one hash lookup per key.

use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

use super::simple::SimpleCommand;

/// `deployments.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Deployments {
    variables: Vec<String>,
    flags: HashMap<String, Vec<String>>,
    after: HashMap<String, Vec<String>>,
    lists: Lists,
    tools: Tools,
}

/// The `[tools]` table of `deployments.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tools {
    keys: Vec<String>,
}

/// The program lists of `deployments.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Lists {
    assigning: Vec<String>,
    hosts: Vec<String>,
    remotes: Vec<String>,
    urls: Vec<String>,
}

/// Reads `deployments.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Deployments, String> {
    crate::data::toml("deployments.toml", include_str!("deployments.toml"))
}

/// What the table says of one program.
#[derive(Debug, Default)]
struct Program {
    /// Its arguments may be assignments (`export X=y`, `rake t X=y`).
    assigning: bool,
    flags: Vec<String>,
    after: Vec<String>,
    hosts: bool,
    remotes: bool,
    urls: bool,
}

/// The table by program: one lookup per command.
#[derive(Debug, Default)]
struct Index {
    variables: Vec<String>,
    programs: HashMap<String, Program>,
    /// Tool argument keys, lowercase.
    keys: rustc_hash::FxHashSet<Box<[u8]>>,
}

/// The longest tool argument key looked up; longer keys are none of them.
const MAX_KEY: usize = 32;

/// True when `key`, lowercased, is one of the `[tools]` keys.
fn is_deployment_key(keys: &rustc_hash::FxHashSet<Box<[u8]>>, key: &str) -> bool {
    let bytes = key.as_bytes();
    if bytes.len() > MAX_KEY {
        return false;
    }
    let mut buf = [0u8; MAX_KEY];
    let lower = buf.get_mut(..bytes.len()).unwrap_or_default();
    for (d, s) in lower.iter_mut().zip(bytes) {
        *d = s.to_ascii_lowercase();
    }
    keys.contains(&*lower)
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let t = load().unwrap_or_default();
        let mut programs: HashMap<String, Program> = HashMap::default();
        for (name, flags) in t.flags {
            programs.entry(name).or_default().flags = flags;
        }
        for (name, after) in t.after {
            programs.entry(name).or_default().after = after;
        }
        for name in t.lists.assigning {
            programs.entry(name).or_default().assigning = true;
        }
        for name in t.lists.hosts {
            programs.entry(name).or_default().hosts = true;
        }
        for name in t.lists.remotes {
            programs.entry(name).or_default().remotes = true;
        }
        for name in t.lists.urls {
            programs.entry(name).or_default().urls = true;
        }
        Index {
            variables: t.variables,
            programs,
            keys: t
                .tools
                .keys
                .iter()
                .map(|k| k.to_ascii_lowercase().into_bytes().into_boxed_slice())
                .collect(),
        }
    })
}

/// The value of `word` when it assigns a variable of the table
/// (`RAILS_ENV=production`). Names are upper case: anything else is
/// passed over at its first byte.
fn variable<'w>(variables: &[String], word: &'w str) -> Option<&'w str> {
    if !word.as_bytes().first().is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    let at = memchr::memchr(b'=', word.as_bytes())?;
    let (name, value) = (word.get(..at)?, word.get(at + 1..)?);
    (!value.is_empty() && variables.iter().any(|v| v == name)).then_some(value)
}

/// Calls `each` with every value of `command` that names where it acts.
pub fn names(command: &SimpleCommand, mut each: impl FnMut(&str)) {
    let t = index();
    for word in command.assignments.iter().filter(|w| w.is_known()) {
        if let Some(value) = variable(&t.variables, &word.text) {
            each(value);
        }
    }
    let Some(entry) = command.program.as_deref().and_then(|p| t.programs.get(p)) else {
        return;
    };
    let args = || command.argv.iter().skip(1).map(|w| w.text.as_str());
    // Arguments that are assignments (`export X=y`, `rake t RAILS_ENV=production`).
    if entry.assigning {
        for word in args() {
            if let Some(value) = variable(&t.variables, word) {
                each(value);
            }
        }
    }
    if !entry.flags.is_empty() {
        let mut next = false;
        for word in args() {
            if std::mem::take(&mut next) {
                each(word);
                continue;
            }
            for option in &entry.flags {
                if word == option {
                    next = true;
                } else if let Some(value) = word.strip_prefix(option.as_str()).and_then(|r| r.strip_prefix('=')) {
                    each(value);
                }
            }
        }
    }
    for sub in &entry.after {
        // `sub`'s words lead the subcommand (`""`: none); the next one names it.
        let mut words = command.subcommand();
        if sub.split(' ').filter(|p| !p.is_empty()).all(|p| words.next() == Some(p)) {
            if let Some(value) = words.next() {
                each(value);
            }
        }
    }
    if entry.hosts {
        if let Some(host) = command.subcommand().next() {
            each(host.rsplit_once('@').map_or(host, |(_, h)| h));
        }
    }
    if entry.remotes {
        for word in command.subcommand() {
            if let Some((host, _)) = word.split_once(':').filter(|(h, _)| !h.is_empty() && !h.contains('/')) {
                each(host.rsplit_once('@').map_or(host, |(_, h)| h));
            }
        }
    }
    if entry.urls {
        for word in command.positionals.iter().map(|w| w.text.as_str()) {
            if word.contains("://") {
                each(word);
            }
        }
    }
}

/// Most JSON nodes [`argument_names`] visits.
const MAX_NODES: usize = 1024;

/// Calls `each` with every string a tool call's `arguments` hold under a key
/// that names where the call acts (`{"namespace": "production"}`; the
/// `[tools]` keys, in any case, at most 4 levels deep and 1,024 nodes).
pub fn argument_names(arguments: &serde_json::Value, mut each: impl FnMut(&str)) {
    fn walk(
        value: &serde_json::Value,
        depth: usize,
        budget: &mut usize,
        keys: &rustc_hash::FxHashSet<Box<[u8]>>,
        each: &mut dyn FnMut(&str),
    ) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    if *budget == 0 {
                        return;
                    }
                    *budget -= 1;
                    if let serde_json::Value::String(s) = v {
                        if is_deployment_key(keys, key) {
                            each(s);
                        }
                    } else if depth < 4 {
                        walk(v, depth + 1, budget, keys, each);
                    }
                }
            }
            serde_json::Value::Array(items) if depth < 4 => {
                for item in items.iter().filter(|i| i.is_object() || i.is_array()) {
                    if *budget == 0 {
                        return;
                    }
                    *budget -= 1;
                    walk(item, depth + 1, budget, keys, each);
                }
            }
            _ => {}
        }
    }
    let mut budget = MAX_NODES;
    walk(arguments, 1, &mut budget, &index().keys, &mut each);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(line: &str) -> Vec<String> {
        let analysis = crate::command::analyze(line);
        let mut out = Vec::new();
        for c in &analysis.commands {
            names(c, |v| out.push(v.to_owned()));
        }
        out
    }

    #[test]
    fn the_table_loads() {
        let t = load().unwrap();
        assert!(t.variables.iter().any(|v| v == "RAILS_ENV"));
        assert!(t.flags.contains_key("kubectl"));
        assert!(index().programs.get("ssh").is_some_and(|p| p.hosts));
    }

    #[test]
    fn values_that_name_where_a_command_acts() {
        assert_eq!(of("kubectl --context prod-eu apply -f x.yaml"), ["prod-eu"]);
        assert_eq!(of("kubectl apply -f x.yaml --namespace=production"), ["production"]);
        assert_eq!(of("RAILS_ENV=production rails db:reset"), ["production"]);
        assert_eq!(of("env NODE_ENV=production node migrate.js"), ["production"]);
        assert_eq!(of("export APP_ENV=prod"), ["prod"]);
        assert_eq!(of("bundle exec rake db:reset RAILS_ENV=production"), ["production"]);
        assert_eq!(of("terraform workspace select prod"), ["prod"]);
        assert_eq!(of("ssh deploy@prod-web-1 uptime"), ["prod-web-1"]);
        assert_eq!(of("rsync -a dist/ prod-web-1:/srv/app"), ["prod-web-1"]);
        assert_eq!(of("psql postgres://app@db.prod.example.com/app"), ["postgres://app@db.prod.example.com/app"]);
        assert_eq!(of("gh workflow run deploy.yml -f environment=production"), ["environment=production"]);
        assert_eq!(of("kubectx prod"), ["prod"]);
    }

    #[test]
    fn tool_arguments_name_where_the_call_acts() {
        let mut out = Vec::new();
        let args = serde_json::json!({"name": "web", "Namespace": "production", "spec": {"context": "prod-eu", "x": {"y": {"z": {"env": "deep"}}}}, "items": [{"stack": "live"}], "replicas": 0});
        argument_names(&args, |v| out.push(v.to_owned()));
        assert_eq!(out, ["production", "prod-eu", "live"]);
        let mut none = Vec::new();
        argument_names(&serde_json::json!(["namespace", "production"]), |v| none.push(v.to_owned()));
        assert!(none.is_empty());
    }

    #[test]
    fn everyday_commands_name_nothing() {
        for line in ["git commit -m 'ENV=prod'", "echo RAILS_ENV=production", "ls -la", "cargo test", "git push origin feature", "rsync -a src/ dst/", "kubectl get pods", "FOO=1 make"] {
            assert!(of(line).is_empty(), "{line}: {:?}", of(line));
        }
    }
}
