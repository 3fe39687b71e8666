//! SQL: what a statement would do, for rules that match on statement kinds
//! and object names.
//!
//! SQL reaches an agent's actions through database tools (`execute_sql`),
//! database clients in commands (`psql -c`, `mysql -e`, heredocs) and HTTP
//! bodies. [`lexer`] tokenizes with the dialects' quoting rules (PostgreSQL,
//! MySQL, SQLite); [`classify`](mod@classify) splits statements and names their kind
//! (`drop`, `truncate`, `program`, `file`, `delete-all`, `update-all`, `alter-drop`, `grant`,
//! `revoke`, `ddl`, `write`, `delete`, `update`, `read`, `other`) and the
//! objects they touch. It knows nothing of policies. The matcher side:
//! [`rule`] (`StatementRule`, the SQL rule as data) and [`matcher`].

pub mod classify;
pub mod lexer;
pub mod matcher;
pub mod rule;

pub use classify::{classify, Classified, Kind, Statement, MAX_STATEMENTS};
pub use matcher::SqlMatcher;
pub use rule::StatementRule;
