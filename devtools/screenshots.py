"""The screenshots under docs/: Primer's window on a small demo history, light and dark, at
100 % and 200 % scale. Each is taken in a process of its own (Qt's scale is set before
it starts), offscreen, so no screen is needed:

    .venv/bin/python -m devtools.screenshots docs

writes docs/light.png, docs/dark.png, docs/light@2x.png and docs/dark@2x.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

REPLY = """Here is a small function that counts words, and how it behaves:

```python
from collections import Counter

def top_words(text: str, n: int = 3) -> list[tuple[str, int]]:
    return Counter(text.lower().split()).most_common(n)
```

| Input | Result |
|---|---|
| `"a b a"` | `[("a", 2), ("b", 1)]` |
| `""` | `[]` |

It reads the text **once**, so it stays fast on long documents."""

CHATS = [  # (title, hours ago, model, pinned, tags)
    ("Reading list for the trip", 400, "gpt-4o-mini", True, ["Personal"]),
    ("Count the words in a text", 0.2, "gpt-4.1", False, ["Code", "Python"]),
    ("Summarise the Q3 report", 3, "gemini-2.5-flash", False, ["Work"]),
    ("Translate the menu into French", 26, "llama3.2", False, []),
    ("Ideas for a birthday dinner", 30, "gpt-4o-mini", False, ["Personal"]),
    ("Why is the sky blue?", 80, "gemini-2.5-flash", False, []),
    ("Fix the failing CI job", 130, "gpt-4.1", False, ["Code", "Work"]),
    ("Plan a 10 km training week", 300, "gpt-4o-mini", False, []),
    ("Explain SQLite's WAL mode", 900, "gpt-4.1", False, ["Code"]),
]


def seed(data_dir: Path) -> None:
    """A history as a person's might look: chats of the last weeks, one pinned, some tagged,
    the newest a question with a reply holding code and a table."""
    from app.bootstrap import build
    from domain.chats import new_chat
    from domain.clock import utc_now
    from domain.entities import Message, MessageStatus, Role
    from domain.ids import new_id
    from domain.tags import Tag, colour

    primer = build(data_dir)
    now = utc_now()
    for title, hours, model, pinned, tags in reversed(CHATS):
        when = now - timedelta(hours=hours)
        provider = "gemini" if model.startswith("gemini") else "openai"
        chat = new_chat(title=title, provider=provider, model=model, system_prompt="", now=when)
        chat = dataclasses.replace(
            chat, pinned=pinned, tags=tuple(Tag(name, colour(None, name)) for name in tags)
        )
        question = Message(
            id=new_id(), chat_id=chat.id, parent_id=None, role=Role.USER, content=title,
            status=MessageStatus.COMPLETE, created_at=when,
        )  # fmt: skip
        answer = Message(
            id=new_id(), chat_id=chat.id, parent_id=question.id, role=Role.ASSISTANT,
            content=REPLY if title.startswith("Count") else f"A short answer: {title.lower()}.",
            status=MessageStatus.COMPLETE, created_at=when + timedelta(seconds=4),
            provider=provider, model=model, input_tokens=412, output_tokens=1_290,
            cost=0.0021, metadata={"seconds": 5.2, "first_token_seconds": 0.4},
        )  # fmt: skip
        with primer.uow_factory() as uow:
            uow.chats.add(chat)
            uow.messages.add(question)
            uow.messages.add(answer)
            uow.commit()
    primer.store.close()


def shoot(data_dir: Path, theme: str, out: Path) -> None:
    """Open the window on `data_dir`, wait for the newest chat, save the window's picture."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui.launch import create_window, open_store_in_background

    settings = data_dir / "settings.json"
    saved = json.loads(settings.read_text()) if settings.exists() else {}
    settings.write_text(json.dumps({**saved, "theme": theme}))
    app = QApplication(["primer", "-style", "fusion"])
    window = create_window(data_dir)
    window.resize(1180, 760)
    window.show()

    def opened() -> None:
        window.composer.setFocus()
        QTimer.singleShot(800, lambda: (window.grab().save(str(out)), app.quit()))

    def listed() -> None:  # the newest chat (under the pinned one), once
        window.chats_loaded.disconnect(listed)
        window.conversation_shown.connect(opened)
        window.open_chat(window.chat_model.summary(1).id)

    window.chats_loaded.connect(listed)
    open_store_in_background(window)
    QTimer.singleShot(20_000, app.quit)  # never hang a script
    app.exec()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--shoot", nargs=3, metavar=("DATA", "THEME", "OUT"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.shoot:
        data, theme, out = args.shoot
        shoot(Path(data), theme, Path(out))
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        data = Path(temporary) / "data"
        seed(data)
        for scale in ("1", "2"):
            for theme in ("light", "dark"):
                name = f"{theme}{'' if scale == '1' else '@2x'}.png"
                env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
                subprocess.run(
                    [sys.executable, "-m", "devtools.screenshots", str(args.folder),
                     "--shoot", str(data), theme, str(args.folder / name)],
                    env=env, check=True,
                )  # fmt: skip
                print(args.folder / name, datetime.now().strftime("%H:%M:%S"))


if __name__ == "__main__":
    main()
