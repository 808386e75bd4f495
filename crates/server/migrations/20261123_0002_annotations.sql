-- Annotations (the marks leaders make on documents, notes on agenda items). Never edit
-- once landed: add a new migration.

-- The state as last accepted. `data` is the wire `Annotation` (JSON); the columns beside
-- it are what queries filter on. No foreign key to documents: a document's deletion
-- must not silently take its readers' notes with it.
CREATE TABLE annotations (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    document_id TEXT,
    author_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    visibility  TEXT NOT NULL CHECK (visibility IN ('private', 'secretariat', 'participants')),
    version     INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    data        TEXT NOT NULL
);
CREATE INDEX annotations_meeting ON annotations (meeting_id);

-- Every applied op, so that a push repeated after a lost answer changes nothing and
-- gets the first answer again.
CREATE TABLE annotation_ops (
    op_id         TEXT PRIMARY KEY,
    annotation_id TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    status        INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    applied_at    INTEGER NOT NULL
);

-- The feed gains the kind 'annotation'. SQLite cannot alter a CHECK constraint, so the
-- table is rebuilt with its rows and indexes.
CREATE TABLE change_log_next (
    seq        INTEGER PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge', 'annotation')),
    entity_id  TEXT NOT NULL,
    audience   TEXT,
    created_at INTEGER NOT NULL
);
INSERT INTO change_log_next (seq, meeting_id, kind, entity_id, audience, created_at)
    SELECT seq, meeting_id, kind, entity_id, audience, created_at FROM change_log;
DROP TABLE change_log;
ALTER TABLE change_log_next RENAME TO change_log;
CREATE INDEX change_log_meeting ON change_log (meeting_id, seq);
CREATE INDEX change_log_audience ON change_log (audience, seq);
