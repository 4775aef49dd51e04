-- Primer local store, version 17: notes on messages. A note names its message and chat
-- but is not tied to them by a foreign key: when the message or its chat is deleted, the
-- note stays, shown as orphaned. A deleted note keeps its row with deleted_at set, the
-- mark a backup needs to tell a deletion from a note never seen.
CREATE TABLE notes (
    id          TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    quote       TEXT NOT NULL DEFAULT '',
    colour      TEXT NOT NULL DEFAULT 'yellow',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX ix_notes_listed ON notes (deleted_at, updated_at);
CREATE INDEX ix_notes_message ON notes (message_id);
CREATE INDEX ix_notes_chat ON notes (chat_id);
