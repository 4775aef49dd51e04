"""The vector file on its own (issue 19): vectors added after the first search are found
by the next one, without reading the file again; a source embedded again (an edited note)
or forgotten leaves no old vector behind; messages gone from the store are dropped; a
damaged file is made anew, empty."""

from __future__ import annotations

import random
from pathlib import Path

from domain.meaning import DIMENSIONS, MESSAGE, NOTE, Passage, Source, unit
from repositories.vectors import NumpyVectorIndex


def test_vectors_added_after_a_search_are_found_and_a_damaged_file_is_remade(
    tmp_path: Path,
) -> None:
    rng = random.Random(19)

    def vector() -> list[float]:
        return unit([rng.gauss(0, 1) for _ in range(DIMENSIONS)])

    index = NumpyVectorIndex(tmp_path)
    index.reset("test/model/128")
    sources = [Source(MESSAGE, str(n)) for n in range(200)]
    index.add([(s, "") for s in sources], [Passage(s, "text") for s in sources],
              [vector() for _ in range(200)], 200)  # fmt: skip
    assert len(index.nearest(vector(), 5)) == 5  # (the signs are read into memory now)
    newest, note = vector(), Source(NOTE, "n1")
    index.add([(note, "v1")], [Passage(note, "text")], [newest])
    (best,) = index.nearest(newest, 1)
    assert best[0] == note and best[1] > 0.99
    assert index.marks(NOTE) == {"n1": "v1"}
    # A note edited: its new vector stands in place of the old one, found at once.
    edited = vector()
    index.add([(note, "v2")], [Passage(note, "text")], [edited])
    assert index.nearest(newest, 1)[0][0] != note and index.nearest(edited, 1)[0][0] == note
    # Messages no longer in the store are dropped; those not done yet are named.
    assert index.missing([*range(1, 200), 500, 501]) == [500, 501]
    assert index.vectors_of(Source(MESSAGE, "0")) == []
    assert len(index.vectors_of(Source(MESSAGE, "1"))) == 1
    assert (index.count(), index.done_upto(), index.key()) == (199, 200, "test/model/128")

    index.forget([note])
    assert index.marks(NOTE) == {} and index.nearest(edited, 1)[0][0] != note
    index.close()

    (tmp_path / "vectors.db").write_bytes(b"\x00damaged" * 512)
    again = NumpyVectorIndex(tmp_path)
    assert (again.key(), again.count(), again.nearest(newest, 1)) == (None, 0, [])
    again.close()


def test_vectors_another_process_adds_are_found_by_the_next_search(tmp_path: Path) -> None:
    """The command line embedding while the window runs: the window's signs in memory are
    read again once the file has changed under it; its own changes need no reading."""
    rng = random.Random(7)

    def vector() -> list[float]:
        return unit([rng.gauss(0, 1) for _ in range(DIMENSIONS)])

    window, command = NumpyVectorIndex(tmp_path), NumpyVectorIndex(tmp_path)
    window.reset("test/model/128")
    first = Source(MESSAGE, "1")
    window.add([(first, "")], [Passage(first, "text")], [vector()], 1)
    assert [near.source for near in window.nearest(vector(), 5)] == [first]
    added, wanted = Source(MESSAGE, "2"), vector()
    command.add([(added, "")], [Passage(added, "text")], [wanted], 2)
    assert window.nearest(wanted, 1)[0].source == added
    again, other = Source(MESSAGE, "3"), vector()
    window.add([(again, "")], [Passage(again, "text")], [other], 3)  # (its own: kept up)
    assert window.nearest(other, 1)[0].source == again
    command.reset("test/other/128")
    assert window.nearest(other, 1) == []
    window.close()
    command.close()
