//! The page cut into blocks (the inline text directly inside one block element: a
//! paragraph, a heading, a list item, a cell), each with the counts the scoring reads,
//! and which elements' subtrees are left out as furniture.
//!
//! Linear passes over the arena: forward, each node learns its role, which block holds it
//! and whether it is in a link; then each text node adds its counts to its block. Which
//! elements are furniture takes two rounds, as an element named like furniture is kept
//! when it turns out to hold the article (see [`Role`]): first only what is furniture
//! whatever it holds is left out and each subtree's text and prose are summed, then the
//! rest is decided on those sums and the blocks counted again.

use super::dom::Dom;
use super::roles::{Role, role};
use super::stream::Grafts;
use super::tags::Tag;

/// A wrapper named like furniture (`sidebar-layout`, an unclosed `<aside>`) that holds at
/// least this share of the page's text is not furniture.
const NAMED_WRAPPER_SHARE: f64 = 0.5;
/// An element hinted as furniture (see [`Role::Hinted`]) with at least this many bytes
/// of prose, making at least half its text, is not furniture.
const HINTED_PROSE: u32 = 800;
/// The same for an element named as furniture (see [`Role::Named`]).
const NAMED_PROSE: u32 = 2000;
/// And then with at least one paragraph this long: a run of promos or blurbs is prose in
/// short pieces, an article is not.
const LONG_PARAGRAPH: u32 = 300;

/// Counts of the text directly inside one block element.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    /// Bytes of text that are not whitespace.
    pub(crate) chars: u32,
    /// Of which inside links.
    pub(crate) link: u32,
    /// Commas and full stops: prose has them, menus do not.
    pub(crate) stops: u32,
}

impl Counts {
    /// Whether the text reads as a paragraph of prose.
    pub(crate) fn is_prose(&self) -> bool {
        let words = self.chars.saturating_sub(self.link);
        words >= 60 && self.link * 3 < self.chars && self.stops > 0
    }
}

/// The page as blocks.
pub(crate) struct Blocks {
    /// Each node's role (text nodes: [`Role::Plain`]).
    pub(crate) roles: Vec<Role>,
    /// Whether a node is left out: furniture, or inside furniture.
    pub(crate) left_out: Vec<bool>,
    /// For each node, the block element it is in (itself for a block element).
    pub(crate) block_of: Vec<u32>,
    /// For each node, whether it is inside a link.
    pub(crate) in_link: Vec<bool>,
    /// The counts of each block element's own text (zero for other nodes).
    pub(crate) counts: Vec<Counts>,
}

impl Blocks {
    pub(crate) fn new(dom: &Dom<'_>, grafts: &Grafts) -> Blocks {
        let nodes = &dom.nodes;
        let n = nodes.len();
        let mut roles = vec![Role::Plain; n];
        let mut block_of = vec![0u32; n];
        let mut in_link = vec![false; n];
        for (i, node) in nodes.iter().enumerate().skip(1) {
            let parent = node.parent as usize;
            in_link[i] = in_link[parent] || node.tag == Tag::A;
            block_of[i] = if node.tag.is_block() {
                i as u32
            } else {
                block_of[parent]
            };
            // A streamed piece is hidden, and its placeholder a template, until a
            // script moves the one into the other: both are read as moved.
            if node.tag != Tag::Text
                && node.tag != Tag::Body
                && (grafts.is_empty() || !grafts.involves(i))
            {
                roles[i] = role(dom, node);
            }
        }
        let mut blocks = Blocks {
            left_out: vec![false; n],
            roles,
            block_of,
            in_link,
            counts: vec![Counts::default(); n],
        };
        // First with only what is furniture whatever it holds left out, to tell a
        // wrapper from furniture by what it holds.
        blocks.mark_left_out(dom, |_, _| false);
        blocks.count(dom);
        let held = blocks.held(dom);
        let page = f64::from(held[0].chars);
        blocks.mark_left_out(dom, |i, role| {
            let held = &held[i];
            let wrapper = f64::from(held.chars) >= page * NAMED_WRAPPER_SHARE || held.body;
            let least = match role {
                Role::Hinted => HINTED_PROSE,
                Role::Named => NAMED_PROSE,
                _ => u32::MAX,
            };
            !wrapper
                && (held.prose < least
                    || held.prose * 2 < held.chars
                    || (role == Role::Named && held.longest < LONG_PARAGRAPH))
        });
        blocks.counts.fill(Counts::default());
        blocks.count(dom);
        blocks
    }

    /// Marks furniture and its subtrees; an element set aside, named or hinted as furniture
    /// counts as such where `named` says so.
    fn mark_left_out(&mut self, dom: &Dom<'_>, named: impl Fn(usize, Role) -> bool) {
        for (i, node) in dom.nodes.iter().enumerate().skip(1) {
            self.left_out[i] = self.left_out[node.parent as usize]
                || match self.roles[i] {
                    Role::Furniture => true,
                    role @ (Role::Aside | Role::Named | Role::Hinted) => named(i, role),
                    _ => false,
                };
        }
    }

    /// What each subtree holds, furniture left out.
    fn held(&self, dom: &Dom<'_>) -> Vec<Held> {
        let mut held = vec![Held::default(); dom.nodes.len()];
        for (i, node) in dom.nodes.iter().enumerate().rev() {
            if self.left_out[i] {
                continue;
            }
            let counts = &self.counts[i];
            let own = &mut held[i];
            own.chars += counts.chars;
            if counts.is_prose() {
                own.prose += counts.chars - counts.link;
                own.longest = own.longest.max(counts.chars - counts.link);
            }
            own.body |= self.roles[i] == Role::Body
                || (self.roles[i] == Role::Main && own.prose >= HINTED_PROSE);
            if i > 0 {
                let own = held[i];
                let parent = &mut held[node.parent as usize];
                parent.chars += own.chars;
                parent.prose += own.prose;
                parent.longest = parent.longest.max(own.longest);
                parent.body |= own.body;
            }
        }
        held
    }

    fn count(&mut self, dom: &Dom<'_>) {
        for (i, node) in dom.nodes.iter().enumerate() {
            if node.tag != Tag::Text || self.left_out[i] {
                continue;
            }
            let text = dom.text(node);
            let chars = non_blank(text);
            if chars == 0 {
                continue;
            }
            let block = &mut self.counts[self.block_of[i] as usize];
            block.chars += chars;
            if self.in_link[i] {
                block.link += chars;
            }
            block.stops += text.bytes().filter(|b| matches!(b, b',' | b'.')).count() as u32;
        }
    }
}

/// What one subtree holds.
#[derive(Debug, Clone, Copy, Default)]
struct Held {
    chars: u32,
    /// Bytes of text outside links in paragraphs of prose.
    prose: u32,
    /// Of which in its longest paragraph.
    longest: u32,
    /// Whether an element in it is named as an article's body, or marked as the main
    /// content and holds prose.
    body: bool,
}

/// Bytes of `text` that are not ASCII whitespace.
pub(crate) fn non_blank(text: &str) -> u32 {
    text.bytes().filter(|b| !b.is_ascii_whitespace()).count() as u32
}
