"""Message trees: edits and regenerations add siblings.

A chat shows one path from a root to a leaf. Unless the user has picked a branch, it is
the path to the newest message; once they pick one, it is the path to the newest leaf
under their pick, so replies that arrive later on that branch (or from a restore) still show.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

Lineage = Sequence[tuple[str, str | None]]
"""(id, parent_id) of every message in a chat, oldest first."""


def without_replaced_failures(lineage: Lineage, failed: Set[str]) -> list[tuple[str, str | None]]:
    """The tree less the failed replies that a later version replaced (a Retry): a failure
    is not a version worth switching to. A failure that is the newest try stays, with its
    Retry; so does one that something was written after."""
    if not failed:
        return list(lineage)
    has_children = {parent for _, parent in lineage if parent is not None}
    newest_child: dict[str | None, str] = {}
    for message_id, parent_id in lineage:
        newest_child[parent_id] = message_id
    return [
        (message_id, parent_id)
        for message_id, parent_id in lineage
        if message_id not in failed
        or message_id in has_children
        or newest_child[parent_id] == message_id
    ]


def active_path(lineage: Lineage, leaf: str | None = None) -> list[str]:
    """Ids from the root to `leaf` (default: the newest message), oldest first."""
    if not lineage:
        return []
    parents = dict(lineage)
    current: str | None = leaf if leaf is not None else lineage[-1][0]
    path: list[str] = []
    seen: set[str] = set()
    while current is not None and current in parents and current not in seen:
        seen.add(current)
        path.append(current)
        current = parents[current]
    path.reverse()
    return path


def visible_leaf(lineage: Lineage, chosen: str | None = None) -> str | None:
    """The newest leaf under `chosen` (itself, if nothing is); the newest message without one."""
    if not lineage:
        return None
    order = {message_id: place for place, (message_id, _) in enumerate(lineage)}
    if chosen is None or chosen not in order:
        return lineage[-1][0]
    children: dict[str, list[str]] = {}
    for message_id, parent_id in lineage:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(message_id)
    leaves: list[str] = []
    pending, seen = [chosen], {chosen}
    while pending:
        current = pending.pop()
        below = [child for child in children.get(current, ()) if child not in seen]
        if not below:
            leaves.append(current)
        seen.update(below)
        pending.extend(below)
    return max(leaves, key=order.__getitem__)


def siblings(lineage: Lineage, message_id: str) -> list[str]:
    """The message and the others with the same parent (its other versions), oldest first."""
    parents = dict(lineage)
    if message_id not in parents:
        return []
    parent = parents[message_id]
    return [i for i, p in lineage if p == parent]


def branch_positions(lineage: Lineage, path: Sequence[str]) -> dict[str, tuple[int, int]]:
    """For each message on `path` that has other versions: (its 1-based place, how many)."""
    on_path = set(path)
    versions: dict[str | None, list[str]] = {}
    for message_id, parent_id in lineage:
        versions.setdefault(parent_id, []).append(message_id)
    positions: dict[str, tuple[int, int]] = {}
    for group in versions.values():
        if len(group) < 2:
            continue
        for place, message_id in enumerate(group, start=1):
            if message_id in on_path:
                positions[message_id] = (place, len(group))
    return positions
