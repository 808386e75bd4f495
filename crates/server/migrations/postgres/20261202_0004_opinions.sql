-- Opinions (see the SQLite file of the same name). Never edit once landed.

CREATE TABLE opinion_states (
    annotation_id TEXT COLLATE "C" PRIMARY KEY REFERENCES annotations (id) ON DELETE CASCADE,
    meeting_id    TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    handled       BIGINT NOT NULL,
    by_user       TEXT COLLATE "C" NOT NULL,
    at            TEXT COLLATE "C" NOT NULL
);
CREATE INDEX opinion_states_meeting ON opinion_states (meeting_id);

ALTER TABLE change_log DROP CONSTRAINT change_log_kind_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_kind_check
    CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge', 'annotation', 'opinion_state'));

CREATE TABLE device_sync (
    token_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES tokens (id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    at         TEXT COLLATE "C" NOT NULL
);
CREATE INDEX device_sync_user ON device_sync (user_id);
