"""Google's My Activity page (Takeout's `MyActivity.html`) read as the records its JSON
form holds, so that one reader (domain.importing.gemini) serves both.

Each activity is a card:

    <div class="outer-cell …">
      <div class="header-cell …"><p class="mdl-typography--title">Gemini Apps<br></p></div>
      <div class="content-cell … mdl-typography--body-1">Prompted&nbsp;<the prompt>
        <br>Nov 29, 2025, 10:15:32 AM PST<br><p>the answer, as HTML</p></div>
      <div class="content-cell … mdl-typography--body-1 mdl-typography--text-right"></div>
      <div class="content-cell … mdl-typography--caption">
        <b>Products:</b><br>&emsp;Gemini Apps<br></div>
    </div>

The lines before the time are the prompt (a prompt's own line breaks are `<br>`s too);
what follows the time is the answer. The time is written in the account's language and
time zone, with the zone's abbreviation; an abbreviation not known here is read as the
`fallback` zone (the zone of the machine the export is imported on). The page is read as
it streams by, a card at a time: pages of every product run to hundreds of megabytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from html import escape
from html.parser import HTMLParser
from typing import Any

_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2,
    "MEZ": 1, "MESZ": 2, "SEČ": 1, "SELČ": 2, "EET": 2, "EEST": 3, "MSK": 3, "PST": -8,
    "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4,
    "AKST": -9, "AKDT": -8, "HST": -10, "BRT": -3, "ART": -3, "JST": 9, "KST": 9,
    "HKT": 8, "SGT": 8, "AWST": 8, "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11,
    "NZST": 12, "NZDT": 13, "WIB": 7, "ICT": 7, "PHT": 8, "SAST": 2, "WAT": 1, "EAT": 3,
}  # fmt: skip
"""Hours from UTC of the abbreviations Takeout writes most."""
_OFFSET = re.compile(r"^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$")
_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%d %b %Y, %H:%M:%S", "%d %b %Y, %I:%M:%S %p",
            "%b %d, %Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d, %H:%M:%S")  # fmt: skip
_DAY_FIRST = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4}),?\s+(\d{1,2}):(\d{2}):(\d{2})$")
_MONTH_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}),?\s+(\d{1,2}):(\d{2}):(\d{2})$")
_SPACES = re.compile(r"[\s\u00a0\u2002\u2003\u2009\u202f]+")
_INLINE = {"a", "b", "i", "em", "strong", "span", "u", "code"}
"""Tags a line of the prompt may hold; any other tag ends the line."""


def parse_time(text: str, fallback: tzinfo = UTC) -> datetime | None:
    """A card's time as Takeout writes it ("Nov 29, 2025, 10:15:32 AM PST",
    "29 Nov 2025, 10:15:32 GMT", "1. 12. 2025 10:15:32 SEČ", …), or None."""
    words = _SPACES.sub(" ", text).strip()
    zone: tzinfo = fallback
    head, _, last = words.rpartition(" ")
    if head and (last.upper() in _ZONES or _OFFSET.match(last.upper())):
        zone, words = _zone(last.upper()), head
    elif head and last.isalpha() and last.upper() not in ("AM", "PM"):
        words = head  # a zone not known here: the fallback
    for layout in _FORMATS:
        try:
            return datetime.strptime(words, layout).replace(tzinfo=zone)
        except ValueError:
            continue
    for pattern, order in ((_DAY_FIRST, (2, 1, 0)), (_MONTH_FIRST, (2, 0, 1))):
        if found := pattern.match(words):
            numbers = [int(n) for n in found.groups()]
            year, month, day = (numbers[i] for i in order)
            try:
                return datetime(year, month, day, *numbers[3:], tzinfo=zone)
            except ValueError:
                return None
    return None


def _zone(abbreviation: str) -> tzinfo:
    if found := _OFFSET.match(abbreviation):
        sign, hours, minutes = found.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-delta if sign == "-" else delta)
    return timezone(timedelta(hours=_ZONES[abbreviation]))


def records(chunks: Iterable[str], fallback: tzinfo = UTC) -> Iterator[dict[str, Any]]:
    """Each card of the page, as My Activity's JSON would hold it: header, title,
    titleUrl, time (ISO 8601; absent when unreadable), products, safeHtmlItem."""
    page = _Page(fallback)
    for chunk in chunks:
        page.feed(chunk)
        yield from page.take()
    page.close()
    yield from page.take()


class _Card:
    def __init__(self) -> None:
        self.header: list[str] = []
        self.lines: list[str] = [""]
        self.link: str | None = None
        self.time: datetime | None = None
        self.answer: list[str] = []
        self.caption: list[str] = [""]


class _Page(HTMLParser):
    def __init__(self, fallback: tzinfo) -> None:
        super().__init__(convert_charrefs=True)
        self._fallback = fallback
        self._divs: list[str] = []
        """What each open <div> is: "card", a cell of it, or "" for any other."""
        self._card: _Card | None = None
        self._cell: str | None = None
        self._done: list[dict[str, Any]] = []

    def take(self) -> list[dict[str, Any]]:
        done, self._done = self._done, []
        return done

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            self._divs.append(self._role(dict(attrs).get("class") or ""))
            if self._divs[-1] == "card":
                self._card = _Card()
            elif self._divs[-1]:
                self._cell = self._divs[-1]
                return
        card = self._card
        if card is None or self._cell is None:
            return
        if self._cell == "body":
            if card.time is not None:
                card.answer.append(self.get_starttag_text() or "")
            elif tag == "a" and not card.link:
                card.link = dict(attrs).get("href")
            elif tag not in _INLINE:
                self._end_line(card)
                if card.time is not None and tag != "br":
                    card.answer.append(self.get_starttag_text() or "")
        elif self._cell == "caption" and tag == "br":
            card.caption.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "div":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        card = self._card
        if tag == "div" and self._divs:
            role = self._divs.pop()
            if card is not None and role == "body" and card.time is None:
                self._end_line(card)  # the time may be the cell's last line
            if role == "card" and card is not None:
                self._done.append(self._record(card))
                self._card = None
            if role and role != "card":
                self._cell = None
                return
        if card is not None and self._cell == "body" and card.time is not None:
            card.answer.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        card = self._card
        if card is None or self._cell is None:
            return
        if self._cell == "header":
            card.header.append(data)
        elif self._cell == "caption":
            card.caption[-1] += data
        elif card.time is not None:
            card.answer.append(escape(data, quote=False))
        else:
            card.lines[-1] += data

    def _end_line(self, card: _Card) -> None:
        line = _SPACES.sub(" ", card.lines[-1]).strip()
        time = parse_time(line, self._fallback) if line and len(card.lines) > 1 else None
        if time is not None:
            card.time = time
            card.lines.pop()
        elif line or len(card.lines) > 1:
            card.lines[-1] = line
            card.lines.append("")

    @staticmethod
    def _role(classes: str) -> str:
        names = classes.split()
        if "outer-cell" in names:
            return "card"
        if "header-cell" in names:
            return "header"
        if "content-cell" in names and "mdl-typography--caption" in names:
            return "caption"
        if "content-cell" in names and "mdl-typography--text-right" not in names:
            return "body"
        return ""

    @staticmethod
    def _record(card: _Card) -> dict[str, Any]:
        caption = [_SPACES.sub(" ", line).strip() for line in card.caption]
        record: dict[str, Any] = {
            "header": _SPACES.sub(" ", "".join(card.header)).strip(),
            "title": "\n".join(line for line in card.lines if line).strip(),
            "products": [line for line in caption if line and not line.endswith(":")],
        }
        if card.time is not None:
            record["time"] = card.time.isoformat()
        if card.link:
            record["titleUrl"] = card.link
        answer = "".join(card.answer).strip()
        if answer:
            record["safeHtmlItem"] = [{"html": answer}]
        return record
