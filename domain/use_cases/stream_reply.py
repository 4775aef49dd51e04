"""Stream a reply from a provider and decide how it ended.

Runs on a worker thread and touches no database: every `save_every` seconds it hands the
text so far to `checkpoint` (which stores it, on the database's own thread), so a kill
loses at most that moment; `FinishReply` stores the outcome.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.entities import MessageStatus, Usage
from domain.errors import PrimerError
from domain.ports import CancelToken, ProviderResolver, StreamEnd, TextDelta
from domain.usage import Timing, completed
from domain.use_cases.send_message import PendingReply

CUT_OFF_NOTICE = "The connection ended before the reply was finished."


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    content: str
    status: MessageStatus
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    retryable: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    timing: Timing = field(default_factory=Timing)

    def measured(self, usage: Usage, timing: Timing) -> ReplyOutcome:
        return dataclasses.replace(self, usage=usage, timing=timing)


SAVE_EVERY_SECONDS = 0.5


def files_left_out(count: int) -> str:
    return (f"{count} file(s) of earlier messages were not sent again: they no longer fit "
            "the chat's context window, or its model cannot read them.")  # fmt: skip


def used(pending: PendingReply, reported: Usage, outcome: ReplyOutcome) -> Usage:
    """What a reply's request used: the provider's figures, estimated from what was sent
    and what came where it gave none."""
    request = pending.request
    sent = [request.system_prompt, *(turn.content for turn in request.turns)]
    return completed(reported, sent, outcome.content)


def stopped(partial: str) -> ReplyOutcome:
    """The person stopped the reply (Stop, Esc, Ctrl-C, a closed terminal): what arrived is
    kept, marked interrupted; Regenerate, not Retry, is offered."""
    return ReplyOutcome(partial, MessageStatus.INTERRUPTED, metadata={"stopped": True})


class StreamReply:
    def __init__(
        self,
        providers: ProviderResolver,
        *,
        save_every: float = SAVE_EVERY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._providers = providers
        self._save_every = save_every
        self._monotonic = monotonic

    def __call__(
        self,
        pending: PendingReply,
        on_delta: Callable[[str], None],
        cancel: CancelToken,
        checkpoint: Callable[[str], None] | None = None,
    ) -> ReplyOutcome:
        """The reply as it ended, with its tokens (estimated when the provider reported
        none but words came) and how long it took."""
        began = self._monotonic()
        first: list[float] = []
        outcome, end = self._stream(pending, on_delta, cancel, checkpoint, began, first)
        timing = Timing(first[0] - began if first else None, self._monotonic() - began)
        if end is None and not outcome.content:
            return outcome.measured(Usage(), timing)  # nothing came: nothing to count
        return outcome.measured(used(pending, end.usage if end else Usage(), outcome), timing)

    def _stream(
        self,
        pending: PendingReply,
        on_delta: Callable[[str], None],
        cancel: CancelToken,
        checkpoint: Callable[[str], None] | None,
        saved_at: float,
        first: list[float],
    ) -> tuple[ReplyOutcome, StreamEnd | None]:
        """`first`: gets the moment the first words came."""
        parts: list[str] = []
        end: StreamEnd | None = None
        try:
            provider = self._providers.resolve(pending.chat.provider)
            stream = provider.stream(pending.request, cancel)
            for event in stream:
                if cancel.cancelled:
                    break
                if isinstance(event, TextDelta):
                    parts.append(event.text)
                    on_delta(event.text)
                    now = self._monotonic()
                    if not first:
                        first.append(now)
                    if checkpoint is not None and now - saved_at >= self._save_every:
                        checkpoint("".join(parts))
                        saved_at = now
                else:
                    end = event
        except PrimerError as failure:
            return ReplyOutcome(
                "".join(parts),
                MessageStatus.ERROR,
                error=failure.message,
                retryable=getattr(failure, "retryable", False),
                metadata={"error_kind": getattr(failure, "kind", "configuration")},
            ), end
        content = "".join(parts)
        if cancel.cancelled:
            return stopped(content), end
        if end is None:
            return ReplyOutcome(
                content, MessageStatus.INTERRUPTED, error=CUT_OFF_NOTICE, retryable=True
            ), end
        metadata: dict[str, Any] = {"finish_reason": end.finish_reason}
        notices = [end.notice] if end.notice else []
        if pending.dropped_turns:
            metadata["dropped_turns"] = pending.dropped_turns
        if pending.dropped_files:
            metadata["files_left_out"] = pending.dropped_files
            notices.append(files_left_out(pending.dropped_files))
        if notices:
            metadata["notice"] = " ".join(notices)
        return ReplyOutcome(content, MessageStatus.COMPLETE, metadata=metadata), end
