-- Primer local store, version 12: which messages' attachments each account's backup holds
-- (their files are asked of the backup itself: it may have dropped one with its chat).
CREATE TABLE attachment_backups (
    account_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (account_id, message_id)
) WITHOUT ROWID;
