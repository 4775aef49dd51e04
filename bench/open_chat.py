"""In one process: open the window on a big store, then time opening the 10,000-message chat
(request to rows laid out on screen) and read resident memory with that store open."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from bench.window import open_window


def _rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _wait(app: QApplication, condition, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark step did not finish")
        time.sleep(0.0005)


def main(data_dir: Path, big_chat: str, small_chat: str, runs: int = 7) -> dict[str, float]:
    app = QApplication(sys.argv[:1])
    window = open_window(app, data_dir)
    shown: list[float] = []
    window.conversation_shown.connect(lambda: shown.append(time.perf_counter()))
    timings = []
    for _ in range(runs):
        for chat_id in (small_chat, big_chat):
            shown.clear()
            start = time.perf_counter()
            window.open_chat(chat_id)
            _wait(app, lambda: shown)
            window.conversation.doItemsLayout()
            app.processEvents()
            if chat_id == big_chat:
                timings.append(time.perf_counter() - start)
    assert window.message_model.rowCount() > 0
    rss, peak = _rss_mb()
    window.close()
    return {
        "chat_list_rows": window.chat_model.rowCount(),
        "open_big_chat_ms_median": statistics.median(timings) * 1000,
        "open_big_chat_ms_max": max(timings) * 1000,
        "rss_mb": rss,
        "peak_rss_mb": peak,
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])))
