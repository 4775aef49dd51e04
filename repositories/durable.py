"""Writes that survive a power cut: a file renamed into place is kept only once its
folder's entry is on the disk too."""

from __future__ import annotations

import os
from pathlib import Path


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to the disk, where the OS allows it."""
    if not hasattr(os, "O_DIRECTORY"):  # Windows: a rename is flushed with the file
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
