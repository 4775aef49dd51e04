"""Notes from the command line on a real store (issue 19): `primer note MESSAGE_ID add`,
`primer notes --json`, a wrong quote refused with a sentence, and a note whose chat was
deleted listed as orphaned."""

from __future__ import annotations

import json
from pathlib import Path

from app.bootstrap import build
from app.secrets import InsecureFileSecretStore
from tests.integration.test_cli import primer
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse


def test_notes_from_the_command_line(cli_dir: Path, fake_server: FakeProviderServer) -> None:
    fake_server.queue(Reply(body=openai_sse(["Ownership ", "moves; borrowing lends."])))
    asked = primer("ask", "Explain borrowing", data_dir=cli_dir)
    chat_id = asked.stderr.split("chat ")[1].split()[0]
    shown = json.loads(primer("show", chat_id, "--json", data_dir=cli_dir).stdout)
    reply_id = shown["messages"][1]["id"]

    added = primer("note", reply_id, "add", "The short version", "--quote", "borrowing lends",
                   "--colour", "blue", data_dir=cli_dir)  # fmt: skip
    assert added.returncode == 0, added.stderr
    note_id = added.stdout.strip()
    wrong = primer("note", reply_id, "add", "x", "--quote", "lends borrowing", data_dir=cli_dir)
    assert wrong.returncode != 0 and "not in the message" in wrong.stderr
    assert "Traceback" not in wrong.stderr

    (listed,) = json.loads(primer("notes", "--json", data_dir=cli_dir).stdout)
    assert set(listed) == {"id", "message_id", "chat_id", "chat_title", "text", "quote",
                           "colour", "created_at", "updated_at", "orphaned"}  # fmt: skip
    assert (listed["id"], listed["message_id"], listed["chat_id"]) == (note_id, reply_id, chat_id)
    assert (listed["text"], listed["quote"], listed["colour"]) == (
        "The short version", "borrowing lends", "blue")  # fmt: skip
    assert listed["chat_title"] == "Explain borrowing" and listed["orphaned"] is False
    assert json.loads(primer("notes", "--chat", chat_id, "--json", data_dir=cli_dir).stdout)
    assert "The short version" in primer("notes", data_dir=cli_dir).stdout

    found = json.loads(primer("search", "short version", "--json", data_dir=cli_dir).stdout)
    assert [(h["message_id"], h["snippet"]) for h in found] == [
        (reply_id, "Note: The «short» «version»")
    ]  # a note's words find its message
    assert primer("note", note_id, "edit", "Lending, not giving", data_dir=cli_dir).returncode == 0
    assert json.loads(primer("search", "short version", "--json", data_dir=cli_dir).stdout) == []
    (edited,) = json.loads(primer("notes", "--json", data_dir=cli_dir).stdout)
    assert edited["text"] == "Lending, not giving" and edited["quote"] == "borrowing lends"

    store = build(cli_dir, secrets=InsecureFileSecretStore(cli_dir / "keys.json"))
    store.delete_chat(chat_id)
    store.store.close()
    (orphan,) = json.loads(primer("notes", "--json", data_dir=cli_dir).stdout)
    assert orphan["id"] == note_id and orphan["orphaned"] is True  # the note stays

    assert primer("note", note_id, "delete", data_dir=cli_dir).returncode == 0
    assert json.loads(primer("notes", "--json", data_dir=cli_dir).stdout) == []
