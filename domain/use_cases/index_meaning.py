"""Embed the history for search by meaning: messages (the new ones first, then, when asked
to be thorough, any stored with an older time: an import, a restore), chats' titles, notes
and attached files' text. Nothing is sent to any provider until the person chooses one for
it (`embedder()` is None until then). Each read of the store is a job of the store's
thread; the provider is asked from the caller's (a worker's), never the window's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from domain.backup import HereAndNow, StoreThread
from domain.errors import PrimerError
from domain.meaning import (
    FILE,
    FILE_CHUNKS,
    MESSAGE,
    NOTE,
    TITLE,
    Embedder,
    Passage,
    Source,
    VectorIndex,
    passages,
    unit,
)
from domain.ports import CancelToken, UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
BATCH = 64
"""Passages sent in one request."""
READ = 256
"""Messages read from the store at a time."""
IDS = 50_000
"""Message numbers read at a time when looking for messages not embedded yet."""
OFF = (
    "Search by meaning is off: choose who turns text into vectors in Settings → Search, or "
    "with `primer embeddings use PROVIDER` (openai, gemini, or a local server such as ollama)."
)
Item = tuple[Source, str, str]
"""A source to embed, its mark (what it is embedded as) and its text."""


@dataclass(frozen=True, slots=True)
class MeaningStatus:
    key: str | None
    """The provider and model the vectors come from (None: search by meaning is off)."""
    embedded: int
    """Messages embedded."""
    waiting: int
    """Messages not embedded yet."""
    characters: int
    """The length of the newest messages' text not embedded yet (what embedding them
    costs is worked out from it)."""


class MeaningUseCase:
    """What the use cases of search by meaning share: the store (each read a job of its
    thread), the vectors and who embeds."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        index: VectorIndex,
        embedder: Callable[[], Embedder | None],
    ) -> None:
        self._uow_factory = uow_factory
        self._index = index
        self._embedder = embedder

    def _read(self, store: StoreThread, read: Callable[..., T], *args: Any) -> T:
        """`read(uow, *args)`, on the store's thread."""

        def job() -> T:
            with self._uow_factory() as uow:
                return read(uow, *args)

        return store.submit(job).result()


class IndexMeaning(MeaningUseCase):
    def status(self, store: StoreThread | None = None) -> MeaningStatus:
        on = store or HereAndNow()
        embedder = self._embedder()
        current = embedder is not None and self._index.key() == embedder.key
        embedded = self._index.count() if current else 0
        upto = self._index.done_upto() if current else 0
        characters = self._read(on, lambda uow: uow.meaning.characters_after(upto))
        key = embedder.key if embedder else None
        return MeaningStatus(key, embedded, self._waiting(on, embedded), characters)

    def _waiting(self, on: StoreThread, embedded: int) -> int:
        return max(0, self._read(on, lambda uow: uow.meaning.count()) - embedded)

    def estimate(self, store: StoreThread | None = None) -> MeaningStatus:
        """What embedding the whole history with a model not used yet takes."""
        on = store or HereAndNow()
        total = self._read(on, lambda uow: uow.meaning.count())
        characters = self._read(on, lambda uow: uow.meaning.characters_after(0))
        return MeaningStatus(None, 0, total, characters)

    def __call__(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
        *,
        store: StoreThread | None = None,
        thorough: bool = True,
    ) -> int:
        """Embed what is not embedded yet (all of it after a change of model); how many
        messages (titles, notes and files are not counted). A reply still arriving waits
        for the next run. `thorough`: also look through every message for ones stored
        with an older time than the newest embedded (a few tenths of a second for a
        million; the window does it when it starts and after an import or a restore)."""
        on = store or HereAndNow()
        embedder = self._embedder()
        if embedder is None:
            raise PrimerError(OFF)
        if self._index.key() != embedder.key:
            self._index.reset(embedder.key)
        # (a run's progress counts what waits; a reply's few are not counted, and the text's
        # length, which only the estimate of a cost needs, is not measured)
        waiting = self._waiting(on, self._index.count()) if thorough else 0
        run = _Run(self._index, embedder, progress, cancel, waiting)
        while not run.stopped:  # messages stored since the newest embedded
            upto = self._index.done_upto()
            rows = self._read(on, lambda uow, n: uow.meaning.messages_after(n, READ), upto)
            ready = []
            for row in rows:
                if row[2] == "streaming":
                    break
                ready.append(row)
            if not ready:
                break
            run.embed(_messages(ready), upto=ready[-1][0])
        if thorough and not run.stopped:  # and those stored with an older time
            numbers: list[int] = []
            after = ""
            while part := self._read(on, lambda uow, a: uow.meaning.message_numbers(a, IDS), after):
                numbers += [number for _, number in part]
                after = part[-1][0]
            missing = self._index.missing(numbers)
            for start in range(0, len(missing), READ):
                if run.stopped:
                    break
                some = missing[start : start + READ]
                rows = self._read(on, lambda uow, n: uow.meaning.messages(n), some)
                run.embed(_messages([row for row in rows if row[2] != "streaming"]))
        if not run.stopped:
            self._others(on, run)
        return run.done

    def _others(self, on: StoreThread, run: _Run) -> None:
        """Titles and notes changed since they were embedded, files not embedded yet; the
        vectors of those gone are dropped."""
        reads: tuple[tuple[str, Callable[[UnitOfWork], list[Any]]], ...] = (
            (TITLE, lambda uow: uow.meaning.titles()),
            (NOTE, lambda uow: uow.meaning.notes()),
        )
        for kind, read in reads:
            rows: list[tuple[str, ...]] = self._read(on, read)
            marks = self._index.marks(kind)
            here = {row[0] for row in rows}
            self._index.forget([Source(kind, item) for item in marks if item not in here])
            changed = [(Source(kind, row[0]), row[1], row[-1]) for row in rows
                       if marks.get(row[0]) != row[1]]  # fmt: skip
            for start in range(0, len(changed), BATCH):
                if run.stopped:
                    return
                run.embed(changed[start : start + BATCH])
        done = self._index.marks(FILE)
        new = [sha for sha in self._read(on, lambda uow: uow.meaning.files()) if sha not in done]
        for start in range(0, len(new), 8):
            if run.stopped:
                return
            some = new[start : start + 8]
            texts = self._read(on, lambda uow, s: uow.meaning.file_texts(s), some)
            run.embed([(Source(FILE, sha), "", text) for sha, text in texts], most=FILE_CHUNKS)


def _messages(rows: Sequence[tuple[int, str, str]]) -> list[Item]:
    return [(Source(MESSAGE, str(number)), "", text) for number, text, _status in rows]


class _Run:
    """One run's embedding: what it has done, whether it is to stop."""

    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        progress: Callable[[int, int], None] | None,
        cancel: CancelToken | None,
        total: int,
    ) -> None:
        self._index, self._embedder = index, embedder
        self._progress, self._cancel, self._total = progress, cancel, total
        self.done = 0
        if progress is not None and total:
            progress(0, total)

    @property
    def stopped(self) -> bool:
        return self._cancel is not None and self._cancel.cancelled

    def embed(self, items: Sequence[Item], upto: int | None = None,
              most: int | None = None) -> None:  # fmt: skip
        found: list[Passage] = []
        for source, _mark, text in items:
            found += passages(source, text, most)
        vectors: list[list[float]] = []
        for start in range(0, len(found), BATCH):
            part = [passage.text for passage in found[start : start + BATCH]]
            vectors += [unit(vector) for vector in self._embedder.embed(part)]
        self._index.add([(source, mark) for source, mark, _ in items], found, vectors, upto)
        if not items or items[0][0].kind != MESSAGE:
            return
        self.done += len(items)
        if self._progress is not None:
            self._total = max(self._total, self.done)
            self._progress(self.done, self._total)
