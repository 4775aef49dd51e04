"""The same accounts, isolation and backup on Debian's packaged PostgreSQL (the rest of the
suite runs on the embedded 16), directly and through PgBouncer in transaction mode: what a
person who runs `apt install postgresql` gets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devtools import sample_files
from devtools.embedded_postgres import PostgresForTests, debian_binaries, start_packaged
from domain.errors import AccountError
from repositories.postgres.accounts import sign_up_url
from repositories.postgres.connection import BackupDatabase, split_password
from tests.integration.test_account_isolation import TABLES, as_account_url, failures
from tests.integration.test_backup_files import chat_with_files
from tests.support.pgbouncer import PGBOUNCER, pgbouncer_in_front
from tests.support.seeding import add_chat, machines, table_rows

BINARIES = debian_binaries()
pytestmark = pytest.mark.skipif(
    BINARIES is None, reason="Debian's postgresql package is not installed (.ci/run installs it)"
)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def packaged_server() -> Iterator[PostgresForTests]:
    assert BINARIES is not None
    server = start_packaged(BINARIES)
    yield server
    server.stop()


@pytest.fixture(params=["direct", "pgbouncer"])
def owner_and_shared_url(
    request: pytest.FixtureRequest, packaged_server: PostgresForTests, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """The owner's URL (straight to the server) and the shared sign-up URL people use,
    straight or through PgBouncer."""
    name = f"packaged_{request.param}"
    owner_url = packaged_server.create_database(name)
    machines(tmp_path, owner_url)("owner").backup_database()  # `primer db upgrade`
    shared = sign_up_url(BackupDatabase(*split_password(owner_url)))
    assert shared is not None
    if request.param == "direct":
        yield owner_url, shared
        return
    if PGBOUNCER is None:
        pytest.skip("PgBouncer is not installed (.ci/run installs it)")
    with pgbouncer_in_front(packaged_server, name, tmp_path / "pgbouncer") as pooled:
        port = pooled.rsplit(":", 1)[1].split("/")[0]
        yield owner_url, shared.replace(f":{packaged_server.port}/", f":{port}/")


def test_accounts_isolation_and_backup_on_debians_postgresql(
    owner_and_shared_url: tuple[str, str], packaged_server: PostgresForTests, tmp_path: Path
) -> None:
    owner_url, shared = owner_and_shared_url
    machine = machines(tmp_path, shared)
    laptops = {}
    for email in ("ada@example.org", "bob@example.org"):
        laptop = machine(f"{email}-laptop")
        laptop.accounts().register(email, PASSWORD)
        for n in range(2):
            add_chat(laptop, f"{email} {n}", 30)
        photo = sample_files.write(tmp_path / f"{email}.png", sample_files.photo(40, 30))
        chat_with_files(laptop, f"{email} files", photo)
        laptop.secrets.set("openai", f"sk-{email}")
        laptop.accounts().save_all_keys()
        gone = add_chat(laptop, "Gone", 1).id
        laptop.delete_chat(gone)
        backup = laptop.backup_now()
        backup._batch_size = 25  # several transactions, through different server sessions
        report = backup(laptop.account_link.current().account_id)
        assert report.finished and report.files.files == 1
        laptops[email] = laptop
    ada, bob = laptops.values()
    bob_id = bob.account_link.current().account_id

    # Ada's own login, straight to the server.
    with psycopg.connect(as_account_url(ada, packaged_server, owner_url)) as db:
        for table in TABLES:
            assert db.execute(
                f"SELECT count(*) FROM {table} WHERE user_id = %s", (bob_id,)
            ).fetchone() == (0,)
            assert db.execute(f"DELETE FROM {table} WHERE user_id = %s", (bob_id,)).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("SELECT password_hash FROM users")

    for _ in range(4):
        with pytest.raises(AccountError, match="wrong"):
            machine("guesser").accounts().sign_in("bob@example.org", "not the password")
    assert failures(owner_url, bob_id)[0] == 4
    with pytest.raises(AccountError, match="Try again in"):
        machine("guesser").accounts().sign_in("bob@example.org", PASSWORD)
    with psycopg.connect(owner_url) as owner:
        owner.execute("UPDATE sign_in_failures SET next_allowed_at = now()")

    desktop = machine("bob-desktop")
    assert desktop.accounts().sign_in("bob@example.org", PASSWORD).restored == ["openai"]
    restored = desktop.restore_backup()(bob_id)
    assert restored.finished and not restored.faults() and restored.files.files == 1
    kept = [row for row in table_rows(bob.data_dir)["messages"] if row[1] != gone]
    assert table_rows(desktop.data_dir)["messages"] == kept  # all but the deleted chat's
