-- "No offline copy" (issue 10): a document the office marks so opens only while the
-- device is connected, streamed into memory, never cached. 1 = devices may keep a copy.
ALTER TABLE documents ADD COLUMN offline_copy INTEGER NOT NULL DEFAULT 1;
