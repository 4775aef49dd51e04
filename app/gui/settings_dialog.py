"""Settings, on three pages: Providers (keys, base URLs, default models, local servers),
General (new chats, titles, theme, backup, where keys are kept) and Search (search by
meaning: `search_settings.py`).

Saving writes to the keyring, which can block (it may ask to be unlocked), so it runs on a
worker thread; where each key comes from is read before the dialog opens, also off it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.backup_database import remember_backup_url
from app.bootstrap import PreparedSettings, Primer
from app.gui.dispatch import Dispatcher, Lane
from app.gui.operations import Op
from app.gui.search_settings import SearchSettings
from app.providers.registry import ENV_BASE_URLS, ProviderRegistry
from app.secrets import INSECURE_FILE_NAME, NoSecretStore
from app.settings import BUILT_IN, ProviderConfig, Settings
from domain.errors import PrimerError

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
THEMES = [("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")]


TITLE_CHOICES = (
    ("Written by a model (automatic)", "auto"),
    ("The first message's first line", "off"),
)


class SettingsDialog(QDialog):
    saved = Signal(dict)
    """Settings are saved; carries where each provider's key now comes from."""
    keys_for_account = Signal(dict)
    """Keys typed here, to seal into the signed-in account (off the GUI thread)."""

    def __init__(
        self,
        primer: Primer,
        parent: QWidget | None = None,
        *,
        key_sources: dict[str, str],
        account_email: str = "",
        lane: Lane | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.primer = primer
        self.account_email = account_email
        self.key_sources = key_sources
        self._dispatcher = Dispatcher(self)  # a result after the dialog closed goes with it
        settings = primer.settings
        self.tabs = QTabWidget()
        providers_page, general_page = QWidget(), QWidget()
        layout = QVBoxLayout(providers_page)

        self.key_fields: dict[str, QLineEdit] = {}
        self.url_fields: dict[str, QLineEdit] = {}
        self.model_fields: dict[str, QLineEdit] = {}
        for name, label, url_hint in (
            ("openai", "OpenAI", "https://api.openai.com/v1"),
            ("gemini", "Google Gemini", "Google's default endpoint"),
        ):
            layout.addWidget(self._provider_group(name, label, url_hint, settings))

        local = QGroupBox(
            "Local and OpenAI-compatible servers (Ollama, LM Studio, llama.cpp, vLLM)"
        )
        local_layout = QVBoxLayout(local)
        self.servers = QTableWidget(0, 4)
        self.servers.setHorizontalHeaderLabels(
            ["Name", "Base URL", "Default model", "Context (tokens)"]
        )
        self.servers.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.servers.verticalHeader().hide()
        self.servers.setMinimumHeight(110)
        for config in settings.providers.values():
            if config.kind == "openai_compatible":
                self._add_server_row(config)
        row = QHBoxLayout()
        add = QPushButton("Add Ollama")
        add.setToolTip("Adds a row for Ollama on this computer; edit it for other servers")
        add.clicked.connect(
            lambda: self._add_server_row(
                ProviderConfig(
                    "ollama", "openai_compatible", "http://localhost:11434/v1", "llama3.2"
                )
            )
        )
        add_other = QPushButton("Add server")
        add_other.clicked.connect(
            lambda: self._add_server_row(
                ProviderConfig("local", "openai_compatible", "http://localhost:8080/v1")
            )
        )
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: self.servers.removeRow(self.servers.currentRow()))
        row.addWidget(add)
        row.addWidget(add_other)
        row.addWidget(remove)
        row.addStretch(1)
        local_layout.addWidget(self.servers)
        local_layout.addLayout(row)
        layout.addWidget(local)
        layout.addStretch(1)
        layout = QVBoxLayout(general_page)

        general = QGroupBox("General")
        form = QFormLayout(general)
        self.default_provider = QComboBox()
        for name in settings.providers:
            self.default_provider.addItem(name, name)
        self.default_provider.setCurrentIndex(
            max(0, self.default_provider.findData(settings.default_provider))
        )
        form.addRow("Default provider for new chats:", self.default_provider)
        self.title_model = QComboBox()
        self.title_model.setEditable(True)
        self.title_model.setAccessibleName("Chat titles")
        self.title_model.setToolTip(
            "After a new chat's first reply, a model writes its title in the chat's language. "
            "Automatic: a cheap model of the chat's provider (a local server's own model); "
            "or type a model's name. A title you typed is never replaced."
        )
        for text, value in TITLE_CHOICES:
            self.title_model.addItem(text, value)
        known = self.title_model.findData(settings.title_model)
        if known >= 0:
            self.title_model.setCurrentIndex(known)
        else:
            self.title_model.setEditText(settings.title_model)
        form.addRow("Chat titles:", self.title_model)
        self.theme = QComboBox()
        for text, value in THEMES:
            self.theme.addItem(text, value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow("Theme:", self.theme)
        layout.addWidget(general)

        layout.addWidget(self._backup_group(settings))

        self.key_storage = QLabel()
        self.key_storage.setWordWrap(True)
        self.insecure_file = QCheckBox(
            f"Keep API keys in a plain file ({primer.data_dir / INSECURE_FILE_NAME}); "
            "anyone who can read your files can read them"
        )
        self.insecure_file.setChecked(settings.insecure_key_file)
        no_keyring = isinstance(primer.secrets, NoSecretStore) or settings.insecure_key_file
        if isinstance(primer.secrets, NoSecretStore):
            self.key_storage.setText(  # said inside Settings: the choice is right below
                "⚠ No system keyring was found, so Primer cannot store API keys securely on "
                "this computer. Set OPENAI_API_KEY / GEMINI_API_KEY in your environment, or "
                "tick “Keep API keys in a plain file” below."
            )
        elif settings.insecure_key_file:
            self.key_storage.setText("⚠ Keys are kept in a plain file, as you chose.")
        else:
            self.key_storage.setText(
                "API keys are kept in your system keyring, never in Primer's database or logs."
            )
        self.insecure_file.setVisible(no_keyring)
        layout.addWidget(self.key_storage)
        layout.addWidget(self.insecure_file)
        layout.addStretch(1)
        self.search_page = SearchSettings(primer, self._dispatcher, lane, self._provider_kinds)
        for page, name in ((providers_page, "Providers"), (general_page, "General"),
                           (self.search_page, "Search")):  # fmt: skip
            self.tabs.addTab(page, name)
        self.tabs.currentChanged.connect(lambda _n: self.search_page.fill())
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

        self.error = QLabel()
        self.error.setStyleSheet("color:#b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(720, 600)

    def _provider_kinds(self) -> list[tuple[str, str]]:
        """(name, kind) of the built-in providers and the servers the table has now."""
        servers = [self.servers.item(row, 0) for row in range(self.servers.rowCount())]
        named = [(item.text().strip(), "openai_compatible") for item in servers if item]
        return [("openai", "openai"), ("gemini", "gemini"), *[n for n in named if n[0]]]

    def _backup_group(self, settings: Settings) -> QGroupBox:
        group = QGroupBox("Backup")
        form = QFormLayout(group)
        self.backup_url = QLineEdit(settings.backup_url)
        self.backup_url.setPlaceholderText("postgresql://USER:PASSWORD@HOST:5432/postgres")
        self.backup_url.setToolTip(
            "Your PostgreSQL or Supabase database (direct or pooled URL). "
            "The password part is kept in the system keyring, not in settings."
        )
        form.addRow("Database URL:", self.backup_url)
        self.backup_every = QComboBox()
        self.backup_every.setAccessibleName("Back up automatically")
        self.backup_every.setToolTip(
            "While Primer is open and you are signed in, Backup now runs on its own this often"
        )
        for label, hours in (("Only when I ask", 0), ("Every hour", 1), ("Every 4 hours", 4),
                             ("Every day", 24)):  # fmt: skip
            self.backup_every.addItem(label, hours)
        chosen = self.backup_every.findData(settings.backup_every_hours)
        self.backup_every.setCurrentIndex(max(chosen, 0))
        form.addRow("Back up automatically:", self.backup_every)
        self.save_to_account = QCheckBox(
            f"Also save API keys typed here to {self.account_email}'s account "
            "(encrypted on this computer first)"
        )
        self.save_to_account.setChecked(True)
        self.save_to_account.setVisible(bool(self.account_email))
        form.addRow("", self.save_to_account)
        if not self.account_email:
            hint = QLabel("Sign in from the Account menu to back up your chats and keys.")
            hint.setWordWrap(True)
            form.addRow("", hint)
        return group

    def _provider_group(
        self, name: str, label: str, url_hint: str, settings: Settings
    ) -> QGroupBox:
        config = settings.provider(name) or BUILT_IN[name]
        group = QGroupBox(label)
        form = QFormLayout(group)
        key = QLineEdit()
        key.setEchoMode(QLineEdit.EchoMode.Password)
        key.setPlaceholderText(self._key_placeholder(name))
        key.setClearButtonEnabled(True)
        url = QLineEdit(config.base_url)
        in_effect = self.primer.providers.environment_base_url(name)
        variable = ENV_BASE_URLS.get(name, "")
        url.setPlaceholderText(f"{in_effect} (from {variable})" if in_effect else url_hint)
        model = QLineEdit(config.default_model)
        form.addRow("API key:", key)
        form.addRow("Base URL:", url)
        form.addRow("Default model:", model)
        self.key_fields[name], self.url_fields[name], self.model_fields[name] = key, url, model
        return group

    def _key_placeholder(self, name: str) -> str:
        source = self.key_sources.get(name, "none")
        return {
            "keyring": "Stored — type a new key to replace it",
            "environment": "Using the key from your environment — type one to store it",
            "unreadable": "The stored key cannot be read (keyring locked?) — type it again",
        }.get(source, "Not set — paste your API key")

    def _add_server_row(self, config: ProviderConfig) -> None:
        row = self.servers.rowCount()
        self.servers.insertRow(row)
        values = [
            config.name,
            config.base_url,
            config.default_model,
            str(config.context_window or ""),
        ]
        for column, value in enumerate(values):
            self.servers.setItem(row, column, QTableWidgetItem(value))

    def _collect(self) -> Settings:
        settings = self.primer.settings
        providers = {k: v for k, v in settings.providers.items() if v.kind != "openai_compatible"}
        for name in ("openai", "gemini"):
            providers[name] = replace(
                providers.get(name, BUILT_IN[name]),
                base_url=self.url_fields[name].text().strip(),
                default_model=self.model_fields[name].text().strip()
                or BUILT_IN[name].default_model,
            )
        for row in range(self.servers.rowCount()):
            cells = [
                (self.servers.item(row, c).text().strip() if self.servers.item(row, c) else "")
                for c in range(4)
            ]
            name, url, model, window = cells
            if not NAME_PATTERN.match(name) or name in providers:
                raise PrimerError(
                    f"Server name “{name}” must be unique, lower-case letters, digits, - or _."
                )
            if not url.startswith(("http://", "https://")):
                raise PrimerError(f"The base URL for “{name}” must start with http:// or https://.")
            if window and not window.isdigit():
                raise PrimerError(f"The context size for “{name}” must be a number of tokens.")
            providers[name] = ProviderConfig(
                name, "openai_compatible", url, model, int(window) if window else None
            )
        default = self.default_provider.currentData()
        embeddings = self.search_page.choice()
        if embeddings is not None and embeddings.provider not in providers:
            raise PrimerError(f"Settings → Search: there is no provider “{embeddings.provider}” "
                              "any more: choose another, or Off.")  # fmt: skip
        return replace(
            settings,
            providers=providers,
            default_provider=default if default in providers else "openai",
            theme=self.theme.currentData(),
            insecure_key_file=self.insecure_file.isChecked(),
            backup_every_hours=int(self.backup_every.currentData()),
            title_model=self._title_model(),
            embeddings=embeddings,
        )

    def _title_model(self) -> str:
        typed = self.title_model.currentText().strip()
        chosen = self.title_model.findText(typed)
        return str(self.title_model.itemData(chosen)) if chosen >= 0 else (typed or "auto")

    def save(self) -> None:
        try:
            settings = self._collect()
        except PrimerError as error:
            self._show_error(error)
            return
        url = self.backup_url.text().strip()
        typed = {n: f.text().strip() for n, f in self.key_fields.items() if f.text().strip()}
        primer = self.primer

        def store() -> tuple[PreparedSettings, dict[str, str]]:  # on a worker: keyring, files
            chosen = settings
            if url != chosen.backup_url:
                chosen = (
                    remember_backup_url(chosen, primer.secrets, url)
                    if url
                    else replace(chosen, backup_url="")
                )
            try:
                prepared = primer.prepare_settings(chosen)
            except OSError as error:
                raise PrimerError(f"Settings could not be saved: {error.strerror}.") from None
            keys = primer.provider_keys(prepared.secrets)
            for name, key in typed.items():
                keys.keep(name, key)
            return prepared, ProviderRegistry(prepared.settings, prepared.secrets).key_sources()

        def stored(result: tuple[PreparedSettings, dict[str, str]]) -> None:
            prepared, key_sources = result
            primer.use_settings(prepared)  # here, on the GUI thread, never on the worker
            self.saved.emit(key_sources)
            if typed and self.account_email and self.save_to_account.isChecked():
                self.keys_for_account.emit(typed)
            self.accept()

        def failed(error: PrimerError) -> None:
            self.buttons.setEnabled(True)
            self._show_error(error)

        self.error.hide()
        self.buttons.setEnabled(False)
        Op(store).success(stored).failure(failed).on_network(self._dispatcher, fallback=failed)

    def _show_error(self, error: PrimerError) -> None:
        self.error.setText(error.message)
        self.error.show()
