"""Notes in the backup, against a real PostgreSQL (issue 19): sent sealed, restored on
another machine, and merged as titles are: the newest change of a note wins, a deletion
wins over an older edit, whichever machine backs up first."""

from __future__ import annotations

from datetime import timedelta

import psycopg

from app.bootstrap import Primer
from domain.clock import utc_now
from domain.use_cases.take_notes import TakeNotes
from tests.integration.test_backup import Machine, laptop_and_desktop


def notes_at(primer: Primer, minutes: int) -> TakeNotes:
    """The machine's notes, as if changed `minutes` from now."""
    moment = utc_now() + timedelta(minutes=minutes)
    return TakeNotes(primer.uow_factory, clock=lambda: moment)


def listed(primer: Primer) -> list[tuple[str, str, str, str]]:
    return sorted((v.note.id, v.note.text, v.note.quote, v.note.colour)
                  for v in primer.take_notes.listed())  # fmt: skip


def test_notes_are_backed_up_sealed_and_merge_newest_change_first(
    machine: Machine, backup_url: str
) -> None:
    laptop, desktop, account, chat = laptop_and_desktop(machine, "Noted", 2)
    reply = laptop.load_conversation(chat.id).path[-1]
    kept = notes_at(laptop, 0).add(reply, "A secret phrase", quote="ünïcode", colour="blue")
    doomed = notes_at(laptop, 0).add(reply, "Soon deleted")
    report = laptop.backup_now()(account)
    assert report.finished and report.notes_sent == 2
    assert laptop.backup_now()(account).notes_sent == 0  # nothing changed: nothing again
    with psycopg.connect(backup_url) as owner:
        rows = owner.execute("SELECT text, quote, colour FROM notes").fetchall()
    assert len(rows) == 2 and {row[2] for row in rows} == {"blue", "yellow"}
    assert not any("secret" in text or "ünïcode" in quote for text, quote, _ in rows)

    restored = desktop.restore_backup()(account)
    assert restored.finished and restored.notes_added == 2
    assert listed(desktop) == listed(laptop)

    # The desktop edits one and deletes the other, later than the laptop's own edits.
    notes_at(desktop, 10).edit(kept.id, "The desktop's words")
    notes_at(desktop, 10).delete(doomed.id)
    notes_at(laptop, 5).edit(kept.id, "The laptop's older words")
    notes_at(laptop, 5).edit(doomed.id, "An edit older than the deletion")
    assert desktop.backup_now()(account).notes_sent == 2
    assert laptop.backup_now()(account).notes_sent == 2  # (arrives last, changes nothing)
    for primer in (laptop, desktop):
        assert primer.restore_backup()(account).finished
    assert listed(laptop) == listed(desktop) == [
        (kept.id, "The desktop's words", "ünïcode", "blue")]  # fmt: skip
    with psycopg.connect(backup_url) as owner:
        gone = owner.execute("SELECT text, deleted_at IS NOT NULL FROM notes WHERE id = %s",
                             (doomed.id,)).fetchone()  # fmt: skip
    assert gone == ("", True)  # a deletion keeps no words on the server
