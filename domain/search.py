"""What a person types in a search box, as the search index understands it.

Words must all match; `"an exact phrase"`; `-excluded`; `prefix*`; `*part` inside words.
Anything else is searched literally: FTS5's own operators (`NEAR`, `AND`, `col:`) are words here, an
unbalanced quote runs to the end, and what holds no letter or digit (lone punctuation,
an emoji) cannot be matched by a word index and is left out. Text in a script written
without spaces between words (Chinese, Japanese, Korean) is matched as a substring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.entities import Role

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]")
PARTS_WINDOW = 100_000
"""As a person types, parts of words (no index holds them) are looked for in this many of
the newest messages: at most 30 ms in bench.search. Reading all of a million takes 0.2 s
(0.7 s from disk), so that is asked for (the window's "Look in all messages"; the command
always does)."""
BEST_MATCH_CAP = 1_000
"""Best match ranks at most this many of the newest matches, among at most twice as many
of the newest that have the words (ranking all of a common word's matches takes seconds);
the results say when the cap applied."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    prefix: bool = False
    inside: bool = False
    """`*part`: matched inside words too ("*base" finds "database")."""

    @property
    def substring(self) -> bool:
        """Matched inside words: text in a script without spaces between words."""
        return bool(_CJK.search(self.text))

    def fts(self) -> str:
        """As an FTS5 string: quoted, so nothing in it is an operator."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


@dataclass(frozen=True, slots=True)
class Query:
    required: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def marked(self) -> tuple[str, ...]:
        """What a view marks in a message found: the texts of the required terms."""
        return tuple(term.text for term in self.required)

    @property
    def empty(self) -> bool:
        """Nothing that can match (no words, or only excluded ones)."""
        return not self.required

    def word_match(self, spell: Callable[[Term], str] = Term.fts) -> str | None:
        """The FTS5 expression for the word index, if any required term is a word;
        `spell` writes each term (the index may spell a prefix as the words it has)."""
        words = [spell(t) for t in self.required if not t.substring]
        if not words:
            return None
        expression = " AND ".join(words)
        for term in self.excluded:
            if not term.substring:
                expression = f"({expression}) NOT {spell(term)}"
        return expression


def parse_query(text: str) -> Query:
    required: list[Term] = []
    excluded: list[Term] = []
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            term = Term(" ".join(phrase.split()))
            (excluded if negated else required).append(term)
            continue
        negated = word.startswith("-") and len(word) > 1
        word = word[1:] if negated else word
        inside = word.startswith("*")
        prefix = word.endswith("*") and not inside
        term = Term(word.strip("*"), prefix=prefix, inside=inside)
        (excluded if negated else required).append(term)
    return Query(
        tuple(t for t in required if _searchable(t)),
        tuple(t for t in excluded if _searchable(t)),
    )


def _searchable(term: Term) -> bool:
    return any(ch.isalnum() for ch in term.text)


class Order(StrEnum):
    NEWEST = "newest"
    BEST = "best"


@dataclass(frozen=True, slots=True)
class Filters:
    chat_id: str | None = None
    since: datetime | None = None
    """Messages written at or after this moment."""
    before: datetime | None = None
    """Messages written before this moment."""
    provider: str | None = None
    model: str | None = None
    role: Role | None = None
    pinned: bool | None = None
    tag: str | None = None
    """Only chats carrying this tag."""

    @property
    def about_messages(self) -> bool:
        """Whether a filter applies to messages only (a chat's title has no date or role)."""
        return self.since is not None or self.before is not None or self.role is not None


@dataclass(frozen=True, slots=True)
class Hit:
    """A message that matched, or a chat whose title did (`message_id` None)."""

    chat_id: str
    chat_title: str
    message_id: str | None
    role: Role | None
    provider: str
    model: str
    created_at: datetime
    snippet: str
    """The text around the match, each matched term between « and »."""
    score: float | None = None
    """Search by meaning: the similarity (meaning) or fused rank score (both)."""


@dataclass(frozen=True, slots=True)
class Results:
    hits: list[Hit] = field(default_factory=list)
    capped: bool = False
    """Best match ranked only the newest `BEST_MATCH_CAP` matches."""
    indexed: float = 1.0
    """How much of the history the index holds yet (1.0: all of it)."""
    inside_words_of: int = 0
    """Parts of words were looked for in this many of the newest messages only (0: none
    were, or in all)."""
