//! The chosen element's text as paragraphs: furniture left out, entities decoded, blanks
//! collapsed, a blank line between blocks, `<br>` kept as a line break. Blocks that are
//! furniture by their text are dropped: a paragraph of links (a menu, a promo line), the
//! page's title (`<h1>`), and a section's rest after a heading such as "Related posts".

use std::borrow::Cow;

use super::blocks::Blocks;
use super::dom::Dom;
use super::stream::Grafts;
use super::tags::Tag;

/// Where a `<br>` broke a line, in the raw text of a paragraph: a control character no
/// page text keeps (source line breaks are only blanks).
const LINE_BREAK: char = '\u{1}';

/// What was written of one element.
pub(crate) struct Written {
    pub(crate) paragraphs: Vec<String>,
    /// Teasers of other articles in it: `<article>` cards.
    pub(crate) teasers: usize,
}

/// How deep streamed pieces may sit inside one another (see `stream`); a deeper one is
/// not written.
const MAX_GRAFT_DEPTH: usize = 16;

/// The paragraphs of element `root`.
pub(crate) fn paragraphs(dom: &Dom<'_>, blocks: &Blocks, grafts: &Grafts, root: usize) -> Written {
    let mut writer = Writer {
        teasers: 0,
        paragraphs: Vec::new(),
        current: String::new(),
        chars: 0,
        link: 0,
        block: Tag::Other,
    };
    writer.subtree(dom, blocks, grafts, root, 0);
    writer.flush();
    Written {
        paragraphs: writer.paragraphs,
        teasers: writer.teasers,
    }
}

/// Headings of the furniture that follows an article inside its own markup: after one of
/// these, its section has nothing of the article.
const CLOSING_HEADINGS: [&str; 24] = [
    "related",
    "related articles",
    "related posts",
    "related stories",
    "related content",
    "read more",
    "read next",
    "read this next",
    "more stories",
    "more from",
    "you may also like",
    "you might also like",
    "recommended",
    "recommended for you",
    "popular posts",
    "recent posts",
    "latest news",
    "latest posts",
    "share this",
    "share this article",
    "about the author",
    "leave a reply",
    "leave a comment",
    "comments",
];

/// Whether the heading at `index` is one of [`CLOSING_HEADINGS`].
fn ends_article(dom: &Dom<'_>, index: usize) -> bool {
    let end = dom.nodes[index].end as usize;
    let mut text = String::new();
    for node in &dom.nodes[index + 1..end] {
        if node.tag == Tag::Text {
            text.push_str(dom.text(node));
            text.push(' ');
            if text.len() > 64 {
                return false;
            }
        }
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let heading = words.join(" ");
    CLOSING_HEADINGS.contains(&heading.as_str())
}

/// The text of the whole page, furniture and all, as one line.
pub(crate) fn page_text(dom: &Dom<'_>) -> String {
    let text: String = dom
        .nodes
        .iter()
        .filter(|n| n.tag == Tag::Text)
        .flat_map(|n| [dom.text(n), " "])
        .collect();
    collapse(&decode(&text))
}

struct Writer {
    paragraphs: Vec<String>,
    teasers: usize,
    /// The text of the paragraph being read, raw.
    current: String,
    chars: usize,
    link: usize,
    /// The element the paragraph's first text is in.
    block: Tag,
}

impl Writer {
    /// Writes the subtree of `root`, and at a placeholder the piece streamed for it.
    fn subtree(
        &mut self,
        dom: &Dom<'_>,
        blocks: &Blocks,
        grafts: &Grafts,
        root: usize,
        depth: usize,
    ) {
        let end = dom.nodes[root].end as usize;
        // The ends of the open block elements, innermost last.
        let mut open: Vec<usize> = Vec::new();
        let mut i = root + 1;
        while i < end {
            while open.last().is_some_and(|&e| e <= i) {
                open.pop();
                self.flush();
            }
            let node = &dom.nodes[i];
            if blocks.left_out[i] || (!grafts.is_empty() && grafts.is_piece(i)) {
                i = node.end as usize;
                continue;
            }
            match node.tag {
                Tag::Text => {
                    if self.chars == 0 {
                        self.block = dom.nodes[blocks.block_of[i] as usize].tag;
                    }
                    self.push(dom.text(node), blocks.in_link[i]);
                }
                Tag::Br => self.current.push(LINE_BREAK),
                Tag::Template if depth < MAX_GRAFT_DEPTH => {
                    if let Some(piece) = grafts.piece_at(i) {
                        self.flush();
                        self.subtree(dom, blocks, grafts, piece, depth + 1);
                        self.flush();
                    }
                }
                tag if tag.is_heading() && ends_article(dom, i) => {
                    // The heading and what follows it in its section.
                    self.flush();
                    i = (dom.nodes[node.parent as usize].end as usize).max(i + 1);
                    continue;
                }
                tag if tag.is_block() => {
                    self.flush();
                    self.teasers += usize::from(tag == Tag::Article);
                    open.push(node.end as usize);
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn push(&mut self, text: &str, in_link: bool) {
        let chars = text.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        self.chars += chars;
        if in_link {
            self.link += chars;
        }
        self.current.push_str(text);
    }

    fn flush(&mut self) {
        if self.chars > 0 {
            // The title is not part of the article's text.
            let keep = match self.block {
                Tag::H1 => false,
                // A linked heading is the article's own more often than a link away
                // (products in a buyer's guide, sources in a round-up).
                tag if tag.is_heading() => true,
                // A paragraph of links is a menu, a promo or a "read more" line; one
                // with a few links in it, even many, is the article's.
                _ => self.link * 5 <= self.chars * 4,
            };
            if keep {
                let text = collapse(&decode(&self.current));
                if !text.is_empty() {
                    self.paragraphs.push(text);
                }
            }
        }
        self.current.clear();
        self.chars = 0;
        self.link = 0;
    }
}

fn decode(text: &str) -> Cow<'_, str> {
    if text.contains('&') {
        html_escape::decode_html_entities(text)
    } else {
        Cow::Borrowed(text)
    }
}

/// Runs of blanks become one space, lines trimmed; line breaks (from `<br>`) kept.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split(LINE_BREAK) {
        let mut words = line.split(char::is_whitespace).filter(|w| !w.is_empty());
        let Some(first) = words.next() else { continue };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    out
}
