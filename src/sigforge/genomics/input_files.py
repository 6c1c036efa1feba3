"""The catalog command's variant inputs: which file is read as what, and MAF-specific checks.

:mod:`.variants` picks a file's reader by its name (``*.maf``... is a MAF, anything else a
VCF). This module adds what the command line says beyond the name:

- a file given with ``--maf`` is a MAF whatever its name (cBioPortal's
  ``data_mutations.txt``, a ``.tsv`` export): the user has said so, and refusing it for its
  name would add nothing (:func:`collect_inputs`, :class:`GivenAsMaf`). A ``--vcf-dir`` scan
  still goes by the names;
- a MAF given as a VCF is refused as a MAF, with the option to use, rather than as a file
  that "is not a VCF" (:func:`read_input`);
- a MAF numbering chromosomes X and Y as 23 and 24 (old TCGA and cBioPortal files) against a
  FASTA naming them X and Y is refused with the fix for a MAF, not a VCF tool's
  (:func:`count_table`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PosixPath, WindowsPath

from sigforge._validation import not_utf8, undecodable_name
from sigforge.genomics import variants
from sigforge.genomics.accounting import CatalogOptions, SampleCatalog
from sigforge.genomics.catalog import count_table as _count_table
from sigforge.genomics.compression import foreign_compression_problem
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.maf import maf_header_columns, read_maf
from sigforge.genomics.maf_checks import choose_maf_samples
from sigforge.genomics.variant_table import VariantTable, is_maf
from sigforge.io import InputError

__all__ = ["GivenAsMaf", "collect_inputs", "count_table", "read_input"]

_PathBase = WindowsPath if isinstance(Path(), WindowsPath) else PosixPath


class GivenAsMaf(_PathBase):  # type: ignore[valid-type,misc]
    """A path given with ``--maf`` under a name that is not a MAF's: read as a MAF all the
    same. A path in every other respect, so that the command's file checks and messages
    treat it as any other input."""


def collect_inputs(vcfs: list[str], vcf_dir: str | None, mafs: list[str]) -> list[Path]:
    """The inputs of :func:`sigforge.genomics.variants.collect_inputs`, in its order, with
    every ``--maf`` file whose name is not a MAF's marked :class:`GivenAsMaf`.

    The marked files go through that function's checks as ``--vcf`` files would (a missing
    file, one file given twice, ``--vcf-dir``), so that every rule but the name stays the
    same.
    """
    named = [maf for maf in mafs if is_maf(maf)]
    unnamed = [maf for maf in mafs if not is_maf(maf)]
    for maf in unnamed:  # s.maf.xz: the compression, not the name, is what to fix
        foreign = foreign_compression_problem(maf, "gzip", "NEW.maf.gz") if Path(
            maf).is_file() else None
        if foreign:
            raise InputError(f"--maf {maf}: cannot be read: {foreign}")
    paths = variants.collect_inputs(vcfs + unnamed, vcf_dir, named)
    for path in paths:  # a file found in --vcf-dir (the options' own values are checked)
        if not_utf8(str(path)):
            raise InputError(undecodable_name(str(path), f"--vcf-dir {vcf_dir}: file"))
    if not unnamed:
        return paths
    given = [Path(p) for p in vcfs] + [GivenAsMaf(maf) if maf in unnamed else Path(maf)
                                       for maf in mafs]
    return given + paths[len(given):]


def read_input(path: str | Path, *, vcf_sample: str | None = None,
               sample_from_filename: bool = False) -> VariantTable:
    """Read one input: a MAF when named like one or given with ``--maf``, else a VCF/BCF.

    Raises
    ------
    InputError
        What the reader raises; for a file read as a VCF whose header is a MAF's, a message
        saying so and to give it with ``--maf``.
    """
    if isinstance(path, GivenAsMaf) or is_maf(path):  # one barcode's rows when one is named
        table = read_maf(path, barcode=None if sample_from_filename else vcf_sample)
        choose_maf_samples(table, path, vcf_sample, sample_from_filename)
        return table
    try:
        return variants.read_input(path, vcf_sample=vcf_sample,
                                   sample_from_filename=sample_from_filename)
    except InputError as err:
        columns = maf_header_columns(path) if Path(path).is_file() else []
        if not columns:
            raise
        raise InputError(f"{path}: given as a VCF (--vcf or --vcf-dir), but it is a MAF: its "
                         f"header names the MAF columns {', '.join(columns)}. Give it with "
                         f"--maf {path} (any file name is read as a MAF there).") from err


#: Old TCGA and cBioPortal MAFs number the sex chromosomes: 23 is X and 24 is Y.
NUMBERED_SEX_CHROMOSOMES = {"23": "X", "24": "Y"}


def _numbered_sex_chromosomes(table: VariantTable, genome: ReferenceGenome
                              ) -> dict[str, tuple[str, int]]:
    """The MAF's contigs numbered 23/24 (also ``chr23``/``chr24``) that the FASTA lacks
    under every alias while it has X/Y: each with its X or Y name in the MAF's style
    (``chrX`` for ``chr23``) and its number of rows."""
    rows = Counter(table.contig_names[int(code)] for code in table.contig)
    found = {}
    for name, count in rows.items():
        prefix = "chr" if name.startswith("chr") else ""
        letter = NUMBERED_SEX_CHROMOSOMES.get(name.removeprefix(prefix))
        if letter is None or genome.resolve(name) is not None:
            continue
        if genome.resolve(prefix + letter) is not None:
            found[name] = (prefix + letter, count)
    return found


def _rename_command(renames: dict[str, str]) -> str:
    """An awk command renaming contigs in a MAF's Chromosome column (found by its header
    name, ``#`` lines kept): a MAF is tab-separated text, which a VCF tool cannot edit."""
    tests = " ".join(f'if ($(c)=="{old}") $(c)="{new}";' for old, new in renames.items())
    return ("awk 'BEGIN{FS=OFS=\"\\t\"} /^#/{print; next} !c{for(i=1;i<=NF;i++) "
            f"if($i==\"Chromosome\") c=i; print; next}} {{{tests} print}}' IN.maf > OUT.maf")


def check_maf_sex_chromosomes(table: VariantTable, genome: ReferenceGenome) -> None:
    """Refuse a MAF that numbers X and Y as 23 and 24 when the FASTA names them X and Y.

    Those rows are the sample's X and Y mutations, not calls on decoys: counted as
    ``contig_missing`` they would leave the sex chromosomes out of the catalog (or, when
    many, stop the run with a VCF tool's fix). The message names them and gives a command
    that renames them in the MAF's Chromosome column.
    """
    if table.shared_rows:  # a VCF: its own build checks apply
        return
    found = _numbered_sex_chromosomes(table, genome)
    if not found:
        return
    named = ", ".join(f"{name} ({count} row(s))" for name, (_, count) in found.items())
    raise InputError(
        f"MAF {table.source}: the Chromosome column names {named}, which the reference FASTA "
        f"{genome.path} does not have, though it has "
        f"{' and '.join(new for new, _ in found.values())}: old TCGA and cBioPortal MAFs "
        "number X and Y as 23 and 24. Rename them in the MAF first, e.g. "
        f"{_rename_command({old: new for old, (new, _) in found.items()})} (zcat a .maf.gz "
        "into it), and give OUT.maf; or give the FASTA that names its contigs 23 and 24.")


def count_table(table: VariantTable, genome: ReferenceGenome,
                options: CatalogOptions) -> list[SampleCatalog]:
    """:func:`sigforge.genomics.catalog.count_table`, after :func:`check_maf_sex_chromosomes`."""
    check_maf_sex_chromosomes(table, genome)
    return _count_table(table, genome, options)
