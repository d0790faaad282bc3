-- What makes this database's ids its own: a random id drawn once, when the database is
-- created or first upgraded to this version. The ids a watchlist's Atom feed gives its
-- entries carry it, so that they are unique across installations and a new database
-- (whose story ids start again from 1) never reuses another's.
CREATE TABLE instance (
    id TEXT NOT NULL   -- 32 hex digits
);
INSERT INTO instance (id) VALUES (lower(hex(randomblob(16))));
