"""Detection quality: recall and precision of ``validate`` per fault kind over many seeds.

Not a speed benchmark: it measures how well the notice's rules and the data-quality
checks find the faults ``synth.generate`` plants, pooled over several synthetic batches
(each seed draws other applicants, other faults and other figures). ``nebase validate
--truth`` gives the same table for one batch.

Run ``python benchmarks/detection_quality.py [--seeds 0-9] [--rate 0.05]``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seed_range(text: str) -> list[int]:
    """``"0-9"`` or ``"1,4,7"`` as a list of seeds."""
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-"))
        return list(range(lo, hi + 1))
    return [int(x) for x in text.split(",")]


def main() -> None:
    from nebase_analysis import synth
    from nebase_analysis.validation import validate
    from nebase_analysis.validation.truth import score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-9")
    ap.add_argument("--rate", type=float, default=0.05)
    args = ap.parse_args()
    rows, t0 = [], time.perf_counter()
    for seed in seed_range(args.seeds):
        s = synth.generate(seed=seed, fault_rate=args.rate)
        res = validate(s.batch, use_gx=False)
        rows.append(score(res.issues, s.truth, s.batch.cleaning_log, rejected=s.batch.rejected).assign(seed=seed))
    per_seed = pd.concat(rows, ignore_index=True)
    pooled = per_seed.groupby(["kind", "scored_against"])[["n_faults", "detected", "n_flagged", "correct"]].sum()
    pooled["recall"] = (pooled["detected"] / pooled["n_faults"]).round(3)
    pooled["precision"] = (pooled["correct"] / pooled["n_flagged"]).round(3)
    print(pooled.to_string())
    missed = per_seed[(per_seed["recall"] < 1) | (per_seed["precision"] < 1)]
    print("\nseeds with a miss or a false flag:")
    print(missed[["seed", "kind", "n_faults", "detected", "n_flagged", "correct"]].to_string(index=False) if len(missed) else "none")
    print(f"\n{len(per_seed['seed'].unique())} batches in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
