"""A reply still streaming whose writer is gone was cut off by a crash or a kill.

Any entry point (the window, every command) runs this as it starts; a reply that another
running Primer is still receiving is left alone, so it never backs up half-written.
"""

from __future__ import annotations

from domain.ports import Liveness, UnitOfWorkFactory


class RecoverInterruptedReplies:
    def __init__(self, uow_factory: UnitOfWorkFactory, liveness: Liveness) -> None:
        self._uow_factory = uow_factory
        self._liveness = liveness

    def __call__(self) -> int:
        with self._uow_factory() as uow:
            orphans = [
                message_id
                for message_id, writer in uow.writers.streaming().items()
                if writer is None or not self._liveness.is_alive(writer)
            ]
            if not orphans:
                return 0
            uow.messages.mark_interrupted(orphans)
            uow.writers.release(orphans)
            uow.commit()
        return len(orphans)
