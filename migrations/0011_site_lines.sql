-- Site furniture learned across pages (src/article/furniture.rs): for each site (a host
-- without `www.`), the lines of its articles seen on two pages or more, by fingerprint,
-- and on how many pages. A line seen on enough other pages of its site is dropped from
-- the text of the site's next articles. Lines not seen for as long as unmatched items are
-- kept go with retention.
CREATE TABLE site_lines (
    site    TEXT    NOT NULL,
    line    INTEGER NOT NULL,   -- the fingerprint of the line's folded words
    pages   INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,   -- when it was last counted (Unix seconds)
    PRIMARY KEY (site, line)
) WITHOUT ROWID;
