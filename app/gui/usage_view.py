"""File → Usage…: what requests to models used and cost, by day, model, provider or chat,
from the ledger's sums (read on the store's lane, so a million requests open at once)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeView,
    QVBoxLayout,
)

from app.gui.operations import Op
from domain.errors import PrimerError
from domain.usage import GROUPINGS, dollars, figures
from domain.use_cases.show_usage import UsageReport

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("", "Requests", "Input tokens", "Output tokens", "Reasoning", "Cached", "Cost")
PERIODS = {"All time": None, "Last 7 days": 6, "Last 30 days": 29, "Last 365 days": 364}
"""Shown name: days back before today (None: everything)."""
ESTIMATE_NOTE = "~ estimated: the server reported no tokens, so Primer counted them itself."


class UsageDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Usage")
        self.shown = 0
        """How many reports it has shown (the bench waits on it)."""
        self.resize(920, 520)
        self.by_box = QComboBox()
        self.by_box.setAccessibleName("Group by")
        self.by_box.setToolTip("Group the requests by day, model, provider or chat")
        for grouping in GROUPINGS:
            self.by_box.addItem(f"By {grouping}", grouping)
        self.period_box = QComboBox()
        self.period_box.setAccessibleName("Period")
        self.period_box.setToolTip("Which requests to count")
        self.period_box.addItems(list(PERIODS))
        self.total = QLabel()
        self.total.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTreeView()
        self.table.setModel(UsageTable())
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        self.table.setAccessibleName("Usage")
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        metrics = self.table.fontMetrics()
        for column in range(1, len(COLUMNS)):  # room for a hundred million, not measured
            widest = max(metrics.horizontalAdvance(t) for t in (COLUMNS[column], "~99,999,999"))
            header.resizeSection(column, widest + 16)
        self.note = QLabel()
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted
        self.note.setWordWrap(True)
        choices = QHBoxLayout()
        choices.addWidget(self.by_box)
        choices.addWidget(self.period_box)
        choices.addStretch(1)
        choices.addWidget(self.total)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(choices)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.by_box.currentIndexChanged.connect(self.refresh)
        self.period_box.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def since(self) -> str | None:
        back = PERIODS[self.period_box.currentText()]
        return None if back is None else (date.today() - timedelta(days=back)).isoformat()

    def refresh(self) -> None:
        primer = self.window.primer
        assert primer is not None
        Op(primer.show_usage, self.by_box.currentData(), self.since()).success(self.fill).failure(
            self.window.show_error
        ).for_widget(self).on_store(self.window.lane)

    def fill(self, report: UsageReport) -> None:
        if report.by != self.by_box.currentData():
            return  # a later choice is on its way
        self.table.model().show(report)  # type: ignore[attr-defined]
        self.shown += 1
        costs = [row.cost for row in report.rows if row.cost is not None]
        requests = sum(row.requests for row in report.rows)
        self.total.setText(
            f"<b>{dollars(sum(costs)) if costs else '-'}</b> over {requests:,} requests"
        )
        notes = [ESTIMATE_NOTE] if any(row.estimated for row in report.rows) else []
        if any(row.cost is None for row in report.rows):
            notes.append("- no price known: set one with `primer price PROVIDER MODEL IN OUT`.")
        if not report.rows:
            notes.append("No requests in this period.")
        self.note.setText("  ".join(notes))

    def shown_rows(self) -> list[list[str]]:
        """The table as it reads, row by row."""
        return list(self.table.model().rows)  # type: ignore[attr-defined]


class UsageTable(QAbstractTableModel):
    """The report's rows as text, drawn as they scroll into view (10,000 chats at once)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.first_column = "Day"

    def show(self, report: UsageReport) -> None:
        self.beginResetModel()
        self.first_column = report.by.capitalize()
        self.rows = [figures(row, _name(report, row.key)) for row in report.rows]
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and section > 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.first_column if section == 0 else COLUMNS[section]


def _name(report: UsageReport, key: str) -> str:
    if report.by == "chat":
        return report.names.get(key, key)
    return day_name(key) if report.by == "day" else key


def day_name(day: str, today: date | None = None) -> str:
    today = today or date.today()
    shown = date.fromisoformat(day)
    if shown == today:
        return "Today"
    if shown == today - timedelta(days=1):
        return "Yesterday"
    return shown.strftime("%a %d %b %Y")


def open_usage(window: MainWindow) -> None:
    if window.primer is None:
        window.show_error(PrimerError("Primer is still opening its database."))
        return
    dialog = UsageDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
