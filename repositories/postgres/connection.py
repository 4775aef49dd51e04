"""Connections to the backup database, and every psycopg failure as a plain sentence.

Works through a transaction-mode pooler (Supabase's): no server-side prepared statements,
and TLS whenever the URL's `sslmode` asks for it (libpq reads it from the URL).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from domain.errors import BackupError, BackupRejected, BackupRowRejected, BackupUnreachable

CONNECT_TIMEOUT_SECONDS = 10
SILENT_NETWORK_TIMEOUT_MS = 60_000
_SCHEMES = ("postgres", "postgresql")


URL_HINT = (
    "postgresql://USER:PASSWORD@HOST:5432/DATABASE (Supabase: Project Settings → "
    "Database → Connection string)"
)


def _parse(url: str) -> dict[str, str]:
    """libpq's own reading of a URL or a key=value string (percent-encoding, sockets)."""
    text = url.strip()
    if "://" in text and urlsplit(text).scheme not in _SCHEMES:
        raise BackupRejected(f"The backup database URL should look like {URL_HINT}.")
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(text).items()}
    except psycopg.ProgrammingError:
        raise BackupRejected(f"The backup database URL should look like {URL_HINT}.") from None
    for port in filter(None, params.get("port", "").split(",")):
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise BackupRejected(
                f"The port in the backup database URL ({port}) should be a number from 1 "
                "to 65535; PostgreSQL's usual port is 5432."
            )
    return params


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password (safe for settings and logs), and the password.

    Accepts what libpq accepts: URLs (a percent-encoded password is decoded, `?password=`
    and `?host=/socket/folder` are understood) and key=value strings.
    """
    params = _parse(url)
    password = params.pop("password", None)
    text = url.strip()
    if "://" not in text:
        return make_conninfo("", **params), password
    parts = urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hosts = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{hosts}" if user else hosts
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
    )
    bare = f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    return bare, password


def where(url: str) -> str:
    """Host, port and database, for messages: never the user or password."""
    try:
        params = _parse(url)
    except BackupRejected:
        return "the backup database"
    host = params.get("host") or params.get("hostaddr") or "localhost"
    place = f"socket {host}" if host.startswith("/") else host
    database = params.get("dbname") or params.get("user") or "postgres"
    return f"{place}:{params.get('port') or 5432}/{database}"


@dataclass(frozen=True)
class BackupDatabase:
    """A backup database address; the password is kept apart from the URL."""

    url: str
    password: str | None = None
    refused: str | None = None
    """What to say when the server refuses the login (default: check the URL's)."""

    def __repr__(self) -> str:  # the password stays out of tracebacks and logs
        return f"BackupDatabase({where(self.url)!r})"

    def connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(
                self.url,
                password=self.password,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                prepare_threshold=None,
                application_name="primer",
                # A network that goes silent mid-backup ends the wait within about a
                # minute (then the batch is retried), instead of hanging forever.
                keepalives=1,
                keepalives_idle=20,
                keepalives_interval=10,
                keepalives_count=3,
                tcp_user_timeout=SILENT_NETWORK_TIMEOUT_MS,
            )
        except psycopg.Error as error:
            raise self.explain(error) from None

    def check(self) -> None:
        """Connect and disconnect: proves the address and the credentials, every time."""
        self.connect().close()

    def explain(self, error: psycopg.Error) -> BackupError:
        """Turn a psycopg failure into a message a person can act on.

        The server's SQLSTATE decides. libpq reports no SQLSTATE for a connection that
        fails before the session starts (wrong password, no such database, TLS, no
        server), so only those are told apart by libpq's own wording.
        """
        place = where(self.url)
        text = str(error)
        if self.password:
            text = text.replace(self.password, "•••")
        primary = getattr(getattr(error, "diag", None), "message_primary", None)
        detail = primary or (text.strip().splitlines() or [""])[0].split("failed: ")[-1].strip()
        detail = detail.removeprefix("FATAL:").strip()
        state = error.sqlstate or ""
        if self.refused and (state.startswith("28") or (not state and _is_refusal(text))):
            return BackupRejected(self.refused)
        if state:
            return _by_sqlstate(state, place, detail)
        if not isinstance(error, psycopg.OperationalError):
            return BackupRejected(f"The backup database at {place} refused the request: {detail}.")
        return _by_connection_failure(text.lower(), place, detail)


def account_role(account_id: str) -> str:
    """The database role of an account (migrations_postgres/0007)."""
    return "primer_" + account_id.replace("-", "")


ACCOUNT_LOGIN_REFUSED = (
    "The backup database refused your account's login: its password was changed on another "
    "computer, or recovered. Sign in again (Account → Sign in…, or `primer account login`)."
)


def as_account(database: BackupDatabase, account_id: str, password: str) -> BackupDatabase:
    """The same server and database, signed in as the account's own role."""
    return replace(
        as_role(database, account_role(account_id), password), refused=ACCOUNT_LOGIN_REFUSED
    )


def as_role(database: BackupDatabase, role: str, password: str) -> BackupDatabase:
    """The same server and database as another role. A pooler that names its tenant after
    a dot in the user (Supabase's: `postgres.PROJECT`) keeps it."""
    params = _parse(database.url)
    params.pop("password", None)
    tenant = params.get("user", "").partition(".")[2]
    params["user"] = role + (f".{tenant}" if tenant else "")
    return BackupDatabase(make_conninfo("", **params), password)


def as_url(database: BackupDatabase) -> str:
    """A postgresql:// URL of the database, its password included: to hand to a person."""
    params = _parse(database.url)
    params.pop("password", None)
    user, host = params.pop("user", ""), params.pop("host", "localhost")
    port, name = params.pop("port", "5432"), params.pop("dbname", "")
    secret = f":{quote(database.password, safe='')}" if database.password else ""
    if host.startswith("/"):  # a Unix socket: libpq takes its folder as ?host=
        params["host"], host = host, ""
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{quote(user, safe='')}{secret}@{host}:{port}/{quote(name)}{query}"


def _by_sqlstate(state: str, place: str, detail: str) -> BackupError:
    category = state[:2]
    if category in ("08", "57", "53", "40") or state == "55P03":
        # connection exception, server shut down or restarting, out of resources,
        # serialization failure or deadlock, lock not available: a moment later works
        return BackupUnreachable(
            f"Primer cannot reach the backup database at {place} ({detail}). "
            "Try again in a moment; nothing was lost."
        )
    if category == "28":
        return _wrong_credentials(place)
    if state == "3D000":
        return BackupRejected(f"The database in the URL does not exist at {place}.")
    if state == "42501":
        return BackupRejected(
            f"The database user at {place} lacks a privilege Primer needs ({detail}). "
            "Use the database owner's URL, or grant it CREATE and USAGE on the schema."
        )
    if category in ("22", "23"):
        return BackupRowRejected(f"the backup database refused a value ({detail})")
    if category == "54":  # program limit exceeded
        return BackupRejected(
            f"The backup database at {place} is out of room or over a limit ({detail})."
        )
    return BackupRejected(f"The backup database at {place} refused the request: {detail}.")


def _is_refusal(text: str) -> bool:
    return "password" in text.lower() or "authentication" in text.lower()


def _by_connection_failure(lowered: str, place: str, detail: str) -> BackupError:
    if _is_refusal(lowered):
        return _wrong_credentials(place)
    if "database" in lowered and "does not exist" in lowered:
        return BackupRejected(f"The database in the URL does not exist at {place}.")
    if "permission denied" in lowered:
        return BackupRejected(
            f"The database user may not connect to {place} ({detail}). "
            "The database's owner can allow it with GRANT CONNECT."
        )
    if "ssl" in lowered or "certificate" in lowered:
        return BackupRejected(
            f"A secure (TLS) connection to {place} failed: {detail}. "
            "Check the URL's sslmode and the server's certificate."
        )
    return BackupUnreachable(
        f"Primer cannot reach the backup database at {place} ({detail}). "
        "Check the address and your network, then try again; nothing was lost."
    )


def _wrong_credentials(place: str) -> BackupRejected:
    return BackupRejected(
        f"The backup database at {place} refused the user name or password. "
        "Check them in Settings → Backup, or with `primer db set-url`."
    )
