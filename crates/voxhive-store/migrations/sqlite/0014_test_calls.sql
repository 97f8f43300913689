-- Test calls started from VoxHive: which connection's call they are (so a live view and its
-- controls reach the right provider account, from any server instance), who started them with
-- which assistant, and whether a local revision was sent as a transient assistant.
CREATE TABLE test_calls (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id  INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    assistant_id   INTEGER REFERENCES assistants(id) ON DELETE SET NULL,
    -- The provider's call (conversation) id.
    remote_id      TEXT    NOT NULL,
    -- phone or websocket.
    transport      TEXT    NOT NULL,
    -- 1 when the assistant's local revision was sent as a transient assistant.
    transient      INTEGER NOT NULL,
    -- Where the browser streams audio, for a WebSocket call.
    websocket_url  TEXT,
    started_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (connection_id, remote_id)
);
CREATE INDEX test_calls_workspace ON test_calls(workspace_id, remote_id);
