//! The daemon's lifecycle, with the real binary: a second SIGTERM exits at once while the
//! first waits for fetches in flight, and SIGKILL at random moments of busy work (polls of
//! changing feeds, digests every second, mail going out) leaves a whole database in which
//! every match is recorded once and reaches every recipient in exactly one message.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;
use rusqlite::Connection;

use newshound::config;
use support::fixtures::{feed_table, smtp_email, write_config};
use support::process::{Daemon, wait_until};
use support::{FeedServer, SmtpServer};

#[test]
fn a_second_signal_exits_at_once_while_the_first_waits_for_fetches_in_flight() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = tempfile::tempdir().unwrap();
    let http = runtime.block_on(FeedServer::start(served.path()));
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        &format!(
            "[polling]\ntimeout = \"60s\"\n\n{}",
            feed_table("silent", &http.url("hang"))
        ),
    );

    let mut daemon = Daemon::start(&config);
    wait_until(Duration::from_secs(20), || {
        !http.requests_for("/hang").is_empty()
    });
    daemon.signal(Signal::SIGTERM);
    daemon.wait_for_log("shutting down");
    // The fetch in flight has its grace period (20 s): the daemon waits for it.
    std::thread::sleep(Duration::from_millis(500));
    assert!(daemon.is_running(), "the first signal waits for the fetch");
    daemon.signal(Signal::SIGTERM);
    let (status, log) = daemon.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(128 + 15), "{status:?}\n{log}");
    assert!(log.contains("exiting now"), "{log}");
}

const RECIPIENTS: [&str; 2] = ["desk@example.org", "night@example.org"];
const FEEDS: usize = 3;
const ROUNDS: usize = 8;

/// One generated item: its guid, and whether the watchlist matches it.
struct Generated {
    guid: String,
    matches: bool,
}

/// Writes feed `f` with every item of rounds `0..=round`: in each round one item the
/// watchlist matches and one it does not.
fn write_feed(dir: &Path, f: usize, round: usize, out: &mut Vec<Generated>) {
    let mut items = String::new();
    for r in 0..=round {
        for matches in [true, false] {
            let guid = format!("feed{f}-round{r}-{}", if matches { "hit" } else { "miss" });
            let (title, body) = if matches {
                (
                    format!("Battery {r}{f} of S-400 systems reaches base {f}"),
                    format!(
                        "Officer number {r}{f} said the S-400 battery arrived at base {f} on day {r}."
                    ),
                )
            } else {
                (
                    format!("Harvest festival {r}{f} draws crowds"),
                    format!("Visitor count {r}{f} beat last year's at the festival."),
                )
            };
            items.push_str(&format!(
                "<item><guid>{guid}</guid><title>{title}</title><link>http://example.org/{guid}</link>\
                 <description>{body}</description></item>\n"
            ));
            if r == round {
                out.push(Generated { guid, matches });
            }
        }
    }
    let rss = format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Feed {f}</title>\
         <link>http://example.org/</link><description>test</description>\n{items}</channel></rss>\n"
    );
    // Replaced whole, as a web server's document root would be.
    let tmp = dir.join(format!(".feed{f}.xml"));
    std::fs::write(&tmp, rss).unwrap();
    std::fs::rename(tmp, dir.join(format!("feed{f}.xml"))).unwrap();
}

fn integrity(db: &Path) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn count(conn: &Connection, sql: &str, param: &str) -> i64 {
    conn.query_row(sql, [param], |r| r.get(0)).unwrap()
}

/// Whether every match has gone out to every recipient and nothing is pending.
fn all_sent(db: &Path) -> bool {
    let conn = Connection::open(db).unwrap();
    let pending: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE state != 'sent'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    pending == 0
        && RECIPIENTS.iter().all(|to| {
            count(
                &conn,
                "SELECT COUNT(*) FROM matches m WHERE NOT EXISTS (
                     SELECT 1 FROM outbox_matches om JOIN outbox o ON o.id = om.outbox_id
                     WHERE om.match_id = m.id AND o.recipient = ?1)",
                to,
            ) == 0
        })
}

#[test]
fn killed_at_random_moments_the_database_stays_whole_and_every_match_goes_out_once() {
    let (seed, mut rng) = support::seeded_rng();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = tempfile::tempdir().unwrap();
    let http = runtime.block_on(FeedServer::start(served.path()));
    let smtp = runtime.block_on(SmtpServer::start());
    let work = tempfile::tempdir().unwrap();
    let feeds: String = (0..FEEDS)
        .map(|f| feed_table(&format!("feed{f}"), &http.url(&format!("feed{f}.xml"))))
        .collect();
    let config = write_config(
        work.path(),
        &format!(
            "[polling]\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\n\n{feeds}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n{}\n\
             [[digests]]\nname = \"desk\"\nto = {RECIPIENTS:?}\nschedule = \"every 1s\"\n",
            smtp_email(smtp.port())
        ),
    );
    let db = config::load(&config).unwrap().storage.path;

    let mut generated = Vec::new();
    for round in 0..ROUNDS {
        for f in 0..FEEDS {
            write_feed(served.path(), f, round, &mut generated);
        }
        let daemon = Daemon::start(&config);
        std::thread::sleep(Duration::from_millis(rng.u64(100..2500)));
        let log = daemon.kill();
        if db.exists() {
            assert_eq!(integrity(&db), "ok", "round {round}, seed {seed}:\n{log}");
        }
    }

    // Left to finish, it records and sends everything, and stops cleanly.
    let mut daemon = Daemon::start(&config);
    daemon.wait_for_log("newshound started");
    let wanted = generated.iter().filter(|g| g.matches).count() as i64;
    wait_until(Duration::from_secs(60), || {
        let conn = Connection::open(&db).unwrap();
        let matched: i64 = conn
            .query_row("SELECT COUNT(*) FROM matches", [], |r| r.get(0))
            .unwrap();
        matched == wanted && all_sent(&db)
    });
    daemon.stop(Signal::SIGTERM);
    assert_eq!(integrity(&db), "ok", "seed {seed}");

    let conn = Connection::open(&db).unwrap();
    for g in &generated {
        // Each article is one item, matched once if at all.
        assert_eq!(
            count(&conn, "SELECT COUNT(*) FROM items WHERE guid = ?1", &g.guid),
            1,
            "{} (seed {seed})",
            g.guid
        );
        let matches = count(
            &conn,
            "SELECT COUNT(*) FROM matches m JOIN items i ON i.id = m.item_id WHERE i.guid = ?1",
            &g.guid,
        );
        assert_eq!(matches, i64::from(g.matches), "{} (seed {seed})", g.guid);
        // Each match reaches each recipient in exactly one message.
        for to in RECIPIENTS {
            let messages: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM matches m JOIN items i ON i.id = m.item_id
                     JOIN outbox_matches om ON om.match_id = m.id
                     JOIN outbox o ON o.id = om.outbox_id AND o.recipient = ?2
                     WHERE i.guid = ?1",
                    [&g.guid, to],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                messages,
                i64::from(g.matches),
                "{} to {to} (seed {seed})",
                g.guid
            );
        }
    }

    // What the server received is what the outbox sent: every message, and no other.
    // A message accepted just before a kill may arrive twice, as the same message.
    let mut received: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for mail in smtp.messages() {
        let id = mail
            .parse()
            .header("Message-ID")
            .unwrap_or("")
            .trim()
            .to_string();
        for to in &mail.to {
            received.entry(to.clone()).or_default().insert(id.clone());
        }
    }
    for to in RECIPIENTS {
        let mut stmt = conn
            .prepare("SELECT message_id FROM outbox WHERE recipient = ?1 AND state = 'sent'")
            .unwrap();
        let sent: BTreeSet<String> = stmt
            .query_map([to], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|id| format!("<{}>", id.unwrap().trim_matches(['<', '>'])))
            .collect();
        let got: BTreeSet<String> = received
            .get(to)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|id| format!("<{}>", id.trim_matches(['<', '>'])))
            .collect();
        assert_eq!(got, sent, "to {to} (seed {seed})");
    }
}
