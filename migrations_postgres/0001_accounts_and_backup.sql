-- Primer backup database, version 1: accounts, encrypted API keys, chats, messages and
-- deletions. Every row carries its user and every key starts with it, so each account has
-- its own id space and every query is scoped by it. Written to be harmless when re-applied.
CREATE TABLE IF NOT EXISTS users (
    id                  uuid PRIMARY KEY,
    email               text NOT NULL,
    password_hash       text NOT NULL,          -- Argon2id PHC string
    kdf_salt            bytea NOT NULL,         -- salt of the key-encryption key, not of the hash
    wrapped_data_key    bytea NOT NULL,         -- AES-256-GCM(key-encryption key, data key)
    wrap_nonce          bytea NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_unique ON users (lower(email));

CREATE TABLE IF NOT EXISTS user_api_keys (
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider            text NOT NULL,
    ciphertext          bytea NOT NULL,         -- AES-256-GCM(data key, API key), AD = user + provider
    nonce               bytea NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, provider)
);

CREATE TABLE IF NOT EXISTS chats (
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id                  uuid NOT NULL,
    title               text NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    system_prompt       text NOT NULL DEFAULT '',
    pinned              boolean NOT NULL DEFAULT false,
    archived            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, id)
);

CREATE TABLE IF NOT EXISTS messages (
    user_id             uuid NOT NULL,
    id                  uuid NOT NULL,
    chat_id             uuid NOT NULL,
    parent_id           uuid,
    role                text NOT NULL,
    content             text NOT NULL,
    status              text NOT NULL,
    provider            text NOT NULL DEFAULT '',
    model               text NOT NULL DEFAULT '',
    input_tokens        integer,
    output_tokens       integer,
    cost                double precision,
    error               text,
    metadata            text NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    content_hash        bytea NOT NULL,         -- tells a re-send from a different message
    -- No foreign key to chats: Primer checks each batch's chats once instead of each row
    -- (a first backup is a million rows), and deletes a chat's messages with the chat.
    PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS messages_by_chat ON messages (user_id, chat_id);

-- Tombstones: a chat deleted on one machine stays deleted on every machine that restores.
CREATE TABLE IF NOT EXISTS deletions (
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id             uuid NOT NULL,
    deleted_at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, chat_id)
);
