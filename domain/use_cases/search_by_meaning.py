"""Embed the history for search by meaning, and search it: by meaning alone, or fused
with the words' results (reciprocal rank) with the same filters. Nothing is sent to any
provider until the person chooses one for it (`embedder()` is None until then)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from domain.errors import PrimerError
from domain.meaning import Embedder, Passage, VectorIndex, fuse, passages, unit
from domain.ports import CancelToken, UnitOfWorkFactory
from domain.search import Filters, Hit, Order, Results
from domain.use_cases.search_messages import PAGE, SearchMessages

BATCH = 64
"""Passages sent in one request."""
READ = 256
"""Messages read from the store at a time."""
OFF = (
    "Search by meaning is off: choose who turns text into vectors with "
    "`primer embeddings use PROVIDER` (openai, gemini, or a local server such as ollama)."
)


@dataclass(frozen=True, slots=True)
class MeaningStatus:
    key: str | None
    """The provider and model the vectors come from (None: search by meaning is off)."""
    embedded: int
    """Messages embedded."""
    waiting: int
    """Messages stored since, not yet embedded."""
    characters: int
    """Their text's length (what embedding them will cost is worked out from it)."""


class IndexMeaning:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        index: VectorIndex,
        embedder: Callable[[], Embedder | None],
    ) -> None:
        self._uow_factory = uow_factory
        self._index = index
        self._embedder = embedder

    def status(self) -> MeaningStatus:
        embedder = self._embedder()
        current = embedder is not None and self._index.key() == embedder.key
        upto = self._index.done_upto() if current else 0
        with self._uow_factory() as uow:
            waiting = uow.messages.count_after(upto)
            embedded = uow.messages.count_after(0) - waiting
            characters = uow.messages.characters_after(upto)
        return MeaningStatus(embedder.key if embedder else None, embedded, waiting, characters)

    def __call__(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> int:
        """Embed what is not embedded yet (all of it after a change of model); how many
        messages. A reply still arriving waits for the next run."""
        embedder = self._embedder()
        if embedder is None:
            raise PrimerError(OFF)
        if self._index.key() != embedder.key:
            self._index.reset(embedder.key)
        done, total = 0, self.status().waiting
        while True:
            with self._uow_factory() as uow:
                rows = uow.messages.numbered_after(self._index.done_upto(), READ)
            ready = []
            for row in rows:
                if row[4] == "streaming":
                    break
                ready.append(row)
            if not ready:
                return done
            found: list[Passage] = []
            for _number, message_id, chat_id, text, _status in ready:
                found += passages(message_id, chat_id, text)
            vectors: list[list[float]] = []
            for start in range(0, len(found), BATCH):
                part = [p.text for p in found[start : start + BATCH]]
                vectors += [unit(vector) for vector in embedder.embed(part)]
            self._index.add(found, vectors, ready[-1][0])
            done += len(ready)
            if progress:
                progress(done, max(total, done))
            if cancel is not None and cancel.cancelled:
                return done


class SearchByMeaning:
    """`mode`: "meaning" (nearest first, each hit's similarity its score) or "both" (the
    words' hits and the meaning's fused by reciprocal rank, that the score)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        index: VectorIndex,
        embedder: Callable[[], Embedder | None],
        words: SearchMessages,
    ) -> None:
        self._uow_factory = uow_factory
        self._index = index
        self._embedder = embedder
        self._words = words

    def __call__(
        self,
        text: str,
        filters: Filters | None = None,
        mode: str = "both",
        limit: int = PAGE,
    ) -> Results:
        embedder = self._embedder()
        if embedder is None:
            raise PrimerError(OFF)
        if self._index.key() != embedder.key:
            raise PrimerError("The history is not embedded with the model chosen yet: run "
                              "`primer embeddings rebuild --wait`.")  # fmt: skip
        filters = filters or Filters()
        with self._uow_factory() as uow:
            if filters.chat_id is not None:
                filters = replace(filters, chat_id=uow.chats.resolve_id(filters.chat_id))
        query = unit(embedder.embed([text])[0])
        near = self._index.nearest(query, limit * 4)
        similarity = dict(near)
        with self._uow_factory() as uow:
            meaning = uow.search.hits_for([message_id for message_id, _ in near], filters)
        if mode == "meaning":
            hits = [replace(hit, score=similarity[hit.message_id or ""]) for hit in meaning]
            return Results(hits=hits[:limit])
        words = self._words(text, filters, Order.BEST, limit, everywhere=True)
        scores = fuse([[_key(hit) for hit in words.hits], [_key(hit) for hit in meaning]])
        chosen = {_key(hit): hit for hit in meaning} | {_key(hit): hit for hit in words.hits}
        ranked = sorted(chosen, key=lambda k: -scores[k])[:limit]
        return replace(words, hits=[replace(chosen[k], score=scores[k]) for k in ranked])


def _key(hit: Hit) -> str:
    return hit.message_id or f"chat:{hit.chat_id}"
