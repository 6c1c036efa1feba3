"""Side-by-side catalog speed: ``sigforge catalog`` vs SigProfilerMatrixGenerator 1.4.0 (SPMG).

Generates (seeded) a 50 Mb genome of five 10 Mb chromosomes and a single-sample VCF of 1,000,000
SNVs at distinct random positions (plain text: SPMG reads nothing else), then runs, in one
process, alternating within every repeat:

- SPMG ``SigProfilerMatrixGeneratorFunc`` (its defaults: it always builds every SBS/DBS/ID
  matrix it knows; the genome is installed once beforehand, not timed);
- ``sigforge catalog --contexts SBS96``;
- ``sigforge catalog`` with its default contexts (SBS96 DBS78 ID83), on the plain VCF and on a
  bgzipped copy.

Each run is a fresh process tree measured by a small wrapper (wall clock, CPU = user + system of
the whole tree, peak RSS = largest resident set of any process in it). Medians of ``--repeats``.
The script also checks that sigforge's SBS96 equals SPMG's once the SNVs SPMG also counts in a
DBS or in a run of 3+ adjacent SNVs are left out (sigforge gives every variant one fate).
Results are printed as a markdown table and written to ``--work``/catalog_speed.md.

    python benchmarks/catalog_speed.py --peer-venv /tmp/spe-venv \\
        --sigforge /work/wt-i3/.venv/bin/sigforge --repeats 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _spmg  # noqa: E402

SEED = 7
GENOME_NAME = "sfspeed"
CHROMS = ["1", "2", "3", "4", "5"]
CHROM_LENGTH = 10_000_000
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def make_genome(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Five uniform random chromosomes as uint8 ASCII arrays."""
    return {c: BASES[rng.integers(0, 4, CHROM_LENGTH, dtype=np.uint8)] for c in CHROMS}


def write_fasta(genome: dict[str, np.ndarray], path: Path, width: int = 60) -> None:
    """Plain FASTA with ``width``-column lines, written from the arrays without Python loops."""
    with path.open("wb") as handle:
        for name, seq in genome.items():
            handle.write(f">{name}\n".encode())
            full = len(seq) // width * width
            block = np.empty((full // width, width + 1), dtype=np.uint8)
            block[:, :width] = seq[:full].reshape(-1, width)
            block[:, width] = ord("\n")
            handle.write(block.tobytes())
            if full < len(seq):
                handle.write(seq[full:].tobytes() + b"\n")


def write_vcf(genome: dict[str, np.ndarray], n: int, rng: np.random.Generator,
              path: Path) -> None:
    """``n`` SNVs at distinct positions (>= 10 bp from the ends), REF from the genome."""
    per_chrom = np.bincount(rng.integers(0, len(CHROMS), n), minlength=len(CHROMS))
    lines = ["##fileformat=VCFv4.2", '##FILTER=<ID=PASS,Description="All filters passed">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    lines += [f"##contig=<ID={c},length={CHROM_LENGTH}>" for c in CHROMS]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1")
    with path.open("w") as handle:
        handle.write("\n".join(lines) + "\n")
        for chrom, count in zip(CHROMS, per_chrom, strict=True):
            pos = np.sort(rng.choice(CHROM_LENGTH - 20, size=count, replace=False)) + 11
            ref = genome[chrom][pos - 1]
            shift = rng.integers(1, 4, count)
            alt = BASES[(np.searchsorted(BASES, ref) + shift) % 4]
            ref_s, alt_s = ref.view("S1").astype(str), alt.view("S1").astype(str)
            body = [f"{chrom}\t{p}\t.\t{r}\t{a}\t50\tPASS\t.\tGT\t0/1"
                    for p, r, a in zip(pos.tolist(), ref_s, alt_s, strict=True)]
            handle.write("\n".join(body) + "\n")


def prepare(work: Path, n_variants: int, python: Path) -> dict[str, Path]:
    """Genome, VCF and SPMG install, reused when ``work`` already holds the same ones."""
    stamp = {"seed": SEED, "chroms": CHROMS, "length": CHROM_LENGTH, "variants": n_variants,
             "spmg": _spmg.SPMG_PIN, "bgzip": True}
    marker = work / "prepared.json"
    paths = {"fasta": work / "genome.fa", "vcf_dir": work / "vcf",
             "volume": work / "spmg_volume"}
    paths["vcf"] = paths["vcf_dir"] / "S1.vcf"
    paths["vcf_gz"] = work / "vcf_gz" / "S1.vcf.gz"  # not in vcf_dir: SPMG reads every file there
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return paths
    _spmg.fresh_dir(work, ".catalog_speed")
    rng = np.random.default_rng(SEED)
    genome = make_genome(rng)
    write_fasta(genome, paths["fasta"])
    pysam.faidx(str(paths["fasta"]))
    paths["vcf_dir"].mkdir()
    write_vcf(genome, n_variants, rng, paths["vcf"])
    paths["vcf_gz"].parent.mkdir()
    pysam.tabix_compress(str(paths["vcf"]), str(paths["vcf_gz"]))
    transcripts = [("G1", "T1", "1", "+", 1_000_000, 3_000_000),
                   ("G2", "T2", "2", "-", 5_000_000, 6_000_000)]
    as_text = {c: s.tobytes().decode() for c, s in genome.items()}
    fasta_dir, transcript_dir = _spmg.write_spmg_reference(as_text, transcripts, GENOME_NAME,
                                                           work / "spmg_ref")
    print("installing the 50 Mb genome into SPMG (once; about a minute) ...")
    _spmg.install_genome(python, GENOME_NAME, fasta_dir, transcript_dir, paths["volume"], work)
    marker.write_text(json.dumps(stamp))
    return paths


def sigforge_command(sigforge: str, vcf: Path, fasta: Path, out: Path,
                     contexts: list[str] | None) -> list[str]:
    """``sigforge catalog`` on one VCF (its sample column and file stem are both S1)."""
    cmd = [sigforge, "catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out", str(out)]
    if contexts:
        cmd += ["--contexts", *contexts]
    return cmd


def run_once(name: str, cmd: list[str], out: Path, env: dict[str, str], work: Path) -> dict:
    """One measured run of ``cmd`` into a fresh ``out``."""
    shutil.rmtree(out, ignore_errors=True)
    return _spmg.measured(cmd, env, work, work / f"{name}.log")


def summarise(runs: dict[str, list[dict]], n_variants: int) -> list[dict]:
    """Medians per tool and the ratio to SPMG."""
    rows = []
    peer_wall = statistics.median(r["wall_s"] for r in runs["SPMG 1.4.0"])
    for name, results in runs.items():
        wall = statistics.median(r["wall_s"] for r in results)
        rows.append({"tool": name, "wall_s": wall,
                     "cpu_s": statistics.median(r["cpu_s"] for r in results),
                     "rss_mib": statistics.median(r["peak_rss_mib"] for r in results),
                     "variants_per_s": n_variants / wall, "wall_vs_spmg": wall / peer_wall})
    return rows


def markdown(rows: list[dict], repeats: int) -> list[str]:
    """The result table."""
    lines = [f"| run (medians of {repeats}) | wall s | CPU s | peak RSS MiB | variants/s | "
             "wall / SPMG wall |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['tool']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
                     f"{r['rss_mib']:.0f} | {r['variants_per_s']:,.0f} | "
                     f"{r['wall_vs_spmg']:.3f} |")
    return lines


def sbs96_agreement(peer_out: Path, ours_out: Path) -> str:
    """sigforge's SBS96 against SPMG's, as is and without the SNVs SPMG also counted in a DBS or
    a run of 3+ adjacent SNVs (sigforge gives every variant one fate)."""
    peer = _spmg.read_spmg(peer_out, "speed", "SBS96")
    ours_path = ours_out / "SBS96.tsv"
    if peer is None or not ours_path.exists():
        return "SBS96 not compared (a matrix is missing)"
    ours = pd.read_csv(ours_path, sep="\t", index_col=0).astype("int64")
    ours = ours.reindex(index=peer.index, columns=peer.columns).fillna(0).astype("int64")
    one_fate = _spmg.spmg_sbs_without(peer_out, {"SBS96": peer})["SBS96"]
    same = "identical" if ours.equals(one_fate) else (
        f"{int((ours != one_fate).to_numpy().sum())} differing cells")
    return (f"SBS96 check: sigforge counted {int(ours.sum().sum()):,} SNVs; SPMG "
            f"{int(peer.sum().sum()):,}, of which {int(one_fate.sum().sum()):,} are not also in "
            f"one of its DBSs or 3+ runs; sigforge vs that one-fate SPMG matrix: {same}")


def dbs78_agreement(peer_out: Path, ours_out: Path) -> str:
    """sigforge's DBS78 (default-contexts run) against SPMG's."""
    peer = _spmg.read_spmg(peer_out, "speed", "DBS78")
    ours_path = ours_out / "DBS78.tsv"
    if peer is None or not ours_path.exists():
        return "DBS78 not compared (a matrix is missing)"
    ours = pd.read_csv(ours_path, sep="\t", index_col=0).astype("int64")
    ours = ours.reindex(index=peer.index, columns=peer.columns).fillna(0).astype("int64")
    same = "identical" if ours.equals(peer) else (
        f"{int((ours != peer).to_numpy().sum())} differing cells")
    return (f"DBS78 check: sigforge {int(ours.sum().sum()):,} DBS, SPMG "
            f"{int(peer.sum().sum()):,}: {same}")


def main(argv: list[str] | None = None) -> int:
    """Prepare inputs, time both tools side by side, print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("benchmarks/out/catalog_speed"))
    parser.add_argument("--peer-venv", type=Path, default=Path("benchmarks/out/spmg-venv"))
    parser.add_argument("--sigforge", default=shutil.which("sigforge") or "sigforge")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    work = args.work.resolve()
    python = _spmg.ensure_peer_venv(args.peer_venv.resolve())
    paths = prepare(work, args.variants, python)
    env = _spmg.peer_env(paths["volume"])
    plans = {
        "SPMG 1.4.0": (_spmg.spmg_command(python, GENOME_NAME, paths["vcf_dir"],
                                          work / "out_spmg", "speed", work), work / "out_spmg"),
        "sigforge SBS96": (sigforge_command(args.sigforge, paths["vcf"], paths["fasta"],
                                            work / "out_sf96", ["SBS96"]), work / "out_sf96"),
        "sigforge default contexts": (sigforge_command(args.sigforge, paths["vcf"],
                                                       paths["fasta"], work / "out_sfdef", None),
                                      work / "out_sfdef"),
        "sigforge default contexts, bgzipped VCF": (
            sigforge_command(args.sigforge, paths["vcf_gz"], paths["fasta"], work / "out_sfgz",
                             None), work / "out_sfgz"),
    }
    runs: dict[str, list[dict]] = {name: [] for name in plans}
    for repeat in range(args.repeats):
        order = list(plans) if repeat % 2 == 0 else list(plans)[::-1]
        for name in order:
            cmd, out = plans[name]
            result = run_once(name.replace(" ", "_").replace(",", ""), cmd, out, env, work)
            runs[name].append(result)
            print(f"repeat {repeat + 1}: {name}: {result['wall_s']:.2f} s wall, "
                  f"{result['cpu_s']:.2f} s CPU, {result['peak_rss_mib']:.0f} MiB")
    rows = summarise(runs, args.variants)
    table = markdown(rows, args.repeats)
    checks = [sbs96_agreement(work / "out_spmg", work / "out_sf96"),
              dbs78_agreement(work / "out_spmg", work / "out_sfdef")]
    text = "\n".join(table + [""] + checks)
    print("\n" + text)
    (work / "catalog_speed.md").write_text(text + "\n")
    (work / "catalog_speed.json").write_text(json.dumps({"runs": runs, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
