-- What the leader has seen of each meeting: when they last opened it and which version
-- of each document it had then. The meeting view and the list mark what is new or has
-- a new version since (a document the secretary added or replaced after the leader read
-- the dossier). The leader's own reading history: kept across a full resync, dropped
-- with the meeting when it leaves the device.
-- Never edit once landed: add a new migration.
CREATE TABLE meeting_seen (
    meeting_id TEXT PRIMARY KEY,
    opened_at  TEXT NOT NULL
);

CREATE TABLE document_seen (
    document_id TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL,
    version     INTEGER NOT NULL
);
CREATE INDEX document_seen_meeting ON document_seen (meeting_id);
