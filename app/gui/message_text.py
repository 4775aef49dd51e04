"""Where a message's own text lies in its document (between the name that heads it and
the row of actions under it), and the cursors the delegate draws selections and found
words with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAbstractTextDocumentLayout, QTextDocument

if TYPE_CHECKING:
    from PySide6.QtGui import QTextCursor


def cursor(document: QTextDocument, start: int, end: int) -> QTextCursor:
    """A cursor over `start`..`end`, kept inside the text (it may have changed since)."""
    from PySide6.QtGui import QTextCursor

    last = document.characterCount() - 1
    cursor = QTextCursor(document)
    cursor.setPosition(min(start, last))
    cursor.setPosition(min(end, last), QTextCursor.MoveMode.KeepAnchor)
    return cursor


def has_actions(document: QTextDocument) -> bool:
    """Whether the document ends with a row of actions (the only block whose links are
    `action:`s) under the message's text."""
    last = document.lastBlock()
    if last == document.firstBlock():
        return False
    iterator = last.begin()
    while not iterator.atEnd():
        if iterator.fragment().charFormat().anchorHref().startswith("action:"):
            return True
        iterator += 1
    return False


def text_range(document: QTextDocument) -> tuple[int, int]:
    """Where the message's own text lies in its document: after the name that heads it and
    before the row of actions under it."""
    heading, last = document.firstBlock(), document.lastBlock()
    end = last.position() - 1 if has_actions(document) else document.characterCount() - 1
    start = heading.next().position() if heading.next().isValid() else end
    return start, max(start, end)


def found(document: QTextDocument, terms: tuple[str, ...]) -> list[QTextCursor]:
    """Every place in the document where one of `terms` begins a word (any case)."""
    from PySide6.QtGui import QTextCursor

    found: list[QTextCursor] = []
    for term in terms:
        cursor = QTextCursor(document)
        while not (cursor := document.find(term, cursor)).isNull():
            found.append(cursor)
    return found


def selection(
    cursor: QTextCursor, background: Any, foreground: Any
) -> QAbstractTextDocumentLayout.Selection:
    from PySide6.QtGui import QTextCharFormat

    selection = QAbstractTextDocumentLayout.Selection()
    selection.cursor = cursor
    selection.format = QTextCharFormat()
    selection.format.setBackground(background)
    if foreground is not None:
        selection.format.setForeground(foreground)
    return selection


def quote_cursor(document: QTextDocument, quote: str) -> QTextCursor | None:
    """Where a note's highlighted text is, in the message's own text: its first place
    (None when it is not there, as drawn)."""
    if not quote:
        return None
    start, end = text_range(document)
    place = document.find(quote, start)
    if place.isNull() or place.selectionEnd() > end:
        return None
    return place
