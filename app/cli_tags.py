"""`primer tag CHAT_ID add|remove TAG`: a chat's tags; `primer tags`: every tag, and
renaming, recolouring or deleting one everywhere."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from domain.tags import COLOURS

Handler = Callable[[argparse.Namespace, Path], int]
_COLOUR_HELP = f"a colour: {', '.join(COLOURS)}, or #rrggbb"


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    tag = commands.add_parser(
        "tag",
        parents=[common],
        help="add a tag to a chat, or remove one",
        description="A chat may carry several tags; `primer chats --tag T` lists the chats "
        "carrying T. A new tag gets a colour of its own unless --colour names one.",
    )
    tag.add_argument("chat_id", metavar="CHAT_ID")
    tag.add_argument("action", choices=["add", "remove"])
    tag.add_argument("name", metavar="TAG")
    tag.add_argument("--colour", "--color", metavar="COLOUR", help=_COLOUR_HELP)

    tags = commands.add_parser(
        "tags",
        parents=[common],
        help="list the tags, or rename, recolour or delete one in every chat",
        description="With no action: every tag, with how many chats carry it.",
    )
    tags.add_argument("--json", action="store_true")
    actions = tags.add_subparsers(dest="action", metavar="ACTION")
    rename = actions.add_parser("rename", parents=[common], help="rename a tag everywhere")
    rename.add_argument("name", metavar="TAG")
    rename.add_argument("new_name", metavar="NEW_NAME")
    recolour = actions.add_parser("colour", parents=[common], help="give a tag another colour")
    recolour.add_argument("name", metavar="TAG")
    recolour.add_argument("colour", metavar="COLOUR", help=_COLOUR_HELP)
    delete = actions.add_parser("delete", parents=[common], help="take a tag off every chat")
    delete.add_argument("name", metavar="TAG")
    return {"tag": _tag, "tags": _tags}


def _tag(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    primer = build_for_terminal(data_dir)
    chat_id = primer.get_chat(args.chat_id).id
    if args.action == "add":
        chat = primer.tag_chats.add(chat_id, args.name, args.colour)
    else:
        chat = primer.tag_chats.remove(chat_id, args.name)
    carried = ", ".join(tag.name for tag in chat.tags) or "none"
    print(f"“{chat.title}” carries: {carried}.", file=sys.stderr)
    return 0


def _tags(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    tagging = build_for_terminal(data_dir).tag_chats
    if args.action is None:
        uses = tagging.tags()
        if args.json:
            print(json.dumps([{"name": use.tag.name, "colour": use.tag.colour,
                               "chats": use.chats} for use in uses], ensure_ascii=False,
                             indent=2))  # fmt: skip
        for use in [] if args.json else uses:
            print(f"{use.tag.name}  {use.tag.colour}  {use.chats} chat(s)")
        return 0
    if args.action == "rename":
        changed = tagging.rename(args.name, args.new_name)
    elif args.action == "colour":
        changed = tagging.recolour(args.name, args.colour)
    else:
        changed = tagging.delete(args.name)
    print(f"{changed} chat(s) changed.", file=sys.stderr)
    return 0
