"""A long backup's batches read, sealed and encoded in processes of their own
(domain/backup.BatchReader).

In one process, reading a million messages out of SQLite, sealing them and formatting them
for COPY take turns on one interpreter lock: the client's CPU, not the server, bounded a
first backup (12 s of CPU in 13.6 s). Reader processes do all three: each opens the store
as any second Primer process does (SQLite lets readers be), reads a batch in a snapshot of
its own, seals it, encodes its messages as the target takes them (domain/backup.
MessageEncoder) and hands it over through a pipe, one batch ahead: it waits in the handing
over. The window's process only sends the bytes, and its store thread reads nothing for
the backup. (Handing over rows instead cost a pickling of every value on each side.)

`READERS` processes read alternate windows of the change log (SqliteBackupSource.
window_batch), and the batches are sent in the log's order: one reader kept the server
waiting for it a third of the time. A window cut short (a reply still streaming, or the
end of the log as it was read) is the last one sent; the backup reads what follows here.

The account's data key and its database password reach each process through the pipe that
starts it (in the sealer and the encoder), never its command line or environment.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Generator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from domain.backup import ChangeBatch, MessageEncoder, encode_batch
from domain.errors import PrimerError
from domain.sealing import Sealer, seal_batch

READERS = 2
"""Enough to keep a server busy that runs on the same two cores; more would only share
them."""


class ReaderStopped(PrimerError):
    """A reader process ended without saying why (killed, out of memory)."""


class ProcessReader:
    """`BatchReader` for the store at `store_path`."""

    def __init__(self, store_path: Path, readers: int = READERS) -> None:
        self._store_path = store_path
        self._readers = readers

    def __call__(
        self,
        account_id: str,
        after_seq: int,
        limit: int,
        sealer: Sealer | None,
        encoder: MessageEncoder | None,
    ) -> Generator[ChangeBatch, None, None]:
        context = multiprocessing.get_context("spawn")  # (fork would copy Qt's threads)
        task = (str(self._store_path), account_id, after_seq, limit, sealer, encoder)
        pipes: list[Connection] = []
        processes: list[BaseProcess] = []
        try:
            for first in range(self._readers):
                batches, sender = context.Pipe(duplex=False)
                process = context.Process(
                    target=read_windows,
                    args=(*task, sender, first, self._readers),
                    name=f"primer-backup-reader-{first + 1}",
                    daemon=True,
                )
                process.start()
                # The reader holds the only sending end now: if it dies, even halfway
                # through handing over a batch, receiving ends instead of waiting forever.
                sender.close()
                pipes.append(batches)
                processes.append(process)
            window = 0
            while (batch := _next(pipes[window % self._readers])) is not None:
                yield batch
                window += 1
                if batch.last_seq < after_seq + window * limit:
                    return  # cut short: what follows is not sent after it by the readers
        finally:
            for process in processes:
                if process.is_alive():
                    process.terminate()
                process.join()
            for batches in pipes:
                batches.close()


def _next(batches: Connection) -> ChangeBatch | None:
    try:
        item = batches.recv()
    except (EOFError, OSError):  # (OSError: it ended halfway through a batch)
        raise ReaderStopped(
            "The backup stopped: a process reading this computer's chats for it ended "
            "unexpectedly. Nothing was lost; back up again."
        ) from None
    if isinstance(item, BaseException):
        raise item
    return item


def read_windows(
    store_path: str,
    account_id: str,
    after_seq: int,
    width: int,
    sealer: Sealer | None,
    encoder: MessageEncoder | None,
    batches: Connection,
    first: int,
    step: int,
) -> None:
    """A reader process: windows `first`, `first + step`, … of `width` changes after
    `after_seq`, each sealed and encoded, until the log's end (None); or the failure."""
    from repositories.sqlite.backup_source import SqliteBackupSource
    from repositories.sqlite.store import Store

    store = Store(Path(store_path))
    try:
        source = SqliteBackupSource(store)
        start = after_seq + first * width
        while (batch := source.window_batch(account_id, start, width)) is not None:
            if sealer is not None:
                batch = seal_batch(batch, sealer)
            if encoder is not None:
                batch = encode_batch(batch, encoder)
            if not _hand_over(batches, batch):
                return
            start += step * width
        _hand_over(batches, None)
    except PrimerError as error:  # (the store's failures come as a sentence already)
        _hand_over(batches, error)
    except Exception as error:  # a bug: said in the window, not lost in this process
        _hand_over(batches, PrimerError(f"The backup could not read your chats: {error}"))
    finally:
        store.close()
        if encoder is not None:
            encoder.close()


def _hand_over(batches: Connection, item: object) -> bool:
    """Send `item` once the backup has taken the one before; False if the backup's process
    has ended meanwhile (killed, say), so that this one ends too and holds no snapshot of
    the store open."""
    try:
        batches.send(item)
        return True
    except OSError:  # (the pipe is broken: nobody reads it any more)
        return False
