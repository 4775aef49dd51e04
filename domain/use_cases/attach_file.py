"""Attach a file: copied into Primer's data folder (the original may move or change before
the message is sent) and looked at once, before a message carries it.

Reads and writes files only, never the database, so the window runs it on a worker: a
large file takes a while to copy. The message that carries it stores its row.
"""

from __future__ import annotations

import os

from domain.attachments import MAX_FILE_BYTES, Attachment, size_text
from domain.errors import PrimerError
from domain.ports import FileInspector, FileStore


class AttachFile:
    def __init__(self, files: FileStore, inspector: FileInspector) -> None:
        self._files = files
        self._inspector = inspector

    def __call__(self, path: str, name: str | None = None) -> Attachment:
        """PrimerError, with nothing kept, for a file that cannot be attached."""
        name = name or os.path.basename(path) or "file"
        size = self._files.size_of(path)
        if size == 0:
            raise PrimerError(f"“{name}” is empty (0 bytes): there is nothing to send.")
        if size > MAX_FILE_BYTES:
            raise PrimerError(
                f"“{name}” is {size_text(size)}; Primer attaches files of up to "
                f"{size_text(MAX_FILE_BYTES)}, the most any provider takes."
            )
        staged, sha256, copied = self._files.stage(path)
        try:
            found = self._inspector.inspect(staged, sha256, copied, name)
        except BaseException:
            self._files.discard(staged)
            raise
        self._files.keep(staged, sha256)
        return Attachment(name, found)


class SaveAttachment:
    """A copy of an attached file under its own name: for the system's viewer, or where
    the person chose."""

    def __init__(self, files: FileStore) -> None:
        self._files = files

    def __call__(self, attachment: Attachment, target: str) -> str:
        if not self._files.has(attachment.sha256):
            raise PrimerError(
                f"“{attachment.name}” is not on this device: its chat was deleted more than "
                "30 days ago, or it was not restored yet."
            )
        try:
            self._files.copy_out(attachment.sha256, target)
        except OSError as error:
            raise PrimerError(f"Could not write {target}: {error.strerror}.") from None
        return target
