//! Running the `emotui` binary from integration tests, as a user runs it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs emotui with `args` in the repository.
pub fn emotui(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emotui"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run emotui")
}

/// stdout and stderr as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
