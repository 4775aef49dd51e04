"""Search by meaning's own rules (issue 19): passages of a long message, vectors cut and
scaled, and reciprocal-rank fusion."""

from __future__ import annotations

import math

from domain.meaning import CHUNK, DIMENSIONS, MESSAGE, RRF_K, Source, fuse, mean, passages, unit


def test_a_long_message_is_embedded_a_chunk_at_a_time() -> None:
    source = Source(MESSAGE, "7")
    assert passages(source, "   ") == []
    (one,) = passages(source, " Short. ")
    assert one.text == "Short." and one.source == source
    long = "x" * (2 * CHUNK + 5)
    assert [(len(p.text), p.part) for p in passages(source, long)] == [
        (CHUNK, 0), (CHUNK, 1), (5, 2)]  # fmt: skip
    assert [len(p.text) for p in passages(source, long, most=2)] == [CHUNK, CHUNK]


def test_a_long_message_as_a_whole_is_its_chunks_average() -> None:
    assert mean([[1.0, 0.0], [0.0, 1.0]]) == unit([0.5, 0.5])


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
