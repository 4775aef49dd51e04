"""The local store on real SQLite files."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from domain.entities import MessageStatus
from domain.errors import StoreError
from domain.use_cases.send_message import NewChatSettings, SendMessage
from repositories.migration_files import Migration, bundled_migrations
from repositories.sqlite.database import DATABASE_NAME, open_store
from repositories.sqlite.migrations import migrate
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
    store = open_store(data_dir)
    path = data_dir / DATABASE_NAME
    with sqlite3.connect(path) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        assert version == len(bundled_migrations("migrations_sqlite"))
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert {"users", "chats", "messages", "changes"} <= tables
    assert store.connection().execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()


def test_the_repositories_name_every_column_the_migrations_make(data_dir: Path) -> None:
    """The SQL in the repositories and the schema the migrations own stay in step."""
    from repositories.sqlite import chat_repository, message_repository

    store = open_store(data_dir)
    db = store.connection()
    for table, columns in (("chats", chat_repository._COLUMNS),
                           ("messages", message_repository._COLUMNS)):  # fmt: skip
        actual = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        assert set(columns) == actual - {"undeleted_at"}  # the store's own, never the domain's
    store.close()


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
    assert copies[0].stat().st_mode & 0o077 == 0  # a copy of chats is as private as they are
    assert (tmp_path / "backups").stat().st_mode & 0o077 == 0
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
    store = open_store(data_dir)
    send = SendMessage(unit_of_work_factory(store), lambda p, m: 8192, writer="w")
    pending = send.send(None, "hello", new_chat=NewChatSettings("openai", "m"))
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        rows = db.execute("SELECT seq, entity, entity_id, op FROM changes ORDER BY seq").fetchall()
    db.close()
    entities = [(r[1], r[2]) for r in rows]
    assert ("chat", pending.chat.id) in entities
    assert ("message", pending.user_message.id) in entities
    assert ("message", pending.reply.id) in entities
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    store.close()


def test_only_replies_whose_writer_is_gone_become_interrupted(data_dir: Path) -> None:
    """Two Primers on one folder (the window and a `primer ask`): starting one never
    marks the other's live reply; once that one is gone, the next start marks it."""
    from app.bootstrap import build

    asking = build(data_dir)
    live = asking.send_message.send(None, "hi", new_chat=NewChatSettings("openai", "m"))
    asking.save_reply_progress(live.reply.id, "Half of the ans")

    window = build(data_dir)
    with window.uow_factory() as uow:
        assert uow.messages.get(live.reply.id).status is MessageStatus.STREAMING
    assert window.recover_interrupted() == 0

    asking.writers.close()  # what the OS does when the process dies
    later = build(data_dir)
    with later.uow_factory() as uow:
        recovered = uow.messages.get(live.reply.id)
        assert recovered.status is MessageStatus.INTERRUPTED
        assert recovered.content == "Half of the ans"
        assert uow.writers.streaming() == {}
    # The process that streamed it has the last word if it was only thought gone.
    from domain.use_cases.stream_reply import ReplyOutcome

    done = asking.finish_reply(
        live.reply.id, ReplyOutcome("Half of the answer.", MessageStatus.COMPLETE)
    )
    assert done.status is MessageStatus.COMPLETE
    for primer in (asking, window, later):
        primer.store.close()


def test_a_reply_left_streaming_by_an_older_primer_is_recovered(data_dir: Path) -> None:
    """Rows from before writers were recorded have no writer: nobody is streaming them."""
    from domain.use_cases.recover_interrupted import RecoverInterruptedReplies
    from tests.support.fakes import FakeLiveness

    store = open_store(data_dir)
    uow = unit_of_work_factory(store)
    pending = SendMessage(uow, lambda p, m: 8192, writer="w").send(
        None, "hi", new_chat=NewChatSettings("openai", "m")
    )
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        db.execute("DELETE FROM reply_writers")
    db.close()
    assert RecoverInterruptedReplies(uow, FakeLiveness(alive=["w"]))() == 1
    with uow() as work:
        assert work.messages.get(pending.reply.id).status is MessageStatus.INTERRUPTED
    store.close()


def test_saving_a_streaming_reply_is_no_change_for_backup(data_dir: Path) -> None:
    store = open_store(data_dir)
    uow = unit_of_work_factory(store)
    pending = SendMessage(uow, lambda p, m: 8192, writer="w").send(
        None, "hi", new_chat=NewChatSettings("openai", "m")
    )

    def changes() -> int:
        with sqlite3.connect(data_dir / DATABASE_NAME) as db:
            return int(db.execute("SELECT count(*) FROM changes").fetchone()[0])

    before = changes()
    from domain.use_cases.finish_reply import FinishReply
    from domain.use_cases.save_reply_progress import SaveReplyProgress
    from domain.use_cases.stream_reply import ReplyOutcome
    from tests.support.fakes import ListedPrices

    assert SaveReplyProgress(uow)(pending.reply.id, "par")
    assert SaveReplyProgress(uow)(pending.reply.id, "partial")
    assert changes() == before
    finish = FinishReply(uow, ListedPrices())
    finish(pending.reply.id, ReplyOutcome("partial text", MessageStatus.COMPLETE))
    assert changes() == before + 1
    # A save that arrives after the end never overwrites the final text.
    assert not SaveReplyProgress(uow)(pending.reply.id, "par")
    with uow() as work:
        assert work.messages.get(pending.reply.id).content == "partial text"
    store.close()


def test_unwritable_data_folder_gives_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot use its data folder"):
        open_store(blocker / "inside")


def test_the_chosen_branch_is_kept_on_this_device_and_not_backed_up(data_dir: Path) -> None:
    from domain.use_cases.load_conversation import LoadConversation
    from domain.use_cases.switch_branch import SwitchBranch

    store = open_store(data_dir)
    uow = unit_of_work_factory(store)
    send = SendMessage(uow, lambda p, m: 8192, writer="w")
    first = send.send(None, "2+2?", new_chat=NewChatSettings("openai", "m"))
    edited = send.edit(first.user_message.id, "3+3?")
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        changes_before = db.execute("SELECT count(*) FROM changes").fetchone()[0]
    db.close()
    SwitchBranch(uow)(edited.user_message.id, -1)
    store.close()

    reopened = open_store(data_dir)
    shown = LoadConversation(unit_of_work_factory(reopened))(first.chat.id)
    assert shown.path == (first.user_message.id, first.reply.id)
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == changes_before
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM chats WHERE id = ?", (first.chat.id,))
        assert db.execute("SELECT count(*) FROM branch_choices").fetchone()[0] == 0
    db.close()
    reopened.close()


def test_renaming_pinning_off_or_undoing_a_delete_keeps_a_chats_place(data_dir: Path) -> None:
    """The list is ordered by each chat's newest message, not by its last edit."""
    from app.bootstrap import build

    primer = build(data_dir)
    older = primer.send_message.send(None, "Older chat", new_chat=NewChatSettings("openai", "m"))
    newer = primer.send_message.send(None, "Newer chat", new_chat=NewChatSettings("openai", "m"))

    def order() -> list[str]:
        return [summary.title for summary in primer.list_chats()]

    assert order() == ["Newer chat", "Older chat"]
    primer.update_chat(older.chat.id, title="Older, renamed")
    assert order() == ["Newer chat", "Older, renamed"]
    primer.delete_chat(newer.chat.id)
    primer.delete_chat.undo(newer.chat.id)
    assert order() == ["Newer chat", "Older, renamed"]
    primer.update_chat(older.chat.id, pinned=True)
    assert order() == ["Older, renamed", "Newer chat"]  # pinned first
    primer.update_chat(older.chat.id, pinned=False)
    assert order() == ["Newer chat", "Older, renamed"]
    primer.send_message.send(older.chat.id, "A new message")
    assert order() == ["Older, renamed", "Newer chat"]  # a new message does move it
    primer.store.close()


def test_the_store_is_used_from_the_thread_that_opened_it_only(data_dir: Path) -> None:
    """The suite runs with the check on (tests/conftest.py): this shows that it bites."""
    import threading

    from repositories.sqlite.store import WrongStoreThread

    store = open_store(data_dir)
    uow = unit_of_work_factory(store)
    with uow() as work:
        work.chats.summaries()  # here: fine
    caught: list[BaseException] = []

    def elsewhere() -> None:
        try:
            with uow() as work:
                work.chats.summaries()
        except BaseException as error:
            caught.append(error)

    thread = threading.Thread(target=elsewhere, name="a-stray-worker")
    thread.start()
    thread.join()
    assert len(caught) == 1 and isinstance(caught[0], WrongStoreThread)
    assert "a-stray-worker" in str(caught[0])
    store.close()
