//! Text folding for matching: turns a title, a body or a query term into the "squashed"
//! bytes the automaton runs over, remembering where words start and where each byte came
//! from. Text and terms go through the same function, so whatever one variant of a name
//! folds to, every other variant folds to as well, and matching can stay a plain byte
//! search.
//!
//! The squashed form: lowercase letters with their diacritics removed, digits, and between
//! words either nothing (the words are joined), one `'` (an apostrophe inside a word) or one
//! space (any other gap). Whitespace and dashes join a letter to a digit (`S-400`, `S 400`
//! and `S400` all become `s400`) but separate two letters or two digits: joining every word
//! would make `I ran` match `Iran` and `to go` match `Togo`.
//!
//! Word starts are kept as a list of positions rather than read off the bytes, because
//! joining hides them: in `S-400` the `400` starts a word (so `400` matches) and in `DS-400`
//! the `s` does not (so `S-400` does not match). Where each byte came from is kept as
//! sparse checkpoints: in ASCII text the squashed bytes line up with the original ones
//! except around runs of punctuation and joins, and writing an offset per byte was most of
//! the cost of squashing.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The byte that stands for any gap between words that does not join them.
const BOUNDARY: u8 = b' ';
const APOSTROPHE: u8 = b'\'';

/// Whether a squashed byte is one of the two gap bytes: words end before them and start
/// after them.
fn is_gap(byte: u8) -> bool {
    byte == BOUNDARY || byte == APOSTROPHE
}

/// The squashed form of one text.
#[derive(Debug, Default, Clone)]
pub(crate) struct Squashed {
    pub(crate) text: Vec<u8>,
    /// Positions in `text` where a word starts, ascending.
    pub(crate) starts: Vec<usize>,
    /// (position in `text`, original byte offset) wherever the byte-for-byte line-up
    /// between the two changes; see `origin`.
    checkpoints: Vec<(usize, usize)>,
}

impl Squashed {
    /// Squashes `source` into this buffer, replacing what it held.
    pub(crate) fn fill(&mut self, source: &str) {
        self.text.clear();
        self.starts.clear();
        self.checkpoints.clear();
        self.text.reserve(source.len());
        // News prose has a word start every six bytes or so.
        self.starts.reserve(source.len() / 4);

        let mut writer = Writer {
            out: self,
            previous: None,
            gap: Gap::None,
            delta: None,
        };
        let bytes = source.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let byte = bytes[at];
            // Most news text is ASCII words separated by single spaces: that case gets a
            // tight loop, and other ASCII skips the Unicode tables.
            if is_ascii_word(byte) {
                at = writer.ascii_words(bytes, at);
                continue;
            }
            if byte.is_ascii() {
                writer.ascii(byte, at);
                at += 1;
                continue;
            }
            let Some(c) = source.get(at..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            let len = c.len_utf8();
            fold(c, &mut |folded| writer.char(folded, at, len));
            at += len;
        }
    }

    /// Whether a word starts or ends at `pos` (a position between two bytes of `text`).
    /// Only meaningful next to a letter or digit, which is where matches start and end.
    pub(crate) fn is_edge(&self, pos: usize) -> bool {
        let text = &self.text;
        pos == 0
            || pos >= text.len()
            || is_gap(text[pos - 1])
            || is_gap(text[pos])
            || self.starts.binary_search(&pos).is_ok()
    }

    /// Byte offset in `original` (the text this was filled from) of the character that
    /// produced the byte at `pos`.
    pub(crate) fn origin(&self, original: &str, pos: usize) -> usize {
        let after = self.checkpoints.partition_point(|&(at, _)| at <= pos);
        let nominal = match after.checked_sub(1).map(|i| self.checkpoints[i]) {
            Some((at, origin)) => origin + (pos - at),
            None => pos,
        };
        // Every byte of a character's folded form points inside that character; its
        // start is the offset wanted.
        let mut offset = nominal.min(original.len());
        while !original.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// The squashed form of `text` as a string: what a term or a text looks like to the
/// matcher. Two strings match each other exactly when their normal forms are equal (before
/// the word-edge and plural rules).
pub fn normalize(text: &str) -> String {
    let mut squashed = Squashed::default();
    squashed.fill(text);
    // Only whole UTF-8 sequences and ASCII are ever written, so this never fails; the
    // lossy form is a fallback that takes no copy of valid text either.
    String::from_utf8(squashed.text)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// End (byte offset) of the character starting at `at` in `text`, extended over the
/// combining marks that follow it, so that a hit on NFD `Erdoğan` covers the breve too.
pub(crate) fn char_end(text: &str, at: usize) -> usize {
    let Some(rest) = text.get(at..) else {
        return text.len();
    };
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return at;
    };
    let mut end = at + first.len_utf8();
    for (offset, c) in chars {
        if !is_combining_mark(c) {
            break;
        }
        end = at + offset + c.len_utf8();
    }
    end
}

/// What a folded character is to the squasher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    /// Whitespace or a dash: a gap that may join a letter to a digit.
    Space,
    Apostrophe,
    /// Any other punctuation, symbol or control character: always a word gap.
    Other,
}

/// What lies between the last word character written and the next one, with the original
/// offset of the gap's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    None,
    /// Exactly one apostrophe, which stays if a word character follows.
    Apostrophe(usize),
    /// Only whitespace and dashes.
    Soft(usize),
    Hard(usize),
}

struct Writer<'a> {
    out: &'a mut Squashed,
    /// Class of the last word character written; `None` until the first one.
    previous: Option<Class>,
    gap: Gap,
    /// Original offset minus squashed position since the last checkpoint (wrapping).
    delta: Option<usize>,
}

impl Writer<'_> {
    fn ascii(&mut self, byte: u8, origin: usize) {
        match byte {
            b'a'..=b'z' => self.word(&[byte], Class::Letter, origin, 1),
            b'A'..=b'Z' => self.word(&[byte.to_ascii_lowercase()], Class::Letter, origin, 1),
            b'0'..=b'9' => self.word(&[byte], Class::Digit, origin, 1),
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'-' => self.gap(Class::Space, origin),
            b'\'' | b'`' => self.gap(Class::Apostrophe, origin),
            _ => self.gap(Class::Other, origin),
        }
    }

    /// Takes the ASCII words starting at `bytes[start]` (a letter or digit) and separated
    /// by single spaces: one decision about the gap before the first, then copies. Returns
    /// where the last one ends.
    fn ascii_words(&mut self, bytes: &[u8], start: usize) -> usize {
        self.begin_word(ascii_class(bytes[start]));
        // A run lines up byte for byte with the original: at most one checkpoint.
        self.line_up(start);
        let mut at = start;
        loop {
            at = copy_ascii_word(&mut self.out.text, bytes, at);
            let class = ascii_class(bytes[at - 1]);
            self.previous = Some(class);
            let next = match bytes.get(at..at + 2) {
                Some(&[b' ', next]) if is_ascii_word(next) => next,
                _ => return at,
            };
            // The gap is one space, which joins a letter to a digit only. Written, it
            // stands where the space stood, so the line-up holds; skipped, it does not.
            if ascii_class(next) == class {
                self.out.text.push(BOUNDARY);
                self.out.starts.push(self.out.text.len());
                at += 1;
            } else {
                self.out.starts.push(self.out.text.len());
                at += 1;
                self.line_up(at);
            }
        }
    }

    /// Takes one character already folded (lowercase, no marks), produced by the
    /// original character of `len` bytes at `origin`.
    fn char(&mut self, c: char, origin: usize, len: usize) {
        if c.is_ascii() {
            // `fold` may produce ASCII from non-ASCII (`é` → `e`, NBSP → space).
            self.ascii(c as u8, origin);
            return;
        }
        let class = if c.is_numeric() {
            Class::Digit
        } else if c.is_alphabetic() {
            Class::Letter
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Other
        };
        match class {
            Class::Letter | Class::Digit => {
                let mut buf = [0; 4];
                self.word(c.encode_utf8(&mut buf).as_bytes(), class, origin, len);
            }
            _ => self.gap(class, origin),
        }
    }

    /// Writes the bytes of one word character that came from the original character of
    /// `len` bytes at `origin`.
    fn word(&mut self, bytes: &[u8], class: Class, origin: usize, len: usize) {
        self.begin_word(class);
        for (i, &byte) in bytes.iter().enumerate() {
            // Point inside the original character, so `origin` lands on its start, while
            // keeping same-length characters (Cyrillic, Greek) in line.
            self.push(byte, origin + i.min(len - 1));
        }
        self.previous = Some(class);
    }

    /// Closes the gap before a word character of `class`: writes what stands for it, and
    /// notes a word start unless the character continues the previous word.
    #[inline]
    fn begin_word(&mut self, class: Class) {
        let starts = match (self.previous, self.gap) {
            (None, _) => true,
            (Some(_), Gap::None) => false,
            (Some(_), Gap::Apostrophe(at)) => {
                self.push(APOSTROPHE, at);
                true
            }
            (Some(previous), Gap::Soft(at)) => {
                // A letter next to a digit joins; anything else stays apart.
                if previous == class {
                    self.push(BOUNDARY, at);
                }
                true
            }
            (Some(_), Gap::Hard(at)) => {
                self.push(BOUNDARY, at);
                true
            }
        };
        if starts {
            self.out.starts.push(self.out.text.len());
        }
        self.gap = Gap::None;
    }

    fn gap(&mut self, class: Class, origin: usize) {
        if self.previous.is_none() {
            return;
        }
        self.gap = match (self.gap, class) {
            (Gap::None, Class::Apostrophe) => Gap::Apostrophe(origin),
            (Gap::None, Class::Space) => Gap::Soft(origin),
            (Gap::Soft(at), Class::Space) => Gap::Soft(at),
            (Gap::None, _) => Gap::Hard(origin),
            (Gap::Apostrophe(at) | Gap::Soft(at) | Gap::Hard(at), _) => Gap::Hard(at),
        };
    }

    fn push(&mut self, byte: u8, origin: usize) {
        self.line_up(origin);
        self.out.text.push(byte);
    }

    /// Records a checkpoint if the next byte, from `origin`, breaks the line-up.
    fn line_up(&mut self, origin: usize) {
        let at = self.out.text.len();
        let delta = origin.wrapping_sub(at);
        if self.delta != Some(delta) {
            self.out.checkpoints.push((at, origin));
            self.delta = Some(delta);
        }
    }
}

/// Copies the run of ASCII letters and digits at `bytes[start]`, lowercased, onto `text`;
/// returns where it ends. Eight bytes at a time: a word test per byte with a branch each
/// was most of the cost of squashing.
fn copy_ascii_word(text: &mut Vec<u8>, bytes: &[u8], start: usize) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Setting bit 5 lowercases an ASCII letter and leaves a digit as it is.
    const CASE: u64 = 0x2020_2020_2020_2020;
    let mut at = start;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let chunk = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // Bytes past the run are written too, then cut off: one store beats a loop.
        text.extend_from_slice(&(chunk | CASE).to_le_bytes());
        let not_word = !ascii_word_bytes(chunk) & HIGH;
        if not_word != 0 {
            let run = (not_word.trailing_zeros() / 8) as usize;
            text.truncate(text.len() - 8 + run);
            return at + run;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at).filter(|&&b| is_ascii_word(b)) {
        text.push(byte | 0x20);
        at += 1;
    }
    at
}

/// Bit 7 of each byte of `chunk` set where that byte is an ASCII letter or digit, the
/// others clear. Every sum below stays under 0x100 per byte, so no carry crosses bytes.
fn ascii_word_bytes(chunk: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn splat(byte: u8) -> u64 {
        u64::from_ne_bytes([byte; 8])
    }
    // Bit 7 set where `low` (bytes under 0x80) lies in `lo..=hi`.
    let in_range = |low: u64, lo: u8, hi: u8| {
        low.wrapping_add(splat(0x80 - lo)) & !low.wrapping_add(splat(0x7f - hi))
    };
    let low = chunk & !HIGH;
    let letter = in_range(low | splat(0x20), b'a', b'z');
    let digit = in_range(low, b'0', b'9');
    (letter | digit) & !chunk & HIGH
}

/// ASCII letters and digits, by byte: a table lookup is one load where
/// `is_ascii_alphanumeric` is three range checks.
static ASCII_WORD: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

fn is_ascii_word(byte: u8) -> bool {
    ASCII_WORD[usize::from(byte)]
}

fn ascii_class(byte: u8) -> Class {
    if byte.is_ascii_digit() {
        Class::Digit
    } else {
        Class::Letter
    }
}

/// Folds one non-ASCII character: special letters, then compatibility decomposition with
/// the combining marks dropped, then lowercase. Calls `emit` for each resulting character
/// (none for ignorable characters).
fn fold(c: char, emit: &mut impl FnMut(char)) {
    if let Some(folded) = special(c) {
        folded.chars().for_each(&mut *emit);
        return;
    }
    decompose_compatible(c, |part| {
        if is_combining_mark(part) {
            return;
        }
        for lower in part.to_lowercase() {
            match special(lower) {
                Some(folded) => folded.chars().for_each(&mut *emit),
                None => emit(lower),
            }
        }
    });
}

/// Characters NFKD leaves alone but readers treat as another: letters without a
/// decomposition, apostrophe look-alikes, dashes, and invisible format characters (which
/// vanish, so a soft hyphen inside a word does not split it).
fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'ı' | 'İ' => "i",
        'ø' | 'Ø' => "o",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'þ' | 'Þ' => "th",
        'ħ' | 'Ħ' => "h",
        'ŧ' | 'Ŧ' => "t",
        // Final sigma is only a spelling of sigma.
        'ς' => "σ",
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}'
        | '\u{FF07}' => "'",
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{2043}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}'
        | '\u{2E3A}'
        | '\u{2E3B}' => "-",
        // A zero-width space separates words like a space does.
        '\u{200B}' => " ",
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200C}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms() {
        let cases = [
            ("Erdoğan", "erdogan"),
            ("ERDOĞAN", "erdogan"),
            ("Erdog\u{306}an", "erdogan"),
            ("Yeşilada", "yesilada"),
            ("İstanbul Işık", "istanbul isik"),
            (
                "Søren Łódź Đorđe Straße Æsir Œuvre",
                "soren lodz dorde strasse aesir oeuvre",
            ),
            ("S-400", "s400"),
            ("S400", "s400"),
            ("S 400", "s400"),
            ("S\u{2011}400", "s400"),
            ("S\u{2013}400", "s400"),
            ("S\u{A0}400", "s400"),
            ("S - 400", "s400"),
            ("F-35A", "f35a"),
            // Two letters or two digits stay apart.
            ("I ran", "i ran"),
            ("Al-Qaeda", "al qaeda"),
            ("1-0", "1 0"),
            // Other punctuation is one boundary, whatever its length.
            ("Turkey, (Ankara)...", "turkey ankara"),
            ("S/400", "s 400"),
            ("  leading and trailing  ", "leading and trailing"),
            // Apostrophes inside a word stay, in any of their spellings.
            ("America's", "america's"),
            ("America\u{2019}s", "america's"),
            ("Erdogan\u{B4}s", "erdogan's"),
            ("S-400's", "s400's"),
            ("'quoted'", "quoted"),
            ("rock 'n' roll", "rock n roll"),
            ("players' union", "players union"),
            // Invisible characters vanish.
            ("Erdo\u{AD}gan", "erdogan"),
            ("Erdo\u{200D}gan", "erdogan"),
            ("zero\u{200B}width", "zero width"),
            ("ﬁnance: ①", "finance 1"),
            ("ΟΔΥΣΣΕΥΣ Οδυσσεύς", "οδυσσευσ οδυσσευσ"),
            ("Москва", "москва"),
            ("😀 emoji 😀", "emoji"),
            ("", ""),
            ("!!! ---", ""),
        ];
        for (text, want) in cases {
            assert_eq!(normalize(text), want, "normalize({text:?})");
        }
    }

    fn squash(text: &str) -> Squashed {
        let mut squashed = Squashed::default();
        squashed.fill(text);
        squashed
    }

    #[test]
    fn word_edges_survive_joining() {
        let sq = squash("DS-400, S 400");
        assert_eq!(sq.text, b"ds400 s400");
        // Words: "DS", "400", "S", "400".
        assert_eq!(sq.starts, [0, 2, 6, 7]);
        let edges: Vec<usize> = (0..=sq.text.len()).filter(|&i| sq.is_edge(i)).collect();
        assert_eq!(edges, [0, 2, 5, 6, 7, 10]);
    }

    #[test]
    fn apostrophe_is_a_word_edge_but_stays() {
        let sq = squash("l'Europe");
        assert_eq!(sq.text, b"l'europe");
        assert!(sq.is_edge(1) && sq.is_edge(2));
        assert_eq!(sq.starts, [0, 2]);
    }

    #[test]
    fn every_byte_maps_back_to_the_start_of_its_character() {
        let cases: &[(&str, &[usize])] = &[
            ("DS-400, S 400", &[0, 1, 3, 4, 5, 6, 8, 10, 11, 12]),
            ("Türkiye  ok", &[0, 1, 3, 4, 5, 6, 7, 8, 10, 11]),
            // Each byte of a two-byte letter points at that letter.
            ("Ж-1", &[0, 0, 3]),
            ("Straße", &[0, 1, 2, 3, 4, 4, 6]),
            ("Erdog\u{306}an", &[0, 1, 2, 3, 4, 7, 8]),
            ("ﬁ ﬁ", &[0, 0, 3, 4, 4]),
        ];
        for &(text, want) in cases {
            let sq = squash(text);
            let got: Vec<usize> = (0..sq.text.len()).map(|i| sq.origin(text, i)).collect();
            assert_eq!(got, want, "{text:?} squashed to {:?}", normalize(text));
        }
    }

    /// The squasher with every fast path taken out: each character, ASCII or not, through
    /// the general per-character route.
    fn squash_slowly(source: &str) -> Squashed {
        let mut out = Squashed::default();
        let mut writer = Writer {
            out: &mut out,
            previous: None,
            gap: Gap::None,
            delta: None,
        };
        for (at, c) in source.char_indices() {
            if c.is_ascii() {
                writer.ascii(c as u8, at);
            } else {
                fold(c, &mut |folded| writer.char(folded, at, c.len_utf8()));
            }
        }
        out
    }

    #[test]
    fn fast_paths_squash_like_the_slow_path() {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "7",
            "Erdogan",
            "S",
            "400",
            "internationalisation",
            "ABCDEFGH",
            "x1y2",
            " ",
            " ",
            "  ",
            "-",
            "'",
            "\u{2019}",
            ", ",
            ".",
            "\n",
            "\t",
            "@",
            "`",
            "[",
            "{",
            "é",
            "ß",
            "Ж",
            "\u{A0}",
            "\u{AD}",
            "\u{306}",
            "😀",
            "ﬁ",
            "İ",
            "①",
            "\u{7f}",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..5_000 {
            let len = next(40);
            let text: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
            let (fast, slow) = (squash(&text), squash_slowly(&text));
            assert_eq!(
                String::from_utf8_lossy(&fast.text),
                String::from_utf8_lossy(&slow.text),
                "{text:?}"
            );
            assert_eq!(fast.starts, slow.starts, "{text:?}");
            for pos in 0..fast.text.len() {
                assert_eq!(
                    fast.origin(&text, pos),
                    slow.origin(&text, pos),
                    "{text:?} at {pos}"
                );
            }
        }
    }

    #[test]
    fn every_byte_value_is_a_word_byte_or_not_as_it_should_be() {
        for byte in 0..=u8::MAX {
            let chunk = u64::from_le_bytes([byte, b'a', b'Z', b'5', byte, b' ', byte, 0x80]);
            let want = |b: u8| if b.is_ascii_alphanumeric() { 0x80 } else { 0 };
            let got = ascii_word_bytes(chunk).to_le_bytes();
            assert_eq!(got[0], want(byte), "{byte:#x}");
            assert_eq!(got[1..4], [0x80; 3], "{byte:#x}");
            assert_eq!(
                (got[4], got[5], got[6], got[7]),
                (want(byte), 0, want(byte), 0)
            );
        }
    }

    #[test]
    fn char_end_covers_combining_marks() {
        let text = "Erdog\u{306}an";
        assert_eq!(char_end(text, 4), 7);
        assert_eq!(char_end(text, 0), 1);
        assert_eq!(char_end(text, 100), text.len());
        assert_eq!(char_end("", 0), 0);
    }
}
