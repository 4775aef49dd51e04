"""`primer`: with no command it opens the window; its commands share the window's use cases."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.logs import log_to_file
from app.paths import resolve_data_dir
from app.secrets import CLI_PLAIN_FILE_HINT, NoKeyring
from app.version import __version__
from domain.errors import PrimerError

if TYPE_CHECKING:  # the window's start-up pays for what the commands import
    import argparse
    from datetime import datetime

    from app.bootstrap import Primer
    from domain.attachments import Attachment
    from domain.entities import Message


def _parser() -> argparse.ArgumentParser:
    import argparse

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="folder for Primer's data (default: the platform's user-data folder, "
        "or $PRIMER_DATA_DIR)",
    )
    parser = argparse.ArgumentParser(
        prog="primer",
        parents=[common],
        description="Primer: a local-first chat app for large language models. "
        "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"Primer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="send a message, stream the reply")
    ask.add_argument("--chat", metavar="ID", help="continue this chat (an id or its prefix)")
    ask.add_argument("--provider", metavar="P", help="openai, gemini or a local server's name")
    ask.add_argument("--model", metavar="M")
    ask.add_argument("--system", metavar="S", help="system prompt for the chat")
    ask.add_argument("--base-url", metavar="URL", help="one-off OpenAI-compatible server URL")
    ask.add_argument(
        "--attach",
        metavar="FILE",
        action="append",
        default=[],
        help="send a file with the message (an image, a PDF, a text file); repeat for more",
    )
    ask.add_argument(
        "--as-text",
        action="store_true",
        help="send a file's text where the model cannot read the file itself",
    )
    ask.add_argument(
        "text",
        nargs="*",
        help="the message; '-', or none with standard input not a terminal, reads it from "
        "standard input",
    )

    chats = commands.add_parser("chats", parents=[common], help="list chats, newest first")
    chats.add_argument("--json", action="store_true")
    chats.add_argument("--archived", action="store_true", help="the archived chats only")
    chats.add_argument("--tag", metavar="TAG", help="the chats carrying this tag only")
    for verb, text in (("archive", "move a chat out of the chat list (search still finds it)"),
                       ("unarchive", "bring an archived chat back to the list")):  # fmt: skip
        archiving = commands.add_parser(verb, parents=[common], help=text)
        archiving.add_argument("chat_id", metavar="CHAT_ID")

    title = commands.add_parser(
        "title",
        parents=[common],
        help="have a model write a chat's title",
        description="A model writes CHAT_ID's title from its first question and reply, in "
        "the chat's language (Settings → Chat titles chooses which; with titles off, the "
        "chat's own model). It replaces any title, a typed one too: you asked.",
    )
    title.add_argument("chat_id", metavar="CHAT_ID")
    show = commands.add_parser("show", parents=[common], help="print one chat")
    show.add_argument("chat_id", metavar="CHAT_ID")
    show.add_argument("--json", action="store_true")

    keys = commands.add_parser(
        "keys",
        parents=[common],
        help="store or remove a provider key (here, and in the account when signed in), "
        "or choose where secrets are kept",
        description="set PROVIDER: store a provider's API key (read from standard input or "
        "a prompt). delete PROVIDER: remove it. storage keyring|file: keep secrets (API keys, "
        "the backup database's password, your account's key) in the system keyring, or in "
        "a file in the data folder that only you can read (for machines without a keyring).",
    )
    key_actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (("set", "store a provider's API key"), ("delete", "remove it")):
        one = key_actions.add_parser(action, parents=[common], help=text)
        one.add_argument("provider", metavar="PROVIDER")
    storage = key_actions.add_parser(
        "storage", parents=[common], help="keep secrets in the keyring or a private file"
    )
    storage.add_argument("where", choices=["keyring", "file"])

    copies = commands.add_parser(
        "local-backups",
        parents=[common],
        help="copies of your chats saved on this computer: make, list, restore",
        description="Primer keeps copies of its database in the data folder's backups/ on "
        "its own (hourly while it runs and something changed, and at quit; 24 hourly, 14 "
        "daily, 8 weekly and 12 monthly are kept, within 5 GB), and one before every "
        "upgrade. create: make one now. list: the copies, newest first (nothing when there "
        "are none). restore NAME: put that copy in place of the database, with its "
        "attached files; the database it replaces is kept beside it.",
    )
    copy_actions = copies.add_subparsers(dest="action", metavar="ACTION", required=True)
    copy_actions.add_parser("create", parents=[common], help="make a copy now")
    copy_actions.add_parser("list", parents=[common], help="the saved copies, newest first")
    for verb in ("restore", "use"):
        use = copy_actions.add_parser(
            verb, parents=[common], help="put a copy in place" if verb == "restore" else None
        )
        use.add_argument("name", metavar="NAME")

    check = commands.add_parser(
        "self-check",
        parents=[common],
        help="check this installation: open the window, send one message to the default "
        "provider, wait for the reply, and check the program's own files",
    )
    check.add_argument("--message", default="Say hello", help="what to send")

    from app import (
        cli_backup,
        cli_export,
        cli_import,
        cli_meaning,
        cli_notes,
        cli_search,
        cli_tags,
        cli_usage,
    )

    _COMMANDS.update(cli_search.add_commands(commands, common))
    _COMMANDS.update(cli_export.add_commands(commands, common))
    _COMMANDS.update(cli_import.add_commands(commands, common))
    _COMMANDS.update(cli_backup.add_commands(commands, common))
    _COMMANDS.update(cli_usage.add_commands(commands, common))
    _COMMANDS.update(cli_tags.add_commands(commands, common))
    _COMMANDS.update(cli_notes.add_commands(commands, common))
    _COMMANDS.update(cli_meaning.add_commands(commands, common))
    return parser


def _opens_the_window(arguments: Sequence[str]) -> tuple[bool, str | None]:
    """Whether the arguments only open the window, and the folder they name.

    `primer` and `primer --data-dir DIR` skip building the parser and its commands: a
    tenth of the window's cold start (bench.run).
    """
    match list(arguments):
        case []:
            return True, None
        case ["--data-dir", folder] if not folder.startswith("-"):
            return True, folder
        case [option] if option.startswith("--data-dir="):
            return True, option.removeprefix("--data-dir=")
    return False, None


def _open_window(data_dir: Path) -> int:
    import gc

    # The start-up makes some 30,000 objects (PySide's types and enums, our modules)
    # and keeps them: collecting among them would cost the first paint ~7 ms (bench.run).
    # The window freezes them once it has painted, and from then on collects on the GUI
    # thread only (app.gui.garbage).
    gc.disable()
    from app.gui.launch import run_window

    return run_window(data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    for argument in arguments:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = argument.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            print(f"primer: an argument is not valid UTF-8 text: {shown}", file=sys.stderr)
            return 2
    window_only, folder = _opens_the_window(arguments)
    if window_only:
        return _open_window(resolve_data_dir(folder))
    args = _parser().parse_args(arguments)
    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    if args.command is None:
        return _open_window(data_dir)
    if args.command == "self-check":
        from app.gui.self_check import run_self_check

        return run_self_check(data_dir, args.message)
    log_to_file(data_dir, "primer-cli.log")
    _stop_on_termination()
    try:
        return _COMMANDS[args.command](args, data_dir)
    except NoKeyring as error:
        print(f"primer: {error.sentence} {CLI_PLAIN_FILE_HINT}", file=sys.stderr)
        return 1
    except PrimerError as error:
        print(f"primer: {error.message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("primer: stopped.", file=sys.stderr)
        return 130


def _stop_on_termination() -> None:
    """SIGTERM and SIGHUP (a closed terminal, a service manager) stop a command the way
    Ctrl-C does, so what it was writing is saved, not cut off."""
    import signal

    def interrupt(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def build_for_terminal(data_dir: Path, base_url: str | None = None) -> Primer:
    """Wire Primer for a command; what the window would show in its bar goes to stderr."""
    from app.bootstrap import build

    primer = build(data_dir, provider_overrides={"base_url": base_url} if base_url else None)
    if primer.settings_store.problem:
        print(f"primer: {primer.settings_store.problem}", file=sys.stderr)
    return primer


def _ask(args: argparse.Namespace, data_dir: Path) -> int:
    from domain.attachments import CannotSend
    from domain.entities import MessageStatus
    from domain.use_cases.send_message import NewChatSettings, PendingReply

    if args.text in ([], ["-"]) and not (args.attach and not args.text and sys.stdin.isatty()):
        if not args.text and sys.stdin.isatty():
            raise PrimerError('Give the message: primer ask "Hello", or pipe it in.')
        try:
            text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise PrimerError(
                f"Standard input is not valid UTF-8 text (byte {error.start}); "
                "nothing was sent or stored."
            ) from None
    else:
        text = " ".join(args.text)
    primer = build_for_terminal(data_dir, args.base_url)
    attachments = _attach(primer, args.attach)
    changes = {
        k: v
        for k, v in (
            ("provider", args.provider),
            ("model", args.model),
            ("system_prompt", args.system),
        )
        if v is not None
    }  # (a new provider without --model takes its default model: UpdateChat)
    new_chat = NewChatSettings(
        args.provider or primer.settings.default_provider, args.model or "", args.system or ""
    )
    written: list[str] = []

    def started(pending: PendingReply) -> None:
        if not args.chat:
            print(f"chat {pending.chat.id}", file=sys.stderr)

    def write(delta: str) -> None:
        written.append(delta)
        sys.stdout.write(delta)
        sys.stdout.flush()

    try:
        asked = primer.ask(
            text,
            chat=args.chat,
            changes=changes,
            new_chat=new_chat,
            on_start=started,
            on_delta=write,
            attachments=attachments,
            as_text=args.as_text,
        )
    except CannotSend as refused:
        hint = " Add --as-text to send its text instead." if refused.as_text else ""
        raise PrimerError(f"{refused.message}{hint} Nothing was sent or stored.") from None
    if written:
        sys.stdout.write("\n")
    stored = asked.reply
    if stored.status is MessageStatus.COMPLETE:
        notice = stored.metadata.get("notice")
        if notice:
            print(f"primer: {notice}", file=sys.stderr)
        return 0
    if asked.stopped:
        print("primer: stopped; the partial reply was kept.", file=sys.stderr)
        return 130
    print(f"primer: {stored.error}", file=sys.stderr)
    if stored.metadata.get("error_kind") == "auth":
        print(
            f"primer: store the right key with `primer keys set {asked.pending.chat.provider}`.",
            file=sys.stderr,
        )
    return 1


def _attach(primer: Primer, paths: list[str]) -> tuple[Attachment, ...]:
    """Each file copied in and looked at; one that cannot be attached stops the command,
    and the ones before it are forgotten."""
    attachments: list[Attachment] = []
    try:
        for path in paths:
            attachments.append(primer.attach_file(path))
    except PrimerError as refused:
        primer.send_message.forget(attachments)
        raise PrimerError(f"{refused.message} Nothing was sent or stored.") from None
    return tuple(attachments)


def _chats(args: argparse.Namespace, data_dir: Path) -> int:
    primer = build_for_terminal(data_dir)
    summaries = primer.list_chats(with_counts=True, archived=args.archived, tag=args.tag)
    if args.json:
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "provider": s.provider,
                "model": s.model,
                "pinned": s.pinned,
                "archived": s.archived,
                "tags": [tag.name for tag in s.tags],
                "updated_at": _iso(s.updated_at),
                "message_count": s.message_count,
            }
            for s in summaries
        ]
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if not summaries:
        if not args.archived and not args.tag:
            print('No chats yet. Start one with: primer ask "Hello"')
        return 0
    for s in summaries:
        pin = "*" if s.pinned else " "
        when = s.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        title, model = _printable(s.title), _printable(s.model)
        tags = "".join(f"  #{_printable(tag.name)}" for tag in s.tags)
        print(f"{pin} {s.id[:13]}  {when}  {title}  ({s.message_count} messages, {model}){tags}")
    return 0


def _archive(args: argparse.Namespace, data_dir: Path) -> int:
    primer = build_for_terminal(data_dir)
    chat = primer.update_chat(primer.get_chat(args.chat_id).id, archived=args.command == "archive")
    where = "archived" if chat.archived else "back in the chat list"
    print(f"“{_printable(chat.title)}” is {where}.", file=sys.stderr)
    return 0


def _title(args: argparse.Namespace, data_dir: Path) -> int:
    primer = build_for_terminal(data_dir)
    named = primer.name_chat(primer.get_chat(args.chat_id).id, asked=True)
    if named is None:
        raise PrimerError("The model gave no title; the chat keeps its own.")
    print(named.title)
    return 0


def _show(args: argparse.Namespace, data_dir: Path) -> int:
    primer = build_for_terminal(data_dir)
    chat_id = primer.get_chat(args.chat_id).id
    if args.json:  # (what an export keeps of it)
        from domain.export import chat_json

        data = chat_json(primer.export_chats(chat_id))
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    conversation = primer.load_conversation(chat_id, page_size=None)
    _print_conversation(sys.stdout, conversation.chat.title, conversation.newest)
    return 0


def _print_conversation(out: TextIO, title: str, messages: Sequence[Message]) -> None:
    from domain.entities import MessageStatus

    out.write(f"# {_printable(title)}\n")
    for message in messages:
        who = "You" if message.role.value == "user" else (message.model or message.role.value)
        flag = "" if message.status is MessageStatus.COMPLETE else f" [{message.status.value}]"
        out.write(f"\n## {_printable(who)}{flag}\n\n{_printable(message.content, lines=True)}\n")
        if message.error:
            out.write(f"\n({_printable(message.error)})\n")


def _printable(text: str, *, lines: bool = False) -> str:
    """Text for a terminal: control characters (ANSI escapes among them) shown, not obeyed."""
    import unicodedata

    kept = "\n\t" if lines else ""
    return "".join(
        c.encode("unicode_escape").decode()
        if unicodedata.category(c) == "Cc" and c not in kept
        else c
        for c in text
    )


def _keys(args: argparse.Namespace, data_dir: Path) -> int:
    if args.action == "storage":
        return _key_storage(args.where, data_dir)
    primer = build_for_terminal(data_dir)
    primer.providers.config(args.provider)
    keys = primer.provider_keys()
    if args.action == "delete":
        in_account = keys.delete(args.provider)
        print(f"Removed the stored key for {args.provider}.", file=sys.stderr)
        if in_account:
            print("Removed it from your account too.", file=sys.stderr)
        return 0
    if sys.stdin.isatty():
        import getpass

        key = getpass.getpass(f"API key for {args.provider}: ")
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key:
        raise PrimerError("No key given; nothing was stored.")
    keys.keep(args.provider, key)
    print(f"Stored the key for {args.provider}.", file=sys.stderr)
    if keys.seal(args.provider, key):
        print("Saved it, encrypted, to your account too.", file=sys.stderr)
    return 0


def _key_storage(where: str, data_dir: Path) -> int:
    """Choose the keyring or the plain file; settings only, so it works before anything
    else does (a machine without a keyring cannot sign in until this is chosen)."""
    import dataclasses

    from app.secrets import INSECURE_FILE_NAME
    from app.settings import SettingsStore

    store = SettingsStore(data_dir)
    settings = store.load()
    store.save(dataclasses.replace(settings, insecure_key_file=where == "file"))
    if where == "file":
        print(
            f"Secrets will be kept in {data_dir / INSECURE_FILE_NAME}, readable only by you. "
            "Anyone who can read your files as you can read them; a keyring is safer where "
            "there is one. Secrets already in the keyring stay there: store them again.",
            file=sys.stderr,
        )
    else:
        print("Secrets will be kept in the system keyring.", file=sys.stderr)
    return 0


def _iso(value: datetime) -> str:
    from domain.export import iso

    return iso(value) or ""


def _local_backups(args: argparse.Namespace, data_dir: Path) -> int:
    from app.bootstrap import local_copies, use_local_copy

    if args.action == "list":
        for copy in local_copies(data_dir):
            when = copy.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
            print(f"{copy.name}  {when}  {copy.size / 1_048_576:.1f} MB  {copy.kind}")
        return 0
    if args.action == "create":
        primer = build_for_terminal(data_dir)
        report = primer.local_copies(by_hand=True)
        assert report.made is not None
        print(report.made.name)
        print(f"Saved a copy of your chats in {data_dir / 'backups'}.", file=sys.stderr)
        return 0
    aside = use_local_copy(data_dir, args.name)
    print(f"The copy {args.name} is now your database; the one it replaced is kept as "
          f"{aside.name}.", file=sys.stderr)  # fmt: skip
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "ask": _ask,
    "chats": _chats,
    "show": _show,
    "title": _title,
    "archive": _archive,
    "unarchive": _archive,
    "keys": _keys,
    "local-backups": _local_backups,
}

if __name__ == "__main__":
    sys.exit(main())
