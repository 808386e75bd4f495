-- Progress notes and reports on tasks written on this device, offline too, until the
-- server has them: each is sent with its id, so a note sent twice is kept once. Never
-- edit once landed.
CREATE TABLE task_outbox (
    id         TEXT PRIMARY KEY,
    task_id    TEXT NOT NULL,
    text       TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
