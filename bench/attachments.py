"""Attachments (issue 16), figures printed:

    python -m bench.attachments

1. Send: a 20 MB PDF and a 12-megapixel photo attached and sent to a local server that
   speaks OpenAI's format, in a process of its own: seconds from the first attach until
   the server has the whole request, and the process's peak memory (goals < 1.5 s and
   < 300 MB).
2. Open: a chat of 200 photos opened in the window, request to rows laid out (goal
   < 100 ms; the thumbnails are stored with the files, made once at attach time).
3. Storage: files named by their hash against the same bytes as blobs in a SQLite file,
   100 files of 2 MB written then read (why Primer keeps files, not blobs).
4. Backup: 1 GB of attachments (250 files of 4 MB, incompressible) backed up to a real
   PostgreSQL (embedded pgserver, or $PRIMER_TEST_PG_URL), as a ratio to a raw COPY of the
   same bytes in the same 4 MB rows into the same server (goal >= 0.5).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from devtools import sample_files

PHOTO = (4000, 3000)


def _server() -> tuple[ThreadingHTTPServer, list[float]]:
    """Answers every request at once with a one-word reply; notes when each arrived whole."""
    arrived: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            while length:
                length -= len(self.rfile.read(min(length, 1 << 20)))
            arrived.append(time.time())
            body = {"id": "b", "object": "chat.completion.chunk", "created": 1, "model": "m",
                    "choices": [{"index": 0, "delta": {"content": "Seen."},
                                 "finish_reason": "stop"}]}  # fmt: skip
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(f"data: {json.dumps(body)}\n\ndata: [DONE]\n\n".encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, arrived


def _configure(data_dir: Path, url: str) -> None:
    from app.settings import BUILT_IN, SettingsStore

    data_dir.mkdir(parents=True, exist_ok=True)
    store = SettingsStore(data_dir)
    openai = replace(BUILT_IN["openai"], base_url=url, default_model="gpt-4o")
    store.save(store.load().with_provider(openai))


def _send_child(data_dir: Path, files: list[str]) -> None:
    """In its own process: attach and send, print when it began and the peak memory."""
    from app.bootstrap import build
    from domain.use_cases.send_message import NewChatSettings

    os.environ["OPENAI_API_KEY"] = "sk-bench"
    primer = build(data_dir)
    began = time.time()
    attached = tuple(primer.attach_file(path) for path in files)
    primer.ask("What are these?", new_chat=NewChatSettings("openai"), attachments=attached)
    peak = int(dict(line.split(":", 1) for line in Path("/proc/self/status").read_text()
                    .splitlines())["VmHWM"].split()[0]) / 1024  # fmt: skip
    print(json.dumps({"began": began, "peak_mb": peak}))


def send(folder: Path) -> dict[str, float]:
    document = sample_files.write(folder / "report.pdf", sample_files.pdf(
        [f"Page {n} of the quarterly report." for n in range(200)], padding=100_000))  # fmt: skip
    photo = sample_files.write(folder / "photo.jpg", sample_files.photo(*PHOTO))
    server, arrived = _server()
    host, port = server.server_address[:2]
    runs = []
    for run in range(3):
        data_dir = folder / f"send-{run}"
        _configure(data_dir, f"http://{host}:{port}/v1")
        done = subprocess.run(
            [sys.executable, "-m", "bench.attachments", "--send-child", str(data_dir),
             str(document), str(photo)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        child = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append((arrived[-1] - child["began"], child["peak_mb"]))
    server.shutdown()
    return {
        "pdf_mb": document.stat().st_size / 1e6,
        "photo_megapixels": PHOTO[0] * PHOTO[1] / 1e6,
        "attach_and_send_s_median": statistics.median(r[0] for r in runs),
        "attach_and_send_s_max": max(r[0] for r in runs),
        "peak_mb_max": max(r[1] for r in runs),
    }


def _chat_of_photos(data_dir: Path, count: int) -> str:
    from app.bootstrap import build
    from domain.use_cases.send_message import NewChatSettings

    os.environ["OPENAI_API_KEY"] = "sk-bench"
    primer = build(data_dir)
    chat_id = None
    pictures = data_dir.parent / "pictures"
    pictures.mkdir(exist_ok=True)
    for number in range(count // 2):
        two = []
        for side in range(2):
            path = sample_files.write(pictures / f"p{number}-{side}.jpg",
                                      sample_files.photo(1600 + number, 1200))  # fmt: skip
            two.append(primer.attach_file(str(path)))
        asked = primer.ask(f"Photos {number}", chat=chat_id, new_chat=NewChatSettings("openai"),
                           attachments=tuple(two))  # fmt: skip
        chat_id = asked.pending.chat.id
    primer.store.close()
    assert chat_id is not None
    return chat_id


def _open_child(data_dir: Path, chat_id: str) -> None:
    from PySide6.QtWidgets import QApplication

    from bench.open_chat import _wait
    from bench.window import open_window

    app = QApplication(sys.argv[:1])
    window = open_window(app, data_dir)
    shown: list[float] = []
    window.conversation_shown.connect(lambda: shown.append(time.perf_counter()))
    timings = []
    for _ in range(7):
        for target in (None, chat_id):
            shown.clear()
            start = time.perf_counter()
            if target is None:
                window.new_chat()
                app.processEvents()
                continue
            window.open_chat(target)
            _wait(app, lambda: shown)
            window.conversation.doItemsLayout()
            app.processEvents()
            timings.append(time.perf_counter() - start)
    shown_pictures = sum(len(m.attachments) for m in window.message_model.messages())
    window.close()
    print(json.dumps({"pictures_shown_on_opening": shown_pictures,
                      "open_ms_first": timings[0] * 1000,
                      "open_ms_median": statistics.median(timings) * 1000,
                      "open_ms_max_after_first": max(timings[1:]) * 1000}))  # fmt: skip


def open_chat(folder: Path) -> dict[str, float]:
    server, _arrived = _server()
    host, port = server.server_address[:2]
    data_dir = folder / "photos"
    _configure(data_dir, f"http://{host}:{port}/v1")
    chat_id = _chat_of_photos(data_dir, 200)
    server.shutdown()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    done = subprocess.run(
        [sys.executable, "-m", "bench.attachments", "--open-child", str(data_dir), chat_id],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return {"pictures_in_chat": 200, **json.loads(done.stdout.strip().splitlines()[-1])}


def storage(folder: Path, files: int = 100, size: int = 2 * 1024 * 1024) -> dict[str, float]:
    from repositories.file_blobs import FileBlobs

    sources = []
    for number in range(files):
        sources.append(sample_files.write(folder / f"source-{number}", os.urandom(size)))
    blobs = FileBlobs(folder / "as-files")
    start = time.perf_counter()
    kept = []
    for source in sources:
        staged, sha256, _ = blobs.stage(str(source))
        blobs.keep(staged, sha256)
        kept.append(sha256)
    files_write = time.perf_counter() - start
    start = time.perf_counter()
    for sha256 in kept:
        Path(blobs.path(sha256)).read_bytes()
    files_read = time.perf_counter() - start

    database = sqlite3.connect(folder / "files.db")
    database.execute("PRAGMA journal_mode = WAL")
    database.execute("CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL)")
    start = time.perf_counter()
    for source, sha256 in zip(sources, kept, strict=True):
        with database:
            database.execute("INSERT INTO blobs VALUES (?, ?)", (sha256, source.read_bytes()))
    blob_write = time.perf_counter() - start
    start = time.perf_counter()
    for sha256 in kept:
        database.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
    blob_read = time.perf_counter() - start
    database.close()
    return {
        "files_write_s": files_write,
        "sqlite_blobs_write_s": blob_write,
        "files_read_s": files_read,
        "sqlite_blobs_read_s": blob_read,
        "write_ratio_blobs_to_files": blob_write / files_write,
        "read_ratio_blobs_to_files": blob_read / files_read,
    }


def backup(folder: Path, files: int = 250, size: int = 4 * 1024 * 1024) -> dict[str, float]:
    from app.backup_database import remember_backup_url
    from app.bootstrap import build
    from app.secrets import InsecureFileSecretStore
    from app.store_thread import serve_store_while
    from devtools import embedded_postgres
    from domain.chats import new_chat
    from domain.clock import utc_now
    from domain.entities import Message, MessageStatus, Role
    from domain.ids import new_id

    server = embedded_postgres.start()
    try:
        url = server.create_database("bench_attachments")
        data_dir = folder / "backup"
        primer = build(data_dir, secrets=InsecureFileSecretStore(folder / "backup.keys"))
        primer.apply_settings(remember_backup_url(primer.settings, primer.secrets, url))
        account = primer.accounts().register("files@example.org", "bench passphrase 1234").account
        source = folder / "attach-me"
        chat = new_chat(title="Files", provider="openai", model="m", system_prompt="",
                        now=utc_now())  # fmt: skip
        with primer.uow_factory() as uow:
            uow.chats.add(chat)
            uow.commit()
        for number in range(files):  # (files no model reads: stored as an import stores them)
            source.write_bytes(os.urandom(size))
            attached = (primer.attach_file(str(source), f"file-{number}.bin"),)
            with primer.uow_factory() as uow:
                uow.messages.add(Message(new_id(), chat.id, None, Role.USER, f"File {number}",
                                         MessageStatus.COMPLETE, utc_now(),
                                         attachments=attached))  # fmt: skip
                uow.commit()
        began = time.perf_counter()
        report = serve_store_while(lambda store: primer.backup_now(store=store)(account.account_id))
        backup_seconds = time.perf_counter() - began
        assert report.finished and report.files.files == files, report

        import psycopg

        with psycopg.connect(url) as db:
            db.execute("CREATE TABLE raw_copy (sha256 text, seq integer, data bytea)")
            db.commit()
            began = time.perf_counter()
            statement = "COPY raw_copy (sha256, seq, data) FROM STDIN (FORMAT BINARY)"
            with db.cursor().copy(statement) as copy:  # (binary: bytea not spelled in hex)
                copy.set_types(["text", "int4", "bytea"])
                for number, sha256 in enumerate(primer.files.stored()):
                    data = Path(primer.files.path(sha256[0])).read_bytes()
                    copy.write_row((sha256[0], number, data))
            db.commit()
            copy_seconds = time.perf_counter() - began
        primer.store.close()
    finally:
        server.stop()
    gigabytes = files * size / 1024**3
    return {"gigabytes": gigabytes, "backup_s": backup_seconds, "raw_copy_s": copy_seconds,
            "ratio_to_raw_copy": copy_seconds / backup_seconds}  # fmt: skip


def main() -> None:
    if sys.argv[1:2] == ["--send-child"]:
        _send_child(Path(sys.argv[2]), sys.argv[3:])
        return
    if sys.argv[1:2] == ["--open-child"]:
        _open_child(Path(sys.argv[2]), sys.argv[3])
        return
    with tempfile.TemporaryDirectory(prefix="primer-bench-attachments-") as scratch:
        folder = Path(scratch)
        figures = {"send": send(folder), "open": open_chat(folder), "storage": storage(folder),
                   "backup": backup(folder)}  # fmt: skip
    print(json.dumps(figures, indent=2))
    sent, opened = figures["send"], figures["open"]
    print(f"attach and send a {sent['pdf_mb']:.1f} MB PDF and a "
          f"{sent['photo_megapixels']:.0f} MP photo: {sent['attach_and_send_s_median']:.2f} s "
          f"median (goal < 1.5 s), peak {sent['peak_mb_max']:.0f} MB (goal < 300 MB)")  # fmt: skip
    print(f"open a chat of {opened['pictures_in_chat']} photos (its newest page shows "
          f"{opened['pictures_shown_on_opening']}): first {opened['open_ms_first']:.1f} ms, "
          f"then {opened['open_ms_median']:.1f} ms median, "
          f"{opened['open_ms_max_after_first']:.1f} max (goal < 100 ms)")  # fmt: skip
    saved = figures["backup"]
    print(f"back up {saved['gigabytes']:.2f} GB of attachments: {saved['backup_s']:.1f} s; a raw "
          f"COPY of the same bytes {saved['raw_copy_s']:.1f} s: ratio "
          f"{saved['ratio_to_raw_copy']:.2f} (goal >= 0.5)")  # fmt: skip


if __name__ == "__main__":
    main()
