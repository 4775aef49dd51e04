"""Search over a real store: what a person types, every filter, deleted and restored chats,
a store made before search existed, and the command's output."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.bootstrap import Primer, build
from domain.chats import new_chat
from domain.clock import utc_now
from domain.entities import Chat, Message, MessageStatus, Role
from domain.ids import new_id
from domain.search import Filters, Order
from domain.use_cases import search_messages
from repositories.migration_files import bundled_migrations
from repositories.sqlite import search_index
from repositories.sqlite.database import DATABASE_NAME
from repositories.sqlite.migrations import migrate
from tests.integration.test_backup import Machine
from tests.integration.test_cli import primer as run_primer

START = utc_now() - timedelta(days=30)


@pytest.fixture
def primer(data_dir: Path) -> Iterator[Primer]:
    primer = build(data_dir)
    yield primer
    primer.store.close()


def chat_with(
    primer: Primer, title: str, *texts: str, days: int = 0, provider: str = "openai",
    model: str = "gpt-test", pinned: bool = False,
) -> tuple[Chat, list[Message]]:  # fmt: skip
    """A chat whose messages alternate user, assistant, written `days` after START."""
    when = START + timedelta(days=days)
    chat = dataclasses.replace(
        new_chat(title=title, provider=provider, model=model, system_prompt="", now=when),
        pinned=pinned,
    )
    messages, parent = [], None
    with primer.uow_factory() as uow:
        uow.chats.add(chat)
        for number, text in enumerate(texts):
            role = Role.USER if number % 2 == 0 else Role.ASSISTANT
            message = Message(new_id(), chat.id, parent, role, text, MessageStatus.COMPLETE,
                              when + timedelta(seconds=number), provider, model)  # fmt: skip
            uow.messages.add(message)
            messages.append(message)
            parent = message.id
        uow.commit()
    return chat, messages


def found(primer: Primer, text: str, **filters: object) -> list[str]:
    """The snippets of the messages found (chat-title hits left out), newest first."""
    results = primer.search_messages(text, Filters(**filters), limit=1000)  # type: ignore[arg-type]
    return [hit.snippet for hit in results.hits if hit.message_id is not None]


def test_what_a_person_types_finds_what_they_mean(primer: Primer) -> None:
    chat_with(primer, "Travel", "Plan a trip to Rome in spring", "Rome is lovely in April")
    chat_with(primer, "Food", "Where is the best café in Paris?", "A naïve question: every café.")
    chat_with(primer, "Code", "Why does foo.bar( fail?", "Because foo.bar takes two arguments")
    chat_with(primer, "Languages", "我喜欢猫和狗", "שלום עולם", "日本語のテキストです")
    assert len(found(primer, "rome")) == 2
    assert found(primer, "rome april") == ["«Rome» is lovely in «April»"]  # all words
    assert found(primer, '"trip to rome"') == ["Plan a «trip to Rome» in spring"]
    assert found(primer, "rome -april") == ["Plan a trip to «Rome» in spring"]
    assert len(found(primer, "lov*")) == 1 and "«lovely»" in found(primer, "lov*")[0]
    assert len(found(primer, "cafe")) == 2  # accents folded
    assert "«naïve»" in found(primer, "naive")[0]
    assert len(found(primer, "foo.bar(")) == 2  # code: its words, in order
    assert found(primer, "喜欢") == ["我«喜欢»猫和狗"]  # inside a run of Chinese
    assert found(primer, "テキスト") == ["日本語の«テキスト»です"]
    assert found(primer, "עולם") == ["שלום «עולם»"]
    assert found(primer, "rome -喜欢") and found(primer, "喜欢 -猫") == []


def test_a_part_of_a_word_is_found_inside_words(primer: Primer) -> None:
    chat_with(primer, "Store", "Which database engine?", "Databases differ: SQLite is one")
    assert found(primer, "atabas") == [
        "D«atabas»es differ: SQLite is one",
        "Which d«atabas»e engine?",
    ]
    assert found(primer, "ATABAS sqlite") == ["Databases differ: «SQLite» is one"]
    chat_with(primer, "Words", "the base of it")
    assert found(primer, "base") == ["the «base» of it"]  # a whole word: as a word
    assert len(found(primer, "*base")) == 3  # inside words too, when asked
    assert primer.search_messages("*base").inside_words_of == 100_000  # and said so
    assert primer.search_messages("base").inside_words_of == 0
    assert found(primer, "qqzzyx") == []


def test_parts_of_words_are_looked_for_in_all_messages_when_asked(
    primer: Primer, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat_with(primer, "Old", "an old hippopotamus")
    chat_with(primer, "New", "one", "two", "three")
    monkeypatch.setattr(search_messages, "PARTS_WINDOW", 3)
    assert primer.search_messages("ppopot").hits == []
    everywhere = primer.search_messages("ppopot", everywhere=True)
    assert [h.snippet for h in everywhere.hits] == ["an old hi«ppopot»amus"]
    assert everywhere.inside_words_of == 0  # nothing left out to say


@pytest.mark.parametrize(
    "text",
    ['"', '""', '"unbalanced rome', "NEAR(rome april)", "rome AND", "OR", "title:rome",
     "content:", "*", "-", "-rome", "^rome", "(rome", "rome)", "🎉", "!!", "🎉 rome", "'", "\\",
     "a" * 500, "%", "_", "--", "rome*april", "NOT rome", '"a"b"c'],
)  # fmt: skip
def test_any_input_gets_results_or_none_never_an_error(primer: Primer, text: str) -> None:
    chat_with(primer, "Travel", "Plan a trip to Rome in spring, 100% sure_thing")
    primer.search_messages(text)
    primer.search_messages(text, order=Order.BEST)


def test_every_filter(primer: Primer) -> None:
    old, _ = chat_with(primer, "Old", "apples then", "apples indeed", days=1)
    new, _ = chat_with(primer, "New", "apples now", "apples again", days=10, provider="gemini",
                       model="gemini-2.5-flash", pinned=True)  # fmt: skip
    assert len(found(primer, "apples")) == 4
    assert len(found(primer, "apples", chat_id=old.id)) == 2
    assert len(found(primer, "apples", since=START + timedelta(days=5))) == 2
    assert len(found(primer, "apples", before=START + timedelta(days=5))) == 2
    assert len(found(primer, "apples", provider="gemini")) == 2
    assert len(found(primer, "apples", model="gpt-test")) == 2
    assert found(primer, "apples", role=Role.USER) == ["«apples» now", "«apples» then"]
    assert found(primer, "apples", pinned=True) == ["«apples» again", "«apples» now"]
    assert all(hit.message_id for hit in primer.search_messages("apples").hits)
    by_title = primer.search_messages("new").hits  # a chat whose title matches comes first
    assert (by_title[0].chat_id, by_title[0].message_id, by_title[0].snippet) == (
        new.id, None, "«New»",
    )  # fmt: skip


def test_a_deleted_chat_is_never_found_and_an_undone_one_at_once(primer: Primer) -> None:
    chat, _ = chat_with(primer, "Secret plans", "the launch code is swordfish")
    primer.delete_chat(chat.id)
    assert primer.search_messages("swordfish").hits == []
    assert primer.search_messages("secret").hits == []  # nor by its title
    primer.delete_chat.undo(chat.id)
    assert found(primer, "swordfish") == ["the launch code is «swordfish»"]


def test_edits_and_every_version_are_searchable_and_renames_follow(primer: Primer) -> None:
    chat, messages = chat_with(primer, "Draft", "first wording of the question")
    primer.send_message.edit(messages[0].id, "second wording, a branch")
    assert len(found(primer, "wording")) == 2  # both versions
    primer.update_chat(chat.id, title="Renamed draft")
    titles = [h.snippet for h in primer.search_messages("renamed").hits]
    assert titles == ["«Renamed» draft"]


def test_newest_first_is_by_when_written_not_when_stored(primer: Primer) -> None:
    """A message restored or imported later than newer ones still ranks by its date."""
    chat_with(primer, "Recent", "zebra seen this week", days=20)
    chat_with(primer, "Brought in", "zebra from long ago", "zebra older still", days=-400)
    chat_with(primer, "Middle", "zebra last month", days=5)
    assert found(primer, "zebra") == [
        "«zebra» seen this week", "«zebra» last month", "«zebra» older still",
        "«zebra» from long ago",
    ]  # fmt: skip
    assert found(primer, "zeb*")[0] == "«zebra» seen this week"
    assert found(primer, "*ebr")[-1] == "z«ebr»a from long ago"


def test_a_hundred_messages_of_one_second_are_all_kept_and_found(primer: Primer) -> None:
    """A second holds 64 time keys: its 65th message on is keyed after the newest."""
    chat_with(primer, "Later", "an ocelot, later", days=5)
    chat = new_chat(title="Bulk", provider="openai", model="m", system_prompt="", now=START)
    with primer.uow_factory() as uow:
        uow.chats.add(chat)
        for number in range(100):
            uow.messages.add(Message(new_id(), chat.id, None, Role.USER, f"ocelot {number}",
                                     MessageStatus.COMPLETE, START, "openai", "m"))  # fmt: skip
        uow.commit()
    snippets = found(primer, "ocelot")
    assert len(snippets) == 101
    assert snippets.index("an «ocelot», later") == 36
    assert sorted(snippets[37:]) == sorted(f"«ocelot» {n}" for n in range(64))


def test_best_match_ranks_and_says_when_it_capped(
    primer: Primer, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat_with(primer, "A", "kiwi", "kiwi kiwi kiwi kiwi is all I say about kiwi")
    for number in range(5):
        chat_with(primer, f"Filler {number}", f"a kiwi in a long message number {number} " * 5)
    best = primer.search_messages("kiwi", order=Order.BEST).hits
    assert best[0].snippet.count("«kiwi»") >= 4
    monkeypatch.setattr(search_index, "BEST_MATCH_CAP", 3)
    capped = primer.search_messages("kiwi", order=Order.BEST)
    assert capped.capped and len(capped.hits) == 3
    # A phrase: the newest 2 x 3 messages with its words, in any order, bound the ranking
    chat_with(primer, "Fruit", "a red apple", *["apple, red"] * 6, "red apple pie")
    phrase = primer.search_messages('"red apple"', order=Order.BEST)
    assert phrase.capped and [h.snippet for h in phrase.hits] == ["«red apple» pie"]
    assert len(found(primer, '"red apple"')) == 2  # (newest first: no bound)


def backup_changes(path: Path) -> int:
    with sqlite3.connect(path) as db:
        count = db.execute("SELECT count(*) FROM changes").fetchone()[0]
    db.close()
    return int(count)


def test_a_store_from_before_search_is_indexed_in_chunks_and_never_drifts(
    data_dir: Path,
) -> None:
    data_dir.mkdir(parents=True)
    path = data_dir / DATABASE_NAME
    migrate(path, bundled_migrations("migrations_sqlite")[:8])  # the schema before search
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO chats (id, user_id, title, provider, model, created_at, updated_at)"
            " VALUES ('c1', '00000000-0000-7000-8000-000000000001', 'Old chat', 'openai', 'm',"
            " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
        )
        db.executemany(
            "INSERT INTO messages (id, chat_id, role, content, status, created_at)"
            " VALUES (?, 'c1', 'user', ?, 'complete', ?)",
            [(f"m{n:04}", f"old message {n} mentions walrus",
              f"2026-01-01T00:{n // 60:02}:{n % 60:02}.000000Z") for n in range(250)],
        )  # fmt: skip
    db.close()
    primer = build(data_dir)
    assert primer.search_messages("walrus").indexed == 0.0
    # not indexed yet, and no whole word in the index: read in the newest messages instead
    assert len(found(primer, "walrus")) == 250
    by_title = primer.search_messages("old").hits[0]  # titles are indexed by the migration
    assert (by_title.chat_title, by_title.message_id) == ("Old chat", None)
    with primer.uow_factory() as uow:  # a write while indexing is under way
        edited = uow.messages.get("m0200")
        uow.messages.update(dataclasses.replace(edited, content="now about a narwhal"))
        uow.commit()
    chat_with(primer, "New chat", "a new walrus")  # indexed at once
    assert len(found(primer, "walrus")) == 1
    changes_before = backup_changes(path)
    steps = []
    while (indexed := primer.index_history(rows=100)) < 1.0:
        steps.append(indexed)
    assert len(steps) == 2  # 250 rows, 100 at a time
    assert backup_changes(path) == changes_before  # indexing is no change to back up
    assert len(found(primer, "walrus")) == 250  # 249 old ones and the new one
    assert found(primer, "narwhal") == ["now about a «narwhal»"]
    with primer.uow_factory() as uow:
        uow.messages.update(dataclasses.replace(edited, content="a walrus again"))
        uow.commit()
    with sqlite3.connect(path) as db:
        for table in ("messages_fts", "messages_cjk", "chats_fts"):
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
    db.close()
    assert len(found(primer, "walrus")) == 251
    primer.store.close()


def test_restored_chats_are_found(machine: Machine) -> None:
    from tests.integration.test_backup import sign_in, sign_up

    laptop, desktop = machine("laptop"), machine("desktop")
    sign_up(laptop)
    chat_with(laptop, "Recipes", "the secret is saffron")
    laptop.backup_now()(laptop.account_link.current().account_id)  # type: ignore[union-attr]
    account = sign_in(desktop)
    chat_with(desktop, "Today", "saffron again, this week", days=20)  # newer, stored first
    desktop.restore_backup()(account)
    assert found(desktop, "saffron") == ["«saffron» again, this week", "the secret is «saffron»"]


def test_the_command_prints_hits_and_json(data_dir: Path) -> None:
    primer = build(data_dir)
    chat, _ = chat_with(primer, "Trip", "Plan a trip to Rome", "Rome in spring")
    primer.store.close()
    plain = run_primer("search", "rome", data_dir=data_dir)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines()[0].startswith("Trip · ")
    assert "«" not in plain.stdout  # marks only on a terminal
    as_json = run_primer("search", "rome", "--json", "--role", "user", data_dir=data_dir)
    hits = json.loads(as_json.stdout)
    assert [h["snippet"] for h in hits] == ["Plan a trip to «Rome»"]
    assert set(hits[0]) == {"chat_id", "message_id", "chat_title", "role", "provider", "model",
                            "created_at", "snippet", "score"}  # fmt: skip
    assert hits[0]["chat_id"] == chat.id and hits[0]["score"] is None  # (words only)
    none = run_primer("search", "nothing-like-this", data_dir=data_dir)
    assert none.returncode == 0 and none.stdout == ""
    bad = run_primer("search", "rome", "--since", "2026-02-30", data_dir=data_dir)
    assert bad.returncode == 1 and "not a date" in bad.stderr
    unknown = run_primer("search", "rome", "--chat", "zzz", data_dir=data_dir)
    assert unknown.returncode == 1 and "No chat" in unknown.stderr
