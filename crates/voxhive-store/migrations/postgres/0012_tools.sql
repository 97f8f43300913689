-- Function-calling tools as last read from each connection's provider, which is the source of
-- truth: VoxHive changes a tool there first and keeps this copy for the list and the filters.
CREATE TABLE tools (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id BIGINT  NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_id     TEXT    NOT NULL,
    -- Vapi's type (function, apiRequest, transferCall, endCall, dtmf, query, …) or ElevenLabs'
    -- tool_config.type (webhook, client, system, mcp).
    kind          TEXT    NOT NULL,
    name          TEXT,
    description   TEXT,
    server_url    TEXT,
    document      TEXT    NOT NULL,
    refreshed_at  BIGINT  NOT NULL,
    UNIQUE (connection_id, remote_id)
);
CREATE INDEX tools_workspace ON tools(workspace_id, kind, name);
