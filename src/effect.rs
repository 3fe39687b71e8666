//! The three answers Portcullis gives, ordered by severity.
//!
//! `Allow < Ask < Deny`: when several rules match, the most severe one decides
//! (deny beats ask beats allow). The derived `Ord` *is* that order, so
//! combining verdicts is a `max`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What to do with a request.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Let it through.
    Allow,
    /// Ask a human first.
    Ask,
    /// Refuse it. The default: what is not decided is refused.
    #[default]
    Deny,
}

impl Effect {
    /// The lowercase name used in policies and decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Ask => "ask",
            Effect::Deny => "deny",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Effect {
    type Err = ();

    /// Parses `allow`, `ask` or `deny`, exactly (policies are case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(Effect::Allow),
            "ask" => Ok(Effect::Ask),
            "deny" => Ok(Effect::Deny),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_beats_ask_beats_allow() {
        assert!(Effect::Deny > Effect::Ask);
        assert!(Effect::Ask > Effect::Allow);
        assert_eq!(Effect::Allow.max(Effect::Deny), Effect::Deny);
    }
}
