"""``spelled_alike``: the one helper every 'X is missing' message uses to point out a name
the list it shows holds in another spelling (the samples sheet's MAF barcodes, the groups
file's samples)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from sigforge._validation import spelled_alike

CAFE = "caf\u00e9"


def test_each_spelling_is_named_for_what_it_is() -> None:
    assert spelled_alike(CAFE, ["TS2", unicodedata.normalize("NFD", CAFE)]) == (
        unicodedata.normalize("NFD", CAFE),
        "in another Unicode form (composed or decomposed accents)")
    assert spelled_alike("S7", ["s7"]) == ("s7", "in another case")
    assert spelled_alike("S7", ["S\u200b7"]) == (
        "S\u200b7", "with an invisible character or another kind of space")
    assert spelled_alike("T 1", ["T\u00a01"]) == (
        "T\u00a01", "with an invisible character or another kind of space")
    assert spelled_alike("S7", ["S8", "S77"]) is None


@given(st.text(max_size=12), st.lists(st.text(max_size=12), max_size=5))
def test_a_name_is_never_its_own_other_spelling(name: str, others: list[str]) -> None:
    found = spelled_alike(name, [name, *others])
    assert found is None or found[0] != name
