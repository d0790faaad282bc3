//! Feeds: [`fetch`] gets the bytes, [`parse`] turns them into items.
