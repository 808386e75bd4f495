-- Conversions claimed by one server instance at a time (see the SQLite file of the same
-- name). Never edit once landed: add a new migration.
ALTER TABLE conversions ADD COLUMN claimed_by TEXT COLLATE "C";
ALTER TABLE conversions ADD COLUMN lease_until TEXT COLLATE "C";
