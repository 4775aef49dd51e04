"""One Claude.ai conversation (an item of its `conversations.json`) as a Primer chat.

Messages have flat `text` (2024) or `content` blocks (2025 on): the blocks are preferred,
since the flat text runs thinking and answer together. Thinking and tool traffic are kept
apart from the answer, in the message's metadata (the 2024 text's `<antThinking>` too, and
its `<antArtifact>`s become code blocks); attached files are named by placeholders.
Branches (`parent_message_uuid`) are kept, the last one shown; without them the messages
are one branch in the order they were written (the file does not always list them so).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from domain.chats import LOCAL_USER_ID, title_from_text
from domain.entities import Chat, Message, MessageStatus, Role
from domain.export import WholeChat
from domain.ids import stable_id
from domain.tags import Tag, colour, tag_name

SOURCE = "claude"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_THINKING = re.compile(r"<antThinking>(.*?)</antThinking>", re.DOTALL)
_ARTIFACT = re.compile(r"<antArtifact\b([^>]*)>(.*?)</antArtifact>", re.DOTALL)
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_LANGUAGES = {
    "text/html": "html",
    "image/svg+xml": "svg",
    "text/markdown": "markdown",
    "application/vnd.ant.mermaid": "mermaid",
    "application/vnd.ant.react": "jsx",
}


def looks_like(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("chat_messages"), list)


def _moment(value: object, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return fallback


def _artifact(found: re.Match[str]) -> str:
    attributes = dict(_ATTRIBUTE.findall(found.group(1)))
    language = attributes.get("language") or _LANGUAGES.get(attributes.get("type", ""), "")
    body = found.group(2).strip("\n")
    fence = "````" if "```" in body else "```"
    title = f"**{attributes['title']}**\n\n" if attributes.get("title") else ""
    return f"{title}{fence}{language}\n{body}\n{fence}"


def _text(text: str, thinking: list[str]) -> str:
    """The 2024 markup in a reply's text: thinking taken out into `thinking`, artifacts
    made code blocks."""
    thinking += [part.strip() for part in _THINKING.findall(text)]
    return _ARTIFACT.sub(_artifact, _THINKING.sub("", text)).strip()


def _blocks(item: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """(answer, thinking, tools) from a message's content blocks, or its flat text."""
    answer: list[str] = []
    thinking: list[str] = []
    tools: list[str] = []
    blocks = item.get("content")
    if not isinstance(blocks, list) or not blocks:
        return [_text(str(item.get("text") or ""), thinking)], thinking, tools
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            answer.append(_text(str(block.get("text") or ""), thinking))
        elif kind == "thinking":
            thinking.append(str(block.get("thinking") or block.get("text") or ""))
        elif kind == "tool_use":
            call = json.dumps(block.get("input"), ensure_ascii=False)[:2000]
            tools.append(f"{block.get('name') or 'tool'}: {call}")
        elif kind == "tool_result":
            content = block.get("content")
            text = (
                " ".join(str(c.get("text") or "") for c in content if isinstance(c, dict))
                if isinstance(content, list)
                else str(content or "")
            )
            tools.append(f"result: {text[:2000]}")
        elif block.get("text"):
            answer.append(str(block["text"]))
    return answer, thinking, tools


def _attachments(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The files as the export lists them; an attachment's `extracted_content` is the only
    copy of its text the export has, so it is kept."""
    keys = ("file_name", "file_size", "file_type", "file_uuid", "extracted_content")
    listed = [*(item.get("attachments") or []), *(item.get("files") or [])]
    return [{k: f[k] for k in keys if k in f} for f in listed if isinstance(f, dict)]


def _project(conversation: dict[str, Any]) -> tuple[Tag, ...]:
    """A chat of a Claude project carries the project's name as a tag."""
    project = conversation.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not name.strip():
        return ()
    named = tag_name(name)
    return (Tag(named, colour(None, named)),)


def to_chat(conversation: dict[str, Any]) -> WholeChat:
    """ValueError if the conversation cannot be read at all."""
    key = str(conversation.get("uuid") or "")
    if not key:
        raise ValueError("the conversation has no uuid")
    started = _moment(conversation.get("created_at"), _EPOCH)
    chat_id = stable_id(f"{SOURCE}:{key}", int(started.timestamp() * 1000))
    messages: list[Message] = []
    ids: dict[str, str] = {}
    previous: str | None = None
    items = [i for i in conversation.get("chat_messages") or [] if isinstance(i, dict)]
    if not any(item.get("parent_message_uuid") for item in items):
        items.sort(key=lambda item: _moment(item.get("created_at"), started))  # (stable)
    at = started
    for item in items:
        if not item.get("uuid"):
            continue
        at = _moment(item.get("created_at"), at)
        answer, thinking, tools = _blocks(item)
        names = [
            str(f.get("file_name") or "a file")
            for f in [*(item.get("attachments") or []), *(item.get("files") or [])]
            if isinstance(f, dict)
        ]
        placeholders = [f"[file: {name}]" for name in names]
        text = "\n\n".join(part for part in [*placeholders, *answer] if part.strip()).strip()
        metadata: dict[str, Any] = {"source": SOURCE, "source_id": item["uuid"]}
        if thinking:
            metadata["reasoning"] = "\n\n".join(thinking)
        if tools:
            metadata["tools"] = tools
        if names:
            metadata["files"] = names
            metadata["attachments"] = _attachments(item)
        parent_key = item.get("parent_message_uuid")
        parent = ids.get(str(parent_key)) if parent_key in ids else previous
        role = Role.USER if item.get("sender") == "human" else Role.ASSISTANT
        message_id = stable_id(f"{SOURCE}:{key}:{item['uuid']}", int(at.timestamp() * 1000))
        messages.append(Message(message_id, chat_id, parent, role, text, MessageStatus.COMPLETE,
                                at, SOURCE if role is Role.ASSISTANT else "",
                                str(conversation.get("model") or "") if role is Role.ASSISTANT
                                else "", metadata=metadata))  # fmt: skip
        ids[str(item["uuid"])] = message_id
        previous = message_id
    if not messages:
        raise ValueError("it holds no messages")
    first = next((m.content for m in messages if m.role is Role.USER and m.content), "")
    title = str(conversation.get("name") or "").strip() or (
        title_from_text(first) if first.strip() else "Claude chat"
    )
    updated = _moment(conversation.get("updated_at"), messages[-1].created_at)
    chat = Chat(chat_id, LOCAL_USER_ID, title, SOURCE, str(conversation.get("model") or ""),
                "", False, False, started, updated, tags=_project(conversation))  # fmt: skip
    leaf = ids.get(str(conversation.get("current_leaf_message_uuid") or ""), previous)
    parents = {m.id: m.parent_id for m in messages}
    path: list[str] = []
    while leaf is not None:
        path.append(leaf)
        leaf = parents.get(leaf)
    return WholeChat(chat, tuple(messages), tuple(reversed(path)))
