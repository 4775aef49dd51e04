-- Primer local store, version 14: who wrote a chat's title. A new chat starts with its
-- first message's first line ('message') until a model writes one ('model'); a title the
-- person typed ('person') is never replaced. Chats from before (their titles may have
-- been typed) count as the person's.
ALTER TABLE chats ADD COLUMN title_by TEXT NOT NULL DEFAULT 'person'
    CHECK (title_by IN ('message', 'model', 'person'));
