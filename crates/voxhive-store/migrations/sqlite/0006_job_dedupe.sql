-- At most one pending (queued or running) job per dedupe key, such as one call sync per
-- connection, however many instances enqueue it at once.
ALTER TABLE jobs ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX jobs_pending_dedupe ON jobs(dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
