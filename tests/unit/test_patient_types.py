"""The per-patient page's doublet and indel sections, on the bundled example's VCFs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sigforge.cli import main
from sigforge.genomics import read_catalog

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources/example"


def refit_patient(tmp_path: Path, stem: str) -> Path:
    """`sigforge refit --vcf` of one example sample, its page under tmp_path/patients."""
    assert main(["-q", "refit", "--vcf", str(EXAMPLE / f"vcfs/{stem}.vcf"), "--reference",
                 str(EXAMPLE / "genome.fa"), "--signatures", "COSMIC_v3.6", "--bootstrap", "10",
                 "--page-dir", str(tmp_path), "--out", str(tmp_path / stem)]) == 0
    return tmp_path / "patients" / f"{stem}.html"


@pytest.mark.parametrize("context, truth", [("DBS78", "truth_DBS_exposures.tsv"),
                                            ("ID83", "truth_ID_exposures.tsv")])
def test_patient_doublets_and_indels_are_refitted_and_shown(tmp_path: Path, context: str,
                                                            truth: str) -> None:
    stem = "S01"
    page = refit_patient(tmp_path, stem).read_text()
    planted = read_catalog(EXAMPLE / truth).data[stem]
    planted = set(planted.index[planted > 0])
    assert planted, "S01 carries both companions in the example"
    exposures = read_catalog(tmp_path / stem / context / "exposures.tsv").data[stem]
    found = set(exposures.index[exposures > 0])
    assert planted <= found and len(found - planted) <= 1
    counts = read_catalog(tmp_path / stem / f"{context}.tsv").data[stem]
    assert abs(exposures.sum() - counts.sum()) < 1e-6 * counts.sum()
    section = page[page.index(f'id="type-{context.lower()}"'):]
    section = section[:section.index("</section>")]
    for name in planted:
        assert f"<td>{name}</td>" in section
    assert f"{int(counts.sum()):,}" in section and "_" + context in section


def test_a_sample_without_indels_says_so(tmp_path: Path) -> None:
    catalog = read_catalog(EXAMPLE / "truth_ID83.tsv").data
    stem = str(catalog.columns[catalog.sum() == 0][0])
    page = refit_patient(tmp_path, stem).read_text()
    assert 'id="type-id83-none"' in page and "No ID83 mutation was counted" in page
    exposures = pd.read_csv(tmp_path / stem / "ID83/exposures.tsv", sep="\t", index_col=0)
    assert (exposures[stem] == 0).all()


def test_restrict_to_names_of_several_tables_restrict_each_of_them(tmp_path: Path) -> None:
    """--restrict-to SBS4,SBS13,DBS2 on a patient: the SBS96 refit uses exactly SBS4 and SBS13,
    the DBS78 refit exactly DBS2, and ID83 (none of its names given) the whole table less
    artefacts, as without the option."""
    stem = "S01"
    assert main(["-q", "refit", "--vcf", str(EXAMPLE / f"vcfs/{stem}.vcf"), "--reference",
                 str(EXAMPLE / "genome.fa"), "--signatures", "COSMIC_v3.6", "--bootstrap", "0",
                 "--restrict-to", "SBS4,DBS2,SBS13", "--out", str(tmp_path / stem)]) == 0
    tables = {context: pd.read_csv(tmp_path / stem / path, sep="\t", index_col=0)
              for context, path in (("SBS96", "exposures.tsv"),
                                    ("DBS78", "DBS78/exposures.tsv"),
                                    ("ID83", "ID83/exposures.tsv"))}
    assert list(tables["SBS96"].index) == ["SBS4", "SBS13"]
    assert list(tables["DBS78"].index) == ["DBS2"]
    assert len(tables["ID83"].index) > 10 and "ID1" in tables["ID83"].index


def test_restrict_to_a_name_of_no_table_is_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-q", "refit", "--vcf", str(EXAMPLE / "vcfs/S01.vcf"), "--reference",
                 str(EXAMPLE / "genome.fa"), "--signatures", "COSMIC_v3.6", "--bootstrap", "0",
                 "--restrict-to", "SBS4,DBS99", "--out", str(tmp_path / "S01")])
    message = capsys.readouterr().err
    assert code == 2 and "['DBS99']" in message and "none of the set's tables" in message
    assert "DBS78: DBS1" in message
    assert not (tmp_path / "S01").exists()


def test_cohort_patient_pages_show_the_doublet_refit_to_the_reference_set(
        tmp_path: Path) -> None:
    """The workflow's patient pages showed SBS96 only, although the workflow refits every
    sample's doublets and indels to COSMIC: each page now gets the sections ``refit --vcf``
    gives a patient, from ``refit/{type}/reference/`` (its exposures and intervals)."""
    import numpy as np

    from sigforge.genomics.reference import load_reference
    from sigforge.refit import RefitOptions, refit_catalog
    from sigforge.report.cohort import CohortData, write_patient_report
    from sigforge.report.context_data import NOT_FACTORED, ContextResults
    from sigforge.report.tables import fmt_float

    sbs = read_catalog(EXAMPLE / "truth_catalog.tsv").data
    signatures = read_catalog(EXAMPLE / "truth_signatures.tsv").data.loc[sbs.index]
    exposures = read_catalog(EXAMPLE / "truth_exposures.tsv").data[sbs.columns]
    doublets = read_catalog(EXAMPLE / "truth_DBS78.tsv").data[sbs.columns]
    cosmic = load_reference("COSMIC_v3.6", channel_set="DBS78").data.loc[doublets.index]
    refit = refit_catalog(doublets, cosmic, RefitOptions(bootstrap=20))
    context = ContextResults(name="DBS78", catalog=doublets, status=NOT_FACTORED,
                             reference=cosmic, reference_exposures=refit.exposures,
                             reference_intervals=refit.intervals)
    data = CohortData(
        match_label="COSMIC",
        catalog=sbs, catalog_log=pd.DataFrame({"source": "x.vcf", "variants_read": sbs.sum(),
                                               "counted_SBS96": sbs.sum()}),
        rank_metrics=pd.DataFrame(), chosen_rank=len(signatures.columns), rank_rule="",
        signatures=signatures,
        stability=pd.DataFrame({"stability": 1.0, "spread": 0.0}, index=signatures.columns),
        exposures=exposures,
        reconstruction=pd.DataFrame({"burden": sbs.sum(), "cosine": 0.99,
                                     "kl_divergence": 0.0}),
        reference_matches=pd.DataFrame({"reference": signatures.columns, "cosine": 1.0},
                                       index=signatures.columns),
        run_info={}, files={}, contexts=(context,))
    planted = read_catalog(EXAMPLE / "truth_DBS_exposures.tsv").data
    with_doublets = str(doublets.columns[doublets.sum() > 20][0])
    without = str(doublets.columns[doublets.sum() == 0][0])
    page = write_patient_report(data, with_doublets, tmp_path, with_doublets).read_text()
    section = page[page.index('id="type-dbs78"'):]
    section = section[:section.index("</section>")]
    expected = planted[with_doublets][planted[with_doublets] > 0].index
    assert len(expected) and all(f"<td>{name}</td>" in section for name in expected)
    assert f"{int(doublets[with_doublets].sum()):,}" in section
    fitted = cosmic[refit.exposures.index].to_numpy() @ refit.exposures[with_doublets].to_numpy()
    counts = doublets[with_doublets].to_numpy(np.float64)
    cosine = counts @ fitted / np.linalg.norm(counts) / np.linalg.norm(fitted)
    assert f"cosine {fmt_float(cosine)}" in section or f">{fmt_float(cosine)}<" in section
    page = write_patient_report(data, without, tmp_path, without).read_text()
    assert 'id="type-dbs78-none"' in page and "No DBS78 mutation was counted" in page
    assert 'id="type-id83' not in page  # no indel refit in this cohort: no section


def test_a_reused_type_figure_draws_each_page_as_a_fresh_one_would(tmp_path: Path) -> None:
    """Patient pages refill one DBS78 and one ID83 figure per process: a page's figure files
    must not depend on the pages drawn before it (pages are identical whatever the number of
    worker processes)."""
    import numpy as np

    from sigforge.genomics.contexts import CHANNEL_SETS
    from sigforge.report.patient_types import TypeRefit, type_section

    (tmp_path / "patients").mkdir()
    rng = np.random.default_rng(3)
    for context in ("DBS78", "ID83"):
        channels = list(CHANNEL_SETS[context])
        refits = [TypeRefit(context, pd.Series(rng.poisson(scale, len(channels)),
                                               index=channels, name=f"P{scale}"),
                            pd.Series([5.0], index=["X"]), 0.9) for scale in (2, 40)]
        written = {}
        for refit in (refits[0], refits[1], refits[0]):
            type_section(refit, tmp_path, "page", {})
            files = sorted((tmp_path / "figures" / "patients").glob(f"page_{context}.*"))
            written.setdefault(refit.catalog.name, []).append(
                [path.read_bytes() for path in files])
        assert len(written["P2"][0]) == 2 and written["P2"][0] == written["P2"][1]
        assert written["P2"][0] != written["P40"][0]
