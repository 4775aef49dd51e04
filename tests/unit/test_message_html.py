"""Message Markdown to HTML, without Qt: what QTextDocument is given to draw."""

from __future__ import annotations

import pytest

from app.gui.markdown import render_markdown


@pytest.mark.parametrize("dark", [False, True])
def test_long_code_lines_wrap_inside_the_message(dark: bool) -> None:
    rendered = render_markdown("```python\nx = '" + "y" * 500 + "'\n```", dark=dark)
    assert "white-space:pre-wrap" in rendered.html
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
