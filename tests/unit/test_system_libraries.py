"""Before Qt starts on X11, a missing system library is named with its package."""

from __future__ import annotations

import pytest

from app.gui import system_libraries


def test_a_missing_library_is_named_with_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(system_libraries, "uses_x11", lambda: True)

    def load(name: str) -> object:
        if name == "libxcb-cursor.so.0":
            raise OSError(f"{name}: cannot open shared object file")
        return object()

    sentence = system_libraries.problem(load)
    assert sentence is not None
    assert "sudo apt install libxcb-cursor0" in sentence
    assert "libxcb-icccm4" not in sentence
    assert system_libraries.problem(lambda _name: object()) is None


def test_only_the_x11_plugin_needs_them() -> None:
    uses = system_libraries.uses_x11
    assert uses({"QT_QPA_PLATFORM": "offscreen"}) is False
    assert uses({"QT_QPA_PLATFORM": "xcb"}) is True
    assert uses({"WAYLAND_DISPLAY": "wayland-0"}) is False
    assert uses({"DISPLAY": ":0"}) is True
