"""`primer` commands in a real subprocess: what a script or a person at a shell sees."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import SettingsStore
from tests.support.fake_providers import FakeProviderServer, Reply, error_json, openai_sse

KEY = "sk-cli-secret-key-0123456789"


def primer(
    *args: str, data_dir: Path | None = None, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "OPENAI_API_KEY": KEY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **(env or {}),
    }
    extra = ["--data-dir", str(data_dir)] if data_dir else []
    return subprocess.run(
        [sys.executable, "-m", "app", *args, *extra],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def test_ask_streams_stores_both_messages_and_continues(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    first = primer("ask", "What", "is", "Primer?", data_dir=cli_dir)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "Hello from the fake.\n"
    chat_id = first.stderr.split("chat ")[1].split()[0]
    fake_server.queue(Reply(body=openai_sse(["Second", " answer"])))
    second = primer("ask", "--chat", chat_id[:13], "And more?", data_dir=cli_dir)
    assert second.returncode == 0, second.stderr
    assert second.stdout == "Second answer\n"
    history = fake_server.received[-1].body["messages"]
    assert [m["content"] for m in history] == [
        "What is Primer?",
        "Hello from the fake.",
        "And more?",
    ]
    assert fake_server.received[-1].headers["authorization"] == f"Bearer {KEY}"

    listing = json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)
    assert len(listing) == 1
    assert set(listing[0]) >= {"id", "title", "provider", "model", "updated_at", "message_count"}
    assert listing[0]["message_count"] == 4 and listing[0]["title"] == "What is Primer?"

    shown = json.loads(primer("show", chat_id, "--json", data_dir=cli_dir).stdout)
    assert [m["role"] for m in shown["messages"]] == ["user", "assistant", "user", "assistant"]
    assert shown["messages"][1]["status"] == "complete"
    assert shown["messages"][1]["output_tokens"] == 3
    assert shown["messages"][2]["parent_id"] == shown["messages"][1]["id"]
    assert set(shown["messages"][0]) >= {
        "id",
        "parent_id",
        "role",
        "content",
        "status",
        "provider",
        "model",
        "input_tokens",
        "output_tokens",
        "created_at",
    }
    text = primer("show", chat_id, data_dir=cli_dir).stdout
    assert "What is Primer?" in text and "Second answer" in text


def test_a_model_writes_a_chats_title_when_asked(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    asked = primer("ask", "**What** is Primer?", data_dir=cli_dir)
    chat_id = asked.stderr.split("chat ")[1].split()[0]
    assert json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)[0]["title"] == (
        "What is Primer?"
    )  # the first line, at once
    fake_server.queue(Reply(body=openai_sse(["A local chat app."])))
    titled = primer("title", chat_id[:13], data_dir=cli_dir)
    assert titled.returncode == 0, titled.stderr
    assert titled.stdout == "A local chat app\n"
    assert fake_server.received[-1].body["model"] == "gpt-test-mini"  # the cheapest listed
    assert json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)[0]["title"] == (
        "A local chat app"
    )
    fake_server.queue(error_json(401, "Incorrect API key provided"))
    failed = primer("title", chat_id, data_dir=cli_dir)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr


def test_archive_and_unarchive_from_the_command_line(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    for question in ("Keep this", "Put this away"):
        assert primer("ask", question, data_dir=cli_dir).returncode == 0
    listed = json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)
    away = next(c for c in listed if c["title"] == "Put this away")
    assert away["archived"] is False
    archived = primer("archive", away["id"][:13], data_dir=cli_dir)
    assert archived.returncode == 0 and "is archived" in archived.stderr
    titles = [c["title"] for c in json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)]
    assert titles == ["Keep this"]
    only = json.loads(primer("chats", "--archived", "--json", data_dir=cli_dir).stdout)
    assert [(c["title"], c["archived"]) for c in only] == [("Put this away", True)]
    found = json.loads(primer("search", "away", "--json", data_dir=cli_dir).stdout)
    assert found and found[0]["chat_title"] == "Put this away"  # search still finds it
    assert primer("unarchive", away["id"], data_dir=cli_dir).returncode == 0
    assert primer("chats", "--archived", data_dir=cli_dir).stdout == ""
    assert len(json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)) == 2


def test_system_prompt_and_model_flags(cli_dir: Path, fake_server: FakeProviderServer) -> None:
    result = primer(
        "ask", "--model", "gpt-other", "--system", "Answer in French.", "Hi", data_dir=cli_dir
    )
    assert result.returncode == 0, result.stderr
    body = fake_server.received[-1].body
    assert body["model"] == "gpt-other"
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "rejected the API key"), (429, "rate-limiting"), (500, "server error")],
)
def test_provider_errors_exit_non_zero_without_traceback_and_keep_the_question(
    cli_dir: Path, fake_server: FakeProviderServer, status: int, words: str
) -> None:
    fake_server.queue(error_json(status, "nope"))
    result = primer("ask", "Keep me", data_dir=cli_dir)
    assert result.returncode == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr and KEY not in result.stderr
    # Where the key is set, said for a terminal: never the window's menus.
    assert ("primer keys set openai" in result.stderr) == (status == 401)
    assert "Settings" not in result.stderr
    shown = json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)
    assert shown[0]["title"] == "Keep me"


def test_cut_stream_is_stored_as_interrupted(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["Half"], finish=None, done=False), cut=True))
    result = primer("ask", "Go", data_dir=cli_dir)
    assert result.returncode == 1 and "ended before the reply was finished" in result.stderr
    chat_id = result.stderr.split("chat ")[1].split()[0]
    shown = json.loads(primer("show", chat_id, "--json", data_dir=cli_dir).stdout)
    assert (shown["messages"][1]["status"], shown["messages"][1]["content"]) == (
        "interrupted",
        "Half",
    )


def test_one_off_local_server_by_base_url(data_dir: Path, fake_server: FakeProviderServer) -> None:
    result = primer(
        "ask",
        "--provider",
        "myllama",
        "--base-url",
        fake_server.openai_url,
        "--model",
        "llama-test",
        "Hi",
        data_dir=data_dir,
        env={"OPENAI_API_KEY": ""},
    )
    assert result.returncode == 0, result.stderr
    assert fake_server.received[-1].body["model"] == "llama-test"


def test_unknown_provider_is_a_clear_error_and_stores_nothing(cli_dir: Path) -> None:
    result = primer("ask", "--provider", "nonesuch", "Hi", data_dir=cli_dir)
    assert result.returncode == 1 and "Unknown provider 'nonesuch'" in result.stderr
    assert json.loads(primer("chats", "--json", data_dir=cli_dir).stdout) == []


def test_env_data_dir_is_honoured(cli_dir: Path) -> None:
    assert primer("ask", "Hello", data_dir=cli_dir).returncode == 0
    listed = primer("chats", "--json", env={"PRIMER_DATA_DIR": str(cli_dir)})
    assert len(json.loads(listed.stdout)) == 1


def test_corrupt_database_is_reported_by_name(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "primer.db").write_bytes(b"garbage" * 500)
    result = primer("chats", data_dir=data_dir)
    assert result.returncode == 1
    assert str(data_dir / "primer.db") in result.stderr and "Traceback" not in result.stderr
    assert (data_dir / "primer.db").read_bytes() == b"garbage" * 500


def test_cli_never_imports_qt(cli_dir: Path) -> None:
    code = (
        f"import sys\nsys.argv = ['primer', 'chats', '--data-dir', {str(cli_dir)!r}]\n"
        "from app.cli import main\nmain(sys.argv[1:])\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("form", ["--data-dir DIR", "--data-dir=DIR", "PRIMER_DATA_DIR"])
def test_the_window_opens_on_the_folder_given(cli_dir: Path, form: str) -> None:
    env = {"QT_QPA_PLATFORM": "offscreen", "PRIMER_EXIT_AFTER_FIRST_PAINT": "1"}
    if form == "PRIMER_DATA_DIR":
        args: list[str] = []
        env["PRIMER_DATA_DIR"] = str(cli_dir)
    else:
        args = form.replace("DIR", str(cli_dir)).split(" ")
    result = primer(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["first-paint"]
    assert (cli_dir / "window.ini").exists()  # the window's state went to that folder


def test_only_the_window_skips_the_command_parser() -> None:
    from app.cli import _opens_the_window

    assert _opens_the_window([]) == (True, None)
    assert _opens_the_window(["--data-dir", "D"]) == (True, "D")
    assert _opens_the_window(["--data-dir=D"]) == (True, "D")
    for arguments in (["chats"], ["--data-dir", "D", "chats"], ["--data-dir", "--help"]):
        assert _opens_the_window(arguments) == (False, None)


def test_version_and_help() -> None:
    from app.version import __version__

    assert primer("--version").stdout.strip() == f"Primer {__version__}"
    assert "ask" in primer("--help").stdout


def test_keys_without_keyring_say_so_and_offer_choices(cli_dir: Path) -> None:
    result = primer("keys", "set", "openai", data_dir=cli_dir, stdin="sk-new\n")
    assert result.returncode == 1
    assert "No system keyring" in result.stderr and "OPENAI_API_KEY" in result.stderr


def test_keys_in_the_chosen_plain_file_are_private_and_used(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    store = SettingsStore(cli_dir)
    store.save(replace(store.load(), insecure_key_file=True))
    assert primer("keys", "set", "openai", data_dir=cli_dir, stdin="sk-from-file\n").returncode == 0
    key_file = cli_dir / "insecure-keys.json"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert primer("ask", "Hi", data_dir=cli_dir, env={"OPENAI_API_KEY": ""}).returncode == 0
    assert fake_server.received[-1].headers["authorization"] == "Bearer sk-from-file"


def test_keys_never_reach_the_database_or_logs(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(error_json(401, "bad"))
    primer("ask", "Hi", data_dir=cli_dir)
    primer("ask", "Again", data_dir=cli_dir)
    with sqlite3.connect(cli_dir / "primer.db") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for path in cli_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_self_check_runs_the_window_and_reports_each_check(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(Reply(body=openai_sse(["Hello ", "**there**."]), delay=0.02))
    result = primer("self-check", data_dir=cli_dir, env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr
    checks = dict(line.split(":", 1)[0].split(None, 1)[::-1] for line in result.stdout.splitlines())
    assert checks == {
        "store": "ok",
        "reply": "ok",
        "chat list": "ok",
        "migrations": "ok",
        "icons": "ok",
        "markdown": "ok",
        "backup driver": "ok",
        "backup reader": "ok",
    }
    assert "2 message(s) read in a process of its own" in result.stdout
    assert "Hello **there**." in result.stdout and "Traceback" not in result.stderr
    assert [c["title"] for c in json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)] == [
        "Say hello"
    ]


def test_self_check_fails_when_the_provider_does(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    fake_server.queue(error_json(401, "Incorrect API key provided"))
    result = primer("self-check", data_dir=cli_dir, env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 1
    assert "FAIL reply: error" in result.stdout


def test_self_check_names_a_store_it_cannot_open(cli_dir: Path) -> None:
    (cli_dir / "primer.db").write_bytes(b"not a database, just text " * 100)
    result = primer("self-check", data_dir=cli_dir, env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 1
    assert "FAIL store:" in result.stdout and "primer.db" in result.stdout


def test_parallel_first_starts_on_a_new_folder_all_store_their_message(
    data_dir: Path, fake_server: FakeProviderServer
) -> None:
    """Several Primers starting at once on a folder nobody made yet: one migrates, the
    others wait for it; none fails, and every question is stored."""
    env = {**os.environ, "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_server.openai_url}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    for round_number in range(3):
        folder = data_dir / f"round-{round_number}"
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "app", "ask", f"Question {n}", "--data-dir", str(folder)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
            for n in range(6)
        ]
        for process in processes:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err.decode()
        listed = json.loads(primer("chats", "--json", data_dir=folder).stdout)
        assert sorted(chat["title"] for chat in listed) == [f"Question {n}" for n in range(6)]


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_damaged_store_is_reported_and_never_written_to(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    for n in range(3):
        fake_server.queue(Reply(body=openai_sse([f"Reply {n} " + "x" * 4000] * 30)))
        assert primer("ask", f"Question {n}", data_dir=cli_dir).returncode == 0
    path = cli_dir / "primer.db"
    (cli_dir / "backups").mkdir()
    shutil.copy(path, cli_dir / "backups" / "primer-good.db")  # as before an upgrade
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'chats'").fetchone()[0]
    db.close()
    with path.open("r+b") as file:  # 64 KiB of garbage where the chats are
        file.seek((root - 1) * page_size)
        file.write(bytes(range(256)) * 256)
    damaged_hash = _sha256(path)

    listed = primer("chats", data_dir=cli_dir)
    assert listed.returncode == 1 and "Traceback" not in listed.stderr, listed.stderr
    assert "is damaged" in listed.stderr and str(path) in listed.stderr
    asked = primer("ask", "Write into it?", data_dir=cli_dir)
    assert asked.returncode == 1 and "is damaged" in asked.stderr, asked.stderr
    assert _sha256(path) == damaged_hash
    assert "primer local-backups restore primer-good.db" in asked.stderr  # the way back, named

    listed = primer("local-backups", "list", data_dir=cli_dir)
    assert listed.returncode == 0 and listed.stdout.startswith("primer-good.db")
    used = primer("local-backups", "use", "primer-good.db", data_dir=cli_dir)
    assert used.returncode == 0 and "is now your database" in used.stderr, used.stderr
    kept = list(cli_dir.glob("primer.db.replaced-*"))
    main_file = [p for p in kept if not p.name.endswith(("-wal", "-shm"))]
    assert [_sha256(p) for p in main_file] == [damaged_hash]  # kept aside, not deleted
    again = json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)
    assert sorted(chat["title"] for chat in again) == ["Question 0", "Question 1", "Question 2"]


def test_an_empty_store_file_is_damage_not_a_new_start(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "primer.db").write_bytes(b"")
    result = primer("chats", data_dir=data_dir)
    assert result.returncode == 1 and "empty, 0 bytes" in result.stderr
    assert (data_dir / "primer.db").read_bytes() == b""


def test_data_files_are_private_to_the_user(
    data_dir: Path, fake_server: FakeProviderServer
) -> None:
    folder = data_dir / "new"
    env = {"OPENAI_BASE_URL": fake_server.openai_url}
    assert primer("ask", "Private?", data_dir=folder, env=env).returncode == 0
    assert primer("keys", "storage", "file", data_dir=folder).returncode == 0
    assert primer("keys", "set", "openai", data_dir=folder, stdin="sk-x\n").returncode == 0
    assert (folder.stat().st_mode & 0o777) == 0o700
    for name in ("primer.db", "settings.json", "insecure-keys.json", "logs/primer-cli.log"):
        assert (folder / name).stat().st_mode & 0o077 == 0, name
    assert (folder / "logs").stat().st_mode & 0o077 == 0


def test_ask_reads_standard_input_when_it_is_not_a_terminal(cli_dir: Path) -> None:
    piped = primer("ask", data_dir=cli_dir, stdin="From a pipe")
    assert piped.returncode == 0, piped.stderr
    chats = json.loads(primer("chats", "--json", data_dir=cli_dir).stdout)
    assert chats[0]["title"] == "From a pipe"


def test_bytes_that_are_not_utf8_get_a_sentence_not_a_traceback(cli_dir: Path) -> None:
    env = {
        **os.environ,
        "OPENAI_API_KEY": KEY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    for command, stdin in (
        ([b"ask", b"-"], b"caf\xe9 \xff"),
        ([b"ask", b"caf\xe9"], b""),
    ):
        result = subprocess.run(
            [sys.executable.encode(), b"-m", b"app", *command, b"--data-dir", bytes(cli_dir)],
            input=stdin,
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert result.returncode in (1, 2), result.stderr
        assert b"not valid UTF-8" in result.stderr and b"Traceback" not in result.stderr
    assert json.loads(primer("chats", "--json", data_dir=cli_dir).stdout) == []


def test_titles_cannot_drive_the_terminal(cli_dir: Path) -> None:
    assert primer("ask", "\x1b[2J\x1b[31mred title", data_dir=cli_dir).returncode == 0
    listed = primer("chats", data_dir=cli_dir).stdout
    assert "\x1b" not in listed and "\\x1b[31mred title" in listed
    chat_id = listed.split()[0]
    assert "\x1b" not in primer("show", chat_id, data_dir=cli_dir).stdout


def test_a_data_folder_that_is_a_file_is_a_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = primer("chats", data_dir=blocker)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot use its data folder" in result.stderr


def test_an_unreadable_data_folder_is_a_sentence(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads and writes any folder, so chmod 000 changes nothing for it")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0)
    try:
        result = primer("chats", data_dir=folder)
    finally:
        folder.chmod(0o700)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot use its data folder" in result.stderr


def test_db_help_describes_each_action() -> None:
    text = primer("db", "--help").stdout
    assert all(word in text for word in ("set-url URL:", "test:", "upgrade:"))
    keys = primer("keys", "--help").stdout
    assert "storage keyring|file" in keys


def test_a_damaged_settings_file_is_told_on_the_terminal_once(cli_dir: Path) -> None:
    (cli_dir / "settings.json").write_text("{not json", "utf-8")
    first = primer("chats", data_dir=cli_dir)
    assert first.returncode == 0 and "settings file was damaged" in first.stderr
    assert "settings file was damaged" not in primer("chats", data_dir=cli_dir).stderr
    assert list(cli_dir.glob("settings.json.damaged-*"))


def test_a_damaged_key_file_does_not_stop_a_key_from_the_environment(
    cli_dir: Path, fake_server: FakeProviderServer
) -> None:
    store = SettingsStore(cli_dir)
    store.save(replace(store.load(), insecure_key_file=True))
    (cli_dir / "insecure-keys.json").write_text("{damaged", "utf-8")
    asked = primer("ask", "Still works?", data_dir=cli_dir)  # OPENAI_API_KEY is set
    assert asked.returncode == 0, asked.stderr
    without = primer("ask", "And now?", data_dir=cli_dir, env={"OPENAI_API_KEY": ""})
    assert without.returncode == 1 and "is damaged" in without.stderr


def test_without_a_keyring_the_cli_can_choose_the_plain_file_and_sign_in(
    cli_dir: Path,
) -> None:
    refused = primer("keys", "set", "openai", data_dir=cli_dir, stdin="sk-new\n")
    assert refused.returncode == 1
    assert "cannot store the API key for openai" in refused.stderr
    assert "primer keys storage file" in refused.stderr and "Settings" not in refused.stderr
    chosen = primer("keys", "storage", "file", data_dir=cli_dir)
    assert chosen.returncode == 0 and "readable only by you" in chosen.stderr
    stored = primer("keys", "set", "openai", data_dir=cli_dir, stdin="sk-new\n")
    assert stored.returncode == 0, stored.stderr
