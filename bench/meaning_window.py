"""In one process: Primer's window on the 1,000,000-message store with search by meaning
on: once it has looked through every message for any not embedded (as it does at its
start), a search made by meaning from its search field (which reads the vectors' signs
into memory) and a chat opened, its resident memory (issue 19's goal: under 300 MB).

    python -m bench.meaning_window DATA_DIR    (bench.semantic runs it)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.gui.search import HIT_ROLE
from bench.open_chat import _rss_mb, _wait
from bench.window import open_window


def main(data_dir: Path) -> dict[str, float]:
    app = QApplication(sys.argv[:1])
    window = open_window(app, data_dir)
    ran: list[int] = []  # (the look through every message the window makes at its start)
    window.search.meaning.finished.connect(ran.append)
    _wait(app, lambda: ran, timeout=300)
    results = window.sidebar.results
    window.sidebar.search_modes.choose("meaning")
    window.sidebar.search_field.setText("how do I fix my car")

    def hits() -> int:
        return sum(1 for row in range(results.count()) if results.item(row).data(HIT_ROLE))

    _wait(app, lambda: hits() > 0, timeout=120)
    found = hits()
    shown: list[bool] = []
    window.conversation_shown.connect(lambda: shown.append(True))
    window.search.choose()  # (the first hit's chat, opened at its message)
    _wait(app, lambda: shown)
    rss, peak = _rss_mb()
    window.close()
    return {"hits": found, "embedded_at_start": ran[0], "rss_mb": rss, "peak_rss_mb": peak}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
