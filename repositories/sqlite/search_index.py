"""Search over the store's own FTS5 indexes (migrations_sqlite/0009_search.sql, and 0010
which makes a message's rowid its time key).

Newest first walks the word index backwards by rowid, which FTS5 gives in order, and
stops at the page: a word in most of a million messages answers as fast as a rare one.
Snippets are made for the page shown only. Best match ranks the newest
`BEST_MATCH_CAP` matches by bm25.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from domain.entities import Role
from domain.meaning import CHUNK, FILE, MESSAGE, NOTE, TITLE, Source
from domain.search import BEST_MATCH_CAP, Filters, Hit, Order, Query, Results, Term
from repositories.sqlite.chat_repository import CARRIES_TAG
from repositories.sqlite.store import parse_time, time_text

OPEN, CLOSE, ELLIPSIS = "«", "»", "…"
TITLE_HITS = 5
_SNIPPET_WORDS = 14
_MEANING_SNIPPET = 160
"""Characters of a message's start a hit by meaning shows."""
_PREFIX_WORDS = 64
_SUBSTRING_CONTEXT = 60
_WORD = re.compile(r"[^\W_]+")
"""A word as the word index cuts text (unicode61: letters and digits)."""
KEYED_FROM = 1 << 39
"""Rowids below this are messages stored before migration 0010 that are not keyed yet
(nor indexed); the same bound is in its triggers."""
CJK_GLOB = "*[⺀-鿿가-힯豈-﫿぀-ヿ]*"
"""The messages the trigram index holds (the same test as migration 0009's triggers)."""


def _like(term: Term) -> str:
    escaped = term.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _folded(text: str) -> str:
    """As the word index keeps its words: lower case, accents off."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class SqliteSearchIndex:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def _spell(self, term: Term) -> str:
        """A one-word prefix as the words the index holds that begin with it, most used
        first (FTS5 merges a prefix's word lists whole before the first result; an OR of
        the words gives the newest matches at once)."""
        folded = _folded(term.text)
        if not (term.prefix and folded.isalnum()):
            return term.fts()
        words = self._db.execute(
            "SELECT term FROM temp.messages_words WHERE term >= ? AND term < ?"
            " ORDER BY doc DESC LIMIT ?",
            (folded, folded + "\U0010ffff", _PREFIX_WORDS),
        ).fetchall()
        if not words:
            return term.fts()  # (nothing begins so: FTS5 finds nothing either)
        return "(" + " OR ".join(Term(word).fts() for (word,) in words) + ")"

    def _loose(self, term: Term) -> str:
        """A term's words, each anywhere in the message (a phrase's, not in order)."""
        words = _WORD.findall(term.text)
        if term.prefix or len(words) < 2:
            return self._spell(term)
        return "(" + " AND ".join(Term(word).fts() for word in words) + ")"

    # ---------------------------------------------------------------- indexing
    def indexed(self) -> float:
        """How much of what was stored before messages were keyed by time is indexed."""
        total, done = self._db.execute("SELECT total, done FROM search_backfill").fetchone()
        return 1.0 if done >= total else done / total

    def index_some(self, rows: int) -> float:
        """Key, and so index, up to `rows` more of the messages stored before they were
        keyed by time, newest stored first; the share indexed then. The caller commits."""
        total, done = self._db.execute("SELECT total, done FROM search_backfill").fetchone()
        if done >= total:
            return 1.0
        chunk = self._db.execute(
            "SELECT rowid FROM messages WHERE rowid < ? ORDER BY rowid DESC LIMIT ?",
            (KEYED_FROM, rows),
        ).fetchall()
        # Asking for a key (migration 0010's message_keys) keys and indexes the message.
        self._db.executemany("UPDATE message_keys SET key = NULL WHERE key = ?", chunk)
        # (fewer than asked for: none left; rows deleted meanwhile are never keyed)
        done = total if len(chunk) < rows else min(total, done + len(chunk))
        self._db.execute("UPDATE search_backfill SET done = ?", (done,))
        return 1.0 if done >= total else done / total

    # ---------------------------------------------------------------- searching
    def search(
        self, query: Query, filters: Filters, order: Order, limit: int, parts_window: int | None
    ) -> Results:
        # The index's words, for prefixes and parts of words (made here, not with every
        # unit of work: most never search)
        for index in ("messages", "files"):
            self._db.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{index}_words"
                f" USING fts5vocab(main, {index}_fts, row)"
            )
        hits: list[Hit] = []
        if not filters.about_messages:  # (titles first in both orders: they weigh most)
            hits += self._titles(query, filters)
        fragments = tuple(term for term in query.required if self._fragment(term))
        words = Query(tuple(t for t in query.required if t not in fragments), query.excluded)
        match = words.word_match(self._spell)
        window = parts_window if fragments else None
        page, capped = self._message_page(query, fragments, match, filters, order, limit, window)
        found = self._message_hits(query, fragments, page)
        if match is not None and not fragments:  # words of attached files, too
            found = _with(found, self._file_hits(query, filters, limit), order, limit)
        # and of notes, whole words, whether or not the messages have them
        found = _with(found, self._note_hits(query, filters, limit), order, limit)
        return Results(hits + found, capped, inside_words_of=window or 0)

    def _fragment(self, term: Term) -> bool:
        """`*part`, or a word that is no whole word anywhere (part of one, as "atabas" of
        "database"): looked for inside the words of the messages themselves."""
        folded = _folded(term.text)
        if term.inside and not term.substring:
            return True
        return (
            not term.prefix
            and not term.substring
            and folded.isalnum()
            and self._db.execute(
                "SELECT 1 FROM temp.messages_words WHERE term = ? UNION ALL"
                " SELECT 1 FROM temp.files_words WHERE term = ?",
                (folded, folded),
            ).fetchone()
            is None
        )

    def _message_page(
        self,
        query: Query,
        fragments: tuple[Term, ...],
        match: str | None,
        filters: Filters,
        order: Order,
        limit: int,
        parts_window: int | None,
    ) -> tuple[list[tuple[int, str | None]], bool]:
        """(rowid, snippet) of the page's messages, and whether best match was capped.
        Snippets are made in the query that picks the page: SQLite then makes them for
        the rows it returns only (asked for afterwards by rowid, a prefix's dozens of
        words cost each a seek per row)."""
        conditions, values = _filters(filters)
        for term in query.required + query.excluded:
            if term.substring:
                condition, value = _substring(term)
                negated = term in query.excluded
                conditions.append(f"NOT ({condition})" if negated else condition)
                values.append(value)
        for term in fragments:
            conditions.append("m.content LIKE ? ESCAPE '\\'")
            values.append(_like(term))
        if parts_window is not None:  # the newest written (and keyed)
            conditions.append(
                "m.rowid >= coalesce((SELECT rowid FROM messages ORDER BY rowid DESC"
                " LIMIT 1 OFFSET ?), 0)"
            )
            values.append(parts_window - 1)
        where = " AND ".join(["c.deleted_at IS NULL", *conditions])
        if match is not None:
            source = "messages_fts f JOIN messages m ON m.rowid = f.rowid"
            where = f"messages_fts MATCH ? AND {where}"
            values.insert(0, match)
            newest = "f.rowid"
            snippet = (
                f"snippet(messages_fts, 0, '{OPEN}', '{CLOSE}', '{ELLIPSIS}', {_SNIPPET_WORDS})"
            )
        elif any(term.substring for term in query.required):  # the trigram index's messages
            source = "messages_cjk_docsize s CROSS JOIN messages m ON m.rowid = s.id"
            newest, snippet = "s.id", "NULL"
        else:  # parts of words only: the newest messages, read
            source, newest, snippet = "messages m", "m.rowid", "NULL"
        # Without the word index the messages lead, newest first (CROSS JOIN keeps them
        # ahead of chats: led by the chats, SQLite read every message of each).
        chats = "JOIN" if match is not None else "CROSS JOIN"
        rows_from = f"FROM {source} {chats} chats c ON c.id = m.chat_id WHERE {where}"
        if order is Order.NEWEST or match is None:
            page = self._db.execute(
                f"SELECT {newest}, {snippet} {rows_from} ORDER BY {newest} DESC LIMIT ?",
                (*values, limit),
            )
            return page.fetchall(), False
        # Best match: bm25 over the newest BEST_MATCH_CAP matches only, found among the
        # newest 2 x BEST_MATCH_CAP messages that have the words, in any order (a filter
        # that passes few, or a phrase of two common words, does not send the scan through
        # the whole history); the oldest bounds the rowids the ranked query reads.
        loose = Query(tuple(t for t in query.required if t not in fragments))
        floor = self._db.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?"
            " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (loose.word_match(self._loose), 2 * BEST_MATCH_CAP - 1),
        ).fetchone()
        lowest = floor[0] if floor else 0
        bound = self._db.execute(
            f"SELECT {newest} {rows_from} AND {newest} >= ?"
            f" ORDER BY {newest} DESC LIMIT 2 OFFSET ?",
            (*values, lowest, BEST_MATCH_CAP - 1),
        ).fetchall()
        page = self._db.execute(
            f"SELECT {newest}, {snippet} {rows_from} AND {newest} >= ? ORDER BY f.rank LIMIT ?",
            (*values, bound[0][0] if bound else lowest, limit),
        )
        return page.fetchall(), len(bound) == 2 or floor is not None

    def _message_hits(
        self, query: Query, fragments: tuple[Term, ...], page: list[tuple[int, str | None]]
    ) -> list[Hit]:
        if not page:
            return []
        marks = ", ".join("?" * len(page))
        rows = self._db.execute(
            "SELECT m.rowid, m.id, m.chat_id, c.title, m.role, m.provider, m.model,"
            " m.created_at, m.content FROM messages m JOIN chats c ON c.id = m.chat_id"
            f" WHERE m.rowid IN ({marks})",
            [rowid for rowid, _ in page],
        ).fetchall()
        by_rowid = {row[0]: row for row in rows}
        hits = []
        for rowid, snippet in page:
            _, message_id, chat_id, title, role, provider, model, created, content = by_rowid[rowid]
            hits.append(Hit(chat_id, title, message_id, Role(role), provider, model,
                            parse_time(created),  # type: ignore[arg-type]
                            snippet or _text_snippet(content, query, fragments)))  # fmt: skip
        return hits

    def _file_hits(self, query: Query, filters: Filters, limit: int) -> list[Hit]:
        """Messages whose attached files have the words, newest first; the snippet names
        the file."""
        match = query.word_match()
        if match is None:
            return []
        where, values = _live(filters)
        rows = self._db.execute(
            "SELECT m.id, m.chat_id, c.title, m.role, m.provider, m.model, m.created_at, a.name,"
            f" snippet(files_fts, 0, '{OPEN}', '{CLOSE}', '{ELLIPSIS}', {_SNIPPET_WORDS})"
            " FROM files_fts JOIN files f ON f.rowid = files_fts.rowid"
            " JOIN attachments a ON a.sha256 = f.sha256 JOIN messages m ON m.id = a.message_id"
            f" JOIN chats c ON c.id = m.chat_id WHERE files_fts MATCH ? AND {where}"
            " ORDER BY m.created_at DESC LIMIT ?",
            (match, *values, limit),
        )
        hits = []
        for message_id, chat_id, title, role, provider, model, created, name, snippet in rows:
            when: datetime = parse_time(created)  # type: ignore[assignment]
            hits.append(Hit(chat_id, title, message_id, Role(role), provider, model, when,
                            f"{name}: {snippet}"))  # fmt: skip
        return hits

    def _note_hits(self, query: Query, filters: Filters, limit: int) -> list[Hit]:
        """Messages whose notes have the words, newest message first; the snippet says
        it is a note (its words, or the text it highlights)."""
        match = query.word_match()
        if match is None:
            return []
        where, values = _live(filters)
        rows = self._db.execute(
            "SELECT m.id, m.chat_id, c.title, m.role, m.provider, m.model, m.created_at,"
            f" snippet(notes_fts, -1, '{OPEN}', '{CLOSE}', '{ELLIPSIS}', {_SNIPPET_WORDS})"
            " FROM notes_fts JOIN notes n ON n.rowid = notes_fts.rowid"
            " JOIN messages m ON m.id = n.message_id JOIN chats c ON c.id = m.chat_id"
            f" WHERE notes_fts MATCH ? AND n.deleted_at IS NULL AND {where}"
            " ORDER BY m.created_at DESC LIMIT ?",
            (match, *values, limit),
        )
        hits = []
        for message_id, chat_id, title, role, provider, model, created, snippet in rows:
            when: datetime = parse_time(created)  # type: ignore[assignment]
            hits.append(Hit(chat_id, title, message_id, Role(role), provider, model, when,
                            f"Note: {snippet}"))  # fmt: skip
        return hits

    def hits_for(
        self, found_near: Sequence[tuple[Source, int]], filters: Filters
    ) -> list[tuple[Source, Hit]]:
        """What search by meaning found (each source with the chunk nearest), as hits in
        that order, those the filters or a deleted chat leave out left out: a message's
        snippet is the start of its chunk nearest, a note's says it is a note, a file's
        names the file, a title's is its chat."""
        sources = [source for source, _ in found_near]
        wanted: dict[str, list[str]] = {}
        for source in sources:
            wanted.setdefault(source.kind, []).append(source.item)
        where, values = _live(filters)
        found: dict[Source, Hit] = {}
        columns = "m.id, m.chat_id, c.title, m.role, m.provider, m.model, m.created_at"
        cut = _MEANING_SNIPPET + 1
        joined = "CROSS JOIN chats c ON c.id = m.chat_id"  # (CROSS JOIN: the few ids first)
        starts = [(int(s.item), 1 + part * CHUNK) for s, part in found_near if s.kind == MESSAGE]
        if starts:
            rows = self._db.execute(
                f"WITH wanted (number, start) AS (VALUES {', '.join('(?, ?)' for _ in starts)})"
                f" SELECT m.rowid, {columns}, w.start, substr(m.content, w.start, {cut})"
                f" FROM wanted w CROSS JOIN messages m ON m.rowid = w.number {joined}"
                f" WHERE {where}",
                (*[value for pair in starts for value in pair], *values),
            ).fetchall()
            for number, *row, start, text in rows:  # (a later chunk: from its first word)
                text = ELLIPSIS + text.split(maxsplit=1)[-1] if start > 1 else text
                found[Source(MESSAGE, str(number))] = _meaning_hit(row, text)
        for kind, select, prefix in (
            (NOTE, f"SELECT n.id, {columns}, n.text || ' ' || n.quote FROM notes n"
                   f" CROSS JOIN messages m ON m.id = n.message_id {joined}"
                   " WHERE n.id IN ({marks}) AND n.deleted_at IS NULL", "Note: "),
            (FILE, f"SELECT a.sha256, {columns}, a.name || ': ' || substr(f.text, 1, {cut})"
                   " FROM files f"
                   " CROSS JOIN attachments a ON a.sha256 = f.sha256"
                   f" CROSS JOIN messages m ON m.id = a.message_id {joined}"
                   " WHERE f.sha256 IN ({marks})", ""),
        ):  # fmt: skip
            items = wanted.get(kind, [])
            marks = ", ".join("?" for _ in items)
            rows = self._db.execute(
                f"{select.format(marks=marks)} AND {where} ORDER BY m.created_at",
                (*items, *values),
            ).fetchall() if items else []  # fmt: skip
            for item, *row, text in rows:  # (a file attached twice: its newest message)
                found[Source(kind, str(item))] = _meaning_hit(row, prefix + text)
        titles = wanted.get(TITLE, []) if not filters.about_messages else []
        if titles:
            rows = self._db.execute(
                "SELECT c.id, c.title, c.provider, c.model, c.updated_at FROM chats c"
                f" WHERE c.id IN ({', '.join('?' for _ in titles)}) AND {where}",
                (*titles, *values),
            )
            for chat_id, title, provider, model, updated in rows:
                when: datetime = parse_time(updated)  # type: ignore[assignment]
                found[Source(TITLE, chat_id)] = Hit(chat_id, title, None, None, provider, model,
                                                    when, title)  # fmt: skip
        return [(source, found[source]) for source in sources if source in found]

    def _titles(self, query: Query, filters: Filters) -> list[Hit]:
        match = query.word_match()
        if match is None:
            return []
        where, values = _live(filters)
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


def _meaning_hit(row: Sequence, text: str) -> Hit:
    """A message's hit by meaning: the start of the text it was found by."""
    message_id, chat_id, title, role, provider, model, created = row
    snippet = " ".join(text[:_MEANING_SNIPPET].split())
    more = ELLIPSIS if len(text) > _MEANING_SNIPPET else ""
    when: datetime = parse_time(created)  # type: ignore[assignment]
    return Hit(chat_id, title, message_id, Role(role), provider, model, when, snippet + more)


def _with(hits: list[Hit], more: list[Hit], order: Order, limit: int) -> list[Hit]:
    """Message hits and file hits as one page: newest first, or the messages' ranking
    with the files' after it; a message found both ways, once."""
    seen = {hit.message_id for hit in hits}
    more = [hit for hit in more if hit.message_id not in seen]
    if order is not Order.NEWEST:
        return (hits + more)[:limit]
    merged: list[Hit] = []  # (the messages' own order kept: their time keys order them)
    for hit in hits:
        while more and more[0].created_at > hit.created_at:
            merged.append(more.pop(0))
        merged.append(hit)
    return (merged + more)[:limit]


def _live(filters: Filters) -> tuple[str, list[object]]:
    """The WHERE of chats not deleted that pass the filters (`c` the chat, `m` a message)."""
    conditions, values = _filters(filters)
    return " AND ".join(["c.deleted_at IS NULL", *conditions]), values


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
        (CARRIES_TAG.format("c"), filters.tag),
    )
    for condition, value in (*message_filters, *chat_filters):
        if value is not None:
            conditions.append(condition)
            values.append(value)
    return conditions, values


def _substring(term: Term) -> tuple[str, str]:
    """A condition on `m` for a term matched inside words, and its value: the trigram
    index finds three characters or more; shorter ones are looked for in the messages it
    holds (those with such text), not in every message."""
    if len(term.text) >= 3:
        return "m.rowid IN (SELECT rowid FROM messages_cjk WHERE messages_cjk MATCH ?)", term.fts()
    return (
        "m.rowid IN (SELECT id FROM messages_cjk_docsize) AND m.content LIKE ? ESCAPE '\\'",
        _like(term),
    )


def _text_snippet(content: str, query: Query, fragments: tuple[Term, ...]) -> str:
    """Around the first term found inside words (Chinese text, a part of a word), each
    such term marked."""
    terms = [t.text for t in query.required if t.substring] + [t.text for t in fragments]
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    first = pattern.search(content) if terms else None
    start = max(0, first.start() - _SUBSTRING_CONTEXT) if first else 0
    end = start + 3 * _SUBSTRING_CONTEXT
    piece = content[start:end]
    if terms:
        piece = pattern.sub(lambda found: f"{OPEN}{found.group(0)}{CLOSE}", piece)
    return (ELLIPSIS if start else "") + piece + (ELLIPSIS if end < len(content) else "")
