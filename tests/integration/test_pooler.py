"""Through a transaction-mode pooler, as Supabase's pooled URL is: a real PgBouncer in front
of the test server (it cannot keep server-side prepared statements across transactions)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devtools import sample_files
from devtools.embedded_postgres import APP_PASSWORD, APP_ROLE, PostgresForTests, free_port
from tests.integration.test_backup_files import chat_with_files
from tests.support.seeding import add_chat, machines, table_rows

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)
pytestmark = pytest.mark.skipif(
    PGBOUNCER is None, reason="PgBouncer is not installed (.ci/run installs it)"
)


@pytest.fixture
def pooled_url(postgres_server: PostgresForTests, backup_url: str, tmp_path: Path) -> Iterator[str]:
    database = backup_url.rsplit("/", 1)[1]
    port = free_port()
    folder = tmp_path / "pgbouncer"
    folder.mkdir()
    (folder / "users.txt").write_text(f'"{APP_ROLE}" "{APP_PASSWORD}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{database} = host={postgres_server.host} port={postgres_server.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = scram-sha-256\n"
        f"auth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        + ("user = pgserver\n" if _is_root() else "")
    )
    if _is_root():
        shutil.chown(folder, "pgserver")
        for path in folder.iterdir():
            shutil.chown(path, "pgserver")
    log = folder / "pgbouncer.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [PGBOUNCER, str(folder / "pgbouncer.ini")], stdout=output, stderr=output
        )
    url = f"postgresql://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{port}/{database}"
    for _ in range(100):
        try:
            psycopg.connect(url, prepare_threshold=None).close()
            break
        except psycopg.OperationalError:
            if process.poll() is not None:
                pytest.fail(f"PgBouncer did not start: {log.read_text()}")
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def test_register_back_up_and_restore_through_a_transaction_pooler(
    pooled_url: str, tmp_path: Path
) -> None:
    machine = machines(tmp_path, pooled_url)
    laptop = machine("laptop")
    account = laptop.accounts().register("ada@example.org", "correct horse battery").account_id
    for n in range(3):
        add_chat(laptop, f"Pooled {n}", 40)
    report_pdf = sample_files.write(tmp_path / "report.pdf", sample_files.pdf(
        ["Chunked through the pooler."] * 2, padding=3_000_000))  # fmt: skip
    chat_with_files(laptop, "A file", report_pdf)
    backup = laptop.backup_now()
    backup._batch_size = 30  # several transactions, each through a different server session
    report = backup(account)
    assert report.finished and report.messages_sent == 122 and not report.mismatched_chats
    assert report.files.files == 1  # two chunks, each a transaction of its own

    desktop = machine("desktop")
    desktop.accounts().sign_in("ada@example.org", "correct horse battery")
    restored = desktop.restore_backup()(account)
    assert restored.messages_added == 122 and restored.files.files == 1
    assert table_rows(desktop.data_dir)["messages"] == table_rows(laptop.data_dir)["messages"]
    kept = Path(desktop.files.path(hashlib.sha256(report_pdf.read_bytes()).hexdigest()))
    assert kept.read_bytes() == report_pdf.read_bytes()
