"""Garbage collection on the GUI thread only, while windows live.

Python collects cycles on whichever thread happens to allocate when a threshold is
crossed. If that is the database lane or a stream's worker, and the garbage holds a Qt
object (a closed window's last cycle), Qt deletes a widget off the GUI thread and the
program crashes (seen in the GUI tests: SIGSEGV while the lane was reading the store). So
automatic collection is off while a window lives, and a timer on the GUI thread collects
whenever the counts say a collection is due, as qutebrowser does.

The timer ticks often (every 100 ms) so that each pass has little to look at. When
modules were loaded since the last tick (opening the store, a provider's SDK on the first
message, the backup's driver), what they made lives as long as the program: it is frozen
out of the collector's sight instead of being traversed, which would stall the window for
tens of milliseconds (bench.stall).
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 100
_windows = 0


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        global _windows
        super().__init__(parent)
        _windows += 1
        gc.disable()
        self._modules = len(sys.modules)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start(INTERVAL_MS)

    def collect_if_due(self) -> None:
        if len(sys.modules) != self._modules:
            self._modules = len(sys.modules)
            gc.freeze()
            return
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] > thresholds[0]:
            gc.collect(0)
            if counts[1] > thresholds[1]:
                gc.collect(1)
                if counts[2] > thresholds[2]:
                    gc.collect(2)

    def stop(self) -> None:
        """The window closed and its threads have ended: collect here, and once no window
        is left, let Python collect as it normally does."""
        global _windows
        self._timer.stop()
        _windows -= 1
        gc.collect()
        if _windows == 0:
            gc.enable()
