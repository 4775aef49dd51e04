-- Primer backup database, version 11: an email with no account is slowed as one with an
-- account is. Before, only accounts counted wrong tries, so after four a known email
-- answered "wait" and an unknown one "wrong": that told which emails have accounts. Wrong
-- tries for an unknown email are now counted under a keyed hash of it (never the email
-- itself, and unknown to anyone without the owner's secret) and slowed by the same rule.
-- A count left alone for 30 days is dropped when another unknown email is tried, so that
-- guesses of many emails cannot fill the table.

CREATE TABLE IF NOT EXISTS unknown_sign_in_failures (
    email_key       bytea PRIMARY KEY,
    failures        integer NOT NULL,
    next_allowed_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_unknown_sign_in_failures_age
    ON unknown_sign_in_failures (next_allowed_at);

CREATE OR REPLACE FUNCTION primer_email_key(email text) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT sha256((SELECT salt_secret FROM primer_install)
                  || convert_to('sign-in brake:' || lower(email), 'UTF8'))
$$;

-- A try with an email that has no account: 'wait' (and how long) while its count holds,
-- else 'wrong', counted.
CREATE OR REPLACE FUNCTION primer_unknown_try(email text, OUT outcome text,
                                              OUT wait_seconds integer)
LANGUAGE plpgsql AS $$
DECLARE
    key bytea := primer_email_key(email);
BEGIN
    SELECT greatest(0, ceil(extract(epoch FROM f.next_allowed_at - now())))::integer
    INTO wait_seconds FROM unknown_sign_in_failures f WHERE f.email_key = key;
    wait_seconds := coalesce(wait_seconds, 0);
    IF wait_seconds > 0 THEN
        outcome := 'wait';
        RETURN;
    END IF;
    DELETE FROM unknown_sign_in_failures WHERE next_allowed_at < now() - interval '30 days';
    INSERT INTO unknown_sign_in_failures AS f (email_key, failures, next_allowed_at)
    VALUES (key, 1, primer_next_try(1))
    ON CONFLICT (email_key) DO UPDATE
    SET failures = f.failures + 1, next_allowed_at = primer_next_try(f.failures + 1);
    outcome := 'wrong';
END $$;

-- As in version 7, but an unknown email's try goes through primer_unknown_try.
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
        SELECT t.outcome, t.wait_seconds INTO outcome, wait_seconds FROM primer_unknown_try($1) t;
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

-- As in version 7, but an unknown email's try goes through primer_unknown_try.
CREATE OR REPLACE FUNCTION primer_recovery_open(email text, recovery_verifier bytea)
RETURNS TABLE (outcome text, wait_seconds integer, account uuid, wrapped bytea, nonce bytea)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    acct users;
BEGIN
    wait_seconds := 0;
    SELECT * INTO acct FROM users u WHERE lower(u.email) = lower($1);
    IF NOT FOUND THEN
        SELECT t.outcome, t.wait_seconds INTO outcome, wait_seconds FROM primer_unknown_try($1) t;
    ELSIF acct.recovery_hash IS NULL THEN
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

DO $$
DECLARE
    owners text;
    item record;
    api_role text;
BEGIN
    -- The new functions as version 7's: the owner's only, their search path fixed (the
    -- two replaced keep their grants).
    FOR item IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace
        AND p.proname IN ('primer_email_key', 'primer_unknown_try', 'primer_sign_in',
                          'primer_recovery_open')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp',
                       item.signature, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', item.signature);
        FOR api_role IN SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated')
        LOOP
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', item.signature, api_role);
        END LOOP;
    END LOOP;
    ALTER TABLE unknown_sign_in_failures ENABLE ROW LEVEL SECURITY;
    ALTER TABLE unknown_sign_in_failures FORCE ROW LEVEL SECURITY;
    REVOKE ALL ON unknown_sign_in_failures FROM PUBLIC;
    SELECT string_agg(DISTINCT quote_ident(r), ', ') INTO owners
    FROM pg_class c, unnest(ARRAY[current_user::text, pg_get_userbyid(c.relowner)::text]) r
    WHERE c.oid = 'unknown_sign_in_failures'::regclass;
    DROP POLICY IF EXISTS primer_owner ON unknown_sign_in_failures;
    EXECUTE format('CREATE POLICY primer_owner ON unknown_sign_in_failures TO %s'
                   ' USING (true) WITH CHECK (true)', owners);
END $$;
