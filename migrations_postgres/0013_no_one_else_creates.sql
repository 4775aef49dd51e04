-- Primer backup database, version 13: no role Primer signs in with may create objects in
-- Primer's schema.
--
-- PostgreSQL 14 and older let every role create objects in `public` by default. Primer's
-- SECURITY DEFINER functions run as the owner with their search path fixed to this schema,
-- so a function an account's role (or anyone with the shared URL) put there, matching a
-- call more closely than Primer's own (primer_role_account(name) for session_user, whose
-- type is name, where Primer's takes text), ran its SQL as the owner: it could rewrite
-- another account's recovery key, or read every row. PostgreSQL 15 took the right from
-- PUBLIC; this takes it on older servers too, and stops, saying what to run, where the
-- database's owner may not (PostgreSQL 14's `public` belongs to the server's superuser).
DO $$
DECLARE
    here text := current_schema();
    role_name text;
BEGIN
    IF has_schema_privilege('public', here, 'CREATE') THEN
        EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', here);
    END IF;
    IF has_schema_privilege('public', here, 'CREATE') THEN
        RAISE EXCEPTION 'every role may create objects in schema %, and could then run SQL '
            'as the database''s owner. The schema''s owner (on PostgreSQL 14, the server''s '
            'superuser) stops that with REVOKE CREATE ON SCHEMA % FROM PUBLIC; GRANT CREATE '
            'ON SCHEMA % TO %; then set Primer up again', here, here, here, current_user;
    END IF;
    FOR role_name IN
        SELECT rolname FROM pg_roles
        WHERE rolname IN (primer_role('gate'), primer_role('accounts'))
           OR primer_role_account(rolname) IS NOT NULL
    LOOP
        IF has_schema_privilege(role_name, here, 'CREATE') THEN
            RAISE EXCEPTION 'role % may create objects in schema %, and could then run SQL '
                'as the database''s owner. Stop that with REVOKE CREATE ON SCHEMA % FROM %; '
                'then set Primer up again', role_name, here, here, role_name;
        END IF;
    END LOOP;
END $$;
