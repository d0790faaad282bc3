//! Which element holds the article: the one whose subtree gains the most prose for the
//! furniture it takes in. Every block counts its text for the element it is in and every
//! element above: plus for a paragraph that reads as prose, minus for other text (links,
//! menus, labels). The element with the best sum is the smallest one that takes in the
//! article's paragraphs where a wider one would add more furniture than prose.
//!
//! Then the markup has its say, since the sums cannot tell a body of lists and tables
//! from furniture, nor a carousel of other stories' blurbs from the article: an element
//! named as the article's body around the chosen one is taken instead, and inside it, an
//! element named as the body, else an `<article>`, that holds half its prose.

use super::blocks::Blocks;
use super::dom::Dom;
use super::roles::Role;
use super::tags::Tag;

/// What a byte of link text costs against a byte of prose.
const LINK_WEIGHT: f64 = 1.0;
/// What a byte of other text that is not prose (a list item, a label, a cell) costs.
const PLAIN_WEIGHT: f64 = 0.3;
/// The share of the chosen element's prose that markup inside it must hold to be chosen
/// instead.
const MARKED_SHARE: f64 = 0.5;

/// The element chosen as the article.
pub(crate) fn main_element(dom: &Dom<'_>, blocks: &Blocks) -> usize {
    let n = dom.nodes.len();
    let mut score = vec![0f64; n];
    // Bytes of prose in each subtree.
    let mut prose = vec![0u32; n];
    for (i, node) in dom.nodes.iter().enumerate().skip(1).rev() {
        if blocks.left_out[i] {
            continue;
        }
        let counts = &blocks.counts[i];
        if counts.chars > 0 {
            let plain = f64::from(counts.chars - counts.link);
            let link = f64::from(counts.link) * LINK_WEIGHT;
            score[i] += if counts.is_prose() {
                prose[i] += counts.chars - counts.link;
                plain - link
            } else {
                -plain * PLAIN_WEIGHT - link
            };
        }
        score[node.parent as usize] += score[i];
        prose[node.parent as usize] += prose[i];
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
    // And inside the chosen element, markup naming the body, else the article, that holds
    // at least half its prose leaves out what sits beside it (a carousel of other
    // stories, a sign-up box, teasers).
    for role in [Role::Body, Role::Main] {
        let marked = (best + 1..dom.nodes[best].end as usize)
            .filter(|&i| blocks.roles[i] == role && !blocks.left_out[i])
            .max_by_key(|&i| prose[i]);
        if let Some(marked) = marked
            && f64::from(prose[marked]) >= f64::from(prose[best]) * MARKED_SHARE
        {
            return marked;
        }
    }
    best
}
