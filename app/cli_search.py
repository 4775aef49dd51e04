"""`primer search`: find messages and chats by what was written in them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from domain.clock import local_midnight
from domain.entities import Role
from domain.errors import PrimerError
from domain.search import BEST_MATCH_CAP, Filters, Hit, Order, Results

Handler = Callable[[argparse.Namespace, Path], int]
BOLD, PLAIN = "\x1b[1m", "\x1b[0m"


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    search = commands.add_parser(
        "search",
        parents=[common],
        help="find messages and chats by their words",
        description='Words must all match; "an exact phrase"; -excluded; prefix*; *part '
        "inside words (so is a word found nowhere whole), in every message. "
        "Chinese, Japanese and Korean text is matched anywhere inside words. Dates are "
        "YYYY-MM-DD in local time, both ends included.",
    )
    search.add_argument("query", nargs="+", metavar="QUERY")
    search.add_argument("--chat", metavar="ID", help="only this chat (an id or its prefix)")
    search.add_argument("--since", metavar="DATE")
    search.add_argument("--until", metavar="DATE")
    search.add_argument("--provider", metavar="P")
    search.add_argument("--model", metavar="M")
    search.add_argument("--role", choices=["user", "assistant"])
    search.add_argument("--pinned", action="store_true", help="only pinned chats")
    search.add_argument("--tag", metavar="TAG", help="only chats carrying this tag")
    search.add_argument("--best", action="store_true", help="best match first, not newest")
    search.add_argument("--limit", type=int, default=50, metavar="N")
    search.add_argument("--mode", choices=["words", "meaning", "both"],
                        help="by words, by meaning, or both fused (default: both when search "
                        "by meaning is on, words otherwise)")  # fmt: skip
    search.add_argument("--json", action="store_true")
    similar = commands.add_parser(
        "similar",
        parents=[common],
        help="messages of other chats like this one in meaning",
        description="Needs search by meaning (primer embeddings use PROVIDER).",
    )
    similar.add_argument("message_id", metavar="MESSAGE_ID")
    similar.add_argument("--limit", type=int, default=20, metavar="N")
    similar.add_argument("--json", action="store_true")
    return {"search": _search, "similar": _similar}


def _local_midnight(text: str | None, *, days_after: int = 0) -> datetime | None:
    """The start of that day (plus `days_after`) in local time."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise PrimerError(f"“{text}” is not a date: give it as YYYY-MM-DD.") from None
    return local_midnight(day + timedelta(days=days_after))


def _search(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    if args.limit < 1:
        raise PrimerError("--limit must be 1 or more.")
    primer = build_for_terminal(data_dir)
    _finish_indexing(primer.index_history)
    filters = Filters(
        chat_id=args.chat,
        since=_local_midnight(args.since),
        before=_local_midnight(args.until, days_after=1),  # the whole last day
        provider=args.provider,
        model=args.model,
        role=Role(args.role) if args.role else None,
        pinned=True if args.pinned else None,
        tag=args.tag,
    )
    order = Order.BEST if args.best else Order.NEWEST
    mode = args.mode or ("both" if primer.settings.embeddings else "words")
    if mode == "words":
        # Not typed a key at a time: parts of words are looked for in every message.
        results = primer.search_messages(
            " ".join(args.query), filters, order, args.limit, everywhere=True
        )
    else:
        results = primer.search_by_meaning(" ".join(args.query), filters, mode, args.limit)
    _print(results, as_json=args.json)
    return 0


def _similar(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    if args.limit < 1:
        raise PrimerError("--limit must be 1 or more.")
    primer = build_for_terminal(data_dir)
    _print(primer.find_similar(args.message_id, args.limit), as_json=args.json)
    return 0


def _print(results: Results, *, as_json: bool) -> None:
    if as_json:
        json.dump([_hit_json(hit) for hit in results.hits], sys.stdout, indent=2,
                  ensure_ascii=False)  # fmt: skip
        sys.stdout.write("\n")
    else:
        _print_hits(results)


def _finish_indexing(index_some: Callable[[], float]) -> None:
    """History stored before search existed is indexed first, with progress on stderr."""
    indexed = index_some()
    while indexed < 1.0:
        print(f"\rIndexing your history for search: {indexed:.0%}", end="", file=sys.stderr)
        indexed = index_some()
    if sys.stderr.isatty():
        print("\r\x1b[K", end="", file=sys.stderr)


def _print_hits(results: Results) -> None:
    from app.cli import _printable

    terminal = sys.stdout.isatty()
    if not results.hits:
        print("No matches.", file=sys.stderr)
    for hit in results.hits:
        snippet = _printable(" ".join(hit.snippet.split()))
        snippet = (
            snippet.replace("«", BOLD).replace("»", PLAIN)
            if terminal
            else snippet.replace("«", "").replace("»", "")
        )
        when = hit.created_at.astimezone().strftime("%Y-%m-%d")
        what = "chat title" if hit.message_id is None else (hit.model or hit.role or "")
        print(f"{_printable(hit.chat_title)} · {when} · {what} · {snippet}")
    if results.capped:
        print(f"(best match ranked the newest {BEST_MATCH_CAP:,} matches only)", file=sys.stderr)


def _hit_json(hit: Hit) -> dict[str, object]:
    from app.cli import _iso

    return {
        "chat_id": hit.chat_id,
        "message_id": hit.message_id,
        "chat_title": hit.chat_title,
        "role": hit.role.value if hit.role else None,
        "provider": hit.provider,
        "model": hit.model,
        "created_at": _iso(hit.created_at),
        "snippet": hit.snippet,
        "score": hit.score,
    }
