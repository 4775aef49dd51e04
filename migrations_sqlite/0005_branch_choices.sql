-- Primer local store, version 5: which branch of an edited conversation a chat shows.
-- A view setting of this device, like the window's size: it is not in the change log,
-- so backup does not carry it, and a chat without a row shows its newest message.
CREATE TABLE branch_choices (
    chat_id     TEXT PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
    message_id  TEXT NOT NULL
);
