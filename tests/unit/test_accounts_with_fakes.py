"""Accounts against in-memory ports: the rules without a database (the real adapters are
held to the same contract in tests/integration/test_store_contract.py)."""

from __future__ import annotations

import pytest

from app import account_crypto
from domain.accounts import WRONG_CREDENTIALS
from domain.errors import AccountError
from domain.use_cases.accounts import Accounts, data_key_secret, database_password_secret
from domain.use_cases.provider_keys import ProviderKeys
from tests.support.fakes import FakeAccountLink, FakeAccountStore, MemorySecrets

PASSWORD = "correct horse battery"


def _device(store: FakeAccountStore) -> tuple[Accounts, MemorySecrets, FakeAccountLink]:
    secrets, link = MemorySecrets(), FakeAccountLink()
    accounts = Accounts(store, link, secrets, ["openai"], account_crypto)
    return accounts, secrets, link


def test_keys_follow_the_account_and_survive_a_password_change() -> None:
    store = FakeAccountStore()
    laptop, laptop_secrets, _ = _device(store)
    laptop_secrets.set("openai", "sk-laptop")
    account, recovery_key = laptop.register("Ada@Example.org", PASSWORD)
    assert laptop.save_all_keys() == ["openai"]
    assert "sk-laptop" not in repr(store.sealed)  # sealed, never plain

    desktop, desktop_secrets, desktop_link = _device(store)
    signed_in = desktop.sign_in("ada@example.org", PASSWORD)
    assert signed_in.restored == ["openai"] and desktop_secrets.get("openai") == "sk-laptop"
    assert desktop_link.current() == account
    assert desktop_secrets.get(data_key_secret(account.account_id))

    desktop.change_password(PASSWORD, "a brand new passphrase")
    tablet = _device(store)[0]
    with pytest.raises(AccountError, match=WRONG_CREDENTIALS):
        tablet.sign_in("ada@example.org", PASSWORD)
    assert tablet.sign_in("ada@example.org", "a brand new passphrase").restored == ["openai"]

    # The password forgotten: the recovery key alone sets a new one, and the keys come back.
    phone, phone_secrets, _ = _device(store)
    with pytest.raises(AccountError, match="recovery key is wrong"):
        phone.recover("ada@example.org", account_crypto.new_recovery_key(), "yet another phrase")
    with pytest.raises(AccountError, match="not a recovery key"):
        phone.recover("ada@example.org", "ABCD-EFGH", "yet another phrase")
    typed = recovery_key.lower().replace("-", " ")  # as a person may type it
    assert phone.recover("ada@example.org", typed, "yet another phrase").restored == ["openai"]
    assert phone_secrets.get("openai") == "sk-laptop"
    assert _device(store)[0].sign_in("ada@example.org", "yet another phrase").restored
    with pytest.raises(AccountError, match=WRONG_CREDENTIALS):
        _device(store)[0].sign_in("ada@example.org", "a brand new passphrase")


def test_one_email_one_account_and_signing_out_forgets_the_key() -> None:
    store = FakeAccountStore()
    first, secrets, link = _device(store)
    account = first.register("ada@example.org", PASSWORD).account
    with pytest.raises(AccountError, match="already exists"):
        _device(store)[0].register("ADA@example.org", PASSWORD)
    first.sign_out()
    assert link.current() is None and secrets.get(data_key_secret(account.account_id)) is None
    assert secrets.get(database_password_secret(account.account_id)) is None


def test_a_provider_key_is_kept_here_first_and_sealed_into_the_account_when_signed_in() -> None:
    store = FakeAccountStore()
    accounts, secrets, _ = _device(store)
    nobody = ProviderKeys(secrets, lambda: None)
    assert nobody.save("openai", "sk-here") is False
    assert secrets.get("openai") == "sk-here" and not store.sealed
    accounts.register("ada@example.org", PASSWORD)
    signed_in = ProviderKeys(secrets, lambda: accounts)
    assert signed_in.save("gemini", "gm-both") is True
    assert secrets.get("gemini") == "gm-both"
    assert "gm-both" not in repr(store.sealed) and "gemini" in repr(store.sealed)
    assert signed_in.delete("gemini") is True
    assert secrets.get("gemini") is None and "gemini" not in repr(store.sealed)
    assert nobody.delete("openai") is False and secrets.get("openai") is None
