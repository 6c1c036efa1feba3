"""Reading a large table: ``sigforge.io.read_matrix`` against a plain ``pandas.read_csv``.

Writes (seeded) two tab-separated tables of 20,000 features x 300 columns, one of counts
(Poisson, mean 5) and one of real values (gamma, written with full precision), the size of an
expression matrix or a word-count matrix given to the generic layer, and times, alternating
within every repeat:

- ``read_matrix`` (every check of the reader: fields per line, labels, UTF-8, numbers), which
  reads a large plain table with pandas alone (``sigforge._direct_read``);
- ``read_matrix`` with the one-block read of wide tables (``--columns`` of
  ``sigforge._direct_read.WIDE_FROM`` or more) off;
- ``read_matrix`` with that direct read off (every line checked by the csv module first);
- ``read_matrix`` with the number path off too (every cell converted from text, as the
  reader did before value columns were parsed as numbers);
- ``pandas.read_csv(..., index_col=0)``, no checks: the floor.

Wall medians of ``--repeats`` in one process; the reads give the same values (checked). Then
each reader once more in a fresh process for its peak resident memory (``VmHWM``), less
that of a process that only imported the modules.

    python benchmarks/table_read.py --repeats 5
    python benchmarks/table_read.py --rows 96 --columns 150000 --repeats 3 \
        --readers read_matrix "read_matrix, no wide read" "pandas.read_csv (no checks)"
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import sigforge._direct_read as direct_read
import sigforge._text_tables as text_tables
from sigforge.io import read_matrix


def write_tables(folder: Path, rows: int, columns: int, seed: int) -> dict[str, Path]:
    """The counts table and the real-valued table, as TSV under ``folder``."""
    rng = np.random.default_rng(seed)
    index = pd.Index([f"feature{i}" for i in range(rows)], name="Feature")
    names = [f"sample{j}" for j in range(columns)]
    tables = {"counts": pd.DataFrame(rng.poisson(5, (rows, columns)), index, names),
              "real values": pd.DataFrame(rng.gamma(2.0, 3.0, (rows, columns)), index, names)}
    paths = {}
    for name, frame in tables.items():
        paths[name] = folder / f"{name.replace(' ', '_')}.tsv"
        frame.to_csv(paths[name], sep="\t")
    return paths


def read_without(setting: str, path: Path) -> pd.DataFrame:
    """``read_matrix`` with one of ``sigforge._direct_read``'s thresholds (``DIRECT_FROM``,
    ``WIDE_FROM``) set out of reach, so that its fast read is off."""
    start = getattr(direct_read, setting)
    setattr(direct_read, setting, float("inf"))
    try:
        return read_matrix(path).data
    finally:
        setattr(direct_read, setting, start)


def line_reader_read(path: Path) -> pd.DataFrame:
    """``read_matrix`` with the direct read off: every line checked by the csv module."""
    return read_without("DIRECT_FROM", path)


def text_path_read(path: Path) -> pd.DataFrame:
    """``read_matrix`` with the direct read and the number path off: every cell converted
    from text."""
    number_frame = text_tables._number_frame
    text_tables._number_frame = lambda *args, **kwargs: None
    try:
        return line_reader_read(path)
    finally:
        text_tables._number_frame = number_frame


def columnwise_read(path: Path) -> pd.DataFrame:
    """``read_matrix`` with the wide tables' one-block read off: pandas keeps each of a wide
    table's columns apart (how such tables were read before)."""
    return read_without("WIDE_FROM", path)


READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "read_matrix": lambda path: read_matrix(path).data,
    "read_matrix, no wide read": columnwise_read,
    "read_matrix, line reader": line_reader_read,
    "read_matrix, text path only": text_path_read,
    "pandas.read_csv (no checks)": lambda path: pd.read_csv(path, sep="\t", index_col=0),
}


def peak_memory(reader: str | None, path: Path) -> float:
    """Peak resident memory (MB) of a fresh process that reads ``path`` with ``reader``
    (None: imports only)."""
    # VmHWM, not ru_maxrss: Linux carries a process's ru_maxrss across exec, so a child of
    # this (large) process would report this one's peak.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import table_read; "
            "reader = sys.argv[2]; "
            "reader and table_read.READERS[reader](table_read.Path(sys.argv[3])); "
            "print(next(line.split()[1] for line in open('/proc/self/status') "
            "if line.startswith('VmHWM')))")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent),
                           reader or "", str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1]) / 1024


def main() -> None:
    """Print the median wall time of each reader on each table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--columns", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--readers", nargs="+", choices=list(READERS), default=list(READERS),
                        help="the readers to time (default: all)")
    args = parser.parse_args()
    for name in set(READERS) - set(args.readers):
        del READERS[name]
    with tempfile.TemporaryDirectory() as folder:
        paths = write_tables(Path(folder), args.rows, args.columns, args.seed)
        print(f"| table ({args.rows:,} x {args.columns}) | "
              + " | ".join(READERS) + " |")
        print("|---|" + "---|" * len(READERS))
        for name, path in paths.items():
            times: dict[str, list[float]] = {reader: [] for reader in READERS}
            results = {}
            for _ in range(args.repeats):
                for reader, read in READERS.items():
                    start = time.perf_counter()
                    results[reader] = read(path)
                    times[reader].append(time.perf_counter() - start)
            values = [frame.to_numpy(dtype=np.float64) for frame in results.values()]
            same = all(np.array_equal(values[0], other) for other in values[1:])
            print(f"| {name} | " + " | ".join(f"{statistics.median(t):.2f} s"
                                              for t in times.values())
                  + f" |{'' if same else ' VALUES DIFFER'}")
        base = peak_memory(None, paths["counts"])
        for name, path in paths.items():
            print(f"| {name}, peak memory above imports ({path.stat().st_size / 1e6:.0f} MB "
                  "file) | " + " | ".join(f"{peak_memory(reader, path) - base:.0f} MB"
                                          for reader in READERS) + " |")


if __name__ == "__main__":
    main()
