//! Policy text in, a format-independent value tree out, and locations back.
//!
//! JSON is read by `serde_json` (strict RFC 8259, nesting bounded at 128) and
//! TOML by the `toml` crate, both into one `serde_json::Value` tree that the
//! reader then walks. Neither keeps source positions in that tree, so
//! locations are recovered on demand by [`Locator`], which re-parses the text
//! with a span-keeping parser (`jsonc-parser` for JSON, `toml`'s `DeTable` for
//! TOML) and maps each field path to its line and column. That second parse
//! runs only when there is something to report, and only on text the strict
//! parser has already accepted, so its own recursion is bounded too.
//!
//! JSON objects with a repeated key are refused: `serde_json` would silently
//! keep the last one, which in a security policy is a trap.

use std::collections::HashMap;
use std::path::Path;

use jsonc_parser::ast::Value as JsonNode;
use serde_json::Value;
use toml::de::{DeTable, DeValue};

use super::error::{Diagnostic, ErrorKind, Location, PolicyError};
use super::path::FieldPath;

/// The largest policy text accepted, in bytes (64 MiB).
pub const MAX_POLICY_BYTES: usize = 64 << 20;

/// The text format of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON, the canonical format.
    Json,
    /// TOML, the same model.
    Toml,
}

impl Format {
    /// The format a file name implies: `.json` or `.toml` (any case).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }
}

/// Parses policy text into a value tree, or reports the syntax error with its location.
pub(crate) fn parse(text: &str, format: Format) -> Result<Value, PolicyError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::one(Diagnostic::new(
            FieldPath::root(),
            ErrorKind::Limit(format!(
                "policy text is {} bytes; the maximum is {MAX_POLICY_BYTES}",
                text.len()
            )),
        )));
    }
    match format {
        Format::Json => parse_json(text),
        Format::Toml => parse_toml(text),
    }
    .map_err(PolicyError::one)
}

fn parse_json(text: &str) -> Result<Value, Box<Diagnostic>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let mut d = Diagnostic::new(FieldPath::root(), ErrorKind::Syntax(json_message(&e)));
        if e.line() > 0 {
            d.location = Some(Location {
                line: e.line(),
                column: e.column(),
            });
        }
        Box::new(d)
    })?;
    // serde_json accepted the text, so it is strict JSON nested at most 128 deep.
    if let Some(root) = json_ast(text) {
        if let Some(d) = find_duplicate_key(&root, &FieldPath::root(), text) {
            return Err(Box::new(d));
        }
    }
    Ok(value)
}

/// serde_json appends " at line L column C" to its messages; the location is reported separately.
fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(at) => full.get(..at).unwrap_or(&full).to_owned(),
        None => full,
    }
}

fn json_ast(text: &str) -> Option<JsonNode<'_>> {
    let strict = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    jsonc_parser::parse_to_ast(text, &Default::default(), &strict)
        .ok()?
        .value
}

fn find_duplicate_key(node: &JsonNode<'_>, path: &FieldPath, text: &str) -> Option<Diagnostic> {
    match node {
        JsonNode::Object(object) => {
            let mut seen = std::collections::HashSet::new();
            for prop in &object.properties {
                let name = prop.name.as_str();
                let child = path.key(name);
                if !seen.insert(name) {
                    let mut d = Diagnostic::new(child, ErrorKind::DuplicateKey(name.to_owned()));
                    d.location = Some(offset_to_location(text, prop.range.start));
                    return Some(d);
                }
                if let Some(d) = find_duplicate_key(&prop.value, &child, text) {
                    return Some(d);
                }
            }
            None
        }
        JsonNode::Array(array) => array
            .elements
            .iter()
            .enumerate()
            .find_map(|(i, element)| find_duplicate_key(element, &path.index(i), text)),
        _ => None,
    }
}

fn parse_toml(text: &str) -> Result<Value, Box<Diagnostic>> {
    toml::from_str::<Value>(text).map_err(|e| {
        let mut d = Diagnostic::new(
            FieldPath::root(),
            ErrorKind::Syntax(e.message().trim().to_owned()),
        );
        d.location = e.span().map(|span| offset_to_location(text, span.start));
        Box::new(d)
    })
}

/// Converts a byte offset into a 1-based line and character column.
pub(crate) fn offset_to_location(text: &str, offset: usize) -> Location {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = text.get(..end).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    Location { line, column }
}

/// Maps field paths to their line and column in the policy text.
///
/// Built on the first lookup: one span-keeping parse of the whole text and a
/// hash map from each field path to the byte offset where the field starts
/// (its key, for object fields; the element, for array elements).
pub(crate) struct Locator<'a> {
    text: &'a str,
    format: Format,
    offsets: Option<HashMap<FieldPath, usize>>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(text: &'a str, format: Format) -> Self {
        Locator {
            text,
            format,
            offsets: None,
        }
    }

    /// The location of `path`, or of its nearest ancestor present in the text.
    pub(crate) fn locate(&mut self, path: &FieldPath) -> Option<Location> {
        let text = self.text;
        let format = self.format;
        let offsets = self
            .offsets
            .get_or_insert_with(|| index_offsets(text, format));
        let segments = path.segments();
        (0..=segments.len()).rev().find_map(|n| {
            let prefix = FieldPath::from_segments(segments.iter().take(n).cloned().collect());
            offsets
                .get(&prefix)
                .map(|&offset| offset_to_location(text, offset))
        })
    }

    /// Fills in the location of every diagnostic that has none.
    pub(crate) fn locate_all(&mut self, diagnostics: &mut [Diagnostic]) {
        // A diagnostic about a base's rule is not about this text.
        for d in diagnostics.iter_mut() {
            if d.location.is_none() && d.source.is_none() {
                d.location = self.locate(&d.path);
            }
        }
    }
}

fn index_offsets(text: &str, format: Format) -> HashMap<FieldPath, usize> {
    let mut offsets = HashMap::new();
    match format {
        Format::Json => {
            if let Some(root) = json_ast(text) {
                offsets.insert(FieldPath::root(), 0);
                index_json(&root, &FieldPath::root(), &mut offsets);
            }
        }
        Format::Toml => {
            if let Ok(root) = DeTable::parse(text) {
                offsets.insert(FieldPath::root(), 0);
                index_toml_table(root.get_ref(), &FieldPath::root(), &mut offsets);
            }
        }
    }
    offsets
}

fn index_json(node: &JsonNode<'_>, path: &FieldPath, offsets: &mut HashMap<FieldPath, usize>) {
    match node {
        JsonNode::Object(object) => {
            for prop in &object.properties {
                let child = path.key(prop.name.as_str());
                offsets.insert(child.clone(), prop.range.start);
                index_json(&prop.value, &child, offsets);
            }
        }
        JsonNode::Array(array) => {
            for (i, element) in array.elements.iter().enumerate() {
                let child = path.index(i);
                offsets.insert(child.clone(), jsonc_parser::common::Ranged::start(element));
                index_json(element, &child, offsets);
            }
        }
        _ => {}
    }
}

fn index_toml_table(
    table: &DeTable<'_>,
    path: &FieldPath,
    offsets: &mut HashMap<FieldPath, usize>,
) {
    for (key, value) in table.iter() {
        let child = path.key(key.get_ref());
        offsets.insert(child.clone(), key.span().start);
        index_toml_value(value.get_ref(), &child, offsets);
    }
}

fn index_toml_value(
    value: &DeValue<'_>,
    path: &FieldPath,
    offsets: &mut HashMap<FieldPath, usize>,
) {
    match value {
        DeValue::Table(table) => index_toml_table(table, path, offsets),
        DeValue::Array(array) => {
            for (i, element) in array.iter().enumerate() {
                let child = path.index(i);
                offsets.insert(child.clone(), element.span().start);
                index_toml_value(element.get_ref(), &child, offsets);
            }
        }
        _ => {}
    }
}
