"""Read a file to import, a conversation at a time (ijson: exports run to gigabytes).

What a file holds is told from its content, not its name: Primer's own JSON export;
ChatGPT's `conversations.json` (whole, or split in `conversations-000.json`, … ; in the
zip as downloaded, or in a folder; or its `chat.html` alone); Claude's
`conversations.json` (bare or zipped); and Gemini's activity from Google Takeout
(`MyActivity.json`). The other files of those exports are named in the report and
skipped."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

import ijson
from ijson.common import ObjectBuilder

from domain.errors import PrimerError
from domain.export import FORMAT, VERSION, WholeChat, whole_chat
from domain.importing import chatgpt, claude, gemini
from domain.use_cases.import_chats import ImportReport

_PRIMER = re.compile(rb'"format"\s*:\s*"' + FORMAT.encode() + rb'"')
_VERSION = re.compile(rb'"version"\s*:\s*(\d+)')
_PAGE_DATA = re.compile(rb"jsonData\s*=\s*(?=\[)")
"""Where ChatGPT's chat.html holds its conversations: `var jsonData = [...]`."""
_CONVERSATIONS = re.compile(r"(conversations(-\d+)?|MyActivity)\.json$")
COMPANIONS = {
    "message_feedback.json": "ratings of replies",
    "model_comparisons.json": "answers compared side by side",
    "shared_conversations.json": "links to shared chats",
    "user.json": "the account",
    "users.json": "the account",
    "projects.json": "project names",
    "memories.json": "saved memories",
    "chat.html": "the same chats as conversations.json, as a page",
    "MyActivity.html": "Gemini's activity as a page: choose JSON in Google Takeout",
}
Opener = Callable[[], AbstractContextManager[IO[bytes]]]


class DamagedFile(PrimerError):
    """The file stops making sense part-way: what was read before it is kept."""


def read_chats(path: Path, report: ImportReport) -> Iterator[WholeChat]:
    """The chats in `path` (a file, a zip or a folder), each whole; a conversation that
    cannot be read, and a file that holds none, are named in `report` with why."""
    files = list(_files(path))
    conversations = [(name, opener) for name, opener in files if name not in COMPANIONS]
    if not conversations:  # ChatGPT's page alone: the same chats as its conversations.json
        conversations = [(name, opener) for name, opener in files if name == "chat.html"]
    for name, _opener in files:
        if name in COMPANIONS and (name, _opener) not in conversations:
            report.skip(name, f"not conversations ({COMPANIONS[name]})")
    if not conversations:
        if files:
            return  # a companion file alone: read, and nothing in it to import
        raise PrimerError(f"{path} holds no export Primer can import.")
    for name, opener in conversations:
        yield from _read(name, opener, report)


def _files(path: Path) -> Iterator[tuple[str, Opener]]:
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and (_CONVERSATIONS.search(child.name) or child.name in COMPANIONS):
                yield child.name, lambda child=child: child.open("rb")
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
        name = member.rsplit("/", 1)[-1]
        if _CONVERSATIONS.search(name) or name in COMPANIONS:
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
    if head.lstrip()[:1] == b"<" or _PAGE_DATA.search(head):  # a page: ChatGPT's chat.html
        yield from _page(name, opener, report)
        return
    start = head.lstrip()[:1]
    if start not in (b"[", b"{"):
        raise PrimerError(f"{name} is not an export Primer can import (its own JSON, or "
                          "ChatGPT's or Claude's conversations.json).")  # fmt: skip
    if start == b"[" and gemini.looks_like(_first(opener)):
        yield from _gemini(name, opener)
        return
    yield from _items(name, opener, "item" if start == b"[" else "", _conversation, report)


def _first(opener: Opener) -> object:
    with opener() as stream:
        try:
            return next(ijson.items(stream, "item"), None)
        except ijson.JSONError:
            return None


def _gemini(name: str, opener: Opener) -> Iterator[WholeChat]:
    """Its records are newest first with no conversation ids: all are read, then grouped."""
    with opener() as stream:
        try:
            records = list(ijson.items(stream, "item", use_float=True))
        except ijson.JSONError as problem:
            raise DamagedFile(
                f"{name} is damaged ({_why(problem)}). Its turns are put into conversations "
                "only when all are read, so nothing was imported from it; import it again once "
                "whole."
            ) from None
    yield from gemini.to_chats(records)


def _page(name: str, opener: Opener, report: ImportReport) -> Iterator[WholeChat]:
    """The conversations array in ChatGPT's chat.html, read as it streams by: the page's
    script goes on after it, so reading stops at the array's end."""
    with opener() as stream:
        skipped = b""
        while (found := _PAGE_DATA.search(skipped)) is None:
            more = stream.read(1 << 20)
            if not more:
                raise PrimerError(f"{name} holds no ChatGPT conversations.")
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
