//! Main-content extraction: an article page's HTML → its title and the text of the article
//! alone, without the page's furniture (navigation, "most read" lists, share bars, promos
//! between paragraphs, author bios, cookie banners), and a verdict on whether that text is
//! an article at all. Pure: no I/O, no async; a page of a few hundred kilobytes takes a
//! millisecond or two, so a caller on an async runtime runs it on the blocking pool.
//!
//! In the order a page goes through it: `dom` parses the HTML into a flat tree (its own
//! small parser: see there why), `stream` puts the pieces of a streamed page where they
//! belong, `roles` reads what each element's markup says of its
//! job, `blocks` cuts the page into blocks of text with their counts and leaves the
//! furniture out, `select` picks the element that holds the article, `write` writes its
//! paragraphs, `head` reads the title and the JSON-LD `articleBody`, and `verdict` judges
//! the result. How well it does, and how fast, is measured by `cargo bench --bench
//! extract` against pages whose main text a person checked.

mod blocks;
mod dom;
mod head;
mod roles;
mod select;
mod stream;
mod tags;
mod verdict;
mod write;

use url::Url;

pub use verdict::Verdict;

/// What was read from one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub title: String,
    /// The article's paragraphs, separated by a blank line.
    pub text: String,
    /// Words of `text`, as whitespace separates them.
    pub words: usize,
    /// Whether `text` is an article; when not, a caller counts the page as a failed
    /// fetch.
    pub verdict: Verdict,
}

/// A JSON-LD `articleBody` with at least this share of the words read from the markup is
/// the whole article, not a teaser, and is taken instead: it has no furniture in it.
const WHOLE_BODY_SHARE: f64 = 0.9;

/// Reads the article in `html`, the page at `url` when it is known (a site's front page
/// is an index whatever it holds).
pub fn extract(html: &str, url: Option<&Url>) -> Extracted {
    let mut dom = dom::Dom::parse(html);
    let grafts = stream::Grafts::apply(&mut dom);
    let blocks = blocks::Blocks::new(&dom, &grafts);
    let main = select::main_element(&dom, &blocks);
    let written = write::paragraphs(&dom, &blocks, &grafts, main);
    let mut text = written.paragraphs.join("\n\n");
    let mut words = text.split_whitespace().count();
    if let Some(body) = head::article_body(&dom) {
        let body_words = body.split_whitespace().count();
        if body_words as f64 >= words as f64 * WHOLE_BODY_SHARE {
            text = body;
            words = body_words;
        }
    }
    let front_page = url.is_some_and(|u| u.path() == "/" && u.query().is_none());
    let page = || write::page_text(&dom);
    let verdict = match verdict::judge(&text, words, written.teasers, page) {
        Verdict::Article if front_page => Verdict::Index,
        verdict => verdict,
    };
    Extracted {
        title: head::title(&dom),
        text,
        words,
        verdict,
    }
}

#[cfg(test)]
mod tests;
