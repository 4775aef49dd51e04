"""The files inside an export (ChatGPT's zip holds what was uploaded and what its tools
drew, named by the ids its messages point at) attached to the imported messages, where
the import left a placeholder naming them; and the text Claude's export keeps of an
attached file (its only copy there) attached as that file's text."""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from domain.attachments import Attachment
from domain.entities import Message
from domain.errors import PrimerError
from domain.export import WholeChat, files_folder
from domain.use_cases.import_chats import ImportReport

Attach = Callable[[str, str], Attachment]
"""(path, name) -> the attachment (AttachFile)."""
_PLACEHOLDER = re.compile(r"\[(?:[a-z]+): ([^\]\n]+)\]")
_NOT_FILES = (".json", ".html")


class ExportFiles:
    """The files of an export, found by the id a message points at: `file-abc123` is
    `file-abc123-report.pdf` (an upload keeps its name after the id) or `file-abc123.png`."""

    def __init__(self, path: Path) -> None:
        beside = Path(files_folder(str(path)))  # Primer's JSON export: its files folder
        if path.is_file() and beside.is_dir() and not zipfile.is_zipfile(path):
            path = beside
        self._path = path
        self._names: dict[str, str] = {}  # basename -> member (zip) or relative path (folder)
        if path.is_dir():
            for child in path.rglob("*"):
                if child.is_file() and not child.name.endswith(_NOT_FILES):
                    self._names[child.name] = str(child.relative_to(path))
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    name = member.rsplit("/", 1)[-1]
                    if name and not name.endswith(_NOT_FILES):
                        self._names[name] = member

    def __bool__(self) -> bool:
        return bool(self._names)

    def find(self, file_id: str) -> tuple[str, str] | None:
        """(the member, the name it is shown by) of the file with this id, if any."""
        for name, member in self._names.items():
            if name == file_id or name.startswith((f"{file_id}-", f"{file_id}.")):
                shown = name[len(file_id) + 1 :] if name.startswith(f"{file_id}-") else name
                return member, shown or name
        return None

    @contextmanager
    def extracted(self, member: str) -> Iterator[str]:
        """The member as a file of its own, for as long as it is attached."""
        if self._path.is_dir():
            yield str(self._path / member)
            return
        with tempfile.TemporaryDirectory(prefix="primer-import-") as folder:
            target = Path(folder) / "file"
            with (
                zipfile.ZipFile(self._path) as archive,
                archive.open(member) as source,
                target.open("wb") as copy,
            ):
                shutil.copyfileobj(source, copy, 1 << 20)
            yield str(target)


def _texts(message: Message, attach: Attach, report: ImportReport) -> list[Attachment]:
    """Claude's attachments: their extracted text, as a text file of their name."""
    attached = []
    for upload in message.metadata.get("attachments") or []:
        text = upload.get("extracted_content") if isinstance(upload, dict) else None
        if not isinstance(text, str) or not text.strip():
            continue
        name = str(upload.get("file_name") or "attachment")
        name = name if name.lower().endswith((".txt", ".md")) else f"{name}.txt"
        with tempfile.TemporaryDirectory(prefix="primer-import-") as folder:
            path = Path(folder) / "text"
            path.write_text(text, encoding="utf-8")
            try:
                attached.append(attach(str(path), name))
            except PrimerError as problem:
                report.skip(name, f"kept in the message's details: {problem.message}")
    return attached


def _ids(message: Message) -> list[tuple[str, str | None]]:
    """(file id, its name if known) of each file the message points at."""
    found: dict[str, str | None] = {}
    for upload in message.metadata.get("attachments") or []:
        if isinstance(upload, dict) and upload.get("id"):
            found[str(upload["id"])] = upload.get("name")
    for placeholder in message.metadata.get("files") or []:
        if isinstance(placeholder, str) and (named := _PLACEHOLDER.fullmatch(placeholder)):
            found.setdefault(named.group(1), None)
    return list(found.items())


def with_files(
    whole: WholeChat, files: ExportFiles | None, attach: Attach, report: ImportReport
) -> WholeChat:
    """The chat with the export's files attached to the messages that point at them; a file
    that cannot be attached stays a placeholder, named in the report."""
    messages = []
    for message in whole.messages:
        # (a message that carries files already, from Primer's own export, has its texts)
        attached = [] if message.attachments else _texts(message, attach, report)
        if files is not None:
            attached += _found(message, files, attach, report)
        else:
            attached += message.attachments
        messages.append(dataclasses.replace(message, attachments=tuple(attached)) if attached
                        else message)  # fmt: skip
    return dataclasses.replace(whole, messages=tuple(messages))


def _found(
    message: Message, files: ExportFiles, attach: Attach, report: ImportReport
) -> list[Attachment]:
    attached = []
    for named in message.attachments:  # Primer's own export: its files folder has them
        found = files.find(named.sha256)
        if found is None:
            attached.append(named)  # its bytes not here: named, as the export named it
            continue
        with files.extracted(found[0]) as path:
            attached.append(attach(path, named.name))
    for file_id, name in _ids(message):
        found = files.find(file_id)
        if found is None:
            continue
        member, shown = found
        try:
            with files.extracted(member) as path:
                attached.append(attach(path, name or shown))
        except PrimerError as problem:
            report.skip(name or shown, f"kept as a placeholder: {problem.message}")
    return attached
