//! The watchlist query language: parse, compile every watchlist into one matcher, match.
//! (Placeholder: being written.)

use crate::model::Hit;

/// A parsed watchlist query.
#[derive(Debug, Clone)]
pub struct Query {
    source: String,
}

/// Why a query does not parse, with the 1-based character position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct QueryError {
    pub position: usize,
    pub message: String,
}

impl Query {
    pub fn parse(source: &str) -> Result<Query, QueryError> {
        Ok(Query {
            source: source.to_string(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Which text of an item an occurrence was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Body,
}

/// One place where a positive term of some query occurs, as byte offsets into the
/// original (not normalised) title or body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub query: usize,
    pub term: String,
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

/// Every watchlist's query compiled together.
#[derive(Debug)]
pub struct Watcher {
    queries: Vec<Query>,
}

impl Watcher {
    pub fn new(queries: &[Query]) -> Watcher {
        Watcher {
            queries: queries.to_vec(),
        }
    }

    pub fn match_document(&self, _title: &str, _body: &str) -> Vec<Hit> {
        let _ = &self.queries;
        Vec::new()
    }

    pub fn occurrences(&self, _title: &str, _body: &str) -> Vec<Occurrence> {
        Vec::new()
    }
}
