-- Primer backup database, version 8: the usage ledger (domain/backup_usage.py). One row a
-- request to a model, never changed; it holds no content (token counts, times, costs and
-- model names), so nothing in it is sealed. Like every table, row-level security is
-- enabled and forced: an account's role sees its own rows only.
CREATE TABLE IF NOT EXISTS usage (
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id                  uuid NOT NULL,
    created_at          timestamptz NOT NULL,
    purpose             text NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    chat_id             uuid,
    message_id          uuid,
    input_tokens        integer,
    output_tokens       integer,
    reasoning_tokens    integer,
    cached_tokens       integer,
    first_token_ms      integer,
    duration_ms         integer,
    cost                double precision,
    rates               text,
    estimated           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, id)
);

DO $$
DECLARE
    owners text;
BEGIN
    ALTER TABLE usage ENABLE ROW LEVEL SECURITY;
    ALTER TABLE usage FORCE ROW LEVEL SECURITY;
    REVOKE ALL ON usage FROM PUBLIC;
    SELECT string_agg(DISTINCT quote_ident(r), ', ') INTO owners
    FROM pg_class c, unnest(ARRAY[current_user::text, pg_get_userbyid(c.relowner)::text]) r
    WHERE c.oid = 'usage'::regclass;
    DROP POLICY IF EXISTS primer_owner ON usage;
    EXECUTE format('CREATE POLICY primer_owner ON usage TO %s USING (true) WITH CHECK (true)',
                   owners);
    DROP POLICY IF EXISTS primer_own_rows ON usage;
    EXECUTE format('CREATE POLICY primer_own_rows ON usage TO %I'
                   ' USING (user_id = (SELECT primer_account_id()))'
                   ' WITH CHECK (user_id = (SELECT primer_account_id()))',
                   primer_role('accounts'));
    EXECUTE format('GRANT SELECT, INSERT ON usage TO %I', primer_role('accounts'));
END $$;
