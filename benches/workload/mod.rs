//! The shared benchmark workload (`gen_workload.py`, a copy of the team's
//! `shared/bench/gen_workload.py`): generated into `target/workload/` on
//! first use with `python3` (stdlib only, fixed seed, so the same bytes
//! every time), then read from there.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// `target/workload/<name>.json`, generated when missing.
pub fn load(name: &str) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/workload");
    let file = dir.join(format!("{name}.json"));
    if !file.exists() {
        let status = Command::new("python3")
            .arg(root.join("benches/workload/gen_workload.py"))
            .arg(&dir)
            .status()
            .expect("python3 is needed to generate the benchmark workload");
        assert!(status.success(), "gen_workload.py failed");
    }
    let text = std::fs::read_to_string(&file).expect("reading the workload");
    serde_json::from_str(&text).expect("the workload is JSON")
}
