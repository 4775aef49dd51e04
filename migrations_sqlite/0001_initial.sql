-- Primer local store, version 1: profile, chats, messages and the change log backup reads.
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT,
    display_name    TEXT NOT NULL DEFAULT '',
    preferences     TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL,
    last_active_at  TEXT NOT NULL
);

INSERT INTO users (id, display_name, created_at, last_active_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'Me',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE chats (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id),
    title           TEXT NOT NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    system_prompt   TEXT NOT NULL DEFAULT '',
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    archived        INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT
);

CREATE INDEX ix_chats_list ON chats (deleted_at, pinned, updated_at);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    chat_id         TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    parent_id       TEXT REFERENCES messages(id) DEFERRABLE INITIALLY DEFERRED,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL
                    CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
    provider        TEXT NOT NULL DEFAULT '',
    model           TEXT NOT NULL DEFAULT '',
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    cost            REAL,
    error           TEXT,
    metadata        TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL
);

CREATE INDEX ix_messages_chat_created ON messages (chat_id, created_at);

-- Every write to a backed-up table appends here in the same transaction; backup reads
-- what came after its last acknowledged seq (a local counter, never a clock).
CREATE TABLE changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    entity          TEXT NOT NULL CHECK (entity IN ('chat', 'message')),
    entity_id       TEXT NOT NULL,
    op              TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete'))
);

CREATE TRIGGER chats_insert_change AFTER INSERT ON chats BEGIN
    INSERT INTO changes (entity, entity_id, op) VALUES ('chat', NEW.id, 'insert');
END;
CREATE TRIGGER chats_update_change AFTER UPDATE ON chats BEGIN
    INSERT INTO changes (entity, entity_id, op)
    VALUES ('chat', NEW.id, CASE WHEN NEW.deleted_at IS NOT NULL THEN 'delete' ELSE 'update' END);
END;
CREATE TRIGGER messages_insert_change AFTER INSERT ON messages BEGIN
    INSERT INTO changes (entity, entity_id, op) VALUES ('message', NEW.id, 'insert');
END;
CREATE TRIGGER messages_update_change AFTER UPDATE ON messages BEGIN
    INSERT INTO changes (entity, entity_id, op) VALUES ('message', NEW.id, 'update');
END;
