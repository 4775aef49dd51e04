"""The frozen program's entry point: the same `primer` command the source install has."""

import multiprocessing
import os
import sys

# A process the program starts (a backup's reader, app/backup_reader.py) is this same
# executable: it runs what it was started for and ends here, before the command line.
multiprocessing.freeze_support()

# A program started without a console (primerw.exe) has no standard streams to write to.
for name in ("stdout", "stderr"):
    if getattr(sys, name) is None:
        setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

from app.cli import main  # noqa: E402

raise SystemExit(main())
