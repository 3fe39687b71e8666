//! Building an engine: where the policy comes from and how much is checked
//! and built up front.
//!
//! An [`EngineBuilder`] names one source — policy text in a format, a file
//! (format by extension, `extends` resolved from its directory), an
//! already-validated [`Policy`], or the built-in default parts — and the
//! choices that trade start-up time for checking: lint warnings (the
//! pairwise egress checks are quadratic, so off unless asked), rule
//! examples (each rule's `examples` decided and compared, on by default),
//! and deferred automata (each regex automaton built on its first use
//! instead of at build time, for a process that makes one decision, such as
//! a coding-agent hook; off by default). Every error carries its line and
//! column in the text, or names the base it is in. The shortcuts
//! [`Engine::from_json`], [`Engine::from_toml`], [`Engine::from_file`] and
//! [`Engine::default_policy`] are this builder with its defaults. Cost:
//! reading and validating the policy, compiling it (linear in its size plus
//! regex compilation), and running the examples when checked. The built-in
//! policy unchecked is decoded from the default-policy snapshot instead of
//! read (`policy::snapshot`), and with deferred automata compiled section by
//! section as decisions reach them.

use std::path::Path;

use super::{compile, examples, lint, Engine};
use crate::policy::{Diagnostic, ErrorKind, FieldPath, Format, Policy, PolicyError};

/// Where the policy comes from.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Text(&'a str, Format),
    File(&'a Path),
    Policy(&'a Policy),
    BuiltIn,
}

/// Builds an [`Engine`] (see the module docs).
///
/// ```
/// use portcullis::{Engine, Format};
///
/// let policy = r#"{"version": 1, "commands": [{"id": "no-rm", "effect": "deny", "program": ["rm"]}]}"#;
/// let (engine, warnings) = Engine::builder()
///     .text(policy, Format::Json)
///     .lint(true)
///     .build_with_warnings()?;
/// assert!(warnings.is_empty());
/// assert_eq!(engine.check_command("rm -rf /").rule.as_deref(), Some("no-rm"));
/// # Ok::<(), portcullis::PolicyError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct EngineBuilder<'a> {
    source: Source<'a>,
    base_dir: Option<&'a Path>,
    lint: bool,
    check_examples: bool,
    defer_automata: bool,
}

impl Default for EngineBuilder<'_> {
    fn default() -> Self {
        EngineBuilder {
            source: Source::BuiltIn,
            base_dir: None,
            lint: false,
            check_examples: true,
            defer_automata: false,
        }
    }
}

impl<'a> EngineBuilder<'a> {
    /// A builder for the built-in default policy, with examples checked.
    pub fn new() -> Self {
        EngineBuilder::default()
    }

    /// Policy text in `format`. `extends` may name built-in bases, and
    /// relative paths only with [`EngineBuilder::base_dir`].
    pub fn text(mut self, text: &'a str, format: Format) -> Self {
        self.source = Source::Text(text, format);
        self
    }

    /// A policy file, JSON or TOML by its extension; relative `extends` are
    /// read from its directory unless [`EngineBuilder::base_dir`] says otherwise.
    pub fn file(mut self, path: &'a Path) -> Self {
        self.source = Source::File(path);
        self
    }

    /// An already-validated and resolved policy.
    pub fn policy(mut self, policy: &'a Policy) -> Self {
        self.source = Source::Policy(policy);
        self
    }

    /// The built-in default policy (`src/defaults/`): decoded from the
    /// default-policy snapshot when examples are not checked (the snapshot
    /// does not keep them), read from its parts otherwise.
    pub fn built_in(mut self) -> Self {
        self.source = Source::BuiltIn;
        self
    }

    /// The directory relative `extends` are read from.
    pub fn base_dir(mut self, dir: &'a Path) -> Self {
        self.base_dir = Some(dir);
        self
    }

    /// Computes lint warnings ([`EngineBuilder::build_with_warnings`]):
    /// things that compile but probably do not do what was meant (a flag
    /// the program does not have, a shadowed rule, a rule replaced from a
    /// base). Off by default.
    pub fn lint(mut self, on: bool) -> Self {
        self.lint = on;
        self
    }

    /// Decides every rule's examples and refuses the policy when one is not
    /// decided as it says. On by default.
    pub fn check_examples(mut self, on: bool) -> Self {
        self.check_examples = on;
        self
    }

    /// Builds each regex automaton on its first use instead of now, and the
    /// policy hash when first asked for: the start-up of a process that
    /// makes a few decisions. Use it only for policies whose automata are
    /// known to build (the built-in one is built eagerly by the test
    /// suite): a set that fails to build later matches nothing. Off by
    /// default.
    pub fn defer_automata(mut self, on: bool) -> Self {
        self.defer_automata = on;
        self
    }

    /// Builds the engine.
    pub fn build(self) -> Result<Engine, PolicyError> {
        self.lint(false)
            .build_with_warnings()
            .map(|(engine, _)| engine)
    }

    /// Builds the engine and returns it with its lint warnings (none unless
    /// [`EngineBuilder::lint`] is on), located like errors.
    pub fn build_with_warnings(self) -> Result<(Engine, Vec<Diagnostic>), PolicyError> {
        let owned;
        let (text, format, dir) = match self.source {
            Source::Text(text, format) => (text, format, self.base_dir),
            Source::File(path) => {
                let (text, format) = read_policy_file(path)?;
                owned = text;
                (owned.as_str(), format, self.base_dir.or(path.parent()))
            }
            Source::Policy(policy) => return self.compile(policy.clone(), None),
            // The snapshot's policy is the parts' policy, read and composed
            // at development time (`policy::snapshot`), but for the rules'
            // examples: a build that checks them, or one without a current
            // snapshot, reads the parts now. Deferred, without lint, each
            // section of the snapshot is decoded when it is first built.
            Source::BuiltIn => {
                let snapshot = (!self.check_examples)
                    .then(crate::policy::builtin::lazy_snapshot)
                    .flatten();
                return match snapshot {
                    Some((lazy, hash)) if self.defer_automata && !self.lint => {
                        Ok((compile::compile_snapshot(lazy, hash)?, Vec::new()))
                    }
                    Some((lazy, hash)) => match lazy.into_policy() {
                        Some(policy) => self.compile(policy, Some(hash)),
                        None => self.compile(crate::defaults::policy()?, None),
                    },
                    None => self.compile(crate::defaults::policy()?, None),
                };
            }
        };
        let policy = Policy::parse(text, format)?
            .resolve(dir)
            .map_err(|e| e.locate_in(text, format))?;
        let (engine, warnings) = self
            .compile(policy, None)
            .map_err(|e| e.locate_in(text, format))?;
        let located = PolicyError::new(warnings).locate_in(text, format);
        Ok((engine, located.diagnostics().to_vec()))
    }

    /// Compiles a resolved policy (whose hash is `hash`, when known);
    /// errors and warnings about rules from a base name that base.
    fn compile(
        &self,
        policy: Policy,
        hash: Option<String>,
    ) -> Result<(Engine, Vec<Diagnostic>), PolicyError> {
        let warnings = if self.lint {
            let mut out = policy.notes.clone();
            out.extend(lint::warnings(&policy));
            attribute_to_sources(PolicyError::new(out), &policy)
                .diagnostics()
                .to_vec()
        } else {
            Vec::new()
        };
        let engine = if self.defer_automata {
            let examples = self.check_examples.then(|| policy.clone());
            let engine = compile::compile_deferred(policy, hash)
                .map_err(|(e, policy)| attribute_to_sources(e, &policy))?;
            if let Some(policy) = examples {
                check_examples(&engine, &policy).map_err(|e| attribute_to_sources(e, &policy))?;
            }
            engine
        } else {
            let attribute = |e: PolicyError| attribute_to_sources(e, &policy);
            let engine = compile::compile(&policy, hash).map_err(attribute)?;
            if self.check_examples {
                check_examples(&engine, &policy).map_err(attribute)?;
            }
            engine
        };
        Ok((engine, warnings))
    }
}

fn check_examples(engine: &Engine, policy: &Policy) -> Result<(), PolicyError> {
    let failures = examples::check(engine, policy);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(PolicyError::new(failures))
    }
}

/// Reads a policy file and tells its format by its extension.
fn read_policy_file(path: &Path) -> Result<(String, Format), PolicyError> {
    let fail = |reason: String| {
        PolicyError::one(Diagnostic::new(
            FieldPath::root(),
            ErrorKind::BaseUnreadable {
                base: path.display().to_string(),
                reason,
            },
        ))
    };
    let format =
        Format::from_path(path).ok_or_else(|| fail("name the file .json or .toml".into()))?;
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    Ok((text, format))
}

/// Marks diagnostics about rules that came from a base with that base, so
/// they are not located in the including text.
fn attribute_to_sources(mut error: PolicyError, policy: &Policy) -> PolicyError {
    let source_of = |id: &str| {
        policy
            .metas()
            .find(|m| m.id == id)
            .and_then(|m| m.source.clone())
    };
    for d in error.diagnostics_mut() {
        if d.source.is_none() {
            if let Some(rule) = &d.rule {
                d.source = source_of(rule);
            }
        }
    }
    error
}
