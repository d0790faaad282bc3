-- With live config, a recipient can vanish from the config for a moment (an edit saved
-- halfway, a deploy that replaces conf.d/ file by file). A recipient no longer configured
-- is marked removed rather than deleted, and one configured again within a grace period
-- (RECIPIENT_GRACE in src/store/digests.rs) carries on from where it was: nothing it was
-- owed is lost. Rows removed for longer are deleted; added again after that, a recipient
-- starts afresh from the digest's backfill.
ALTER TABLE recipients ADD COLUMN removed_at INTEGER;
