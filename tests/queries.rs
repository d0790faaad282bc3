//! The query operators through the real binary: watchlists using wildcards, NEAR, @lists
//! and site:/feed:/tag: scopes, matched by `poll --once` against feeds served over HTTP
//! on loopback, and `test-query --explain` showing how a query was read.

mod support;

use newshound::config;
use support::fixtures::{matched_titles, serve_copies, write_config};
use support::process::newshound;

fn watchlist(name: &str, query: &str) -> String {
    format!("[[watchlists]]\nname = \"{name}\"\nquery = '{query}'\n\n")
}

const S400: &str = "Turkey says S-400 systems will stay in storage despite U.S. pressure";
const NATO: &str = "NATO allies meet in Brussels ahead of the summit";
const SHOW: &str = "Real Turkey travel show returns for a second season";
const S4000: &str = "Exporter unveils S-4000 industrial generator line";
const FLOODS: &str = "Floods close roads across northern Italy";
const SOCHI: &str = "Ankara weighs S400 deal as Erdoğan meets Putin in Sochi";
const DRONE: &str = "DS-400 drone prototype flies for the first time";

#[test]
fn operators_select_items_in_a_real_poll() {
    let (_served, http) = serve_copies(&["wire.rss", "defense.atom"]);
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        &format!(
            "[[feeds]]\nname = \"Example Wire\"\nurl = \"{}\"\ntags = [\"world\"]\n\n\
             [[feeds]]\nname = \"review\"\nurl = \"{}\"\ntags = [\"defense\"]\n\n\
             [lists]\nplaces = [\"Brussels\", \"Liguria\", \"Sochi\"]\n\n{}",
            http.url("wire.rss"),
            http.url("defense.atom"),
            [
                watchlist("world-section", "site:wire.example.org/world"),
                watchlist(
                    "wire-elsewhere",
                    "feed:\"Example Wire\" -site:wire.example.org/world"
                ),
                watchlist(
                    "defence-near",
                    "\"air defence\" NEAR/3 (batteries OR agenda)"
                ),
                watchlist("ministers", "minist*"),
                watchlist("places", "@places"),
                watchlist("tagged", "tag:defense (S-400 OR DS-400)"),
                watchlist("putin-near", "Erdogan AROUND(2) Putin"),
            ]
            .concat()
        ),
    );
    let output = newshound(&config, &["poll", "--once"]);
    assert!(output.status.success(), "{output:?}");
    let db = config::load(&config).unwrap().storage.path;

    // Links under /world of the wire, whatever the text.
    assert_eq!(matched_titles(&db, "world-section"), [FLOODS, NATO, S400]);
    assert_eq!(matched_titles(&db, "wire-elsewhere"), [S4000, SHOW]);
    // "S-400 air defence batteries" is near; "air defence and spending on the agenda" is
    // four words away.
    assert_eq!(matched_titles(&db, "defence-near"), [S400]);
    assert_eq!(matched_titles(&db, "ministers"), [NATO, S400]);
    assert_eq!(matched_titles(&db, "places"), [SOCHI, FLOODS, NATO]);
    assert_eq!(matched_titles(&db, "tagged"), [SOCHI, DRONE]);
    assert_eq!(matched_titles(&db, "putin-near"), [SOCHI]);
}

#[test]
fn test_query_explains_how_a_query_was_read_with_the_configured_lists() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(work.path(), "[lists]\nturkey = [\"Turkey\", \"Ankara\"]\n");
    let output = newshound(
        &config,
        &[
            "test-query",
            "--explain",
            "missil* NEAR/5 @turkey -site:example.com",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.starts_with(
            "read as: (missil* NEAR/5 (Turkey OR Ankara)) -site:example.com\nAND: all of\n"
        ),
        "{printed}"
    );
    assert!(
        printed.contains("word \"Ankara\" → `ankara` (from @turkey)"),
        "{printed}"
    );

    // The same query against a file, with the item's link: excluded by its site.
    let text = work.path().join("article.txt");
    std::fs::write(&text, "Missiles for Ankara\n\nAnkara tests new missiles.\n").unwrap();
    let query = "missil* NEAR/5 @turkey -site:example.com";
    let file = text.to_str().unwrap();
    let output = newshound(
        &config,
        &["test-query", query, file, "--link", "https://example.org/a"],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let output = newshound(
        &config,
        &[
            "test-query",
            query,
            file,
            "--link",
            "https://www.example.com/a",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");

    // An operator that is not one is refused with its position, before any file is read.
    let output = newshound(&config, &["test-query", "--explain", "S-400 inurl:nato"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("      ^\nerror: unknown operator `inurl:`"),
        "{stderr}"
    );
    let output = newshound(&config, &["test-query", "--explain", "@nope"]);
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("no list is named `nope`: the lists are @turkey"),
        "{output:?}"
    );
}
