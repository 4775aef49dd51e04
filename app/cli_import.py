"""`primer import`: chats from an export file, adding only what this store lacks."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from app.import_files import DamagedFile, read_chats
from domain.use_cases.import_chats import ImportReport

Handler = Callable[[argparse.Namespace, Path], int]


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    command = commands.add_parser(
        "import",
        parents=[common],
        help="bring chats in from an export file",
        description="Reads Primer's JSON export, ChatGPT's data export (the zip as "
        "downloaded, its conversations.json or chat.html, or a folder of "
        "conversations-NNN.json), "
        "Claude's (its zip or conversations.json) and Gemini's activity from Google Takeout "
        "(MyActivity.json or MyActivity.html, or the Takeout zip). Chats and messages "
        "already here are left as they are: importing again adds only what is new.",
    )
    command.add_argument("path", type=Path, metavar="PATH", help="a file, a zip or a folder")
    command.add_argument("--dry-run", action="store_true", help="count, write nothing")
    command.add_argument("--json", action="store_true", help="print the report as JSON")
    return {"import": _import}


def _import(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    primer = build_for_terminal(data_dir)
    report = ImportReport()
    damage: DamagedFile | None = None
    try:
        attach = None if args.dry_run else primer.attach_file
        chats = read_chats(args.path, report, attach)
        primer.import_chats(chats, report, dry_run=args.dry_run)
    except DamagedFile as error:  # what was read before the damage is in, and reported
        damage = error
    if args.json:
        json.dump(asdict(report), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        would = "would be " if args.dry_run else ""
        print(f"{report.chats_added} chat(s) {would}added, {report.chats_updated} {would}"
              f"updated, {report.messages_added} message(s) {would}added.")  # fmt: skip
        for skipped in report.skipped:
            print(f"skipped {skipped.item}: {skipped.reason}")
    if damage is not None:
        print(f"primer: {damage.message}", file=sys.stderr)
        return 1
    return 0
