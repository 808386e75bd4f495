-- The meeting room in session (see the SQLite file of the same name). Never edit once
-- landed: add a new migration.

CREATE TABLE meeting_live (
    meeting_id      TEXT COLLATE "C" PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    current_item_id TEXT COLLATE "C" REFERENCES agenda_items (id) ON DELETE SET NULL,
    quorum_percent  BIGINT NOT NULL DEFAULT 50 CHECK (quorum_percent BETWEEN 1 AND 100),
    presenter_id    TEXT COLLATE "C",
    document_id     TEXT COLLATE "C" REFERENCES documents (id) ON DELETE SET NULL,
    page_index      BIGINT,
    presented_at    TEXT COLLATE "C",
    updated_at      TEXT COLLATE "C" NOT NULL
);

CREATE TABLE attendance (
    meeting_id TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT COLLATE "C" NOT NULL CHECK (status IN ('present', 'online', 'absent')),
    reason     TEXT COLLATE "C" NOT NULL DEFAULT '',
    ord        BIGINT NOT NULL,
    by_user    TEXT COLLATE "C" NOT NULL,
    at         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

CREATE TABLE speakers (
    id             TEXT COLLATE "C" PRIMARY KEY,
    meeting_id     TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id TEXT COLLATE "C" REFERENCES agenda_items (id) ON DELETE SET NULL,
    user_id        TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    point_of_order BIGINT NOT NULL DEFAULT 0,
    position       BIGINT NOT NULL,
    state          TEXT COLLATE "C" NOT NULL CHECK (state IN ('waiting', 'speaking', 'done', 'withdrawn')),
    requested_at   TEXT COLLATE "C" NOT NULL,
    started_at     TEXT COLLATE "C",
    ended_at       TEXT COLLATE "C",
    UNIQUE (meeting_id, position)
);
CREATE UNIQUE INDEX speakers_live ON speakers (meeting_id, user_id) WHERE state IN ('waiting', 'speaking');

CREATE TABLE votes (
    id             TEXT COLLATE "C" PRIMARY KEY,
    meeting_id     TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id TEXT COLLATE "C" NOT NULL REFERENCES agenda_items (id) ON DELETE CASCADE,
    question       TEXT COLLATE "C" NOT NULL,
    choices        TEXT COLLATE "C" NOT NULL,
    secret         BIGINT NOT NULL,
    threshold      TEXT COLLATE "C" NOT NULL CHECK (threshold IN ('half', 'two_thirds')),
    status         TEXT COLLATE "C" NOT NULL CHECK (status IN ('open', 'closed', 'void')),
    opened_by      TEXT COLLATE "C" NOT NULL,
    opened_at      TEXT COLLATE "C" NOT NULL,
    closes_at      TEXT COLLATE "C",
    closed_at      TEXT COLLATE "C",
    result         TEXT COLLATE "C",
    void_reason    TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX votes_meeting ON votes (meeting_id);
CREATE UNIQUE INDEX votes_open ON votes (meeting_id) WHERE status = 'open';

-- Who may vote and whether they have; `choice` only for a named vote.
CREATE TABLE vote_voters (
    vote_id  TEXT COLLATE "C" NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    user_id  TEXT COLLATE "C" NOT NULL,
    voted_at TEXT COLLATE "C",
    choice   BIGINT,
    PRIMARY KEY (vote_id, user_id)
);
CREATE FUNCTION vote_voters_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.choice IS NOT NULL AND (SELECT secret FROM votes WHERE id = NEW.vote_id) = 1 THEN
        RAISE EXCEPTION 'a secret ballot is never stored with its voter';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.voted_at IS NOT NULL THEN
        RAISE EXCEPTION 'a ballot is final';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER vote_voters_guard BEFORE INSERT OR UPDATE ON vote_voters
    FOR EACH ROW EXECUTE FUNCTION vote_voters_guard();

ALTER TABLE change_log DROP CONSTRAINT change_log_kind_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_kind_check
    CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge', 'annotation',
                    'opinion_state', 'live_state', 'attendance', 'speaker', 'vote'));
