"""Attaching in the window as a person does: paste a screenshot, drop a PDF, remove a file
they did not mean, send, reopen the chat and open the attachment."""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
)
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainWindow
from devtools import sample_files
from tests.gui.conftest import open_window, screenshot
from tests.support.fake_providers import FakeProviderServer

TIMEOUT = 20_000


class Opened(QObject):
    """Where QDesktopServices would have opened files: the system's viewer, caught."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def drop(window: MainWindow, paths: list[Path]) -> None:
    """Files dragged over the composer and let go, as a file manager does it."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    target = window.composer.viewport()
    copy, left, plain = (Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier)  # fmt: skip
    entered = QDragEnterEvent(QPoint(20, 20), copy, data, left, plain)
    QApplication.sendEvent(target, entered)
    assert entered.isAccepted()
    QApplication.sendEvent(target, QDragMoveEvent(QPoint(22, 22), copy, data, left, plain))
    QApplication.sendEvent(target, QDropEvent(QPointF(22, 22), copy, data, left, plain))


def chip_names(window: MainWindow) -> list[str]:
    return [chip.attachment.name for chip in window.attachment_tray.chips()]


def test_paste_a_picture_drop_a_pdf_send_reopen_and_open_it(
    qtbot: QtBot, configured_data_dir: Path, fake_server: FakeProviderServer, tmp_path: Path
) -> None:
    document = sample_files.write(tmp_path / "report.pdf", sample_files.pdf(["Q3 went well."]))
    stray = tmp_path / "notes.txt"
    stray.write_text("not this one", encoding="utf-8")
    window = open_window(qtbot, configured_data_dir)

    screenshot_of_screen = QImage(320, 200, QImage.Format.Format_RGB32)
    screenshot_of_screen.fill(QColor("#3d6fb6"))
    clipboard = QMimeData()
    clipboard.setImageData(screenshot_of_screen)
    QGuiApplication.clipboard().setMimeData(clipboard)
    window.composer.setFocus()
    qtbot.keyClick(window.composer, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: chip_names(window) == ["Pasted image.png"], timeout=TIMEOUT)
    assert window.composer.toPlainText() == ""  # a picture is attached, not typed

    drop(window, [document, stray])
    qtbot.waitUntil(lambda: len(chip_names(window)) == 3, timeout=TIMEOUT)
    assert sorted(chip_names(window)) == ["Pasted image.png", "notes.txt", "report.pdf"]
    [notes] = [c for c in window.attachment_tray.chips() if c.attachment.name == "notes.txt"]
    notes_file = (
        configured_data_dir / "files" / notes.attachment.sha256[:2] / notes.attachment.sha256
    )
    assert notes_file.exists()
    screenshot(window, "attach-01-chips")
    qtbot.mouseClick(notes.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not notes_file.exists(), timeout=TIMEOUT)  # forgotten
    assert sorted(chip_names(window)) == ["Pasted image.png", "report.pdf"]

    window.composer.setPlainText("What do these show?")
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    assert chip_names(window) == [] and window.composer.toPlainText() == ""
    parts = fake_server.last_chat_request().body["messages"][0]["content"]
    assert [part["type"] for part in parts] == ["text", "image_url", "file"]
    pasted = QImage.fromData(base64.b64decode(parts[1]["image_url"]["url"].split(",", 1)[1]))
    assert (pasted.width(), pasted.height()) == (320, 200)
    assert parts[2]["file"]["file_data"].endswith(base64.b64encode(document.read_bytes()).decode())
    window.close()

    again = open_window(qtbot, configured_data_dir)
    qtbot.waitUntil(lambda: again.message_model.rowCount() == 2, timeout=TIMEOUT)
    question = again.message_model.message(0)
    assert [a.name for a in question.attachments] == ["Pasted image.png", "report.pdf"]
    shown, _ = again.delegate.document(again.message_model.index(0), again.conversation.width())
    assert "thumbnail:" in shown.toHtml() and "report.pdf" in shown.toPlainText()
    screenshot(again, "attach-02-sent")

    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        again.delegate.trigger(again.message_model.index(0), "file:open:1")
        qtbot.waitUntil(lambda: bool(opened.urls), timeout=TIMEOUT)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    copy = Path(opened.urls[0].toLocalFile())
    assert copy.name == "report.pdf" and copy.read_bytes() == document.read_bytes()
    again.close()


def test_a_model_that_reads_no_pdfs_offers_to_send_the_text_and_keeps_the_draft(
    qtbot: QtBot, window: MainWindow, fake_server: FakeProviderServer, tmp_path: Path
) -> None:
    document = sample_files.write(tmp_path / "notes.pdf", sample_files.pdf(["Buy oat milk."]))
    window.header.choose("openai", "gpt-3.5-turbo")
    drop(window, [document])
    qtbot.waitUntil(lambda: chip_names(window) == ["notes.pdf"], timeout=TIMEOUT)
    window.composer.setPlainText("Summarise")
    asked: list[str] = []

    def answer(button: str) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, lambda: answer(button))
            return
        asked.append(box.text())
        [chosen] = [b for b in box.buttons() if box.buttonRole(b).name == button]
        chosen.click()

    QTimer.singleShot(20, lambda: answer("RejectRole"))  # Cancel: nothing goes
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(asked), timeout=TIMEOUT)
    assert "gpt-3.5-turbo on OpenAI cannot read PDFs" in asked[0]
    qtbot.wait(50)
    assert window.composer.toPlainText() == "Summarise" and chip_names(window) == ["notes.pdf"]
    assert not [r for r in fake_server.received if r.method == "POST"]

    QTimer.singleShot(20, lambda: answer("AcceptRole"))  # Send as text
    with qtbot.waitSignal(window.reply_finished, timeout=TIMEOUT):
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    [message] = fake_server.last_chat_request().body["messages"]
    assert message["content"] == [
        {"type": "text", "text": "notes.pdf:\n```\nBuy oat milk.\n```\n\nSummarise"}]  # fmt: skip
    assert chip_names(window) == [] and window.composer.toPlainText() == ""
