# sigforge: VCFs -> SBS96 catalog -> bootstrapped NMF -> consensus -> rank -> refit -> reports.
# With `type: matrix` or `type: joint` a generic table replaces the VCFs (workflow/rules/matrix.smk).
# This file is a table of contents; the rules live in workflow/rules/, the maths in src/sigforge.
from snakemake.utils import min_version

min_version("9.0")

# Every config file is read and checked first (file, line and key of a mistake), then merged.
include: "workflow/rules/configfiles.smk"
# config/config.yaml beside this Snakefile, whatever directory snakemake runs in.
configfile: SHIPPED_CONFIG
report: "workflow/report/workflow.rst"

include: "workflow/rules/common.smk"
include: "workflow/rules/extract.smk"
include: "workflow/rules/consensus.smk"
include: "workflow/rules/rank.smk"

# Samples sheet with a `group` column: each group factored on its own, then merged.
if GROUPS:

    include: "workflow/rules/groups.smk"

if MODE == "vcf":

    include: "workflow/rules/catalog.smk"
    include: "workflow/rules/refit.smk"
    include: "workflow/rules/report.smk"

else:

    include: "workflow/rules/matrix.smk"

rule all:
    default_target: True
    input:
        final_targets(),
