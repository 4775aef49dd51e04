"""Markdown to the HTML subset QTextDocument renders, with highlighted code blocks.

Each code block gets a header with its language and a Copy link (`copy-code:N`); the
delegate turns clicks on it into a clipboard copy of block N. QTextDocument knows no CSS
borders on blocks, so tables get HTML borders; long code lines are not wrapped (the code
block scrolls sideways: wide_tables.py), and a block quote is a table whose
first cell is its bar. Pure: tested without Qt.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

COPY_ICON_URL = "icon:copy"
"""The copy icon in a code block's header: the resource the message's view draws for its
own Copy action."""


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    code_blocks: tuple[str, ...]


@lru_cache(maxsize=2)
def _parser() -> MarkdownIt:
    # html=False: a model's reply can never inject markup into the window.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


@lru_cache(maxsize=2)
def _formatter(dark: bool) -> HtmlFormatter:
    return HtmlFormatter(noclasses=True, nowrap=True, style="monokai" if dark else "friendly")


def _lexer(language: str, code: str):
    try:
        if language:
            return get_lexer_by_name(language)
        return guess_lexer(code) if len(code) > 40 else TextLexer()
    except ClassNotFound:
        return TextLexer()


def render_markdown(text: str, *, dark: bool) -> Rendered:
    tokens = _parser().parse(text)
    blocks: list[str] = []
    background = "#272822" if dark else "#f4f5f7"
    border = "#3a3d42" if dark else "#d9dce1"
    muted = "#9aa0a6" if dark else "#5f6368"
    for token in tokens:
        if token.type not in ("fence", "code_block"):
            continue
        code = token.content.rstrip("\n")
        language = token.info.strip().split(" ")[0] if token.type == "fence" else ""
        body = highlight(code, _lexer(language, code), _formatter(dark)).rstrip("\n")
        index = len(blocks)
        blocks.append(code)
        label = html.escape(language) if language else "code"
        token.type = "html_block"
        token.content = (
            f'<table width="100%" cellspacing="0" cellpadding="6" '
            f'style="background-color:{background}; border: 1px solid {border};">'
            f'<tr><td><span style="color:{muted}; font-size:small;">{label}</span>&nbsp;&nbsp;'
            f'<a href="copy-code:{index}" title="Copy the code" '
            f'style="font-size:small; text-decoration:none; color:{muted};">'
            f'<img src="{COPY_ICON_URL}" width="13" height="13">&nbsp;Copy</a></td></tr>'
            f'<tr><td><pre style="margin:0; white-space:pre;">{body}</pre></td></tr></table>'
        )
    rendered = _parser().renderer.render(tokens, _parser().options, {})
    rendered = rendered.replace(
        "<table>",
        f'<table border="1" cellspacing="0" cellpadding="6" '
        f'style="border-color:{border}; border-style:solid; margin-top:4px; margin-bottom:4px;">',
    )
    rendered = rendered.replace(
        "<blockquote>",
        f'<table cellspacing="0" cellpadding="0" style="margin-top:4px; margin-bottom:4px;">'
        f'<tr><td width="4" style="background-color:{muted};"></td>'
        f'<td style="padding-left:10px; color:{muted};">',
    ).replace("</blockquote>", "</td></tr></table>")
    return Rendered(rendered, tuple(blocks))
