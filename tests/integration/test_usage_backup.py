"""The usage ledger in the backup, against a real PostgreSQL: each row sent once, restored
by id, two machines' ledgers the same, and an account's rows hidden from every other."""

from __future__ import annotations

import psycopg
import pytest

from app.bootstrap import Primer
from devtools.embedded_postgres import PostgresForTests
from tests.integration.test_account_isolation import as_account_url
from tests.integration.test_backup import Machine, sign_in, sign_up
from tests.support.seeding import add_chat, add_usage


def ledger(primer: Primer) -> list[tuple]:
    """Every row of the machine's ledger, as it would back it up."""
    with primer.uow_factory() as uow:
        return [
            (row.key, row.requests, row.input_tokens, row.output_tokens, row.reasoning_tokens,
             row.cached_tokens, row.cost, row.estimated)
            for by in ("day", "model", "chat") for row in uow.usage.totals(by)  # type: ignore[arg-type]
        ]  # fmt: skip


def test_each_request_is_sent_once_and_two_machines_end_with_the_same_ledger(
    machine: Machine, backup_url: str
) -> None:
    laptop, desktop = machine("laptop"), machine("desktop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "Costs", 4)
    add_usage(laptop, chat, 7)
    add_usage(laptop, None, 1, model="gpt-test-mini")  # (no chat: e.g. its chat was purged)
    report = laptop.backup_now()(account)
    assert report.finished and report.usage_sent == 8
    assert laptop.backup_now()(account).usage_sent == 0  # never twice
    with psycopg.connect(backup_url) as owner:
        assert owner.execute("SELECT count(*) FROM usage").fetchone() == (8,)

    assert sign_in(desktop) == account
    restored = desktop.restore_backup()(account)
    assert restored.finished and restored.usage_added == 8
    assert ledger(desktop) == ledger(laptop)
    assert desktop.restore_backup()(account).usage_added == 0

    add_usage(desktop, chat, 2, model="gpt-test-large")  # the desktop asks, too
    assert desktop.backup_now()(account).usage_sent == 10  # what it restored goes once more
    assert laptop.restore_backup()(account).usage_added == 2
    assert ledger(desktop) == ledger(laptop)
    assert sum(row[1] for row in ledger(laptop) if row[0] == "gpt-test-large") == 2
    with psycopg.connect(backup_url) as owner:
        assert owner.execute("SELECT count(*) FROM usage").fetchone() == (10,)  # each once


def test_an_accounts_usage_is_hidden_from_every_other_account(
    machine: Machine, backup_url: str, postgres_server: PostgresForTests
) -> None:
    ada, bob = machine("ada"), machine("bob")
    ada_id, bob_id = sign_up(ada, "ada@example.org"), sign_up(bob, "bob@example.org")
    for primer, account in ((ada, ada_id), (bob, bob_id)):
        add_usage(primer, add_chat(primer, "Mine", 2), 3)
        assert primer.backup_now()(account).usage_sent == 3
    with psycopg.connect(as_account_url(ada, postgres_server, backup_url)) as db:
        seen = db.execute("SELECT DISTINCT user_id::text FROM usage").fetchall()
        assert seen == [(ada_id,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # rows are never changed
            db.execute("UPDATE usage SET cost = 0 WHERE user_id = %s", (bob_id,))
    with psycopg.connect(backup_url) as owner:
        assert owner.execute(
            "SELECT count(*) FROM usage WHERE user_id = %s AND cost > 0", (bob_id,)
        ).fetchone() == (2,)
