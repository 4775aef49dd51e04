"""Copies of the store kept on this computer (issue 18), on real SQLite files: made while
the store goes on being written, checked whole, with their attached files; listed and
restored from the command line with the files back in place."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.bootstrap import build
from app.secrets import InsecureFileSecretStore
from devtools import sample_files
from domain.errors import StoreError
from domain.local_copies import AUTOMATIC
from repositories.sqlite.local_copies import SqliteLocalCopies
from tests.integration.test_backup_files import chat_with_files
from tests.integration.test_cli import primer as run_primer
from tests.support.seeding import add_chat, add_messages, table_rows


def test_a_copy_made_while_the_store_is_written_is_whole_and_holds_its_files(
    tmp_path: Path,
) -> None:
    primer = build(tmp_path / "data", secrets=InsecureFileSecretStore(tmp_path / "k.json"))
    chat = add_chat(primer, "Kept safe", 200)
    photo = sample_files.write(tmp_path / "p.png", sample_files.photo(64, 48))
    chat_with_files(primer, "With a photo", photo)
    copies = SqliteLocalCopies(primer.store.path)
    writing = threading.Event()

    def keep_writing() -> None:  # another thread writes all through the copy
        writer = build(tmp_path / "data", secrets=InsecureFileSecretStore(tmp_path / "k.json"))
        while not writing.is_set():
            add_messages(writer, chat, 5)
        writer.store.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        made = [
            copies.write(datetime(2026, 11, 30, 12, n, tzinfo=UTC), AUTOMATIC) for n in range(3)
        ]
    finally:
        writing.set()
        writer.join()
    for copy in made:
        path = tmp_path / "data" / "backups" / copy.name
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            count = db.execute("SELECT count(*) FROM messages").fetchone()[0]
            assert count >= 201  # a snapshot: every message written before it began
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not list((tmp_path / "data" / "backups").glob("*.partial"))
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    kept = tmp_path / "data" / "backups" / "files" / sha[:2] / sha
    assert kept.read_bytes() == photo.read_bytes()
    assert kept.stat().st_ino == Path(primer.files.path(sha)).stat().st_ino  # a link, no copy
    # Letting the copies go lets their files go too, once no copy names them.
    copies.remove([copy.name for copy in made])
    assert not kept.exists()


def test_a_copy_that_cannot_be_written_is_a_sentence_and_leaves_nothing(tmp_path: Path) -> None:
    primer = build(tmp_path / "data", secrets=InsecureFileSecretStore(tmp_path / "k.json"))
    add_chat(primer, "Chat", 3)
    (tmp_path / "data" / "backups").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match="could not save a copy of your chats"):
        primer.local_copies(by_hand=True)
    assert (tmp_path / "data" / "backups").read_text().startswith("a file")


def test_create_list_and_restore_from_the_command_line(tmp_path: Path) -> None:
    cli_dir = tmp_path / "cli"
    listed = run_primer("local-backups", "list", data_dir=cli_dir)
    assert listed.returncode == 0 and listed.stdout == ""  # none yet: nothing printed
    primer = build(cli_dir)
    add_chat(primer, "Before the copy", 4)
    photo = sample_files.write(tmp_path / "p.png", sample_files.photo(64, 48))
    chat_with_files(primer, "A photo", photo)
    primer.store.close()
    primer.writers.close()  # this Primer quits
    made = run_primer("local-backups", "create", data_dir=cli_dir)
    assert made.returncode == 0, made.stderr
    name = made.stdout.strip()
    listed = run_primer("local-backups", "list", data_dir=cli_dir)
    assert listed.stdout.startswith(name)

    primer = build(cli_dir)
    add_chat(primer, "After the copy", 2)
    for chat in primer.list_chats():
        if chat.title == "A photo":
            primer.delete_chat(chat.id)
    primer.store.close()
    primer.writers.close()  # this Primer quits
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    (cli_dir / "files" / sha[:2] / sha).unlink()  # as the clean-up does, 30 days on

    restored = run_primer("local-backups", "restore", name, data_dir=cli_dir)
    assert restored.returncode == 0 and "is now your database" in restored.stderr
    titles = sorted(row[1] for row in table_rows(cli_dir)["chats"])
    assert titles == ["A photo", "Before the copy"]
    assert (cli_dir / "files" / sha[:2] / sha).read_bytes() == photo.read_bytes()
    assert list(cli_dir.glob("primer.db.replaced-*"))  # the store it replaced, kept
