-- Primer local store, version 9: full-text search over messages and chat titles (FTS5).
-- The indexes hold no copy of the text (external content: they read it from messages and
-- chats) and are kept by triggers in the same transaction as every write, so they cannot
-- drift. Words: unicode61 with accents folded. Text without spaces between words
-- (Chinese, Japanese, Korean) is also in a trigram index, for those messages only.
--
-- Messages stored before this version are indexed afterwards by the app, a chunk at a
-- time (search_backfill: rowids up to `up_to` are indexed once `done_to` reaches them;
-- the triggers leave the rows in between to it). Primer never VACUUMs, which could
-- renumber the rowids these indexes point at.

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE messages_cjk USING fts5(
    content, content = 'messages', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE VIRTUAL TABLE chats_fts USING fts5(
    title, content = 'chats', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO chats_fts (chats_fts) VALUES ('rebuild');

CREATE TABLE search_backfill (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    up_to   INTEGER NOT NULL,
    done_to INTEGER NOT NULL
);
INSERT INTO search_backfill SELECT 1, coalesce(max(rowid), 0), 0 FROM messages;

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
WHEN NEW.rowid > (SELECT up_to FROM search_backfill)
    OR NEW.rowid <= (SELECT done_to FROM search_backfill) BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.rowid, NEW.content);
    INSERT INTO messages_cjk (rowid, content) SELECT NEW.rowid, NEW.content
    WHERE NEW.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
WHEN OLD.rowid > (SELECT up_to FROM search_backfill)
    OR OLD.rowid <= (SELECT done_to FROM search_backfill) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', OLD.rowid, OLD.content);
    INSERT INTO messages_cjk (messages_cjk, rowid, content)
    SELECT 'delete', OLD.rowid, OLD.content WHERE OLD.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF content ON messages
WHEN OLD.content IS NOT NEW.content AND (OLD.rowid > (SELECT up_to FROM search_backfill)
    OR OLD.rowid <= (SELECT done_to FROM search_backfill)) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', OLD.rowid, OLD.content);
    INSERT INTO messages_cjk (messages_cjk, rowid, content)
    SELECT 'delete', OLD.rowid, OLD.content WHERE OLD.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.rowid, NEW.content);
    INSERT INTO messages_cjk (rowid, content) SELECT NEW.rowid, NEW.content
    WHERE NEW.content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*';
END;

CREATE TRIGGER chats_search_insert AFTER INSERT ON chats BEGIN
    INSERT INTO chats_fts (rowid, title) VALUES (NEW.rowid, NEW.title);
END;

CREATE TRIGGER chats_search_delete AFTER DELETE ON chats BEGIN
    INSERT INTO chats_fts (chats_fts, rowid, title) VALUES ('delete', OLD.rowid, OLD.title);
END;

CREATE TRIGGER chats_search_update AFTER UPDATE OF title ON chats
WHEN OLD.title IS NOT NEW.title BEGIN
    INSERT INTO chats_fts (chats_fts, rowid, title) VALUES ('delete', OLD.rowid, OLD.title);
    INSERT INTO chats_fts (rowid, title) VALUES (NEW.rowid, NEW.title);
END;
