"""Use cases against in-memory fakes of the ports."""

from __future__ import annotations

import pytest

from domain.entities import MessageStatus, Role, Usage
from domain.errors import AuthenticationFailed, NetworkFailure, PrimerError
from domain.ports import CancelToken, StreamEnd, TextDelta
from domain.use_cases.ask import Ask
from domain.use_cases.delete_chat import DeleteChat
from domain.use_cases.finish_reply import FinishReply
from domain.use_cases.get_chat import GetChat
from domain.use_cases.list_chats import ListChats
from domain.use_cases.load_conversation import LoadConversation
from domain.use_cases.save_reply_progress import SaveReplyProgress
from domain.use_cases.send_message import HISTORY_PAGE, NewChatSettings, SendMessage
from domain.use_cases.stream_reply import CUT_OFF_NOTICE, StreamReply
from domain.use_cases.switch_branch import SwitchBranch
from domain.use_cases.update_chat import UpdateChat
from tests.support.fakes import (
    FakeMessageRepository,
    FakeStore,
    ListedPrices,
    ScriptedProvider,
    SingleProviderResolver,
)

SETTINGS = NewChatSettings("openai", "gpt-test", "Be brief.")


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def _send(store: FakeStore, window: int = 8192) -> SendMessage:
    return SendMessage(store, lambda provider, model: window, writer="this-process")


def _run(provider: ScriptedProvider, pending, cancel: CancelToken | None = None):
    seen: list[str] = []
    outcome = StreamReply(SingleProviderResolver(provider))(
        pending, seen.append, cancel or CancelToken()
    )
    return outcome, seen


def test_send_creates_chat_and_commits_user_words_before_any_reply(store: FakeStore) -> None:
    pending = _send(store).send(None, "Plan a trip\nto Rome", new_chat=SETTINGS)
    assert pending.chat.title == "Plan a trip"
    committed = store.tables.messages
    assert committed[pending.user_message.id].content == "Plan a trip\nto Rome"
    assert committed[pending.reply.id].status is MessageStatus.STREAMING
    assert pending.request.system_prompt == "Be brief."
    assert [t.content for t in pending.request.turns] == ["Plan a trip\nto Rome"]


def test_empty_message_is_refused(store: FakeStore) -> None:
    with pytest.raises(PrimerError):
        _send(store).send(None, "   ", new_chat=SETTINGS)
    assert store.tables.messages == {}


def test_history_is_sent_as_context_and_trimmed_from_the_oldest(store: FakeStore) -> None:
    send = _send(store, window=200)
    finish = FinishReply(store, ListedPrices())
    pending = send.send(None, "first " * 100, new_chat=SETTINGS)
    finish(
        pending.reply.id, _run(ScriptedProvider([TextDelta("ok"), StreamEnd("stop")]), pending)[0]
    )
    second = send.send(pending.chat.id, "second question")
    contents = [t.content for t in second.request.turns]
    assert contents[-1] == "second question"
    assert "first " * 100 not in contents
    assert second.dropped_turns >= 1


def test_complete_stream_stores_text_and_usage(store: FakeStore) -> None:
    pending = _send(store).send(None, "hi", new_chat=SETTINGS)
    provider = ScriptedProvider(
        [TextDelta("Hel"), TextDelta("lo"), StreamEnd("stop", Usage(12, 2))]
    )
    outcome, seen = _run(provider, pending)
    stored = FinishReply(store, ListedPrices())(pending.reply.id, outcome)
    assert seen == ["Hel", "lo"]
    assert (stored.content, stored.status) == ("Hello", MessageStatus.COMPLETE)
    assert (stored.input_tokens, stored.output_tokens) == (12, 2)


def test_stream_without_end_marker_is_interrupted_not_complete(store: FakeStore) -> None:
    pending = _send(store).send(None, "hi", new_chat=SETTINGS)
    outcome, _ = _run(ScriptedProvider([TextDelta("partial")]), pending)
    assert outcome.status is MessageStatus.INTERRUPTED
    assert outcome.content == "partial"
    assert outcome.error == CUT_OFF_NOTICE


def test_stop_keeps_the_partial_reply_as_interrupted(store: FakeStore) -> None:
    pending = _send(store).send(None, "hi", new_chat=SETTINGS)
    provider = ScriptedProvider(
        [TextDelta("one "), TextDelta("two "), TextDelta("three"), StreamEnd("stop")],
        cancel_after=2,
    )
    outcome, _ = _run(provider, pending)
    assert outcome.status is MessageStatus.INTERRUPTED
    assert outcome.content == "one two "
    assert outcome.metadata["stopped"] is True


def test_provider_failure_keeps_user_message_and_partial_text(store: FakeStore) -> None:
    pending = _send(store).send(None, "hi", new_chat=SETTINGS)
    outcome, _ = _run(
        ScriptedProvider([TextDelta("par")], error=NetworkFailure("offline")), pending
    )
    stored = FinishReply(store, ListedPrices())(pending.reply.id, outcome)
    assert stored.status is MessageStatus.ERROR
    assert stored.error == "offline" and stored.content == "par"
    assert stored.metadata["retryable"] is True
    assert store.tables.messages[pending.user_message.id].content == "hi"
    outcome, _ = _run(ScriptedProvider(error=AuthenticationFailed("bad key")), pending)
    assert outcome.retryable is False


def test_regenerate_adds_a_sibling_reply_and_shows_it(store: FakeStore) -> None:
    send = _send(store)
    pending = send.send(None, "hi", new_chat=SETTINGS)
    FinishReply(store, ListedPrices())(
        pending.reply.id, _run(ScriptedProvider(error=NetworkFailure("x")), pending)[0]
    )
    again = send.regenerate(pending.reply.id)
    assert again.reply.parent_id == pending.user_message.id
    assert again.user_message is None
    conversation = LoadConversation(store)(pending.chat.id)
    assert conversation.path == (pending.user_message.id, again.reply.id)
    assert pending.reply.id in store.tables.messages  # the failed reply is kept


def test_edit_branches_and_keeps_the_original(store: FakeStore) -> None:
    send = _send(store)
    first = send.send(None, "What is 2+2?", new_chat=SETTINGS)
    edited = send.edit(first.user_message.id, "What is 3+3?")
    assert edited.user_message.parent_id is None
    assert [t.content for t in edited.request.turns] == ["What is 3+3?"]
    path = LoadConversation(store)(first.chat.id).path
    assert path == (edited.user_message.id, edited.reply.id)
    assert store.tables.messages[first.user_message.id].content == "What is 2+2?"
    with pytest.raises(PrimerError):
        send.edit(first.reply.id, "not mine")


def test_switching_branch_shows_the_older_version_and_sends_continue_it(
    store: FakeStore,
) -> None:
    send, load = _send(store), LoadConversation(store)
    switch = SwitchBranch(store)
    first = send.send(None, "What is 2+2?", new_chat=SETTINGS)
    edited = send.edit(first.user_message.id, "What is 3+3?")
    chat_id = first.chat.id
    assert load(chat_id).branches == {edited.user_message.id: (2, 2)}

    older = switch(edited.user_message.id, -1)
    assert older.path == (first.user_message.id, first.reply.id)
    assert older.branches == {first.user_message.id: (1, 2)}
    assert load(chat_id).path == older.path  # remembered
    with pytest.raises(PrimerError):
        switch(first.user_message.id, -1)

    # A message sent now continues the branch on screen, which then stays shown.
    follow_up = send.send(chat_id, "And 4+4?")
    assert follow_up.user_message.parent_id == first.reply.id
    assert [t.content for t in follow_up.request.turns] == ["What is 2+2?", "And 4+4?"]
    assert load(chat_id).path == (
        first.user_message.id,
        first.reply.id,
        follow_up.user_message.id,
        follow_up.reply.id,
    )
    newer = switch(first.user_message.id, +1)
    assert newer.path == (edited.user_message.id, edited.reply.id)


def test_list_pins_first_then_newest(store: FakeStore) -> None:
    send = _send(store)
    a = send.send(None, "a", new_chat=SETTINGS).chat
    b = send.send(None, "b", new_chat=SETTINGS).chat
    send.send(None, "c", new_chat=SETTINGS)
    UpdateChat(store)(a.id, pinned=True)
    send.send(b.id, "b again")
    assert [s.title for s in ListChats(store)()] == ["a", "b", "c"]


def test_delete_hides_and_undo_restores(store: FakeStore) -> None:
    chat = _send(store).send(None, "a", new_chat=SETTINGS).chat
    DeleteChat(store)(chat.id)
    assert ListChats(store)() == []
    DeleteChat(store).undo(chat.id)
    assert [s.id for s in ListChats(store)()] == [chat.id]


def test_rename_refuses_blank_titles_and_unknown_fields(store: FakeStore) -> None:
    chat = _send(store).send(None, "a", new_chat=SETTINGS).chat
    assert UpdateChat(store)(chat.id, title="  Trip  ").title == "Trip"
    with pytest.raises(PrimerError):
        UpdateChat(store)(chat.id, title="  ")
    with pytest.raises(ValueError):
        UpdateChat(store)(chat.id, user_id="someone-else")


def test_conversation_pages_from_the_newest(store: FakeStore) -> None:
    send = _send(store)
    chat = send.send(None, "m0", new_chat=SETTINGS).chat
    for n in range(1, 30):
        send.send(chat.id, f"m{n}")
    conversation = LoadConversation(store)(chat.id, page_size=10)
    assert len(conversation.path) == 60
    assert [m.id for m in conversation.newest] == list(conversation.path[-10:])
    assert len(conversation.older_ids) == 50
    assert LoadConversation(store)(chat.id, page_size=None).newest[0].role is Role.USER


def test_the_text_so_far_is_handed_over_every_interval_not_every_piece(store: FakeStore) -> None:
    """A kill loses at most one interval of text; the clock is the test's."""
    pending = _send(store).send(None, "Hi", new_chat=SETTINGS)
    now = [0.0]
    provider = ScriptedProvider([TextDelta(p) for p in "abcdef"] + [StreamEnd("stop")])

    def tick() -> float:
        now[0] += 0.2  # each piece arrives 0.2 s after the one before
        return now[0]

    saved: list[str] = []
    stream = StreamReply(SingleProviderResolver(provider), save_every=0.5, monotonic=tick)
    outcome = stream(pending, lambda _text: None, CancelToken(), saved.append)
    assert saved == ["abc", "abcdef"]  # at 0.6 s and 1.2 s after the start
    assert outcome.content == "abcdef"


def test_a_chat_moved_to_another_provider_takes_its_default_model(store: FakeStore) -> None:
    pending = _send(store).send(None, "Hi", new_chat=SETTINGS)
    update = UpdateChat(store, default_model=lambda provider: f"{provider}-default")
    assert update(pending.chat.id, provider="gemini").model == "gemini-default"
    assert update(pending.chat.id, provider="openai", model="gpt-x").model == "gpt-x"


def _ask(store: FakeStore, provider: ScriptedProvider) -> Ask:
    return Ask(
        get_chat=GetChat(store),
        update_chat=UpdateChat(store, default_model=lambda provider: f"{provider}-default"),
        send_message=SendMessage(
            store,
            lambda provider, model: 8192,
            writer="this-process",
            default_model=lambda provider: f"{provider}-default",
        ),
        stream_reply=StreamReply(SingleProviderResolver(provider)),
        save_reply_progress=SaveReplyProgress(store),
        finish_reply=FinishReply(store, ListedPrices()),
    )


def test_ask_starts_a_chat_with_the_provider_s_default_model_and_stores_the_reply(
    store: FakeStore,
) -> None:
    provider = ScriptedProvider([TextDelta("Hi "), TextDelta("there."), StreamEnd("stop")])
    started, seen = [], []
    asked = _ask(store, provider)(
        "Hello",
        new_chat=NewChatSettings("openai"),
        on_start=started.append,
        on_delta=seen.append,
    )
    assert started == [asked.pending] and seen == ["Hi ", "there."]
    assert asked.pending.chat.model == "openai-default"
    stored = store.tables.messages[asked.reply.id]
    assert (stored.content, stored.status) == ("Hi there.", MessageStatus.COMPLETE)
    assert not asked.stopped


def test_ask_goes_on_in_a_chat_after_changing_it(store: FakeStore) -> None:
    first = _ask(store, ScriptedProvider([TextDelta("One."), StreamEnd("stop")]))(
        "First", new_chat=SETTINGS
    )
    prefix = first.pending.chat.id[:12]
    provider = ScriptedProvider([TextDelta("Two."), StreamEnd("stop")])
    asked = _ask(store, provider)(
        "Second", chat=prefix, changes={"provider": "gemini"}, new_chat=SETTINGS
    )
    assert asked.pending.chat.id == first.pending.chat.id
    chat = store.tables.chats[first.pending.chat.id]
    assert (chat.provider, chat.model) == ("gemini", "gemini-default")  # a new provider's model
    assert [t.content for t in provider.requests[0].turns] == ["First", "One.", "Second"]


def test_ctrl_c_while_a_reply_arrives_keeps_what_arrived(store: FakeStore) -> None:
    class Interrupted(ScriptedProvider):
        def stream(self, request, cancel):  # type: ignore[no-untyped-def]
            yield TextDelta("Part")
            raise KeyboardInterrupt

    asked = _ask(store, Interrupted())("Tell me", new_chat=SETTINGS)
    stored = store.tables.messages[asked.reply.id]
    assert asked.stopped
    assert (stored.content, stored.status) == ("Part", MessageStatus.INTERRUPTED)


def test_a_send_reads_only_what_the_context_window_holds(store: FakeStore) -> None:
    """A long chat is read newest first, a page at a time, until the window is full; what
    did not fit is counted, not read."""
    send = _send(store, window=2048)  # about 95 of these questions fit
    pending = send.send(None, "q0", new_chat=SETTINGS)
    for number in range(1, 600):
        pending = send.send(pending.chat.id, f"q{number} " + "x" * 40)
    reads: list[int] = []
    messages = FakeMessageRepository.get_many

    def counted(self, ids):  # type: ignore[no-untyped-def]
        reads.append(len(ids))
        return messages(self, ids)

    FakeMessageRepository.get_many = counted  # type: ignore[method-assign]
    try:
        last = send.send(pending.chat.id, "newest")
    finally:
        FakeMessageRepository.get_many = messages  # type: ignore[method-assign]
    assert reads == [HISTORY_PAGE]  # of a branch of 1,200 messages
    history = last.request.turns[:-1]
    assert 80 < len(history) < 100 and last.request.turns[-1].content == "newest"
    assert history[-1].content == "q599 " + "x" * 40
    # each question's reply is empty (never streamed): no turn, but a message on the branch
    assert last.dropped_turns == 1200 - 2 * len(history)


def test_a_send_says_which_version_its_message_is(store: FakeStore) -> None:
    send = _send(store)
    first = send.send(None, "2+2?", new_chat=SETTINGS)
    assert first.version is None and first.parent_id is None
    edited = send.edit(first.user_message.id, "3+3?")
    assert edited.version == (2, 2) and edited.parent_id is None
    regenerated = send.regenerate(edited.reply.id)
    assert regenerated.version == (2, 2) and regenerated.parent_id == edited.user_message.id
    assert regenerated.shown == (regenerated.reply,)


def test_a_page_around_a_message_far_up_and_on_another_version(store: FakeStore) -> None:
    send = _send(store)
    pending = send.send(None, "q0", new_chat=SETTINGS)
    for number in range(1, 200):
        pending = send.send(pending.chat.id, f"q{number}")
    load = LoadConversation(store)
    path = load(pending.chat.id).path
    target = path[40]  # q20, far above the newest page
    page = load.around(target)
    assert target in [m.id for m in page.newest] and len(page.newest) == 50
    assert page.older_ids == path[: page.start] and page.newer_ids == path[page.start + 50 :]
    assert page.older_ids + tuple(m.id for m in page.newest) + page.newer_ids == path
    edited = send.edit(store.tables.messages[path[0]].id, "another first question")
    assert load(pending.chat.id).path[0] == edited.user_message.id  # the edit is shown now
    back = load.around(path[10])  # a hit on the version not shown: its branch comes back
    assert back.path == path and load(pending.chat.id).path == path


def test_archived_chats_leave_the_list_and_have_their_own(store: FakeStore) -> None:
    kept = _send(store).send(None, "Stays", new_chat=SETTINGS).chat
    gone = _send(store).send(None, "Archived", new_chat=SETTINGS).chat
    UpdateChat(store)(gone.id, archived=True)
    listed = ListChats(store)
    assert [c.id for c in listed()] == [kept.id]
    assert [(c.id, c.archived) for c in listed(archived=True)] == [(gone.id, True)]
    assert {c.id for c in listed(archived=None)} == {kept.id, gone.id}
