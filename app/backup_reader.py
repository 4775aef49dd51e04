"""A long backup's batches read and sealed in a process of its own (domain/backup.BatchReader).

In one process, reading a million messages out of SQLite, sealing them and formatting them
for COPY take turns on one interpreter lock: the client's CPU, not the server, bounded a
first backup (12 s of CPU in 13.6 s). The reader process takes the first two: it opens the
store as any second Primer process does (SQLite lets readers be), reads each batch in a
snapshot of its own, exactly as the store thread would, seals it and hands it over, two
batches ahead at most. The window's store thread then reads nothing for the backup.

The account's data key reaches the process through the pipe that starts it (in the sealer,
domain/sealing.Sealer), never its command line or environment.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Generator
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from domain.backup import ChangeBatch
from domain.errors import PrimerError
from domain.sealing import Sealer, seal_batch

AHEAD = 2
"""Batches read ahead of the one being sent: enough to keep the server busy, and a bound
on the memory a fast reader can fill."""
_POLL_SECONDS = 0.5


class ReaderStopped(PrimerError):
    """The reader process ended without saying why (killed, out of memory)."""


class ProcessReader:
    """`BatchReader` for the store at `store_path`."""

    def __init__(self, store_path: Path) -> None:
        self._store_path = store_path

    def __call__(
        self, account_id: str, after_seq: int, limit: int, sealer: Sealer | None
    ) -> Generator[ChangeBatch, None, None]:
        context = multiprocessing.get_context("spawn")  # (fork would copy Qt's threads)
        batches = context.Queue(maxsize=AHEAD)
        process = context.Process(
            target=read_and_seal,
            args=(str(self._store_path), account_id, after_seq, limit, sealer, batches),
            name="primer-backup-reader",
            daemon=True,
        )
        process.start()
        try:
            while (batch := _next(batches, process)) is not None:
                yield batch
        finally:
            if process.is_alive():
                process.terminate()
            process.join()
            batches.close()
            batches.cancel_join_thread()


def _next(batches: Queue[Any], process: BaseProcess) -> ChangeBatch | None:
    while True:
        try:
            item = batches.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if process.exitcode is None:
                continue
            try:  # (what it sent just before it ended)
                item = batches.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                raise ReaderStopped(
                    "The backup stopped: the process reading this computer's chats for it "
                    f"ended unexpectedly (exit code {process.exitcode}). Nothing was lost; "
                    "back up again."
                ) from None
        if isinstance(item, BaseException):
            raise item
        return item


def read_and_seal(
    store_path: str,
    account_id: str,
    after_seq: int,
    limit: int,
    sealer: Sealer | None,
    batches: Queue[Any],
) -> None:
    """The reader process: every batch after `after_seq`, sealed, then None; or the failure."""
    from repositories.sqlite.backup_source import SqliteBackupSource
    from repositories.sqlite.store import Store

    store = Store(Path(store_path))
    try:
        source = SqliteBackupSource(store)
        while (batch := source.next_batch(account_id, after_seq, limit)) is not None:
            if not _hand_over(batches, seal_batch(batch, sealer) if sealer else batch):
                return
            after_seq = batch.last_seq
        _hand_over(batches, None)
    except PrimerError as error:  # (the store's failures come as a sentence already)
        _hand_over(batches, error)
    except Exception as error:  # a bug: said in the window, not lost in this process
        _hand_over(batches, PrimerError(f"The backup could not read your chats: {error}"))
    finally:
        store.close()


def _hand_over(batches: Queue[Any], item: object) -> bool:
    """Put `item` once there is room; False if the backup's process has ended meanwhile
    (killed, say), so that this one ends too and holds no snapshot of the store open."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            batches.put(item, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            if parent is not None and not parent.is_alive():
                return False
