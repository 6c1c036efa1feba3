"""CPU of the bundled demo through Snakemake against the same stages through the CLI.

Usage: python benchmarks/workflow_overhead.py [--repeats 3] [--cores 2] [--with-ilp]

Each repeat copies the workflow into a fresh folder and runs, side by side:

- ``workflow``: ``snakemake --cores N`` on the default configuration and the workflow profile
  (profiles/default: greedy scheduler), every job a process;
- ``workflow-ilp`` (with ``--with-ilp``): the same with Snakemake's default ILP scheduler;
- ``cli``: the same stages by hand on one machine: one ``sigforge catalog`` over all VCFs,
  one ``sigforge extract --threads N`` per context, the de novo and reference refits per
  context, one ``sigforge refit --vcf`` per patient, one ``sigforge report``; every option
  from the same configuration (sigforge.workflow.flags builds both).

CPU is user + sys of the whole process tree, process-pool servers the command never waits for
included (``benchmarks/_tree_cpu.py``). A busy
or noisy machine still shifts CPU seconds by tens of percent from one repeat to the next, for
both paths alike, so the headline is the median of the per-repeat ratios (both paths ran side
by side, minutes apart); the medians of each path are printed too. The script checks that the
paths wrote the same signatures, byte for byte.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from _tree_cpu import run_tree  # noqa: E402

from sigforge.genomics.samplesheet import read_sample_sheet  # noqa: E402
from sigforge.workflow import flags  # noqa: E402


def copy_workflow(dest: Path) -> Path:
    """What a user clones: Snakefile, workflow, profiles, config and the example inputs."""
    dest.mkdir(parents=True)
    for name in ("Snakefile", "environment.yml"):
        shutil.copy(REPO / name, dest)
    for folder in ("workflow", "profiles", "config", "resources/example"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def clean_environment(home: Path) -> dict[str, str]:
    """A minimal environment: the venv first on PATH, and PYTHONPATH passed on when set (to
    measure a source tree other than the installed one)."""
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home)}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


class CpuClock:
    """User + sys seconds and wall seconds of the subprocesses run through it."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.wall = 0.0

    def run(self, args: list[str], cwd: Path) -> None:
        """Run one command to completion (failing loudly) and add its cost."""
        done, cpu, wall = run_tree(args, cwd=cwd, env=clean_environment(cwd))
        self.cpu += cpu
        self.wall += wall
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stdout[-2000:]}"
                             f"{done.stderr[-3000:]}")


def run_workflow(workdir: Path, cores: int, scheduler: str | None = None) -> CpuClock:
    """The default target through Snakemake (into a fresh outdir), optionally another scheduler."""
    shutil.rmtree(workdir / "results", ignore_errors=True)
    shutil.rmtree(workdir / ".snakemake", ignore_errors=True)
    clock = CpuClock()
    extra = ["--scheduler", scheduler] if scheduler else []
    clock.run([str(BIN / "snakemake"), "--cores", str(cores), "-q", *extra], workdir)
    return clock


def run_cli(workdir: Path, cores: int) -> CpuClock:
    """The same stages through the sigforge CLI, outputs under cli/."""
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    sheet = read_sample_sheet(workdir / config["samples"])
    contexts = config["catalog"]["contexts"]
    extract, rank = config["extract"], config["rank"]
    sigforge, out = str(BIN / "sigforge"), workdir / "cli"
    refit = flags.refit_flags(config["refit"], config["seed"], config["genome_build"])
    clock = CpuClock()
    clock.run([sigforge, "-q", "catalog", f"--reference={config['reference']}",
               "--vcf", *sheet["vcf"], "--sample-name", *sheet["sample_id"],
               "--contexts", *contexts, "--out", str(out / "catalogs")], workdir)
    for context in contexts:
        catalog = str(out / "catalogs" / f"{context}.tsv")
        clock.run([sigforge, "-q", "extract", "--catalog", catalog, "--catalog-name", context,
                   "--ranks", f"{extract['ranks']['min']}-{extract['ranks']['max']}",
                   "--replicates", str(extract["replicates"]),
                   "--replicates-per-chunk", str(extract["replicates_per_chunk"]),
                   "--seed", str(config["seed"]), "--threads", str(cores),
                   "--cv-folds", str(rank["cv_folds"]), "--drop-empty",
                   f"--skip-unfactorable={extract['ranks']['max']}",
                   "--out", str(out / "extract" / context)], workdir)
        clock.run([sigforge, "-q", "refit", "--catalog", catalog, "--signatures",
                   str(out / "extract" / context / "signatures.tsv"), *refit,
                   *flags.decompose_flags(context, config["signatures"], contexts,
                                          config["refit"]["novel_below"]),
                   "--out", str(out / "refit" / context)], workdir)
        clock.run([sigforge, "-q", "refit", "--catalog", catalog,
                   f"--signatures={config['signatures']}", *refit,
                   "--out", str(out / "refit" / context / "reference")], workdir)
    for row in sheet.itertuples():
        clock.run([sigforge, "-q", "refit", *refit, f"--signatures={config['signatures']}",
                   *flags.vcf_refit_flags(row.vcf, config["reference"], row.sample_id, "",
                                          all_filters=False, page_dir=str(out)),
                   "--out", str(out / "patients" / row.stem)], workdir)
    clock.run([sigforge, "-q", "report", "--catalog-dir", str(out / "catalogs"),
               "--extract-dir", str(out / "extract"), "--refit-dir", str(out / "refit"),
               f"--signatures={config['signatures']}", "--patients-dir",
               str(out / "patients"), "--threads", str(cores),
               "--genome-build", config["genome_build"], "--out", str(out / "report")],
              workdir)
    return clock


def chosen_signatures(workdir: Path, name: str, contexts: list[str]) -> dict[str, bytes]:
    """The chosen signatures a path wrote (results/ for the workflow, cli/ for the CLI)."""
    folder = workdir / ("cli" if name == "cli" else "results") / "extract"
    return {c: (folder / c / "signatures.tsv").read_bytes() for c in contexts}


def main() -> None:
    """Run the repeats and print the table of docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--with-ilp", action="store_true",
                        help="also run the workflow with Snakemake's ILP scheduler")
    args = parser.parse_args()
    runners: dict[str, Callable[[Path, int], CpuClock]] = {"workflow": run_workflow}
    if args.with_ilp:
        runners["workflow-ilp"] = lambda workdir, cores: run_workflow(workdir, cores, "ilp")
    runners["cli"] = run_cli
    rows: dict[str, list[tuple[float, float]]] = {name: [] for name in runners}
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            workdir = copy_workflow(Path(tmp) / "demo")
            contexts = yaml.safe_load((workdir / "config/config.yaml").read_text())[
                "catalog"]["contexts"]
            written = []
            for name, runner in runners.items():
                clock = runner(workdir, args.cores)
                written.append(chosen_signatures(workdir, name, contexts))
                rows[name].append((clock.cpu, clock.wall))
                print(f"repeat {repeat + 1} {name}: cpu {clock.cpu:.1f} s, wall "
                      f"{clock.wall:.1f} s", flush=True)
            if any(other != written[0] for other in written[1:]):
                raise SystemExit("the paths wrote different signatures")
    cpu = {name: statistics.median(c for c, _ in values) for name, values in rows.items()}
    wall = {name: statistics.median(w for _, w in values) for name, values in rows.items()}
    print("\n| path | CPU user+sys (s) | wall (s) |\n|---|---|---|")
    for name in rows:
        print(f"| {name} | {cpu[name]:.1f} | {wall[name]:.1f} |")
    for name in runners:
        if name != "cli":
            ratios = [w / c for (w, _), (c, _) in zip(rows[name], rows["cli"], strict=True)]
            print(f"{name} / CLI CPU: {statistics.median(ratios):.2f}x (median of the "
                  f"{args.repeats} side-by-side ratios {', '.join(f'{r:.2f}' for r in ratios)}; "
                  f"ratio of the medians {cpu[name] / cpu['cli']:.2f}x; identical signatures)")


if __name__ == "__main__":
    main()
