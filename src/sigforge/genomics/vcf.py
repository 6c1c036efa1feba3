"""VCF/BCF reading through pysam into a :class:`~sigforge.genomics.variant_table.VariantTable`.

Every ALT allele of every record (multi-allelic records are split) is one *variant read*.
Reading keeps only what counting needs, in flat arrays, so that one pass of pysam over a
million records costs about 1.5 seconds (``rec.alleles`` costs less than ``rec.ref`` and
``rec.alts`` together, ``len(rec.filter)`` far less than ``rec.filter.keys()``, and
``.allele_indices`` less than ``['GT']``; genotypes are read only when they decide sample
membership).

Samples of a file (see :func:`read_vcf`):

- ``--sample-from-filename`` (SigProfilerMatrixGenerator's mode): one sample named after the
  file, every record belongs to it whatever the genotypes.
- a sites-only VCF (no sample column) gives one sample named after the file.
- otherwise ``--vcf-sample NAME`` gives one sample, NAME; without it every sample column is a
  sample (a single-sample VCF gives one, named after its column).
- Membership: when the file has a GT field (declared in the header, or written in any
  record's FORMAT), an allele belongs to a sample whose GT carries that ALT; a record whose GT
  does not (``0/0``, ``./.``, ``.``, or no GT in the record) is ``not_in_sample`` for it. One
  sample column behaves the same whether or not ``--vcf-sample`` names it. Without a GT field
  no genotype can decide: a single or named column takes every record (somatic callers such as
  Strelka write no GT), and several columns with none named are refused.

Containers: plain, bgzip and plain-gzip VCFs and BCFs are read (plain gzip is streamed, as
htslib cannot seek in it). A file htslib rejects is diagnosed for the message: empty, not a
VCF at all (binary or other text), repeated or empty sample names, a ``#CHROM`` line split by
spaces, truncated compressed data; otherwise htslib's own reason (which it writes to standard
error: held back while htslib reads, and passed on when the file was read) is quoted. That
diagnosis lives in :mod:`sigforge.genomics.vcf_checks`.

What a file must hold, else an :class:`~sigforge.io.InputError` names the file, the line and
the fix (counting such a row would only skip it, hiding a broken or shifted file): records
with at least 8 columns and, in a text VCF, as many as the ``#CHROM`` line (empty columns at
the end of a line aside); a CHROM; ``POS`` in 1..``MAX_POSITION`` (``POS 0`` only for symbolic
telomeric breakends); a REF other than ``.``; REF of nucleotide codes (A, C, G, T, N or another
IUPAC base, any case: non-ACGT codes are later skipped as ``ambiguous_base``) and ALTs of
nucleotide codes or symbolic, breakend, ``*`` or ``.`` (``-``, a MAF convention, digits or
other characters are refused); GT the first FORMAT key (the VCF specification's rule: htslib
reads no genotype otherwise), of allele numbers the record has. A VCF without records is a
valid sample with no variants.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pysam

from sigforge.genomics.compression import foreign_compression_problem
from sigforge.genomics.genome import file_compression
from sigforge.genomics.variant_table import FailedFilters, VariantTable, input_stem
from sigforge.genomics.vcf_checks import (
    check_columns,
    check_genotypes,
    diagnose_record,
    htslib_reason,
    htslib_said,
    pass_on,
)
from sigforge.genomics.vcf_fields import FieldReader, phase_codes
from sigforge.genomics.vcf_header import HeaderLayout, file_header, header_contig_lengths
from sigforge.genomics.vcf_open_checks import diagnose_vcf, ends_inside_a_line
from sigforge.genomics.vcf_records import (
    Flat,
    check_alleles,
    check_contigs,
    check_empty_filter,
    check_records,
    flatten,
    record_refs,
    upper_alleles,
)
from sigforge.genomics.vcf_samples import (
    called_elsewhere,
    columns_taking_all,
    pick_tumour,
    refuse_local_genotypes_only,
)
from sigforge.io import InputError, check_regular_file, not_found

logger = logging.getLogger(__name__)


def _open_streamed(path: Path) -> pysam.VariantFile:
    """Open a plain-gzip VCF as a stream.

    pysam asks htslib for the file offset when it opens a file by name, and plain gzip cannot
    give one (``NotImplementedError: seek not implemented``); a stream skips that, and htslib
    inflates plain gzip on the fly. pysam reads a duplicate of the descriptor, so ours can
    close at once.
    """
    with open(path, "rb") as handle:
        try:
            return pysam.VariantFile(handle)
        except TypeError as err:  # pysam 0.24.1 formats its OSError with the stream as a name
            raise OSError("htslib could not read the decompressed stream as VCF/BCF") from err


def open_vcf(path: str | Path) -> pysam.VariantFile:
    """Open a VCF/BCF (plain, gzip or bgzip) with a clear error when it is missing or malformed.

    htslib's messages are held back while it reads the header: passed on when the file opens
    (warnings), quoted in the diagnosis when it does not. No htslib decompression threads:
    measured 10% faster on a bgzipped million-record VCF, but reading then hung now and then
    (pysam 0.24.1) in the test suite.
    """
    path = Path(path)
    if str(path) == "-":
        raise InputError("VCF -: reading a VCF from standard input is not supported (every "
                         "VCF is read twice: its header checks, then its records). Save it to "
                         "a file and give that file.")
    if not path.exists():
        raise InputError(f"VCF {path}: {not_found(path)}. Check the path (--vcf, or the 'vcf' "
                         "column of the samples sheet; relative paths are taken from the "
                         "working directory).")
    check_regular_file(path, f"VCF {path}")
    foreign = foreign_compression_problem(path, "bgzip", "NEW.vcf.gz")
    if foreign:  # htslib would abort the process on some of these (xz)
        raise InputError(f"VCF {path}: cannot be read as VCF/BCF: {foreign}")
    said: list[str] = []
    try:
        with htslib_said(said):
            vcf = (_open_streamed(path) if file_compression(path) == "gzip"
                   else pysam.VariantFile(str(path.absolute())))  # not 's3:x.vcf' as a URL
    except (OSError, ValueError) as err:
        raise InputError(f"VCF {path}: cannot be read as VCF/BCF: "
                         f"{diagnose_vcf(path, err, htslib_reason(said))}") from err
    pass_on(said)
    return vcf


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[pysam.VariantFile]:
    """:func:`open_vcf` as a context whose closing never hides the error that stopped reading.

    Closing a stream (a plain-gzip VCF) whose compressed data broke off raises again in
    pysam 0.24.1, and as a ``TypeError`` (it formats its OSError with the file object as a
    name); the error raised while reading is the one to report. A close that fails after a
    complete read is reported itself.
    """
    vcf = open_vcf(path)
    try:
        yield vcf
    except BaseException:
        with contextlib.suppress(OSError, TypeError):
            vcf.close()
        raise
    try:
        vcf.close()
    except (OSError, TypeError) as err:
        raise InputError(f"VCF {path}: reading ended with an error ({err}); the file is "
                         "probably truncated: copy it again, or re-create it.") from err


def vcf_sample_columns(path: str | Path) -> list[str]:
    """The sample columns of a VCF header."""
    with _reading(Path(path)) as vcf:
        return _sample_columns(vcf, Path(path))


def _sample_columns(vcf: pysam.VariantFile, path: Path) -> list[str]:
    """The header's sample names, or an InputError when one is not UTF-8 text (pysam decodes
    them on access and would raise a bare UnicodeDecodeError)."""
    try:
        return list(vcf.header.samples)
    except UnicodeDecodeError as err:
        raise InputError(f"VCF {path}: the #CHROM header line holds a sample name that is not "
                         f"UTF-8 text ({err.reason} at byte {err.start}), e.g. Latin-1 accents. "
                         "Rename the sample in UTF-8 (bcftools reheader --samples).") from err


def _contig_names(vcf: pysam.VariantFile, path: Path) -> list[str]:
    """The contigs of the header and the records, or an InputError naming one that is not
    UTF-8 text (pysam decodes them on access and would raise a bare UnicodeDecodeError)."""
    try:
        return list(vcf.header.contigs)
    except UnicodeDecodeError as err:
        raw = err.object[max(err.start - 20, 0):err.end + 20]
        raise InputError(f"VCF {path}: a contig name (a CHROM or a ##contig line) is not UTF-8 "
                         f"text ({err.reason}: {raw!r}), e.g. a Latin-1 accent. Correct the "
                         "name (contigs are named as in the reference FASTA).") from err


class _Records(NamedTuple):
    """The columns of one pysam pass (see :func:`_scan_records`)."""

    rids: list[int]
    positions: list[int]
    alleles: list[tuple[str, ...]]  # REF then the ALTs; (REF,) for ALT '.'
    passed: list[bool]
    genotypes: list[list[tuple]]
    phased: list[list[bool]]  # per genotype column, whether each record's call is phased
    failed: FailedFilters  # the records that failed FILTER, and the texts they failed


def _scan_records(vcf: pysam.VariantFile, path: Path, genotype_columns: list[int] | None,
                  layout: HeaderLayout, fields: FieldReader | None = None) -> _Records:
    """One pysam pass: contig ids, positions, allele tuples (REF, ALTs), FILTER verdicts,
    genotypes and their phase, and the ``fields`` the header declares (FT, PS, SS:
    :mod:`.vcf_fields`; None for the usual file, which declares none).

    Genotypes come back per column (a list of allele-index tuples per sample column index in
    ``genotype_columns``); sample access by index is the cheapest pysam offers. A call pysam
    reads as empty or with a missing allele is checked against the record's text
    (:func:`~sigforge.genomics.vcf_checks.check_genotypes`): GT not first in FORMAT, or an
    allele number past the record's ALTs, reads that way too. htslib's messages are held back
    meanwhile, for the diagnosis of a record it cannot parse
    (:func:`~sigforge.genomics.vcf_checks.diagnose_record`), and passed on after a complete
    read.
    """
    out = _Records([], [], [], [], [[] for _ in genotype_columns or ()],
                   [[] for _ in genotype_columns or ()], FailedFilters())
    add_rid, add_pos, add_alleles, add_pass = (
        out.rids.append, out.positions.append, out.alleles.append, out.passed.append)
    add_failed = out.failed.add
    read_calls = genotype_columns is not None
    columns = genotype_columns or []
    adders = [(column, store.append, phase.append)
              for column, store, phase in zip(columns, out.genotypes, out.phased, strict=True)]
    single, add_single, add_phase = adders[0] if len(adders) == 1 else (None, None, None)
    add_fields = fields.add if fields is not None else None
    done = 0
    said: list[str] = []
    try:
        with htslib_said(said):
            for record in vcf:
                add_rid(record.rid)
                add_pos(record.pos)
                add_alleles(record.alleles)
                filters = record.filter  # len() first: far cheaper than filter.keys()
                count = len(filters)
                ok = count == 0 or (count == 1 and "PASS" in filters)
                add_pass(ok)
                if not ok:  # named for the log; passing records (most) cost nothing more
                    add_failed(done, ";".join(filters.keys()))
                # Genotypes inlined (a call per record would cost 20% of the pass), one
                # column apart (the usual case; a loop costs 5% more). .allele_indices is
                # the GT tuple, () when the record's FORMAT has no GT; cheaper than ['GT'],
                # which raises KeyError then. IndexError: a record without sample columns.
                if single is not None:
                    sample = record.samples[single]
                    call = sample.allele_indices
                    add_single(call)
                    add_phase(sample.phased)  # measured: no cost beside allele_indices
                    if not call or None in call:
                        check_genotypes(record, columns, path, layout.lines + done + 1)
                elif read_calls:
                    _add_calls(record, adders, columns, path, layout.lines + done + 1)
                if add_fields is not None:
                    add_fields(record)
                done += 1
    except (OSError, ValueError, IndexError) as err:
        if isinstance(err, InputError):
            raise
        line = layout.lines + done + 1
        found = diagnose_record(path, line, err, vcf.header, layout.columns,
                                 htslib_reason(said))
        raise InputError(f"VCF {path}: {found.heading} at line {line} (record {done + 1}): "
                         f"{found.what}. {found.fix}") from err
    check_empty_filter(path, "".join(said), list(vcf.header.contigs), out.rids,
                       out.positions, layout.lines)
    pass_on(said)
    return out


#: One object per distinct genotype tuple of a multi-sample VCF: pysam makes a new tuple for
#: every call, and a cohort VCF of 500 samples x 20,000 records held 10 million of them
#: (0.92 GB); shared, each call costs a list slot.
_CALLS: dict[tuple, tuple] = {}


def _add_calls(record: pysam.VariantRecord, adders: list[tuple[int, Callable, Callable]],
               columns: list[int], path: Path, line: int) -> None:
    """Several genotype columns (:func:`_scan_records`): add each column's call and phase, and
    check the record's text when a call reads as empty or with a missing allele."""
    calls = record.samples
    suspect = False
    shared = _CALLS.setdefault
    for column, add_call, add_phased in adders:
        sample = calls[column]
        call = sample.allele_indices
        add_call(shared(call, call))
        add_phased(sample.phased)
        suspect = suspect or not call or None in call
    if suspect:
        check_genotypes(record, columns, path, line)


def _choose_samples(path: Path, columns: list[str], vcf_sample: str | None,
                    sample_from_filename: bool, has_genotypes: bool = True
                    ) -> tuple[list[str], list[str] | None]:
    """The output samples of a VCF and the sample columns whose genotypes decide membership.

    With a GT field the genotypes decide for every chosen column, a single sample column
    included, so that naming it (``vcf_sample``) changes nothing. Without a GT field no
    genotype can decide: one column (the only one, or ``vcf_sample``) then takes every
    record, as the tumour column of a tumour-normal caller's VCF (Strelka writes none)
    should; several columns and no choice are refused, since every sample would otherwise
    come out empty."""
    if vcf_sample is not None and not columns:
        raise InputError(f"VCF {path}: sample column '{vcf_sample}' not found; the file has no "
                         "sample columns (a sites-only VCF, counted as one sample named after "
                         "the file). Leave --vcf-sample out (or the samples sheet's "
                         "'vcf_sample' cell empty).")
    if vcf_sample is not None and vcf_sample not in columns:
        listed = (", ".join(columns[:10]) + (f" and {len(columns) - 10} more"
                                             if len(columns) > 10 else "")) if columns else ""
        raise InputError(f"VCF {path}: sample column '{vcf_sample}' not found; the file has "
                         f"{f'{len(columns)}: {listed}' if columns else 'no sample columns'}. "
                         "Give one of those names "
                         "(--vcf-sample, or the samples sheet's 'vcf_sample' column)"
                         f"{'' if columns else ', or none'}.")
    if sample_from_filename or not columns:
        return [input_stem(path)], None
    chosen = [vcf_sample] if vcf_sample is not None else columns
    if len(chosen) > 1 and not has_genotypes:
        raise InputError(f"VCF {path}: {len(columns)} sample columns ({', '.join(columns[:5])}"
                         f"{', ...' if len(columns) > 5 else ''}) but no GT field in FORMAT, so "
                         "no record says which sample carries it. For a tumour-normal VCF "
                         "name the tumour column (--vcf-sample, or the samples sheet's "
                         "'vcf_sample' column): every record is then counted for it. Otherwise "
                         "add genotypes (GT) or split the file per sample.")
    return chosen, chosen if has_genotypes else None


def read_vcf(path: str | Path, *, vcf_sample: str | None = None,
             sample_from_filename: bool = False) -> VariantTable:
    """Read a VCF/BCF into a :class:`VariantTable` (see the module docstring for samples).

    Raises
    ------
    InputError
        Missing or unreadable file, a malformed or truncated record (its column count, CHROM,
        POS, REF, ALT or GT; naming its line), an unknown ``vcf_sample``.
    """
    path = Path(path)
    announced: set[str] = set()  # keys the header lacks but records carry (second pass)
    while True:
        with _reading(path) as vcf:
            before = set(vcf.header.formats)
            columns = _sample_columns(vcf, path)
            layout = file_header(path, vcf)
            refuse_local_genotypes_only(path, before | announced, layout.first_format, columns)
            named = vcf_sample is not None
            if vcf_sample is None and not sample_from_filename:
                vcf_sample = pick_tumour(vcf.header, columns, path)
            reads_gt = "GT" in before or "GT" in layout.first_format or "GT" in announced
            # Several columns and no choice need GT: read them, and refuse after the pass
            # only if no record has it.
            maybe_gt = reads_gt or (vcf_sample is None and not sample_from_filename
                                    and len(columns) > 1)
            samples, genotype_columns = _choose_samples(
                path, columns, vcf_sample, sample_from_filename, maybe_gt)
            declared = header_contig_lengths(vcf)
            index = {name: i for i, name in reversed(list(enumerate(columns)))}  # first wins
            fields = FieldReader.for_header(vcf.header, [] if sample_from_filename or not
                                            columns else [index[name] for name in samples],
                                            announced)
            scanned = _scan_records(vcf, path, None if genotype_columns is None else
                                    [index[name] for name in genotype_columns], layout,
                                    fields)
            contig_names = _contig_names(vcf, path)
            late = (set(vcf.header.formats) & LATE_KEYS) - before - announced
        if maybe_gt and not reads_gt and "GT" not in late:
            _choose_samples(path, columns, vcf_sample, sample_from_filename, False)  # refuses
        if not columns or sample_from_filename or not (late - ({"GT"} if maybe_gt else set())):
            if late:
                _say_undeclared(path, late)
            break
        _say_undeclared(path, late)
        announced |= late
    check_columns(path, layout, columns)
    if ends_inside_a_line(path):
        logger.warning("VCF %s: the file ends inside its last line (no line end after it), as "
                       "a copy or download that stopped part-way leaves it; that line was read "
                       "as it stands. Check it (tail -n 1), copy the file again if it is cut "
                       "short, or add the line end (echo >> FILE) if it is whole.", path)
    refs = record_refs(path, scanned.alleles, layout.lines)
    check_records(path, scanned.positions, refs, scanned.alleles, layout.lines)
    check_contigs(path, contig_names, scanned.rids, layout.lines)
    flat = flatten(refs, scanned.alleles)
    check_alleles(path, refs, scanned.alleles, layout.lines, flat)
    genotypes = scanned.genotypes if genotype_columns else None
    take_all = columns_taking_all(path, samples, genotypes, named or vcf_sample is not None)
    table = _split_alleles(str(path), contig_names, scanned.rids, scanned.positions, flat,
                           scanned.passed, layout.lines, samples, genotypes, take_all)
    table.declared_lengths = declared
    table.filter_code, table.filter_labels = scanned.failed.per_row(len(scanned.passed),
                                                                    flat.record_index)
    if fields is not None:
        table.sample_failed = fields.sample_failed(flat.record_index, path, samples)
        table.not_somatic = fields.somatic_flags(flat.record_index, path)
    if genotypes is not None:
        table.phase = _phases(scanned, fields, flat, take_all)
        table.called_elsewhere = called_elsewhere(table, genotypes, flat.record_index,
                                                  take_all)
    return table



#: FORMAT keys that decide a sample's variants (:mod:`.vcf_fields`): read even when the
#: header does not declare them, as htslib does (it adds them to the header as it meets them).
LATE_KEYS = frozenset({"GT", "FT", "PS"})


def _say_undeclared(path: Path, keys: set[str]) -> None:
    """Log that records carry FORMAT keys the header does not declare, read on a second pass:
    whether they were read must not hang on one header line (GT deciding '0/0' is not the
    sample's, FT a failed genotype, PS which doublets are in trans)."""
    logger.warning("VCF %s: records carry FORMAT %s, which the header does not declare; read "
                   "as the VCF specification defines them (add the ##FORMAT lines to silence "
                   "this).", path, "/".join(sorted(keys)))


def _allele_numbers(n_alts: np.ndarray) -> np.ndarray:
    """Per row, the number of its ALT allele in its record (1 for the first ALT)."""
    offsets = np.cumsum(n_alts) - n_alts
    return np.arange(int(n_alts.sum())) - np.repeat(offsets, n_alts) + 1


def _phases(scanned: _Records, fields: FieldReader | None, flat: Flat,
            take_all: list[bool]) -> list[np.ndarray] | None:
    """Per sample, the phase codes of its rows (:func:`~.vcf_fields.phase_codes`); None when
    no sample has a phased genotype. A column taking every record has none."""
    numbers = _allele_numbers(flat.n_alts)
    codes = [None if everything else
             phase_codes(calls, phased, fields.sets_of(place) if fields else None,
                         flat.record_index, numbers)
             for place, (calls, phased, everything) in enumerate(
                 zip(scanned.genotypes, scanned.phased, take_all, strict=True))]
    if all(code is None for code in codes):
        return None
    empty = np.zeros(len(flat.record_index), dtype=np.int64)
    return [empty if code is None else code for code in codes]


def _carriers(calls: list[tuple], record_index: np.ndarray, allele_number: np.ndarray,
              no_alt: np.ndarray | None) -> np.ndarray:
    """Rows (one per ALT allele) whose allele number appears in the column's genotype, and
    the rows of records without ALT (``no_alt``, per record): a reference call names no
    allele to carry, so every sample reads it (and logs it as ``symbolic``)."""
    carries_first = np.fromiter((1 in call for call in calls), dtype=bool, count=len(calls))
    if no_alt is not None:
        carries_first |= no_alt
    carried = carries_first[record_index]
    for row in np.flatnonzero(allele_number > 1).tolist():
        carried[row] = int(allele_number[row]) in calls[record_index[row]]
    return np.flatnonzero(carried)


def _split_alleles(source: str, contig_names: list[str], rids: list[int], positions: list[int],
                   flat: Flat, passed: list[bool], header_lines: int, samples: list[str],
                   genotypes: list[list[tuple]] | None,
                   take_all: list[bool] | None = None) -> VariantTable:
    """The table of the flattened records (one row per ALT allele). A record without ALT
    (``.``, a reference call) is read for every sample whatever its genotype, which the
    catalog logs as ``symbolic``: it was read, so it must be accounted for. A sample of
    ``take_all`` (its column has no called genotype: :mod:`.vcf_samples`) carries every
    row."""
    no_alt, record_index = flat.no_alt, flat.record_index
    flat_alts = upper_alleles(flat.alt_text, len(record_index))
    ref_upper = upper_alleles(flat.ref_text, len(record_index))
    members = None
    if genotypes is not None:
        allele_number = _allele_numbers(flat.n_alts)
        every = np.arange(len(record_index), dtype=np.int64)
        members = [every if everything else
                   _carriers(calls, record_index, allele_number,
                             no_alt if no_alt.any() else None)
                   for calls, everything in zip(genotypes, take_all or [False] * len(genotypes),
                                                strict=True)]
    return VariantTable(
        source=source, contig_names=contig_names,
        contig=np.asarray(rids, dtype=np.int32)[record_index],
        pos=np.asarray(positions, dtype=np.int64)[record_index],
        ref=ref_upper, alt=flat_alts,
        passed=np.asarray(passed, dtype=bool)[record_index],
        line=record_index + header_lines + 1, samples=samples, members=members)
