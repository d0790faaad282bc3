-- Retention: what a feed still lists is never pruned. "New" means not seen in that feed
-- before (a sighting), so deleting the sighting of an article the feed still carries
-- would make it look new at the next poll that parses the feed, and send it again.
--
-- A poll that parses a feed's body sets the feed's `listed_at` to its time and the
-- `last_seen_at` of every sighting the body listed to the same time (one statement per
-- poll). A sighting is still listed while `last_seen_at >= listed_at`; a 304 or an
-- unchanged body lists the same items, and a failing feed is taken to list what it listed
-- last, so neither changes anything. Only sightings a later body left out age, from the
-- last time a body listed them.

ALTER TABLE sightings ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE sightings SET last_seen_at = seen_at;

-- When a body of the feed was last parsed; NULL until the first one after this step,
-- and while NULL nothing of the feed is known to be unlisted, so none of it is pruned.
ALTER TABLE feeds ADD COLUMN listed_at INTEGER;

-- What each feed lists now is not known for the items stored before this step: forget
-- the validators, so that the next poll of every feed fetches and parses its body and
-- records it.
UPDATE feeds SET etag = NULL, last_modified = NULL, body_hash = NULL;
