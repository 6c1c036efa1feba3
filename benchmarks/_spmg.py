"""Shared plumbing for the SigProfilerMatrixGenerator (SPMG) benchmarks.

SPMG is never a dependency of sigforge: it runs from its own virtual environment, made on first
use (``python -m venv`` + ``pip install SigProfilerMatrixGenerator==1.4.0``) or reused with
``--peer-venv``. Everything SPMG does runs in a subprocess of that venv's python, driven by the
small runner script :data:`RUNNER` written next to the data.

Custom genomes (no download): SPMG 1.4.0 installs one with
``install.install(NAME, custom=True, fastaPath=DIR, transcriptPath=DIR)`` from one gzipped
single-record FASTA per chromosome named ``*.dna.chromosome.<chrom>.fa.gz`` and a transcript table
(gene, transcript, chromosome, strand 1/-1, 1-based start, 1-based end). Two quirks are handled by
the runner:

- SPMG refuses any genome that is missing from its built-in checksum table
  (``reference_genome_manager.CHECKSUMS``); the runner registers the MD5 of each installed
  strand-reference file in that table, in memory, before every call.
- SPMG keeps references inside its own package directory. With the environment variable
  ``SIGPROFILERMATRIXGENERATOR_VOLUME`` (set here to a scratch directory) install() reads the
  FASTA from, and writes the per-chromosome strand files to, that directory (the runner copies
  the FASTA there first), but it still writes the transcript table, an exome placeholder, a copy
  of the FASTA and strand BED files into the venv's
  ``references/chromosomes/{transcripts,exome,fasta,tsb_BED}/<NAME>`` (and temporary chromosome
  strings that it deletes). The runner deletes those directories for NAME before installing
  (SPMG would otherwise stop at an interactive prompt). A reused venv therefore gains these
  directories for NAME; nothing else in it is changed.

Chromosome names of a custom genome must have at most two characters: SPMG drops the first three
characters of any longer name, both in the FASTA file names and in VCF records.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

SPMG_PIN = "SigProfilerMatrixGenerator==1.4.0"

#: SPMG output files per context, relative to its output directory (``<project>`` substituted).
SPMG_OUTPUTS = {
    "SBS96": "SBS/{project}.SBS96.all",
    "SBS288": "SBS/{project}.SBS288.all",
    "SBS1536": "SBS/{project}.SBS1536.all",
    "DBS78": "DBS/{project}.DBS78.all",
    "ID83": "ID/{project}.ID83.all",
}

RUNNER = textwrap.dedent(
    '''
    """Install a custom genome into SigProfilerMatrixGenerator, or count VCFs with it."""
    import hashlib
    import os
    import shutil
    import sys
    from pathlib import Path

    from SigProfilerMatrixGenerator.scripts import ref_install, reference_genome_manager


    def register(name):
        """Put the installed strand files' MD5s into SPMG's checksum table (in memory)."""
        tsb = ref_install.reference_dir().get_tsb_dir() / name
        sums = {}
        for path in sorted(tsb.glob("*.txt")):
            sums[path.stem] = hashlib.md5(path.read_bytes()).hexdigest()
        if not sums:
            raise SystemExit(f"no strand files under {tsb}: install the genome first")
        reference_genome_manager.CHECKSUMS[name] = sums


    def install(name, fasta_dir, transcript_dir):
        """Custom install from local files; clears SPMG's in-package dirs for this name first."""
        from SigProfilerMatrixGenerator import install as spmg_install

        package = ref_install.reference_dir().path / "references" / "chromosomes"
        for sub in ("transcripts", "exome", "tsb_BED", "fasta"):
            shutil.rmtree(package / sub / name, ignore_errors=True)
        tsb = ref_install.reference_dir().get_tsb_dir() / name
        shutil.rmtree(tsb, ignore_errors=True)
        # install() copies the FASTA files into the package dir but reads them from the volume.
        volume_fasta = ref_install.reference_dir().get_fasta_dir() / name
        shutil.rmtree(volume_fasta, ignore_errors=True)
        shutil.copytree(fasta_dir, volume_fasta)
        transcript_file = next(Path(transcript_dir).iterdir())
        spmg_install.install(name, custom=True, fastaPath=fasta_dir,
                             transcriptPath=str(transcript_file))
        register(name)


    def run(name, vcf_dir, out_dir, project):
        """Count every VCF in vcf_dir (one sample per file) with SPMG's defaults."""
        from SigProfilerMatrixGenerator.scripts import SigProfilerMatrixGeneratorFunc as spmg

        register(name)
        spmg.SigProfilerMatrixGeneratorFunc(project, name, vcf_dir, plot=False,
                                            output_directory=out_dir)


    if __name__ == "__main__":
        mode = sys.argv[1]
        if mode == "install":
            install(*sys.argv[2:5])
        elif mode == "run":
            run(*sys.argv[2:6])
        else:
            raise SystemExit(f"unknown mode {mode}")
    '''
)

#: Runs a command in a fresh process and reports wall, CPU and peak RSS of its process tree
#: (RUSAGE_CHILDREN: CPU summed over waited-for descendants; ru_maxrss is the largest one).
MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL,
                        stderr=open(sys.argv[1], "w")).returncode
    wall = time.perf_counter() - start
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"rc": rc, "wall_s": wall, "cpu_s": use.ru_utime + use.ru_stime,
                      "peak_rss_mib": use.ru_maxrss / 1024}))
    """
)


def fresh_dir(path: Path, marker: str) -> None:
    """Empty ``path`` for a new run, refusing to delete a non-empty directory that a previous run
    of this script (recognised by ``marker``, a file it writes) did not make."""
    if path.exists() and any(path.iterdir()) and not (path / marker).exists():
        raise SystemExit(f"{path} is not empty and was not made by this script; choose another "
                         "output directory")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (path / marker).write_text("made by a sigforge benchmark script; deleted on the next run\n")


def ensure_peer_venv(venv: Path) -> Path:
    """Python of a venv holding SPMG 1.4.0; create it (``pip install``) when missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} and installing {SPMG_PIN} (needs the package index)")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", SPMG_PIN], check=True)
    probe = "import SigProfilerMatrixGenerator as s; print(s.__version__)"
    version = subprocess.run([str(python), "-c", probe], check=True, capture_output=True,
                             text=True).stdout.strip()
    if version != SPMG_PIN.split("==")[1]:
        raise SystemExit(f"{venv} has SigProfilerMatrixGenerator {version}, want {SPMG_PIN}")
    return python


def write_fasta(genome: dict[str, str], path: Path, width: int = 60) -> None:
    """Write a multi-record FASTA (plain text) with ``width``-column lines."""
    with path.open("w") as handle:
        for name, seq in genome.items():
            handle.write(f">{name}\n")
            for start in range(0, len(seq), width):
                handle.write(seq[start:start + width] + "\n")


def write_spmg_reference(genome: dict[str, str], transcripts: list[tuple], name: str,
                         dest: Path) -> tuple[Path, Path]:
    """SPMG's custom-install inputs: per-chromosome gzipped FASTA files and a transcript table.

    ``transcripts`` rows are (gene, transcript, chrom, strand '+'/'-', start, end), 1-based
    inclusive. Returns (fasta_dir, transcript_dir).
    """
    fasta_dir, transcript_dir = dest / "fasta", dest / "transcripts"
    fasta_dir.mkdir(parents=True, exist_ok=True)
    transcript_dir.mkdir(parents=True, exist_ok=True)
    for chrom, seq in genome.items():
        if len(chrom) > 2:
            raise ValueError(f"SPMG truncates chromosome names longer than 2 characters: {chrom}")
        with gzip.open(fasta_dir / f"{name}.dna.chromosome.{chrom}.fa.gz", "wt",
                       compresslevel=1) as handle:
            handle.write(f">{chrom}\n")
            for start in range(0, len(seq), 60):
                handle.write(seq[start:start + 60] + "\n")
    lines = ["Gene stable ID\tTranscript stable ID\tChromosome/scaffold name\tStrand\t"
             "Transcript start (bp)\tTranscript end (bp)"]
    for gene, transcript, chrom, strand, start, end in transcripts:
        lines.append(f"{gene}\t{transcript}\t{chrom}\t{1 if strand == '+' else -1}\t"
                     f"{start}\t{end}")
    (transcript_dir / f"{name}_transcripts.txt").write_text("\n".join(lines) + "\n")
    return fasta_dir, transcript_dir


def peer_env(volume: Path) -> dict[str, str]:
    """Environment for SPMG subprocesses: its references live under ``volume``."""
    env = dict(os.environ)
    env["SIGPROFILERMATRIXGENERATOR_VOLUME"] = str(volume)
    env.setdefault("MPLBACKEND", "Agg")
    return env


def runner_path(workdir: Path) -> Path:
    """Write the SPMG runner script into ``workdir`` and return its path."""
    path = workdir / "spmg_runner.py"
    path.write_text(RUNNER)
    return path


def install_genome(python: Path, name: str, fasta_dir: Path, transcript_dir: Path,
                   volume: Path, workdir: Path) -> None:
    """Install the custom genome ``name`` into ``volume`` (SPMG's own install route)."""
    volume.mkdir(parents=True, exist_ok=True)
    log = workdir / f"spmg_install_{name}.log"
    with log.open("w") as handle:
        done = subprocess.run([str(python), str(runner_path(workdir)), "install", name,
                               str(fasta_dir), str(transcript_dir)], cwd=workdir,
                              env=peer_env(volume), stdout=handle, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"SPMG install of {name} failed; see {log}")


def spmg_command(python: Path, name: str, vcf_dir: Path, out_dir: Path, project: str,
                 workdir: Path) -> list[str]:
    """Command line that counts ``vcf_dir`` with SPMG into ``out_dir``."""
    return [str(python), str(runner_path(workdir)), "run", name, str(vcf_dir) + "/",
            str(out_dir) + "/", project]


def run_spmg(python: Path, name: str, vcf_dir: Path, out_dir: Path, project: str,
             volume: Path, workdir: Path) -> None:
    """Run SPMG on ``vcf_dir``; its matrices land under ``out_dir``."""
    log = workdir / f"spmg_{project}.log"
    with log.open("w") as handle:
        done = subprocess.run(spmg_command(python, name, vcf_dir, out_dir, project, workdir),
                              cwd=workdir, env=peer_env(volume), stdout=handle,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"SPMG failed on {vcf_dir}; see {log}")


def read_spmg(out_dir: Path, project: str, context: str) -> pd.DataFrame | None:
    """One SPMG matrix (channels x samples, int64), or None when SPMG wrote none."""
    path = out_dir / SPMG_OUTPUTS[context].format(project=project)
    if not path.exists():
        return None
    return pd.read_csv(path, sep="\t", index_col=0).astype("int64")


def measured(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> dict[str, float]:
    """Run ``cmd`` in a fresh measuring process: wall s, CPU s and peak RSS MiB of its tree."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(log), *cmd], env=env, cwd=cwd,
                          check=True, capture_output=True, text=True)
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{cmd[0]} failed (exit {result['rc']}); see {log}")
    return result


def spmg_variants(out: Path, context: str) -> pd.DataFrame:
    """SPMG's per-variant classification (its seqInfo files): sample, chrom, pos, key."""
    sub = {"DBS78": "DBS", "ID83": "ID"}.get(context, "SNV")
    frames = []
    for path in sorted((out / "vcf_files" / sub).glob("*_seqinfo.txt")):
        if path.stat().st_size:
            frames.append(pd.read_csv(path, sep="\t", header=None, dtype=str).iloc[:, :4])
    if not frames:
        return pd.DataFrame(columns=["sample", "chrom", "pos", "key"])
    table = pd.concat(frames)
    table.columns = ["sample", "chrom", "pos", "key"]
    return table


def consecutive_runs(offsets: list[int]) -> list[list[int]]:
    """Maximal runs of consecutive integers in sorted ``offsets``."""
    runs: list[list[int]] = []
    for k in offsets:
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


def spmg_multi_snvs(out: Path) -> set[tuple[str, str, int]]:
    """(sample, chrom, pos) of the SNVs that SPMG also counted in a DBS, or that lie in one of
    its MNSs on 3+ consecutive positions (sigforge's ``in_dbs`` / ``mnv`` fates)."""
    taken = set()
    for r in spmg_variants(out, "DBS78").itertuples():
        taken |= {(r.sample, r.chrom, int(r.pos)), (r.sample, r.chrom, int(r.pos) + 1)}
    for path in sorted((out / "vcf_files" / "MNS").glob("*_seqinfo.txt")):
        if not path.stat().st_size:
            continue
        rows = pd.read_csv(path, sep="\t", header=None, dtype=str).iloc[:, :4]
        for sample, chrom, start, change in rows.itertuples(index=False):
            ref, alt = change.split(">")
            changed = [k for k in range(len(ref)) if ref[k] != alt[k]]
            for run in consecutive_runs(changed):
                if len(run) >= 3:
                    taken |= {(sample, chrom, int(start) + k) for k in run}
    return taken


def tally(labels: pd.Series, samples: pd.Series, index: pd.Index,
          columns: pd.Index) -> pd.DataFrame:
    """Counts of (label, sample) pairs as a label x sample matrix on the given axes."""
    out = pd.DataFrame(0, index=index, columns=columns, dtype="int64")
    pairs = pd.DataFrame({"label": labels.to_numpy(), "sample": samples.to_numpy()})
    for (label, sample), n in pairs.value_counts().items():
        if label in out.index and sample in out.columns:
            out.loc[label, sample] += int(n)
    return out


def strand_split(calls: pd.DataFrame, labels: pd.Index, samples: pd.Index) -> pd.DataFrame:
    """SBS288 from per-SNV 6144 keys with SPMG's rule for bases in genes on both strands:
    a channel's B count b adds b//2 + b%2 to T and b//2 to U."""
    strand, base = calls["key"].str[0], calls["key"].str[3:10]
    channels = pd.Index(sorted({x[2:] for x in labels}))
    blocks = {letter: tally(base[strand == letter], calls["sample"][strand == letter], channels,
                            samples) for letter in "TUNB"}
    both = blocks["B"]
    blocks["T"] = blocks["T"] + both // 2 + both % 2
    blocks["U"] = blocks["U"] + both // 2
    stacked = pd.concat({k: blocks[k] for k in "TUN"})
    stacked.index = [f"{k}:{x}" for k, x in stacked.index]
    return stacked.reindex(index=labels).fillna(0).astype("int64")


def spmg_sbs_without(out: Path, peer: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
    """SPMG's SBS matrices rebuilt from its per-SNV calls without the SNVs it also counted in a
    DBS or that form 3+ adjacent SNVs (for a sigforge that gives every variant one fate)."""
    taken = spmg_multi_snvs(out)
    calls = spmg_variants(out, "SBS96")
    keep = [(s, c, int(p)) not in taken
            for s, c, p in zip(calls["sample"], calls["chrom"], calls["pos"], strict=True)]
    calls = calls[keep]
    rebuilt = {}
    for context, labels in (("SBS96", calls["key"].str[3:10]),
                            ("SBS1536", calls["key"].str[2:])):
        frame = peer.get(context)
        if frame is not None:
            rebuilt[context] = tally(labels, calls["sample"], frame.index, frame.columns)
    if peer.get("SBS288") is not None:
        frame = peer["SBS288"]
        rebuilt["SBS288"] = strand_split(calls, frame.index, frame.columns)
    return rebuilt
