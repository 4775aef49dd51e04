"""The copies of the store in `backups/`: one before every schema upgrade, and the ones
Primer keeps on its own (domain/local_copies.py says when and which); and putting one in
the store's place.

A copy is written by `VACUUM INTO` from a read-only connection of its own, on whatever
thread asks: a consistent snapshot while the app goes on writing (WAL), and no statement
on the store's thread, so the window never waits for it. It is checked whole (`PRAGMA
integrity_check`) before it takes its name. Attached files go by hash into `backups/files/`
as hard links (a file's bytes never change), so every copy holds its files and costs none.

A replaced store is never deleted: it is moved aside, with its -wal and -shm files, so
nothing it may still hold is lost.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from domain.errors import StoreError
from domain.local_copies import AUTOMATIC, BEFORE_UPGRADE, BY_HAND, LocalCopy
from repositories.durable import sync_folder

BACKUPS_FOLDER = "backups"
FILES_FOLDER = "files"
_MADE = re.compile(r"-(copy|kept)-(\d{8}T\d{6}Z)-c(\d+)$")
_WORDS = {AUTOMATIC: "copy", BY_HAND: "kept"}


def local_copies(database: Path) -> list[LocalCopy]:
    """The copies, newest first."""
    folder = database.parent / BACKUPS_FOLDER
    found = []
    for path in folder.glob(f"{database.stem}-*{database.suffix}"):
        facts = path.stat()
        made = _MADE.search(path.stem)
        if made:
            word, stamp, mark = made.groups()
            saved_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            kind = AUTOMATIC if word == "copy" else BY_HAND
            found.append(LocalCopy(path.name, saved_at, facts.st_size, kind, int(mark)))
        else:
            saved_at = datetime.fromtimestamp(facts.st_mtime, UTC)
            found.append(LocalCopy(path.name, saved_at, facts.st_size, BEFORE_UPGRADE))
    return sorted(found, key=lambda copy: copy.saved_at, reverse=True)


class SqliteLocalCopies:
    """The LocalCopyStore of a store file and its data folder's attached files."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.folder = database.parent / BACKUPS_FOLDER
        self.files = database.parent / FILES_FOLDER

    def copies(self) -> list[LocalCopy]:
        return local_copies(self.database)

    def _read_only(self) -> sqlite3.Connection:
        connection = sqlite3.connect(f"{self.database.resolve().as_uri()}?mode=ro", uri=True)
        connection.execute("PRAGMA busy_timeout = 10000")
        return connection

    def change_mark(self) -> int:
        with closing(self._read_only()) as db:
            row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone()
        return int(row[0]) if row else 0

    def write(self, now: datetime, kind: str) -> LocalCopy:
        mark = self.change_mark()
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"{self.database.stem}-{_WORDS[kind]}-{stamp}-c{mark}{self.database.suffix}"
        final = self.folder / name
        if final.exists():  # twice in a second, nothing changed between: the same copy
            return LocalCopy(final.name, now, final.stat().st_size, kind, mark)
        partial = final.with_name(final.name + ".partial")
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # copies of chats: private
            partial.unlink(missing_ok=True)
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with closing(self._read_only()) as source:
                source.execute("VACUUM INTO ?", (str(partial),))
            with closing(sqlite3.connect(partial)) as copy:
                verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise StoreError(f"the copy did not check whole ({verdict})")
            _link_files(_files_of(partial), self.files, self.folder / FILES_FOLDER)
            with open(partial, "rb+") as written:
                os.fsync(written.fileno())
            os.replace(partial, final)
            sync_folder(self.folder)
        except (OSError, sqlite3.Error, StoreError) as error:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            reason = getattr(error, "message", None) or str(error)
            raise StoreError(
                f"Primer could not save a copy of your chats in {self.folder} ({reason}). "
                "Your chats are untouched; Primer tries again later."
            ) from None
        return LocalCopy(final.name, now, final.stat().st_size, kind, mark)

    def remove(self, names: Sequence[str]) -> None:
        for name in names:
            (self.folder / name).unlink(missing_ok=True)
        used: set[str] = set()
        for copy in self.copies():
            used.update(_files_of(self.folder / copy.name))
        for kept in (self.folder / FILES_FOLDER).glob("*/*"):
            if kept.name not in used:
                kept.unlink()


def _link_files(hashes: Sequence[str], source: Path, target: Path) -> None:
    """Each attached file (named by its hash) from one files folder into another, once:
    linked, since a file's bytes never change (copied where links fail). One gone from
    `source` is left out."""
    for sha256 in hashes:
        there, here = source / sha256[:2] / sha256, target / sha256[:2] / sha256
        if here.exists() or not there.exists():
            continue
        here.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.link(there, here)
        except OSError:
            shutil.copy2(there, here)


def _files_of(copy: Path) -> list[str]:
    """The attached files a copy names (none for a copy from before attachments)."""
    try:
        with closing(sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return [row[0] for row in db.execute("SELECT sha256 FROM files")]
    except sqlite3.Error:
        return []


def use_local_copy(database: Path, name: str) -> Path:
    """Put the copy `name` in the store's place; return where the old store was moved."""
    copy = database.parent / BACKUPS_FOLDER / name
    if "/" in name or os.sep in name or not copy.is_file():
        raise StoreError(f"There is no copy named {name} in {copy.parent}.")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = database.with_name(f"{database.name}.replaced-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = database.with_name(database.name + suffix)
        if part.exists():
            os.replace(part, aside.with_name(aside.name + suffix))
    # (the damage mark stays: the next start checks the copy and, finding it whole, clears it)
    descriptor = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as target, copy.open("rb") as source:
        shutil.copyfileobj(source, target)
        target.flush()
        os.fsync(target.fileno())
    # The copy's attached files come back where the store looks for them.
    _link_files(_files_of(copy), copy.parent / FILES_FOLDER, database.parent / FILES_FOLDER)
    return aside
