"""Files this device no longer needs leave it: those only deleted chats used, 30 days after
the deletion (the backup keeps them as long as it keeps the chat), and copies of files
attached and never sent (a draft dropped, a crash), a day on."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import Clock, utc_now
from domain.ports import FileStore, UnitOfWorkFactory

KEEP_AFTER_DELETION = timedelta(days=30)
KEEP_UNSENT = timedelta(days=1)


class CleanUpFiles:
    def __init__(self, uow_factory: UnitOfWorkFactory, files: FileStore, clock: Clock = utc_now):
        self._uow_factory = uow_factory
        self._files = files
        self._clock = clock

    def __call__(self) -> int:
        """How many files were removed."""
        now = self._clock()
        removed = 0
        with self._uow_factory() as uow:
            unused = uow.files.unused_since(now - KEEP_AFTER_DELETION)
            for sha256 in unused:
                self._files.remove(sha256)
            uow.files.mark_removed(unused, now)
            uow.commit()
            removed += len(unused)
            for name, written in list(self._files.stored()):
                if now - written < KEEP_UNSENT:
                    continue
                if name.endswith(".part"):
                    self._files.discard(name)
                    removed += 1
                elif not uow.files.known(name):
                    self._files.remove(name)
                    removed += 1
        return removed
