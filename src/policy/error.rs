//! Policy errors that say exactly what is wrong and where.
//!
//! A [`PolicyError`] holds every [`Diagnostic`] found in a policy, not only the
//! first, so that `portcullis lint` can list them all at once. Each diagnostic
//! carries its class ([`ErrorKind`]), the field path (`egress[3].cidrs[1]`),
//! the id of the rule it belongs to when there is one, and the line and column
//! in the policy text when the policy came from text.

use std::fmt;

use super::path::FieldPath;

/// A 1-based line and column (in characters) inside policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What is wrong with a field. One variant per class of policy error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not valid JSON or TOML.
    #[error("syntax error: {0}")]
    Syntax(String),
    /// The same key appears twice in one JSON object.
    #[error("duplicate key `{0}` in the same object")]
    DuplicateKey(String),
    /// `version` is not a version this build reads.
    #[error("unsupported policy version {0}; this build reads version 1")]
    UnsupportedVersion(String),
    /// A field that the format does not define (often a typo).
    #[error("unknown field `{field}`; expected one of: {expected}")]
    UnknownField {
        /// The field as written.
        field: String,
        /// The fields allowed at this place.
        expected: String,
    },
    /// A required field is absent.
    #[error("missing required field `{0}`")]
    MissingField(&'static str),
    /// A field has the wrong JSON/TOML type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// The type the format wants here.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// An effect other than `allow`, `ask`, `deny`.
    #[error("invalid effect `{0}`; expected `allow`, `ask` or `deny`")]
    InvalidEffect(String),
    /// Two rules share an id.
    #[error("duplicate id `{id}`; first defined at {first}")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Path of the rule that defined it first.
        first: String,
    },
    /// A rule id that is empty, too long or contains whitespace or control characters.
    #[error("invalid rule id `{0}`: ids are 1 to 128 characters without whitespace or control characters")]
    InvalidId(String),
    /// A rule with no matcher at all would match everything by accident.
    #[error("rule has no matcher; set at least one of: {0}")]
    EmptyRule(&'static str),
    /// A list that is present but empty (omit the field to match anything).
    #[error("empty list; omit the field to match anything")]
    EmptyList,
    /// A CIDR that does not parse.
    #[error("invalid CIDR `{value}`: {reason}")]
    InvalidCidr {
        /// The CIDR as written.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A host pattern that is not a host name or `*.domain`.
    #[error("invalid host `{value}`: {reason}")]
    InvalidHost {
        /// The host as written.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A port outside 1..=65535.
    #[error("invalid port {0}; expected an integer from 1 to 65535")]
    InvalidPort(String),
    /// A port range that is not `"first-last"` with 1 ≤ first ≤ last ≤ 65535.
    #[error("invalid port range {0:?}; expected \"first-last\" with 1 ≤ first ≤ last ≤ 65535 (\"1024-65535\")")]
    InvalidPortRange(String),
    /// An HTTP method that is not an HTTP token.
    #[error("invalid method `{0}`; expected an HTTP method such as GET or POST")]
    InvalidMethod(String),
    /// A URL scheme that is not a scheme.
    #[error(
        "invalid scheme `{0}`; expected letters, digits, `+`, `-`, `.`, starting with a letter"
    )]
    InvalidScheme(String),
    /// A regular expression or glob that does not compile.
    #[error("invalid pattern `{pattern}`: {reason}")]
    InvalidPattern {
        /// The pattern as written.
        pattern: String,
        /// The compiler's explanation.
        reason: String,
    },
    /// A flag that does not start with `-`.
    #[error("invalid flag `{0}`; flags start with `-` and contain no spaces or `=`")]
    InvalidFlag(String),
    /// A `construct` the analyzer does not know.
    #[error("unknown construct `{0}`; expected `fork-bomb`")]
    UnknownConstruct(String),
    /// An egress rule's `made_by` that names no kind of request maker.
    #[error("unknown request maker `{0}`; expected one of: command, tool, request")]
    UnknownMaker(String),
    /// A `packages_near_popular` registry with no list of popular names.
    #[error("unknown package registry `{0}`; expected one of: pypi, npm, crates, rubygems, go")]
    UnknownEcosystem(String),
    /// A flag the program table does not know for the program (a warning).
    #[error("`{program}` has no flag `{flag}` in the program table; the rule may never match")]
    UnknownFlag {
        /// The flag as written.
        flag: String,
        /// The program.
        program: String,
    },
    /// A rule's example does not behave as the rule says.
    #[error("example {example:?} {expected}, but it {got}")]
    ExampleFailed {
        /// The example input.
        example: String,
        /// What the rule promised.
        expected: &'static str,
        /// What happened.
        got: String,
    },
    /// Fields of a rule that contradict each other.
    #[error("{0}")]
    Inconsistent(String),
    /// A wildcard host pattern that covers a public suffix (a warning).
    #[error(
        "`{pattern}` covers the public suffix `{suffix}`: every site registered under it matches"
    )]
    PublicSuffixWildcard {
        /// The pattern as given.
        pattern: String,
        /// The public suffix it covers.
        suffix: String,
    },
    /// A rule that can never match (a warning).
    #[error("{0}")]
    Unreachable(String),
    /// A rule that matches but never decides, or repeats another (a warning).
    #[error("{0}")]
    Shadowed(String),
    /// An `extends` entry that is neither a built-in base nor a relative path.
    #[error("unknown base `{0}`: expected `default`, a built-in part such as `packs/git` (see `portcullis packs`), or a relative path to a .json or .toml file")]
    UnknownBase(String),
    /// A base file that cannot be read.
    #[error("cannot read base `{base}`: {reason}")]
    BaseUnreadable {
        /// The base as written.
        base: String,
        /// Why.
        reason: String,
    },
    /// `extends` leads back to a file already being read.
    #[error("`extends` forms a cycle: {0}")]
    ExtendsCycle(String),
    /// A `disable` entry that removes nothing.
    #[error("`{0}` is neither the id of a rule of the bases nor a base or part they include")]
    NothingToDisable(String),
    /// A special-address rule would be disabled or replaced.
    #[error("{0}")]
    SpecialRule(String),
    /// A rule replaces a rule of a base by id (a note from `lint`).
    #[error("rule `{id}` replaces the rule of the same id from `{from}`")]
    ReplacedRule {
        /// The rule id.
        id: String,
        /// Where the replaced rule came from.
        from: String,
    },
    /// The policy exceeds a size bound.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// A role, environment or principal name that the policy does not define.
    #[error("unknown {what} `{name}`; defined: {defined}")]
    UnknownName {
        /// `role` or `environment`.
        what: &'static str,
        /// The name as written.
        name: String,
        /// The names the policy defines (comma-separated, or `none`).
        defined: String,
    },
    /// Roles that inherit from each other in a circle.
    #[error("role inheritance cycle: {0}")]
    RoleCycle(String),
    /// A role, binding or environment defined differently in a base and in
    /// the policy (or in two bases).
    #[error("{what} `{id}` is defined differently in {first} and here; definitions must agree")]
    ConflictingDefinition {
        /// `role`, `principal binding` or `environment`.
        what: &'static str,
        /// Its id.
        id: String,
        /// Where the other definition is.
        first: String,
    },
    /// Cedar policies or schema that Cedar refuses.
    #[error("cedar: {0}")]
    Cedar(String),
    /// Two environments claim the same target.
    #[error("environments overlap: {0}")]
    Overlap(String),
}

/// One problem in a policy: what, which field, which rule, where in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong.
    pub kind: ErrorKind,
    /// The field it is about.
    pub path: FieldPath,
    /// The id of the rule the field belongs to, when it belongs to one with a readable id.
    pub rule: Option<String>,
    /// Line and column in the policy text, when known.
    pub location: Option<Location>,
    /// The base file or part the problem is in, when it is not the policy itself.
    pub source: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(path: FieldPath, kind: ErrorKind) -> Self {
        Diagnostic {
            kind,
            path,
            rule: None,
            location: None,
            source: None,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            write!(f, "in `{source}`: ")?;
        }
        write!(f, "{}", self.path)?;
        if let Some(rule) = &self.rule {
            write!(f, " (rule `{rule}`)")?;
        }
        if let Some(location) = &self.location {
            write!(f, " at {location}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

/// A policy that cannot be compiled, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    diagnostics: Vec<Diagnostic>,
}

impl PolicyError {
    pub(crate) fn new(diagnostics: Vec<Diagnostic>) -> Self {
        PolicyError { diagnostics }
    }

    pub(crate) fn one(diagnostic: impl Into<Box<Diagnostic>>) -> Self {
        PolicyError::new(vec![*diagnostic.into()])
    }

    /// Every problem found, in document order of discovery. Never empty.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub(crate) fn diagnostics_mut(&mut self) -> &mut [Diagnostic] {
        &mut self.diagnostics
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diagnostics.as_slice() {
            [one] => write!(f, "invalid policy: {one}"),
            many => {
                write!(f, "invalid policy: {} errors", many.len())?;
                for diagnostic in many {
                    write!(f, "\n  {diagnostic}")?;
                }
                Ok(())
            }
        }
    }
}
