//! Full text in one pass over the feeds (`poll_once`, as `newshound poll --once` runs it):
//! a news site on loopback serves feeds whose items link to article pages with
//! navigation, a sidebar and a footer, and to pages that misbehave on purpose. What is
//! fetched is counted on the server; what is matched and stored is read back from the
//! SQLite file.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use newshound::config::{self, Settings};
use newshound::daemon::{self, FeedReport, Polled};
use newshound::store::{FeedStatus, Store};
use support::articles::{Entry, SINOP_TEASER, Site};
use support::fixtures::write_config;

/// No pass here should come near this.
const LIMIT: Duration = Duration::from_secs(60);

const WATCHLISTS: &str = "[[watchlists]]\nname = \"s400\"\nquery = '\"S-400\"'\n\n\
                          [[watchlists]]\nname = \"nato\"\nquery = 'NATO summit'\n";

/// A config of `polling` (lines of `[polling]`), the feeds (name, URL, extra lines) and
/// the two watchlists.
fn settings<N: std::fmt::Display>(
    work: &Path,
    polling: &str,
    feeds: &[(N, String, &str)],
) -> Settings {
    let mut body = format!("[polling]\nuser_agent = \"newshound-test/1\"\n{polling}\n\n");
    for (name, url, extra) in feeds {
        body.push_str(&format!(
            "[[feeds]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}\n"
        ));
    }
    body.push_str(WATCHLISTS);
    config::load(&write_config(work, &body)).unwrap()
}

/// Feeds `names` on the site, each of three teaser items linking to `page(feed, n)`, as
/// [`settings`] takes them.
fn teaser_feeds(
    site: &Site,
    names: &[&str],
    page: impl Fn(&str, usize) -> String,
) -> Vec<(String, String, &'static str)> {
    names
        .iter()
        .map(|f| {
            let entries: Vec<Entry> = (0..3)
                .map(|n| {
                    let title = format!("Report {f}.{n}");
                    Entry::new(
                        &format!("{f}-{n}"),
                        &title,
                        &page(f, n),
                        Some("A teaser."),
                        1,
                    )
                })
                .collect();
            (f.to_string(), site.feed(&format!("{f}.rss"), &entries), "")
        })
        .collect()
}

async fn poll(settings: Settings) -> Vec<FeedReport> {
    tokio::time::timeout(LIMIT, daemon::poll_once(settings, None))
        .await
        .expect("poll_once finishes")
        .unwrap()
}

fn polled<'a>(reports: &'a [FeedReport], name: &str) -> &'a Polled {
    let report = reports.iter().find(|r| r.feed == name).unwrap();
    report
        .outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn statuses(work: &Path) -> Vec<FeedStatus> {
    Store::open(&work.join("newshound.db"))
        .unwrap()
        .feed_statuses()
        .unwrap()
}

fn status(statuses: &[FeedStatus], name: &str) -> FeedStatus {
    statuses.iter().find(|s| s.name == name).unwrap().clone()
}

/// A feed's text for an item that carries the whole article: well over a teaser.
fn whole_article() -> String {
    "The harbour was quiet again on Sunday as the convoys left the range. ".repeat(20)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teasers_and_titles_are_read_in_full_and_whole_articles_and_never_are_not() {
    let site = Site::start().await;
    let work = tempfile::tempdir().unwrap();
    let wire = site.feed(
        "wire.rss",
        &[Entry::new(
            "wire-1",
            "Radar tests resume on the Black Sea coast",
            "articles/daemon-sinop.html",
            Some(SINOP_TEASER),
            1,
        )],
    );
    let review = site.feed(
        "review.rss",
        &[Entry::new(
            "review-1",
            "Ministers prepare December meeting",
            "articles/daemon-brussels.html",
            None,
            2,
        )],
    );
    let long = site.feed(
        "long.rss",
        &[Entry::new(
            "long-1",
            "Convoys leave the range",
            "articles/daemon-untouched.html",
            Some(&whole_article()),
            1,
        )
        .in_content()],
    );
    // As long, but a description: an excerpt, however long, and the article is read.
    std::fs::copy(
        site.dir.path().join("articles/daemon-sinop.html"),
        site.dir.path().join("articles/daemon-excerpt.html"),
    )
    .unwrap();
    let excerpt = site.feed(
        "excerpt.rss",
        &[Entry::new(
            "excerpt-1",
            "Convoys leave the coast",
            "articles/daemon-excerpt.html",
            Some(&whole_article()),
            1,
        )],
    );
    let quiet = site.feed(
        "quiet.rss",
        &[Entry::new(
            "quiet-1",
            "A teaser nobody reads in full",
            "articles/daemon-never.html",
            Some("A short teaser."),
            1,
        )],
    );
    let feeds = [
        ("wire", wire, ""),
        ("review", review, ""),
        ("long", long, ""),
        ("excerpt", excerpt, ""),
        ("quiet", quiet, "full_text = \"never\""),
    ];
    let reports = poll(settings(work.path(), "", &feeds)).await;

    // The term is only in the article's fourth paragraph: matched, and the snippet shows
    // it there.
    let wire = polled(&reports, "wire");
    assert_eq!((wire.articles.read, wire.articles.failed), (1, 0));
    assert_eq!(wire.matches.len(), 1, "{:?}", wire.matches);
    let s400 = &wire.matches[0];
    assert_eq!(s400.watchlist, "s400");
    assert!(s400.snippet.text.contains("S-400"), "{:?}", s400.snippet);
    assert!(
        s400.snippet.text.contains("the Russian-made S-400 system"),
        "{:?}",
        s400.snippet
    );
    // The page's "Most read" sidebar and the video promo between its paragraphs name the
    // NATO summit: they are not the article, and the nato watchlist does not match.
    assert!(wire.matches.iter().all(|m| m.watchlist != "nato"));
    // A title-only item is read too.
    let review = polled(&reports, "review");
    assert_eq!(review.articles.read, 1);
    assert_eq!(review.matches.len(), 1);
    assert_eq!(review.matches[0].watchlist, "nato");
    // A long description is an excerpt: the article behind it is read, and matched.
    let excerpt = polled(&reports, "excerpt");
    assert_eq!(excerpt.articles.read, 1);
    assert_eq!(excerpt.matches.len(), 1, "{:?}", excerpt.matches);
    assert_eq!(excerpt.matches[0].watchlist, "s400");
    // Nothing for the feed that carries the article, nor for `never`.
    for name in ["long", "quiet"] {
        let p = polled(&reports, name);
        assert_eq!(p.new_items, 1);
        assert!(!p.articles.fetched(), "{name}: {:?}", p.articles);
        assert!(p.matches.is_empty());
    }
    assert_eq!(site.requests_for("articles/daemon-sinop.html"), 1);
    assert_eq!(site.requests_for("articles/daemon-brussels.html"), 1);
    assert_eq!(site.requests_for("articles/daemon-excerpt.html"), 1);
    assert_eq!(
        site.article_requests().len(),
        3,
        "{:?}",
        site.article_requests()
    );
    let page = &site.http.requests_for("articles/daemon-sinop.html")[0];
    assert_eq!(page.user_agent.as_deref(), Some("newshound-test/1"));
    assert_eq!(status(&statuses(work.path()), "wire").articles.read, 1);

    // Polled again: nothing is new, nothing is fetched.
    site.http.reset_log();
    let reports = poll(settings(work.path(), "", &feeds)).await;
    for name in ["wire", "review", "long", "excerpt", "quiet"] {
        assert_eq!(polled(&reports, name).new_items, 0);
    }
    assert!(
        site.article_requests().is_empty(),
        "{:?}",
        site.article_requests()
    );

    // A feed added later that links to the article the wire's item read takes its text
    // from the store: no request, and the article (one item) is not matched again.
    let client = site.feed(
        "client.rss",
        &[Entry::new(
            "client-1",
            "Black Sea range busy again",
            "articles/daemon-sinop.html",
            Some("Residents of Sinop say the test range is in use again."),
            1,
        )],
    );
    let mut more = feeds.to_vec();
    more.push(("client", client, ""));
    let reports = poll(settings(work.path(), "", &more)).await;
    let client = polled(&reports, "client");
    assert_eq!(client.new_items, 1);
    assert!(!client.articles.fetched(), "{:?}", client.articles);
    assert!(client.matches.is_empty(), "{:?}", client.matches);
    assert!(
        site.article_requests().is_empty(),
        "{:?}",
        site.article_requests()
    );
    assert_eq!(
        status(&statuses(work.path()), "client").articles.skipped["known"],
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_poll_reads_only_its_most_recent_articles_and_later_polls_every_new_one() {
    let site = Site::start().await;
    let work = tempfile::tempdir().unwrap();
    // Twelve items of the last half day, then three of three days ago.
    let entry = |n: usize, hours_ago: i64| {
        Entry::new(
            &format!("item-{n}"),
            &format!("Report {n}"),
            &format!("articles/report-{n}.html"),
            Some("A teaser."),
            hours_ago,
        )
    };
    let mut entries: Vec<Entry> = (0..12).map(|n| entry(n, n as i64)).collect();
    entries.extend((12..15).map(|n| entry(n, 72)));
    let url = site.feed("wire.rss", &entries);
    let feeds = [("wire", url, "")];
    let reports = poll(settings(work.path(), "", &feeds)).await;

    let wire = polled(&reports, "wire");
    assert_eq!(wire.new_items, 15);
    // Not there (404): failed, and noted to be fetched again.
    assert_eq!((wire.articles.failed, wire.articles.skipped), (10, 5));
    let mut fetched = site.article_requests();
    fetched.sort();
    let mut newest: Vec<String> = (0..10)
        .map(|n| format!("/articles/report-{n}.html"))
        .collect();
    newest.sort();
    assert_eq!(fetched, newest);
    let articles = status(&statuses(work.path()), "wire").articles;
    assert_eq!(articles.skipped["backlog"], 5);
    assert_eq!((articles.failed["http"], articles.retrying), (10, 10));

    // From the second poll on, every new item's article is fetched, whatever its age.
    site.http.reset_log();
    entries.insert(0, entry(15, 0));
    entries.insert(1, entry(16, 96));
    site.feed("wire.rss", &entries);
    let reports = poll(settings(work.path(), "", &feeds)).await;
    assert_eq!(polled(&reports, "wire").new_items, 2);
    let mut fetched = site.article_requests();
    fetched.sort();
    assert_eq!(
        fetched,
        ["/articles/report-15.html", "/articles/report-16.html"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_article_servers_end_in_bounded_time_with_each_item_matched_on_its_teaser() {
    let site = Site::start().await;
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        site.dir.path().join("articles/daemon-binary.bin"),
        (0..=255u8).cycle().take(64 << 10).collect::<Vec<u8>>(),
    )
    .unwrap();
    let hostile = [
        ("hang", "hang"),
        ("trickle", "trickle?type=text%2Fhtml"),
        ("bomb", "bomb/1024?type=text%2Fhtml"),
        ("huge", "huge/1024"),
        ("endless", "endless"),
        ("loop", "loop"),
        ("pdf", "typed/application%2Fpdf/articles/daemon-sinop.html"),
        ("binary", "typed/text%2Fhtml/articles/daemon-binary.bin"),
        ("consent", "temporary/consent/daemon-consent.html"),
        ("gone", "status/404"),
    ];
    let entries: Vec<Entry> = hostile
        .iter()
        .map(|(name, path)| {
            Entry::new(
                name,
                &format!("The {name} report"),
                path,
                Some(&format!("Ankara moves its S-400 batteries ({name}).")),
                1,
            )
        })
        .collect();
    let url = site.feed("hostile.rss", &entries);
    let polling = "timeout = \"5s\"\narticle_wait = \"3s\"\nmax_body_size = \"1MB\"\n\
                   concurrency = 16\nconcurrency_per_host = 16";
    let peak_before = peak_rss_kib();
    let started = Instant::now();
    let reports = poll(settings(work.path(), polling, &[("hostile", url, "")])).await;
    let took = started.elapsed();

    // The hung and trickling pages are cut off by the wait for the batch, the rest end on
    // their own; the poll as a whole is bounded by the wait, not by the worst page.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let hostile_feed = polled(&reports, "hostile");
    assert_eq!(hostile_feed.new_items, hostile.len());
    assert_eq!(
        hostile_feed.matches.len(),
        hostile.len(),
        "every item matched on its teaser"
    );
    assert_eq!(hostile_feed.articles.read, 0);
    let articles = status(&statuses(work.path()), "hostile").articles;
    let kinds: Vec<(&str, i64)> = articles
        .failed
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    assert_eq!(
        kinds,
        [
            ("http", 1),
            ("redirect", 1),
            ("slow", 2),
            ("stub", 1),
            ("too large", 3)
        ],
        "{articles:?}"
    );
    assert_eq!(articles.skipped["not html"], 2, "{articles:?}");
    assert_eq!(
        articles.retrying, 8,
        "every failure is tried again; a PDF is not"
    );
    // A gigabyte inflated, a gigabyte announced and a page without end stopped at the cap.
    let grew = peak_rss_kib().saturating_sub(peak_before);
    assert!(grew < 200 * 1024, "peak RSS grew by {grew} KiB");
    // The PDF's body was never read: the request ended at its headers.
    assert_eq!(
        site.requests_for("typed/application%2Fpdf/articles/daemon-sinop.html"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_per_host_with_articles_on_the_feeds_own_host_completes() {
    let site = Site::start().await;
    let work = tempfile::tempdir().unwrap();
    let feeds = teaser_feeds(&site, &["feed0", "feed1", "feed2", "feed3"], |f, n| {
        let page = ["daemon-sinop.html", "daemon-brussels.html"][n % 2];
        format!("articles/{page}?{f}={n}")
    });
    let polling = "concurrency = 1\nconcurrency_per_host = 1\narticle_wait = \"20s\"";
    let reports = poll(settings(work.path(), polling, &feeds)).await;
    for (name, _, _) in &feeds {
        let p = polled(&reports, name);
        assert_eq!((p.articles.read, p.articles.failed), (3, 0), "{name}");
    }
    assert_eq!(site.article_requests().len(), 12);
    assert_eq!(site.http.max_in_flight(), 1);
}

/// The peak resident memory of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sites_articles_queue_behind_the_feed_polls_already_waiting_for_it() {
    let site = Site::start().await;
    let work = tempfile::tempdir().unwrap();
    let feeds = teaser_feeds(&site, &["a", "b"], |f, n| {
        format!("slow/0.2/articles/daemon-sinop.html?{f}={n}")
    });
    let polling = "concurrency = 1\nconcurrency_per_host = 1";
    let reports = poll(settings(work.path(), polling, &feeds)).await;
    assert_eq!(polled(&reports, "a").articles.read, 3);
    assert_eq!(polled(&reports, "b").articles.read, 3);
    // Whichever feed went first, its articles queued behind the other's poll: the host's
    // slots are handed out in turn, so articles never hold a feed back for longer than
    // those queued before it take.
    let paths: Vec<String> = site.http.requests().into_iter().map(|r| r.path).collect();
    assert!(paths[..2].iter().all(|p| p.ends_with(".rss")), "{paths:?}");
}

#[test]
fn poll_once_and_feeds_report_the_articles() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let work = tempfile::tempdir().unwrap();
    let wire = site.feed(
        "wire.rss",
        &[
            Entry::new(
                "wire-1",
                "Radar tests resume on the Black Sea coast",
                "articles/daemon-sinop.html",
                Some(SINOP_TEASER),
                1,
            ),
            Entry::new("wire-2", "Gone", "status/410", Some("A teaser."), 1),
            Entry::new(
                "wire-3",
                "A PDF",
                "typed/application%2Fpdf/articles/daemon-sinop.html",
                None,
                1,
            ),
        ],
    );
    let config = settings(work.path(), "", &[("wire", wire, "")]).files[0].clone();
    let output = support::process::newshound(&config, &["poll", "--once"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.starts_with(
            "ok      wire: 3 items, 3 new, 1 match; articles: 1 read, 1 failed, 1 skipped\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n1 new match\narticles: 1 read, 1 failed, 1 skipped\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("[1/1] wire: 3 new, 1 match; articles: 1 read, 1 failed, 1 skipped"),
        "{stderr}"
    );

    let table = support::process::newshound(&config, &["feeds"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.lines().next().unwrap().contains("ARTICLES"),
        "{table}"
    );
    assert!(
        table.contains("1 read, 1 failed (http), 1 skipped (not html), 1 retrying"),
        "{table}"
    );
    let json = support::process::newshound(&config, &["feeds", "--json"]);
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&json.stdout).trim()).unwrap();
    assert_eq!(line["articles"]["read"], 1);
    assert_eq!(line["articles"]["failed"]["http"], 1);
    assert_eq!(line["articles"]["skipped"]["not html"], 1);
    assert_eq!(line["articles"]["retrying"], 1);
}

/// An article page of one site: its own four paragraphs about `topic`, with the site's
/// promo line (which names a watched term) between the second and the third, inside the
/// article's markup where no single page can tell it from the text.
fn page_with_promo(topic: &str, fourth: &str) -> String {
    let paragraph = |k: &str| {
        format!(
            "<p>The {topic} story goes on in its {k} paragraph, with what the {topic} \
             people said and did, told at length as a paragraph of a report runs on \
             about the {topic} and the town around it.</p>"
        )
    };
    format!(
        "<!DOCTYPE html><html><head><title>The {topic} story</title></head><body>\
         <nav><a href=/>Home</a> <a href=/world>World</a></nav>\
         <article><h1>The {topic} story</h1>{}{}\
         <p><strong>Follow our NATO summit live page for every update from the allies.</strong></p>\
         {}<p>{fourth}</p></article>\
         <footer>All rights reserved.</footer></body></html>",
        paragraph("first"),
        paragraph("second"),
        paragraph("third"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promo_recurring_on_a_sites_articles_is_learned_and_left_out_of_the_next() {
    let site = Site::start().await;
    let work = tempfile::tempdir().unwrap();
    let topics = ["harbour", "orchard", "railway", "library", "vineyard"];
    for topic in topics {
        let fourth = if topic == "vineyard" {
            "Ministers will meet at the NATO summit in July to talk about the vineyard."
        } else {
            "The last paragraph says what comes next."
        };
        std::fs::write(
            site.dir.path().join(format!("articles/{topic}.html")),
            page_with_promo(topic, fourth),
        )
        .unwrap();
    }
    let entry = |topic: &str| {
        Entry::new(
            topic,
            &format!("The {topic} story"),
            &format!("articles/{topic}.html"),
            Some("A teaser."),
            1,
        )
    };
    let nato = |polled: &Polled| -> Vec<String> {
        let mut titles: Vec<String> = polled
            .matches
            .iter()
            .filter(|m| m.watchlist == "nato")
            .map(|m| m.title.clone())
            .collect();
        titles.sort();
        titles
    };

    // The first pages of the site: one page alone does not make its promo furniture.
    let url = site.feed(
        "wire.rss",
        &topics[..3].iter().map(|t| entry(t)).collect::<Vec<_>>(),
    );
    let reports = poll(settings(work.path(), "", &[("wire", url, "")])).await;
    let first = polled(&reports, "wire");
    assert_eq!(first.articles.read, 3);
    assert_eq!(
        nato(first),
        [
            "The harbour story",
            "The orchard story",
            "The railway story"
        ],
        "the promo is in each page's article markup"
    );

    // Another process (what was learned is in the database): seen on three other pages
    // of the site, the promo is the site's, and only what an article itself says matches.
    let url = site.feed(
        "wire.rss",
        &topics.iter().map(|t| entry(t)).collect::<Vec<_>>(),
    );
    let reports = poll(settings(work.path(), "", &[("wire", url, "")])).await;
    let second = polled(&reports, "wire");
    assert_eq!(second.new_items, 2);
    assert_eq!(second.articles.read, 2);
    assert_eq!(nato(second), ["The vineyard story"]);
    let snippet = &second
        .matches
        .iter()
        .find(|m| m.watchlist == "nato")
        .unwrap();
    assert!(
        format!("{:?}", snippet.snippet).contains("talk about the vineyard"),
        "{snippet:?}"
    );
}
