//! One daemon per database: a second `newshound run` on the same database stops at once
//! with exit code 1 and says which daemon holds it, while the first goes on and the CLI's
//! commands keep working beside it; once the first is killed (SIGKILL, nothing cleaned
//! up), a new daemon starts.

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;

use support::fixtures::{feed_table, serve_copies, write_config};
use support::process::{Daemon, newshound, wait_until};

#[test]
fn a_second_daemon_on_the_same_database_is_refused_until_the_first_is_gone() {
    let (_served, http) = serve_copies(&["wire.rss"]);
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        &format!(
            "{}[[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1h\"\n",
            feed_table("wire", &http.url("wire.rss")),
            work.path().join("outbox").display().to_string()
        ),
    );
    let database = work.path().join("newshound.db");

    let mut first = Daemon::start(&config);
    first.wait_for_log("newshound started");
    let pid = std::fs::read_to_string(work.path().join("newshound.db.lock")).unwrap();
    let pid = pid.trim();
    assert!(
        pid.parse::<u32>().is_ok(),
        "the lock file holds a pid: {pid:?}"
    );

    let second = newshound(&config, &["run"]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another newshound daemon (pid {pid}) is running on the database {}",
            database.display()
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("newshound started"),
        "refused before doing anything: {stderr}"
    );

    // The commands are not daemons: they run beside it.
    wait_until(Duration::from_secs(30), || {
        http.requests_for("/wire.rss").len() == 1
    });
    for args in [
        &["feeds"][..],
        &["matches"],
        &["outbox"],
        &["poll", "--once"],
        &["check"],
    ] {
        let out = newshound(&config, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(first.is_running(), "the first daemon goes on");

    // Killed, it cleans nothing up; the OS releases the lock, and the next one starts.
    first.kill();
    let mut next = Daemon::start(&config);
    next.wait_for_log("newshound started");
    assert!(next.is_running());
    let log = next.stop(Signal::SIGTERM);
    assert!(log.contains("shutting down"), "{log}");
}
