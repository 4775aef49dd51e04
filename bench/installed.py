"""Cold start of an installed Primer to first paint, as a ratio to Primer from source.

    python -m bench.installed [/usr/bin/primer]

Both open a fresh, empty data folder; medians of alternating runs, in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.run import first_paint_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("program", nargs="?", default="/usr/bin/primer")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "PRIMER_EXIT_AFTER_FIRST_PAINT": "1",
    }
    with tempfile.TemporaryDirectory() as scratch:
        installed_cmd = [args.program, "--data-dir", str(Path(scratch, "installed"))]
        source_cmd = [sys.executable, "-m", "app", "--data-dir", str(Path(scratch, "source"))]
        first_paint_seconds(installed_cmd, env)  # warm the file cache for both
        first_paint_seconds(source_cmd, env)
        installed, source = [], []
        for _ in range(args.runs):
            installed.append(first_paint_seconds(installed_cmd, env))
            source.append(first_paint_seconds(source_cmd, env))
    print(
        f"cold start to first paint: installed {statistics.median(installed) * 1000:.0f} ms, "
        f"from source {statistics.median(source) * 1000:.0f} ms (medians of {args.runs}); "
        f"ratio {statistics.median(installed) / statistics.median(source):.2f}"
    )


if __name__ == "__main__":
    main()
