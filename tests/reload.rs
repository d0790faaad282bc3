//! Live config, with the real binary: edits of the config file and of `conf.d/` take
//! effect while `newshound run` keeps running, a broken edit is refused with its file, key
//! and reason while the daemon carries on with the last good config, a new or changed
//! watchlist is matched against recent items, and SIGHUP reloads too.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;

use newshound::config;
use support::SmtpServer;
use support::fixtures::{feed_table, matched_titles, serve_copies, smtp_email, write_config};
use support::listener::exchange;
use support::process::{Daemon, wait_until};

const RELOADED: &str = "configuration reloaded";
const REFUSED: &str = "configuration change refused";

/// Each `.eml` in `dir` in the order written: its `To` address and plain text.
fn written(dir: &Path) -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let raw = std::fs::read(path).unwrap();
            let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let to = message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string();
            (to, message.body_text(0).unwrap().into_owned())
        })
        .collect()
}

fn conf_d(config: &Path) -> PathBuf {
    let dir = config.parent().unwrap().join("conf.d");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn edits_apply_live_and_a_broken_edit_keeps_the_last_good_config() {
    let (_served, http) = serve_copies(&["wire.rss", "defense.atom"]);
    let work = tempfile::tempdir().unwrap();
    let outbox = work.path().join("outbox");
    let config = write_config(
        work.path(),
        &format!(
            "{}[[watchlists]]\nname = \"s400\"\nquery = 'S-400 -\"Real Turkey\"'\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1h\"\n",
            feed_table("wire", &http.url("wire.rss")),
            outbox.display().to_string()
        ),
    );
    let db = config::load(&config).unwrap().storage.path;
    let extra = conf_d(&config);

    let mut daemon = Daemon::start(&config);
    daemon.wait_for_log("polled");
    assert_eq!(
        matched_titles(&db, "s400"),
        ["Turkey says S-400 systems will stay in storage despite U.S. pressure"]
    );

    // A feed added in conf.d/ is polled without a restart. It answers slowly, so that the
    // next edit lands while its poll is in flight.
    std::fs::write(
        extra.join("review.toml"),
        feed_table("review", &http.url("slow/3/defense.atom")),
    )
    .unwrap();
    daemon.wait_for_logs(RELOADED, 1);
    assert!(daemon.logged(RELOADED)[0].contains("+feed review"));

    // New watchlists: the one with the default backfill is matched against the items seen
    // so far, including those of the poll in flight when it was added; the one with
    // `backfill = "0s"` only against what comes from now on.
    std::fs::write(
        extra.join("sochi.toml"),
        "[[watchlists]]\nname = \"sochi\"\nquery = 'Sochi OR Brussels'\n\n\
         [[watchlists]]\nname = \"sochi-later\"\nquery = 'Sochi OR Brussels'\nbackfill = \"0s\"\n",
    )
    .unwrap();
    daemon.wait_for_logs(RELOADED, 2);
    daemon.wait_for_log("new or changed watchlists matched against recent items");
    wait_until(Duration::from_secs(20), || {
        matched_titles(&db, "sochi").len() == 2
    });
    assert_eq!(
        matched_titles(&db, "sochi"),
        [
            "Ankara weighs S400 deal as Erdoğan meets Putin in Sochi",
            "NATO allies meet in Brussels ahead of the summit",
        ]
    );
    assert!(matched_titles(&db, "sochi-later").is_empty());
    assert!(
        !http.requests_for("/slow/3/defense.atom").is_empty(),
        "the slow feed was polled"
    );

    // Broken edits, each refused with its file, key and reason; the daemon carries on.
    let broken = extra.join("broken.toml");
    let edits = [
        ("[[watchlists]\nname = \"x\"\n", "broken.toml"),
        (
            "[[watchlists]]\nname = \"x\"\nquery = \"y\"\ncolour = \"red\"\n",
            "colour",
        ),
        (
            "[[watchlists]]\nname = \"x\"\nquery = '\"S-400\" (Turkey'\n",
            "unbalanced parenthesis",
        ),
    ];
    for (n, (text, why)) in edits.iter().enumerate() {
        std::fs::write(&broken, text).unwrap();
        daemon.wait_for_logs(REFUSED, n + 1);
        let refused = daemon.logged(REFUSED);
        let line = &refused[n];
        assert!(line.contains("broken.toml"), "{line}");
        assert!(line.contains(why), "{line}");
        assert!(daemon.is_running());
    }
    assert!(
        daemon.logged(REFUSED)[1].contains("watchlists[0]"),
        "the key is named"
    );
    std::fs::remove_file(&broken).unwrap();
    daemon.wait_for_logs(RELOADED, 3);

    // A digest added by an edit runs (its first run after the feeds' first poll) and its
    // recipient gets the day's matches.
    std::fs::write(
        extra.join("night.toml"),
        "[[digests]]\nname = \"night\"\nto = [\"night@example.org\"]\nschedule = \"every 1h\"\n",
    )
    .unwrap();
    daemon.wait_for_logs(RELOADED, 4);
    wait_until(Duration::from_secs(20), || {
        written(&outbox)
            .iter()
            .any(|(to, _)| to == "night@example.org")
    });
    let night = written(&outbox)
        .into_iter()
        .find(|(to, _)| to == "night@example.org")
        .unwrap()
        .1;
    assert!(night.contains("Sochi"), "{night}");
    assert!(night.contains("Turkey says S-400"), "{night}");

    // A feed removed is dropped; SIGHUP reloads whether or not a file changed.
    std::fs::remove_file(extra.join("review.toml")).unwrap();
    daemon.wait_for_logs(RELOADED, 5);
    assert!(daemon.logged(RELOADED)[4].contains("-feed review"));
    daemon.signal(Signal::SIGHUP);
    daemon.wait_for_logs(RELOADED, 6);
    assert!(daemon.logged("SIGHUP received").len() == 1);

    // Watchlists and digests removed are dropped.
    std::fs::remove_file(extra.join("sochi.toml")).unwrap();
    std::fs::remove_file(extra.join("night.toml")).unwrap();
    daemon.wait_for_logs(RELOADED, 7);
    let line = &daemon.logged(RELOADED)[6];
    for gone in [
        "-watchlist sochi",
        "-watchlist sochi-later",
        "-digest night",
    ] {
        assert!(line.contains(gone), "{line}");
    }

    // A shorter interval holds at once, not after the wait the old one set.
    let polls = http.requests_for("/wire.rss").len();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "[polling]\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\n\n{text}"
        ),
    )
    .unwrap();
    daemon.wait_for_logs(RELOADED, 8);
    wait_until(Duration::from_secs(20), || {
        http.requests_for("/wire.rss").len() >= polls + 2
    });
    daemon.stop(Signal::SIGTERM);
}

#[test]
fn a_changed_query_rematches_recent_items_and_what_was_sent_stays_sent() {
    let (_served, http) = serve_copies(&["wire.rss"]);
    let work = tempfile::tempdir().unwrap();
    let outbox = work.path().join("outbox");
    let watchlist = |query: &str| format!("[[watchlists]]\nname = \"topic\"\nquery = '{query}'\n");
    let extra = work.path().join("conf.d");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(extra.join("topic.toml"), watchlist("Floods")).unwrap();
    let config = write_config(
        work.path(),
        &format!(
            "{}[email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1s\"\n",
            feed_table("wire", &http.url("wire.rss")),
            outbox.display().to_string()
        ),
    );
    let db = config::load(&config).unwrap().storage.path;

    let mut daemon = Daemon::start(&config);
    wait_until(Duration::from_secs(20), || written(&outbox).len() == 1);
    assert!(written(&outbox)[0].1.contains("Floods close roads"));

    std::fs::write(extra.join("topic.toml"), watchlist("Brussels")).unwrap();
    daemon.wait_for_logs(RELOADED, 1);
    assert!(daemon.logged(RELOADED)[0].contains("~watchlist topic"));
    wait_until(Duration::from_secs(20), || written(&outbox).len() == 2);
    // Long enough for a wrongly repeated message to show.
    std::thread::sleep(Duration::from_millis(2500));
    daemon.stop(Signal::SIGTERM);

    let mails = written(&outbox);
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails[1].1.contains("NATO allies meet in Brussels"),
        "{}",
        mails[1].1
    );
    assert!(!mails[1].1.contains("Floods"), "sent once: {}", mails[1].1);
    // The match the new query no longer has is kept.
    assert_eq!(
        matched_titles(&db, "topic"),
        [
            "Floods close roads across northern Italy",
            "NATO allies meet in Brussels ahead of the summit",
        ]
    );
}

#[test]
fn editing_a_list_changes_every_watchlist_naming_it_and_a_broken_list_is_refused() {
    let (_served, http) = serve_copies(&["wire.rss"]);
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        &format!(
            "{}[[watchlists]]\nname = \"places\"\nquery = '@places'\n\n\
             [[watchlists]]\nname = \"places-friday\"\nquery = '@places Friday'\n\n\
             [[watchlists]]\nname = \"other\"\nquery = 'S-400'\n",
            feed_table("wire", &http.url("wire.rss")),
        ),
    );
    let lists = conf_d(&config).join("lists.toml");
    std::fs::write(&lists, "[lists]\nplaces = [\"Italy\"]\n").unwrap();
    let db = config::load(&config).unwrap().storage.path;

    let mut daemon = Daemon::start(&config);
    wait_until(Duration::from_secs(20), || {
        matched_titles(&db, "places") == ["Floods close roads across northern Italy"]
    });

    // The list grows: both watchlists naming it change and are matched again; the one
    // that does not name it is left alone.
    std::fs::write(&lists, "[lists]\nplaces = [\"Italy\", \"Brussels\"]\n").unwrap();
    daemon.wait_for_logs(RELOADED, 1);
    let reloaded = &daemon.logged(RELOADED)[0];
    assert!(reloaded.contains("~watchlist places"), "{reloaded}");
    assert!(reloaded.contains("~watchlist places-friday"), "{reloaded}");
    assert!(!reloaded.contains("other"), "{reloaded}");
    let both = [
        "Floods close roads across northern Italy",
        "NATO allies meet in Brussels ahead of the summit",
    ];
    wait_until(Duration::from_secs(20), || {
        matched_titles(&db, "places") == both && matched_titles(&db, "places-friday") == both
    });

    // A list that no longer parses is refused, with its file; the daemon keeps the last
    // good lists.
    std::fs::write(&lists, "[lists]\nplaces = [\"It*\"]\n").unwrap();
    daemon.wait_for_logs("key=lists.places", 1);
    let refused = &daemon.logged("key=lists.places")[0];
    assert!(refused.contains(REFUSED), "{refused}");
    assert!(refused.contains("lists.toml"), "{refused}");
    assert!(refused.contains("a wildcard needs at least 3"), "{refused}");
    // Removing the list leaves `@places` unknown: refused, naming the watchlists.
    std::fs::write(&lists, "").unwrap();
    daemon.wait_for_logs("no list is named `places`", 2);
    let refused = daemon.logged("no list is named `places`");
    assert!(
        refused[0].contains("watchlists[0] (\"places\").query"),
        "{refused:?}"
    );
    assert!(
        refused[1].contains("watchlists[1] (\"places-friday\").query"),
        "{refused:?}"
    );
    daemon.stop(Signal::SIGTERM);
    assert_eq!(matched_titles(&db, "places"), both);
}

/// A wrong password holds the mail as a fault of the configuration, loudly; a live edit
/// that fixes it sends what waited at once (not after its backoff), and once.
#[test]
fn mail_held_by_a_wrong_password_goes_out_once_when_a_live_edit_fixes_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let smtp = runtime.block_on(SmtpServer::start());
    smtp.require_credentials("alerts", "correct horse");
    let (_served, http) = serve_copies(&["wire.rss"]);
    let work = tempfile::tempdir().unwrap();
    let wrong = work.path().join("wrong-password");
    let right = work.path().join("right-password");
    std::fs::write(&wrong, "wrong horse\n").unwrap();
    std::fs::write(&right, "correct horse\n").unwrap();
    let port = support::unused_port();
    let body = |password: &Path| {
        format!(
            "{}[[watchlists]]\nname = \"topic\"\nquery = 'Floods'\n\n{}\
             allow_plaintext_auth = true\nusername = \"alerts\"\npassword_file = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\", \"chief@example.org\"]\n\
             schedule = \"every 1h\"\n\n[server]\nlisten = \"127.0.0.1:{port}\"\n",
            feed_table("wire", &http.url("wire.rss")),
            smtp_email(smtp.port()),
            password.display().to_string()
        )
    };
    let config = write_config(work.path(), &body(&wrong));

    let mut daemon = Daemon::start(&config);
    daemon.wait_for_logs("mail is blocked by the [email] settings", 1);
    let blocked = &daemon.logged("mail is blocked by the [email] settings")[0];
    assert!(blocked.contains("ERROR"), "{blocked}");
    assert!(
        blocked.contains("password_env / password_file"),
        "the fix: {blocked}"
    );
    assert!(smtp.messages().is_empty());
    // The other recipient's message waits with it: one failed login per round, not one
    // per recipient at once (a relay may ban a client for a burst of them).
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        daemon
            .logged("mail is blocked by the [email] settings")
            .len(),
        1
    );
    // The daemon is healthy all the same (its polls go on); the fault is counted.
    let (status, _, _) = exchange(port, b"GET /healthz HTTP/1.1\r\n\r\n").expect("an answer");
    assert_eq!(status, 200);
    let (_, _, metrics) = exchange(port, b"GET /metrics HTTP/1.1\r\n\r\n").expect("an answer");
    assert!(
        metrics.contains("newshound_mail_config_errors_total{kind=\"auth\"} 1"),
        "{metrics}"
    );

    write_config(work.path(), &body(&right));
    daemon.wait_for_logs(RELOADED, 1);
    // The backoff after the first attempt is a minute (the digest runs hourly): sent
    // within seconds, this is the reload's doing, for both recipients.
    wait_until(Duration::from_secs(20), || smtp.messages().len() == 2);
    std::thread::sleep(Duration::from_millis(2500));
    daemon.stop(Signal::SIGTERM);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2, "sent once each");
    let mut to: Vec<String> = mails.iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["chief@example.org", "desk@example.org"]);
    for mail in &mails {
        assert_eq!(mail.auth_user.as_deref(), Some("alerts"));
    }
}
