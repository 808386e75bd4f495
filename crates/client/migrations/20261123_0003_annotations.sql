-- Annotations on this device and the outbox that brings their changes to the server.
-- Never edit once landed: add a new migration.

-- The current state as this device shows it: the server's copy, or the local edit
-- while `pending` (an outbox entry is waiting). `version` is the last server version
-- seen; `conflict_of` names the annotation a conflict copy was split from; `error` is
-- why the server refused the last change.
CREATE TABLE annotations (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL,
    document_id TEXT,
    version     INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    pending     INTEGER NOT NULL DEFAULT 0,
    conflict_of TEXT,
    error       TEXT,
    data        TEXT NOT NULL
);
CREATE INDEX annotations_meeting ON annotations (meeting_id);
CREATE INDEX annotations_document ON annotations (document_id);

-- Local changes in the order they were made; each is written in the same transaction
-- as the annotation row, and removed only when the server's answer is stored.
CREATE TABLE annotation_outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id         TEXT NOT NULL UNIQUE,
    annotation_id TEXT NOT NULL,
    base_version  INTEGER NOT NULL,
    data          TEXT NOT NULL
);
CREATE INDEX annotation_outbox_annotation ON annotation_outbox (annotation_id, seq);
