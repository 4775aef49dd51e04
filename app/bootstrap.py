"""The composition root: the one place that names concrete adapters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.providers.registry import ProviderRegistry
from app.secrets import choose_secret_store
from app.settings import Settings, SettingsStore
from domain.ports import SecretStore, UnitOfWorkFactory
from domain.use_cases.delete_chat import DeleteChat
from domain.use_cases.finish_reply import FinishReply
from domain.use_cases.get_chat import GetChat
from domain.use_cases.list_chats import ListChats
from domain.use_cases.load_conversation import LoadConversation
from domain.use_cases.recover_interrupted import RecoverInterruptedReplies
from domain.use_cases.send_message import SendMessage
from domain.use_cases.stream_reply import StreamReply
from domain.use_cases.update_chat import UpdateChat


@dataclass
class Primer:
    """Everything a front end (window or CLI) needs, wired once."""

    data_dir: Path
    settings_store: SettingsStore
    settings: Settings
    secrets: SecretStore
    providers: ProviderRegistry
    uow_factory: UnitOfWorkFactory
    list_chats: ListChats
    get_chat: GetChat
    load_conversation: LoadConversation
    update_chat: UpdateChat
    delete_chat: DeleteChat
    send_message: SendMessage
    stream_reply: StreamReply
    finish_reply: FinishReply
    recover_interrupted: RecoverInterruptedReplies

    def apply_settings(self, settings: Settings) -> None:
        """Save new settings and rebuild what depends on them."""
        self.settings_store.save(settings)
        self.settings = settings
        self.secrets = choose_secret_store(self.data_dir, insecure_file=settings.insecure_key_file)
        self.providers.settings = settings
        self.providers.use_secrets(self.secrets)


def build(
    data_dir: Path,
    *,
    secrets: SecretStore | None = None,
    provider_overrides: dict[str, str] | None = None,
) -> Primer:
    from repositories.sqlite.database import open_store
    from repositories.sqlite.unit_of_work import unit_of_work_factory

    engine = open_store(data_dir)
    uow_factory = unit_of_work_factory(engine)
    settings_store = SettingsStore(data_dir)
    settings = settings_store.load()
    if secrets is None:
        secrets = choose_secret_store(data_dir, insecure_file=settings.insecure_key_file)
    providers = ProviderRegistry(settings, secrets, provider_overrides)
    return Primer(
        data_dir=data_dir,
        settings_store=settings_store,
        settings=settings,
        secrets=secrets,
        providers=providers,
        uow_factory=uow_factory,
        list_chats=ListChats(uow_factory),
        get_chat=GetChat(uow_factory),
        load_conversation=LoadConversation(uow_factory),
        update_chat=UpdateChat(uow_factory),
        delete_chat=DeleteChat(uow_factory),
        send_message=SendMessage(uow_factory, providers.context_window),
        stream_reply=StreamReply(providers),
        finish_reply=FinishReply(uow_factory),
        recover_interrupted=RecoverInterruptedReplies(uow_factory),
    )
