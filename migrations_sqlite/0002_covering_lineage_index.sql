-- Opening a chat reads (id, parent_id) of every message in order; with this covering index
-- that is an index-only scan with no sort, even for 10,000 messages. It keeps the
-- (chat_id, created_at) prefix the old index offered.
CREATE INDEX ix_messages_chat_lineage ON messages (chat_id, created_at, id, parent_id);
DROP INDEX ix_messages_chat_created;
