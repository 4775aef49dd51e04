-- Primer backup database, version 5: attached files. A file is kept once per account, by
-- the SHA-256 of its bytes, in chunks of a few megabytes (each written in a transaction of
-- its own: a transaction-mode pooler takes them, and a cut costs one chunk); it is complete
-- when every chunk is here. Attachments name, for each message, the files it carries.
-- Written to be harmless when re-applied.
CREATE TABLE IF NOT EXISTS files (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sha256      text NOT NULL,
    size        bigint NOT NULL,
    mime        text NOT NULL,
    width       integer,
    height      integer,
    text        text,
    thumbnail   bytea,
    chunks      integer NOT NULL,
    complete    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, sha256)
);

CREATE TABLE IF NOT EXISTS file_chunks (
    user_id     uuid NOT NULL,
    sha256      text NOT NULL,
    seq         integer NOT NULL,
    data        bytea NOT NULL,
    PRIMARY KEY (user_id, sha256, seq),
    FOREIGN KEY (user_id, sha256) REFERENCES files (user_id, sha256) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS attachments (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id  uuid NOT NULL,
    position    integer NOT NULL,
    chat_id     uuid NOT NULL,                  -- deleted with its chat (even before its message is here)
    sha256      text NOT NULL,
    name        text NOT NULL,
    PRIMARY KEY (user_id, message_id, position)
);
CREATE INDEX IF NOT EXISTS attachments_by_file ON attachments (user_id, sha256);
CREATE INDEX IF NOT EXISTS attachments_by_chat ON attachments (user_id, chat_id);
