"""Benchmark: the full report set with ``nebase report`` vs the naive way.

Naive: for one notebook of each report type, ``papermill`` CLI then ``jupyter nbconvert``
CLI (``--to html --no-input``), one after another, timed; extrapolated to the full set by
the number of reports of each type. Ours: :func:`nebase_analysis.reports.runner.run_reports`
on the whole set (warm kernels, 2 workers, longest report first). Both read the same
processed tables and the same prepared report tables (``processed/report_data``).

Prints the wall time of both, their ratio, and per report type the seconds the runner's
workers spent (summed over the workers) next to the naive seconds per report.

Usage::

    python benchmarks/bench_reports.py [--processed data/processed] [--jobs 2]

Without processed tables at ``--processed``, a synthetic national batch is generated and
taken through ``nebase run`` (all stages but the reports) into a temporary folder first.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ensure_processed(processed: Path, tmp: Path) -> Path:
    if (processed / "final_ranking.parquet").exists():
        return processed
    from nebase_analysis.cli import main

    raw, processed = tmp / "raw", tmp / "processed"
    assert main(["synth", "--out", str(raw), "--seed", "0"]) == 0
    assert main(["run", "--raw", str(raw), "--processed", str(processed), "--reports", str(tmp / "prep"),
                 "--only", "ingest", "--only", "validate", "--only", "score", "--only", "experts", "--only", "rank"]) == 0
    return processed


def naive(plan, processed: Path, out: Path) -> tuple[float, dict]:
    """Sequential papermill CLI + nbconvert CLI for one job per type; returns (extrapolated s, per-type s)."""
    from nebase_analysis.reports.runner import notebooks_dir

    bindir = Path(sys.executable).parent
    out.mkdir(parents=True, exist_ok=True)
    per_type = {}
    seen = set()
    for job in plan:
        if job.type in seen:
            continue
        seen.add(job.type)
        executed = out / f"{job.slug}.ipynb"
        args = [str(bindir / "papermill"), str(notebooks_dir() / job.notebook), str(executed), "--no-progress-bar", "-k", "python3"]
        for k, v in job.params.items():
            args += ["-p", k, str(v)]
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        subprocess.run([str(bindir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)], check=True, capture_output=True)
        per_type[job.type] = time.perf_counter() - t0
    counts = Counter(j.type for j in plan)
    return sum(per_type[t] * n for t, n in counts.items()), per_type


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--processed", default=str(ROOT / "data" / "processed"))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    from nebase_analysis.reports.prepare import prepare_report_data
    from nebase_analysis.reports.runner import plan_reports, run_reports

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        processed = ensure_processed(Path(args.processed), tmp)
        t0 = time.perf_counter()
        summary = run_reports(processed, tmp / "ours", jobs=args.jobs, progress=False)
        ours = time.perf_counter() - t0
        n_ok = sum(r.ok for r in summary.results)
        data_dir = prepare_report_data(processed)["overview"].parent
        plan = plan_reports(tmp / "naive", processed_dir=processed, data_dir=data_dir)
        naive_total, per_type = naive(plan, processed, tmp / "naive")
    print(f"reports: {len(plan)} ({n_ok} ok with the runner)")
    print(f"naive (papermill CLI + nbconvert CLI, sequential; one per type, extrapolated): {naive_total:.1f} s")
    print(f"nebase report (warm kernels, {args.jobs} workers): {ours:.1f} s")
    print(f"ratio: {naive_total / ours:.1f}x")
    print("per type: reports, runner s summed over workers (mean per report), naive s per report")
    for t, (n, sec) in summary.by_type().items():
        print(f"  {t}: {n}, {sec:.1f} s ({sec / n:.2f} s), naive {per_type[t]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
