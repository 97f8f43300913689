-- Test deliveries sent from the Webhooks page or the API: the last ones per URL, with the
-- answer (status, time, headers, the start of the body) or why none came.
CREATE TABLE webhook_tests (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    url              TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    signed           INTEGER NOT NULL,
    request_body     TEXT    NOT NULL,
    status_code      INTEGER,
    duration_ms      INTEGER NOT NULL,
    -- A JSON array of [name, value] pairs.
    response_headers TEXT    NOT NULL,
    response_body    TEXT    NOT NULL,
    body_truncated   INTEGER NOT NULL,
    -- Why it did not succeed; NULL for a 2xx answer.
    problem          TEXT,
    sent_at          INTEGER NOT NULL
);
CREATE INDEX webhook_tests_url ON webhook_tests(workspace_id, url, id);
