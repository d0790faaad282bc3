-- Coverage, not items: an article reached through several feeds is one item with several
-- sightings, and items that report one event are grouped into a story.

-- Every (feed, identity) ever seen, and the item it turned out to be. The item keeps the
-- feed and identity of its first sighting.
CREATE TABLE sightings (
    feed_id  INTEGER NOT NULL REFERENCES feeds(id),
    identity TEXT    NOT NULL,
    item_id  INTEGER NOT NULL REFERENCES items(id),
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (feed_id, identity)
) WITHOUT ROWID;

CREATE INDEX sightings_item ON sightings (item_id);

INSERT INTO sightings (feed_id, identity, item_id, seen_at)
    SELECT feed_id, identity, id, first_seen_at FROM items;

CREATE TABLE stories (
    id         INTEGER PRIMARY KEY,
    first_at   INTEGER NOT NULL,                    -- time of its earliest item
    last_at    INTEGER NOT NULL,                    -- time of its latest item
    created_at INTEGER NOT NULL
);

CREATE INDEX stories_last ON stories (last_at);

-- What makes two items one article, filled in by the store: the link without tracking
-- parameters and cosmetic differences, and the title folded for comparison.
ALTER TABLE items ADD COLUMN canonical_link TEXT;
ALTER TABLE items ADD COLUMN title_key TEXT;
-- When the item happened: its published date unless that is later than when it was first
-- seen, else when it was first seen. Stories are grouped and windowed by it.
ALTER TABLE items ADD COLUMN event_at INTEGER;
ALTER TABLE items ADD COLUMN story_id INTEGER REFERENCES stories(id);

UPDATE items SET event_at = CASE
    WHEN published_at IS NOT NULL AND published_at <= first_seen_at THEN published_at
    ELSE first_seen_at END;

CREATE INDEX items_canonical_link ON items (canonical_link);
CREATE INDEX items_guid ON items (guid);
CREATE INDEX items_title_key ON items (title_key, event_at);
CREATE INDEX items_story ON items (story_id, event_at);
CREATE INDEX items_grouped_event ON items (event_at) WHERE story_id IS NOT NULL;

-- Matched items waiting to be grouped into a story. Written in the same transaction as
-- their first match, consumed by the grouping step, so a crash in between loses nothing.
CREATE TABLE story_queue (
    item_id INTEGER PRIMARY KEY REFERENCES items(id)
);

-- Matches of the last fortnight are grouped; older ones were sent long ago.
INSERT INTO story_queue (item_id)
    SELECT DISTINCT item_id FROM matches
    WHERE matched_at >= (SELECT MAX(matched_at) FROM matches) - 14 * 86400;
