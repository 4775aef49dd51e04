-- Primer backup database, version 9: a chat's tags travel in its row, sealed like its
-- title (domain/tags.py); '[]', a chat with none, is left as it is (sealing's LEFT_CLEAR).
ALTER TABLE chats ADD COLUMN IF NOT EXISTS tags text NOT NULL DEFAULT '[]';
