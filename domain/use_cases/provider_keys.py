"""Save or delete a provider's API key: on this device first, then in the account.

A key is kept here before anything else (that always works or says why); when an account
is signed in, it is then sealed into it, or removed from it. The window runs the two
steps apart (the Settings dialog keeps the key and closes; the account step follows on a
network worker, with its own message); a command runs them in turn (`save`, `delete`).
"""

from __future__ import annotations

from collections.abc import Callable

from domain.ports import SecretStore
from domain.use_cases.accounts import Accounts


class ProviderKeys:
    def __init__(self, secrets: SecretStore, account: Callable[[], Accounts | None]) -> None:
        """`account`: the account actions if an account is signed in, else None; asked
        only when a step needs the account."""
        self._secrets = secrets
        self._account = account

    def keep(self, provider: str, api_key: str) -> None:
        """On this device."""
        self._secrets.set(provider, api_key)

    def seal(self, provider: str, api_key: str) -> bool:
        """Into the signed-in account, encrypted; whether it went there."""
        account = self._account()
        return account is not None and account.save_key(provider, api_key)

    def save(self, provider: str, api_key: str) -> bool:
        """Both steps; whether the account has the key too."""
        self.keep(provider, api_key)
        return self.seal(provider, api_key)

    def delete(self, provider: str) -> bool:
        """From this device, and from the account when signed in; whether it was there."""
        self._secrets.delete(provider)
        account = self._account()
        if account is None:
            return False
        account.delete_key(provider)
        return True
