-- Opens of documents waiting to reach the server (the audit of opens); a row leaves when
-- the server has answered for it.
CREATE TABLE open_outbox (
    id          TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    opened_at   TEXT NOT NULL
);
