-- Live config: the watchlist definitions (query and feed scope) whose recent items have
-- been matched. A watchlist of the config that is not here, or is here with another
-- definition, is new or changed: the daemon matches it against the items of its backfill
-- window and then records it here, in the same transaction as the last of those matches,
-- so a crash in between only repeats the work.
CREATE TABLE watchlists (
    name          TEXT    PRIMARY KEY,
    definition    TEXT    NOT NULL,
    backfilled_at INTEGER NOT NULL
);
