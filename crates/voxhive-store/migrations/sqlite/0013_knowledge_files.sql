-- Knowledge-base files as last read from each connection's provider (Vapi files, ElevenLabs
-- documents), which is the source of truth: VoxHive uploads and deletes there first and keeps
-- this copy for the list, with the parsing or indexing status it last saw.
CREATE TABLE knowledge_files (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_id     TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    -- file, url or text (ElevenLabs documents can come from each).
    source        TEXT    NOT NULL,
    mimetype      TEXT,
    bytes         INTEGER,
    -- Vapi's word: processing, done or failed; an ElevenLabs document, which has no parsing
    -- status in its list, is done.
    status        TEXT    NOT NULL,
    document      TEXT    NOT NULL,
    refreshed_at  INTEGER NOT NULL,
    UNIQUE (connection_id, remote_id)
);
CREATE INDEX knowledge_files_workspace ON knowledge_files(workspace_id, name);
