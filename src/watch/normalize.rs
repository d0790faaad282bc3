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
//!
//! Han, kana, Thai, Lao, Khmer and Myanmar are written without spaces between words, and
//! Korean attaches particles to its nouns (`서울에서`), so no gap marks where a name ends.
//! In those scripts every character starts a word and ends one, and so does a change to or
//! from them (`iPhone発売`): a term matches at any character of a run. Whitespace next to
//! them does not matter (`東京 五輪` is `東京五輪`, as `S 400` is `S400`); punctuation
//! still separates. Their vowel signs, tone marks and voicing marks stay with the letter
//! before them instead of being dropped as diacritics are elsewhere (without its vowel,
//! Thai `จีน`, China, would be the common word `จน`), and never start a word, nor does a
//! letter inside a syllable (after a Thai vowel written before its consonant, a Khmer
//! subscript sign). Hangul stays in syllables, which NFKD would split into jamo, so that
//! `서우` does not match inside `서울`.

use unicode_normalization::char::{compose, decompose_compatible, is_combining_mark};

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
        self.fill_with(source, true);
    }

    /// `fill`, with whitespace next to a script written without spaces dropped
    /// (`join_unspaced`) or kept as a word gap.
    fn fill_with(&mut self, source: &str, join_unspaced: bool) {
        self.text.clear();
        self.starts.clear();
        self.checkpoints.clear();
        self.text.reserve(source.len());
        // News prose has a word start every six bytes or so.
        self.starts.reserve(source.len() / 4);

        let mut writer = Writer::new(self, join_unspaced);
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
    normal_form(text, true)
}

/// `normalize`, except that whitespace between characters of scripts written without
/// spaces (and Hangul) stays a gap: the form for counting words by the spaces the writer
/// put, as near-duplicate detection does. Korean puts spaces between words and Thai
/// between phrases, and joined, a whole article would be one word.
pub fn normalize_spaced(text: &str) -> String {
    normal_form(text, false)
}

fn normal_form(text: &str, join_unspaced: bool) -> String {
    let mut squashed = Squashed::default();
    squashed.fill_with(text, join_unspaced);
    // Only whole UTF-8 sequences and ASCII are ever written, so this never fails; the
    // lossy form is a fallback that takes no copy of valid text either.
    String::from_utf8(squashed.text)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// End (byte offset) of the character starting at `at` in `text`, extended over the
/// combining marks that follow it, so that a hit on NFD `Erdoğan` covers the breve too, and
/// over what the squasher folds into the character before (Hangul vowel and final jamo,
/// halfwidth voicing marks), whose bytes point at that character.
pub(crate) fn char_end(text: &str, at: usize) -> usize {
    let Some(rest) = text.get(at..) else {
        return text.len();
    };
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return at;
    };
    let mut end = at + first.len_utf8();
    // Only a letter of a script without spaces takes them: after a Latin `l`, a Hangul
    // final jamo is a word of its own.
    let takes_folded = is_unspaced(first);
    let folded = |c: char| inside_syllable(c) || matches!(c, '\u{FF9E}' | '\u{FF9F}');
    for (offset, c) in chars {
        if !(is_combining_mark(c) || (takes_folded && folded(c))) {
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
    /// A letter of a script written without spaces between words, or of Hangul: a word
    /// of its own.
    Unspaced,
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
    /// Nothing, after a character of a script written without spaces: the next word
    /// character starts a word all the same. A state of its own rather than a test of
    /// the previous class, which cost ASCII text 2% of its speed.
    Edge,
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
    /// Whether the last character written leaves its syllable open, so that the next
    /// letter belongs to it: a Thai or Lao vowel written before its consonant, a Khmer or
    /// Myanmar sign that stacks the next consonant under this one. Only read while an
    /// `Unspaced` word goes on.
    open: bool,
    /// Whether whitespace next to an `Unspaced` character is dropped (see `normalize`).
    join_unspaced: bool,
}

impl<'a> Writer<'a> {
    fn new(out: &'a mut Squashed, join_unspaced: bool) -> Writer<'a> {
        Writer {
            out,
            previous: None,
            gap: Gap::None,
            delta: None,
            open: false,
            join_unspaced,
        }
    }

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

    /// Takes one character already folded (lowercase; combining marks come on their
    /// own), produced by the original character of `len` bytes at `origin`.
    fn char(&mut self, c: char, origin: usize, len: usize) {
        if c.is_ascii() {
            // `fold` may produce ASCII from non-ASCII (`é` → `e`, NBSP → space).
            self.ascii(c as u8, origin);
            return;
        }
        // Whether `c` comes straight after a letter of a script written without spaces.
        let goes_on = self.previous == Some(Class::Unspaced) && self.gap == Gap::Edge;
        if is_combining_mark(c) {
            // After such a letter, marks are its vowels, tones and voicing: kept with it.
            // Elsewhere they are diacritics, and dropped.
            if goes_on {
                self.attach(c, origin, len);
                self.open = is_stacker(c);
            }
            return;
        }
        let class = class_of(c);
        match class {
            Class::Unspaced if goes_on && (self.open || inside_syllable(c)) => {
                self.attach(c, origin, len);
                self.open = false;
            }
            Class::Unspaced => {
                // A change from another script is a word edge too.
                if self.gap == Gap::None {
                    self.gap = Gap::Edge;
                }
                let mut buf = [0; 4];
                self.word(c.encode_utf8(&mut buf).as_bytes(), class, origin, len);
                self.gap = Gap::Edge;
                self.open = opens_syllable(c);
            }
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
        self.bytes(bytes, origin, len);
        self.previous = Some(class);
    }

    /// Writes `c`, from the original character of `len` bytes at `origin`, as part of the
    /// `Unspaced` word going on: composed with the character before where Unicode
    /// composes them (a Hangul syllable from its jamo, `ガ` from `カ` and its voicing mark),
    /// so that every spelling of a syllable squashes alike; otherwise after it.
    fn attach(&mut self, c: char, origin: usize, len: usize) {
        let text = &mut self.out.text;
        // The character before is three bytes long if it is one that composes.
        let at = text.len().saturating_sub(3);
        let composed = std::str::from_utf8(&text[at..])
            .ok()
            .and_then(|s| s.chars().next())
            .filter(|last| last.len_utf8() == 3)
            .and_then(|last| compose(last, c))
            .filter(|composed| composed.len_utf8() == 3);
        if let Some(composed) = composed {
            // In place, so the composed syllable points where its first part did.
            composed.encode_utf8(&mut text[at..]);
            return;
        }
        let mut buf = [0; 4];
        self.bytes(c.encode_utf8(&mut buf).as_bytes(), origin, len);
    }

    fn bytes(&mut self, bytes: &[u8], origin: usize, len: usize) {
        for (i, &byte) in bytes.iter().enumerate() {
            // Point inside the original character, so `origin` lands on its start, while
            // keeping same-length characters (Cyrillic, Greek) in line.
            self.push(byte, origin + i.min(len - 1));
        }
    }

    /// Closes the gap before a word character of `class`: writes what stands for it, and
    /// notes a word start unless the character continues the previous word.
    #[inline]
    fn begin_word(&mut self, class: Class) {
        let starts = match (self.previous, self.gap) {
            (None, _) => true,
            (Some(_), Gap::None) => false,
            (Some(_), Gap::Edge) => true,
            (Some(_), Gap::Apostrophe(at)) => {
                self.push(APOSTROPHE, at);
                true
            }
            (Some(previous), Gap::Soft(at)) => {
                if self.apart(previous, class) {
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

    /// Whether whitespace between a word character of class `previous` and one of `class`
    /// keeps them apart (a boundary) rather than joining them.
    #[inline]
    fn apart(&self, previous: Class, class: Class) -> bool {
        // A letter next to a digit joins; two letters or two digits stay apart. Next to a
        // script written without spaces, a space tells nothing that the change of
        // character does not, unless words are counted by spaces: then it stays, as it
        // does between two letters.
        if previous == class {
            return class != Class::Unspaced || !self.join_unspaced;
        }
        !self.join_unspaced
            && matches!(
                (previous, class),
                (Class::Unspaced, Class::Letter) | (Class::Letter, Class::Unspaced)
            )
    }

    fn gap(&mut self, class: Class, origin: usize) {
        if self.previous.is_none() {
            return;
        }
        self.gap = match (self.gap, class) {
            (Gap::None | Gap::Edge, Class::Apostrophe) => Gap::Apostrophe(origin),
            (Gap::None | Gap::Edge, Class::Space) => Gap::Soft(origin),
            (Gap::Soft(at), Class::Space) => Gap::Soft(at),
            (Gap::None | Gap::Edge, _) => Gap::Hard(origin),
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

/// Folds one non-ASCII character: special letters, then compatibility decomposition, then
/// lowercase. Calls `emit` for each resulting character (none for ignorable characters).
/// Combining marks are passed on: whether one is kept depends on the letter before it
/// (see `Writer::char`).
fn fold(c: char, emit: &mut impl FnMut(char)) {
    // Hangul syllables stay whole (NFKD would split them into jamo), and the common Han
    // ideographs have no other form and no case.
    if matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}') {
        emit(c);
        return;
    }
    if let Some(folded) = special(c) {
        folded.chars().for_each(&mut *emit);
        return;
    }
    decompose_compatible(c, |part| {
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
        // The spacing voicing marks are written after a kana as the combining ones are
        // (NFKD makes them a space and the combining mark).
        '\u{309B}' => "\u{3099}",
        '\u{309C}' => "\u{309A}",
        // Variation selectors and the grapheme joiner are combining marks, but choose a
        // glyph rather than spell anything: after a letter that keeps its marks they
        // would make `葛` and `葛` with a selector two words.
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{180B}'..='\u{180F}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0100}'..='\u{E01EF}'
        | '\u{200C}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' => "",
        _ => return None,
    })
}

/// The class of a non-ASCII character already folded, other than a combining mark.
fn class_of(c: char) -> Class {
    if c.is_numeric() {
        // Han numerals (`〇`) are letters of their script like `一`; Thai digits, like
        // others, make numbers.
        if c.is_alphabetic() && is_unspaced(c) {
            Class::Unspaced
        } else {
            Class::Digit
        }
    } else if c.is_alphabetic() {
        if is_unspaced(c) {
            Class::Unspaced
        } else {
            Class::Letter
        }
    } else if matches!(c, '\u{2E80}'..='\u{2EFF}') {
        // CJK radicals are symbols, but stand for the ideographs, as in text taken from
        // PDFs; Kangxi radicals decompose to the ideographs.
        Class::Unspaced
    } else if c.is_whitespace() {
        Class::Space
    } else {
        Class::Other
    }
}

/// Whether a letter (or Han numeral) is of a script written without spaces between
/// words, or of Hangul. Blocks, not scripts: punctuation, symbols and digits in them are
/// told apart by category before this is asked.
pub(crate) fn is_unspaced(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}' // Thai, Lao
        | '\u{1000}'..='\u{109F}' // Myanmar
        | '\u{1100}'..='\u{11FF}' // Hangul jamo
        | '\u{1780}'..='\u{17FF}' // Khmer
        | '\u{3005}'..='\u{3007}' // 々 〆 〇
        | '\u{3021}'..='\u{3029}' // Hangzhou numerals
        | '\u{3031}'..='\u{3035}' // kana repeat marks
        | '\u{3038}'..='\u{303C}' // more Han numerals, 〻 〼
        | '\u{3040}'..='\u{31FF}' // kana, Bopomofo, Hangul compatibility jamo
        | '\u{3400}'..='\u{4DBF}' // Han extension A
        | '\u{4E00}'..='\u{9FFF}' // Han
        | '\u{A960}'..='\u{A97F}' // Hangul jamo extended A
        | '\u{A9E0}'..='\u{A9FF}' // Myanmar extended B
        | '\u{AA60}'..='\u{AA7F}' // Myanmar extended A
        | '\u{AC00}'..='\u{D7FF}' // Hangul syllables, jamo extended B
        | '\u{F900}'..='\u{FAFF}' // Han compatibility ideographs
        | '\u{FF66}'..='\u{FFDC}' // halfwidth kana and Hangul
        | '\u{1AFF0}'..='\u{1B16F}' // kana extensions and supplement
        | '\u{20000}'..='\u{3FFFF}' // Han extensions B to H, compatibility supplement
    )
}

/// Whether `c` is Hangul: written without spaces inside a word, but with spaces between
/// words, unlike the other scripts of `is_unspaced`.
pub(crate) fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7FF}'
        | '\u{FFA0}'..='\u{FFDC}'
    )
}

/// Letters that belong to the syllable of the letter before them, so never start a word:
/// Thai and Lao vowels written after the consonant, and Hangul vowel and final jamo (which
/// compose into the syllable before where they can).
fn inside_syllable(c: char) -> bool {
    matches!(c,
        '\u{0E30}' | '\u{0E32}' | '\u{0E45}' // Thai ะ า ๅ
        | '\u{0EB0}' | '\u{0EB2}' // Lao ະ າ
        | '\u{1160}'..='\u{11FF}'
        | '\u{D7B0}'..='\u{D7FF}'
    )
}

/// Thai and Lao vowels written before the consonant they follow in speech: that consonant
/// is in their syllable.
fn opens_syllable(c: char) -> bool {
    matches!(c, '\u{0E40}'..='\u{0E44}' | '\u{0EC0}'..='\u{0EC4}')
}

/// Marks that stack the next consonant under the one before: Khmer coeng, Myanmar virama.
fn is_stacker(c: char) -> bool {
    matches!(c, '\u{17D2}' | '\u{1039}')
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
            // Scripts written without spaces: whitespace between their characters, or
            // between one of them and a letter or digit, does not matter...
            ("東京都で", "東京都で"),
            ("東京 五輪", "東京五輪"),
            ("東京\u{3000}五輪", "東京五輪"),
            ("東京 Olympics", "東京olympics"),
            ("iPhone 発売", "iphone発売"),
            ("서울 시장", "서울시장"),
            ("ภาษา ไทย", "ภาษาไทย"),
            // ...while punctuation still separates.
            ("東京、五輪。", "東京 五輪"),
            ("東京・大阪", "東京 大阪"),
            ("「東京」", "東京"),
            // Width, voicing and compatibility forms fold to one spelling.
            ("２０２４年", "2024年"),
            ("ｶﾞｽ", "ガス"),
            ("カ\u{3099}ス", "ガス"),
            ("カ゛ス", "ガス"),
            ("ｺｰﾋｰ", "コーヒー"),
            ("二〇二四年", "二〇二四年"),
            ("\u{2F00}\u{F900}", "一豈"),
            ("葛\u{E0100}城", "葛城"),
            // Hangul stays in syllables, and jamo compose into them.
            ("서울에서", "서울에서"),
            ("\u{1109}\u{1165}\u{110B}\u{116E}\u{11AF}", "서울"),
            ("ㅅㅓ울", "서울"),
            // Thai, Lao, Khmer and Myanmar keep their vowel signs and tone marks.
            ("จีน", "จีน"),
            ("กรุงเทพฯ", "กรุงเทพฯ"),
            ("ខ្មែរ", "ខ្មែរ"),
            ("မြန်မာ", "မြန်မာ"),
            // A mark after another script is a diacritic, or alone, nothing.
            ("a\u{E34}", "a"),
            ("\u{E34}ก", "ก"),
        ];
        for (text, want) in cases {
            assert_eq!(normalize(text), want, "normalize({text:?})");
        }
    }

    #[test]
    fn spaced_forms_keep_spaces_next_to_scripts_written_without_them() {
        let cases = [
            ("서울 시장", "서울 시장"),
            ("東京 Olympics", "東京 olympics"),
            ("東京 五輪", "東京 五輪"),
            ("東京五輪", "東京五輪"),
            // As before, a letter and a digit join.
            ("서울 5일", "서울5일"),
            ("S 400", "s400"),
            ("I ran", "i ran"),
        ];
        for (text, want) in cases {
            assert_eq!(normalize_spaced(text), want, "normalize_spaced({text:?})");
        }
    }

    /// The words of `text` as the matcher sees them: from each word start to the next
    /// start or gap.
    fn words(text: &str) -> Vec<String> {
        let sq = squash(text);
        sq.starts
            .iter()
            .map(|&start| {
                let next = sq.starts.iter().find(|&&s| s > start).copied();
                let gap = sq.text[start..].iter().position(|&b| is_gap(b));
                let end = next
                    .unwrap_or(sq.text.len())
                    .min(gap.map_or(sq.text.len(), |g| start + g));
                String::from_utf8_lossy(&sq.text[start..end]).into_owned()
            })
            .collect()
    }

    #[test]
    fn every_character_of_a_script_without_spaces_is_a_word() {
        let cases: &[(&str, &[&str])] = &[
            ("東京都で", &["東", "京", "都", "で"]),
            ("東京五輪の", &["東", "京", "五", "輪", "の"]),
            ("東京 五輪", &["東", "京", "五", "輪"]),
            // A change of script is a word edge.
            ("東京Olympics", &["東", "京", "olympics"]),
            ("iPhone発売", &["iphone", "発", "売"]),
            ("S-400発射", &["s", "400", "発", "射"]),
            ("2024年", &["2024", "年"]),
            ("東京, Tokyo", &["東", "京", "tokyo"]),
            ("ガス", &["ガ", "ス"]),
            // Hangul by syllable, however it was spelled.
            ("서울에서", &["서", "울", "에", "서"]),
            ("\u{1109}\u{1165}\u{110B}\u{116E}\u{11AF}", &["서", "울"]),
            // A mark never starts a word, nor does a letter inside a syllable: a Thai
            // vowel after its consonant, a consonant after a vowel written before it.
            ("ที่กรุงเทพ", &["ที่", "ก", "รุ", "ง", "เท", "พ"]),
            ("น้ำ", &["น\u{E49}\u{E4D}\u{E32}"]),
            ("ພາສາລາວ", &["ພາ", "ສາ", "ລາ", "ວ"]),
            // Khmer subscript consonants and Myanmar medials and vowel signs (spacing
            // marks, Mc) stay in their syllable.
            ("ខ្មែរ", &["ខ្មែ", "រ"]),
            ("မြန်မာ", &["မြ", "န်", "မာ"]),
            // Other scripts keep their whole words.
            ("Iranian", &["iranian"]),
            ("Москва-сити", &["москва", "сити"]),
            ("नमस्ते दुनिया", &["नमसत", "दनय"]),
        ];
        for &(text, want) in cases {
            assert_eq!(words(text), want, "{text:?}");
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
            // Each byte of an ideograph points at it, across a dropped space too.
            ("東京都", &[0, 0, 0, 3, 3, 3, 6, 6, 6]),
            ("東京 五輪", &[0, 0, 0, 3, 3, 3, 7, 7, 7, 10, 10, 10]),
            ("iPhone発売", &[0, 1, 2, 3, 4, 5, 6, 6, 6, 9, 9, 9]),
            // A composed syllable points at its first part.
            ("ｶﾞｽ", &[0, 0, 0, 6, 6, 6]),
            ("\u{1109}\u{1165}울", &[0, 0, 0, 6, 6, 6]),
            ("ที่", &[0, 0, 0, 3, 3, 3, 6, 6, 6]),
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
        let mut writer = Writer::new(&mut out, true);
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
            "東京",
            "都",
            "で",
            "\u{3000}",
            "、",
            "ガ",
            "ｶﾞ",
            "〇",
            "ー",
            "서울",
            "\u{1109}",
            "\u{1165}",
            "\u{11AF}",
            "ที่",
            "เ",
            "ก",
            "า",
            "\u{E49}",
            "ខ្ម",
            "\u{17D2}",
            "မြ",
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
        // What the squasher folds into a syllable is part of its character.
        assert_eq!(char_end("\u{1109}\u{1165}\u{11AF}x", 0), 9);
        assert_eq!(char_end("ｶﾞx", 0), 6);
        assert_eq!(char_end("ที่x", 0), 9);
        assert_eq!(char_end("l\u{11AF}", 0), 1);
    }
}
