//! HTML → plain text, and the whitespace collapsing every item's text goes through.
//!
//! Both run over the text of every item polled: they are written for speed on the text
//! most feeds send, and stay linear on text written to make them slow. Pure: no I/O.

/// HTML → readable plain text: tags dropped (block elements become line breaks, inline
/// ones vanish so `<b>S</b>-400` stays one word), `script`/`style` skipped, entities
/// decoded, whitespace collapsed. Tolerates broken markup; linear in the input.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_decoded(&mut out, &rest[..open]);
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        if !starts_tag {
            out.push('<');
            rest = after;
            continue;
        }
        let Some(close) = tag_end(after) else {
            // No tag ends after this point, so none of the rest is markup. Stopping here
            // also keeps the work linear on text full of unclosed `<`.
            out.push('<');
            push_decoded(&mut out, after);
            rest = "";
            break;
        };
        let tag = &after[..close];
        rest = &after[close + 1..];
        // Lower-cased in a buffer rather than a new string per tag. Every name below is
        // shorter than the buffer; a longer one is simply none of them.
        let mut buffer = [0u8; 12];
        let raw = tag.trim_start_matches('/').as_bytes();
        let len = raw.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = match buffer.get_mut(..len) {
            Some(name) => {
                name.copy_from_slice(&raw[..len]);
                name.make_ascii_lowercase();
                std::str::from_utf8(name).unwrap_or_default()
            }
            None => "",
        };
        if !tag.starts_with('/') && matches!(name, "script" | "style" | "noscript" | "template") {
            rest = skip_element(rest, name);
            continue;
        }
        match name {
            "a" | "abbr" | "b" | "bdi" | "bdo" | "cite" | "code" | "data" | "del" | "dfn"
            | "em" | "font" | "i" | "ins" | "kbd" | "mark" | "q" | "s" | "samp" | "small"
            | "span" | "strong" | "sub" | "sup" | "time" | "u" | "var" | "wbr" => {}
            "br" | "p" | "div" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "blockquote" | "pre" | "table" | "tr" | "section" | "article" | "header"
            | "footer" | "figure" | "figcaption" | "hr" | "dl" | "dt" | "dd" | "aside" => {
                out.push('\n')
            }
            _ => out.push(' '),
        }
    }
    push_decoded(&mut out, rest);
    collapse_whitespace(&out)
}

/// Where the tag that `after` (the text after its `<`) holds ends: at its first `>`
/// outside a quoted attribute value, so that `<img alt="a > b">` hides all of its `alt`;
/// `None` when no `>` follows. A value whose closing quote does not come before the next
/// `<` was never closed (nor was a tag with a `<` in it), and the tag then ends at its
/// first `>`, as if it held no quotes: one stray quote must not hide the rest of the
/// text, and no scan reading past the next `<` keeps the work linear.
fn tag_end(after: &str) -> Option<usize> {
    // One pass that looks for quotes and the `>` at once: searching for the `>` first and
    // then for quotes before it made turning the feed corpus's HTML into text a sixth
    // slower. The search for the first `>` is left to the rare tag that needs it.
    unquoted_tag_end(after.as_bytes()).or_else(|| after.find('>'))
}

/// The first `>` outside a quoted attribute value, with a quote opening a value only
/// after `=`, as in HTML. `None` where a value or the tag is never closed.
fn unquoted_tag_end(bytes: &[u8]) -> Option<usize> {
    let mut value_next = false;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'>' => return Some(at),
            b'<' => return None,
            b'"' | b'\'' if value_next => {
                let value = &bytes[at + 1..];
                let length = value.iter().position(|&b| b == byte || b == b'<')?;
                if value[length] == b'<' {
                    return None;
                }
                at += length + 1;
                value_next = false;
            }
            b'=' => value_next = true,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {}
            _ => value_next = false,
        }
        at += 1;
    }
    None
}

fn push_decoded(out: &mut String, text: &str) {
    if text.contains('&') {
        out.push_str(&html_escape::decode_html_entities(text));
    } else {
        out.push_str(text);
    }
}

/// Skips to after `</name>` (any case), or to the end. Scans forward only, so skipping
/// many elements costs one pass over the text.
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let mut from = 0;
    while let Some(found) = rest[from..].find("</") {
        let at = from + found;
        let candidate = &rest.as_bytes()[at + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return rest[at..].find('>').map_or("", |end| &rest[at + end + 1..]);
        }
        from = at + 2;
    }
    ""
}

/// Runs of spaces become one space; line breaks are kept, at most one blank line in a row.
/// This runs over every item's text, most of which is already spaced as it should be:
/// only a run of blanks that reads otherwise (two spaces, a tab, a leading or trailing
/// one) makes it copy what lies before and write the run anew, and printable ASCII is
/// skipped without decoding it.
pub(super) fn collapse_whitespace(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `text[copied..at]` reads as it is to be written and has yet to be copied.
    let mut copied = 0;
    let mut seen_text = false;
    let mut at = 0;
    while at < bytes.len() {
        let (mut width, mut blank) = blank_at(text, at);
        if blank == Blank::No {
            seen_text = true;
            at = skip_plain(bytes, at + width);
            while at < bytes.len() && bytes[at] > b' ' && bytes[at] < 0x80 {
                at += 1;
            }
            continue;
        }
        let run = at;
        let mut newlines = 0;
        loop {
            if blank == Blank::LineBreak {
                newlines += 1;
            }
            at += width;
            if at == bytes.len() {
                break;
            }
            (width, blank) = blank_at(text, at);
            if blank == Blank::No {
                break;
            }
        }
        let written = match newlines {
            _ if !seen_text || at == bytes.len() => "",
            0 => " ",
            1 => "\n",
            _ => "\n\n",
        };
        if &text[run..at] != written {
            out.push_str(&text[copied..run]);
            out.push_str(written);
            copied = at;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Skips, eight bytes at a time, text after a word that is written as it is: printable
/// ASCII, single spaces between words. Stops at or before the first byte that may need
/// more (a control character, a non-ASCII byte, a space before another blank), and
/// within the last eight bytes. The masks may flag a byte that needs nothing (a borrow
/// carried into the lane above a flagged one), which only stops the skip early; a byte
/// that needs something is always flagged.
fn skip_plain(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Bit 7 of each lane whose byte is below `n`, for bytes below 0x80.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    while let Some(window) = bytes.get(at..at + 9) {
        let lanes =
            |from: usize| u64::from_le_bytes(window[from..from + 8].try_into().unwrap_or_default());
        let (word, next) = (lanes(0), lanes(1));
        let blank = below(word, 0x21);
        if word & HIGH != 0
            || below(word, 0x20) != 0
            || blank & (below(next, 0x21) | next & HIGH) != 0
        {
            break;
        }
        at += 8;
    }
    at
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blank {
    No,
    Space,
    LineBreak,
}

/// The width in bytes of the character at `at` and whether it is a space or a line break.
/// Only a non-ASCII byte is decoded.
fn blank_at(text: &str, at: usize) -> (usize, Blank) {
    match text.as_bytes()[at] {
        b'\n' | b'\r' => (1, Blank::LineBreak),
        b' ' | b'\t' | 0x0b | 0x0c => (1, Blank::Space),
        byte if byte < 0x80 => (1, Blank::No),
        _ => {
            let c = text[at..].chars().next().unwrap_or_default();
            let blank = if matches!(c, '\u{2028}' | '\u{2029}') {
                Blank::LineBreak
            } else if c.is_whitespace() {
                Blank::Space
            } else {
                Blank::No
            };
            (c.len_utf8().max(1), blank)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run-at-a-time copy against the plain per-character rule, on text made of
    /// pieces that put every kind of space next to every other.
    #[test]
    fn collapsing_whitespace_copies_runs_as_the_per_character_rule_would() {
        fn reference(text: &str) -> String {
            let mut out = String::new();
            let (mut pending_space, mut newlines) = (false, 0);
            for c in text.chars() {
                if matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}') {
                    newlines += 1;
                    pending_space = false;
                } else if c.is_whitespace() {
                    pending_space = true;
                } else {
                    if !out.is_empty() {
                        if newlines > 0 {
                            out.push_str(if newlines > 1 { "\n\n" } else { "\n" });
                        } else if pending_space {
                            out.push(' ');
                        }
                    }
                    newlines = 0;
                    pending_space = false;
                    out.push(c);
                }
            }
            out
        }
        const PIECES: &[&str] = &[
            "a",
            "ğ",
            "S-400",
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "\u{a0}",
            "\u{2028}",
            "中",
            ".",
            "\u{85}",
            "\u{3000}",
            "\u{2029}",
            "\u{1}",
            "\u{7f}",
            "\u{b}",
            "é",
            "😀",
            "\u{202f}",
            "word",
            "two words",
            "  ",
            " !",
            "~ ",
            "!\"#$%&",
            "x y z w v",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 16) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            assert_eq!(collapse_whitespace(&text), reference(&text), "{text:?}");
        }
        // Plain text read eight bytes at a time, with one odd piece at every offset.
        let plain = "The quick brown fox, jumps (over) the lazy dog's back: S-400 & F-35 ~ end.";
        for odd in PIECES {
            for at in 0..=plain.len() {
                let text = format!("{}{odd}{}", &plain[..at], &plain[at..]);
                assert_eq!(collapse_whitespace(&text), reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn html_becomes_text() {
        let cases = [
            ("<p>Hello <b>S</b>-400 world</p>", "Hello S-400 world"),
            ("a<br>b", "a\nb"),
            ("<p>one</p><p>two</p>", "one\n\ntwo"),
            ("Erdo&#287;an &amp; co &#8217;", "Erdoğan & co ’"),
            ("x<script>alert('<p>')</script>y", "xy"),
            ("x<STYLE>p{}</STYLE>y", "xy"),
            ("a <!-- hidden --> b", "a b"),
            ("3 < 4 and 5 > 2", "3 < 4 and 5 > 2"),
            ("unclosed <b", "unclosed <b"),
            ("<img src=x onerror=alert(1)>caption", "caption"),
            ("  lots \t of   space  ", "lots of space"),
            ("", ""),
        ];
        for (html, text) in cases {
            assert_eq!(html_to_text(html), text, "for {html:?}");
        }
    }

    /// Regression: a tag ended at its first `>` even inside a quoted attribute, so the
    /// rest of the attribute (`b">`) leaked into the item's text, where a watchlist could
    /// match it.
    #[test]
    fn a_greater_than_sign_inside_a_quoted_attribute_does_not_leak_into_the_text() {
        let cases = [
            (r#"<img alt="a > b">caption"#, "caption"),
            ("<p title='x > y'>text</p>", "text"),
            (
                r#"<a href="/x" title = "1 > 0 and 'quoted'">link</a>"#,
                "link",
            ),
            (r#"<img alt="it's > that" src='a>b.jpg'>after"#, "after"),
            // A quote that does not follow `=` opens nothing.
            ("<p class=x don't>text</p>", "text"),
            (r#"<p data-x=a"b>text</p>"#, "text"),
            // An unclosed quote: the tag ends at its first `>`, and the rest is kept.
            (r#"<img alt="a > b>caption</p> more"#, "b>caption\nmore"),
            (r#"<img alt="a > b"#, "b"),
            ("<p title='never closed>one</p><p>two</p>", "one\n\ntwo"),
            // So is one with a `<` in it: rare inside a value, the rule after a stray quote.
            (r#"<img alt="a < b > c">d"#, "c\">d"),
        ];
        for (html, text) in cases {
            assert_eq!(html_to_text(html), text, "for {html:?}");
        }
    }

    #[test]
    fn unclosed_quotes_in_hostile_markup_take_linear_time() {
        // A quoted value read on past the next `<` would rescan the rest once per tag.
        let unclosed = r#"<a b=">"#.repeat(100_000);
        assert_eq!(html_to_text(&unclosed), "");
        let spilled = r#"<a x="1>2" "#.repeat(100_000);
        assert!(html_to_text(&spilled).starts_with(r#"2" 2" 2""#));
    }

    #[test]
    fn hostile_markup_takes_linear_time() {
        // Each of these used to rescan the rest of the text once per `<`.
        let unclosed = "<a".repeat(200_000);
        assert!(html_to_text(&unclosed).starts_with("<a<a"));
        let scripts = "<script></script>".repeat(50_000) + "end";
        assert_eq!(html_to_text(&scripts), "end");
        let upper = "<SCRIPT>x</SCRIPT>".repeat(50_000) + "end";
        assert_eq!(html_to_text(&upper), "end");
    }
}
