-- Primer backup database, version 7: isolation between accounts inside the database.
--
-- * Every account signs in to the database as a role of its own ("primer_" and the account
--   id's 32 hex digits), with a password Primer derives from the account password. Row-level
--   security is enabled and forced on every table: an account's role sees, changes and
--   deletes its own rows only, whatever SQL it sends.
-- * Password hashes, recovery hashes and other accounts' emails are read by no client:
--   sign-up, sign-in, recovery and password change are SECURITY DEFINER functions below.
--   Sign-in failures are counted here, per account, and slow the next try.
-- * Registering needs no owner URL: the "gate" role (its URL is printed by `primer db
--   upgrade`) may call the sign-up, sign-in and recovery functions and nothing else.
--
-- Run by the database's owner, who needs CREATEROLE (Supabase's `postgres` role has it).
-- Written to be harmless when re-applied.

CREATE TABLE IF NOT EXISTS primer_install (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    tag             text NOT NULL,      -- names this database's Primer roles
    gate_password   text NOT NULL,      -- the gate role's password, for the owner to share
    salt_secret     bytea NOT NULL      -- gives an unknown email a steady made-up salt
);
INSERT INTO primer_install (tag, gate_password, salt_secret)
SELECT substr(replace(gen_random_uuid()::text, '-', ''), 1, 8),
       replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
       sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8'))
ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS sign_in_failures (
    user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures        integer NOT NULL,
    next_allowed_at timestamptz NOT NULL
);

-- A recovery key unwraps the data key as the password does; the server keeps a hash of
-- what proves it (a random 160-bit key: a plain SHA-256 is enough) and the wrapped key.
ALTER TABLE users ADD COLUMN IF NOT EXISTS recovery_hash text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS recovery_wrapped_key bytea;
ALTER TABLE users ADD COLUMN IF NOT EXISTS recovery_nonce bytea;

CREATE OR REPLACE FUNCTION primer_role(kind text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'primer_' || tag || '_' || kind FROM primer_install
$$;

CREATE OR REPLACE FUNCTION primer_account_role(account uuid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'primer_' || replace(account::text, '-', '')
$$;

-- The account a role signs in for; NULL for any other role (the owner, the gate).
CREATE OR REPLACE FUNCTION primer_role_account(role_name text) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN role_name ~ '^primer_[0-9a-f]{32}$' THEN substr(role_name, 8)::uuid END
$$;

-- The account whose role is asking (in a policy: the role running the query).
CREATE OR REPLACE FUNCTION primer_account_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT primer_role_account(current_user)
$$;

DO $$
DECLARE
    accounts text := primer_role('accounts');
    gate text := primer_role('gate');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = accounts) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', accounts);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = gate) THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT CONNECTION LIMIT 50 PASSWORD %L',
                       gate, (SELECT gate_password FROM primer_install));
    END IF;
END $$;

-- The delay after `failures` wrong tries in a row: three are free, then 1 s, 2 s, 4 s ...
-- up to 15 minutes (the rule the client kept before, domain/accounts.py).
CREATE OR REPLACE FUNCTION primer_next_try(failures integer) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN failures <= 3 THEN now()
                ELSE now() + least(power(2, least(failures - 4, 20)), 900) * interval '1 second'
           END
$$;

-- Seconds until the account may try again (0: now).
CREATE OR REPLACE FUNCTION primer_wait(account uuid) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT greatest(0, ceil(extract(epoch FROM next_allowed_at - now())))::integer
                     FROM sign_in_failures WHERE user_id = account), 0)
$$;

CREATE OR REPLACE FUNCTION primer_note_try(account uuid, succeeded boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF succeeded THEN
        DELETE FROM sign_in_failures WHERE user_id = account;
    ELSE
        INSERT INTO sign_in_failures AS f (user_id, failures, next_allowed_at)
        VALUES (account, 1, primer_next_try(1))
        ON CONFLICT (user_id) DO UPDATE
        SET failures = f.failures + 1, next_allowed_at = primer_next_try(f.failures + 1);
    END IF;
END $$;

-- The account's role, made if missing, its password set to `secret` (a SCRAM verifier:
-- the server never holds the password itself).
CREATE OR REPLACE FUNCTION primer_set_role(account uuid, secret text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    role_name text := primer_account_role(account);
BEGIN
    IF secret IS NULL OR secret NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'the database password must come as a SCRAM-SHA-256 verifier'
            USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', role_name, secret);
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN INHERIT CONNECTION LIMIT 20 PASSWORD %L IN ROLE %I',
                       role_name, secret, primer_role('accounts'));
    END IF;
    RETURN role_name;
END $$;

CREATE OR REPLACE FUNCTION primer_sign_up(
    account uuid, email text, verifier_hash text, salt bytea, wrapped bytea, nonce bytea,
    params text, role_secret text, recovery_hash text, recovery_wrapped bytea,
    recovery_nonce bytea
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF verifier_hash NOT LIKE 'primer-v2$%' THEN
        RAISE EXCEPTION 'the sign-in verifier is not in the form this database keeps'
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO users (id, email, password_hash, kdf_salt, wrapped_data_key, wrap_nonce,
                       kdf_params, recovery_hash, recovery_wrapped_key, recovery_nonce)
    VALUES (account, email, verifier_hash, salt, wrapped, nonce, params, recovery_hash,
            recovery_wrapped, recovery_nonce);
    RETURN primer_set_role(account, role_secret);
END $$;

-- The salt and parameters to derive the verifier with. An unknown email gets a made-up
-- salt that stays the same, so this does not tell which emails have accounts.
CREATE OR REPLACE FUNCTION primer_sign_in_salt(email text)
RETURNS TABLE (salt bytea, params text)
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT coalesce(
               (SELECT u.kdf_salt FROM users u WHERE lower(u.email) = lower($1)),
               substr(sha256((SELECT salt_secret FROM primer_install)
                             || convert_to(lower($1), 'UTF8')), 1, 16)),
           coalesce(
               (SELECT u.kdf_params FROM users u WHERE lower(u.email) = lower($1)),
               (SELECT u.kdf_params FROM users u ORDER BY u.created_at DESC LIMIT 1))
$$;

-- outcome: 'ok' (the rest is filled in), 'wrong', 'wait' (wait_seconds says how long), or
-- 'legacy' (an account from before one Argon2id run: its hash can only be checked by a
-- Primer, so it signs in once with the owner's URL). A missing role is made with
-- `role_secret` (accounts registered before this version).
CREATE OR REPLACE FUNCTION primer_sign_in(email text, verifier bytea, role_secret text)
RETURNS TABLE (outcome text, wait_seconds integer, account uuid, account_email text,
               wrapped bytea, nonce bytea, params text)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    acct users;
BEGIN
    wait_seconds := 0;
    SELECT * INTO acct FROM users u WHERE lower(u.email) = lower($1);
    IF NOT FOUND THEN
        outcome := 'wrong';
    ELSIF primer_wait(acct.id) > 0 THEN
        outcome := 'wait';
        wait_seconds := primer_wait(acct.id);
    ELSIF acct.password_hash NOT LIKE 'primer-v2$%' THEN
        outcome := 'legacy';
    ELSIF acct.password_hash <> 'primer-v2$' || encode(sha256(verifier), 'hex') THEN
        PERFORM primer_note_try(acct.id, false);
        outcome := 'wrong';
    ELSE
        PERFORM primer_note_try(acct.id, true);
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = primer_account_role(acct.id)) THEN
            PERFORM primer_set_role(acct.id, role_secret);
        END IF;
        outcome := 'ok';
        account := acct.id;
        account_email := acct.email;
        wrapped := acct.wrapped_data_key;
        nonce := acct.wrap_nonce;
        params := acct.kdf_params;
    END IF;
    RETURN NEXT;
END $$;

-- The data key wrapped under the recovery key, once the recovery key proves itself
-- (outcome as for sign-in; failures count with the password's).
CREATE OR REPLACE FUNCTION primer_recovery_open(email text, recovery_verifier bytea)
RETURNS TABLE (outcome text, wait_seconds integer, account uuid, wrapped bytea, nonce bytea)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    acct users;
BEGIN
    wait_seconds := 0;
    SELECT * INTO acct FROM users u WHERE lower(u.email) = lower($1);
    IF NOT FOUND OR acct.recovery_hash IS NULL THEN
        outcome := 'wrong';
    ELSIF primer_wait(acct.id) > 0 THEN
        outcome := 'wait';
        wait_seconds := primer_wait(acct.id);
    ELSIF acct.recovery_hash <> encode(sha256(recovery_verifier), 'hex') THEN
        PERFORM primer_note_try(acct.id, false);
        outcome := 'wrong';
    ELSE
        outcome := 'ok';
        account := acct.id;
        wrapped := acct.recovery_wrapped_key;
        nonce := acct.recovery_nonce;
    END IF;
    RETURN NEXT;
END $$;

-- A new password after the recovery key proved itself: new verifier, new wrapping of the
-- same data key, new role password. Returns 'ok', 'wrong' or 'wait' as above.
CREATE OR REPLACE FUNCTION primer_recover(
    email text, recovery_verifier bytea, verifier_hash text, salt bytea, wrapped bytea,
    nonce bytea, params text, role_secret text
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    opened record;
BEGIN
    SELECT * INTO opened FROM primer_recovery_open($1, $2);
    IF opened.outcome <> 'ok' THEN
        RETURN opened.outcome;
    END IF;
    UPDATE users SET password_hash = verifier_hash, kdf_salt = salt, wrapped_data_key = wrapped,
                     wrap_nonce = nonce, kdf_params = params, updated_at = now()
    WHERE id = opened.account;
    PERFORM primer_note_try(opened.account, true);
    PERFORM primer_set_role(opened.account, role_secret);
    RETURN 'ok';
END $$;

-- Called by an account's own role, with the old verifier: the same, with a new password.
CREATE OR REPLACE FUNCTION primer_change_password(
    old_verifier bytea, verifier_hash text, salt bytea, wrapped bytea, nonce bytea,
    params text, role_secret text
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    me uuid;
BEGIN
    SELECT id INTO me FROM users
    WHERE id = primer_role_account(session_user)  -- the caller (current_user is the owner here)
    AND password_hash = 'primer-v2$' || encode(sha256(old_verifier), 'hex');
    IF me IS NULL THEN
        RETURN 'wrong';
    END IF;
    UPDATE users SET password_hash = verifier_hash, kdf_salt = salt, wrapped_data_key = wrapped,
                     wrap_nonce = nonce, kdf_params = params, updated_at = now()
    WHERE id = me;
    PERFORM primer_set_role(me, role_secret);
    RETURN 'ok';
END $$;

-- Called by an account's own role: a new recovery key (the old one stops working).
CREATE OR REPLACE FUNCTION primer_set_recovery(hash text, wrapped bytea, nonce bytea)
RETURNS void
LANGUAGE sql SECURITY DEFINER AS $$
    UPDATE users SET recovery_hash = hash, recovery_wrapped_key = wrapped,
                     recovery_nonce = nonce, updated_at = now()
    WHERE id = primer_role_account(session_user)  -- the caller, not the owner
$$;

-- Which schema version this database is at, for a Primer that may not read primer_schema.
CREATE OR REPLACE FUNCTION primer_schema_version() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT max(version) FROM primer_schema
$$;

DO $$
DECLARE
    accounts text := primer_role('accounts');
    gate text := primer_role('gate');
    api_role text;
    owners text;
    item record;
    table_name text;
BEGIN
    -- Functions: nobody but the owner, then each to whom it is for. Their search path is
    -- fixed to this schema (then pg_temp, last), so a caller cannot put objects before it.
    FOR item IN
        SELECT p.oid::regprocedure AS signature, p.proname AS name
        FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace
        AND p.proname LIKE 'primer\_%'
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp',
                       item.signature, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', item.signature);
        -- Supabase's API roles are given every new function by default; not these.
        FOR api_role IN SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated')
        LOOP
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', item.signature, api_role);
        END LOOP;
        IF item.name IN ('primer_sign_up', 'primer_sign_in_salt', 'primer_sign_in',
                         'primer_recovery_open', 'primer_recover', 'primer_schema_version') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I, %I', item.signature, gate,
                           accounts);
        ELSIF item.name IN ('primer_change_password', 'primer_set_recovery',
                            'primer_account_id', 'primer_role_account') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', item.signature, accounts);
        END IF;
    END LOOP;

    -- Tables: row-level security enabled and forced on every one. An account's role sees
    -- the rows of its own account; the owner (and the functions above, which run as the
    -- owner) sees all; every other role sees none.
    FOR table_name IN SELECT unnest(ARRAY['users', 'user_api_keys', 'chats', 'messages',
            'deletions', 'files', 'file_chunks', 'attachments', 'sign_in_failures',
            'primer_install', 'primer_schema'])
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', table_name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', table_name);
        EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', table_name);
        EXECUTE format('DROP POLICY IF EXISTS primer_owner ON %I', table_name);
        -- The owner: the table's, and whoever upgrades (the functions' owner), if another.
        SELECT string_agg(DISTINCT quote_ident(r), ', ') INTO owners
        FROM pg_class c, unnest(ARRAY[current_user::text, pg_get_userbyid(c.relowner)::text]) r
        WHERE c.oid = table_name::regclass;
        EXECUTE format('CREATE POLICY primer_owner ON %I TO %s USING (true) WITH CHECK (true)',
                       table_name, owners);
    END LOOP;
    FOREACH table_name IN ARRAY ARRAY['user_api_keys', 'chats', 'messages', 'deletions',
            'files', 'file_chunks', 'attachments']
    LOOP
        EXECUTE format('DROP POLICY IF EXISTS primer_own_rows ON %I', table_name);
        EXECUTE format('CREATE POLICY primer_own_rows ON %I TO %I'
                       ' USING (user_id = (SELECT primer_account_id()))'
                       ' WITH CHECK (user_id = (SELECT primer_account_id()))',
                       table_name, accounts);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', table_name, accounts);
    END LOOP;
    DROP POLICY IF EXISTS primer_own_rows ON users;
    EXECUTE format('CREATE POLICY primer_own_rows ON users TO %I'
                   ' USING (id = (SELECT primer_account_id()))'
                   ' WITH CHECK (id = (SELECT primer_account_id()))', accounts);
    -- An account reads what it needs of its own row, never its hashes; it marks only when
    -- its content was sealed.
    EXECUTE format('GRANT SELECT (id, email, kdf_salt, wrapped_data_key, wrap_nonce,'
                   ' kdf_params, content_sealed_at) ON users TO %I', accounts);
    EXECUTE format('GRANT UPDATE (content_sealed_at) ON users TO %I', accounts);
END $$;
