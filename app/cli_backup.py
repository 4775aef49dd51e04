"""`primer account`, `primer backup`, `primer restore` and `primer db`: the cloud half, for
people and for cron. Passwords come from a prompt, or from stdin with --password-stdin."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from app.store_thread import serve_store_while
from domain.errors import AccountError, PrimerError

if TYPE_CHECKING:
    from app.bootstrap import Primer

T = TypeVar("T")

Handler = Callable[[argparse.Namespace, Path], int]


def add_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> dict[str, Handler]:
    remote = argparse.ArgumentParser(add_help=False, parents=[common])
    remote.add_argument(
        "--backup-url",
        metavar="URL",
        help="backup database URL (default: settings, or $PRIMER_BACKUP_URL)",
    )

    account = commands.add_parser(
        "account",
        parents=[remote],
        help="register, sign in or out, change password, recover",
        description="register: make an account and show its recovery key, once. login, "
        "logout, status. passwd: change the password. recover: set a new password with "
        "the recovery key (the password is forgotten). recovery-key: make a new recovery "
        "key (the one before stops working).",
    )
    account.add_argument(
        "action",
        choices=["register", "login", "logout", "passwd", "status", "recover", "recovery-key"],
    )
    account.add_argument("--email", metavar="E")
    account.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (passwd: old, then new, one per line; "
        "recover: the recovery key, then the new password)",
    )

    backup = commands.add_parser("backup", parents=[remote], help="back up what changed")
    backup.add_argument("--quiet", action="store_true", help="print nothing on success")
    commands.add_parser("restore", parents=[remote], help="bring the account's chats here")

    db = commands.add_parser(
        "db",
        parents=[remote],
        help="set, test or upgrade the backup database",
        description="set-url URL: connect to the database at URL (a postgresql:// URL or "
        "a key=value string), bring its schema up to date and remember it; its password "
        "goes to the keyring, never to settings. test: connect to the remembered database "
        "and say whether it works. upgrade: apply any missing schema now (Primer also does "
        "it on first connect).",
    )
    db.add_argument("action", choices=["set-url", "test", "upgrade"])
    db.add_argument("url", nargs="?", metavar="URL", help="for set-url")
    return {"account": _account, "backup": _backup, "restore": _restore, "db": _db}


def _primer(data_dir: Path) -> Primer:
    from app.cli import build_for_terminal

    return build_for_terminal(data_dir)


def _read_passwords(args: argparse.Namespace, prompts: list[str]) -> list[str]:
    if args.password_stdin:
        lines = sys.stdin.read().splitlines()
        if len(lines) < len(prompts):
            raise AccountError(f"Expected {len(prompts)} password line(s) on standard input.")
        return lines[: len(prompts)]
    return [getpass.getpass(prompt) for prompt in prompts]


def _email(args: argparse.Namespace) -> str:
    if args.email:
        return args.email
    if not sys.stdin.isatty() or args.password_stdin:
        raise AccountError("Give the account's email with --email.")
    return input("Email: ")


def _account(args: argparse.Namespace, data_dir: Path) -> int:
    from domain.accounts import PASSWORD_RULES

    primer = _primer(data_dir)
    if args.action == "status":
        linked = primer.account_link.current()
        if linked is None:
            print("Not signed in.")
        else:
            last = primer.backup_source.last_backup_at(linked.account_id)
            print(f"Signed in as {linked.email}. Last backup: {last or 'never'}.")
        return 0
    if args.action == "logout":
        linked = primer.account_link.current()
        if linked is None:
            print("Not signed in.", file=sys.stderr)
            return 0
        from domain.use_cases.accounts import sign_out

        sign_out(primer.account_link, primer.secrets)
        print(f"Signed out of {linked.email}; your chats stay on this machine.", file=sys.stderr)
        return 0
    accounts = primer.accounts(args.backup_url)
    if args.backup_url:  # it worked: the next `primer backup` needs no --backup-url
        from app.backup_database import remember_backup_url

        primer.apply_settings(remember_backup_url(primer.settings, primer.secrets, args.backup_url))
    if args.action == "register":
        email = _email(args)
        if not args.password_stdin:
            print(f"Password rules: {PASSWORD_RULES}", file=sys.stderr)
        (password,) = _read_passwords(args, ["Password: "])
        if not args.password_stdin and getpass.getpass("Repeat password: ") != password:
            raise AccountError("The two passwords differ; nothing was created.")
        linked, recovery_key = accounts.register(email, password)
        saved = accounts.save_all_keys()
        print(f"Registered and signed in as {linked.email}.", file=sys.stderr)
        if saved:
            print(f"Saved your keys for {', '.join(saved)} to the account.", file=sys.stderr)
        _show_recovery_key(recovery_key)
        return 0
    if args.action == "recover":
        email = _email(args)
        if args.password_stdin:
            recovery_key, password = _read_passwords(args, ["", ""])
        else:
            recovery_key = getpass.getpass("Recovery key: ")
            print(f"Password rules: {PASSWORD_RULES}", file=sys.stderr)
            (password,) = _read_passwords(args, ["New password: "])
            if getpass.getpass("Repeat new password: ") != password:
                raise AccountError("The two passwords differ; nothing was changed.")
        signed_in = accounts.recover(email, recovery_key, password)
        print(
            f"New password set; signed in as {signed_in.account.email}. The recovery key "
            "still works: keep it.",
            file=sys.stderr,
        )
        return 0
    if args.action == "recovery-key":
        _show_recovery_key(accounts.new_recovery_key(), replaced=True)
        return 0
    if args.action == "login":
        email = _email(args)
        (password,) = _read_passwords(args, ["Password: "])
        signed_in = accounts.sign_in(email, password)
        print(f"Signed in as {signed_in.account.email}.", file=sys.stderr)
        if signed_in.restored:
            print(f"Brought back your keys for {', '.join(signed_in.restored)}.", file=sys.stderr)
        notice = signed_in.unreadable_notice()
        if notice:
            print(f"primer: {notice}", file=sys.stderr)
            return 1
        return 0
    old, new = _read_passwords(args, ["Current password: ", "New password: "])
    if not args.password_stdin and getpass.getpass("Repeat new password: ") != new:
        raise AccountError("The two new passwords differ; nothing was changed.")
    accounts.change_password(old, new)
    print("Password changed; your saved keys stay readable.", file=sys.stderr)
    return 0


def _show_recovery_key(recovery_key: str, *, replaced: bool = False) -> None:
    """The key on standard output (for a script to keep), what it is on standard error."""
    print(
        ("Your new recovery key (the one before no longer works). " if replaced else
         "Your recovery key. ")
        + "It is shown once: print it or keep it in a password manager. With it you can "
        "set a new password if you forget yours (`primer account recover`); without "
        "either, nobody can read your backup, Primer included.",
        file=sys.stderr,
    )  # fmt: skip
    print(recovery_key)


def _signed_in(primer: Primer) -> str:
    from domain.use_cases.accounts import NOT_SIGNED_IN

    linked = primer.account_link.current()
    if linked is None:
        raise AccountError(NOT_SIGNED_IN)
    return linked.account_id


def _transfer(label: str, run: Callable[[Callable[[int, int], None] | None], T]) -> T:
    """Run Backup now or Restore, with a progress line on a terminal."""
    if not sys.stderr.isatty():
        return run(None)

    def show(done: int, total: int) -> None:
        print(f"\r{label}: {done:,} / {total:,}", end="", file=sys.stderr, flush=True)

    try:
        return run(show)
    finally:
        print(file=sys.stderr)


def _backup(args: argparse.Namespace, data_dir: Path) -> int:
    primer = _primer(data_dir)
    account_id = _signed_in(primer)
    report = _transfer(
        "Backing up",
        lambda progress: serve_store_while(
            lambda store: primer.backup_now(args.backup_url, store)(account_id, progress)
        ),
    )
    for sentence in report.faults() + report.notes():
        print(f"primer: {sentence}", file=sys.stderr)
    if not args.quiet:
        files = f", {report.files.files:,} attached file(s)" if report.files.files else ""
        print(f"Backed up {report.changes_sent:,} changes ({report.messages_sent:,} messages"
              f"{files}).")  # fmt: skip
    return 1 if report.faults() else 0


def _restore(args: argparse.Namespace, data_dir: Path) -> int:
    primer = _primer(data_dir)
    account_id = _signed_in(primer)
    report = _transfer(
        "Restoring",
        lambda progress: serve_store_while(
            lambda store: primer.restore_backup(args.backup_url, store)(account_id, progress)
        ),
    )
    print(f"Restored {report.summary()}.")
    for sentence in report.faults():
        print(f"primer: {sentence}", file=sys.stderr)
    return 1 if report.faults() else 0


def _db(args: argparse.Namespace, data_dir: Path) -> int:
    from app.backup_database import where, working_url

    primer = _primer(data_dir)
    if args.action == "set-url":
        if not args.url:
            raise PrimerError("Give the URL: primer db set-url postgresql://USER:PASSWORD@HOST/DB")
        settings, place = working_url(primer.settings, primer.secrets, args.url)
        primer.apply_settings(settings)  # kept only once it worked
        print(f"Backup database set to {place}; connection works.", file=sys.stderr)
        return 0
    if args.action == "upgrade":
        applied = primer.upgrade_backup_database(args.backup_url)
        print(f"Applied: {', '.join(applied)}." if applied else "The schema is up to date.")
        shared = primer.sign_up_url(args.backup_url)
        if shared:
            print(
                "People sign up and sign in with this URL (Settings → Backup, or `primer "
                "db set-url`). It lets them make accounts and reach their own account's "
                f"rows, nothing else; keep the owner's URL to yourself:\n{shared}"
            )
        return 0
    database = primer.backup_database(args.backup_url)
    database.check()
    print(f"Connected to {where(database.url)}; the schema is up to date.")
    return 0
