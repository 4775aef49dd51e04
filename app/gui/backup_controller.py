"""The Account menu, the sidebar's Backup now button and the status bar's backup state.

Backup and restore run on their own worker thread with a progress bar and Cancel; the last
successful backup time stays in the status bar, and a failure always shows in the message bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QProgressBar, QPushButton, QToolButton

from app.gui.operations import Op
from domain.errors import PrimerError

if TYPE_CHECKING:
    from datetime import datetime

    from app.bootstrap import Primer
    from app.gui.main_window import MainWindow
    from domain.accounts import LinkedAccount
    from domain.backup import StoreThread
    from domain.ports import CancelToken
    from domain.use_cases.backup_now import BackupReport
    from domain.use_cases.restore_backup import RestoreReport

T = TypeVar("T")
SCHEDULE_CHECK_MS = 5 * 60 * 1000


def when(stamp: str | None) -> str:
    """A backup time as a person reads it, in local time."""
    if not stamp:
        return "never"
    from datetime import datetime  # not needed before the first paint

    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    today = datetime.now().astimezone().date()
    if moment.date() == today:
        return f"today at {moment:%H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"


class BackupController(QObject):
    def __init__(self, window: MainWindow, menu: QMenu, button: QToolButton) -> None:
        super().__init__(window)
        self.window = window
        self.account: LinkedAccount | None = None
        self.last_backup: str | None = None
        self.cancel: CancelToken | None = None

        self.sign_in_action = menu.addAction("Sign in…")
        self.sign_in_action.triggered.connect(self.sign_in)
        self.sign_out_action = menu.addAction("Sign out")
        self.sign_out_action.triggered.connect(self.sign_out)
        self.recovery_action = menu.addAction("New recovery key…")
        self.recovery_action.setToolTip(
            "Make a new recovery key for your account; the one before stops working"
        )
        self.recovery_action.triggered.connect(self.new_recovery_key)
        menu.addSeparator()
        self.backup_action = QAction("Backup now", window)
        self.backup_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.backup_action.setToolTip("Copy new and changed chats to your backup database")
        self.backup_action.triggered.connect(self.backup_now)
        menu.addAction(self.backup_action)
        self.restore_action = menu.addAction("Restore…")
        self.restore_action.triggered.connect(self.restore)
        button.setDefaultAction(self.backup_action)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%v / %m")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_running)
        self.state_label = QLabel()
        status = window.statusBar()
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.state_label)
        self._show_running(False)
        self._update()
        self.tried_at: datetime | None = None
        """When the schedule last started a backup (a failure is said once a turn)."""
        self.schedule = QTimer(self)
        self.schedule.setInterval(SCHEDULE_CHECK_MS)
        self.schedule.timeout.connect(self.when_due)

    def set_icons(self) -> None:
        from app.gui.icons import line_icon

        self.backup_action.setIcon(line_icon("cloud-upload"))

    @property
    def primer(self) -> Primer:
        assert self.window.primer is not None
        return self.window.primer

    def when_due(self, now: datetime | None = None) -> None:
        """Backup now on its own, when the person chose a schedule in Settings and it is
        time: the same run, status line and shown failures as the menu's."""
        from datetime import datetime, timedelta

        hours = self.primer.settings.backup_every_hours if self.window.primer else 0
        if not hours or self.account is None or self.cancel is not None:
            return
        now = now or datetime.now().astimezone()
        last = self.last_backup
        every = timedelta(hours=hours)
        if last and now - datetime.fromisoformat(last.replace("Z", "+00:00")) < every:
            return
        if self.tried_at is not None and now - self.tried_at < every:
            return  # a scheduled run that failed waits its turn, not five minutes
        self.tried_at = now
        self.backup_now()

    def attach(self, primer: Primer) -> None:
        def read() -> tuple[LinkedAccount | None, str | None]:
            account = primer.account_link.current()
            last = primer.backup_source.last_backup_at(account.account_id) if account else None
            return account, last

        Op(read).success(self._linked).on_store(self.window.lane)
        self.schedule.start()

    def _linked(self, state: tuple[LinkedAccount | None, str | None]) -> None:
        self.account, self.last_backup = state
        self._update()

    def _update(self) -> None:
        attached = self.window.primer is not None
        running = self.cancel is not None
        signed_in = self.account is not None
        self.sign_in_action.setEnabled(attached and not running)
        self.sign_in_action.setText("Switch account…" if signed_in else "Sign in…")
        self.sign_out_action.setEnabled(signed_in and not running)
        self.recovery_action.setEnabled(signed_in and not running)
        self.backup_action.setEnabled(attached and not running)
        self.restore_action.setEnabled(signed_in and not running)
        if not attached:
            self.state_label.setText("")
        elif self.account is None:
            self.state_label.setText("Not backed up · Account → Sign in… to start")
        else:
            self.state_label.setText(f"Last backup: {when(self.last_backup)}")
        self.state_label.setToolTip(
            f"Signed in as {self.account.email}" if self.account else "Not signed in"
        )

    def _show_running(self, running: bool, label: str = "") -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first count arrives
            self.state_label.setText(label)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    # ---------------------------------------------------------------- account
    def sign_in(self) -> None:
        from app.gui.account_dialog import AccountDialog

        dialog = AccountDialog(self.primer, self.window.lane, self.window)
        dialog.signed_in.connect(self._signed_in)
        self.dialog = dialog
        dialog.open()

    def _signed_in(
        self, account: LinkedAccount, providers: list[str], notice: str, recovery_key: str
    ) -> None:
        created = bool(recovery_key)
        if created:
            self._show_recovery_key(recovery_key, account.email)
        self.account, self.last_backup = account, None
        self._update()
        self.attach(self.primer)  # read this account's last backup time
        keys = ", ".join(providers)
        if created:
            text = f"Account created for {account.email}."
            if providers:
                text += f" Your keys for {keys} were saved to it, encrypted on this computer."
        else:
            text = f"Signed in as {account.email}."
            if providers:
                text += f" Your saved keys for {keys} are back on this computer."
        if notice:
            self.window.message_bar.show_message(f"{text} {notice}", kind="error")
        else:
            self.window.message_bar.show_message(text, kind="info", timeout_ms=8000)
        self.window.settings_changed()

    def _show_recovery_key(self, recovery_key: str, email: str) -> None:
        from app.gui.recovery_key import RecoveryKeyDialog

        self.recovery_dialog = RecoveryKeyDialog(recovery_key, email, self.window)
        self.recovery_dialog.open()

    def new_recovery_key(self) -> None:
        if self.account is None:
            return
        self._confirm(
            "New recovery key",
            "Make a new recovery key? The one you have stops working.",
            "Make a new key",
            self._new_recovery_key_confirmed,
        )

    def _new_recovery_key_confirmed(self) -> None:
        primer, lane, account = self.primer, self.window.lane, self.account
        assert account is not None
        Op(lambda: primer.accounts(store=lane).new_recovery_key()).success(
            lambda key: self._show_recovery_key(key, account.email)
        ).on_network(self.window.dispatcher, fallback=self.window.show_error)

    def save_keys(self, keys: dict[str, str]) -> None:
        """Seal keys typed in Settings into the account; say so, or say why not."""
        primer, lane = self.primer, self.window.lane

        def job() -> list[str]:
            account = primer.provider_keys(store=lane)
            return [name for name, key in keys.items() if account.seal(name, key)]

        def done(saved: list[str]) -> None:
            if saved:
                self.window.statusBar().showMessage(
                    f"Saved your key for {', '.join(saved)} to your account, encrypted.", 5000
                )

        Op(job).success(done).failure(
            lambda error: self.window.message_bar.show_message(
                f"Your key is stored on this computer, but not in your account: {error.message}"
            )
        ).on_network(self.window.dispatcher, fallback=self.window.show_error)

    def sign_out(self) -> None:
        if self.account is None:
            return
        self._confirm(
            "Sign out",
            f"Sign out of {self.account.email}? Your chats stay on this computer; "
            "backups stop until you sign in again.",
            "Sign out",
            self._sign_out_confirmed,
        )

    def _sign_out_confirmed(self) -> None:
        from domain.use_cases.accounts import sign_out

        primer = self.primer
        Op(sign_out, primer.account_link, primer.secrets).success(
            lambda _r: self._linked((None, None))
        ).on_store(self.window.lane)

    # ---------------------------------------------------------------- backup and restore
    def backup_now(self) -> None:
        if self.cancel is not None or self.window.primer is None:
            return
        if self.account is None:
            self.sign_in()
            return
        primer, account_id, lane = self.primer, self.account.account_id, self.window.lane
        cancel = self._start("Backing up…")
        Op(self._transfer, primer.backup_now, lane, account_id, cancel).success(
            self._backed_up
        ).failure(lambda error: self._failed("Backup failed", error, self.backup_now)).on_network(
            self.window.dispatcher, fallback=self.window.show_error
        )

    def restore(self) -> None:
        if self.cancel is not None or self.account is None:
            return
        self._confirm(
            "Restore from backup",
            f"Bring the chats backed up to {self.account.email} onto this computer?\n\n"
            "Restore only adds what is missing here: it never overwrites newer chats on this "
            "computer and never brings back a chat you deleted.",
            "Restore",
            self._restore_confirmed,
        )

    def _confirm(self, title: str, text: str, button: str, then: Callable[[], None]) -> None:
        """Ask before an action, in a window-modal box (`self.confirm`, for tests)."""
        from PySide6.QtWidgets import QMessageBox  # not for the first paint

        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, self.window
        )
        box.addButton(button, QMessageBox.ButtonRole.AcceptRole)
        box.accepted.connect(then)
        self.confirm = box
        box.open()

    def _restore_confirmed(self) -> None:
        assert self.account is not None
        primer, account_id, lane = self.primer, self.account.account_id, self.window.lane
        cancel = self._start("Restoring…")
        Op(self._transfer, primer.restore_backup, lane, account_id, cancel).success(
            self._restored
        ).failure(
            lambda error: self._failed("Restore failed", error, self._restore_confirmed)
        ).on_network(self.window.dispatcher, fallback=self.window.show_error)

    def _transfer(
        self,
        make: Callable[..., Callable[..., T]],
        lane: StoreThread,
        account_id: str,
        cancel: CancelToken,
    ) -> T:
        """On the network worker: back up or restore, the store used on the lane."""
        return make(store=lane)(account_id, self._post_progress, cancel)

    def cancel_running(self) -> None:
        if self.cancel is not None:
            self.cancel.cancel()
            self.cancel_button.setEnabled(False)
            self.state_label.setText("Stopping after this batch…")

    def _start(self, label: str) -> CancelToken:
        from domain.ports import CancelToken

        self.cancel = CancelToken()
        self.cancel_button.setEnabled(True)
        self._update()
        self._show_running(True, label)
        return self.cancel

    def _post_progress(self, done: int, total: int) -> None:  # on the worker thread
        self.window.dispatcher.post(self._progress, done, total)

    def _stop(self) -> None:
        self.cancel = None
        self._show_running(False)
        self._update()

    def _backed_up(self, report: BackupReport) -> None:
        if report.finished:
            self.last_backup = report.at
        self._stop()
        bar = self.window.message_bar
        faults = report.faults()
        if faults:
            again = ("Back up again", self.backup_now) if report.mismatched_chats else None
            bar.show_message(" ".join(faults), kind="error", action=again)
        elif not report.finished:
            bar.show_message(
                f"Backup cancelled after {report.changes_sent:,} changes; the rest goes next time.",
                kind="info",
                timeout_ms=8000,
            )
        elif report.notes():
            bar.show_message(" ".join(report.notes()), kind="info", timeout_ms=10000)
        else:
            self.window.statusBar().showMessage(f"Backed up {report.changes_sent:,} changes.", 5000)

    def _restored(self, report: RestoreReport) -> None:
        self._stop()
        self.window.refresh_chats()
        self.window.search.meaning.start()
        state = "Restored" if report.finished else "Restore cancelled after"
        faults = report.faults()
        self.window.message_bar.show_message(
            " ".join([f"{state} {report.summary()}.", *faults]),
            kind="error" if faults else "info",
            timeout_ms=0 if faults else 8000,
        )

    def _failed(self, what: str, error: PrimerError, retry: Callable[[], None]) -> None:
        self._stop()
        action = ("Retry", retry) if getattr(error, "retryable", False) else None
        self.window.message_bar.show_message(f"{what}: {error.message}", action=action)
