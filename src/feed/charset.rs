//! Feed bytes → UTF-8 text, before any parser sees them. feed-rs only reads UTF-8 well
//! (a UTF-16 document made its XML reader panic), while real feeds come in UTF-16 with a
//! BOM, in Latin-1 declared as such, and very often in windows-1252 *labelled* UTF-8.
//!
//! Which encoding wins: a byte order mark, then the XML declaration's `encoding=`, then
//! the `charset=` of the Content-Type, then UTF-8. Text that claims (or is assumed) to be
//! UTF-8 but is not gets a second look: mostly valid UTF-8 with a few bad bytes is decoded
//! with U+FFFD for them; otherwise it is taken as windows-1252, which is what such a
//! document nearly always is. Pure: no I/O.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How far into the document the XML declaration may end.
const DECLARATION_WINDOW: usize = 1024;

/// The document as UTF-8 text, by the rules in the module doc. A byte order mark is
/// removed; an XML declaration is left as it is (its `encoding=` may now be wrong: the
/// caller rewrites it, see [`xml_declaration`]).
pub(crate) fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let rest = &bytes[bom_length..];
        return if encoding == UTF_8 {
            utf8_or_windows_1252(rest)
        } else {
            encoding.decode_without_bom_handling(rest).0
        };
    }
    // UTF-16 without a BOM still gives itself away by the zero byte next to its first `<`.
    match bytes {
        [b'<', 0, ..] => return UTF_16LE.decode_without_bom_handling(bytes).0,
        [0, b'<', ..] => return UTF_16BE.decode_without_bom_handling(bytes).0,
        _ => {}
    }
    let label = match declared_encoding(bytes) {
        Some(declared) => Some(declared),
        None => content_type.and_then(charset),
    };
    // A label this text cannot be in (UTF-16 on bytes read as ASCII just now, or one that
    // encoding_rs knows only to refuse) is as good as none.
    match label.and_then(|l| Encoding::for_label(l.as_bytes())) {
        Some(encoding)
            if encoding.is_ascii_compatible()
                && encoding != UTF_8
                && encoding.name() != "replacement" =>
        {
            encoding.decode_without_bom_handling(bytes).0
        }
        _ => utf8_or_windows_1252(bytes),
    }
}

/// Bytes meant to be UTF-8: as they are when valid; with U+FFFD for the bad bytes when
/// most of the non-ASCII text is valid; else as windows-1252 (Latin-1 labelled UTF-8).
fn utf8_or_windows_1252(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += chunk.invalid().len();
    }
    if multibyte > invalid {
        String::from_utf8_lossy(bytes)
    } else {
        WINDOWS_1252.decode_without_bom_handling(bytes).0
    }
}

/// The `charset` parameter of a Content-Type value.
fn charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|v| !v.is_empty())
    })
}

/// The `encoding=` of the XML declaration at the start of `bytes` (after whitespace).
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let window = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    let start = window.iter().position(|b| !b.is_ascii_whitespace())?;
    let length = xml_declaration(&window[start..])?;
    let declaration = std::str::from_utf8(&window[start..start + length]).ok()?;
    pseudo_attribute(declaration, "encoding")
}

/// The length of the XML declaration (`<?xml …?>`) `text` starts with; `None` when it
/// does not start with one. `<?xml-stylesheet` is not one.
pub(crate) fn xml_declaration(text: &[u8]) -> Option<usize> {
    let rest = text.strip_prefix(b"<?xml")?;
    if !rest.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let end = rest.windows(2).position(|w| w == b"?>")?;
    Some(5 + end + 2)
}

/// Whether the XML declaration `text` starts with (see [`xml_declaration`]) leaves the
/// document in UTF-8: it names no encoding, or UTF-8.
pub(crate) fn declares_utf8(text: &[u8]) -> bool {
    let Some(length) = xml_declaration(text) else {
        return false;
    };
    let Ok(declaration) = std::str::from_utf8(&text[..length]) else {
        return false;
    };
    !declaration.contains("encoding")
        || pseudo_attribute(declaration, "encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("utf-8"))
}

/// The value of `name="…"` (or `'…'`) in an XML declaration.
fn pseudo_attribute<'a>(declaration: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = declaration;
    while let Some(at) = rest.find(name) {
        let after = rest[at + name.len()..].trim_start();
        if let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let value = &value[1..];
            return value.find(quote).map(|end| value[..end].trim());
        }
        rest = &rest[at + name.len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations_that_say_utf8() {
        let cases = [
            ("<?xml version=\"1.0\"?><rss/>", true),
            ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", true),
            (
                "<?xml version='1.0' encoding='utf-8' standalone='yes'?>",
                true,
            ),
            ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", false),
            ("<?xml version=\"1.0\" encoding=\"utf8\"?>", false),
            ("<?xml version=\"1.0\" encoding=UTF-8?>", false),
            ("<?xml-stylesheet href=\"a.xsl\"?>", false),
            ("<rss/>", false),
        ];
        for (text, utf8) in cases {
            assert_eq!(super::declares_utf8(text.as_bytes()), utf8, "{text}");
        }
    }

    use super::*;

    fn utf16(text: &str, little_endian: bool, bom: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
        for unit in units {
            bytes.extend_from_slice(&if little_endian {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        bytes
    }

    #[test]
    fn encodings_by_precedence() {
        let latin1_decl = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Caf\xe9</t>";
        let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
            ("plain UTF-8", "<t>Café</t>".into(), None, "<t>Café</t>"),
            (
                "UTF-8 BOM",
                b"\xef\xbb\xbf<t>Caf\xc3\xa9</t>".to_vec(),
                None,
                "<t>Café</t>",
            ),
            (
                "UTF-16LE BOM",
                utf16("<t>Erdoğan</t>", true, true),
                None,
                "<t>Erdoğan</t>",
            ),
            (
                "UTF-16BE BOM",
                utf16("<t>Erdoğan</t>", false, true),
                None,
                "<t>Erdoğan</t>",
            ),
            (
                "UTF-16LE without BOM",
                utf16("<t>Erdoğan</t>", true, false),
                None,
                "<t>Erdoğan</t>",
            ),
            (
                "BOM beats the declaration",
                [
                    b"\xef\xbb\xbf".as_slice(),
                    "<?xml version='1.0' encoding='latin1'?>é".as_bytes(),
                ]
                .concat(),
                None,
                "<?xml version='1.0' encoding='latin1'?>é",
            ),
            (
                "declaration",
                latin1_decl.to_vec(),
                None,
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Café</t>",
            ),
            (
                "declaration beats Content-Type",
                latin1_decl.to_vec(),
                Some("text/xml; charset=utf-8"),
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Café</t>",
            ),
            (
                "Content-Type",
                b"<t>Caf\xe9</t>".to_vec(),
                Some("application/rss+xml; charset=\"iso-8859-1\""),
                "<t>Café</t>",
            ),
            (
                "Content-Type KOI8-R",
                b"<t>\xf0\xd2\xc9\xd7\xc5\xd4</t>".to_vec(),
                Some("text/xml;charset=KOI8-R"),
                "<t>Привет</t>",
            ),
            (
                "windows-1252 labelled UTF-8",
                b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Caf\xe9 \x93quoted\x94</t>".to_vec(),
                None,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Café “quoted”</t>",
            ),
            (
                "mostly UTF-8 with one bad byte",
                b"<t>Erdo\xc4\x9fan \xc3\xa9t\xc3\xa9 \xff</t>".to_vec(),
                None,
                "<t>Erdoğan été \u{fffd}</t>",
            ),
            (
                "unknown label",
                b"<?xml version=\"1.0\" encoding=\"klingon\"?><t>Caf\xe9</t>".to_vec(),
                None,
                "<?xml version=\"1.0\" encoding=\"klingon\"?><t>Café</t>",
            ),
            (
                "UTF-16 declared on ASCII bytes",
                b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>Caf\xc3\xa9</t>".to_vec(),
                None,
                "<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>Café</t>",
            ),
            (
                "a stylesheet is not a declaration",
                b"<?xml-stylesheet encoding=\"latin1\"?><t>Caf\xc3\xa9</t>".to_vec(),
                None,
                "<?xml-stylesheet encoding=\"latin1\"?><t>Café</t>",
            ),
        ];
        for (what, bytes, content_type, expected) in cases {
            assert_eq!(decode(&bytes, content_type), expected, "{what}");
        }
    }

    #[test]
    fn charset_parameter() {
        let cases = [
            ("text/xml; charset=UTF-8", Some("UTF-8")),
            ("text/xml;Charset=\"latin1\"", Some("latin1")),
            ("text/xml", None),
            ("text/xml; charset=", None),
            ("text/xml; format=flowed; charset=koi8-r", Some("koi8-r")),
        ];
        for (content_type, expected) in cases {
            assert_eq!(charset(content_type), expected, "{content_type}");
        }
    }
}
