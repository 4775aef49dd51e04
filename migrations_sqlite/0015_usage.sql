-- Primer local store, version 15: the usage ledger. One row a request sent to a model (a
-- reply, a title): its tokens as the provider reported them (or estimated, marked), its
-- timing, and its cost with the rates used (later prices do not rewrite it). Rows are
-- never changed; a deleted chat's requests were still made, so they stay.
CREATE TABLE usage (
    id                  TEXT PRIMARY KEY,
    created_at          TEXT NOT NULL,
    purpose             TEXT NOT NULL CHECK (purpose IN ('reply', 'title')),
    provider            TEXT NOT NULL,
    model               TEXT NOT NULL,
    chat_id             TEXT,
    message_id          TEXT,
    input_tokens        INTEGER,
    output_tokens       INTEGER,
    reasoning_tokens    INTEGER,
    cached_tokens       INTEGER,
    first_token_ms      INTEGER,
    duration_ms         INTEGER,
    cost                REAL,
    rates               TEXT,
    estimated           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_usage_time ON usage (created_at);
CREATE INDEX ix_usage_chat ON usage (chat_id);
CREATE INDEX ix_usage_message ON usage (message_id);

-- Sums by local day, provider and model, kept as rows arrive: the Usage view reads a few
-- hundred rows, not a million.
CREATE TABLE usage_days (
    day                 TEXT NOT NULL,
    provider            TEXT NOT NULL,
    model               TEXT NOT NULL,
    requests            INTEGER NOT NULL,
    input_tokens        INTEGER NOT NULL,
    output_tokens       INTEGER NOT NULL,
    reasoning_tokens    INTEGER NOT NULL,
    cached_tokens       INTEGER NOT NULL,
    cost                REAL NOT NULL,
    priced              INTEGER NOT NULL,   -- requests with a known cost
    estimated           INTEGER NOT NULL,   -- requests with an estimated figure
    PRIMARY KEY (day, provider, model)
) WITHOUT ROWID;

CREATE TRIGGER usage_days_add AFTER INSERT ON usage BEGIN
    INSERT INTO usage_days VALUES (
        date(NEW.created_at, 'localtime'), NEW.provider, NEW.model, 1,
        coalesce(NEW.input_tokens, 0), coalesce(NEW.output_tokens, 0),
        coalesce(NEW.reasoning_tokens, 0), coalesce(NEW.cached_tokens, 0),
        coalesce(NEW.cost, 0), NEW.cost IS NOT NULL, NEW.estimated)
    ON CONFLICT (day, provider, model) DO UPDATE SET
        requests = requests + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        cost = cost + excluded.cost,
        priced = priced + excluded.priced,
        estimated = estimated + excluded.estimated;
END;

-- Sums by chat, kept alike: totals by chat over all time read one row a chat.
CREATE TABLE usage_chats (
    chat_id             TEXT PRIMARY KEY,
    requests            INTEGER NOT NULL,
    input_tokens        INTEGER NOT NULL,
    output_tokens       INTEGER NOT NULL,
    reasoning_tokens    INTEGER NOT NULL,
    cached_tokens       INTEGER NOT NULL,
    cost                REAL NOT NULL,
    priced              INTEGER NOT NULL,
    estimated           INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER usage_chats_add AFTER INSERT ON usage WHEN NEW.chat_id IS NOT NULL BEGIN
    INSERT INTO usage_chats VALUES (
        NEW.chat_id, 1, coalesce(NEW.input_tokens, 0), coalesce(NEW.output_tokens, 0),
        coalesce(NEW.reasoning_tokens, 0), coalesce(NEW.cached_tokens, 0),
        coalesce(NEW.cost, 0), NEW.cost IS NOT NULL, NEW.estimated)
    ON CONFLICT (chat_id) DO UPDATE SET
        requests = requests + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cached_tokens = cached_tokens + excluded.cached_tokens,
        cost = cost + excluded.cost,
        priced = priced + excluded.priced,
        estimated = estimated + excluded.estimated;
END;

-- Replies stored before the ledger, with the tokens their provider reported, are its first
-- rows (named by their message's id: a machine that restores them names them alike).
INSERT INTO usage (id, created_at, purpose, provider, model, chat_id, message_id,
                   input_tokens, output_tokens, cost)
SELECT id, created_at, 'reply', provider, model, chat_id, id, input_tokens, output_tokens, cost
FROM messages
WHERE role = 'assistant' AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL);

-- Backup sends each row once: the last one sent, by row number, per account.
ALTER TABLE backup_state ADD COLUMN usage_sent_upto INTEGER NOT NULL DEFAULT 0;
