//! Sending channels: which tools publish or send what their arguments hold.
//!
//! A secret leaves as surely through `create_gist`, `slack_post_message` or
//! SNS `publish` as through a `curl` to an unknown host, and no URL need
//! appear in the arguments: the server knows where to send. So a tool's
//! name (and its server's) says whether it is a channel, by the classes of
//! `channels.toml` — gists and pastes, webhooks, publications, email, chat,
//! issues and comments, repository files, forms, queues — each a set of
//! words and, for the nouns that also name reading tools (`get_issue`), the
//! sending verbs one of which must be there too. The engine scans a
//! channel's arguments for secrets. Cost: one pass over the words of the
//! name and server, one hash lookup each; nothing allocated.

use rustc_hash::FxHashMap;

/// One class of channel.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Class {
    name: String,
    words: Vec<String>,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    servers: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    class: Vec<Class>,
}

/// The loaded classes and, for each lowercase word, the classes it is a
/// noun, verb or server of (bits: class index).
#[derive(Debug, Default)]
pub(crate) struct Channels {
    classes: Vec<Class>,
    nouns: FxHashMap<String, u64>,
    verbs: FxHashMap<String, u64>,
    servers: FxHashMap<String, u64>,
}

/// Reads `channels.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Channels, String> {
    let file: File = crate::data::toml("channels.toml", include_str!("channels.toml"))?;
    if file.class.len() > 64 {
        return Err("channels.toml: at most 64 classes".into());
    }
    let mut c = Channels::default();
    for (i, class) in file.class.iter().enumerate() {
        let bit = 1u64 << i;
        for (list, map) in [
            (&class.words, &mut c.nouns),
            (&class.verbs, &mut c.verbs),
            (&class.servers, &mut c.servers),
        ] {
            for w in list {
                *map.entry(w.to_ascii_lowercase()).or_default() |= bit;
            }
        }
    }
    c.classes = file.class;
    Ok(c)
}

fn channels() -> &'static Channels {
    static TABLE: std::sync::OnceLock<Channels> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| load().unwrap_or_default())
}

/// The class of channel tool `name` (of `server`) is, if it is one.
pub fn channel_of(name: &str, server: Option<&str>) -> Option<&'static str> {
    let c = channels();
    let (mut nouns, mut verbs, mut servers) = (0u64, 0u64, 0u64);
    for text in std::iter::once(name).chain(server) {
        super::words(text, |w| {
            let mut buf = [0u8; 32];
            let Some(lower) = buf.get_mut(..w.len()) else {
                return;
            };
            for (o, b) in lower.iter_mut().zip(w.bytes()) {
                *o = b.to_ascii_lowercase();
            }
            let Ok(w) = std::str::from_utf8(lower) else {
                return;
            };
            nouns |= c.nouns.get(w).copied().unwrap_or(0);
            verbs |= c.verbs.get(w).copied().unwrap_or(0);
            servers |= c.servers.get(w).copied().unwrap_or(0);
        });
    }
    if nouns == 0 {
        return None;
    }
    c.classes.iter().enumerate().find_map(|(i, class)| {
        let bit = 1u64 << i;
        let ok = nouns & bit != 0
            && (class.verbs.is_empty() || verbs & bit != 0)
            && (class.servers.is_empty() || servers & bit != 0);
        ok.then_some(class.name.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sending_tools_are_channels_and_reading_tools_are_not() {
        for (name, server, want) in [
            ("create_gist", None, Some("gist or paste")),
            ("slack_post_message", None, Some("chat message")),
            ("conversations_add_message", Some("slack"), Some("chat message")),
            ("add_issue_comment", Some("github"), Some("issue, pull request or comment")),
            ("issue_write", Some("github"), Some("issue, pull request or comment")),
            ("create_or_update_file", Some("github"), Some("repository file")),
            ("publish", Some("sns"), Some("publication")),
            ("send_message", Some("sqs"), Some("chat message")),
            ("sendEmail", None, Some("email")),
            ("mcp__zapier__webhook_post", None, Some("webhook")),
            ("get_issue", Some("github"), None),
            ("list_messages", Some("slack"), None),
            ("write_file", Some("filesystem"), None),
            ("Write", None, None),
            ("Bash", None, None),
        ] {
            assert_eq!(channel_of(name, server), want, "{name} {server:?}");
        }
    }
}
