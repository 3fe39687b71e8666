//! Loading the policy a subcommand runs on: `--policy FILE` or the embedded default.

use std::path::Path;

use portcullis::{Diagnostic, Engine, Format};

/// The policy file's text and format.
pub fn read(path: &Path, format: Option<Format>) -> Result<(String, Format), String> {
    let format = format.or_else(|| Format::from_path(path)).ok_or_else(|| {
        format!(
            "cannot tell the format of {}: name it .json or .toml, or pass --format json|toml",
            path.display()
        )
    })?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read policy {}: {e}", path.display()))?;
    Ok((text, format))
}

/// The compiled engine for `--policy`, or the embedded default policy.
pub fn engine(path: Option<&Path>, format: Option<Format>) -> Result<Engine, String> {
    match path {
        None => Engine::default_policy()
            .map_err(|e| describe(Path::new("(default policy)"), e.diagnostics(), "")),
        Some(path) => {
            let (text, format) = read(path, format)?;
            let mut builder = Engine::builder().text(&text, format);
            if let Some(dir) = path.parent() {
                builder = builder.base_dir(dir);
            }
            builder
                .build()
                .map_err(|e| describe(path, e.diagnostics(), ""))
        }
    }
}

/// Every diagnostic, one per line, as `FILE:LINE:COLUMN: [label]path (rule `id`): message`.
/// A diagnostic about a base file names that file; one about a built-in
/// part names the policy and the part.
pub fn describe(path: &Path, diagnostics: &[Diagnostic], label: &str) -> String {
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let (file, part) = match &d.source {
                Some(source) if Format::from_path(Path::new(source)).is_some() => (
                    path.parent()
                        .unwrap_or(Path::new(""))
                        .join(source.trim_start_matches("./")),
                    String::new(),
                ),
                Some(source) => (path.to_path_buf(), format!("in `{source}`: ")),
                None => (path.to_path_buf(), String::new()),
            };
            let at = d
                .location
                .map(|l| format!("{}:{}:{}", file.display(), l.line, l.column))
                .unwrap_or_else(|| file.display().to_string());
            let label = format!("{label}{part}");
            let rule = d
                .rule
                .as_ref()
                .map(|r| format!(" (rule `{r}`)"))
                .unwrap_or_default();
            format!("{at}: {label}{}{rule}: {}", d.path, d.kind)
        })
        .collect();
    lines.join("\n")
}
