-- Primer local store, version 3: the link to a backup account and how far backup got.
ALTER TABLE users ADD COLUMN account_id TEXT;

-- One row per account this machine has backed up to; the watermark is a `changes.seq`,
-- never a clock, and moves only after the backup database committed that far.
CREATE TABLE backup_state (
    account_id          TEXT PRIMARY KEY,
    acknowledged_seq    INTEGER NOT NULL DEFAULT 0,
    last_backup_at      TEXT,
    last_restore_at     TEXT
);

-- Undoing a delete after a backup sent the deletion: the backup dropped the chat's
-- messages, so queue them all again (re-sending the ones still there is harmless).
CREATE TRIGGER chats_undelete_requeue AFTER UPDATE OF deleted_at ON chats
WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL BEGIN
    INSERT INTO changes (entity, entity_id, op)
    SELECT 'message', id, 'insert' FROM messages WHERE chat_id = NEW.id;
END;
