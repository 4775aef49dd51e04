"""Read a file to import, a conversation at a time (ijson: exports run to gigabytes).

What a file holds is told from its content, not its name: Primer's own JSON export;
ChatGPT's `conversations.json` (whole, or split in `conversations-000.json`, … ; in the
zip as downloaded, or in a folder; or its `chat.html` alone); Claude's
`conversations.json` (bare or zipped); and Gemini's activity from Google Takeout
(`MyActivity.json` or `MyActivity.html`). The other files of those exports are named in
the report and skipped."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import ijson
from ijson.common import ObjectBuilder

from app.import_attachments import Attach, ExportFiles, with_files
from domain.errors import PrimerError
from domain.export import FORMAT, VERSION, WholeChat, whole_chat
from domain.importing import chatgpt, claude, gemini, my_activity_page
from domain.use_cases.import_chats import ImportReport

_PRIMER = re.compile(rb'"format"\s*:\s*"' + FORMAT.encode() + rb'"')
_VERSION = re.compile(rb'"version"\s*:\s*(\d+)')
_PAGE_DATA = re.compile(rb"jsonData\s*=\s*(?=\[)")
"""Where ChatGPT's chat.html holds its conversations: `var jsonData = [...]`."""
_ACTIVITY_CARD = re.compile(rb"class=[\"']?outer-cell")
"""Where Google's My Activity page holds a card: `<div class="outer-cell …">`."""
_CONVERSATIONS = re.compile(r"conversations(-\d+)?\.json$|My ?Activity\.(json|html)$")
COMPANIONS = {
    "message_feedback.json": "ratings of replies",
    "model_comparisons.json": "answers compared side by side",
    "shared_conversations.json": "links to shared chats",
    "user.json": "the account",
    "users.json": "the account",
    "projects.json": "project names",
    "memories.json": "saved memories",
    "chat.html": "the same chats as conversations.json, as a page",
}
_GEMINI_SETTINGS = "Gemini's gems and settings"
"""What Takeout's `Gemini` folder holds (the chats are in My Activity's `Gemini Apps`)."""
Opener = Callable[[], AbstractContextManager[IO[bytes]]]


class DamagedFile(PrimerError):
    """The file stops making sense part-way: what was read before it is kept."""


def read_chats(
    path: Path, report: ImportReport, attach: Attach | None = None
) -> Iterator[WholeChat]:
    """The chats in `path` (a file, a zip or a folder), each whole; a conversation that
    cannot be read, and a file that holds none, are named in `report` with why.
    `attach`: the export's own files (in its zip or folder) are attached to the messages
    that point at them (not in a dry run: attaching keeps the files)."""
    chats = _read_chats(path, report)
    if attach is None:
        yield from chats
        return
    exported = ExportFiles(path)
    for whole in chats:
        yield with_files(whole, exported or None, attach, report)


def _read_chats(path: Path, report: ImportReport) -> Iterator[WholeChat]:
    files = list(_files(path))
    conversations = [(name, opener) for name, opener in files if not _companion(name)]
    if not conversations:  # ChatGPT's page alone: the same chats as its conversations.json
        conversations = [(name, opener) for name, opener in files if name == "chat.html"]
    for name, _opener in files:
        if (note := _companion(name)) and (name, _opener) not in conversations:
            report.skip(name, f"not conversations ({note})")
    if not conversations:
        if files:
            return  # a companion file alone: read, and nothing in it to import
        raise PrimerError(f"{path} holds no export Primer can import.")
    for name, opener in conversations:
        yield from _read(name, opener, report)


def _companion(name: str) -> str | None:
    """What a file that holds no conversations holds, or None for one that may."""
    if name.startswith("Gemini/"):
        return _GEMINI_SETTINGS
    return COMPANIONS.get(name)


def _wanted(member: str) -> str | None:
    """The name a file of an export goes by in the report, or None to pass it by."""
    parts = member.split("/")
    if "Gemini" in parts[:-1]:
        return f"Gemini/{parts[-1]}"
    name = parts[-1]
    return name if _CONVERSATIONS.search(name) or name in COMPANIONS else None


def _files(path: Path) -> Iterator[tuple[str, Opener]]:
    if path.is_dir():  # the split export, or an unpacked zip
        for child in sorted(path.rglob("*")):
            name = _wanted(child.relative_to(path).as_posix())
            if name and child.is_file():
                yield name, lambda child=child: child.open("rb")
        return
    try:
        zipped = zipfile.is_zipfile(path)
    except OSError as error:
        raise PrimerError(f"Could not read {path}: {error.strerror}.") from None
    if not zipped:
        yield path.name, lambda: _open(path)
        return
    archive = zipfile.ZipFile(path)
    for member in sorted(archive.namelist()):
        if (name := _wanted(member)) and not member.endswith("/"):
            yield name, lambda member=member: archive.open(member)


def _open(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except IsADirectoryError:
        raise PrimerError(f"{path} is a folder with no export in it.") from None
    except OSError as error:
        raise PrimerError(f"Could not read {path}: {error.strerror}.") from None


def _read(name: str, opener: Opener, report: ImportReport) -> Iterator[WholeChat]:
    with opener() as stream:
        head = stream.read(64 * 1024)
    if _PRIMER.search(head):
        version = _VERSION.search(head)
        if version is not None and int(version.group(1)) > VERSION:
            raise PrimerError(f"{name} was exported by a newer Primer (format version "
                              f"{int(version.group(1))}); update Primer to import it.")  # fmt: skip
        yield from _items(name, opener, "chats.item", whole_chat, report)
        return
    if head.lstrip()[:1] == b"<" or _PAGE_DATA.search(head):
        if _first_of(opener, _ACTIVITY_CARD, _PAGE_DATA):
            yield from _activity_page(name, opener, report)  # Google's My Activity
        else:
            yield from _page(name, opener, report)  # ChatGPT's chat.html
        return
    start = head.lstrip()[:1]
    if start not in (b"[", b"{"):
        raise PrimerError(f"{name} is not an export Primer can import (its own JSON, or "
                          "ChatGPT's or Claude's conversations.json).")  # fmt: skip
    if start == b"[" and gemini.looks_like(_first(opener)):
        yield from _gemini(name, opener, report)
        return
    yield from _items(name, opener, "item" if start == b"[" else "", _conversation, report)


def _first(opener: Opener) -> object:
    with opener() as stream:
        try:
            return next(ijson.items(stream, "item"), None)
        except ijson.JSONError:
            return None


def _gemini(name: str, opener: Opener, report: ImportReport) -> Iterator[WholeChat]:
    """Its records are newest first with no conversation ids: all are read, then grouped."""
    with opener() as stream:
        try:
            records = ijson.items(stream, "item", use_float=True)
            turns = [record for record in records if gemini.from_gemini(record)]
        except ijson.JSONError as problem:
            raise DamagedFile(
                f"{name} is damaged ({_why(problem)}). Its turns are put into conversations "
                "only when all are read, so nothing was imported from it; import it again once "
                "whole."
            ) from None
    yield from _gemini_turns(name, turns, report)


def _first_of(opener: Opener, wanted: re.Pattern[bytes], other: re.Pattern[bytes]) -> bool:
    """Whether `wanted` comes before `other` in the stream (a page's style sheet may run
    long before either)."""
    with opener() as stream:
        seen = b""
        while more := stream.read(1 << 20):
            seen = seen[-64:] + more
            first = wanted.search(seen), other.search(seen)
            if first[0] is not None:
                return first[1] is None or first[0].start() < first[1].start()
            if first[1] is not None:
                return False
    return False


def _activity_page(name: str, opener: Opener, report: ImportReport) -> Iterator[WholeChat]:
    """Google's My Activity page, read a card at a time; as with its JSON, the turns are
    put into conversations once all are read. Times whose zone Google names in a way not
    known here are read in this machine's zone, the one the account most likely uses."""
    local = datetime.now().astimezone().tzinfo or UTC
    with opener() as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace")
        chunks = iter(lambda: text.read(1 << 20), "")
        cards = my_activity_page.records(chunks, fallback=local)
        turns = [card for card in cards if gemini.from_gemini(card)]
    yield from _gemini_turns(name, turns, report)


def _gemini_turns(
    name: str, turns: list[dict[str, Any]], report: ImportReport
) -> Iterator[WholeChat]:
    if not turns:
        report.skip(name, "no Gemini activity in it (another Google product's)")
    yield from gemini.to_chats(turns)


def _page(name: str, opener: Opener, report: ImportReport) -> Iterator[WholeChat]:
    """The conversations array in ChatGPT's chat.html, read as it streams by: the page's
    script goes on after it, so reading stops at the array's end."""
    with opener() as stream:
        skipped = b""
        while (found := _PAGE_DATA.search(skipped)) is None:
            more = stream.read(1 << 20)
            if not more:
                raise PrimerError(
                    f"{name} is a page Primer cannot import (it imports "
                    "ChatGPT's chat.html and Google's My Activity page)."
                )
            skipped = skipped[-64:] + more
        rest = io.BufferedReader(_Prefixed(skipped[found.end() :], stream))
        builder: ObjectBuilder | None = None
        number = 0
        try:
            for prefix, event, value in ijson.parse(rest, use_float=True):
                if prefix == "" and event == "end_array":
                    return
                if prefix == "item" and event == "start_map":
                    builder = ObjectBuilder()
                if builder is not None:
                    builder.event(event, value)
                    if prefix == "item" and event == "end_map":
                        number += 1
                        data, builder = builder.value, None
                        try:
                            yield chatgpt.to_chat(data)
                        except (ValueError, TypeError, AttributeError, KeyError) as problem:
                            report.skip(_label(data, number), f"cannot be read: {problem}")
        except ijson.JSONError as problem:
            raise DamagedFile(_damage(name, number, problem)) from None


class _Prefixed(io.RawIOBase):
    """`head`, then the rest of `stream`: a stream read past where its data begins."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._head or self._stream.read(len(buffer))
        self._head = self._head[len(buffer) :] if self._head else b""
        data = data[: len(buffer)]
        buffer[: len(data)] = data
        return len(data)


def _why(problem: Exception) -> str:
    """The parser's first line (the rest of its message points at the place in bytes)."""
    return str(problem).splitlines()[0] if str(problem) else "it ends early"


def _damage(name: str, number: int, problem: Exception) -> str:
    where = f"after {number} chat(s)" if number else "before its first chat"
    return (f"{name} is damaged {where} ({_why(problem)}). What came before was read; import "
            "the file again once it is whole to bring the rest.")  # fmt: skip


def _conversation(data: dict[str, Any]) -> WholeChat:
    if chatgpt.looks_like(data):
        return chatgpt.to_chat(data)
    if claude.looks_like(data):
        return claude.to_chat(data)
    raise LookupError("not a ChatGPT or Claude conversation")


def _items(
    name: str,
    opener: Opener,
    prefix: str,
    convert: Callable[[dict[str, Any]], WholeChat],
    report: ImportReport,
) -> Iterator[WholeChat]:
    number = 0
    with opener() as stream:
        try:
            for number, data in enumerate(ijson.items(stream, prefix, use_float=True), 1):
                try:
                    yield convert(data)
                except LookupError:
                    if number == 1:  # the first is no conversation: a wrong file, nothing read
                        raise PrimerError(f"{name} holds something other than chats: "
                                          "Primer imports its own JSON export, and ChatGPT's "
                                          "and Claude's conversations.json.") from None  # fmt: skip
                    report.skip(_label(data, number), "not a conversation")
                except (ValueError, TypeError, AttributeError, KeyError) as problem:
                    report.skip(_label(data, number), f"cannot be read: {problem}")
        except ijson.JSONError as problem:
            raise DamagedFile(_damage(name, number, problem)) from None


def _label(data: object, number: int) -> str:
    if isinstance(data, dict):
        title = data.get("title") or data.get("name")
        if title:
            return str(title)
    return f"chat {number}"
