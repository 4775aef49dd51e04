"""`primer account`, `backup`, `restore` and `db` in real subprocesses, as cron would run them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from app.settings import BUILT_IN, SettingsStore
from devtools.embedded_postgres import APP_PASSWORD, free_port
from tests.integration.test_cli import primer
from tests.support.fake_providers import FakeProviderServer

PASSWORD = "correct horse battery\n"


def machine(tmp_path: Path, name: str, openai_url: str = "") -> Path:
    """A data folder whose keys go to its own file (the CLI tests have no keyring)."""
    folder = tmp_path / name
    folder.mkdir()
    store = SettingsStore(folder)
    settings = replace(store.load(), insecure_key_file=True)
    if openai_url:
        openai = replace(BUILT_IN["openai"], base_url=openai_url, default_model="gpt-test")
        settings = settings.with_provider(openai)
    store.save(settings)
    return folder


def test_register_backup_and_restore_on_another_machine(
    tmp_path: Path, backup_url: str, fake_server: FakeProviderServer
) -> None:
    laptop = machine(tmp_path, "laptop", fake_server.openai_url)
    assert primer("db", "set-url", backup_url, data_dir=laptop).returncode == 0
    assert APP_PASSWORD not in (laptop / "settings.json").read_text()
    tested = primer("db", "test", data_dir=laptop)  # the password comes from the key file
    assert tested.returncode == 0 and "Connected to 127.0.0.1:" in tested.stdout, tested.stderr
    upgraded = primer("db", "upgrade", data_dir=laptop)
    assert upgraded.returncode == 0 and "The schema is up to date." in upgraded.stdout
    shared = upgraded.stdout.strip().splitlines()[-1]  # the URL people sign up with
    assert shared.startswith("postgresql://primer_") and "_gate:" in shared
    stored = primer("keys", "set", "openai", stdin="sk-from-the-laptop\n", data_dir=laptop)
    assert stored.returncode == 0
    registered = primer(
        "account", "register", "--email", "ada@example.org", "--password-stdin",
        stdin=PASSWORD, data_dir=laptop,
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    assert "Saved your keys for openai" in registered.stderr
    recovery_key = registered.stdout.strip()  # alone on standard output, for a script
    assert "shown once" in registered.stderr and len(recovery_key.replace("-", "")) == 32
    asked = primer("ask", "Hello", "backup", data_dir=laptop)
    assert asked.returncode == 0, asked.stderr

    backed_up = primer("backup", data_dir=laptop)
    assert backed_up.returncode == 0, backed_up.stderr
    assert "(2 messages)" in backed_up.stdout
    status = primer("account", "status", data_dir=laptop)
    assert "Signed in as ada@example.org. Last backup: 20" in status.stdout

    desktop = machine(tmp_path, "desktop")
    signed_in = primer(
        "account", "login", "--email", "ADA@example.org", "--password-stdin",
        "--backup-url", shared, stdin=PASSWORD, data_dir=desktop,
    )  # fmt: skip
    assert signed_in.returncode == 0, signed_in.stderr
    assert "Brought back your keys for openai" in signed_in.stderr
    restored = primer("restore", data_dir=desktop)  # the URL given at login was kept
    assert restored.returncode == 0, restored.stderr
    assert "Restored 1 chat; 2 new messages here." in restored.stdout
    chats = json.loads(primer("chats", "--json", data_dir=desktop).stdout)
    assert [c["title"] for c in chats] == ["Hello backup"]
    assert chats[0]["message_count"] == 2

    renewed = primer("account", "recovery-key", data_dir=laptop)  # a new one: the old stops
    assert renewed.returncode == 0 and "the one before no longer works" in renewed.stderr
    old, recovery_key = recovery_key, renewed.stdout.strip()
    tablet = machine(tmp_path, "tablet")  # the password forgotten: the recovery key
    assert primer("db", "set-url", shared, data_dir=tablet).returncode == 0
    refused = primer(
        "account", "recover", "--email", "ada@example.org", "--password-stdin",
        stdin=f"{old}\na new passphrase for ada\n", data_dir=tablet,
    )  # fmt: skip
    assert refused.returncode == 1 and "recovery key is wrong" in refused.stderr
    recovered = primer(
        "account", "recover", "--email", "ada@example.org", "--password-stdin",
        stdin=f"{recovery_key}\na new passphrase for ada\n", data_dir=tablet,
    )  # fmt: skip
    assert recovered.returncode == 0, recovered.stderr
    assert "New password set; signed in as ada@example.org" in recovered.stderr
    assert "2 new messages" in primer("restore", data_dir=tablet).stdout
    refused = primer(
        "account", "login", "--email", "ada@example.org", "--password-stdin",
        "--backup-url", shared, stdin=PASSWORD, data_dir=machine(tmp_path, "phone"),
    )  # fmt: skip
    assert refused.returncode != 0 and "email or password is wrong" in refused.stderr


def test_failures_exit_non_zero_with_a_sentence(tmp_path: Path, backup_url: str) -> None:
    laptop = machine(tmp_path, "laptop")
    not_signed_in = primer("backup", "--backup-url", backup_url, data_dir=laptop)
    assert not_signed_in.returncode == 1
    assert "not signed in" in not_signed_in.stderr and "Traceback" not in not_signed_in.stderr

    primer("db", "set-url", backup_url, data_dir=laptop)
    primer(
        "account", "register", "--email", "ada@example.org", "--password-stdin",
        stdin=PASSWORD, data_dir=laptop,
    )  # fmt: skip
    wrong = primer(
        "account", "login", "--email", "ada@example.org", "--password-stdin",
        stdin="not it\n", data_dir=laptop,
    )  # fmt: skip
    assert wrong.returncode == 1 and "The email or password is wrong." in wrong.stderr

    down = f"postgresql://primer_app:{APP_PASSWORD}@127.0.0.1:{free_port()}/gone"
    failed = primer("backup", "--backup-url", down, data_dir=laptop)
    assert failed.returncode == 1
    assert "cannot reach the backup database" in failed.stderr
    assert APP_PASSWORD not in failed.stderr + failed.stdout and "Traceback" not in failed.stderr

    changed = primer(
        "account", "passwd", "--password-stdin",
        stdin="correct horse battery\nan even better passphrase\n", data_dir=laptop,
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    out = primer("account", "logout", data_dir=laptop)
    assert out.returncode == 0 and "your chats stay" in out.stderr
    assert primer("account", "status", data_dir=laptop).stdout.strip() == "Not signed in."
