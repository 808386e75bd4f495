-- The meeting room in session, as the feed brings it: live state, attendance, speakers,
-- votes, one row per entity with its JSON. Never edit once landed: add a new migration.
CREATE TABLE live_entities (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    meeting_id TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX live_entities_meeting ON live_entities (meeting_id, kind);
