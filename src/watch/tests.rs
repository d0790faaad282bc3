//! Tests of the watch module as its callers use it: queries parsed from text, a Watcher,
//! titles and bodies as feeds deliver them. The tables are the specification of the
//! language; each row names the rule it pins.

use super::*;
use crate::model::Hit;

pub(super) fn watcher(queries: &[&str]) -> Watcher {
    let parsed: Vec<Query> = queries
        .iter()
        .map(|q| Query::parse(q).unwrap_or_else(|e| panic!("{q:?}: {e}")))
        .collect();
    Watcher::new(&parsed)
}

pub(super) fn matches(query: &str, title: &str, body: &str) -> bool {
    !watcher(&[query]).match_document(title, body).is_empty()
}

/// (query, title, body, should match)
const MATCH_TABLE: &[(&str, &str, &str, bool)] = &[
    // Case and diacritics, both ways round.
    ("Erdogan", "", "President Erdoğan said", true),
    ("Erdogan", "ERDOĞAN WINS", "", true),
    ("Erdoğan", "", "erdogan", true),
    ("ERDOGAN", "", "Erdoğan", true),
    ("Yeşilada", "", "the Yesilada marina", true),
    ("Yesilada", "", "Yeşilada", true),
    // NFD text and NFD queries.
    ("Erdogan", "", "Erdog\u{306}an spoke", true),
    ("Erdog\u{306}an", "", "Erdoğan", true),
    // Turkish dotless and dotted i, and letters NFKD leaves alone.
    ("Istanbul", "", "İSTANBUL", true),
    ("Isik", "", "Işık", true),
    ("ışık", "", "ISIK", true),
    ("Soren", "", "Søren", true),
    ("Lodz", "", "Łódź", true),
    ("Dorde", "", "Đorđe", true),
    ("Strasse", "", "Straße", true),
    ("Straße", "", "STRASSE", true),
    ("Aesir", "", "Æsir", true),
    ("oeuvre", "", "Œuvre", true),
    // Whole words only.
    ("Erdogan", "", "Erdoganlar", false),
    ("Turkey", "", "Turkeyfest", false),
    ("ran", "", "Iran", false),
    // Spaces between letters are not dropped: that would make these match.
    ("Iran", "", "I ran home", false),
    ("Togo", "", "we want to go", false),
    // S-400, S400 and "S 400" are one term, matching every spelling...
    ("S-400", "", "the S-400 system", true),
    ("S-400", "", "the S400 system", true),
    ("S-400", "", "the S 400 system", true),
    ("S-400", "", "the S\u{2011}400 system", true),
    ("S-400", "", "the S\u{2013}400 system", true),
    ("S-400", "", "the S\u{A0}400 system", true),
    ("S-400", "", "the s-400", true),
    ("S400", "", "the S-400 system", true),
    ("S400", "", "the S\u{2011}400 system", true),
    ("S400", "", "the S\u{A0}400 system", true),
    ("\"S 400\"", "", "the S-400 system", true),
    ("\"S 400\"", "", "the S400 system", true),
    ("\"S 400\"", "", "the S\u{2013}400", true),
    // ...but not a longer number or a longer name.
    ("S-400", "", "the S-4000 system", false),
    ("S-400", "", "the DS-400 system", false),
    ("S400", "", "the S4000", false),
    ("\"S 400\"", "", "DS 400", false),
    ("S-400", "", "the S-300 system", false),
    ("S-400", "", "the S-400X", false),
    ("F-35", "", "a Ford F-350 truck", false),
    // Plural and possessive endings.
    ("S-400", "", "two S-400s", true),
    ("S-400", "", "the S-400's radar", true),
    ("Erdogan", "", "Erdogan's party", true),
    ("Erdogan", "", "Erdogan\u{2019}s party", true),
    ("Erdogan", "", "the Erdogans' house", true),
    ("Erdogan", "", "Erdoğan'ın partisi", true),
    ("bus", "", "two buses", true),
    ("tax", "", "new taxes", true),
    ("church", "", "the churches", true),
    ("country", "", "many countries", true),
    ("country", "", "the countries' leaders", true),
    ("Turkey", "", "wild turkeys", true),
    // -es only after s, x, z, ch, sh: otherwise "Tim" would match "times".
    ("Tim", "", "three times", false),
    // Quotes and apostrophes, straight or curly, in words and phrases.
    ("\"America's\"", "", "America\u{2019}s allies", true),
    ("America\u{2019}s", "", "America's allies", true),
    ("\"America's\"", "", "the Americas", false),
    (
        "\"Countering America's Adversaries\"",
        "",
        "Countering America\u{2019}s Adversaries Through Sanctions Act",
        true,
    ),
    ("\u{201C}S 400\u{201D}", "", "S-400", true),
    ("Brien", "", "Conan O'Brien", true),
    ("Europe", "", "l\u{2019}Europe", true),
    // Invisible characters do not split words.
    ("Erdogan", "", "Erdo\u{AD}gan", true),
    // Phrases: words in order, and not across title and body.
    ("\"Real Turkey\"", "", "at Real Turkey today", true),
    ("\"Real Turkey\"", "", "Turkey Real", false),
    ("\"Erdogan Putin\"", "Erdogan", "Putin", false),
    ("\"U.S. sanctions\"", "", "new U.S. sanctions", true),
    // The spec's example.
    (
        "\"S-400\" (Turkey OR Ankara OR Türkiye) -\"Real Turkey\"",
        "Turkey gets the S-400",
        "",
        true,
    ),
    (
        "\"S-400\" (Turkey OR Ankara OR Türkiye) -\"Real Turkey\"",
        "",
        "Türkiye's S 400 deal",
        true,
    ),
    (
        "\"S-400\" (Turkey OR Ankara OR Türkiye) -\"Real Turkey\"",
        "ANKARA: S400 delivered",
        "",
        true,
    ),
    (
        "\"S-400\" (Turkey OR Ankara OR Türkiye) -\"Real Turkey\"",
        "Real Turkey diner buys S-400 sign",
        "",
        false,
    ),
    (
        "\"S-400\" (Turkey OR Ankara OR Türkiye) -\"Real Turkey\"",
        "Turkey S-400",
        "also served at Real Turkey",
        false,
    ),
    (
        "\"S-400\" (Turkey OR Ankara OR Türkiye) -\"Real Turkey\"",
        "S-400 delivered to India",
        "",
        false,
    ),
    // Exclusions: words, phrases, groups, in title or body.
    ("Turkey -recipe", "Turkey", "a recipe", false),
    ("Turkey -recipe", "Turkey", "an election", true),
    (
        "Turkey -(recipe OR thanksgiving)",
        "Thanksgiving turkey",
        "",
        false,
    ),
    ("Turkey -(recipe OR thanksgiving)", "Turkey votes", "", true),
    ("Turkey -(stuffed roast)", "Roast turkey", "", true),
    ("Turkey -(stuffed roast)", "Roast turkey", "stuffed", false),
    // title: looks only at the title.
    ("title:Erdogan", "Erdogan speaks", "", true),
    ("title:Erdogan", "A speech", "Erdogan spoke", false),
    ("Title:Erdogan", "Erdogan speaks", "", true),
    ("title:\"S 400\" Turkey", "S-400 arrives", "in Turkey", true),
    ("title:\"S 400\" Turkey", "Turkey", "S-400 arrives", false),
    ("title:(Erdogan OR Putin) talks", "Putin", "talks", true),
    (
        "-title:opinion Erdogan",
        "Opinion: the week",
        "Erdogan",
        false,
    ),
    (
        "-title:opinion Erdogan",
        "News",
        "Erdogan gave his opinion",
        true,
    ),
    // Lowercase "or" and "and" are words to find.
    ("apples or oranges", "", "oranges", false),
    ("apples or oranges", "", "apples or oranges", true),
    ("apples OR oranges", "", "oranges", true),
    ("Erdogan and Putin", "", "Erdogan, Putin", false),
    ("Erdogan and Putin", "", "Erdogan and Putin", true),
    // OR binds tighter than AND: `a b OR c` is `a AND (b OR c)`.
    ("Erdogan Putin OR Biden", "", "Biden", false),
    ("Erdogan Putin OR Biden", "", "Putin", false),
    ("Erdogan Putin OR Biden", "", "Erdogan", false),
    ("Erdogan Putin OR Biden", "", "Erdogan met Biden", true),
    ("(Erdogan Putin) OR Biden", "", "Biden", true),
    ("Erdogan AND Putin", "", "Erdogan", false),
    ("Erdogan AND Putin", "Putin", "Erdogan", true),
    ("Erdogan AND Putin OR Biden", "", "Erdogan and Biden", true),
    // Scripts written without spaces between words: a term matches at any character of
    // a run, and Korean words with their particles attached.
    ("東京", "", "東京都で記者会見があった", true),
    ("五輪", "", "東京五輪の会場が決まった", true),
    ("五輪", "東京五輪", "", true),
    ("北京", "", "冬奥会在北京举行", true),
    ("서울", "", "서울에서 열린 회의", true),
    ("서울", "", "서울시장 선거", true),
    // Hangul matches whole syllables only.
    ("서우", "", "서울에서", false),
    ("กรุงเทพ", "", "การประชุมที่กรุงเทพมหานคร", true),
    ("ไทย", "", "ประเทศไทยวันนี้", true),
    ("ລາວ", "", "ປະເທດລາວ", true),
    ("မြန်မာ", "", "မြန်မာနိုင်ငံ", true),
    ("កម្ពុជា", "", "ព្រះរាជាណាចក្រកម្ពុជា", true),
    // No word starts inside a syllable: at a Khmer subscript consonant, or at a Thai
    // consonant after the vowel written before it.
    ("ពុជា", "", "ព្រះរាជាណាចក្រកម្ពុជា", false),
    ("ทพ", "", "กรุงเทพ", false),
    // Thai vowels are kept, not dropped like diacritics: China is not "until".
    ("จีน", "", "จนถึงวันนี้", false),
    ("จีน", "", "ประเทศจีนวันนี้", true),
    // Voicing marks are kept too, and halfwidth kana are kana.
    ("ガス", "", "東京ｶﾞｽの発表", true),
    ("ガス", "", "東京カスの発表", false),
    // Whitespace between such characters does not matter; punctuation does.
    ("\"北京 冬奥会\"", "", "北京冬奥会开幕", true),
    ("\"北京冬奥会\"", "", "北京 冬奥会开幕", true),
    ("\"東京五輪\"", "", "東京、五輪", false),
    ("\"서울 시장\"", "", "서울시장 선거", true),
    // A change of script is a word edge, with or without a space.
    ("発売", "", "新型iPhone発売へ", true),
    ("iPhone", "", "新型iPhone発売へ", true),
    ("\"iPhone 発売\"", "", "新型iPhone発売へ", true),
    ("Olympics", "", "東京Olympics", true),
    ("S-400", "", "S-400発射", true),
    ("2024", "", "2024年", true),
    // Whole words elsewhere stay whole, next to such text too.
    ("Iran", "", "Iranian officials", false),
    ("Iran", "", "Iranian東京", false),
    ("S-400", "", "DS-400発射", false),
    ("Москва", "", "Москвасити", false),
    // A term alone in a group that is excluded twice counts as a term.
    ("-(-Erdogan)", "", "Erdogan", true),
    ("Erdogan (Putin OR -Biden)", "", "Erdogan", true),
    ("Erdogan (Putin OR -Biden)", "", "Erdogan Biden", false),
];

#[test]
fn match_table() {
    let mut failures = Vec::new();
    for &(query, title, body, want) in MATCH_TABLE {
        if matches(query, title, body) != want {
            failures.push(format!(
                "{query:?} on title {title:?} body {body:?}: expected {}",
                if want { "a match" } else { "no match" }
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The same table through one Watcher holding every query: sharing one automaton must not
/// change any answer.
#[test]
fn match_table_with_all_queries_in_one_watcher() {
    let queries: Vec<&str> = MATCH_TABLE.iter().map(|row| row.0).collect();
    let all = watcher(&queries);
    for (i, &(query, title, body, want)) in MATCH_TABLE.iter().enumerate() {
        let hits = all.match_document(title, body);
        assert!(hits.windows(2).all(|w| w[0].watchlist < w[1].watchlist));
        // The same query text may appear on several rows; any of its indexes answers.
        let hit = hits.iter().any(|h| queries[h.watchlist] == query);
        assert_eq!(hit, want, "row {i}: {query:?} on {title:?} / {body:?}");
    }
}

/// (query, 1-based position, part of the message)
const ERROR_TABLE: &[(&str, usize, &str)] = &[
    ("", 1, "empty query"),
    ("   ", 1, "empty query"),
    ("(a b", 1, "unbalanced parenthesis"),
    ("a (b (c)", 3, "unbalanced parenthesis"),
    ("a b)", 4, "unbalanced parenthesis"),
    ("a (b))", 6, "unbalanced parenthesis"),
    (")", 1, "unbalanced parenthesis"),
    ("\"abc", 1, "unterminated quote"),
    ("a \"b c", 3, "unterminated quote"),
    ("a \"\"", 3, "empty phrase"),
    ("\"  \" a", 1, "empty phrase"),
    ("OR a", 1, "OR with nothing before it"),
    ("(OR a)", 2, "OR with nothing before it"),
    ("a OR", 3, "OR with nothing after it"),
    ("a OR OR b", 3, "OR with nothing after it"),
    ("a (b OR) c", 6, "OR with nothing after it"),
    ("a OR AND b", 3, "OR with nothing after it"),
    ("AND a", 1, "AND with nothing before it"),
    ("a AND", 3, "AND with nothing after it"),
    ("a AND OR b", 3, "AND with nothing after it"),
    ("...", 1, "no letters or digits"),
    ("a & b", 3, "no letters or digits"),
    ("\"!!\"", 1, "no letters or digits"),
    ("a \u{301}", 3, "no letters or digits"),
    ("title:", 1, "title:"),
    ("title: a", 1, "title:"),
    ("a title:", 3, "title:"),
    ("title:-a", 1, "title:"),
    ("a -", 3, "stray '-'"),
    ("- a", 1, "stray '-'"),
    ("a --b", 3, "stray '-'"),
    ("-OR a", 1, "stray '-'"),
    ("-a", 1, "that is not excluded"),
    ("-a -\"b c\"", 1, "that is not excluded"),
    ("-(a b)", 1, "that is not excluded"),
    ("a OR -b", 6, "alternative of OR"),
    ("-b OR a", 1, "alternative of OR"),
    ("-(a -b)", 1, "none of its terms"),
    ("()", 1, "empty parentheses"),
    ("a ()", 3, "empty parentheses"),
    // Positions count characters, not bytes.
    ("Türkiye (a", 9, "unbalanced parenthesis"),
    ("ğğğ \"x", 5, "unterminated quote"),
];

#[test]
fn error_table() {
    for &(query, position, message) in ERROR_TABLE {
        match Query::parse(query) {
            Ok(parsed) => panic!("{query:?} parsed: {parsed:?}"),
            Err(e) => {
                assert_eq!(e.position, position, "{query:?}: {e}");
                assert!(e.message.contains(message), "{query:?}: {e}");
                assert_eq!(
                    e.to_string(),
                    format!("{} at position {position}", e.message)
                );
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let query = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = Query::parse(&query).unwrap_err();
    assert!(e.message.contains("nested"), "{e}");
    let query = format!("{}a{}", "-(".repeat(10_000), ")".repeat(10_000));
    assert!(Query::parse(&query).is_err());
}

#[test]
fn source_is_kept() {
    let q = Query::parse("  \"S-400\" OR S400 ").unwrap();
    assert_eq!(q.source(), "  \"S-400\" OR S400 ");
}

fn only_hit(queries: &[&str], title: &str, body: &str) -> Hit {
    let mut hits = watcher(queries).match_document(title, body);
    assert_eq!(hits.len(), 1, "{hits:?}");
    hits.remove(0)
}

fn highlighted(hit: &Hit) -> Vec<&str> {
    hit.snippet
        .highlights
        .iter()
        .map(|r| &hit.snippet.text[r.clone()])
        .collect()
}

#[test]
fn matched_terms_are_positive_terms_that_hit_as_written_in_query_order() {
    let query = "\"S-400\" (Turkey OR Ankara OR Türkiye) -\"Real Turkey\"";
    let hit = only_hit(
        &[query],
        "Türkiye buys S-400",
        "Ankara confirmed the S 400 deal.",
    );
    assert_eq!(hit.matched_terms, ["S-400", "Ankara", "Türkiye"]);

    let hit = only_hit(&["Erdogan OR (Erdogan Putin) -Biden"], "", "Putin, Erdogan");
    assert_eq!(hit.matched_terms, ["Erdogan", "Putin"]);

    let hit = only_hit(&["title:Erdogan Putin"], "Erdogan", "Putin");
    assert_eq!(hit.matched_terms, ["Erdogan", "Putin"]);

    // A title-only term found only in the body did not hit.
    let hit = only_hit(&["Putin OR title:Erdogan"], "", "Putin and Erdogan");
    assert_eq!(hit.matched_terms, ["Putin"]);

    // Two spellings that are the same term both hit.
    let hit = only_hit(&["S-400 OR S400"], "", "the S\u{2011}400");
    assert_eq!(hit.matched_terms, ["S-400", "S400"]);
}

#[test]
fn hits_come_one_per_matching_query_in_index_order() {
    let w = watcher(&["Putin", "Erdogan", "Biden", "Erdogan OR Putin"]);
    let hits = w.match_document("Erdogan meets Putin", "");
    let indexes: Vec<usize> = hits.iter().map(|h| h.watchlist).collect();
    assert_eq!(indexes, [0, 1, 3]);
    assert!(watcher(&[]).match_document("anything", "at all").is_empty());
}

#[test]
fn snippet_highlights_every_matched_term_in_the_window() {
    let body =
        "Ankara said the S-400, or S 400 as some write it, stays. Erdoğan\u{2019}s S400s too.";
    let hit = only_hit(&["S-400 (Ankara OR Turkey) -Biden"], "", body);
    assert_eq!(hit.snippet.text, body);
    assert_eq!(highlighted(&hit), ["Ankara", "S-400", "S 400", "S400"]);
}

#[test]
fn snippet_is_cut_around_the_first_body_hit() {
    let body = format!(
        "{} Erdoğan\u{2019}s plan, said the   minister,\n\n{}",
        "Long introduction about other things.".repeat(10),
        "and the rest of the article goes on. ".repeat(20)
    );
    let hit = only_hit(&["Erdogan"], "Erdogan", &body);
    let text = &hit.snippet.text;
    assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
    assert!(text.contains("said the minister, and"), "{text}");
    assert!(text.chars().count() <= 205, "{text}");
    assert_eq!(highlighted(&hit), ["Erdoğan"]);
}

#[test]
fn title_only_hit_shows_the_start_of_the_body_without_highlights() {
    let hit = only_hit(&["title:Erdogan"], "Erdogan speaks", "The speech was long.");
    assert_eq!(hit.snippet.text, "The speech was long.");
    assert!(hit.snippet.highlights.is_empty());

    let hit = only_hit(&["Erdogan"], "Erdogan speaks", "The speech was long.");
    assert_eq!(hit.snippet.text, "The speech was long.");
    assert!(hit.snippet.highlights.is_empty());
}

#[test]
fn with_no_body_the_snippet_is_the_title_with_highlights() {
    let hit = only_hit(&["title:Erdogan S400"], "Erdoğan and the  S-400", "  \n ");
    assert_eq!(hit.snippet.text, "Erdoğan and the S-400");
    assert_eq!(highlighted(&hit), ["Erdoğan", "S-400"]);
}

#[test]
fn excluded_and_unmatched_terms_are_not_highlighted() {
    let hit = only_hit(
        &["Erdogan -Biden (Putin OR Xi) OR title:Merkel"],
        "",
        "Erdogan and Putin, not Merkel",
    );
    assert_eq!(highlighted(&hit), ["Erdogan", "Putin"]);
}

#[test]
fn occurrences_slice_the_original_text() {
    let w = watcher(&["S-400 Turkey", "title:Erdogan", "country -Real", "Ankara"]);
    let title = "Erdoğan\u{2019}s S\u{2011}400";
    let body = "Erdog\u{306}an said S 400, Turkey\u{2019}s; not DS-400 or S-4000. Real countries.";
    let occurrences = w.occurrences(title, body);
    let found: Vec<(usize, &str, Field, &str)> = occurrences
        .iter()
        .map(|o| {
            let text = match o.field {
                Field::Title => title,
                Field::Body => body,
            };
            let slice = text.get(o.start..o.end).expect("char boundaries");
            (o.query, o.term.as_str(), o.field, slice)
        })
        .collect();
    assert_eq!(
        found,
        [
            (0, "S-400", Field::Title, "S\u{2011}400"),
            (0, "S-400", Field::Body, "S 400"),
            (0, "Turkey", Field::Body, "Turkey"),
            (1, "Erdogan", Field::Title, "Erdoğan"),
            (2, "country", Field::Body, "countries"),
        ]
    );
}

#[test]
fn snippet_highlights_a_term_inside_japanese_text() {
    let body = "東京都は5日、東京五輪の会場について発表した。";
    let hit = only_hit(&["五輪"], "", body);
    assert_eq!(hit.snippet.text, body);
    assert_eq!(highlighted(&hit), ["五輪"]);

    let hit = only_hit(&["\"東京 五輪\" OR 서울"], "", "서울에서 東京五輪");
    assert_eq!(highlighted(&hit), ["서울", "東京五輪"]);
}

#[test]
fn snippet_of_a_long_japanese_text_without_spaces_is_the_usual_length() {
    let sentence = "政府は来年度の予算案について関係省庁と協議を続けると発表した。";
    let half = sentence.repeat(1000 / sentence.chars().count());
    let body = format!("{half}東京五輪の開催について{half}");
    let hit = only_hit(&["五輪"], "", &body);
    let text = &hit.snippet.text;
    assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
    let chars = text.chars().count();
    assert!((150..=205).contains(&chars), "{chars} chars: {text}");
    assert_eq!(highlighted(&hit), ["五輪"]);
}

#[test]
fn occurrences_cover_syllables_however_they_are_spelled() {
    let w = watcher(&["서울", "ガス"]);
    let body = "\u{1109}\u{1165}\u{110B}\u{116E}\u{11AF}에서 ｶﾞｽ カ\u{3099}ス";
    let slices: Vec<&str> = w
        .occurrences("", body)
        .iter()
        .map(|o| &body[o.start..o.end])
        .collect();
    assert_eq!(
        slices,
        [
            "\u{1109}\u{1165}\u{110B}\u{116E}\u{11AF}",
            "ｶﾞｽ",
            "カ\u{3099}ス"
        ]
    );
}

#[test]
fn occurrences_cover_combining_marks_and_skip_endings() {
    let w = watcher(&["Erdogan", "S-400"]);
    let body = "Erdog\u{306}an\u{303} and S-400s";
    let slices: Vec<&str> = w
        .occurrences("", body)
        .iter()
        .map(|o| &body[o.start..o.end])
        .collect();
    assert_eq!(slices, ["Erdog\u{306}an\u{303}", "S-400"]);
}

#[test]
fn public_types_can_be_shared_between_threads() {
    fn assert_traits<T: Send + Sync + std::fmt::Debug>() {}
    fn assert_clone<T: Clone>() {}
    assert_traits::<Query>();
    assert_clone::<Query>();
    assert_traits::<Watcher>();
    assert_traits::<QueryError>();
}

/// Small deterministic generator, so the property tests need no extra crate and a failure
/// reproduces.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces chosen to hit the folding's corners: marks alone and after letters, joiners,
/// dashes, apostrophes, emoji sequences, controls, right-to-left text, ligatures, huge
/// code points.
const PIECES: &[&str] = &[
    "S",
    "400",
    "-",
    "\u{2011}",
    "\u{2013}",
    " ",
    "\u{A0}",
    "'",
    "\u{2019}",
    "s",
    "es",
    "\u{301}",
    "\u{306}\u{303}",
    "\u{200D}",
    "\u{AD}",
    "\u{FEFF}",
    "😀",
    "👩\u{200D}👩\u{200D}👧",
    "🇹🇷",
    "\u{0}",
    "\u{7}",
    "\r\n",
    "\t",
    "ğ",
    "İ",
    "ı",
    "ß",
    "ﬁ",
    "①",
    "½",
    "Σ",
    "ς",
    "مرحبا",
    "\u{202E}",
    "東京",
    "五輪",
    "、",
    "서울",
    "\u{1109}\u{1165}",
    "\u{11AF}",
    "ที่",
    "เ",
    "ខ្ម",
    "ｶﾞ",
    "\u{10FFFF}",
    "Erdoğan",
    "Turkey",
    "\"",
    "(",
    ")",
    "OR",
    "title:",
    "Real",
    "countries",
    ".",
];

fn random_text(rng: &mut XorShift) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(40) {
        if rng.below(8) == 0 {
            let bytes: Vec<u8> = (0..rng.below(12)).map(|_| rng.next() as u8).collect();
            text.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            text.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    text
}

#[test]
fn odd_input_never_panics_and_results_stay_well_formed() {
    let queries = [
        "S-400",
        "\"S 400\" (Turkey OR Türkiye) -\"Real Turkey\"",
        "Erdogan OR title:Erdoğan",
        "country",
        "ß",
        "東京",
        "\"東京 五輪\"",
        "서울",
        "กรุงเทพ",
        "\u{10FFFF}x",
    ];
    let w = watcher(&queries);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let title = random_text(&mut rng);
        let body = random_text(&mut rng);
        for hit in w.match_document(&title, &body) {
            for range in &hit.snippet.highlights {
                assert!(
                    hit.snippet
                        .text
                        .get(range.clone())
                        .is_some_and(|s| !s.is_empty()),
                    "{hit:?}"
                );
            }
        }
        for o in w.occurrences(&title, &body) {
            let text = if o.field == Field::Title {
                &title
            } else {
                &body
            };
            assert!(
                text.get(o.start..o.end).is_some_and(|s| !s.is_empty()),
                "{o:?}"
            );
        }
        let _ = normalize(&body);
        // Random text as a query must parse or fail cleanly.
        let _ = Query::parse(&title);
    }
}

/// Every hit's highlights are occurrences of one of its matched terms.
#[test]
fn highlights_are_the_matched_terms() {
    let queries = ["S-400", "Erdogan Turkey", "country OR Real"];
    let w = watcher(&queries);
    let mut rng = XorShift(42);
    for _ in 0..2000 {
        let body = random_text(&mut rng);
        for hit in w.match_document("", &body) {
            let terms: Vec<String> = hit
                .matched_terms
                .iter()
                .flat_map(|t| [normalize(t), normalize(t).replace("country", "countries")])
                .collect();
            for range in &hit.snippet.highlights {
                let shown = normalize(&hit.snippet.text[range.clone()]);
                assert!(
                    terms.contains(&shown),
                    "{shown:?} not in {terms:?}: {hit:?}"
                );
            }
        }
    }
}

#[test]
fn huge_input_is_fine() {
    let body = "Ankara S-400 Erdoğan's ".repeat(50_000);
    let hit = only_hit(&["S-400 Erdogan"], "", &body);
    assert_eq!(hit.matched_terms, ["S-400", "Erdogan"]);
    assert!(hit.snippet.text.chars().count() <= 205);
    assert!(only_hit(&["x OR S-400"], &body, "").snippet.text.len() < 1000);
}
