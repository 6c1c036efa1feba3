"""The agreement of a generic run's files that ``matrix-report`` draws side by side: the
matrix, the extract folder and the refit folder must be of one run, checked as ``report``
checks a mutation run's (:mod:`sigforge.cli.report_contexts`, :mod:`.refit_record`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigforge.report.matrix import MatrixReportData


def check_one_run(data: MatrixReportData, matrix_path: str, extract_dir: Path,
                   refit_dir: Path) -> None:
    """Refuse a matrix, extract and refit that disagree on features, samples or components,
    with the checks (and messages) of ``report``: files of different runs would otherwise
    be drawn side by side without a word."""
    from sigforge.cli.refit_record import check_refit_record
    from sigforge.cli.report_contexts import (
        check_factored_catalog,
        check_rank_count,
        check_refit_burdens,
        check_same_labels,
        refit_samples,
    )

    source, signatures = Path(matrix_path), extract_dir / "signatures.tsv"
    check_rank_count(data.signatures, data.chosen_rank, data.provenance, extract_dir)
    check_same_labels(data.signatures.index, data.matrix.index, signatures, "features", source)
    kept = refit_samples(data.matrix, data.exposures.columns, refit_dir / "exposures.tsv",
                         source)
    check_same_labels(data.exposures.index, data.signatures.columns,
                      refit_dir / "exposures.tsv", "signatures", signatures)
    check_same_labels(data.reconstruction.index, kept.columns, refit_dir / "reconstruction.tsv",
                      "samples", source)
    check_same_labels(data.stability.index, data.signatures.columns,
                      extract_dir / "stability.tsv", "signatures", signatures)
    check_refit_burdens(kept, data.reconstruction, refit_dir / "reconstruction.tsv", source)
    check_factored_catalog(data.matrix, data.provenance, extract_dir, source)
    check_refit_record(refit_dir, kept, source, signatures)
