-- How the app watches a linked folder: `poll` for network shares (they send no file
-- events); `active` while the secretary wants it watched (the app resumes active links
-- when it starts, and stopping keeps what was learned of the folder).
-- Never edit once landed: add a new migration.
ALTER TABLE hot_folders ADD COLUMN poll INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hot_folders ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
