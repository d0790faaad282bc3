//! Coverage, not items, through the real pipeline: feeds served over HTTP on loopback carry
//! the same article (by link, by guid, by title and text) and different outlets' reports
//! of one event; `poll --once` stores them in SQLite, and digests go to an SMTP server on
//! loopback. An article is stored, matched and mailed once with every feed it appeared
//! in; reports of one event are one story, a different event with the same people is
//! another, and later coverage of a story already mailed comes as a follow-up.

mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use newshound::config::{self, Settings};
use newshound::daemon::{DigestRun, poll_once, send_digest};
use newshound::model::{MatchRecord, Story};
use newshound::store::Store;
use support::fixtures::{feed_table, smtp_email, write_config};
use support::{FeedServer, SmtpServer};

/// One `<item>` of an RSS feed.
#[derive(Clone, Copy)]
struct Entry<'a> {
    guid: &'a str,
    link: &'a str,
    title: &'a str,
    text: &'a str,
    /// Hours before now.
    age: i64,
}

fn rss(entries: &[Entry]) -> String {
    let items: String = entries
        .iter()
        .map(|e| {
            let date = (Utc::now() - chrono::Duration::hours(e.age)).to_rfc2822();
            format!(
                "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid>\
                 <pubDate>{date}</pubDate><description>{}</description></item>\n",
                e.title, e.link, e.guid, e.text
            )
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>t</title>\n{items}</channel></rss>\n")
}

/// Writes a feed file and moves its modification time on, so a re-poll sees it changed.
fn publish(dir: &Path, file: &str, entries: &[Entry]) {
    let path = dir.join(file);
    let changed = path.exists();
    std::fs::write(&path, rss(entries)).unwrap();
    if changed {
        support::http::set_modified(&path, SystemTime::now() + Duration::from_secs(5));
    }
}

/// The feed files of `dir` served on loopback and configured as the feeds named (name,
/// file), then `extra`, in a work folder of their own; the server and the folder live as
/// long as the [`Serving`] returned with the settings.
async fn serve(dir: &Path, feeds: &[(&str, &str)], extra: &str) -> (Settings, Serving) {
    let http = FeedServer::start(dir).await;
    let work = tempfile::tempdir().unwrap();
    let feeds: String = feeds
        .iter()
        .map(|(name, file)| feed_table(name, &http.url(file)))
        .collect();
    let settings = config::load(&write_config(work.path(), &format!("{feeds}\n{extra}"))).unwrap();
    (
        settings,
        Serving {
            _http: http,
            _work: work,
        },
    )
}

/// What a test's settings point at: its feed server and its work folder.
struct Serving {
    _http: FeedServer,
    _work: tempfile::TempDir,
}

/// Watchlist `s400` with `query`, and digest `desk` mailing it to the SMTP server on `port`.
fn desk(query: &str, port: u16) -> String {
    format!(
        "[[watchlists]]\nname = \"s400\"\nquery = '{query}'\n\n{}\n\
         [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1h\"\n",
        smtp_email(port)
    )
}

fn store(settings: &Settings) -> Store {
    Store::open(&settings.storage.path).unwrap()
}

fn all_matches(settings: &Settings) -> Vec<MatchRecord> {
    store(settings)
        .matches_since(None, DateTime::<Utc>::UNIX_EPOCH)
        .unwrap()
}

fn all_stories(settings: &Settings) -> Vec<Story> {
    store(settings)
        .stories(None, DateTime::<Utc>::UNIX_EPOCH)
        .unwrap()
}

const RADARS: &str = "Turkey switched on the radars of its Russian-made S-400 air defence \
    batteries near Sinop on Tuesday, two officials said, days before NATO's Steadfast Noon \
    exercise over the Black Sea.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_article_in_several_feeds_is_stored_matched_and_sent_once_with_its_feeds() {
    let served = tempfile::tempdir().unwrap();
    let dir = served.path();
    // The wire's own feed, and a partner's feed carrying the same wire article under its
    // own guid and a link that differs only cosmetically.
    publish(
        dir,
        "wire.rss",
        &[
            Entry {
                guid: "wire-1",
                link: "https://wire.example/world/turkey-s400-radars?utm_source=rss",
                title: "Turkey switches on S-400 radars before NATO drill",
                text: RADARS,
                age: 3,
            },
            Entry {
                guid: "urn:uuid:4f1c2e0a-9d3b-4c55-8e1f-2a6b7c8d9e01",
                link: "https://wire.example/world/erdogan-sochi",
                title: "Erdogan and Putin meet in Sochi on S-400 deliveries",
                text: "Erdogan met Putin in Sochi to discuss a second batch of S-400 systems.",
                age: 5,
            },
        ],
    );
    publish(
        dir,
        "partner.rss",
        &[
            Entry {
                guid: "partner-77",
                link: "http://www.wire.example/world/turkey-s400-radars/",
                title: "Turkey switches on S-400 radars before NATO drill",
                text: RADARS,
                age: 3,
            },
            // The same guid (a URN, unique beyond its feed) under another link and title.
            Entry {
                guid: "urn:uuid:4f1c2e0a-9d3b-4c55-8e1f-2a6b7c8d9e01",
                link: "https://partner.example/2026/erdogan-putin",
                title: "Erdogan, Putin discuss S-400 in Sochi",
                text: "Erdogan met Putin in Sochi to discuss a second batch of S-400 systems.",
                age: 5,
            },
        ],
    );
    // A paper that prints the wire's text under its own link, with a fuller text.
    publish(
        dir,
        "paper.rss",
        &[Entry {
            guid: "paper-9",
            link: "https://paper.example/a/9912",
            title: "TURKEY SWITCHES ON S-400 RADARS BEFORE NATO DRILL",
            text: &format!("{RADARS} Washington said it was deeply concerned."),
            age: 2,
        }],
    );
    let smtp = SmtpServer::start().await;
    let (settings, _serving) = serve(
        dir,
        &[
            ("Wire", "wire.rss"),
            ("Partner", "partner.rss"),
            ("Paper", "paper.rss"),
        ],
        &desk("\"S-400\"", smtp.port()),
    )
    .await;

    poll_once(settings.clone(), None).await.unwrap();
    let matches = all_matches(&settings);
    assert_eq!(
        matches.len(),
        2,
        "two articles, one match each: {matches:#?}"
    );
    let radars = matches
        .iter()
        // Whichever feed was polled first gave the item its title: the paper's is in capitals.
        .find(|m| m.title.to_lowercase().contains("radars"))
        .expect("the radar article");
    let mut feeds = radars.feeds.clone();
    feeds.sort();
    assert_eq!(feeds, ["Paper", "Partner", "Wire"]);
    let sochi = matches.iter().find(|m| m.title.contains("Sochi")).unwrap();
    let mut feeds = sochi.feeds.clone();
    feeds.sort();
    assert_eq!(feeds, ["Partner", "Wire"]);

    let DigestRun::Queued(queued) = send_digest(settings.clone(), "desk").await.unwrap().run else {
        panic!("a digest was due");
    };
    assert_eq!(queued[0].match_ids.len(), 2);
    let mail = smtp.wait_for(1, Duration::from_secs(10)).await[0].parse();
    let text = mail.text.unwrap_or_default();
    for feed in ["Wire", "Partner", "Paper"] {
        assert!(text.contains(feed), "{feed} missing:\n{text}");
    }
    assert_eq!(
        text.to_lowercase()
            .matches("turkey switches on s-400 radars before nato drill")
            .count(),
        1,
        "the article is listed once:\n{text}"
    );

    // Polled again (the files did not change) and sent again: nothing new.
    poll_once(settings.clone(), None).await.unwrap();
    assert_eq!(all_matches(&settings).len(), 2);
    assert_eq!(
        send_digest(settings.clone(), "desk").await.unwrap().run,
        DigestRun::Nothing
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_republished_or_edited_entry_is_not_sent_again_and_an_edit_updates_the_title() {
    let served = tempfile::tempdir().unwrap();
    let dir = served.path();
    let first = [
        Entry {
            guid: "wire-1",
            link: "https://wire.example/world/turkey-s400-radars",
            title: "Turkey switches on S-400 radars before NATO drill",
            text: RADARS,
            age: 3,
        },
        Entry {
            guid: "wire-2",
            link: "https://wire.example/world/s400-sinop",
            title: "S-400 test near Sinop",
            text: "Officials confirmed an S-400 test near Sinop.",
            age: 2,
        },
    ];
    publish(dir, "wire.rss", &first);
    let (settings, _serving) = serve(
        dir,
        &[("Wire", "wire.rss")],
        "[[watchlists]]\nname = \"s400\"\nquery = '\"S-400\"'\n",
    )
    .await;
    poll_once(settings.clone(), None).await.unwrap();
    assert_eq!(all_matches(&settings).len(), 2);

    // The first entry republished under a new guid and date; the second retitled.
    publish(
        dir,
        "wire.rss",
        &[
            Entry {
                guid: "wire-1-republished",
                age: 1,
                ..first[0]
            },
            Entry {
                title: "S-400 tested near Sinop, officials confirm",
                ..first[1]
            },
        ],
    );
    let reports = poll_once(settings.clone(), None).await.unwrap();
    let polled = reports[0].outcome.as_ref().unwrap();
    assert!(!polled.not_modified, "the feed changed");
    assert!(polled.matches.is_empty(), "{:#?}", polled.matches);
    let matches = all_matches(&settings);
    assert_eq!(matches.len(), 2);
    let titles: Vec<&str> = matches.iter().map(|m| m.title.as_str()).collect();
    assert!(
        titles.contains(&"S-400 tested near Sinop, officials confirm"),
        "the edit updates the stored title: {titles:?}"
    );
}

/// Entries that look alike but are different articles: each must be stored and matched,
/// since a wrong merge would hide one for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_entries_stay_separate_articles() {
    let served = tempfile::tempdir().unwrap();
    let dir = served.path();
    let monday = "S-400 briefing: the defence ministry reported on radar tests, the \
                  opposition questioned the costs, and NATO envoys met in Brussels again.";
    let tuesday = "S-400 news in brief: parliament debated the budget, the navy held \
                   drills, and the foreign minister flew to Washington for talks.";
    publish(
        dir,
        "live.rss",
        &[
            // One live-blog link, entries with their own text.
            Entry {
                guid: "1",
                link: "https://live.example/s400",
                title: "S-400: Ankara confirms radar test",
                text: "Ankara confirmed a radar test of the S-400 near Sinop on Tuesday.",
                age: 3,
            },
            Entry {
                guid: "2",
                link: "https://live.example/s400",
                title: "S-400: Washington responds",
                text: "The State Department said the S-400 test was a concern for allies.",
                age: 2,
            },
            // One live-blog link, entries with a title only.
            Entry {
                guid: "3",
                link: "https://live.example/ticker",
                title: "S-400 batteries moved to Sinop",
                text: "",
                age: 3,
            },
            Entry {
                guid: "4",
                link: "https://live.example/ticker",
                title: "S-400 radar test confirmed",
                text: "",
                age: 2,
            },
            // A daily briefing on a fixed link, same title, a new text each day.
            Entry {
                guid: "5",
                link: "https://live.example/briefing",
                title: "S-400 morning briefing",
                text: monday,
                age: 48,
            },
            Entry {
                guid: "6",
                link: "https://live.example/briefing",
                title: "S-400 morning briefing",
                text: tuesday,
                age: 24,
            },
        ],
    );
    // A recurring headline without text, on links of its own, a day apart.
    publish(
        dir,
        "markets.rss",
        &[
            Entry {
                guid: "m-16",
                link: "https://markets.example/16",
                title: "S-400 stocks today: defence shares",
                text: "",
                age: 48,
            },
            Entry {
                guid: "m-17",
                link: "https://markets.example/17",
                title: "S-400 stocks today: defence shares",
                text: "",
                age: 24,
            },
        ],
    );
    // A feed giving every entry its home page as guid.
    let shared_guid = rss(&[
        Entry {
            guid: "https://blog.example/",
            link: "https://blog.example/post/1",
            title: "Turkey tests the S-400",
            text: "A first post on the S-400 radar tests and what they mean for NATO.",
            age: 5,
        },
        Entry {
            guid: "https://blog.example/",
            link: "https://blog.example/post/2",
            title: "Greece protests to NATO over the S-400",
            text: "Athens complained to NATO about the S-400 radar tests near Sinop.",
            age: 4,
        },
    ]);
    std::fs::write(dir.join("blog.rss"), shared_guid).unwrap();
    let (settings, _serving) = serve(
        dir,
        &[
            ("Live", "live.rss"),
            ("Markets", "markets.rss"),
            ("Blog", "blog.rss"),
        ],
        "[[watchlists]]\nname = \"s400\"\nquery = '\"S-400\"'\n",
    )
    .await;
    poll_once(settings.clone(), None).await.unwrap();
    let matches = all_matches(&settings);
    let mut titles: Vec<&str> = matches.iter().map(|m| m.title.as_str()).collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Greece protests to NATO over the S-400",
            "S-400 batteries moved to Sinop",
            "S-400 morning briefing",
            "S-400 morning briefing",
            "S-400 radar test confirmed",
            "S-400 stocks today: defence shares",
            "S-400 stocks today: defence shares",
            "S-400: Ankara confirms radar test",
            "S-400: Washington responds",
            "Turkey tests the S-400",
        ]
    );
}

/// An article a digest sent under one watchlist, seen later in a feed where another of
/// the digest's watchlists matches it, is not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_sends_an_article_once_whichever_of_its_watchlists_matched_it() {
    let served = tempfile::tempdir().unwrap();
    let dir = served.path();
    let article = Entry {
        guid: "wire-1",
        link: "https://wire.example/world/turkey-s400-radars",
        title: "Turkey switches on S-400 radars before NATO drill",
        text: RADARS,
        age: 3,
    };
    publish(dir, "wire.rss", &[article]);
    publish(dir, "paper.rss", &[]);
    let http = FeedServer::start(dir).await;
    let smtp = SmtpServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let settings = config::load(&write_config(
        work.path(),
        &format!(
            "[[feeds]]\nname = \"Wire\"\nurl = \"{}\"\ntags = [\"wire\"]\n\n\
             [[feeds]]\nname = \"Paper\"\nurl = \"{}\"\ntags = [\"paper\"]\n\n\
             [[watchlists]]\nname = \"wires\"\nquery = '\"S-400\"'\nfeeds = [\"tag:wire\"]\n\n\
             [[watchlists]]\nname = \"papers\"\nquery = 'Sinop'\nfeeds = [\"tag:paper\"]\n\n\
             {}\n[[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1h\"\n",
            http.url("wire.rss"),
            http.url("paper.rss"),
            smtp_email(smtp.port())
        ),
    ))
    .unwrap();
    poll_once(settings.clone(), None).await.unwrap();
    assert!(matches!(
        send_digest(settings.clone(), "desk").await.unwrap().run,
        DigestRun::Queued(_)
    ));

    publish(
        dir,
        "paper.rss",
        &[Entry {
            guid: "paper-1",
            ..article
        }],
    );
    poll_once(settings.clone(), None).await.unwrap();
    let matches = all_matches(&settings);
    assert_eq!(matches.len(), 2, "matched by both watchlists: {matches:#?}");
    assert_eq!(
        send_digest(settings.clone(), "desk").await.unwrap().run,
        DigestRun::Nothing,
        "already sent under the other watchlist"
    );
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_first_seen_where_a_watchlist_does_not_look_is_matched_where_it_does() {
    let served = tempfile::tempdir().unwrap();
    let dir = served.path();
    let article = Entry {
        guid: "x",
        link: "https://wire.example/world/turkey-s400-radars",
        title: "Turkey switches on S-400 radars before NATO drill",
        text: RADARS,
        age: 3,
    };
    publish(dir, "general.rss", &[article]);
    let http = FeedServer::start(dir).await;
    let work = tempfile::tempdir().unwrap();
    // The defence feed is not there yet: its first poll fails.
    let settings = config::load(&write_config(
        work.path(),
        &format!(
            "{}[[feeds]]\nname = \"Defence\"\nurl = \"{}\"\ntags = [\"defence\"]\n\n\
             [[watchlists]]\nname = \"defence\"\nquery = '\"S-400\"'\nfeeds = [\"tag:defence\"]\n",
            feed_table("General", &http.url("general.rss")),
            http.url("defence.rss")
        ),
    ))
    .unwrap();
    poll_once(settings.clone(), None).await.unwrap();
    assert!(all_matches(&settings).is_empty());

    // The same article in the feed the watchlist applies to.
    publish(
        dir,
        "defence.rss",
        &[Entry {
            guid: "d-1",
            ..article
        }],
    );
    poll_once(settings.clone(), None).await.unwrap();
    let matches = all_matches(&settings);
    assert_eq!(matches.len(), 1, "{matches:#?}");
    assert_eq!(matches[0].feeds, ["General", "Defence"]);
}

/// The wire's report of the radar test.
const WIRE_REPORT: &str = "ANKARA, Nov 17 (Wire) - Turkey switched on the radars of its \
    Russian-made S-400 batteries near Sinop on Tuesday, Defence Minister Yasar Guler said, \
    four days before NATO's Steadfast Noon exercise over the Black Sea. \"This is a routine \
    calibration,\" Guler told reporters. The State Department said it was deeply concerned.";
/// The same event rewritten, as a foreign outlet's translation: the same names, numbers
/// and quote, not the same sentences.
const REWRITE: &str = "The Turkish government activated the S-400 air defence system it \
    bought from Russia at its base in Sinop, according to Defence Minister Yasar Guler, who \
    called it \"a routine calibration\". Washington voiced deep concern. The test comes four \
    days before Steadfast Noon, NATO's nuclear exercise over the Black Sea.";
/// A third outlet on the same event, a day later.
const FOLLOW_UP: &str = "Greece asked NATO to discuss Turkey's S-400 radar test at Sinop, \
    which Yasar Guler had called a routine calibration, before Steadfast Noon starts over the \
    Black Sea on Saturday.";
/// The same people in another dispute, the same week.
const OTHER_EVENT: &str = "Defence Minister Yasar Guler said talks with Washington on \
    returning to the F-35 programme resumed, after the State Department offered to review \
    the CAATSA sanctions on the SSB procurement agency. Lockheed Martin declined to comment.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_one_event_are_one_story_and_later_coverage_is_a_follow_up() {
    let served = tempfile::tempdir().unwrap();
    let dir = served.path();
    publish(
        dir,
        "wire.rss",
        &[
            Entry {
                guid: "wire-radar",
                link: "https://wire.example/world/turkey-s400-radars",
                title: "Turkey switches on S-400 radars before NATO drill",
                text: WIRE_REPORT,
                age: 30,
            },
            Entry {
                guid: "wire-f35",
                link: "https://wire.example/world/turkey-f35-talks",
                title: "Turkey, US resume F-35 talks as S-400 dispute lingers",
                text: OTHER_EVENT,
                age: 27,
            },
        ],
    );
    publish(
        dir,
        "atalayar.rss",
        &[Entry {
            guid: "at-5521",
            link: "https://atalayar.example/en/articulo/s-400-sinop",
            title: "Ankara activates Russian S-400 system in Sinop",
            text: REWRITE,
            age: 28,
        }],
    );
    publish(dir, "gazete.rss", &[]);
    let smtp = SmtpServer::start().await;
    let (settings, _serving) = serve(
        dir,
        &[
            ("Wire", "wire.rss"),
            ("Atalayar", "atalayar.rss"),
            ("Gazete", "gazete.rss"),
        ],
        &desk("\"S-400\" OR \"F-35\"", smtp.port()),
    )
    .await;

    poll_once(settings.clone(), None).await.unwrap();
    let stories = all_stories(&settings);
    assert_eq!(stories.len(), 2, "{stories:#?}");
    let radar = stories
        .iter()
        .find(|s| s.items.len() == 2)
        .expect("the wire report and its rewrite are one story");
    assert_eq!(
        radar.headline,
        "Turkey switches on S-400 radars before NATO drill"
    );
    assert_eq!(radar.outlets, ["Wire", "Atalayar"]);
    let other = stories
        .iter()
        .find(|s| s.story_id != radar.story_id)
        .unwrap();
    assert_eq!(other.items.len(), 1);
    assert!(other.headline.contains("F-35"));

    send_digest(settings.clone(), "desk").await.unwrap();
    let first = smtp.wait_for(1, Duration::from_secs(10)).await[0].parse();
    let text = first.text.unwrap_or_default();
    assert!(
        first
            .subject
            .as_deref()
            .unwrap_or("")
            .contains("2 new stories"),
        "{:?}",
        first.subject
    );
    assert!(text.contains("Wire and Atalayar"), "{text}");

    // A third outlet covers the radar test the next day.
    publish(
        dir,
        "gazete.rss",
        &[Entry {
            guid: "gz-1",
            link: "https://gazete.example/s400-sinop-nato",
            title: "Greece takes Sinop S-400 test to NATO",
            text: FOLLOW_UP,
            age: 2,
        }],
    );
    poll_once(settings.clone(), None).await.unwrap();
    let stories = all_stories(&settings);
    assert_eq!(stories.len(), 2, "{stories:#?}");
    let grown = stories
        .iter()
        .find(|s| s.story_id == radar.story_id)
        .unwrap();
    assert_eq!(grown.outlets, ["Wire", "Atalayar", "Gazete"]);

    send_digest(settings.clone(), "desk").await.unwrap();
    let second = smtp.wait_for(2, Duration::from_secs(10)).await[1].parse();
    let subject = second.subject.unwrap_or_default();
    let text = second.text.unwrap_or_default();
    assert!(subject.contains("1 follow-up"), "{subject}");
    assert!(!subject.contains("new stor"), "{subject}");
    assert!(
        text.contains("Greece takes Sinop S-400 test to NATO"),
        "{text}"
    );
    assert!(
        text.contains("Turkey switches on S-400 radars before NATO drill"),
        "the follow-up names the story it follows:\n{text}"
    );
    assert!(text.contains("1 more outlet since"), "{text}");

    // `newshound stories --json`: one line per story, with its items.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["--config"])
        .arg(&settings.files[0])
        .args(["stories", "--since", "7d", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let story = lines
        .iter()
        .find(|l| l["story_id"] == radar.story_id)
        .unwrap();
    assert_eq!(
        story["headline"],
        "Turkey switches on S-400 radars before NATO drill"
    );
    assert!(story["first_seen"].is_string() && story["last_seen"].is_string());
    let items = story["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[2]["feed"], "Gazete");
    assert_eq!(items[2]["guid"], "gz-1");
    assert_eq!(items[2]["title"], "Greece takes Sinop S-400 test to NATO");
    assert_eq!(items[2]["link"], "https://gazete.example/s400-sinop-nato");

    // Text, one watchlist, the last 3 hours: only the story with recent coverage.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["--config"])
        .arg(&settings.files[0])
        .args(["stories", "--watchlist", "s400", "--since", "3h"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let listed = String::from_utf8(output.stdout).unwrap();
    assert!(
        listed.contains("Greece takes Sinop S-400 test to NATO"),
        "{listed}"
    );
    assert!(!listed.contains("F-35"), "older than 3 hours:\n{listed}");
}
