"""The window's look beyond the palette: a sidebar set apart, rounded fields and buttons,
the composer as a rounded box with a round Send button, line icons. One stylesheet, made
from the theme's colours and set on the window's central part only (dialogs keep Fusion's
plain look, and no widget outside pays for the stylesheet's style)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow


def colours(dark: bool) -> dict[str, str]:
    if dark:
        return {
            "side": "#1b1c1f",
            "base": "#17181a",
            "field": "#232529",
            "border": "#34373c",
            "hover": "#2b2e33",
            "accent": "#4d8bf0",
            "accent_hover": "#6a9ff3",
            "text": "#e6e6e6",
            "muted": "#9aa0a6",
        }
    return {
        "side": "#f4f5f7",
        "base": "#ffffff",
        "field": "#ffffff",
        "border": "#d9dce1",
        "hover": "#e7e9ed",
        "accent": "#2f6fdf",
        "accent_hover": "#1f5cc8",
        "text": "#1f2328",
        "muted": "#5f6368",
    }


def stylesheet(dark: bool) -> str:
    c = colours(dark)
    return f"""
#sidebar {{ background: {c["side"]}; }}
#sidebar QListView {{ background: transparent; border: none; }}
#mainPane {{ background: {c["base"]}; }}
#conversation {{ background: {c["base"]}; }}
#newChat {{
    text-align: left; padding: 7px 10px; border-radius: 8px;
    border: 1px solid {c["border"]}; background: {c["field"]}; color: {c["text"]};
}}
#newChat:hover {{ background: {c["hover"]}; }}
#newChat:focus, #searchField:focus, #modelPicker:focus {{ border-color: {c["accent"]}; }}
#searchField {{
    padding: 5px 6px; border-radius: 8px;
    border: 1px solid {c["border"]}; background: {c["field"]}; color: {c["text"]};
}}
#searchOptions, #systemPrompt, #attach, #modelPicker {{
    border: 1px solid transparent; border-radius: 8px; padding: 4px 6px; color: {c["text"]};
}}
#modelPicker {{ border-color: {c["border"]}; padding: 4px 10px; }}
#modelPicker::menu-indicator {{ image: none; width: 0; }}
#searchOptions::menu-indicator {{ image: none; width: 0; }}
#searchOptions:hover, #systemPrompt:hover, #attach:hover, #modelPicker:hover,
#searchOptions:focus, #systemPrompt:focus, #attach:focus {{
    background: {c["hover"]};
}}
#composeBox {{
    border: 1px solid {c["border"]}; border-radius: 14px; background: {c["field"]};
}}
#composer {{ background: transparent; color: {c["text"]}; }}
#send {{ border: none; border-radius: 17px; background: {c["accent"]}; }}
#send:hover, #send:focus {{ background: {c["accent_hover"]}; }}
#send:disabled {{ background: {c["border"]}; }}
#stop {{ border: 1px solid {c["border"]}; border-radius: 17px; background: {c["hover"]}; }}
#chatSpent {{ color: {c["muted"]}; }}
#searchResults {{ background: {c["side"]}; border: none; }}
#searchModes {{ background: {c["hover"]}; border-radius: 8px; }}
#searchModes QToolButton {{
    border: none; border-radius: 6px; padding: 3px 10px; color: {c["muted"]};
}}
#searchModes QToolButton:hover {{ color: {c["text"]}; }}
#searchModes QToolButton:checked {{ background: {c["field"]}; color: {c["text"]}; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0; }}
QScrollBar::handle:vertical {{
    background: {c["border"]}; border-radius: 3px; min-height: 32px; margin: 2px;
}}
QScrollBar::handle:vertical:hover {{ background: {c["muted"]}; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: transparent; }}
"""


def apply_look(window: MainWindow, dark: bool) -> None:
    window.centralWidget().setStyleSheet(stylesheet(dark))
