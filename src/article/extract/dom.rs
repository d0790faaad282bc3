//! HTML text → a tree of elements and text in one flat arena, built in one forward pass
//! over the bytes.
//!
//! Why not html5ever: an article page is a few hundred kilobytes, and the extractor has to
//! read 50 MB of them a second to keep up with its target of 300 pages per CPU-second; a
//! full HTML5 tree builder costs several times that budget before any scoring starts. The
//! extractor needs much less than the standard's tree: the nesting of blocks and links, the
//! attributes that name an element's job, and the text. So this module is a small
//! tokenizer with the few tree-construction rules that matter for that (void elements, raw
//! text elements, an open `<p>`, `<li>` or table cell closed by the next one, end tags that
//! close what was left open inside them), in the manner of browsers where it counts.
//!
//! Nodes are stored in document order, each with the index just past its last descendant
//! (`end`): a subtree is a range of the arena, its children are found by jumping from one
//! `end` to the next, and a pass from the last node to the first sees every child before
//! its parent. Text is not copied: a text node is a range of the source.
//!
//! Hostile pages stay linear in time and bounded in memory: nesting deeper than
//! [`MAX_DEPTH`] adds no more levels, an end tag looks at most [`END_TAG_REACH`] open
//! elements down for its start tag, a quote or comment that never closes is searched for
//! once, and the arena stops growing at [`MAX_NODES`].

use memchr::{memchr, memchr3, memmem};

use super::tags::Tag;

/// Deepest nesting kept; deeper elements are read as if they were at this depth. Browsers
/// cap their trees at a few hundred levels for the same reason.
const MAX_DEPTH: usize = 256;
/// How many open elements an end tag looks through for its start tag. Further down it is
/// taken for a stray end tag, as it nearly always is.
const END_TAG_REACH: usize = 64;
/// Most nodes one page may have; past it, the rest of the page is not read. A long real
/// article page has a few tens of thousands.
pub(crate) const MAX_NODES: usize = 1 << 19;

/// One element or text in the arena.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub(crate) tag: Tag,
    /// The element it is in (the root for itself).
    pub(crate) parent: u32,
    /// Index just past its last descendant.
    pub(crate) end: u32,
    /// Text: its range of the source. Element: the range of its attributes (the start tag
    /// after its name, without the `>`), and, for [`Tag::Other`], its name just before.
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// A parsed page: the arena (node 0 is the document), the source it points into, and what
/// the head says that is not in the tree.
pub(crate) struct Dom<'a> {
    pub(crate) source: &'a str,
    pub(crate) nodes: Vec<Node>,
    /// The text of the first `<title>`, raw (entities not decoded).
    pub(crate) title: Option<&'a str>,
    /// The content of each `<script type="application/ld+json">`.
    pub(crate) json_ld: Vec<&'a str>,
}

impl<'a> Dom<'a> {
    pub(crate) fn parse(source: &'a str) -> Dom<'a> {
        // The source is addressed by u32 offsets; a longer page (4 GB) is cut, far beyond
        // any fetch cap.
        let source = &source[..floor_char_boundary(source, u32::MAX as usize)];
        let mut builder = Builder {
            dom: Dom {
                source,
                nodes: Vec::with_capacity(source.len() / 40),
                title: None,
                json_ld: Vec::new(),
            },
            stack: vec![0],
            open: [0; TAGS],
            no_quote_after: [usize::MAX; 2],
        };
        builder.dom.nodes.push(Node {
            tag: Tag::Html,
            parent: 0,
            end: 0,
            start: 0,
            len: 0,
        });
        builder.run();
        builder.dom
    }

    /// The text of a text node, raw.
    pub(crate) fn text(&self, node: &Node) -> &'a str {
        &self.source[node.start as usize..(node.start + node.len) as usize]
    }

    /// The raw attributes of an element.
    pub(crate) fn attributes(&self, node: &Node) -> Attributes<'a> {
        Attributes {
            rest: self.text(node).as_bytes(),
        }
    }
}

/// The `name="value"` pairs of a start tag, names as written, values raw.
pub(crate) struct Attributes<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest;
        let start = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace() && *b != b'/')?;
        let rest = &rest[start..];
        let name_len = rest
            .iter()
            .skip(1)
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'=' | b'/'))
            .map_or(rest.len(), |p| p + 1);
        let name = &rest[..name_len];
        let mut after = &rest[name_len..];
        while after.first().is_some_and(u8::is_ascii_whitespace) {
            after = &after[1..];
        }
        let Some(value) = after.strip_prefix(b"=") else {
            self.rest = after;
            return Some((name, b""));
        };
        let value = value.trim_ascii_start();
        let (value, rest) = match value.first() {
            Some(&quote @ (b'"' | b'\'')) => match memchr(quote, &value[1..]) {
                Some(end) => (&value[1..end + 1], &value[end + 2..]),
                None => (&value[1..], &b""[..]),
            },
            _ => {
                let end = value
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .unwrap_or(value.len());
                (&value[..end], &value[end..])
            }
        };
        self.rest = rest;
        Some((name, value))
    }
}

const TAGS: usize = Tag::Picture as usize + 1;

struct Builder<'a> {
    dom: Dom<'a>,
    /// The open elements, the document first.
    stack: Vec<u32>,
    /// How many elements of each tag are on the stack.
    open: [u32; TAGS],
    /// Where a search for `"` (and `'`) found none: none after that either.
    no_quote_after: [usize; 2],
}

impl<'a> Builder<'a> {
    fn run(&mut self) {
        let source = self.dom.source;
        let bytes = source.as_bytes();
        let mut at = 0;
        let mut text_from = 0;
        while let Some(found) = memchr(b'<', &bytes[at..]) {
            if self.dom.nodes.len() >= MAX_NODES {
                text_from = bytes.len();
                break;
            }
            let lt = at + found;
            let next = bytes.get(lt + 1).copied().unwrap_or(b' ');
            if next.is_ascii_alphabetic() {
                let Some(end) = self.start_tag(lt, text_from) else {
                    break;
                };
                at = end;
                text_from = end;
            } else if next == b'/' && bytes.get(lt + 2).is_some_and(u8::is_ascii_alphabetic) {
                self.text(text_from, lt);
                let name_end = name_end(bytes, lt + 2);
                let Some(close) = memchr(b'>', &bytes[name_end..]) else {
                    text_from = bytes.len();
                    break;
                };
                self.end_tag(&bytes[lt + 2..name_end]);
                at = name_end + close + 1;
                text_from = at;
            } else if next == b'!' || next == b'?' {
                self.text(text_from, lt);
                at = if bytes[lt + 1..].starts_with(b"!--") {
                    memmem::find(&bytes[lt + 4..], b"-->").map_or(bytes.len(), |e| lt + 4 + e + 3)
                } else {
                    memchr(b'>', &bytes[lt..]).map_or(bytes.len(), |e| lt + e + 1)
                };
                text_from = at;
            } else {
                at = lt + 1;
            }
        }
        self.text(text_from, bytes.len());
        while self.stack.len() > 1 {
            self.pop();
        }
        let count = self.dom.nodes.len() as u32;
        self.dom.nodes[0].end = count;
    }

    /// Reads the start tag at `lt` (text before it from `text_from`); returns where the
    /// markup goes on, or `None` when the tag never ends (the rest is then text).
    fn start_tag(&mut self, lt: usize, text_from: usize) -> Option<usize> {
        let bytes = self.dom.source.as_bytes();
        let name_end = name_end(bytes, lt + 1);
        let Some(close) = self.tag_end(name_end) else {
            self.text(text_from, bytes.len());
            return None;
        };
        self.text(text_from, lt);
        let tag = Tag::of(&bytes[lt + 1..name_end]);
        let self_closing = close > name_end && bytes[close - 1] == b'/';
        let attributes = (name_end as u32, (close - name_end) as u32);
        let after = close + 1;
        if tag.is_raw_text() {
            let (content_end, resume) = raw_text_end(bytes, after, &bytes[lt + 1..name_end]);
            let content = &self.dom.source[after..content_end];
            match tag {
                Tag::Title if self.dom.title.is_none() => self.dom.title = Some(content),
                Tag::Script if self.is_json_ld(attributes) => self.dom.json_ld.push(content),
                _ => {}
            }
            // Kept as an empty element: furniture, but where it stood can matter.
            self.element(tag, attributes, true);
            return Some(resume);
        }
        if matches!(tag, Tag::Html | Tag::Head | Tag::Body) {
            if tag == Tag::Body && self.open[Tag::Body as usize] == 0 {
                self.element(tag, attributes, false);
            }
            return Some(after);
        }
        self.close_implied_by(tag);
        // A self-closing tag is honoured only on elements HTML does not know (the parts of
        // an inline SVG), as browsers do.
        self.element(
            tag,
            attributes,
            tag.is_void() || (self_closing && tag == Tag::Other),
        );
        Some(after)
    }

    fn is_json_ld(&self, (start, len): (u32, u32)) -> bool {
        let node = Node {
            tag: Tag::Script,
            parent: 0,
            end: 0,
            start,
            len,
        };
        self.dom.attributes(&node).any(|(name, value)| {
            name.eq_ignore_ascii_case(b"type")
                && value.len() >= 7
                && value[value.len() - 7..].eq_ignore_ascii_case(b"ld+json")
        })
    }

    /// Where the start tag whose name ends at `from` ends (its `>`): the first `>` outside
    /// a quoted attribute value. `None` when no `>` follows.
    fn tag_end(&mut self, from: usize) -> Option<usize> {
        let bytes = self.dom.source.as_bytes();
        let mut at = from;
        loop {
            let found = at + memchr3(b'>', b'"', b'\'', &bytes[at..])?;
            let byte = bytes[found];
            if byte == b'>' {
                return Some(found);
            }
            // A quote opens a value only right after `=` (and spaces).
            let before = bytes[at..found].trim_ascii_end();
            if before.last() != Some(&b'=') {
                at = found + 1;
                continue;
            }
            let slot = usize::from(byte == b'\'');
            if found >= self.no_quote_after[slot] {
                // No closing quote anywhere: the tag ends at its next `>`.
                return memchr(b'>', &bytes[found..]).map(|e| found + e);
            }
            match memchr(byte, &bytes[found + 1..]) {
                Some(close) => at = found + 1 + close + 1,
                None => {
                    self.no_quote_after[slot] = found;
                    return memchr(b'>', &bytes[found..]).map(|e| found + e);
                }
            }
        }
    }

    /// Adds the text `from..to` to the open element.
    fn text(&mut self, from: usize, to: usize) {
        if from >= to {
            return;
        }
        let parent = *self.stack.last().unwrap_or(&0);
        let index = self.dom.nodes.len() as u32;
        self.dom.nodes.push(Node {
            tag: Tag::Text,
            parent,
            end: index + 1,
            start: from as u32,
            len: (to - from) as u32,
        });
    }

    fn element(&mut self, tag: Tag, (start, len): (u32, u32), empty: bool) {
        let parent = *self.stack.last().unwrap_or(&0);
        let index = self.dom.nodes.len() as u32;
        self.dom.nodes.push(Node {
            tag,
            parent,
            end: index + 1,
            start,
            len,
        });
        if !empty && self.stack.len() < MAX_DEPTH {
            self.stack.push(index);
            self.open[tag as usize] += 1;
        }
    }

    fn pop(&mut self) {
        if let Some(index) = self.stack.pop() {
            let count = self.dom.nodes.len() as u32;
            let node = &mut self.dom.nodes[index as usize];
            node.end = count;
            self.open[node.tag as usize] -= 1;
        }
    }

    fn top(&self) -> Tag {
        self.dom.nodes[*self.stack.last().unwrap_or(&0) as usize].tag
    }

    /// Pops up to and including the nearest open `tag`, looking through open elements
    /// while `through` allows, at most [`END_TAG_REACH`] of them; nothing when not found.
    fn close_to(&mut self, tag: Tag, through: impl Fn(Tag) -> bool) {
        if self.open[tag as usize] == 0 {
            return;
        }
        let found = self
            .stack
            .iter()
            .rev()
            .take(END_TAG_REACH.min(self.stack.len() - 1))
            .map(|&i| self.dom.nodes[i as usize].tag)
            .take_while(|&t| t == tag || through(t))
            .position(|t| t == tag);
        if let Some(depth) = found {
            for _ in 0..=depth {
                self.pop();
            }
        }
    }

    /// The elements a start tag closes, as HTML's tree construction does.
    fn close_implied_by(&mut self, tag: Tag) {
        if tag.closes_p() {
            self.close_to(Tag::P, |t| !t.is_block());
        }
        match tag {
            Tag::Li => self.close_to(Tag::Li, |t| {
                !t.is_block() || matches!(t, Tag::P | Tag::Div | Tag::Address)
            }),
            Tag::Dt | Tag::Dd => {
                let through = |t: Tag| !t.is_block() || matches!(t, Tag::P | Tag::Div);
                self.close_to(Tag::Dd, through);
                self.close_to(Tag::Dt, through);
            }
            Tag::Tr => {
                let cells = |t: Tag| !matches!(t, Tag::Table | Tag::Tr);
                self.close_to(Tag::Td, cells);
                self.close_to(Tag::Th, cells);
                self.close_to(Tag::Tr, |t| !matches!(t, Tag::Table));
            }
            Tag::Td | Tag::Th => {
                let cells = |t: Tag| !matches!(t, Tag::Table | Tag::Tr);
                self.close_to(Tag::Td, cells);
                self.close_to(Tag::Th, cells);
            }
            Tag::Option if self.top() == Tag::Option => self.pop(),
            Tag::A => self.close_to(Tag::A, |t| !t.is_block()),
            _ if tag.is_heading() && self.top().is_heading() => self.pop(),
            _ => {}
        }
    }

    fn end_tag(&mut self, name: &[u8]) {
        let tag = Tag::of(name);
        match tag {
            Tag::Br => self.element(Tag::Br, (0, 0), true),
            Tag::Html | Tag::Head | Tag::Body => {}
            Tag::Other => self.close_other(name),
            // Table cells and rows stay inside their table; the rest closes through
            // anything but a table boundary (HTML's "in scope").
            Tag::Td | Tag::Th | Tag::Tr | Tag::Thead | Tag::Tbody | Tag::Tfoot | Tag::Caption => {
                self.close_to(tag, |t| t != Tag::Table)
            }
            Tag::Table => self.close_to(tag, |_| true),
            _ => self.close_to(tag, |t| {
                !matches!(t, Tag::Table | Tag::Td | Tag::Th | Tag::Caption)
            }),
        }
    }

    /// An end tag of an element HTML does not know closes the nearest open one of the
    /// same name.
    fn close_other(&mut self, name: &[u8]) {
        if self.open[Tag::Other as usize] == 0 {
            return;
        }
        let source = self.dom.source.as_bytes();
        let found = self
            .stack
            .iter()
            .rev()
            .take(END_TAG_REACH.min(self.stack.len() - 1))
            .position(|&i| {
                let node = &self.dom.nodes[i as usize];
                node.tag == Tag::Other && {
                    let start = node.start as usize;
                    start > name.len()
                        && source[start - name.len() - 1] == b'<'
                        && source[start - name.len()..start].eq_ignore_ascii_case(name)
                }
            });
        if let Some(depth) = found {
            for _ in 0..=depth {
                self.pop();
            }
        }
    }
}

/// Where a tag name starting at `from` ends.
fn name_end(bytes: &[u8], from: usize) -> usize {
    from + bytes[from..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))
        .unwrap_or(bytes.len() - from)
}

/// Where the content of a raw text element that started at `from` ends (`</name`, any
/// case), and where the markup goes on after its end tag. Without an end tag, the rest
/// of the page is its content, as in HTML.
fn raw_text_end(bytes: &[u8], from: usize, name: &[u8]) -> (usize, usize) {
    let finder = memmem::Finder::new(b"</");
    let mut at = from;
    while let Some(found) = finder.find(&bytes[at..]) {
        let start = at + found;
        let candidate = &bytes[start + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name)
            && candidate
                .get(name.len())
                .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
        {
            let resume = memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e + 1);
            return (start, resume);
        }
        at = start + 2;
    }
    (bytes.len(), bytes.len())
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as `tag(children)`, text as its words, for asserting on structure.
    fn shape(html: &str) -> String {
        let dom = Dom::parse(html);
        let mut out = String::new();
        write_shape(&dom, 0, &mut out);
        out
    }

    fn write_shape(dom: &Dom<'_>, index: usize, out: &mut String) {
        let mut child = index + 1;
        let end = dom.nodes[index].end as usize;
        let mut first = true;
        while child < end {
            let node = &dom.nodes[child];
            let text = dom.text(node).trim();
            if node.tag != Tag::Text || !text.is_empty() {
                if !first {
                    out.push(' ');
                }
                first = false;
                if node.tag == Tag::Text {
                    out.push_str(&format!("{text:?}"));
                } else {
                    out.push_str(&format!("{:?}", node.tag).to_lowercase());
                    if node.end as usize > child + 1 {
                        out.push('(');
                        write_shape(dom, child, out);
                        out.push(')');
                    }
                }
            }
            child = node.end as usize;
        }
    }

    #[test]
    fn trees_as_browsers_build_them() {
        let cases = [
            (
                "void elements",
                "<p>a<br>b<img src=x>c</p>",
                r#"p("a" br "b" img "c")"#,
            ),
            (
                "an open paragraph is closed by a block",
                "<p>one<p>two<div>three</div>",
                r#"p("one") p("two") div("three")"#,
            ),
            (
                "list items close the one before",
                "<ul><li>a<li>b</ul>",
                r#"ul(li("a") li("b"))"#,
            ),
            (
                "cells and rows close their siblings",
                "<table><tr><td>a<td>b<tr><td>c</table>",
                r#"table(tr(td("a") td("b")) tr(td("c")))"#,
            ),
            (
                "an end tag closes what was left open inside",
                "<div><span><b>a</div>b",
                r#"div(span(inline("a"))) "b""#,
            ),
            (
                "a stray end tag is ignored",
                "<div>a</span>b</div>",
                r#"div("a" "b")"#,
            ),
            (
                "raw text is not markup",
                "<script>if (a < b) { x = '</div>' }</script><p>c</p>",
                r#"script p("c")"#,
            ),
            (
                "a quoted > does not end the tag",
                r#"<a title="a > b" href=x>link</a>"#,
                r#"a("link")"#,
            ),
            ("comments are skipped", "<p>a<!-- <p>b --></p>", r#"p("a")"#),
            (
                "unknown elements close by name",
                "<share-bar><x-icon/>Share</share-bar><p>a</p>",
                r#"other(other "Share") p("a")"#,
            ),
            ("a lone < is text", "<p>a < b</p>", r#"p("a < b")"#),
        ];
        for (what, html, expected) in cases {
            assert_eq!(shape(html), expected, "{what}");
        }
    }

    #[test]
    fn title_and_json_ld_are_read_from_the_head() {
        let dom = Dom::parse(
            r#"<head><title>A &amp; B</title><script type="application/ld+json">{"a":1}</script>
            <script>var x;</script></head>"#,
        );
        assert_eq!(dom.title, Some("A &amp; B"));
        assert_eq!(dom.json_ld, vec![r#"{"a":1}"#]);
    }

    #[test]
    fn attributes_quoted_unquoted_and_bare() {
        let dom = Dom::parse(r#"<div class="a b" id=main hidden data-x='1 2'>x</div>"#);
        let div = &dom.nodes[1];
        let attributes: Vec<(String, String)> = dom
            .attributes(div)
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        let expected = [
            ("class", "a b"),
            ("id", "main"),
            ("hidden", ""),
            ("data-x", "1 2"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(attributes, expected);
    }

    /// Hostile pages: whatever their shape, the tree stays within its bounds and the text
    /// is still there.
    #[test]
    fn hostile_pages_stay_bounded() {
        let deep = "<div>".repeat(100_000) + "deep text";
        let dom = Dom::parse(&deep);
        let depth = |dom: &Dom<'_>, mut i: usize| {
            let mut depth = 0;
            while i != 0 {
                i = dom.nodes[i].parent as usize;
                depth += 1;
            }
            depth
        };
        let last = dom.nodes.len() - 1;
        assert_eq!(dom.text(&dom.nodes[last]), "deep text");
        assert!(depth(&dom, last) <= MAX_DEPTH + 1);

        let one_per_char = "<div>x".repeat(MAX_NODES);
        let dom = Dom::parse(&one_per_char);
        assert!(dom.nodes.len() <= MAX_NODES + 2, "{}", dom.nodes.len());

        let closes = "<span>".repeat(50) + &"</div>".repeat(200_000) + "end";
        let dom = Dom::parse(&closes);
        assert_eq!(dom.text(dom.nodes.last().unwrap()), "end");

        let unclosed_quote = r#"<a href="x>"#.repeat(50_000) + "<p>after</p>";
        let dom = Dom::parse(&unclosed_quote);
        assert!(dom.nodes.iter().any(|n| n.tag == Tag::P));

        let unclosed_comment = "<p>before</p><!-- ".to_string() + &"<p>x</p>".repeat(1000);
        let dom = Dom::parse(&unclosed_comment);
        assert_eq!(dom.nodes.iter().filter(|n| n.tag == Tag::P).count(), 1);
    }
}
