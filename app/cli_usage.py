"""`primer usage`: what requests to models used and cost; `primer price`: your own price
for a model, over the shipped table's."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from domain.usage import GROUPINGS, figures
from domain.use_cases.show_usage import UsageReport

Handler = Callable[[argparse.Namespace, Path], int]


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    usage = commands.add_parser(
        "usage",
        parents=[common],
        help="tokens and cost of your requests, by day, model, provider or chat",
        description="Every request to a model (replies, titles) with its tokens as the "
        "provider reported them; '~' marks figures Primer estimated because the server "
        "reported none. Costs use the price in force when the request was made; '-' where "
        "no price is known (set one with `primer price`). Days are this computer's.",
    )
    usage.add_argument("--since", type=_day, metavar="DATE", help="from this day (YYYY-MM-DD)")
    usage.add_argument("--by", choices=GROUPINGS, default="day")
    usage.add_argument("--json", action="store_true")

    price = commands.add_parser(
        "price",
        parents=[common],
        help="set your own price for a model (US dollars a million tokens)",
        description="Your price wins over the table Primer ships with, for requests made "
        "from now on (what earlier requests cost stays as it was). With no price given, "
        "shows it; --clear goes back to the table. A local server's models cost nothing "
        "unless you set a price.",
    )
    price.add_argument("provider", metavar="PROVIDER")
    price.add_argument("model", metavar="MODEL")
    price.add_argument("input", nargs="?", type=float, metavar="INPUT", help="per 1M input tokens")
    price.add_argument("output", nargs="?", type=float, metavar="OUTPUT", help="per 1M output")
    price.add_argument("--clear", action="store_true")
    return {"usage": _usage, "price": _price}


def report_json(report: UsageReport) -> list[dict[str, object]]:
    return [
        {
            "key": row.key,
            "requests": row.requests,
            "input_tokens": row.input_tokens,
            "output_tokens": row.output_tokens,
            "reasoning_tokens": row.reasoning_tokens,
            "cached_tokens": row.cached_tokens,
            "cost": row.cost,
            "estimated": row.estimated,
        }
        for row in report.rows
    ]


def _usage(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal

    report = build_for_terminal(data_dir).show_usage(args.by, args.since)
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
        return 0
    if not report.rows:
        print("No requests yet" + (f" since {args.since}." if args.since else "."),
              file=sys.stderr)  # fmt: skip
        return 0
    head = [args.by.upper(), "REQUESTS", "INPUT", "OUTPUT", "REASONING", "CACHED", "COST"]
    rows = [head] + [
        figures(row, f"{row.key}  {report.names[row.key]}" if args.by == "chat" else row.key)
        for row in report.rows
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(head))]
    for row in rows:
        print("  ".join(cell.ljust(widths[0]) if column == 0 else cell.rjust(widths[column])
                        for column, cell in enumerate(row)).rstrip())  # fmt: skip
    return 0


def _price(args: argparse.Namespace, data_dir: Path) -> int:
    from app.cli import build_for_terminal
    from app.prices import price_name
    from app.settings import ModelPrice
    from domain.errors import PrimerError

    primer = build_for_terminal(data_dir)
    name = price_name(args.provider, args.model)
    prices = dict(primer.settings.prices)
    if args.clear:
        prices.pop(name, None)
    elif args.input is None:
        own = prices.get(name)
        print(f"{name}: your price, ${own.input:g} input and ${own.output:g} output a million "
              "tokens" if own else f"{name}: the shipped table's price")  # fmt: skip
        return 0
    elif args.output is None or args.input < 0 or args.output < 0:
        raise PrimerError("Give two prices, input then output, in US dollars a million tokens.")
    else:
        prices[name] = ModelPrice(args.input, args.output)
    primer.apply_settings(replace(primer.settings, prices=prices))
    said = "cleared: the shipped table's price" if args.clear else "set"
    print(f"{name}: price {said}.", file=sys.stderr)
    return 0
