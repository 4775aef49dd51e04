"""Account menu in the window: sign in, Backup now with progress, restore into a new folder."""

from __future__ import annotations

from pathlib import Path

import psycopg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from tests.gui.conftest import open_window, screenshot
from tests.gui.test_main_window import TIMEOUT, send

PASSWORD = "correct horse battery"


def sign_in_through_the_dialog(
    qtbot: QtBot, window: MainWindow, url: str, *, register: bool
) -> None:
    window.backup.sign_in_action.trigger()
    dialog = window.backup.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    dialog.url.setText(url)
    if register:
        dialog.mode.setCurrentIndex(1)
        assert dialog.rules.isVisible() and "At least 10 characters" in dialog.rules.text()
    dialog.email.setText("ada@example.org")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    screenshot(dialog, "20-account-dialog")
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: window.backup.account is not None, timeout=30000)
    assert not dialog.isVisible()


def test_sign_in_back_up_and_restore_in_a_fresh_folder(
    qtbot: QtBot, window: MainWindow, backup_url: str, tmp_path: Path
) -> None:
    backup = window.backup
    assert backup.state_label.text().startswith("Not backed up")
    assert not backup.restore_action.isEnabled()
    assert backup.backup_action.shortcut().toString() == "Ctrl+Shift+B"

    sign_in_through_the_dialog(qtbot, window, backup_url, register=True)
    qtbot.waitUntil(lambda: backup.state_label.text() == "Last backup: never", timeout=TIMEOUT)
    send(qtbot, window, "Remember this")
    send(qtbot, window, "And this")

    backup.backup_action.trigger()  # the menu item (Account → Backup now)
    assert backup.progress.isVisible() and backup.cancel_button.isVisible()
    assert not backup.backup_action.isEnabled()
    label = backup.state_label
    qtbot.waitUntil(lambda: label.text().startswith("Last backup: today"), timeout=TIMEOUT)
    assert not backup.progress.isVisible()
    assert backup.progress.value() == backup.progress.maximum() > 0
    screenshot(window, "21-backed-up")
    with psycopg.connect(backup_url) as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 4

    fresh = open_window(qtbot, tmp_path / "new-computer")
    assert fresh.chat_model.rowCount() == 0
    sign_in_through_the_dialog(qtbot, fresh, backup_url, register=False)
    fresh.backup.restore_action.trigger()
    confirm = fresh.backup.confirm
    qtbot.waitUntil(confirm.isVisible, timeout=TIMEOUT)
    restore_button = next(
        b for b in confirm.buttons() if confirm.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
    )
    restore_button.click()
    qtbot.waitUntil(lambda: fresh.chat_model.rowCount() == 1, timeout=30000)
    qtbot.waitUntil(lambda: fresh.backup.cancel is None, timeout=TIMEOUT)
    assert fresh.message_bar.label.text() == "Restored 1 chat; 4 new messages here."
    screenshot(fresh, "22-restored")
    fresh.close()
    QApplication.processEvents()


def test_a_new_account_is_shown_its_recovery_key_once_and_it_sets_a_new_password(
    qtbot: QtBot, window: MainWindow, backup_url: str, tmp_path: Path
) -> None:
    sign_in_through_the_dialog(qtbot, window, backup_url, register=True)
    shown = window.backup.recovery_dialog
    qtbot.waitUntil(shown.isVisible, timeout=TIMEOUT)
    key = shown.key.text()
    assert len(key.replace("-", "")) == 32
    assert "nobody can read your backup" in shown.explanation.text()
    assert not shown.done_button.isEnabled()  # not before the person says it is kept
    shown.write(tmp_path / "key.txt")
    assert key in (tmp_path / "key.txt").read_text()
    shown.saved.setChecked(True)
    shown.done_button.click()
    assert not shown.isVisible()

    window.backup.recovery_action.trigger()  # Account → New recovery key…
    confirm = window.backup.confirm
    qtbot.waitUntil(confirm.isVisible, timeout=TIMEOUT)
    next(b for b in confirm.buttons()
         if confirm.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()  # fmt: skip
    qtbot.waitUntil(lambda: window.backup.recovery_dialog is not shown, timeout=TIMEOUT)
    old, key = key, window.backup.recovery_dialog.key.text()
    assert key != old

    fresh = open_window(qtbot, tmp_path / "new-computer")
    fresh.backup.sign_in_action.trigger()
    dialog = fresh.backup.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    dialog.url.setText(backup_url)
    dialog.mode.setCurrentIndex(2)  # Forgot password
    assert dialog.recovery_key.isVisible() and dialog.submit_button.text() == "Set new password"
    dialog.email.setText("ada@example.org")
    dialog.recovery_key.setText(old)  # the one before no longer works
    dialog.password.setText("a new passphrase for ada")
    dialog.repeat.setText("a new passphrase for ada")
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: "recovery key is wrong" in dialog.status.text(), timeout=30000)
    dialog.recovery_key.setText(key.lower())
    dialog.password.setText("a new passphrase for ada")
    dialog.repeat.setText("a new passphrase for ada")
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: fresh.backup.account is not None, timeout=30000)
    assert fresh.backup.account.email == "ada@example.org"
    fresh.close()
    QApplication.processEvents()


def test_backup_now_runs_on_its_own_when_a_schedule_is_chosen(
    qtbot: QtBot, window: MainWindow, backup_url: str
) -> None:
    from dataclasses import replace
    from datetime import datetime, timedelta

    backup = window.backup
    sign_in_through_the_dialog(qtbot, window, backup_url, register=True)
    qtbot.waitUntil(lambda: backup.state_label.text() == "Last backup: never", timeout=TIMEOUT)
    send(qtbot, window, "Backed up on the clock")
    backup.when_due()  # no schedule chosen: nothing
    assert backup.cancel is None and backup.last_backup is None
    primer = window.primer
    primer.apply_settings(replace(primer.settings, backup_every_hours=1))
    backup.when_due()
    label = backup.state_label
    qtbot.waitUntil(lambda: label.text().startswith("Last backup: today"), timeout=TIMEOUT)
    first = backup.last_backup
    backup.when_due()  # within the hour: nothing
    assert backup.cancel is None and backup.last_backup == first
    later = datetime.now().astimezone() + timedelta(hours=1, minutes=1)
    backup.when_due(later)
    qtbot.waitUntil(lambda: backup.last_backup != first, timeout=TIMEOUT)
    assert backup.schedule.isActive()
    second = backup.last_backup
    backup.last_backup = None  # as if that run had failed: the next turn is an hour on
    backup.when_due(later + timedelta(minutes=5))
    assert backup.cancel is None
    backup.last_backup = second


def test_a_failed_backup_is_never_silent(
    qtbot: QtBot, window: MainWindow, backup_url: str, postgres_server
) -> None:
    sign_in_through_the_dialog(qtbot, window, backup_url, register=True)
    send(qtbot, window, "Hello")
    # The database owner takes Primer's right to connect away.
    name = backup_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server.admin_url, autocommit=True) as db:
        db.execute(f'REVOKE CONNECT ON DATABASE "{name}" FROM PUBLIC, primer_app')
    try:
        window.backup.backup_now()
        label = window.message_bar.label
        qtbot.waitUntil(lambda: label.text().startswith("Backup failed: "), timeout=30000)
        # The advice fits what was taken: the right to connect, not a schema privilege.
        assert window.message_bar.isVisible() and "may not connect" in label.text()
        assert "GRANT CONNECT" in label.text() and "CREATE and USAGE" not in label.text()
        assert not window.message_bar.action_button.isVisible()  # retrying will not help
        assert window.backup.state_label.text() == "Last backup: never"
        screenshot(window, "23-backup-failed")
    finally:
        with psycopg.connect(postgres_server.admin_url, autocommit=True) as db:
            db.execute(f'GRANT CONNECT ON DATABASE "{name}" TO primer_app')


def test_keys_typed_in_settings_go_to_the_account_and_the_url_stays(
    qtbot: QtBot, window: MainWindow, backup_url: str
) -> None:
    sign_in_through_the_dialog(qtbot, window, backup_url, register=True)
    with psycopg.connect(backup_url) as db:
        db.execute("DELETE FROM user_api_keys")
    window.open_settings()
    dialog = window.settings_dialog
    dialog.tabs.setCurrentIndex(1)  # General: the backup's part
    assert dialog.save_to_account.isVisible() and dialog.save_to_account.isChecked()
    assert "primer_app@127.0.0.1" in dialog.backup_url.text()
    assert "app-password" not in dialog.backup_url.text()
    dialog.key_fields["gemini"].setText("gm-typed-in-settings-123456")
    screenshot(dialog, "24-settings-backup")
    dialog.save()

    def saved() -> list[tuple]:
        with psycopg.connect(backup_url) as db:
            return db.execute("SELECT provider, ciphertext FROM user_api_keys").fetchall()

    qtbot.waitUntil(lambda: len(saved()) == 1, timeout=TIMEOUT)
    provider, ciphertext = saved()[0]
    assert provider == "gemini" and b"gm-typed-in-settings" not in bytes(ciphertext)
    assert window.primer.settings.backup_url == dialog.backup_url.text()


def test_enter_in_the_password_signs_in_and_a_wrong_one_keeps_the_focus_there(
    qtbot: QtBot, window: MainWindow, backup_url: str
) -> None:
    sign_in_through_the_dialog(qtbot, window, backup_url, register=True)
    window.backup._sign_out_confirmed()  # what "Sign out" does once confirmed
    qtbot.waitUntil(lambda: window.backup.account is None, timeout=TIMEOUT)

    window.backup.sign_in_action.trigger()
    dialog = window.backup.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    dialog.test_button.click()  # a click on Test connection must not make it the default
    qtbot.waitUntil(lambda: "Connected to" in dialog.status.text(), timeout=30000)
    dialog.email.setText("ada@example.org")
    dialog.password.setFocus()
    qtbot.keyClicks(dialog.password, "not the password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "wrong" in dialog.status.text(), timeout=30000)
    assert dialog.focusWidget() is dialog.password
    assert dialog.password.selectedText() == "not the password"
    qtbot.keyClicks(dialog.password, PASSWORD)  # typing replaces the selected text
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.backup.account is not None, timeout=30000)
