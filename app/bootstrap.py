"""The composition root: the one place that names concrete adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from app.prices import Prices
from app.providers.registry import ProviderRegistry
from app.secrets import choose_secret_store
from app.settings import Settings, SettingsStore
from domain.backup import HereAndNow
from domain.ports import SecretStore, UnitOfWorkFactory
from domain.use_cases.ask import Ask
from domain.use_cases.attach_file import AttachFile, SaveAttachment
from domain.use_cases.clean_up_files import CleanUpFiles
from domain.use_cases.delete_chat import DeleteChat
from domain.use_cases.export_chats import ExportChats
from domain.use_cases.finish_reply import FinishReply
from domain.use_cases.get_chat import GetChat
from domain.use_cases.import_chats import ImportChats
from domain.use_cases.index_meaning import IndexMeaning
from domain.use_cases.list_chats import ListChats
from domain.use_cases.load_conversation import LoadConversation
from domain.use_cases.name_chat import NameChat
from domain.use_cases.recover_interrupted import RecoverInterruptedReplies
from domain.use_cases.save_reply_progress import SaveReplyProgress
from domain.use_cases.search_by_meaning import FindSimilar, SearchByMeaning
from domain.use_cases.search_messages import IndexHistory, SearchMessages
from domain.use_cases.send_message import SendMessage
from domain.use_cases.show_usage import ShowUsage
from domain.use_cases.stream_reply import StreamReply
from domain.use_cases.switch_branch import SwitchBranch
from domain.use_cases.tag_chats import TagChats
from domain.use_cases.take_notes import TakeNotes
from domain.use_cases.update_chat import UpdateChat

if TYPE_CHECKING:  # the backup side imports psycopg and crypto only when it is used
    from domain.backup import StoreThread
    from domain.local_copies import KeepLocalCopies, LocalCopy
    from domain.sealing import Sealer
    from domain.use_cases.accounts import Accounts
    from domain.use_cases.backup_now import BackupNow
    from domain.use_cases.provider_keys import ProviderKeys
    from domain.use_cases.restore_backup import RestoreBackup
    from repositories.file_blobs import FileBlobs
    from repositories.postgres.connection import BackupDatabase
    from repositories.sqlite.account_link import SqliteAccountLink
    from repositories.sqlite.backup_source import SqliteBackupSource
    from repositories.sqlite.store import Store
    from repositories.writer_locks import WriterLocks


@dataclass(frozen=True)
class PreparedSettings:
    """Settings saved, with the secret store they choose: made on a worker, put in place
    on the GUI thread (`Primer.use_settings`)."""

    settings: Settings
    secrets: SecretStore


@dataclass
class Primer:
    """Everything a front end (window or CLI) needs, wired once."""

    data_dir: Path
    settings_store: SettingsStore
    settings: Settings
    secrets: SecretStore
    providers: ProviderRegistry
    store: Store
    writers: WriterLocks
    uow_factory: UnitOfWorkFactory
    list_chats: ListChats
    get_chat: GetChat
    load_conversation: LoadConversation
    switch_branch: SwitchBranch
    update_chat: UpdateChat
    delete_chat: DeleteChat
    send_message: SendMessage
    stream_reply: StreamReply
    save_reply_progress: SaveReplyProgress
    finish_reply: FinishReply
    recover_interrupted: RecoverInterruptedReplies
    search_messages: SearchMessages
    export_chats: ExportChats
    import_chats: ImportChats
    index_history: IndexHistory
    attach_file: AttachFile
    files: FileBlobs
    """The attached files' bytes in the data folder."""
    save_attachment: SaveAttachment
    clean_up_files: CleanUpFiles
    name_chat: NameChat
    show_usage: ShowUsage
    tag_chats: TagChats
    take_notes: TakeNotes
    index_meaning: IndexMeaning
    search_by_meaning: SearchByMeaning
    find_similar: FindSimilar

    @property
    def ask(self) -> Ask:
        """Ask in one go, as a command does (the window runs the steps apart)."""
        return Ask(
            get_chat=self.get_chat,
            update_chat=self.update_chat,
            send_message=self.send_message,
            stream_reply=self.stream_reply,
            save_reply_progress=self.save_reply_progress,
            finish_reply=self.finish_reply,
        )

    @property
    def account_link(self) -> SqliteAccountLink:
        from repositories.sqlite.account_link import SqliteAccountLink

        return SqliteAccountLink(self.store)

    @property
    def backup_source(self) -> SqliteBackupSource:
        from repositories.sqlite.backup_source import SqliteBackupSource

        return SqliteBackupSource(self.store)

    def backup_database(self, url: str | None = None) -> BackupDatabase:
        """The configured backup database, its schema brought up to date."""
        from app.backup_database import backup_database, ready

        return ready(backup_database(self.settings, self.secrets, url))

    def upgrade_backup_database(self, url: str | None = None) -> list[str]:
        """Apply the backup database's missing schema now; the names of what was applied."""
        from app.backup_database import backup_database
        from repositories.postgres.migrations import upgrade

        return upgrade(backup_database(self.settings, self.secrets, url))

    def sign_up_url(self, url: str | None = None) -> str | None:
        """The URL people sign up and in with (None: `url` is not the owner's)."""
        from repositories.postgres.accounts import sign_up_url

        return sign_up_url(self.backup_database(url))

    def accounts(self, url: str | None = None, store: StoreThread | None = None) -> Accounts:
        """The account actions, on the backup database at `url` (default: the kept one);
        `store`: where this device's link is written, when not on the caller's thread."""
        from app import account_crypto
        from domain.use_cases.accounts import Accounts
        from repositories.postgres.accounts import PostgresAccounts

        remote = PostgresAccounts(self.backup_database(url))
        providers = list(self.settings.providers)
        return Accounts(remote, self.account_link, self.secrets, providers, account_crypto,
                        store=store)  # fmt: skip

    def account_database(
        self, account_id: str, url: str | None = None, store: StoreThread | None = None
    ) -> BackupDatabase:
        """The backup database as the account's own role, which sees its rows only."""
        from repositories.postgres.connection import as_account

        session = self.accounts(url, store).session(account_id)
        return as_account(self.backup_database(url), account_id, session.database_password)

    def provider_keys(
        self, secrets: SecretStore | None = None, store: StoreThread | None = None
    ) -> ProviderKeys:
        """Keys kept in `secrets` (default: this Primer's), sealed into the account when one
        is signed in; `store`: where this device's account link is read (see `accounts`)."""
        from domain.use_cases.provider_keys import ProviderKeys

        def account() -> Accounts | None:
            linked = (store or HereAndNow()).submit(self.account_link.current).result()
            return self.accounts(store=store) if linked is not None else None

        return ProviderKeys(secrets or self.secrets, account)

    def backup_now(self, url: str | None = None, store: StoreThread | None = None) -> BackupNow:
        """`store`: the thread the local store is used on, when it is not the caller's."""
        from app.backup_reader import ProcessReader
        from domain.use_cases.backup_now import BackupNow
        from repositories.postgres.backup_target import PostgresBackupTarget

        def target(account_id: str) -> PostgresBackupTarget:
            return PostgresBackupTarget(self.account_database(account_id, url, store))

        return BackupNow(self.backup_source, target, store=store, files=self.files,
                         sealer_for=self.sealer_for(url, store),
                         reader=ProcessReader(self.store.path))  # fmt: skip

    def restore_backup(
        self, url: str | None = None, store: StoreThread | None = None
    ) -> RestoreBackup:
        from domain.use_cases.restore_backup import RestoreBackup
        from repositories.postgres.backup_target import PostgresBackupTarget

        def target(account_id: str) -> PostgresBackupTarget:
            return PostgresBackupTarget(self.account_database(account_id, url, store))

        return RestoreBackup(self.backup_source, target, store=store, files=self.files,
                             sealer_for=self.sealer_for(url, store))  # fmt: skip

    def sealer_for(
        self, url: str | None = None, store: StoreThread | None = None
    ) -> Callable[[str], Sealer]:
        """An account's sealer: its data key, held on this device since sign-in."""

        def sealer(account_id: str) -> Sealer:
            from app.content_crypto import ContentSealer

            return ContentSealer(account_id, self.accounts(url, store).data_key(account_id))

        return sealer

    @property
    def local_copies(self) -> KeepLocalCopies:
        """Copies of the store kept in the data folder (any thread: a connection of their own)."""
        from domain.clock import utc_now
        from domain.local_copies import KeepLocalCopies
        from repositories.sqlite.local_copies import SqliteLocalCopies

        return KeepLocalCopies(SqliteLocalCopies(self.store.path), utc_now)

    def restore_copy_at_start(self, name: str) -> None:
        """Put the local copy `name` in place when Primer next starts (the store is open now)."""
        if name not in {copy.name for copy in self.local_copies.copies()}:
            from domain.errors import StoreError

            raise StoreError(f"There is no local copy named {name}.")
        (self.data_dir / RESTORE_AT_START).write_text(name, encoding="utf-8")

    def prepare_settings(self, settings: Settings) -> PreparedSettings:
        """Save new settings and make what depends on them (any thread; files, keyring)."""
        self.settings_store.save(settings)
        secrets = self.secrets
        if settings.insecure_key_file != self.settings.insecure_key_file:
            secrets = choose_secret_store(self.data_dir, insecure_file=settings.insecure_key_file)
        return PreparedSettings(settings, secrets)

    def use_settings(self, prepared: PreparedSettings) -> None:
        """Put prepared settings in place. The window does it on its GUI thread only, so
        nothing changes under the feet of code reading them there."""
        self.secrets = prepared.secrets
        self.providers.use_secrets(prepared.secrets)
        self.settings = prepared.settings
        self.providers.settings = prepared.settings

    def apply_settings(self, settings: Settings) -> None:
        """Save new settings and put them in place (a command, on its one thread)."""
        self.use_settings(self.prepare_settings(settings))


RESTORE_AT_START = "restore-at-start"
"""Names the local copy to put in place before the store opens (Help → Restore…)."""


def restore_pending_copy(data_dir: Path) -> str | None:
    """Put in place the copy asked for at the last run, before the store opens; a sentence
    saying so, or None."""
    marker = data_dir / RESTORE_AT_START
    if not marker.exists():
        return None
    name = marker.read_text(encoding="utf-8").strip()
    aside = use_local_copy(data_dir, name, wait_seconds=15)  # the Primer that asked, closing
    marker.unlink()
    return (
        f"Your chats are as in the copy {name}. The database before it was kept as "
        f"{aside.name}, and as a local copy."
    )


def local_copies(data_dir: Path) -> list[LocalCopy]:
    """The copies of the store Primer saved in `backups/`, newest first (no store opened:
    this works when the store is damaged)."""
    from repositories.sqlite.database import DATABASE_NAME
    from repositories.sqlite.local_copies import local_copies as copies

    return copies(data_dir / DATABASE_NAME)


def use_local_copy(data_dir: Path, name: str, *, wait_seconds: float = 0) -> Path:
    """Put a saved copy in the store's place, once no other Primer has the folder open
    (waiting up to `wait_seconds` for one that is closing); return where the replaced store
    was kept."""
    import time

    from domain.errors import StoreError
    from repositories.sqlite.database import DATABASE_NAME
    from repositories.sqlite.local_copies import use_local_copy as use
    from repositories.writer_locks import WriterLocks

    writers = WriterLocks(data_dir)
    try:
        give_up = time.monotonic() + wait_seconds
        while writers.others_running():
            if time.monotonic() >= give_up:
                raise StoreError("Primer is running on this data folder; quit it first.")
            time.sleep(0.1)
        return use(data_dir / DATABASE_NAME, name)
    finally:
        writers.close()


def _reply_save_interval() -> float:
    """How often a streaming reply's text is saved; $PRIMER_REPLY_SAVE_SECONDS sets it
    (the kill tests save after every piece)."""
    import os

    from domain.use_cases.stream_reply import SAVE_EVERY_SECONDS

    given = os.environ.get("PRIMER_REPLY_SAVE_SECONDS")
    try:
        return float(given) if given else SAVE_EVERY_SECONDS
    except ValueError:
        return SAVE_EVERY_SECONDS


def build(
    data_dir: Path,
    *,
    secrets: SecretStore | None = None,
    provider_overrides: dict[str, str] | None = None,
) -> Primer:
    from app.embeddings import chosen_embedder
    from app.file_inspection import FileInspector
    from repositories.file_blobs import FileBlobs
    from repositories.sqlite.database import open_store, prepare_data_dir
    from repositories.sqlite.unit_of_work import unit_of_work_factory
    from repositories.vectors import NumpyVectorIndex
    from repositories.writer_locks import WriterLocks

    prepare_data_dir(data_dir)
    writers = WriterLocks(data_dir)
    # A Primer that did not close (a crash, a kill) may have left the file damaged.
    store = open_store(data_dir, unclean=writers.left_by_dead > 0)
    uow_factory = unit_of_work_factory(store)
    settings_store = SettingsStore(data_dir)
    settings = settings_store.load()
    if secrets is None:
        secrets = choose_secret_store(data_dir, insecure_file=settings.insecure_key_file)
    providers = ProviderRegistry(settings, secrets, provider_overrides, data_dir=data_dir)
    load_conversation = LoadConversation(uow_factory)
    recover_interrupted = RecoverInterruptedReplies(uow_factory, writers)
    # Whoever starts first after a crash or a kill marks what the dead process left.
    recover_interrupted()
    files = FileBlobs(data_dir)
    prices = Prices(providers)
    vectors = NumpyVectorIndex(data_dir)  # (its file is opened when first used)
    embedder = partial(chosen_embedder, providers)
    search_messages = SearchMessages(uow_factory)
    return Primer(
        data_dir=data_dir,
        settings_store=settings_store,
        settings=settings,
        secrets=secrets,
        providers=providers,
        store=store,
        writers=writers,
        uow_factory=uow_factory,
        list_chats=ListChats(uow_factory),
        get_chat=GetChat(uow_factory),
        load_conversation=load_conversation,
        switch_branch=SwitchBranch(uow_factory),
        update_chat=UpdateChat(uow_factory, default_model=providers.default_model),
        delete_chat=DeleteChat(uow_factory),
        send_message=SendMessage(
            uow_factory,
            providers.context_window,
            writer=writers.me,
            default_model=providers.default_model,
            readings=providers,
            files=files,
        ),
        stream_reply=StreamReply(providers, save_every=_reply_save_interval()),
        save_reply_progress=SaveReplyProgress(uow_factory),
        finish_reply=FinishReply(uow_factory, prices),
        recover_interrupted=recover_interrupted,
        search_messages=search_messages,
        export_chats=ExportChats(uow_factory),
        import_chats=ImportChats(uow_factory),
        index_history=IndexHistory(uow_factory),
        attach_file=AttachFile(files, FileInspector()),
        files=files,
        save_attachment=SaveAttachment(files),
        clean_up_files=CleanUpFiles(uow_factory, files),
        name_chat=NameChat(uow_factory, providers, providers.title_model, prices),
        show_usage=ShowUsage(uow_factory),
        tag_chats=TagChats(uow_factory),
        take_notes=TakeNotes(uow_factory),
        index_meaning=IndexMeaning(uow_factory, vectors, embedder),
        search_by_meaning=SearchByMeaning(uow_factory, vectors, embedder, search_messages),
        find_similar=FindSimilar(uow_factory, vectors, embedder),
    )
