"""The local store on real SQLite files."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect

from domain.entities import MessageStatus
from domain.errors import StoreError
from domain.use_cases.send_message import NewChatSettings, SendMessage
from repositories.migration_files import Migration, bundled_migrations
from repositories.sqlite.database import DATABASE_NAME, open_store
from repositories.sqlite.migrations import migrate
from repositories.sqlite.tables import ChatRow, MessageRow
from repositories.sqlite.unit_of_work import unit_of_work_factory


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fake_next_migration() -> list[Migration]:
    bundled = bundled_migrations("migrations_sqlite")
    extra = Migration(
        len(bundled) + 1, "9999_test.sql", "ALTER TABLE chats ADD COLUMN test_only TEXT;"
    )
    return [*bundled, extra]


def test_fresh_store_has_the_schema_wal_and_foreign_keys(data_dir: Path) -> None:
    engine = open_store(data_dir)
    path = data_dir / DATABASE_NAME
    with sqlite3.connect(path) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        assert version == len(bundled_migrations("migrations_sqlite"))
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert {"users", "chats", "messages", "changes"} <= tables
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_sqlmodel_mappings_match_the_migrated_schema(data_dir: Path) -> None:
    engine = open_store(data_dir)
    inspector = inspect(engine)
    for row in (ChatRow, MessageRow):
        table = row.__table__  # type: ignore[attr-defined]
        actual = {c["name"] for c in inspector.get_columns(table.name)}
        assert {c.name for c in table.columns} == actual
    engine.dispose()


@pytest.mark.parametrize("start", range(len(bundled_migrations("migrations_sqlite"))))
def test_migrates_from_every_earlier_version_and_keeps_a_copy(tmp_path: Path, start: int) -> None:
    path = tmp_path / DATABASE_NAME
    all_migrations = _fake_next_migration()
    migrate(path, all_migrations[: start + 1])
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO chats (id, user_id, title, provider, model, created_at, updated_at)"
            " VALUES ('c1', '00000000-0000-7000-8000-000000000001', 'kept', 'openai',"
            " 'm', 'x', 'x')"
        )
    db.close()
    before = _digest(path)
    assert migrate(path, all_migrations) == start + 1
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(all_migrations)
        assert db.execute("SELECT title FROM chats").fetchall() == [("kept",)]
    db.close()
    copies = list((tmp_path / "backups").glob("*.db"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == start + 1
        assert db.execute("SELECT title FROM chats").fetchall() == [("kept",)]
    db.close()
    assert before != _digest(path)


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_NAME
    bundled = bundled_migrations("migrations_sqlite")
    migrate(path, bundled)
    before = _digest(path)
    broken = [*bundled, Migration(len(bundled) + 1, "x", "CREATE TABLE t (a); SELECT * FROM nope;")]
    with pytest.raises(StoreError, match="Upgrading"):
        migrate(path, broken)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(bundled)
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE name='t'").fetchone()[0] == 0
    db.close()
    assert before == _digest(path)


def test_newer_database_is_refused_and_left_untouched(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    path = data_dir / DATABASE_NAME
    migrate(path, _fake_next_migration())
    before = _digest(path)
    with pytest.raises(StoreError, match="newer version of Primer"):
        open_store(data_dir)
    assert _digest(path) == before


@pytest.mark.parametrize(
    "content", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_corrupt_file_is_named_and_never_overwritten(data_dir: Path, content: bytes) -> None:
    data_dir.mkdir(parents=True)
    path = data_dir / DATABASE_NAME
    path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        open_store(data_dir)
    assert str(path) in caught.value.message
    assert "untouched" in caught.value.message
    assert path.read_bytes() == content


def test_every_write_lands_in_the_change_log_in_order(data_dir: Path) -> None:
    engine = open_store(data_dir)
    send = SendMessage(unit_of_work_factory(engine), lambda p, m: 8192)
    pending = send.send(None, "hello", new_chat=NewChatSettings("openai", "m"))
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        rows = db.execute("SELECT seq, entity, entity_id, op FROM changes ORDER BY seq").fetchall()
    db.close()
    entities = [(r[1], r[2]) for r in rows]
    assert ("chat", pending.chat.id) in entities
    assert ("message", pending.user_message.id) in entities
    assert ("message", pending.reply.id) in entities
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    engine.dispose()


def test_streaming_replies_left_by_a_crash_become_interrupted(data_dir: Path) -> None:
    from domain.use_cases.recover_interrupted import RecoverInterruptedReplies

    engine = open_store(data_dir)
    uow = unit_of_work_factory(engine)
    pending = SendMessage(uow, lambda p, m: 8192).send(
        None, "hi", new_chat=NewChatSettings("openai", "m")
    )
    assert RecoverInterruptedReplies(uow)() == 1
    with uow() as work:
        assert work.messages.get(pending.reply.id).status is MessageStatus.INTERRUPTED
    engine.dispose()


def test_unwritable_data_folder_gives_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create its data folder"):
        open_store(blocker / "inside")


def test_the_chosen_branch_is_kept_on_this_device_and_not_backed_up(data_dir: Path) -> None:
    from domain.use_cases.load_conversation import LoadConversation
    from domain.use_cases.switch_branch import SwitchBranch

    engine = open_store(data_dir)
    uow = unit_of_work_factory(engine)
    send = SendMessage(uow, lambda p, m: 8192)
    first = send.send(None, "2+2?", new_chat=NewChatSettings("openai", "m"))
    edited = send.edit(first.user_message.id, "3+3?")
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        changes_before = db.execute("SELECT count(*) FROM changes").fetchone()[0]
    db.close()
    SwitchBranch(uow, LoadConversation(uow))(edited.user_message.id, -1)
    engine.dispose()

    reopened = open_store(data_dir)
    shown = LoadConversation(unit_of_work_factory(reopened))(first.chat.id)
    assert shown.path == (first.user_message.id, first.reply.id)
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == changes_before
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM chats WHERE id = ?", (first.chat.id,))
        assert db.execute("SELECT count(*) FROM branch_choices").fetchone()[0] == 0
    db.close()
    reopened.dispose()
