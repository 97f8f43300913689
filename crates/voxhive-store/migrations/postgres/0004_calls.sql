-- Calls from every connection, stored once per (connection, provider call id); per-day rollups
-- kept exact by each upsert; full-text search over transcripts and summaries (a generated
-- tsvector with a GIN index); the webhook event log; per-connection polling state; webhook
-- secrets (sealed).

ALTER TABLE connections ADD COLUMN webhook_secret_sealed TEXT;
ALTER TABLE connections ADD COLUMN webhook_secret_last4 TEXT;

CREATE TABLE calls (
    id                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id             BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id            BIGINT  NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    provider                 TEXT    NOT NULL,
    remote_id                TEXT    NOT NULL,
    remote_assistant_id      TEXT,
    assistant_id             BIGINT  REFERENCES assistants(id) ON DELETE SET NULL,
    assistant_revision_id    BIGINT  REFERENCES assistant_revisions(id) ON DELETE SET NULL,
    status                   TEXT    NOT NULL,
    direction                TEXT,
    customer_number          TEXT,
    started_at               BIGINT  NOT NULL,
    ended_at                 BIGINT,
    created_at               BIGINT,
    remote_updated_at        BIGINT,
    duration_ms              BIGINT  NOT NULL DEFAULT 0,
    ended_reason             TEXT,
    success                  BOOLEAN,
    cost_micro_usd           BIGINT  NOT NULL DEFAULT 0,
    cost_credits             BIGINT  NOT NULL DEFAULT 0,
    cost_transport_micro_usd BIGINT  NOT NULL DEFAULT 0,
    cost_stt_micro_usd       BIGINT  NOT NULL DEFAULT 0,
    cost_llm_micro_usd       BIGINT  NOT NULL DEFAULT 0,
    cost_tts_micro_usd       BIGINT  NOT NULL DEFAULT 0,
    cost_platform_micro_usd  BIGINT  NOT NULL DEFAULT 0,
    llm_prompt_tokens        BIGINT  NOT NULL DEFAULT 0,
    llm_completion_tokens    BIGINT  NOT NULL DEFAULT 0,
    tts_characters           BIGINT  NOT NULL DEFAULT 0,
    summary                  TEXT,
    transcript_text          TEXT,
    transcript               TEXT,
    analysis                 TEXT,
    recording_url            TEXT,
    recording_key            TEXT,
    document                 TEXT    NOT NULL,
    content_hash             TEXT    NOT NULL,
    day                      TEXT    NOT NULL,
    first_seen_at            BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL,
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

-- Full text over summary and transcript: no stemming, case-insensitive ('simple'), words split
-- at punctuation as FTS5's unicode61 tokenizer splits them on SQLite (the default parser would
-- keep an e-mail address, a URL or 3.50 as one word). The input is capped so one huge
-- transcript cannot overflow a tsvector (1 MB).
ALTER TABLE calls ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, translate(
        left(coalesce(summary, '') || ' ' || coalesce(transcript_text, ''), 262144),
        '@./:_-+<>&;=?#%~', '                '))
) STORED;
CREATE INDEX calls_search ON calls USING GIN (search);
-- Statistics for 10,000 words rather than 1,000, so the planner tells a rare word from a
-- common one (the search picks its plan from the estimate).
ALTER TABLE calls ALTER COLUMN search SET STATISTICS 1000;

-- Per day (in the workspace's zone), connection and provider assistant id ('' for none).
CREATE TABLE call_rollups (
    workspace_id             BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day                      TEXT    NOT NULL,
    connection_id            BIGINT  NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_assistant_id      TEXT    NOT NULL,
    calls                    BIGINT  NOT NULL,
    duration_ms              BIGINT  NOT NULL,
    cost_micro_usd           BIGINT  NOT NULL,
    cost_credits             BIGINT  NOT NULL,
    cost_transport_micro_usd BIGINT  NOT NULL,
    cost_stt_micro_usd       BIGINT  NOT NULL,
    cost_llm_micro_usd       BIGINT  NOT NULL,
    cost_tts_micro_usd       BIGINT  NOT NULL,
    cost_platform_micro_usd  BIGINT  NOT NULL,
    successes                BIGINT  NOT NULL,
    evaluated                BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, day, connection_id, remote_assistant_id)
);
CREATE INDEX call_rollups_connection ON call_rollups(connection_id);

-- Calls per ended reason ('' while a call has none), on the same keys.
CREATE TABLE call_reason_rollups (
    workspace_id        BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day                 TEXT    NOT NULL,
    connection_id       BIGINT  NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_assistant_id TEXT    NOT NULL,
    ended_reason        TEXT    NOT NULL,
    calls               BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, day, connection_id, remote_assistant_id, ended_reason)
);
CREATE INDEX call_reason_rollups_connection ON call_reason_rollups(connection_id);

-- Webhook deliveries, written before they are acknowledged and processed by a job.
CREATE TABLE webhook_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id BIGINT  NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    received_at   BIGINT  NOT NULL,
    kind          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('received', 'processed', 'rejected', 'failed')),
    reason        TEXT,
    body          TEXT    NOT NULL,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    claimed_until BIGINT,
    processed_at  BIGINT
);
CREATE INDEX webhook_events_pending ON webhook_events(id) WHERE status = 'received';
CREATE INDEX webhook_events_connection ON webhook_events(connection_id, received_at);

-- Polling: how far each connection's calls have been read, and the first backfill's progress.
CREATE TABLE call_sync_state (
    connection_id     BIGINT  PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    watermark         BIGINT,
    backfill_status   TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (backfill_status IN ('pending', 'running', 'done', 'failed')),
    backfill_cursor   TEXT,
    backfill_progress BIGINT  NOT NULL DEFAULT 0,
    backfill_total    BIGINT,
    last_poll_at      BIGINT,
    last_error        TEXT,
    updated_at        BIGINT  NOT NULL
);
