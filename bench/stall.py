"""How long the window's event loop can stall while a fast reply streams (DESIGN.md §8:
never more than 50 ms).

    python -m bench.stall [--pieces 3000] [--rate 400]

A local server speaks OpenAI's streaming format at `rate` pieces a second; the window
streams the reply into a chat while a 5 ms timer on the GUI thread records every gap
between its ticks. Reports the longest gap, the 99th percentile, and what the same timer
sees in an idle window in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from bench.openai_server import base_url, serve


def _gaps(app: QApplication, until, seconds_cap: float = 120.0) -> list[float]:
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    deadline = time.perf_counter() + seconds_cap
    while not until() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pieces", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=400)
    args = parser.parse_args()
    server = serve(args.pieces, args.rate)
    folder = Path(tempfile.mkdtemp(prefix="primer-bench-stall-"))
    from app.settings import BUILT_IN, SettingsStore

    store = SettingsStore(folder)
    url = base_url(server)
    config = BUILT_IN["openai"].__class__("openai", "openai", url, "bench")
    store.save(store.load().with_provider(config))
    os.environ["OPENAI_API_KEY"] = "sk-bench"
    app = QApplication([])
    from app.gui.launch import create_window, open_store_in_background

    window = create_window(folder)
    window.resize(1100, 720)
    window.show()
    loaded: list[bool] = []
    window.chats_loaded.connect(lambda: loaded.append(True))
    open_store_in_background(window)
    _gaps(app, lambda: bool(loaded))

    idle_until = time.perf_counter() + 2
    idle = _gaps(app, lambda: time.perf_counter() > idle_until)
    finished: list[object] = []
    window.reply_finished.connect(finished.append)
    window.composer.setPlainText("Tell me a lot")
    window.send()
    streaming = _gaps(app, lambda: bool(finished))
    window.close()
    server.shutdown()

    def describe(gaps: list[float]) -> str:
        ordered = sorted(gaps)
        p99 = ordered[int(len(ordered) * 0.99)] * 1000
        return f"longest {max(gaps) * 1000:6.1f} ms, p99 {p99:5.1f} ms, median " \
               f"{statistics.median(gaps) * 1000:4.1f} ms"  # fmt: skip

    print(f"idle window (timer every 5 ms):  {describe(idle)}")
    print(f"streaming {args.pieces} pieces at {args.rate:.0f}/s: {describe(streaming)}"
          "   (target: longest < 50 ms)")  # fmt: skip
    print(f"  the reply arrived whole: {len(finished) == 1}")


if __name__ == "__main__":
    main()
