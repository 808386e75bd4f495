-- Client local store, first version. Never edit once landed: add a new migration.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Entities hold the server's JSON (`data`) plus the columns we query by.
CREATE TABLE meetings (
    id        TEXT PRIMARY KEY,
    starts_at INTEGER NOT NULL, -- unix seconds, for ordering
    data      TEXT NOT NULL
);

CREATE TABLE agenda_items (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    position   INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

CREATE TABLE participants (
    meeting_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    meeting_id     TEXT NOT NULL,
    agenda_item_id TEXT,
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    data           TEXT NOT NULL
);
CREATE INDEX documents_meeting ON documents (meeting_id);
CREATE INDEX documents_sha ON documents (sha256);

-- A row here means: the file blobs/<sha[0..2]>/<sha> exists, was hashed in full and
-- matched, was fsynced and renamed into place. Nothing else makes a document available.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    verified_at TEXT NOT NULL
);
