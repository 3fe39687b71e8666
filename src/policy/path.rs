//! Field paths such as `egress[3].cidrs[1]`.
//!
//! Every policy diagnostic names the field it is about, in the same notation
//! for JSON and TOML, so that a user can find it in either. A path is a short
//! vector of segments; building one costs an allocation per segment, which is
//! paid only while reading a policy, never while deciding.

use std::fmt;

/// One step into a document: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A field of an object (a table in TOML).
    Key(String),
    /// An element of an array.
    Index(usize),
}

/// The location of a field inside a policy document, independent of its format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The document root.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// This path extended by an object key.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        FieldPath(segments)
    }

    /// This path extended by an array index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        FieldPath(segments)
    }

    /// This path followed by `tail`.
    pub fn join(&self, tail: &FieldPath) -> Self {
        let mut segments = self.0.clone();
        segments.extend(tail.0.iter().cloned());
        FieldPath(segments)
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub(crate) fn from_segments(segments: Vec<Segment>) -> Self {
        FieldPath(segments)
    }

    /// True for the document root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_field_accessors() {
        let path = FieldPath::root()
            .key("egress")
            .index(3)
            .key("cidrs")
            .index(1);
        assert_eq!(path.to_string(), "egress[3].cidrs[1]");
        assert_eq!(FieldPath::root().to_string(), "(document)");
    }
}
