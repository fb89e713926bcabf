"""Benchmark: validating the 418-applicant national batch (issue 3), GX import included.

Compares, in the same run,

1. ``validate(batch, reports_dir=...)`` in a fresh Python process, timed from before the
   first import (so the Great Expectations import, the ephemeral context, the suites,
   the Data Docs and the 32 correction workbooks are all in the figure);
2. the naive alternative: one GX validation per applicant (that applicant's diagnostic
   rows, the same suites, a fresh validation definition each time), timed on the first
   ``NAIVE_N`` applicants in a second fresh process and extrapolated to the batch.

Run ``python benchmarks/bench_validation.py``.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NAIVE_N = 20

PROJECT = r"""
import time, json, sys
t0 = time.perf_counter()
from nebase_analysis.batch import Batch
from nebase_analysis.validation import validate
b = Batch.from_parquet(sys.argv[1])
r = validate(b, reports_dir=sys.argv[2])
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "issues": len(r.issues), "errors": int((r.issues.severity == "error").sum()),
                  "workbooks": len(r.corrections), "n": r.n_applicants}))
"""

NAIVE = r"""
import time, json, sys
t0 = time.perf_counter()
import pandas as pd
from nebase_analysis.batch import Batch
from nebase_analysis.config import load_config
from nebase_analysis.validation.expectations import key_frame, run_suites
from nebase_analysis.validation.relations import diagnostic_frame, numeric_view, relation_checks, value_checks
cfg = load_config()
b = Batch.from_parquet(sys.argv[1])
num, _ = numeric_view(b.applicants, cfg)
lists = {"top_enterprises": b.top_enterprises, "top_products": b.top_products}
checks = pd.concat([relation_checks(num, cfg, lists), value_checks(b.applicants, num, b.texts, lists, cfg)], ignore_index=True)
checks["check_id"] = [f"C{i:06d}" for i in range(len(checks))]
diags = diagnostic_frame(checks)
keys = key_frame(b.applicants, cfg)
import great_expectations  # import outside the per-applicant timing
t1 = time.perf_counter()
n = int(sys.argv[2]); fails = 0
for aid in b.applicants.applicant_id.iloc[:n]:
    f, _ = run_suites(diags[diags.applicant_id == aid], keys[keys.applicant_id == aid], cfg, None)
    fails += len(f)
t2 = time.perf_counter()
print(json.dumps({"setup": t1 - t0, "per_applicant": (t2 - t1) / n, "n_total": len(b.applicants)}))
"""


def main() -> None:
    from nebase_analysis import synth

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        s = synth.generate(seed=0, fault_rate=0.05)
        s.batch.to_parquet(tmp / "processed")
        py = sys.executable
        runs = []
        for _ in range(2):
            out = subprocess.run([py, "-c", PROJECT, str(tmp / "processed"), str(tmp / "reports")], cwd=ROOT,
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        best = min(r["seconds"] for r in runs)
        times = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"project: validate() on {runs[0]['n']} applicants, fresh process incl. GX import, Data Docs, "
              f"{runs[0]['workbooks']} workbooks: {times} s (best {best:.2f} s); "
              f"{runs[0]['issues']} issues, {runs[0]['errors']} errors")
        t = time.perf_counter()
        out = subprocess.run([py, "-c", NAIVE, str(tmp / "processed"), str(NAIVE_N)], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        naive = json.loads(out.stdout.strip().splitlines()[-1])
        total = naive["setup"] + naive["per_applicant"] * naive["n_total"]
        print(f"naive: one GX validation per applicant: {naive['per_applicant']:.3f} s each (timed on {NAIVE_N}), "
              f"setup incl. GX import {naive['setup']:.2f} s -> {total:.1f} s extrapolated for {naive['n_total']}"
              f" (wall {time.perf_counter() - t:.1f} s)")
        print(f"ratio naive / project: {total / best:.1f}x")


if __name__ == "__main__":
    main()
