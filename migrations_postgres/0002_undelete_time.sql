-- Primer backup database, version 2: when a chat was last brought back from a deletion,
-- so a later deletion wins over it and an earlier one does not.
ALTER TABLE chats ADD COLUMN IF NOT EXISTS undeleted_at timestamptz;
