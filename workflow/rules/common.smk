# Validation, the sample table, wildcard constraints and input functions. No rules here.
# This file wires; the logic lives in sigforge.workflow (checks, flags, resources, targets),
# where it is tested. The checks of the inputs run in the main process while the Snakefile is
# read, so bad input fails in seconds with one message (a WorkflowError: Snakemake prints it
# without a traceback) naming the file, line and fix. Job processes (each SLURM job step reads
# this file again) trust them and read only what they need.
import os
import re
import sys
from pathlib import Path

import yaml

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from sigforge._chunks import chunk_ranges  # not sigforge.discovery: numba, SciPy
from sigforge.genomics.contexts import CHANNEL_SETS
from sigforge.io import InputError
from sigforge.workflow import bed_checks, checks, config_keys, config_numbers, configs, flags, inert
from sigforge.workflow import command_line, damaged, resources, targets
from sigforge.workflow import groups as grouping
from sigforge.workflow import paths as input_paths
from sigforge.workflow import run_lock, stale
from sigforge.workflow import wildcards as wildcard_names


def checked(step, *args, **kwargs):
    """Run a parse-time check; its InputError, or the OSError of a path the system refuses
    (a name over 255 bytes), becomes a one-message WorkflowError."""
    try:
        return step(*args, **kwargs)
    except InputError as err:
        raise WorkflowError(str(err)) from None
    except OSError as err:
        source = globals().get("SOURCE", "config")
        raise WorkflowError(input_paths.os_error_message(err, source)) from None


def validate_against(data, schema, what, lines=None):
    """Snakemake's validate(), its error cut to one line with the fix (checks.schema_failure);
    a config with several unknown keys gets them all named at once, and its other mistakes
    after them (config_keys.other_schema_errors)."""
    try:
        validate(data, schema)
    except WorkflowError as err:
        message = checks.schema_failure(str(err.args[0]), err.__context__, what, lines)
        if message is None:
            raise
        if lines is None:  # the config, not a table: name every mistake at once
            path = workflow.current_basedir.join(schema).get_path_or_uri(secret_free=False)
            with open(path) as handle:
                rules = yaml.safe_load(handle)
            unknown = "unknown key" in message
            if unknown:
                message = checks.unknown_keys_message(data, rules, what) or message
            others = config_keys.other_schema_errors(data, rules, message, what,
                                                     unknown_named=unknown)
            if others:
                message += f" Also ({len(others)} more): " + " ".join(others)
            message = config_places.with_places(message, KEY_PLACES)  # the file and line
        raise WorkflowError(message) from None


MAIN = workflow.is_main_process
OVERRIDES = workflow.config_settings.config  # --config, merged over the config files
SOURCE = checks.config_source(getattr(workflow, "configfiles", []), bool(OVERRIDES))
CONFIG_SCHEMA = "../schemas/config.schema.yaml"
CONFIG_SCHEMA_PATH = workflow.current_basedir.join(CONFIG_SCHEMA).get_path_or_uri(
    secret_free=False)
with open(CONFIG_SCHEMA_PATH) as schema_file:
    SCHEMA = yaml.safe_load(schema_file)  # read once: the checks below walk it
# A YAML alias bomb or a pasted table: refused before anything walks or prints the config.
checked(config_keys.check_config_size, config, SOURCE)
# --config seed=1:30 or 'extract={replicates: 010}' (YAML: 90, 8) is refused as in a file.
if MAIN:
    checked(command_line.check_override_bases, command_line.config_items(sys.argv[1:]))
    from snakemake.cli import get_profile_dir  # Snakemake's own lookup of a profile's file
    checked(command_line.check_profile_bases, command_line.profile_files(
        sys.argv[1:], os.environ, Path(workflow.basedir), get_profile_dir))
# A nested --config 'extract={replicates: 8}' arrives as text ('8'): typed as a file types it.
config_numbers.typed_overrides(config, OVERRIDES, SCHEMA)
# A key written with a dot ('extract.replicates: 8') is one unknown key: name the nested form.
checked(config_keys.check_dotted_keys, config, SCHEMA, SOURCE)
validate_against(config, CONFIG_SCHEMA, SOURCE)
# The schema takes 1.0 for an integer key: every such value becomes an int here, once, so the
# checks and every job's command line see 4, never 4.0 (which argparse refuses).
checked(config_numbers.whole_numbers, config, SCHEMA, SOURCE)
# './in/a.vcf' is 'in/a.vcf': Snakemake warned about the './' on every rule naming the file.
input_paths.tidy_input_paths(config)
if MAIN:
    # What the schema cannot say: NaN and infinity (they pass every bound), settings that
    # must agree, and a user config leaning on the bundled example's samples or reference.
    checked(configs.check_finite, config, SOURCE)
    checked(configs.check_settings, config, SOURCE)
    checked(checks.check_discovery_settings, config, SOURCE)
    checked(configs.check_user_config, config, USER_CONFIG, SHIPPED_CONFIG)
    checked(configs.check_mode_keys, config, USER_CONFIG, SHIPPED_CONFIG)

# Every output, log and benchmark lives under OUT (config outdir): runs with different
# outdirs in one checkout never mix.
OUT = checked(checks.check_outdir, config["outdir"], SOURCE)


def out(path):
    """``path`` (relative to the output folder) under OUT."""
    return f"{OUT}/{path}"


# MODE vcf: VCFs -> SBS96 catalog; matrix / joint: generic tables (workflow/rules/matrix.smk).
MODE = config["type"]
EXTRACT = config["extract"]
REFIT = config["refit"]
if MODE == "vcf":
    from sigforge.genomics.catalog import check_catalog_config
    from sigforge.genomics.genome import check_reference, index_fasta, largest_contig
    from sigforge.genomics.samplesheet import read_sample_sheet, sample_groups

    SHEET = f"samples sheet {config['samples']}"
    checked(configs.check_samples_path, config["samples"], SOURCE)
    SAMPLES = checked(read_sample_sheet, config["samples"])
    input_paths.tidy_input_paths({}, SAMPLES)
    # stems are unique; a dict of rows, as a DataFrame .loc cost 0.1 ms per input function
    BY_STEM = {row["stem"]: row for row in SAMPLES.to_dict("records")}
    # The sheet's optional `group` column: {group: [samples]} (stratified discovery,
    # workflow/rules/groups.smk), or None to factor each catalog whole.
    GROUPS = sample_groups(SAMPLES)
    REFERENCE = config["reference"]
    if MAIN:
        validate_against(SAMPLES, "../schemas/samples.schema.yaml", SHEET,
                         lines=SAMPLES["sheet_line"])
        checked(input_paths.check_no_braces, config, SAMPLES, SHEET, SOURCE)
        checked(checks.check_inputs, REFERENCE, SAMPLES, SHEET, config["samples"],
                config["genome_build"])
        checked(wildcard_names.check_wildcard_names, SAMPLES, SHEET)
        checked(check_reference, REFERENCE)  # its index is built by rule genome_faidx
        checked(checks.check_tumour_type, REFIT["tumour_type"], SOURCE)
        checked(checks.check_assay, REFIT["assay"], config["catalog"]["regions"], SOURCE)
        checked(configs.check_input_path, REFIT.get("regions_of_interest"),
                "refit.regions_of_interest", "BED file of regions of interest", SOURCE)
        # Read once here: a malformed BED failed in every patient (or catalog) job instead.
        checked(bed_checks.check_bed_files, REFIT.get("regions_of_interest"),
                config["catalog"]["regions"], REFERENCE)
        if "SBS288" in config["catalog"]["contexts"]:
            checked(configs.check_input_path, config["catalog"]["annotation"],
                    "catalog.annotation", "gene annotation (GTF or stranded BED)", SOURCE,
                    fix="or drop SBS288 from catalog.contexts")
    CATALOG_CONFIG = config["catalog"]
    CONTEXTS = checked(check_catalog_config, CATALOG_CONFIG["contexts"],
                       CATALOG_CONFIG["annotation"])
    # Every counted context is factored and refitted (SBS96 first); the reference refit runs
    # for those the reference set has a table of.
    CATALOGS = list(CONTEXTS)
    REFERENCE_CONTEXTS = checked(checks.reference_contexts, config["signatures"], CONTEXTS,
                                 config["genome_build"], source=SOURCE)
    REFIT_CONTEXTS = checked(checks.reference_contexts, REFIT["signatures"], CONTEXTS,
                             config["genome_build"], key="refit.signatures", source=SOURCE)
    # Ranks must fit the narrowest catalog; job resources are sized for the widest.
    N_FEATURES = max(len(CHANNEL_SETS[context]) for context in CONTEXTS)
    MIN_FEATURES = min(len(CHANNEL_SETS[context]) for context in CONTEXTS)
    N_SAMPLES = len(SAMPLES)
    RESAMPLING = EXTRACT["resampling"]
    # Samples without a mutation of a context (no doublet, no indel) are left out of its
    # discovery; a context too thin to factor at the largest rank is skipped with the reason.
    MODE_FLAGS = ["--drop-empty", f"--skip-unfactorable={EXTRACT['ranks']['max']}"]
    # The jobs of one rank (chunks, consensus, CV) skip the catalog when it is too thin at
    # their own rank k, so that their outputs do not depend on the largest rank: raising
    # extract.ranks.max reruns the new ranks and the rank choice, not the ranks already done.
    # select_rank, with the largest rank, writes a context thin there as skipped.
    RANK_MODE_SETTINGS = ["--drop-empty", "--skip-unfactorable=k"]
    if MAIN:  # after the sets themselves were checked (reference_contexts)
        # The reference set's names may come from any of its tables (the patient pages refit
        # SBS96, DBS78 and ID83 whatever is counted); refit.signatures only its refitted ones.
        checked(configs.check_restrict_to, REFIT.get("restrict_to"),
                [(config["signatures"], "signatures")], config["genome_build"], SOURCE)
        checked(configs.check_restrict_to, REFIT.get("restrict_to"),
                [(REFIT["signatures"], "refit.signatures")], config["genome_build"], SOURCE,
                REFIT_CONTEXTS)
    REFIT_FLAGS = flags.refit_flags(REFIT, config["seed"], config["genome_build"])
    # the mutation types the reference set has tables of, for the de novo decompositions
    DECOMPOSED_CONTEXTS = checked(checks.reference_contexts, config["signatures"],
                                  list(dict.fromkeys([*CONTEXTS, "SBS96", "DBS78", "ID83"])),
                                  config["genome_build"], source=SOURCE)
else:
    MATRIX = checks.matrix_settings(config)
    GROUPS = None
    CATALOG = config[MODE]["name"]
    CATALOGS = [CATALOG]
    # The main process reads and checks the whole input, so a bad table fails before any job
    # starts; job processes take the shape from the prepared table's header and line count.
    N_FEATURES, N_SAMPLES = checked(checks.input_shape, config, thorough=MAIN,
                                    prepared=out(f"catalogs/{CATALOG}.tsv"))
    RESAMPLING = (EXTRACT["resampling"] if MATRIX["counts"]
                  else f"scaled:{MATRIX['depth']}")
    MIN_FEATURES = N_FEATURES
    MODE_FLAGS = ["--generic"]
    RANK_MODE_SETTINGS = MODE_FLAGS
    REFIT_FLAGS = flags.generic_refit_flags(REFIT, config["seed"], MATRIX["counts"])
if MAIN:
    RANKS = checked(checks.check_ranks, EXTRACT["ranks"]["min"], EXTRACT["ranks"]["max"],
                    N_SAMPLES, config["rank"]["fixed"], n_features=MIN_FEATURES)
else:  # checked by the main process; the shape a job process sees may be an upper bound
    RANKS = list(range(EXTRACT["ranks"]["min"], EXTRACT["ranks"]["max"] + 1))
CHUNKS = checked(chunk_ranges, EXTRACT["replicates"], EXTRACT["replicates_per_chunk"])
# Stratified discovery: the ranks of each (catalog, group), capped at the group's samples and
# the catalog's channels exactly as `sigforge extract --groups` caps them.
GROUP_RANKS = (grouping.group_rank_lists(GROUPS, RANKS, {name: len(CHANNEL_SETS[name])
                                                         for name in CATALOGS})
               if GROUPS else {})
if GROUPS and MAIN:
    checked(grouping.check_fixed_rank, config["rank"]["fixed"], GROUP_RANKS, GROUPS, SOURCE)
    checked(grouping.check_some_group_factorable, RANKS, GROUPS, SOURCE)
    checked(grouping.check_block_cv, GROUPS, config["rank"], SOURCE)
if MAIN:
    # Settings the user set that other settings make inert (catalog.annotation without SBS288,
    # rank.cv_scheme with cv_folds 0, ...): one warning line each, printed once here by the
    # main process (job processes never), after every check passed.
    USER_KEYS = inert.user_set_keys(workflow.overwrite_configfiles, OVERRIDES, SHIPPED_CONFIG,
                                    SCHEMA)
    for line in inert.inert_warnings(config, SCHEMA, given=USER_KEYS, grouped=bool(GROUPS),
                                     source=SOURCE):
        print(line, file=sys.stderr)
COSTS = resources.DiscoveryCosts.from_config(config, N_FEATURES, N_SAMPLES)


wildcard_constraints:
    k=r"\d+",
    chunk=r"\d+",
    catalog="|".join(re.escape(name) for name in CATALOGS),


if MODE == "vcf":

    wildcard_constraints:
        stem="|".join(re.escape(stem) for stem in SAMPLES["stem"]),


if GROUPS:

    # A group is one of the sheet's names, so `{catalog}` and `{group}` never reach across a
    # folder: extract/{catalog}/... and extract/{catalog}/groups/{group}/... stay apart.
    wildcard_constraints:
        group="|".join(re.escape(name) for name in GROUPS),


def discovery_products():
    """Every file of the discoveries: chunks, per-rank tables and CV folds, the chosen rank
    (with groups: each group's, its catalog, and the merged set)."""
    folds = config["rank"]["cv_folds"]
    if GROUPS:
        return [path for name in CATALOGS
                for path in grouping.grouped_discovery_products(name, GROUP_RANKS[name],
                                                                len(CHUNKS), folds, OUT)]
    return [path for name in CATALOGS
            for path in targets.discovery_products(name, RANKS, len(CHUNKS), folds, OUT)]


def final_targets():
    """What `snakemake` builds by default: every output, intermediates included (see
    sigforge.workflow.targets: a plain rerun then rebuilds whatever is missing)."""
    if MODE == "vcf":
        products = targets.vcf_products(list(SAMPLES["stem"]), CONTEXTS, REFIT_CONTEXTS,
                                        REFERENCE_CONTEXTS, OUT)
    else:
        modalities = config["joint"]["modalities"] if MODE == "joint" else None
        products = targets.generic_products(
            CATALOG, None if modalities is None else [m["name"] for m in modalities], OUT)
    return products + discovery_products()


def stale_outputs(dry_run):
    """Remove the outputs of samples no longer in the sheet and of a grouping it no longer
    has (a dry run only names them); the lines saying so."""
    if MODE != "vcf":
        return []
    notes = stale.remove_stale_outputs(OUT, list(SAMPLES["stem"]), dry_run=dry_run)
    notes += stale.remove_stale_context_outputs(OUT, CONTEXTS, dry_run=dry_run)
    return notes + grouping.remove_stale_group_outputs(OUT, CATALOGS, GROUPS and list(GROUPS),
                                                       dry_run=dry_run)


def checked_intermediates():
    """Delete damaged chunk, CV and metrics files so that Snakemake rebuilds them (main
    process only; a dry run names them), and in a dry run name the stale outputs a real run
    removes when it starts (see ``onstart`` below), saying so on stderr."""
    if not MAIN:
        return
    dry_run = bool(workflow.dryrun) or command_line.dry_run_requested(sys.argv[1:])
    notes = damaged.discard_damaged(targets.intermediates(discovery_products()), dry_run=dry_run)
    if dry_run:
        notes += stale_outputs(dry_run=True)
    for note in notes:
        print(note, file=sys.stderr)


checked_intermediates()


# Stale outputs go only when jobs are about to run: Snakemake calls onstart in a real run
# alone (never in a dry run, --summary, --dag, --lint or --unlock), after it has locked the
# working directory (a second run the lock refuses deletes nothing).
onstart:
    if MAIN:
        # one run per outdir (another run folder's Snakemake has its own lock): before any
        # deletion or job
        checked(run_lock.lock_outdir, OUT)
        for note in stale_outputs(dry_run=False):
            print(note, file=sys.stderr)


def catalog_matrix(wildcards):
    """The cohort matrix that discovery factors: a context's catalog or the prepared table."""
    return out(f"catalogs/{wildcards.catalog}.tsv")


def joint_blocks(wildcards):
    """The blocks table of a joint run (modality of each stacked feature), else nothing."""
    return [out(f"catalogs/{CATALOG}_blocks.tsv")] if MODE == "joint" else []


def blocks_flag(wildcards, input):
    """['--blocks', FILE] for the joint report, else []."""
    return flags.blocks_flag(str(input.blocks))


def sample_row(wildcards):
    """The samples-sheet row whose file stem is wildcards.stem."""
    return BY_STEM[wildcards.stem]


def sample_vcf(wildcards):
    """The VCF of the sample whose file stem is wildcards.stem."""
    return sample_row(wildcards)["vcf"]


def reference_size():
    """The size in bytes of the reference FASTA: a setting of the jobs that read it, which
    take it as ancient() (a genome copied or touched, same bytes and a newer time, would
    otherwise rerun every catalog and all discovery after them); a FASTA of another size
    reruns them."""
    try:
        return str(os.path.getsize(REFERENCE))
    except OSError:  # missing: the inputs check names it
        return "missing"


def input_size(wildcards):
    """The size in bytes of the sample's VCF (or MAF): a setting of its catalog and patient
    jobs, so that Snakemake's params trigger reruns them when it changes. Snakemake reruns a
    job only for an input newer than its outputs, and a VCF replaced by another version with
    an older time (cp -p, rsync -a, a restored backup) would leave its results silently stale.
    An edit that keeps both the size and an older time is not seen."""
    try:
        return str(os.path.getsize(sample_vcf(wildcards)))
    except OSError:  # missing: the inputs check names it (or Snakemake, for a dry run)
        return "missing"


def sample_name(wildcards):
    """The verbatim sample name behind wildcards.stem."""
    return sample_row(wildcards)["sample_id"]


def vcf_sample_flag(wildcards):
    """['--vcf-sample=NAME'] for multi-sample VCF rows, else [] (flags.vcf_sample_flag)."""
    return flags.vcf_sample_flag(sample_row(wildcards).get("vcf_sample", ""))


def user_file_stamps(*keys):
    """The content stamps (``paths.file_stamps``) of the user files a job reads, by name:
    'signatures' (config signatures, when a table), 'refit_signatures' (refit.signatures,
    when a table), 'roi' (refit.regions_of_interest), 'regions' (catalog.regions),
    'annotation' (catalog.annotation, when SBS288 is counted). A param of the jobs that read
    them: a table restored with an older time reruns them as an edit does."""
    files = {"signatures": flags.first_or_none(configs.signature_table_files(config["signatures"])),
             "refit_signatures": flags.first_or_none(
                 configs.signature_table_files(REFIT["signatures"])),
             "roi": REFIT.get("regions_of_interest"),
             "regions": CATALOG_CONFIG["regions"],
             "annotation": CATALOG_CONFIG["annotation"] if "SBS288" in CONTEXTS else None}
    return input_paths.file_stamps(*(files[key] for key in keys))


def catalog_annotation(wildcards):
    """The gene annotation file when SBS288 is counted, else nothing."""
    return [CATALOG_CONFIG["annotation"]] if "SBS288" in CONTEXTS else []


def catalog_regions(wildcards):
    """The BED of the assay's targeted regions (config catalog.regions), when set."""
    return [CATALOG_CONFIG["regions"]] if CATALOG_CONFIG["regions"] else []


# Params that carry a setting are functions of the wildcards alone (or plain values): Snakemake
# leaves a params function taking `input` (or `output`) out of its params rerun trigger, so a
# changed setting passed that way would rerun nothing. The files named here are inputs too.


def catalog_flags(wildcards):
    """--contexts, --annotation, --all-filters, --multi-snvs-in-sbs and --regions: a list of
    arguments (the config's catalog section, so editing it reruns the catalogs)."""
    return flags.catalog_flags(CONTEXTS, flags.first_or_none(catalog_annotation(wildcards)),
                               all_filters=CATALOG_CONFIG["all_filters"],
                               multi_snvs_in_sbs=CATALOG_CONFIG["multi_snvs_in_sbs"],
                               regions=CATALOG_CONFIG["regions"])


def rank_mode_flags(wildcards):
    """The mode flags of a job of one rank (RANK_MODE_SETTINGS with its own k)."""
    if MODE != "vcf":  # a generic matrix has no thin-catalog skip
        return MODE_FLAGS
    return ["--drop-empty", f"--skip-unfactorable={wildcards.k}"]


def chunk_mode_flags(wildcards):
    """rank_mode_flags of a replicate chunk; SBS96's chunks of a mutation-catalog run also
    stop the run when the cohort is too thin to factor at their rank (the pages and the
    report are drawn from its signatures; the chunks of the largest rank fail), right after
    the catalogs rather than at the report."""
    required = wildcards.catalog == "SBS96" and config.get("type", "vcf") == "vcf"
    flags = rank_mode_flags(wildcards)
    return [*flags, "--require-factored"] if required else flags


def merge_mode_flags(wildcards):
    """--skip-unfactorable for merge-groups: a context whose every group is too thin is
    written as not factored and the run goes on, as an ungrouped thin context is; not for
    SBS96 of a mutation-catalog run, which the pages and report need (the merge refuses)."""
    required = wildcards.catalog == "SBS96" and config.get("type", "vcf") == "vcf"
    return [] if required else ["--skip-unfactorable"]


def reference_decompose_args(wildcards, novel_below=None):
    """--decompose-into the reference set for a context it has a table of, else refit's
    default (flags.decompose_flags), for a refit to the reference set itself (the cohort's,
    a patient's: its SBS96): its decomposition is the identity, so refit.novel_below is not
    passed and changing it reruns none of them."""
    if config.get("type", "vcf") != "vcf":
        return []
    return flags.decompose_flags(getattr(wildcards, "catalog", "SBS96"), config["signatures"],
                                 DECOMPOSED_CONTEXTS, novel_below)


def decompose_args(wildcards):
    """reference_decompose_args with --novel-below, when refit.signatures is not the
    reference set itself (else nothing is decomposed: the setting is inert, and warned of)."""
    refits_reference = REFIT["signatures"] == config["signatures"]
    return reference_decompose_args(wildcards, None if refits_reference else REFIT["novel_below"])


def chunk_first(wildcards):
    """Index of the first replicate of chunk wildcards.chunk."""
    return CHUNKS[int(wildcards.chunk)].start


def chunk_count(wildcards):
    """Number of replicates in chunk wildcards.chunk."""
    return len(CHUNKS[int(wildcards.chunk)])


def rank_chunks(wildcards):
    """Every chunk file of rank wildcards.k, in chunk order."""
    return expand(
        out("extract/{catalog}/k{k}/chunks/chunk{chunk}.npz"),
        catalog=wildcards.catalog,
        k=wildcards.k,
        chunk=range(len(CHUNKS)),
    )


def rank_dirs(wildcards):
    """Every rank directory of catalog wildcards.catalog, in rank order."""
    return expand(out("extract/{catalog}/k{k}"), catalog=wildcards.catalog, k=RANKS)


def refit_signatures(wildcards):
    """The context's de novo signature table when refitting to it; shipped sets need no file."""
    name = config["refit"]["signatures"]
    if name == "denovo":
        return [out(f"extract/{wildcards.catalog}/signatures.tsv")]
    return configs.signature_table_files(name)


def refit_signatures_arg(wildcards):
    """The --signatures value: the input file (refit_signatures), or the shipped set's name."""
    return flags.first_or_none(refit_signatures(wildcards)) or config["refit"]["signatures"]


def reference_signatures(wildcards):
    """The reference set's table (config `signatures`) when it is a file, else nothing: an
    input of every job that reads it, so editing the table reruns them."""
    return configs.signature_table_files(config["signatures"])


def restrict_args(signatures, catalog):
    """--restrict-to of one cohort refit to ``signatures``: the names of refit.restrict_to
    in that set's table of the catalog's channel set (none: the whole table). Never for de
    novo signatures, which are the cohort's own, not the reference set's."""
    names = REFIT.get("restrict_to")
    if signatures == "denovo" or not names:
        return []
    return flags.restrict_flags(names, configs.signature_names(
        signatures, config["genome_build"], (catalog,)))


def refit_restrict_args(wildcards):
    """--restrict-to of the refit to config refit.signatures."""
    return restrict_args(REFIT["signatures"], wildcards.catalog)


def reference_restrict_args(wildcards):
    """--restrict-to of the refit to the reference set (config signatures)."""
    return restrict_args(config["signatures"], wildcards.catalog)


def patient_restrict_args(wildcards):
    """--restrict-to of a patient refit: every name; ``sigforge refit --vcf`` gives each of
    the shipped set's tables its own (a user's table has them all)."""
    names = REFIT.get("restrict_to")
    return flags.restrict_flags(names, names or ())


def refit_catalog_args(wildcards, input):
    """The data of a cohort refit: ['--catalog', FILE]."""
    return ["--catalog", str(input.catalog)]


def refit_regions(wildcards):
    """The BED of regions of interest of the patient refits, when configured."""
    regions = config["refit"].get("regions_of_interest")
    return [regions] if regions else []


def refit_vcf_args(wildcards):
    """The data of a patient refit: its VCF, the reference, its name and VCF column, filters,
    the regions of interest, the assay's targeted regions; its page goes to
    {outdir}/patients/{stem}.html. The sheet row and the config alone, so editing its
    vcf_sample or catalog.all_filters reruns the patient."""
    return flags.vcf_refit_flags(sample_vcf(wildcards), REFERENCE, sample_name(wildcards),
                                 sample_row(wildcards).get("vcf_sample", ""),
                                 all_filters=CATALOG_CONFIG["all_filters"],
                                 regions=flags.first_or_none(refit_regions(wildcards)),
                                 page_dir=OUT, targets=CATALOG_CONFIG["regions"])



def refit_opportunities(wildcards):
    """The opportunities table that refit.assay regions rescales the signatures to."""
    return [rules.opportunities.output.table] if REFIT["assay"] == "regions" else []


def refit_assay_args(wildcards):
    """--opportunities with assay regions; --native-signatures for de novo signatures (they
    were extracted from the assay's own catalogs)."""
    return flags.assay_flags(REFIT["assay"], flags.first_or_none(refit_opportunities(wildcards)),
                             native=REFIT["signatures"] == "denovo")


def reference_assay_args(wildcards):
    """--opportunities of the refits against the reference set (assay regions)."""
    return flags.assay_flags(REFIT["assay"], flags.first_or_none(refit_opportunities(wildcards)))


def report_assay_args(wildcards):
    """--assay and --opportunities of the report (its matches to the reference set)."""
    return [f"--assay={REFIT['assay']}", *reference_assay_args(wildcards)]


# Stratified discovery (workflow/rules/groups.smk): a group's catalog, ranks and folders.


def group_ranks_of(wildcards):
    """The ranks tried in group wildcards.group of catalog wildcards.catalog."""
    return GROUP_RANKS[wildcards.catalog][wildcards.group]


def group_catalog_input(wildcards):
    """The catalog of one group, as split_groups writes it."""
    return grouping.group_catalog(wildcards.catalog, wildcards.group, OUT)


def group_mode(wildcards):
    """--drop-empty and --skip-unfactorable at the group's largest rank: a thin group is
    written as skipped, never failing the run (its rank choice)."""
    return grouping.group_mode_flags(group_ranks_of(wildcards))


def group_rank_mode(wildcards):
    """group_mode of a job of one rank of a group: thin at its own rank k (rank_mode_flags)."""
    return grouping.group_mode_flags([int(wildcards.k)])


def group_rank_chunks(wildcards):
    """Every chunk file of rank wildcards.k of one group, in chunk order."""
    folder = grouping.group_folder(wildcards.catalog, wildcards.group, OUT)
    return [f"{folder}/k{wildcards.k}/chunks/chunk{chunk}.npz" for chunk in range(len(CHUNKS))]


def group_rank_files(name):
    """Input function: file `name` of every rank folder of one group, in rank order."""

    def files(wildcards):
        folder = grouping.group_folder(wildcards.catalog, wildcards.group, OUT)
        return [f"{folder}/k{k}/{name}" for k in group_ranks_of(wildcards)]

    return files


def group_rank_dirs(wildcards):
    """Every rank folder of one group, in rank order."""
    folder = grouping.group_folder(wildcards.catalog, wildcards.group, OUT)
    return [f"{folder}/k{k}" for k in group_ranks_of(wildcards)]


def group_rank_list(wildcards):
    """The --ranks of a group's select-rank: its ranks, comma-separated."""
    return ",".join(str(k) for k in group_ranks_of(wildcards))


def group_cv_files(wildcards):
    """The cross-validation folds of every rank of one group (none without CV)."""
    return group_rank_files("cv.npz")(wildcards) if CV["cv_folds"] > 0 else []


def group_selections(wildcards):
    """The chosen-rank files of every group of catalog wildcards.catalog, group by group."""
    return [f"{grouping.group_folder(wildcards.catalog, group, OUT)}/{name}"
            for group in GROUPS for name in ("signatures.tsv", "exposures.tsv",
                                             "provenance.json")]


def group_dirs(wildcards):
    """Every group folder of catalog wildcards.catalog, in the sheet's order of groups."""
    return [grouping.group_folder(wildcards.catalog, group, OUT) for group in GROUPS]


# Resources: memory (MB) and runtime (minutes) of each job, times the attempt
# (sigforge.workflow.resources holds the formulas and why).


def nmf_chunk_runtime(wildcards, attempt):
    """Minutes for one NMF chunk (each replicate factored from extract.starts starts)."""
    fits = chunk_count(wildcards) * EXTRACT["starts"]
    return COSTS.nmf_chunk_runtime(int(wildcards.k), fits, attempt)


def nmf_chunk_mem_mb(wildcards, attempt):
    """MB for one NMF chunk (its replicates' starts are solved in one batch)."""
    fits = chunk_count(wildcards) * EXTRACT["starts"]
    return COSTS.nmf_chunk_mem_mb(int(wildcards.k), fits, attempt)


def cross_validate_runtime(wildcards, attempt):
    """Minutes for one rank's cross-validation folds."""
    return COSTS.cross_validate_runtime(int(wildcards.k), attempt)


def cross_validate_mem_mb(wildcards, attempt):
    """MB for one rank's cross-validation folds."""
    return COSTS.cross_validate_mem_mb(int(wildcards.k), attempt)


def consensus_mem_mb(wildcards, attempt):
    """MB to cluster every replicate of one rank."""
    return COSTS.consensus_mem_mb(int(wildcards.k), attempt)


def catalog_mem_mb(wildcards, attempt):
    """MB to count one sample (grows with the reference's longest contig, and with the gene
    annotation when SBS288 is counted)."""
    genes = catalog_annotation(wildcards)
    size = os.path.getsize(genes[0]) if genes and os.path.isfile(genes[0]) else 0
    compressed = bool(genes) and str(genes[0]).lower().endswith((".gz", ".bgz"))
    return resources.catalog_mem_mb(largest_contig(REFERENCE), attempt, size, compressed)


def patient_mem_mb(wildcards, input, attempt):
    """MB to refit one patient from its VCF (grows with the longest contig and the VCF)."""
    vcf = str(input.vcf)
    compressed = vcf.lower().endswith((".gz", ".bgz", ".bcf"))
    return resources.patient_mem_mb(largest_contig(REFERENCE), os.path.getsize(vcf),
                                    compressed, attempt)


def patient_runtime(wildcards, input, attempt):
    """Minutes to refit one patient and draw its page (grows with its VCF's size)."""
    return resources.patient_runtime(os.path.getsize(input.vcf), attempt)


def catalog_runtime(wildcards, input, attempt):
    """Minutes to count one sample's VCF (grows with its size)."""
    return resources.catalog_runtime(os.path.getsize(input.vcf), attempt)


def report_inputs(wildcards):
    """Every file the cohort report reads: catalogs, each context's discovery (chosen rank and
    every rank tried; with groups, each group's and the merged set), its refits, and the
    patient pages it links."""
    files = [path for context in CATALOGS
             for path in (grouping.grouped_report_files(context, GROUP_RANKS[context], OUT)
                          if GROUPS else targets.report_discovery_files(context, RANKS, OUT))]
    files += expand(out("refit/{context}/{name}"), context=REFIT_CONTEXTS,
                    name=targets.REFIT_FILES)
    files += expand(out("refit/{context}/reference/{name}"), context=REFERENCE_CONTEXTS,
                    name=targets.REFIT_FILES)
    return files
