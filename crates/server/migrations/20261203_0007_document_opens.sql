-- Who opened which document, when, on which device: sent by devices with their sync.
-- The id is the device's, so a resent open is recorded once.
CREATE TABLE document_opens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    token_id    TEXT NOT NULL,
    meeting_id  TEXT NOT NULL,
    document_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    version     INTEGER,
    opened_at   TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX document_opens_meeting ON document_opens (meeting_id, opened_at);
