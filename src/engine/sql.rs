//! SQL rules on SQL text, wherever it comes from.
//!
//! SQL reaches the engine from a database client's command line (`psql -c`,
//! a heredoc), a tool call's `query` argument, or a request body; each is
//! classified statement by statement (`sql::classify`) and matched by the
//! policy's `sql` rules, so a `DROP TABLE` is judged alike on every channel.
//! Unterminated literals make the text uncertain: at least `ask`; SQL
//! holding a NUL byte is denied (a C string ends there, so a driver would
//! run less than was checked). Cost: one
//! classification of the text, and one test per SQL rule per statement.

use std::sync::Arc;

use super::combine::{About, Verdict};
use super::compile::Compiled;
use super::rbac::Who;
use crate::effect::Effect;

/// Adds the verdicts of the SQL rules on every statement of `sql`; each is
/// about `about`. Unterminated literals make the text
/// uncertain: at least `ask`; a NUL byte anywhere in it denies it.
pub(super) fn sql_verdicts<'c>(
    compiled: &'c Compiled,
    who: &mut Who<'c>,
    sql: &str,
    about: About,
    verdicts: &mut Vec<Verdict>,
) {
    // Whatever the SQL rules, SQL holding a NUL byte is refused: a driver
    // handed it as a C string runs only what comes before.
    if let Some(at) = memchr::memchr(0, sql.as_bytes()) {
        verdicts.push(
            Verdict::other(
                Effect::Deny,
                super::command::nul_reason("the SQL", at).into(),
            )
            .about(about),
        );
        return;
    }
    if !compiled.has_sql_rules() {
        return;
    }
    let classified = crate::sql::classify(sql);
    let rbac = &compiled.rbac;
    let inert = rbac.is_inert();
    let start = verdicts.len();
    for statement in &classified.statements {
        for (tag, matcher) in compiled.sql_rules() {
            if !matcher.matches(statement)
                || verdicts
                    .get(start..)
                    .is_some_and(|v| v.iter().any(|x| x.rule == Some(*tag)))
            {
                continue;
            }
            let Some(rule) = compiled.rule(*tag) else {
                continue;
            };
            if !inert && !rbac.applies(*tag, who, rule.effect) {
                continue;
            }
            let mut v = Verdict::rule(*tag, rule.effect);
            v.about = about;
            verdicts.push(v);
        }
    }
    if classified.unterminated || classified.truncated {
        let mut v = Verdict::other(
            Effect::Ask,
            Arc::from("the SQL has an unterminated string, identifier or comment, or too many statements: it may hide more than could be read"),
        );
        v.about = about;
        verdicts.push(v);
    }
}
