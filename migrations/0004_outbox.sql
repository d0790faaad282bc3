-- Delivery per recipient, through an outbox. A digest run renders one message for each
-- recipient and commits it here, with the matches it covers, before anything is sent; the
-- sender then sends each pending message and marks it. A crash at any point leaves either
-- nothing (the run is done again) or the very message to send again.

-- A digest's recipients, and from when on matches are theirs: a recipient added later
-- gets the digest's backfill, not its whole history.
CREATE TABLE recipients (
    digest   TEXT    NOT NULL,
    address  TEXT    NOT NULL,                     -- the address alone, lower case
    added_at INTEGER NOT NULL,
    since    INTEGER NOT NULL,                     -- matches recorded from then on
    PRIMARY KEY (digest, address)
) WITHOUT ROWID;

-- Set once a digest's recipients have been registered. The first time, recipients of a
-- digest from before this migration start where the digest started, so that nothing it
-- had not sent yet is lost; later, a new recipient starts from its backfill.
ALTER TABLE digests ADD COLUMN recipients_synced INTEGER NOT NULL DEFAULT 0;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,           -- also the sending order
    kind            TEXT    NOT NULL,              -- 'digest' or 'alert'
    digest          TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,              -- the address alone, lower case
    message_id      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    sender          TEXT    NOT NULL,              -- the envelope sender
    message         BLOB    NOT NULL,              -- exactly the bytes sent, every time
    created_at      INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending', -- 'pending', 'sent' or 'failed'
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    sent_at         INTEGER
);

CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
CREATE INDEX outbox_recipient ON outbox (recipient, kind, created_at);

-- The matches a message covers. A match covered by any message to a recipient is never
-- put in another message to them.
CREATE TABLE outbox_matches (
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    match_id  INTEGER NOT NULL REFERENCES matches(id),
    PRIMARY KEY (outbox_id, match_id)
) WITHOUT ROWID;

CREATE INDEX outbox_matches_match ON outbox_matches (match_id);

-- Earlier deliveries become sent messages, one per recipient. Their recipients were
-- stored as "Name <address>, address, ...".
WITH RECURSIVE split (delivery_id, one, rest) AS (
    SELECT id, '', recipients || ', ' FROM deliveries
    UNION ALL
    SELECT delivery_id, substr(rest, 1, instr(rest, ', ') - 1),
           substr(rest, instr(rest, ', ') + 2)
    FROM split WHERE rest <> ''
), addresses (delivery_id, address) AS (
    SELECT delivery_id,
           lower(trim(CASE WHEN instr(one, '<') > 0
                           THEN substr(one, instr(one, '<') + 1,
                                       instr(one, '>') - instr(one, '<') - 1)
                           ELSE one END))
    FROM split WHERE one <> ''
)
INSERT INTO outbox (kind, digest, recipient, message_id, subject, sender, message,
                    created_at, state, next_attempt_at, sent_at)
SELECT 'digest', d.digest, a.address, d.message_id, d.subject, '', x'', d.sent_at, 'sent',
       d.sent_at, d.sent_at
FROM addresses a JOIN deliveries d ON d.id = a.delivery_id
ORDER BY d.id;

INSERT INTO outbox_matches (outbox_id, match_id)
    SELECT o.id, dm.match_id
    FROM outbox o
    JOIN deliveries d ON d.digest = o.digest AND d.message_id = o.message_id
    JOIN delivery_matches dm ON dm.delivery_id = d.id;

INSERT OR IGNORE INTO recipients (digest, address, added_at, since)
    SELECT o.digest, o.recipient, dg.created_at, dg.created_at
    FROM outbox o JOIN digests dg ON dg.name = o.digest;

DROP TABLE delivery_matches;
DROP TABLE deliveries;
