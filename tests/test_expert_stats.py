"""Expert aggregation, calibration, reliability and flags (issue 5, statistical half)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from nebase_analysis import experts
from nebase_analysis.config import criteria_table, load_config

CFG = load_config()
CRITERIA = criteria_table(CFG).to_dict("records")          # criteria.yaml: ids, names, maxima
MAXI = {c["id"]: c["max"] for c in CRITERIA}


def _cfg(**ranking):
    return load_config({"ranking": ranking})


def _long(matrix, criterion="tasks", targets=None, raters=None):
    """Long table from a targets × raters matrix (None = blank)."""
    rows = []
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            t = targets[i] if targets else f"A{i:02d}"
            r = raters[j] if raters else f"E{j:02d}"
            rows.append((t, r, criterion, float(v)))
    return pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])


def _panel(seed, n_app=12, n_exp=6, skip=4, crits=("basis", "approach", "tasks", "schedule", "safeguards"), floats=False):
    """A connected, incomplete panel: expert e skips applicant a when (a + e) % skip == 0."""
    rng = np.random.default_rng(seed)
    rows = []
    quality = rng.uniform(0.4, 0.8, n_app)
    lenient = rng.normal(0, 0.05, n_exp)
    for a in range(n_app):
        for e in range(n_exp):
            if skip and (a + e) % skip == 0:
                continue
            for c in crits:
                m = MAXI[c]
                v = np.clip(m * (quality[a] + lenient[e]) + rng.normal(0, m * 0.05), 0.1 * m, 0.75 * m)
                rows.append((f"A{a:02d}", f"E{e:02d}", c, float(v) if floats else float(np.round(v))))
    return pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])


# ----------------------------------------------------------------------------- ICC

SF_TABLE2 = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def _sf_long():
    return pd.DataFrame(
        [(t, j, v) for t, row in enumerate(SF_TABLE2) for j, v in enumerate(row)],
        columns=["target", "judge", "rating"],
    )


def test_icc_shrout_fleiss_table2():
    res = experts.icc(_sf_long(), "target", "judge", "rating")
    assert list(res.index) == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    # Shrout & Fleiss (1979), Table 4: ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71,
    # ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91
    assert res["ICC"].round(2).tolist() == [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    # their Table 3 ANOVA: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02
    assert res.loc["ICC1", "F"] == pytest.approx(11.24 / 6.26, rel=2e-3)
    assert res.loc["ICC3", "F"] == pytest.approx(11.24 / 1.02, rel=5e-3)
    assert res.loc["ICC2", "df2"] == 15 and res.loc["ICC1", "df2"] == 18 and res.loc["ICC1", "df1"] == 5
    # confidence intervals (McGraw & Wong 1996), as printed by pingouin for these data
    ci = res[["CI95_lower", "CI95_upper"]].round(2).values.tolist()
    assert ci == [[-0.13, 0.72], [0.02, 0.76], [0.34, 0.95], [-0.88, 0.91], [0.07, 0.93], [0.68, 0.99]]
    assert list(res.columns) == ["Description", "ICC", "F", "df1", "df2", "pval", "CI95_lower", "CI95_upper"]


def test_icc_hand_anova_on_random_matrix():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(7, 3)) + rng.normal(size=(7, 1)) * 2
    long = _long(x.tolist(), targets=list(range(7)))
    res = experts.icc(long, "applicant_id", "expert_id", "score")
    n, k = x.shape
    # independent route: residual MS from a two-way additive fit by least squares
    design = np.zeros((n * k, n + k))
    for i, j in itertools.product(range(n), range(k)):
        design[i * k + j, i] = 1
        design[i * k + j, n + j] = 1
    fit, *_ = np.linalg.lstsq(design, x.ravel(), rcond=None)
    resid = x.ravel() - design @ fit
    mse = (resid**2).sum() / ((n - 1) * (k - 1))
    msb = k * x.mean(axis=1).var(ddof=1)
    msj = n * x.mean(axis=0).var(ddof=1)
    assert res.loc["ICC3", "ICC"] == pytest.approx((msb - mse) / (msb + (k - 1) * mse))
    assert res.loc["ICC2", "ICC"] == pytest.approx((msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n))


def test_icc_incomplete_uses_complete_block_or_raises():
    d = _sf_long()
    d.loc[(d["target"] == 2) & (d["judge"] == 1), "rating"] = np.nan
    res = experts.icc(d, "target", "judge", "rating")
    assert res.attrs["dropped_targets"] == ["2"] and res.attrs["n_targets"] == 5 and res.attrs["n_raters"] == 4
    expected = experts.icc(_sf_long().query("target != 2"), "target", "judge", "rating")
    np.testing.assert_allclose(res["ICC"], expected["ICC"])
    with pytest.raises(ValueError, match="评分矩阵不完整"):
        experts.icc(d, "target", "judge", "rating", nan_policy="raise")


# ----------------------------------------------------------------------------- Kendall's W


def test_kendall_w_hand_computation_with_ties():
    # rater a: 10 20 20 30 -> ranks 1 2.5 2.5 4 (one pair tied: t^3 - t = 6)
    # rater b:  1  2  3  4 -> ranks 1 2 3 4
    # rater c:  5  5  5  9 -> ranks 2 2 2 4 (a triple: 24)
    # rank sums 4, 6.5, 7.5, 12; mean 7.5; S = 12.25 + 1 + 0 + 20.25 = 33.5
    # W = 12 S / (m^2 (n^3 - n) - m T) = 402 / (9 * 60 - 3 * 30) = 402 / 450
    d = _long([[10, 1, 5], [20, 2, 5], [20, 3, 5], [30, 4, 9]])
    res = experts.kendall_w(d, "applicant_id", "expert_id", "score").iloc[0]
    assert res["W"] == pytest.approx(402 / 450)
    assert res["chi2"] == pytest.approx(3 * 3 * 402 / 450)
    assert res["df"] == 3


def test_kendall_w_without_ties_classic_formula():
    # three judges, no ties: W = 12 S / (m^2 (n^3 - n)); rank sums 3, 7, 8 -> S = 14
    d = _long([[1, 1, 1], [2, 2, 3], [3, 3, 2]])
    assert experts.kendall_w(d, "applicant_id", "expert_id", "score")["W"].iloc[0] == pytest.approx(12 * 14 / (9 * 24))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kendall_w_equals_tie_corrected_friedman(seed):
    from scipy.stats import friedmanchisquare

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, size=(8, 4)).astype(float)  # many ties
    res = experts.kendall_w(_long(x.tolist()), "applicant_id", "expert_id", "score").iloc[0]
    stat = friedmanchisquare(*x).statistic  # targets as treatments, raters as blocks
    assert res["chi2"] == pytest.approx(stat)
    assert res["W"] == pytest.approx(stat / (4 * (8 - 1)))


# Published worked examples with ties (targets in columns, one row per rater).
# NAG Library, routine G08DAF (Kendall's coefficient of concordance), example program
# data g08dafe.d and results g08dafe.r: 3 comparisons of 10 objects with tied ranks,
# "Kendall's coefficient = 0.828, Significance = 0.008".
NAG_G08DAF = [
    [1.0, 4.5, 2.0, 4.5, 3.0, 7.5, 6.0, 9.0, 7.5, 10.0],
    [2.5, 1.0, 2.5, 4.5, 4.5, 8.0, 9.0, 6.5, 10.0, 6.5],
    [2.0, 1.0, 4.5, 4.5, 4.5, 4.5, 8.0, 8.0, 8.0, 10.0],
]
# R package irr (Gamer et al.), data(anxiety): 20 subjects rated by 3 raters on a 1-6
# scale; kendall(anxiety, correct = TRUE) gives W = 0.54, Chisq(19) = 30.8, p = 0.0429.
IRR_ANXIETY = [
    [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3],
    [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4],
    [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2],
]


@pytest.mark.parametrize(
    "raters, published, decimals",
    [
        (NAG_G08DAF, {"W": 0.828, "pval": 0.008, "df": 9}, 3),
        (IRR_ANXIETY, {"W": 0.54, "chi2": 30.8, "pval": 0.0429, "df": 19}, None),
    ],
    ids=["NAG-G08DAF", "irr-anxiety"],
)
def test_kendall_w_published_examples_with_ties(raters, published, decimals):
    matrix = np.array(raters, dtype=float).T            # targets × raters
    res = experts.kendall_w(_long(matrix.tolist()), "applicant_id", "expert_id", "score").iloc[0]
    shown = {"W": 2, "chi2": 1, "pval": 4, "df": 0}     # irr prints W to 2, chi2 to 1, p to 4 places
    for key, value in published.items():
        places = decimals if decimals is not None and key != "df" else shown[key]
        assert round(float(res[key]), places) == value, key


def test_kendall_w_published_tie_example_by_hand():
    # The NAG table worked through: rank sums 5.5 6.5 9 13.5 12 20 23 23.5 25.5 26.5, mean 16.5,
    # S = 591; tie groups: rater 1 two pairs (6 + 6), rater 2 three pairs (18), rater 3 a
    # quadruple and a triple (60 + 24): total 114; W = 12 * 591 / (9 * 990 - 3 * 114) = 0.8277.
    matrix = np.array(NAG_G08DAF).T
    res = experts.kendall_w(_long(matrix.tolist()), "applicant_id", "expert_id", "score").iloc[0]
    assert res["W"] == pytest.approx(12 * 591 / (9 * 990 - 3 * 114))
    assert res["chi2"] == pytest.approx(3 * 9 * 12 * 591 / (9 * 990 - 3 * 114))


@pytest.mark.parametrize("seed", [0, 1])
def test_kendall_w_average_spearman_relation(seed):
    # Kendall's relation for untied rankings: mean pairwise Spearman rho = (m W - 1) / (m - 1)
    from scipy.stats import spearmanr

    rng = np.random.default_rng(seed)
    m, n = 5, 9
    base = rng.normal(size=n)
    x = np.column_stack([base + rng.normal(scale=1.0, size=n) for _ in range(m)])
    w = experts.kendall_w(_long(x.tolist()), "applicant_id", "expert_id", "score")["W"].iloc[0]
    rhos = [spearmanr(x[:, i], x[:, j]).statistic for i, j in itertools.combinations(range(m), 2)]
    assert np.mean(rhos) == pytest.approx((m * w - 1) / (m - 1))


# ----------------------------------------------------------------------------- Krippendorff


def _brute_alpha(matrix, level):
    """Textbook coincidence-matrix alpha, by explicit loops over units and pairs."""
    units = []
    for col in zip(*matrix):  # matrix: coders × units
        vals = [v for v in col if v is not None and not (isinstance(v, float) and np.isnan(v))]
        if len(vals) >= 2:
            units.append(vals)
    values = sorted({v for u in units for v in u})
    o = {(c, k): 0.0 for c in values for k in values}
    for u in units:
        m = len(u)
        for i, j in itertools.permutations(range(m), 2):
            o[(u[i], u[j])] += 1.0 / (m - 1)
    n_c = {c: sum(o[(c, k)] for k in values) for c in values}
    n = sum(n_c.values())

    def delta(c, k):
        if level == "nominal":
            return 0.0 if c == k else 1.0
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2
        lo, hi = min(c, k), max(c, k)
        s = sum(n_c[g] for g in values if lo <= g <= hi)
        return (s - (n_c[c] + n_c[k]) / 2) ** 2

    d_o = sum(o[(c, k)] * delta(c, k) for c in values for k in values)
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in values for k in values) / (n - 1)
    return 1 - d_o / d_e


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C:
# 4 observers × 12 units with missing values.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _kripp_long(matrix):
    rows = [(u, f"c{c}", v) for c, row in enumerate(matrix) for u, v in enumerate(row) if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


@pytest.mark.parametrize(
    "level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_published_example(level, published):
    got = experts.krippendorff_alpha(_kripp_long(K2011), "unit", "coder", "value", level=level)
    assert round(got, 3) == published
    assert got == pytest.approx(_brute_alpha(K2011, level), abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_matches_brute_force_with_gaps(seed, level):
    rng = np.random.default_rng(seed)
    m = rng.integers(0, 6, size=(5, 15)).astype(float)
    m[rng.random(m.shape) < 0.3] = np.nan
    matrix = [[None if np.isnan(v) else float(v) for v in row] for row in m]
    got = experts.krippendorff_alpha(_kripp_long(matrix), "unit", "coder", "value", level=level)
    assert got == pytest.approx(_brute_alpha(matrix, level), abs=1e-10)


def test_krippendorff_perfect_agreement_and_no_variation():
    perfect = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, None, 4]]
    assert experts.krippendorff_alpha(_kripp_long(perfect), "unit", "coder", "value") == pytest.approx(1.0)
    flat = [[3, 3, 3], [3, 3, 3]]
    assert np.isnan(experts.krippendorff_alpha(_kripp_long(flat), "unit", "coder", "value"))


# ----------------------------------------------------------------------------- aggregation


def test_trimmed_mean_drops_one_copy_of_tied_extremes():
    assert experts.trimmed_mean([7, 9, 9, 6, 6], drop=1, min_remaining=3) == pytest.approx(22 / 3)
    assert experts.trimmed_mean([6, 9, 9], drop=1, min_remaining=3) == pytest.approx(8.0)  # too few: mean
    assert experts.trimmed_mean([6, 9, 9], drop=1, min_remaining=1) == pytest.approx(9.0)
    assert experts.trimmed_mean([1, 2, np.nan, 3, 4, 100], drop=1, min_remaining=3) == pytest.approx(3.0)
    assert experts.trimmed_mean([1, 2, 3, 4, 5, 6, 7], drop=2, min_remaining=3) == pytest.approx(4.0)
    # default min_remaining from config (3)
    assert experts.trimmed_mean([2, 4, 9], config=CFG) == pytest.approx(5.0)


def test_aggregate_trimmed_mean_reports_dropped_experts():
    s = _long([[20, 22, 24, 29, 10]])
    r = experts.aggregate(s, "trimmed_mean", config=CFG).set_index("criterion")
    assert r.loc["tasks", "score"] == pytest.approx(22.0)
    assert r.loc["tasks", "dropped"] == "E04,E03" and r.loc["tasks", "n_used"] == 3 and r.loc["tasks", "n_scores"] == 5
    # tied extremes: only one copy goes, the later expert id, deterministically
    s2 = _long([[25, 25, 20, 10, 10]])
    r2 = experts.aggregate(s2, "trimmed_mean", config=CFG).set_index("criterion")
    assert r2.loc["tasks", "score"] == pytest.approx((10 + 20 + 25) / 3)
    assert r2.loc["tasks", "dropped"] == "E03,E01"
    # four scores: 4 - 2 < 3 remain, so a plain mean with a note
    s3 = _long([[20, 22, 24, 29]])
    r3 = experts.aggregate(s3, "trimmed_mean", config=CFG).set_index("criterion")
    assert r3.loc["tasks", "score"] == pytest.approx(23.75) and r3.loc["tasks", "dropped"] == ""
    assert "不足以去掉最高分和最低分" in r3.loc["tasks", "note"]


def test_expert_totals_rescaled_and_prorated():
    rows = [("A", "e1", c, v) for c, v in zip(MAXI, [15, 10, 20, 5, 5])]
    rows += [("A", "e2", c, v) for c, v in zip(["basis", "approach", "tasks", "safeguards"], [30, 20, 30, 10])]
    s = pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])
    t = experts.expert_totals(s, config=CFG).set_index("expert_id")
    assert t.loc["e1", "score"] == pytest.approx(55.0)
    assert t.loc["e2", "score"] == pytest.approx(90 / 90 * 100)
    assert "进度安排" in t.loc["e2", "note"]
    t2 = experts.expert_totals(s, config=_cfg(aggregation={"incomplete_total": "drop"}))
    assert t2["expert_id"].tolist() == ["e1"]
    agg = experts.aggregate(s, "mean", config=CFG).set_index("criterion")
    assert agg.loc["total", "score"] == pytest.approx((55 + 100) / 2)
    assert agg.loc["total", "max"] == 100 and agg.loc["basis", "score_100"] == pytest.approx(22.5 / 30 * 100)
    assert "折算" in agg.loc["total", "note"]


def test_mean_and_median_hand_values():
    s = _long([[10, 20, 27], [5, 9, 30]])
    mean = experts.aggregate(s, "mean", config=CFG).query("criterion == 'tasks'")["score"].tolist()
    med = experts.aggregate(s, "median", config=CFG).query("criterion == 'tasks'")["score"].tolist()
    assert mean == pytest.approx([19.0, 44 / 3]) and med == pytest.approx([20.0, 9.0])


def test_offsets_recover_exact_additive_model():
    # incomplete but connected design, scores exactly quality + offset
    rng = np.random.default_rng(7)
    q = rng.uniform(8, 22, 10)
    b = np.array([-3.0, -1.0, 0.5, 2.0, 4.0])
    rows = [(f"A{a}", f"E{e}", "tasks", q[a] + b[e]) for a in range(10) for e in range(5) if (a + 2 * e) % 5 != 0]
    s = pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])
    n_e = s.groupby("expert_id").size().reindex([f"E{e}" for e in range(5)]).to_numpy()
    anchor = (n_e * b).sum() / n_e.sum()  # score-weighted mean offset is zero
    off = experts.expert_offsets(s, config=CFG).query("criterion == 'tasks'").set_index("expert_id")["offset"]
    np.testing.assert_allclose(off.to_numpy(), b - anchor, atol=1e-9)
    agg = experts.aggregate(s, "offsets", config=CFG).query("criterion == 'tasks'").set_index("applicant_id")["score"]
    np.testing.assert_allclose(agg.to_numpy(), q + anchor, atol=1e-9)
    # the raw mean of an applicant is biased by who scored it; the calibrated one is not
    raw = experts.aggregate(s, "mean", config=CFG).query("criterion == 'tasks'").set_index("applicant_id")["score"]
    assert np.abs((raw - agg).to_numpy() - (raw - agg).mean()).max() > 0.5


def test_offsets_disconnected_graph_per_component_with_note():
    rows = [("A1", "e1", "tasks", 20.0), ("A1", "e2", "tasks", 24.0), ("A2", "e1", "tasks", 10.0), ("A2", "e2", "tasks", 14.0)]
    rows += [("B1", "f1", "tasks", 5.0), ("B1", "f2", "tasks", 9.0), ("B2", "f1", "tasks", 25.0), ("B2", "f2", "tasks", 27.0)]
    s = pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])
    agg = experts.aggregate(s, "offsets", config=CFG).query("criterion == 'tasks'").set_index("applicant_id")
    assert agg["note"].str.contains("不连通").all()
    assert agg.loc[["A1", "A2"], "score"].tolist() == pytest.approx([22.0, 12.0])
    assert agg.loc[["B1", "B2"], "score"].tolist() == pytest.approx([7.0, 26.0])
    off = experts.expert_offsets(s, config=CFG).query("criterion == 'tasks'")
    assert set(off["n_components"]) == {2} and off["component"].nunique() == 2


def test_zscore_few_scores_note_and_hand_value():
    # experts E00, E01 score four applicants; E02 only one (fewer than min_scores=3)
    s = _long([[10, 20, 15], [12, 22, None], [14, 24, None], [16, 26, None]])
    cfg = _cfg(aggregation={"zscore": {"min_scores": 3}})
    agg = experts.aggregate(s, "zscore", config=cfg).query("criterion == 'tasks'").set_index("applicant_id")
    assert "E02" in agg.loc["A00", "note"] and "未标准化" in agg.loc["A00", "note"]
    # E00 and E01 have identical z-scores; L = mean of all 9 raw scores, S = pooled sd
    level = s["score"].mean()
    pooled = np.std([10, 12, 14, 16], ddof=1)
    z = (np.array([10, 12, 14, 16]) - 13) / pooled
    expected = level + pooled * z
    assert agg.loc["A01", "score"] == pytest.approx(expected[1])
    assert agg.loc["A00", "score"] == pytest.approx((2 * expected[0] + 15) / 3)


@pytest.mark.parametrize("method", ["offsets", "zscore"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adding_constant_to_one_expert_leaves_calibrated_results_unchanged(method, seed):
    s = _panel(seed, crits=("tasks",), floats=True)
    cfg = _cfg(aggregation={"zscore": {"min_scores": 3}, "clip_to_range": False})
    k, c = "E02", 5.0
    shifted = s.copy()
    shifted.loc[shifted["expert_id"] == k, "score"] += c
    before = experts.aggregate(s, method, config=cfg).set_index(["applicant_id", "criterion"])["score"]
    after = experts.aggregate(shifted, method, config=cfg).set_index(["applicant_id", "criterion"])["score"]
    share = (s["expert_id"] == k).mean()
    # only tasks is scored, so an expert's 0-100 total is tasks / 30 * 100 and moves by c * 100 / 30
    for crit, step in (("tasks", c), ("total", c * 100 / 30)):
        diff = (after.xs(crit, level="criterion") - before.xs(crit, level="criterion")).to_numpy()
        # every applicant moves by the same amount: only the anchor level, step * n_k / N
        np.testing.assert_allclose(diff, step * share, atol=1e-9)
    raw_before = experts.aggregate(s, "mean", config=cfg).query("criterion == 'tasks'")["score"].to_numpy()
    raw_after = experts.aggregate(shifted, "mean", config=cfg).query("criterion == 'tasks'")["score"].to_numpy()
    assert np.ptp(raw_after - raw_before) > 1.0  # the uncalibrated mean is not invariant


@pytest.mark.parametrize("method", ["mean", "median", "trimmed_mean", "zscore", "offsets"])
def test_relabelling_experts_changes_nothing(method):
    s = _panel(11, floats=True)
    ids = sorted(s["expert_id"].unique())
    rng = np.random.default_rng(5)
    new = dict(zip(ids, [f"X{v}" for v in rng.permutation(100)[: len(ids)]]))
    relab = s.assign(expert_id=s["expert_id"].map(new)).sample(frac=1.0, random_state=3)
    cfg = _cfg(aggregation={"zscore": {"min_scores": 3}})
    a = experts.aggregate(s, method, config=cfg)
    b = experts.aggregate(relab, method, config=cfg)
    pd.testing.assert_frame_equal(a.drop(columns=["dropped"]), b.drop(columns=["dropped"]), check_exact=False, rtol=1e-10)
    # the experts trimmed away are the same people, except where a tied extreme makes the
    # choice of copy (by expert id) arbitrary; the value is the same either way (checked above)
    mapped = a["dropped"].map(lambda x: sorted(new[e] for e in x.split(",")) if x else [])
    got = b["dropped"].map(lambda x: sorted(x.split(",")) if x else [])
    totals = experts.expert_totals(s, config=cfg)
    vals = pd.concat([s[["applicant_id", "criterion", "score"]], totals[["applicant_id", "criterion", "score"]]])
    tied = vals.groupby(["applicant_id", "criterion"])["score"].agg(lambda v: v.round(9).duplicated().any())
    untied = ~a.set_index(["applicant_id", "criterion"]).index.map(tied).to_numpy(dtype=bool)
    assert untied.sum() > len(a) // 2
    assert mapped[untied].tolist() == got[untied].tolist()


@pytest.mark.parametrize("method", ["mean", "median", "trimmed_mean", "zscore", "offsets"])
def test_recused_pair_never_contributes(method):
    s = _panel(4)
    cfg = _cfg(aggregation={"zscore": {"min_scores": 3}})
    base = experts.aggregate(s, method, config=cfg)
    # a recused expert's extreme scores, flagged in the table
    extra = pd.DataFrame([("A01", "E03", c, 0.0) for c in MAXI] + [("A05", "E09", c, MAXI[c]) for c in MAXI], columns=s.columns)
    if ("A01", "E03") in set(zip(s["applicant_id"], s["expert_id"])):
        s = s.loc[~((s["applicant_id"] == "A01") & (s["expert_id"] == "E03"))]
        base = experts.aggregate(s, method, config=cfg)
    flagged = pd.concat([s.assign(recused=False), extra.assign(recused=True)], ignore_index=True)
    with_flag = experts.aggregate(flagged, method, config=cfg)
    pd.testing.assert_frame_equal(base.drop(columns=["recused"]), with_flag.drop(columns=["recused"]))
    assert with_flag.set_index(["applicant_id", "criterion"]).loc[("A01", "total"), "recused"] == "E03"
    # the same with text flags, and with a separate recusal table
    as_text = flagged.assign(recused=flagged["recused"].map({True: "是", False: "否"}))
    pd.testing.assert_frame_equal(with_flag, experts.aggregate(as_text, method, config=cfg))
    table = pd.DataFrame({"applicant_id": ["A01", "A05"], "expert_id": ["E03", "E09"]})
    via_table = experts.aggregate(pd.concat([s, extra], ignore_index=True), method, config=cfg, recusals=table)
    pd.testing.assert_frame_equal(with_flag, via_table)
    rel_a = experts.panel_reliability(s, config=cfg)
    rel_b = experts.panel_reliability(flagged, config=cfg)
    pd.testing.assert_frame_equal(rel_a, rel_b)


def test_prepare_scores_rejects_bad_input_in_chinese():
    good = _long([[10, 20]])
    with pytest.raises(ValueError, match="缺少字段：score"):
        experts.aggregate(good.drop(columns="score"), config=CFG)
    with pytest.raises(ValueError, match="未配置的评审要点"):
        experts.aggregate(good.assign(criterion="创新"), config=CFG)
    with pytest.raises(ValueError, match="重复记录"):
        experts.aggregate(pd.concat([good, good.iloc[:1]]), config=CFG)
    with pytest.raises(ValueError, match="超出 0 至满分范围"):
        experts.aggregate(good.assign(score=[10, 31]), config=CFG)
    with pytest.raises(ValueError, match="未知的汇总方法"):
        experts.aggregate(good, "winsor", config=CFG)
    # blank scores are skipped, not errors
    blank = good.assign(score=["12", ""])
    assert experts.aggregate(blank, "mean", config=CFG).set_index("criterion").loc["tasks", "n_scores"] == 1


# ----------------------------------------------------------------------------- panels and flags


def test_reliability_per_panel_matches_direct_calls():
    s = _panel(2, skip=0)  # complete panel
    s["domain"] = np.where(s["applicant_id"] < "A06", "软件", "商业航天")
    s["category"] = "park"
    rel = experts.panel_reliability(s, config=CFG)
    assert set(rel["domain"]) == {"软件", "商业航天"}
    assert set(rel["criterion"]) == {*MAXI, "total"}
    sub = s.query("domain == '软件' and criterion == 'tasks'")
    direct = experts.icc(sub, "applicant_id", "expert_id", "score")
    got = rel.query("domain == '软件' and criterion == 'tasks'").set_index("measure")
    np.testing.assert_allclose(got.loc[direct.index, "value"], direct["ICC"])
    w = experts.kendall_w(sub, "applicant_id", "expert_id", "score")["W"].iloc[0]
    assert got.loc["kendall_w", "value"] == pytest.approx(w)
    a = experts.krippendorff_alpha(sub, "applicant_id", "expert_id", "score")
    assert got.loc["alpha_interval", "value"] == pytest.approx(a)


def test_reliability_incomplete_panel_notes_the_block():
    s = _panel(2, skip=4)
    rel = experts.panel_reliability(s, config=CFG)
    icc_rows = rel.query("measure == 'ICC1'")
    assert icc_rows["note"].str.contains("完整子块").all()
    alpha = rel.query("measure == 'alpha_interval'")
    assert alpha["value"].notna().all() and (alpha["n_targets"] == 12).all()


def test_expert_flags_find_flat_out_of_step_and_contested():
    # E00..E03 agree; E04 gives everyone 60; E05 inverts the order, so the applicants at
    # both ends (A00, A07) are contested and those in the middle (A03, A04) are not
    rng = np.random.default_rng(0)
    quality = np.linspace(40, 85, 8)
    rows = []
    for a, qa in enumerate(quality):
        for e in range(4):
            rows.append((f"A{a:02d}", f"E{e:02d}", qa + rng.normal(0, 2)))
        rows.append((f"A{a:02d}", "E04", 60.0))
        rows.append((f"A{a:02d}", "E05", 125 - qa))
    tot = pd.DataFrame(rows, columns=["applicant_id", "expert_id", "score"])
    s = tot.assign(criterion="tasks", score=tot["score"] * 0.3)  # on the 0-30 scale
    cfg = _cfg(flags={"criteria": ["tasks"]})
    flags = experts.expert_flags(s, config=cfg)
    assert flags.query("flag == 'low_variation'")["expert_id"].tolist() == ["E04"]
    assert flags.query("flag == 'poor_agreement'")["expert_id"].tolist() == ["E05"]
    contested = flags.query("flag == 'disagreement'")
    assert {"A00", "A07"} <= set(contested["applicant_id"]) and not {"A03", "A04"} & set(contested["applicant_id"])
    row = contested.set_index("applicant_id").loc["A07"]
    assert row["threshold"] == pytest.approx(0.3 * 30) and "分歧" in row["message"]
