-- The secretary workspace: a meeting's life, office-file conversions, the audit trail.
-- Never edit once landed: add a new migration.

-- Meetings made before drafts existed were all visible to their participants: they
-- stay published. New meetings are inserted as drafts explicitly.
ALTER TABLE meetings ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'published', 'cancelled'));
ALTER TABLE meetings ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';

-- The office file a PDF version was converted from (kept, downloadable by the
-- secretariat; also a blob, named by its SHA-256).
ALTER TABLE document_versions ADD COLUMN original_sha256 TEXT;
ALTER TABLE document_versions ADD COLUMN original_filename TEXT;
ALTER TABLE document_versions ADD COLUMN original_size INTEGER;

-- Office files waiting for, going through or done with LibreOffice. A conversion is
-- not a document: leaders never see it, and it becomes one (or a new version of one)
-- only when the PDF is ready.
CREATE TABLE conversions (
    id              TEXT PRIMARY KEY,
    meeting_id      TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    document_id     TEXT,
    replaces        INTEGER NOT NULL DEFAULT 0,
    agenda_item_id  TEXT,
    title           TEXT NOT NULL,
    confidential    INTEGER NOT NULL DEFAULT 0,
    filename        TEXT NOT NULL,
    original_sha256 TEXT NOT NULL,
    original_size   INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'converting', 'ready', 'failed')),
    error_code      TEXT,
    error_message   TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX conversions_meeting ON conversions (meeting_id, created_at);
CREATE INDEX conversions_pending ON conversions (state) WHERE state IN ('queued', 'converting');

-- Every change a secretary or admin makes, written in the same transaction as the
-- change. No foreign keys: the history outlives a deleted meeting or user.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    meeting_id  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_log_meeting ON audit_log (meeting_id, id);
-- Append-only, enforced by the database itself, not only by the code that writes it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
