-- Offline search over the text of cached documents. Keyed by content (sha256): a new
-- version is indexed anew; text of content no document references is dropped with it.

CREATE TABLE page_text (
    sha256 TEXT NOT NULL,
    page   INTEGER NOT NULL,  -- 0-based
    text   TEXT NOT NULL,     -- as extracted, for snippets
    PRIMARY KEY (sha256, page)
);

-- Folded text (see src/fold.rs) indexed by page_text's rowid. The folding happens in
-- Rust on both sides because unicode61 does not fold đ to d.
CREATE VIRTUAL TABLE page_fts USING fts5(
    folded,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE text_index (
    sha256 TEXT PRIMARY KEY,
    state  TEXT NOT NULL CHECK (state IN ('indexed', 'needs_password', 'failed')),
    pages  INTEGER NOT NULL DEFAULT 0,
    error  TEXT
);
