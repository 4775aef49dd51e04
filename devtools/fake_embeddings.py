"""Embeddings without a model, for the tests' and the benchmarks' local servers: a hashed
bag of words, deterministic, in which texts sharing words (or the synonyms below) are near
each other, as a real model's would be."""

from __future__ import annotations

import hashlib
import re

SYNONYMS = {
    "automobile": "car",
    "vehicle": "car",
    "mechanic": "repair",
    "fix": "repair",
    "engine": "motor",
    "dessert": "cake",
    "baking": "cake",
    "chocolate": "cocoa",
}
"""Words the fake embeddings take for one another: texts with no word in common still
come out near each other, as a real model's would."""


def fake_vector(text: str, size: int) -> list[float]:
    """`size` values: a word's (or its synonym's) hash picks the one it counts in."""
    vector = [0.0] * size
    for word in re.findall(r"[a-z]+", text.lower()):
        word = SYNONYMS.get(word.rstrip("s"), SYNONYMS.get(word, word.rstrip("s")))
        if len(word) < 3:
            continue
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % size] += 1.0
    return vector
