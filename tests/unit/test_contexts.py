"""Channel order, labels and classification of SBS96."""

from __future__ import annotations

from importlib import resources

import pytest

from sigforge.genomics.contexts import (
    SBS96_CHANNELS,
    detect_channel_set,
    normalise_sbs96_label,
    reverse_complement,
    sbs96_label,
)


def test_order_equals_the_shipped_cosmic_table() -> None:
    table = resources.files("sigforge.genomics.data") / "COSMIC_v3.6_SBS96_GRCh37.tsv"
    labels = [line.split("\t")[0] for line in table.read_text().splitlines()[1:]]
    assert tuple(labels) == SBS96_CHANNELS


def test_channels_are_96_distinct_pyrimidine_centred() -> None:
    assert len(set(SBS96_CHANNELS)) == 96
    assert all(label[2] in "CT" for label in SBS96_CHANNELS)


@pytest.mark.parametrize(("context", "alt", "label"), [
    ("ACA", "A", "A[C>A]A"),
    ("TCG", "T", "T[C>T]G"),
    ("TGT", "T", "A[C>A]A"),   # G>T on the forward strand is C>A on the reverse
    ("CAG", "G", "C[T>C]G"),   # A>G reverse-complemented: CAG -> CTG, G -> C
    ("ANA", "T", None),
    ("ACA", "N", None),
])
def test_sbs96_label(context: str, alt: str, label: str | None) -> None:
    assert sbs96_label(context, alt) == label


def test_reverse_complement() -> None:
    assert reverse_complement("ACGTN") == "NACGT"


@pytest.mark.parametrize(("raw", "standard"), [
    ("A[C>A]A", "A[C>A]A"), ("ACA>AAA", "A[C>A]A"), ("C>T:GCA", "G[C>T]A"),
    ("ACA>ACA", None), ("AGA>ATA", None), ("C>T:GTA", None), ("foo", None),
])
def test_label_styles(raw: str, standard: str | None) -> None:
    assert normalise_sbs96_label(raw) == standard


def test_detect_channel_set_needs_the_full_set() -> None:
    assert detect_channel_set(list(SBS96_CHANNELS))[0] == "SBS96"
    assert detect_channel_set(list(SBS96_CHANNELS[:95])) is None
    assert detect_channel_set(["word1", "word2"]) is None


@pytest.mark.parametrize(("filename", "channels"), [
    ("COSMIC_v3.6_DBS78_GRCh37.tsv", "DBS78_CHANNELS"),
    ("COSMIC_v3.6_ID83.tsv", "ID83_CHANNELS"),
])
def test_dbs_and_id_orders_equal_the_shipped_tables(filename: str, channels: str) -> None:
    import sigforge.genomics.contexts as contexts

    table = resources.files("sigforge.genomics.data") / filename
    labels = [line.split("\t")[0] for line in table.read_text().splitlines()[1:]]
    assert tuple(labels) == getattr(contexts, channels)
    assert detect_channel_set(labels[::-1])[0] == channels.split("_")[0]
