"""Through a transaction-mode pooler, as Supabase's pooled URL is: a real PgBouncer in front
of the test server (it cannot keep server-side prepared statements across transactions)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools import sample_files
from devtools.embedded_postgres import PostgresForTests
from tests.integration.test_backup_files import chat_with_files
from tests.support.pgbouncer import PGBOUNCER, pgbouncer_in_front
from tests.support.seeding import add_chat, machines, table_rows

pytestmark = pytest.mark.skipif(
    PGBOUNCER is None, reason="PgBouncer is not installed (.ci/run installs it)"
)


@pytest.fixture
def pooled_url(postgres_server: PostgresForTests, backup_url: str, tmp_path: Path) -> Iterator[str]:
    with pgbouncer_in_front(
        postgres_server, backup_url.rsplit("/", 1)[1], tmp_path / "pgbouncer"
    ) as url:
        yield url


def test_register_back_up_and_restore_through_a_transaction_pooler(
    pooled_url: str, tmp_path: Path
) -> None:
    machine = machines(tmp_path, pooled_url)
    laptop = machine("laptop")
    account = (
        laptop.accounts().register("ada@example.org", "correct horse battery").account.account_id
    )
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
