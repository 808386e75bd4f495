-- Annotations (see the SQLite file of the same name). Never edit once landed.

CREATE TABLE annotations (
    id          TEXT COLLATE "C" PRIMARY KEY,
    meeting_id  TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    document_id TEXT COLLATE "C",
    author_id   TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    visibility  TEXT COLLATE "C" NOT NULL CHECK (visibility IN ('private', 'secretariat', 'participants')),
    version     BIGINT NOT NULL,
    deleted     BIGINT NOT NULL DEFAULT 0,
    data        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX annotations_meeting ON annotations (meeting_id);

CREATE TABLE annotation_ops (
    op_id         TEXT COLLATE "C" PRIMARY KEY,
    annotation_id TEXT COLLATE "C" NOT NULL,
    user_id       TEXT COLLATE "C" NOT NULL,
    status        BIGINT NOT NULL,
    version       BIGINT NOT NULL,
    applied_at    BIGINT NOT NULL
);

ALTER TABLE change_log DROP CONSTRAINT change_log_kind_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_kind_check
    CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge', 'annotation'));
