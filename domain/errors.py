"""Known failures: each carries a message a person can act on.

Anything else that escapes is a bug and goes to the crash report instead.
"""

from __future__ import annotations


class PrimerError(Exception):
    """A known failure with a plain-language message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreError(PrimerError):
    """The local database cannot be opened or used."""


class NotFoundError(PrimerError):
    pass


class ProviderError(PrimerError):
    """A provider call failed; `retryable` tells whether trying again may help."""

    kind = "provider"
    retryable = True


class AuthenticationFailed(ProviderError):
    kind = "auth"
    retryable = False


class RateLimited(ProviderError):
    kind = "rate_limit"


class ProviderUnavailable(ProviderError):
    kind = "server"


class ProviderTimeout(ProviderError):
    kind = "timeout"


class NetworkFailure(ProviderError):
    kind = "network"


class RequestRejected(ProviderError):
    """The provider refused this request (bad model name, blocked prompt, ...)."""

    kind = "rejected"
    retryable = False


class ConfigurationError(PrimerError):
    pass


class BackupError(PrimerError):
    """The backup database failed; `retryable` tells a passing fault from a refusal."""

    retryable = False


class BackupUnreachable(BackupError):
    """Network down, server restarting, connection cut: running backup again will finish."""

    retryable = True


class BackupRejected(BackupError):
    """Wrong database credentials, missing privileges, a constraint: retrying will not help."""


class BackupRowRejected(BackupRejected):
    """The server refused a value in the rows sent (SQLSTATE class 22 or 23): the other
    rows can still go."""


class AccountError(PrimerError):
    """Wrong email or password, email taken, weak password, not signed in."""


class LegacyAccountError(AccountError):
    """An account written by an older Primer, whose password only a Primer can check."""
