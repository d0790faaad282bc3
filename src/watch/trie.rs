//! The automaton the matcher walks: a plain trie over the squashed bytes of every
//! pattern, walked from each word start until it dies. A hit must start at a word start,
//! so no failure links are needed (that is what an Aho-Corasick automaton adds to a trie),
//! and a node stands for exactly one pattern, not for every pattern that is a suffix of
//! the path to it.
//!
//! Most walks die within three or four bytes, in the few nodes near the root; those nodes
//! have many children, so they get a dense row (one load per byte). Deeper nodes mostly
//! have one child each, and get a short list of edges searched in order; a dense row for
//! each would take ten times the memory for no gain, since few walks reach them.
//!
//! Even so, a walk is a chain of dependent loads ending in a branch that goes one way or
//! the other at random, and most word starts begin no pattern at all. So a walk first asks
//! a small bitmap, hashed on the first four bytes, whether any pattern starts with them;
//! the answer is mostly no, which the branch predictor learns.

/// A node, encoded: the offset of its row in `dense` or of its record in `sparse`, shifted
/// left by two, with the two flags below. The root is 0, which no edge leads to, so 0 also
/// means "no edge".
type Node = u32;

const DEAD: Node = 0;
const ROOT: Node = 0;
const SPARSE: Node = 1;
/// A pattern ends at this node.
const OUTPUT: Node = 2;
const NO_PATTERN: u32 = u32::MAX;

/// Bits in the bitmap of four-byte prefixes: 8 KiB, which stays in the L1 cache. With
/// 10,000 patterns at most one bit in six is set.
const PREFIX_BITS: u32 = 16;

fn prefix_hash(first: [u8; 4]) -> usize {
    (u32::from_le_bytes(first).wrapping_mul(0x9E37_79B1) >> (32 - PREFIX_BITS)) as usize
}

/// A set of small numbers (below 64 × `N`) as bits.
#[derive(Clone)]
struct Bits<const N: usize>([u64; N]);

impl<const N: usize> Bits<N> {
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
}

pub(crate) struct Trie {
    /// Byte → class: 1.. for the bytes that occur in some pattern, 0 for the others, which
    /// have no edge anywhere.
    classes: [u8; 256],
    /// Classes, including 0: the width of a dense row.
    stride: usize,
    /// Dense rows: `stride` edges each, indexed by class.
    dense: Vec<Node>,
    /// Per dense row (row offset / `stride`): the pattern ending there, or `NO_PATTERN`.
    dense_patterns: Vec<u32>,
    /// Sparse records: edge count, pattern (or `NO_PATTERN`), then (class, node) pairs.
    sparse: Vec<u32>,
    /// Hashes (`prefix_hash`) of the first four bytes of the patterns that long.
    prefix4: Box<Bits<{ (1 << PREFIX_BITS) / 64 }>>,
    /// The first two bytes (as a big-endian u16) of the patterns of two or three bytes.
    prefix2: Box<Bits<1024>>,
    /// The patterns of one byte.
    prefix1: Bits<4>,
}

/// A trie node while building.
#[derive(Default)]
struct Building {
    edges: Vec<(u8, u32)>,
    pattern: Option<u32>,
}

impl Trie {
    /// The trie of `patterns`; a pattern's id is its index. Empty patterns are never
    /// found (a hit covers at least one byte).
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Trie {
        let mut nodes = vec![Building::default()];
        let mut used = [false; 256];
        let mut prefix4 = Box::new(Bits([0; (1 << PREFIX_BITS) / 64]));
        let mut prefix2 = Box::new(Bits([0; 1024]));
        let mut prefix1 = Bits([0; 4]);
        for (id, pattern) in patterns.iter().enumerate() {
            let pattern = pattern.as_ref();
            match *pattern {
                [] => continue,
                [a] => prefix1.insert(usize::from(a)),
                [a, b] | [a, b, _] => prefix2.insert(usize::from(u16::from_be_bytes([a, b]))),
                [a, b, c, d, ..] => prefix4.insert(prefix_hash([a, b, c, d])),
            }
            let mut at = 0;
            for &byte in pattern {
                used[usize::from(byte)] = true;
                at = match nodes[at].edges.iter().find(|&&(b, _)| b == byte) {
                    Some(&(_, child)) => child as usize,
                    None => {
                        let child = u32::try_from(nodes.len()).expect("fewer than 2^32 nodes");
                        nodes[at].edges.push((byte, child));
                        nodes.push(Building::default());
                        child as usize
                    }
                };
            }
            // Patterns are distinct, so a node ends at most one; keep the first if not.
            let id = u32::try_from(id).expect("fewer than 2^32 patterns");
            nodes[at].pattern.get_or_insert(id);
        }

        let mut classes = [0u8; 256];
        let mut stride = 1;
        for byte in 0..=255u8 {
            if used[usize::from(byte)] {
                classes[usize::from(byte)] = stride as u8;
                stride += 1;
            }
        }

        // Lay nodes out breadth first, so that the hot ones near the root sit together.
        let mut order = Vec::with_capacity(nodes.len());
        order.push(0usize);
        let mut next = 0;
        while next < order.len() {
            let at = order[next];
            next += 1;
            order.extend(nodes[at].edges.iter().map(|&(_, child)| child as usize));
        }
        let mut encoded = vec![DEAD; nodes.len()];
        let (mut dense_len, mut sparse_len) = (0usize, 0usize);
        for &at in &order {
            let node = &nodes[at];
            // Dense when at least one class in eight has an edge: bounds dense memory to a
            // few words per edge whatever the alphabet.
            let dense = at == 0 || node.edges.len() * 8 >= stride;
            let (offset, flag) = if dense {
                dense_len += stride;
                (dense_len - stride, 0)
            } else {
                sparse_len += 2 + 2 * node.edges.len();
                (sparse_len - 2 - 2 * node.edges.len(), SPARSE)
            };
            let offset = u32::try_from(offset)
                .ok()
                .filter(|&o| o < 1 << 30)
                // Past a billion edges: far beyond any list of watchlists a person writes.
                .expect("the watchlists' terms are too many to compile");
            let output = if node.pattern.is_some() { OUTPUT } else { 0 };
            encoded[at] = offset << 2 | flag | output;
        }

        let mut trie = Trie {
            classes,
            stride,
            dense: vec![DEAD; dense_len],
            dense_patterns: vec![NO_PATTERN; dense_len / stride],
            sparse: Vec::with_capacity(sparse_len),
            prefix4,
            prefix2,
            prefix1,
        };
        for &at in &order {
            let node = &nodes[at];
            let offset = (encoded[at] >> 2) as usize;
            let pattern = node.pattern.unwrap_or(NO_PATTERN);
            if encoded[at] & SPARSE == 0 {
                for &(byte, child) in &node.edges {
                    trie.dense[offset + usize::from(classes[usize::from(byte)])] =
                        encoded[child as usize];
                }
                trie.dense_patterns[offset / stride] = pattern;
            } else {
                debug_assert_eq!(offset, trie.sparse.len());
                trie.sparse.push(node.edges.len() as u32);
                trie.sparse.push(pattern);
                for &(byte, child) in &node.edges {
                    trie.sparse.push(u32::from(classes[usize::from(byte)]));
                    trie.sparse.push(encoded[child as usize]);
                }
            }
        }
        trie
    }

    /// Walks `text` from its first byte, calling `found(pattern, length)` for each pattern
    /// that `text` starts with, shortest first.
    #[inline]
    pub(crate) fn walk(&self, text: &[u8], mut found: impl FnMut(usize, usize)) {
        if !self.may_start(text) {
            return;
        }
        let mut node = ROOT;
        for (i, &byte) in text.iter().enumerate() {
            node = self.next(node, self.classes[usize::from(byte)]);
            if node == DEAD {
                return;
            }
            if node & OUTPUT != 0 {
                found(self.pattern(node) as usize, i + 1);
            }
        }
    }

    /// False if no pattern can start `text`. A pattern of four bytes or more that does
    /// shares its first four bytes, a shorter one its first two or its one byte.
    #[inline]
    fn may_start(&self, text: &[u8]) -> bool {
        match *text {
            [a, b, c, d, ..] => {
                self.prefix4.contains(prefix_hash([a, b, c, d]))
                    || self
                        .prefix2
                        .contains(usize::from(u16::from_be_bytes([a, b])))
                    || self.prefix1.contains(usize::from(a))
            }
            // Near the end of a text: rare enough to walk.
            _ => true,
        }
    }

    #[inline]
    fn next(&self, node: Node, class: u8) -> Node {
        let offset = (node >> 2) as usize;
        if node & SPARSE == 0 {
            return self.dense[offset + usize::from(class)];
        }
        let edges = self.sparse[offset] as usize;
        self.sparse[offset + 2..offset + 2 + 2 * edges]
            .chunks_exact(2)
            .find(|edge| edge[0] == u32::from(class))
            .map_or(DEAD, |edge| edge[1])
    }

    fn pattern(&self, node: Node) -> u32 {
        let offset = (node >> 2) as usize;
        if node & SPARSE == 0 {
            self.dense_patterns[offset / self.stride]
        } else {
            self.sparse[offset + 1]
        }
    }

    pub(crate) fn memory_usage(&self) -> usize {
        std::mem::size_of::<Trie>()
            + std::mem::size_of_val(&*self.prefix4)
            + std::mem::size_of_val(&*self.prefix2)
            + 4 * (self.dense.len() + self.dense_patterns.len() + self.sparse.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(trie: &Trie, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        trie.walk(text.as_bytes(), |pattern, len| out.push((pattern, len)));
        out
    }

    #[test]
    fn finds_every_pattern_the_text_starts_with_and_nothing_else() {
        let trie = Trie::new(&["s", "s400", "s400s", "400", "", "sa"]);
        assert_eq!(found(&trie, "s400s and more"), [(0, 1), (1, 4), (2, 5)]);
        assert_eq!(found(&trie, "400"), [(3, 3)]);
        assert_eq!(found(&trie, "x400"), []);
        assert_eq!(found(&trie, "sa and more"), [(0, 1), (5, 2)]);
        assert_eq!(found(&trie, "s4"), [(0, 1)]);
        assert_eq!(found(&trie, ""), []);
    }

    #[test]
    fn dense_and_sparse_nodes_agree() {
        // Wide nodes near the root and chains below, over a many-byte alphabet.
        let patterns: Vec<String> = (0..2_000)
            .map(|i| format!("{}{}é{i}", (b'a' + (i % 26) as u8) as char, i % 7))
            .collect();
        let trie = Trie::new(&patterns);
        assert!(!trie.dense.is_empty() && !trie.sparse.is_empty());
        for (id, pattern) in patterns.iter().enumerate() {
            let hits = found(&trie, &format!("{pattern} tail"));
            assert_eq!(hits.last(), Some(&(id, pattern.len())), "{pattern}");
        }
        assert_eq!(found(&trie, "a0ex"), []);
    }
}
