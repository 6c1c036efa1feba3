"""Stratified discovery on real PCAWG genomes: each tumour type factored on its own, merged.

Reads ``WGS_PCAWG.96.csv`` and the published PCAWG attributions
(``PCAWG_sigProfiler_SBS_signatures_in_samples.csv``; ../shared/data/real/PROVENANCE.md, never
copied into the repository), writes the chosen types' genomes as one catalog with a groups
file (group = tumour type), and runs ``sigforge extract --groups`` on it, as a user would;
``--pooled`` also runs the plain ``sigforge extract`` on the same genomes for comparison.

The yardstick: the processes the published attributions give >= 5% of the mutations in
>= 10% of a type's genomes (one list per type, then their union). A process counts as found
when a merged signature matches its COSMIC v3.6 SBS96 (GRCh37) spectrum at cosine >= 0.90.
PCAWG's attributions predate COSMIC v3.4's split of some signatures (SBS40 into SBS40a/b/c,
SBS22 into SBS22a/b...): such a process counts as found when any of its parts is.

    python benchmarks/pcawg_stratified.py --data ../shared/data/real --out /tmp/strat \\
        --ranks 1-12 --replicates 10 --threads 2 [--pooled]

CPU seconds are user + system of the ``sigforge`` process tree, its worker pool included
(``benchmarks/_tree_cpu.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _tree_cpu import run_tree  # noqa: E402
from pcawg import read_pcawg  # noqa: E402

from sigforge.genomics.reference import load_reference  # noqa: E402
from sigforge.io import read_table, write_matrix  # noqa: E402
from sigforge.refit import decompose_signatures  # noqa: E402

#: The eight tumour types of the pooled measurement (1,056 genomes).
EIGHT_TYPES = ["Breast-AdenoCA", "Liver-HCC", "Skin-Melanoma", "Lung-SCC", "ColoRect-AdenoCA",
               "Stomach-AdenoCA", "Eso-AdenoCA", "Kidney-RCC"]
MATCH_COSINE = 0.90
MIN_SHARE, MIN_GENOMES = 0.05, 0.10


def published_processes(path: Path, types: list[str]) -> dict[str, list[str]]:
    """Per type, the signatures giving >= 5% of the mutations in >= 10% of its genomes."""
    table = pd.read_csv(path)
    counts = table.drop(columns=["Cancer Types", "Sample Names", "Accuracy"])
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    out = {}
    for t in types:
        rows = shares[table["Cancer Types"] == t]
        active = (rows >= MIN_SHARE).mean(axis=0) >= MIN_GENOMES
        out[t] = [str(s) for s in rows.columns[active]]
    return out


def reference_parts(name: str, reference: pd.DataFrame) -> list[str]:
    """The COSMIC v3.6 columns standing for a published name (itself, or its later parts)."""
    if name in reference.columns:
        return [name]
    return [c for c in reference.columns if c.startswith(name) and c[len(name):].isalpha()]


def best_matches(signatures: pd.DataFrame, processes: list[str],
                 reference: pd.DataFrame) -> dict[str, float]:
    """For each process, the best cosine of any of its COSMIC parts to any found signature."""
    if signatures.shape[1] == 0:
        return dict.fromkeys(processes, 0.0)
    found = signatures.to_numpy(dtype=float)
    found = found / np.linalg.norm(found, axis=0)
    out = {}
    for process in processes:
        parts = reference_parts(process, reference)
        spectra = reference[parts].to_numpy(dtype=float)
        spectra = spectra / np.linalg.norm(spectra, axis=0)
        out[process] = float((spectra.T @ found).max()) if parts else float("nan")
    return out


def run_extract(args: argparse.Namespace, catalog: Path, out: Path,
                groups: Path | None) -> tuple[float, float]:
    """``sigforge extract`` (with --groups when given); its wall and CPU seconds."""
    command = [str(Path(sys.executable).parent / "sigforge"), "-q", "extract", "--catalog",
               str(catalog), "--catalog-name", "SBS96", "--ranks", args.ranks,
               "--replicates", str(args.replicates), "--threads", str(args.threads),
               "--normalisation", args.normalisation, "--max-iter", str(args.max_iter),
               "--drop-empty", "--out", str(out)]
    if groups is not None:
        command += ["--groups", str(groups)]
    command += args.extract_args.split()
    done, cpu, wall = run_tree(command, capture=False)
    if done.returncode != 0:
        raise SystemExit(f"sigforge extract failed (exit {done.returncode})")
    return wall, cpu


def decomposition_summary(signatures: pd.DataFrame, reference: pd.DataFrame,
                          processes: list[str], out: Path) -> dict:
    """The found signatures decomposed into COSMIC v3.6 (``sigforge``'s sparse cosine rule, as
    the cohort report does), written to ``out``; how many match one COSMIC signature at
    >= 0.90, how many are explained by a sparse mix at >= 0.90, how many are novel, and which
    published processes appear in some decomposition with >= 10% weight."""
    if signatures.shape[1] == 0:
        return {"direct": 0, "explained": 0, "novel": 0, "processes_in_decompositions": []}
    table = decompose_signatures(signatures, reference, novel_below=MATCH_COSINE)
    table.to_csv(out, sep="\t")
    components = {part.split(":")[0] for cell in table["components"] for part in cell.split(";")
                  if part and float(part.split(":")[1]) >= 0.10}
    present = [p for p in processes if set(reference_parts(p, reference)) & components]
    return {"direct": int((table["best_match_cosine"] >= MATCH_COSINE).sum()),
            "explained": int((~table["novel"]).sum()), "novel": int(table["novel"].sum()),
            "processes_in_decompositions": present}


def summarise(name: str, folder: Path, processes: dict[str, list[str]],
              reference: pd.DataFrame, wall: float, cpu: float) -> dict:
    """Found processes of the union and per type, and the COSMIC decomposition of the found
    set, for one extract folder."""
    signatures = read_table(folder / "signatures.tsv")
    union = sorted(set().union(*processes.values()))
    cosines = best_matches(signatures, union, reference)
    per_type = {t: sum(cosines[p] >= MATCH_COSINE for p in ps) for t, ps in processes.items()}
    provenance = json.loads((folder / "provenance.json").read_text())
    decomposition = decomposition_summary(signatures, reference, union,
                                          folder / "cosmic_decomposition.tsv")
    return {"run": name, "signatures": int(signatures.shape[1]), "wall_s": wall, "cpu_s": cpu,
            "found": int(sum(c >= MATCH_COSINE for c in cosines.values())),
            "processes": len(union), "cosines": cosines, "per_type": per_type,
            "decomposition": decomposition,
            "per_type_total": {t: len(ps) for t, ps in processes.items()},
            "group_ranks": {g: v.get("chosen_rank") for g, v in
                            provenance.get("groups", {}).items()},
            "chosen_rank": provenance.get("chosen_rank")}


def markdown(rows: list[dict]) -> str:
    """One line per run, then the per-process cosines."""
    lines = ["| run | signatures | processes found (cosine >= 0.90) | COSMIC decomposition: "
             "direct / explained / novel | processes in decompositions | wall s | CPU s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        d = r["decomposition"]
        lines.append(f"| {r['run']} | {r['signatures']} | {r['found']} of {r['processes']} | "
                     f"{d['direct']} / {d['explained']} / {d['novel']} | "
                     f"{len(d['processes_in_decompositions'])} of {r['processes']} | "
                     f"{r['wall_s']:.0f} | {r['cpu_s']:.0f} |")
    for r in rows:
        missed = ", ".join(f"{p} ({c:.2f})" for p, c in r["cosines"].items()
                           if not c >= MATCH_COSINE)
        lines.append(f"\n{r['run']}: missed {missed or 'none'}; chosen ranks per group "
                     f"{r['group_ranks'] or r['chosen_rank']}")
    return "\n".join(lines)


def main() -> None:
    """Write the catalog and groups, run the extractions, write results.json and table.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/real"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--types", nargs="*", default=EIGHT_TYPES,
                        help="tumour types; 'all' for every type")
    parser.add_argument("--ranks", default="1-12")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--normalisation", default="none", choices=["none", "cap", "gmm"])
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pooled", action="store_true", help="also the unstratified run")
    parser.add_argument("--extract-args", default="",
                        help="further sigforge extract options, e.g. '--volume 0.5'")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reference = load_reference("COSMIC_v3.6", genome_build="GRCh37").data
    catalog = read_pcawg(args.data / "WGS_PCAWG.96.csv", reference.index)
    types = pd.Series([c.split("::")[0] for c in catalog.columns], index=catalog.columns)
    chosen = sorted(set(types)) if args.types == ["all"] else args.types
    catalog = catalog.loc[:, types.isin(chosen)]
    catalog.index.name = "MutationType"
    write_matrix(catalog, args.out / "SBS96.tsv", integer=True)
    groups = pd.DataFrame({"sample": catalog.columns, "group": types[catalog.columns].values})
    groups.to_csv(args.out / "groups.tsv", sep="\t", index=False)
    processes = published_processes(
        args.data / "PCAWG_sigProfiler_SBS_signatures_in_samples.csv", chosen)
    rows = []
    runs = [("stratified", args.out / "groups.tsv")] + ([("pooled", None)] if args.pooled
                                                       else [])
    for name, group_file in runs:
        wall, cpu = run_extract(args, args.out / "SBS96.tsv", args.out / name, group_file)
        rows.append(summarise(name, args.out / name, processes, reference, wall, cpu))
        print(markdown(rows[-1:]), flush=True)
    (args.out / "results.json").write_text(json.dumps(
        {"settings": vars(args) | {"data": str(args.data), "out": str(args.out)},
         "genomes": int(catalog.shape[1]), "processes": processes, "runs": rows},
        indent=1, default=float))
    (args.out / "table.md").write_text(markdown(rows) + "\n")


if __name__ == "__main__":
    main()
