"""Gemini Apps activity from Google Takeout (`My Activity/Gemini Apps/MyActivity.json`,
or the page `MyActivity.html` read into the same records by `my_activity_page`) as
Primer chats.

The file is one list of activity records, newest first, and has no conversation ids:

    {"header": "Gemini Apps", "title": "Prompted <what was typed>", "time": "…Z",
     "titleUrl": "https://gemini.google.com/app/<id>", "safeHtmlItem": [{"html": "…"}]}

Turns with the same `gemini.google.com/app/<id>` link are one conversation; without a
link, a turn more than 30 minutes after the one before starts a new one. The typed words
follow a verb ("Prompted ", "Asked ", …); records of other actions ("Created", "Used",
"Gave" feedback, …) are not turns. A conversation is keyed by its link, or by its first
turn, so a later export where it grew adds only the new turns.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from domain.chats import LOCAL_USER_ID, title_from_text
from domain.entities import Chat, Message, MessageStatus, Role
from domain.export import WholeChat
from domain.ids import stable_id

SOURCE = "gemini"
GAP = timedelta(minutes=30)
_SAID = ("Prompted with: ", "Asked Gemini: ", "Asked Bard: ", "Prompted ", "Asked ", "Said ",
         "Branched ", "Answered ")  # fmt: skip
_NOT_SAID = ("Created ", "Used ", "Added ", "Gave ", "Selected ", "Shared ", "Deleted ",
             "Viewed ", "Visited ", "Searched ", "Edited ", "Pinned ", "Renamed ", "Exported ",
             "Updated ")  # fmt: skip
_ATTACHED = re.compile(r"\s*Attached (\d+) files?\.?\s*$", re.IGNORECASE)
_APP_LINK = re.compile(r"gemini\.google\.com/app/([0-9A-Za-z_-]+)")


def looks_like(data: object) -> bool:
    """A record of Google's My Activity (a Takeout may hold YouTube's and Search's too)."""
    return isinstance(data, dict) and {"header", "title", "time"} <= data.keys()


def from_gemini(record: dict[str, Any]) -> bool:
    """Gemini's, not another product's (a Takeout may hold all of My Activity)."""
    labels = [record.get("header"), *(record.get("products") or [])]
    return any(isinstance(x, str) and ("Gemini" in x or "Bard" in x) for x in labels)


@dataclass(frozen=True, slots=True)
class _Turn:
    at: datetime
    prompt: str
    answer: str
    link: str | None
    files: int


class _Text(HTMLParser):
    """An answer's HTML as Markdown-ish text: paragraphs, lists, code blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._in_pre = False

    def handle_starttag(self, tag: str, _attrs: object) -> None:
        if tag == "pre":
            self._in_pre = True
            self.out.append("\n\n```\n")
        elif tag in ("p", "div", "h1", "h2", "h3", "h4", "table", "ul", "ol"):
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("br", "tr"):
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_pre = False
            self.out.append("\n```\n\n")

    def handle_data(self, data: str) -> None:
        self.out.append(data if self._in_pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        return re.sub(r"\n{3,}", "\n\n", "".join(self.out)).strip()


def _answer(record: dict[str, Any]) -> str:
    parts = []
    for item in record.get("safeHtmlItem") or []:
        html = item.get("html") if isinstance(item, dict) else None
        if isinstance(html, str) and html.strip():
            reader = _Text()
            reader.feed(html)
            reader.close()
            parts.append(reader.text())
    return "\n\n".join(part for part in parts if part)


def _turn(record: dict[str, Any]) -> _Turn | None:
    title = str(record.get("title") or "").strip()
    try:
        at = datetime.fromisoformat(str(record.get("time")).replace("Z", "+00:00"))
    except ValueError:
        return None
    if not title or any(title.startswith(verb) for verb in _NOT_SAID):
        return None
    answer = _answer(record)
    said = next((title[len(verb) :] for verb in _SAID if title.startswith(verb)), None)
    if said is None and not answer:  # no verb known (another language): a prompt if answered
        return None
    prompt = said if said is not None else title
    attached = _ATTACHED.search(prompt)
    prompt = _ATTACHED.sub("", prompt).strip()
    found = _APP_LINK.search(str(record.get("titleUrl") or "")) or _APP_LINK.search(
        " ".join(str(item) for item in record.get("safeHtmlItem") or [])
    )
    return _Turn(at if at.tzinfo else at.replace(tzinfo=UTC), prompt, answer,
                 found.group(1) if found else None,
                 int(attached.group(1)) if attached else 0)  # fmt: skip


def _conversations(turns: list[_Turn]) -> Iterator[list[_Turn]]:
    by_link: dict[str, list[_Turn]] = {}
    unlinked: list[_Turn] = []
    for turn in sorted(turns, key=lambda t: t.at):
        if turn.link:
            by_link.setdefault(turn.link, []).append(turn)
        else:
            unlinked.append(turn)
    yield from by_link.values()
    group: list[_Turn] = []
    for turn in unlinked:
        if group and turn.at - group[-1].at > GAP:
            yield group
            group = []
        group.append(turn)
    if group:
        yield group


def _hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def _second(at: datetime) -> tuple[str, int]:
    """A turn's moment as its keys use it: to the second in UTC, all the page form holds
    (so the JSON and the page of the same activity give the same ids)."""
    whole = at.astimezone(UTC).replace(microsecond=0)
    return whole.isoformat(), int(whole.timestamp()) * 1000


def to_chats(records: Iterable[dict[str, Any]]) -> Iterator[WholeChat]:
    turns = [t for r in records if looks_like(r) and from_gemini(r) and (t := _turn(r))]
    for group in _conversations(turns):
        first = group[0]
        started, started_ms = _second(first.at)
        key = first.link or f"{started}:{_hash(first.prompt)}"
        chat_id = stable_id(f"{SOURCE}:{key}", started_ms)
        messages: list[Message] = []
        parent: str | None = None
        for turn in group:
            at, ms = _second(turn.at)
            seed = f"{SOURCE}:{key}:{at}:{_hash(turn.prompt)}"
            placeholders = [f"[file {n + 1} of {turn.files}]" for n in range(turn.files)]
            question = Message(stable_id(seed, ms), chat_id, parent, Role.USER,
                               "\n\n".join([*placeholders, turn.prompt]).strip(),
                               MessageStatus.COMPLETE, turn.at,
                               metadata={"source": SOURCE})  # fmt: skip
            messages.append(question)
            parent = question.id
            if turn.answer:
                reply = Message(stable_id(seed + ":answer", ms), chat_id, parent,
                                Role.ASSISTANT, turn.answer, MessageStatus.COMPLETE,
                                turn.at + timedelta(milliseconds=1), "gemini", "",
                                metadata={"source": SOURCE})  # fmt: skip
                messages.append(reply)
                parent = reply.id
        title = title_from_text(first.prompt) if first.prompt.strip() else "Gemini chat"
        chat = Chat(chat_id, LOCAL_USER_ID, title, "gemini", "", "", False, False, first.at,
                    messages[-1].created_at)  # fmt: skip
        yield WholeChat(chat, tuple(messages), tuple(m.id for m in messages))
