//! Feed bytes → UTF-8 text, before any parser sees them. feed-rs only reads UTF-8 well
//! (a UTF-16 document made its XML reader panic), while real feeds come in UTF-16 with a
//! BOM, in Latin-1 declared as such, and very often in windows-1252 *labelled* UTF-8.
//!
//! Which encoding wins: a byte order mark, then the XML declaration's `encoding=`, then
//! the `charset=` of the Content-Type, then UTF-8. Text that claims (or is assumed) to be
//! UTF-8 but is not gets a second look: mostly valid UTF-8 with a few bad bytes is decoded
//! with U+FFFD for them; otherwise its encoding is guessed from its bytes by chardetng.
//! Such a document is nearly always windows-1252, and the guess says so; but reading
//! every one that way turned a Cyrillic or CJK feed into mojibake that no watchlist could
//! match. Bytes that are not valid in the encoding they are labelled with
//! are as good as unlabelled, and get the same second look.
//!
//! The guess only runs on text no label reads, with one exception: a UTF-8 document, and
//! one valid in the encoding it names, is decoded as labelled with no detection. The
//! exception is the Latin-1 label (ISO-8859-1, windows-1252, and what encoding_rs reads as
//! them): it decodes any bytes, and it is the label a server or CMS puts on text by
//! default, so a Cyrillic or CJK feed served as Latin-1 would read as mojibake. Text with
//! that label and bytes beyond ASCII is therefore looked at by chardetng too, and read in
//! its guess when the guess is confident and of another script (Cyrillic, Greek, Hebrew,
//! Arabic, Thai, CJK). A guess of another Latin encoding (windows-1250 for a few `£“”`) is
//! not trusted over the label: there the label is the better evidence. Pure: no I/O.

use std::borrow::Cow;

use chardetng::EncodingDetector;
use encoding_rs::{
    Encoding, ISO_8859_2, ISO_8859_4, ISO_8859_13, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1250,
    WINDOWS_1252, WINDOWS_1254, WINDOWS_1257, WINDOWS_1258,
};

/// How far into the document the XML declaration may end.
const DECLARATION_WINDOW: usize = 1024;

/// The encodings chardetng may guess for text in the Latin script. Its guess overrides a
/// Latin-1 label only when it is none of these.
const LATIN_SCRIPT: [&Encoding; 9] = [
    WINDOWS_1252,
    WINDOWS_1250,
    WINDOWS_1254,
    WINDOWS_1257,
    WINDOWS_1258,
    ISO_8859_2,
    ISO_8859_4,
    ISO_8859_13,
    UTF_8,
];

/// The document as UTF-8 text, by the rules in the module doc. A byte order mark is
/// removed; an XML declaration is left as it is (its `encoding=` may now be wrong: the
/// caller rewrites it, see [`xml_declaration`]).
pub(crate) fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    let label = match declared_encoding(bytes) {
        Some(declared) => Some(declared),
        None => content_type.and_then(charset),
    };
    decode_labelled(bytes, label)
}

/// Text whose encoding `label` names (or nothing does), by the rules in the module doc
/// from the byte order mark on: the label is what the document's kind says, which for a
/// feed is its XML declaration or its Content-Type and for an HTML page its Content-Type
/// or a `<meta>` tag (`crate::article`).
pub(crate) fn decode_labelled<'a>(bytes: &'a [u8], label: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let rest = &bytes[bom_length..];
        return if encoding == UTF_8 {
            utf8_or_guessed(rest)
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
    // A label this text cannot be in (UTF-16 on bytes read as ASCII just now, or one that
    // encoding_rs knows only to refuse) is as good as none.
    match label.and_then(|l| Encoding::for_label(l.as_bytes())) {
        Some(encoding)
            if encoding.is_ascii_compatible()
                && encoding != UTF_8
                && encoding.name() != "replacement" =>
        {
            if encoding == WINDOWS_1252
                && !bytes.is_ascii()
                && let Some(script) = other_script(bytes)
            {
                return script.decode_without_bom_handling(bytes).0;
            }
            encoding
                .decode_without_bom_handling_and_without_replacement(bytes)
                .unwrap_or_else(|| utf8_or_guessed(bytes))
        }
        _ => utf8_or_guessed(bytes),
    }
}

/// Bytes meant to be UTF-8: as they are when valid; with U+FFFD for the bad bytes when
/// most of the non-ASCII text is valid; else in the encoding chardetng guesses for them
/// (most often windows-1252: Latin-1 labelled UTF-8).
fn utf8_or_guessed(bytes: &[u8]) -> Cow<'_, str> {
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
        guessed(bytes)
    }
}

/// Bytes in an encoding other than UTF-8 that nothing names, in the one chardetng guesses
/// from them. It is told no top-level domain (it then leans to windows-1252 where the bytes
/// do not say otherwise), and not to guess UTF-8, which these bytes are not.
fn guessed(bytes: &[u8]) -> Cow<'_, str> {
    let mut detector = EncodingDetector::new();
    detector.feed(bytes, true);
    detector
        .guess(None, false)
        .decode_without_bom_handling(bytes)
        .0
}

/// The encoding of text labelled Latin-1 when chardetng is confident it is in another
/// script; `None` when it reads as Latin text (see the module doc).
fn other_script(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut detector = EncodingDetector::new();
    detector.feed(bytes, true);
    let (guess, confident) = detector.guess_assess(None, false);
    (confident && !LATIN_SCRIPT.contains(&guess)).then_some(guess)
}

/// The `charset` parameter of a Content-Type value.
pub(crate) fn charset(content_type: &str) -> Option<&str> {
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

    /// A case of text written in an encoding: what it is, the encoding, an ASCII prolog
    /// (an XML declaration, or nothing), the text, and the Content-Type it is served with.
    type Encoded<'a> = (
        &'a str,
        &'static Encoding,
        &'a str,
        &'a str,
        Option<&'a str>,
    );

    /// Asserts that each case's bytes decode to its prolog and text.
    fn assert_decoded(cases: &[Encoded<'_>]) {
        for (what, encoding, prolog, text, content_type) in cases {
            let bytes = [prolog.as_bytes(), &encoding.encode(text).0].concat();
            assert_eq!(
                decode(&bytes, *content_type),
                format!("{prolog}{text}"),
                "{what}"
            );
        }
    }

    /// Regression: every body that was not UTF-8 and had no label that read it was taken
    /// for windows-1252, so a Cyrillic or CJK feed served without a charset (or with a
    /// wrong one) became mojibake that no watchlist could match.
    #[test]
    fn mislabelled_cyrillic_and_cjk_bodies_are_guessed_not_read_as_windows_1252() {
        use encoding_rs::{EUC_KR, GBK, KOI8_R, SHIFT_JIS, WINDOWS_1251};

        let russian = "<t>Переговоры в Анкаре о поставках С-400</t>";
        let japanese = "<t>東京で震度４の地震　新幹線は一時運転を見合わせ</t>";
        let chinese = "<t>北京时间今天上午，国家主席在人民大会堂会见了来访的外国领导人。</t>";
        let korean = "<t>서울에서 열린 정상회담에서 양국 정상은 경제 협력을 논의했다.</t>";
        let utf8_declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
        let cases: [Encoded; 6] = [
            ("windows-1251, no label", WINDOWS_1251, "", russian, None),
            (
                "KOI8-R declared UTF-8",
                KOI8_R,
                utf8_declaration,
                russian,
                None,
            ),
            (
                "windows-1251 served as UTF-8",
                WINDOWS_1251,
                "",
                russian,
                Some("text/xml; charset=utf-8"),
            ),
            ("Shift_JIS, no label", SHIFT_JIS, "", japanese, None),
            ("GBK declared UTF-8", GBK, utf8_declaration, chinese, None),
            (
                // Bytes the label cannot read are as good as no label.
                "EUC-KR served as Shift_JIS",
                EUC_KR,
                "",
                korean,
                Some("application/rss+xml; charset=Shift_JIS"),
            ),
        ];
        assert_decoded(&cases);
    }

    /// Regression: ISO-8859-1 is the label servers and CMSs put on text by default, and it
    /// reads any bytes, so a Cyrillic or CJK feed served with it was mojibake that no
    /// watchlist could match. Latin text with that label keeps it, even where chardetng
    /// would guess another Latin encoding.
    #[test]
    fn cyrillic_and_cjk_labelled_latin1_are_read_in_their_own_script() {
        use encoding_rs::{KOI8_R, SHIFT_JIS, WINDOWS_1251};

        let russian =
            "<t>Переговоры в Анкаре о поставках С-400 продолжатся на следующей неделе</t>";
        let japanese = "<t>東京で震度４の地震　新幹線は一時運転を見合わせ</t>";
        let latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>";
        let cases: [Encoded; 4] = [
            (
                "windows-1251 served as ISO-8859-1",
                WINDOWS_1251,
                "",
                russian,
                Some("text/xml; charset=ISO-8859-1"),
            ),
            ("KOI8-R declared ISO-8859-1", KOI8_R, latin1, russian, None),
            (
                "Shift_JIS served as windows-1252",
                SHIFT_JIS,
                "",
                japanese,
                Some("application/rss+xml; charset=windows-1252"),
            ),
            (
                "windows-1251 declared ISO-8859-1 beats a UTF-8 header",
                WINDOWS_1251,
                latin1,
                russian,
                Some("text/xml; charset=utf-8"),
            ),
        ];
        assert_decoded(&cases);

        let latin_texts = [
            "<t>Der Bundesrat hat am Freitag über die Änderung des Gesetzes für Straßen abgestimmt.</t>",
            "<t>Le président a annoncé une réforme des retraites à l'Élysée, après des mois de grève.</t>",
            "<t>El presidente anunció que España aumentará la inversión en energía eólica.</t>",
            "<t>Price: £25 “special offer”</t>",
        ];
        for text in latin_texts {
            let bytes = WINDOWS_1252.encode(text).0;
            assert_eq!(
                decode(&bytes, Some("text/xml; charset=ISO-8859-1")),
                text,
                "{text}"
            );
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
