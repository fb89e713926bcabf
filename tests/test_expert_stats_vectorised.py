"""The vectorised reliability and aggregation paths equal straightforward reference code.

The references below are the earlier per-group pandas implementations (greedy block by
``DataFrame.drop`` one row or rater at a time; one ``groupby`` group at a time for the
aggregates). The fast paths must give the same blocks and bit-identical numbers
(``check_exact``), on random panels with gaps, ties and panel sizes from 1 to 20 experts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nebase_analysis import experts
from nebase_analysis.config import criteria_table, load_config
from nebase_analysis.experts import aggregation as agg_mod
from nebase_analysis.experts import reliability as rel_mod

# the first three criteria of criteria.yaml (a smaller scale keeps the references quick)
CRITERIA = criteria_table(load_config()).head(3).to_dict("records")
CFG = load_config({"criteria": {"criteria": CRITERIA}})
MAXI = {c["id"]: float(c["max"]) for c in CRITERIA}


# ----------------------------------------------------------------------------- references


def _reference_block(wide: pd.DataFrame) -> pd.DataFrame:
    """The earlier pandas loop: drop the row/column with the largest share of blanks."""
    w = wide
    while w.size and w.isna().to_numpy().any():
        miss = w.isna()
        row_share = miss.mean(axis=1)
        col_share = miss.mean(axis=0)
        rmax, cmax = float(row_share.max()), float(col_share.max())
        if rmax >= cmax:
            w = w.drop(index=row_share[row_share == rmax].index[-1])
        else:
            w = w.drop(columns=col_share[col_share == cmax].index[-1])
    return w


def _reference_aggregate(scores, method, cfg, recusals=None):
    """The earlier aggregate: one groupby group at a time."""
    agg_cfg = cfg["ranking"]["aggregation"]
    maxi = agg_mod.criteria_maxima(None, cfg)
    names = agg_mod.criteria_names(None, cfg)
    df = agg_mod.prepare_scores(scores, recusals, None, cfg)
    recused = agg_mod._recused_pairs(scores, recusals)
    long, notes = agg_mod._long_with_total(df, maxi, cfg, None)
    drop, min_remaining = agg_mod._trim_cfg(cfg)
    min_scores = int(agg_cfg["zscore"]["min_scores"])
    if method in ("zscore", "offsets"):
        parts = [agg_mod._calibrate_offsets(g)[0] if method == "offsets" else agg_mod._calibrate_zscore(g, min_scores) for _, g in long.groupby("criterion", sort=False)]
        long = pd.concat(parts, ignore_index=True)
        col = "calibrated"
    else:
        col = "score"
    long = long.sort_values(["criterion", "applicant_id", col, "expert_id"], kind="mergesort")
    rows = []
    for (crit, app), g in long.groupby(["criterion", "applicant_id"], sort=True):
        v = g[col].to_numpy(dtype=float)
        ids = g["expert_id"].tolist()
        n, mx = v.size, float(g["max"].iloc[0])
        note = [notes[(app, crit)]] if notes.get((app, crit)) else []
        dropped = []
        if method == "median":
            val = float(np.median(v))
        elif method == "trimmed_mean" and drop > 0 and n - 2 * drop >= max(min_remaining, 1):
            dropped = ids[:drop] + ids[n - drop :]
            val = float(v[drop : n - drop].mean())
        else:
            val = float(v.mean())
            if method == "trimmed_mean" and drop > 0:
                note.append(f"评分仅 {n} 个，不足以去掉最高分和最低分（去掉后至少需 {min_remaining} 个），按算术平均")
            if method == "zscore":
                raw = g.loc[g["z_status"] == "raw", "expert_id"].tolist()
                flat = g.loc[g["z_status"] == "flat", "expert_id"].tolist()
                if raw:
                    note.append(f"专家 {','.join(raw)} 该项评分少于 {min_scores} 个，未标准化，按原始分计入")
                if flat:
                    note.append(f"专家 {','.join(flat)} 该项评分无差异，标准化后取总体均值")
            if method == "offsets" and int(g["n_components"].iloc[0]) > 1:
                k = int(g["n_components"].iloc[0])
                note.append(f"专家—申报单位评分网络不连通（共 {k} 个分量），本单位在第 {int(g['component'].iloc[0]) + 1} 个分量内校准，不同分量间不可比")
        if method in ("zscore", "offsets") and not (0.0 <= val <= mx):
            note.append(f"校准后得分 {val:.2f} 超出 0～{mx:g}，已截断")
            val = float(min(max(val, 0.0), mx))
        rows.append({"applicant_id": app, "criterion": crit, "criterion_name": names.get(crit, crit), "method": method, "score": val, "max": mx,
                     "score_100": val / mx * 100.0, "n_scores": n, "n_used": n - len(dropped), "dropped": ",".join(dropped),
                     "recused": ",".join(recused.get(app, [])), "note": "；".join(note)})
    out = pd.DataFrame(rows)
    order = {c: i for i, c in enumerate([*maxi, agg_cfg["total_id"]])}
    out["_o"] = out["criterion"].map(order)
    return out.sort_values(["applicant_id", "_o"], kind="mergesort").drop(columns="_o").reset_index(drop=True)


# ----------------------------------------------------------------------------- data


def _random_panel(seed, n_app=30, n_exp=24, gap=0.25, integer=True):
    """Applicants scored by 1..20 random experts, blanks, whole-point ties, one odd blank criterion."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_app):
        k = int(rng.integers(1, 21))
        for e in rng.choice(n_exp, size=min(k, n_exp), replace=False):
            for c in CRITERIA:
                if rng.random() < gap * 0.1:  # a blank criterion: prorated total with a note
                    continue
                v = rng.uniform(0.3, 1.0) * c["max"]
                rows.append((f"A{a:02d}", f"E{e:02d}", c["id"], float(np.round(v)) if integer else float(v)))
    return pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", range(12))
def test_greedy_block_equals_pandas_loop(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 40)), int(rng.integers(2, 16))
    x = rng.integers(0, 10, size=(n, m)).astype(float)
    x[rng.random((n, m)) < rng.uniform(0.02, 0.5)] = np.nan
    wide = pd.DataFrame(x, index=[f"A{i:02d}" for i in range(n)], columns=[f"E{j:02d}" for j in range(m)])
    long = wide.stack().rename("score").reset_index().set_axis(["applicant_id", "expert_id", "score"], axis=1)
    wide = rel_mod._wide(long, "applicant_id", "expert_id", "score")  # as the callers pivot it
    ref = _reference_block(wide)
    got = rel_mod._complete_block(wide)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert not got.isna().to_numpy().any()
    # same memory layout, so the ICC sums agree in the last bit
    assert got.to_numpy(dtype=float).flags["F_CONTIGUOUS"] == ref.to_numpy(dtype=float).flags["F_CONTIGUOUS"]


def test_greedy_block_hand_example():
    # E2 blanks 3 of 4 targets (share 0.75): it goes first; then A3 (its one blank of 2 left)
    x = [[1, 2, None], [2, 3, None], [3, 4, None], [4, None, 5]]
    wide = pd.DataFrame(x, index=["A0", "A1", "A2", "A3"], columns=["E0", "E1", "E2"], dtype=float)
    rows, cols = rel_mod._greedy_complete(wide.isna().to_numpy())
    assert rows.tolist() == [True, True, True, False] and cols.tolist() == [True, True, False]
    # equal shares: a target goes first, and the later id of equal targets
    # 2 x 2 diagonal blanks: all shares 1/2, so the later target B goes; then rater x (share 1)
    rows, cols = rel_mod._greedy_complete(np.array([[True, False], [False, True]]))
    assert rows.tolist() == [True, False] and cols.tolist() == [False, True]
    ref = _reference_block(pd.DataFrame([[np.nan, 1.0], [1.0, np.nan]], index=["a", "b"], columns=["x", "y"]))
    got = rel_mod._complete_block(pd.DataFrame([[np.nan, 1.0], [1.0, np.nan]], index=["a", "b"], columns=["x", "y"]))
    pd.testing.assert_frame_equal(got, ref)


@pytest.mark.parametrize("seed", range(6))
def test_icc_and_kendall_on_gappy_panels_equal_reference_block(seed):
    s = _random_panel(seed).query("criterion == 'tasks'")
    wide = rel_mod._wide(s, "applicant_id", "expert_id", "score")
    block = _reference_block(wide)
    if min(block.shape) < 2:
        pytest.skip("block too small for this seed")
    res = experts.icc(s, "applicant_id", "expert_id", "score")
    x = block.to_numpy(dtype=float)
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msb, mse = ss_rows / (n - 1), ss_err / ((n - 1) * (k - 1))
    assert res.loc["ICC3", "ICC"] == (msb - mse) / (msb + (k - 1) * mse)  # exact, same sums
    assert res.attrs["n_targets"] == n and res.attrs["n_raters"] == k
    assert res.attrs["dropped_raters"] == [str(r) for r in wide.columns.difference(block.columns)]
    kw = experts.kendall_w(s, "applicant_id", "expert_id", "score")
    assert int(kw["n_targets"].iloc[0]) == n and int(kw["n_raters"].iloc[0]) == k


@pytest.mark.parametrize("method", ["mean", "median", "trimmed_mean", "zscore", "offsets"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_aggregate_equals_per_group_reference(method, seed):
    s = _random_panel(seed, integer=seed != 2)
    rec = s[["applicant_id", "expert_id"]].drop_duplicates().sample(5, random_state=seed)
    got = experts.aggregate(s, method, CFG, recusals=rec)
    ref = _reference_aggregate(s, method, CFG, recusals=rec)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    # the panel really spans small and large groups (n >= 8 uses numpy's pairwise sums)
    n = got["n_scores"]
    assert n.min() <= 2 and n.max() >= 12


def test_panel_reliability_equals_direct_calls_on_reference_blocks():
    s = _random_panel(5, n_app=25, n_exp=10)
    s["domain"] = np.where(s["applicant_id"] < "A12", "软件", "商业航天")
    s["category"] = "park"
    rel = experts.panel_reliability(s, config=CFG)
    for (dom, crit), g in s.groupby(["domain", "criterion"]):
        block = _reference_block(rel_mod._wide(g, "applicant_id", "expert_id", "score"))
        got = rel.loc[(rel["domain"] == dom) & (rel["criterion"] == crit)].set_index("measure")
        assert int(got.loc["ICC1", "n_targets"]) == block.shape[0] and int(got.loc["ICC1", "n_raters"]) == block.shape[1]
        if block.shape[0] >= 3 and block.shape[1] >= 2:
            direct = experts.icc(g, "applicant_id", "expert_id", "score")
            np.testing.assert_array_equal(got.loc[direct.index, "value"].to_numpy(dtype=float), direct["ICC"].to_numpy())
