-- Office server schema, first version. Never edit once landed: add a new migration.

CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One server-wide change counter. Every write transaction bumps it inside the
-- transaction, so change sequence numbers commit in order (a plain AUTOINCREMENT
-- could commit 11 before 10 under concurrency, and a reader polling since=10 would
-- skip 10 forever).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('leader', 'secretary', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

-- Only the SHA-256 of a token is stored: a leaked database grants no sessions.
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    device_name TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE meetings (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    location    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    starts_at   TEXT NOT NULL,
    ends_at     TEXT
);

CREATE TABLE agenda_items (
    id               TEXT PRIMARY KEY,
    meeting_id       TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    title            TEXT NOT NULL,
    presenter        TEXT NOT NULL DEFAULT '',
    planned_time     TEXT NOT NULL DEFAULT '',
    duration_minutes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

CREATE TABLE participants (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('chair', 'member', 'organizer')),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX participants_user ON participants (user_id);

CREATE TABLE documents (
    id              TEXT PRIMARY KEY,
    meeting_id      TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id  TEXT REFERENCES agenda_items (id) ON DELETE SET NULL,
    title           TEXT NOT NULL,
    confidential    INTEGER NOT NULL DEFAULT 0,
    current_version INTEGER NOT NULL
);
CREATE INDEX documents_meeting ON documents (meeting_id);

-- Every uploaded version; the content is the immutable blob named by sha256.
CREATE TABLE document_versions (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    page_count  INTEGER NOT NULL,
    filename    TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_sha ON document_versions (sha256);

-- The ordered change feed. A row names an entity; readers send its state as of the
-- read (or a tombstone if it is gone), so the log never holds stale copies.
-- audience NULL: every participant of meeting_id sees it. audience = a user id: only
-- that user (access granted: a snapshot of the meeting; access lost: kind 'purge').
CREATE TABLE change_log (
    seq        INTEGER PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge')),
    entity_id  TEXT NOT NULL,
    audience   TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX change_log_meeting ON change_log (meeting_id, seq);
CREATE INDEX change_log_audience ON change_log (audience, seq);
