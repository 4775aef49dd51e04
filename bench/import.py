"""Import and export speed (issue 15) on a generated ChatGPT export.

    python -m bench.import [--conversations 2000] [--turns 15]

Writes a ChatGPT data export (the zip as downloaded) of `conversations` conversations of
`turns` question-and-answer turns each, with thinking, tool calls and their output, and a
regenerated answer in every fifth turn: about 100,000 nodes with messages by default.
Then, each as a command of its own: the first import into a new data folder (goal < 20 s,
search index included; peak memory < 300 MB), the same import again (adds nothing; goal
< 3 s), and the export of everything to JSON (goal < 10 s).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

WORDS = ("time", "model", "answer", "python", "search", "index", "backup", "chat", "value",
         "server", "window", "message", "history", "export", "import", "branch")  # fmt: skip


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _said(role: str, content: dict[str, Any], when: float, **extra: Any) -> dict[str, Any]:
    return {"author": {"role": role, "name": extra.pop("name", None)}, "content": content,
            "create_time": when, "recipient": extra.pop("recipient", "all"),
            "metadata": {"model_slug": "gpt-4o"}, **extra}  # fmt: skip


def conversation(rng: random.Random, number: int, turns: int) -> tuple[dict[str, Any], int]:
    """One conversation and how many of its nodes hold a message."""
    when = 1_700_000_000 + number * 3600.0
    mapping: dict[str, Any] = {"root": {"id": "root", "parent": None, "children": []}}
    nodes = 0

    def add(parent: str, message: dict[str, Any]) -> str:
        nonlocal nodes
        node_id = f"n{len(mapping)}"
        mapping[node_id] = {"id": node_id, "parent": parent, "children": [], "message": message}
        mapping[parent]["children"].append(node_id)
        nodes += 1
        return node_id

    leaf = "root"
    for turn in range(turns):
        when += 60
        question = add(leaf, _said("user", {"content_type": "text",
                                            "parts": [_text(rng, 12)]}, when))  # fmt: skip
        replies = 2 if turn % 5 == 4 else 1  # a regenerated answer
        for _ in range(replies):
            at = question
            if turn % 3 == 0:  # thinking, a tool call and its output first
                at = add(
                    at,
                    _said(
                        "assistant",
                        {
                            "content_type": "thoughts",
                            "thoughts": [{"summary": _text(rng, 4), "content": _text(rng, 20)}],
                        },
                        when + 1,
                    ),
                )
                at = add(
                    at,
                    _said(
                        "assistant",
                        {"content_type": "code", "language": "python", "text": "print(1)"},
                        when + 2,
                        recipient="python",
                    ),
                )
                at = add(at, _said("tool", {"content_type": "execution_output", "text": "1"},
                                   when + 3, name="python"))  # fmt: skip
            at = add(at, _said("assistant", {"content_type": "text",
                                             "parts": [_text(rng, 60)]}, when + 5))  # fmt: skip
        leaf = at
    return {"id": f"bench-{number:06}", "title": f"Conversation {number}",
            "create_time": 1_700_000_000 + number * 3600.0, "update_time": when,
            "current_node": leaf, "mapping": mapping}, nodes  # fmt: skip


def _run(*args: str) -> float:
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"primer {' '.join(args)} failed: {result.stderr}")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(15)
    work = Path(tempfile.mkdtemp(prefix="primer-bench-import-"))
    try:
        export, nodes = work / "chatgpt-export.zip", 0
        with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
            with archive.open("conversations.json", "w") as stream:
                stream.write(b"[")
                for number in range(args.conversations):
                    data, count = conversation(rng, number, args.turns)
                    nodes += count
                    stream.write((b"," if number else b"") + json.dumps(data).encode())
                stream.write(b"]")
            archive.writestr("user.json", "{}")
        size = zipfile.ZipFile(export).getinfo("conversations.json").file_size
        print(f"export: {args.conversations:,} conversations, {nodes:,} nodes with a message, "
              f"conversations.json {size / 1e6:.0f} MB")  # fmt: skip
        data_dir = str(work / "data")
        first = _run("import", str(export), "--data-dir", data_dir)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"first import:             {first:5.1f} s   (goal < 20 s, search index included)")
        print(f"peak memory of the import: {peak:4.0f} MB  (goal < 300 MB)")
        again = _run("import", str(export), "--data-dir", data_dir)
        print(f"the same import again:    {again:5.1f} s   (adds nothing; goal < 3 s)")
        out = str(work / "all.json")
        exported = _run("export", "--format", "json", "--out", out, "--data-dir", data_dir)
        print(f"export of all to JSON:    {exported:5.1f} s   (goal < 10 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
