"""A real PgBouncer in transaction mode in front of a test server, as Supabase's pooled URL
is: it keeps no server-side prepared statement across transactions, and it looks each
role up in the database (auth_query), so the accounts' own roles sign in through it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from devtools.embedded_postgres import APP_PASSWORD, APP_ROLE, PostgresForTests, free_port

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)


@contextmanager
def pgbouncer_in_front(server: PostgresForTests, database: str, folder: Path) -> Iterator[str]:
    """Start PgBouncer for `database`; yield the app role's URL through it."""
    assert PGBOUNCER is not None
    port = free_port()
    folder.mkdir()
    # Each account signs in as its own role, made at sign-up: PgBouncer looks roles up in
    # the database (auth_query, as Supabase's pooler does) and passes SCRAM through.
    with psycopg.connect(make_conninfo(server.admin_url, dbname=database)) as admin:
        admin.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pooler_auth')"
            " THEN CREATE ROLE pooler_auth LOGIN PASSWORD 'pooler-auth-password'; END IF; END $$"
        )
        admin.execute(
            "CREATE FUNCTION pooler_lookup(name text, OUT usename name, OUT passwd text)"
            " LANGUAGE sql SECURITY DEFINER AS"
            " 'SELECT rolname, rolpassword FROM pg_authid WHERE rolname = name AND rolcanlogin'"
        )
        admin.execute("REVOKE ALL ON FUNCTION pooler_lookup(text) FROM PUBLIC")
        admin.execute("GRANT EXECUTE ON FUNCTION pooler_lookup(text) TO pooler_auth")
    runner = _unprivileged_user() if os.geteuid() == 0 else None  # PgBouncer refuses root
    (folder / "users.txt").write_text('"pooler_auth" "pooler-auth-password"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{database} = host={server.host} port={server.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = scram-sha-256\n"
        f"auth_file = {folder / 'users.txt'}\n"
        "auth_user = pooler_auth\n"
        "auth_query = SELECT usename, passwd FROM pooler_lookup($1)\n"
        "pool_mode = transaction\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        + (f"user = {runner}\n" if runner else "")
    )
    if runner:
        for path in (folder, *folder.iterdir()):
            shutil.chown(path, runner)
    log = folder / "pgbouncer.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [PGBOUNCER, str(folder / "pgbouncer.ini")], stdout=output, stderr=output
        )
    url = f"postgresql://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{port}/{database}"
    try:
        for _ in range(200):
            try:
                psycopg.connect(url, prepare_threshold=None).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None:
                    raise RuntimeError(f"PgBouncer did not start: {log.read_text()}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _unprivileged_user() -> str:
    """A user the servers already run as: Debian's `postgres`, or pgserver's own."""
    import pwd

    for name in ("postgres", "pgserver"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user to run PgBouncer as")
