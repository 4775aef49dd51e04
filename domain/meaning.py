"""Search by meaning: text becomes a vector (from the provider the person chose for it;
off until then), messages' vectors are kept beside the store, and a query finds the
messages nearest to it, alone or fused with the words' results by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

DIMENSIONS = 128
"""Values a vector keeps: 1,000,000 of them, a byte each, fit in 128 MB (the window's
budget is 300 MB with them). OpenAI's text-embedding-3 and Gemini's models are asked for
this many; other models' vectors are cut to it (Matryoshka-trained ones lose little)."""
CHUNK = 2000
"""Characters of a long message a vector stands for; it gets one a chunk."""
RRF_K = 60
DEFAULT_MODELS = {"openai": "text-embedding-3-small", "gemini": "gemini-embedding-001"}


MESSAGE, TITLE, NOTE, FILE = "message", "title", "note", "file"
"""What is embedded: messages (long ones in chunks), chats' titles, notes (their words and
the text they highlight) and attached files' extracted text (FILE_CHUNKS at most)."""
FILE_CHUNKS = 20


class Embedder(Protocol):
    key: str
    """The provider, model and dimensions: vectors of another key do not compare."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector a text, unit length, DIMENSIONS long."""
        ...


@dataclass(frozen=True, slots=True)
class Source:
    """What a vector stands for: a kind, and its id there (a message's number in the
    store, a chat's or a note's id, a file's SHA-256)."""

    kind: str
    item: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A source's text, or a chunk of a long one, to embed."""

    source: Source
    text: str
    part: int = 0
    """Which chunk: its text begins at part * CHUNK."""


class Near(NamedTuple):
    """A source near a query: its similarity, and the chunk nearest (a hit's snippet is
    taken from there)."""

    source: Source
    score: float
    part: int


class VectorIndex(Protocol):
    def key(self) -> str | None: ...
    def reset(self, key: str) -> None:
        """Empty, for vectors of `key`."""

    def done_upto(self) -> int:
        """The store's message number (rowid) embedded up to."""
        ...

    def count(self) -> int:
        """Messages done."""
        ...

    def marks(self, kind: str) -> dict[str, str]:
        """Each done source of `kind` (not messages) and what it was embedded as."""
        ...

    def missing(self, numbers: Sequence[int]) -> list[int]:
        """Of the store's message numbers, those not done; vectors of others dropped."""
        ...

    def add(self, done: Sequence[tuple[Source, str]], passages: Sequence[Passage],
            vectors: Sequence[Sequence[float]], upto: int | None = None) -> None: ...  # fmt: skip
    def forget(self, sources: Sequence[Source]) -> None: ...
    def vectors_of(self, source: Source) -> list[list[float]]: ...
    def nearest(self, vector: Sequence[float], limit: int) -> list[Near]:
        """Best first, each source once."""
        ...


def passages(source: Source, text: str, most: int | None = None) -> list[Passage]:
    """A source's text as the passages embedded: one, or a chunk of CHUNK characters each
    (the first `most`)."""
    text = text.strip()
    starts = range(0, len(text), CHUNK)
    return [Passage(source, text[start : start + CHUNK], part)
            for part, start in enumerate(starts[:most])]  # fmt: skip


def mean(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The vectors' average, of unit length: what a long message is about as a whole."""
    return unit([sum(values) / len(vectors) for values in zip(*vectors, strict=True)])


def unit(vector: Sequence[float]) -> list[float]:
    """Cut to DIMENSIONS and scaled to length 1 (a zero vector stays zero)."""
    cut = list(vector[:DIMENSIONS])
    length = sum(value * value for value in cut) ** 0.5
    return [value / length for value in cut] if length else cut


def fuse(rankings: Sequence[Sequence[str]]) -> dict[str, float]:
    """Reciprocal-rank fusion: each id's sum of 1 / (RRF_K + rank) over the rankings."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (RRF_K + rank)
    return scores
