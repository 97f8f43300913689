-- Phone numbers as last read from each connection's provider. The provider is the source of
-- truth: VoxHive changes a number there first and keeps this copy for the list, the filters
-- and the call statistics. The provider's document is kept whole.
CREATE TABLE phone_numbers (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_id           TEXT    NOT NULL,
    -- E.164, or a SIP URI; NULL while a bought number is being assigned.
    number              TEXT,
    -- Who carries it: vapi, twilio, vonage, telnyx, byo-phone-number, sip_trunk.
    carrier             TEXT    NOT NULL,
    name                TEXT,
    remote_assistant_id TEXT,
    -- Vapi squads are kept as the provider's id.
    remote_squad_id     TEXT,
    server_url          TEXT,
    status              TEXT,
    document            TEXT    NOT NULL,
    refreshed_at        INTEGER NOT NULL,
    UNIQUE (connection_id, remote_id)
);
CREATE INDEX phone_numbers_workspace ON phone_numbers(workspace_id, number);

-- The number a call came in on or went out from, by the provider's id; the index answers the
-- list's calls and cost of the last 30 days per number without reading the calls.
ALTER TABLE calls ADD COLUMN remote_phone_number_id TEXT;
CREATE INDEX calls_phone_number ON calls(connection_id, remote_phone_number_id, started_at, cost_micro_usd)
    WHERE remote_phone_number_id IS NOT NULL;
