//! The one place where the page behind an item's link becomes the article's text:
//! [`read_article`]. The page goes through [`crate::article::read`] (is it HTML, in which
//! encoding, what is its main text without the page's furniture, is that an article);
//! what is not an HTML document is skipped, and what is a page but not the article (a
//! consent wall, a login form, a paywall's stub, a page of links) is refused, so that the
//! caller keeps the feed's text and tries again later.

use url::Url;

use crate::article::{self, Extracted};

/// Why a page gave no article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ArticleError {
    /// Not an HTML document (a PDF, an image, a download served as a page): skipped.
    #[error("{0}")]
    NotHtml(String),
    /// A page, but not the article: read again later, it may be the article then.
    #[error("not the article: {0}")]
    Stub(String),
}

/// What was read on the article page `bytes` (served with `content_type`, reached at
/// `url`), or why it is no article.
pub(super) fn read_article(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> Result<Extracted, ArticleError> {
    let read = article::read(bytes, content_type, Some(url))
        .map_err(|not| ArticleError::NotHtml(not.to_string()))?;
    if !read.verdict.is_article() {
        return Err(ArticleError::Stub(format!(
            "{} ({} words of main text)",
            read.verdict, read.words
        )));
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!(
            "<!DOCTYPE html><html><head><title>T</title></head><body>\
             <nav><a href=/>Home</a> <a href=/world>World</a> Erdogan Putin</nav>\
             <article>{body}</article>\
             <aside class=most-read><h2>Most read</h2><p>Real Turkey: the convoy</p></aside>\
             </body></html>"
        )
    }

    fn read(bytes: &[u8], content_type: Option<&str>) -> Result<Extracted, ArticleError> {
        read_article(
            bytes,
            content_type,
            &Url::parse("https://news.example/world/a").unwrap(),
        )
    }

    #[test]
    fn an_article_page_becomes_its_main_text_in_paragraphs() {
        let paragraph = "Word after word of the report goes on. ".repeat(8);
        let html = page(&format!(
            "<p>{paragraph}</p><p>{paragraph}</p><p>{paragraph}</p>\
             <p>The fourth names the S-400.</p>"
        ));
        let read_ = read(html.as_bytes(), Some("text/html; charset=utf-8")).unwrap();
        assert!(
            read_.text.contains("\n\nThe fourth names the S-400."),
            "{}",
            read_.text
        );
        // The navigation and the sidebar are furniture, not the article.
        assert!(!read_.text.contains("Erdogan"), "{}", read_.text);
        assert!(!read_.text.contains("Real Turkey"), "{}", read_.text);
        // Without a type, a body that opens with markup is read as well.
        assert_eq!(read(html.as_bytes(), None).unwrap(), read_);
    }

    #[test]
    fn what_is_not_an_article_is_refused_with_the_reason() {
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00";
        let refused = read(pdf, Some("text/html")).unwrap_err();
        assert!(
            matches!(&refused, ArticleError::NotHtml(w) if w.contains("PDF")),
            "{refused}"
        );
        let wall = page(
            "<h1>Before you continue</h1><p>We use cookies and data to deliver and maintain \
             our services. Accept all or reject all, or manage privacy settings.</p>",
        );
        let refused = read(wall.as_bytes(), Some("text/html")).unwrap_err();
        assert!(matches!(refused, ArticleError::Stub(_)), "{refused}");
        assert!(refused.to_string().contains("not the article"), "{refused}");
    }
}
