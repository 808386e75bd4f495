-- Conclusion notices (thông báo kết luận), issue 32: one per meeting, the notice as JSON,
-- its deadline (the 5th working day after the meeting) and the day it was issued, for
-- the list of late notices. Never edit once landed: add a new migration.
CREATE TABLE conclusions (
    meeting_id  TEXT PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    state       TEXT NOT NULL CHECK (state IN ('draft', 'issued')),
    number      TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    issued_on   TEXT,
    document_id TEXT,
    updated_at  TEXT NOT NULL
);
