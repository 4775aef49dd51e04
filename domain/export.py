"""Chats as files a person keeps: Markdown to read, and JSON that loses nothing (every
branch, Primer's ids, times and metadata) under a versioned top level."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.attachments import Attachment, StoredFile, size_text
from domain.chats import LOCAL_USER_ID
from domain.entities import Chat, Message, MessageStatus, Role
from domain.errors import PrimerError
from domain.notes import Note, highlight
from domain.tags import Tag, colour, sorted_tags, tag_name

FORMAT = "primer-export"
VERSION = 1


@dataclass(frozen=True, slots=True)
class WholeChat:
    """A chat as an export holds it, and as an import brings it."""

    chat: Chat
    messages: tuple[Message, ...]
    """Every message of every branch, oldest first."""
    path: tuple[str, ...]
    """The ids of the branch the chat shows, oldest first."""
    notes: tuple[Note, ...] = ()
    """The notes on its messages (domain/notes.py), oldest first."""

    @property
    def shown(self) -> list[Message]:
        by_id = {message.id: message for message in self.messages}
        return [by_id[message_id] for message_id in self.path]


def iso(moment: datetime | None) -> str | None:
    """UTC, as the commands print times: 2026-11-30T10:00:00.123456Z."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def document_head(exported_at: datetime) -> dict[str, Any]:
    """The top level of a JSON export; its "chats" follow, one `chat_json` each."""
    return {"format": FORMAT, "version": VERSION, "exported_at": iso(exported_at)}


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role.value,
        "content": message.content,
        "status": message.status.value,
        "provider": message.provider,
        "model": message.model,
        "input_tokens": message.input_tokens,
        "output_tokens": message.output_tokens,
        "cost": message.cost,
        "error": message.error,
        "metadata": message.metadata,
        "created_at": iso(message.created_at),
        "attachments": [
            {"name": a.name, "mime": a.file.mime, "size": a.file.size, "sha256": a.sha256}
            for a in message.attachments
        ],
    }


def chat_json(whole: WholeChat) -> dict[str, Any]:
    chat = whole.chat
    return {
        "id": chat.id,
        "title": chat.title,
        "provider": chat.provider,
        "model": chat.model,
        "system_prompt": chat.system_prompt,
        "pinned": chat.pinned,
        "archived": chat.archived,
        "tags": [{"name": tag.name, "colour": tag.colour} for tag in chat.tags],
        "created_at": iso(chat.created_at),
        "updated_at": iso(chat.updated_at),
        "active_path": list(whole.path),
        "messages": [message_json(message) for message in whole.messages],
        "notes": [note_json(note) for note in whole.notes],
    }


def note_json(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "message_id": note.message_id,
        "text": note.text,
        "quote": note.quote,
        "colour": note.colour,
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
    }


def note_lines(note: Note) -> list[str]:
    """A note under its message in Markdown: a quote block, the highlight first."""
    lines = [f"> **Note** ({note.colour} highlight): “{note.quote}”" if note.quote
             else "> **Note**"]  # fmt: skip
    if note.text:
        lines += [">", *(f"> {line}" for line in note.text.splitlines())]
    return [*lines, ""]


def speaker(message: Message) -> str:
    if message.role is Role.USER:
        return "You"
    if message.role is Role.ASSISTANT:
        return message.model or "Assistant"
    return message.role.value.capitalize()


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def about(chat: Chat) -> str:
    """The line under a chat's title: provider, model, when it started."""
    parts = [chat.provider, chat.model, f"started {local_time(chat.created_at)}"]
    return " · ".join(part for part in parts if part)


def attached(message: Message) -> list[str]:
    """A line for each file the message carries (an export names them; their bytes stay
    in Primer's data folder)."""
    return [f"Attached: {a.name} ({a.file.mime}, {size_text(a.file.size)})"
            for a in message.attachments]  # fmt: skip


def other_versions(whole: WholeChat) -> str | None:
    others = len(whole.messages) - len(whole.path)
    return f"{others} message(s) on other versions: in the JSON export." if others > 0 else None


INTERRUPTED = "(the reply was cut off here)"


def markdown(whole: WholeChat) -> str:
    """The branch the chat shows, as a person reads it: who, when, what."""
    chat = whole.chat
    lines = [f"# {chat.title}", ""]
    lines += [f"*{about(chat)}*", ""]
    if chat.system_prompt:
        lines += ["> **System prompt:** " + chat.system_prompt.replace("\n", "\n> "), ""]
    for message in whole.shown:
        lines += ["---", "", f"**{speaker(message)}** · {local_time(message.created_at)}", ""]
        if message.attachments:
            lines += [*(f"*{line}*  " for line in attached(message)), ""]
        if message.content:
            lines += [message.content.rstrip(), ""]
        for note in (n for n in whole.notes if n.message_id == message.id):
            lines += note_lines(note)
        if message.status is MessageStatus.ERROR and message.error:
            lines += [f"*{message.error}*", ""]
        elif message.status is MessageStatus.INTERRUPTED:
            lines += [f"*{INTERRUPTED}*", ""]
    if note := other_versions(whole):
        lines += ["---", "", f"*{note}*", ""]
    return "\n".join(lines)


def file_stem(title: str) -> str:
    """A title as a file name any file system takes: its words joined by hyphens."""
    words = re.sub(r"[^\w\- ]+", " ", title, flags=re.UNICODE).split()
    return "-".join(words)[:60].strip("-") or "chat"


def file_name(chat: Chat, extension: str) -> str:
    """The chat's file in a folder of them: the end of its id keeps two of one title apart."""
    return f"{file_stem(chat.title)}-{chat.id[-8:]}.{extension}"


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("a time is missing")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"the time {value} has no time zone")
    return moment


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"“{key}” is not text")
    return value


def _attachment(data: dict[str, Any]) -> Attachment:
    """An attachment as an export names it; its bytes (and what is found in them) come
    from the export's files folder, when there is one (app/import_attachments.py)."""
    file = StoredFile(_text(data, "sha256"), int(data.get("size") or 0), _text(data, "mime"))
    return Attachment(_text(data, "name"), file)


def files_folder(json_file: str) -> str:
    """Where a JSON export keeps the files its messages carry: `all.json` -> `all.files`."""
    stem, _, _ = json_file.rpartition(".")
    return f"{stem or json_file}.files"


def whole_chat(data: dict[str, Any]) -> WholeChat:
    """A chat read back from a JSON export (`chat_json`'s shape); ValueError names what
    is wrong with it."""
    chat = Chat(
        id=_text(data, "id"),
        user_id=LOCAL_USER_ID,
        title=_text(data, "title"),
        provider=_text(data, "provider"),
        model=_text(data, "model"),
        system_prompt=str(data.get("system_prompt") or ""),
        pinned=bool(data.get("pinned")),
        archived=bool(data.get("archived")),
        created_at=_time(data.get("created_at")),
        updated_at=_time(data.get("updated_at")),
        tags=_tags(data.get("tags")),
    )
    messages = []
    for item in data.get("messages") or []:
        tokens = (item.get("input_tokens"), item.get("output_tokens"))
        messages.append(
            Message(
                id=_text(item, "id"),
                chat_id=chat.id,
                parent_id=item.get("parent_id"),
                role=Role(item.get("role")),
                content=_text(item, "content"),
                status=MessageStatus(item.get("status")),
                created_at=_time(item.get("created_at")),
                provider=str(item.get("provider") or ""),
                model=str(item.get("model") or ""),
                input_tokens=int(tokens[0]) if tokens[0] is not None else None,
                output_tokens=int(tokens[1]) if tokens[1] is not None else None,
                cost=float(item["cost"]) if item.get("cost") is not None else None,
                error=item.get("error"),
                metadata=dict(item.get("metadata") or {}),
                attachments=tuple(_attachment(a) for a in item.get("attachments") or []),
            )
        )
    ids = {message.id for message in messages}
    path = tuple(str(i) for i in data.get("active_path") or [] if i in ids)
    notes = tuple(
        Note(
            id=_text(item, "id"),
            message_id=_text(item, "message_id"),
            chat_id=chat.id,
            text=str(item.get("text") or ""),
            quote=str(item.get("quote") or ""),
            colour=highlight(str(item.get("colour") or "yellow")),
            created_at=_time(item.get("created_at")),
            updated_at=_time(item.get("updated_at") or item.get("created_at")),
        )
        for item in data.get("notes") or []
    )
    return WholeChat(chat, tuple(messages), path, notes)


def _tags(items: object) -> tuple[Tag, ...]:
    """An export's tags; one without a name is left out, one without a colour gets one."""
    tags = []
    for item in items if isinstance(items, list) else []:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name.strip():
            named = tag_name(name)
            shade = item.get("colour")
            try:
                tags.append(Tag(named, colour(shade if isinstance(shade, str) else None, named)))
            except PrimerError:
                tags.append(Tag(named, colour(None, named)))
    return sorted_tags(tags)
