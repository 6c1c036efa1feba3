"""The patient page's decisions: order, collapsing, uncertainty, aetiology threshold, Reading.

Built to stop the page overstating a noisy sample: 40 reference signatures listed by name
with most at 0, an exposure whose interval is 0-74 reported as "accounts for a further 12%",
and a 0.82 cosine match shown with that COSMIC signature's aetiology.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.report.patient_rows import (
    AETIOLOGY_MIN_COSINE,
    REGION_COLUMNS,
    aetiology_text,
    balance_shown,
    describe_sample,
    exposure_row,
    interval_text,
    is_close_match,
    is_uncertain,
    order_rows,
    region_rows,
    split_found,
    unexplained_share,
)
from sigforge.report.reference_refit import established_counts, present_signatures
from sigforge.report.tables import MISSING

NAN3 = (math.nan, math.nan, math.nan)
AETIOLOGY = {"SBS1": "clock-like", "SBS5": "clock-like, unknown", "SBS22b": "aristolochic acid"}


def _row(name: str, value: float, total: float = 469.0, interval: tuple[float, float, float]
         = NAN3, match: tuple[str, float] | None = None) -> dict[str, object]:
    return exposure_row(name, value, total, interval, match or (name, 1.0), AETIOLOGY,
                        label="COSMIC")


def test_rows_are_ordered_by_exposure_then_name_and_zeros_collapse() -> None:
    rows = [_row("SBS5", 100.0), _row("SBS1", 300.0), _row("SBS2", 0.0), _row("SBS13", 100.0),
            _row("SBS10a", 0.0)]
    # equal exposures by name with numbers read as numbers: SBS5 before SBS13, SBS2 before
    # SBS10a (plain string order listed SBS100-SBS109 before SBS10a and SBS2)
    assert [r["signature"] for r in order_rows(rows)] == [
        "SBS1", "SBS5", "SBS13", "SBS2", "SBS10a"]
    found, absent = split_found(rows)
    assert [r["signature"] for r in found] == ["SBS1", "SBS5", "SBS13"]
    assert [r["signature"] for r in absent] == ["SBS2", "SBS10a"]


def test_uncertain_means_the_interval_includes_zero() -> None:
    assert is_uncertain(56.0, 0.0)
    assert not is_uncertain(56.0, 3.0)
    assert not is_uncertain(56.0, math.nan)  # no intervals: no claim either way
    assert not is_uncertain(0.0, 0.0)  # unused signatures are "not found", not uncertain
    assert _row("SBS22b", 56.0, interval=(0.0, 74.0, 0.32))["uncertain"] is True
    assert _row("SBS1", 300.0, interval=(250.0, 340.0, 1.0))["uncertain"] is False
    assert interval_text(0.0, 74.2) == "0 – 74"
    assert interval_text(0.3, 74.2) == "0.3 – 74"  # excludes 0: must not read as "0 – 74"
    assert interval_text(math.nan, math.nan) == ""
    assert interval_text(0.6986, 0.6986) == "0.7 – 0.7"  # not "0.7 – 1": ends alike
    # whole-numbered resamples (a one-signature fit) at B = 99 give a lower end of exactly
    # 0.5: established (>= half a mutation), and it read "0 – 8" without the badge
    assert not is_uncertain(4.0, 0.5)
    assert interval_text(0.5, 8.0) == "0.5 – 8"
    assert interval_text(0.96, 2.5) == "1.0 – 3"  # halves round away from zero
    assert interval_text(1.5, 2.5) == "2 – 3"


def test_aetiology_only_for_close_matches() -> None:
    assert AETIOLOGY_MIN_COSINE == 0.9
    assert aetiology_text("SBS96A", "SBS1", 0.95, AETIOLOGY) == "clock-like"
    assert aetiology_text("SBS96B", "SBS5", 0.82, AETIOLOGY, "COSMIC") == (
        "no close COSMIC match (best: SBS5, cosine 0.82)")
    # 0.897 must not read as "0.90" beside a 0.9 threshold.
    assert "cosine 0.897" in aetiology_text("X", "SBS5", 0.897, AETIOLOGY)
    assert aetiology_text("SBS22b", "SBS22b", 1.0, AETIOLOGY) == "aristolochic acid"
    assert aetiology_text("X", MISSING, math.nan, AETIOLOGY, "COSMIC") == (
        "no COSMIC match on record")
    assert is_close_match("SBS1", 0.9) and not is_close_match("SBS1", 0.8999)


def test_reading_states_only_established_signatures() -> None:
    rows = [_row("SBS1", 300.0, interval=(250.0, 340.0, 1.0), match=("SBS1", 1.0)),
            _row("SBS5", 113.0, interval=(60.0, 160.0, 0.98), match=("SBS5", 1.0)),
            _row("SBS22b", 56.0, interval=(0.0, 74.0, 0.32), match=("SBS22b", 1.0)),
            _row("SBS2", 0.0, interval=(0.0, 0.0, 0.0))]
    reading = " ".join(describe_sample(469, rows, 0.93))
    assert "attributed to SBS1" in reading
    assert "SBS5 accounts for a further 24%" in reading
    assert "SBS22b accounts" not in reading and "SBS22b (" in reading
    assert ("Possibly present (its interval includes 0): SBS22b (used in 32% of "
            "resamples)") in reading
    assert "SBS2" not in reading.replace("SBS22b", "")


def test_reading_when_every_signature_is_uncertain() -> None:
    rows = [_row("SBS40a", 200.0, interval=(0.0, 300.0, 0.6)),
            _row("SBS3", 100.0, interval=(0.0, 180.0, 0.4))]
    reading = describe_sample(300, rows, 0.7)
    assert reading[0] == ("No signature is established in this sample's 300 SNVs: the "
                          "bootstrap interval of every signature used in the fit includes 0.")
    assert reading[1].startswith("Possibly present (its interval includes 0): SBS40a (used "
                                 "in 60% of resamples), SBS3 (used in 40% of resamples).")
    assert "accounts for" not in " ".join(reading) and "attributed to" not in " ".join(reading)
    assert "loose fit" in reading[2]


def test_reading_says_once_rounded_only_of_a_lower_end_above_0() -> None:
    """Every uncertain row was said to include 0 "once rounded to whole mutations", also
    those whose lower end is 0 itself (604 of 608 in a sweep), understating them."""
    rows = [_row("SBS40a", 200.0, interval=(0.3, 300.0, 0.97)),
            _row("SBS3", 100.0, interval=(0.0, 180.0, 0.4))]
    reading = describe_sample(300, rows, 0.7)
    assert reading[1].startswith("Possibly present (its interval includes 0 once rounded to "
                                 "whole mutations): SBS40a")


def test_the_readings_shares_add_up_as_the_tables_do() -> None:
    """Each share rounded alone read 30% + 26% + 26% + 19% = 101% beside a table of 29.8%,
    25.5%, 25.5% and 19.2%."""
    rows = [_row(name, value, total=1999.0, interval=(value / 2, value * 2, 1.0),
                 match=(name, 1.0))
            for name, value in (("A", 595.2), ("B", 510.7), ("C", 510.0), ("D", 383.1))]
    reading = " ".join(describe_sample(1999, rows, 0.97))
    shares = [int(share) for share in re.findall(r"(\d+)%", reading)]
    assert sum(shares) == 100, reading


def test_reading_without_intervals_states_every_used_signature() -> None:
    rows = [_row("A", 40.0, total=100.0, match=("SBS1", 0.95)),
            _row("B", 55.0, total=100.0, match=("SBS5", 0.82)),
            _row("C", 5.0, total=100.0, match=("SBS2", 0.99))]
    reading = describe_sample(100, rows, math.nan)
    assert reading[0].startswith("Most of this sample's 100 SNVs (55%) are attributed to B, "
                                 "whose closest COSMIC signature, SBS5, is only a weak match")
    assert reading[1].startswith("A accounts for a further 40%")
    assert reading[2] == "Smaller contributions: C (5%)."
    assert len(reading) == 3


def test_lead_does_not_call_a_finding_the_largest_share_when_an_uncertain_one_is_larger(
) -> None:
    rows = [_row("SBS1", 100.0, total=400.0, interval=(20.0, 150.0, 1.0)),
            _row("SBS40a", 300.0, total=400.0, interval=(0.0, 350.0, 0.7))]
    reading = describe_sample(400, rows, 0.95)
    assert reading[0].startswith("Of this sample's 400 SNVs, 25% are attributed to SBS1")


def test_shares_of_fewer_attributed_mutations_than_snvs_say_what_they_are_of() -> None:
    """An NNLS or cosine refit does not keep the total: exposures summing to 430 of 469 SNVs
    gave "Most of this sample's 469 SNVs (70%) are attributed to SBS1" for 300 mutations,
    64% of the SNVs named. The reading names the 430 the shares are of; a total within
    half a percent of the SNVs (as the default refit keeps it) reads as before."""
    rows = [_row("SBS1", 300.0, total=430.0), _row("SBS5", 130.0, total=430.0)]
    reading = describe_sample(469, rows, 0.95)
    assert reading[0].startswith("Most (70%) of the 430 mutations the fit attributes (of "
                                 "this sample's 469 SNVs) are attributed to SBS1")
    rows = [_row("SBS1", 150.0, total=430.0), _row("SBS5", 140.0, total=430.0),
            _row("SBS2", 140.0, total=430.0)]
    assert describe_sample(469, rows, 0.95)[0].startswith(  # one bracket after another read
        "The largest share (35%) of the 430 mutations the fit attributes (of this sample's "
        "469 SNVs) is attributed to SBS1")
    close = [_row("SBS1", 300.0, total=468.0), _row("SBS5", 168.0, total=468.0)]
    assert describe_sample(469, close, 0.95)[0].startswith(
        "Most of this sample's 469 SNVs (64%) are attributed to SBS1")


def test_unexplained_share() -> None:
    observed = np.array([10.0, 0.0, 10.0])
    assert unexplained_share(observed, observed) == 0.0
    assert unexplained_share(observed, np.array([0.0, 20.0, 0.0])) == 1.0
    assert unexplained_share(observed, np.array([5.0, 5.0, 10.0])) == pytest.approx(0.25)
    assert math.isnan(unexplained_share(np.zeros(3), np.zeros(3)))
    # a fit attributing fewer mutations than observed (no signature produces a channel; NNLS):
    # nothing fitted is all unexplained (half the absolute residual said 50%), and a fit of
    # half the counts leaves at least that half
    assert unexplained_share(observed, np.zeros(3)) == 1.0
    assert unexplained_share(observed, np.array([0.0, 0.0, 10.0])) == 0.5


def test_tied_exposures_are_ordered_by_name_and_neither_is_most() -> None:
    """16 and 16 from a fit differ in their last bits: that decided which was listed first,
    and the Reading called an exact half "Most ... (50%)"."""
    rows = [_row("SigB", 16.000000000000004, 32.0, (5.0, 25.0, 1.0)),
            _row("SigA", 15.999999999999996, 32.0, (5.0, 25.0, 1.0))]
    assert [row["signature"] for row in order_rows(rows)] == ["SigA", "SigB"]
    reading = describe_sample(32, rows, 0.9)
    assert reading[0].startswith("The largest share of this sample's 32 SNVs (50%) is "
                                 "attributed to SigA")


def test_a_fit_explaining_none_of_the_snvs_does_not_say_none_were_counted() -> None:
    reading = describe_sample(20, [_row("SigA", 0.0, 20.0)], math.nan)
    assert reading == ["None of this sample's 20 SNVs is explained by a signature of the "
                       "reference set (no signature can produce their channels), so none is "
                       "attributed."]


def test_region_rows_format_and_check_columns() -> None:
    frame = pd.DataFrame([["TP53 <b>", "17", 7675088, "C", "T", "ACG", "A[C>T]G", "SBS1",
                           0.8734]], columns=list(REGION_COLUMNS))
    assert region_rows(frame) == [["TP53 <b>", "17", "7675088", "C", "T", "ACG", "A[C>T]G",
                                   "SBS1", "0.873"]]
    assert region_rows(frame.iloc[:0]) == []
    with pytest.raises(ValueError, match="probability"):
        region_rows(frame.drop(columns=["probability"]))


def test_reference_refit_keeps_used_signatures_by_total() -> None:
    exposures = pd.DataFrame({"P1": [0.0, 5.0, 50.0, 5.0], "P2": [0.0, 10.0, 0.0, 10.0]},
                             index=["SBS2", "SBS5", "SBS1", "SBS13"])
    assert list(present_signatures(exposures).index) == ["SBS1", "SBS13", "SBS5"]
    intervals = pd.DataFrame({"signature": ["SBS1", "SBS5", "SBS5"], "lower": [3.0, 0.0, 2.0]},
                             index=["P1", "P1", "P2"])
    assert established_counts(intervals, ["SBS1", "SBS5", "SBS13"]) == {
        "SBS1": 1, "SBS5": 1, "SBS13": 0}
    assert established_counts(None, ["SBS1"]) == {}


def test_refit_page_reads_regions_of_interest_when_written(tmp_path: Path) -> None:
    """``sigforge refit --vcf`` shows out/regions_of_interest.tsv; no file, no section."""
    from sigforge.cli.patient_page import _regions_of_interest

    assert _regions_of_interest(tmp_path) is None
    (tmp_path / "regions_of_interest.tsv").write_text("")
    assert region_rows(_regions_of_interest(tmp_path)) == []
    (tmp_path / "regions_of_interest.tsv").write_text(
        "\t".join(REGION_COLUMNS) + "\nchr1:1-9 <i>\tchr1\t5\tC\tA\tACA\tA[C>A]A\tSBS1\t0.5\n")
    assert region_rows(_regions_of_interest(tmp_path)) == [
        ["chr1:1-9 <i>", "chr1", "5", "C", "A", "ACA", "A[C>A]A", "SBS1", "0.500"]]


def test_shown_parts_add_up_to_the_shown_total() -> None:
    """Five exposures summing to 2,121 (a 200-signature refit) were shown as 694 + 574 + 457 +
    361 + 36 = 2,122, and their shares as 99.9%: rounded by largest remainder they add up."""
    values = [694.45, 574.45, 457.45, 361.4, 33.25]  # 2,121.0
    rows = [_row(f"S{i}", v, 2121.0) for i, v in enumerate(values)] + [_row("Z", 0.0, 2121.0)]
    shown = balance_shown(rows)
    assert sum(int(row["mutations"].replace(",", "")) for row in shown) == 2121
    assert [row["mutations"] for row in rows] == ["694", "574", "457", "361", "33", "0"]
    assert sum(float(row["percent"].rstrip("%")) for row in shown[:5]) == pytest.approx(100.0)
    assert shown[5]["mutations"] == "0" and [r["value"] for r in shown] == values + [0.0]
