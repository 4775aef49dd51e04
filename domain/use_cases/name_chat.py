"""A chat's title written by a model after its first reply: short, in the chat's own
language, from a cheap model of the chat's provider. A title the person wrote is never
replaced, unless they ask (Regenerate title). Three steps, so that the window reads and
writes the store on its thread and asks the model on a worker; a command runs all three.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from domain.chats import TITLE_LENGTH, title_from_text
from domain.clock import Clock, utc_now
from domain.entities import Chat, MessageStatus, Role, Usage
from domain.errors import PrimerError
from domain.ports import (
    CancelToken,
    CompletionRequest,
    ProviderResolver,
    StreamEnd,
    TextDelta,
    Turn,
    UnitOfWorkFactory,
)
from domain.usage import PriceBook, Timing, UsageEntry, completed, new_entry
from domain.use_cases.load_conversation import visible_path

log = logging.getLogger(__name__)

TITLE_BY_MESSAGE, TITLE_BY_MODEL, TITLE_BY_PERSON = "message", "model", "person"
INSTRUCTION = (
    "Write a title for the conversation below: at most six words, in the language the "
    "user writes in, saying what it is about. Answer with the title alone, without quotes, "
    "Markdown or a full stop."
)
SHOWN_CHARACTERS = 2000
"""Of the question and of the answer: enough to tell the subject, cheap to send."""


@dataclass(frozen=True, slots=True)
class TitleJob:
    chat_id: str
    provider: str
    model: str
    """The chat's own model (the one that titles it when the settings name none)."""
    conversation: str


@dataclass(frozen=True, slots=True)
class WrittenTitle:
    title: str | None
    """None: the model gave none."""
    usage: UsageEntry | None = None
    """What the request used (kept even when the title is not)."""


class NameChat:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        providers: ProviderResolver,
        title_model: Callable[[str, str], str | None],
        prices: PriceBook,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`title_model(provider, chat's model)`: the model to title with; None: titles
        are not written by a model (Settings)."""
        self._uow_factory = uow_factory
        self._providers = providers
        self._title_model = title_model
        self._clock = clock
        self._monotonic = monotonic
        self._prices = prices

    def prepare(self, chat_id: str, *, asked: bool = False) -> TitleJob | None:
        """(The store.) What to ask, or None: the person titled it, or there is no reply."""
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id)
            if not asked and chat.title_by != TITLE_BY_MESSAGE:
                return None
            _, ids = visible_path(uow, chat_id)
            path = uow.messages.get_many(ids[:4])  # the first question and its reply
        question = next((m for m in path if m.role is Role.USER), None)
        answer = next((m for m in path if m.role is Role.ASSISTANT
                       and m.status is MessageStatus.COMPLETE and m.content), None)  # fmt: skip
        if question is None or answer is None:
            return None
        conversation = (
            f"User: {question.content[:SHOWN_CHARACTERS]}\n\n"
            f"Assistant: {answer.content[:SHOWN_CHARACTERS]}"
        )
        return TitleJob(chat_id, chat.provider, chat.model, conversation)

    def write(self, job: TitleJob, *, asked: bool = False) -> WrittenTitle:
        """(A worker: the network.) The title, or None if the model gave none; a failure is
        logged and gives None, unless the person asked (then it is theirs to see)."""
        began = self._monotonic()
        try:
            model = self._title_model(job.provider, job.model)
            if model is None:
                if not asked:
                    return WrittenTitle(None)
                model = job.model  # asked for, with titles off: the chat's own model
            request = CompletionRequest(model, INSTRUCTION, (Turn(Role.USER, job.conversation),))
            provider = self._providers.resolve(job.provider)
            pieces: list[str] = []
            reported = Usage()
            for event in provider.stream(request, CancelToken()):
                if isinstance(event, TextDelta):
                    pieces.append(event.text)
                elif isinstance(event, StreamEnd):
                    reported = event.usage
        except PrimerError as error:  # (a provider's failure, or no key)
            if asked:
                raise
            log.info("title: the model gave none (%s)", error.message)
            return WrittenTitle(None)
        answer = "".join(pieces)
        usage = completed(reported, [INSTRUCTION, job.conversation], answer)
        spent = new_entry(
            self._prices, at=self._clock(), purpose="title", provider=job.provider, model=model,
            usage=usage, timing=Timing(None, self._monotonic() - began), chat_id=job.chat_id,
        )  # fmt: skip
        return WrittenTitle(clean_title(answer), spent)

    def apply(self, job: TitleJob, written: WrittenTitle, *, asked: bool = False) -> Chat | None:
        """(The store.) The chat retitled, unless the person retitled it meanwhile; what
        the request used is recorded either way."""
        named = None
        with self._uow_factory() as uow:
            if written.usage is not None:
                uow.usage.add(written.usage)
            chat = uow.chats.get(job.chat_id)
            if written.title and (asked or chat.title_by == TITLE_BY_MESSAGE):
                named = dataclasses.replace(
                    chat, title=written.title, title_by=TITLE_BY_MODEL, updated_at=self._clock()
                )
                uow.chats.update(named)
            uow.commit()
        return named

    def __call__(self, chat_id: str, *, asked: bool = False) -> Chat | None:
        """All three on this thread, as a command runs them."""
        job = self.prepare(chat_id, asked=asked)
        if job is None:
            if asked:
                raise PrimerError("The chat has no reply yet to title it from.")
            return None
        return self.apply(job, self.write(job, asked=asked), asked=asked)


def clean_title(text: str) -> str:
    """The model's answer as a title: its first line, no quotes, Markdown or full stop."""
    title = title_from_text(text.strip())
    title = title.strip().strip("\"'“”‘’«»「」").rstrip(".。").strip()
    return "" if title == title_from_text("") else title[:TITLE_LENGTH]
