"""Message trees: edits and regenerations add siblings; the newest leaf is the one shown."""

from __future__ import annotations

from collections.abc import Sequence


def active_path(lineage: Sequence[tuple[str, str | None]], leaf: str | None = None) -> list[str]:
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
