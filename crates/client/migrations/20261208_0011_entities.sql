-- One table for every kind of feed entity that needs no table of its own (the room's
-- kinds so far; minutes and tasks next), so that a new kind is stored without a
-- migration (see `kinds.rs`). It replaces `live_entities`; an entity need not belong to a
-- meeting (a task may come from no meeting). Never edit once landed.
CREATE TABLE entities (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    meeting_id TEXT,
    data       TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX entities_meeting ON entities (meeting_id, kind);
INSERT INTO entities (kind, id, meeting_id, data) SELECT kind, id, meeting_id, data FROM live_entities;
DROP TABLE live_entities;
