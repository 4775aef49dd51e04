-- Primer local store, version 6: who is writing each reply that is still streaming.
-- A reply is streamed by one running Primer (the window or a `primer ask`); each holds a
-- lock file named by its writer id while it runs. Any Primer that starts may mark
-- interrupted the replies whose writer is gone, and only those.
CREATE TABLE reply_writers (
    message_id  TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    writer      TEXT NOT NULL
);

-- Backup finds the replies still streaming without reading every message.
CREATE INDEX ix_messages_streaming ON messages (id) WHERE status = 'streaming';

-- The text that has arrived is saved every moment while a reply streams; backup does not
-- send a streaming reply, so those saves are not changes. The end of the stream is.
DROP TRIGGER messages_update_change;
CREATE TRIGGER messages_update_change AFTER UPDATE ON messages
WHEN NOT (OLD.status = 'streaming' AND NEW.status = 'streaming') BEGIN
    INSERT INTO changes (entity, entity_id, op) VALUES ('message', NEW.id, 'update');
END;
