//! The one place where the page behind an item's link becomes the article's text:
//! [`read_article`]. **The main-content extractor plugs in here**: today the page's bytes
//! are decoded by the feeds' charset rules and the whole page made plain text, furniture
//! (navigation, sidebars, footers) and all; swapping in the extractor changes this one
//! function and nothing that calls it. The contract stays: what is not an HTML document,
//! or whose main text is too short to be an article (a consent wall, a login form, a
//! paywall's stub), is refused, and the caller keeps the feed's text.

use url::Url;

use crate::feed::charset;
use crate::feed::html::html_to_text;

/// Fewer words than this in a page's main text make it something other than an article: a
/// consent wall, a login form, a paywall's stub, an error page. The shortest news briefs
/// run longer.
const MIN_ARTICLE_WORDS: usize = 50;
/// How far into a body without a Content-Type to look for the start of an HTML document.
const SNIFF_WINDOW: usize = 1024;

/// Why a page gave no article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ArticleError {
    /// Not an HTML document (a PDF, an image, a download served as a page): skipped.
    #[error("not an HTML page: {0}")]
    NotHtml(String),
    /// A page, but not the article: read again later, it may be the article then.
    #[error("not the article: {0}")]
    Stub(String),
}

/// The main text of the article page `bytes` (served with `content_type`, reached at
/// `url`), paragraphs apart, or why it has none.
pub(super) fn read_article(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> Result<String, ArticleError> {
    // The extractor will resolve the page's links against it; the text made here needs
    // none.
    let _ = url;
    if let Some(what) = not_html(bytes, content_type) {
        return Err(ArticleError::NotHtml(what));
    }
    let text = html_to_text(&charset::decode(bytes, content_type));
    let words = text.split_whitespace().take(MIN_ARTICLE_WORDS).count();
    if words < MIN_ARTICLE_WORDS {
        return Err(ArticleError::Stub(format!(
            "its text has {words} words, fewer than an article's {MIN_ARTICLE_WORDS}"
        )));
    }
    Ok(text)
}

/// What the body is, when it is not an HTML document: binary bytes (a zero byte near the
/// start, which no text encoding a page is served in has), or, without a Content-Type to
/// go by, a body that does not open with markup.
fn not_html(bytes: &[u8], content_type: Option<&str>) -> Option<String> {
    let start = &bytes[..bytes.len().min(SNIFF_WINDOW)];
    // UTF-16 pages have zero bytes in every other place, and a byte order mark.
    let utf16 = start.starts_with(&[0xff, 0xfe]) || start.starts_with(&[0xfe, 0xff]);
    if start.contains(&0) && !utf16 {
        return Some("binary data".into());
    }
    if content_type.is_none_or(|t| t.trim().is_empty()) {
        let text = String::from_utf8_lossy(start).to_ascii_lowercase();
        let opening = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
        if !opening.starts_with('<') {
            return Some("text that does not open with markup".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!(
            "<!DOCTYPE html><html><head><title>T</title></head><body><nav>Home World</nav>\
             <article>{body}</article></body></html>"
        )
    }

    fn read(bytes: &[u8], content_type: Option<&str>) -> Result<String, ArticleError> {
        read_article(
            bytes,
            content_type,
            &Url::parse("https://news.example/a").unwrap(),
        )
    }

    #[test]
    fn an_article_page_becomes_its_text_in_paragraphs() {
        let paragraph = "Word ".repeat(30);
        let html = page(&format!(
            "<p>{paragraph}</p><p>{paragraph}</p><p>The fourth names the S-400.</p>"
        ));
        let text = read(html.as_bytes(), Some("text/html; charset=utf-8")).unwrap();
        assert!(text.contains("\n\nThe fourth names the S-400."), "{text}");
        // Without a type, a body that opens with markup is read as well.
        assert_eq!(read(html.as_bytes(), None).unwrap(), text);
    }

    #[test]
    fn what_is_not_an_article_is_refused_with_the_reason() {
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00";
        assert!(
            matches!(read(pdf, Some("text/html")), Err(ArticleError::NotHtml(w)) if w == "binary data")
        );
        assert!(matches!(
            read(b"%PDF-1.7 plain enough", None),
            Err(ArticleError::NotHtml(_))
        ));
        let wall = page(
            "<h1>Before you continue</h1><p>We use cookies. Accept all or manage settings.</p>",
        );
        let refused = read(wall.as_bytes(), Some("text/html")).unwrap_err();
        assert!(matches!(refused, ArticleError::Stub(_)), "{refused}");
        assert!(
            refused.to_string().contains("fewer than an article's 50"),
            "{refused}"
        );
    }
}
