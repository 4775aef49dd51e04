"""The usage ledger's use cases against in-memory fakes: what a reply and a title used,
measured, estimated where the server said nothing, and priced when they end."""

from __future__ import annotations

import pytest

from domain.entities import MessageStatus, Usage
from domain.errors import NetworkFailure
from domain.ports import CancelToken, StreamEnd, TextDelta
from domain.usage import completed, dollars, estimate_tokens
from domain.use_cases.finish_reply import FinishReply
from domain.use_cases.name_chat import NameChat
from domain.use_cases.send_message import NewChatSettings, SendMessage
from domain.use_cases.show_usage import ShowUsage
from domain.use_cases.stream_reply import StreamReply
from tests.support.fakes import FakeStore, ListedPrices, ScriptedProvider, SingleProviderResolver

SETTINGS = NewChatSettings("openai", "gpt-test", "Be brief.")
PRICES = ListedPrices({"gpt-test": (2.0, 8.0), "cheap": (0.1, 0.4)})


def _reply(store: FakeStore, provider: ScriptedProvider, clock_step: float = 0.25):
    pending = SendMessage(store, lambda p, m: 8192, writer="me").send(
        None, "How far is the Moon?", new_chat=SETTINGS
    )
    now = [0.0]

    def tick() -> float:
        now[0] += clock_step
        return now[0]

    stream = StreamReply(SingleProviderResolver(provider), monotonic=tick)
    outcome = stream(pending, lambda _text: None, CancelToken())
    return pending, outcome


def test_a_reply_records_the_providers_tokens_its_timing_and_its_cost() -> None:
    store = FakeStore()
    usage = Usage(1000, 500, reasoning_tokens=200, cached_tokens=400)
    provider = ScriptedProvider([TextDelta("About "), TextDelta("384,400 km."),
                                 StreamEnd("stop", usage)])  # fmt: skip
    pending, outcome = _reply(store, provider)
    assert outcome.timing.first_token_seconds == pytest.approx(0.25)  # the first piece's tick
    assert outcome.timing.seconds == pytest.approx(0.75)
    stored = FinishReply(store, PRICES)(pending.reply.id, outcome)
    (entry,) = store.tables.usage.values()
    assert (entry.purpose, entry.provider, entry.model) == ("reply", "openai", "gpt-test")
    assert (entry.chat_id, entry.message_id) == (pending.chat.id, pending.reply.id)
    assert entry.usage == usage and not entry.usage.estimated
    assert entry.cost == pytest.approx((1000 * 2.0 + 500 * 8.0) / 1e6) == stored.cost
    assert entry.rates == "2.0/8.0"
    assert entry.timing.tokens_per_second(entry.usage.output_tokens) == pytest.approx(500 / 0.5)
    assert stored.metadata["seconds"] == 0.75 and stored.metadata["first_token_seconds"] == 0.25
    assert "estimated_tokens" not in stored.metadata


def test_a_server_that_reports_no_tokens_gets_an_estimate_marked_as_such() -> None:
    store = FakeStore()
    provider = ScriptedProvider([TextDelta("x" * 400), StreamEnd("stop")])  # no usage given
    pending, outcome = _reply(store, provider)
    assert outcome.usage.estimated
    assert outcome.usage.output_tokens == 100
    assert outcome.usage.input_tokens == estimate_tokens("Be brief.") + estimate_tokens(
        "How far is the Moon?"
    )
    stored = FinishReply(store, PRICES)(pending.reply.id, outcome)
    assert stored.metadata["estimated_tokens"] is True
    totals = ShowUsage(store).of_chat(pending.chat.id)
    assert totals is not None and totals.estimated and totals.requests == 1


def test_a_stopped_or_cut_reply_is_counted_and_a_failure_before_any_word_is_not() -> None:
    store = FakeStore()
    cut = ScriptedProvider([TextDelta("Half an ans")])  # no end marker: interrupted
    pending, outcome = _reply(store, cut)
    assert outcome.status is MessageStatus.INTERRUPTED and outcome.usage.estimated
    FinishReply(store, PRICES)(pending.reply.id, outcome)
    assert len(store.tables.usage) == 1
    failed = ScriptedProvider(error=NetworkFailure("The network is down."))
    pending, outcome = _reply(store, failed)
    FinishReply(store, PRICES)(pending.reply.id, outcome)
    assert len(store.tables.usage) == 1  # nothing reached the model, or nothing came back


def test_a_reply_stopped_on_screen_is_counted_when_its_stream_ends() -> None:
    """The window stores the partial text at Stop; the stream's own end brings the figures."""
    store = FakeStore()
    provider = ScriptedProvider([TextDelta("one "), TextDelta("two"), StreamEnd("stop")],
                                cancel_after=1)  # fmt: skip
    pending, outcome = _reply(store, provider)
    assert outcome.metadata["stopped"] is True
    FinishReply(store, PRICES).count(pending.reply.id, outcome)
    (entry,) = store.tables.usage.values()
    assert entry.message_id == pending.reply.id and entry.usage.output_tokens == 1


def test_no_known_price_leaves_the_cost_unknown_not_zero() -> None:
    store = FakeStore()
    provider = ScriptedProvider([TextDelta("Hi"), StreamEnd("stop", Usage(5, 1))])
    pending, outcome = _reply(store, provider)
    stored = FinishReply(store, ListedPrices())(pending.reply.id, outcome)
    assert stored.cost is None
    totals = ShowUsage(store).of_chat(pending.chat.id)
    assert totals is not None and totals.cost is None
    assert dollars(None) == "-" and dollars(0.0123) == "$0.01" and dollars(0.0004) == "$0.0004"


def test_a_title_request_is_recorded_even_when_its_title_is_not_used() -> None:
    store = FakeStore()
    pending, outcome = _reply(store, ScriptedProvider([TextDelta("Far."), StreamEnd("stop")]))
    FinishReply(store, PRICES)(pending.reply.id, outcome)
    model = ScriptedProvider([TextDelta("Distance to the Moon"), StreamEnd("stop", Usage(80, 6))])
    names = NameChat(store, SingleProviderResolver(model), lambda p, m: "cheap", PRICES)
    job = names.prepare(pending.chat.id)
    assert job is not None
    written = names.write(job)
    assert written.title == "Distance to the Moon" and written.usage is not None
    from domain.use_cases.update_chat import UpdateChat

    UpdateChat(store)(pending.chat.id, title="Typed meanwhile")
    assert names.apply(job, written) is None
    titles = [e for e in store.tables.usage.values() if e.purpose == "title"]
    assert [(e.model, e.usage.input_tokens, e.cost) for e in titles] == [
        ("cheap", 80, pytest.approx((80 * 0.1 + 6 * 0.4) / 1e6))
    ]
    assert ShowUsage(store).of_chat(pending.chat.id).requests == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", 0), ("abcd", 1), ("abcde", 2), ("日本語のテキスト", 8), ("hello 世界", 2 + 2)],
)
def test_the_offline_estimate(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


def test_reported_figures_are_kept_and_only_the_missing_one_is_estimated() -> None:
    assert completed(Usage(3, 4), ["a" * 100], "b" * 100) == Usage(3, 4)
    assert completed(Usage(3, None), ["a" * 100], "b" * 100) == Usage(3, 25, estimated=True)
