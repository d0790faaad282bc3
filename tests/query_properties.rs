//! Property tests of the query language, the normaliser and the matcher: random and
//! mutated queries and texts never make them panic, a query printed and parsed again is
//! the same tree, and the operators mean what the README says on texts built to sit just
//! inside or just outside their limits. Cases proptest once shrank to are kept in
//! `FOUND` (and in `query_properties.proptest-regressions`, which proptest replays
//! first).

use std::collections::BTreeMap;

use newshound::watch::{Document, Lists, Query, Source, Watcher, normalize};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// Pieces queries are made of: every operator, its near misses, and words in several
/// scripts, so that random sequences hit the parser's corners.
const QUERY_PIECES: &[&str] = &[
    "a",
    "S-400",
    "Erdoğan",
    "東京",
    "서울",
    "missil*",
    "ab*",
    "*",
    "x*y",
    "OR",
    "AND",
    "or",
    "NEAR/3",
    "NEAR/0",
    "NEAR/51",
    "NEAR/",
    "near/2",
    "NEAR",
    "AROUND(2)",
    "AROUND(",
    "AROUND",
    "around(50)",
    "-",
    "(",
    ")",
    "\"",
    "\u{201C}",
    "title:",
    "intitle:",
    "TITLE:",
    "site:x.com",
    "site:",
    "site:bücher.de/a",
    "site:/",
    "feed:a",
    "feed:\"b c\"",
    "tag:t",
    "@l",
    "@m",
    "@",
    "inurl:x",
    ":",
    "a:",
    "10:30",
    " ",
    "  ",
    "\t",
    "'",
    "é",
    "\u{301}",
    "😀",
    ".",
];

/// A sequence of pieces, with or without spaces between them.
fn query_soup() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(QUERY_PIECES), prop::bool::ANY), 0..14).prop_map(
        |pieces| {
            pieces
                .into_iter()
                .map(|(piece, space)| {
                    if space {
                        format!("{piece} ")
                    } else {
                        piece.to_string()
                    }
                })
                .collect()
        },
    )
}

/// A query that is well formed by construction, so that round trips see deep trees.
fn well_formed() -> impl Strategy<Value = String> {
    const TERMS: [&str; 7] = [
        "Erdogan",
        "\"S 400\"",
        "missil*",
        "\"air defen*\"",
        "Türkiye",
        "東京",
        "@l",
    ];
    let in_text = prop::sample::select(TERMS.to_vec()).prop_map(str::to_string);
    let term =
        prop::sample::select([&TERMS[..], &["title:Putin", "intitle:\"Real Turkey\""]].concat())
            .prop_map(str::to_string);
    // Both sides of NEAR in one field: neither in the title only.
    let operand = prop_oneof![
        3 => in_text.clone(),
        1 => (in_text.clone(), in_text).prop_map(|(a, b)| format!("({a} OR {b})")),
    ];
    let leaf = prop_oneof![
        4 => term,
        1 => (operand.clone(), 1..=50u32, operand, prop::bool::ANY).prop_map(|(a, n, b, around)| {
            if around {
                format!("{a} AROUND({n}) {b}")
            } else {
                format!("{a} NEAR/{n} {b}")
            }
        }),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        (
            prop::collection::vec((inner, 0..4u8), 2..4),
            prop::sample::select(vec![" ", " AND ", " OR "]),
        )
            .prop_map(|(items, join)| {
                // An exclusion is no alternative of an OR not grouped on its own.
                let items: Vec<String> = items
                    .into_iter()
                    .map(|(item, how)| match how {
                        0 if join != " OR " => format!("-({item})"),
                        1 => format!("({item})"),
                        _ => item,
                    })
                    .collect();
                format!("({})", items.join(join))
            })
    })
    .prop_map(|q| format!("{q} site:example.org OR feed:\"b c\" OR tag:t"))
}

fn lists() -> Lists {
    BTreeMap::from([
        (
            "l".to_string(),
            vec!["Turkey".into(), "\"Real Turkey\"".into(), "Ank*".into()],
        ),
        ("m".to_string(), vec!["東京".into()]),
    ])
}

/// A parsed query printed and parsed again is the same tree: the same printed form and
/// the same explanation (every node and term, with its folded form).
fn reads_back_the_same(query: &Query) -> Result<(), TestCaseError> {
    let printed = query.to_string();
    let again = Query::parse_with(&printed, &lists())
        .map_err(|e| TestCaseError::fail(format!("{printed:?} does not parse: {e}")))?;
    prop_assert_eq!(again.to_string(), printed.clone());
    // Lists are spelled out when printed, so their terms lose the note of where they came
    // from; everything else must be identical.
    let plain = |q: &Query| {
        q.explain()
            .lines()
            .map(|l| l.split(" (from @").next().unwrap_or(l).to_string())
            .collect::<Vec<_>>()
    };
    prop_assert_eq!(plain(&again), plain(query), "printed as {:?}", printed);
    Ok(())
}

/// Texts made of what queries look for, their near misses and noise.
fn text() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Erdogan",
        "Erdoğan's",
        "S-400s",
        "DS-400",
        "S 400",
        "missiles",
        "dismissal",
        "air",
        "defence",
        "Putin",
        "Türkiye",
        "Turkey",
        "Real",
        "東京都で",
        "서울에서",
        "the",
        "and",
        "—",
        ",",
        ".",
        "'",
        "\u{AD}",
        "\u{301}",
        "😀",
        "\n",
        "Ank",
        "Ankara",
    ]);
    prop_oneof![
        3 => prop::collection::vec(words, 0..60).prop_map(|w| w.join(" ")),
        1 => any::<String>(),
    ]
}

/// `cases` per property, or `PROPTEST_CASES` for a longer hunt.
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        // Beside this file: what a failure shrank to is replayed first on the next run.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/query_properties.proptest-regressions",
        ))),
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn random_queries_parse_or_fail_cleanly_and_read_back(source in query_soup()) {
        if let Ok(query) = Query::parse_with(&source, &lists()) {
            reads_back_the_same(&query)?;
        }
    }

    #[test]
    fn arbitrary_strings_parse_or_fail_cleanly(source in any::<String>()) {
        match Query::parse_with(&source, &lists()) {
            Ok(query) => reads_back_the_same(&query)?,
            Err(e) => prop_assert!(e.position >= 1 && e.position <= source.chars().count() + 1),
        }
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn well_formed_queries_parse_and_read_back(source in well_formed()) {
        let query = Query::parse_with(&source, &lists())
            .map_err(|e| TestCaseError::fail(format!("{source:?}: {e}")))?;
        reads_back_the_same(&query)?;
    }

    /// Terms and texts fold the same way: any text, quoted as a phrase, matches itself.
    /// (Folding is not idempotent, and need not be: `0!a` folds to `0 a`, which folds to
    /// `0a`, a digit and a letter joined; only raw text is ever folded.)
    #[test]
    fn any_text_as_a_phrase_matches_itself(text in text()) {
        let phrase: String = text
            .chars()
            .filter(|&c| c != '"' && !('\u{201C}'..='\u{201F}').contains(&c) && c != '*')
            .collect();
        let folded = normalize(&phrase);
        prop_assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
        if folded.is_empty() {
            return Ok(());
        }
        let query = Query::parse(&format!("\"{phrase}\""))
            .map_err(|e| TestCaseError::fail(format!("{phrase:?}: {e}")))?;
        let watcher = Watcher::new(&[query]);
        prop_assert!(!watcher.match_document("", &phrase).is_empty(), "{:?} → {:?}", phrase, folded);
        prop_assert!(!watcher.match_document(&phrase, "").is_empty(), "{:?} → {:?}", phrase, folded);
    }

    #[test]
    fn matching_never_panics_and_hits_are_well_formed(
        queries in prop::collection::vec(well_formed(), 1..6),
        title in text(),
        body in text(),
        link in prop::sample::select(vec!["", "https://example.org/a", "not a url", "http://[::1]/"]),
    ) {
        let queries: Vec<Query> = queries
            .iter()
            .map(|q| Query::parse_with(q, &lists()).expect("well formed"))
            .collect();
        let watcher = Watcher::new(&queries);
        let tags = ["t".to_string()];
        let feeds = [Source { name: "b c", tags: &tags }];
        let doc = Document { title: &title, body: &body, link, feeds: &feeds };
        for hit in watcher.match_item(&doc) {
            prop_assert!(hit.watchlist < queries.len());
            for range in &hit.snippet.highlights {
                prop_assert!(hit.snippet.text.get(range.clone()).is_some(), "{:?}", range);
            }
        }
        for occurrence in watcher.occurrences(&title, &body) {
            let text = if occurrence.field == newshound::watch::Field::Title { &title } else { &body };
            prop_assert!(text.get(occurrence.start..occurrence.end).is_some());
        }
    }

    /// `a NEAR/n b` holds with n words between, in either order, and not with n + 1.
    #[test]
    fn near_holds_exactly_up_to_its_distance(n in 1..=50usize, swap in prop::bool::ANY, extra in 0..3usize) {
        let watcher = Watcher::new(&[Query::parse(&format!("Erdogan NEAR/{n} Putin")).unwrap()]);
        let (first, second) = if swap { ("Putin", "Erdogan") } else { ("Erdogan", "Putin") };
        let body = |between: usize| {
            let filler = vec!["S-400 talks'"; between].join(" ");
            format!("{first} {filler} {second}")
        };
        // "S-400 talks'" is two words: a joined code and a word with an apostrophe.
        let inside = body(n / 2);
        prop_assert!(!watcher.match_document("", &inside).is_empty(), "{}", inside);
        let outside = format!("{first} {} {second}", vec!["word"; n + 1 + extra].join(" "));
        prop_assert!(watcher.match_document("", &outside).is_empty(), "{}", outside);
        let edge = format!("{first} {} {second}", vec!["word"; n].join(" "));
        prop_assert!(!watcher.match_document("", &edge).is_empty(), "{}", edge);
    }

    /// A wildcard matches every word its stem starts, and no word it is only inside.
    #[test]
    fn a_wildcard_matches_words_starting_with_its_stem(
        stem in "[a-z]{3,8}",
        tail in "[a-z]{0,6}",
        before in "[a-z]{1,4}",
    ) {
        let watcher = Watcher::new(&[Query::parse(&format!("{stem}*")).unwrap()]);
        let word = format!("{stem}{tail}");
        let said = format!("({})", word.to_uppercase());
        prop_assert!(!watcher.match_document("", &said).is_empty(), "{}", said);
        let inside = format!("{before}{stem}{tail}");
        // Unless the stem also starts the longer word (`aaa` in `aaaa`).
        if !inside.starts_with(stem.as_str()) {
            prop_assert!(watcher.match_document("", &format!("({inside})")).is_empty(), "{}", inside);
        }
    }
}

/// What the properties above shrank failures to, kept so they are tried on every run even
/// if the regressions file is lost. None was a fault of the parser or the matcher:
/// - a NEAR with one side under `title:` is refused (the generator had to learn it);
/// - `0!𖼀` folds to `0 𖼀`, which folds to `0𖼀`: folding is not idempotent, so that
///   property was dropped for "a text as a phrase matches itself";
/// - the wildcard `the*` found `the` in the test's own filler words;
/// - `site:"AROUND(2)"` was taken as the host `around(2)`, which printed as
///   `site:around(2)`: a scope and a group. Hosts are now names or addresses, and a site
///   that would not read back as one word is quoted.
const FOUND: &[&str] = &[
    "(-(title:Putin NEAR/1 Erdogan) -(Erdogan)) site:example.org OR feed:\"b c\" OR tag:t",
    "0!𖼀",
    "the* athe",
    "site:\"AROUND(2)\"",
    "site:\"x.org/a(b)\"",
];

#[test]
fn found_cases_stay_fixed() {
    let e = Query::parse_with(FOUND[0], &lists()).unwrap_err();
    assert!(e.message.contains("both sides of NEAR"), "{e}");
    for source in FOUND {
        if let Ok(query) = Query::parse_with(source, &lists()) {
            reads_back_the_same(&query).unwrap_or_else(|e| panic!("{source:?}: {e}"));
        }
        let text = source.replace(['"', '*'], "");
        let phrase = Query::parse(&format!("\"{text}\"")).unwrap();
        assert!(
            !Watcher::new(&[phrase]).match_document("", &text).is_empty(),
            "{source:?}"
        );
    }
    let the = Watcher::new(&[Query::parse("the*").unwrap()]);
    assert!(the.match_document("", "athe").is_empty());
}

/// Hostile sizes: long texts full of one side of a NEAR, long runs of a wildcard's stem,
/// and a long query. Each takes linear time or near it; the test only has to finish.
#[test]
fn hostile_sizes_finish() {
    let watcher = Watcher::new(&[
        Query::parse("Erdogan NEAR/50 (Putin OR Kremlin)").unwrap(),
        Query::parse("aaa*").unwrap(),
        Query::parse("\"a a a aaa*\" NEAR/50 a").unwrap(),
    ]);
    let body = "Erdogan ".repeat(100_000) + "Putin";
    assert_eq!(watcher.match_document("", &body).len(), 1);
    let body = "aaaa ".repeat(100_000);
    assert_eq!(watcher.match_document("", &body).len(), 1);
    // Both `aaa*` and the phrase with its wildcard NEAR `a`.
    let body = "a ".repeat(50_000) + &"a aaa ".repeat(10_000);
    assert_eq!(watcher.match_document("", &body).len(), 2);
    let body = "東京".repeat(50_000);
    assert!(watcher.match_document("", &body).is_empty());
    let query = vec!["missil* NEAR/50 \"air defen*\""; 2_000].join(" OR ");
    let parsed = Query::parse(&query).unwrap();
    assert_eq!(
        Query::parse(&parsed.to_string()).unwrap().to_string(),
        parsed.to_string()
    );
}
