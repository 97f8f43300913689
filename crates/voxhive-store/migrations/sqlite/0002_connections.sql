-- Provider connections with sealed API keys, the master-key check, and each member's
-- chosen connection (NULL: all connections).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE connections (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    provider            TEXT    NOT NULL CHECK (provider IN ('vapi', 'elevenlabs')),
    label               TEXT    NOT NULL,
    base_url            TEXT,
    api_key_sealed      TEXT    NOT NULL,
    key_last4           TEXT    NOT NULL,
    usd_per_credit_nano INTEGER,
    last_verified_at    INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (workspace_id, label)
);
CREATE INDEX connections_workspace ON connections(workspace_id);

ALTER TABLE memberships ADD COLUMN active_connection_id INTEGER REFERENCES connections(id) ON DELETE SET NULL;
