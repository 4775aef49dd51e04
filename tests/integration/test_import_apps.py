"""Other apps' exports brought in as people download them: ChatGPT's conversations.json
(whole, split, zipped with its companion files) and Claude's; real files first, then the
odd shapes real exports have."""

from __future__ import annotations

import html
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Primer, build
from app.import_files import read_chats
from devtools import sample_files
from domain.entities import Role
from domain.importing import my_activity_page
from domain.use_cases.import_chats import ImportReport
from tests.integration.test_cli import primer as run_primer

EXPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "exports"


def fixture(name: str, **changes: Any) -> Any:
    data = json.loads((EXPORTS / name).read_text(encoding="utf-8"))
    return {**data, **changes} if changes else data


def chatgpt_conversations() -> list[dict[str, Any]]:
    return [
        fixture("pionxzh_chatgpt-exporter_thinking-summaries_sanitized.json",
                id="6f1c2a10-0000-4000-8000-000000000001", create_time=1_750_000_000.5),
        fixture("pionxzh_chatgpt-exporter_image-generation_sanitized.json",
                id="6f1c2a10-0000-4000-8000-000000000002", create_time=1_750_100_000.0),
    ]  # fmt: skip


def node(node_id: str, parent: str | None, children: list[str], message: Any) -> dict[str, Any]:
    return {"id": node_id, "parent": parent, "children": children, "message": message}


def said(role: str, text: str, when: float | None, **extra: Any) -> dict[str, Any]:
    return {"author": {"role": role}, "content": {"content_type": "text", "parts": [text]},
            "create_time": when, "recipient": "all", **extra}  # fmt: skip


def odd_conversation() -> dict[str, Any]:
    """What real exports hold besides the happy path: a root without `parent` or `message`
    keys, `message: null`, upper-case ids, `create_time: null`, custom instructions, a
    hidden system message, an edited question (two versions), a user→user edge, an
    unknown content type."""
    hidden = {"is_visually_hidden_from_conversation": True}
    mapping = {
        "ROOT": {"id": "ROOT", "children": ["SYS"]},
        "SYS": node("SYS", "ROOT", ["CTX"], said("system", "", None, metadata=hidden)),
        "CTX": node("CTX", "SYS", ["NULL"], {
            "author": {"role": "user"}, "create_time": None, "metadata": hidden,
            "content": {"content_type": "user_editable_context", "user_profile": "I am Ann"}}),
        "NULL": node("NULL", "CTX", ["Q1", "Q1-EDIT"], None),
        "Q1": node("Q1", "NULL", ["A1"], said("user", "How tall is a giraffe?", 1_760_000_000)),
        "A1": node("A1", "Q1", [], said("assistant", "About 5 m.", 1_760_000_005,
                                       metadata={"model_slug": "gpt-4o"})),
        "Q1-EDIT": node("Q1-EDIT", "NULL", ["Q2"],
                        said("user", "How tall is a giraffe, in feet?", 1_760_000_100)),
        "Q2": node("Q2", "Q1-EDIT", ["A2"], said("user", "Also its weight.", None, metadata={
            "attachments": [{"id": "file-PDF1", "name": "giraffes.pdf", "size": 51234,
                             "mimeType": "application/pdf"}]})),
        "A2": node("A2", "Q2", ["ODD"], said("assistant", "About 18 ft and 800 kg.\ue200cite"
                                             "\ue202turn0search1\ue201",
                                             1_760_000_110, metadata={"model_slug": "gpt-4o"})),
        "ODD": node("ODD", "A2", [], {"author": {"role": "assistant"}, "create_time": None,
                                      "content": {"content_type": "some_new_kind", "x": 1}}),
    }  # fmt: skip
    return {"id": "6f1c2a10-0000-4000-8000-0000000000AA", "title": "", "create_time": 1_760_000_000,
            "update_time": 1_760_000_200, "current_node": "ODD", "mapping": mapping}  # fmt: skip


def imported(primer: Primer, path: Path) -> ImportReport:
    report = ImportReport()
    primer.import_chats(read_chats(path, report, primer.attach_file), report)
    return report


def test_chatgpt_conversations_json_with_thinking_images_and_branches(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([*chatgpt_conversations(), odd_conversation()]), encoding="utf-8")
    primer = build(data_dir)
    report = imported(primer, path)
    assert (report.chats_added, report.skipped) == (3, [])
    titles = sorted(summary.title for summary in primer.list_chats())
    assert titles == ["Fixture", "Fixture", "How tall is a giraffe?"]

    by_title: dict[str, list] = {}
    for chat_id in primer.export_chats.chat_ids():
        whole = primer.export_chats(chat_id)
        by_title.setdefault(whole.chat.title, []).append(whole)
    thinking = next(w for w in by_title["Fixture"] if len(w.messages) == 4)
    assert [m.content for m in thinking.shown] == ["question 1", "answer 1", "question 2",
                                                   "answer 2"]  # fmt: skip
    assert "summary 1 — thought 1" in thinking.shown[1].metadata["reasoning"]
    assert "thought" not in thinking.shown[1].content  # reasoning apart from the answer
    assert thinking.chat.model == "gpt-5-6-thinking"
    images = next(w for w in by_title["Fixture"] if w is not thinking)
    shown = images.shown
    assert shown[0].content == "[image: file_1]\nquestion 1"
    assert shown[-1].content == "[image: file_5]" and shown[-1].metadata["files"]
    assert [m.role for m in shown] == [Role.USER, Role.ASSISTANT] * 4

    odd = by_title["How tall is a giraffe?"][0]  # an empty title: its first question
    assert [m.content for m in odd.shown] == [
        "How tall is a giraffe, in feet?",
        "[file: giraffes.pdf]\n\nAlso its weight.",
        "About 18 ft and 800 kg.",
    ]  # the edited question, shown as ChatGPT showed it; the user→user edge kept
    assert odd.shown[1].metadata["attachments"] == [
        {"id": "file-PDF1", "name": "giraffes.pdf", "mimeType": "application/pdf", "size": 51234}
    ]  # what finds the file in the zip later
    assert {m.content for m in odd.messages} >= {"How tall is a giraffe?", "About 5 m."}
    assert not any("I am Ann" in m.content for m in odd.messages)  # custom instructions
    assert all(m.created_at.year == 2025 for m in odd.messages)
    assert [h.chat_title for h in primer.search_messages("giraffe").hits if h.message_id]

    again = imported(primer, path)
    assert (again.chats_added, again.chats_updated, again.messages_added) == (0, 0, 0)
    primer.store.close()


def test_the_zip_as_downloaded_and_the_split_form_in_a_folder(
    data_dir: Path, tmp_path: Path
) -> None:
    conversations = [*chatgpt_conversations(), odd_conversation()]
    download = tmp_path / "chatgpt-export.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("conversations.json", json.dumps(conversations))
        archive.writestr("user.json", json.dumps({"id": "user-1"}))
        archive.writestr("message_feedback.json", "[]")
        archive.writestr("chat.html", "<html></html>")
        archive.writestr("file-abc.png", b"\x89PNG")
    done = run_primer("import", str(download), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["chats_added"], report["messages_added"]) == (3, 17)
    assert {s["item"] for s in report["skipped"]} == {"user.json", "message_feedback.json",
                                                      "chat.html"}  # fmt: skip

    folder = tmp_path / "split"
    folder.mkdir()
    for number, conversation in enumerate(conversations):  # pretty-printed, one per file
        (folder / f"conversations-{number:03}.json").write_text(
            json.dumps([conversation], indent=2), encoding="utf-8"
        )
    fresh = tmp_path / "fresh"
    split = run_primer("import", str(folder), "--json", data_dir=fresh)
    assert json.loads(split.stdout)["messages_added"] == 17
    same = run_primer("import", str(download), "--json", data_dir=fresh)  # the same chats
    assert json.loads(same.stdout)["messages_added"] == 0

    alone = tmp_path / "user.json"
    alone.write_text("{}")
    companion = run_primer("import", str(alone), data_dir=fresh)
    assert companion.returncode == 0 and "skipped user.json: not conversations" in companion.stdout


def test_chatgpt_s_chat_html_alone_holds_the_same_chats(data_dir: Path, tmp_path: Path) -> None:
    conversations = [*chatgpt_conversations(), odd_conversation()]
    page = tmp_path / "chat.html"
    page.write_text(
        "<!DOCTYPE html><html><head><style>" + "body { margin: 0 }\n" * 8000 + "</style>"
        "</head><body><div id='root'></div><script>var jsonData = "
        + json.dumps(conversations)
        + ';\nvar assetsJson = {"file_1": "file-1.png"};</script></body></html>',
        encoding="utf-8",
    )
    primer = build(data_dir)
    from_page = imported(primer, page)
    assert (from_page.chats_added, from_page.messages_added, from_page.skipped) == (3, 17, [])
    json_file = tmp_path / "conversations.json"
    json_file.write_text(json.dumps(conversations), encoding="utf-8")
    assert imported(primer, json_file).messages_added == 0  # the same chats, the same ids
    primer.store.close()


def claude_blocks() -> dict[str, Any]:
    """The 2025 shape: content blocks, thinking, a tool and its result, and a branch."""
    return {
        "uuid": "c1a0de00-0000-4000-8000-000000000001", "name": "Weather",
        "created_at": "2025-03-01T10:00:00.000000Z", "updated_at": "2025-03-01T10:05:00Z",
        "current_leaf_message_uuid": "m3",
        "chat_messages": [
            {"uuid": "m1", "sender": "human", "created_at": "2025-03-01T10:00:01Z",
             "text": "Weather in Paris?",
             "content": [{"type": "text", "text": "Weather in Paris?"}],
             "attachments": [{"file_name": "trip.md", "file_size": 24, "file_type": "md",
                              "extracted_content": "Paris, 1-3 March: walk a lot."}],
             "files": []},
            {"uuid": "m2", "sender": "assistant", "parent_message_uuid": "m1",
             "created_at": "2025-03-01T10:00:05Z", "text": "Let me think. Sunny.",
             "content": [{"type": "thinking", "thinking": "Let me think."},
                         {"type": "tool_use", "name": "web_search", "input": {"q": "paris"}},
                         {"type": "tool_result", "content": [{"type": "text", "text": "18C"}]},
                         {"type": "text", "text": "Sunny, 18 °C."}]},
            {"uuid": "m3", "sender": "assistant", "parent_message_uuid": "m1",
             "created_at": "2025-03-01T10:01:00Z", "text": "Sunny and mild.",
             "content": [{"type": "text", "text": "Sunny and mild."}]},
        ],
    }  # fmt: skip


def test_claude_flat_text_and_content_blocks_bare_or_zipped(data_dir: Path, tmp_path: Path) -> None:
    conversations = [
        *fixture("simonw_claude-to-sqlite_example_2024-10.json"),
        *fixture("simonw_claude-to-sqlite_artifacts_2024-10.json"),
        claude_blocks(),
    ]
    download = tmp_path / "claude.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("conversations.json", json.dumps(conversations))
        archive.writestr("users.json", "[]")
        archive.writestr("projects.json", "[]")
    primer = build(data_dir)
    report = imported(primer, download)
    assert report.chats_added == 3 and len(report.skipped) == 2
    wholes = {w.chat.title: w for w in map(primer.export_chats, primer.export_chats.chat_ids())}
    bash = wholes["Bash Command for OpenAI API"]
    assert bash.shown[0].content.startswith("[file: CleanShot 20241017 at 22.29.542x.png]")
    assert bash.shown[0].metadata["attachments"] == [
        {"file_name": "CleanShot 20241017 at 22.29.542x.png"}
    ]
    assert bash.shown[1].role is Role.ASSISTANT
    weather = wholes["Weather"]
    assert len(weather.messages) == 3 and [m.content for m in weather.shown] == [
        "[file: trip.md]\n\nWeather in Paris?",
        "Sunny and mild.",
    ]  # both replies kept, the last one shown
    [trip] = weather.shown[0].attachments  # the file's text, the export's only copy of it
    assert (trip.name, trip.file.mime, trip.file.text) == (
        "trip.md", "text/markdown", "Paris, 1-3 March: walk a lot.")  # fmt: skip
    blocks = next(m for m in weather.messages if m.metadata.get("reasoning"))
    assert blocks.content == "Sunny, 18 °C." and blocks.metadata["reasoning"] == "Let me think."
    assert blocks.metadata["tools"] == ['web_search: {"q": "paris"}', "result: 18C"]
    calculator = wholes["LLM Pricing Calculator"]
    assert len(calculator.messages) == 20
    times = [m.created_at for m in calculator.shown]  # the file lists its last question first
    assert len(calculator.shown) == 20 and times == sorted(times)
    assert calculator.shown[0].content.startswith("Built me an artifact with no react")
    first_answer = calculator.shown[1]
    assert (
        "<antThinking>" not in first_answer.content and "<antArtifact" not in first_answer.content
    )
    assert "**LLM Pricing Calculator**\n\n```html\n<!DOCTYPE html>" in first_answer.content
    assert first_answer.metadata["reasoning"].startswith("This request is suitable for an artifact")
    assert imported(primer, download).messages_added == 0
    primer.store.close()


@pytest.mark.parametrize("cut", [0.3, 0.7])
def test_a_damaged_chatgpt_file_keeps_whole_conversations_before_the_damage(
    data_dir: Path, tmp_path: Path, cut: float
) -> None:
    text = json.dumps([*chatgpt_conversations(), odd_conversation()])
    damaged = tmp_path / "conversations.json"
    damaged.write_text(text[: int(len(text) * cut)], encoding="utf-8")
    done = run_primer("import", str(damaged), "--json", data_dir=data_dir)
    assert done.returncode == 1 and "is damaged" in done.stderr
    before = json.loads(done.stdout)["chats_added"]
    damaged.write_text(text, encoding="utf-8")
    repaired = run_primer("import", str(damaged), "--json", data_dir=data_dir)
    assert json.loads(repaired.stdout)["chats_added"] == 3 - before  # the rest, once


def activity(title: str, when: str, answer: str | None = None, link: str | None = None,
             header: str = "Gemini Apps") -> dict[str, Any]:  # fmt: skip
    record: dict[str, Any] = {"header": header, "title": title, "time": when,
                              "products": [header]}  # fmt: skip
    if link:
        record["titleUrl"] = f"https://gemini.google.com/app/{link}"
    if answer is not None:
        record["safeHtmlItem"] = [{"html": answer}]
    return record


def gemini_activity(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Newest first, as Takeout writes it."""
    return [*extra, *reversed([
        activity("Prompted plan a trip to Rome", "2025-05-01T10:00:00.000Z",
                 "<p>Day one: the <b>Colosseum</b>.</p>", link="abc123"),
        activity("Prompted and day two?", "2025-05-01T10:05:00.000Z",
                 "<p>The Vatican.</p>", link="abc123"),
        activity("Prompted what is FTS5?", "2025-05-01T12:00:00.000Z",
                 "<p>SQLite's full-text index:</p><ul><li>fast</li><li>small</li></ul>"
                 "<pre>CREATE VIRTUAL TABLE t USING fts5(x);</pre>"),
        activity("Gave feedback: Good response", "2025-05-01T12:01:00.000Z"),
        activity("Asked how big is it?", "2025-05-01T12:10:00.000Z"),
        activity("Prompted read these Attached 2 files.", "2025-05-01T15:00:00.000Z",
                 "<p>Both are invoices.</p>"),
        activity("Watched a video", "2025-05-01T15:01:00.000Z", header="YouTube"),
    ])]  # fmt: skip


def test_gemini_activity_from_takeout_becomes_conversations(data_dir: Path, tmp_path: Path) -> None:
    takeout = tmp_path / "takeout.zip"
    with zipfile.ZipFile(takeout, "w") as archive:
        archive.writestr("Takeout/My Activity/Gemini Apps/MyActivity.json",
                         json.dumps(gemini_activity(), indent=2))  # fmt: skip
        archive.writestr(
            "Takeout/My Activity/YouTube/MyActivity.html",
            activity_page(
                [activity("Watched a video", "2025-05-01T15:01:00.000Z", header="YouTube")]
            ),
        )
        archive.writestr("Takeout/Gemini/gems.json", "[]")
    primer = build(data_dir)
    report = imported(primer, takeout)
    assert (report.chats_added, report.messages_added) == (3, 9)
    assert {s.item: s.reason for s in report.skipped} == {
        "Gemini/gems.json": "not conversations (Gemini's gems and settings)",
        "MyActivity.html": "no Gemini activity in it (another Google product's)",
    }
    wholes = {w.chat.title: w for w in map(primer.export_chats, primer.export_chats.chat_ids())}
    assert [m.content for m in wholes["plan a trip to Rome"].shown] == [
        "plan a trip to Rome",
        "Day one: the Colosseum.",
        "and day two?",
        "The Vatican.",
    ]  # one link, one conversation
    fts5 = [m.content for m in wholes["what is FTS5?"].shown]
    assert fts5[0] == "what is FTS5?" and fts5[2] == "how big is it?" and len(fts5) == 3
    assert "- fast\n- small" in fts5[1] and "```\nCREATE VIRTUAL TABLE" in fts5[1]
    files = wholes["read these"].shown[0].content
    assert files == "[file 1 of 2]\n\n[file 2 of 2]\n\nread these"  # 30 minutes apart: new

    later = tmp_path / "MyActivity.json"  # a later export: the FTS5 chat grew by one turn
    later.write_text(
        json.dumps(
            gemini_activity(
                activity("Prompted and its size?", "2025-05-01T12:20:00.000Z", "<p>Small.</p>")
            )
        )
    )
    grown = imported(primer, later)
    assert (grown.chats_added, grown.chats_updated, grown.messages_added) == (0, 1, 2)
    assert imported(primer, later).messages_added == 0
    primer.store.close()


_WHEN = (  # how Takeout writes a time, by the account's language and zone
    lambda t: f"{t.astimezone(timezone(timedelta(hours=-7))):%b %-d, %Y, %-I:%M:%S\u202f%p} PDT",
    lambda t: f"{t.astimezone(timezone(timedelta(hours=1))):%-d %b %Y, %H:%M:%S} BST",
    lambda t: f"{t.astimezone(timezone(timedelta(hours=2))):%-d. %-m. %Y %H:%M:%S} SELČ",
    lambda t: (
        f"{t.astimezone(timezone(timedelta(hours=5, minutes=30))):%b %d, %Y, %H:%M:%S} GMT+05:30"
    ),
)


def activity_page(records: list[dict[str, Any]]) -> str:
    """`records` as Takeout's MyActivity.html shows them: a long style sheet, then a card
    each (the layout google_takeout_parser and others read from real pages)."""
    cards = []
    for number, record in enumerate(records):
        verb, _, rest = record["title"].partition(" ")
        said = html.escape(rest).replace("\n", "<br>")
        if "titleUrl" in record:
            said = f'<a href="{record["titleUrl"]}">{said}</a>'
        moment = datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
        answer = "".join(item["html"] for item in record.get("safeHtmlItem", []))
        cards.append(
            '<div class="outer-cell mdl-cell mdl-cell--12-col mdl-shadow--2dp">'
            '<div class="mdl-grid"><div class="header-cell mdl-cell mdl-cell--12-col">'
            f'<p class="mdl-typography--title">{record["header"]}<br></p></div>'
            '<div class="content-cell mdl-cell mdl-cell--6-col mdl-typography--body-1">\n'
            f"  {verb}&nbsp;{said}<br>{_WHEN[number % len(_WHEN)](moment)}<br>{answer}</div>"
            '<div class="content-cell mdl-cell mdl-cell--6-col mdl-typography--body-1 '
            'mdl-typography--text-right"></div>'
            '<div class="content-cell mdl-cell mdl-cell--12-col mdl-typography--caption">'
            f"<b>Products:</b><br>&emsp;{record['header']}<br></div></div></div>"
        )
    style = ".mdl-cell{box-sizing:border-box}\n" * 5000  # past the first 64 KB read
    return (
        f'<html><head><meta charset="UTF-8"><title>My Activity</title><style>{style}'
        f'</style></head><body><div class="mdl-grid">{"".join(cards)}</div></body></html>'
    )


def test_gemini_activity_as_a_page_gives_the_chats_its_json_gives(
    data_dir: Path, tmp_path: Path
) -> None:
    records = gemini_activity(
        activity("Prompted write a haiku\nabout tea", "2025-05-02T08:00:00.250Z",
                 "<p>Steam curls &amp; rises</p><div><pre>x &lt; 1</pre></div>"),
    )  # fmt: skip
    as_json, as_page = tmp_path / "MyActivity.json", tmp_path / "Mein Verlauf.html"
    as_json.write_text(json.dumps(records), encoding="utf-8")
    as_page.write_text(activity_page(records), encoding="utf-8")

    from_page = build(tmp_path / "page")
    report = imported(from_page, as_page)
    assert (report.chats_added, report.messages_added, report.skipped) == (4, 11, [])
    from_json = build(data_dir)
    imported(from_json, as_json)

    def chats(primer: Primer) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
        wholes = map(primer.export_chats, primer.export_chats.chat_ids())
        return sorted((w.chat.id, w.chat.title, [(m.id, m.role.value, m.content)
                                                  for m in w.shown]) for w in wholes)  # fmt: skip

    assert chats(from_page) == chats(from_json)
    haiku = next(c for c in chats(from_page) if c[1].startswith("write a haiku"))
    assert [text for _, _, text in haiku[2]] == [
        "write a haiku\nabout tea",
        "Steam curls & rises\n\n```\nx < 1\n```",
    ]
    again = imported(from_json, as_page)  # the page after the JSON: the same turns, known
    assert (again.chats_added, again.messages_added) == (0, 0)
    from_page.store.close()
    from_json.store.close()


def test_a_page_that_is_no_export_is_refused_in_a_sentence(data_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "MyActivity.html"
    page.write_text("<html><body><p>Hello</p></body></html>", encoding="utf-8")
    done = run_primer("import", str(page), data_dir=data_dir)
    assert done.returncode == 1
    assert "is a page Primer cannot import" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("Nov 29, 2025, 10:15:32\u202fAM PST", "2025-11-29T18:15:32+00:00"),
        ("Jun 23, 2015, 2:43:45 PM", "2015-06-23T13:43:45+00:00"),  # no zone: the fallback
        ("29 Nov 2025, 22:15:32 GMT", "2025-11-29T22:15:32+00:00"),
        ("1. 12. 2025 10:15:32 SEČ", "2025-12-01T09:15:32+00:00"),
        ("29.11.2025, 10:15:32 MEZ", "2025-11-29T09:15:32+00:00"),
        ("11/29/2025, 10:15:32 GMT-05:00", "2025-11-29T15:15:32+00:00"),
        ("Nov 29, 2025, 10:15:32 AM XYZT", "2025-11-29T09:15:32+00:00"),  # the fallback zone
    ],
)
def test_a_page_time_is_read_in_its_zone(written: str, utc: str) -> None:
    read = my_activity_page.parse_time(written, fallback=timezone(timedelta(hours=1)))
    assert read is not None and read.astimezone(UTC).isoformat() == utc
    assert my_activity_page.parse_time("Prompted what time is it?") is None


def test_the_files_in_a_chatgpt_zip_are_attached_to_the_messages_that_name_them(
    data_dir: Path, tmp_path: Path
) -> None:
    pictures = {n: sample_files.photo(120 + n, 80, kind="PNG") for n in (1, 2, 3)}
    giraffes = sample_files.pdf(["Giraffes are tall."])
    download = tmp_path / "chatgpt-export.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("conversations.json", json.dumps([*chatgpt_conversations(),
                                                            odd_conversation()]))  # fmt: skip
        for number, picture in pictures.items():
            archive.writestr(f"file_{number}-image.png", picture)
        archive.writestr("file-PDF1-giraffes.pdf", giraffes)
        archive.writestr("file_4-scan.pdf", giraffes[:300])  # damaged
        archive.writestr("file_5-notes.docx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00" * 9)
    primer = build(data_dir)
    report = imported(primer, download)
    assert report.chats_added == 3
    damaged = "kept as a placeholder: “scan.pdf” is a damaged PDF; it cannot be read."
    assert [(s.item, s.reason) for s in report.skipped] == [("scan.pdf", damaged)]
    wholes = {w.chat.id: w for w in map(primer.export_chats, primer.export_chats.chat_ids())}
    images = wholes[next(i for i, w in wholes.items() if any(
        "[image: file_1]" in m.content for m in w.messages))]  # fmt: skip
    question = next(m for m in images.messages if "[image: file_1]" in m.content)
    [picture] = question.attachments
    assert (picture.name, picture.file.mime) == ("image.png", "image/png")
    assert (picture.file.width, picture.file.height) == (121, 80)
    odd = next(w for w in wholes.values() if w.chat.title == "How tall is a giraffe?")
    [pdf] = next(m for m in odd.messages if m.attachments).attachments
    assert (pdf.name, pdf.file.mime) == ("giraffes.pdf", "application/pdf")
    assert primer.search_messages("tall").hits  # the PDF's words are searched
    kept = [a for w in wholes.values() for m in w.messages for a in m.attachments]
    word = next(a for a in kept if a.name == "notes.docx")  # kept, though no model reads it
    assert word.file.mime.endswith("wordprocessingml.document")
    files = sorted(p.name for p in (data_dir / "files").rglob("*") if p.is_file())
    assert len(files) == 5  # three pictures, the PDF and the document, each once

    again = imported(primer, download)
    assert (again.chats_added, again.messages_added) == (0, 0)
    primer.store.close()
