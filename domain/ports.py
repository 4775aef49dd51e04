"""The interfaces the domain needs; repositories/ and app/ implement them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, Self

from domain.attachments import Attachment, Reading, Sending, StoredFile
from domain.entities import Chat, ChatSummary, Message, Role, Usage
from domain.search import Filters, Hit, Order, Query, Results

if TYPE_CHECKING:  # (the window's start-up does not pay for them)
    from domain.meaning import Source
    from domain.notes import NoteRepository
    from domain.tags import TagUse
    from domain.usage import UsageLedger


class ChatRepository(Protocol):
    def add(self, chat: Chat) -> None: ...
    def get(self, chat_id: str, *, include_deleted: bool = False) -> Chat: ...
    def update(self, chat: Chat) -> None: ...
    def summaries(
        self,
        *,
        with_counts: bool = False,
        ids: Sequence[str] | None = None,
        archived: bool | None = None,
        tag: str | None = None,
    ) -> list[ChatSummary]:
        """The chat list's rows (of the chats in `ids` only, if given; archived or not, if
        said; carrying `tag`, if given), deleted chats left out."""
        ...

    def tags(self) -> list[TagUse]:
        """Every tag the chats carry, in name order, with how many carry it."""
        ...

    def resolve_id(self, id_or_prefix: str) -> str: ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> None: ...
    def get(self, message_id: str) -> Message: ...
    def update(self, message: Message) -> None: ...
    def lineage(self, chat_id: str) -> list[tuple[str, str | None]]:
        """(id, parent_id) of every message in the chat, oldest first."""
        ...

    def get_many(self, message_ids: Sequence[str]) -> list[Message]:
        """The messages with these ids, in the order given."""
        ...

    def failed_ids(self, chat_id: str) -> set[str]:
        """The chat's replies that ended in an error."""
        ...

    def save_progress(self, message_id: str, content: str) -> bool:
        """Store the text that has arrived so far, while the reply is still streaming;
        False if it is streaming no longer."""
        ...

    def mark_interrupted(self, message_ids: Sequence[str]) -> None:
        """Replies still streaming among these become interrupted, their text kept."""
        ...


class ReplyWriters(Protocol):
    """Which running Primer streams each reply that is still streaming."""

    def claim(self, message_id: str, writer: str) -> None: ...
    def release(self, message_ids: Sequence[str]) -> None: ...
    def streaming(self) -> dict[str, str | None]:
        """Every reply still streaming, with its writer (None where none was recorded)."""
        ...


class Liveness(Protocol):
    """Tells a running Primer's writer id from a dead one's (a crash, a kill -9)."""

    @property
    def me(self) -> str: ...
    def is_alive(self, writer: str) -> bool: ...


class BranchChoices(Protocol):
    """Which version of a conversation each chat shows on this device."""

    def chosen(self, chat_id: str) -> str | None: ...
    def choose(self, chat_id: str, message_id: str | None) -> None:
        """Show the branch through `message_id`; None goes back to the newest message."""
        ...


class SearchIndex(Protocol):
    """The store's full-text index of messages and chat titles, kept with every write."""

    def search(
        self, query: Query, filters: Filters, order: Order, limit: int, parts_window: int | None
    ) -> Results:
        """A page of hits (chats whose title matched first, then messages), deleted chats
        left out, and what limits applied. Parts of words are looked for in the newest
        `parts_window` messages stored (None: in all)."""
        ...

    def hits_for(
        self, found_near: Sequence[tuple[Source, int]], filters: Filters
    ) -> list[tuple[Source, Hit]]:
        """What search by meaning found (each with its chunk nearest), as hits in that
        order (a title's as its chat's, a note's or a file's as its message's); those the
        filters leave out, out."""
        ...

    def indexed(self) -> float:
        """How much of the history stored before search existed is indexed (1.0: all)."""
        ...

    def index_some(self, rows: int) -> float:
        """Index up to `rows` more of that history; how much is indexed then."""
        ...


class FileRepository(Protocol):
    """What is known of attached files (their bytes are the FileStore's)."""

    def known(self, sha256: str) -> bool: ...
    def unused_since(self, cutoff: datetime) -> list[str]:
        """Files still on this device that no chat uses but ones deleted before `cutoff`."""
        ...

    def mark_removed(self, sha256s: Sequence[str], at: datetime) -> None: ...


class MeaningSources(Protocol):
    """What search by meaning embeds, read from the store a piece at a time."""

    def count(self) -> int: ...
    def characters_after(self, number: int) -> int: ...
    def messages_after(self, number: int, limit: int) -> list[tuple[int, str, str]]:
        """(number, text, status) of the messages stored after `number`, in order."""
        ...

    def message_numbers(self, after_id: str, limit: int) -> list[tuple[str, int]]:
        """(id, number) of the next messages by id."""
        ...

    def number(self, message_id: str) -> int | None: ...
    def messages(self, numbers: Sequence[int]) -> list[tuple[int, str, str]]: ...
    def titles(self) -> list[tuple[str, str]]: ...
    def notes(self) -> list[tuple[str, str, str]]:
        """(id, when it last changed, text) of the notes not deleted."""
        ...

    def files(self) -> list[str]: ...
    def file_texts(self, sha256s: Sequence[str]) -> list[tuple[str, str]]: ...


class UnitOfWork(Protocol):
    chats: ChatRepository
    messages: MessageRepository
    branches: BranchChoices
    writers: ReplyWriters
    search: SearchIndex
    files: FileRepository
    usage: UsageLedger
    notes: NoteRepository
    meaning: MeaningSources

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class SentFile:
    """An attachment as a request carries it: where its bytes are, and how it goes."""

    attachment: Attachment
    path: str
    sending: Sending


@dataclass(frozen=True, slots=True)
class Turn:
    role: Role
    content: str
    files: tuple[SentFile, ...] = ()


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    model: str
    system_prompt: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The provider's own end marker arrived: the reply is whole."""

    finish_reason: str
    usage: Usage = field(default_factory=Usage)
    notice: str | None = None


StreamEvent = TextDelta | StreamEnd


class CancelToken:
    """Set from one thread (Stop), read by the thread that streams."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class ChatProvider(Protocol):
    def stream(self, request: CompletionRequest, cancel: CancelToken) -> Iterator[StreamEvent]:
        """Yield deltas then a StreamEnd; raise ProviderError on a known failure."""
        ...

    def list_models(self) -> list[str]: ...


class ProviderResolver(Protocol):
    def resolve(self, provider: str) -> ChatProvider: ...


class Readings(Protocol):
    def reading(self, provider: str, model: str, *, ask: bool = False) -> Reading:
        """What the model reads as files. `ask`: a local server is asked where it can
        tell (a network call: not on the GUI thread nor the store's)."""
        ...


class FileStore(Protocol):
    """The bytes of attached files on this device, named by their SHA-256."""

    def size_of(self, source: str) -> int:
        """The size of a file to attach; PrimerError if it cannot be read."""
        ...

    def stage(self, source: str) -> tuple[str, str, int]:
        """Copy `source` beside the store: (its temporary path, SHA-256, size)."""
        ...

    def stage_chunks(self, chunks: Iterable[bytes]) -> tuple[str, str, int]:
        """Write `chunks` beside the store: (its temporary path, SHA-256, size)."""
        ...

    def read_chunk(self, sha256: str, offset: int, size: int) -> bytes: ...
    def keep(self, staged: str, sha256: str) -> str:
        """Put a staged copy in its place (once: the same bytes are kept once)."""
        ...

    def discard(self, staged: str) -> None: ...
    def copy_out(self, sha256: str, target: str) -> None:
        """Write the file's bytes to `target` whole (a half copy is never left there)."""
        ...

    def path(self, sha256: str) -> str: ...
    def has(self, sha256: str) -> bool: ...
    def remove(self, sha256: str) -> None: ...
    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every file kept, and half-written copies a crash left: (SHA-256 or the copy's
        path, when it was written)."""
        ...


class FileInspector(Protocol):
    def inspect(self, path: str, sha256: str, size: int, name: str) -> StoredFile:
        """Its type told from its content, an image's size and thumbnail, a PDF's or a
        text's words; PrimerError with a sentence for a file that cannot be used."""
        ...


class SecretStore(Protocol):
    """Where API keys live on this device."""

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...
