//! Articles behind items' links: a fetched page's bytes → its HTML text ([`decode_html`],
//! after [`is_html`] has told a page from a PDF, an image or a video), and that text →
//! the article's title and main text with the page's furniture left out ([`extract`]),
//! with a [`Verdict`] on whether it is an article at all (a consent wall, a paywall stub
//! or a page of links is not); [`read`] is the way from bytes to that. What one page
//! cannot tell, many pages of a site can: [`furniture`] learns the lines that recur across
//! a site's articles and leaves them out of its next ones.
//!
//! Pure: no I/O and no async. Fetching the page is the caller's (the daemon's full text
//! and the CLI's `extract`), and so is running the extraction on the blocking pool and
//! keeping what [`furniture`] learned.

mod decode;
pub mod extract;
pub mod furniture;

pub use decode::{NotHtml, decode_html, is_html};
pub use extract::{Extracted, Verdict, extract};

use url::Url;

/// A fetched page's bytes (served with `content_type`, reached at `url` when it came over
/// HTTP) → what [`extract`] reads on it, or why they are not an HTML page. The one way
/// from bytes to an article, for the daemon and `newshound extract` alike.
pub fn read(
    bytes: &[u8],
    content_type: Option<&str>,
    url: Option<&Url>,
) -> Result<Extracted, NotHtml> {
    is_html(content_type, bytes)?;
    Ok(extract(&decode_html(bytes, content_type), url))
}
