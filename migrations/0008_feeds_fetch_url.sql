-- Loading the config looks up, for every configured feed, a feed that moved to its URL.
-- Without an index that was a scan of the feeds table per feed: 10,000 feeds took
-- seconds at every start and every reload.
CREATE INDEX feeds_fetch_url ON feeds (fetch_url) WHERE fetch_url IS NOT NULL;
