"""Bring the backup database's schema up to date: on first connect and by `primer db upgrade`."""

from __future__ import annotations

import psycopg

from domain.errors import BackupRejected
from repositories.migration_files import bundled_migrations
from repositories.postgres.connection import BackupDatabase

# Two Primers connecting at once wait for each other instead of racing the DDL.
_LOCK_KEY = 0x5052494D4552  # "PRIMER"


def upgrade(database: BackupDatabase) -> list[str]:
    """Apply the migrations this database lacks, each in its own transaction; return their names."""
    migrations = bundled_migrations("migrations_postgres")
    applied_now: list[str] = []
    try:
        with database.connect() as db:
            if not _may_upgrade(db):
                _check_version(db, migrations[-1].version)
                return []
            for migration in migrations:
                with db.transaction():
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                    db.execute(
                        "CREATE TABLE IF NOT EXISTS primer_schema ("
                        " version integer PRIMARY KEY, name text NOT NULL,"
                        " applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                    newest = db.execute("SELECT max(version) FROM primer_schema").fetchone()
                    if newest and newest[0] is not None and newest[0] > migrations[-1].version:
                        raise BackupRejected(
                            "The backup database was set up by a newer version of Primer "
                            f"(schema {newest[0]}); update Primer to back up to it."
                        )
                    done = db.execute(
                        "SELECT 1 FROM primer_schema WHERE version = %s", (migration.version,)
                    ).fetchone()
                    if done:
                        continue
                    db.execute(migration.sql)
                    db.execute(
                        "INSERT INTO primer_schema (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                    applied_now.append(migration.name)
    except psycopg.Error as error:
        raise database.explain(error) from None
    return applied_now


def _may_upgrade(db: psycopg.Connection) -> bool:
    """The owner's connection (or a fresh database's); not an account's nor the gate's."""
    (may,) = db.execute(
        "SELECT to_regclass('primer_schema') IS NULL"
        " OR has_table_privilege('primer_schema', 'INSERT')"
    ).fetchone()
    db.rollback()
    return bool(may)


def _check_version(db: psycopg.Connection, latest: int) -> None:
    """What a connection that may not upgrade can do: say whether the schema will serve."""
    try:
        (version,) = db.execute("SELECT primer_schema_version()").fetchone()
    except psycopg.errors.UndefinedFunction:
        version = 0
    if version is None or version < latest:
        raise BackupRejected(
            f"The backup database's schema is older than this Primer needs ({version or 0} "
            f"of {latest}). Its owner brings it up to date with `primer db upgrade`, "
            "using the owner's URL."
        )
    if version > latest:
        raise BackupRejected(
            "The backup database was set up by a newer version of Primer "
            f"(schema {version}); update Primer to back up to it."
        )
