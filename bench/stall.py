"""How long the window's event loop can stall (DESIGN.md §8: never more than 50 ms) while a
fast reply streams, and while 1,000,000 messages back up.

    python -m bench.stall [--pieces 3000] [--rate 400] [--no-backup]

A local server speaks OpenAI's streaming format at `rate` pieces a second; the window
streams the reply into a chat while a 5 ms timer on the GUI thread records every gap
between its ticks. Then the window backs up a copy of bench.run's store (10,000 chats,
1,000,000 messages; made on first use) to an embedded PostgreSQL (or
$PRIMER_TEST_PG_URL) with "Backup now", and the timer runs the same way. Reports the
longest gap, the 99th percentile, and what the same timer sees in an idle window in the
same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from bench.openai_server import base_url, serve

HERE = Path(__file__).resolve().parent


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


def _big_store(folder: Path) -> None:
    """A copy of bench.run's store, signed in to a fresh backup database."""
    from bench.generate_store import generate, ready_marker

    cached = HERE / ".data" / "store"
    marker = ready_marker(cached, 10_000, 1_000_000)
    if not marker.exists():
        generate(cached, 10_000, 1_000_000)
        marker.write_text("ok")
    folder.mkdir(parents=True)
    shutil.copy(cached / "primer.db", folder / "primer.db")


def _sign_in(folder: Path, url: str) -> None:
    """As a person would from a terminal: keys in a file, the database, an account."""
    primer = [sys.executable, "-m", "app", "--data-dir", str(folder)]
    subprocess.run([*primer, "keys", "storage", "file"], check=True, capture_output=True)
    subprocess.run([*primer, "db", "set-url", url], check=True, capture_output=True)
    subprocess.run(
        [*primer, "account", "register", "--email", "stall@example.org", "--password-stdin"],
        input="bench passphrase 1234\n",
        text=True,
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pieces", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=400)
    parser.add_argument("--no-backup", dest="backup", action="store_false")
    args = parser.parse_args()
    server = serve(args.pieces, args.rate)
    work = Path(tempfile.mkdtemp(prefix="primer-bench-stall-"))
    folder = work / "data"
    postgres_server = None
    if args.backup:
        from devtools import embedded_postgres

        _big_store(folder)
        postgres_server = embedded_postgres.start()
        _sign_in(folder, postgres_server.create_database("bench_stall"))
    else:
        folder.mkdir()
    from app.settings import BUILT_IN, SettingsStore

    store = SettingsStore(folder)
    url = base_url(server)
    config = BUILT_IN["openai"].__class__("openai", "openai", url, "bench")
    store.save(store.load().with_provider(config))
    os.environ["OPENAI_API_KEY"] = "sk-bench"
    app = QApplication([])
    from bench.window import open_window

    window = open_window(app, folder)

    idle_until = time.perf_counter() + 2
    idle = _gaps(app, lambda: time.perf_counter() > idle_until)
    finished: list[object] = []
    window.reply_finished.connect(finished.append)
    window.composer.setPlainText("Tell me a lot")
    window.replies.send()
    streaming = _gaps(app, lambda: bool(finished))
    backing_up: list[float] = []
    if args.backup:
        backup = window.backup
        _gaps(app, lambda: backup.account is not None)  # the account link is read
        backup.backup_now()
        backing_up = _gaps(app, lambda: backup.cancel is None, seconds_cap=1200)
        sent = window.statusBar().currentMessage() or window.message_bar.label.text()
    window.close()
    server.shutdown()
    if postgres_server is not None:
        postgres_server.stop()
    shutil.rmtree(work, ignore_errors=True)

    def describe(gaps: list[float]) -> str:
        ordered = sorted(gaps)
        p99 = ordered[int(len(ordered) * 0.99)] * 1000
        return f"longest {max(gaps) * 1000:6.1f} ms, p99 {p99:5.1f} ms, median " \
               f"{statistics.median(gaps) * 1000:4.1f} ms"  # fmt: skip

    print(f"idle window (timer every 5 ms):  {describe(idle)}")
    print(f"streaming {args.pieces} pieces at {args.rate:.0f}/s: {describe(streaming)}"
          "   (target: longest < 50 ms)")  # fmt: skip
    print(f"  the reply arrived whole: {len(finished) == 1}")
    if backing_up:
        print(f"backing up 1,000,000 messages:   {describe(backing_up)}"
              "   (target: longest < 50 ms)")  # fmt: skip
        print(f"  the window said: {sent}")


if __name__ == "__main__":
    main()
