//! Feeds and servers that misbehave on purpose: answers that never come, redirect mazes,
//! things that are not feeds, text in the wrong (or a mislabelled) encoding, markup with
//! `>` inside its attributes, refusals with `Retry-After`, cache headers, and very large
//! documents. Each goes through the real path: the loopback feed server, the fetcher, the
//! parser and, through `poll_once`, the SQLite store. Not one may panic or hang.
//! (`tests/failing_feeds.rs` covers the plainer failures: 404, 500, malformed XML, an HTML
//! login page, a plain body over the cap.)

mod support;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use newshound::config::{self, Settings};
use newshound::daemon::{self, FeedReport, Polled};
use newshound::feed::fetch::{FetchError, Fetched, Fetcher, Validators};
use newshound::feed::parse::{self, ParsedFeed};
use support::FeedServer;
use support::fixtures::{feed_table, served_copy, write_config};
use support::http::http_date;
use url::Url;

/// No test here should come near this.
const LIMIT: Duration = Duration::from_secs(30);

/// Loads a config of `polling` (the `[polling]` table's lines), the feeds and a
/// watchlist `probe` that matches every item whose text says "probe".
fn settings(work: &Path, polling: &str, feeds: &[(&str, String)]) -> Settings {
    let mut body = format!("[polling]\n{polling}\n\n");
    for (name, url) in feeds {
        body.push_str(&feed_table(name, url));
    }
    body.push_str("[[watchlists]]\nname = \"probe\"\nquery = 'probe'\n");
    config::load(&write_config(work, &body)).unwrap()
}

async fn poll(settings: Settings) -> Vec<FeedReport> {
    tokio::time::timeout(LIMIT, daemon::poll_once(settings, None))
        .await
        .expect("poll_once finishes")
        .unwrap()
}

fn outcome<'a>(reports: &'a [FeedReport], name: &str) -> &'a Result<Polled, String> {
    &reports.iter().find(|r| r.feed == name).unwrap().outcome
}

fn polled<'a>(reports: &'a [FeedReport], name: &str) -> &'a Polled {
    outcome(reports, name)
        .as_ref()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn failure<'a>(reports: &'a [FeedReport], name: &str) -> &'a str {
    outcome(reports, name).as_ref().expect_err(name)
}

/// A fetcher with the crate's defaults but `timeout`.
fn fetcher(timeout: &str) -> Fetcher {
    let work = tempfile::tempdir().unwrap();
    let settings = settings(
        work.path(),
        &format!("timeout = \"{timeout}\""),
        &[("unused", "http://127.0.0.1:9/".into())],
    );
    Fetcher::new(&settings.polling).unwrap()
}

async fn fetch(fetcher: &Fetcher, url: &str) -> Result<Fetched, FetchError> {
    let url = Url::parse(url).unwrap();
    tokio::time::timeout(LIMIT, fetcher.fetch(&url, &Validators::default()))
        .await
        .expect("fetch finishes")
}

/// Fetches `url` and parses what comes back with its Content-Type, as the poller does.
async fn fetch_and_parse(fetcher: &Fetcher, url: &str) -> ParsedFeed {
    let Fetched::Body {
        bytes,
        content_type,
        ..
    } = fetch(fetcher, url).await.unwrap()
    else {
        panic!("{url}: not modified?")
    };
    let base = Url::parse(url).unwrap();
    parse::parse_response(&bytes, &base, content_type.as_deref())
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// An RSS document with one item titled `title` (bytes, in whatever encoding the test
/// wants) whose description says "probe", after `prolog` (a declaration, a BOM, blanks).
/// A feed of one item titled `title`. Each call's item has text of its own: two feeds
/// with the same title and text would carry one article, stored and matched once.
fn rss_titled(prolog: &[u8], title: &[u8]) -> Vec<u8> {
    static PROBES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let probe = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    [
        prolog,
        b"<rss version=\"2.0\"><channel><title>Encodings</title>\n<item><title>",
        title,
        b"</title><guid>only</guid><description>encoding probe ",
        probe.to_string().as_bytes(),
        b"</description></item>\n</channel></rss>\n",
    ]
    .concat()
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_and_trickling_servers_time_out_and_free_the_only_worker() {
    let served = served_copy(&["wire.rss"]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let settings = settings(
        work.path(),
        "timeout = \"2s\"\nconcurrency = 1",
        &[
            ("silent", http.url("hang")),
            ("trickle", http.url("trickle")),
            ("good", http.url("wire.rss")),
        ],
    );
    let started = Instant::now();
    let reports = poll(settings).await;
    for name in ["silent", "trickle"] {
        let error = failure(&reports, name);
        assert!(error.contains("timed out after 2s"), "{name}: {error}");
    }
    assert_eq!(polled(&reports, "good").items, 5);
    // One worker: the two bad feeds took their two seconds each, one after the other, and
    // the good one was still fetched after them.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(4), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(12), "{elapsed:?}");
    assert_eq!(http.requests_for("wire.rss").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_gzip_bomb_stops_at_the_cap() {
    let served = served_copy(&[]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let settings = settings(
        work.path(),
        "max_body_size = \"1MB\"",
        &[("bomb", http.url("bomb/16"))],
    );
    let fetcher = Fetcher::new(&settings.polling).unwrap();
    let reports = poll(settings).await;
    let error = failure(&reports, "bomb");
    assert!(
        error.contains("larger than the 1000000-byte limit"),
        "{error}"
    );

    let error = fetch(&fetcher, &http.url("bomb/16")).await.unwrap_err();
    assert_eq!(error.kind(), "too large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_long_chains_fail_short_ones_work() {
    let served = served_copy(&["wire.rss"]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let settings = settings(
        work.path(),
        "",
        &[
            ("loop", http.url("loop")),
            ("twelve hops", http.url("redirect/12/wire.rss")),
            ("three hops", http.url("redirect/3/wire.rss")),
            ("ten hops", http.url("redirect/10/wire.rss")),
        ],
    );
    let reports = poll(settings).await;
    assert_eq!(
        failure(&reports, "loop"),
        "bad redirect: redirect loop at /loop"
    );
    assert_eq!(
        failure(&reports, "twelve hops"),
        "bad redirect: more than 10 redirects"
    );
    assert_eq!(polled(&reports, "three hops").items, 5);
    assert_eq!(polled(&reports, "ten hops").items, 5);

    let fetcher = fetcher("5s");
    let error = fetch(&fetcher, &http.url("loop")).await.unwrap_err();
    assert_eq!(error.kind(), "redirect");
    // The twelve-hop chain is given up at the eleventh redirect.
    http.reset_log();
    let error = fetch(&fetcher, &http.url("redirect/12/wire.rss"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "redirect");
    assert_eq!(http.requests().len(), 11);
    assert_eq!(http.requests_for("redirect/2/wire.rss").len(), 1);
    assert!(http.requests_for("redirect/1/wire.rss").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_leading_run_of_permanent_redirects_is_a_move() {
    let served = served_copy(&["wire.rss"]);
    let http = FeedServer::start(served.path()).await;
    let fetcher = fetcher("5s");
    let cases = [
        ("permanent/301/wire.rss", Some("wire.rss")),
        ("permanent/308/wire.rss", Some("wire.rss")),
        ("redirect/3/wire.rss", Some("wire.rss")),
        (
            "permanent/301/temporary/wire.rss",
            Some("temporary/wire.rss"),
        ),
        ("temporary/wire.rss", None),
        ("temporary/permanent/301/wire.rss", None),
        ("wire.rss", None),
    ];
    for (path, moved) in cases {
        let Fetched::Body { hints, status, .. } = fetch(&fetcher, &http.url(path)).await.unwrap()
        else {
            panic!("{path}: not modified?")
        };
        assert_eq!(status, Some(200), "{path}");
        assert_eq!(
            hints.moved_permanently_to.map(String::from),
            moved.map(|m| http.url(m)),
            "{path}"
        );
    }

    // The validators go with every hop, and a 304 at the end still reports the move.
    let Fetched::Body { validators, .. } = fetch(&fetcher, &http.url("wire.rss")).await.unwrap()
    else {
        panic!("first fetch")
    };
    http.reset_log();
    let url = Url::parse(&http.url("redirect/3/wire.rss")).unwrap();
    let again = fetcher.fetch(&url, &validators).await.unwrap();
    let Fetched::NotModified { status, hints, .. } = again else {
        panic!("{again:?}")
    };
    assert_eq!(status, 304);
    assert_eq!(
        hints.moved_permanently_to.map(String::from),
        Some(http.url("wire.rss"))
    );
    let log = http.requests();
    assert_eq!(log.len(), 4);
    assert!(
        log.iter().all(|r| r.if_none_match == validators.etag),
        "{log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_not_a_feed_is_named_so() {
    let served = served_copy(&[]);
    let dir = served.path();
    std::fs::write(
        dir.join("image.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89",
    )
    .unwrap();
    std::fs::write(dir.join("empty.rss"), b"").unwrap();
    std::fs::write(
        dir.join("api.json"),
        br#"{"status": "ok", "results": [1, 2, 3]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("page"),
        "\n  <!DOCTYPE html>\n<html><head><title>Moved</title></head><body>Gone</body></html>",
    )
    .unwrap();
    let http = FeedServer::start(dir).await;
    let work = tempfile::tempdir().unwrap();
    let settings = settings(
        work.path(),
        "",
        &[
            ("image", http.url("typed/image%2Fpng/image.png")),
            (
                "image as rss",
                http.url("typed/application%2Frss%2Bxml/image.png"),
            ),
            ("empty", http.url("empty.rss")),
            ("json", http.url("api.json")),
            ("html", http.url("typed/text%2Fhtml/page")),
        ],
    );
    let reports = poll(settings).await;
    for (name, message) in [
        ("image", "not a feed: a PNG image was served"),
        ("image as rss", "not a feed: a PNG image was served"),
        ("empty", "not a feed: the body is empty"),
        ("json", "not a feed: JSON that is not a JSON Feed"),
        ("html", "not a feed: an HTML page was served"),
    ] {
        let error = failure(&reports, name);
        assert!(error.starts_with(message), "{name}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mislabelled_and_foreign_encodings_decode_to_the_right_titles() {
    let served = served_copy(&[]);
    let dir = served.path();
    let utf8_decl: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let files: [(&str, Vec<u8>); 7] = [
        (
            // One stray byte among good UTF-8: that byte is lost, the rest is kept.
            "invalid-utf8.rss",
            rss_titled(utf8_decl, b"Erdo\xc4\x9fan \xc3\xa7\xc3\xb6z\xc3\xbcm \xff"),
        ),
        (
            "latin1.rss",
            rss_titled(
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n",
                b"Caf\xe9 cr\xe8me",
            ),
        ),
        (
            "cp1252-as-utf8.rss",
            rss_titled(utf8_decl, b"Caf\xe9 \x96 \x93cr\xe8me\x94"),
        ),
        (
            "utf16le.rss",
            utf16le_with_bom(
                &String::from_utf8(rss_titled(
                    b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n",
                    "Erdoğan".as_bytes(),
                ))
                .unwrap(),
            ),
        ),
        (
            "utf8-bom.rss",
            rss_titled(
                b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n",
                "Erdoğan".as_bytes(),
            ),
        ),
        (
            "leading-blanks.rss",
            rss_titled(
                b"\n\r\n   \t\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
                "Café".as_bytes(),
            ),
        ),
        ("charset-in-header.rss", rss_titled(b"", b"Caf\xe9")),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let http = FeedServer::start(dir).await;
    let url = |file: &str| match file {
        "charset-in-header.rss" => http
            .url("typed/application%2Frss%2Bxml%3B%20charset%3Diso-8859-1/charset-in-header.rss"),
        other => http.url(other),
    };
    let expected = [
        ("invalid-utf8.rss", "Erdoğan çözüm \u{FFFD}"),
        ("latin1.rss", "Café crème"),
        ("cp1252-as-utf8.rss", "Café – “crème”"),
        ("utf16le.rss", "Erdoğan"),
        ("utf8-bom.rss", "Erdoğan"),
        ("leading-blanks.rss", "Café"),
        ("charset-in-header.rss", "Café"),
    ];

    // Through the whole pipeline: the matched item's title comes back from the store.
    let work = tempfile::tempdir().unwrap();
    let feeds: Vec<(&str, String)> = expected.iter().map(|(f, _)| (*f, url(f))).collect();
    let reports = poll(settings(work.path(), "", &feeds)).await;
    for (file, title) in expected {
        let polled = polled(&reports, file);
        assert_eq!(polled.new_items, 1, "{file}");
        let titles: Vec<&str> = polled.matches.iter().map(|m| m.title.as_str()).collect();
        assert_eq!(titles, [title], "{file}");
    }
}

/// Regression: a feed that was not UTF-8 and said nothing of its encoding was read as
/// windows-1252, so a Russian feed in windows-1251 came out as `Ïåðåãîâîðû â Àíêàðå`
/// and no watchlist in Russian ever matched it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cyrillic_feed_without_a_charset_is_read_as_cyrillic_not_mojibake() {
    let file = "cyrillic-windows-1251.rss";
    let served = served_copy(&[file]);
    let http = FeedServer::start(served.path()).await;
    let url = http.url(&format!("typed/application%2Frss%2Bxml/{file}"));

    let feed = fetch_and_parse(&fetcher("5s"), &url).await;
    assert_eq!(feed.title.as_deref(), Some("Новости дня"));
    assert_eq!(feed.items[0].title, "Переговоры в Анкаре о поставках С-400");
    assert!(
        feed.items[1]
            .body
            .starts_with("Завтра в столице ожидается снег"),
        "{}",
        feed.items[1].body
    );

    // A watchlist in Russian matches the one item whose text (not title) names Syria.
    let work = tempfile::tempdir().unwrap();
    let body = format!(
        "{}[[watchlists]]\nname = \"syria\"\nquery = 'Сирии'\n",
        feed_table("novosti", &url)
    );
    let reports = poll(config::load(&write_config(work.path(), &body)).unwrap()).await;
    let polled = polled(&reports, "novosti");
    assert_eq!(polled.new_items, 2);
    let titles: Vec<&str> = polled.matches.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(titles, ["Переговоры в Анкаре о поставках С-400"]);
}

/// The same bug for CJK: a Japanese feed in Shift_JIS whose declaration says UTF-8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_japanese_feed_labelled_utf8_is_read_as_japanese_not_mojibake() {
    let file = "japanese-shift_jis-labelled-utf-8.rss";
    let served = served_copy(&[file]);
    let http = FeedServer::start(served.path()).await;
    let url = http.url(&format!("typed/application%2Frss%2Bxml/{file}"));
    let feed = fetch_and_parse(&fetcher("5s"), &url).await;
    assert_eq!(feed.title.as_deref(), Some("ニュース速報"));
    let titles: Vec<&str> = feed.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            // The ideographic space is a space like any other.
            "東京で震度４の地震 新幹線は一時運転を見合わせ",
            "大阪の株式市場、午前は値上がり"
        ]
    );
    assert!(
        feed.items[0].body.starts_with("気象庁によりますと、"),
        "{}",
        feed.items[0].body
    );
}

/// Regression: a tag ended at its first `>` even inside a quoted attribute, so the rest of
/// the attribute leaked into the item's text and a watchlist matched a word no reader saw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watchlist_term_only_inside_a_quoted_attribute_does_not_match() {
    let served = served_copy(&[]);
    let dir = served.path();
    let item = |guid: &str, title: &str, html: &str| {
        format!(
            "<item><title>{title}</title><guid>{guid}</guid>\
             <description><![CDATA[{html}]]></description></item>\n"
        )
    };
    let rss = [
        "<rss version=\"2.0\"><channel><title>Attributes</title>\n".to_string(),
        item(
            "alt",
            "Photo of the day",
            r#"<img alt="sunrise > probe" src="sun.jpg"><p>The sun rose over the bay.</p>"#,
        ),
        item(
            "title",
            "Link of the day",
            "<p>Read <a href='/x' title='more > probe'>the report</a> today.</p>",
        ),
        item(
            "text",
            "Seen by readers",
            r#"<p class="lede">The probe landed on the moon.</p>"#,
        ),
        "</channel></rss>\n".to_string(),
    ]
    .concat();
    std::fs::write(dir.join("attributes.rss"), rss).unwrap();
    let http = FeedServer::start(dir).await;
    let work = tempfile::tempdir().unwrap();
    let settings = settings(
        work.path(),
        "",
        &[("attributes", http.url("attributes.rss"))],
    );
    let reports = poll(settings).await;
    let polled = polled(&reports, "attributes");
    assert_eq!(polled.new_items, 3);
    let titles: Vec<&str> = polled.matches.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(titles, ["Seen by readers"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_retry_after() {
    let http = FeedServer::start(served_copy(&[]).path()).await;
    let fetcher = fetcher("5s");
    let in_a_minute = http_date(SystemTime::now() + Duration::from_secs(60));
    let in_the_past = http_date(SystemTime::now() - Duration::from_secs(600));
    let encode = |date: &str| date.replace(' ', "%20");
    let cases = [
        ("status/429?retry_after=7".to_string(), 429, Some(7..=7)),
        ("status/503?retry_after=7".to_string(), 503, Some(7..=7)),
        (
            format!("status/429?retry_after={}", encode(&in_a_minute)),
            429,
            Some(58..=60),
        ),
        (
            format!("status/503?retry_after={}", encode(&in_the_past)),
            503,
            Some(0..=0),
        ),
        ("status/503?retry_after=soon".to_string(), 503, None),
        ("status/503".to_string(), 503, None),
        // Only a refusal is a reason to wait.
        ("status/500?retry_after=7".to_string(), 500, None),
    ];
    for (path, status, seconds) in cases {
        let error = fetch(&fetcher, &http.url(&path)).await.unwrap_err();
        assert_eq!(error.status(), Some(status), "{path}");
        assert_eq!(error.kind(), "http", "{path}");
        let waited = error.retry_after().map(|d| d.as_secs());
        match seconds {
            Some(range) => assert!(
                waited.is_some_and(|w| range.contains(&w)),
                "{path}: {waited:?}"
            ),
            None => assert_eq!(waited, None, "{path}"),
        }
    }
    let error = fetch(&fetcher, &http.url("status/429?retry_after=7"))
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "HTTP 429 Too Many Requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_headers_and_feed_hints_say_when_to_come_back() {
    let served = served_copy(&["wire.rss"]);
    let dir = served.path();
    std::fs::write(
        dir.join("ttl.rss"),
        "<rss version=\"2.0\"><channel><title>T</title><ttl>90</ttl>\
         <item><title>One</title><guid>1</guid></item></channel></rss>",
    )
    .unwrap();
    std::fs::write(
        dir.join("sy.rss"),
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" \
         xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"><channel><title>S</title>\
         <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>\
         <item><title>One</title><guid>1</guid></item></channel></rss>",
    )
    .unwrap();
    let http = FeedServer::start(dir).await;
    let fetcher = fetcher("5s");
    let fresh_for = |fetched: Fetched| match fetched {
        Fetched::Body { hints, .. } | Fetched::NotModified { hints, .. } => hints.fresh_for,
    };
    let cases = [
        ("cache/600/wire.rss", Some(Duration::from_secs(600))),
        ("expires/900/wire.rss", Some(Duration::from_secs(900))),
        ("cache/0/wire.rss", None),
        ("wire.rss", None),
    ];
    for (path, expected) in cases {
        let fetched = fetch(&fetcher, &http.url(path)).await.unwrap();
        assert_eq!(fresh_for(fetched), expected, "{path}");
    }

    let minute = Duration::from_secs(60);
    let ttl = fetch_and_parse(&fetcher, &http.url("ttl.rss")).await;
    assert_eq!(ttl.refresh_hint, Some(minute * 90));
    let sy = fetch_and_parse(&fetcher, &http.url("sy.rss")).await;
    assert_eq!(sy.refresh_hint, Some(minute * 30));
    let plain = fetch_and_parse(&fetcher, &http.url("wire.rss")).await;
    assert_eq!(plain.refresh_hint, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_items_and_five_megabyte_bodies_are_stored() {
    let served = served_copy(&[]);
    let dir = served.path();
    let mut many =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Many</title>\n");
    for n in 0..50_000 {
        many.push_str(&format!(
            "<item><title>Item {n}</title><guid>many-{n}</guid>\
             <description>Short text {n}.</description></item>\n"
        ));
    }
    many.push_str("</channel></rss>\n");
    std::fs::write(dir.join("many.rss"), &many).unwrap();

    let big_body = "<p>Lorem ipsum dolor sit amet, probe.</p> ".repeat(5 * 1024 * 1024 / 42);
    let mut fat = String::from("<rss version=\"2.0\"><channel><title>Fat</title>\n");
    for n in 0..3 {
        fat.push_str(&format!(
            "<item><title>Fat {n}</title><guid>fat-{n}</guid>\
             <description><![CDATA[{big_body}]]></description></item>\n"
        ));
    }
    fat.push_str("</channel></rss>\n");
    assert!(fat.len() > 15_000_000);
    std::fs::write(dir.join("fat.rss"), &fat).unwrap();

    let http = FeedServer::start(dir).await;
    let work = tempfile::tempdir().unwrap();
    let settings = settings(
        work.path(),
        "max_body_size = \"64MB\"\ntimeout = \"20s\"",
        &[("many", http.url("many.rss")), ("fat", http.url("fat.rss"))],
    );
    let reports = poll(settings).await;
    let many = polled(&reports, "many");
    assert_eq!((many.items, many.new_items), (50_000, 50_000));
    let fat = polled(&reports, "fat");
    assert_eq!((fat.items, fat.new_items), (3, 3));
    assert_eq!(fat.matches.len(), 3);
}

/// Story grouping reads whatever a feed wrote: no text makes it panic, and an item with no
/// words to compare starts a story of its own instead of joining any.
#[test]
fn story_grouping_takes_any_text() {
    use newshound::story::{DEFAULT_WINDOW, Features, StoryIndex};

    let long_word = "x".repeat(100_000);
    let many_words = "S-400 Sinop Guler ".repeat(50_000);
    let texts = [
        "",
        " ",
        "s",
        "'s",
        "S's's'",
        "-",
        "— – | :: -",
        "1,2,3,4,5,6,7,8,9,0.1.2.3",
        "Erdog\u{306}an\u{306}\u{306}\u{306}",
        "\u{202e}nagodrE\u{202c} \u{200b}\u{feff}",
        "\u{0}\u{1}\u{7f}\u{85}\u{2028}",
        "ǅǈǋ ß ẞ ﬁ İı",
        "日本語のニュース 北京 مرحبا שלום",
        "🚀🔥 S-400 🚀",
        &long_word,
        &many_words,
    ];
    let mut index = StoryIndex::new(DEFAULT_WINDOW);
    let now = chrono::Utc::now();
    let mut next = 0;
    for title in &texts {
        for body in &texts {
            let features = Features::of(title, body);
            let story = index.find(&features, now).unwrap_or_else(|| {
                next += 1;
                next
            });
            index.add(story, features, now);
        }
    }
    assert!(index.active() >= 1);
    let empty = Features::of("", "");
    assert_eq!(index.find(&empty, now), None);
}
