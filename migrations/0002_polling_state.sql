-- What polite, never-give-up polling needs to remember about each feed: its current
-- adaptive interval and the server's own refresh hint, when its current run of failures
-- began (a feed failing long enough is flagged, never dropped), what kind of error it last
-- had, whether the server said it is gone (410), and where a permanent redirect points
-- (adopted as the URL polled once it has held for a while).

ALTER TABLE feeds ADD COLUMN interval_secs      INTEGER;  -- current adaptive interval
ALTER TABLE feeds ADD COLUMN refresh_hint_secs  INTEGER;  -- <ttl> / sy:updatePeriod
ALTER TABLE feeds ADD COLUMN last_error_kind    TEXT;     -- timeout, dns, http, malformed, …
ALTER TABLE feeds ADD COLUMN failing_since      INTEGER;  -- first failure of the current run
ALTER TABLE feeds ADD COLUMN gone_since         INTEGER;  -- 410 Gone, until a success
ALTER TABLE feeds ADD COLUMN moved_to           TEXT;     -- target of a permanent redirect
ALTER TABLE feeds ADD COLUMN moved_since        INTEGER;  -- since when it has held
ALTER TABLE feeds ADD COLUMN fetch_url          TEXT;     -- adopted new URL; NULL: `url`
ALTER TABLE feeds ADD COLUMN last_new_item_at   INTEGER;  -- last poll that brought new items
ALTER TABLE feeds ADD COLUMN polls              INTEGER NOT NULL DEFAULT 0;
