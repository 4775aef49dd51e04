-- Primer local store, version 11: files attached to messages. A file's bytes are kept once,
-- named by their SHA-256, in the data folder's `files/` (never in a row: a chat's rows stay
-- small, and a file may be larger than SQLite takes); what is known of them is a `files`
-- row, and each message names the files it carries, in order, with the names they had.
CREATE TABLE files (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    width      INTEGER,
    height     INTEGER,
    text       TEXT,
    thumbnail  BLOB,
    created_at TEXT NOT NULL,
    removed_at TEXT  -- its bytes left this device (used by deleted chats only, 30 days on)
);

CREATE TABLE attachments (
    message_id TEXT NOT NULL REFERENCES messages (id),
    position   INTEGER NOT NULL,
    sha256     TEXT NOT NULL REFERENCES files (sha256),
    name       TEXT NOT NULL,
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID;

CREATE INDEX ix_attachments_file ON attachments (sha256);

-- The words of attached files (a PDF's, a text file's) are searched as messages' are: the
-- index holds no copy of the text, and is kept by triggers with every write.
CREATE VIRTUAL TABLE files_fts USING fts5(
    text, content = 'files', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER files_search_insert AFTER INSERT ON files WHEN NEW.text IS NOT NULL BEGIN
    INSERT INTO files_fts (rowid, text) VALUES (NEW.rowid, NEW.text);
END;

CREATE TRIGGER files_search_delete AFTER DELETE ON files WHEN OLD.text IS NOT NULL BEGIN
    INSERT INTO files_fts (files_fts, rowid, text) VALUES ('delete', OLD.rowid, OLD.text);
END;
