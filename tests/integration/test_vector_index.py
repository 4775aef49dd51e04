"""The vector file on its own (issue 19): vectors added after the first search are found
by the next one, without reading the file again; a damaged file is made anew, empty."""

from __future__ import annotations

import random
from pathlib import Path

from domain.meaning import DIMENSIONS, Passage, unit
from repositories.vectors import NumpyVectorIndex


def test_vectors_added_after_a_search_are_found_and_a_damaged_file_is_remade(
    tmp_path: Path,
) -> None:
    rng = random.Random(19)

    def vector() -> list[float]:
        return unit([rng.gauss(0, 1) for _ in range(DIMENSIONS)])

    index = NumpyVectorIndex(tmp_path)
    index.reset("test/model/128")
    index.add([Passage(f"m{n}", "c", "text") for n in range(200)],
              [vector() for _ in range(200)], 200)  # fmt: skip
    assert len(index.nearest(vector(), 5)) == 5  # (the signs are read into memory now)
    newest = vector()
    index.add([Passage("newest", "c", "text")], [newest], 201)
    (best,) = index.nearest(newest, 1)
    assert best[0] == "newest" and best[1] > 0.99
    assert (index.count(), index.done_upto(), index.key()) == (201, 201, "test/model/128")
    index.close()

    (tmp_path / "vectors.db").write_bytes(b"\x00damaged" * 512)
    again = NumpyVectorIndex(tmp_path)
    assert (again.key(), again.count(), again.nearest(newest, 1)) == (None, 0, [])
    again.close()
