//! The `newshound` binary as a user runs it: `poll --once`, `matches --json`,
//! `digest preview`, `digest send` and `email test --to` with the file transport, and
//! `test-query`.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::fixtures::{feed_table, feeds_dir, serve_copies, write_config};
use support::process::newshound;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn poll_then_list_preview_and_send_through_the_file_transport() {
    let (_served, http) = serve_copies(&["wire.rss", "defense.atom"]);
    let work = tempfile::tempdir().unwrap();
    let outbox = work.path().join("outbox");
    let config = write_config(
        work.path(),
        &format!(
            "{}{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = '\"S-400\" (Turkey OR Ankara) -\"Real Turkey\"'\n\n\
             [email]\ntransport = \"file\"\noutbox = {:?}\nfrom = \"newshound <alerts@example.org>\"\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\n",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("review", &http.url("defense.atom")),
            feed_table("down", &http.url("status/503")),
            outbox.display().to_string()
        ),
    );

    let output = newshound(&config, &["poll", "--once"]);
    assert!(output.status.success(), "{output:?}");
    let printed = stdout(&output);
    assert!(
        printed.contains("ok      wire: 5 items, 5 new, 1 match"),
        "{printed}"
    );
    assert!(printed.contains("FAILED  down"), "{printed}");
    assert!(printed.contains("HTTP 503"), "{printed}");
    assert!(
        printed.contains("[s400] Turkey says S-400 systems"),
        "{printed}"
    );
    assert!(printed.contains("2 new matches"), "{printed}");

    // A second pass finds nothing new.
    let output = newshound(&config, &["poll", "--once", "--feed", "wire"]);
    let printed = stdout(&output);
    assert!(printed.contains("ok      wire: not modified"), "{printed}");
    assert!(printed.contains("0 new matches"), "{printed}");

    let output = newshound(&config, &["matches", "--json", "--since", "1h"]);
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let wire = lines.iter().find(|l| l["feed"] == "wire").unwrap();
    assert_eq!(wire["watchlist"], "s400");
    assert_eq!(wire["guid"], "wire-2026-11-20-0001");
    assert_eq!(
        wire["link"],
        "https://wire.example.org/world/2026/11/20/turkey-s400-storage?utm_source=rss&utm_medium=feed"
    );
    assert_eq!(wire["published"], "2026-11-20T09:12:00+00:00");
    assert_eq!(
        wire["matched_terms"],
        serde_json::json!(["S-400", "Turkey", "Ankara"])
    );
    assert!(
        wire["title"]
            .as_str()
            .unwrap()
            .starts_with("Turkey says S-400")
    );

    let output = newshound(&config, &["matches", "--watchlist", "nothing-here"]);
    assert!(output.status.success());
    assert!(stdout(&output).is_empty());

    // Preview renders without marking: twice the same, and nothing in the outbox.
    let html_path = work.path().join("preview.html");
    let output = newshound(
        &config,
        &[
            "digest",
            "preview",
            "desk",
            "--html",
            html_path.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let preview = stdout(&output);
    assert!(
        preview.starts_with("Subject: newshound: 2 new stories on 1 topic"),
        "{preview}"
    );
    assert!(
        std::fs::read_to_string(&html_path)
            .unwrap()
            .contains("<html")
    );
    assert!(!outbox.exists());
    assert_eq!(
        stdout(&newshound(&config, &["digest", "preview", "desk"])),
        preview
    );

    // Send writes one .eml into the outbox; a second send has nothing new.
    let output = newshound(&config, &["digest", "send", "desk"]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout(&output).contains("sent digest to desk@example.org (2 matches)"),
        "{}",
        stdout(&output)
    );
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        eml.contains("Subject: newshound: 2 new stories on 1 topic"),
        "{eml}"
    );
    assert!(eml.contains("multipart/alternative"), "{eml}");
    let output = newshound(&config, &["digest", "send", "desk"]);
    assert!(
        stdout(&output).contains("nothing new"),
        "{}",
        stdout(&output)
    );
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1);

    // The outbox lists the message, sent; as JSON too.
    let listing = stdout(&newshound(&config, &["outbox"]));
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(lines[0].starts_with("ID  STATE"), "{listing}");
    assert!(
        lines[1].contains("sent") && lines[1].contains("desk@example.org"),
        "{listing}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&newshound(&config, &["outbox", "--json"]))).unwrap();
    assert_eq!(json["state"], "sent");
    assert_eq!(json["kind"], "digest");
    assert_eq!(json["matches"], 2);
    let output = newshound(&config, &["outbox", "retry", "1"]);
    assert!(
        !output.status.success(),
        "only a failed message can be retried"
    );

    let output = newshound(&config, &["digest", "send", "evening"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no digest is named `evening`"));

    // Without a mail server, `email test --to` writes its message as a digest's: an .eml
    // through the outbox.
    let output = newshound(&config, &["email", "test", "--to", "check@example.org"]);
    let printed = stdout(&output);
    assert!(output.status.success(), "{output:?}");
    assert!(printed.contains("ok   transport"), "{printed}");
    let sent = format!(
        "ok   send     written to {} for check@example.org (outbox #2, Message-ID <email_test.",
        outbox.display()
    );
    assert!(printed.contains(&sent), "{printed}");
    let test: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("email_test"))
        .collect();
    assert_eq!(test.len(), 1, "{test:?}");
    let eml = std::fs::read_to_string(&test[0]).unwrap();
    assert!(eml.contains("Subject: newshound test message"), "{eml}");
    assert!(eml.contains("To: check@example.org"), "{eml}");
    let listing = stdout(&newshound(&config, &["outbox"]));
    let row = listing.lines().last().unwrap_or("");
    assert!(
        row.starts_with("2 ") && row.contains("test") && row.contains("check@example.org"),
        "{listing}"
    );
}

#[test]
fn test_query_shows_whether_and_where_a_query_matches() {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("unused.toml");
    let text = work.path().join("article.txt");
    std::fs::write(
        &text,
        "Turkey keeps its S-400s\n\nANKARA — Officials said the S400 batteries stay in storage.\n",
    )
    .unwrap();

    let output = newshound(
        &config,
        &["test-query", "\"S 400\" Ankara", text.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let printed = stdout(&output);
    assert!(printed.starts_with("match\n"), "{printed}");
    assert!(
        printed.contains("title 1:18"),
        "the S-400s in the title: {printed}"
    );
    assert!(
        printed.contains("body 3:1"),
        "ANKARA at the start of line 3: {printed}"
    );
    assert!(printed.contains("[S400]"), "{printed}");

    let output = newshound(
        &config,
        &["test-query", "S-4000 OR DS-400", text.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("no match"));

    // HTML is turned into text first; the query is checked before the file is read.
    let html = feeds_dir().join("page.html");
    let output = newshound(
        &config,
        &["test-query", "title:\"sign in\"", html.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let output = newshound(&config, &["test-query", "(S-400", html.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("position"));
}

/// `newshound feeds` shows each configured feed's state; `--json` gives the same as
/// JSON lines for scripts. A 410 marks the feed gone (not deleted, still polled).
#[test]
fn feeds_lists_each_feed_with_its_state_and_last_error() {
    let (_served, http) = serve_copies(&["wire.rss"]);
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        &format!(
            "{}{}{}{}",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("retired", &http.url("status/410")),
            feed_table("broken", &http.url("status/500")),
            feed_table("fresh", &http.url("redirect/1/wire.rss")),
        ),
    );
    // Before any poll every feed is listed as new.
    let before = newshound(&config, &["feeds"]);
    assert!(before.status.success(), "{before:?}");
    assert_eq!(
        stdout(&before).matches(" new ").count(),
        4,
        "{}",
        stdout(&before)
    );

    let output = newshound(&config, &["poll", "--once", "--feed", "wire"]);
    assert!(output.status.success(), "{output:?}");
    let output = newshound(&config, &["poll", "--once", "--feed", "retired"]);
    assert!(output.status.success(), "{output:?}");
    let output = newshound(&config, &["poll", "--once", "--feed", "broken"]);
    assert!(output.status.success(), "{output:?}");

    let table = newshound(&config, &["feeds"]);
    assert!(table.status.success(), "{table:?}");
    let table = stdout(&table);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{table}");
    for header in [
        "STATE",
        "LAST SUCCESS",
        "STATUS",
        "ITEMS",
        "NEXT POLL",
        "FAILURES",
        "LAST ERROR",
    ] {
        assert!(lines[0].contains(header), "{table}");
    }
    let row = |name: &str| {
        *lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name} in\n{table}"))
    };
    let wire: Vec<&str> = row("wire").split_whitespace().collect();
    assert_eq!(wire[1], "ok", "{table}");
    assert!(
        row("wire").contains(" 200 ") && row("wire").contains(" 5 "),
        "{table}"
    );
    assert!(row("retired").contains(" gone "), "{table}");
    assert!(row("retired").contains("HTTP 410 Gone"), "{table}");
    assert!(row("broken").contains(" erroring "), "{table}");
    assert!(row("broken").contains("HTTP 500"), "{table}");
    assert!(row("fresh").contains(" new "), "{table}");

    let json = newshound(&config, &["feeds", "--json"]);
    assert!(json.status.success(), "{json:?}");
    let lines: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    let by_name = |name: &str| lines.iter().find(|l| l["name"] == name).unwrap();
    assert_eq!(by_name("wire")["condition"], "ok");
    assert_eq!(by_name("wire")["items_seen"], 5);
    assert_eq!(by_name("wire")["last_status"], 200);
    assert!(by_name("wire")["next_due_at"].is_string());
    assert_eq!(by_name("retired")["condition"], "gone");
    assert_eq!(by_name("retired")["last_status"], 410);
    assert_eq!(by_name("retired")["last_error_kind"], "http");
    assert!(by_name("retired")["gone_since"].is_string());
    assert_eq!(by_name("broken")["consecutive_failures"], 1);
    assert_eq!(by_name("broken")["condition"], "erroring");
    assert_eq!(by_name("fresh")["condition"], "new");
}

/// Regression: `newshound check | head -1` panicked with "failed printing to stdout:
/// Broken pipe" once `head` had closed the pipe.
#[test]
fn output_into_a_closed_pipe_stops_quietly() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/newshound.toml");
    for args in [&["check"][..], &["man"][..], &["completions", "bash"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newshound"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the first line is written, as `head` does after
        // its first.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
        assert!(
            matches!(output.status.code(), Some(0 | 141)),
            "{args:?}: {:?}",
            output.status
        );
    }
}

/// `check` prints the mail settings as written, and warns of a port and a security that
/// do not go together by the ports' convention.
#[test]
fn check_warns_of_a_port_and_a_security_that_do_not_go_together() {
    let work = tempfile::tempdir().unwrap();
    for (port, security, warning) in [
        (465, "starttls", Some("port 465 speaks TLS at once")),
        (465, "none", Some("port 465 speaks TLS at once")),
        (25, "tls", Some("ports 25 and 587 speak plain SMTP first")),
        (587, "tls", Some("ports 25 and 587 speak plain SMTP first")),
        (465, "tls", None),
        (587, "starttls", None),
        (2525, "tls", None),
    ] {
        let config = write_config(
            work.path(),
            &format!(
                "[email]\nhost = \"smtp.example.org\"\nport = {port}\nsecurity = \"{security}\"\n\
                 from = \"alerts@example.org\"\n"
            ),
        );
        let out = newshound(&config, &["check"]);
        let printed = stdout(&out);
        assert!(out.status.success(), "{out:?}");
        assert!(
            printed.contains(&format!(
                "email: SMTP smtp.example.org:{port} (security = \"{security}\")"
            )),
            "{printed}"
        );
        match warning {
            Some(warning) => assert!(
                printed.contains(&format!("  warning: {warning}")),
                "{printed}"
            ),
            None => assert!(!printed.contains("warning"), "{printed}"),
        }
    }
}
