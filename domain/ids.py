"""Time-ordered UUIDv7 ids: made on the client, compact in indexes, sortable."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> str:
    """Return a UUIDv7 string, strictly increasing within this process."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:  # 12-bit sequence exhausted: borrow the next millisecond
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave room to count up
        rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= _counter << 64
        value |= 0b10 << 62
        value |= rand_b
        return str(uuid.UUID(int=value))


def stable_id(seed: str, at_ms: int) -> str:
    """A UUIDv7 made from `seed` (the same seed, the same id: an import made twice adds
    nothing) and the moment `at_ms` (milliseconds since 1970), so it sorts as v7 ids do."""
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:10], "big")
    value = (max(at_ms, 0) & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (digest >> 68) << 64  # 12 bits
    value |= 0b10 << 62
    value |= digest & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
