"""A local copy of the 1,000,000-message store (issue 18): how long it takes, and how long
the window's event loop stalls meanwhile (target: never more than 50 ms).

    python -m bench.local_copy

The window opens a copy of bench.run's store (10,000 chats, 1,000,000 messages; made on
first use) and makes a local copy as its timer would (Help menu's controller, on a worker);
a 5 ms timer on the GUI thread records every gap between its ticks. Also: the same copy
made from the command line (`primer local-backups create`), and the copy's size.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from bench.stall import _big_store, _gaps


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="primer-bench-local-copy-"))
    folder = work / "data"
    try:
        _big_store(folder)
        store_size = (folder / "primer.db").stat().st_size
        app = QApplication([])
        from bench.window import open_window

        window = open_window(app, folder)
        idle_until = time.perf_counter() + 2
        idle = _gaps(app, lambda: time.perf_counter() > idle_until)
        controller = window.local_copies
        began = time.perf_counter()
        controller.check(by_hand=True)
        copying = _gaps(app, lambda: not controller.running, seconds_cap=600)
        in_window = time.perf_counter() - began
        said = controller.label.text()
        window.close()
        copies = sorted((folder / "backups").glob("primer-copy-*.db"))
        copy_size = copies[-1].stat().st_size if copies else 0

        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(folder), "local-backups", "create"],
            check=True,
            capture_output=True,
        )
        from_shell = time.perf_counter() - began
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def longest(gaps: list[float]) -> str:
        ordered = sorted(gaps)
        return (f"longest {max(gaps) * 1000:6.1f} ms, p99 "
                f"{ordered[int(len(ordered) * 0.99)] * 1000:5.1f} ms")  # fmt: skip

    print(f"store: {store_size / 1_048_576:.0f} MB; the copy: {copy_size / 1_048_576:.0f} MB")
    print(f"local copy from the window (worker): {in_window:6.2f} s; the window said: {said}")
    print(f"  idle window (timer every 5 ms): {longest(idle)}")
    print(f"  while copying:                  {longest(copying)}   (target: longest < 50 ms)")
    print(f"`primer local-backups create`:   {from_shell:6.2f} s (start-up included)")


if __name__ == "__main__":
    main()
