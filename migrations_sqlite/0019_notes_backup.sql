-- Primer local store, version 19: notes in the backup (domain/backup_notes.py). Each
-- change of a note takes the next number, so a backup sends what changed since the last
-- number it sent (backup_state.notes_sent_upto) and never misses an edit or a deletion.
ALTER TABLE notes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE notes SET seq = rowid;
CREATE INDEX ix_notes_seq ON notes (seq);

CREATE TRIGGER notes_number_insert AFTER INSERT ON notes BEGIN
    UPDATE notes SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM notes) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER notes_number_update
AFTER UPDATE OF message_id, chat_id, text, quote, colour, updated_at, deleted_at ON notes BEGIN
    UPDATE notes SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM notes) WHERE rowid = NEW.rowid;
END;

ALTER TABLE backup_state ADD COLUMN notes_sent_upto INTEGER NOT NULL DEFAULT 0;
