//! Making the default-policy snapshot (`src/defaults/snapshot.bin`).
//!
//! The snapshot (`crate::data::snapshot`) is what a process would compute
//! at start from the embedded default policy: its composed model, its
//! tables as JSON, and the literal gates of the regex sets compiling it
//! builds (`pattern::gates`). This is the one place that makes it, because
//! only the engine knows both the policy and the matchers its compilation
//! builds: it reads the parts
//! (`defaults::policy`), compiles them eagerly with every example checked
//! (a snapshot is never made of a policy that does not compile), records
//! every pattern list the compilation gives a regex set, and assembles the
//! sections with the hash of the inputs (`snapshot_inputs`) that `build.rs`
//! compares. `make snapshot` runs it (`examples/snapshot.rs`). Cost: a few
//! seconds, at development time only; nothing here is in a normal build's
//! code paths (it needs the `internals` feature).

use std::path::Path;

use super::EngineBuilder;
use crate::data::snapshot_inputs;

/// The snapshot file's bytes, made from the sources under `root` (the crate root).
pub(crate) fn make(root: &Path) -> Result<Vec<u8>, String> {
    let policy = crate::defaults::policy().map_err(|e| format!("the default policy: {e}"))?;
    let hash = super::compile::policy_hash(&policy);
    let (engine, lists) = crate::pattern::record::recording(|| {
        EngineBuilder::new()
            .policy(&policy)
            .check_examples(true)
            .build()
    });
    engine.map_err(|e| format!("the default policy does not compile: {e}"))?;
    let model = crate::policy::snapshot::encode(&policy, &hash)?;

    let mut texts = Vec::new();
    for (name, path) in snapshot_inputs::TABLES {
        let text = std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))?;
        texts.push((*name, text));
    }
    let named: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let tables = crate::data::encode_tables(&named)?;

    let automata = crate::pattern::gates::encode(&lists)?;

    let inputs =
        snapshot_inputs::inputs_hash(root).map_err(|e| format!("hashing the inputs: {e}"))?;
    Ok(crate::data::snapshot::assemble(
        inputs,
        [&model, &tables, &automata],
    ))
}
