"""Find messages and chats by what was written in them; and index the history that was
stored before search existed, a chunk at a time."""

from __future__ import annotations

from dataclasses import replace

from domain.ports import UnitOfWorkFactory
from domain.search import PARTS_WINDOW, Filters, Order, Results, parse_query

PAGE = 50


class SearchMessages:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(
        self,
        text: str,
        filters: Filters | None = None,
        order: Order = Order.NEWEST,
        limit: int = PAGE,
        *,
        everywhere: bool = False,
    ) -> Results:
        """`filters.chat_id` may be an id or a prefix of one (an unknown one raises).
        `everywhere`: parts of words in all messages, not the newest `PARTS_WINDOW`."""
        query = parse_query(text)
        filters = filters or Filters()
        with self._uow_factory() as uow:
            if filters.chat_id is not None:
                filters = replace(filters, chat_id=uow.chats.resolve_id(filters.chat_id))
            indexed = uow.search.indexed()
            if query.empty or limit <= 0:
                return Results(indexed=indexed)
            window = None if everywhere else PARTS_WINDOW
            found = uow.search.search(query, filters, order, limit, window)
        return replace(found, indexed=indexed)


class IndexHistory:
    ROWS = 2_000
    """A chunk small enough to keep the store's thread free for the person (~50 ms)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, rows: int = ROWS) -> float:
        """Index one more chunk; how much of the history is indexed now (1.0: all)."""
        with self._uow_factory() as uow:
            indexed = uow.search.index_some(rows)
            uow.commit()
        return indexed
