-- The visible watermark. Never edit once landed.
ALTER TABLE meetings ADD COLUMN watermark BIGINT NOT NULL DEFAULT 1;
ALTER TABLE documents ADD COLUMN watermark BIGINT NOT NULL DEFAULT 1;
