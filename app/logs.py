"""Log files in the data folder. Nothing logged carries a key or a message's text."""

from __future__ import annotations

import logging
import os
from pathlib import Path


def log_to_file(data_dir: Path, name: str) -> Path | None:
    from logging.handlers import RotatingFileHandler

    from app.private_files import private_folder

    try:
        folder = private_folder(private_folder(data_dir) / "logs")
        path = folder / name
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return folder / name
