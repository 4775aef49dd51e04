"""Cold start of an installed Primer to first paint, as a ratio to Primer from source.

    python -m bench.installed [/usr/bin/primer]

Both open a fresh, empty data folder; medians of alternating runs, in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.run import describe_ratio, first_paint_samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("program", nargs="?", default="/usr/bin/primer")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        samples = first_paint_samples(
            [sys.executable, "-m", "app", "--data-dir", str(Path(scratch, "source"))],
            [args.program, "--data-dir", str(Path(scratch, "installed"))],
            args.runs,
        )
    print("cold start to first paint: " + describe_ratio("from source", "installed", samples))


if __name__ == "__main__":
    main()
