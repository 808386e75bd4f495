-- The visible watermark (issue 10): on unless the office turns it off for a meeting or
-- for one document; confidential documents carry it whatever these say.
ALTER TABLE meetings ADD COLUMN watermark INTEGER NOT NULL DEFAULT 1;
ALTER TABLE documents ADD COLUMN watermark INTEGER NOT NULL DEFAULT 1;
