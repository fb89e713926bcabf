"""Intake speed: the 418-workbook national batch read by ``load_batch`` (python-calamine,
XML look for formulas/merges, cleaning) against the naive alternative (pandas.read_excel
with openpyxl, one call per sheet, no cleaning), in the same run. Also times ``write_raw``.

Run: ``.venv/bin/python benchmarks/bench_intake.py [--seed 0] [--keep DIR]``
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", default=None, help="write the raw batch here (default: a temp dir)")
    args = ap.parse_args()

    import pandas as pd

    from nebase_analysis.config import resolve_config
    from nebase_analysis.intake import load_batch
    from nebase_analysis.synth import national_batch
    from nebase_analysis.templates import write_raw

    cfg = resolve_config(None)  # config load (YAML) is timed apart: it is paid once per process
    batch = national_batch(seed=args.seed, fault_rate=0, config=cfg)
    tmp = tempfile.TemporaryDirectory() if args.keep is None else None
    root = Path(args.keep or tmp.name)

    figures = {}
    for jobs in (1, 2):
        out = root / f"raw_j{jobs}"
        t = time.perf_counter()
        write_raw(batch, out, config=cfg, jobs=jobs)
        figures[f"write_raw jobs={jobs}"] = time.perf_counter() - t
    raw = root / "raw_j1"
    files = sorted((raw / "applications").rglob("*.xlsx"))
    n_forms = sum(1 for f in files if f.name != "推荐汇总表.xlsx")

    for jobs in (1, 2):
        t = time.perf_counter()
        got = load_batch(raw, cfg, progress=False, jobs=jobs)
        figures[f"load_batch jobs={jobs}"] = time.perf_counter() - t
        assert got.n_applicants == batch.n_applicants and got.rejected.empty

    # naive: pandas.read_excel(engine="openpyxl") of every sheet of every file, values only
    t = time.perf_counter()
    for f in files:
        pd.read_excel(f, sheet_name=None, header=None, engine="openpyxl")
    figures["naive pandas.read_excel(openpyxl)"] = time.perf_counter() - t

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"files: {len(files)} ({n_forms} applicant workbooks + {len(files) - n_forms} summaries), "
          f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB")
    for k, v in figures.items():
        print(f"{k:38s} {v:7.2f} s")
    ratio = figures["naive pandas.read_excel(openpyxl)"] / figures["load_batch jobs=1"]
    print(f"load_batch (jobs=1) is {ratio:.1f}x faster than the naive read, and also cleans and checks")
    print(f"target < 10 s: {'met' if figures['load_batch jobs=1'] < 10 else 'NOT met'}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
