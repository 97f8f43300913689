-- Calls from every connection, stored once per (connection, provider call id); per-day rollups
-- kept exact by each upsert; full-text search over transcripts and summaries (FTS5); the
-- webhook event log; per-connection polling state; webhook secrets (sealed).

ALTER TABLE connections ADD COLUMN webhook_secret_sealed TEXT;
ALTER TABLE connections ADD COLUMN webhook_secret_last4 TEXT;

CREATE TABLE calls (
    id                       INTEGER PRIMARY KEY,
    workspace_id             INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id            INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    provider                 TEXT    NOT NULL,
    remote_id                TEXT    NOT NULL,
    remote_assistant_id      TEXT,
    assistant_id             INTEGER REFERENCES assistants(id) ON DELETE SET NULL,
    assistant_revision_id    INTEGER REFERENCES assistant_revisions(id) ON DELETE SET NULL,
    status                   TEXT    NOT NULL,
    direction                TEXT,
    customer_number          TEXT,
    started_at               INTEGER NOT NULL,
    ended_at                 INTEGER,
    created_at               INTEGER,
    remote_updated_at        INTEGER,
    duration_ms              INTEGER NOT NULL DEFAULT 0,
    ended_reason             TEXT,
    success                  BOOLEAN,
    cost_micro_usd           INTEGER NOT NULL DEFAULT 0,
    cost_credits             INTEGER NOT NULL DEFAULT 0,
    cost_transport_micro_usd INTEGER NOT NULL DEFAULT 0,
    cost_stt_micro_usd       INTEGER NOT NULL DEFAULT 0,
    cost_llm_micro_usd       INTEGER NOT NULL DEFAULT 0,
    cost_tts_micro_usd       INTEGER NOT NULL DEFAULT 0,
    cost_platform_micro_usd  INTEGER NOT NULL DEFAULT 0,
    llm_prompt_tokens        INTEGER NOT NULL DEFAULT 0,
    llm_completion_tokens    INTEGER NOT NULL DEFAULT 0,
    tts_characters           INTEGER NOT NULL DEFAULT 0,
    summary                  TEXT,
    transcript_text          TEXT,
    transcript               TEXT,
    analysis                 TEXT,
    recording_url            TEXT,
    recording_key            TEXT,
    document                 TEXT    NOT NULL,
    content_hash             TEXT    NOT NULL,
    day                      TEXT    NOT NULL,
    first_seen_at            INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    UNIQUE (connection_id, remote_id)
);
CREATE INDEX calls_workspace_started ON calls(workspace_id, started_at DESC, id DESC);
CREATE INDEX calls_workspace_duration ON calls(workspace_id, duration_ms, id);
CREATE INDEX calls_workspace_cost ON calls(workspace_id, cost_micro_usd, id);
CREATE INDEX calls_assistant ON calls(assistant_id, started_at, id);
CREATE INDEX calls_assistant_revision ON calls(assistant_revision_id) WHERE assistant_revision_id IS NOT NULL;
CREATE INDEX calls_workspace_status ON calls(workspace_id, status, started_at, id);
CREATE INDEX calls_workspace_reason ON calls(workspace_id, ended_reason, started_at, id);
CREATE INDEX calls_connection_started ON calls(connection_id, started_at, id);
CREATE INDEX calls_connection_assistant ON calls(connection_id, remote_assistant_id, started_at, id);

-- Full text over summary and transcript; external content (the text is stored once, in calls),
-- kept in step by the triggers below. No stemming, case-insensitive, diacritics kept, as the
-- 'simple' configuration on PostgreSQL.
CREATE VIRTUAL TABLE calls_fts USING fts5(
    summary, transcript_text,
    content = 'calls', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
    INSERT INTO calls_fts (rowid, summary, transcript_text) VALUES (new.id, new.summary, new.transcript_text);
END;
CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
    INSERT INTO calls_fts (calls_fts, rowid, summary, transcript_text)
    VALUES ('delete', old.id, old.summary, old.transcript_text);
END;
CREATE TRIGGER calls_fts_update AFTER UPDATE OF summary, transcript_text ON calls
WHEN old.summary IS NOT new.summary OR old.transcript_text IS NOT new.transcript_text BEGIN
    INSERT INTO calls_fts (calls_fts, rowid, summary, transcript_text)
    VALUES ('delete', old.id, old.summary, old.transcript_text);
    INSERT INTO calls_fts (rowid, summary, transcript_text) VALUES (new.id, new.summary, new.transcript_text);
END;

-- Per day (in the workspace's zone), connection and provider assistant id ('' for none).
-- Without rowid: the rows are kept in key order, so a period is one sequential range.
CREATE TABLE call_rollups (
    workspace_id             INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day                      TEXT    NOT NULL,
    connection_id            INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_assistant_id      TEXT    NOT NULL,
    calls                    INTEGER NOT NULL,
    duration_ms              INTEGER NOT NULL,
    cost_micro_usd           INTEGER NOT NULL,
    cost_credits             INTEGER NOT NULL,
    cost_transport_micro_usd INTEGER NOT NULL,
    cost_stt_micro_usd       INTEGER NOT NULL,
    cost_llm_micro_usd       INTEGER NOT NULL,
    cost_tts_micro_usd       INTEGER NOT NULL,
    cost_platform_micro_usd  INTEGER NOT NULL,
    successes                INTEGER NOT NULL,
    evaluated                INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day, connection_id, remote_assistant_id)
) WITHOUT ROWID;
CREATE INDEX call_rollups_connection ON call_rollups(connection_id);

-- Calls per ended reason ('' while a call has none), on the same keys.
CREATE TABLE call_reason_rollups (
    workspace_id        INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day                 TEXT    NOT NULL,
    connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_assistant_id TEXT    NOT NULL,
    ended_reason        TEXT    NOT NULL,
    calls               INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day, connection_id, remote_assistant_id, ended_reason)
) WITHOUT ROWID;
CREATE INDEX call_reason_rollups_connection ON call_reason_rollups(connection_id);

-- Webhook deliveries, written before they are acknowledged and processed by a job.
CREATE TABLE webhook_events (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    received_at   INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('received', 'processed', 'rejected', 'failed')),
    reason        TEXT,
    body          TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_until INTEGER,
    processed_at  INTEGER
);
CREATE INDEX webhook_events_pending ON webhook_events(id) WHERE status = 'received';
CREATE INDEX webhook_events_connection ON webhook_events(connection_id, received_at);

-- Polling: how far each connection's calls have been read, and the first backfill's progress.
CREATE TABLE call_sync_state (
    connection_id     INTEGER PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    watermark         INTEGER,
    backfill_status   TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (backfill_status IN ('pending', 'running', 'done', 'failed')),
    backfill_cursor   TEXT,
    backfill_progress INTEGER NOT NULL DEFAULT 0,
    backfill_total    INTEGER,
    last_poll_at      INTEGER,
    last_error        TEXT,
    updated_at        INTEGER NOT NULL
);
