"""The Usage view over 1,000,000 ledger rows (issue 18): how long File → Usage… takes to
show its table (target < 200 ms), and each grouping after it.

    QT_QPA_PLATFORM=offscreen python -m bench.usage

The store: 10,000 chats, and a million requests spread over two years, eight models of four
providers (made once, kept in bench/.data/usage). The window opens on it; the view is opened
again and again, and the time is from the menu's action to the filled table, medians of
`--runs`.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow
    from app.gui.usage_view import UsageDialog

HERE = Path(__file__).resolve().parent
REQUESTS = 1_000_000
MODELS = [("openai", "gpt-4o-mini"), ("openai", "gpt-4.1"), ("openai", "o4-mini"),
          ("gemini", "gemini-2.5-flash"), ("gemini", "gemini-2.5-pro"),
          ("ollama", "llama3.2"), ("ollama", "qwen3:8b"), ("lmstudio", "gemma-3-12b")]  # fmt: skip


def _store(folder: Path) -> None:
    from bench.generate_store import generate, ready_marker

    cached = HERE / ".data" / "usage"
    marker = ready_marker(cached, 10_000, 20_000)
    if not marker.exists():
        shutil.rmtree(cached, ignore_errors=True)
        generate(cached, 10_000, 20_000, big_chat=100)
        _ledger(cached)
        marker.write_text("ok")
    folder.mkdir(parents=True)
    shutil.copy(cached / "primer.db", folder / "primer.db")


def _ledger(folder: Path) -> None:
    import sqlite3
    import uuid

    from domain.backup_usage import USAGE_COLUMNS

    rng = random.Random(18)
    db = sqlite3.connect(folder / "primer.db")
    chats = [row[0] for row in db.execute("SELECT id FROM chats")]
    start = datetime.now(UTC) - timedelta(days=730)
    step = timedelta(days=730) / REQUESTS
    rows = []
    for number in range(REQUESTS):
        provider, model = rng.choice(MODELS)
        local = provider not in ("openai", "gemini")
        tokens_in, tokens_out = rng.randint(50, 20_000), rng.randint(10, 2_000)
        at = (start + step * number).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows.append((str(uuid.UUID(int=rng.getrandbits(128))), at, "reply", provider, model,
                     rng.choice(chats), None, tokens_in, tokens_out, 0, 0, 300, 4000,
                     0.0 if local else tokens_in * 1e-7 + tokens_out * 4e-7, None,
                     int(local and rng.random() < 0.5)))  # fmt: skip
    marks = ", ".join("?" * len(USAGE_COLUMNS))
    with db:
        db.executemany(f"INSERT INTO usage ({', '.join(USAGE_COLUMNS)}) VALUES ({marks})", rows)
    db.close()


def _open(window: MainWindow) -> UsageDialog:
    from app.gui.usage_view import UsageDialog

    (dialog,) = [d for d in window.findChildren(UsageDialog) if d.isVisible()]
    return dialog


def _until(app: QApplication, done) -> float:
    began = time.perf_counter()
    while not done():
        app.processEvents()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="primer-bench-usage-"))
    try:
        _store(work / "data")
        app = QApplication([])
        from bench.window import open_window

        window = open_window(app, work / "data")
        opening = []
        for _ in range(args.runs):
            began = time.perf_counter()
            window.usage_action.trigger()
            dialog = _open(window)
            _until(app, lambda dialog=dialog: dialog.shown > 0)
            opening.append(time.perf_counter() - began)
            rows = len(dialog.shown_rows())
            dialog.close()  # (deleted on close)
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        window.usage_action.trigger()
        dialog = _open(window)
        _until(app, lambda: dialog.shown > 0)
        grouped = {}
        for by in ("model", "provider", "chat", "day"):
            times = []
            for _ in range(max(3, args.runs // 3)):
                shown = dialog.shown
                began = time.perf_counter()
                index = dialog.by_box.findData(by)
                if dialog.by_box.currentIndex() == index:
                    dialog.refresh()
                else:
                    dialog.by_box.setCurrentIndex(index)  # (refreshes)
                _until(app, lambda shown=shown: dialog.shown > shown)
                app.processEvents()  # (the rows in view drawn)
                times.append(time.perf_counter() - began)
            grouped[by] = (statistics.median(times), len(dialog.shown_rows()))
        window.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"ledger rows: {REQUESTS:,}; days shown: {rows:,}")
    print(f"File → Usage… to a filled table: {statistics.median(opening) * 1000:7.1f} ms median of"
          f" {args.runs} (max {max(opening) * 1000:.1f})   (target < 200 ms)")  # fmt: skip
    for by, (seconds, count) in grouped.items():
        print(f"  by {by:<8} {seconds * 1000:7.1f} ms median ({count:,} rows)")


if __name__ == "__main__":
    main()
