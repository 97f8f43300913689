-- Monthly budgets per workspace, connection or assistant; the alerts already sent (one per
-- budget, month and threshold, whichever instance notices first); where alerts go; how long
-- transcripts and recordings are kept, and which calls' contents retention has deleted.

ALTER TABLE workspaces ADD COLUMN alert_webhook_url TEXT;
ALTER TABLE workspaces ADD COLUMN retention_days BIGINT;
-- When retention deleted the call's transcript and recording: a later poll never brings them back.
ALTER TABLE calls ADD COLUMN contents_purged_at BIGINT;

CREATE TABLE budgets (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id      BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    scope             TEXT    NOT NULL CHECK (scope IN ('workspace', 'connection', 'assistant')),
    connection_id     BIGINT REFERENCES connections(id) ON DELETE CASCADE,
    assistant_id      BIGINT REFERENCES assistants(id) ON DELETE CASCADE,
    -- 'workspace', 'connection:<id>' or 'assistant:<id>': one budget per thing.
    scope_key         TEXT    NOT NULL,
    amount_micro_usd  BIGINT NOT NULL CHECK (amount_micro_usd > 0),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (workspace_id, scope_key)
);

CREATE TABLE budget_alerts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    budget_id     BIGINT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
    -- The month, 'YYYY-MM' in the workspace's zone.
    period        TEXT    NOT NULL,
    -- '50', '80', '100' or 'projected'.
    threshold     TEXT    NOT NULL,
    spent_micro_usd BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    -- 'pending', 'sent', 'failed' or 'skipped' (no notification webhook set).
    delivery      TEXT    NOT NULL DEFAULT 'pending',
    delivery_error TEXT,
    UNIQUE (budget_id, period, threshold)
);
