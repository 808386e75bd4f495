-- Conclusion notices (see the SQLite file of the same name). Never edit once landed.
CREATE TABLE conclusions (
    meeting_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    state       TEXT COLLATE "C" NOT NULL CHECK (state IN ('draft', 'issued')),
    number      TEXT COLLATE "C" NOT NULL DEFAULT '',
    data        TEXT COLLATE "C" NOT NULL,
    deadline    TEXT COLLATE "C" NOT NULL,
    issued_on   TEXT COLLATE "C",
    document_id TEXT COLLATE "C",
    updated_at  TEXT COLLATE "C" NOT NULL
);
