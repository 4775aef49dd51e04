-- Primer local store, version 16: tags on chats. A chat keeps its tags (name and colour,
-- [[name, colour], …] in name order) in its own row, so they change, merge and travel
-- with the chat as its title does.
ALTER TABLE chats ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
