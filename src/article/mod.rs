//! Articles behind items' links: a fetched page's bytes → its HTML text ([`decode_html`],
//! after [`is_html`] has told a page from a PDF, an image or a video), and that text →
//! the article's title and main text with the page's furniture left out ([`extract`]),
//! with a [`Verdict`] on whether it is an article at all (a consent wall, a paywall stub
//! or a page of links is not).
//!
//! Pure: no I/O and no async. Fetching the page is the caller's (the CLI's `extract`
//! command today), and so is running the extraction on the blocking pool.

mod decode;
pub mod extract;

pub use decode::{NotHtml, decode_html, is_html};
pub use extract::{Extracted, Verdict, extract};
