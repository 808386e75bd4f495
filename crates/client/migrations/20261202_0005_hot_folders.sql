-- Hot folders: a meeting linked to a folder the secretary works in. What the watcher
-- has made of each subfolder and file, so a restart (or a lost event) never uploads
-- twice, a rename is recognised by content, and a deletion waits for confirmation.
-- Never edit once landed: add a new migration.
CREATE TABLE hot_folders (
    meeting_id TEXT PRIMARY KEY,
    dir        TEXT NOT NULL
);

-- A subfolder "NN - title" and the agenda item it is.
CREATE TABLE hot_folder_items (
    meeting_id TEXT NOT NULL,
    folder     TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    PRIMARY KEY (meeting_id, folder)
);

-- A file (path relative to the folder, `/`-separated) and the document it is, with the
-- content last uploaded. `missing_since`: the file is gone; the document stays until
-- the secretary confirms the deletion.
CREATE TABLE hot_folder_files (
    meeting_id    TEXT NOT NULL,
    path          TEXT NOT NULL,
    document_id   TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    missing_since TEXT,
    PRIMARY KEY (meeting_id, path)
);
