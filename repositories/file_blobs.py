"""The bytes of attached files, each kept once in the data folder's `files/`, named by its
SHA-256 (`files/ab/ab12…`).

Files, not rows of a database: a file may be larger than SQLite takes in a row (Gemini
takes 2 GB), it is copied and hashed a megabyte at a time, the system's viewer opens it
in place, and a chat's rows stay small. A copy is written beside its place, flushed to
disk and renamed in, so a crash leaves the file whole or absent, never half; files are
never changed once kept, so an upgrade cannot lose one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from domain.errors import PrimerError
from repositories.durable import sync_folder

FOLDER = "files"
_CHUNK = 1 << 20


class FileBlobs:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / FOLDER

    def size_of(self, source: str) -> int:
        name = Path(source).name
        try:
            if os.path.isdir(source):
                raise PrimerError(f"“{name}” is a folder: attach the files in it.")
            with open(source, "rb"):
                return os.stat(source).st_size
        except FileNotFoundError:
            raise PrimerError(f"There is no file “{source}”.") from None
        except OSError as error:
            raise PrimerError(f"Could not read “{name}”: {error.strerror}.") from None

    def stage(self, source: str) -> tuple[str, str, int]:
        try:
            with open(source, "rb") as reading:
                return self._stage(iter(lambda: reading.read(_CHUNK), b""), Path(source).name)
        except OSError as error:
            raise PrimerError(f"Could not read “{Path(source).name}”: {error.strerror}.") from None

    def stage_chunks(self, chunks: Iterable[bytes]) -> tuple[str, str, int]:
        return self._stage(chunks, "a file from the backup")

    def _stage(self, chunks: Iterable[bytes], name: str) -> tuple[str, str, int]:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        staged = self.folder / f".{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(staged, "xb") as writing:
                os.chmod(staged, 0o600)
                for chunk in chunks:
                    digest.update(chunk)
                    writing.write(chunk)
                    size += len(chunk)
                writing.flush()
                os.fsync(writing.fileno())
        except OSError as error:
            self.discard(str(staged))
            if error.errno in (28, 122):  # ENOSPC, EDQUOT
                raise PrimerError(
                    f"The disk is full: {name} could not be written into Primer's data "
                    "folder. Free some space and try again."
                ) from None
            raise
        except BaseException:
            self.discard(str(staged))
            raise
        return str(staged), digest.hexdigest(), size

    def read_chunk(self, sha256: str, offset: int, size: int) -> bytes:
        with open(self.path(sha256), "rb") as reading:
            reading.seek(offset)
            return reading.read(size)

    def keep(self, staged: str, sha256: str) -> str:
        target = Path(self.path(sha256))
        if target.exists():  # the same bytes, attached before
            self.discard(staged)
            return str(target)
        target.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(staged, target)
        sync_folder(target.parent)
        return str(target)

    def copy_out(self, sha256: str, target: str) -> None:
        destination = Path(target)
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".{destination.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            shutil.copyfile(self.path(sha256), partial)
            os.replace(partial, destination)
        except OSError:
            self.discard(str(partial))
            raise

    def discard(self, staged: str) -> None:
        with contextlib.suppress(OSError):
            os.unlink(staged)

    def path(self, sha256: str) -> str:
        return str(self.folder / sha256[:2] / sha256)

    def has(self, sha256: str) -> bool:
        return os.path.exists(self.path(sha256))

    def stored(self) -> Iterator[tuple[str, datetime]]:
        if not self.folder.exists():
            return
        for path in [*self.folder.glob("??/*"), *self.folder.glob(".*.part")]:
            written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            yield (str(path) if path.name.endswith(".part") else path.name), written

    def remove(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(sha256))
