"""Search the history by meaning: alone, or fused with the words' results (reciprocal
rank) with the same filters; and "Find similar": the messages of other chats nearest to
one. The query is embedded on the caller's thread (a worker's); each read of the store is
a job of the store's thread, so that no unit of work is held across a network call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from domain.backup import HereAndNow, StoreThread
from domain.errors import PrimerError
from domain.meaning import MESSAGE, Embedder, Source, VectorIndex, fuse, mean, passages, unit
from domain.ports import UnitOfWorkFactory
from domain.search import Filters, Hit, Order, Results
from domain.use_cases.index_meaning import OFF, MeaningUseCase
from domain.use_cases.search_messages import PAGE, SearchMessages

NOT_YET = ("The history is not embedded with the model chosen yet: it is being embedded "
           "(or run `primer embeddings rebuild --wait`).")  # fmt: skip


class _Meaning(MeaningUseCase):
    def _ready(self) -> Embedder:
        embedder = self._embedder()
        if embedder is None:
            raise PrimerError(OFF)
        if self._index.key() != embedder.key:
            raise PrimerError(NOT_YET)
        return embedder

    def _nearest_hits(
        self, on: StoreThread, vector: list[float], limit: int, filters: Filters
    ) -> list[Hit]:
        """The `limit` sources nearest to `vector` as hits, best first, each scored by its
        similarity; what has nothing in common with it (0 or less) left out."""
        near = self._index.nearest(vector, limit)
        similarity = {n.source: n.score for n in near}
        parts = [(n.source, n.part) for n in near]
        found = self._read(on, lambda uow: uow.search.hits_for(parts, filters))
        return [replace(hit, score=similarity[source]) for source, hit in found
                if similarity[source] > 0]  # fmt: skip


class SearchByMeaning(_Meaning):
    """`mode`: "meaning" (nearest first, each hit's similarity its score) or "both" (the
    words' hits and the meaning's fused by reciprocal rank, that the score). What has
    nothing in common with the query (a similarity of 0 or less) is not a hit."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        index: VectorIndex,
        embedder: Callable[[], Embedder | None],
        words: SearchMessages,
    ) -> None:
        super().__init__(uow_factory, index, embedder)
        self._words = words

    def __call__(
        self,
        text: str,
        filters: Filters | None = None,
        mode: str = "both",
        limit: int = PAGE,
        *,
        store: StoreThread | None = None,
    ) -> Results:
        on = store or HereAndNow()
        embedder = self._ready()
        filters = filters or Filters()
        if filters.chat_id is not None:
            chat_id = self._read(on, lambda uow: uow.chats.resolve_id(filters.chat_id or ""))
            filters = replace(filters, chat_id=chat_id)
        query = unit(embedder.embed([text])[0])
        chosen = filters
        meaning = _once(self._nearest_hits(on, query, limit * 4, chosen))
        if mode == "meaning":
            return Results(hits=meaning[:limit])
        words = on.submit(
            lambda: self._words(text, chosen, Order.BEST, limit, everywhere=True)
        ).result()
        scores = fuse([[_key(hit) for hit in words.hits], [_key(hit) for hit in meaning]])
        hits = {_key(hit): hit for hit in meaning} | {_key(hit): hit for hit in words.hits}
        ranked = sorted(hits, key=lambda k: -scores[k])[:limit]
        return replace(words, hits=[replace(hits[k], score=scores[k]) for k in ranked])


class FindSimilar(_Meaning):
    """The messages of other chats nearest in meaning to one (its vectors' average; its
    text embedded now if it has none yet), nearest first."""

    def __call__(
        self, message_id: str, limit: int = PAGE, *, store: StoreThread | None = None
    ) -> Results:
        on = store or HereAndNow()
        embedder = self._ready()
        message, number = self._read(
            on, lambda uow: (uow.messages.get(message_id), uow.meaning.number(message_id))
        )
        vectors = self._index.vectors_of(Source(MESSAGE, str(number)))
        if not vectors:
            texts = [p.text for p in passages(Source(MESSAGE, message_id), message.content)]
            if not texts:
                raise PrimerError("This message has no text to find others like it by.")
            vectors = [unit(vector) for vector in embedder.embed(texts)]  # (as the index's)
        near = self._nearest_hits(on, mean(vectors), limit * 6, Filters())
        return Results(hits=_once([hit for hit in near if hit.chat_id != message.chat_id])[:limit])


def _once(hits: list[Hit]) -> list[Hit]:
    """Each message (or chat) once, where it first ranks: a message may be found by its
    own text, a note on it and a file it carries."""
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(_key(hit), hit)
    return list(seen.values())


def _key(hit: Hit) -> str:
    return hit.message_id or f"chat:{hit.chat_id}"
