"""Tags on chats: a chat carries its tags (name and colour) with it, so they merge with the
chat as its title does (the newest change of the chat wins) and travel sealed with it in
the backup. A tag exists while a chat carries it; renaming or recolouring one changes every
chat that carries it."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import PrimerError

NAME_LENGTH = 40
COLOURS = {
    "blue": "#3b82f6", "green": "#22c55e", "amber": "#f59e0b", "red": "#ef4444",
    "purple": "#a855f7", "pink": "#ec4899", "teal": "#14b8a6", "grey": "#6b7280",
}  # fmt: skip
"""The colours offered, by name; a tag may hold any #rrggbb."""
NO_TAGS = "[]"
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class TagUse:
    tag: Tag
    chats: int


def tag_name(text: str) -> str:
    """A name as a tag keeps it: one line, spaces collapsed, at most forty characters."""
    name = " ".join(text.split())[:NAME_LENGTH].strip()
    if not name:
        raise PrimerError("A tag needs a name.")
    return name


def colour(text: str | None, name: str) -> str:
    """A colour by name or #rrggbb; none given: one drawn from the name, the same each time."""
    if text is None:
        palette = list(COLOURS.values())
        return palette[zlib.crc32(name.casefold().encode()) % len(palette)]
    if text.lower() in COLOURS:
        return COLOURS[text.lower()]
    if _HEX.fullmatch(text):
        return text.lower()
    raise PrimerError(f"Not a colour: {text}. Use one of {', '.join(COLOURS)}, or #rrggbb.")


def same_name(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def sorted_tags(tags: Iterable[Tag]) -> tuple[Tag, ...]:
    """One of each name (the last given wins), in name order: equal sets compare equal."""
    kept: dict[str, Tag] = {}
    for tag in tags:
        kept[tag.name.casefold()] = tag
    return tuple(sorted(kept.values(), key=lambda tag: tag.name.casefold()))


def with_tag(tags: Iterable[Tag], tag: Tag) -> tuple[Tag, ...]:
    return sorted_tags([*(t for t in tags if not same_name(t.name, tag.name)), tag])


def without_tag(tags: Iterable[Tag], name: str) -> tuple[Tag, ...]:
    return sorted_tags(t for t in tags if not same_name(t.name, name))


def tags_text(tags: Iterable[Tag]) -> str:
    """As a chat's row keeps them: [[name, colour], …]."""
    return json.dumps([[tag.name, tag.colour] for tag in sorted_tags(tags)], ensure_ascii=False,
                      separators=(",", ":"))  # fmt: skip


def tags_from_text(text: str | None) -> tuple[Tag, ...]:
    """The tags a row holds; a damaged value holds none (the chat itself is not lost)."""
    try:
        items = json.loads(text or NO_TAGS)
        return sorted_tags(Tag(str(name), str(shade)) for name, shade in items)
    except (ValueError, TypeError):
        return ()
