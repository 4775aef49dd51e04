"""Files uploaded to Gemini's Files API, remembered across restarts in the data folder
(`gemini-uploads.json`) until Gemini forgets them (48 hours after each upload), so a chat
with a large file sends it once, not at every start.

Keyed by the file's SHA-256 and a fingerprint of the API key and server (an upload
belongs to one key's project); the key itself is never written.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime
from pathlib import Path

from app.private_files import write_private

NAME = "gemini-uploads.json"


def fingerprint(api_key: str | None, base_url: str) -> str:
    return hashlib.sha256(f"{api_key or ''}\n{base_url}".encode()).hexdigest()[:16]


class Uploads:
    """(fingerprint, SHA-256) -> (URI, expiry); in a file when given a folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self._path = folder / NAME if folder is not None else None
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str, str]] = {}
        if self._path is not None and self._path.exists():
            try:
                saved = json.loads(self._path.read_text(encoding="utf-8"))
                self._known = {key: (value[0], value[1]) for key, value in saved.items()}
            except (OSError, ValueError, TypeError, IndexError, AttributeError):
                self._known = {}  # damaged: uploading again costs time, nothing else

    def get(self, owner: str, sha256: str) -> tuple[str, datetime] | None:
        with self._lock:
            found = self._known.get(f"{owner}:{sha256}")
        return (found[0], datetime.fromisoformat(found[1])) if found else None

    def put(self, owner: str, sha256: str, uri: str, expires: datetime, now: datetime) -> None:
        with self._lock:
            self._known = {k: v for k, v in self._known.items()
                           if datetime.fromisoformat(v[1]) > now}  # fmt: skip
            self._known[f"{owner}:{sha256}"] = (uri, expires.isoformat())
            if self._path is not None:
                write_private(self._path, json.dumps(self._known, indent=1))
