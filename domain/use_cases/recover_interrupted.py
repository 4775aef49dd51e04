"""A reply still marked streaming when Primer starts was cut off by a crash or a kill."""

from __future__ import annotations

from domain.ports import UnitOfWorkFactory


class RecoverInterruptedReplies:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self) -> int:
        with self._uow_factory() as uow:
            count = uow.messages.mark_streaming_interrupted()
            uow.commit()
        return count
