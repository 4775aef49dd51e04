-- Primer local store, version 10: search's "newest first" is by when a message was
-- written, not by when it was stored. A message merged in by a restore, or imported from
-- another app, is stored after newer ones, and ranked as the newest.
--
-- A message's rowid is now its time key: (the second it was written, counted from 1970
-- and never before it, + 2^33) x 64, plus its place among that second's messages (past 64
-- in one second: one after the newest key). FTS5 gives matches in rowid order, so newest
-- first still stops at the page, and each hit still joins its message by rowid. A new
-- message is keyed and indexed by the triggers below, in the transaction that stores it.
-- Messages stored before this version keep their small rowids (below 2^39: not keyed,
-- not indexed) until the app keys them, a chunk at a time, newest first. Primer never
-- VACUUMs, which could renumber the rowids.

DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_delete;
DROP TRIGGER messages_search_update;
DROP TABLE search_backfill;
INSERT INTO messages_fts (messages_fts) VALUES ('delete-all');
INSERT INTO messages_cjk (messages_cjk) VALUES ('delete-all');

-- Renumbering a message is no change for backup: the change trigger names its columns.
DROP TRIGGER messages_update_change;
CREATE TRIGGER messages_update_change AFTER UPDATE OF id, chat_id, parent_id, role, content,
    status, provider, model, input_tokens, output_tokens, cost, error, metadata, created_at
    ON messages
WHEN NOT (OLD.status = 'streaming' AND NEW.status = 'streaming') BEGIN
    INSERT INTO changes (entity, entity_id, op) VALUES ('message', NEW.id, 'update');
END;

CREATE TABLE search_backfill (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    total   INTEGER NOT NULL,
    done    INTEGER NOT NULL
);
INSERT INTO search_backfill SELECT 1, count(*), 0 FROM messages;

-- A message asks for its key by setting it to NULL here: it gets the next free one and is
-- indexed. A new message asks as it is stored; the app asks for those stored before.
CREATE VIEW message_keys AS SELECT rowid AS key, id, created_at FROM messages;

CREATE TRIGGER message_keys_give INSTEAD OF UPDATE OF key ON message_keys
WHEN NEW.key IS NULL BEGIN
    UPDATE messages SET rowid = (
        SELECT CASE
            WHEN taken IS NULL THEN first
            WHEN taken < first + 63 THEN taken + 1
            ELSE (SELECT max(rowid) + 1 FROM messages)
        END
        FROM (
            SELECT first, (SELECT max(rowid) FROM messages
                           WHERE rowid BETWEEN first AND first + 63) AS taken
            FROM (SELECT (max(coalesce(CAST(strftime('%s', OLD.created_at) AS INTEGER), 0), 0)
                          + 8589934592) * 64 AS first)
        )
    ) WHERE rowid = OLD.key;
    INSERT INTO messages_fts (rowid, content) SELECT rowid, content FROM messages
    WHERE id = OLD.id;
    INSERT INTO messages_cjk (rowid, content) SELECT rowid, content FROM messages
    WHERE id = OLD.id AND content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    UPDATE message_keys SET key = NULL WHERE key = NEW.rowid;
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
WHEN OLD.rowid >= 549755813888 BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', OLD.rowid, OLD.content);
    INSERT INTO messages_cjk (messages_cjk, rowid, content)
    SELECT 'delete', OLD.rowid, OLD.content WHERE OLD.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF content ON messages
WHEN OLD.content IS NOT NEW.content AND OLD.rowid >= 549755813888 BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', OLD.rowid, OLD.content);
    INSERT INTO messages_cjk (messages_cjk, rowid, content)
    SELECT 'delete', OLD.rowid, OLD.content WHERE OLD.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.rowid, NEW.content);
    INSERT INTO messages_cjk (rowid, content) SELECT NEW.rowid, NEW.content
    WHERE NEW.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;
