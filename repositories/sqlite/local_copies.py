"""The copies of the store in `backups/` (one is written before every schema upgrade), and
putting one in the store's place when the store is damaged.

The damaged file is never deleted: it is moved aside, with its -wal and -shm files, so
nothing it may still hold is lost.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from domain.errors import StoreError

BACKUPS_FOLDER = "backups"


@dataclass(frozen=True, slots=True)
class LocalCopy:
    name: str
    saved_at: datetime
    size: int


def local_copies(database: Path) -> list[LocalCopy]:
    """The copies, newest first."""
    folder = database.parent / BACKUPS_FOLDER
    found = []
    for path in folder.glob(f"{database.stem}-*{database.suffix}"):
        facts = path.stat()
        found.append(
            LocalCopy(path.name, datetime.fromtimestamp(facts.st_mtime, UTC), facts.st_size)
        )
    return sorted(found, key=lambda copy: copy.saved_at, reverse=True)


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
    return aside
