"""Titles a model writes (issue 18), on in-memory ports: after the first reply, never over
a title the person typed, again when asked, quiet when the model fails."""

from __future__ import annotations

import pytest

from app.providers.registry import cheapest_model
from domain.entities import MessageStatus
from domain.errors import NetworkFailure
from domain.ports import StreamEnd, TextDelta
from domain.use_cases.finish_reply import FinishReply
from domain.use_cases.name_chat import INSTRUCTION, NameChat, clean_title
from domain.use_cases.send_message import NewChatSettings, SendMessage
from domain.use_cases.stream_reply import ReplyOutcome
from domain.use_cases.update_chat import UpdateChat
from tests.support.fakes import (
    FakeStore,
    ListedPrices,
    ScriptedProvider,
    SingleProviderResolver,
)

SETTINGS = NewChatSettings("openai", "gpt-test", "")


def chat_with_a_reply(store: FakeStore, question: str = "# Plan a **trip** to Rome") -> str:
    pending = SendMessage(store, lambda provider, model: 8192, writer="me").send(
        None, question, new_chat=SETTINGS
    )
    answer = "Rome in three days: the Forum, the Vatican, Trastevere."
    FinishReply(store, ListedPrices())(
        pending.reply.id, ReplyOutcome(answer, MessageStatus.COMPLETE)
    )
    return pending.chat.id


def titler(store: FakeStore, provider: ScriptedProvider, model: str | None = "cheap") -> NameChat:
    return NameChat(store, SingleProviderResolver(provider), lambda provider, chat_model: model,
                    ListedPrices({"cheap": (0.1, 0.4)}))  # fmt: skip


def answering(*pieces: str) -> ScriptedProvider:
    return ScriptedProvider([*(TextDelta(p) for p in pieces), StreamEnd("stop")])


def test_the_first_line_at_once_then_a_models_title_after_the_first_reply() -> None:
    store = FakeStore()
    chat_id = chat_with_a_reply(store)
    assert store.tables.chats[chat_id].title == "Plan a trip to Rome"  # no Markdown
    model = answering('"Three days', ' in Rome."')
    named = titler(store, model)(chat_id)
    assert named is not None and named.title == "Three days in Rome"
    assert named.title_by == "model"
    [request] = model.requests
    assert request.model == "cheap" and request.system_prompt == INSTRUCTION
    assert "Plan a **trip** to Rome" in request.turns[0].content
    assert "the Forum" in request.turns[0].content
    assert titler(store, answering("Again"))(chat_id) is None  # once is enough


def test_a_typed_title_is_never_replaced_unless_the_person_asks() -> None:
    store = FakeStore()
    chat_id = chat_with_a_reply(store)
    UpdateChat(store)(chat_id, title="My Rome notes")
    model = answering("Three days in Rome")
    assert titler(store, model)(chat_id) is None and not model.requests
    assert store.tables.chats[chat_id].title == "My Rome notes"
    asked = titler(store, model)(chat_id, asked=True)
    assert asked is not None and asked.title == "Three days in Rome"


def test_typed_while_the_model_writes_wins() -> None:
    store = FakeStore()
    chat_id = chat_with_a_reply(store)
    names = titler(store, answering("Three days in Rome"))
    job = names.prepare(chat_id)
    assert job is not None
    title = names.write(job)
    UpdateChat(store)(chat_id, title="Typed meanwhile")
    assert names.apply(job, title) is None
    assert store.tables.chats[chat_id].title == "Typed meanwhile"


def test_a_failure_is_quiet_unless_asked_and_titles_can_be_off() -> None:
    store = FakeStore()
    chat_id = chat_with_a_reply(store)
    failing = ScriptedProvider(error=NetworkFailure("The network is down."))
    assert titler(store, failing)(chat_id) is None  # quiet: logged, nothing raised
    assert store.tables.chats[chat_id].title == "Plan a trip to Rome"
    with pytest.raises(NetworkFailure):
        titler(store, failing)(chat_id, asked=True)
    model = answering("Unused")
    assert titler(store, model, model=None)(chat_id) is None and not model.requests  # off
    asked = titler(store, model, model=None)(chat_id, asked=True)  # off, but asked: own model
    assert asked is not None and model.requests[0].model == "gpt-test"


def test_the_models_answer_made_a_title_and_the_cheapest_model_chosen() -> None:
    assert clean_title("**Trip to Rome**.\nMore text") == "Trip to Rome"
    assert clean_title("« Voyage à Rome »") == "Voyage à Rome"
    assert clean_title("   ") == ""
    assert cheapest_model(["gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", "gpt-5-nano",
                           "gpt-4o-mini-tts"]) == "gpt-5-nano"  # fmt: skip
    assert cheapest_model(["models/gemini-2.5-pro", "models/gemini-2.5-flash",
                           "models/gemini-2.5-flash-lite"]) == "gemini-2.5-flash-lite"  # fmt: skip
    assert cheapest_model(["gpt-test", "gpt-test-mini"]) == "gpt-test-mini"
    assert cheapest_model(["llama3.1:8b"]) is None
