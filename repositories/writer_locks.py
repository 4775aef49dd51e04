"""Running Primers, told from dead ones by an OS file lock each holds while it runs.

Each process that opens a data folder takes `writers/<id>.lock` and holds it until it
exits; the OS drops the lock when the process dies, however it dies (kill -9 included).
So a reply's writer is alive exactly while its lock cannot be taken, whatever the clocks
or process ids say.
"""

from __future__ import annotations

import atexit
import contextlib
import time
from pathlib import Path

from filelock import FileLock, Timeout

from domain.ids import new_id

FOLDER = "writers"
STARTING_SECONDS = 30


class WriterLocks:
    def __init__(self, data_dir: Path) -> None:
        self._folder = data_dir / FOLDER
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._me = new_id()
        self.left_by_dead = self._sweep()
        """Lock files that dead processes left: a Primer before this one did not close."""
        # Another Primer's sweep may hold the new file for a moment while it looks at it.
        self._lock = FileLock(self._path(self._me), timeout=STARTING_SECONDS, thread_local=False)
        self._lock.acquire()
        atexit.register(self.close)

    @property
    def me(self) -> str:
        return self._me

    def is_alive(self, writer: str) -> bool:
        if writer == self._me:
            return True
        path = self._path(writer)
        if _locked(path):
            return True
        with contextlib.suppress(OSError):  # a writer recorded by a reply locked it first
            path.unlink()
        return False

    def others_running(self) -> int:
        """How many other Primers hold this data folder now."""
        return sum(
            1 for path in self._folder.glob("*.lock") if path.stem != self._me and _locked(path)
        )

    def close(self) -> None:
        self._lock.release()
        with contextlib.suppress(OSError):
            self._path(self._me).unlink()

    def _path(self, writer: str) -> Path:
        return self._folder / f"{writer}.lock"

    def _sweep(self) -> int:
        """Count (and clear) the lock files of dead processes. A Primer starting right now
        has made its file but may not hold it yet: such a young file is counted (at worst
        one check of the store too many) but never removed from under it."""
        dead = 0
        for path in self._folder.glob("*.lock"):
            try:
                if _locked(path):
                    continue
                dead += 1
                if time.time() - path.stat().st_mtime > STARTING_SECONDS:
                    path.unlink()
            except OSError:
                continue  # gone meanwhile: its owner closed
        return dead


def _locked(path: Path) -> bool:
    """Whether a running process holds this lock file (it is left in place either way)."""
    if not path.exists():
        return False
    probe = FileLock(path, timeout=0, thread_local=False, preserve_lock_file=True)
    try:
        probe.acquire()
    except Timeout:
        return True
    probe.release()
    return False
