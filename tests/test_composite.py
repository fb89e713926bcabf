"""Composite indicator steps against the OECD/JRC Handbook's TAI data and hand computations."""
from __future__ import annotations

import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nebase_analysis import composite as C

DATA = Path(__file__).parent / "data" / "tai23.csv"
NO_TREAT = {"composite": {"treatment": {"enabled": False}}}


@pytest.fixture(scope="module")
def tai() -> pd.DataFrame:
    return pd.read_csv(DATA).set_index("country")


@pytest.fixture(scope="module")
def tai_spec() -> pd.DataFrame:
    # the four TAI dimensions (UNDP 2001): creation, diffusion of recent / old innovations, skills
    return pd.DataFrame({
        "id": ["patents", "royalties", "internet", "exports", "telephones_log", "electricity_log", "schooling", "university"],
        "dimension": ["创造", "创造", "新扩散", "新扩散", "旧扩散", "旧扩散", "技能", "技能"],
        "weight": 1.0, "direction": 1,
    })


def tai_indicators(tai):
    return tai.reset_index().rename(columns={"country": "applicant_id"}).assign(category="park", domain="TAI")


# ----------------------------------------------------------------- Handbook Table 15
def test_handbook_table15_schooling(tai):
    x = tai[["schooling"]]
    rank = C.normalise(x, "rank")["schooling"]
    z = C.normalise(x, "zscore")["schooling"]
    mm = C.normalise(x, "minmax")["schooling"]
    pct = C.normalise(x, "percentile")["schooling"]
    assert rank["Finland"] == 15 and round(z["Finland"], 2) == 0.26
    assert round(mm["Finland"], 2) == 0.59 and round(pct["Finland"], 1) == 65.2
    assert rank["United States"] == 23 and round(z["United States"], 2) == 1.52 and mm["United States"] == 1.0
    for c in ("Singapore", "Slovenia"):
        assert rank[c] == 1 and round(z[c], 2) == -1.58 and mm[c] == 0.0


def test_rank_ties_at_minimum_and_percentile(tai):
    r = C.normalise(tai[["schooling"]], "rank")["schooling"]
    # sorted: 7.1, 7.1 (Singapore, Slovenia) | 7.2 Italy | 7.3 Spain | 7.9 France
    assert (r["Italy"], r["Spain"], r["France"]) == (3, 4, 5)
    # 9.4 is shared by Netherlands, United Kingdom, Ireland: 8 values below it (7.1 x2, 7.2, 7.3, 7.9, 8.4, 9.1, 9.3)
    assert {r["Netherlands"], r["United Kingdom"], r["Ireland"]} == {9}
    p = C.normalise(tai[["schooling"]], "percentile")["schooling"]
    assert p["Italy"] == pytest.approx(3 / 23 * 100)


def test_zscore_and_minmax_by_hand(tai):
    vals = tai["university"].tolist()
    mean, sd = statistics.mean(vals), statistics.stdev(vals)   # sample sd
    z = C.normalise(tai[["university"]], "zscore")["university"]
    for country in ("Korea", "Hungary", "Japan"):
        assert z[country] == pytest.approx((tai.loc[country, "university"] - mean) / sd)
    z2 = C.normalise(tai[["university"]], "zscore", mean_sd=(10, 2))["university"]
    assert z2["Korea"] == pytest.approx(10 + 2 * (23.2 - mean) / sd)
    mm = C.normalise(tai[["university"]], "minmax", target=(1, 100))["university"]
    # university: min 7.7 (Hungary), max 27.4 (Finland)
    assert mm["Korea"] == pytest.approx(1 + 99 * (23.2 - 7.7) / (27.4 - 7.7))
    assert mm["Hungary"] == 1 and mm["Finland"] == 100


def test_directions_reverse(tai):
    x = tai[["schooling"]]
    mm = C.normalise(x, "minmax", directions={"schooling": -1})["schooling"]
    assert mm["United States"] == 0 and mm["Singapore"] == 1
    assert mm["Finland"] == pytest.approx((12 - 10) / (12 - 7.1))
    r = C.normalise(x, "rank", directions={"schooling": -1})["schooling"]
    assert r["United States"] == 1 and r["Singapore"] == 22


def test_distance_to_frontier_and_goalposts(tai):
    x = tai[["schooling", "university"]]
    d = C.normalise(x, "distance_to_frontier")
    assert d.loc["Finland", "schooling"] == pytest.approx(10 / 12)
    assert d.loc["Korea", "university"] == pytest.approx(23.2 / 27.4)
    d2 = C.normalise(x, "distance_to_frontier", directions={"schooling": -1})
    assert d2.loc["Finland", "schooling"] == pytest.approx(7.1 / 10)
    g = C.normalise(x, "goalposts", goalposts={"schooling": (5, 15), "university": (10, 20)}, target=(0, 100))
    assert g.loc["Finland", "schooling"] == pytest.approx(50.0)
    assert g.loc["Finland", "university"] == 100.0          # 27.4 clipped at the upper goalpost
    assert g.loc["Hungary", "university"] == 0.0            # 7.7 clipped at the lower goalpost
    assert g.loc["Korea", "university"] == pytest.approx(100.0)
    assert g.loc["Germany", "university"] == pytest.approx((14.4 - 10) / 10 * 100)
    gr = C.normalise(x, "goalposts", goalposts={"schooling": (5, 15)}, directions={"schooling": -1}, columns=["schooling"])
    assert gr.loc["United States", "schooling"] == pytest.approx((15 - 12) / 10)


def test_normalise_degenerate_and_errors():
    df = pd.DataFrame({"c": [3.0, 3.0, 3.0], "m": [np.nan, 1.0, 2.0], "e": [np.nan] * 3})
    mm = C.normalise(df, "minmax", target=(0, 100))
    assert mm["c"].tolist() == [50.0, 50.0, 50.0]
    assert np.isnan(mm.loc[0, "m"]) and mm.loc[2, "m"] == 100.0
    assert mm["e"].isna().all()
    assert C.normalise(df, "zscore")["c"].tolist() == [0.0, 0.0, 0.0]
    assert C.normalise(df, "percentile")["m"].tolist()[1:] == [50.0, 100.0]
    with pytest.raises(ValueError, match="未知的标准化方法"):
        C.normalise(df, "softmax")
    with pytest.raises(ValueError, match="目标值"):
        C.normalise(df, "goalposts", columns=["m"])
    with pytest.raises(ValueError, match="非负"):
        C.normalise(pd.DataFrame({"x": [-1.0, 2.0]}), "distance_to_frontier")


# ----------------------------------------------------------------- outliers
def test_skew_kurt_type2_definitions():
    from scipy import stats

    x = np.array([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
    assert C.skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert C.kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))
    # scale-free: tiny values (m2 ** 2 would underflow to 0) give the same as their scaled copy
    tiny = np.array([0.0, 0.0, 0.0, 1.1e-82])
    assert C.kurtosis(tiny) == pytest.approx(C.kurtosis(tiny * 1e82)) == pytest.approx(stats.kurtosis([0, 0, 0, 1], bias=False))
    assert C.skewness(tiny) == pytest.approx(stats.skew([0, 0, 0, 1], bias=False))


def test_winsorise_one_point_then_pass():
    # 1..10, 30, 100: skew 3.06, kurtosis 9.74 -> winsorise 100 -> 30: skew 1.71 < 2 passes
    df = pd.DataFrame({"x": [*range(1, 11), 30, 100]}, dtype=float)
    out, log = C.treat_outliers(df)
    assert out["x"].tolist() == [*range(1, 11), 30, 30]
    assert len(log) == 1 and log.iloc[0]["action"] == "winsorise_high"
    assert log.iloc[0]["skew_before"] == pytest.approx(3.0632, abs=1e-4)
    assert log.iloc[0]["skew_after"] == pytest.approx(1.7120, abs=1e-4)


def test_winsorise_low_side_and_ties():
    df = pd.DataFrame({"x": [-100.0, -100.0, *range(1, 21)]})
    out, log = C.treat_outliers(df, winmax=5)
    # negative skew: both tied minima are raised to the next value (1) in one step
    assert out["x"].tolist()[:2] == [1.0, 1.0]
    assert set(log["action"]) == {"winsorise_low"} and sorted(log["row"]) == [0, 1]


def test_log_fallback_when_winmax_reached():
    x = np.array([*range(1, 21), 200.0, 400.0, 800.0])
    df = pd.DataFrame({"x": x})
    out, log = C.treat_outliers(df, winmax=1)
    # one winsorised point is not enough -> log of the ORIGINAL values, every point recorded
    a = 0.01 * (800 - 1)
    assert out["x"].to_numpy() == pytest.approx(np.log(x - 1 + a))
    assert (log["action"] == "log").all() and len(log) == len(x)
    out2, log2 = C.treat_outliers(df, winmax=1, fallback="none")
    assert out2["x"].max() == 400.0 and len(log2) == 1


def test_tai_treatment_patents(tai):
    out, log = C.treat_outliers(tai.drop(columns=[]))
    # patents: Japan 994 and Korea 779 are the outliers; two winsorised points
    assert set(log["indicator"]) == {"patents"}
    assert list(log.sort_values("before")["row"]) == ["Korea", "Japan"]
    assert out.loc["Japan", "patents"] == out.loc["Korea", "patents"] == 289.0
    assert abs(C.skewness(out["patents"].to_numpy())) < 2


# ----------------------------------------------------------------- missing data
def test_impute_policies_logged():
    df = pd.DataFrame({"a": [1.0, np.nan, 5.0, 4.0], "b": [np.nan, 2.0, 6.0, 3.0], "c": [1.0, np.nan, 2.0, 3.0]},
                      index=pd.Index(list("WXYZ"), name="applicant_id"))
    out, log = C.impute(df, {"a": "median", "b": "worst", "c": "exclude"}, directions={"b": -1})
    assert out.loc["X", "a"] == 4.0            # median of 1, 5, 4
    assert out.loc["W", "b"] == 6.0            # lower is better -> worst = max
    assert np.isnan(out.loc["X", "c"])
    assert log[["row", "indicator", "policy"]].values.tolist() == [["X", "a", "median"], ["W", "b", "worst"], ["X", "c", "exclude"]]
    assert log["message"].str.contains("缺失").all()


# ----------------------------------------------------------------- weights
def test_entropy_weights_by_hand():
    df = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 1.0, 4.0]})
    w = C.compute_weights(df, "entropy")
    # a scaled to (0, .5, 1): p = (0, 1/3, 2/3); b scaled to (0, 0, 1): p = (0, 0, 1), e = 0 (0 ln 0 = 0)
    e_a = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(3)
    d_a, d_b = 1 - e_a, 1.0
    assert w["a"] == pytest.approx(d_a / (d_a + d_b))
    assert w["b"] == pytest.approx(d_b / (d_a + d_b))
    # a constant column carries no information
    w2 = C.compute_weights(df.assign(c=5.0), "entropy")
    assert w2["c"] == 0.0 and w2.sum() == pytest.approx(1.0)


def test_pca_weights_two_blocks():
    rng = np.random.default_rng(3)
    f1, f2 = rng.normal(size=400), rng.normal(size=400)
    f1, f2 = f1 - f1.mean(), f2 - f2.mean()
    f2 = f2 - (f2 @ f1) / (f1 @ f1) * f1          # exactly uncorrelated factors
    eps = lambda: 1e-3 * rng.normal(size=400)  # noqa: E731
    df = pd.DataFrame({"a": f1 + eps(), "b": f1 + eps(), "c": f1 + eps(), "d": f2 + eps(), "e": f2 + eps()})
    w = C.compute_weights(df, "pca")
    # two factors (eigenvalues 3 and 2); squared rotated loadings scaled: 1/3 and 1/2;
    # factor weights 3/5 and 2/5 -> every indicator 1/5
    assert w.to_numpy() == pytest.approx([0.2] * 5, abs=1e-3)
    with pytest.raises(ValueError, match="至少"):
        C.compute_weights(df.head(4), "pca")


def test_configured_and_equal_weights_normalised():
    w = C.compute_weights(method="configured", configured={"x": 3, "y": 1})
    assert w.tolist() == [0.75, 0.25]
    assert C.compute_weights(method="equal", columns=list("abcd")).tolist() == [0.25] * 4
    with pytest.raises(ValueError, match="负"):
        C.compute_weights(method="configured", configured={"x": -1, "y": 1})


# ----------------------------------------------------------------- aggregation
def test_aggregation_methods_by_hand():
    df = pd.DataFrame({"a": [2.0, 0.0, np.nan], "b": [8.0, 50.0, np.nan]})
    w = {"a": 3, "b": 1}
    assert C.aggregate(df, w, "arithmetic")[0] == pytest.approx(0.75 * 2 + 0.25 * 8)
    assert C.aggregate(df, w, "geometric")[0] == pytest.approx(2**0.75 * 8**0.25)
    assert C.aggregate(df, w, "harmonic")[0] == pytest.approx(1 / (0.75 / 2 + 0.25 / 8))
    # zero rule: the zero is raised to the floor, not an error
    assert C.aggregate(df, w, "geometric", floor=1.0)[1] == pytest.approx(1.0**0.75 * 50**0.25)
    assert C.aggregate(df, w, "harmonic", floor=1.0)[1] == pytest.approx(1 / (0.75 / 1 + 0.25 / 50))
    assert np.isnan(C.aggregate(df, w, "arithmetic")[2])


def test_aggregation_reweights_missing():
    df = pd.DataFrame({"a": [10.0], "b": [np.nan], "c": [40.0]})
    assert C.aggregate(df, {"a": 1, "b": 2, "c": 3})[0] == pytest.approx((10 + 3 * 40) / 4)


def test_hierarchy_by_hand(tai, tai_spec):
    N = C.normalise(tai, "minmax")
    idx, D = C.aggregate_hierarchy(N, tai_spec.rename(columns={"id": "indicator"}), dimension_weights={"创造": 2, "新扩散": 1, "旧扩散": 1, "技能": 0})
    fin = N.loc["Finland"]
    cre = (fin.patents + fin.royalties) / 2
    new = (fin.internet + fin.exports) / 2
    old = (fin.telephones_log + fin.electricity_log) / 2
    assert D.loc["Finland", "创造"] == pytest.approx(cre)
    assert idx["Finland"] == pytest.approx((2 * cre + new + old) / 4)


# ----------------------------------------------------------------- score
def test_score_tai_equals_hand_computation(tai, tai_spec):
    ind = tai_indicators(tai)
    res = C.score(ind, NO_TREAT, spec=tai_spec)
    s = res.scores.set_index("applicant_id")
    mm = (tai - tai.min()) / (tai.max() - tai.min()) * 100
    dims = pd.DataFrame({d: mm[list(g)].mean(axis=1) for d, g in tai_spec.groupby("dimension")["id"]})
    expected = dims.mean(axis=1)
    assert s["score"].to_numpy() == pytest.approx(expected.reindex(s.index).to_numpy())
    exp_rank = expected.rank(ascending=False, method="min").astype(int)
    assert (s["rank"].astype(int) == exp_rank.reindex(s.index)).all()
    assert s.loc[exp_rank.idxmin(), "rank"] == 1 and (s["n_peers"] == 23).all()
    assert (s["peer_group"] == "园区·TAI").all()
    # contributions add up to the score, dimension contributions too
    con = res.contributions.groupby("applicant_id")["contribution"].sum()
    assert con.reindex(s.index).to_numpy() == pytest.approx(s["score"].to_numpy())
    dcon = res.dimensions.groupby("applicant_id")["contribution"].sum()
    assert dcon.reindex(s.index).to_numpy() == pytest.approx(s["score"].to_numpy())
    fin = res.contributions.query("applicant_id == 'Finland' and indicator == 'schooling'").iloc[0]
    assert fin["normalised"] == pytest.approx((10 - 7.1) / 4.9 * 100) and fin["weight"] == pytest.approx(1 / 8)
    assert fin["contribution"] == pytest.approx(fin["normalised"] / 8)
    d = res.dimensions.query("applicant_id == 'Finland' and dimension == '技能'").iloc[0]
    assert d["dimension_score"] == pytest.approx(dims.loc["Finland", "技能"])


def test_score_geometric_contributions_sum(tai, tai_spec):
    cfg = {"composite": {"aggregation": {"indicators": "geometric", "dimensions": "geometric", "zero_floor": 1.0}}}
    res = C.score(tai_indicators(tai), cfg, spec=tai_spec)
    s = res.scores.set_index("applicant_id")["score"]
    con = res.contributions.groupby("applicant_id")["contribution"].sum()
    assert con.reindex(s.index).to_numpy() == pytest.approx(s.to_numpy())
    # treatment logged with applicant ids (patents of Japan and Korea winsorised)
    assert set(res.treatment_log["applicant_id"]) == {"Japan", "Korea"}


def test_score_zscore_rescaled_within_group(tai, tai_spec):
    cfg = {"composite": {"normalisation": {"method": "zscore"}, "treatment": {"enabled": False}}}
    s = C.score(tai_indicators(tai), cfg, spec=tai_spec).scores
    assert s["score"].min() == 0.0 and s["score"].max() == 100.0


def test_missing_policy_per_indicator_in_score(tai, tai_spec):
    ind = tai_indicators(tai)
    ind.loc[ind["applicant_id"] == "Finland", "schooling"] = np.nan
    spec = tai_spec.assign(missing=np.where(tai_spec["id"] == "schooling", "worst", "exclude"))
    res = C.score(ind, NO_TREAT, spec=spec)
    row = res.missing_log.iloc[0]
    assert (row["applicant_id"], row["indicator"], row["policy"], row["value"]) == ("Finland", "schooling", "worst", 7.1)
    c = res.contributions.query("applicant_id == 'Finland' and indicator == 'schooling'").iloc[0]
    assert c["normalised"] == 0.0 and c["missing_policy"] == "worst"
    # exclude: Finland's skills dimension is its university score alone
    res2 = C.score(ind, NO_TREAT, spec=tai_spec)
    d = res2.dimensions.query("applicant_id == 'Finland' and dimension == '技能'").iloc[0]
    assert d["dimension_score"] == 100.0   # Finland has the highest university value


# ----------------------------------------------------------------- degenerate input
def _spec2():
    return pd.DataFrame({"id": ["x", "y", "z"], "dimension": ["D1", "D1", "D2"], "weight": 1.0, "direction": 1})


def test_degenerate_groups_give_notes_not_nan_soup():
    ind = pd.DataFrame({
        "applicant_id": ["A1", "A2", "A3", "B1"],
        "category": ["park", "park", "park", "enterprise"],
        "domain": "软件",
        "x": [1.0, 2.0, 3.0, 5.0],
        "y": [4.0, 4.0, 4.0, 1.0],          # constant within the park group
        "z": [np.nan, np.nan, np.nan, 2.0],  # missing for every park
    })
    res = C.score(ind, NO_TREAT, spec=_spec2())
    notes = res.notes
    kinds = set(zip(notes["peer_group"], notes["kind"]))
    assert ("园区·软件", "constant") in kinds and ("园区·软件", "all_missing") in kinds
    assert ("企业·软件", "single") in kinds
    assert notes["message"].str.contains("取值相同").any() and notes["message"].str.contains("全部缺失").any()
    s = res.scores.set_index("applicant_id")
    # the park group is scored on x alone
    assert s.loc[["A1", "A2", "A3"], "score"].tolist() == [0.0, 50.0, 100.0]
    assert s.loc["B1", "rank"] == 1 and np.isnan(s.loc["B1", "score"]) and "仅 1 个" in s.loc["B1", "note"]
    ru = C.rank_uncertainty(ind, NO_TREAT, n=50, spec=_spec2(), nominal=res).set_index("applicant_id")
    assert ru.loc["B1", ["rank_p05", "rank_p95"]].tolist() == [1, 1] and ru.loc["B1", "p_selected"] == 1.0
    assert "仅 1 个" in ru.loc["B1", "note"]


def test_group_without_any_usable_indicator():
    ind = pd.DataFrame({"applicant_id": ["A", "B"], "category": "park", "domain": "软件",
                        "x": [1.0, 1.0], "y": [2.0, 2.0], "z": [np.nan, np.nan]})
    res = C.score(ind, NO_TREAT, spec=_spec2())
    assert res.scores["score"].isna().all()
    assert res.scores["note"].str.contains("没有可用于计分的指标").all()


def test_goalposts_single_applicant_is_scored():
    ind = pd.DataFrame({"applicant_id": ["A"], "category": "park", "domain": "软件", "x": [15.0]})
    spec = pd.DataFrame({"id": ["x"], "dimension": ["D1"], "weight": 1.0, "goal_lo": 10.0, "goal_hi": 20.0})
    cfg = {"composite": {"normalisation": {"method": "goalposts", "range": [0, 100]}}}
    s = C.score(ind, cfg, spec=spec).scores
    assert s["score"].tolist() == [50.0] and s["rank"].tolist() == [1]


def test_duplicate_ids_rejected():
    ind = pd.DataFrame({"applicant_id": ["A", "A"], "category": "park", "domain": "软件", "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="^指标表中申报对象编号重复：A；"):
        C.score(ind, NO_TREAT, spec=_spec2())
    # rows without an id are named by row, not reported as repeated "nan"
    ind = pd.DataFrame({"applicant_id": ["A", None, None], "category": "park", "domain": "软件", "x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="^指标表中有 2 条记录缺少申报对象编号：指标表第 2 条、指标表第 3 条；每个") as exc:
        C.score(ind, NO_TREAT, spec=_spec2())
    assert "nan" not in str(exc.value) and "重复" not in str(exc.value)


@pytest.mark.parametrize("method", ["entropy", "equal"])
def test_score_with_data_driven_weights(tai, tai_spec, method):
    cfg = {"composite": {"weights": {"method": method}, "treatment": {"enabled": False}}}
    res = C.score(tai_indicators(tai), cfg, spec=tai_spec.assign(weight=[5, 1, 1, 1, 1, 1, 1, 1]))
    w = res.weights.set_index("indicator")
    raw = C.compute_weights(tai[tai_spec["id"].tolist()], method)
    for dim, ids in tai_spec.groupby("dimension")["id"]:
        expected = raw[list(ids)] / raw[list(ids)].sum()
        assert w.loc[list(ids), "weight_in_dimension"].to_numpy() == pytest.approx(expected.to_numpy())
    assert w["weight"].sum() == pytest.approx(1.0)


def test_pca_weights_fall_back_with_a_note_when_too_few_applicants(tai, tai_spec):
    cfg = {"composite": {"weights": {"method": "pca"}, "treatment": {"enabled": False}}}
    small = tai_indicators(tai).head(6)                      # 6 applicants < 8 indicators + 1
    res = C.score(small, cfg, spec=tai_spec)
    assert (res.notes["kind"] == "weights_fallback").any()
    assert res.weights["weight_in_dimension"].to_numpy() == pytest.approx([0.5] * 8)


# ----------------------------------------------------------------- effective weights
from hypothesis import given, settings, strategies as st  # noqa: E402

_SPEC3 = pd.DataFrame({
    "id": ["a", "b", "c", "d", "e", "f"],
    "dimension": ["D1", "D1", "D1", "D2", "D2", "D3"],
    "weight": [1.0, 2.0, 3.0, 1.0, 1.0, 1.0],
    "direction": [1, 1, -1, 1, 1, 1],
    "dimension_weight": [1.0, 1.0, 1.0, 2.0, 2.0, 1.0],
})


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_contribution_is_normalised_times_effective_weight(data):
    n = data.draw(st.integers(4, 9))
    cols = {}
    for c in _SPEC3["id"]:
        vals = data.draw(st.lists(st.one_of(st.none(), st.floats(0, 1000, allow_nan=False)), min_size=n, max_size=n))
        cols[c] = [np.nan if v is None else v for v in vals]
    ind = pd.DataFrame({"applicant_id": [f"A{i}" for i in range(n)], "category": "park", "domain": "软件", **cols})
    ind.loc[0, ["a", "b"]] = np.nan  # always a peer with missing values inside a dimension
    res = C.score(ind, None, spec=_SPEC3)
    s = res.scores.set_index("applicant_id")["score"]
    scored = s.index[s.notna()]
    con = res.contributions[res.contributions["applicant_id"].isin(scored)]
    num = con[["normalised", "weight", "contribution"]].astype(float)
    ok = num["normalised"].notna()
    assert np.allclose(num.loc[ok, "contribution"], num.loc[ok, "normalised"] * num.loc[ok, "weight"], rtol=0, atol=1e-9)
    assert (num.loc[~ok, "weight"] == 0).all() and (num.loc[~ok, "contribution"] == 0).all()
    tot = num["contribution"].groupby(con["applicant_id"]).sum()
    assert np.allclose(tot.reindex(scored), s[scored], rtol=0, atol=1e-9)
    wsum = num["weight"].groupby(con["applicant_id"]).sum()
    assert np.allclose(wsum.reindex(scored), 1.0, atol=1e-12)


def test_effective_weight_respread_within_dimension_by_hand():
    # A0 lacks `a` (D1 weight 1 of 1+2+3): b, c take 2/5 and 3/5 of D1's 1/4
    ind = pd.DataFrame({"applicant_id": ["A0", "A1", "A2"], "category": "park", "domain": "软件",
                        "a": [np.nan, 1.0, 2.0], "b": [1.0, 2.0, 3.0], "c": [3.0, 1.0, 2.0],
                        "d": [1.0, 5.0, 2.0], "e": [2.0, 1.0, 4.0], "f": [1.0, 2.0, 0.0]})
    res = C.score(ind, NO_TREAT, spec=_SPEC3)
    w = res.contributions.query("applicant_id == 'A0'").set_index("indicator")["weight"]
    expected = {"a": 0.0, "b": 0.25 * 2 / 5, "c": 0.25 * 3 / 5, "d": 0.25, "e": 0.25, "f": 0.25}
    assert w.to_dict() == pytest.approx(expected, abs=1e-12)
