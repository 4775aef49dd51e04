"""`primer export`: one chat or all of them, as Markdown, JSON or HTML files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from app.export_files import ExportFormat, one_file_per_chat, write_export

Handler = Callable[[argparse.Namespace, Path], int]


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    export = commands.add_parser(
        "export",
        parents=[common],
        help="write chats to Markdown, JSON or HTML files",
        description="JSON keeps everything (every version of every message, ids, times, "
        "metadata); Markdown and HTML hold the versions each chat shows. --out names a "
        "file, or for Markdown a folder that gets one file per chat.",
    )
    export.add_argument("--chat", metavar="ID", help="this chat only (an id or its prefix)")
    export.add_argument("--format", required=True, choices=[f.value for f in ExportFormat])
    export.add_argument("--out", required=True, type=Path, metavar="PATH")
    export.add_argument("--force", action="store_true", help="replace files that exist")
    return {"export": _export}


def _export(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    primer = build_for_terminal(data_dir)
    chat_ids = primer.export_chats.chat_ids(args.chat)
    export_format = ExportFormat(args.format)
    written = write_export(primer.export_chats, chat_ids, export_format, args.out,
                           force=args.force, copy_file=primer.files.copy_out)  # fmt: skip
    where = args.out if one_file_per_chat(args.out, export_format) else written[0]
    beside = written[1:] if where == written[0] else []  # a JSON export's files folder
    files = f", their attached files in {beside[0]}" if beside else ""
    print(f"Exported {len(chat_ids)} chat(s) to {where}{files}.", file=sys.stderr)
    return 0
