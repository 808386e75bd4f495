-- Failed logins, counted in the database so that every server instance of the office
-- sees the same counts (issue 31): one row per failure and key (`u:USER`,
-- `p:USER@ADDRESS`, `a:ADDRESS`), kept while it is inside the guard's window.
CREATE TABLE login_failures (
    key   TEXT COLLATE "C" NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at_ms);
CREATE INDEX login_failures_at ON login_failures (at_ms);
