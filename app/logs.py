"""Log files in the data folder. Nothing logged carries a key or a message's text."""

from __future__ import annotations

import logging
from pathlib import Path


def log_to_file(data_dir: Path, name: str) -> Path | None:
    from logging.handlers import RotatingFileHandler

    try:
        folder = data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            folder / name, maxBytes=1_000_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return folder / name
