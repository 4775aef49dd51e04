"""Attached files in the backup, against a real PostgreSQL: sent once per account in
chunks, resumed after a cut mid-chunk, brought back by restore at once and never twice,
dropped from the backup with the chat that used them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest

from app.bootstrap import Primer
from devtools import sample_files
from devtools.embedded_postgres import PostgresForTests
from domain.backup import Retry
from domain.backup_files import CHUNK_BYTES
from domain.entities import MessageStatus
from domain.errors import BackupUnreachable
from domain.use_cases.backup_now import BackupNow
from domain.use_cases.delete_chat import DeleteChat
from domain.use_cases.restore_backup import RestoreBackup
from domain.use_cases.send_message import NewChatSettings
from domain.use_cases.stream_reply import ReplyOutcome
from repositories.postgres.backup_target import PostgresBackupTarget
from repositories.postgres.connection import BackupDatabase, split_password
from tests.integration.test_backup import Machine, sign_in, sign_up

NEW = NewChatSettings("openai", "gpt-test")
NO_WAIT = Retry(sleep=lambda _seconds: None)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "to-attach"
    folder.mkdir()
    big = sample_files.pdf(["The annual report."] * 3, padding=3_500_000)  # three chunks
    assert 2 * CHUNK_BYTES < len(big) <= 3 * CHUNK_BYTES
    return {
        "report.pdf": sample_files.write(folder / "report.pdf", big),
        "photo.jpg": sample_files.write(folder / "photo.jpg", sample_files.photo(320, 240)),
    }


def chat_with_files(primer: Primer, text: str, *paths: Path) -> str:
    """A question carrying the files, and its reply, stored as a send and its stream store
    them (no provider is asked)."""
    attached = tuple(primer.attach_file(str(path)) for path in paths)
    pending = primer.send_message.send(None, text, new_chat=NEW, attachments=attached)
    primer.finish_reply(pending.reply.id, ReplyOutcome("Seen.", MessageStatus.COMPLETE))
    return pending.chat.id


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remote(url: str, sql: str, *args: object) -> list[tuple]:
    with psycopg.connect(url) as db:
        return db.execute(sql, args).fetchall()


class Cutting(PostgresBackupTarget):
    """Cuts the connection inside the transaction of the chunks numbered in `cut_at`,
    after the chunk's row is written and before its commit."""

    def __init__(self, url: str, server: PostgresForTests, cut_at: set[int]) -> None:
        super().__init__(BackupDatabase(*split_password(url)))
        self.server, self.name, self.cut_at = server, url.rsplit("/", 1)[1], cut_at
        self.calls = 0

    def _cut_after(self, statement: str, args: tuple) -> None:
        def step(db: psycopg.Connection) -> None:
            db.execute(statement, args)
            self.server.terminate_app_connections(self.name)
            db.execute("SELECT 1")

        self._run(step)

    def put_chunk(self, account_id: str, sha256: str, seq: int, data: bytes) -> None:
        self.calls += 1
        if self.calls in self.cut_at:
            self._cut_after(
                "INSERT INTO file_chunks (user_id, sha256, seq, data) VALUES (%s, %s, %s, %s)",
                (account_id, sha256, seq, data),
            )
        super().put_chunk(account_id, sha256, seq, data)

    def get_chunk(self, account_id: str, sha256: str, seq: int) -> bytes:
        self.calls += 1
        if self.calls in self.cut_at:
            self._cut_after("SELECT 1", ())
        return super().get_chunk(account_id, sha256, seq)


def test_files_go_once_in_chunks_and_come_back_whole_on_another_machine(
    machine: Machine, backup_url: str, files: dict[str, Path]
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat_id = chat_with_files(laptop, "Both", files["report.pdf"], files["photo.jpg"])
    chat_with_files(laptop, "The photo again", files["photo.jpg"])
    report = laptop.backup_now()(account)
    assert report.finished and (report.files.files, report.files.missing) == (2, 0)
    assert report.files.bytes == sum(p.stat().st_size for p in files.values())
    stored = remote(backup_url, "SELECT sha256, chunks, complete FROM files WHERE user_id = %s"
                    " ORDER BY chunks", account)  # fmt: skip
    key = laptop.sealer_for()(account).file_key  # (the server never sees a file's SHA-256)
    assert stored == [(key(sha(files["photo.jpg"])), 1, True),
                      (key(sha(files["report.pdf"])), 3, True)]  # fmt: skip
    names = remote(backup_url, "SELECT name FROM attachments WHERE user_id = %s", account)
    assert len(names) == 3 and all(name.startswith("\uffff\uffffS") for (name,) in names)
    assert laptop.backup_now()(account).files.files == 0  # nothing sent twice

    desktop = machine("desktop")
    sign_in(desktop)
    restored = desktop.restore_backup()(account)
    assert restored.finished and restored.files.files == 2
    whole = desktop.export_chats(chat_id)
    question, _reply = whole.messages
    assert [a.name for a in question.attachments] == ["report.pdf", "photo.jpg"]
    for attachment in question.attachments:
        kept = Path(desktop.files.path(attachment.sha256))
        assert kept.read_bytes() == files[attachment.name].read_bytes()
    assert question.attachments[1].file.thumbnail  # the thumbnail came with the row
    again = desktop.restore_backup()(account)
    assert again.files.files == 0  # never twice
    assert desktop.search_messages("annual").hits  # the PDF's words, searched there too
    assert desktop.backup_now()(account).files.files == 0  # what came from the backup is in it


def test_a_cut_mid_chunk_costs_that_chunk_and_a_run_that_gives_up_goes_on_next_time(
    machine: Machine, backup_url: str, postgres_server: PostgresForTests, files: dict[str, Path]
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    chat_with_files(laptop, "The report", files["report.pdf"])
    cutting = Cutting(backup_url, postgres_server, cut_at={2})
    report = BackupNow(laptop.backup_source, lambda _: cutting, retry=NO_WAIT, files=laptop.files,
                       sealer_for=laptop.sealer_for())(account)  # fmt: skip
    assert report.finished and report.files.files == 1
    assert cutting.calls == 4  # three chunks, the second twice

    # The network goes for good during the second chunk of another file: the run fails;
    # the next one sends only the chunks the backup lacks.
    other = files["report.pdf"].with_name("other.pdf")
    other.write_bytes(sample_files.pdf(["Another report."] * 3, padding=3_500_000))
    chat_with_files(laptop, "Another", other)
    gone = Cutting(backup_url, postgres_server, cut_at=set(range(2, 100)))
    with pytest.raises(BackupUnreachable):
        BackupNow(laptop.backup_source, lambda _: gone, retry=NO_WAIT, files=laptop.files,
                  sealer_for=laptop.sealer_for())(account)  # fmt: skip
    key = laptop.sealer_for()(account).file_key
    assert remote(backup_url, "SELECT count(*) FROM file_chunks WHERE sha256 = %s",
                  key(sha(other))) == [(1,)]  # fmt: skip
    counting = Cutting(backup_url, postgres_server, cut_at=set())
    rerun = BackupNow(laptop.backup_source, lambda _: counting, files=laptop.files,
                      sealer_for=laptop.sealer_for())(account)  # fmt: skip
    assert rerun.finished and rerun.files.files == 1 and counting.calls == 2

    desktop = machine("desktop")
    sign_in(desktop)
    fetching = Cutting(backup_url, postgres_server, cut_at={3})
    restore = RestoreBackup(desktop.backup_source, lambda _: fetching, retry=NO_WAIT,
                            files=desktop.files, sealer_for=desktop.sealer_for())  # fmt: skip
    restored = restore(account)
    assert restored.finished and restored.files.files == 2
    for path in (files["report.pdf"], other):
        assert Path(desktop.files.path(sha(path))).read_bytes() == path.read_bytes()


def test_a_deleted_chat_takes_its_files_out_of_the_backup(
    machine: Machine, backup_url: str, files: dict[str, Path]
) -> None:
    laptop = machine("laptop")
    account = sign_up(laptop)
    only_photo = chat_with_files(laptop, "Photo", files["photo.jpg"])
    chat_with_files(laptop, "Report", files["report.pdf"])
    laptop.backup_now()(account)
    DeleteChat(laptop.uow_factory)(only_photo)
    laptop.backup_now()(account)
    key = laptop.sealer_for()(account).file_key
    assert remote(backup_url, "SELECT sha256 FROM files WHERE user_id = %s", account) == [
        (key(sha(files["report.pdf"])),)]  # fmt: skip
    assert remote(backup_url, "SELECT count(*) FROM file_chunks WHERE sha256 = %s",
                  key(sha(files["photo.jpg"]))) == [(0,)]  # fmt: skip
    # The same photo attached again later goes again: the backup no longer has it.
    chat_with_files(laptop, "Photo again", files["photo.jpg"])
    assert laptop.backup_now()(account).files.files == 1
