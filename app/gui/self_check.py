"""`primer self-check`: proves an installed copy works end to end, as a person would use it.

A frozen build that cannot find its migrations, icons, Markdown styles or a plugin fails in
front of the user; this runs the real window on a data folder, sends one message to the
default provider, waits for the streamed reply, checks what the build loads from its own
files, and exits 0 only if all of it worked. The installers' tests run it on the installed
program; support can ask a user to run it too.
"""

from __future__ import annotations

import sys
import traceback
from contextlib import closing
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.gui.launch import start_window
from domain.entities import Message, MessageStatus

TIMEOUT_MS = 60_000
CODE_SAMPLE = "```python\nprint('hello')\n```"


def _check_files() -> list[tuple[str, bool, str]]:
    """What the build must carry beside its code: migrations, icons, highlighters, libpq."""
    import psycopg

    from app.gui.icons import resource_icon
    from app.gui.markdown import render_markdown
    from repositories.migration_files import bundled_migrations

    sqlite = bundled_migrations("migrations_sqlite")
    postgres = bundled_migrations("migrations_postgres")
    icon = resource_icon("primer.svg").pixmap(64, 64)
    html = render_markdown(CODE_SAMPLE, dark=False).html
    return [
        ("migrations", bool(sqlite and postgres), f"{len(sqlite)} local, {len(postgres)} backup"),
        ("icons", not icon.isNull(), "primer.svg drawn at 64 px"),
        ("markdown", "<pre" in html and "color:" in html, "code highlighted"),
        ("backup driver", psycopg.pq.version() > 0, f"libpq {psycopg.pq.version()}"),
    ]


def _check_backup_reader(store_path: Path) -> tuple[str, bool, str]:
    """A long backup reads in a process of its own, which is this program started again
    (app/backup_reader.py): a frozen build must be able to."""
    from app.backup_reader import ProcessReader

    with closing(ProcessReader(store_path)("self-check", 0, 100, None, None)) as batches:
        batch = next(batches, None)
    read = len(batch.messages) if batch is not None else 0
    return ("backup reader", read > 0, f"{read} message(s) read in a process of its own")


def run_self_check(data_dir: Path, message: str) -> int:
    window = start_window(data_dir)
    results: list[tuple[str, bool, str]] = []

    def finish() -> None:
        for name, passed, detail in results:
            print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}", flush=True)
        window.close()
        QApplication.exit(0 if all(passed for _n, passed, _d in results) else 1)

    def record(name: str, passed: bool, detail: str) -> None:
        results.append((name, passed, detail))

    def send_when_ready() -> None:
        window.chats_loaded.disconnect(send_when_ready)
        store_watch.stop()
        record("store", window.primer is not None, f"opened in {data_dir}")
        window.composer.setPlainText(message)
        window.replies.send()

    def replied(reply: Message) -> None:
        complete = reply.status is MessageStatus.COMPLETE and bool(reply.content)
        record("reply", complete, f"{reply.status.value}: {reply.content[:60]!r}")
        record("chat list", window.chat_model.rowCount() == 1, "the new chat is listed")
        results.extend(_check_files())
        results.append(_check_backup_reader(data_dir / "primer.db"))
        QTimer.singleShot(0, finish)

    def timed_out() -> None:
        record("timeout", False, f"no reply within {TIMEOUT_MS // 1000} s")
        finish()

    def watch_for_a_store_failure() -> None:
        box = getattr(window, "fatal_dialog", None)  # set when the store cannot open
        if box is not None:
            record("store", False, box.text())
            finish()

    def bug(kind: type[BaseException], error: BaseException, trace: object) -> None:
        # A bug fails the check at once: no crash dialog waits for a person who is not there.
        record("error", False, "".join(traceback.format_exception_only(kind, error)).strip())
        finish()

    sys.excepthook = bug
    store_watch = QTimer(window)
    store_watch.timeout.connect(watch_for_a_store_failure)
    store_watch.start(100)

    window.chats_loaded.connect(send_when_ready)
    window.reply_finished.connect(replied)
    QTimer.singleShot(TIMEOUT_MS, timed_out)
    code = QApplication.exec()
    if not results:
        print("FAIL window: closed before the check finished", file=sys.stderr)
        return 1
    return code
