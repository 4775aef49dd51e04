"""A real PostgreSQL for the tests and benchmarks: embedded `pgserver`, or the server in
$PRIMER_TEST_PG_URL.

pgserver starts on a Unix socket with trust auth; it is restarted here to listen on
127.0.0.1 with password (SCRAM) auth, so tests see what a user's server does: a URL with a
password, wrong passwords refused, connections that can be cut.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import psycopg

APP_ROLE = "primer_app"
APP_PASSWORD = "app-password-for-tests"
URL_VARIABLE = "PRIMER_TEST_PG_URL"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresForTests:
    admin_url: str
    host: str
    port: int
    _stop: Callable[[], None] | None = None

    def stop(self) -> None:
        """Stop an embedded server and remove its folders (a server given by URL stays)."""
        if self._stop is not None:
            self._stop()
            self._stop = None

    def app_url(self, database: str, *, password: str | None = APP_PASSWORD) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{APP_ROLE}{secret}@{self.host}:{self.port}/{database}"

    @property
    def shared(self) -> bool:
        """A server given by URL, which outlives the test run (roles are the server's)."""
        return self._stop is None

    def create_database(self, name: str) -> str:
        """A fresh database owned by the app role; returns its URL (with the password)."""
        self.drop_database(name)
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}" OWNER {APP_ROLE}')
        return self.app_url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database and the roles Primer made for it (its accounts', its gate's):
        roles belong to the server, and would outlive the database on a shared one."""
        from psycopg.conninfo import make_conninfo

        roles: list[str] = []
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                with psycopg.connect(make_conninfo(self.admin_url, dbname=name)) as inside:
                    if inside.execute("SELECT to_regproc('primer_role')").fetchone() != (None,):
                        roles = [row[0] for row in inside.execute(
                            "SELECT primer_account_role(id) FROM users UNION ALL"
                            " SELECT primer_role(kind) FROM unnest(ARRAY['gate', 'accounts'])"
                            " AS kind"
                        )]  # fmt: skip
                db.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            for role in roles:  # (accounts' before the group they are members of)
                db.execute(f'DROP ROLE IF EXISTS "{role}"')

    def terminate_app_connections(self, database: str) -> int:
        """What a network cut or server restart does to Primer: its sessions end at once."""
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            rows = db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND usename = %s AND pid <> pg_backend_pid()",
                (database, APP_ROLE),
            ).fetchall()
        return len(rows)

    def dump(self, database: str) -> bytes:
        """pg_dump of one database, as bytes: what someone who steals the backup gets."""
        from psycopg.conninfo import make_conninfo

        command = [
            str(Path(_pgserver().__file__).parent / "pginstall" / "bin" / "pg_dump"),
            "--dbname",
            make_conninfo(self.admin_url, dbname=database),
        ]
        return subprocess.run(command, check=True, capture_output=True).stdout


def _ensure_app_role(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
        if not exists:
            db.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}'")
        # As Supabase's `postgres` role: no superuser, but it may make roles (one an account).
        db.execute(f"ALTER ROLE {APP_ROLE} CREATEROLE")


def start() -> PostgresForTests:
    given = os.environ.get(URL_VARIABLE)
    if given:
        parts = urlsplit(given)
        _ensure_app_role(given)
        return PostgresForTests(given, parts.hostname or "127.0.0.1", parts.port or 5432)
    return _start_embedded()


def _pgserver() -> ModuleType:
    with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR on a CI machine
        warnings.simplefilter("ignore")
        import pgserver

        return pgserver


def _start_embedded() -> PostgresForTests:
    base = Path(tempfile.mkdtemp(prefix="primer-pg-"))
    pgdata = base / "pgdata"
    pgserver = _pgserver()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(pgdata, cleanup_mode="delete")
    user = server.system_user
    socket_dir = Path(tempfile.mkdtemp(prefix="primer-pgsock-"))
    if user:
        shutil.chown(socket_dir, user)
    port = free_port()
    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    hba = pgdata / "pg_hba.conf"
    hba.write_text(
        "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8"
    )
    if user:
        shutil.chown(hba, user)
    pgserver.pg_ctl(
        [
            "-w",
            "-o",
            f"-h 127.0.0.1 -p {port} -k {socket_dir}",
            "-l",
            str(pgdata / "log"),
            "start",
        ],
        pgdata=pgdata,
        user=user,
        timeout=30,
    )
    admin_url = f"postgresql://postgres@/postgres?host={socket_dir}&port={port}"
    for _ in range(50):
        try:
            psycopg.connect(admin_url).close()
            break
        except psycopg.OperationalError:
            time.sleep(0.1)
    _ensure_app_role(admin_url)

    def stop() -> None:
        pgserver.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pgdata, user=user)
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(socket_dir, ignore_errors=True)
        assert server is not None  # held until here: pgserver stops its cluster when freed

    return PostgresForTests(admin_url, "127.0.0.1", port, stop)


def debian_binaries() -> Path | None:
    """The newest of Debian's packaged PostgreSQL servers (package `postgresql`), if any."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3])
    )
    return found[-1].parent if found else None


def start_packaged(binaries: Path) -> PostgresForTests:
    """A throwaway cluster of a packaged PostgreSQL (Debian's), set up as the embedded one
    is: SCRAM over 127.0.0.1, trust on its own socket, the app role made."""
    base = Path(tempfile.mkdtemp(prefix="primer-pkgpg-"))
    pgdata, sockets = base / "pgdata", base / "sockets"
    sockets.mkdir()
    user = "postgres" if os.geteuid() == 0 else None  # the server refuses to run as root
    if user:
        shutil.chown(base, user)
        shutil.chown(sockets, user)

    def run(*command: str) -> None:
        prefix = ["runuser", "-u", user, "--"] if user else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    run(str(binaries / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth-local=trust",
        "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
    port = free_port()
    run(str(binaries / "pg_ctl"), "-D", str(pgdata), "-w", "-l", str(base / "log"), "-o",
        f"-h 127.0.0.1 -p {port} -k {sockets}", "start")  # fmt: skip
    admin_url = f"postgresql://postgres@/postgres?host={sockets}&port={port}"
    _ensure_app_role(admin_url)

    def stop() -> None:
        run(str(binaries / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)

    return PostgresForTests(admin_url, "127.0.0.1", port, stop)
