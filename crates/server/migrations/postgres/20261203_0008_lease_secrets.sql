-- Offline leases' secrets (see the SQLite file of the same name). Never edit once landed.
CREATE TABLE lease_secrets (
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level      BIGINT NOT NULL CHECK (level IN (0, 1)),
    secret     BYTEA NOT NULL CHECK (octet_length(secret) = 32),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, level)
);
