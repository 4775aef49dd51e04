"""Work off the GUI thread, results back on it.

`Lane` is the one thread that touches SQLite; stream workers are plain threads. Both hand
results to the GUI through `Dispatcher`, whose slot Qt queues onto the GUI thread.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from domain.errors import PrimerError

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)

OnError = Callable[[PrimerError], None]


class _Bridge(QObject):
    """The one receiver of every worker's results, made on the GUI thread and never
    deleted: a worker's emit can then never race the deletion of its receiver."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run)

    @Slot(object)
    def _run(self, fn: Callable[[], Any]) -> None:
        fn()


_bridge: _Bridge | None = None


class Dispatcher:
    """Create on the GUI thread for a window or dialog; `post` from any thread runs the
    callable on the GUI thread, if that window still exists then (checked there)."""

    def __init__(self, owner: QObject | None = None) -> None:
        global _bridge
        if _bridge is None:
            _bridge = _Bridge()
        self._bridge = _bridge
        self._owner = owner

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        self._bridge.call.emit(lambda: self._deliver(fn, args))

    def alive(self) -> bool:
        """Whether the owner still exists; asked on the GUI thread only."""
        import shiboken6

        return self._owner is None or shiboken6.isValid(self._owner)

    def _deliver(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self.alive():
            fn(*args)
        else:
            log.info("a result arrived after its window closed; dropped")


class Lane:
    """One thread for all database work, so writes never race and the GUI never waits."""

    def __init__(self, dispatcher: Dispatcher, on_error: OnError) -> None:
        self._executor: ThreadPoolExecutor | None = None  # started by the first job
        self._starting = threading.Lock()
        self._dispatcher = dispatcher
        self._on_error = on_error
        self.pending = 0
        self._closed = False

    def run(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: OnError | None = None,
    ) -> None:
        if self._closed:
            log.info("database lane closed; a late job was dropped")
            return
        self.pending += 1
        future = self._lane().submit(job)
        future.add_done_callback(
            lambda f: self._dispatcher.post(self._deliver, f, on_done, on_error)
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """For a worker (a backup, a restore): run one read or write of the store on the
        lane, between the window's own jobs; the worker waits on the future, never the GUI."""
        if self._closed:
            from domain.errors import StoreError

            raise StoreError("The window closed; what was sent so far stays sent.")
        return self._lane().submit(fn, *args)

    def _lane(self) -> ThreadPoolExecutor:
        with self._starting:
            if self._executor is None:
                from concurrent.futures import ThreadPoolExecutor  # after the first paint

                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="primer-db")
            return self._executor

    def _deliver(
        self, future: Future[Any], on_done: Callable[[Any], None] | None, on_error: OnError | None
    ) -> None:
        self.pending -= 1
        error = future.exception()
        if error is None:
            if on_done is not None:
                on_done(future.result())
        elif isinstance(error, PrimerError):
            (on_error or self._on_error)(error)
        else:
            sys.excepthook(type(error), error, error.__traceback__)

    def shutdown(self) -> None:
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=False)


def run_in_thread(
    dispatcher: Dispatcher,
    job: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: OnError,
) -> threading.Thread:
    """Network work (streams, model lists) on its own daemon thread."""

    def body() -> None:
        try:
            result = job()
        except PrimerError as error:
            dispatcher.post(on_error, error)
        except Exception as error:  # a bug: report it on the GUI thread
            dispatcher.post(sys.excepthook, type(error), error, error.__traceback__)
        else:
            dispatcher.post(on_done, result)

    thread = threading.Thread(target=body, daemon=True, name="primer-net")
    thread.start()
    return thread
