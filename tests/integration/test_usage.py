"""The usage ledger on a real store and through `primer usage` / `primer price` in a real
subprocess, the costs from genai-prices' shipped table."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from genai_prices import Usage as Tokens
from genai_prices import calc_price

from app.bootstrap import build
from app.prices import Prices
from app.providers.registry import ProviderRegistry
from app.settings import ModelPrice, Settings
from domain.entities import Usage
from domain.usage import Timing, UsageEntry
from repositories.sqlite.database import DATABASE_NAME
from repositories.sqlite.migrations import bundled_migrations, migrate
from tests.integration.test_cli import primer
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse


def _usage(data_dir: Path, *options: str) -> list[dict]:
    shown = primer("usage", "--json", *options, data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_a_reply_is_in_the_ledger_with_the_shipped_price(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["Fine."], usage=(1000, 400), reasoning=100,
                                            cached=600)))  # fmt: skip
    asked = primer("ask", "--model", "gpt-4o-mini", "How are you?", data_dir=cli_dir)
    assert asked.returncode == 0, asked.stderr
    expected = float(calc_price(Tokens(input_tokens=1000, output_tokens=400,
                                       cache_read_tokens=600), "gpt-4o-mini",
                                provider_id="openai").total_price)  # fmt: skip
    (today,) = _usage(cli_dir)
    assert today == {
        "key": date.today().isoformat(), "requests": 1, "input_tokens": 1000,
        "output_tokens": 400, "reasoning_tokens": 100, "cached_tokens": 600,
        "cost": pytest.approx(expected), "estimated": False,
    }  # fmt: skip
    assert [row["key"] for row in _usage(cli_dir, "--by", "model")] == ["gpt-4o-mini"]
    assert [row["key"] for row in _usage(cli_dir, "--by", "provider")] == ["openai"]
    chat_id = asked.stderr.split("chat ")[1].split()[0]
    assert [row["key"] for row in _usage(cli_dir, "--by", "chat")] == [chat_id]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert _usage(cli_dir, "--since", tomorrow) == []
    table = primer("usage", data_dir=cli_dir)
    assert "REQUESTS" in table.stdout and "1,000" in table.stdout, table.stdout
    wrong = primer("usage", "--since", "last week", data_dir=cli_dir)
    assert wrong.returncode == 2 and "not a date (YYYY-MM-DD): last week" in wrong.stderr


def test_a_local_server_that_reports_nothing_is_estimated_and_costs_nothing(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["A local answer."], usage=None)))
    asked = primer("ask", "--provider", "mybox", "--base-url", fake_server.openai_url,
                   "--model", "llama3.2", "Hello", data_dir=cli_dir)  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    (row,) = _usage(cli_dir, "--by", "model")
    assert row["key"] == "llama3.2" and row["estimated"] is True and row["cost"] == 0
    assert row["output_tokens"] == 4  # "A local answer." is 15 characters
    assert "~" in primer("usage", data_dir=cli_dir).stdout


def test_your_own_price_counts_from_then_on_and_history_keeps_its_price(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["One."], usage=(1_000_000, 0))))
    assert primer("ask", "--model", "gpt-test", "First", data_dir=cli_dir).returncode == 0
    assert _usage(cli_dir)[0]["cost"] is None  # no price known for this model
    set_price = primer("price", "openai", "gpt-test", "3", "12", data_dir=cli_dir)
    assert set_price.returncode == 0, set_price.stderr
    said = primer("price", "openai", "gpt-test", data_dir=cli_dir).stdout
    assert "$3 input and $12 output" in said
    fake_server.queue(Reply(body=openai_sse(["Two."], usage=(1_000_000, 500_000))))
    assert primer("ask", "--model", "gpt-test", "Second", data_dir=cli_dir).returncode == 0
    assert _usage(cli_dir)[0]["cost"] == pytest.approx(3 + 6)
    assert primer("price", "openai", "gpt-test", "--clear", data_dir=cli_dir).returncode == 0
    fake_server.queue(Reply(body=openai_sse(["Three."], usage=(1_000_000, 0))))
    assert primer("ask", "--model", "gpt-test", "Third", data_dir=cli_dir).returncode == 0
    (today,) = _usage(cli_dir)
    assert today["requests"] == 3 and today["cost"] == pytest.approx(9)  # as it was
    half = primer("price", "openai", "gpt-test", "3", data_dir=cli_dir)
    assert half.returncode == 1 and "Give two prices" in half.stderr


def test_prices_the_persons_first_then_local_then_the_table() -> None:
    registry = ProviderRegistry(Settings(prices={"openai/gpt-4o-mini": ModelPrice(1, 2)}),
                                secrets=None)  # type: ignore[arg-type]  # fmt: skip
    prices = Prices(registry)
    own = prices.price("openai", "gpt-4o-mini", Usage(1_000_000, 1_000_000))
    assert own is not None and own.cost == 3 and json.loads(own.rates)["source"] == "your price"
    shipped = prices.price("gemini", "gemini-2.5-flash", Usage(1_000_000, 0))
    assert shipped is not None and shipped.cost > 0
    said = json.loads(shipped.rates)
    assert said["source"].startswith("genai-prices ") and float(said["input_per_mtok"]) > 0
    local = prices.price("ollama", "llama3.2", Usage(10, 10))
    assert local is not None and local.cost == 0
    assert prices.price("openai", "no-such-model-9", Usage(10, 10)) is None
    assert prices.price("gone-provider", "m", Usage(10, 10)) is None


def _entry(number: int, at: datetime, model: str, cost: float | None) -> UsageEntry:
    return UsageEntry(f"u{number}", at, "reply", "openai", model, "c1", None, Usage(100, 10),
                      Timing(), cost, None)  # fmt: skip


def test_sums_by_day_and_model_come_from_the_days_table_and_agree_with_the_rows(
    data_dir: Path,
) -> None:
    built = build(data_dir)
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    entries = [_entry(number, noon - timedelta(days=days), model, cost)
               for number, (days, (model, cost)) in enumerate(
                   (days, pair) for days in (0, 0, 1, 3) for pair in (("a", 0.5), ("b", None)))
               ]  # fmt: skip
    with built.uow_factory() as uow:
        for entry in entries:
            uow.usage.add(entry)
        uow.usage.add(entries[0])  # the same request again (a restore): counted once
        uow.commit()
    days = built.show_usage("day").rows
    assert [row.requests for row in days] == [4, 2, 2]
    assert [row.key for row in days] == sorted((row.key for row in days), reverse=True)
    by_model = built.show_usage("model").rows
    assert [(row.key, row.requests, row.cost) for row in by_model] == [
        ("a", 4, pytest.approx(2.0)), ("b", 4, None)]  # fmt: skip
    since = (noon - timedelta(days=1)).astimezone().date().isoformat()
    assert sum(row.requests for row in built.show_usage("provider", since).rows) == 6
    assert [row.requests for row in built.show_usage("chat", since).rows] == [6]
    assert built.show_usage("chat").rows[0].input_tokens == 800
    assert built.show_usage("chat").names == {"c1": "a deleted chat"}


def test_replies_from_before_the_ledger_are_its_first_rows(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    path = data_dir / DATABASE_NAME
    migrate(path, bundled_migrations("migrations_sqlite")[:14])  # the schema before usage
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO chats (id, user_id, title, provider, model, created_at, updated_at)"
            " VALUES ('c1', '00000000-0000-7000-8000-000000000001', 'Old chat', 'openai',"
            " 'gpt-4o', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
        )
        db.executemany(
            "INSERT INTO messages (id, chat_id, role, content, status, provider, model,"
            " input_tokens, output_tokens, created_at) VALUES (?, 'c1', ?, 'text', 'complete',"
            " 'openai', 'gpt-4o', ?, ?, '2026-01-01T10:00:00.000000Z')",
            [("m1", "user", None, None), ("m2", "assistant", 50, 20),
             ("m3", "assistant", None, None)],
        )  # fmt: skip
    db.close()
    built = build(data_dir)
    (row,) = built.show_usage("model").rows
    assert (row.key, row.requests, row.input_tokens, row.output_tokens) == ("gpt-4o", 1, 50, 20)
    assert built.show_usage.of_messages(["m2"])["m2"].id == "m2"  # named by its message
