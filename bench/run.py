"""Primer's performance budgets (DESIGN.md §8), measured as ratios in one run.

    python -m bench.run            # generates bench/.data on first use (about a minute)

Reports: cold start to first paint against a bare PySide6 window (target <= 2.0), launch
to a usable chat list of 10,000 chats (target <= 1.0 s), time to open a 10,000-message
chat (target < 100 ms), resident memory with a 10,000-chat / 1,000,000-message store open
(target < 200 MB).
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

from bench.generate_store import BIG_CHAT_TITLE, generate, ready_marker

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def seconds_until(marker: str, command: list[str], env: dict[str, str]) -> float:
    """From starting `command` to its printing `marker` (the process then quits)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == marker:
            elapsed = time.perf_counter() - start
            break
    else:
        raise RuntimeError(f"{command} never printed {marker}")
    process.wait(timeout=60)
    return elapsed


def first_paint_seconds(command: list[str], env: dict[str, str]) -> float:
    return seconds_until("first-paint", command, env)


# Python's bytecode cache is allowed, as on a user's machine: with PYTHONDONTWRITEBYTECODE
# set (as on some CI machines) Primer's own modules, the only ones not compiled when
# installed, would be compiled again on every start.
FIRST_PAINT_ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    "PRIMER_EXIT_AFTER_FIRST_PAINT": "1",
}


def first_paint_samples(
    base: list[str], measured: list[str], runs: int
) -> tuple[list[float], list[float]]:
    """Seconds to first paint of two commands, warmed once, then run alternately so drift
    on the machine hits both alike."""
    first_paint_seconds(base, FIRST_PAINT_ENV)  # warm the file and bytecode caches
    first_paint_seconds(measured, FIRST_PAINT_ENV)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        times[0].append(first_paint_seconds(base, FIRST_PAINT_ENV))
        times[1].append(first_paint_seconds(measured, FIRST_PAINT_ENV))
    return times


def describe_ratio(base: str, measured: str, samples: tuple[list[float], list[float]]) -> str:
    """`measured` over `base`, from `first_paint_samples`: medians (the figure) and the
    fastest runs (less disturbed by the machine's noise)."""
    (base_ms, measured_ms), runs = [[t * 1000 for t in s] for s in samples], len(samples[0])
    medians = statistics.median(base_ms), statistics.median(measured_ms)
    fastest = min(base_ms), min(measured_ms)
    return (
        f"{measured} {medians[1]:.0f} ms, {base} {medians[0]:.0f} ms (medians of {runs}): "
        f"ratio {medians[1] / medians[0]:.2f}; fastest runs {fastest[1]:.0f} ms and "
        f"{fastest[0]:.0f} ms: ratio {fastest[1] / fastest[0]:.2f}"
    )


def _store(data_dir: Path, chats: int, messages: int) -> tuple[str, str]:
    marker = ready_marker(data_dir, chats, messages)
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
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    big, small = _store(args.data_dir, args.chats, args.messages)
    bare_cmd = [sys.executable, str(HERE / "bare_window.py")]
    primer_cmd = [sys.executable, "-m", "app", "--data-dir", str(args.data_dir)]
    samples = first_paint_samples(bare_cmd, primer_cmd, args.runs)
    window_env = {k: v for k, v in FIRST_PAINT_ENV.items() if k != "PRIMER_EXIT_AFTER_FIRST_PAINT"}
    list_cmd = [sys.executable, "-m", "bench.launch_to_list", str(args.data_dir)]
    seconds_until("chat-list", list_cmd, window_env)  # warm, as for the first paint
    to_list = [seconds_until("chat-list", list_cmd, window_env) for _ in range(args.runs)]
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
        "cold start to first paint (target ratio <= 2.0): "
        + describe_ratio("bare PySide6", "Primer", samples)
    )
    print(
        f"launch to a usable chat list of {figures['chat_list_rows']} chats: median "
        f"{statistics.median(to_list) * 1000:.0f} ms, slowest {max(to_list) * 1000:.0f} ms "
        f"of {args.runs} (target <= 1000 ms; first paint above)"
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
