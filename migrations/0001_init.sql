-- The first schema: feeds with their fetch state, the items seen in them, the matches the
-- watchlists found, and the digests delivered. Times are Unix seconds (UTC).

CREATE TABLE feeds (
    id                   INTEGER PRIMARY KEY,
    url                  TEXT    NOT NULL UNIQUE,   -- as written in the config
    name                 TEXT    NOT NULL,
    etag                 TEXT,                      -- validators for conditional GET
    last_modified        TEXT,
    body_hash            TEXT,                      -- SHA-256 of the last body parsed
    last_polled_at       INTEGER,
    last_success_at      INTEGER,
    last_status          INTEGER,                   -- HTTP status of the last response
    last_error           TEXT,
    last_error_at        INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due_at          INTEGER,
    items_seen           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES feeds(id),
    identity      TEXT    NOT NULL,                 -- guid, else canonical link, else hash
    guid          TEXT,
    link          TEXT,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,                 -- summary and content as plain text
    published_at  INTEGER,
    first_seen_at INTEGER NOT NULL,
    UNIQUE (feed_id, identity)
);

CREATE INDEX items_first_seen ON items (first_seen_at);

CREATE TABLE matches (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES items(id),
    watchlist     TEXT    NOT NULL,
    matched_terms TEXT    NOT NULL,                 -- JSON array of strings
    snippet       TEXT    NOT NULL,
    highlights    TEXT    NOT NULL,                 -- JSON array of [start, end) byte ranges
    matched_at    INTEGER NOT NULL,
    UNIQUE (item_id, watchlist)
);

CREATE INDEX matches_watchlist_time ON matches (watchlist, matched_at);

CREATE TABLE digests (
    name        TEXT    PRIMARY KEY,
    created_at  INTEGER NOT NULL,                   -- matches before this are not sent
    last_run_at INTEGER
);

CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY,
    digest     TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    recipients TEXT    NOT NULL,                    -- comma-separated
    sent_at    INTEGER NOT NULL
);

CREATE TABLE delivery_matches (
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
    match_id    INTEGER NOT NULL REFERENCES matches(id),
    PRIMARY KEY (delivery_id, match_id)
);

CREATE INDEX delivery_matches_match ON delivery_matches (match_id);
