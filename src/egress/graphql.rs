//! GraphQL documents: which operations a request runs and which top-level
//! fields each one selects.
//!
//! The call that deleted a production volume was one GraphQL mutation,
//! `volumeDelete`, sent to a provider's API. A rule about it needs the
//! operation type and the names of the fields at the top of its selection
//! set, the root fields the server executes, with aliases seen through
//! (`keep: volumeDelete` is `volumeDelete`) and fragments (`...F`, `... on
//! Mutation { … }`) expanded. Parsing uses `apollo-parser`, with a recursion
//! limit and a token limit so that a hostile document costs bounded time and
//! stack. A document with syntax errors is refused: a server may read it
//! differently than we would. [`documents`] finds the documents in a request:
//! the `query` member of a JSON body (or of each element of a batch), a
//! `application/graphql` body, or the `query` parameter of the URL.

use apollo_parser::cst;
use apollo_parser::Parser;
use rustc_hash::FxHashMap;
use serde_json::Value;

/// Deepest nesting the parser follows.
const RECURSION_LIMIT: usize = 64;
/// Most tokens the parser reads.
const TOKEN_LIMIT: usize = 50_000;
/// Most fragment expansions followed per operation.
const MAX_FRAGMENT_EXPANSIONS: usize = 256;
/// Most documents taken from one request (a batch).
pub const MAX_DOCUMENTS: usize = 64;

/// The type of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// `query` or the `{ … }` shorthand.
    Query,
    /// `mutation`.
    Mutation,
    /// `subscription`.
    Subscription,
}

impl OperationKind {
    #[cfg(test)]
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
            OperationKind::Subscription => "subscription",
        }
    }
}

/// One operation of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Its type.
    pub kind: OperationKind,
    /// The names (not aliases) of its root fields, fragments expanded.
    pub fields: Vec<String>,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("GraphQL document could not be read: {0}")]
pub struct GraphqlError(pub String);

/// The operations of a GraphQL document.
pub fn operations(document: &str) -> Result<Vec<Operation>, GraphqlError> {
    let tree = Parser::new(document)
        .recursion_limit(RECURSION_LIMIT)
        .token_limit(TOKEN_LIMIT)
        .parse();
    if let Some(error) = tree.errors().next() {
        return Err(GraphqlError(error.message().to_owned()));
    }
    let doc = tree.document();
    let mut fragments = FxHashMap::default();
    for definition in doc.definitions() {
        if let cst::Definition::FragmentDefinition(fragment) = definition {
            let name = fragment
                .fragment_name()
                .and_then(|n| n.name())
                .and_then(|n| n.ident_token());
            if let (Some(name), Some(set)) = (name, fragment.selection_set()) {
                fragments.insert(name.text().to_owned(), set);
            }
        }
    }
    let mut out = Vec::new();
    for definition in doc.definitions() {
        let cst::Definition::OperationDefinition(op) = definition else {
            continue;
        };
        let kind = match op.operation_type() {
            None => OperationKind::Query,
            Some(t) if t.mutation_token().is_some() => OperationKind::Mutation,
            Some(t) if t.subscription_token().is_some() => OperationKind::Subscription,
            Some(_) => OperationKind::Query,
        };
        let mut fields = Vec::new();
        let mut budget = MAX_FRAGMENT_EXPANSIONS;
        if let Some(set) = op.selection_set() {
            root_fields(&set, &fragments, &mut fields, &mut budget)?;
        }
        out.push(Operation { kind, fields });
    }
    Ok(out)
}

fn root_fields(
    set: &cst::SelectionSet,
    fragments: &FxHashMap<String, cst::SelectionSet>,
    out: &mut Vec<String>,
    budget: &mut usize,
) -> Result<(), GraphqlError> {
    for selection in set.selections() {
        match selection {
            cst::Selection::Field(field) => {
                if let Some(name) = field.name().and_then(|n| n.ident_token()) {
                    out.push(name.text().to_owned());
                }
            }
            cst::Selection::InlineFragment(inline) => {
                if let Some(inner) = inline.selection_set() {
                    spend(budget)?;
                    root_fields(&inner, fragments, out, budget)?;
                }
            }
            cst::Selection::FragmentSpread(spread) => {
                let name = spread
                    .fragment_name()
                    .and_then(|n| n.name())
                    .and_then(|n| n.ident_token());
                let Some(name) = name else { continue };
                let Some(inner) = fragments.get(name.text()) else {
                    return Err(GraphqlError(format!(
                        "fragment `{}` is not defined",
                        name.text()
                    )));
                };
                spend(budget)?;
                root_fields(inner, fragments, out, budget)?;
            }
        }
    }
    Ok(())
}

fn spend(budget: &mut usize) -> Result<(), GraphqlError> {
    *budget = budget.checked_sub(1).ok_or_else(|| {
        GraphqlError(format!(
            "more than {MAX_FRAGMENT_EXPANSIONS} fragment expansions (a fragment cycle?)"
        ))
    })?;
    Ok(())
}

/// True when a request to `path` with `content_type` may be a GraphQL
/// request whatever its body: a path segment names GraphQL (`/graphql`,
/// `/v1/graphql`, `/graphql/v2`, `graphql.json`) or the content type does.
/// A body that is not known (from a file) is then one GraphQL tests cannot
/// answer; to any other endpoint it is no GraphQL request.
pub fn may_be_graphql(path: &str, content_type: Option<&str>) -> bool {
    path.split('/')
        .any(|segment| segment.to_ascii_lowercase().contains("graphql"))
        || content_type.is_some_and(|t| t.to_ascii_lowercase().contains("graphql"))
}

/// The GraphQL documents a request carries: the `query` member of a JSON
/// body object or of each object of a JSON batch, a body of type
/// `application/graphql` (or a non-JSON body that starts with an operation
/// keyword), and the `query` parameter of the URL. At most [`MAX_DOCUMENTS`].
pub fn documents<'a>(
    json: Option<&'a Value>,
    body: Option<&'a str>,
    content_type: Option<&str>,
    url_query: Option<&'a str>,
) -> Vec<std::borrow::Cow<'a, str>> {
    let mut out: Vec<std::borrow::Cow<'a, str>> = Vec::new();
    let query_of = |v: &'a Value| v.get("query").and_then(Value::as_str);
    match json {
        Some(Value::Array(batch)) => out.extend(batch.iter().filter_map(query_of).map(Into::into)),
        Some(object) => out.extend(query_of(object).map(Into::into)),
        None => {
            if let Some(body) = body {
                let is_graphql = content_type.is_some_and(|t| {
                    t.trim()
                        .to_ascii_lowercase()
                        .starts_with("application/graphql")
                });
                let trimmed = body.trim_start();
                let starts_like = ["query", "mutation", "subscription", "fragment"]
                    .iter()
                    .any(|k| trimmed.starts_with(k));
                if is_graphql || starts_like {
                    out.push(body.into());
                }
            }
        }
    }
    if let Some(query) = url_query {
        out.extend(
            url::form_urlencoded::parse(query.as_bytes())
                .filter(|(k, _)| k == "query")
                .map(|(_, v)| std::borrow::Cow::Owned(v.into_owned())),
        );
    }
    out.truncate(MAX_DOCUMENTS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(doc: &str) -> Vec<(OperationKind, Vec<String>)> {
        operations(doc)
            .unwrap()
            .into_iter()
            .map(|o| (o.kind, o.fields))
            .collect()
    }

    #[test]
    fn root_fields_see_through_aliases_and_fragments() {
        let doc = "mutation M { keep: volumeDelete(id: \"v\") ...F ... on Mutation { serviceDelete(id: 1) } } fragment F on Mutation { projectDelete(id: 2) }";
        assert_eq!(
            fields(doc),
            vec![(
                OperationKind::Mutation,
                vec![
                    "volumeDelete".into(),
                    "projectDelete".into(),
                    "serviceDelete".into()
                ]
            )]
        );
        assert_eq!(
            fields("{ me { id } }"),
            vec![(OperationKind::Query, vec!["me".into()])]
        );
    }

    #[test]
    fn broken_cyclic_and_deep_documents_are_refused() {
        assert!(operations("mutation { volumeDelete(").is_err());
        assert!(operations("mutation { ...A } fragment A on M { ...A }").is_err());
        let deep = format!("query {}{}", "{ a ".repeat(500), "}".repeat(500));
        assert!(operations(&deep).is_err());
    }

    #[test]
    fn graphql_endpoints_are_named_by_path_or_content_type() {
        for path in ["/graphql", "/v1/graphql", "/graphql/v2", "/admin/api/2024-01/graphql.json"] {
            assert!(may_be_graphql(path, None), "{path}");
        }
        assert!(may_be_graphql("/api", Some("application/graphql")));
        assert!(!may_be_graphql("/repos/o/r/issues/1/comments", Some("application/json")));
    }

    #[test]
    fn documents_come_from_json_batches_raw_bodies_and_urls() {
        let json: Value =
            serde_json::from_str(r#"[{"query":"mutation { a }"},{"query":"{ b }"}]"#).unwrap();
        assert_eq!(documents(Some(&json), None, None, None).len(), 2);
        assert_eq!(documents(None, Some("mutation { x }"), None, None).len(), 1);
        assert_eq!(documents(None, Some("hello"), None, None).len(), 0);
        let docs = documents(None, None, None, Some("query=mutation%20%7B%20x%20%7D"));
        assert_eq!(docs, vec![std::borrow::Cow::Borrowed("mutation { x }")]);
    }
}
