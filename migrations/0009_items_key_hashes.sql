-- An article is found again by its canonical link, its guid or its title. Those lookups
-- indexed the text of each key: at 400,000 items the three indexes held 75 MB, and since
-- a new item's keys land on random pages of each, every batch of polls rewrote most of
-- them. They now index a 64-bit hash of each key (filled in by the store, which compares
-- the full keys of the rows a hash finds), a quarter of the size. A guid that is the
-- item's link, as most are, is not indexed twice: it is looked for under the link too.
ALTER TABLE items ADD COLUMN link_hash INTEGER;
ALTER TABLE items ADD COLUMN guid_hash INTEGER;
ALTER TABLE items ADD COLUMN title_hash INTEGER;

DROP INDEX items_canonical_link;
DROP INDEX items_guid;
DROP INDEX items_title_key;

CREATE INDEX items_link_hash ON items (link_hash) WHERE link_hash IS NOT NULL;
CREATE INDEX items_guid_hash ON items (guid_hash) WHERE guid_hash IS NOT NULL;
CREATE INDEX items_title_hash ON items (title_hash, event_at) WHERE title_hash IS NOT NULL;

-- Items are looked up by story only once grouped; most never are (they matched nothing).
DROP INDEX items_story;
CREATE INDEX items_story ON items (story_id, event_at) WHERE story_id IS NOT NULL;
