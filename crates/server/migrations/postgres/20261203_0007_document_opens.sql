-- Who opened which document, when, on which device. Never edit once landed.
CREATE TABLE document_opens (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL,
    token_id    TEXT COLLATE "C" NOT NULL,
    meeting_id  TEXT COLLATE "C" NOT NULL,
    document_id TEXT COLLATE "C" NOT NULL,
    sha256      TEXT COLLATE "C" NOT NULL,
    version     BIGINT,
    opened_at   TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX document_opens_meeting ON document_opens (meeting_id, opened_at);
