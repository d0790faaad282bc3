//! Which element holds the article: the one whose subtree gains the most prose for the
//! furniture it takes in. Every block counts its text for the element it is in and every
//! element above: plus for a paragraph that reads as prose, minus for other text (links,
//! menus, labels). The element with the best sum is the smallest one that takes in the
//! article's paragraphs where a wider one would add more furniture than prose.

use super::blocks::Blocks;
use super::dom::Dom;
use super::roles::Role;
use super::tags::Tag;

/// What a byte of link text costs against a byte of prose.
const LINK_WEIGHT: f64 = 1.0;
/// What a byte of other text that is not prose (a list item, a label, a cell) costs.
const PLAIN_WEIGHT: f64 = 0.3;

/// The element chosen as the article.
pub(crate) fn main_element(dom: &Dom<'_>, blocks: &Blocks) -> usize {
    let n = dom.nodes.len();
    let mut score = vec![0f64; n];
    for (i, node) in dom.nodes.iter().enumerate().skip(1).rev() {
        if blocks.left_out[i] {
            continue;
        }
        let counts = &blocks.counts[i];
        if counts.chars > 0 {
            let plain = f64::from(counts.chars - counts.link);
            let link = f64::from(counts.link) * LINK_WEIGHT;
            score[i] += if counts.is_prose() {
                plain - link
            } else {
                -plain * PLAIN_WEIGHT - link
            };
        }
        score[node.parent as usize] += score[i];
    }
    let mut best = 0;
    for i in 1..n {
        if blocks.left_out[i] || dom.nodes[i].tag == Tag::Text {
            continue;
        }
        if score[i] > score[best] {
            best = i;
        }
    }
    // Markup that names the article's body is trusted over the sums: a body of lists and
    // tables with few paragraphs of prose sums lower than its one long paragraph.
    let mut at = best;
    while at != 0 {
        if blocks.roles[at] == Role::Body {
            return at;
        }
        at = dom.nodes[at].parent as usize;
    }
    best
}
