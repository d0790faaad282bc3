-- Full text: the article behind a new item's link is fetched, and its text becomes the
-- item's body (what matching, snippets, stories and backfill read), under the item's
-- retention.

-- When the body became the text of the item's article; NULL while it is the feed's text.
-- Another feed's item on the same link takes that text instead of fetching it again.
ALTER TABLE items ADD COLUMN article_at INTEGER;

-- Articles that could not be read while their item was new (a failure, a page too slow, a
-- consent wall): fetched once more at `next_attempt_at`. Written in the transaction of the
-- poll that found the item and removed in the one that stores the article, so a crash
-- loses none and reads none twice. A row given up on is kept (for `newshound feeds`) and
-- goes with its item.
CREATE TABLE article_retries (
    item_id         INTEGER PRIMARY KEY REFERENCES items(id),
    feed_id         INTEGER NOT NULL REFERENCES feeds(id),  -- the feed whose poll found it
    url             TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error_kind TEXT    NOT NULL,                       -- timeout, http, stub, slow, …
    last_error      TEXT    NOT NULL,
    given_up_at     INTEGER
);

CREATE INDEX article_retries_due ON article_retries (next_attempt_at) WHERE given_up_at IS NULL;

-- What became of each feed's articles, for `newshound feeds`: how many were read, failed
-- (by kind) or skipped (by reason: not HTML, beyond a first poll's bounds, …).
CREATE TABLE article_counts (
    feed_id INTEGER NOT NULL REFERENCES feeds(id),
    result  TEXT    NOT NULL,                               -- 'read', 'failed', 'skipped'
    kind    TEXT    NOT NULL,                               -- '' for read
    count   INTEGER NOT NULL,
    PRIMARY KEY (feed_id, result, kind)
) WITHOUT ROWID;
