"""`primer notes [--chat ID] [--json]`: the notes on messages, newest first; `primer note
MESSAGE_ID add "text" [--quote "exact text"]` notes a message or highlights some of it,
and `primer note NOTE_ID edit|delete` changes or removes a note."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from domain.notes import HIGHLIGHTS

Handler = Callable[[argparse.Namespace, Path], int]


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    notes = commands.add_parser(
        "notes",
        parents=[common],
        help="list the notes on messages, newest first",
        description="A note whose message (or chat) was deleted stays, marked orphaned.",
    )
    notes.add_argument("--chat", metavar="CHAT_ID", help="only this chat's notes")
    notes.add_argument("--json", action="store_true")
    note = commands.add_parser(
        "note",
        parents=[common],
        help="note a message or highlight some of it; edit or delete a note",
        description="`note MESSAGE_ID add TEXT [--quote EXACT]` (message ids: `primer show "
        "CHAT_ID --json`); `note NOTE_ID edit TEXT`; `note NOTE_ID delete`.",
    )
    note.add_argument("id", metavar="MESSAGE_ID|NOTE_ID")
    note.add_argument("action", choices=["add", "edit", "delete"])
    note.add_argument("text", nargs="?", default="", metavar="TEXT")
    note.add_argument("--quote", default="", help="the exact text of the message to highlight")
    note.add_argument("--colour", "--color", choices=list(HIGHLIGHTS), help="highlight colour")
    return {"notes": _notes, "note": _note}


def _notes(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    primer = build_for_terminal(data_dir)
    chat_id = primer.get_chat(args.chat).id if args.chat else None
    views = primer.take_notes.listed(chat_id)
    if args.json:
        print(json.dumps([_as_json(view) for view in views], ensure_ascii=False, indent=2))
        return 0
    for view in views:
        note = view.note
        where = f"{view.chat_title or '(deleted chat)'}" + (" · orphaned" if view.orphaned else "")
        print(f"{note.id}  {note.updated_at.astimezone():%Y-%m-%d %H:%M}  {where}")
        if note.quote:
            print(f"  “{note.quote}” ({note.colour})")
        if note.text:
            print(f"  {note.text}")
    return 0


def _as_json(view: object) -> dict[str, object]:
    """A note as its export has it, with its chat and whether its message is gone."""
    from domain.export import note_json
    from domain.notes import NoteView

    assert isinstance(view, NoteView)
    return {**note_json(view.note), "chat_id": view.note.chat_id,
            "chat_title": view.chat_title, "orphaned": view.orphaned}  # fmt: skip


def _note(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    notes = build_for_terminal(data_dir).take_notes
    if args.action == "add":
        note = notes.add(args.id, args.text, args.quote, args.colour)
        print(note.id)
    elif args.action == "edit":
        notes.edit(args.id, args.text or None, args.colour)
        print("Note changed.", file=sys.stderr)
    else:
        notes.delete(args.id)
        print("Note deleted.", file=sys.stderr)
    return 0
