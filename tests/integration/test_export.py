"""Export as a person uses it: one chat or all, as Markdown, JSON or HTML, from the command
and from the use case the window shares; nothing replaced unless asked, nothing half written."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

from app.bootstrap import Primer, build
from app.export_files import ExportFormat, write_export
from app.import_files import read_chats
from domain.chats import new_chat
from domain.entities import Chat, Message, MessageStatus, Role
from domain.errors import PrimerError
from domain.export import WholeChat
from domain.ids import new_id
from domain.use_cases.import_chats import ImportReport
from tests.integration.test_cli import primer as run_primer
from tests.integration.test_search import START, chat_with


def chat_with_two_versions(primer: Primer) -> tuple[Chat, list[Message]]:
    """A question with two replies (a regenerated one); the first is the one shown."""
    started = new_chat(
        title="Code <review>", provider="openai", model="gpt-test", system_prompt="Be brief.",
        now=START,
    )  # fmt: skip
    chat = dataclasses.replace(started, pinned=True)
    question = Message(new_id(), chat.id, None, Role.USER, "Is `x = 1` fine?\n\n<script>1</script>",
                       MessageStatus.COMPLETE, START)  # fmt: skip
    first = Message(new_id(), chat.id, question.id, Role.ASSISTANT,
                    "Yes:\n\n```python\nx = 1\n```", MessageStatus.COMPLETE,
                    START + timedelta(seconds=1), "openai", "gpt-test", 7, 3, 0.001,
                    metadata={"finish_reason": "stop"})  # fmt: skip
    second = Message(new_id(), chat.id, question.id, Role.ASSISTANT, "It is fine.",
                     MessageStatus.COMPLETE, START + timedelta(seconds=2), "openai",
                     "gpt-test")  # fmt: skip
    with primer.uow_factory() as uow:
        uow.chats.add(chat)
        for message in (question, first, second):
            uow.messages.add(message)
        uow.branches.choose(chat.id, first.id)
        uow.commit()
    return chat, [question, first, second]


def test_json_keeps_every_version_and_markdown_reads_as_shown(data_dir: Path) -> None:
    primer = build(data_dir)
    chat, (question, first, second) = chat_with_two_versions(primer)
    chat_with(primer, "Other", "hello", "hi", days=3)
    out = data_dir.parent / "exports"
    out.mkdir()
    ids = primer.export_chats.chat_ids()
    assert len(ids) == 2 and ids[0] == chat.id  # the list's order: pinned first

    write_export(primer.export_chats, ids, ExportFormat.JSON, out / "all.json")
    document = json.loads((out / "all.json").read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == ("primer-export", 1)
    exported = document["chats"][0]
    assert exported["id"] == chat.id and exported["pinned"] is True
    assert exported["system_prompt"] == "Be brief."
    assert exported["active_path"] == [question.id, first.id]
    by_id = {m["id"]: m for m in exported["messages"]}
    assert set(by_id) == {question.id, first.id, second.id}  # every version
    assert by_id[first.id]["metadata"] == {"finish_reason": "stop"}
    assert (by_id[first.id]["input_tokens"], by_id[first.id]["cost"]) == (7, 0.001)
    assert by_id[second.id]["parent_id"] == question.id
    assert by_id[question.id]["created_at"].endswith("Z")

    write_export(primer.export_chats, [chat.id], ExportFormat.MARKDOWN, out / "one.md")
    text = (out / "one.md").read_text(encoding="utf-8")
    assert text.startswith("# Code <review>\n")
    assert "**You** · " in text and "**gpt-test** · " in text
    assert "```python\nx = 1\n```" in text and "It is fine." not in text  # the shown version
    assert "1 message(s) on other versions" in text
    primer.store.close()


def test_html_is_one_page_with_code_highlighted_and_text_never_markup(data_dir: Path) -> None:
    primer = build(data_dir)
    chat, _ = chat_with_two_versions(primer)
    out = data_dir.parent / "chat.html"
    write_export(primer.export_chats, [chat.id], ExportFormat.HTML, out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<h1>Code &lt;review&gt;</h1>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    code = page[page.index("<pre><code>") : page.index("</code></pre>")]
    assert '<span style="color' in code  # highlighted, with its styles inline
    assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere
    primer.store.close()


def test_the_command_writes_a_file_or_a_folder_and_replaces_only_when_told(
    data_dir: Path,
) -> None:
    primer = build(data_dir)
    chat, _ = chat_with_two_versions(primer)
    chat_with(primer, "Trip / Rome?", "Plan a trip", "Rome", days=2)
    primer.store.close()
    out = data_dir.parent

    folder = run_primer("export", "--format", "md", "--out", str(out / "chats"), data_dir=data_dir)
    assert folder.returncode == 0, folder.stderr
    names = sorted(path.name for path in (out / "chats").iterdir())
    assert [name.rsplit("-", 1)[0] for name in names] == ["Code-review", "Trip-Rome"]
    assert "Exported 2 chat(s)" in folder.stderr

    # (18 characters: the millisecond and its counter; two chats made in one millisecond
    # share the first 13, as they did once here)
    one = run_primer("export", "--chat", chat.id[:18], "--format", "json", "--out",
                     str(out / "one.json"), data_dir=data_dir)  # fmt: skip
    assert one.returncode == 0, one.stderr
    assert [c["id"] for c in json.loads((out / "one.json").read_text())["chats"]] == [chat.id]

    before = (out / "one.json").read_bytes()
    again = run_primer("export", "--format", "json", "--out", str(out / "one.json"),
                       data_dir=data_dir)  # fmt: skip
    assert again.returncode == 1 and "exists already" in again.stderr
    assert (out / "one.json").read_bytes() == before
    forced = run_primer("export", "--format", "json", "--out", str(out / "one.json"),
                        "--force", data_dir=data_dir)  # fmt: skip
    assert forced.returncode == 0 and len(json.loads((out / "one.json").read_text())["chats"]) == 2

    unknown = run_primer("export", "--chat", "ffffffff", "--format", "md", "--out",
                         str(out / "x.md"), data_dir=data_dir)  # fmt: skip
    assert unknown.returncode == 1 and not (out / "x.md").exists()


def test_a_failed_export_says_why_and_leaves_no_half_file(data_dir: Path, tmp_path: Path) -> None:
    primer = build(data_dir)
    chat, _ = chat_with_two_versions(primer)

    def load_then_fail(chat_id: str) -> WholeChat:
        if chat_id == "second":
            raise PrimerError("The local database failed: disk I/O error.")
        return primer.export_chats(chat.id)

    folder = tmp_path / "exports"
    folder.mkdir()
    try:
        write_export(load_then_fail, [chat.id, "second"], ExportFormat.JSON, folder / "all.json")
    except PrimerError as error:
        assert "disk I/O error" in error.message
    else:
        raise AssertionError("the export did not fail")
    assert list(folder.iterdir()) == []  # no all.json, no temporary file
    missing = folder / "no such folder" / "all.json"
    try:
        write_export(primer.export_chats, [chat.id], ExportFormat.JSON, missing)
    except PrimerError as error:
        assert error.message.startswith("Could not write in ")
    else:
        raise AssertionError("the export did not fail")
    primer.store.close()


# ---------------------------------------------------------------- import (Primer's JSON)
def table(primer: Primer, sql: str) -> list[tuple]:
    return primer.store.connection().execute(sql).fetchall()


def test_a_json_export_comes_back_whole_and_a_second_import_adds_nothing(
    data_dir: Path, tmp_path: Path
) -> None:
    laptop = build(data_dir)
    chat, (question, first, _) = chat_with_two_versions(laptop)
    chat_with(laptop, "Zebras", "tell me about zebras", "Stripes.", days=4)
    export = tmp_path / "all.json"
    write_export(laptop.export_chats, laptop.export_chats.chat_ids(), ExportFormat.JSON, export)

    fresh = build(tmp_path / "fresh")
    dry = run_primer("import", str(export), "--dry-run", "--json", data_dir=tmp_path / "fresh")
    assert json.loads(dry.stdout) == {"chats_added": 2, "chats_updated": 0,
                                      "messages_added": 5, "skipped": []}  # fmt: skip
    assert table(fresh, "SELECT count(*) FROM messages") == [(0,)]
    done = run_primer("import", str(export), "--json", data_dir=tmp_path / "fresh")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["messages_added"] == 5
    columns = "id, chat_id, parent_id, role, content, status, provider, model, input_tokens," \
              " output_tokens, cost, error, metadata, created_at"  # fmt: skip
    for sql in (f"SELECT {columns} FROM messages ORDER BY id",
                "SELECT id, title, provider, model, system_prompt, pinned, created_at,"
                " updated_at FROM chats ORDER BY id"):  # fmt: skip
        assert table(fresh, sql) == table(laptop, sql)
    shown = fresh.load_conversation(chat.id, page_size=None)
    assert list(shown.path) == [question.id, first.id]  # the version that was on screen
    assert [h.snippet for h in fresh.search_messages("zebras").hits if h.message_id]
    assert table(fresh, "SELECT count(*) FROM changes WHERE op = 'insert'")[0][0] >= 7  # backed up

    again = run_primer("import", str(export), "--json", data_dir=tmp_path / "fresh")
    assert json.loads(again.stdout) == {"chats_added": 0, "chats_updated": 0,
                                        "messages_added": 0, "skipped": []}  # fmt: skip
    same = run_primer("import", str(export), data_dir=data_dir)  # into the store it came from
    assert same.stdout.startswith("0 chat(s) added, 0 updated, 0 message(s) added")

    with laptop.uow_factory() as uow:  # a later export that holds more: only that comes in
        uow.messages.add(Message(new_id(), chat.id, first.id, Role.USER, "And `y`?",
                                 MessageStatus.COMPLETE, START + timedelta(minutes=5)))  # fmt: skip
        uow.commit()
    write_export(laptop.export_chats, [chat.id], ExportFormat.JSON, export, force=True)
    later = run_primer("import", str(export), "--json", data_dir=tmp_path / "fresh")
    assert json.loads(later.stdout) == {"chats_added": 0, "chats_updated": 1,
                                        "messages_added": 1, "skipped": []}  # fmt: skip
    laptop.store.close()
    fresh.store.close()


def test_an_import_never_changes_a_chat_here_and_never_brings_back_a_deleted_one(
    data_dir: Path, tmp_path: Path
) -> None:
    primer = build(data_dir)
    chat, _ = chat_with_two_versions(primer)
    gone, _ = chat_with(primer, "Gone", "delete me", "ok", days=1)
    export = tmp_path / "all.json"
    write_export(primer.export_chats, primer.export_chats.chat_ids(), ExportFormat.JSON, export)
    primer.update_chat(chat.id, title="Renamed here")
    primer.delete_chat(gone.id)
    report = primer.import_chats(read_chats(export, ImportReport()), ImportReport())
    assert (report.chats_added, report.chats_updated, report.messages_added) == (0, 0, 0)
    assert [(s.item, s.reason) for s in report.skipped] == [("Gone", "deleted on this computer")]
    assert primer.get_chat(chat.id).title == "Renamed here"
    primer.store.close()


def test_a_damaged_file_keeps_the_chats_before_the_damage_and_the_whole_one_adds_the_rest(
    data_dir: Path, tmp_path: Path
) -> None:
    source = build(tmp_path / "source")
    for number in range(3):
        chat_with(source, f"Chat {number}", f"question {number}", f"answer {number}", days=number)
    export = tmp_path / "all.json"
    write_export(source.export_chats, source.export_chats.chat_ids(), ExportFormat.JSON, export)
    source.store.close()
    text = export.read_text(encoding="utf-8")
    damaged = tmp_path / "damaged.json"
    damaged.write_text(text[: text.index('"title": "Chat 0"')], encoding="utf-8")  # 2 whole

    cut = run_primer("import", str(damaged), data_dir=data_dir)
    assert cut.returncode == 1 and "damaged after 2 chat(s)" in cut.stderr
    assert cut.stdout.startswith("2 chat(s) added")
    whole = run_primer("import", str(export), "--json", data_dir=data_dir)
    assert whole.returncode == 0 and json.loads(whole.stdout)["chats_added"] == 1

    for wrong, words in ((tmp_path / "notes.txt", "not an export Primer can import"),
                         (tmp_path / "list.json", "holds something other than chats")):  # fmt: skip
        wrong.write_text('[{"name": "a shopping list"}]' if wrong.suffix == ".json" else "hi")
        refused = run_primer("import", str(wrong), data_dir=data_dir)
        assert refused.returncode == 1 and words in refused.stderr


def test_an_import_stops_between_chats_when_cancelled(data_dir: Path, tmp_path: Path) -> None:
    source = build(tmp_path / "source")
    for number in range(5):
        chat_with(source, f"Chat {number}", "q", "a", days=number)
    export = tmp_path / "all.json"
    write_export(source.export_chats, source.export_chats.chat_ids(), ExportFormat.JSON, export)
    source.store.close()
    primer = build(data_dir)
    report = ImportReport()
    # Cancel pressed once two chats are in (however often the import asks)
    primer.import_chats(read_chats(export, report), report,
                        cancelled=lambda: report.chats_added >= 2)  # fmt: skip
    assert report.chats_added == 2 and len(primer.list_chats()) == 2  # each chat whole
    primer.store.close()


def test_notes_travel_with_their_chats_in_json_and_show_in_markdown(
    data_dir: Path, tmp_path: Path
) -> None:
    laptop = build(data_dir)
    chat, (_question, first, _other) = chat_with_two_versions(laptop)
    quote = first.content.split()[0]
    kept = laptop.take_notes.add(first.id, "Check this\nagain", quote=quote, colour="pink")
    bare = laptop.take_notes.add(first.id, "", quote=quote)
    gone = laptop.take_notes.add(first.id, "Deleted before the export")
    laptop.take_notes.delete(gone.id)
    export = tmp_path / "notes.json"
    write_export(laptop.export_chats, [chat.id], ExportFormat.JSON, export)
    markdown = tmp_path / "notes.md"
    write_export(laptop.export_chats, [chat.id], ExportFormat.MARKDOWN, markdown)
    text = markdown.read_text()
    assert f"> **Note** (pink highlight): “{quote}”\n>\n> Check this\n> again" in text
    assert "Deleted before the export" not in text

    fresh = build(tmp_path / "fresh")
    assert run_primer("import", str(export), data_dir=tmp_path / "fresh").returncode == 0
    came = [(v.note.id, v.note.text, v.note.quote, v.note.colour, v.note.message_id)
            for v in fresh.take_notes.listed()]  # fmt: skip
    went = [(v.note.id, v.note.text, v.note.quote, v.note.colour, v.note.message_id)
            for v in laptop.take_notes.listed()]  # fmt: skip
    assert sorted(came) == sorted(went) and {n[0] for n in came} == {kept.id, bare.id}
    fresh.take_notes.delete(bare.id)  # deleted here: an import does not bring it back
    assert run_primer("import", str(export), data_dir=tmp_path / "fresh").returncode == 0
    assert [v.note.id for v in fresh.take_notes.listed()] == [kept.id]
    laptop.store.close()
    fresh.store.close()
