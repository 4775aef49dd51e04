"""Where Primer keeps its data: the platform's user-data folder unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "PRIMER_DATA_DIR"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_VARIABLE)
    if from_env:
        return Path(from_env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir("Primer", appauthor=False, roaming=True))
