"""Benchmark: writing and reading the national batch's expert score sheets.

Builds the synthetic national batch (``national_batch(seed=0)``), writes its synthetic
panels (roster + filled sheets, per domain × category) and times

* ``read_sheets`` (python-calamine, with roster, assignment and recusal checks), against
* the naive alternative: ``pandas.read_excel(engine="openpyxl", sheet_name=None)`` of the
  same workbooks, which only loads the cells and checks nothing.

Run: ``.venv/bin/python benchmarks/bench_expert_sheets.py``.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from nebase_analysis.experts.assignment import read_roster
from nebase_analysis.experts.panels import write_synthetic_panels
from nebase_analysis.experts.sheets import read_sheets
from nebase_analysis.synth import national_batch


def best_of(fn, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    batch = national_batch(seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        out = write_synthetic_panels(batch, tmp, seed=0)
        t_write = time.perf_counter() - t
        sheets = Path(tmp) / "experts" / "sheets"
        roster = read_roster(Path(tmp) / "experts" / "roster.xlsx")
        issued = pd.read_csv(sheets / "assignments.csv", dtype=str, encoding="utf-8-sig")
        files = sorted(sheets.glob("*.xlsx"))
        t_cal, (scores, rejected) = best_of(
            lambda: read_sheets(sheets, roster=roster, assignments=issued, applicants=batch.applicants))
        t_opx, _ = best_of(lambda: [pd.read_excel(f, sheet_name=None, header=None, engine="openpyxl") for f in files])
    print(f"national batch: {batch.n_applicants} applicants, {len(out['roster'])} experts, "
          f"{len(out['assignments'])} assignments, {len(files)} workbooks, shortfalls {len(out['shortfalls'])}")
    print(f"write_synthetic_panels (roster + assignment + filled sheets): {t_write:.2f} s")
    print(f"read_sheets (calamine, all checks): {t_cal:.3f} s -> {len(scores)} scores, {len(rejected)} rejected")
    print(f"naive pandas.read_excel(openpyxl), cells only: {t_opx:.3f} s  (ratio {t_opx / t_cal:.1f}x)")


if __name__ == "__main__":
    main()
