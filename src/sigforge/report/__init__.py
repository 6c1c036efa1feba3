"""HTML reports: cohort and patient pages (:mod:`.cohort`), generic matrix pages (:mod:`.matrix`).

Figures are matplotlib (Agg), pages Jinja2 templates shipped in ``templates/``. May import
the library (:mod:`sigforge.genomics`, :mod:`sigforge.discovery`, :mod:`sigforge.refit`,
:mod:`sigforge.io`); never :mod:`sigforge.cli` or :mod:`sigforge.workflow`.
"""

from sigforge.report.cohort import (
    CAVEAT,
    DBS78_COLOURS,
    ID83_COLOURS,
    SBS96_PLOT_ORDER,
    SUBSTITUTION_COLOURS,
    CohortData,
    plot_dbs78,
    plot_exposure_heatmap,
    plot_exposures,
    plot_id83,
    plot_rank_selection,
    plot_reconstruction,
    plot_sbs96,
    plot_signature_panel,
    plot_spectrum,
    write_cohort_report,
    write_patient_report,
    write_reports,
)
from sigforge.report.matrix import (
    MatrixReportData,
    plot_component_bars,
    plot_component_images,
    plot_rank_metrics,
    top_features,
    write_matrix_report,
)

__all__ = [
    "CAVEAT", "DBS78_COLOURS", "ID83_COLOURS", "SBS96_PLOT_ORDER", "SUBSTITUTION_COLOURS",
    "CohortData", "MatrixReportData", "plot_component_bars", "plot_component_images", "plot_dbs78",
    "plot_exposure_heatmap", "plot_exposures", "plot_id83", "plot_rank_metrics",
    "plot_rank_selection", "plot_reconstruction", "plot_sbs96", "plot_signature_panel",
    "plot_spectrum", "top_features", "write_cohort_report", "write_matrix_report",
    "write_patient_report", "write_reports",
]
