-- Opinions: the secretariat's follow-up of the marks leaders share with it. Never edit
-- once landed: add a new migration.

CREATE TABLE opinion_states (
    annotation_id TEXT PRIMARY KEY REFERENCES annotations (id) ON DELETE CASCADE,
    meeting_id    TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    handled       INTEGER NOT NULL,
    by_user       TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX opinion_states_meeting ON opinion_states (meeting_id);

-- The feed gains the kind 'opinion_state' (the table is rebuilt: SQLite cannot alter a
-- CHECK constraint).
CREATE TABLE change_log_next (
    seq        INTEGER PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge', 'annotation',
                                             'opinion_state')),
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

-- Which point of the feed each device has applied (it asks for changes since there),
-- so the secretariat sees who has a meeting on their laptop, ready offline.
CREATE TABLE device_sync (
    token_id   TEXT PRIMARY KEY REFERENCES tokens (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX device_sync_user ON device_sync (user_id);
