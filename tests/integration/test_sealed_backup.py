"""The backup sealed on the device (issue 17), against a real PostgreSQL: what the server
holds opens only with the account's key, a changed or moved value is caught at restore and
named, and a backup made in the clear before sealing is sealed by the next one."""

from __future__ import annotations

import psycopg

from devtools.embedded_postgres import PostgresForTests
from domain.use_cases.backup_now import BackupNow
from repositories.postgres.backup_target import PostgresBackupTarget
from repositories.postgres.connection import BackupDatabase, split_password
from tests.integration.test_backup import Machine, sign_in, sign_up
from tests.support.seeding import add_chat, add_messages, table_rows


def test_a_changed_or_moved_value_is_named_at_restore_and_the_rest_restores(
    machine: Machine, backup_url: str
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chats = {title: add_chat(laptop, title, 3) for title in ("Alpha", "Beta", "Gamma")}
    laptop.backup_now()(account)
    with psycopg.connect(backup_url) as db:
        beta = db.execute(
            "SELECT id, content FROM messages WHERE chat_id = %s ORDER BY id LIMIT 2",
            (chats["Beta"].id,),
        ).fetchall()
        # Two of Beta's messages trade their sealed text (each is valid ciphertext, moved)
        db.execute("UPDATE messages SET content = %s WHERE id = %s", (beta[1][1], beta[0][0]))
        db.execute("UPDATE messages SET content = %s WHERE id = %s", (beta[0][1], beta[1][0]))
        # and one letter of Gamma's sealed title is changed.
        (title,) = db.execute("SELECT title FROM chats WHERE id = %s", (chats["Gamma"].id,)
                              ).fetchone()  # fmt: skip
        changed = title[:-6] + ("A" if title[-6] != "A" else "B") + title[-5:]
        db.execute("UPDATE chats SET title = %s WHERE id = %s", (changed, chats["Gamma"].id))

    desktop = machine("desktop")
    sign_in(desktop)
    report = desktop.restore_backup()(account)
    assert report.finished
    assert report.damaged == sorted(["Beta", chats["Gamma"].id])
    [fault] = report.faults()
    assert "“Beta”" in fault and "Everything else was restored" in fault
    restored = {row[1]: row for row in table_rows(desktop.data_dir)["chats"]}
    assert set(restored) == {"Alpha", "Beta"}  # Gamma's row did not open: left out
    messages = table_rows(desktop.data_dir)["messages"]
    per_chat = {chat.title: sum(m[1] == chat.id for m in messages) for chat in chats.values()}
    assert per_chat == {"Alpha": 3, "Beta": 1, "Gamma": 0}
    alpha = [m[4] for m in messages if m[1] == chats["Alpha"].id]
    assert alpha == [m[4] for m in table_rows(laptop.data_dir)["messages"]
                     if m[1] == chats["Alpha"].id]  # fmt: skip


def test_a_backup_made_in_the_clear_is_sealed_by_the_next_backup(
    machine: Machine, backup_url: str, postgres_server: PostgresForTests
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    for number in range(3):
        chat = add_chat(laptop, f"Holiday plans {number}", 40)
    add_messages(laptop, chat, 5)  # with no metadata ("{}", which stays as it is)
    database = BackupDatabase(*split_password(backup_url))
    # What Primer sent before sealing: the same rows, in the clear.
    BackupNow(laptop.backup_source, lambda _: PostgresBackupTarget(database))(account)
    name = backup_url.rsplit("/", 1)[1]
    assert b"Holiday plans 1 message 7" in postgres_server.dump(name)

    laptop.update_chat(laptop.list_chats()[0].id, title="Holiday plans, renamed")
    add_chat(laptop, "Holiday plans 3", 2)
    report = laptop.backup_now()(account)
    assert report.finished and report.sealed_now == 3 + 125
    assert report.messages_sent == 2 and not report.conflicts
    dump = postgres_server.dump(name)
    assert b"Holiday" not in dump and b"message 7" not in dump and b"more 3" not in dump
    with psycopg.connect(backup_url) as db:  # an empty metadata object, as it was
        assert db.execute("SELECT count(*) FROM messages WHERE metadata = '{}'").fetchone() == (5,)
    with psycopg.connect(backup_url) as db:
        sealed_at = db.execute("SELECT content_sealed_at FROM users WHERE id = %s", (account,)
                               ).fetchone()[0]  # fmt: skip
    assert sealed_at is not None
    assert laptop.backup_now()(account).sealed_now == 0  # done once

    desktop = machine("desktop")
    sign_in(desktop)
    assert desktop.restore_backup()(account).finished
    assert table_rows(desktop.data_dir)["messages"] == table_rows(laptop.data_dir)["messages"]
    titles = sorted(row[1] for row in table_rows(desktop.data_dir)["chats"])
    assert titles == sorted(row[1] for row in table_rows(laptop.data_dir)["chats"])
