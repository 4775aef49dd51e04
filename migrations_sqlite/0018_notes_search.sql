-- Primer local store, version 18: notes are searched by their words as messages are (the
-- words a person wrote, and the text they highlighted). The index holds no copy of the
-- text and is kept by triggers; a deleted note's text is emptied, so it is found no more.
CREATE VIRTUAL TABLE notes_fts USING fts5(
    text, quote, content = 'notes', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER notes_search_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, text, quote) VALUES (NEW.rowid, NEW.text, NEW.quote);
END;

CREATE TRIGGER notes_search_update AFTER UPDATE OF text, quote ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, text, quote)
    VALUES ('delete', OLD.rowid, OLD.text, OLD.quote);
    INSERT INTO notes_fts (rowid, text, quote) VALUES (NEW.rowid, NEW.text, NEW.quote);
END;

CREATE TRIGGER notes_search_delete AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, text, quote)
    VALUES ('delete', OLD.rowid, OLD.text, OLD.quote);
END;

INSERT INTO notes_fts (rowid, text, quote) SELECT rowid, text, quote FROM notes;
