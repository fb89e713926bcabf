"""Benchmark: rank stability and rater calibration at national-batch size.

Compares, in the same run,

1. ``ranking.rank_stability`` (vectorised bootstrap: one array draw per panel size, ranks
   from a batched pairwise comparison) against the naive way: for every replicate,
   resample each applicant's experts into a new long table and call
   ``experts.aggregate`` + ``ranking.final_ranking``;
2. the ``offsets`` solver (expert-only reduced normal equations) against a dense least
   squares on the full applicant + expert design matrix;
3. the greedy complete raters × targets block of ``panel_reliability`` (boolean numpy
   matrices with running blank counts) against the previous pandas loop (recompute the
   blank shares of a DataFrame and ``drop`` one row or rater per step), and the whole
   ``panel_reliability`` (one pivot and one block per panel shared by ICC and Kendall's W)
   against the previous path (pivot and block again inside ``icc`` and ``kendall_w``);
4. ``experts.aggregate`` (contiguous groups of the sorted long table, statistics per
   group size on stacked arrays) against the previous per-group pandas loop, all five
   methods; both pairs are checked to give identical results.

Prints the figures; run ``python benchmarks/bench_ranking.py``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nebase_analysis import experts, ranking  # noqa: E402
from nebase_analysis.config import criteria_table, domain_table, load_config  # noqa: E402
# the implementations the vectorised code replaced, kept once, as the tests' references
from test_expert_stats_vectorised import _reference_aggregate as previous_aggregate  # noqa: E402
from test_expert_stats_vectorised import _reference_block as previous_block  # noqa: E402

CRITERIA = criteria_table(load_config()).to_dict("records")
DOMAINS = domain_table(load_config())["name"].tolist()


def national_panels(seed: int = 0):
    """~400 applicants in 20 peer groups, 5 of 12 experts per domain each."""
    rng = np.random.default_rng(seed)
    rows, comp = [], []
    for d, dom in enumerate(DOMAINS):
        pool = [f"X{d:02d}{k:02d}" for k in range(12)]
        lenient = rng.normal(0, 0.06, len(pool))
        for cat, n in (("park", 6), ("enterprise", 34)):
            for i in range(n):
                aid = f"{cat[0].upper()}-{d:02d}-{i:02d}"
                q = rng.uniform(0.4, 0.85)
                comp.append({"applicant_id": aid, "domain": dom, "category": cat, "score": float(rng.uniform(10, 95))})
                for k in rng.choice(len(pool), 5, replace=False):
                    for c in CRITERIA:
                        m = c["max"]
                        v = np.clip(np.round(m * (q + lenient[k]) + rng.normal(0, m * 0.06)), 0, m)
                        rows.append((aid, pool[k], c["id"], float(v)))
    return pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"]), pd.DataFrame(comp)


def naive_stability(scores, comp, cfg, n_boot, seed):
    """Per replicate: resample experts into a new long table, aggregate, rank (no vectorising)."""
    rng = np.random.default_rng(seed)
    blocks = [(np.asarray(idx), g["expert_id"].unique()) for _, g in scores.groupby("applicant_id") for idx in [g.index]]
    by_pair = {k: np.asarray(v) for k, v in scores.groupby(["applicant_id", "expert_id"]).indices.items()}
    apps = [a for a, _ in scores.groupby("applicant_id")]
    places = comp.apply(lambda r: ranking.selection_places(r["domain"], r["category"], cfg), axis=1).to_numpy()
    hits = np.zeros(len(comp))
    expert_col = scores["expert_id"].to_numpy()
    for b in range(n_boot):
        idx, labels = [], []
        for a, (_, ex) in zip(apps, blocks):
            for j, e in enumerate(rng.choice(ex, len(ex), replace=True)):
                rows = by_pair[(a, e)]
                idx.append(rows)
                labels.append(np.char.add(expert_col[rows].astype(str), f"#{j}"))
        boot = scores.iloc[np.concatenate(idx)].assign(expert_id=np.concatenate(labels))
        fr = ranking.final_ranking(comp, boot, cfg).set_index("applicant_id").reindex(comp["applicant_id"])
        hits += (fr["rank"].to_numpy(dtype=float) <= places)
    return hits / n_boot


def dense_offsets(g):
    a_codes, a_uni = pd.factorize(g["applicant_id"], sort=True)
    e_codes, e_uni = pd.factorize(g["expert_id"], sort=True)
    na, ne = len(a_uni), len(e_uni)
    x = np.zeros((len(g), na + ne))
    x[np.arange(len(g)), a_codes] = 1
    x[np.arange(len(g)), na + e_codes] = 1
    n_e = np.bincount(e_codes, minlength=ne).astype(float)
    constraint = np.concatenate([np.zeros(na), n_e])[None, :]
    sol, *_ = np.linalg.lstsq(np.vstack([x, constraint]), np.concatenate([g["score"].to_numpy(), [0.0]]), rcond=None)
    return sol[:na]


def main() -> None:
    scores, comp = national_panels()
    cfg = load_config({"ranking": {"selection": {"default": {"park": 1, "enterprise": 3}}}})
    n_app = comp.shape[0]
    print(f"batch: {n_app} applicants, {scores['expert_id'].nunique()} experts, {len(scores)} scores, 20 peer groups")

    n_boot = 1000
    t0 = time.perf_counter()
    fast = ranking.rank_stability(scores, comp, config=cfg, n_boot=n_boot, seed=0)
    t_fast = time.perf_counter() - t0
    n_naive = 10
    t0 = time.perf_counter()
    naive_stability(scores, comp, cfg, n_naive, seed=0)
    t_naive_per = (time.perf_counter() - t0) / n_naive
    print(f"rank_stability, {n_boot} replicates: {t_fast:.2f} s (vectorised)")
    print(f"naive per-replicate aggregate + final_ranking: {t_naive_per:.3f} s/replicate -> {t_naive_per * n_boot:.0f} s for {n_boot} (measured on {n_naive})")
    print(f"speed-up: {t_naive_per * n_boot / t_fast:.0f}x; labels: {fast['stability'].value_counts().to_dict()}")

    # offsets solver: one connected design, 400 applicants x 5 of 120 experts (random)
    from nebase_analysis.experts.aggregation import _calibrate_offsets

    rng = np.random.default_rng(1)
    rows = [(f"A{a:03d}", f"E{e:03d}", "tasks", float(rng.uniform(5, 25))) for a in range(400) for e in rng.choice(120, 5, replace=False)]
    g = pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])
    _calibrate_offsets(g.head(50))  # warm-up (scipy import)
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        cal, info = _calibrate_offsets(g)
    t_ours = (time.perf_counter() - t0) / reps
    t0 = time.perf_counter()
    for _ in range(reps):
        dense = dense_offsets(g)
    t_dense = (time.perf_counter() - t0) / reps
    q = cal.groupby("applicant_id")["calibrated"].mean().sort_index().to_numpy()
    print(f"offsets solver, {len(g)} scores, 400 applicants, 120 experts (connected: {int(info['n_components'].iloc[0]) == 1}): "
          f"reduced expert system {t_ours * 1000:.1f} ms, dense lstsq on the full design {t_dense * 1000:.1f} ms "
          f"({t_dense / t_ours:.1f}x); max |difference| of applicant qualities {np.abs(q - dense).max():.1e}")

    # 3. greedy complete block and panel_reliability (CPU time: the machine is shared)
    from nebase_analysis.experts import reliability as R
    from nebase_analysis.experts.aggregation import _long_with_total, criteria_maxima, prepare_scores

    long, _ = _long_with_total(prepare_scores(scores, None, None, cfg), criteria_maxima(None, cfg), cfg, None)
    long = long.merge(comp[["applicant_id", "domain", "category"]], on="applicant_id")
    wides = [R._wide(g, "applicant_id", "expert_id", "score") for _, g in long.groupby(["domain", "category", "criterion"])]
    t0 = time.process_time()
    new_blocks = [R._complete_block(w) for w in wides]
    t_new = time.process_time() - t0
    t0 = time.process_time()
    old_blocks = [previous_block(w) for w in wides]
    t_old = time.process_time() - t0
    same = all(a.equals(b) for a, b in zip(new_blocks, old_blocks))
    cells = sum(w.size for w in wides)
    print(f"greedy complete block, {len(wides)} panel x criterion matrices ({cells} cells, {sum(int(w.isna().to_numpy().sum()) for w in wides)} blank): "
          f"numpy {t_new * 1000:.0f} ms, previous pandas loop {t_old * 1000:.0f} ms ({t_old / t_new:.0f}x); identical blocks: {same}")

    apps = comp[["applicant_id", "domain", "category"]]
    t0 = time.process_time()
    rel_new = experts.panel_reliability(scores, config=cfg, applicants=apps)
    t_rel_new = time.process_time() - t0
    orig_block = R._complete_block
    R._complete_block = previous_block  # the previous path: pandas block, pivoted again in icc / kendall_w
    try:
        t0 = time.process_time()
        for key, g in long.groupby(["domain", "category", "criterion"]):
            b = previous_block(g.pivot(index="applicant_id", columns="expert_id", values="score"))
            if b.shape[0] >= 3 and b.shape[1] >= 2:
                experts.icc(g, "applicant_id", "expert_id", "score")
                experts.kendall_w(g, "applicant_id", "expert_id", "score")
            experts.krippendorff_alpha(g, "applicant_id", "expert_id", "score")
        t_rel_old = time.process_time() - t0
    finally:
        R._complete_block = orig_block
    print(f"panel_reliability, {len(wides)} panel x criterion: {t_rel_new:.2f} s, previous path {t_rel_old:.2f} s ({t_rel_old / t_rel_new:.1f}x); rows {len(rel_new)}")

    # 4. aggregate, all five methods
    t_new_all = t_old_all = 0.0
    for m in ["mean", "median", "trimmed_mean", "zscore", "offsets"]:
        t0 = time.process_time()
        new = experts.aggregate(scores, m, cfg)
        t_new = time.process_time() - t0
        t0 = time.process_time()
        old = previous_aggregate(scores, m, cfg)
        t_old = time.process_time() - t0
        t_new_all, t_old_all = t_new_all + t_new, t_old_all + t_old
        key = ["applicant_id", "criterion"]
        a, b = new.sort_values(key, ignore_index=True), old.sort_values(key, ignore_index=True)
        same = a[key].equals(b[key]) and np.array_equal(a["score"].to_numpy(), b["score"].to_numpy()) and a["dropped"].tolist() == b["dropped"].tolist()
        print(f"aggregate {m:12s} {len(new)} rows: {t_new * 1000:5.0f} ms, previous per-group loop {t_old * 1000:5.0f} ms ({t_old / t_new:4.1f}x); identical scores: {same}")
    print(f"aggregate, five methods: {t_new_all:.2f} s vs {t_old_all:.2f} s ({t_old_all / t_new_all:.1f}x)")


if __name__ == "__main__":
    main()
