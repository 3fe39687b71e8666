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
//! channel's arguments for secrets. The words are looked up with the
//! routing table's in one pass ([`name_words`](super::name_words)).

/// One class of channel.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Class {
    pub(crate) name: String,
    pub(crate) words: Vec<String>,
    #[serde(default)]
    pub(crate) verbs: Vec<String>,
    #[serde(default)]
    pub(crate) servers: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    class: Vec<Class>,
}

/// Reads `channels.toml` (through [`crate::data`]): at most 64 classes
/// (each is a bit of the word index).
pub(crate) fn load() -> Result<Vec<Class>, String> {
    let file: File = crate::data::toml("channels.toml", include_str!("channels.toml"))?;
    if file.class.len() > 64 {
        return Err("channels.toml: at most 64 classes".into());
    }
    Ok(file.class)
}

/// The classes, read on first use; none when the table does not load (the
/// unit test of [`crate::data`] loads it).
pub(crate) fn classes() -> &'static [Class] {
    static TABLE: std::sync::OnceLock<Vec<Class>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| load().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    fn channel_of(name: &str, server: Option<&str>) -> Option<&'static str> {
        super::super::name_words::facts(name, server).channel
    }

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
