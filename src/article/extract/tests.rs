//! Extraction as a whole, on small pages written to show one rule each.

use super::*;

/// A paragraph of prose about `topic`, long enough to read as one.
fn prose(topic: &str) -> String {
    format!(
        "Officials said on Monday that {topic} would be discussed at length, and that a \
         decision was expected before the end of the month, according to people familiar \
         with the talks."
    )
}

fn page(head: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>")
}

fn text_of(html: &str) -> String {
    extract(html, None).text
}

#[test]
fn the_article_markup_is_read_and_the_page_around_it_is_not() {
    let html = page(
        "<title>T</title>",
        &format!(
            r#"<nav><a href="/">Home</a> <a href="/w">World</a></nav>
            <article><h1>Headline</h1><p>{}</p><p>{}</p><h2>Background</h2><p>{}</p></article>
            <aside><h2>Most read</h2><ul><li><a href="/1">Merkel says no to a deal</a></li></ul></aside>
            <footer><p>© Example. Contact us at the office, or write a letter, any day.</p></footer>"#,
            prose("the budget"),
            prose("the tariff"),
            prose("the border")
        ),
    );
    let expected = [
        prose("the budget"),
        prose("the tariff"),
        "Background".to_string(),
        prose("the border"),
    ]
    .join("\n\n");
    assert_eq!(text_of(&html), expected);
}

#[test]
fn without_markup_the_block_of_most_prose_is_chosen() {
    let links: String = (0..30)
        .map(|i| format!(r#"<div><a href="/{i}">Another story number {i}</a></div>"#))
        .collect();
    let html = page(
        "",
        &format!(
            r#"<div id="a"><div id="b">{links}</div><div id="c"><div>{}</div><div>{}</div><div>{}</div></div></div>"#,
            prose("wheat"),
            prose("barley"),
            prose("rye")
        ),
    );
    let text = text_of(&html);
    assert!(text.starts_with(&prose("wheat")), "{text}");
    assert!(text.ends_with(&prose("rye")), "{text}");
    assert!(!text.contains("Another story"), "{text}");
}

#[test]
fn furniture_inside_the_article_is_left_out() {
    let html = page(
        "",
        &format!(
            r#"<article>
            <div class="share-buttons"><a href="/fb">Share on Facebook</a> <span>Share</span></div>
            <p>{}</p>
            <figure><img src="a.jpg"><figcaption>A launcher on parade. Photo: Agency</figcaption></figure>
            <p class="promo"><a href="/v">WATCH: Turkey's Convoluted Foreign Relations | Real Turkey</a></p>
            <p>{}</p>
            <div class="newsletter-signup"><p>Register now for free unlimited access to our site.</p></div>
            <p>{}</p>
            <div class="author-bio"><p>Jane Doe covers Turkey for the paper, and lived in Ankara for years.</p></div>
            <section class="related"><h2>Related</h2><ul><li><a href="/r">Putin meets Erdoğan</a></li></ul></section>
            <div id="comments"><p>{}</p></div>
            </article>"#,
            prose("the first"),
            prose("the second"),
            prose("the third"),
            prose("a reader's comment"),
        ),
    );
    let expected = [prose("the first"), prose("the second"), prose("the third")].join("\n\n");
    assert_eq!(text_of(&html), expected);
}

#[test]
fn a_whole_json_ld_article_body_is_taken_and_a_teaser_is_not() {
    let body = format!("{} {}", prose("the vote"), prose("the count"));
    let markup = format!(
        "<article><p>{}</p><p>Sponsored: mattresses.</p><p>{}</p></article>",
        prose("the vote"),
        prose("the count")
    );
    let whole = page(
        &format!(
            r#"<script type="application/ld+json">{{"@graph": [{{"@type": "NewsArticle", "articleBody": {}}}]}}</script>"#,
            serde_json::Value::String(body.clone())
        ),
        &markup,
    );
    assert_eq!(text_of(&whole), body);

    let teaser = page(
        r#"<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "Officials said on Monday."}</script>"#,
        &markup,
    );
    assert!(text_of(&teaser).contains("\n\n"), "the markup's paragraphs");
}

#[test]
fn paragraphs_words_and_entities() {
    let html = page(
        "",
        &format!(
            "<article><p>The <b>S</b>-400 &amp; the F&#8209;35: {}</p><p>Line one<br>line two, \
             and {}</p></article>",
            prose("the jets"),
            prose("the missiles")
        ),
    );
    let extracted = extract(&html, None);
    let paragraphs: Vec<&str> = extracted.text.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 2, "{}", extracted.text);
    assert!(paragraphs[0].starts_with("The S-400 & the F\u{2011}35: "));
    assert!(paragraphs[1].starts_with("Line one\nline two, and "));
    assert_eq!(extracted.words, extracted.text.split_whitespace().count());
}

#[test]
fn the_title_from_open_graph_then_the_heading_then_the_title_tag() {
    let body = format!(
        "<article><h1>From the heading</h1><p>{}</p></article>",
        prose("x")
    );
    let cases = [
        (
            r#"<title>From the title | Site</title><meta property="og:title" content="From &quot;Open Graph&quot;">"#,
            "From \"Open Graph\"",
        ),
        ("<title>From the title | Site</title>", "From the heading"),
    ];
    for (head, expected) in cases {
        assert_eq!(extract(&page(head, &body), None).title, expected);
    }
    let no_heading = page("<title>From the title</title>", "<p>x</p>");
    assert_eq!(extract(&no_heading, None).title, "From the title");
}

#[test]
fn pages_that_are_not_articles() {
    let article = page(
        "",
        &format!(
            "<article><p>{}</p><p>{}</p></article>",
            prose("a"),
            prose("b")
        ),
    );
    let consent = page(
        "",
        r#"<div class="consent-wall" role="dialog"><h1>Before you continue</h1>
        <p>We use cookies and data to deliver our services and show personalised ads.</p>
        <button>Accept all</button><button>Reject all</button></div>"#,
    );
    let paywall = page(
        "",
        &format!(
            r#"<article><p>{}</p><div class="paywall"><p>Subscribe to continue reading.</p>
            <p>Already a subscriber? <a href="/login">Sign in</a></p></div></article>"#,
            prose("the rates")
        ),
    );
    let cards: String = (0..8)
        .map(|i| {
            format!(
                r#"<article><h2><a href="/{i}">Story {i}</a></h2><p>A summary of story {i} in one sentence, with a little more to read inside, and a photograph.</p></article>"#
            )
        })
        .collect();
    let index = page("", &format!("<main>{cards}</main>"));
    let cases = [
        ("an article", article.as_str(), None, Verdict::Article),
        (
            "an empty page",
            "<html><body></body></html>",
            None,
            Verdict::NoText,
        ),
        (
            "a consent wall",
            consent.as_str(),
            None,
            Verdict::ConsentWall,
        ),
        ("a paywall stub", paywall.as_str(), None, Verdict::Paywall),
        ("a page of teasers", index.as_str(), None, Verdict::Index),
        (
            "a site's front page",
            article.as_str(),
            Some("https://news.example/"),
            Verdict::Index,
        ),
    ];
    for (what, html, url, expected) in cases {
        let url = url.map(|u| Url::parse(u).unwrap());
        assert_eq!(extract(html, url.as_ref()).verdict, expected, "{what}");
    }
}

/// Hostile pages (megabytes of one shape) give an answer, not a panic or a hang; how long
/// they take is the bench's to say.
#[test]
fn hostile_pages_give_an_answer() {
    let one_div_per_character = "<div>x".repeat(400_000);
    assert_eq!(
        extract(&one_div_per_character, None).verdict,
        Verdict::NoText
    );

    let deep = "<div>".repeat(200_000) + &prose("the depths") + &"</div>".repeat(10);
    assert_eq!(extract(&deep, None).text, prose("the depths"));

    let unclosed = format!("<p><b><i>{}", prose("no end")).repeat(20_000);
    let extracted = extract(&unclosed, None);
    assert!(extracted.text.starts_with(&prose("no end")));

    let garbage: String = (0..2_000_000u32)
        .map(|i| ['<', '>', '"', '\'', '=', 'a', ' ', '/', '!', '-'][(i * 7 + i / 3) as usize % 10])
        .collect();
    let _ = extract(&garbage, None);
}

#[test]
fn pieces_of_a_streamed_page_are_read_where_their_placeholders_are() {
    let html = page(
        "",
        &format!(
            r#"<nav><a href="/">Home</a></nav>
            <article><p>{}</p><!--$?--><template id="B:1"></template><p>Loading…</p><!--/$--></article>
            <aside><a href="/x">Another story</a></aside>
            <div hidden id="S:1"><p>{}</p><p>{}</p></div>
            <script>$RC("B:1","S:1")</script>"#,
            prose("the first part"),
            prose("the streamed part"),
            prose("its end")
        ),
    );
    let text = text_of(&html);
    let expected = [
        prose("the first part"),
        prose("the streamed part"),
        prose("its end"),
    ];
    assert!(text.starts_with(&expected.join("\n\n")), "{text}");
    assert_eq!(text.matches("streamed part").count(), 1, "{text}");
}
