-- Primer backup database, version 12: a limit on sign-ups. Anyone holding the shared
-- sign-up URL may register; without a limit, a leaked URL could make accounts (and their
-- database roles) without end. Through the shared URL (or an account's own login), a
-- sign-up is refused once `sign_ups_per_hour` accounts were made in the past hour (20
-- unless the owner sets another: UPDATE primer_install SET sign_ups_per_hour = …), with
-- SQLSTATE 53400, which Primer says in a sentence. The owner's URL is not limited.

ALTER TABLE primer_install ADD COLUMN IF NOT EXISTS sign_ups_per_hour integer NOT NULL DEFAULT 20;

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
    -- The owner, signing up with the owner's URL, is not limited: the shared URL (the
    -- gate) and accounts' own logins are. One sign-up at a time counts, so two at once
    -- cannot both slip under the limit.
    IF session_user = primer_role('gate') OR primer_role_account(session_user) IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('primer_sign_up'));
        IF (SELECT count(*) FROM users WHERE created_at > now() - interval '1 hour')
           >= (SELECT sign_ups_per_hour FROM primer_install) THEN
            RAISE EXCEPTION 'this backup database takes no more new accounts this hour'
                USING ERRCODE = '53400';
        END IF;
    END IF;
    INSERT INTO users (id, email, password_hash, kdf_salt, wrapped_data_key, wrap_nonce,
                       kdf_params, recovery_hash, recovery_wrapped_key, recovery_nonce)
    VALUES (account, email, verifier_hash, salt, wrapped, nonce, params, recovery_hash,
            recovery_wrapped, recovery_nonce);
    RETURN primer_set_role(account, role_secret);
END $$;

DO $$
DECLARE
    item record;
BEGIN
    -- Replaced, it keeps its grants; its search path is fixed again.
    FOR item IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace AND p.proname = 'primer_sign_up'
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp',
                       item.signature, current_schema());
    END LOOP;
END $$;
