"""A message as HTML for the conversation view: a pure function of the message and how it
is shown, tested without Qt (tests/unit/test_message_html.py)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from domain.attachments import Attachment, FileKind, size_text
from domain.entities import Message, MessageStatus, Role

if TYPE_CHECKING:
    from domain.notes import Note

STREAM_CURSOR = " ▍"
FILE_ICON_URL = "icon:file"
PICTURE_SIDE = 180
"""The most a picture in the conversation takes, either way (a click opens it whole)."""


def colors(dark: bool) -> dict[str, str]:
    if dark:
        return {
            "user": "#2a3442",
            "assistant": "#1f2124",
            "muted": "#9aa0a6",
            "error": "#ff8a80",
            "error_bg": "#3b2323",
            "link": "#7ab7ff",
            "border": "#3a3d42",
        }
    return {
        "user": "#e9f0fb",
        "assistant": "#ffffff",
        "muted": "#5f6368",
        "error": "#b3261e",
        "error_bg": "#fdecea",
        "link": "#1a5fb4",
        "border": "#d9dce1",
    }


def message_html(
    message: Message,
    *,
    last: bool,
    streaming: bool,
    version: tuple[int, int] | None,
    dark: bool,
    notes: tuple[Note, ...] = (),
) -> tuple[str, tuple[str, ...]]:
    """A message as the HTML its view draws, and the code blocks its Copy links copy.

    `last`: the newest message shown (its reply gets Retry or Regenerate); `version`: its
    place among its versions, (place, count), if it has others.
    """
    palette = colors(dark)
    muted = palette["muted"]
    if message.role is Role.USER:
        who = "You"
    else:
        who = html.escape(message.model or message.provider or "Assistant")
    status = {
        MessageStatus.INTERRUPTED: "stopped" if message.metadata.get("stopped") else "interrupted",
        MessageStatus.ERROR: "failed",
    }.get(message.status, "")
    head = f'<p style="margin-bottom:4px;"><b>{who}</b>'
    if status:
        head += f' <span style="color:{muted};">· {status}</span>'
    spent = "" if streaming else usage_line(message)
    if spent:
        head += f' <span style="color:{muted}; font-size:small;">&nbsp;&nbsp;{spent}</span>'
    head += "</p>"
    files = _attachments(message.attachments, muted)
    text = message.content + (STREAM_CURSOR if streaming else "")
    # markdown-it and Pygments (27 ms to import) load with the first message shown, not
    # before the window's first paint (bench.run)
    from app.gui.markdown import render_markdown

    rendered = render_markdown(text, dark=dark) if text else None
    body = rendered.html if rendered else ""
    extra = ""
    if message.error:
        background, color = palette["error_bg"], palette["error"]
        extra += (
            f'<table width="100%" cellpadding="6" style="background-color:{background};">'
            f'<tr><td style="color:{color};">{html.escape(message.error)}</td></tr></table>'
        )
    extra += "".join(note_html(note, muted) for note in notes)
    notice = message.metadata.get("notice")
    if notice:
        extra += f'<p style="color:{muted};"><i>{html.escape(str(notice))}</i></p>'
    links = []
    if version is not None:
        place, count = version
        # big unadorned arrows; the spaces around them widen what a click can hit
        arrow = 'style="text-decoration:none; font-size:large; font-weight:bold;"'
        back, forward = "&nbsp;❮&nbsp;", "&nbsp;❯&nbsp;"
        older = f'<a href="action:older-version" {arrow}>{back}</a>'
        newer = f'<a href="action:newer-version" {arrow}>{forward}</a>'
        if place == 1:
            older = f"<span {arrow}>{back}</span>"
        if place == count:
            newer = f"<span {arrow}>{forward}</span>"
        links.append(f'<span style="color:{muted};">{older}{place} / {count}{newer}</span>')
    if not streaming:
        if message.content:
            links.append(icon_link("copy", "Copy message"))
        if message.role is Role.USER:
            links.append(icon_link("edit", "Edit: send it again changed (the original is kept)"))
        elif message.role is Role.ASSISTANT and last:
            links += _reply_actions(message)
    footer = ""
    if links:
        footer = f'<p style="margin-top:6px; font-size:small;">{" &nbsp; ".join(links)}</p>'
    return head + files + body + extra + footer, rendered.code_blocks if rendered else ()


ACTION_ICONS = {"copy": "copy", "edit": "pencil", "regenerate": "refresh-cw", "delete": "trash-2"}
"""The line icon (resources/icons) each message action is drawn with."""
ACTION_ICON_SIDE = 16


def icon_url(action: str) -> str:
    """The name a message action's icon goes by in the message's document."""
    return f"icon:{ACTION_ICONS[action]}"


def icon_link(action: str, tip: str, text: str = "") -> str:
    """A message action as an icon, named in its tooltip (`title`), with `text` after it."""
    side = ACTION_ICON_SIDE
    words = f"&nbsp;{html.escape(text)}" if text else ""
    return (
        f'<a href="action:{action}" title="{html.escape(tip)}" style="text-decoration:none;">'
        f'<img src="{icon_url(action)}" width="{side}" height="{side}">{words}</a>'
    )


def note_html(note: Note, muted: str) -> str:
    """A note under its message's text: a bar of its highlight's colour, the text it
    highlights, its words, and Edit and Delete (links `note-edit:ID`, `note-delete:ID`)."""
    from domain.notes import HIGHLIGHTS

    side = ACTION_ICON_SIDE - 2
    quote = f'<span style="color:{muted};"><i>“{html.escape(note.quote)}”</i></span>'
    words = html.escape(note.text).replace("\n", "<br>")
    if not note.quote:
        quote = ""
    elif words:
        quote += "<br>"
    links = "".join(
        f'&nbsp;&nbsp;<a href="note-{action}:{note.id}" title="{tip}" '
        f'style="text-decoration:none;"><img src="{icon_url(action)}" width="{side}" '
        f'height="{side}"></a>'
        for action, tip in (("edit", "Edit the note"), ("delete", "Delete the note"))
    )
    return (
        '<table cellspacing="0" cellpadding="0" style="margin-top:6px; margin-bottom:2px;">'
        f'<tr><td width="3" style="background-color:{HIGHLIGHTS[note.colour]};"></td>'
        f'<td style="padding-left:8px; font-size:small;">{quote}{words}{links}</td></tr>'
        "</table>"
    )


def usage_line(message: Message) -> str:
    """A reply's tokens in and out, cost and speed, as its head shows them ('~': Primer's
    estimate, the server reported none)."""
    from domain.usage import Timing, dollars  # (not before the window's first paint)

    tokens_in, tokens_out = message.input_tokens, message.output_tokens
    if message.role is not Role.ASSISTANT or tokens_in is None or tokens_out is None:
        return ""
    mark = "~" if message.metadata.get("estimated_tokens") else ""
    parts = [f"{mark}{tokens_in:,} in", f"{mark}{tokens_out:,} out"]
    if message.cost:
        parts.append(dollars(message.cost))
    seconds, first = message.metadata.get("seconds"), message.metadata.get("first_token_seconds")
    if isinstance(seconds, int | float) and isinstance(first, int | float):
        speed = Timing(first, seconds).tokens_per_second(tokens_out)
        if speed is not None:
            parts.append(f"{speed:,.0f} tokens/s")
    return " · ".join(parts)


def picture_url(attachment: Attachment) -> str:
    """The name a picture's thumbnail goes by in the message's document."""
    return f"thumbnail:{attachment.sha256}"


def _attachments(attachments: tuple[Attachment, ...], muted: str) -> str:
    """Pictures as thumbnails, other files as a line each; a click opens them."""
    pictures, others = [], []
    for number, attachment in enumerate(attachments):
        file = attachment.file
        name = html.escape(attachment.name)
        if file.kind is FileKind.IMAGE and file.thumbnail and file.width and file.height:
            scale = min(1.0, PICTURE_SIDE / max(file.width, file.height))
            width, height = max(1, round(file.width * scale)), max(1, round(file.height * scale))
            pictures.append(
                f'<a href="file:open:{number}" title="{name}"><img src="{picture_url(attachment)}"'
                f' width="{width}" height="{height}"></a>'
            )
        else:
            kind = {FileKind.PDF: "PDF", FileKind.TEXT: "Text"}.get(file.kind, "File")
            others.append(
                f'<img src="{FILE_ICON_URL}" width="14" height="14">&nbsp;'
                f'<a href="file:open:{number}">{name}</a>'
                f'<span style="color:{muted};"> · {kind}, {size_text(file.size)} · </span>'
                f'<a href="file:save:{number}">Save…</a>'
            )
    markup = ""
    if pictures:
        markup += f"<p>{'&nbsp;'.join(pictures)}</p>"
    if others:
        markup += f'<p style="font-size:small;">{"<br>".join(others)}</p>'
    return markup


def _reply_actions(message: Message) -> list[str]:
    """Retry where trying again can help; where it cannot, the way to what must change."""
    failed = message.status is MessageStatus.ERROR
    if failed and not message.metadata.get("retryable", True):
        if message.metadata.get("error_kind") == "auth":
            return ['<a href="action:settings">Set the API key…</a>']
        return []  # the message says what to change (another model, another prompt)
    retry = failed or (
        message.status is MessageStatus.INTERRUPTED and not message.metadata.get("stopped")
    )
    if retry:  # worth a word: the reply did not come
        return [icon_link("regenerate", "Try again", "Retry")]
    return [icon_link("regenerate", "Regenerate: a new version of this reply (Ctrl+R)")]
