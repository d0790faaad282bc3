//! Pages sent in pieces: a server that streams its HTML (React's streaming renderer, and
//! the frameworks built on it) first sends the page with an empty placeholder
//! `<template id="B:1">` where a part of the article is still being rendered, then, at
//! the end of the body, that part in a hidden `<div hidden id="S:1">` for a script to move
//! into place. Read as sent, the article's text would be hidden furniture at the end of
//! the page, away from its headline.
//!
//! Each such piece is put where its placeholder is: its parent becomes the placeholder,
//! so the scores add up in the article, and the writer writes it there (see
//! [`Grafts`]). Only a piece that comes after its placeholder is moved, as the renderer
//! sends them, which keeps parents before children in the arena.

use memchr::memmem;

use super::dom::Dom;
use super::tags::Tag;

/// The pieces moved to their placeholders, as (placeholder, piece) pairs of node indices,
/// in the placeholders' order.
#[derive(Debug, Default)]
pub(crate) struct Grafts {
    pairs: Vec<(u32, u32)>,
}

impl Grafts {
    /// Finds the streamed pieces of `dom` and makes each a child of its placeholder.
    pub(crate) fn apply(dom: &mut Dom<'_>) -> Grafts {
        let placeholders: Vec<(u32, &str)> = dom
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.tag == Tag::Template)
            .filter_map(|(i, n)| Some((i as u32, id_after(dom, n, "B:")?)))
            .collect();
        if placeholders.is_empty() {
            return Grafts::default();
        }
        let mut pairs = Vec::new();
        for (i, node) in dom.nodes.iter().enumerate() {
            if node.tag != Tag::Div {
                continue;
            }
            let Some(number) = id_after(dom, node, "S:") else {
                continue;
            };
            if let Some(&(placeholder, _)) = placeholders
                .iter()
                .find(|(p, n)| *n == number && (*p as usize) < i)
            {
                pairs.push((placeholder, i as u32));
            }
        }
        pairs.sort_unstable();
        pairs.dedup_by_key(|(placeholder, _)| *placeholder);
        for &(placeholder, piece) in &pairs {
            dom.nodes[piece as usize].parent = placeholder;
        }
        Grafts { pairs }
    }

    /// Whether node `index` is a placeholder or a piece moved into one.
    pub(crate) fn involves(&self, index: usize) -> bool {
        self.pairs
            .iter()
            .any(|&(p, s)| p as usize == index || s as usize == index)
    }

    /// The piece to write at placeholder `index`.
    pub(crate) fn piece_at(&self, index: usize) -> Option<usize> {
        self.pairs
            .binary_search_by_key(&(index as u32), |&(p, _)| p)
            .ok()
            .map(|at| self.pairs[at].1 as usize)
    }

    /// Whether node `index` is a piece, written at its placeholder rather than where it
    /// was sent.
    pub(crate) fn is_piece(&self, index: usize) -> bool {
        self.pairs.iter().any(|&(_, s)| s as usize == index)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// The part of the element's `id` after `prefix` (`B:` or `S:`), when it starts so.
fn id_after<'a>(dom: &Dom<'a>, node: &super::dom::Node, prefix: &str) -> Option<&'a str> {
    let raw = dom.text(node);
    memmem::find(raw.as_bytes(), prefix.as_bytes())?;
    dom.attributes(node)
        .find(|(name, _)| name.eq_ignore_ascii_case(b"id"))
        .and_then(|(_, value)| value.strip_prefix(prefix.as_bytes()))
        .and_then(|number| std::str::from_utf8(number).ok())
}
