-- The recording archive: VoxHive keeps its own copy of each call's recording (providers delete
-- theirs after their retention). A failed download is recorded and tried again after a backoff.

ALTER TABLE calls ADD COLUMN recording_archive_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN recording_archive_error TEXT;
-- Not tried again before this instant (after a failure).
ALTER TABLE calls ADD COLUMN recording_archive_after BIGINT;

-- The calls still to archive: ended, a recording at the provider (Vapi: a URL; ElevenLabs: the
-- conversation has audio), no copy yet, contents not purged, attempts left. Its terms are
-- repeated word for word by the query that reads it.
CREATE INDEX calls_recording_to_archive ON calls(started_at, id)
    WHERE recording_key IS NULL AND contents_purged_at IS NULL AND recording_archive_attempts < 12
      AND status IN ('ended', 'failed')
      AND (recording_url IS NOT NULL OR (provider = 'elevenlabs' AND (document::json ->> 'has_audio') = 'true'));
