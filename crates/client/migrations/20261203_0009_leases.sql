-- Offline leases (issue 10): the server's secret per confidentiality level, mixed into
-- the key of that level's cached documents, and until when it may be used without
-- contact (by this device's clock; see client::lease for a clock set back). Deleting
-- a row is the crypto-shredding of that level: the store runs with secure_delete, so
-- the secret does not linger in free pages.
CREATE TABLE leases (
    level      INTEGER PRIMARY KEY,
    secret     BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL
);
