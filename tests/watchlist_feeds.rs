//! Each watchlist as an Atom feed served by the daemon's listener, read as a feed reader
//! reads it: parsed by feed-rs and, independently, by roxmltree against RFC 4287; entry
//! ids stable across polls, new coverage first, 304 for a copy that is still good, the
//! token enforced (and never logged), `/watchlists` and its OPML for a reader's import,
//! and a live edit of the watchlists followed at once.

mod support;

use std::path::Path;

use support::fixtures::{feed_table, serve_copies, write_config};
use support::listener::exchange;
use support::process::{Daemon, newshound, wait_until};
use support::unused_port;

const TOKEN: &str = "correct-horse-battery-staple-42";
const ATOM: &str = "http://www.w3.org/2005/Atom";

/// An item whose title and link are hostile, about the S-400.
const HOSTILE: &str = "<item><title>&lt;script&gt;alert(1)&lt;/script&gt; Ankara and the S-400 &amp; more</title>\
    <link>javascript:alert(1)</link><guid>hostile-1</guid>\
    <pubDate>Fri, 20 Nov 2026 16:00:00 GMT</pubDate>\
    <description>&lt;img src=x onerror=alert(1)&gt; Turkey keeps its S-400 batteries.</description></item>";

/// A later report of the Turkey S-400 story, for the second poll.
const LATER: &str = "<item><title>Ankara moves S-400 batteries to a new base</title>\
    <link>https://wire.example.org/world/2026/11/21/s400-base</link><guid>later-1</guid>\
    <pubDate>Sat, 21 Nov 2026 08:00:00 GMT</pubDate>\
    <description>Turkey relocated its S-400 air defence batteries, officials in Ankara said.</description></item>";

/// GET `path` with extra header lines; status, head and body.
fn get(port: u16, path: &str, headers: &str) -> (u16, String, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: news.example.net:8080\r\n{headers}\r\n");
    exchange(port, request.as_bytes()).expect("an answer")
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Adds `item` to the served feed file `wire.rss` in `dir`.
fn add_item(dir: &Path, item: &str) {
    let path = dir.join("wire.rss");
    let text =
        std::fs::read_to_string(&path)
            .unwrap()
            .replacen("<item>", &format!("{item}\n<item>"), 1);
    std::fs::write(path, text).unwrap();
}

/// What an Atom document holds, read by roxmltree, checked against RFC 4287's musts: the
/// feed's id, title, updated and author; each entry's id, title and updated.
struct Parsed {
    ids: Vec<String>,
    titles: Vec<String>,
    /// Each entry's `content`, as the HTML it carries.
    contents: Vec<String>,
    links: Vec<Option<String>>,
    updated: Vec<chrono::DateTime<chrono::FixedOffset>>,
}

/// The Atom child `name` of `node`.
fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &str,
) -> Option<roxmltree::Node<'a, 'input>> {
    node.children()
        .find(|c| c.tag_name().name() == name && c.tag_name().namespace() == Some(ATOM))
}

fn independently(xml: &str) -> Parsed {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    for name in ["id", "title", "updated", "author"] {
        assert!(child(feed, name).is_some(), "the feed has no {name}");
    }
    let mut parsed = Parsed {
        ids: Vec::new(),
        titles: Vec::new(),
        contents: Vec::new(),
        links: Vec::new(),
        updated: Vec::new(),
    };
    for entry in feed.children().filter(|c| c.tag_name().name() == "entry") {
        let text = |name| {
            child(entry, name)
                .and_then(|n| n.text())
                .unwrap_or("")
                .to_string()
        };
        for name in ["id", "title", "updated"] {
            assert!(!text(name).is_empty(), "an entry without {name}");
        }
        let updated =
            chrono::DateTime::parse_from_rfc3339(&text("updated")).expect("an RFC 3339 date");
        parsed.updated.push(updated);
        let content = child(entry, "content").expect("content");
        assert_eq!(content.attribute("type"), Some("html"));
        parsed.ids.push(text("id"));
        parsed.titles.push(text("title"));
        parsed
            .contents
            .push(content.text().unwrap_or("").to_string());
        parsed.links.push(
            child(entry, "link")
                .and_then(|l| l.attribute("href"))
                .map(String::from),
        );
    }
    parsed
}

#[test]
fn each_watchlist_is_an_atom_feed_for_any_reader() {
    let (served, http) = serve_copies(&["wire.rss", "defense.atom"]);
    add_item(served.path(), HOSTILE);
    let work = tempfile::tempdir().unwrap();
    let token_file = work.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let port = unused_port();
    let config_text = |watchlists: &str| {
        format!(
            "{}{}[polling]\nfull_text = \"never\"\n\n\
             [server]\nlisten = \"127.0.0.1:{port}\"\ntoken_file = {:?}\nfeed_entries = 10\n\n\
             {watchlists}",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("review", &http.url("defense.atom")),
            token_file.display().to_string(),
        )
    };
    let s400 = "[[watchlists]]\nname = \"S-400 in Turkey\"\nquery = 'S-400 (Turkey OR Ankara)'\n\n";
    let config = write_config(work.path(), &config_text(s400));
    let mut daemon = Daemon::start_with(&config, &[("RUST_LOG", "newshound=debug")]);
    let feed = "/watchlists/S-400%20in%20Turkey.atom";
    let with_token = format!("{feed}?token={TOKEN}");
    let bearer = format!("Authorization: Bearer {TOKEN}\r\n");

    // The token: none or a wrong one gets 401 everywhere but /healthz.
    wait_until(std::time::Duration::from_secs(30), || {
        exchange(port, b"GET /healthz HTTP/1.1\r\n\r\n").is_some_and(|(s, _, _)| s == 200)
    });
    for path in [
        feed,
        "/watchlists",
        "/watchlists.opml",
        "/metrics",
        "/feeds",
        "/webhooks",
    ] {
        let (status, head, _) = get(port, path, "");
        assert_eq!(status, 401, "{path}");
        assert_eq!(
            header(&head, "www-authenticate"),
            Some("Bearer realm=\"newshound\"")
        );
        assert_eq!(
            get(port, &format!("{path}?token=nope"), "").0,
            401,
            "{path}"
        );
        assert_eq!(
            get(port, path, "Authorization: Bearer nope\r\n").0,
            401,
            "{path}"
        );
        assert_eq!(get(port, path, &bearer).0, 200, "{path}");
    }

    // The feed, once the poll has matched and grouped the stories.
    let mut xml = String::new();
    wait_until(std::time::Duration::from_secs(30), || {
        xml = get(port, &with_token, "").2;
        independently(&xml).ids.len() >= 3
    });
    let (status, head, by_header) = get(port, feed, &bearer);
    assert_eq!(status, 200);
    assert_eq!(by_header, xml);
    assert_eq!(
        header(&head, "content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    let parsed = independently(&xml);
    let read = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs reads it");
    assert_eq!(
        read.title.map(|t| t.content).as_deref(),
        Some("newshound: S-400 in Turkey")
    );
    let read_ids: Vec<&str> = read.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(read_ids, parsed.ids);
    // No story twice; the S-4000 generator and the travel show are not S-400 news.
    let mut ids = parsed.ids.clone();
    ids.dedup();
    assert_eq!(ids.len(), parsed.ids.len());
    assert!(
        !parsed.titles.iter().any(|t| t.contains("S-4000")),
        "{:?}",
        parsed.titles
    );
    assert!(
        parsed
            .titles
            .iter()
            .any(|t| t.starts_with("Turkey says S-400")),
        "{:?}",
        parsed.titles
    );
    // The hostile item: its title as text, its markup escaped in the content, its link
    // dropped.
    let hostile = parsed
        .titles
        .iter()
        .position(|t| t.contains("alert(1)"))
        .expect("the hostile item");
    assert_eq!(
        parsed.titles[hostile],
        "<script>alert(1)</script> Ankara and the S-400 & more"
    );
    assert_eq!(parsed.links[hostile], None);
    for content in &parsed.contents {
        assert!(!content.contains("<script"), "{content}");
        assert!(!content.contains("<img"), "{content}");
        assert!(!content.contains("javascript:"), "{content}");
    }
    assert!(
        parsed
            .contents
            .iter()
            .any(|c| c.contains("<strong>S-400</strong>")),
        "highlights"
    );

    // A copy that is still good: 304, by ETag or by date.
    let etag = header(&head, "etag").expect("an ETag").to_string();
    let modified = header(&head, "last-modified")
        .expect("Last-Modified")
        .to_string();
    let (status, _, body) = get(port, &with_token, &format!("If-None-Match: {etag}\r\n"));
    assert_eq!((status, body.as_str()), (304, ""));
    let (status, _, _) = get(
        port,
        &with_token,
        &format!("If-Modified-Since: {modified}\r\n"),
    );
    assert_eq!(status, 304);
    let (status, _, _) = get(port, &with_token, "If-None-Match: \"other\"\r\n");
    assert_eq!(status, 200);

    // A later report of the Turkey S-400 story joins it: the story's entry keeps its id,
    // moves to the top with a later `updated`, and lists the report; no entry is added,
    // none is lost, and the old copy is no longer good. (Times are in seconds: the second
    // poll waits for the next one.)
    let storage = parsed
        .titles
        .iter()
        .position(|t| t.starts_with("Turkey says S-400"))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    add_item(served.path(), LATER);
    let polled = newshound(&config, &["poll", "--once"]);
    assert!(polled.status.success(), "{polled:?}");
    let mut after = String::new();
    wait_until(std::time::Duration::from_secs(30), || {
        after = get(port, &with_token, "").2;
        independently(&after)
            .contents
            .iter()
            .any(|c| c.contains("new base"))
    });
    let later = independently(&after);
    assert_eq!(later.ids[0], parsed.ids[storage], "{:?}", later.titles);
    assert!(
        later.contents[0].contains("new base"),
        "{}",
        later.contents[0]
    );
    assert!(later.updated[0] > parsed.updated[storage]);
    let mut before_ids = parsed.ids.clone();
    let mut after_ids = later.ids.clone();
    before_ids.sort();
    after_ids.sort();
    assert_eq!(before_ids, after_ids);
    let (status, _, _) = get(port, &with_token, &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(status, 200);

    // `/watchlists` and its OPML hand out each feed's URL, token included, as the request
    // reached the listener (or as a reverse proxy says it did).
    let (_, _, listing) = get(port, &format!("/watchlists?token={TOKEN}"), "");
    let listing: serde_json::Value = serde_json::from_str(&listing).unwrap();
    let expected = format!("http://news.example.net:8080{feed}?token={TOKEN}");
    assert_eq!(listing[0]["name"], "S-400 in Turkey");
    assert_eq!(listing[0]["feed"], expected.as_str());
    let (_, _, opml) = get(
        port,
        "/watchlists.opml",
        &format!("{bearer}X-Forwarded-Proto: https\r\nX-Forwarded-Host: news.example.org\r\n"),
    );
    let doc = roxmltree::Document::parse(&opml).unwrap();
    let urls: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("xmlUrl"))
        .collect();
    assert_eq!(
        urls,
        [format!("https://news.example.org{feed}?token={TOKEN}")]
    );

    // A live edit: a new watchlist is served at once, a removed one is gone.
    let floods = "[[watchlists]]\nname = \"nato\"\nquery = 'NATO'\n\n";
    write_config(work.path(), &config_text(floods));
    daemon.wait_for_log("configuration reloaded");
    // The listener takes the new settings just after the reload is logged.
    wait_until(std::time::Duration::from_secs(10), || {
        get(port, &with_token, "").0 == 404
    });
    wait_until(std::time::Duration::from_secs(30), || {
        let (status, _, xml) = get(port, &format!("/watchlists/nato.atom?token={TOKEN}"), "");
        status == 200
            && independently(&xml)
                .titles
                .iter()
                .any(|t| t.contains("NATO"))
    });

    // The token never reached the log; the query it came in is logged redacted.
    let log = daemon.stop(nix::sys::signal::Signal::SIGTERM);
    assert!(!log.contains(TOKEN), "the token is in the log");
    assert!(
        log.contains("token=***"),
        "requests are logged with the token redacted"
    );
}

/// With more stories than `feed_entries`, the feed holds those that had a match last,
/// newest first: three stories matched one poll apart, two entries.
#[test]
fn a_feed_holds_the_stories_matched_last() {
    let served = tempfile::tempdir().unwrap();
    let http = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(support::FeedServer::start(served.path()));
    let stories = [
        (
            "chess",
            "Chess champion names her new cat S-400 after the missile",
        ),
        (
            "bus",
            "Leipzig reopens the S-400 bus line through the old town",
        ),
        (
            "museum",
            "Riga museum shows a Soviet S-400 mock-up to schoolchildren",
        ),
    ];
    let channel = |count: usize| {
        let items: String = stories[..count]
            .iter()
            .map(|(guid, title)| {
                format!("<item><title>{title}</title><guid>{guid}</guid><description>{title}.</description></item>")
            })
            .collect();
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>"
        )
    };
    std::fs::write(served.path().join("odd.rss"), channel(1)).unwrap();
    let work = tempfile::tempdir().unwrap();
    let port = unused_port();
    let config = write_config(
        work.path(),
        &format!(
            "{}[polling]\nfull_text = \"never\"\n\n\
             [server]\nlisten = \"127.0.0.1:{port}\"\nfeed_entries = 2\n\n\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n",
            feed_table("odd", &http.url("odd.rss")),
        ),
    );
    // Each story a poll (and a second) after the one before.
    let polled = newshound(&config, &["poll", "--once"]);
    assert!(polled.status.success(), "{polled:?}");
    for count in [2, 3] {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        std::fs::write(served.path().join("odd.rss"), channel(count)).unwrap();
        let polled = newshound(&config, &["poll", "--once"]);
        assert!(polled.status.success(), "{polled:?}");
    }
    let daemon = Daemon::start(&config);
    let mut titles = Vec::new();
    wait_until(std::time::Duration::from_secs(30), || {
        let answer = exchange(port, b"GET /watchlists/s400.atom HTTP/1.1\r\n\r\n");
        titles = match answer {
            Some((200, _, xml)) => independently(&xml).titles,
            _ => Vec::new(),
        };
        titles.len() == 2
    });
    assert_eq!(titles, [stories[2].1, stories[1].1]);
    daemon.stop(nix::sys::signal::Signal::SIGTERM);
}
