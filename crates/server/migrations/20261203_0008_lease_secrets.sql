-- Offline leases (issue 10): one secret per user and confidentiality level, handed to
-- the user's devices with each lease and mixed into their keys for that level's cached
-- documents. Stable, so a renewed lease keeps cached copies readable; deleting a row
-- (a future "shred everywhere") would make every device's copies of that level noise.
CREATE TABLE lease_secrets (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level      INTEGER NOT NULL CHECK (level IN (0, 1)),
    secret     BLOB NOT NULL CHECK (length(secret) = 32),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, level)
);
