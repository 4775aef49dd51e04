"""Sign in, create an account, or set a new password with the recovery key, with the
backup database the account lives in.

Argon2id and the network take a moment: every action runs on a worker thread and the dialog
says what it is doing; the password rules are shown before anyone types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from app.gui.dispatch import Dispatcher
from app.gui.operations import Op
from domain.accounts import PASSWORD_RULES, WRONG_CREDENTIALS, LinkedAccount
from domain.errors import AccountError, PrimerError

if TYPE_CHECKING:
    from app.bootstrap import PreparedSettings, Primer
    from domain.backup import StoreThread

URL_HINT = "postgresql://USER:PASSWORD@HOST:5432/postgres"


SIGN_IN, CREATE, RECOVER = range(3)


class AccountDialog(QDialog):
    """Emits `signed_in(account, providers, notice, recovery_key)` once the account is
    linked here: the providers whose keys came back (sign in) or went up (new account),
    and a new account's recovery key (empty otherwise)."""

    signed_in = Signal(object, list, str, str)

    def __init__(self, primer: Primer, lane: StoreThread, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.primer = primer
        self.lane = lane  # where this device's account link is written
        self.dispatcher = Dispatcher(self)
        self.setWindowTitle("Sign in to Primer")
        self.setMinimumWidth(560)

        self.mode = QTabBar()
        self.mode.addTab("Sign in")
        self.mode.addTab("Create account")
        self.mode.addTab("Forgot password")
        self.mode.currentChanged.connect(self._mode_changed)

        intro = QLabel(
            "Your account lives in your own PostgreSQL or Supabase database. Backups of your "
            "chats and your API keys (encrypted on this computer) go there."
        )
        intro.setWordWrap(True)
        self.url = QLineEdit(primer.settings.backup_url)
        self.url.setPlaceholderText(URL_HINT)
        self.url.setToolTip(
            "Supabase: Project Settings → Database → Connection string (direct or pooled). "
            "The password is kept in the system keyring, not in settings."
        )
        self.test_button = QPushButton("Test connection")
        self.test_button.setAutoDefault(False)  # Enter anywhere signs in; this needs a click
        self.test_button.clicked.connect(self.test_connection)
        self.email = QLineEdit()
        self.email.setPlaceholderText("you@example.org")
        self.recovery_key = QLineEdit()
        self.recovery_key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.recovery_key.setAccessibleName("Recovery key")
        self.recovery_key_label = QLabel("Recovery key")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_label = QLabel("Password")
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        for field in (self.email, self.recovery_key, self.password, self.repeat):
            field.returnPressed.connect(self.submit)
        self._focus_before: QWidget | None = None
        self.repeat_label = QLabel("Repeat password")
        self.rules = QLabel(PASSWORD_RULES)
        self.rules.setWordWrap(True)
        self.rules.setObjectName("hint")
        self.status = QLabel()
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Backup database", self.url)
        form.addRow("", self.test_button)
        form.addRow("Email", self.email)
        form.addRow(self.recovery_key_label, self.recovery_key)
        form.addRow(self.password_label, self.password)
        form.addRow(self.repeat_label, self.repeat)
        form.addRow("", self.rules)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.submit_button = self.buttons.addButton(
            "Sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.submit_button.setDefault(True)
        longest = self.submit_button.fontMetrics().horizontalAdvance("Set new password")
        self.submit_button.setMinimumWidth(longest + 32)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.mode)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._mode_changed(0)

    @property
    def registering(self) -> bool:
        return self.mode.currentIndex() == CREATE

    def _mode_changed(self, index: int) -> None:
        for widget in (self.repeat, self.repeat_label, self.rules):
            widget.setVisible(index != SIGN_IN)
        for widget in (self.recovery_key, self.recovery_key_label):
            widget.setVisible(index == RECOVER)
        self.password_label.setText("New password" if index == RECOVER else "Password")
        self.submit_button.setText(("Sign in", "Create account", "Set new password")[index])
        self.status.clear()
        self.adjustSize()  # room for the password rules, or none

    def _busy(self, text: str) -> None:
        if text:
            self._focus_before = self.focusWidget()
        self.status.setText(text)
        for widget in (self.submit_button, self.test_button, self.mode):
            widget.setEnabled(not text)

    def _done(self, text: str = "", *, error: bool = False) -> None:
        self._busy("")
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.setStyleSheet("color: #c0392b;" if error else "")
        # Disabling the buttons moved the focus on; it goes back where the person was,
        # and after a wrong password, to the password, ready to type again.
        back = self.password if text == WRONG_CREDENTIALS else self._focus_before
        if back is not None and back.isEnabled():
            back.setFocus()
            if back is self.password:
                self.password.selectAll()

    def _run(self, what: str, job: Callable[[], Any], then: Callable[[Any], None]) -> None:
        self._busy(what)

        def failed(error: PrimerError) -> None:
            self._done(error.message, error=True)

        Op(job).success(then).failure(failed).on_network(self.dispatcher, fallback=failed)

    def _with_url(self) -> tuple[str, Callable[[], PreparedSettings]]:
        """The URL typed, and a job for the worker that saves it (password to the keyring)
        before any account work uses it; the GUI thread puts the settings in place."""
        url = self.url.text().strip()
        primer = self.primer

        def save() -> PreparedSettings:  # on the worker: psycopg is imported there
            from app.backup_database import working_url

            if not url:
                raise AccountError(f"Enter the backup database's URL, like {URL_HINT}.")
            settings, _place = working_url(primer.settings, primer.secrets, url)
            return primer.prepare_settings(settings)  # kept only once it worked

        return url, save

    def test_connection(self) -> None:
        url, save = self._with_url()
        primer = self.primer

        def job() -> tuple[str, PreparedSettings]:
            from app.backup_database import where

            prepared = save()
            database = primer.backup_database(url)
            database.check()  # every time: a wrong password must never read as connected
            return where(database.url), prepared

        def connected(result: tuple[str, PreparedSettings]) -> None:
            place, prepared = result
            primer.use_settings(prepared)
            self._done(f"Connected to {place}. ✓")

        self._run("Connecting…", job, connected)

    def submit(self) -> None:
        email, password = self.email.text(), self.password.text()
        mode, recovery_key = self.mode.currentIndex(), self.recovery_key.text()
        if mode != SIGN_IN and password != self.repeat.text():
            self._done("The two passwords differ.", error=True)
            return
        url, save = self._with_url()
        primer, lane = self.primer, self.lane

        def job() -> tuple[PreparedSettings, LinkedAccount, list[str], str, str]:
            prepared = save()
            accounts = primer.accounts(url, store=lane)
            if mode == CREATE:
                account, key = accounts.register(email, password)
                return prepared, account, accounts.save_all_keys(), "", key
            if mode == RECOVER:
                signed_in = accounts.recover(email, recovery_key, password)
            else:
                signed_in = accounts.sign_in(email, password)
            notice = signed_in.unreadable_notice() or ""
            return prepared, signed_in.account, signed_in.restored, notice, ""

        def finished(result: tuple[PreparedSettings, LinkedAccount, list[str], str, str]) -> None:
            prepared, *outcome = result
            primer.use_settings(prepared)
            self._done()
            self.signed_in.emit(*outcome)
            self.accept()

        busy = ("Signing in…", "Creating your account…", "Setting your new password…")[mode]
        self._run(busy, job, finished)
