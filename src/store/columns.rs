//! How the values that do not map onto one SQL type are read back from their columns: JSON
//! arrays the store wrote itself, and the feeds an item was seen in. Shared by the readers
//! of matches ([`super::items`]) and of stories ([`super::stories`]), which otherwise do
//! not need each other.

use rusqlite::Row;

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
