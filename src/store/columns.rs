//! How the values that do not map onto one SQL type are read back from their columns: JSON
//! arrays the store wrote itself, the feeds an item was seen in, and an item's body, which
//! is the feed's text or its article's text compressed. Shared by the readers of matches
//! ([`super::items`]), of stories ([`super::stories`]) and of items' text, which otherwise
//! do not need each other.
//!
//! An article's text is stored compressed (zlib, fast): measured on the benchmark corpus
//! of 40,000 items, reading the articles took the database from 3,005 to 6,001 bytes an
//! item (the text from 1,606 to 4,668), and the articles' text compresses 2.1 times, for
//! about 3 CPU-s per 40,000 articles (a fifth of the CPU of the first poll that fetched
//! them) and a fraction of that to read back. A feed's own text stays plain: compressing
//! it would make a poll without full text cost more than it did.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use rusqlite::Row;
use rusqlite::types::{Type, Value, ValueRef};

/// The feeds an item appeared in, the feed of its first sighting first, each once.
pub(super) fn outlets_of(first: &str, seen: Vec<String>) -> Vec<String> {
    let mut feeds = vec![first.to_string()];
    for feed in seen {
        if !feeds.contains(&feed) {
            feeds.push(feed);
        }
    }
    feeds
}

/// An item's body as it is stored: an article's text compressed, as a BLOB; the feed's
/// text as TEXT.
pub(super) fn stored_body(text: &str, article: bool) -> Value {
    if !article {
        return Value::Text(text.to_string());
    }
    let mut packed = ZlibEncoder::new(Vec::new(), Compression::fast());
    // Writing to memory cannot fail.
    let _ = packed.write_all(text.as_bytes());
    Value::Blob(packed.finish().unwrap_or_default())
}

/// An item's body, read back from either form [`stored_body`] writes.
pub(super) fn body(r: &Row, index: usize) -> rusqlite::Result<String> {
    let failed = |kind, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(index, kind, e)
    };
    match r.get_ref(index)? {
        ValueRef::Text(bytes) => {
            String::from_utf8(bytes.to_vec()).map_err(|e| failed(Type::Text, Box::new(e)))
        }
        ValueRef::Blob(bytes) => {
            let mut text = String::new();
            ZlibDecoder::new(bytes)
                .read_to_string(&mut text)
                .map_err(|e| failed(Type::Blob, Box::new(e)))?;
            Ok(text)
        }
        other => Err(rusqlite::Error::InvalidColumnType(
            index,
            "body".into(),
            other.data_type(),
        )),
    }
}

/// A column of JSON the store wrote, parsed; text that does not parse is reported as a
/// conversion error of that column, as a value of the wrong type would be.
pub(super) fn json_column<T: serde::de::DeserializeOwned>(
    r: &Row,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = r.get(index)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}
