"""Tags on a real store: from the command line, in search, through export and import (and
ChatGPT's stars and Claude's projects), and through backup and restore on two machines,
sealed, the newest change of a chat's tags winning."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from app.bootstrap import build
from app.import_files import read_chats
from domain.tags import COLOURS, Tag
from domain.use_cases.import_chats import ImportReport
from tests.integration.test_backup import Machine, sign_in, sign_up
from tests.integration.test_cli import primer
from tests.integration.test_import_apps import chatgpt_conversations, claude_blocks
from tests.support.seeding import add_chat


def _chats(data_dir: Path, *options: str) -> list[dict]:
    shown = primer("chats", "--json", *options, data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_tags_from_the_command_line_and_in_search(data_dir: Path) -> None:
    built = build(data_dir)
    rome, oslo = add_chat(built, "Rome", 2), add_chat(built, "Oslo", 2)
    # (18 characters: the millisecond and its counter; two chats made in one millisecond
    # share the first 13)
    added = primer("tag", rome.id[:18], "add", "Travel", "--colour", "red", data_dir=data_dir)
    assert added.returncode == 0 and "carries: Travel" in added.stderr, added.stderr
    assert primer("tag", oslo.id, "add", "travel", data_dir=data_dir).returncode == 0
    assert primer("tag", oslo.id, "add", "Work", data_dir=data_dir).returncode == 0
    tagged = {row["title"]: row["tags"] for row in _chats(data_dir)}
    assert tagged == {"Rome": ["Travel"], "Oslo": ["Travel", "Work"]}
    assert [row["title"] for row in _chats(data_dir, "--tag", "work")] == ["Oslo"]
    listed = json.loads(primer("tags", "--json", data_dir=data_dir).stdout)
    assert listed == [{"name": "Travel", "colour": COLOURS["red"], "chats": 2},
                      {"name": "Work", "colour": listed[1]["colour"], "chats": 1}]  # fmt: skip
    found = primer("search", "message", "--tag", "Work", "--json", data_dir=data_dir)
    assert {hit["chat_id"] for hit in json.loads(found.stdout)} == {oslo.id}, found.stderr
    assert "#Travel" in primer("chats", data_dir=data_dir).stdout

    assert primer("tags", "rename", "travel", "Trips", data_dir=data_dir).returncode == 0
    assert primer("tags", "colour", "Trips", "green", data_dir=data_dir).returncode == 0
    assert {row["title"]: row["tags"] for row in _chats(data_dir, "--tag", "trips")} == {
        "Rome": ["Trips"], "Oslo": ["Trips", "Work"]}  # fmt: skip
    assert primer("tags", "delete", "Trips", data_dir=data_dir).returncode == 0
    assert primer("tag", rome.id, "remove", "Work", data_dir=data_dir).returncode == 1
    assert _chats(data_dir, "--tag", "Trips") == []
    wrong = primer("tag", rome.id, "add", "x", "--colour", "sunset", data_dir=data_dir)
    assert wrong.returncode == 1 and "Not a colour: sunset" in wrong.stderr


def test_imports_bring_stars_and_projects_as_tags_and_an_export_keeps_them(
    data_dir: Path, tmp_path: Path
) -> None:
    starred = {**chatgpt_conversations()[0], "is_starred": True}
    in_project = {**claude_blocks(), "project": {"uuid": "p1", "name": "Garden plans"}}
    for name, data in (("conversations.json", [starred]), ("claude.json", [in_project])):
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    built = build(data_dir)
    for name in ("conversations.json", "claude.json"):
        report = ImportReport()
        built.import_chats(read_chats(tmp_path / name, report, built.attach_file), report)
    tags = {s.title: [t.name for t in s.tags] for s in built.list_chats()}
    assert sorted(tags.values()) == [["Garden plans"], ["Starred"]]

    exported = tmp_path / "all.json"
    assert primer("export", "--format", "json", "--out", str(exported),
                  data_dir=data_dir).returncode == 0  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    assert primer("import", str(exported), data_dir=elsewhere).returncode == 0
    assert {s.title: s.tags for s in build(elsewhere).list_chats()} == {
        s.title: s.tags for s in built.list_chats()}  # fmt: skip


def test_tags_are_sealed_in_the_backup_and_the_newest_change_wins(
    machine: Machine, backup_url: str
) -> None:
    laptop, desktop = machine("laptop"), machine("desktop")
    account = sign_up(laptop)
    chat = add_chat(laptop, "Plans", 2)
    laptop.tag_chats.add(chat.id, "Confidential diagnosis", "red")
    assert laptop.backup_now()(account).finished
    with psycopg.connect(backup_url) as owner:
        (tags,) = owner.execute("SELECT tags FROM chats WHERE id = %s", (chat.id,)).fetchone()
    assert "Confidential" not in tags and tags != "[]"  # sealed, like the title

    assert sign_in(desktop) == account
    desktop.restore_backup()(account)
    assert desktop.get_chat(chat.id).tags == (Tag("Confidential diagnosis", COLOURS["red"]),)
    laptop.tag_chats.add(chat.id, "Older change")  # made first…
    desktop.tag_chats.remove(chat.id, "Confidential diagnosis")  # …this one is newer
    desktop.tag_chats.add(chat.id, "Newer", "teal")
    for primer_ in (laptop, desktop, laptop):
        primer_.backup_now()(account)
        primer_.restore_backup()(account)
    assert laptop.get_chat(chat.id).tags == desktop.get_chat(chat.id).tags == (
        Tag("Newer", COLOURS["teal"]),)  # fmt: skip
