"""Composite score draws: `rank_uncertainty(..., return_scores=True)` and `composite_samples.parquet`."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nebase_analysis import composite as C
from nebase_analysis.cli import main
from test_composite_cli import _batch
from test_composite_uncertainty import SPEC, tai_two_groups


def _wide(draws: pd.DataFrame) -> pd.DataFrame:
    return draws.pivot(index="applicant_id", columns="draw", values="score")


@pytest.mark.parametrize("norm", [{"method": "minmax", "range": [0, 100]}, {"method": "zscore", "mean_sd": [10, 2]},
                                  {"method": "percentile"}])
def test_draws_without_uncertainty_are_the_nominal_scores(norm):
    # one normalisation, one aggregation, no weight noise: every draw is the nominal score,
    # whatever scale rule the normalisation needs (fixed range, min-max within the group, as is)
    ind = tai_two_groups()
    cfg = {"composite": {"normalisation": norm,
                         "uncertainty": {"weight_noise": 0.0, "aggregations": ["arithmetic"], "normalisations": [norm]}}}
    nominal = C.score(ind, cfg, spec=SPEC).scores.set_index("applicant_id")["score"]
    _, draws = C.rank_uncertainty(ind, cfg, n=40, spec=SPEC, return_scores=True, score_draws=25)
    w = _wide(draws)
    assert w.shape == (23, 25) and list(w.columns) == list(range(25))
    for d in w.columns:
        np.testing.assert_allclose(w[d].reindex(nominal.index), nominal, rtol=0, atol=1e-9)


def test_draws_are_the_monte_carlo_samples_that_give_the_ranks():
    # default uncertainty (three normalisations, two aggregations, weight noise): ranking each
    # draw's scores within its peer group gives exactly the engine's rank samples
    ind = tai_two_groups()
    ru, ranks, draws = C.rank_uncertainty(ind, None, n=300, seed=5, spec=SPEC, return_samples=True,
                                          return_scores=True, score_draws=120)
    assert list(draws.columns) == ["applicant_id", "draw", "score"] and len(draws) == 23 * 120
    assert draws["score"].between(-1e-9, 100 + 1e-9).all()  # same rule as score(): no clipping, float noise only
    for label, R in ranks.items():
        ids = ru.loc[ru["peer_group"] == label, "applicant_id"].tolist()
        S = _wide(draws).loc[ids].to_numpy().T  # draws x applicants
        got = C._min_ranks_desc(np.round(S, 6))
        np.testing.assert_array_equal(got, R[:120])
    # draws differ between samples (the analysis is not degenerate) and keep the seed
    assert draws.groupby("applicant_id")["score"].std().gt(0).all()
    _, again = C.rank_uncertainty(ind, None, n=300, seed=5, spec=SPEC, return_scores=True, score_draws=120)
    pd.testing.assert_frame_equal(draws, again)


def test_score_draws_default_from_config_and_capped_at_samples():
    ind = tai_two_groups()
    _, d = C.rank_uncertainty(ind, {"composite": {"uncertainty": {"score_draws": 7}}}, n=50, spec=SPEC, return_scores=True)
    assert d["draw"].nunique() == 7
    _, d = C.rank_uncertainty(ind, None, n=30, spec=SPEC, return_scores=True)  # default 200 > 30 samples
    assert sorted(d["draw"].unique()) == list(range(30))
    with pytest.raises(ValueError, match="score_draws"):
        C.rank_uncertainty(ind, None, n=30, spec=SPEC, return_scores=True, score_draws=0)


def test_nebase_score_writes_composite_samples(tmp_path):
    _batch().to_parquet(tmp_path)
    user = tmp_path / "user.yaml"
    user.write_text("composite:\n  uncertainty:\n    score_draws: 40\n", encoding="utf-8")
    assert main(["score", "--processed", str(tmp_path), "--samples", "100", "--seed", "1", "--sobol-samples", "64",
                 "--config", str(user)]) == 0
    s = pd.read_parquet(tmp_path / "composite_samples.parquet")
    scores = pd.read_parquet(tmp_path / "scores.parquet")
    assert list(s.columns) == ["applicant_id", "draw", "score"]
    assert s["draw"].dtype == np.int64 and sorted(s["draw"].unique()) == list(range(40))
    assert set(s["applicant_id"]) == set(scores["applicant_id"]) and len(s) == 40 * len(scores)
    assert s["score"].notna().all() and s["score"].between(-1e-9, 100 + 1e-9).all()
    # the default (no user config): composite.yaml's 200 draws, capped by --samples
    assert main(["score", "--processed", str(tmp_path), "--samples", "250", "--seed", "1", "--sobol-samples", "64"]) == 0
    assert pd.read_parquet(tmp_path / "composite_samples.parquet")["draw"].nunique() == 200
