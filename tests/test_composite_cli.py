"""`nebase score`: reads a processed directory, writes the scoring tables."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nebase_analysis.batch import Batch
from nebase_analysis.cli import main


def _batch(n_per_group: int = 5) -> Batch:
    rng = np.random.default_rng(0)
    rows = []
    for cat, dom in (("park", "商业航天"), ("enterprise", "软件")):
        for i in range(n_per_group):
            r = {"applicant_id": f"{cat[0].upper()}-BJ-{dom}-{i}", "category": cat, "province": "北京市",
                 "domain": dom, "name": f"{dom}{i}"}
            for y, f in ((2023, 1.0), (2024, 1.1), (2025, 1.3)):
                r[f"lead_revenue_{y}"] = f * rng.uniform(50, 500) if cat == "park" else np.nan
                r[f"domain_revenue_{y}"] = f * rng.uniform(5, 50) if cat == "enterprise" else np.nan
            r["high_level_talent_share"] = rng.uniform(5, 40)
            r["sf_share"] = rng.uniform(0, 60) if cat == "park" else np.nan
            r["invention_patents"] = float(rng.integers(10, 300))
            rows.append(r)
    return Batch(applicants=pd.DataFrame(rows))


def test_nebase_score_writes_tables(tmp_path, capsys):
    batch = _batch()
    batch.to_parquet(tmp_path)
    # one error flagged by validation: that figure is treated as missing
    pd.DataFrame({"applicant_id": ["P-BJ-商业航天-0"], "field": ["lead_revenue_2025"], "severity": ["error"],
                  "message": ["单位疑似错误"]}).to_parquet(tmp_path / "issues.parquet")
    rc = main(["score", "--processed", str(tmp_path), "--samples", "200", "--seed", "1", "--sobol-samples", "64"])
    assert rc == 0
    err = capsys.readouterr().err  # the progress bars count in Chinese units: 计分 in 步, 排名不确定性 in 组
    assert "计分: 100%" in err and "6/6" in err and "步/s" in err and "it/s" not in err
    for name in ("indicators", "scores", "contributions", "rank_intervals", "sensitivity", "correlations",
                 "treatment_log", "missing_log", "score_notes", "indicator_notes", "dimension_scores"):
        assert (tmp_path / f"{name}.parquet").exists(), name
    ind = pd.read_parquet(tmp_path / "indicators.parquet").set_index("applicant_id")
    assert np.isnan(ind.loc["P-BJ-商业航天-0", "p_lead_revenue"])
    notes = pd.read_parquet(tmp_path / "indicator_notes.parquet")
    assert ((notes["applicant_id"] == "P-BJ-商业航天-0") & (notes["kind"] == "validation_error")).any()
    scores = pd.read_parquet(tmp_path / "scores.parquet")
    assert len(scores) == 10 and set(scores["peer_group"]) == {"园区·商业航天", "企业·软件"}
    assert sorted(scores.loc[scores["peer_group"] == "企业·软件", "rank"]) == [1, 2, 3, 4, 5]
    ri = pd.read_parquet(tmp_path / "rank_intervals.parquet")
    assert list(ri.columns[:10]) == ["applicant_id", "category", "domain", "peer_group", "n_peers", "rank_nominal",
                                     "rank_p05", "rank_median", "rank_p95", "rank_mean"]
    assert ri["p_selected"].between(0, 1).all()
    # indicators missing for the whole batch are noted, not NaN soup
    sn = pd.read_parquet(tmp_path / "score_notes.parquet")
    assert (sn["kind"] == "all_missing").any() and sn["message"].str.contains("全部缺失").any()
    # same seed, same intervals
    first = ri.copy()
    assert main(["score", "--processed", str(tmp_path), "--samples", "200", "--seed", "1", "--sobol-samples", "64"]) == 0
    pd.testing.assert_frame_equal(first, pd.read_parquet(tmp_path / "rank_intervals.parquet"))


def test_nebase_score_missing_input_is_a_clear_error(tmp_path, capsys):
    assert main(["score", "--processed", str(tmp_path / "nope")]) == 1     # 1 = data error, 2 = usage only
    assert "未找到" in capsys.readouterr().err


def test_nebase_score_bad_input_or_config_exits_1_with_chinese_message(tmp_path, capsys):
    _batch().to_parquet(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  sets:\n    park:\n      - {id: p_x, formula: \"open('x')\", dimension: 产业集群发展}\n",
                   encoding="utf-8")
    assert main(["score", "--processed", str(tmp_path), "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nebase score：指标公式" in err and "不允许的函数 open" in err and "Traceback" not in err
    pd.DataFrame({"applicant_id": ["P-BJ-商业航天-0"], "field": ["sf_share"]}).to_parquet(tmp_path / "issues.parquet")
    assert main(["score", "--processed", str(tmp_path)]) == 1
    assert "问题清单缺少列：['severity']" in capsys.readouterr().err


def test_nebase_score_empty_batch_stops_with_a_clear_message(tmp_path, capsys):
    Batch.empty().to_parquet(tmp_path)
    assert main(["score", "--processed", str(tmp_path), "--samples", "20"]) == 1
    err = capsys.readouterr().err
    assert "nebase score：批次中没有申报对象，无法计分" in err and "Traceback" not in err
    assert not (tmp_path / "scores.parquet").exists()


def test_empty_results_keep_their_columns():
    from nebase_analysis import composite as C
    from nebase_analysis import indicators as I

    values = I.compute(Batch.empty())
    res = C.score(values)
    assert list(res.scores.columns) == ["applicant_id", "category", "domain", "province", "peer_group", "n_peers",
                                        "index", "score", "rank", "note"]
    assert len(res.scores) == 0 and str(res.scores["rank"].dtype) == "Int64"
    ru, draws = C.rank_uncertainty(values, n=20, nominal=res, return_scores=True)
    assert list(ru.columns[:10]) == ["applicant_id", "category", "domain", "peer_group", "n_peers", "rank_nominal",
                                     "rank_p05", "rank_median", "rank_p95", "rank_mean"]
    assert len(ru) == 0 and list(draws.columns) == ["applicant_id", "draw", "score"]


def test_programming_errors_are_not_reported_as_input_errors(monkeypatch, tmp_path):
    import pytest

    from nebase_analysis import composite as C

    _batch().to_parquet(tmp_path)

    def broken(*args, **kwargs):
        return {}["no such key"]

    monkeypatch.setattr(C, "score", broken)
    with pytest.raises(KeyError):
        main(["score", "--processed", str(tmp_path), "--samples", "20"])


def test_nebase_score_repeated_ids_name_the_ids_and_their_files(tmp_path, capsys):
    batch = _batch()
    apps = batch.applicants.assign(source_file=[f"applications/北京市/{i:02d}.xlsx" for i in range(len(batch.applicants))])
    apps = pd.concat([apps, apps.iloc[[0]].assign(source_file="applications/北京市/99_copy.xlsx")], ignore_index=True)
    Batch(applicants=apps).to_parquet(tmp_path)
    assert main(["score", "--processed", str(tmp_path), "--samples", "20"]) == 1
    err = capsys.readouterr().err
    assert ("nebase score：申报数据中申报对象编号重复：P-BJ-商业航天-0（applications/北京市/00.xlsx、"
            "applications/北京市/99_copy.xlsx）") in err
    assert "nan" not in err and "Traceback" not in err and not (tmp_path / "scores.parquet").exists()
