"""Where the backup database is: the URL from the command line, $PRIMER_BACKUP_URL or
settings, and its password from the URL itself or the keyring."""

from __future__ import annotations

import os
import threading
from dataclasses import replace

from app.settings import Settings
from domain.errors import ConfigurationError
from domain.ports import SecretStore
from repositories.postgres.connection import BackupDatabase, split_password, where
from repositories.postgres.migrations import upgrade

URL_VARIABLE = "PRIMER_BACKUP_URL"
PASSWORD_SECRET = "primer:backup-database-password"

_upgraded: set[tuple[str, str | None]] = set()
_upgrade_lock = threading.Lock()


def backup_database(
    settings: Settings, secrets: SecretStore, url: str | None = None
) -> BackupDatabase:
    given = url or os.environ.get(URL_VARIABLE) or settings.backup_url
    if not given:
        raise ConfigurationError(
            "No backup database is set. Add its URL in Settings → Backup, "
            f"with `primer db set-url URL`, or in ${URL_VARIABLE}."
        )
    bare, password = split_password(given)
    return BackupDatabase(bare, password if password is not None else secrets.get(PASSWORD_SECRET))


def remember_backup_url(settings: Settings, secrets: SecretStore, url: str) -> Settings:
    """Keep the URL in settings and its password in the keyring; return the new settings."""
    bare, password = split_password(url)
    if password is not None:
        secrets.set(PASSWORD_SECRET, password)
    return replace(settings, backup_url=bare)


def working_url(settings: Settings, secrets: SecretStore, url: str) -> tuple[Settings, str]:
    """Connect to the database at `url` (its own password, or the one kept), bring its schema
    up to date, and only then keep the URL: the new settings, and where it is for messages.
    One way for the window's sign-in dialog and `primer db set-url`."""
    bare, password = split_password(url)
    database = ready(BackupDatabase(bare, password or secrets.get(PASSWORD_SECRET)))
    return remember_backup_url(settings, secrets, url), where(database.url)


def ready(database: BackupDatabase) -> BackupDatabase:
    """Apply any missing schema once per database, credentials and process (`primer db
    upgrade` forces it). Keyed by the password too: other credentials connect again."""
    key = (database.url, database.password)
    with _upgrade_lock:
        if key not in _upgraded:
            upgrade(database)
            _upgraded.add(key)
    return database
