"""Accounts on a real PostgreSQL: Argon2id, sealed API keys, password change, plain failures."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from pathlib import Path

import psycopg
import pytest

from app import account_crypto
from app.backup_database import PASSWORD_SECRET, remember_backup_url
from app.bootstrap import build
from app.secrets import InsecureFileSecretStore
from devtools import sample_files
from devtools.embedded_postgres import APP_PASSWORD, PostgresForTests, free_port
from domain.accounts import ONE_RUN, WRONG_CREDENTIALS
from domain.errors import AccountError, BackupRejected, BackupUnreachable
from domain.use_cases.accounts import data_key_secret
from repositories.postgres.connection import BackupDatabase, split_password
from repositories.postgres.migrations import upgrade
from tests.integration.test_backup_files import chat_with_files
from tests.support.seeding import add_chat
from tests.support.tls_proxy import TlsTerminator, make_certificate

PASSWORD = "correct horse battery"
OPENAI_KEY = "sk-live-THIS-MUST-NEVER-BE-SEEN-0123456789"
GEMINI_KEY = "AIza-ALSO-SECRET-abcdefghijklmnop"


def test_keys_follow_the_account_to_a_new_machine_and_survive_a_password_change(
    machine, backup_url: str
) -> None:
    laptop = machine("laptop")
    laptop.secrets.set("openai", OPENAI_KEY)
    accounts = laptop.accounts()
    accounts.register("Ada@Example.org", PASSWORD)
    assert accounts.save_all_keys() == ["openai"]
    assert accounts.save_key("gemini", GEMINI_KEY)

    desktop = machine("desktop")
    account, restored, _ = desktop.accounts().sign_in("ada@example.org", PASSWORD)
    assert account.email == "ada@example.org"
    assert sorted(restored) == ["gemini", "openai"]
    assert desktop.secrets.get("openai") == OPENAI_KEY

    accounts.change_password(PASSWORD, "a brand new passphrase")
    with pytest.raises(AccountError, match=WRONG_CREDENTIALS):
        machine("tablet").accounts().sign_in("ada@example.org", PASSWORD)
    tablet = machine("tablet2")
    restored = tablet.accounts().sign_in("ADA@example.org", "a brand new passphrase").restored
    assert sorted(restored) == ["gemini", "openai"]
    assert tablet.secrets.get("gemini") == GEMINI_KEY


def test_the_backup_database_holds_no_plaintext_secret_nor_any_content(
    machine, backup_url: str, postgres_server: PostgresForTests, tmp_path: Path
) -> None:
    laptop = machine("laptop")
    laptop.secrets.set("openai", OPENAI_KEY)
    accounts = laptop.accounts()
    accounts.register("ada@example.org", PASSWORD)
    accounts.save_all_keys()
    add_chat(laptop, "Tax return 2026", 2)
    laptop.update_chat(laptop.list_chats()[0].id, system_prompt="You are my accountant")
    photo = sample_files.write(tmp_path / "receipt.jpg", sample_files.photo(200, 150))
    report = sample_files.write(tmp_path / "report.pdf", sample_files.pdf(["Quarterly figures"]))
    chat_with_files(laptop, "Look at these", photo, report)
    laptop.backup_now()(laptop.account_link.current().account_id)

    dump = postgres_server.dump(backup_url.rsplit("/", 1)[1])
    account_id = laptop.account_link.current().account_id
    data_key = base64.b64decode(laptop.secrets.get(data_key_secret(account_id)))
    assert account_id.encode() in dump and b"COPY public.file_chunks" in dump  # real, whole
    for secret in (OPENAI_KEY.encode(), PASSWORD.encode(), data_key, data_key.hex().encode()):
        assert secret not in dump
    assert base64.b64encode(data_key) not in dump
    # No chat title, system prompt, message text, file name, file text or file byte either.
    for plain in (
        "Tax return",
        "accountant",
        "message 0",
        "Look at these",
        "receipt.jpg",
        "Quarterly figures",
        hashlib.sha256(photo.read_bytes()).hexdigest(),
    ):
        assert plain.encode() not in dump, plain
    for sample in (photo.read_bytes()[1000:1032], report.read_bytes()[:32]):
        assert sample.hex().encode() not in dump  # (bytea is dumped as hex)
    # Nor does the local database or any file in the data folder.
    for path in laptop.data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert OPENAI_KEY.encode() not in content and APP_PASSWORD.encode() not in content


def test_one_argon2id_run_above_owasp_minimum_gives_the_verifier_and_the_wrapping_key(
    machine, backup_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = machine("laptop")
    account = laptop.accounts().register("ada@example.org", PASSWORD).account
    with psycopg.connect(backup_url) as db:
        stored, params = db.execute("SELECT password_hash, kdf_params FROM users").fetchone()
    assert stored.startswith(ONE_RUN) and PASSWORD not in stored
    memory, time_cost = (int(part.split("=")[1]) for part in params.split(",")[:2])
    assert memory >= 19 * 1024 and time_cost >= 2  # OWASP's minimum for Argon2id
    runs = count_argon2id_runs(monkeypatch)
    desktop = machine("desktop")
    desktop.accounts().sign_in("ada@example.org", PASSWORD)
    assert runs == [1]  # one run checks the password and unwraps the data key
    assert desktop.accounts().data_key(account.account_id) == laptop.accounts().data_key(
        account.account_id)  # fmt: skip


def test_an_account_made_before_one_run_signs_in_and_is_written_again(
    machine, backup_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = machine("laptop")
    account = laptop.accounts().register("ada@example.org", PASSWORD).account
    data_key = laptop.accounts().data_key(account.account_id)
    salt, params = account_crypto.new_salt(), account_crypto.current_kdf_params()
    kek = account_crypto.key_encryption_key(PASSWORD, salt, params)  # as it was: two runs
    wrapped, nonce = account_crypto.wrap_data_key(kek, data_key, account.account_id)
    with psycopg.connect(backup_url) as db:
        db.execute(
            "UPDATE users SET password_hash = %s, kdf_salt = %s, wrapped_data_key = %s,"
            " wrap_nonce = %s WHERE id = %s",
            (account_crypto.hash_password(PASSWORD), salt, wrapped, nonce, account.account_id),
        )
    desktop = machine("desktop")
    with pytest.raises(AccountError, match=WRONG_CREDENTIALS):
        desktop.accounts().sign_in("ada@example.org", "not the password at all 42")
    desktop.accounts().sign_in("ada@example.org", PASSWORD)
    assert desktop.accounts().data_key(account.account_id) == data_key
    with psycopg.connect(backup_url) as db:
        (stored,) = db.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith(ONE_RUN)  # written again: from now on, one run
    runs = count_argon2id_runs(monkeypatch)
    machine("tablet").accounts().sign_in("ada@example.org", PASSWORD)
    assert runs == [1]


def count_argon2id_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many Argon2id runs the key derivation makes from now on (a list of one count)."""
    runs = [0]
    real = account_crypto.hash_secret_raw

    def counted(*args: object, **kwargs: object) -> bytes:
        runs[0] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(account_crypto, "hash_secret_raw", counted)
    return runs


def test_registration_rules(machine) -> None:
    accounts = machine("laptop").accounts()
    with pytest.raises(AccountError, match="too short"):
        accounts.register("ada@example.org", "short")
    with pytest.raises(AccountError, match="does not look like an email"):
        accounts.register("not-an-email", PASSWORD)
    accounts.register("ada@example.org", PASSWORD)
    other = machine("other")
    bob = other.accounts().register("bob@example.org", PASSWORD).account
    signed_in_key = other.secrets.get(data_key_secret(bob.account_id))
    with pytest.raises(AccountError, match="already exists"):
        other.accounts().register("ADA@EXAMPLE.ORG", PASSWORD)
    # The failed registration leaves the machine signed in to Bob's account as before.
    assert other.secrets.get(data_key_secret(bob.account_id)) == signed_in_key
    assert other.account_link.current() == bob
    assert other.account_link.current() == bob


def test_wrong_password_and_unknown_email_read_the_same(machine) -> None:
    machine("laptop").accounts().register("ada@example.org", PASSWORD)
    accounts = machine("desktop").accounts()
    with pytest.raises(AccountError) as wrong_password:
        accounts.sign_in("ada@example.org", "not the password")
    with pytest.raises(AccountError) as unknown:
        accounts.sign_in("nobody@example.org", PASSWORD)
    assert wrong_password.value.message == unknown.value.message == WRONG_CREDENTIALS


def test_signing_out_keeps_chats_and_forgets_the_account(machine) -> None:
    laptop = machine("laptop")
    account = laptop.accounts().register("ada@example.org", PASSWORD).account
    add_chat(laptop, "Keep me", 2)
    laptop.accounts().sign_out()
    assert laptop.account_link.current() is None
    assert laptop.secrets.get(data_key_secret(account.account_id)) is None
    assert [c.title for c in laptop.list_chats()] == ["Keep me"]
    with sqlite3.connect(laptop.data_dir / "primer.db") as db:
        assert db.execute("SELECT account_id, email FROM users").fetchone() == (None, None)
    db.close()


# The connection itself ---------------------------------------------------------------------


def test_schema_is_applied_once_and_reapplying_is_harmless(backup_url: str) -> None:
    database = BackupDatabase(*split_password(backup_url))
    assert upgrade(database) == [
        "0001_accounts_and_backup.sql",
        "0002_undelete_time.sql",
        "0003_compare_rows_not_hashes.sql",
        "0004_kdf_parameters.sql",
        "0005_attachments.sql",
        "0006_sealed_content.sql",
        "0007_account_roles.sql",
        "0008_usage.sql",
        "0009_tags.sql",
        "0010_notes.sql",
        "0011_unknown_email_brake.sql",
        "0012_sign_up_limit.sql",
        "0013_no_one_else_creates.sql",
    ]
    assert upgrade(database) == []
    with psycopg.connect(backup_url) as db:
        rows = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in rows}
    assert {"users", "user_api_keys", "chats", "messages", "deletions", "files", "file_chunks",
            "attachments", "usage", "notes", "unknown_sign_in_failures"} <= tables  # fmt: skip


def test_url_password_goes_to_the_keyring_not_settings(tmp_path: Path, backup_url: str) -> None:
    secrets = InsecureFileSecretStore(tmp_path / "keys.json")
    primer = build(tmp_path / "data", secrets=secrets)
    primer.apply_settings(remember_backup_url(primer.settings, secrets, backup_url))
    assert APP_PASSWORD not in (tmp_path / "data" / "settings.json").read_text()
    assert secrets.get(PASSWORD_SECRET) == APP_PASSWORD
    assert primer.backup_database().password == APP_PASSWORD


def test_unreachable_server_fails_fast_with_a_plain_message() -> None:
    url = f"postgresql://primer:{APP_PASSWORD}@127.0.0.1:{free_port()}/primer"
    with pytest.raises(BackupUnreachable) as caught:
        upgrade(BackupDatabase(*split_password(url)))
    assert "cannot reach the backup database at 127.0.0.1" in caught.value.message
    assert APP_PASSWORD not in caught.value.message


def test_wrong_database_password_is_named_as_such(backup_url: str) -> None:
    bare, _ = split_password(backup_url)
    with pytest.raises(BackupRejected, match="refused the user name or password"):
        upgrade(BackupDatabase(bare, "wrong-password"))


@pytest.fixture
def tls_url(postgres_server: PostgresForTests, backup_url: str, tmp_path: Path) -> str:
    """This test's database behind TLS; the URL trusts only the certificate made for it."""
    certificate, key = make_certificate(tmp_path / "tls")
    proxy = TlsTerminator((postgres_server.host, postgres_server.port), certificate, key)
    direct = f":{postgres_server.port}/"
    return (
        backup_url.replace(direct, f":{proxy.port}/")
        + f"?sslmode=verify-full&sslrootcert={certificate}"
    )


def test_tls_when_the_url_asks_for_it(tls_url: str, tmp_path: Path) -> None:
    database = BackupDatabase(*split_password(tls_url))
    upgrade(database)
    with database.connect() as db:
        assert db.pgconn.ssl_in_use
    # The whole account path over it: register on one machine, sign in on another.
    laptop = build(tmp_path / "laptop", secrets=InsecureFileSecretStore(tmp_path / "l.json"))
    laptop.accounts(tls_url).register("tls@example.org", PASSWORD)
    desktop = build(tmp_path / "desktop", secrets=InsecureFileSecretStore(tmp_path / "d.json"))
    signed_in = desktop.accounts(tls_url).sign_in("tls@example.org", PASSWORD)[0]
    assert signed_in.email == "tls@example.org"


def test_a_certificate_that_cannot_be_verified_is_a_clear_failure(
    tls_url: str, tmp_path: Path
) -> None:
    stranger, _key = make_certificate(tmp_path / "elsewhere")  # another server's certificate
    url = tls_url.rsplit("&sslrootcert=", 1)[0] + f"&sslrootcert={stranger}"
    with pytest.raises(BackupRejected, match="secure \\(TLS\\) connection") as caught:
        upgrade(BackupDatabase(*split_password(url)))
    assert APP_PASSWORD not in caught.value.message


def test_tls_that_the_server_cannot_give_is_a_clear_failure(backup_url: str) -> None:
    bare, password = split_password(backup_url + "?sslmode=require")
    with pytest.raises(BackupRejected, match="secure \\(TLS\\) connection"):
        upgrade(BackupDatabase(bare, password))


def test_missing_privileges_are_explained(
    postgres_server: PostgresForTests, backup_url: str
) -> None:
    name = backup_url.rsplit("/", 1)[1] + "_owned"
    with psycopg.connect(postgres_server.admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')  # owned by the superuser, not by Primer's role
    with pytest.raises(BackupRejected, match="lacks a privilege"):
        upgrade(BackupDatabase(*split_password(postgres_server.app_url(name))))


def test_a_url_that_is_not_postgres_is_refused_before_connecting() -> None:
    with pytest.raises(BackupRejected, match="should look like"):
        split_password("https://example.org/db")


def test_two_data_folders_keep_their_own_accounts_keys_in_one_keyring(
    tmp_path: Path, backup_url: str, memory_keyring
) -> None:
    """Two people (or two accounts) on one computer: each folder's secrets are its own."""
    from app.secrets import KeyringSecretStore

    def folder(name: str):
        primer = build(tmp_path / name)
        assert isinstance(primer.secrets, KeyringSecretStore)
        primer.apply_settings(remember_backup_url(primer.settings, primer.secrets, backup_url))
        return primer

    first, second = folder("a"), folder("b")
    first.accounts().register("ada@example.org", PASSWORD)
    second.accounts().register("bob@example.org", PASSWORD)  # after Ada: once a global entry
    first.secrets.set("openai", OPENAI_KEY)
    assert first.accounts().save_key("openai", OPENAI_KEY)
    assert second.secrets.get("openai") is None  # b's keys are not a's

    restored = build(tmp_path / "ada-new-machine")
    restored.apply_settings(remember_backup_url(restored.settings, restored.secrets, backup_url))
    signed_in = restored.accounts().sign_in("ada@example.org", PASSWORD)
    assert signed_in.restored == ["openai"] and signed_in.unreadable == []
    assert restored.secrets.get("openai") == OPENAI_KEY


def test_a_key_that_cannot_be_sealed_for_the_account_is_an_error_not_a_log_line(
    machine,
) -> None:
    laptop = machine("laptop")
    account = laptop.accounts().register("ada@example.org", PASSWORD).account
    laptop.secrets.delete(data_key_secret(account.account_id))  # a keyring wiped meanwhile
    with pytest.raises(AccountError, match="does not hold your account's key"):
        laptop.accounts().save_key("openai", OPENAI_KEY)


def test_test_connection_connects_every_time_whatever_was_cached(
    backup_url: str, postgres_server: PostgresForTests
) -> None:
    from app.backup_database import ready

    bare, _ = split_password(backup_url)
    ready(BackupDatabase(bare, APP_PASSWORD)).check()  # set up and cached
    with pytest.raises(BackupRejected, match="refused the user name or password"):
        ready(BackupDatabase(bare, "not-the-password")).check()


def test_database_urls_are_read_as_libpq_reads_them(
    backup_url: str, postgres_server: PostgresForTests
) -> None:
    from urllib.parse import quote

    odd = "p@ss:w/o#r%d"
    with psycopg.connect(postgres_server.admin_url, autocommit=True) as db:
        db.execute("DROP ROLE IF EXISTS odd_role")
        db.execute(f"CREATE ROLE odd_role LOGIN SUPERUSER PASSWORD '{odd}'")
    database = backup_url.rsplit("/", 1)[1]
    host = f"127.0.0.1:{postgres_server.port}"
    encoded = f"postgresql://odd_role:{quote(odd, safe='')}@{host}/{database}"
    bare, password = split_password(encoded)
    assert password == odd and odd not in bare and quote(odd, safe="") not in bare
    BackupDatabase(bare, password).check()

    in_query = f"postgresql://odd_role@{host}/{database}?password={quote(odd, safe='')}"
    bare, password = split_password(in_query)
    assert password == odd and "password=" not in bare
    key_value = f"host=127.0.0.1 port={postgres_server.port} dbname={database} user=odd_role"
    bare, password = split_password(f"{key_value} password='{odd}'")
    assert password == odd and odd not in bare
    BackupDatabase(bare, password).check()

    if "host=/" in postgres_server.admin_url:  # the embedded server's Unix socket
        socket_url = postgres_server.admin_url.replace("/postgres?", f"/{database}?")
        bare, password = split_password(socket_url)
        assert password is None
        BackupDatabase(bare).check()
    with pytest.raises(BackupRejected, match="from 1 to 65535"):
        split_password(f"postgresql://u:p@127.0.0.1:99999/{database}")
    with pytest.raises(BackupRejected, match="should look like"):
        split_password("https://example.org/db")


def test_raising_the_key_derivation_parameters_locks_nobody_out_and_rewraps(
    machine, backup_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argon2 import PasswordHasher

    from app import account_crypto

    laptop = machine("laptop")
    laptop.secrets.set("openai", OPENAI_KEY)
    account = laptop.accounts().register("ada@example.org", PASSWORD).account
    laptop.accounts().save_all_keys()

    def stored_params() -> str | None:
        with psycopg.connect(backup_url) as db:
            row = db.execute("SELECT kdf_params FROM users WHERE id = %s", (account.account_id,))
            return row.fetchone()[0]

    assert stored_params() == "m=65536,t=3,p=4"
    with psycopg.connect(backup_url) as db:  # an account from before the column existed
        db.execute("UPDATE users SET kdf_params = NULL")
    assert machine("old").accounts().sign_in("ada@example.org", PASSWORD).restored == ["openai"]
    assert stored_params() == "m=65536,t=3,p=4"

    monkeypatch.setattr(account_crypto, "HASHER", PasswordHasher(time_cost=4))
    signed_in = machine("desktop").accounts().sign_in("ada@example.org", PASSWORD)
    assert signed_in.restored == ["openai"]
    assert stored_params() == "m=65536,t=4,p=4"  # written again under the stronger ones
    assert machine("tablet").accounts().sign_in("ada@example.org", PASSWORD).restored == ["openai"]


@pytest.mark.parametrize("weak", ["password123", "qwertyuiop", "ada@example.org1"])
def test_common_and_guessable_passwords_are_refused_with_a_reason(machine, weak: str) -> None:
    with pytest.raises(AccountError, match=r"too easy to guess|cannot be the email|too short"):
        machine("laptop").accounts().register("ada@example.org", weak)
