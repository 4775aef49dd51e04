"""Running Primers, told from dead ones by an OS file lock each holds while it runs.

Each process that opens a data folder takes `writers/<id>.lock` and holds it until it
exits; the OS drops the lock when the process dies, however it dies (kill -9 included).
So a reply's writer is alive exactly while its lock cannot be taken, whatever the clocks
or process ids say.
"""

from __future__ import annotations

import atexit
import contextlib
from pathlib import Path

from filelock import FileLock, Timeout

from domain.ids import new_id

FOLDER = "writers"


class WriterLocks:
    def __init__(self, data_dir: Path) -> None:
        self._folder = data_dir / FOLDER
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._me = new_id()
        self.left_by_dead = self._sweep()
        """Lock files that dead processes left: a Primer before this one did not close."""
        self._lock = FileLock(self._path(self._me), timeout=0, thread_local=False)
        self._lock.acquire()
        atexit.register(self.close)

    @property
    def me(self) -> str:
        return self._me

    def is_alive(self, writer: str) -> bool:
        if writer == self._me:
            return True
        path = self._path(writer)
        if not path.exists():
            return False
        probe = FileLock(path, timeout=0, thread_local=False)
        try:
            probe.acquire()
        except Timeout:
            return True
        probe.release()
        with contextlib.suppress(OSError):
            path.unlink()
        return False

    def close(self) -> None:
        self._lock.release()
        with contextlib.suppress(OSError):
            self._path(self._me).unlink()

    def _path(self, writer: str) -> Path:
        return self._folder / f"{writer}.lock"

    def _sweep(self) -> int:
        dead = 0
        for path in self._folder.glob("*.lock"):
            if not self.is_alive(path.stem):
                dead += 1
        return dead
