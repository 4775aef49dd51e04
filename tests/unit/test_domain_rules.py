"""Pure rules: ids, branches, context trimming, titles, retries."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from domain.branches import active_path, branch_positions, siblings, visible_leaf
from domain.chats import TITLE_LENGTH, title_from_text
from domain.context import context_window_for, estimate_tokens, trim_history
from domain.entities import Role
from domain.ids import new_id
from domain.ports import Turn


def test_ids_are_uuid7_and_strictly_increasing() -> None:
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


EDITED = [  # the second message was edited (u2b): two branches under a1
    ("u1", None),
    ("a1", "u1"),
    ("u2", "a1"),
    ("a2", "u2"),
    ("u2b", "a1"),
    ("a2b", "u2b"),
]


def test_active_path_follows_the_newest_leaf_through_branches() -> None:
    lineage = EDITED
    assert active_path(lineage) == ["u1", "a1", "u2b", "a2b"]
    assert active_path(lineage, leaf="a2") == ["u1", "a1", "u2", "a2"]
    assert active_path([]) == []


def test_a_chosen_branch_shows_its_newest_message() -> None:
    lineage = [*EDITED, ("a2c", "u2")]  # a reply regenerated on the first branch since
    assert visible_leaf(lineage) == "a2c"
    assert visible_leaf(lineage, "u2b") == "a2b"
    assert visible_leaf(lineage, "u2") == "a2c"
    assert visible_leaf(lineage, "a2") == "a2"
    assert visible_leaf(lineage, "gone") == "a2c"
    assert visible_leaf([]) is None
    # a clock that ran backwards on another machine: the child still counts as under it
    assert visible_leaf([("late", "early"), ("early", None), ("other", None)], "early") == "late"


def test_branch_positions_number_each_version_on_the_path() -> None:
    lineage = [("u1", None), ("a1", "u1"), ("a1b", "u1"), ("u2", "a1b"), ("u1b", None)]
    assert siblings(lineage, "a1b") == ["a1", "a1b"]
    assert siblings(lineage, "u1") == ["u1", "u1b"]
    assert siblings(lineage, "u2") == ["u2"]
    assert siblings(lineage, "gone") == []
    path = active_path(lineage, "u2")
    assert branch_positions(lineage, path) == {"u1": (1, 2), "a1b": (2, 2)}


def test_active_path_survives_a_cycle() -> None:
    assert active_path([("a", "b"), ("b", "a")]) == ["a", "b"]


def _turns(*texts: str) -> list[Turn]:
    return [Turn(Role.USER if i % 2 == 0 else Role.ASSISTANT, t) for i, t in enumerate(texts)]


def test_trim_keeps_everything_that_fits() -> None:
    turns = _turns("hello", "hi there", "how are you?")
    assert trim_history(turns, "be brief", 8192) == turns


def test_trim_drops_the_oldest_first() -> None:
    turns = _turns("a" * 4000, "b" * 4000, "c" * 400)
    kept = trim_history(turns, "", 2000)
    assert kept == turns[1:] or kept == turns[2:]
    assert kept[-1] == turns[-1]
    assert "a" * 4000 not in [t.content for t in kept]


def test_trim_always_keeps_the_latest_turn_even_when_it_alone_is_too_big() -> None:
    turns = _turns("old", "x" * 100_000)
    assert trim_history(turns, "", 1000) == [turns[-1]]


@given(
    st.lists(st.text(min_size=1, max_size=500), min_size=1, max_size=40),
    st.integers(min_value=64, max_value=20_000),
)
def test_trim_returns_a_newest_suffix_within_budget(texts: list[str], window: int) -> None:
    turns = _turns(*texts)
    kept = trim_history(turns, "", window)
    assert kept == turns[len(turns) - len(kept) :]
    assert kept
    if len(kept) > 1:
        used = sum(estimate_tokens(t.content) + 4 for t in kept)
        assert used <= window


def test_context_window_lookup() -> None:
    assert context_window_for("gpt-4o-mini") == 128_000
    assert context_window_for("gpt-4") == 8_192
    assert context_window_for("gemini-2.5-flash") == 1_048_576
    assert context_window_for("llama3.2") == 8_192
    assert context_window_for("llama3.2", override=32_000) == 32_000


def test_titles_come_from_the_first_line_cut_at_a_word() -> None:
    assert title_from_text("\n  Plan a trip to Rome\nwith kids") == "Plan a trip to Rome"
    long = "word " * 40
    title = title_from_text(long)
    assert title.endswith("…") and len(title) <= TITLE_LENGTH + 1
    assert title_from_text("   ") == "New chat"


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap() -> None:
    from domain.backup import Retry
    from domain.errors import BackupUnreachable

    assert Retry(jitter=lambda: 0.5).delays() == [0.25, 0.5, 1.0, 2.0, 4.0]
    assert Retry(attempts=8, jitter=lambda: 1.0).delays()[-2:] == [8.0, 8.0]
    waits: list[float] = []
    calls = iter([BackupUnreachable("cut"), BackupUnreachable("cut"), "done"])

    def step() -> str:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert Retry(sleep=waits.append, jitter=lambda: 1.0)(step) == "done"
    assert waits == [0.5, 1.0]


def test_titles_are_plain_text_not_markdown() -> None:
    assert title_from_text("# Heading one\nmore") == "Heading one"
    assert title_from_text("**Bold** and _it_ and `code`") == "Bold and it and code"
    assert title_from_text("[a link](https://example.org) here") == "a link here"
    assert title_from_text("```python\nprint(1)\n```") == "print(1)"
    assert title_from_text("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"
    assert title_from_text("##\n- first item") == "first item"


def test_a_failure_a_retry_replaced_is_no_version() -> None:
    from domain.branches import without_replaced_failures

    lineage = [("u1", None), ("f1", "u1"), ("f2", "u1"), ("a1", "u1")]
    shown = without_replaced_failures(lineage, {"f1", "f2"})
    assert shown == [("u1", None), ("a1", "u1")]
    assert branch_positions(shown, ["u1", "a1"]) == {}  # no ❮ 1 / 3 ❯ for two failures
    # The newest try failing stays, with its Retry; so does a failure written after.
    assert without_replaced_failures(lineage[:3], {"f1", "f2"}) == [("u1", None), ("f2", "u1")]
    kept = [("u1", None), ("f1", "u1"), ("u2", "f1"), ("a1", "u1")]
    assert without_replaced_failures(kept, {"f1"}) == kept
    # A regenerated reply that worked is a real version: both stay.
    assert without_replaced_failures([("u1", None), ("a1", "u1"), ("a2", "u1")], set()) == [
        ("u1", None), ("a1", "u1"), ("a2", "u1")
    ]  # fmt: skip
