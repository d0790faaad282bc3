//! The project's own feed fixtures, and configuration files written for a test.

use std::path::{Path, PathBuf};

/// `tests/fixtures/feeds`.
pub fn feeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds")
}

/// A temporary folder holding copies of the named fixtures (so a test may change them).
pub fn served_copy(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in names {
        std::fs::copy(feeds_dir().join(name), dir.path().join(name)).expect("copy fixture");
    }
    dir
}

/// Writes `newshound.toml` with `body` into `dir`, after a `[storage]` table pointing at a
/// database inside `dir`. Returns the config's path.
pub fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("newshound.toml");
    let text = format!(
        "[storage]\npath = {:?}\n\n{body}",
        dir.join("newshound.db").display().to_string()
    );
    std::fs::write(&path, text).expect("write config");
    path
}

/// The `[email]` table for an SMTP server on loopback without TLS.
pub fn smtp_email(port: u16) -> String {
    format!(
        "[email]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\ntimeout = \"5s\"\n\
         from = \"newshound <alerts@newshound.test>\"\n"
    )
}

/// A `[[feeds]]` table.
pub fn feed_table(name: &str, url: &str) -> String {
    format!("[[feeds]]\nname = \"{name}\"\nurl = \"{url}\"\n\n")
}
