"""Store how a streamed reply ended: whole, stopped, cut off or failed, and what it used.

The process that streamed a reply has the last word on it, even if another Primer marked
it interrupted meanwhile (its writer looked gone): the finished text is never lost.
"""

from __future__ import annotations

import dataclasses

from domain.clock import Clock, utc_now
from domain.entities import Message
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.usage import PriceBook, UsageEntry, new_entry
from domain.use_cases.stream_reply import ReplyOutcome


class FinishReply:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, prices: PriceBook, clock: Clock = utc_now
    ) -> None:
        self._uow_factory = uow_factory
        self._prices = prices
        self._clock = clock

    def __call__(self, reply_id: str, outcome: ReplyOutcome) -> Message:
        with self._uow_factory() as uow:
            reply = uow.messages.get(reply_id)
            entry = self._record(uow, reply, outcome)
            metadata = {**reply.metadata, **outcome.metadata, **_timing(outcome)}
            if outcome.error:
                metadata["retryable"] = outcome.retryable
            finished = dataclasses.replace(
                reply,
                content=outcome.content,
                status=outcome.status,
                input_tokens=outcome.usage.input_tokens,
                output_tokens=outcome.usage.output_tokens,
                cost=entry.cost if entry else None,
                error=outcome.error,
                metadata=metadata,
            )
            uow.messages.update(finished)
            uow.writers.release([reply_id])
            uow.commit()
        return finished

    def count(self, reply_id: str, outcome: ReplyOutcome) -> None:
        """Record only what a reply used: one stopped on screen (its text stored then) whose
        stream ended after, with the provider's figures."""
        with self._uow_factory() as uow:
            self._record(uow, uow.messages.get(reply_id), outcome)
            uow.commit()

    def _record(self, uow: UnitOfWork, reply: Message, outcome: ReplyOutcome) -> UsageEntry | None:
        if outcome.usage.input_tokens is None:
            return None  # nothing reached the model, or nothing came back
        entry = new_entry(
            self._prices, at=self._clock(), purpose="reply", provider=reply.provider,
            model=reply.model, usage=outcome.usage, timing=outcome.timing,
            chat_id=reply.chat_id, message_id=reply.id,
        )  # fmt: skip
        uow.usage.add(entry)
        return entry


def _timing(outcome: ReplyOutcome) -> dict[str, object]:
    """What the reply's own line shows beside its tokens and cost (the ledger has it all)."""
    said: dict[str, object] = {}
    if outcome.timing.seconds is not None and outcome.usage.input_tokens is not None:
        said["seconds"] = round(outcome.timing.seconds, 3)
        if outcome.timing.first_token_seconds is not None:
            said["first_token_seconds"] = round(outcome.timing.first_token_seconds, 3)
    if outcome.usage.estimated:
        said["estimated_tokens"] = True
    return said
