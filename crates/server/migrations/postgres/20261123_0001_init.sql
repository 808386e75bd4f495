-- Office server schema on PostgreSQL, first version: the same tables as the SQLite file
-- of the same name. Never edit once landed: add a new migration (to both engines).
--
-- Conventions, so that the statements both engines share mean the same on each:
-- integers are BIGINT (SQLite's are 64-bit), flags are 0/1 BIGINT as SQLite keeps them,
-- times are the same text (RFC 3339) or integer (Unix seconds) as there, and text is
-- compared byte by byte (COLLATE "C", SQLite's BINARY) whatever the database's locale.

-- SQLite's NOCASE for user names: equal whatever the case, one account per name.
CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE server_meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

-- One server-wide change counter. Every write transaction locks its row first and bumps
-- it inside the transaction, so change sequence numbers commit in order (a sequence can
-- commit 11 before 10, and a reader polling since=10 would skip 10 forever).
CREATE TABLE counters (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);

CREATE TABLE users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    username      TEXT COLLATE nocase NOT NULL UNIQUE,
    display_name  TEXT COLLATE "C" NOT NULL,
    role          TEXT COLLATE "C" NOT NULL CHECK (role IN ('leader', 'secretary', 'admin')),
    password_hash TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0
);

-- Only the SHA-256 of a token is stored: a leaked database grants no sessions.
CREATE TABLE tokens (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT COLLATE "C" NOT NULL UNIQUE,
    device_name TEXT COLLATE "C",
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE meetings (
    id          TEXT COLLATE "C" PRIMARY KEY,
    title       TEXT COLLATE "C" NOT NULL,
    location    TEXT COLLATE "C" NOT NULL DEFAULT '',
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    starts_at   TEXT COLLATE "C" NOT NULL,
    ends_at     TEXT COLLATE "C"
);

CREATE TABLE agenda_items (
    id               TEXT COLLATE "C" PRIMARY KEY,
    meeting_id       TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position         BIGINT NOT NULL,
    title            TEXT COLLATE "C" NOT NULL,
    presenter        TEXT COLLATE "C" NOT NULL DEFAULT '',
    planned_time     TEXT COLLATE "C" NOT NULL DEFAULT '',
    duration_minutes BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

CREATE TABLE participants (
    meeting_id TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT COLLATE "C" NOT NULL CHECK (role IN ('chair', 'member', 'organizer')),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX participants_user ON participants (user_id);

CREATE TABLE documents (
    id              TEXT COLLATE "C" PRIMARY KEY,
    meeting_id      TEXT COLLATE "C" NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id  TEXT COLLATE "C" REFERENCES agenda_items (id) ON DELETE SET NULL,
    title           TEXT COLLATE "C" NOT NULL,
    confidential    BIGINT NOT NULL DEFAULT 0,
    current_version BIGINT NOT NULL
);
CREATE INDEX documents_meeting ON documents (meeting_id);

-- Every uploaded version; the content is the immutable blob named by sha256.
CREATE TABLE document_versions (
    document_id TEXT COLLATE "C" NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    sha256      TEXT COLLATE "C" NOT NULL,
    size        BIGINT NOT NULL,
    page_count  BIGINT NOT NULL,
    filename    TEXT COLLATE "C" NOT NULL,
    uploaded_at TEXT COLLATE "C" NOT NULL,
    uploaded_by TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_sha ON document_versions (sha256);

-- The ordered change feed (see the SQLite file of the same name).
CREATE TABLE change_log (
    seq        BIGINT PRIMARY KEY,
    meeting_id TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('meeting', 'agenda_item', 'participant', 'document', 'purge')),
    entity_id  TEXT COLLATE "C" NOT NULL,
    audience   TEXT COLLATE "C",
    created_at BIGINT NOT NULL
);
CREATE INDEX change_log_meeting ON change_log (meeting_id, seq);
CREATE INDEX change_log_audience ON change_log (audience, seq);
