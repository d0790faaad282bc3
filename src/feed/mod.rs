//! Feeds: [`fetch`] gets the bytes (the I/O edge), [`parse`] turns them into items (pure).

pub mod fetch;
pub mod parse;
