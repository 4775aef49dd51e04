"""Files that hold a person's chats, settings or keys: readable by that person only, and
replaced whole, so a crash mid-write leaves the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from repositories.durable import sync_folder


def private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a temporary file (0600), flush it to disk, then rename it over `path`."""
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    sync_folder(path.parent)  # the rename itself survives a power cut
