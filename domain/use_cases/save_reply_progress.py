"""Store a streaming reply's text as it arrives, so a crash or a kill loses only a moment."""

from __future__ import annotations

from domain.ports import UnitOfWorkFactory


class SaveReplyProgress:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, reply_id: str, content: str) -> bool:
        """False if the reply has ended meanwhile: its final text is not overwritten."""
        with self._uow_factory() as uow:
            saved = uow.messages.save_progress(reply_id, content)
            uow.commit()
        return saved
