//! A fetched page's bytes → HTML text: whether they are an HTML page at all (a link to a
//! PDF, a video or an image is not read), and in which encoding.
//!
//! The encoding is found as browsers find it: a byte order mark, then the `charset` of
//! the Content-Type header, then a `<meta charset=…>` or `<meta http-equiv=Content-Type
//! content="…; charset=…">` anywhere in the head, else detection. Reading the bytes in
//! that encoding (and distrusting a label the bytes contradict) is the feeds' own code in
//! `crate::feed::charset`, so that a page and a feed labelled alike read alike. Pure: no
//! I/O.

use std::borrow::Cow;
use std::fmt;

use memchr::memmem;

use crate::feed::charset::{charset, decode_labelled};

/// How far into a page its head is looked for a `<meta>` charset. Heads with inline styles
/// and scripts run to a few hundred kilobytes; a label further down is not looked for.
const HEAD_WINDOW: usize = 1 << 20;
/// How many bytes are looked at to tell HTML from other media.
const SNIFF_WINDOW: usize = 1024;

/// The page as text, by the rules in the module doc.
pub fn decode_html<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    let label = content_type
        .and_then(charset)
        .or_else(|| meta_charset(bytes));
    decode_labelled(bytes, label)
}

/// Why a body is not read as an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotHtml {
    /// What it is instead: `pdf`, `image`, `video`, `audio`, `binary` or `other`.
    pub kind: &'static str,
    /// The Content-Type it came with.
    pub content_type: Option<String>,
}

impl fmt::Display for NotHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            "pdf" => "a PDF document",
            "image" => "an image",
            "video" => "a video",
            "audio" => "an audio file",
            "binary" => "binary data",
            _ => "not an HTML page",
        };
        match &self.content_type {
            Some(content_type) => write!(f, "{what} ({content_type}), not HTML"),
            None => write!(f, "{what}, not HTML"),
        }
    }
}

impl std::error::Error for NotHtml {}

/// Whether a body with this Content-Type (when there is one) and these first bytes is an
/// HTML page. The bytes win over the header where they plainly say PDF, image or binary
/// (servers label downloads `text/html` too); a header that names another type wins
/// over bytes that only might be HTML; without a useful header the bytes decide.
pub fn is_html(content_type: Option<&str>, bytes: &[u8]) -> Result<(), NotHtml> {
    let not = |kind| {
        Err(NotHtml {
            kind,
            content_type: content_type.map(str::to_string),
        })
    };
    let head = &bytes[..bytes.len().min(SNIFF_WINDOW)];
    if let Some(kind) = magic(head) {
        return not(kind);
    }
    // No text encoding a page is served in has zero bytes, but for UTF-16, which starts
    // with a byte order mark: whatever the header says, this is a download.
    let utf16 = head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]);
    if head.contains(&0) && !utf16 {
        return not("binary");
    }
    let mime = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => return Ok(()),
        ""
        | "application/octet-stream"
        | "binary/octet-stream"
        | "application/unknown"
        | "unknown/unknown" => {}
        _ if mime.starts_with("image/") => return not("image"),
        _ if mime.starts_with("video/") => return not("video"),
        _ if mime.starts_with("audio/") => return not("audio"),
        "application/pdf" => return not("pdf"),
        _ => return not("other"),
    }
    if looks_like_html(head) {
        Ok(())
    } else {
        not("other")
    }
}

/// The kind of a body whose first bytes are a file signature of something other than
/// HTML.
fn magic(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 12] = [
        (b"%PDF-", "pdf"),
        (b"\x89PNG", "image"),
        (b"\xff\xd8\xff", "image"),
        (b"GIF87a", "image"),
        (b"GIF89a", "image"),
        (b"\x00\x00\x01\x00", "image"),
        (b"\x1a\x45\xdf\xa3", "video"),
        (b"ID3", "audio"),
        (b"OggS", "audio"),
        (b"fLaC", "audio"),
        (b"PK\x03\x04", "binary"),
        (b"\x1f\x8b", "binary"),
    ];
    if let Some((_, kind)) = SIGNATURES.iter().find(|(s, _)| head.starts_with(s)) {
        return Some(kind);
    }
    // RIFF containers and ISO media: the type is a few bytes in.
    match (head.get(..4), head.get(8..12), head.get(4..8)) {
        (Some(b"RIFF"), Some(b"WEBP"), _) => Some("image"),
        (Some(b"RIFF"), Some(b"WAVE"), _) => Some("audio"),
        (Some(b"RIFF"), Some(b"AVI "), _) => Some("video"),
        (_, _, Some(b"ftyp")) => Some("video"),
        _ => None,
    }
}

/// Whether text with no useful Content-Type starts as an HTML page does: a doctype, a
/// comment or one of the tags a page opens with, after blanks and a byte order mark.
fn looks_like_html(head: &[u8]) -> bool {
    let text = head
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(head)
        .trim_ascii_start();
    const OPENINGS: [&[u8]; 9] = [
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<body",
        b"<!--",
        b"<meta",
        b"<title",
        b"<script",
        b"<?xml",
    ];
    OPENINGS.iter().any(|opening| {
        text.len() >= opening.len() && text[..opening.len()].eq_ignore_ascii_case(opening)
    }) || memmem::find(&text.to_ascii_lowercase(), b"<html").is_some()
}

/// The charset a `<meta>` tag of the head names, as `<meta charset="…">` or inside the
/// `content` of `<meta http-equiv="Content-Type">`. Read from the raw bytes: every
/// encoding a page may be labelled with writes ASCII as ASCII (UTF-16 was told by its
/// byte order mark before this is asked).
fn meta_charset(bytes: &[u8]) -> Option<&str> {
    let window = &bytes[..bytes.len().min(HEAD_WINDOW)];
    let mut at = 0;
    while let Some(found) = find_ignoring_case(window, at, b"<meta") {
        // The head ends where the body starts; a later `<meta>` is not the page's label.
        if find_ignoring_case(&window[..found], at, b"<body").is_some() {
            return None;
        }
        let start = found + 5;
        let end = start + memchr::memchr(b'>', &window[start..])?;
        if let Some(label) = charset_in(&window[start..end]) {
            return Some(label);
        }
        at = end;
    }
    None
}

/// Where `needle` (lower case, starting with `<`) next occurs from `at`, in any case.
fn find_ignoring_case(window: &[u8], at: usize, needle: &[u8]) -> Option<usize> {
    let mut from = at;
    while let Some(found) = memchr::memchr(b'<', &window[from..]) {
        let start = from + found;
        let candidate = &window[start..];
        if candidate.len() >= needle.len() && candidate[..needle.len()].eq_ignore_ascii_case(needle)
        {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// The value after `charset=` in a `<meta>` tag's attributes, quotes and spaces trimmed.
fn charset_in(tag: &[u8]) -> Option<&str> {
    let lower = tag.to_ascii_lowercase();
    let at = memmem::find(&lower, b"charset")? + "charset".len();
    let rest = tag[at..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end])
        .ok()
        .filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use encoding_rs::{SHIFT_JIS, WINDOWS_1251, WINDOWS_1252};

    use super::*;

    #[test]
    fn the_charset_comes_from_the_header_then_a_meta_tag_anywhere_in_the_head() {
        let text = "<p>Le café de la rue Lepic a fermé ses portes après quatre-vingt-dix ans.</p>";
        let long_head = format!(
            "<title>Café</title><style>{}</style>",
            ".rule { margin: 0 }\n".repeat(200)
        );
        let cases = [
            ("header", "", Some("text/html; charset=windows-1252")),
            ("meta charset", r#"<meta charset="windows-1252">"#, None),
            (
                "meta http-equiv after a long style",
                &*format!(
                    r#"{long_head}<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">"#
                ),
                None,
            ),
            (
                "the header beats the meta tag",
                r#"<meta charset="koi8-r">"#,
                Some("text/html; charset=windows-1252"),
            ),
        ];
        for (what, head, content_type) in cases {
            let html = format!("<html><head>{head}</head><body>{text}</body></html>");
            let bytes = WINDOWS_1252.encode(&html).0;
            let decoded = decode_html(&bytes, content_type);
            assert!(decoded.contains(text), "{what}: {decoded}");
        }
    }

    /// Regression guard: a page whose label is wrong, or that has none, must not become
    /// mojibake that no watchlist matches.
    #[test]
    fn a_mislabelled_or_unlabelled_page_is_read_in_the_encoding_its_bytes_are_in() {
        let russian = "<p>Переговоры в Анкаре о поставках С-400 продолжатся на следующей неделе, сообщили в министерстве.</p>";
        let japanese =
            "<p>東京で震度４の地震　新幹線は一時運転を見合わせ、気象庁が会見を開いた。</p>";
        let french =
            "<p>Le café de la rue Lepic a fermé ses portes après quatre-vingt-dix ans.</p>";
        let utf8 = r#"<meta charset="utf-8">"#;
        let cases = [
            (
                "windows-1251 labelled UTF-8",
                WINDOWS_1251,
                russian,
                "",
                Some("text/html; charset=utf-8"),
            ),
            (
                "windows-1251 without a label",
                WINDOWS_1251,
                russian,
                "",
                None,
            ),
            (
                "Shift_JIS labelled Latin-1",
                SHIFT_JIS,
                japanese,
                "",
                Some("text/html; charset=iso-8859-1"),
            ),
            (
                "windows-1252 labelled UTF-8 in a meta tag",
                WINDOWS_1252,
                french,
                utf8,
                None,
            ),
        ];
        for (what, encoding, text, head, content_type) in cases {
            let html = format!("<html><head>{head}</head><body>{text}</body></html>");
            let bytes = encoding.encode(&html).0;
            let decoded = decode_html(&bytes, content_type);
            assert!(decoded.contains(text), "{what}: {decoded}");
        }
    }

    #[test]
    fn html_is_told_from_other_media() {
        let page = b"<!DOCTYPE html><html><head><title>x</title></head></html>".as_slice();
        /// What it is, its Content-Type, its first bytes, and the kind it is not HTML as.
        type Case<'a> = (&'a str, Option<&'a str>, &'a [u8], Result<(), &'a str>);
        let cases: [Case; 12] = [
            (
                "an HTML page",
                Some("text/html; charset=utf-8"),
                page,
                Ok(()),
            ),
            ("XHTML", Some("application/xhtml+xml"), page, Ok(())),
            ("no Content-Type", None, page, Ok(())),
            (
                "a download type",
                Some("application/octet-stream"),
                page,
                Ok(()),
            ),
            ("a PDF", Some("application/pdf"), b"%PDF-1.7\n", Err("pdf")),
            (
                "a PDF served as HTML",
                Some("text/html"),
                b"%PDF-1.4\n%\xe2\xe3",
                Err("pdf"),
            ),
            (
                "an image",
                Some("image/jpeg"),
                b"\xff\xd8\xff\xe0",
                Err("image"),
            ),
            (
                "a video by its bytes",
                None,
                b"\x00\x00\x00\x18ftypmp42",
                Err("video"),
            ),
            (
                "binary bytes",
                None,
                b"\x01\x02\x00\x03garbage",
                Err("binary"),
            ),
            (
                "binary bytes served as HTML",
                Some("text/html"),
                b"\x00\x01\x02\x03\x04<html>",
                Err("binary"),
            ),
            (
                "a UTF-16 page",
                Some("text/html"),
                b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00",
                Ok(()),
            ),
            ("plain text", Some("text/plain"), b"hello", Err("other")),
        ];
        for (what, content_type, bytes, expected) in cases {
            let kind = is_html(content_type, bytes).map_err(|e| e.kind);
            assert_eq!(kind, expected, "{what}");
        }
        let error = is_html(Some("application/pdf"), b"%PDF-1.7").unwrap_err();
        assert_eq!(
            error.to_string(),
            "a PDF document (application/pdf), not HTML"
        );
    }
}
