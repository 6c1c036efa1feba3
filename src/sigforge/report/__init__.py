"""HTML reports: cohort (:mod:`.cohort`), patient (:mod:`.patient`) and generic matrix pages
(:mod:`.matrix`), all drawn with one stack.

The stack: :mod:`.figures` (figure saving and the shared plots: exposures, heatmap, rank
selection, component bars), :mod:`.sbs96` and :mod:`.spectra` (SBS96, DBS78 and ID83 spectra),
:mod:`.tables` (cell formatting, table objects), :mod:`.pages` (the Jinja2 environment, page
writing, safe links), :mod:`.cohort_data` (the checked inputs of the cohort and patient
pages), :mod:`.context_data` and :mod:`.context_section` (one mutation type's section of the
cohort page: its results, per-sample reconstruction quality, and what the section shows),
:mod:`.diagnostics` (quality, burden, de novo x reference cosine and exposure-interval
figures), :mod:`.patient_rows` (what a patient page states and withholds: order, uncertain
exposures, the aetiology threshold, the Reading) and :mod:`.reference_refit` (the Refit to
COSMIC part of a section). Figures are matplotlib (Agg), pages Jinja2 templates
shipped in ``templates/`` (``base.html.j2`` and ``macros.html.j2`` shared by every page;
``context.html.j2`` the per-type section). May import
the library (:mod:`sigforge.genomics`, :mod:`sigforge.discovery`, :mod:`sigforge.refit`,
:mod:`sigforge.io`); never :mod:`sigforge.cli` or :mod:`sigforge.workflow`.
"""

from sigforge.report.cohort import write_cohort_report, write_reports
from sigforge.report.cohort_data import CohortData
from sigforge.report.figures import (
    plot_component_bars,
    plot_exposure_heatmap,
    plot_exposures,
    plot_rank_selection,
    top_features,
)
from sigforge.report.matrix import (
    MatrixReportData,
    plot_component_images,
    plot_rank_metrics,
    write_matrix_report,
)
from sigforge.report.patient import CAVEAT, write_patient_report
from sigforge.report.sbs96 import (
    SBS96_PLOT_ORDER,
    SUBSTITUTION_COLOURS,
    plot_reconstruction,
    plot_sbs96,
    plot_signature_panel,
)
from sigforge.report.spectra import (
    DBS78_COLOURS,
    ID83_COLOURS,
    plot_dbs78,
    plot_id83,
    plot_spectrum,
)

__all__ = [
    "CAVEAT", "DBS78_COLOURS", "ID83_COLOURS", "SBS96_PLOT_ORDER", "SUBSTITUTION_COLOURS",
    "CohortData", "MatrixReportData", "plot_component_bars", "plot_component_images", "plot_dbs78",
    "plot_exposure_heatmap", "plot_exposures", "plot_id83", "plot_rank_metrics",
    "plot_rank_selection", "plot_reconstruction", "plot_sbs96", "plot_signature_panel",
    "plot_spectrum", "top_features", "write_cohort_report", "write_matrix_report",
    "write_patient_report", "write_reports",
]
