"""Files attached to messages, as a person sends them from the shell, and the exact parts
each SDK puts on the wire for them (the local fake servers speak OpenAI's and Gemini's
formats); files that cannot go, refused in a sentence with nothing stored."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import build
from app.providers.gemini_provider import GeminiChatProvider
from app.providers.uploads import Uploads
from app.settings import BUILT_IN, SettingsStore
from devtools import sample_files
from domain.attachments import Attachment, Sending, StoredFile
from domain.entities import Role
from domain.errors import PrimerError
from domain.ports import CancelToken, CompletionRequest, SentFile, StreamEnd, Turn
from domain.use_cases.clean_up_files import CleanUpFiles
from domain.use_cases.delete_chat import DeleteChat
from domain.use_cases.send_message import NewChatSettings
from repositories.file_blobs import FileBlobs
from tests.integration.test_cli import primer
from tests.support.fake_providers import FakeProviderServer, error_json
from tests.support.fakes import MemorySecrets


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "to-attach"
    folder.mkdir()
    sample_files.write(folder / "doc.pdf", sample_files.pdf(["The secret word is pelican."]))
    sample_files.write(folder / "photo.jpg", sample_files.photo(640, 480))
    (folder / "notes.md").write_text("# Notes\nbuy milk\n", encoding="utf-8")
    return folder


def configured(data_dir: Path, fake_server: FakeProviderServer, **openai: Any) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    store = SettingsStore(data_dir)
    url = fake_server.openai_url
    openai_config = replace(BUILT_IN["openai"], base_url=url, default_model="gpt-test", **openai)
    gemini_config = replace(
        BUILT_IN["gemini"], base_url=fake_server.url, default_model="gemini-test"
    )
    store.save(store.load().with_provider(openai_config).with_provider(gemini_config))
    return data_dir


def data_url(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def blobs(data_dir: Path) -> list[str]:
    """The files Primer keeps, by name (their SHA-256)."""
    folder = data_dir / "files"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_openai_gets_an_image_part_a_file_part_and_the_text_of_a_text_file(
    data_dir: Path, fake_server: FakeProviderServer, files: Path
) -> None:
    configured(data_dir, fake_server)
    attached = ("photo.jpg", "doc.pdf", "notes.md")
    options = [word for name in attached for word in ("--attach", str(files / name))]
    asked = primer("ask", *options, "What are these?", data_dir=data_dir)
    assert asked.returncode == 0, asked.stderr
    [message] = fake_server.last_chat_request().body["messages"]
    assert message["role"] == "user"
    assert message["content"] == [
        {"type": "text", "text": "notes.md:\n```\n# Notes\nbuy milk\n```\n\nWhat are these?"},
        {"type": "image_url", "image_url": {"url": data_url(files / "photo.jpg", "image/jpeg")}},
        {"type": "file", "file": {"filename": "doc.pdf",
                                  "file_data": data_url(files / "doc.pdf", "application/pdf")}},
    ]  # fmt: skip

    chat_id = asked.stderr.split("chat ")[1].split()[0]
    shown = json.loads(primer("show", chat_id, "--json", data_dir=data_dir).stdout)
    assert shown["messages"][0]["attachments"] == [
        {"name": "photo.jpg", "mime": "image/jpeg", "size": (files / "photo.jpg").stat().st_size,
         "sha256": sha(files / "photo.jpg")},
        {"name": "doc.pdf", "mime": "application/pdf", "size": (files / "doc.pdf").stat().st_size,
         "sha256": sha(files / "doc.pdf")},
        {"name": "notes.md", "mime": "text/markdown", "size": 17,
         "sha256": sha(files / "notes.md")},
    ]  # fmt: skip
    assert shown["messages"][1]["attachments"] == []
    found = json.loads(primer("search", "pelican", "--json", data_dir=data_dir).stdout)
    assert [(hit["message_id"], hit["snippet"]) for hit in found] == [
        (shown["messages"][0]["id"], "doc.pdf: The secret word is «pelican».")
    ]  # the words of an attached PDF are searched
    exported = files.parent / "chat.md"
    primer("export", "--chat", chat_id, "--format", "md", "--out", str(exported), data_dir=data_dir)
    markdown = exported.read_text(encoding="utf-8")
    assert "*Attached: doc.pdf (application/pdf, 832 bytes)*" in markdown
    everything = files.parent / "all.json"  # the JSON export, and its files beside it
    done = primer("export", "--format", "json", "--out", str(everything), data_dir=data_dir)
    assert "their attached files in" in done.stderr
    assert sorted(p.name for p in (files.parent / "all.files").iterdir()) == sorted(
        sha(files / name) for name in attached)  # fmt: skip
    elsewhere = files.parent / "elsewhere"  # re-imported whole on a fresh data folder
    assert primer("import", str(everything), data_dir=elsewhere).returncode == 0
    again = json.loads(primer("show", chat_id, "--json", data_dir=elsewhere).stdout)
    assert again["messages"][0]["attachments"] == shown["messages"][0]["attachments"]
    assert sorted(blobs(elsewhere)) == sorted(sha(files / name) for name in attached)
    found = json.loads(primer("search", "pelican", "--json", data_dir=elsewhere).stdout)
    assert [hit["message_id"] for hit in found] == [shown["messages"][0]["id"]]

    # The same photo again, under another name, in the same chat: stored once, and the
    # earlier files go again with the later turn (they fit the context window).
    again = files / "same-photo.jpg"
    again.write_bytes((files / "photo.jpg").read_bytes())
    second = primer("ask", "--chat", chat_id, "--attach", str(again), "And now?",
                    data_dir=data_dir)  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert len(blobs(data_dir)) == 3
    first, _reply, latest = fake_server.last_chat_request().body["messages"]
    assert [part["type"] for part in first["content"]] == ["text", "image_url", "file"]
    assert latest["content"][1]["image_url"]["url"] == data_url(again, "image/jpeg")


def test_earlier_files_that_no_longer_fit_are_left_out_and_the_reply_says_so(
    data_dir: Path, fake_server: FakeProviderServer, files: Path
) -> None:
    configured(data_dir, fake_server, context_window=2_000)  # room for one picture
    first = primer("ask", "--attach", str(files / "photo.jpg"), "Look", data_dir=data_dir)
    chat_id = first.stderr.split("chat ")[1].split()[0]
    other = files / "other.png"
    sample_files.write(other, sample_files.photo(300, 200, kind="PNG"))
    second = primer("ask", "--chat", chat_id, "--attach", str(other), "And this?",
                    data_dir=data_dir)  # fmt: skip
    assert second.returncode == 0, second.stderr
    earlier, _reply, latest = fake_server.last_chat_request().body["messages"]
    assert earlier["content"] == "Look"  # the words still go; the picture does not
    assert latest["content"][1]["image_url"]["url"] == data_url(other, "image/png")
    assert "1 file(s) of earlier messages were not sent again" in second.stderr


def test_a_model_that_reads_no_pdfs_is_named_and_the_text_goes_when_asked(
    data_dir: Path, fake_server: FakeProviderServer, files: Path
) -> None:
    configured(data_dir, fake_server)
    refused = primer("ask", "--model", "gpt-3.5-turbo", "--attach", str(files / "doc.pdf"),
                     "Summarise", data_dir=data_dir)  # fmt: skip
    assert refused.returncode == 1
    assert "gpt-3.5-turbo on OpenAI cannot read PDFs" in refused.stderr
    assert "--as-text" in refused.stderr and "Nothing was sent or stored" in refused.stderr
    assert json.loads(primer("chats", "--json", data_dir=data_dir).stdout) == []
    assert blobs(data_dir) == []
    assert not [r for r in fake_server.received if r.method == "POST"]

    sent = primer("ask", "--model", "gpt-3.5-turbo", "--attach", str(files / "doc.pdf"),
                  "--as-text", "Summarise", data_dir=data_dir)  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    [message] = fake_server.last_chat_request().body["messages"]
    assert message["content"] == [
        {"type": "text", "text": "doc.pdf:\n```\nThe secret word is pelican.\n```\n\nSummarise"}
    ]


def test_a_local_server_gets_a_pdf_as_text_and_a_picture_only_if_its_model_reads_them(
    data_dir: Path, fake_server: FakeProviderServer, files: Path
) -> None:
    local = ("--base-url", fake_server.openai_url, "--provider", "ollama", "--model", "llama3")
    sent = primer("ask", *local, "--attach", str(files / "doc.pdf"), "Read", data_dir=data_dir)
    assert sent.returncode == 0, sent.stderr
    [message] = fake_server.last_chat_request().body["messages"]
    assert "The secret word is pelican." in message["content"][0]["text"]

    fake_server.ollama_capabilities = ["completion"]  # Ollama says: no vision
    refused = primer("ask", *local, "--attach", str(files / "photo.jpg"), "See", data_dir=data_dir)
    assert refused.returncode == 1
    assert "llama3 on ollama cannot read images, so “photo.jpg” cannot be sent" in refused.stderr
    posts = [r.path for r in fake_server.received if r.method == "POST"]
    assert posts[-1] == "/api/show"  # asked, and nothing sent

    fake_server.ollama_capabilities = None  # a server that cannot tell: tried, and it refuses
    fake_server.queue(error_json(400, "image input is not supported by this model"))
    tried = primer("ask", *local, "--attach", str(files / "photo.jpg"), "See", data_dir=data_dir)
    assert tried.returncode == 1
    assert "llama3 on ollama refused the message with its picture(s)" in tried.stderr
    assert "image input is not supported" in tried.stderr

    fake_server.ollama_capabilities = ["completion", "vision"]
    seen = primer("ask", *local, "--model", "llava", "--attach", str(files / "photo.jpg"), "See",
                  data_dir=data_dir)  # fmt: skip
    assert seen.returncode == 0, seen.stderr
    [message] = fake_server.last_chat_request().body["messages"]
    assert message["content"][1]["image_url"]["url"] == data_url(files / "photo.jpg", "image/jpeg")


def sparse(path: Path) -> None:
    """A 2.2 GB file that takes no room on the disk."""
    with path.open("wb") as made:
        made.truncate(2_200_000_000)


@pytest.mark.parametrize(
    ("name", "make", "said"),
    [
        ("missing.png", None, "There is no file"),
        ("empty.txt", lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
        ("huge.bin", sparse,
         "Primer attaches files of up to 2.0 GB"),
        ("lock.pdf", lambda p: p.write_bytes(sample_files.pdf(["x"], password=True)),
         "is protected by a password"),
        ("broken.pdf", lambda p: p.write_bytes(sample_files.pdf(["x"])[:200]), "is a damaged PDF"),
        ("bomb.png", lambda p: p.write_bytes(sample_files.bomb()),
         "is too large a picture; Primer takes pictures of up to 100 megapixels"),
        ("archive.zip", lambda p: p.write_bytes(b"PK\x03\x04" + os.urandom(64)),
         "is a kind of file no model here reads"),
        ("folder", lambda p: p.mkdir(), "is a folder"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_attached_is_refused_in_a_sentence_and_nothing_is_stored(
    data_dir: Path, fake_server: FakeProviderServer, files: Path, name: str, make: Any, said: str
) -> None:
    configured(data_dir, fake_server)
    path = files / name
    if make is not None:
        make(path)
    done = primer("ask", "--attach", str(files / "photo.jpg"), "--attach", str(path), "Hi",
                  data_dir=data_dir)  # fmt: skip
    assert done.returncode == 1
    assert said in done.stderr and "Traceback" not in done.stderr
    assert json.loads(primer("chats", "--json", data_dir=data_dir).stdout) == []
    assert blobs(data_dir) == []  # the photo attached before it was forgotten too
    assert [p.name for p in (data_dir / "files").rglob("*.part")] == []


def test_a_name_that_lies_does_not_decide_what_a_file_is(
    data_dir: Path, fake_server: FakeProviderServer, files: Path
) -> None:
    configured(data_dir, fake_server)
    liar = files / "report.pdf"
    liar.write_bytes((files / "photo.jpg").read_bytes())
    done = primer("ask", "--attach", str(liar), "What is it?", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    [message] = fake_server.last_chat_request().body["messages"]
    assert message["content"][1] == {
        "type": "image_url", "image_url": {"url": data_url(liar, "image/jpeg")}}  # fmt: skip


def test_gemini_gets_inline_data_and_the_cli_shows_what_it_sent(
    data_dir: Path, fake_server: FakeProviderServer, files: Path, memory_env: dict[str, str]
) -> None:
    configured(data_dir, fake_server)
    done = primer("ask", "--provider", "gemini", "--attach", str(files / "photo.jpg"),
                  "--attach", str(files / "doc.pdf"), "Both?", data_dir=data_dir,
                  env=memory_env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    [content] = fake_server.last_chat_request().body["contents"]
    text, *inline = content["parts"]
    assert text == {"text": "Both?"}
    sent = [(base64.urlsafe_b64decode(part["inlineData"]["data"]), part["inlineData"]["mime_type"])
            for part in inline]  # fmt: skip
    assert sent == [((files / "photo.jpg").read_bytes(), "image/jpeg"),
                    ((files / "doc.pdf").read_bytes(), "application/pdf")]  # fmt: skip
    assert fake_server.uploads == []


@pytest.fixture
def memory_env() -> dict[str, str]:
    return {"GEMINI_API_KEY": "gm-test-gemini-0123456789"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_gemini_takes_a_large_file_through_its_files_api_once_per_48_hours(
    tmp_path: Path, fake_server: FakeProviderServer
) -> None:
    big = sample_files.write(tmp_path / "big.pdf",
                             sample_files.pdf(["A big one."] * 2, padding=8_000_000))  # fmt: skip
    assert big.stat().st_size > 14 * 1024 * 1024
    stored = StoredFile(sha(big), big.stat().st_size, "application/pdf", text="A big one.")
    question = Turn(Role.USER, "Read it", (SentFile(Attachment("big.pdf", stored), str(big),
                                                     Sending.FILE),))  # fmt: skip
    request = CompletionRequest("gemini-test", "", (question,))
    clock = Clock()
    fake_server.upload_lifetime = "2026-12-02T10:00:00Z"  # 48 hours after the first upload
    gemini = GeminiChatProvider(label="Gemini", api_key="gm-test", base_url=fake_server.url,
                                clock=clock)  # fmt: skip

    def send() -> dict[str, Any]:
        events = list(gemini.stream(request, CancelToken()))
        assert isinstance(events[-1], StreamEnd)
        return fake_server.last_chat_request().body["contents"][0]["parts"][1]

    assert send() == {
        "fileData": {"file_uri": f"{fake_server.url}/files/up0", "mime_type": "application/pdf"}
    }  # (as the SDK writes it)
    [upload] = fake_server.uploads
    assert upload["received"] == big.stat().st_size
    assert upload["display_name"] == "big.pdf" and upload["mime_type"] == "application/pdf"

    clock.now += timedelta(hours=46)  # still two hours left: the same file
    assert send()["fileData"]["file_uri"].endswith("/files/up0")
    assert len(fake_server.uploads) == 1
    clock.now += timedelta(hours=1, minutes=30)  # half an hour left: uploaded again
    assert send()["fileData"]["file_uri"].endswith("/files/up1")
    assert len(fake_server.uploads) == 2


def test_an_upload_is_remembered_across_restarts_and_not_for_another_key(
    tmp_path: Path, fake_server: FakeProviderServer
) -> None:
    big = sample_files.write(tmp_path / "big.pdf",
                             sample_files.pdf(["A big one."] * 2, padding=8_000_000))  # fmt: skip
    stored = StoredFile(sha(big), big.stat().st_size, "application/pdf", text="A big one.")
    question = Turn(Role.USER, "Read it", (SentFile(Attachment("big.pdf", stored), str(big),
                                                     Sending.FILE),))  # fmt: skip
    request = CompletionRequest("gemini-test", "", (question,))
    clock = Clock()

    def started(key: str) -> GeminiChatProvider:  # a Primer started anew on the data folder
        return GeminiChatProvider(label="Gemini", api_key=key, base_url=fake_server.url,
                                  clock=clock, uploads=Uploads(tmp_path))  # fmt: skip

    for key in ("gm-one", "gm-one", "gm-two"):
        list(started(key).stream(request, CancelToken()))
    assert len(fake_server.uploads) == 2  # once for each key's project
    saved = (tmp_path / "gemini-uploads.json").read_text(encoding="utf-8")
    assert "gm-one" not in saved and "gm-two" not in saved  # the keys are never written


def test_a_file_only_deleted_chats_use_leaves_this_device_30_days_after_the_deletion(
    data_dir: Path, fake_server: FakeProviderServer, files: Path
) -> None:
    configured(data_dir, fake_server)
    secrets = MemorySecrets()
    secrets.set("openai", "sk-test-openai-0123456789")
    primer = build(data_dir, secrets=secrets)
    blob_store = FileBlobs(data_dir)
    clock = Clock()
    clock.now = datetime.now(UTC)
    delete, clean = (
        DeleteChat(primer.uow_factory, clock),
        CleanUpFiles(primer.uow_factory, blob_store, clock),
    )
    new_chat = NewChatSettings("openai")

    def ask(text: str, *names: str) -> str:
        attached = tuple(primer.attach_file(str(files / name)) for name in names)
        return primer.ask(text, new_chat=new_chat, attachments=attached).pending.chat.id

    photo_and_pdf = ask("Both", "photo.jpg", "doc.pdf")
    ask("Just the PDF", "doc.pdf")
    photo, pdf = sha(files / "photo.jpg"), sha(files / "doc.pdf")
    unsent = primer.attach_file(str(files / "notes.md"))  # attached, never sent
    (data_dir / "files" / ".crashed-copy.part").write_bytes(b"half")
    assert sorted(blobs(data_dir)) == sorted([photo, pdf, unsent.sha256, ".crashed-copy.part"])

    delete(photo_and_pdf)
    clock.now += timedelta(minutes=1)
    delete.undo(photo_and_pdf)  # Undo: the chat and its files are back
    clock.now += timedelta(days=40)
    assert blobs(data_dir).count(photo) == 1 and clean() == 2  # only the unsent and the half
    assert sorted(blobs(data_dir)) == sorted([photo, pdf])

    delete(photo_and_pdf)
    clock.now += timedelta(days=29)
    assert clean() == 0 and sorted(blobs(data_dir)) == sorted([photo, pdf])
    clock.now += timedelta(days=2)
    assert clean() == 1
    assert blobs(data_dir) == [pdf]  # the other chat still uses the PDF
    gone = Attachment("photo.jpg", StoredFile(photo, (files / "photo.jpg").stat().st_size,
                                              "image/jpeg"))  # fmt: skip
    with pytest.raises(PrimerError, match="is not on this device"):
        primer.save_attachment(gone, str(data_dir / "out.jpg"))
    again = primer.attach_file(str(files / "photo.jpg"))  # attached anew: kept anew
    ask("Once more", "photo.jpg")
    assert again.sha256 == photo and photo in blobs(data_dir)
    assert clean() == 0
    primer.store.close()
