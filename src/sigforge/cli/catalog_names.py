"""The ``catalog`` command's messages for sample names two inputs share, each with the fix
that works in the situation: a fix that gives the same clash again (``--sample-from-filename``
for files of one name in different folders) is not offered.

Split from :mod:`sigforge.cli.catalog` so that the command module holds the commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sigforge.io import InputError


def _stem(source: str) -> str:
    """The sample name ``--sample-from-filename`` gives a file."""
    from sigforge.genomics.variant_table import input_stem

    return input_stem(source)


def _folders_example(first: str, second: str) -> str:
    """' (e.g. --sample-name patientA patientB for these two, after their folders)' when the
    two files' folders have distinct names, else ''."""
    one, two = Path(first).parent.name, Path(second).parent.name
    if one and two and one != two:
        return f" (e.g. --sample-name {one} {two} for these two, after their folders)"
    return ""


def clash_fix(name: str, first: str, second: str, from_filename: bool) -> str:
    """Why two inputs (``first``, ``second``) give one sample name, and the fix.

    With ``from_filename`` the names are the files' own, so the fix is to rename a file or
    name the samples otherwise. Without it, files of one name (in different folders) make
    ``--sample-from-filename`` clash too, so only ``--sample-name`` (or renaming) is offered;
    files of different names that give one name (a VCF sample column every file of a caller
    shares, 'TUMOR') may also be named after their files.
    """
    if Path(first).parent == Path(second).parent and _stem(first) == _stem(second):
        how = ("--sample-from-filename names each sample after its file" if from_filename
               else f"both samples are named '{name}'")
        return (f"({how}, and the two files differ only in their extension: "
                f"{Path(first).name} and {Path(second).name}, often one file's calls twice, "
                "plain and compressed). Remove or move the copy you do not want counted; if "
                "they are different samples, rename one of them.")
    if from_filename:
        return ("(--sample-from-filename names each sample after its file, and the two files "
                "have the same name in different folders). Rename one of the files, or drop "
                "--sample-from-filename and give one name per file with --sample-name (or "
                "list the samples in a samples sheet, each with its own sample_id).")
    if _stem(first) == _stem(second):
        source = ("both files are named alike, and each sample is named after its file (or "
                  "a sample column of that name)" if name == _stem(first) else
                  f"both files name their sample column '{name}', and the files are named "
                  "alike")
        return (f"({source}: --sample-from-filename would give both the same name too). Give "
                "one name per input file, in order, with --sample-name"
                f"{_folders_example(first, second)}, or rename one of the files.")
    return ("(e.g. the same VCF sample column in two files). If they are two samples, name "
            "them with --sample-name, or after their files with --sample-from-filename; if "
            "they are one tumour's calls split in two files (SNVs and indels), join the files "
            "into one first (bcftools concat, or one MAF's rows after the other's, without "
            "its header).")


def check_repeated_names(names: Sequence[str], paths: Sequence[Path]) -> None:
    """Refuse a name ``--sample-name`` gives to two input files, saying how to count two
    files of one sample as one: join them first (``bcftools concat -a``), since each input
    file is counted as a sample of its own."""
    seen: dict[str, Path] = {}
    for name, path in zip(names, paths, strict=True):
        if name not in seen:
            seen[name] = path
            continue
        first = seen[name]
        raise InputError(
            f"--sample-name: sample name '{name}' appears more than once: it is given to "
            f"both {first} and {path}, but each input file is counted as a sample of its "
            "own, and sample names must be unique. If the two files hold one sample's calls "
            "split by the caller (Strelka2 and VarScan2 write SNVs and indels to separate "
            "files), join them into one VCF first and count that: bgzip and index each "
            "(bgzip -k FILE.vcf; tabix -p vcf FILE.vcf.gz), then "
            f"'bcftools concat -a -Oz -o {name}.vcf.gz "
            f"{_gz(first)} {_gz(path)}'. Otherwise give each file its own name.")


def _gz(path: Path) -> str:
    """The bgzipped name of a VCF for the command in a message (as given when it is one)."""
    text = str(path)
    return text if text.endswith((".gz", ".bgz", ".bcf")) else f"{text}.gz"
