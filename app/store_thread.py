"""The command line's store thread: the main thread, which opened the store.

A backup or restore run from a command does its network work on a worker while the main
thread serves its reads and writes of the store, one at a time, as the window's database
lane does: the store is used from one thread only, and reading the next batch still
overlaps sending this one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Requests:
    """A StoreThread whose jobs wait in a queue for the thread that serves it."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[object] = queue.SimpleQueue()

    def submit(self, fn: Callable[..., T], /, *args: object) -> Future[T]:
        future: Future[T] = Future()
        self.jobs.put((future, fn, args))
        return future


def serve_store_while(job: Callable[[_Requests], T]) -> T:
    """Run `job` on a worker; serve its store requests here until it ends; return its
    result or raise what it raised."""
    requests = _Requests()
    outcome: Future[T] = Future()

    def work() -> None:
        try:
            outcome.set_result(job(requests))
        except BaseException as error:
            outcome.set_exception(error)
        finally:
            requests.jobs.put(_DONE)

    threading.Thread(target=work, name="primer-net", daemon=True).start()
    while (request := requests.jobs.get()) is not _DONE:
        future, fn, args = request  # type: ignore[misc]
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn(*args))
            except BaseException as error:
                future.set_exception(error)
    return outcome.result()
