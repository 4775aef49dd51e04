"""The system libraries Qt's X11 platform plugin loads, checked before Qt is started.

Without one of them Qt ends with "Reinstalling the application may fix this problem",
which helps nobody: the package is named instead (Debian and Ubuntu names; other
distributions' packages carry the same library files).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

# library file -> Debian package
X11_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def missing_packages(load: Callable[[str], object] = ctypes.CDLL) -> list[str]:
    missing = []
    for library, package in X11_LIBRARIES.items():
        try:
            load(library)
        except OSError:
            missing.append(package)
    return missing


def uses_x11(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether Qt will pick its X11 plugin here."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0] == "xcb"
    return not environ.get("WAYLAND_DISPLAY")


def problem(load: Callable[[str], object] = ctypes.CDLL) -> str | None:
    """A sentence naming what to install, or None when the window can start."""
    if not uses_x11():
        return None
    missing = missing_packages(load)
    if not missing:
        return None
    names = " ".join(missing)
    return (
        f"Primer's window needs system libraries that are not installed: {names}. "
        f"On Debian or Ubuntu: sudo apt install {names} "
        "(Fedora: sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-image "
        "xcb-util-keysyms xcb-util-renderutil libxkbcommon-x11). "
        "The command line (primer --help) works without them."
    )
