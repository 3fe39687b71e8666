//! The SQL classifier on real statements: every line of
//! `tests/data/sql/statements.tsv` (PostgreSQL, MySQL, SQLite) is classified
//! as recorded, and, on every statement `sqlparser` also parses, the kind
//! equals the one derived from `sqlparser`'s AST (a reference written
//! against the AST, not against our tokens).

mod common;

use portcullis::sql::{classify, Kind};
use sqlparser::ast::{BinaryOperator, CopyTarget, Expr, MergeAction, SetExpr, Statement};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

struct Case {
    line: usize,
    dialect: String,
    kind: String,
    sql: String,
}

fn corpus() -> Vec<Case> {
    common::read("sql/statements.tsv")
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.starts_with("dialect\t") && !l.trim().is_empty())
        .map(|(i, l)| {
            let mut cols = l.splitn(3, '\t');
            let (Some(dialect), Some(kind), Some(sql)) = (cols.next(), cols.next(), cols.next())
            else {
                panic!("line {}: expected dialect<TAB>kind<TAB>statement", i + 1)
            };
            Case {
                line: i + 1,
                dialect: dialect.into(),
                kind: kind.into(),
                sql: sql.replace("\\n", "\n"),
            }
        })
        .collect()
}

#[test]
fn the_corpus_is_large_and_covers_every_kind_and_dialect() {
    let cases = corpus();
    assert!(cases.len() >= 150, "{} statements", cases.len());
    for kind in Kind::ALL {
        assert!(
            cases.iter().any(|c| c.kind == kind.as_str()),
            "no `{}` statement",
            kind.as_str()
        );
    }
    for d in ["postgres", "mysql", "sqlite"] {
        assert!(
            cases.iter().filter(|c| c.dialect == d).count() >= 25,
            "few {d} statements"
        );
    }
}

#[test]
fn every_statement_is_classified_as_recorded() {
    let mut failures = Vec::new();
    for c in corpus() {
        let got = classify(&c.sql);
        let kinds: Vec<&str> = got.statements.iter().map(|s| s.kind.as_str()).collect();
        if kinds != [c.kind.as_str()] || got.unterminated {
            failures.push(format!(
                "line {} ({}): {:?} → {kinds:?}, expected {}",
                c.line, c.dialect, c.sql, c.kind
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn branches(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Or,
            right,
        } => {
            let mut out = branches(left);
            out.extend(branches(right));
            out
        }
        Expr::Nested(inner) => branches(inner),
        other => vec![other],
    }
}

/// All rows: no condition, or an `OR` branch naming no identifier (nor a
/// placeholder), or a branch `x = x`.
fn all_rows(selection: &Option<Expr>) -> bool {
    let Some(e) = selection else { return true };
    branches(e).into_iter().any(|b| {
        let text = format!("{b:?}");
        let constant = !text.contains("Identifier(") && !text.contains("Placeholder(");
        let tautology =
            matches!(b, Expr::BinaryOp { left, op: BinaryOperator::Eq, right } if left == right);
        constant || tautology
    })
}

/// The kind a statement has, read off `sqlparser`'s AST; `None` for
/// statements the classifier does not distinguish.
fn reference(s: &Statement) -> Option<Kind> {
    let variant = format!("{s:?}");
    let variant = variant
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_owned();
    Some(match s {
        Statement::Query(q) => {
            let body = match &*q.body {
                SetExpr::Delete(inner)
                | SetExpr::Update(inner)
                | SetExpr::Insert(inner)
                | SetExpr::Merge(inner) => reference(inner)?,
                _ => Kind::Read,
            };
            // A data-changing statement in a `WITH` body counts when more severe.
            let ctes = q.with.iter().flat_map(|w| &w.cte_tables);
            ctes.filter_map(|cte| reference(&Statement::Query(cte.query.clone())))
                .fold(body, Kind::max)
        }
        Statement::Merge(m) => {
            let all = all_rows(&Some((*m.on).clone()));
            m.clauses
                .iter()
                .map(|c| match (&c.action, all) {
                    (MergeAction::Delete { .. }, true) => Kind::DeleteAll,
                    (MergeAction::Delete { .. }, false) => Kind::Delete,
                    (MergeAction::Update(_), true) => Kind::UpdateAll,
                    (MergeAction::Update(_), false) => Kind::Update,
                    _ => Kind::Write,
                })
                .fold(Kind::Write, Kind::max)
        }
        Statement::Copy { target, .. } => match target {
            CopyTarget::Program { .. } => Kind::Program,
            CopyTarget::File { .. } => Kind::File,
            _ => Kind::Write,
        },
        Statement::AttachDatabase { .. } | Statement::LoadData { .. } => Kind::File,
        Statement::Delete(d) => {
            if all_rows(&d.selection) {
                Kind::DeleteAll
            } else {
                Kind::Delete
            }
        }
        Statement::Update(u) => {
            if all_rows(&u.selection) {
                Kind::UpdateAll
            } else {
                Kind::Update
            }
        }
        Statement::Explain {
            analyze,
            statement,
            options,
            ..
        } => {
            if *analyze || options.is_some() {
                return None;
            }
            let _ = statement;
            Kind::Read
        }
        Statement::AlterTable(a) => {
            if a.operations
                .iter()
                .any(|op| format!("{op:?}").starts_with("Drop"))
            {
                Kind::AlterDrop
            } else {
                Kind::Ddl
            }
        }
        _ if variant.starts_with("Drop") => Kind::Drop,
        _ if variant == "Truncate" => Kind::Truncate,
        _ if variant == "Grant" => Kind::Grant,
        _ if variant == "Revoke" => Kind::Revoke,
        _ if variant == "Insert" => Kind::Write,
        _ if variant.starts_with("Create")
            || variant == "Comment"
            || variant.starts_with("Rename") =>
        {
            Kind::Ddl
        }
        _ if variant.starts_with("Show") || variant == "ExplainTable" => Kind::Read,
        _ => return None,
    })
}

fn dialect(name: &str) -> Box<dyn Dialect> {
    match name {
        "postgres" => Box::new(PostgreSqlDialect {}),
        "mysql" => Box::new(MySqlDialect {}),
        "sqlite" => Box::new(SQLiteDialect {}),
        _ => Box::new(GenericDialect {}),
    }
}

#[test]
fn kinds_equal_sqlparser_on_statements_both_read() {
    let mut compared = 0;
    let mut failures = Vec::new();
    for c in corpus() {
        let Ok(parsed) = Parser::parse_sql(&*dialect(&c.dialect), &c.sql) else {
            continue;
        };
        let [statement] = parsed.as_slice() else {
            continue;
        };
        let Some(want) = reference(statement) else {
            continue;
        };
        compared += 1;
        let ours = classify(&c.sql);
        let got = ours.statements.first().map(|s| s.kind);
        if got != Some(want) {
            failures.push(format!(
                "line {}: {:?}: ours {got:?}, sqlparser {want:?}",
                c.line, c.sql
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 120, "only {compared} statements compared");
    eprintln!("{compared} statements compared with sqlparser");
}
