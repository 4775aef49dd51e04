"""The Filters button beside the search field: the order, and what to search among (whose
messages, when, which provider and model, pinned chats, the chat on screen). The button
says how many filters are on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QMenu,
    QToolButton,
    QWidget,
)

from domain.clock import local_midnight
from domain.entities import Role
from domain.search import Filters, Order

ANY = ""
BETWEEN = -1
"""The period chosen with "Between dates…"."""


class SearchOptions(QToolButton):
    changed = Signal()
    PERIODS = (("Any time", 0), ("Past week", 7), ("Past month", 31), ("Past year", 366),
               ("Between dates…", BETWEEN))  # fmt: skip
    WHO = (("Everyone", None), ("Only my messages", Role.USER), ("Only replies", Role.ASSISTANT))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchOptions")
        self.setToolTip("Order and filters")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.providers: Callable[[], list[str]] = list
        self.models: Callable[[], list[str]] = list
        self.tags: Callable[[], list[str]] = list
        """What the Provider and Model menus offer, asked each time they open."""
        self.between: tuple[date, date] | None = None
        menu = QMenu(self)
        self._order = self._choices(menu, [("Newest first", Order.NEWEST),
                                           ("Best match", Order.BEST)])  # fmt: skip
        menu.addSeparator()
        self._who = self._choices(menu, list(self.WHO))
        menu.addSeparator()
        self._period = self._choices(menu, list(self.PERIODS))
        self._period.actions()[-1].triggered.connect(self._ask_dates)
        menu.addSeparator()
        self._provider_menu = menu.addMenu("Provider")
        self._provider = self._named_choices(self._provider_menu, "Any provider", self._providers)
        self._model_menu = menu.addMenu("Model")
        self._model = self._named_choices(self._model_menu, "Any model", self._models)
        self._tag_menu = menu.addMenu("Tag")
        self._tag = self._named_choices(self._tag_menu, "Any tag", lambda: self.tags())
        menu.addSeparator()
        self._pinned = menu.addAction("Only pinned chats")
        self._this_chat = menu.addAction("Only the chat on screen")
        for action in (self._pinned, self._this_chat):
            action.setCheckable(True)
            action.toggled.connect(lambda _on: self._changed())
        self.setMenu(menu)
        self._changed(announce=False)

    def _choices(self, menu: QMenu, choices: list[tuple[str, object]]) -> QActionGroup:
        group = QActionGroup(self)
        for number, (text, value) in enumerate(choices):
            self._choice(menu, group, text, value, checked=number == 0)
        group.triggered.connect(
            lambda action: self._changed() if action.data() != BETWEEN else None
        )
        return group

    def _choice(
        self, menu: QMenu, group: QActionGroup, text: str, value: object, *, checked: bool
    ) -> QAction:
        action = menu.addAction(text)
        action.setData(value)
        action.setCheckable(True)
        action.setChecked(checked)
        group.addAction(action)
        return action

    def _named_choices(
        self, menu: QMenu, anything: str, names: Callable[[], list[str]]
    ) -> QActionGroup:
        """A menu of names read when it opens, the one chosen kept."""
        group = self._choices(menu, [(anything, ANY)])

        def fill() -> None:
            chosen = group.checkedAction().data()
            for action in group.actions()[1:]:
                group.removeAction(action)
                menu.removeAction(action)
            for name in names():
                self._choice(menu, group, name, name, checked=name == chosen)
            if group.checkedAction() is None:
                group.actions()[0].setChecked(True)

        menu.aboutToShow.connect(fill)
        return group

    def _providers(self) -> list[str]:
        return self.providers()

    def _models(self) -> list[str]:
        return self.models()

    def _ask_dates(self) -> None:
        """Between two days, both included (local time)."""
        dialog = QDialog(self)
        dialog.setWindowTitle("Search between dates")
        today = QDate.currentDate()
        start, end = QDateEdit(today.addMonths(-1)), QDateEdit(today)
        for edit in (start, end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout(dialog)
        form.addRow("From", start)
        form.addRow("To", end)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        self.dates_dialog = dialog

        def chosen(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                first, last = sorted((start.date().toPython(), end.date().toPython()))
                self.choose_dates(first, last)
            elif self.between is None:  # nothing chosen before: back to any time
                self._period.actions()[0].setChecked(True)

        dialog.finished.connect(chosen)
        dialog.open()

    def choose_dates(self, first: date, last: date) -> None:
        self.between = (first, last)
        self._period.actions()[-1].setChecked(True)
        self._period.actions()[-1].setText(f"Between {first:%Y-%m-%d} and {last:%Y-%m-%d}…")
        self._changed()

    def _changed(self, *, announce: bool = True) -> None:
        groups = (self._order, self._who, self._period, self._provider, self._model, self._tag)
        on = sum(group.checkedAction() is not group.actions()[0] for group in groups)
        on += self._pinned.isChecked() + self._this_chat.isChecked()
        self.setText(f"Filters ({on})" if on else "Filters")
        if announce:
            self.changed.emit()

    def order(self) -> Order:  # (Qt hands an enum's value back as plain text)
        return Order(self._order.checkedAction().data())

    def filters(self, chat_on_screen: str | None) -> Filters:
        days = self._period.checkedAction().data()
        since = before = None
        if days == BETWEEN and self.between is not None:
            first, last = self.between
            since, before = local_midnight(first), local_midnight(last + timedelta(days=1))
        elif days and days > 0:
            since = datetime.now(UTC) - timedelta(days=days)
        return Filters(
            chat_id=chat_on_screen if self._this_chat.isChecked() else None,
            since=since,
            before=before,
            provider=self._provider.checkedAction().data() or None,
            model=self._model.checkedAction().data() or None,
            role=Role(who) if (who := self._who.checkedAction().data()) else None,
            pinned=True if self._pinned.isChecked() else None,
            tag=self._tag.checkedAction().data() or None,
        )
