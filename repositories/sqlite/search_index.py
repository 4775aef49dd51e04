"""Search over the store's own FTS5 indexes (migrations_sqlite/0009_search.sql).

Newest first walks the word index backwards by rowid, which FTS5 gives in order, and
stops at the page: a word in most of a million messages answers as fast as a rare one.
Snippets are made for the page shown only. Best match ranks the newest
`BEST_MATCH_CAP` matches by bm25.
"""

from __future__ import annotations

import sqlite3

from domain.entities import Role
from domain.search import BEST_MATCH_CAP, Filters, Hit, Order, Query, Term
from repositories.sqlite.store import parse_time, time_text

OPEN, CLOSE, ELLIPSIS = "«", "»", "…"
TITLE_HITS = 5
_SNIPPET_WORDS = 14
_SUBSTRING_CONTEXT = 60
_SUBSTRING_ROWIDS = "SELECT rowid FROM messages_cjk WHERE content LIKE ? ESCAPE '\\'"


def _like(term: Term) -> str:
    escaped = term.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqliteSearchIndex:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    # ---------------------------------------------------------------- indexing
    def indexed(self) -> float:
        """How much of what was stored before search existed is indexed (1.0: all)."""
        up_to, done_to = self._db.execute("SELECT up_to, done_to FROM search_backfill").fetchone()
        return 1.0 if done_to >= up_to else done_to / up_to

    def index_some(self, rows: int) -> float:
        """Index up to `rows` more of the messages stored before search existed; the
        share indexed afterwards. The caller commits."""
        up_to, done_to = self._db.execute("SELECT up_to, done_to FROM search_backfill").fetchone()
        if done_to >= up_to:
            return 1.0
        end = min(up_to, done_to + rows)
        self._db.execute(
            "INSERT INTO messages_fts (rowid, content) SELECT rowid, content FROM messages"
            " WHERE rowid > ? AND rowid <= ?",
            (done_to, end),
        )
        self._db.execute(
            "INSERT INTO messages_cjk (rowid, content) SELECT rowid, content FROM messages"
            " WHERE rowid > ? AND rowid <= ? AND content GLOB '*[⺀-鿿가-힯豈-﫿぀-ヿ]*'",
            (done_to, end),
        )
        self._db.execute("UPDATE search_backfill SET done_to = ?", (end,))
        return 1.0 if end >= up_to else end / up_to

    # ---------------------------------------------------------------- searching
    def search(
        self, query: Query, filters: Filters, order: Order, limit: int
    ) -> tuple[list[Hit], bool]:
        """The page of hits, and whether best match ranked only the newest matches."""
        hits: list[Hit] = []
        if not filters.about_messages and order is Order.NEWEST:
            hits += self._titles(query, filters)
        rowids, capped = self._message_rowids(query, filters, order, limit)
        hits += self._message_hits(query, rowids)
        return hits, capped

    def _message_rowids(
        self, query: Query, filters: Filters, order: Order, limit: int
    ) -> tuple[list[int], bool]:
        match = query.word_match()
        conditions, values = _filters(filters)
        for term, kind in [(t, "IN") for t in query.required] + [
            (t, "NOT IN") for t in query.excluded
        ]:
            if term.substring:
                conditions.append(f"m.rowid {kind} ({_SUBSTRING_ROWIDS})")
                values.append(_like(term))
        where = " AND ".join(["c.deleted_at IS NULL", *conditions])
        if match is not None:
            source = "messages_fts f JOIN messages m ON m.rowid = f.rowid"
            where = f"messages_fts MATCH ? AND {where}"
            values.insert(0, match)
            newest = "f.rowid"
        else:  # substring terms only: the trigram index's messages, newest first
            source = "messages m"
            newest = "m.rowid"
        base = f"SELECT {newest} FROM {source} JOIN chats c ON c.id = m.chat_id WHERE {where}"
        if order is Order.NEWEST or match is None:
            rows = self._db.execute(f"{base} ORDER BY {newest} DESC LIMIT ?", (*values, limit))
            return [row[0] for row in rows], False
        candidates = [row[0] for row in self._db.execute(
            f"{base} ORDER BY {newest} DESC LIMIT ?", (*values, BEST_MATCH_CAP)
        )]  # fmt: skip
        if not candidates:
            return [], False
        marks = ", ".join("?" * len(candidates))
        ranked = self._db.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?"
            f" AND rowid IN ({marks}) ORDER BY rank LIMIT ?",
            (match, *candidates, limit),
        )
        page = [row[0] for row in ranked]
        return page, len(candidates) == BEST_MATCH_CAP

    def _message_hits(self, query: Query, rowids: list[int]) -> list[Hit]:
        if not rowids:
            return []
        marks = ", ".join("?" * len(rowids))
        rows = self._db.execute(
            "SELECT m.rowid, m.id, m.chat_id, c.title, m.role, m.provider, m.model,"
            " m.created_at, m.content FROM messages m JOIN chats c ON c.id = m.chat_id"
            f" WHERE m.rowid IN ({marks})",
            rowids,
        ).fetchall()
        snippets = self._snippets(query, rowids)
        by_rowid = {row[0]: row for row in rows}
        hits = []
        for rowid in rowids:
            _, message_id, chat_id, title, role, provider, model, created, content = by_rowid[rowid]
            snippet = snippets.get(rowid) or _substring_snippet(content, query)
            hits.append(Hit(chat_id, title, message_id, Role(role), provider, model,
                            parse_time(created), snippet))  # type: ignore[arg-type]  # fmt: skip
        return hits

    def _snippets(self, query: Query, rowids: list[int]) -> dict[int, str]:
        match = query.word_match()
        if match is None:
            return {}
        marks = ", ".join("?" * len(rowids))
        rows = self._db.execute(
            f"SELECT rowid, snippet(messages_fts, 0, ?, ?, ?, {_SNIPPET_WORDS})"
            f" FROM messages_fts WHERE messages_fts MATCH ? AND rowid IN ({marks})",
            (OPEN, CLOSE, ELLIPSIS, match, *rowids),
        )
        return {row[0]: row[1] for row in rows}

    def _titles(self, query: Query, filters: Filters) -> list[Hit]:
        match = query.word_match()
        if match is None:
            return []
        conditions, values = _filters(filters)
        where = " AND ".join(["c.deleted_at IS NULL", *conditions])
        rows = self._db.execute(
            "SELECT c.id, c.title, c.provider, c.model, c.updated_at,"
            " highlight(chats_fts, 0, ?, ?) FROM chats_fts JOIN chats c"
            f" ON c.rowid = chats_fts.rowid WHERE chats_fts MATCH ? AND {where}"
            " ORDER BY c.updated_at DESC LIMIT ?",
            (OPEN, CLOSE, match, *values, TITLE_HITS),
        )
        return [
            Hit(row[0], row[1], None, None, row[2], row[3], parse_time(row[4]), row[5])  # type: ignore[arg-type]
            for row in rows
        ]


def _filters(filters: Filters) -> tuple[list[str], list[object]]:
    """SQL conditions on `m` (messages) and `c` (chats) for the filters that are set."""
    conditions: list[str] = []
    values: list[object] = []
    message_filters = (
        ("m.created_at >= ?", time_text(filters.since)),
        ("m.created_at < ?", time_text(filters.before)),
        ("m.role = ?", filters.role.value if filters.role else None),
    )
    chat_filters = (
        ("c.id = ?", filters.chat_id),
        ("c.provider = ?", filters.provider),
        ("c.model = ?", filters.model),
        ("c.pinned = ?", None if filters.pinned is None else int(filters.pinned)),
    )
    for condition, value in (*message_filters, *chat_filters):
        if value is not None:
            conditions.append(condition)
            values.append(value)
    return conditions, values


def _substring_snippet(content: str, query: Query) -> str:
    """Around the first substring term found, each of them marked (the trigram path)."""
    terms = [t.text for t in query.required if t.substring]
    lowered = content.lower()
    found = [(lowered.find(t.lower()), t) for t in terms if t.lower() in lowered]
    if not found:
        return content[: 2 * _SUBSTRING_CONTEXT]
    start = max(0, min(place for place, _ in found) - _SUBSTRING_CONTEXT)
    piece = content[start : start + 3 * _SUBSTRING_CONTEXT]
    for _, term in found:
        piece = piece.replace(term, f"{OPEN}{term}{CLOSE}")
    return (
        (ELLIPSIS if start else "")
        + piece
        + (ELLIPSIS if start + 3 * _SUBSTRING_CONTEXT < len(content) else "")
    )
