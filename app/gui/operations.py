"""The one way the window runs work: in the spirit of Anki's `CollectionOp`.

    Op(primer.delete_chat, chat_id).success(deleted).on_store(self.lane)
    Op(primer.providers.key_sources).success(show).on_network(self.dispatcher)

`on_store` runs the job on the database lane (everything that touches SQLite), `on_network`
on a worker of its own (providers, the backup database, the keyring). Either way the
result, or the known failure (`PrimerError`), comes back on the GUI thread, to `success`
and `failure` (default: the owner's usual handling of errors); a bug goes to the crash
dialog. The job must never touch a widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from PySide6.QtCore import QObject

from app.gui.dispatch import Dispatcher, Lane, OnError, run_in_thread

T = TypeVar("T")


class Op(Generic[T]):
    def __init__(self, job: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        self._job = job
        self._args = args
        self._kwargs = kwargs
        self._on_done: Callable[[T], None] | None = None
        self._on_error: OnError | None = None
        self._for: QObject | None = None

    def success(self, on_done: Callable[[T], None]) -> Self:
        self._on_done = on_done
        return self

    def failure(self, on_error: OnError) -> Self:
        self._on_error = on_error
        return self

    def for_widget(self, widget: QObject) -> Self:
        """The result is for this widget (a dialog): dropped if it is gone by then."""
        self._for = widget
        return self

    def on_store(self, lane: Lane) -> None:
        """On the database lane: the one thread that uses SQLite."""
        lane.run(self._call, self._while_there(self._on_done),
                 self._while_there(self._on_error))  # fmt: skip

    def _while_there(self, then: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
        widget = self._for
        if then is None or widget is None:
            return then

        def deliver(value: Any) -> None:
            import shiboken6

            if shiboken6.isValid(widget):
                then(value)

        return deliver

    def on_network(self, dispatcher: Dispatcher, *, fallback: OnError) -> None:
        """On a worker thread of its own; `fallback` handles a failure without `failure`."""
        run_in_thread(dispatcher, self._call, self._on_done or _ignore, self._on_error or fallback)

    def _call(self) -> T:
        return self._job(*self._args, **self._kwargs)


def _ignore(_result: object) -> None:
    pass
