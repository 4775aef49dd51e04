"""One ChatGPT conversation (an item of `conversations.json`) as a Primer chat.

ChatGPT keeps a tree of nodes: the user's turns, and between them the many nodes of one
reply (the model's thoughts, tool calls and their output, a recap, the answer). Each user
turn becomes a message, and each run of nodes between user turns one reply: its answer
as the text, its reasoning and tool traffic kept apart in its metadata, files named by
placeholders. Where the tree branches (an edited question, a regenerated answer) the
versions are kept; the branch ChatGPT showed (`current_node`) is the one shown here.
Scaffolding stays out: hidden nodes, empty system messages, custom instructions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from domain.chats import LOCAL_USER_ID, title_from_text
from domain.entities import Chat, Message, MessageStatus, Role
from domain.export import WholeChat
from domain.ids import stable_id
from domain.tags import Tag, colour

STARRED = "Starred"
"""The tag of chats starred in ChatGPT."""

SOURCE = "chatgpt"
Node = dict[str, Any]


def looks_like(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("mapping"), dict)


def _moment(value: object, fallback: datetime) -> datetime:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return fallback


def _files(part: dict[str, Any]) -> str:
    pointer = str(part.get("asset_pointer") or part.get("name") or "")
    name = pointer.split("://")[-1] or "a file"
    kind = str(part.get("content_type") or "file").split("_")[0]
    return f"[{kind}: {name}]"


def _uploads(message: dict[str, Any], files: list[str]) -> list[dict[str, Any]]:
    """The files the user attached, as the message's record lists them (id, name, type,
    size): what finds them in the export's zip later."""
    listed = (message.get("metadata") or {}).get("attachments") or []
    keys = ("id", "name", "mime_type", "mimeType", "size", "width", "height")
    return [{k: u[k] for k in keys if k in u} for u in listed if isinstance(u, dict)]


_CITATION = re.compile("\ue200[^\ue201]*\ue201")
"""A citation marker of the 2026 exports, in private-use characters: \ue200cite\ue202turn0
search3\ue201 (its sources are in the node's metadata, kept)."""


def _text(content: dict[str, Any], files: list[str]) -> str:
    """What a node says, as text; the files it names go to `files` too."""
    return _CITATION.sub("", _said(content, files))


def _said(content: dict[str, Any], files: list[str]) -> str:
    kind = content.get("content_type")
    if kind == "code":
        return f"```{content.get('language') or ''}\n{content.get('text') or ''}\n```"
    if kind == "thoughts":
        return "\n".join(
            " — ".join(str(t.get(k)) for k in ("summary", "content") if t.get(k))
            for t in content.get("thoughts") or []
            if isinstance(t, dict)
        )
    pieces = []
    for part in content.get("parts") or []:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            if isinstance(part.get("text"), str):
                pieces.append(part["text"])
            else:
                placeholder = _files(part)
                files.append(placeholder)
                pieces.append(placeholder)
    for key in ("text", "result", "content"):  # execution output, browsing, recaps, …
        if not pieces and isinstance(content.get(key), str):
            pieces.append(content[key])
    return "\n".join(piece for piece in pieces if piece)


def _shown(message: dict[str, Any]) -> bool:
    metadata = message.get("metadata") or {}
    if metadata.get("is_visually_hidden_from_conversation") or metadata.get(
        "is_user_system_message"
    ):
        return False
    content = message.get("content") or {}
    if content.get("content_type") in ("user_editable_context", "model_editable_context"):
        return False
    return message.get("author", {}).get("role") != "system"


class _Reader:
    def __init__(self, conversation: dict[str, Any]) -> None:
        self.conversation = conversation
        self.mapping: dict[str, Node] = conversation["mapping"]
        self.key = str(conversation.get("id") or conversation.get("conversation_id") or "")
        if not self.key:
            raise ValueError("the conversation has no id")
        self.started = _moment(conversation.get("create_time"), datetime(1970, 1, 1, tzinfo=UTC))
        self.chat_id = stable_id(f"{SOURCE}:{self.key}", int(self.started.timestamp() * 1000))
        self.messages: list[Message] = []
        self.ids: dict[str, str] = {}  # node id → the id of the message it ended
        self._seen: dict[tuple[str | None, str], str] = {}

    def id_for(self, node_id: str, at: datetime) -> str:
        return stable_id(f"{SOURCE}:{self.key}:{node_id}", int(at.timestamp() * 1000))

    def add(self, node_id: str, message: Message) -> str:
        """The message, or the same one already made for this parent (a branch that
        differs only by hidden nodes)."""
        shown = {k: v for k, v in message.metadata.items() if k != "source_id"}
        same = (message.parent_id, f"{message.role}\n{message.content}\n{shown}")
        if same in self._seen:
            self.ids[node_id] = self._seen[same]
            return self._seen[same]
        self._seen[same] = message.id
        self.messages.append(message)
        self.ids[node_id] = message.id
        return message.id

    def reply(self, run: Sequence[Node], parent: str | None, at: datetime) -> str | None:
        """One reply from the nodes between two user turns; None if nothing in it shows."""
        answer, reasoning, tools, files, model = [], [], [], [], ""
        last = at
        for node in run:
            message = node["message"]
            last = _moment(message.get("create_time"), last)
            if not _shown(message):
                continue
            content = message.get("content") or {}
            text = _text(content, files)
            model = (message.get("metadata") or {}).get("model_slug") or model
            role = message.get("author", {}).get("role")
            kind = content.get("content_type")
            if kind in ("thoughts", "reasoning_recap"):
                reasoning.append(text)
            elif role == "tool" or message.get("recipient") not in (None, "all"):
                name = message.get("author", {}).get("name") or message.get("recipient")
                if text:
                    tools.append(f"{name}: {text}")
                for placeholder in files:  # a picture a tool made is part of the reply
                    if placeholder not in answer:
                        answer.append(placeholder)
            elif text:
                answer.append(text)
        if not (answer or reasoning or tools):
            return None
        metadata: dict[str, Any] = {"source": SOURCE, "source_id": run[-1]["id"]}
        if reasoning:
            metadata["reasoning"] = "\n".join(r for r in reasoning if r)
        if tools:
            metadata["tools"] = tools
        if files:
            metadata["files"] = sorted(set(files))
        message_id = self.id_for(run[-1]["id"], last)
        made = Message(message_id, self.chat_id, parent, Role.ASSISTANT, "\n\n".join(answer),
                       MessageStatus.COMPLETE, last, "openai", model,
                       metadata=metadata)  # fmt: skip
        return self.add(run[-1]["id"], made)

    def question(self, node: Node, parent: str | None, at: datetime) -> str:
        message = node["message"]
        files: list[str] = []
        text = _text(message.get("content") or {}, files)
        when = _moment(message.get("create_time"), at)
        metadata: dict[str, Any] = {"source": SOURCE, "source_id": node["id"]}
        uploads = _uploads(message, files)
        if uploads:  # a PDF or a document is no part of the text: only its record names it
            metadata["attachments"] = uploads
            named = [
                f"[file: {u.get('name') or u.get('id')}]"
                for u in uploads
                if not any(str(u.get("id")) in placeholder for placeholder in files)
            ]
            files += named
            text = "\n\n".join([*named, text]).strip()
        if files:
            metadata["files"] = files
        made = Message(self.id_for(node["id"], when), self.chat_id, parent, Role.USER, text,
                       MessageStatus.COMPLETE, when, metadata=metadata)  # fmt: skip
        return self.add(node["id"], made)

    def walk(self, root: str) -> None:
        # (iterative: a conversation can be thousands of nodes deep)
        stack: list[tuple[str, str | None, tuple[Node, ...], datetime]] = [
            (root, None, (), self.started)
        ]
        while stack:
            node_id, parent, run, at = stack.pop()
            node = dict(self.mapping.get(node_id) or {}, id=node_id)
            message = node.get("message")
            children = [c for c in node.get("children") or [] if c in self.mapping]
            is_question = (
                isinstance(message, dict)
                and message.get("author", {}).get("role") == "user"
                and _shown(message)
            )
            if is_question:
                if run:
                    parent = self.reply(run, parent, at) or parent
                at = _moment(message.get("create_time"), at)  # type: ignore[union-attr]
                parent, run = self.question(node, parent, at), ()
            elif isinstance(message, dict):
                run = (*run, node)
            if not children:
                if run:
                    self.reply(run, parent, at)
                continue
            for child in reversed(children):  # (the stack pops the first child first)
                stack.append((child, parent, run, at))


def to_chat(conversation: dict[str, Any]) -> WholeChat:
    """ValueError if the conversation cannot be read at all."""
    reader = _Reader(conversation)
    mapping = reader.mapping
    for root, node in mapping.items():
        if (node or {}).get("parent") not in mapping:  # (no parent, or one not in the file)
            reader.walk(root)
    if not reader.messages:
        raise ValueError("it holds no messages")
    messages = tuple(reader.messages)
    first_question = next((m.content for m in messages if m.role is Role.USER), "")
    title = str(conversation.get("title") or "").strip() or (
        title_from_text(first_question) if first_question.strip() else "ChatGPT chat"
    )
    updated = _moment(conversation.get("update_time"), max(m.created_at for m in messages))
    model = next((m.model for m in reversed(messages) if m.model), "") or str(
        conversation.get("default_model_slug") or ""
    )
    starred = (Tag(STARRED, colour("amber", STARRED)),) if conversation.get("is_starred") else ()
    chat = Chat(reader.chat_id, LOCAL_USER_ID, title, "openai", model, "", False,
                bool(conversation.get("is_archived")), reader.started, updated,
                tags=starred)  # fmt: skip
    flags = {k: conversation[k] for k in ("is_starred", "gizmo_id", "project_id",
             "conversation_template_id") if conversation.get(k)}  # fmt: skip
    if flags:  # (the chat has no metadata of its own: its first message keeps them)
        first = messages[0]
        messages = (replace(first, metadata={**first.metadata, "chat_source": flags}),
                    *messages[1:])  # fmt: skip
    shown = reader.ids.get(str(conversation.get("current_node") or ""))
    path = _path(messages, shown) if shown else ()
    return WholeChat(chat, messages, path)


def _path(messages: Sequence[Message], leaf: str) -> tuple[str, ...]:
    parents = {m.id: m.parent_id for m in messages}
    path: list[str] = []
    current: str | None = leaf
    while current is not None and current in parents:
        path.append(current)
        current = parents[current]
    return tuple(reversed(path))
