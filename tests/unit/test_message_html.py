"""A message as HTML, without Qt: what QTextDocument is given to draw."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from app.gui.markdown import render_markdown
from app.gui.message_html import message_html
from domain.entities import Message, MessageStatus, Role


@pytest.mark.parametrize("dark", [False, True])
def test_long_code_lines_stay_whole_to_scroll_sideways(dark: bool) -> None:
    rendered = render_markdown("```python\nx = '" + "y" * 500 + "'\n```", dark=dark)
    assert "white-space:pre;" in rendered.html and "pre-wrap" not in rendered.html
    assert rendered.code_blocks == ("x = '" + "y" * 500 + "'",)


def test_tables_have_borders_and_spacing() -> None:
    rendered = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |", dark=False).html
    assert '<table border="1" cellspacing="0" cellpadding="6"' in rendered
    assert "<td>1</td>" in rendered


def test_a_block_quote_has_a_bar_beside_it() -> None:
    rendered = render_markdown("> quoted words", dark=True).html
    assert '<td width="4" style="background-color:' in rendered
    assert "quoted words" in rendered and "<blockquote>" not in rendered


def test_markup_typed_as_text_stays_text() -> None:
    rendered = render_markdown("<blockquote>hi</blockquote> and <table>", dark=False).html
    assert "&lt;blockquote&gt;" in rendered and "<table" not in rendered


def _reply(**changes: object) -> Message:
    base = Message(
        id="r1",
        chat_id="c1",
        parent_id="u1",
        role=Role.ASSISTANT,
        content="Hello",
        status=MessageStatus.COMPLETE,
        created_at=datetime(2026, 11, 30, tzinfo=UTC),
        model="gpt-test",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _html(message: Message, **shown: object) -> str:
    options = {"last": True, "streaming": False, "version": None, "dark": False, **shown}
    return message_html(message, **options)[0]  # type: ignore[arg-type]


def test_a_reply_offers_retry_only_where_it_can_help() -> None:
    assert 'title="Regenerate:' in _html(_reply())
    failed = _reply(status=MessageStatus.ERROR, content="", error="server error (500)")
    assert "&nbsp;Retry<" in _html(failed)
    refused_key = dataclasses.replace(
        failed, error="rejected the API key", metadata={"retryable": False, "error_kind": "auth"}
    )
    assert "action:settings" in _html(refused_key) and "Retry<" not in _html(refused_key)
    refused = dataclasses.replace(refused_key, metadata={"retryable": False})
    assert "action:regenerate" not in _html(refused)
    assert "&nbsp;Retry<" in _html(_reply(status=MessageStatus.INTERRUPTED))  # cut off: retry
    stopped = _reply(status=MessageStatus.INTERRUPTED, metadata={"stopped": True})
    assert 'title="Regenerate:' in _html(stopped) and "· stopped" in _html(stopped)
    assert "action:regenerate" not in _html(_reply(), last=False)


def test_versions_errors_and_streaming_are_shown() -> None:
    both_ends = _html(_reply(), version=(1, 2))
    assert "action:newer-version" in both_ends and "action:older-version" not in both_ends
    assert "1 / 2" in both_ends
    error = _html(_reply(status=MessageStatus.ERROR, error="<b>not markup</b>"))
    assert "&lt;b&gt;not markup&lt;/b&gt;" in error
    thinking = _html(_reply(content="", status=MessageStatus.STREAMING), streaming=True)
    assert "▍" in thinking and "action:copy" not in thinking  # the cursor, no links yet
