"""`primer` commands in a real subprocess: what a script or a person at a shell sees."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import BUILT_IN, SettingsStore
from tests.support.fake_providers import FakeProviderServer, Reply, error_json, openai_sse

KEY = "sk-cli-secret-key-0123456789"


@pytest.fixture
def cli_dir(data_dir: Path, fake_server: FakeProviderServer) -> Path:
    data_dir.mkdir(parents=True)
    store = SettingsStore(data_dir)
    store.save(
        store.load().with_provider(
            replace(BUILT_IN["openai"], base_url=fake_server.openai_url, default_model="gpt-test")
        )
    )
    return data_dir


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
    }
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
