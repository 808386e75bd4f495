-- Minutes (biên bản), issue 32: one row per version of a meeting's minutes, the whole
-- minutes as JSON (the record the server built from the room and the secretary's text).
-- An approved version is locked: the database refuses to change it; a correction is the
-- next version. Never edit once landed: add a new migration.
CREATE TABLE minutes (
    meeting_id   TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'approved')),
    data         TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    approved_by  TEXT REFERENCES users (id),
    approved_at  TEXT,
    document_id  TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (meeting_id, version)
);
CREATE TRIGGER minutes_locked BEFORE UPDATE ON minutes
    WHEN OLD.state = 'approved'
BEGIN
    SELECT RAISE(ABORT, 'approved minutes are locked: a correction is a new version');
END;
