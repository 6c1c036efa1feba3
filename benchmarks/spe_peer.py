"""SigProfilerExtractor as a peer: its venv, a driver run in that venv, and its outputs read back.

SigProfilerExtractor is never a sigforge dependency. It lives in its own venv, which
:func:`ensure_venv` creates when asked (plain PyPI ``torch==2.13.0`` first, then the CPU wheel
index, then ``SigProfilerExtractor==1.4.1``), or an existing one is reused (``--peer-venv``).
The driver runs one extraction with ``cpu=1`` and one torch thread, skips SigProfilerAssignment's
COSMIC decomposition (``stop_after_extraction=True``: we score the de novo signatures) and
records its own CPU time (process plus children) and wall time in ``timing.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

SPE_VERSION = "1.4.1"
TORCH_VERSION = "2.13.0"

DRIVER = """
import json, resource, sys, time
import torch
torch.set_num_threads(1)
from SigProfilerExtractor import sigpro
matrix, out, kmin, kmax, reps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
start = time.perf_counter()
sigpro.sigProfilerExtractor("matrix", out, matrix, reference_genome="GRCh37",
    minimum_signatures=kmin, maximum_signatures=kmax, nmf_replicates=reps, cpu=1,
    assignment_cpu=1, make_decomposition_plots=False, export_probabilities=False,
    stop_after_extraction=True)
wall = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
json.dump({"wall_s": wall, "cpu_s": cpu}, open(out + "/timing.json", "w"))
"""


def ensure_venv(venv: Path) -> Path:
    """The python of a venv holding SigProfilerExtractor, creating the venv if it is missing."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import SigProfilerExtractor, torch"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    if subprocess.run([*pip, f"torch=={TORCH_VERSION}"]).returncode != 0:
        subprocess.run([*pip, f"torch=={TORCH_VERSION}", "--index-url",
                        "https://download.pytorch.org/whl/cpu"], check=True)
    subprocess.run([*pip, f"SigProfilerExtractor=={SPE_VERSION}"], check=True)
    return python


def run_spe(python: Path, matrix: Path, out: Path, ranks: range, replicates: int) -> dict:
    """Run the driver (blocking) and return its timing; SigProfiler's log goes to out/."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    with open(out / "driver.log", "w") as log:
        subprocess.run([str(python), "-c", DRIVER, str(matrix), str(out), str(ranks.start),
                        str(ranks.stop - 1), str(replicates)], check=True, env=env,
                       stdout=log, stderr=subprocess.STDOUT)
    return json.loads((out / "timing.json").read_text())


def spe_chosen_rank(out: Path) -> int:
    """SPE's suggested rank: the row marked '*' in its All_solutions_stat.csv."""
    stats = pd.read_csv(out / "SBS96" / "All_solutions_stat.csv")
    marked = stats["Signatures"].astype(str)
    return int(marked[marked.str.endswith("*")].iloc[0].rstrip("*"))


def read_spe_signatures(out: Path, k: int | None = None) -> pd.DataFrame:
    """SPE's de novo signatures at rank ``k``, by default at its suggested rank.

    With ``stop_after_extraction`` SPE writes no Suggested_Solution folder; the suggested rank
    is the one starred in All_solutions_stat.csv and its signatures are in All_Solutions.
    """
    k = spe_chosen_rank(out) if k is None else k
    path = (out / "SBS96" / "All_Solutions" / f"SBS96_{k}_Signatures" / "Signatures"
            / f"SBS96_S{k}_Signatures.txt")
    return pd.read_csv(path, sep="\t", index_col=0)


def read_spe_timing(out: Path) -> dict:
    """The driver's recorded wall and CPU seconds."""
    return json.loads((out / "timing.json").read_text())


if __name__ == "__main__":  # python benchmarks/spe_peer.py VENV MATRIX OUT KMIN KMAX REPS
    venv_dir, matrix_path, out_dir, kmin, kmax, reps = sys.argv[1:7]
    print(run_spe(ensure_venv(Path(venv_dir)), Path(matrix_path), Path(out_dir),
                  range(int(kmin), int(kmax) + 1), int(reps)))
