-- Primer local store, version 10: search's "newest first" is by when a message was
-- written, not by when it was stored. A message restored from a backup or imported from
-- another app is stored after newer ones; keyed by its rowid it ranked as the newest.
--
-- The message indexes are now keyed by `search_key`: the second the message was written,
-- times 2^20, plus its place among the messages of that second (so a million messages may
-- share a second). FTS5 returns matches in key order, so newest first still stops at the
-- page. A message gets its key as it is stored, and the key indexes it (triggers, in the
-- same transaction); messages stored before this version have none, and the app gives
-- them keys a chunk at a time, newest first (search_backfill counts the work).

DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_delete;
DROP TRIGGER messages_search_update;
DROP TABLE messages_fts;
DROP TABLE messages_cjk;
DROP TABLE search_backfill;

ALTER TABLE messages ADD COLUMN search_key INTEGER;
-- The key is the store's own: giving one is no change for backup.
DROP TRIGGER messages_update_change;
CREATE TRIGGER messages_update_change AFTER UPDATE OF id, chat_id, parent_id, role, content,
    status, provider, model, input_tokens, output_tokens, cost, error, metadata, created_at
    ON messages
WHEN NOT (OLD.status = 'streaming' AND NEW.status = 'streaming') BEGIN
    INSERT INTO changes (entity, entity_id, op) VALUES ('message', NEW.id, 'update');
END;
CREATE UNIQUE INDEX ix_messages_search_key ON messages (search_key);
CREATE INDEX ix_messages_unindexed ON messages (created_at) WHERE search_key IS NULL;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'search_key',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE messages_cjk USING fts5(
    content, content = 'messages', content_rowid = 'search_key', tokenize = 'trigram'
);

CREATE TABLE search_backfill (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    total   INTEGER NOT NULL,
    done    INTEGER NOT NULL
);
INSERT INTO search_backfill SELECT 1, count(*), 0 FROM messages;

-- A message asks for its key by setting it to NULL (a new one as it is stored; the app,
-- for those stored before). It gets the next free one in the range of the second it was
-- written (an unreadable time counts as 1970); being keyed indexes it.
CREATE TRIGGER messages_search_key AFTER UPDATE OF search_key ON messages
WHEN NEW.search_key IS NULL BEGIN
    UPDATE messages SET search_key = coalesce(
        (SELECT max(search_key) + 1 FROM messages WHERE search_key
         BETWEEN coalesce(CAST(strftime('%s', NEW.created_at) AS INTEGER), 0) * 1048576
         AND coalesce(CAST(strftime('%s', NEW.created_at) AS INTEGER), 0) * 1048576 + 1048575),
        coalesce(CAST(strftime('%s', NEW.created_at) AS INTEGER), 0) * 1048576
    ) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER messages_search_new AFTER INSERT ON messages WHEN NEW.search_key IS NULL BEGIN
    UPDATE messages SET search_key = NULL WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER messages_search_insert AFTER UPDATE OF search_key ON messages
WHEN OLD.search_key IS NULL AND NEW.search_key IS NOT NULL BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.search_key, NEW.content);
    INSERT INTO messages_cjk (rowid, content) SELECT NEW.search_key, NEW.content
    WHERE NEW.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
WHEN OLD.search_key IS NOT NULL BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', OLD.search_key, OLD.content);
    INSERT INTO messages_cjk (messages_cjk, rowid, content)
    SELECT 'delete', OLD.search_key, OLD.content WHERE OLD.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF content ON messages
WHEN OLD.content IS NOT NEW.content AND OLD.search_key IS NOT NULL BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', OLD.search_key, OLD.content);
    INSERT INTO messages_cjk (messages_cjk, rowid, content)
    SELECT 'delete', OLD.search_key, OLD.content WHERE OLD.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.search_key, NEW.content);
    INSERT INTO messages_cjk (rowid, content) SELECT NEW.search_key, NEW.content
    WHERE NEW.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;
