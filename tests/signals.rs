//! The binary as a service runs it: `newshound run` on a config with no SMTP server polls,
//! writes its first digest into the outbox as an `.eml` file, and stops cleanly (exit 0)
//! on SIGTERM or SIGINT.

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;

use support::fixtures::{feed_table, serve_copies, write_config};
use support::process::{Daemon, wait_until};

#[test]
fn run_writes_the_first_digest_to_the_outbox_and_stops_on_signals() {
    let (_served, http) = serve_copies(&["wire.rss", "defense.atom"]);
    let work = tempfile::tempdir().unwrap();
    let outbox = work.path().join("outbox");
    let config = write_config(
        work.path(),
        &format!(
            "{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400 -\"Real Turkey\"'\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1h\"\n",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("review", &http.url("defense.atom")),
            outbox.display().to_string()
        ),
    );

    let daemon = Daemon::start(&config);
    let eml_count = || std::fs::read_dir(&outbox).map_or(0, |d| d.filter(|e| e.is_ok()).count());
    wait_until(Duration::from_secs(30), || eml_count() == 1);
    let stderr = daemon.stop(Signal::SIGTERM);
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
    let eml = std::fs::read_dir(&outbox)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let message = std::fs::read_to_string(eml).unwrap();
    assert!(
        message.contains("Subject: newshound: 2 new stories on 1 topic"),
        "{message}"
    );

    // Restarted, it resumes from the store: nothing is polled before it is due, the
    // digest is not due for an hour, and SIGINT stops it too.
    let mut daemon = Daemon::start(&config);
    daemon.wait_for_log("newshound started");
    // Long enough for a due feed or digest to have been handled.
    std::thread::sleep(Duration::from_secs(1));
    let stderr = daemon.stop(Signal::SIGINT);
    assert!(stderr.contains("SIGINT received"), "{stderr}");
    assert_eq!(eml_count(), 1, "nothing new, nothing written");
    assert_eq!(
        http.requests_for("/wire.rss").len(),
        1,
        "not due yet, not polled again"
    );
}
