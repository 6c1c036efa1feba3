# sigforge: VCFs -> SBS96 catalog -> bootstrapped NMF -> consensus -> rank -> refit -> reports.
# This file is a table of contents; the rules live in workflow/rules/, the maths in src/sigforge.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/catalog.smk"
include: "workflow/rules/extract.smk"
include: "workflow/rules/consensus.smk"
include: "workflow/rules/rank.smk"
include: "workflow/rules/refit.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        "results/report/cohort.html",
        "results/refit/SBS96/exposures.tsv",
        "results/refit/SBS96/reference/exposures.tsv",
