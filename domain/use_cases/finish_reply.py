"""Store how a streamed reply ended: whole, stopped, cut off or failed.

The process that streamed a reply has the last word on it, even if another Primer marked
it interrupted meanwhile (its writer looked gone): the finished text is never lost.
"""

from __future__ import annotations

import dataclasses

from domain.entities import Message
from domain.ports import UnitOfWorkFactory
from domain.use_cases.stream_reply import ReplyOutcome


class FinishReply:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, reply_id: str, outcome: ReplyOutcome) -> Message:
        with self._uow_factory() as uow:
            reply = uow.messages.get(reply_id)
            finished = dataclasses.replace(
                reply,
                content=outcome.content,
                status=outcome.status,
                input_tokens=outcome.usage.input_tokens,
                output_tokens=outcome.usage.output_tokens,
                error=outcome.error,
                metadata={**reply.metadata, **outcome.metadata, "retryable": outcome.retryable}
                if outcome.error
                else {**reply.metadata, **outcome.metadata},
            )
            uow.messages.update(finished)
            uow.writers.release([reply_id])
            uow.commit()
        return finished
