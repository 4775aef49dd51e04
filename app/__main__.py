import sys

from app.cli import main

if __name__ == "__main__":  # (not in a process started from this one: app/backup_reader.py)
    sys.exit(main())
