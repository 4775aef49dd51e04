"""Two machines on one account, any interleaving of edits, deletions, Undo, backups and
restores: once both have backed up and restored until that changes nothing, they hold the
same chats and messages, and no message of a chat that survived is lost."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.bootstrap import Primer
from devtools.embedded_postgres import PostgresForTests
from domain.backup import Retry
from domain.errors import BackupUnreachable
from domain.ports import CancelToken
from domain.use_cases.backup_now import BackupNow
from domain.use_cases.delete_chat import DeleteChat
from domain.use_cases.restore_backup import RestoreBackup
from repositories.postgres.backup_target import PostgresBackupTarget
from repositories.postgres.connection import BackupDatabase, where
from tests.integration.test_backup import backed_up_rows, remote_messages
from tests.support.seeding import add_chat, add_messages, table_rows

Machine = Callable[[str], Primer]
MACHINES = ("laptop", "desktop")
_examples = itertools.count()

machine_names = st.sampled_from(MACHINES)
chat_numbers = st.integers(min_value=0, max_value=1)
steps = st.one_of(
    st.tuples(
        st.sampled_from(["message", "rename", "delete", "undo"]), machine_names, chat_numbers
    ),
    st.tuples(
        st.sampled_from(["backup", "restore", "backup", "restore", "new chat"]),
        machine_names,
        st.just(0),
    ),
    # A run cut off (the connection killed before a batch, in the middle of its COPY, before
    # its COMMIT, between restore pages) or cancelled after a few batches: the number says
    # where.
    st.tuples(
        st.sampled_from(["cut backup", "cut restore", "cancel backup", "cancel restore"]),
        machine_names,
        st.integers(min_value=0, max_value=5),
    ),
)


@dataclass
class World:
    primers: dict[str, Primer]
    account_id: str
    server: PostgresForTests | None = None
    chat_ids: list[str] = field(default_factory=list)

    @classmethod
    def start(
        cls, machine: Machine, shared_chats: int, server: PostgresForTests | None = None
    ) -> World:
        """A laptop and a desktop on one new account; the laptop holds the shared chats."""
        example = next(_examples)
        primers = {name: machine(f"{name}-{example}") for name in MACHINES}
        laptop = primers["laptop"]
        account = (
            laptop.accounts().register(f"ex{example}@example.org", "correct horse battery").account
        )
        for primer in primers.values():  # (restore needs the account's key: signed in)
            if primer is not laptop:
                primer.accounts().sign_in(f"ex{example}@example.org", "correct horse battery")
        world = cls(primers, account.account_id, server)
        world.chat_ids += [add_chat(laptop, f"Shared {n}", 3).id for n in range(shared_chats)]
        return world

    def local_state(self, name: str, chat_number: int) -> str:
        """'live', 'deleted' or 'absent': what `name` holds of the chat numbered so."""
        if chat_number >= len(self.chat_ids):
            return "absent"
        chat_id = self.chat_ids[chat_number]
        for row in table_rows(self.primers[name].data_dir)["chats"]:
            if row[0] == chat_id:
                return "live" if row[9] is None else "deleted"
        return "absent"

    def apply(self, action: str, name: str, chat_number: int) -> None:
        primer = self.primers[name]
        if action.startswith(("cut ", "cancel ")):
            self.interrupted(action, primer, chat_number)
            return
        if action == "backup":
            primer.backup_now()(self.account_id)
        elif action == "restore":
            primer.restore_backup()(self.account_id)
        elif action == "new chat":
            self.chat_ids.append(add_chat(primer, f"New on {name}", 2).id)
            return
        state = self.local_state(name, chat_number)
        if state == "absent":
            return
        chat_id = self.chat_ids[chat_number]
        if action == "message" and state == "live":
            add_messages(primer, primer.get_chat(chat_id), 1)
        elif action == "rename" and state == "live":
            primer.update_chat(chat_id, title=f"Renamed on {name} #{next(_examples)}")
        elif action == "delete" and state == "live":
            DeleteChat(primer.uow_factory)(chat_id)
        elif action == "undo" and state == "deleted":
            DeleteChat(primer.uow_factory).undo(chat_id)

    def interrupted(self, action: str, primer: Primer, where: int) -> None:
        """Back up or restore in small batches, cut off or cancelled at `where`."""
        kind, job = action.split(" ")
        assert self.server is not None, "World.start(..., server=) for cuts"
        database = primer.backup_database()
        target = CutTarget(database, self.server, where if kind == "cut" else -1)
        cancel = CancelToken()
        calls = itertools.count(1)

        def progress(_done: int, _total: int) -> None:
            if kind == "cancel" and next(calls) > where:
                cancel.cancel()

        transfer = BackupNow if job == "backup" else RestoreBackup
        run = transfer(primer.backup_source, lambda _: target, batch_size=2, retry=NO_RETRY,
                       sealer_for=primer.sealer_for())  # fmt: skip
        # A cut is what a person sees as "try again": the next run must finish the work.
        with contextlib.suppress(BackupUnreachable):
            run(self.account_id, progress, cancel)


NO_RETRY = Retry(attempts=1)


class CutTarget(PostgresBackupTarget):
    """The real target, whose connection the server kills at the `cut_at`-th step: steps
    are pushes (before it, mid-COPY, before its COMMIT, in turn) and restore pages."""

    def __init__(self, database: BackupDatabase, server: PostgresForTests, cut_at: int):
        super().__init__(database)
        self.server, self.cut_at, self.steps = server, cut_at, 0
        self.name = where(database.url).rsplit("/", 1)[1]

    def _cut_now(self) -> bool:
        self.steps += 1
        return self.steps == self.cut_at + 1

    def _push(self, db, account_id, batch):
        if not self._cut_now():
            return super()._push(db, account_id, batch)
        how = self.cut_at % 3
        if how == 0:
            self.server.terminate_app_connections(self.name)
            return super()._push(db, account_id, batch)
        if how == 1:  # mid-COPY: the server goes away while rows are being written
            write = psycopg.Copy.write

            def half_then_cut(copy: psycopg.Copy, data: bytes) -> None:
                write(copy, data[: len(data) // 2])
                self.server.terminate_app_connections(self.name)
                write(copy, data[len(data) // 2 :])

            psycopg.Copy.write = half_then_cut  # type: ignore[method-assign]
            try:
                return super()._push(db, account_id, batch)
            finally:
                psycopg.Copy.write = write  # type: ignore[method-assign]
        result = super()._push(db, account_id, batch)
        self.server.terminate_app_connections(self.name)  # the COMMIT fails
        return result

    def messages_after(self, account_id, after_id, limit):
        if self._cut_now():
            self.server.terminate_app_connections(self.name)
        return super().messages_after(account_id, after_id, limit)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(steps, min_size=1, max_size=14))
@example(  # an edit on one machine while another deleted the chat
    script=[
        ("delete", "laptop", 0),
        ("backup", "laptop", 0),
        ("rename", "desktop", 0),
        ("backup", "desktop", 0),
    ]
)
@example(  # a backup cut mid-COPY, then a restore cut between pages and one cancelled
    script=[
        ("message", "laptop", 0),
        ("message", "laptop", 1),
        ("cut backup", "laptop", 1),
        ("cut restore", "desktop", 1),
        ("cancel restore", "desktop", 0),
        ("cancel backup", "laptop", 0),
    ]
)
@example(  # a message sent while the chat's deletion stood, then undone on the other machine
    script=[
        ("message", "laptop", 0),
        ("delete", "desktop", 0),
        ("backup", "desktop", 0),
        ("undo", "desktop", 0),
    ]
)
def test_any_interleaving_converges_and_loses_nothing_that_survives(
    machine: Machine,
    backup_url: str,
    postgres_server: PostgresForTests,
    script: list[tuple[str, str, int]],
) -> None:
    world = World.start(machine, shared_chats=2, server=postgres_server)
    primers = world.primers
    laptop, desktop = primers["laptop"], primers["desktop"]
    laptop.backup_now()(world.account_id)
    desktop.restore_backup()(world.account_id)

    for action, name, chat_number in script:
        world.apply(action, name, chat_number)
    ever_written = {
        row[0]: row[1]
        for primer in primers.values()
        for row in table_rows(primer.data_dir)["messages"]
    }
    # Both back up and restore, round after round, until a round changes nothing. It takes
    # a third round when a machine sent messages while a deletion stood and learns of the
    # Undo made elsewhere only in the second: it sends them again, the other receives them.
    settled: list[object] = []
    for _ in range(5):
        for primer in primers.values():
            primer.backup_now()(world.account_id)
            primer.restore_backup()(world.account_id)
        remote_ids = sorted(r[0] for r in remote_messages(backup_url, world.account_id))
        settled.append((backed_up_rows(laptop), backed_up_rows(desktop), remote_ids))
        if len(settled) > 1 and settled[-1] == settled[-2]:
            break
    assert settled[-1] == settled[-2], "five rounds of backup and restore never settled"

    on_laptop, on_desktop = backed_up_rows(laptop), backed_up_rows(desktop)
    assert on_laptop == on_desktop
    live = {row[0] for row in on_laptop["chats"]}
    survivors = {m for m, chat_id in ever_written.items() if chat_id in live}
    assert survivors == {row[0] for row in on_laptop["messages"]}
    remote = remote_messages(backup_url, world.account_id)
    assert sorted(r[0] for r in remote) == sorted(survivors)


def test_an_edit_made_without_knowing_of_a_deletion_does_not_bring_the_chat_back(
    machine: Machine, backup_url: str
) -> None:
    world = World.start(machine, shared_chats=1)
    for action, name in [
        ("backup", "laptop"), ("restore", "desktop"),
        ("delete", "laptop"), ("backup", "laptop"),
        ("rename", "desktop"), ("message", "desktop"), ("backup", "desktop"),
        ("restore", "laptop"), ("restore", "desktop"),
    ]:  # fmt: skip
        world.apply(action, name, 0)

    assert world.local_state("laptop", 0) == world.local_state("desktop", 0) == "deleted"
    assert remote_messages(backup_url, world.account_id) == []


def test_undo_after_another_machines_deletion_brings_it_back_everywhere(
    machine: Machine,
) -> None:
    world = World.start(machine, shared_chats=1)
    for action, name in [
        ("backup", "laptop"), ("restore", "desktop"),
        ("message", "desktop"),  # not backed up before the deletion arrives
        ("delete", "laptop"), ("backup", "laptop"), ("restore", "desktop"),
        ("undo", "laptop"), ("backup", "laptop"),
        ("restore", "desktop"), ("backup", "desktop"), ("restore", "laptop"),
    ]:  # fmt: skip
        world.apply(action, name, 0)

    assert world.local_state("laptop", 0) == world.local_state("desktop", 0) == "live"
    on_laptop, on_desktop = (backed_up_rows(world.primers[name]) for name in MACHINES)
    assert on_laptop == on_desktop
    assert len(on_laptop["messages"]) == 4
