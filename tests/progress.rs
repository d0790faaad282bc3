//! `newshound poll --once` reports progress on stderr: plain lines, one per feed as it
//! finishes, when stderr is not a terminal; a progress bar, cleared at the end, when it
//! is (run under a pseudo-terminal with util-linux `script`). Stdout keeps its report.

mod support;

use std::path::Path;
use std::process::Command;

use support::fixtures::{feed_table, feeds_dir, write_config};

fn config(dir: &Path) -> std::path::PathBuf {
    let file = |name: &str| format!("file://{}", feeds_dir().join(name).display());
    write_config(
        dir,
        &format!(
            "{}{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400 -\"Real Turkey\"'\n",
            feed_table("wire", &file("wire.rss")),
            feed_table("review", &file("defense.atom")),
            feed_table("gone", &file("no-such-feed.xml")),
        ),
    )
}

#[test]
fn poll_once_prints_a_line_per_feed_when_stderr_is_not_a_terminal() {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("--config")
        .arg(config(work.path()))
        .args(["poll", "--once"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);

    let progress: Vec<&str> = stderr.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(progress.len(), 3, "one line per feed:\n{stderr}");
    for (i, line) in progress.iter().enumerate() {
        assert!(line.starts_with(&format!("[{}/3] ", i + 1)), "{line}");
    }
    let about = |feed: &str| {
        progress
            .iter()
            .find_map(|l| l.split_once("] ")?.1.strip_prefix(feed))
            .unwrap_or_else(|| panic!("no line for {feed}:\n{stderr}"))
    };
    assert_eq!(about("wire"), ": 5 new, 1 match");
    assert_eq!(about("review"), ": 3 new, 1 match");
    assert!(
        about("gone").starts_with(": failed: cannot read file"),
        "{stderr}"
    );

    // Stdout is the report it always was, and has no progress in it.
    assert!(
        stdout.starts_with("ok      wire: 5 items, 5 new, 1 match\nok      review: 3 items, 3 new, 1 match\nFAILED  gone <file://"),
        "{stdout}"
    );
    assert!(stdout.contains("\n2 new matches\n"), "{stdout}");
    assert!(!stdout.contains("[1/3]"), "{stdout}");
}

#[test]
fn poll_once_draws_a_progress_bar_on_a_terminal() {
    let work = tempfile::tempdir().unwrap();
    let command = format!(
        "'{}' --config '{}' poll --once",
        env!("CARGO_BIN_EXE_newshound"),
        config(work.path()).display()
    );
    // `script` runs the command on a pseudo-terminal and copies what it shows (stdout and
    // stderr both) to its own stdout.
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("util-linux `script` runs");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains(" 0/3 feeds"),
        "the bar is drawn from the start:\n{shown}"
    );
    assert!(
        !shown.contains("[1/3]"),
        "no plain lines on a terminal:\n{shown}"
    );
    // Cleared (erase line) before the report.
    let last_bar = shown.rfind("/3 feeds").unwrap();
    let report = shown.find("ok      wire: 5 items").expect("the report");
    assert!(last_bar < report, "{shown}");
    assert!(shown[last_bar..report].contains("\x1b[2K"), "{shown:?}");
    assert!(!shown[report..].contains("/3 feeds"), "{shown:?}");
}
