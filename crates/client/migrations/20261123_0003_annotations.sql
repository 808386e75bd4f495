-- Annotations as the server last confirmed them (the feed), by id. Local edits and
-- their outbox come with the push (a later migration). Never edit once landed.
CREATE TABLE annotations (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL,
    document_id TEXT,
    version     INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    data        TEXT NOT NULL
);
CREATE INDEX annotations_meeting ON annotations (meeting_id);
CREATE INDEX annotations_document ON annotations (document_id);
