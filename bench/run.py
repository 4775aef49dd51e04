"""Primer's performance budgets (DESIGN.md §8), measured as ratios in one run.

    python -m bench.run            # generates bench/.data on first use (about a minute)

Reports: cold start to first paint against a bare PySide6 window (target <= 1.5), time
to open a 10,000-message chat (target < 100 ms), resident memory with a 10,000-chat /
1,000,000-message store open (target < 200 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.generate_store import BIG_CHAT_TITLE, generate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def first_paint_seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == "first-paint":
            elapsed = time.perf_counter() - start
            break
    else:
        raise RuntimeError(f"{command} never painted")
    process.wait(timeout=60)
    return elapsed


FIRST_PAINT_ENV = {
    **os.environ,
    "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    "PRIMER_EXIT_AFTER_FIRST_PAINT": "1",
}


def median_first_paints(first: list[str], second: list[str], runs: int) -> tuple[float, float]:
    """Median seconds to first paint of two commands, warmed once, then run alternately so
    drift on the machine hits both alike."""
    first_paint_seconds(first, FIRST_PAINT_ENV)  # warm the file cache for both
    first_paint_seconds(second, FIRST_PAINT_ENV)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        times[0].append(first_paint_seconds(first, FIRST_PAINT_ENV))
        times[1].append(first_paint_seconds(second, FIRST_PAINT_ENV))
    return statistics.median(times[0]), statistics.median(times[1])


def _store(data_dir: Path, chats: int, messages: int) -> tuple[str, str]:
    marker = data_dir / f"complete-{chats}-{messages}"
    if not marker.exists():
        if data_dir.exists():
            for child in data_dir.iterdir():
                if child.is_file():
                    child.unlink()
        began = time.perf_counter()
        generate(data_dir, chats, messages)
        marker.write_text("ok")
        print(f"generated the store in {time.perf_counter() - began:.1f} s", flush=True)
    with sqlite3.connect(data_dir / "primer.db") as db:
        big = db.execute("SELECT id FROM chats WHERE title = ?", (BIG_CHAT_TITLE,)).fetchone()[0]
        small = db.execute(
            "SELECT id FROM chats WHERE title != ? LIMIT 1", (BIG_CHAT_TITLE,)
        ).fetchone()[0]
        counts = db.execute(
            "SELECT (SELECT count(*) FROM chats), (SELECT count(*) FROM messages),"
            " (SELECT count(*) FROM messages WHERE chat_id = ?)",
            (big,),
        ).fetchone()
    db.close()
    print(
        f"store: {counts[0]} chats, {counts[1]} messages, big chat {counts[2]} messages", flush=True
    )
    return big, small


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data" / "store")
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    big, small = _store(args.data_dir, args.chats, args.messages)
    bare_cmd = [sys.executable, str(HERE / "bare_window.py")]
    primer_cmd = [sys.executable, "-m", "app", "--data-dir", str(args.data_dir)]
    bare, primer = median_first_paints(bare_cmd, primer_cmd, args.runs)
    ratio = primer / bare
    window_env = {k: v for k, v in FIRST_PAINT_ENV.items() if k != "PRIMER_EXIT_AFTER_FIRST_PAINT"}
    measured = subprocess.run(
        [sys.executable, "-m", "bench.open_chat", str(args.data_dir), big, small],
        capture_output=True,
        text=True,
        env=window_env,
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    figures = json.loads(measured.stdout.strip().splitlines()[-1])
    print(
        f"cold start to first paint: bare PySide6 {bare * 1000:.0f} ms, "
        f"Primer {primer * 1000:.0f} ms (medians of {args.runs}); "
        f"ratio {ratio:.2f} (target <= 1.5)"
    )
    print(
        f"chat list of {figures['chat_list_rows']} chats shown "
        f"{figures['chat_list_seconds'] * 1000:.0f} ms after the store began to open"
    )
    print(
        f"open the 10,000-message chat: median {figures['open_big_chat_ms_median']:.1f} ms, "
        f"max {figures['open_big_chat_ms_max']:.1f} ms (target < 100 ms)"
    )
    print(
        f"resident memory with the store open: {figures['rss_mb']:.0f} MB "
        f"(peak {figures['peak_rss_mb']:.0f} MB; target < 200 MB)"
    )


if __name__ == "__main__":
    main()
