-- Primer backup database, version 10: notes on messages (domain/backup_notes.py). A note
-- is replaced only by a newer state of it (a later edit; a deletion, which empties it),
-- so two machines end with the same notes. Its words and highlighted text arrive sealed.
-- Like every table, row-level security is enabled and forced: an account's role sees and
-- changes its own rows only.
CREATE TABLE IF NOT EXISTS notes (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          uuid NOT NULL,
    message_id  uuid NOT NULL,
    chat_id     uuid NOT NULL,
    text        text NOT NULL DEFAULT '',
    quote       text NOT NULL DEFAULT '',
    colour      text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz,
    PRIMARY KEY (user_id, id)
);

DO $$
DECLARE
    owners text;
BEGIN
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    ALTER TABLE notes FORCE ROW LEVEL SECURITY;
    REVOKE ALL ON notes FROM PUBLIC;
    SELECT string_agg(DISTINCT quote_ident(r), ', ') INTO owners
    FROM pg_class c, unnest(ARRAY[current_user::text, pg_get_userbyid(c.relowner)::text]) r
    WHERE c.oid = 'notes'::regclass;
    DROP POLICY IF EXISTS primer_owner ON notes;
    EXECUTE format('CREATE POLICY primer_owner ON notes TO %s USING (true) WITH CHECK (true)',
                   owners);
    DROP POLICY IF EXISTS primer_own_rows ON notes;
    EXECUTE format('CREATE POLICY primer_own_rows ON notes TO %I'
                   ' USING (user_id = (SELECT primer_account_id()))'
                   ' WITH CHECK (user_id = (SELECT primer_account_id()))',
                   primer_role('accounts'));
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON notes TO %I', primer_role('accounts'));
END $$;
