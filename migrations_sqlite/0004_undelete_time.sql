-- Primer local store, version 4: when the user last brought a deleted chat back (Undo).
-- Backup and restore compare it with a deletion's time: an Undo after another machine's
-- deletion lifts it, an edit made without knowing of the deletion does not.
ALTER TABLE chats ADD COLUMN undeleted_at TEXT;

-- Restore sets the column itself when it brings back a chat undone elsewhere.
CREATE TRIGGER chats_undelete_stamp AFTER UPDATE OF deleted_at ON chats
WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL
    AND NEW.undeleted_at IS OLD.undeleted_at BEGIN
    UPDATE chats SET undeleted_at = NEW.updated_at WHERE id = NEW.id;
END;
