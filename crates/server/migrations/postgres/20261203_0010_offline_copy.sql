-- "No offline copy". Never edit once landed.
ALTER TABLE documents ADD COLUMN offline_copy BIGINT NOT NULL DEFAULT 1;
