-- Primer local store, version 8: opening a chat finds its failed replies without reading
-- every message (a failure that a retry replaced is not shown as a version).
CREATE INDEX ix_messages_failed ON messages (chat_id) WHERE status = 'error';
