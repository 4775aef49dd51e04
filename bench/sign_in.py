"""Sign-in time on this machine, as the account's key derivation costs it (issue 17): an
account written today takes one Argon2id run for the sign-in verifier, the key that unwraps
the data key and the database role's password; one written before took two (a PHC hash to
verify, then the key-encryption key). The database's own part (its sign-in function and a
SCRAM login) is not in these figures: it is network-bound and well under an Argon2id run.

    python -m bench.sign_in
"""

from __future__ import annotations

import statistics
import time

from app import account_crypto as crypto

PASSWORD = "correct horse battery staple"
RUNS = 7


def _median(step: object) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        step()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    data_key, account = crypto.new_data_key(), "00000000-0000-7000-8000-00000000beef"
    salt, params = crypto.new_salt(), crypto.current_kdf_params()
    keys = crypto.password_keys(PASSWORD, salt, params)
    kept = crypto.verifier_hash(keys.verifier)
    wrapped, nonce = crypto.wrap_data_key(keys.wrapping_key, data_key, account)
    legacy_hash = crypto.hash_password(PASSWORD)
    legacy_kek = crypto.key_encryption_key(PASSWORD, salt, params)
    legacy_wrapped, legacy_nonce = crypto.wrap_data_key(legacy_kek, data_key, account)

    def one_run() -> None:
        found = crypto.password_keys(PASSWORD, salt, params)
        assert crypto.verifier_hash(found.verifier) == kept
        crypto.unwrap_data_key(found.wrapping_key, wrapped, nonce, account)

    def two_runs() -> None:
        assert crypto.verify_password(legacy_hash, PASSWORD)
        key = crypto.key_encryption_key(PASSWORD, salt, params)
        crypto.unwrap_data_key(key, legacy_wrapped, legacy_nonce, account)

    today, before = _median(one_run), _median(two_runs)
    print(f"Argon2id parameters: {params}")
    print(f"one run (accounts written now): {today * 1000:6.0f} ms, median of {RUNS}")
    print(f"two runs (accounts before):     {before * 1000:6.0f} ms, median of {RUNS}")
    print(f"  one run as a ratio to two:    {today / before:6.2f}")


if __name__ == "__main__":
    main()
