-- Assistants kept locally with three content hashes (base: last synced, local, remote) and
-- their immutable revisions (each a whole provider document).

CREATE TABLE assistants (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id       BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id      BIGINT  NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_id          TEXT,
    name               TEXT    NOT NULL,
    sync_status        TEXT    NOT NULL CHECK (sync_status IN
                       ('synced', 'modified', 'outdated', 'conflict', 'new', 'remote_deleted', 'syncing', 'error')),
    base_hash          TEXT,
    local_hash         TEXT    NOT NULL,
    remote_hash        TEXT,
    base_revision_id   BIGINT,
    local_revision_id  BIGINT  NOT NULL,
    remote_revision_id BIGINT,
    last_error         TEXT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    UNIQUE (connection_id, remote_id)
);
CREATE INDEX assistants_workspace ON assistants(workspace_id, name);

CREATE TABLE assistant_revisions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assistant_id BIGINT  NOT NULL REFERENCES assistants(id) ON DELETE CASCADE,
    hash         TEXT    NOT NULL,
    document     TEXT    NOT NULL,
    source       TEXT    NOT NULL CHECK (source IN ('import', 'local', 'pull', 'rollback', 'merge', 'create')),
    author_id    BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX assistant_revisions_assistant ON assistant_revisions(assistant_id, id);
