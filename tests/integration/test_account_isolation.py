"""Isolation between accounts inside the backup database (issue 17), on a real PostgreSQL:
each account's own role sees and changes its own rows only, whatever SQL it sends; sign-in
is checked and slowed by the server; anyone with the shared URL signs up without the
owner's; a new password, or the recovery key alone, opens the backup on a new machine."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from app.backup_database import remember_backup_url
from app.bootstrap import Primer, build
from app.secrets import InsecureFileSecretStore
from devtools import sample_files
from devtools.embedded_postgres import APP_ROLE, PostgresForTests
from domain.accounts import WRONG_CREDENTIALS
from domain.errors import AccountError, BackupRejected
from domain.use_cases.accounts import database_password_secret
from repositories.postgres.accounts import sign_up_url
from repositories.postgres.connection import BackupDatabase, account_role, split_password
from tests.integration.test_backup_files import chat_with_files
from tests.support.seeding import add_chat, table_rows

PASSWORD = "correct horse battery"
TABLES = ("chats", "messages", "deletions", "files", "file_chunks", "attachments",
          "user_api_keys")  # fmt: skip


def role_url(postgres_server: PostgresForTests, backup_url: str, role: str, password: str) -> str:
    name = backup_url.rsplit("/", 1)[1]
    return f"postgresql://{role}:{password}@{postgres_server.host}:{postgres_server.port}/{name}"


def as_account_url(primer: Primer, postgres_server: PostgresForTests, backup_url: str) -> str:
    """What someone holding this device's database login for its account can connect with."""
    account_id = primer.account_link.current().account_id
    password = primer.secrets.get(database_password_secret(account_id))
    return role_url(postgres_server, backup_url, account_role(account_id), password)


def two_accounts_backed_up(machine, tmp_path: Path) -> tuple[Primer, Primer]:
    ada, bob = machine("ada"), machine("bob")
    for primer, email in ((ada, "ada@example.org"), (bob, "bob@example.org")):
        primer.secrets.set("openai", f"sk-{email}")
        accounts = primer.accounts()
        accounts.register(email, PASSWORD)
        accounts.save_all_keys()
        add_chat(primer, f"{email} chat", 4)
        photo = sample_files.write(tmp_path / f"{email}.png", sample_files.photo(40, 30))
        chat_with_files(primer, f"{email} files", photo)
        account_id = primer.account_link.current().account_id
        primer.delete_chat(add_chat(primer, "Gone", 1).id)  # a tombstone too
        primer.backup_now()(account_id)
    return ada, bob


def test_an_accounts_own_role_reads_changes_and_deletes_only_its_own_rows(
    machine, backup_url: str, postgres_server: PostgresForTests, tmp_path: Path
) -> None:
    ada, bob = two_accounts_backed_up(machine, tmp_path)
    bob_id = bob.account_link.current().account_id
    ada_id = ada.account_link.current().account_id
    with psycopg.connect(backup_url) as owner:
        for table in TABLES:
            (count,) = owner.execute(
                f"SELECT count(*) FROM {table} WHERE user_id = %s", (bob_id,)
            ).fetchone()
            assert count > 0, table  # Bob has rows everywhere: a real test of hiding them

    with psycopg.connect(as_account_url(ada, postgres_server, backup_url)) as db:
        for table in TABLES:
            rows = db.execute(f"SELECT DISTINCT user_id::text FROM {table}").fetchall()
            assert rows == [(ada_id,)], table
            assert db.execute(
                f"SELECT count(*) FROM {table} WHERE user_id = %s", (bob_id,)
            ).fetchone() == (0,)
            assert (
                db.execute(
                    f"UPDATE {table} SET user_id = user_id WHERE user_id = %s", (bob_id,)
                ).rowcount
                == 0
            )
            assert db.execute(f"DELETE FROM {table} WHERE user_id = %s", (bob_id,)).rowcount == 0
        assert db.execute("SELECT id::text, email FROM users").fetchall() == [
            (ada_id, "ada@example.org")
        ]  # no other account's email
        db.commit()
        refused = [
            "SELECT password_hash FROM users",
            "SELECT recovery_hash FROM users",
            "SELECT * FROM sign_in_failures",
            "SELECT * FROM primer_install",
            f"INSERT INTO deletions VALUES ('{bob_id}', gen_random_uuid(), now())",
            f"UPDATE users SET email = 'x@example.org' WHERE id = '{ada_id}'",
            "ALTER TABLE chats DISABLE ROW LEVEL SECURITY",
        ]
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)
            db.rollback()

    with psycopg.connect(backup_url) as owner:  # Bob's rows all there, unchanged
        for table in TABLES:
            (count,) = owner.execute(
                f"SELECT count(*) FROM {table} WHERE user_id = %s", (bob_id,)
            ).fetchone()
            assert count > 0, table
    restored = machine("bob-again")
    restored.accounts().sign_in("bob@example.org", PASSWORD)
    report = restored.restore_backup()(bob_id)
    assert report.finished and not report.faults()
    titles = sorted(row[1] for row in table_rows(restored.data_dir)["chats"])
    assert titles == ["bob@example.org chat", "bob@example.org files"]


def failures(backup_url: str, account_id: str) -> tuple[int, float] | None:
    with psycopg.connect(backup_url) as owner:
        return owner.execute(
            "SELECT failures, extract(epoch FROM next_allowed_at - now())::float"
            " FROM sign_in_failures WHERE user_id = %s",
            (account_id,),
        ).fetchone()


def test_wrong_passwords_are_counted_and_slowed_by_the_server_for_every_caller(
    machine, backup_url: str, postgres_server: PostgresForTests, tmp_path: Path
) -> None:
    ada, bob = two_accounts_backed_up(machine, tmp_path)
    bob_id = bob.account_link.current().account_id
    # Ada's own database login calls the sign-in function for Bob with wrong verifiers.
    with psycopg.connect(as_account_url(ada, postgres_server, backup_url)) as db:
        for tries in range(1, 4):  # a few typos cost nothing
            row = db.execute(
                "SELECT outcome, wait_seconds, account FROM primer_sign_in(%s, %s, NULL)",
                ("bob@example.org", b"a guess of the verifier"),
            ).fetchone()
            db.commit()
            assert row == ("wrong", 0, None)
            assert failures(backup_url, bob_id)[0] == tries
        db.execute("SELECT primer_sign_in('bob@example.org', 'another guess', NULL)")
        db.commit()
        count, wait = failures(backup_url, bob_id)
        assert count == 4 and 0 < wait <= 1
        outcome, seconds = db.execute(
            "SELECT outcome, wait_seconds FROM primer_sign_in('bob@example.org', 'x', NULL)"
        ).fetchone()
        assert (outcome, seconds) == ("wait", 1)  # and the wait is said
    # Every Primer sees the same count: even the right password waits now.
    with pytest.raises(AccountError, match="Try again in 1 second"):
        machine("bob-phone").accounts().sign_in("bob@example.org", PASSWORD)
    for expected in (2, 4, 8):  # then doubling
        with psycopg.connect(backup_url) as owner:  # the wait has passed
            owner.execute("UPDATE sign_in_failures SET next_allowed_at = now()")
        with pytest.raises(AccountError, match=WRONG_CREDENTIALS):
            machine("bob-phone").accounts().sign_in("bob@example.org", "not the password")
        assert expected - 1 < failures(backup_url, bob_id)[1] <= expected
    with psycopg.connect(backup_url) as owner:
        owner.execute("UPDATE sign_in_failures SET next_allowed_at = now()")
    machine("bob-tablet").accounts().sign_in("bob@example.org", PASSWORD)
    assert failures(backup_url, bob_id) is None  # a success clears it


def test_an_email_with_no_account_is_slowed_as_one_with_an_account(
    machine, backup_url: str, postgres_server: PostgresForTests, tmp_path: Path
) -> None:
    """Else the fifth wrong try would tell which emails have accounts ("wait" for Bob's,
    "wrong" for a made-up one). The count is kept under a keyed hash, not the email."""
    ada, _bob = two_accounts_backed_up(machine, tmp_path)
    answers: dict[str, list[tuple[str, int]]] = {}
    with psycopg.connect(as_account_url(ada, postgres_server, backup_url)) as db:
        for email in ("bob@example.org", "nobody@example.org"):
            answers[email] = []
            for _ in range(6):
                answers[email].append(db.execute(
                    "SELECT outcome, wait_seconds FROM primer_sign_in(%s, 'guess', NULL)",
                    (email,),
                ).fetchone())  # fmt: skip
                db.commit()
        opened = db.execute(
            "SELECT outcome, wait_seconds FROM primer_recovery_open('nobody@example.org', 'x')"
        ).fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("SELECT * FROM unknown_sign_in_failures")
    assert answers["bob@example.org"] == answers["nobody@example.org"]
    assert answers["nobody@example.org"] == [("wrong", 0)] * 4 + [("wait", 1)] * 2
    assert opened == ("wait", 1)  # (recovery counts with sign-in)
    with pytest.raises(AccountError, match="Try again in 1 second"):
        machine("stranger").accounts().sign_in("nobody@example.org", PASSWORD)
    with psycopg.connect(backup_url) as owner:
        keys = owner.execute("SELECT email_key, failures FROM unknown_sign_in_failures").fetchall()
        owner.execute("UPDATE unknown_sign_in_failures SET next_allowed_at = now()")
    assert len(keys) == 1 and keys[0][1] == 4 and b"nobody" not in bytes(keys[0][0])
    with pytest.raises(AccountError, match=WRONG_CREDENTIALS):  # (the wait over: wrong again)
        machine("stranger").accounts().sign_in("nobody@example.org", PASSWORD)


def test_the_shared_url_signs_up_backs_up_and_restores_without_the_owners(
    machine, backup_url: str, tmp_path: Path
) -> None:
    owner = machine("owner")
    owner.backup_database()  # the owner sets the schema up (`primer db upgrade`)
    shared = sign_up_url(BackupDatabase(*split_password(backup_url)))
    assert shared is not None and "_gate:" in shared
    assert sign_up_url(BackupDatabase(*split_password(shared))) is None  # not the owner's

    def on_shared(name: str) -> Primer:
        secrets = InsecureFileSecretStore(tmp_path / f"{name}-keys.json")
        primer = build(tmp_path / name, secrets=secrets)
        primer.apply_settings(remember_backup_url(primer.settings, secrets, shared))
        return primer

    laptop = on_shared("laptop")
    account = laptop.accounts().register("ada@example.org", PASSWORD).account
    chat = add_chat(laptop, "Made through the gate", 5)
    report = laptop.backup_now()(account.account_id)
    assert report.finished and report.messages_sent == 5
    desktop = on_shared("desktop")
    desktop.accounts().sign_in("ada@example.org", PASSWORD)
    desktop.restore_backup()(account.account_id)
    assert [row[0] for row in table_rows(desktop.data_dir)["chats"]] == [chat.id]
    # The gate itself reads no table.
    with psycopg.connect(shared) as gate:
        for table in (*TABLES, "users", "sign_in_failures", "primer_install", "primer_schema"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                gate.execute(f"SELECT 1 FROM {table}")
            gate.rollback()


def test_sign_ups_through_the_shared_url_stop_at_the_owners_limit(
    machine, backup_url: str, tmp_path: Path
) -> None:
    """A leaked sign-up URL cannot make accounts (and roles) without end: past the hour's
    limit (20 unless the owner sets another), sign-up is refused in a sentence and leaves
    nothing behind."""
    machine("owner").backup_database()
    with psycopg.connect(backup_url) as owner:
        assert owner.execute("SELECT sign_ups_per_hour FROM primer_install").fetchone() == (20,)
        owner.execute("UPDATE primer_install SET sign_ups_per_hour = 2")
    shared = sign_up_url(BackupDatabase(*split_password(backup_url)))
    assert shared is not None

    def register(name: str, url: str = shared) -> None:
        secrets = InsecureFileSecretStore(tmp_path / f"{name}-keys.json")
        primer = build(tmp_path / name, secrets=secrets)
        primer.apply_settings(remember_backup_url(primer.settings, secrets, url))
        primer.accounts().register(f"{name}@example.org", PASSWORD)

    register("ada")
    register("bob")
    with pytest.raises(AccountError, match="as many new accounts as it allows in an hour"):
        register("eve")
    with psycopg.connect(backup_url) as owner:
        emails = [row[0] for row in owner.execute("SELECT email FROM users ORDER BY email")]
    assert emails == ["ada@example.org", "bob@example.org"]
    register("carol", backup_url)  # the owner's own URL is not limited
    with psycopg.connect(backup_url) as owner:
        owner.execute("UPDATE users SET created_at = now() - interval '2 hours'")
    register("eve")  # (an hour on, there is room again)


def test_after_a_password_change_and_with_the_recovery_key_alone_restore_works(
    machine, backup_url: str, postgres_server: PostgresForTests
) -> None:
    laptop = machine("laptop")
    account, recovery_key = laptop.accounts().register("ada@example.org", PASSWORD)
    chats = [add_chat(laptop, f"Chat {n}", 3).id for n in range(3)]
    laptop.backup_now()(account.account_id)
    old_login = as_account_url(laptop, postgres_server, backup_url)

    laptop.accounts().change_password(PASSWORD, "a brand new passphrase")
    with pytest.raises(psycopg.OperationalError):  # the old database password is gone too
        psycopg.connect(old_login).close()
    add_chat(laptop, "After the change", 2)
    laptop.backup_now()(account.account_id)  # this device goes on with the new login
    desktop = machine("desktop")
    with pytest.raises(AccountError, match=WRONG_CREDENTIALS):
        desktop.accounts().sign_in("ada@example.org", PASSWORD)
    desktop.accounts().sign_in("ada@example.org", "a brand new passphrase")
    assert desktop.restore_backup()(account.account_id).finished
    assert len(table_rows(desktop.data_dir)["chats"]) == 4

    # The new password forgotten too: the recovery key alone, on a machine with nothing.
    tablet = machine("tablet")
    with pytest.raises(AccountError, match="recovery key is wrong"):
        tablet.accounts().recover("ada@example.org", "A" * 32, "third passphrase here")
    tablet.accounts().recover("ada@example.org", recovery_key, "third passphrase here")
    report = tablet.restore_backup()(account.account_id)
    assert report.finished and not report.faults()
    restored = {row[0] for row in table_rows(tablet.data_dir)["chats"]}
    assert set(chats) <= restored and len(restored) == 4
    with pytest.raises(AccountError, match=WRONG_CREDENTIALS):
        machine("phone").accounts().sign_in("ada@example.org", "a brand new passphrase")
    with pytest.raises(BackupRejected, match="password was changed on another computer"):
        laptop.backup_now()(account.account_id)  # the laptop's login is the old one: said
    machine("phone").accounts().sign_in("ada@example.org", "third passphrase here")


def test_a_database_whose_schema_is_behind_is_named_to_the_shared_urls_user(
    machine, backup_url: str
) -> None:
    machine("owner").backup_database()
    shared = sign_up_url(BackupDatabase(*split_password(backup_url)))
    with psycopg.connect(backup_url) as owner:
        owner.execute(
            "DELETE FROM primer_schema WHERE version = (SELECT max(version) FROM primer_schema)"
        )
    from repositories.postgres.migrations import upgrade

    with pytest.raises(BackupRejected, match="primer db upgrade"):
        upgrade(BackupDatabase(*split_password(shared)))


def admin_of(postgres_server: PostgresForTests, backup_url: str) -> str:
    """The server's superuser, in this test's database."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(postgres_server.admin_url, dbname=backup_url.rsplit("/", 1)[1])


HIJACK = (
    "CREATE FUNCTION public.primer_role_account(role_name name) RETURNS uuid"
    " LANGUAGE sql AS $$ SELECT id FROM users WHERE email = 'bob@example.org' $$"
)
"""What a role that may create objects in the schema could do: Primer's SECURITY DEFINER
functions call primer_role_account(session_user), and a (name) overload matches that call
more closely than Primer's (text); its SQL would run as the owner."""


def test_where_every_role_may_create_in_the_schema_setting_up_takes_that_away(
    machine, backup_url: str, postgres_server: PostgresForTests
) -> None:
    """PostgreSQL 14 and older let every role create objects in `public`: with that, an
    account's role, or anyone with the shared URL, could run SQL as the database's owner.
    Setting the schema up takes the right away, so neither can."""
    with psycopg.connect(admin_of(postgres_server, backup_url), autocommit=True) as admin:
        admin.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")  # PostgreSQL 14's default
    ada = machine("ada")
    ada.accounts().register("ada@example.org", PASSWORD)
    machine("bob").accounts().register("bob@example.org", PASSWORD)
    shared = sign_up_url(BackupDatabase(*split_password(backup_url)))
    assert shared is not None
    for url in (as_account_url(ada, postgres_server, backup_url), shared):
        with psycopg.connect(url) as db, pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute(HIJACK)
    with psycopg.connect(backup_url) as owner:
        (hashes,) = owner.execute("SELECT count(DISTINCT recovery_hash) FROM users").fetchone()
    assert hashes == 2


def test_where_that_right_cannot_be_taken_away_setting_up_stops_and_says_how(
    machine, backup_url: str, postgres_server: PostgresForTests
) -> None:
    """PostgreSQL 14's `public` belongs to the server's superuser, not the database's
    owner, who then cannot take the right away: Primer stops and says what to run."""
    with psycopg.connect(admin_of(postgres_server, backup_url), autocommit=True) as admin:
        admin.execute("ALTER SCHEMA public OWNER TO CURRENT_USER")
        admin.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    owner = machine("owner")
    with pytest.raises(BackupRejected) as refusal:
        owner.backup_database()
    said = str(refusal.value)
    assert "every role may create objects in schema public" in said
    revoke, grant = re.findall(r"(REVOKE [^;]+|GRANT [^;]+);", said)
    assert revoke == "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
    assert grant == f"GRANT CREATE ON SCHEMA public TO {APP_ROLE}"
    with psycopg.connect(admin_of(postgres_server, backup_url), autocommit=True) as admin:
        admin.execute(revoke)  # as the message says
        admin.execute(grant)
    owner.backup_database()  # and setting up goes on from where it stopped
    with psycopg.connect(backup_url) as db:
        (version,) = db.execute("SELECT max(version) FROM primer_schema").fetchone()
    assert version == 13
