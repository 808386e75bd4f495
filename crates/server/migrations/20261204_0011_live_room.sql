-- The meeting room in session (issue 11): current item, presenter, attendance, speakers,
-- votes. Never edit once landed: add a new migration.

-- One row per meeting that has been run live (created on the first change).
CREATE TABLE meeting_live (
    meeting_id      TEXT PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    current_item_id TEXT REFERENCES agenda_items (id) ON DELETE SET NULL,
    quorum_percent  INTEGER NOT NULL DEFAULT 50 CHECK (quorum_percent BETWEEN 1 AND 100),
    presenter_id    TEXT,
    document_id     TEXT REFERENCES documents (id) ON DELETE SET NULL,
    page_index      INTEGER,
    presented_at    TEXT,
    updated_at      TEXT NOT NULL
);

-- Who is there. `ord` is the order of arrival, fixed by the first record of the user.
CREATE TABLE attendance (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('present', 'online', 'absent')),
    reason     TEXT NOT NULL DEFAULT '',
    ord        INTEGER NOT NULL,
    by_user    TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- Requests to speak; `position` is the order of asking within the meeting, taken inside
-- the write transaction (writers are serialised), so concurrent requests get distinct,
-- increasing positions.
CREATE TABLE speakers (
    id             TEXT PRIMARY KEY,
    meeting_id     TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id TEXT REFERENCES agenda_items (id) ON DELETE SET NULL,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    point_of_order INTEGER NOT NULL DEFAULT 0,
    position       INTEGER NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('waiting', 'speaking', 'done', 'withdrawn')),
    requested_at   TEXT NOT NULL,
    started_at     TEXT,
    ended_at       TEXT,
    UNIQUE (meeting_id, position)
);
-- One live request (waiting or speaking) per participant at a time.
CREATE UNIQUE INDEX speakers_live ON speakers (meeting_id, user_id) WHERE state IN ('waiting', 'speaking');

-- Votes. `result` (JSON) is written once, when the vote closes.
CREATE TABLE votes (
    id             TEXT PRIMARY KEY,
    meeting_id     TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id TEXT NOT NULL REFERENCES agenda_items (id) ON DELETE CASCADE,
    question       TEXT NOT NULL,
    choices        TEXT NOT NULL,
    secret         INTEGER NOT NULL,
    threshold      TEXT NOT NULL CHECK (threshold IN ('half', 'two_thirds')),
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed', 'void')),
    opened_by      TEXT NOT NULL,
    opened_at      TEXT NOT NULL,
    closes_at      TEXT,
    closed_at      TEXT,
    result         TEXT,
    void_reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX votes_meeting ON votes (meeting_id);
-- At most one open vote per meeting: "the open vote" is what every device shows.
CREATE UNIQUE INDEX votes_open ON votes (meeting_id) WHERE status = 'open';

-- Who may vote (the voting members present when the vote opened) and whether they have.
-- `choice` is kept only for a named vote: for a secret one the server counts in memory
-- and writes the totals at the close, and the triggers below refuse any choice here.
CREATE TABLE vote_voters (
    vote_id  TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL,
    voted_at TEXT,
    choice   INTEGER,
    PRIMARY KEY (vote_id, user_id)
) WITHOUT ROWID;
CREATE TRIGGER vote_voters_secret_insert BEFORE INSERT ON vote_voters
    WHEN NEW.choice IS NOT NULL AND (SELECT secret FROM votes WHERE id = NEW.vote_id) = 1
BEGIN
    SELECT RAISE(ABORT, 'a secret ballot is never stored with its voter');
END;
CREATE TRIGGER vote_voters_secret_update BEFORE UPDATE ON vote_voters
    WHEN NEW.choice IS NOT NULL AND (SELECT secret FROM votes WHERE id = NEW.vote_id) = 1
BEGIN
    SELECT RAISE(ABORT, 'a secret ballot is never stored with its voter');
END;
-- A ballot is final.
CREATE TRIGGER vote_voters_final BEFORE UPDATE ON vote_voters
    WHEN OLD.voted_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a ballot is final');
END;

-- The feed gains the room's kinds (the table is rebuilt: SQLite cannot alter a CHECK).
CREATE TABLE change_log_next (
    seq        INTEGER PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge', 'annotation',
                                             'opinion_state', 'live_state', 'attendance', 'speaker', 'vote')),
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
