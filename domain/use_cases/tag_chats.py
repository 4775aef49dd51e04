"""Tag a chat, untag it, and rename, recolour or delete a tag everywhere. Every change is a
change of the chats that carry the tag (their `updated_at` moves), so the backup sends it
and a merge keeps the newest, as it does a title (domain/tags.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from domain.clock import Clock, utc_now
from domain.entities import Chat
from domain.errors import NotFoundError
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.tags import Tag, TagUse, colour, same_name, tag_name, with_tag, without_tag


class TagChats:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def tags(self) -> list[TagUse]:
        with self._uow_factory() as uow:
            return uow.chats.tags()

    def add(self, chat_id: str, name: str, shade: str | None = None) -> Chat:
        """Tag the chat (a tag it carries already takes the colour, if one is given). A
        tag other chats carry keeps their colour unless one is given."""
        name = tag_name(name)
        with self._uow_factory() as uow:
            known = _known(uow, name)
            if shade is None and known is not None:
                tag = known
            else:
                tag = Tag(known.name if known else name, colour(shade, name))
            chat = uow.chats.get(chat_id)
            tagged = self._changed(uow, chat, with_tag(chat.tags, tag))
            uow.commit()
        return tagged

    def remove(self, chat_id: str, name: str) -> Chat:
        with self._uow_factory() as uow:
            chat = uow.chats.get(chat_id)
            if not any(same_name(tag.name, name) for tag in chat.tags):
                raise NotFoundError(f"The chat has no tag “{name}”.")
            untagged = self._changed(uow, chat, without_tag(chat.tags, name))
            uow.commit()
        return untagged

    def rename(self, name: str, new_name: str) -> int:
        """Into a tag that exists already, the two become one. How many chats changed."""
        new_name = tag_name(new_name)

        def renamed(uow: UnitOfWork, tag: Tag) -> Tag:
            known = _known(uow, new_name)
            merged = known if known is not None and not same_name(new_name, name) else None
            return merged or Tag(new_name, tag.colour)

        return self._everywhere(name, renamed)

    def recolour(self, name: str, shade: str) -> int:
        new = colour(shade, name)
        return self._everywhere(name, lambda _uow, tag: Tag(tag.name, new))

    def delete(self, name: str) -> int:
        return self._everywhere(name, None)

    def _everywhere(self, name: str, change: Callable[[UnitOfWork, Tag], Tag] | None) -> int:
        with self._uow_factory() as uow:
            carriers = uow.chats.summaries(tag=name, archived=None)
            if not carriers:
                raise NotFoundError(f"No chat carries the tag “{name}”.")
            for summary in carriers:
                chat = uow.chats.get(summary.id)
                old = next(tag for tag in chat.tags if same_name(tag.name, name))
                tags = without_tag(chat.tags, name)
                if change is not None:
                    tags = with_tag(tags, change(uow, old))
                self._changed(uow, chat, tags)
            uow.commit()
        return len(carriers)

    def _changed(self, uow: UnitOfWork, chat: Chat, tags: tuple[Tag, ...]) -> Chat:
        if tags == chat.tags:
            return chat
        changed = dataclasses.replace(chat, tags=tags, updated_at=self._clock())
        uow.chats.update(changed)
        return changed


def _known(uow: UnitOfWork, name: str) -> Tag | None:
    """The tag of that name the chats carry already, if any (its spelling and colour)."""
    return next((use.tag for use in uow.chats.tags() if same_name(use.tag.name, name)), None)
