//! Configuration refused at start-up: every refused case names the file, the key and the
//! reason. Also the merging of `conf.d/` files and environment overrides.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use newshound::config::{self, ConfigError, Settings};

const BASE: &str = r#"
[storage]
path = "data/test.db"

[[feeds]]
name = "Wire"
url = "https://wire.example.org/rss.xml"
tags = ["wire"]

[[feeds]]
name = "Review"
url = "https://review.example.net/atom.xml"

[[watchlists]]
name = "s400"
query = '"S-400" (Turkey OR Ankara)'
feeds = ["tag:wire"]

[[digests]]
name = "morning"
to = ["analyst@example.org"]
watchlists = ["s400"]
schedule = "every 1h"
"#;

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new(main: &str) -> Dir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("newshound.toml"), main).unwrap();
        Dir { dir }
    }

    fn with(self, name: &str, text: &str) -> Dir {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn main(&self) -> PathBuf {
        self.dir.path().join("newshound.toml")
    }

    fn load(&self) -> Result<Settings, ConfigError> {
        config::load_with_env(&self.main(), HashMap::new())
    }

    fn load_env(&self, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config::load_with_env(&self.main(), env)
    }
}

/// The error message, checked to name the file, the key and to contain the reason.
#[track_caller]
fn refused(result: Result<Settings, ConfigError>, file: &Path, key: &str, reason: &str) -> String {
    let error = match result {
        Ok(_) => panic!("expected the configuration to be refused ({key}: {reason})"),
        Err(e) => e,
    };
    let message = error.to_string();
    let problem = error
        .problems
        .iter()
        .find(|p| p.key.contains(key))
        .unwrap_or_else(|| panic!("no problem names the key `{key}`:\n{message}"));
    let text = problem.to_string();
    assert!(
        text.contains(&file.display().to_string()),
        "file not named in: {text}"
    );
    assert!(text.contains(reason), "reason `{reason}` not in: {text}");
    message
}

#[test]
fn the_base_configuration_loads() {
    let settings = Dir::new(BASE).load().unwrap();
    assert_eq!(settings.feeds.len(), 2);
    assert_eq!(
        settings.polling.cadence.interval,
        Duration::from_secs(15 * 60)
    );
    assert_eq!(settings.polling.concurrency, 16);
    assert!(settings.watchlists[0].applies_to(&settings.feeds[0]));
    assert!(!settings.watchlists[0].applies_to(&settings.feeds[1]));
    assert!(matches!(
        settings.email.transport,
        config::Transport::File { .. }
    ));
    assert_eq!(settings.stories.window, Duration::from_secs(72 * 3600));
}

#[test]
fn unknown_key() {
    let dir = Dir::new(&format!("{BASE}\n[polling]\nintervall = \"5m\"\n"));
    refused(
        dir.load(),
        &dir.main(),
        "polling.intervall",
        "unknown field `intervall`",
    );
}

#[test]
fn unknown_key_in_a_feed_names_the_entry() {
    let dir = Dir::new(&BASE.replace("tags = [\"wire\"]", "tags = [\"wire\"]\ninterva = \"5m\""));
    refused(
        dir.load(),
        &dir.main(),
        "feeds[0].interva",
        "unknown field `interva`",
    );
}

#[test]
fn unknown_key_in_a_conf_d_file_names_that_file() {
    let dir = Dir::new(BASE).with(
        "conf.d/extra.toml",
        "[[watchlists]]\nname = \"nato\"\nquery = \"NATO\"\nfeeds_by = [\"Wire\"]\n",
    );
    let file = dir.dir.path().join("conf.d/extra.toml");
    refused(dir.load(), &file, "watchlists[0].feeds_by", "unknown field");
}

#[test]
fn toml_syntax_error_names_file_and_line() {
    let text = format!("{BASE}\n[polling\ninterval = \"5m\"\n");
    let line = text.lines().position(|l| l == "[polling").unwrap() + 1;
    let dir = Dir::new(&text);
    let message = dir.load().unwrap_err().to_string();
    assert!(
        message.contains(&dir.main().display().to_string()),
        "{message}"
    );
    assert!(message.contains(&format!("line {line}")), "{message}");
}

#[test]
fn bad_durations() {
    let dir = Dir::new(&format!("{BASE}\n[polling]\ninterval = \"soon\"\n"));
    refused(
        dir.load(),
        &dir.main(),
        "polling.interval",
        "`soon` is not a duration",
    );

    let dir = Dir::new(&BASE.replace(
        "tags = [\"wire\"]",
        "tags = [\"wire\"]\ninterval = \"10 fortnights\"",
    ));
    refused(
        dir.load(),
        &dir.main(),
        "feeds[0] (\"Wire\").interval",
        "not a duration",
    );

    let dir = Dir::new(&BASE.replace("every 1h", "every now and then"));
    refused(
        dir.load(),
        &dir.main(),
        "digests[0] (\"morning\").schedule",
        "not a duration",
    );

    let dir = Dir::new(&format!("{BASE}\n[stories]\nwindow = \"three days\"\n"));
    refused(
        dir.load(),
        &dir.main(),
        "stories.window",
        "`three days` is not a duration",
    );
    let dir = Dir::new(&format!("{BASE}\n[stories]\nwindow = \"5d\"\n"));
    assert_eq!(
        dir.load().unwrap().stories.window,
        Duration::from_secs(5 * 86_400)
    );

    let dir = Dir::new(&BASE.replace("every 1h", "daily at 8"));
    refused(
        dir.load(),
        &dir.main(),
        "digests[0] (\"morning\").schedule",
        "expected \"every 2h\", \"daily 08:00\"",
    );
}

#[test]
fn retention_durations() {
    let settings = Dir::new(BASE).load().unwrap();
    assert_eq!(
        settings.storage.retain_items,
        Duration::from_secs(30 * 86_400)
    );
    assert_eq!(
        settings.storage.retain_matches,
        Duration::from_secs(365 * 86_400)
    );
    let storage =
        |keys: &str| Dir::new(&BASE.replace("[storage]\n", &format!("[storage]\n{keys}\n")));

    let dir = storage("retain_items = \"7d\"\nretain_matches = \"2years\"");
    let settings = dir.load().unwrap();
    assert_eq!(
        settings.storage.retain_items,
        Duration::from_secs(7 * 86_400)
    );
    assert!(settings.storage.retain_matches > Duration::from_secs(730 * 86_400));

    let dir = storage("retain_items = \"a month\"");
    refused(
        dir.load(),
        &dir.main(),
        "storage.retain_items",
        "`a month` is not a duration",
    );
    let dir = storage("retain_matches = \"12h\"");
    refused(
        dir.load(),
        &dir.main(),
        "storage.retain_matches",
        "12h is too short; the least is 1d",
    );
    let dir = storage("retain_items = \"90d\"\nretain_matches = \"60d\"");
    refused(
        dir.load(),
        &dir.main(),
        "storage.retain_matches",
        "`60d` is shorter than retain_items (`90d`)",
    );
    // From the environment, named as such.
    let dir = Dir::new(BASE);
    let message = dir
        .load_env(&[("NEWSHOUND__STORAGE__RETAIN_ITEMS", "0s")])
        .unwrap_err()
        .to_string();
    assert!(message.contains("storage.retain_items"), "{message}");
    assert!(message.contains("is zero"), "{message}");
}

#[test]
fn digest_schedules_time_zones_and_delivery_settings() {
    let morning = "digests[0] (\"morning\")";
    let with = |extra: &str| Dir::new(&format!("{BASE}{extra}\n"));

    let dir =
        with("timezone = \"Europe/Istanbul\"\nbackfill = \"0s\"\nmax_items = 0\nsend_empty = true");
    let settings = dir.load().unwrap();
    let digest = &settings.digests[0];
    assert_eq!(digest.timezone, chrono_tz::Europe::Istanbul);
    assert_eq!(digest.backfill, Duration::ZERO);
    assert_eq!(digest.max_items, None);
    assert!(digest.send_empty);
    assert_eq!(digest.list_unsubscribe, None);
    assert!(!settings.watchlists[0].alert);
    assert_eq!(settings.alerts.interval, Duration::from_secs(600));

    // The defaults: a day of backfill, 50 stories, nothing sent when there is nothing.
    let settings = with("").load().unwrap();
    let digest = &settings.digests[0];
    assert_eq!(digest.backfill, Duration::from_secs(86_400));
    assert_eq!(digest.max_items, Some(50));
    assert!(!digest.send_empty);

    for schedule in [
        "weekdays 07:30",
        "weekly mon 08:00",
        "0 8,17 * * 1-5",
        "@daily",
    ] {
        let dir = Dir::new(&BASE.replace("every 1h", schedule));
        assert_eq!(
            dir.load().unwrap().digests[0].schedule.to_string(),
            schedule
        );
    }
    let dir = Dir::new(&BASE.replace("every 1h", "0 25 * * *"));
    refused(
        dir.load(),
        &dir.main(),
        &format!("{morning}.schedule"),
        "hour field `25`",
    );

    let dir = Dir::new(&BASE.replace(
        "to = [\"analyst@example.org\"]",
        "to = [\"analyst@example.org\", \"Analyst <ANALYST@example.org>\"]",
    ));
    refused(
        dir.load(),
        &dir.main(),
        &format!("{morning}.to"),
        "listed twice",
    );

    let dir = with("timezone = \"Mars/Olympus\"");
    refused(
        dir.load(),
        &dir.main(),
        &format!("{morning}.timezone"),
        "Mars/Olympus",
    );
    let dir = with("backfill = \"a while\"");
    refused(
        dir.load(),
        &dir.main(),
        &format!("{morning}.backfill"),
        "not a duration",
    );
    let dir = with("max_items = -3");
    refused(
        dir.load(),
        &dir.main(),
        &format!("{morning}.max_items"),
        "positive number",
    );
    let dir = with("list_unsubscribe = \"http://example.org/unsub\"");
    refused(
        dir.load(),
        &dir.main(),
        &format!("{morning}.list_unsubscribe"),
        "mailto: or https:",
    );
    let dir = with("list_unsubscribe = \"https://example.org/unsub?list=morning\"");
    assert_eq!(
        dir.load().unwrap().digests[0]
            .list_unsubscribe
            .as_ref()
            .map(|u| u.as_str()),
        Some("https://example.org/unsub?list=morning")
    );

    let dir = Dir::new(&format!(
        "{}\n[alerts]\ninterval = \"soon\"\n",
        BASE.replace(
            "feeds = [\"tag:wire\"]",
            "feeds = [\"tag:wire\"]\nalert = true"
        )
    ));
    refused(dir.load(), &dir.main(), "alerts.interval", "not a duration");
    let dir = Dir::new(&BASE.replace(
        "feeds = [\"tag:wire\"]",
        "feeds = [\"tag:wire\"]\nalert = true",
    ));
    assert!(dir.load().unwrap().watchlists[0].alert);

    // A watchlist's backfill window: a day unless set; "0s" for none.
    assert_eq!(
        Dir::new(BASE).load().unwrap().watchlists[0].backfill,
        Duration::from_secs(24 * 3600)
    );
    let with = |value: &str| {
        Dir::new(&BASE.replace(
            "feeds = [\"tag:wire\"]",
            &format!("feeds = [\"tag:wire\"]\nbackfill = \"{value}\""),
        ))
    };
    assert_eq!(
        with("0s").load().unwrap().watchlists[0].backfill,
        Duration::ZERO
    );
    assert_eq!(
        with("3d").load().unwrap().watchlists[0].backfill,
        Duration::from_secs(3 * 86400)
    );
    let dir = with("a while");
    refused(
        dir.load(),
        &dir.main(),
        "watchlists[0] (\"s400\").backfill",
        "not a duration",
    );
}

#[test]
fn bad_urls() {
    let dir = Dir::new(&BASE.replace("https://wire.example.org/rss.xml", "not a url"));
    refused(
        dir.load(),
        &dir.main(),
        "feeds[0] (\"Wire\").url",
        "is not a URL",
    );

    let dir = Dir::new(&BASE.replace(
        "https://wire.example.org/rss.xml",
        "ftp://wire.example.org/rss.xml",
    ));
    refused(
        dir.load(),
        &dir.main(),
        "feeds[0] (\"Wire\").url",
        "unsupported scheme `ftp`",
    );
}

#[test]
fn duplicate_names() {
    let dir = Dir::new(&BASE.replace("name = \"Review\"", "name = \"Wire\""));
    refused(
        dir.load(),
        &dir.main(),
        "feeds[1] (\"Wire\").name",
        "duplicate feed name `Wire`",
    );

    let dir = Dir::new(&BASE.replace(
        "https://review.example.net/atom.xml",
        "https://wire.example.org/rss.xml",
    ));
    refused(
        dir.load(),
        &dir.main(),
        "feeds[1] (\"Review\").url",
        "the same URL as feeds[0]",
    );

    // A duplicate in a conf.d file is reported against that file, at its own index.
    let dir = Dir::new(BASE).with(
        "conf.d/s400.toml",
        "[[watchlists]]\nname = \"s400\"\nquery = \"S-400\"\n",
    );
    let file = dir.dir.path().join("conf.d/s400.toml");
    refused(
        dir.load(),
        &file,
        "watchlists[0] (\"s400\").name",
        "duplicate watchlist name `s400`",
    );

    let twice = format!("{BASE}\n[[digests]]\nname = \"morning\"\nto = [\"b@example.org\"]\n");
    let dir = Dir::new(&twice);
    refused(
        dir.load(),
        &dir.main(),
        "digests[1] (\"morning\").name",
        "duplicate digest name",
    );
}

#[test]
fn digest_naming_an_unknown_watchlist() {
    let dir = Dir::new(&BASE.replace(
        "watchlists = [\"s400\"]",
        "watchlists = [\"s400\", \"f35\"]",
    ));
    refused(
        dir.load(),
        &dir.main(),
        "digests[0] (\"morning\").watchlists",
        "no watchlist is named `f35`",
    );
}

#[test]
fn unparsable_query_names_the_position() {
    let dir = Dir::new(&BASE.replace(
        r#"'"S-400" (Turkey OR Ankara)'"#,
        r#"'"S-400" (Turkey OR Ankara'"#,
    ));
    let message = refused(
        dir.load(),
        &dir.main(),
        "watchlists[0] (\"s400\").query",
        "position",
    );
    assert!(message.contains("S-400"), "the query is quoted: {message}");

    let dir = Dir::new(&BASE.replace(r#"'"S-400" (Turkey OR Ankara)'"#, r#"'S-400 OR'"#));
    refused(
        dir.load(),
        &dir.main(),
        "watchlists[0] (\"s400\").query",
        "position",
    );
}

#[test]
fn watchlist_naming_an_unknown_feed_or_tag() {
    let dir = Dir::new(&BASE.replace(
        "feeds = [\"tag:wire\"]",
        "feeds = [\"tag:wires\", \"Reveiw\"]",
    ));
    let message = refused(
        dir.load(),
        &dir.main(),
        "watchlists[0] (\"s400\").feeds",
        "no feed has the tag `wires`",
    );
    assert!(message.contains("no feed is named `Reveiw`"), "{message}");
}

#[test]
fn bad_email_settings() {
    let dir = Dir::new(&format!(
        "{BASE}\n[email]\nhost = \"smtp.example.org\"\nsecurity = \"ssl\"\n"
    ));
    refused(
        dir.load(),
        &dir.main(),
        "email.security",
        "`ssl` is not one of",
    );

    let dir = Dir::new(&format!(
        "{BASE}\n[email]\nhost = \"smtp.example.org\"\nusername = \"alerts\"\npassword_env = \"NEWSHOUND_TEST_UNSET_PASSWORD\"\n"
    ));
    refused(
        dir.load(),
        &dir.main(),
        "email.password_env",
        "`NEWSHOUND_TEST_UNSET_PASSWORD` is not set",
    );

    let dir = Dir::new(&format!("{BASE}\n[email]\ntransport = \"smtp\"\n"));
    refused(dir.load(), &dir.main(), "email.host", "is required");

    let dir = Dir::new(&BASE.replace("analyst@example.org", "not an address"));
    refused(
        dir.load(),
        &dir.main(),
        "digests[0] (\"morning\").to",
        "is not an address",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = BASE
        .replace("every 1h", "every now and then")
        .replace("https://review.example.net/atom.xml", "gopher://x");
    let error = Dir::new(&text).load().unwrap_err();
    assert_eq!(error.problems.len(), 2, "{error}");
}

#[test]
fn conf_d_files_add_entries_and_override_keys() {
    let dir = Dir::new(BASE)
        .with(
            "conf.d/10-nato.toml",
            "[[watchlists]]\nname = \"nato\"\nquery = \"NATO summit\"\n",
        )
        .with("conf.d/20-polling.toml", "[polling]\nconcurrency = 4\n")
        .with("conf.d/notes.txt", "not a config file");
    let settings = dir.load().unwrap();
    let names: Vec<&str> = settings
        .watchlists
        .iter()
        .map(|w| w.name.as_str())
        .collect();
    assert_eq!(names, ["s400", "nato"]);
    assert_eq!(settings.polling.concurrency, 4);
    assert_eq!(settings.files.len(), 3);
}

#[test]
fn environment_overrides_keys() {
    let dir = Dir::new(BASE);
    let settings = dir
        .load_env(&[
            ("NEWSHOUND__POLLING__CONCURRENCY", "3"),
            ("NEWSHOUND__STORAGE__PATH", "/tmp/elsewhere.db"),
        ])
        .unwrap();
    assert_eq!(settings.polling.concurrency, 3);
    assert_eq!(settings.storage.path, PathBuf::from("/tmp/elsewhere.db"));

    let error = dir
        .load_env(&[("NEWSHOUND__POLLING__CONCURRENCY", "0")])
        .unwrap_err();
    let problem = &error.problems[0];
    assert_eq!(problem.origin, config::Origin::Environment, "{error}");
    assert_eq!(problem.key, "polling.concurrency");

    let error = dir
        .load_env(&[("NEWSHOUND__POLLING__SPEED", "3")])
        .unwrap_err();
    assert!(error.to_string().contains("speed"), "{error}");
}

#[test]
fn check_command_exits_non_zero_on_a_bad_config() {
    let dir = Dir::new(&BASE.replace("every 1h", "whenever"));
    let output = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["check", "--config"])
        .arg(dir.main())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("digests[0] (\"morning\").schedule"),
        "{stderr}"
    );

    let dir = Dir::new(BASE);
    let output = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["check", "--config"])
        .arg(dir.main())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("configuration OK"), "{stdout}");
    assert!(stdout.contains("s400"), "{stdout}");
    // It reads the config only: no database is created or opened, so it is safe beside
    // a running daemon and before a deploy.
    let database = dir.load().unwrap().storage.path;
    assert!(!database.exists(), "{} was created", database.display());
    assert!(!dir.main().with_file_name("data").exists());
}

#[test]
fn a_bad_key_is_blamed_on_the_file_that_set_it() {
    let dir = Dir::new(&format!("{BASE}\n[polling]\ninterval = \"soon\"\n"))
        .with("conf.d/10-polling.toml", "[polling]\nconcurrency = 4\n");
    refused(
        dir.load(),
        &dir.main(),
        "polling.interval",
        "not a duration",
    );
}

#[test]
fn durations_out_of_range() {
    let dir = Dir::new(&BASE.replace("every 1h", "every 1ms"));
    refused(
        dir.load(),
        &dir.main(),
        "digests[0] (\"morning\").schedule",
        "at least one second",
    );

    let dir = Dir::new(&BASE.replace("every 1h", "every 300000y"));
    refused(
        dir.load(),
        &dir.main(),
        "digests[0] (\"morning\").schedule",
        "too long",
    );

    let dir = Dir::new(&BASE.replace(
        "tags = [\"wire\"]",
        "tags = [\"wire\"]\ninterval = \"300000y\"",
    ));
    refused(
        dir.load(),
        &dir.main(),
        "feeds[0] (\"Wire\").interval",
        "too long",
    );
}

#[test]
fn a_digest_with_an_empty_watchlist_list() {
    let dir = Dir::new(&BASE.replace("watchlists = [\"s400\"]", "watchlists = []"));
    refused(
        dir.load(),
        &dir.main(),
        "digests[0] (\"morning\").watchlists",
        "is empty",
    );
}

#[test]
fn the_server_listens_only_on_a_socket_address() {
    let settings = Dir::new(BASE).load().unwrap();
    assert_eq!(settings.server.listen, None, "off unless asked for");
    assert_eq!(settings.server.stalled_after, Duration::from_secs(300));

    let dir = Dir::new(&format!(
        "{BASE}\n[server]\nlisten = \"[::1]:9090\"\nstalled_after = \"10m\"\n"
    ));
    let server = dir.load().unwrap().server;
    assert_eq!(server.listen, Some("[::1]:9090".parse().unwrap()));
    assert_eq!(server.stalled_after, Duration::from_secs(600));

    for bad in ["localhost:9090", "127.0.0.1", "127.0.0.1:99999", ""] {
        let dir = Dir::new(&format!("{BASE}\n[server]\nlisten = \"{bad}\"\n"));
        refused(
            dir.load(),
            &dir.main(),
            "server.listen",
            "is not a socket address",
        );
    }
    let dir = Dir::new(&format!("{BASE}\n[server]\nstalled_after = \"soon\"\n"));
    refused(
        dir.load(),
        &dir.main(),
        "server.stalled_after",
        "not a duration",
    );
    let dir = Dir::new(&format!(
        "{BASE}\n[server]\nlisten_on = \"127.0.0.1:9090\"\n"
    ));
    refused(dir.load(), &dir.main(), "listen_on", "unknown field");

    let dir = Dir::new(BASE);
    let settings = dir
        .load_env(&[("NEWSHOUND__SERVER__LISTEN", "127.0.0.1:9191")])
        .unwrap();
    assert_eq!(
        settings.server.listen,
        Some("127.0.0.1:9191".parse().unwrap())
    );
}

#[test]
fn queries_with_unknown_operators_lists_feeds_or_tags_are_refused_naming_the_watchlist() {
    let with_query =
        |query: &str| BASE.replace(r#"'"S-400" (Turkey OR Ankara)'"#, &format!("'{query}'"));
    let cases = [
        ("S-400 inurl:nato", "unknown operator `inurl:`"),
        ("S-400 inurl:nato", "title:, intitle:, site:, feed:, tag:"),
        ("S-400 inurl:nato", "at position 7"),
        ("S-400 @turkey", "no list is named `turkey`"),
        ("S-400 feed:Reuters", "no feed is named `Reuters`"),
        ("S-400 tag:defence", "no feed has the tag `defence`"),
        ("mi* S-400", "at least 3 letters or digits"),
        ("S-400 NEAR/99 Turkey", "1 to 50"),
        // The watchlist applies to the wire feeds only: a scope outside them never holds.
        (
            "S-400 feed:Review",
            "feed:Review: none of the feeds this watchlist applies to",
        ),
        (
            "S-400 -feed:Review",
            "feed:Review: none of the feeds this watchlist applies to",
        ),
    ];
    for (query, reason) in cases {
        let dir = Dir::new(&with_query(query));
        refused(
            dir.load(),
            &dir.main(),
            "watchlists[0] (\"s400\").query",
            reason,
        );
    }
    // Scopes naming what is configured load.
    let dir = Dir::new(&with_query(
        "S-400 (feed:Wire OR tag:wire OR site:reuters.com) missil* NEAR/5 Turkey",
    ));
    dir.load().unwrap();
}

#[test]
fn lists_live_in_any_file_and_bad_items_are_refused_with_the_list() {
    let query = |q: &str| BASE.replace(r#"'"S-400" (Turkey OR Ankara)'"#, &format!("'{q}'"));
    // A list in conf.d serves a watchlist of the main file; a later file replaces it.
    let dir = Dir::new(&query("\"S-400\" @turkey"))
        .with("conf.d/10-lists.toml", "[lists]\nturkey = [\"Turkey\", \"Ankara\"]\n")
        .with(
            "conf.d/20-more.toml",
            "[lists]\nturkey = [\"Turkey\", \"Türkiye\", \"\\\"Recep Tayyip Erdogan\\\"\", \"Turk*\"]\n",
        );
    let settings = dir.load().unwrap();
    assert_eq!(settings.lists["turkey"].len(), 4);
    assert_eq!(
        settings.watchlists[0].query.to_string(),
        "S-400 (Turkey OR Türkiye OR \"Recep Tayyip Erdogan\" OR Turk*)"
    );

    let file = dir.dir.path().join("conf.d/20-more.toml");
    let dir = dir.with(
        "conf.d/20-more.toml",
        "[lists]\nturkey = [\"Turkey\", \"Tu*\"]\n",
    );
    refused(
        dir.load(),
        &file,
        "lists.turkey",
        "item 2: `Tu*`: a wildcard needs at least 3",
    );
    let dir = dir.with("conf.d/20-more.toml", "[lists]\nturkey = []\n");
    refused(dir.load(), &file, "lists.turkey", "at least one term");
    let dir = dir.with("conf.d/20-more.toml", "[lists]\n\"tur key\" = [\"x\"]\n");
    refused(
        dir.load(),
        &file,
        "lists.tur key",
        "cannot be written as @tur key",
    );
    let dir = dir.with("conf.d/20-more.toml", "[lists]\nturkey = \"Turkey\"\n");
    refused(dir.load(), &file, "lists.turkey", "invalid type");
}

#[test]
fn no_password_in_clear_and_no_bare_greeting_name() {
    let email = |extra: &str| {
        format!(
            "{BASE}\n[email]\nhost = \"smtp.example.org\"\nusername = \"alerts\"\n\
             password_env = \"PATH\"\n{extra}"
        )
    };
    let dir = Dir::new(&email("security = \"none\"\n"));
    refused(
        dir.load(),
        &dir.main(),
        "email.username",
        "the password would be sent in clear",
    );
    let dir = Dir::new(&email("security = \"none\"\nallow_plaintext_auth = true\n"));
    refused(
        dir.load(),
        &dir.main(),
        "email.username",
        "is for a relay on this machine",
    );
    let on_loopback = email("security = \"none\"\nallow_plaintext_auth = true\n")
        .replace("smtp.example.org", "127.0.0.1");
    Dir::new(&on_loopback).load().unwrap();
    Dir::new(&email("security = \"starttls\"\n"))
        .load()
        .unwrap();

    let dir = Dir::new(&email("helo_name = \"vm\"\n"));
    refused(
        dir.load(),
        &dir.main(),
        "email.helo_name",
        "not a fully qualified name",
    );
    let dir = Dir::new(&email("helo_name = \"mail.example.org\"\n"));
    let settings = dir.load().unwrap();
    let config::Transport::Smtp(smtp) = &settings.email.transport else {
        panic!("smtp");
    };
    assert_eq!(smtp.helo_name.as_deref(), Some("mail.example.org"));
    Dir::new(&email("helo_name = \"[192.0.2.1]\"\n"))
        .load()
        .unwrap();
}

#[test]
fn the_listener_token_and_feed_settings() {
    let server = |lines: &str| format!("{BASE}\n[server]\nlisten = \"127.0.0.1:9090\"\n{lines}");
    let dir = Dir::new(&server(
        "token_env = \"NEWSHOUND_TEST_TOKEN_THAT_IS_NOT_SET\"\n",
    ));
    refused(dir.load(), &dir.main(), "server.token_env", "is not set");
    let dir = Dir::new(&server("token_env = \"PATH\"\ntoken_file = \"/nope\"\n"));
    refused(dir.load(), &dir.main(), "server.token_file", "not both");
    let dir = Dir::new(&server("feed_entries = 0\n"));
    refused(dir.load(), &dir.main(), "server.feed_entries", "at least 1");
    let dir = Dir::new(&server("public_url = \"ftp://example.org/\"\n"));
    refused(
        dir.load(),
        &dir.main(),
        "server.public_url",
        "not an http(s) URL",
    );

    let token = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token.path(), "s3cret-token-value\n").unwrap();
    let dir = Dir::new(&server(&format!(
        "token_file = {:?}\nfeed_entries = 7\npublic_url = \"https://news.example.org/hound/\"\n",
        token.path().display().to_string()
    )));
    let settings = dir.load().unwrap();
    let server = &settings.server;
    assert_eq!(
        server.token.as_ref().map(|t| t.expose()),
        Some("s3cret-token-value")
    );
    assert_eq!(server.feed_entries, 7);
    assert_eq!(
        server.public_url.as_ref().map(|u| u.as_str()),
        Some("https://news.example.org/hound/")
    );
    assert!(!format!("{settings:?}").contains("s3cret-token-value"));
    std::fs::write(token.path(), "\n").unwrap();
    refused(
        dir.load(),
        &dir.main(),
        "server.token",
        "the token is empty",
    );
}
