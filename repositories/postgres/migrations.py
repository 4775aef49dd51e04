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
