"""Search by meaning's own rules (issue 19): passages of a long message, vectors cut and
scaled, and reciprocal-rank fusion."""

from __future__ import annotations

import math

from domain.meaning import CHUNK, DIMENSIONS, RRF_K, fuse, passages, unit


def test_a_long_message_is_embedded_a_chunk_at_a_time() -> None:
    assert passages("m", "c", "   ") == []
    (one,) = passages("m", "c", " Short. ")
    assert one.text == "Short." and (one.message_id, one.chat_id) == ("m", "c")
    long = "x" * (2 * CHUNK + 5)
    assert [len(p.text) for p in passages("m", "c", long)] == [CHUNK, CHUNK, 5]


def test_vectors_are_cut_to_the_dimensions_and_made_unit_length() -> None:
    vector = unit([3.0, 4.0] + [0.0] * (DIMENSIONS + 50))
    assert len(vector) == DIMENSIONS and vector[:2] == [0.6, 0.8]
    assert math.isclose(sum(v * v for v in vector), 1.0)
    assert unit([0.0] * DIMENSIONS) == [0.0] * DIMENSIONS  # (nothing to scale)


def test_fusion_rewards_what_both_rankings_place_high() -> None:
    scores = fuse([["a", "b", "c"], ["c", "d"]])
    assert scores["c"] == 1 / (RRF_K + 3) + 1 / (RRF_K + 1)
    assert max(scores, key=scores.__getitem__) == "c"
    assert scores["a"] > scores["b"] == scores["d"]  # (second in one ranking each)
