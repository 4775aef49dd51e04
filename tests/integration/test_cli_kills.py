"""`primer ask` killed mid-reply as a real process, the way a crash, a closed terminal or
a service manager ends it: what was shown is kept, and the next Primer marks it."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.backup_database import remember_backup_url
from app.bootstrap import Primer
from tests.integration.test_cli import KEY, primer
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse
from tests.support.seeding import table_rows

PIECE = "word "
SLOW = Reply(body=openai_sse([PIECE] * 400), delay=0.01)  # about four seconds


def start_ask(data_dir: Path, *, save_every: str | None = None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPENAI_API_KEY": KEY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    if save_every is not None:
        env["PRIMER_REPLY_SAVE_SECONDS"] = save_every
    return subprocess.Popen(
        [sys.executable, "-m", "app", "ask", "Tell me a lot", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def read_until(process: subprocess.Popen[bytes], characters: int) -> bytes:
    """What the process printed, once it has printed at least `characters` (or ended)."""
    assert process.stdout is not None
    shown = b""
    while len(shown) < characters:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "the reply stopped arriving"
        piece = os.read(process.stdout.fileno(), 4096)
        if not piece:
            break
        shown += piece
    return shown


def replies(data_dir: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(data_dir / "primer.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute(
            "SELECT r.content, r.status, q.content FROM messages r"
            " JOIN messages q ON q.id = r.parent_id WHERE r.role = 'assistant' ORDER BY r.id"
        ).fetchall()
    db.close()
    return rows


@pytest.mark.slow
def test_kill_9_keeps_the_text_shown_and_the_next_primer_marks_it(
    cli_dir: Path,
    fake_server: FakeProviderServer,
    machine,
) -> None:
    chance = random.Random(20261130)
    shown_each: list[str] = []
    for _ in range(20):
        fake_server.queue(SLOW)
        process = start_ask(cli_dir, save_every="0")
        shown = read_until(process, chance.randrange(1, 1200)).decode()
        process.kill()
        rest, _ = process.communicate(timeout=30)  # what was in the pipe when it died
        shown_each.append(shown + rest.decode())

    # Any Primer that starts next marks what the dead processes left, here `primer chats`.
    assert primer("chats", data_dir=cli_dir).returncode == 0
    stored = replies(cli_dir)
    assert len(stored) == 20
    for (content, status, question), shown in zip(stored, shown_each, strict=True):
        assert question == "Tell me a lot"
        assert status == "interrupted"
        # Saved after each piece is shown: at most the last piece is missing.
        assert shown.startswith(content) and len(shown) - len(content) <= len(PIECE)

    # The next backup and a restore elsewhere hold the whole conversations.
    here = machine(cli_dir.name)
    account = (
        here.accounts().register("kills@example.org", "correct horse battery").account.account_id
    )
    assert here.backup_now()(account).waiting == 0
    there = machine("elsewhere")
    there.accounts().sign_in("kills@example.org", "correct horse battery")
    there.restore_backup()(account)
    assert table_rows(there.data_dir)["messages"] == table_rows(cli_dir)["messages"]


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_sigterm_and_sighup_stop_like_ctrl_c(
    cli_dir: Path,
    fake_server: FakeProviderServer,
    name: str,
) -> None:
    fake_server.queue(SLOW)
    process = start_ask(cli_dir)
    shown = read_until(process, 40)
    process.send_signal(getattr(signal, name))
    out, err = process.communicate(timeout=30)
    shown += out
    assert process.returncode == 130, err
    assert b"the partial reply was kept" in err
    chat_id = err.decode().split("chat ")[1].split()[0]
    chat = json.loads(primer("show", chat_id, "--json", data_dir=cli_dir).stdout)
    reply = chat["messages"][1]
    assert reply["status"] == "interrupted"
    assert reply["content"] == shown.decode().rstrip("\n")
    spent = json.loads(primer("usage", "--json", data_dir=cli_dir).stdout)
    assert [(row["requests"], row["estimated"]) for row in spent] == [(1, True)]  # counted


@pytest.mark.slow
def test_backup_and_restore_killed_mid_run_finish_on_the_next_run(
    tmp_path: Path, machine, backup_url: str
) -> None:
    """`primer backup` and `primer restore` as real processes, SIGKILLed at random moments
    and run again: both sides end with the same rows, none twice."""
    from tests.integration.test_backup import backed_up_rows, remote_messages
    from tests.support.seeding import add_chat

    def keys_in_data_folder(name: str) -> Primer:
        """A Primer whose keys (the account's data key among them) are in its data folder,
        where the `primer` processes below find them (these tests have no keyring)."""
        made = machine(name)
        made.apply_settings(dataclasses.replace(made.settings, insecure_key_file=True))
        made.apply_settings(remember_backup_url(made.settings, made.secrets, backup_url))
        return made

    laptop = keys_in_data_folder("laptop")
    account = laptop.accounts().register("kill@example.org", "correct horse battery").account
    for n in range(8):
        add_chat(laptop, f"Chat {n}", 2500)  # 20,000 messages: several batches

    chance = random.Random(7)

    def run_killed(command: str, folder: Path, times: int) -> None:
        for _ in range(times):
            process = subprocess.Popen(
                [sys.executable, "-m", "app", command, "--backup-url", backup_url,
                 "--data-dir", str(folder)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                process.wait(timeout=chance.uniform(0.8, 3.0))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        finished = primer(command, "--backup-url", backup_url, data_dir=folder)
        assert finished.returncode == 0, finished.stderr

    run_killed("backup", laptop.data_dir, 4)
    remote = remote_messages(backup_url, account.account_id)
    assert len(remote) == len({row[0] for row in remote}) == 20_000
    assert [r[0] for r in remote] == [m[0] for m in backed_up_rows(laptop)["messages"]]

    desktop = keys_in_data_folder("desktop")
    desktop.accounts().sign_in("kill@example.org", "correct horse battery")
    run_killed("restore", desktop.data_dir, 4)
    assert backed_up_rows(desktop) == backed_up_rows(laptop)
    with sqlite3.connect(desktop.data_dir / "primer.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
