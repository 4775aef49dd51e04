"""A long backup's batches read, sealed and encoded in a process of its own
(domain/backup.BatchReader).

In one process, reading a million messages out of SQLite, sealing them and formatting them
for COPY take turns on one interpreter lock: the client's CPU, not the server, bounded a
first backup (12 s of CPU in 13.6 s). The reader process does all three: it opens the store
as any second Primer process does (SQLite lets readers be), reads each batch in a snapshot
of its own, exactly as the store thread would, seals it, encodes its messages as the target
takes them (domain/backup.MessageEncoder) and hands it over through a pipe, one batch
ahead: it waits in the handing over. The window's process only sends the bytes, and its
store thread reads nothing for the backup. (Handing over rows instead cost a pickling of
every value on each side.)

The account's data key and its database password reach the process through the pipe that
starts it (in the sealer and the encoder), never its command line or environment.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Generator
from multiprocessing.connection import Connection
from pathlib import Path

from domain.backup import ChangeBatch, MessageEncoder, encode_batch
from domain.errors import PrimerError
from domain.sealing import Sealer, seal_batch


class ReaderStopped(PrimerError):
    """The reader process ended without saying why (killed, out of memory)."""


class ProcessReader:
    """`BatchReader` for the store at `store_path`."""

    def __init__(self, store_path: Path) -> None:
        self._store_path = store_path

    def __call__(
        self,
        account_id: str,
        after_seq: int,
        limit: int,
        sealer: Sealer | None,
        encoder: MessageEncoder | None,
    ) -> Generator[ChangeBatch, None, None]:
        context = multiprocessing.get_context("spawn")  # (fork would copy Qt's threads)
        batches, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=read_ahead,
            args=(str(self._store_path), account_id, after_seq, limit, sealer, encoder, sender),
            name="primer-backup-reader",
            daemon=True,
        )
        process.start()
        # The reader holds the only sending end now: if it dies, even halfway through
        # handing over a batch, receiving ends instead of waiting for the rest forever.
        sender.close()
        try:
            while (batch := _next(batches)) is not None:
                yield batch
        finally:
            if process.is_alive():
                process.terminate()
            process.join()
            batches.close()


def _next(batches: Connection) -> ChangeBatch | None:
    try:
        item = batches.recv()
    except (EOFError, OSError):  # (OSError: it ended halfway through a batch)
        raise ReaderStopped(
            "The backup stopped: the process reading this computer's chats for it ended "
            "unexpectedly. Nothing was lost; back up again."
        ) from None
    if isinstance(item, BaseException):
        raise item
    return item


def read_ahead(
    store_path: str,
    account_id: str,
    after_seq: int,
    limit: int,
    sealer: Sealer | None,
    encoder: MessageEncoder | None,
    batches: Connection,
) -> None:
    """The reader process: every batch after `after_seq`, sealed and encoded, then None; or
    the failure."""
    from repositories.sqlite.backup_source import SqliteBackupSource
    from repositories.sqlite.store import Store

    store = Store(Path(store_path))
    try:
        source = SqliteBackupSource(store)
        while (batch := source.next_batch(account_id, after_seq, limit)) is not None:
            after_seq = batch.last_seq
            if sealer is not None:
                batch = seal_batch(batch, sealer)
            if encoder is not None:
                batch = encode_batch(batch, account_id, encoder)
            if not _hand_over(batches, batch):
                return
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
