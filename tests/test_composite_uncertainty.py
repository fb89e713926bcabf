"""Rank uncertainty (vectorised vs naive), Sobol indices (Ishigami), correlation audit, properties."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nebase_analysis import composite as C
from nebase_analysis.config import load_config

DATA = Path(__file__).parent / "data" / "tai23.csv"
NO_TREAT = {"composite": {"treatment": {"enabled": False}}}
SPEC = pd.DataFrame({
    "id": ["patents", "royalties", "internet", "exports", "telephones_log", "electricity_log", "schooling", "university"],
    "dimension": ["创造", "创造", "新扩散", "新扩散", "旧扩散", "旧扩散", "技能", "技能"],
    "weight": [1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0], "direction": 1,
})


def tai_two_groups() -> pd.DataFrame:
    t = pd.read_csv(DATA).rename(columns={"country": "applicant_id"})
    # two peer groups, one with a missing value (exclude policy) to exercise re-weighting
    t = t.assign(category=["park"] * 11 + ["enterprise"] * 12, domain="TAI")
    t.loc[3, "internet"] = np.nan
    return t


# ----------------------------------------------------------------- vectorised == naive
@pytest.mark.parametrize("aggs", [["arithmetic", "geometric"], ["harmonic", "arithmetic"]])
def test_vectorised_engine_equals_naive_loop(aggs):
    ind = tai_two_groups()
    cfg = {"composite": {"uncertainty": {"aggregations": aggs}}}
    ru, samples = C.rank_uncertainty(ind, cfg, n=300, seed=7, spec=SPEC, return_samples=True)
    pick = list(range(0, 300, 5))
    naive = C._naive_rank_samples(ind, cfg, n=300, seed=7, spec=SPEC, samples=pick)
    assert set(naive) == set(samples) == {"园区·TAI", "企业·TAI"}
    for label in naive:
        np.testing.assert_array_equal(samples[label][pick], naive[label])
    # intervals are quantiles of those samples
    g = ru[ru["peer_group"] == "园区·TAI"].reset_index(drop=True)
    R = samples["园区·TAI"]
    assert g["rank_p05"].tolist() == np.quantile(R, 0.05, axis=0, method="inverted_cdf").astype(int).tolist()
    assert g["rank_p95"].tolist() == np.quantile(R, 0.95, axis=0, method="inverted_cdf").astype(int).tolist()
    assert g["p_selected"].tolist() == pytest.approx((R <= 1).mean(0).tolist())    # park: 1 place
    e = ru[ru["peer_group"] == "企业·TAI"]
    assert (e["selected_places"] == 3).all()
    assert ((ru["rank_p05"] <= ru["rank_median"]) & (ru["rank_median"] <= ru["rank_p95"])).all()


def test_no_uncertainty_collapses_to_nominal_ranks():
    ind = tai_two_groups()
    cfg = {"composite": {"uncertainty": {"weight_noise": 0.0, "aggregations": ["arithmetic"],
                                          "normalisations": [{"method": "minmax", "range": [0, 100]}]}}}
    ru = C.rank_uncertainty(ind, cfg, n=64, spec=SPEC)
    assert (ru["rank_p05"] == ru["rank_nominal"]).all() and (ru["rank_p95"] == ru["rank_nominal"]).all()
    assert set(ru["p_selected"]) <= {0.0, 1.0}


def test_seeded_and_reproducible():
    ind = tai_two_groups()
    a = C.rank_uncertainty(ind, None, n=200, seed=3, spec=SPEC)
    b = C.rank_uncertainty(ind.sample(frac=1, random_state=1), None, n=200, seed=3, spec=SPEC)
    pd.testing.assert_frame_equal(a.sort_values("applicant_id").reset_index(drop=True),
                                  b.sort_values("applicant_id").reset_index(drop=True))



def test_progress_bar_counts_peer_groups_in_chinese_units(capsys):
    ind = tai_two_groups()
    quiet = C.rank_uncertainty(ind, None, n=50, seed=3, spec=SPEC)
    shown = C.rank_uncertainty(ind, None, n=50, seed=3, spec=SPEC, progress=True)
    pd.testing.assert_frame_equal(quiet, shown)  # the bar changes nothing
    err = capsys.readouterr().err
    assert "排名不确定性: 100%" in err and "2/2" in err and "组/s" in err and "it/s" not in err


# ----------------------------------------------------------------- Sobol
def ishigami(U: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -math.pi + 2 * math.pi * U
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_ishigami_analytic():
    a, b = 7.0, 0.1
    V = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    V1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    V2 = a**2 / 8
    V13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    expected_S1 = [V1 / V, V2 / V, 0.0]
    expected_ST = [(V1 + V13) / V, V2 / V, V13 / V]
    res = C.sobol_indices(ishigami, 3, n=2**14, seed=11)
    assert res["S1"].to_numpy() == pytest.approx(expected_S1, abs=0.02)
    assert res["ST"].to_numpy() == pytest.approx(expected_ST, abs=0.02)
    assert expected_S1[0] == pytest.approx(0.3139, abs=1e-4) and expected_ST[2] == pytest.approx(0.2437, abs=1e-4)
    # bootstrap half-widths: positive, small at this sample size, and larger with fewer runs
    assert ((res["S1_conf"] > 0) & (res["S1_conf"] < 0.05)).all()
    small = C.sobol_indices(ishigami, 3, n=2**9, seed=11)
    assert (small["ST_conf"] > res["ST_conf"]).all()


def test_sobol_groups_of_inputs():
    # f = (x1 + x2) + x3: group {x1, x2} carries 2/3 of the variance, no interaction
    f = lambda U: U[:, 0] + U[:, 1] + U[:, 2]  # noqa: E731
    res = C.sobol_indices(f, 3, n=4096, groups={"g12": [0, 1], "g3": [2]}).set_index("factor")
    assert res.loc["g12", "S1"] == pytest.approx(2 / 3, abs=0.01) and res.loc["g12", "ST"] == pytest.approx(2 / 3, abs=0.01)
    assert res.loc["g3", "ST"] == pytest.approx(1 / 3, abs=0.01)


def test_sensitivity_factor_without_alternatives_has_zero_index():
    ind = tai_two_groups()
    cfg = {"composite": {"uncertainty": {"aggregations": ["arithmetic"]}}}
    sens = C.sensitivity(ind, cfg, n=256, spec=SPEC)
    agg = sens[sens["factor"] == "aggregation"]
    assert (agg["S1"] == 0).all() and (agg["ST"] == 0).all()
    assert set(sens["peer_group"]) == {"园区·TAI", "企业·TAI", "全部"}
    rest = sens[sens["factor"] != "aggregation"]
    assert (rest["ST"] > 0).all() and (rest["ST"] <= 1.2).all()
    assert set(sens["factor_label"]) == {"权重扰动", "标准化方法", "加总方法"}


def test_sensitivity_constant_ranking_noted():
    ind = pd.DataFrame({"applicant_id": ["A", "B"], "category": "park", "domain": "软件",
                        "x": [1.0, 2.0], "y": [1.0, 2.0]})
    spec = pd.DataFrame({"id": ["x", "y"], "dimension": ["D1", "D2"], "weight": 1.0})
    sens = C.sensitivity(ind, NO_TREAT, n=64, spec=spec)
    assert sens["S1"].isna().all() and sens["note"].str.contains("排名均不变").all()


# ----------------------------------------------------------------- correlation audit
def test_correlation_audit_flags():
    rng = np.random.default_rng(0)
    base = rng.normal(size=30)
    ind = pd.DataFrame({
        "applicant_id": [f"E{i:02d}" for i in range(30)], "category": "enterprise", "domain": "软件",
        "a": base, "a_copy": base * 2 + 0.01 * rng.normal(size=30), "b": -base + 0.1 * rng.normal(size=30),
        "c": rng.normal(size=30),
    })
    spec = pd.DataFrame({"id": ["a", "a_copy", "b", "c"], "dimension": ["D1", "D1", "D1", "D2"], "weight": 1.0})
    audit = C.correlation_audit(ind, NO_TREAT, spec=spec)
    pair = audit[(audit["kind"] == "indicator_pair") & (audit["indicator"] == "a") & (audit["other"] == "a_copy")].iloc[0]
    assert pair["flag"] == "redundant" and pair["r"] > 0.99 and "高度相关" in pair["message"]
    neg = audit[(audit["kind"] == "indicator_dimension") & (audit["indicator"] == "b")].iloc[0]
    assert neg["flag"] == "negative" and neg["r"] < 0
    # r matches pandas on the normalised values (minmax is affine, so equals raw correlation)
    assert pair["r"] == pytest.approx(np.corrcoef(ind["a"], ind["a_copy"])[0, 1])
    assert not ((audit["kind"] == "indicator_pair") & (audit["indicator"] == "c")).any()  # alone in D2


# ----------------------------------------------------------------- properties
SPEC4 = pd.DataFrame({"id": ["i1", "i2", "i3", "i4"], "dimension": ["D1", "D1", "D2", "D2"],
                      "weight": [1.0, 2.0, 1.0, 1.0], "direction": [1, -1, 1, 1]})
values = st.floats(min_value=0.0, max_value=1000.0, allow_nan=False, allow_infinity=False)
# configurations resolved once (resolve_config deep-copies the package config on every call)
CFG_DEFAULT = load_config()
CFG_AGG = {m: load_config({"composite": {"aggregation": {"indicators": m, "dimensions": m}}})
           for m in ("arithmetic", "geometric")}
CFG_GOAL = load_config({"composite": {"normalisation": {"method": "goalposts", "range": [0, 100]},
                                      "aggregation": {"indicators": "geometric", "dimensions": "arithmetic"}}})


@st.composite
def frames(draw, min_n=3, max_n=10):
    n = draw(st.integers(min_n, max_n))
    cols = {c: draw(st.lists(values, min_size=n, max_size=n)) for c in SPEC4["id"]}
    return pd.DataFrame({"applicant_id": [f"A{i:02d}" for i in range(n)], "category": "park", "domain": "软件", **cols})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.randoms(use_true_random=False))
def test_property_row_order_invariance(df, rnd):
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    a = C.score(df, CFG_DEFAULT, spec=SPEC4).scores.set_index("applicant_id").sort_index()
    b = C.score(df.iloc[perm], CFG_DEFAULT, spec=SPEC4).scores.set_index("applicant_id").sort_index()
    np.testing.assert_allclose(a["score"].to_numpy(float), b["score"].to_numpy(float), equal_nan=True)
    assert a["rank"].tolist() == b["rank"].tolist()


@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(df=frames(), gaps=st.lists(st.floats(0.01, 50.0), min_size=4, max_size=4), pick=st.integers(0, 100))
def test_property_dominance(method, df, gaps, pick):
    # applicant "W" is strictly worse than applicant i on every indicator (i2: lower is better)
    i = pick % len(df)
    row = df.iloc[i]
    worse = {c: row[c] - g if SPEC4.set_index("id").loc[c, "direction"] == 1 else row[c] + g
             for c, g in zip(SPEC4["id"], gaps)}
    df = pd.concat([df, pd.DataFrame([{"applicant_id": "W", "category": "park", "domain": "软件", **worse}])],
                   ignore_index=True)
    cfg = CFG_AGG[method]
    s = C.score(df, cfg, spec=SPEC4).scores.set_index("applicant_id")
    assert s.loc[row["applicant_id"], "rank"] <= s.loc["W", "rank"]
    assert s.loc[row["applicant_id"], "score"] >= s.loc["W", "score"] - 1e-9
    # and in every Monte Carlo sample
    _, R = C.rank_uncertainty(df, cfg, n=50, spec=SPEC4, return_samples=True)
    assert (R["园区·软件"][:, i] <= R["园区·软件"][:, len(df) - 1]).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=frames(min_n=1, max_n=8), new=st.lists(values, min_size=4, max_size=4))
def test_property_goalposts_adding_applicant_leaves_scores(df, new):
    spec = SPEC4.assign(goal_lo=[0.0, 0.0, 100.0, 0.0], goal_hi=[1000.0, 500.0, 900.0, 2000.0])
    cfg = CFG_GOAL
    before = C.score(df, cfg, spec=spec).scores.set_index("applicant_id")["score"]
    more = pd.concat([df, pd.DataFrame([{"applicant_id": "ZZ", "category": "park", "domain": "软件",
                                         **dict(zip(SPEC4["id"], new))}])], ignore_index=True)
    after = C.score(more, cfg, spec=spec).scores.set_index("applicant_id")["score"]
    np.testing.assert_allclose(after.loc[before.index].to_numpy(), before.to_numpy())
