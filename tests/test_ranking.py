"""Final ranking, tie-breaks, rank stability, method comparison and `nebase rank`."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nebase_analysis import ranking
from nebase_analysis.config import criteria_table, load_config

CRITERIA = criteria_table(load_config()).to_dict("records")   # criteria.yaml: ids, names, maxima
MAXI = {c["id"]: c["max"] for c in CRITERIA}
TASKS_ONLY = [c for c in CRITERIA if c["id"] == "tasks"]               # a one-criterion scale


def _cfg(**ranking_over):
    base = {"selection": {"default": {"park": 1, "enterprise": 2}}}
    base.update(ranking_over)
    return load_config({"ranking": base})


def _agg(rows):
    """Aggregated expert table from (applicant, total_100, tasks) tuples."""
    out = []
    for a, total, tasks in rows:
        out.append({"applicant_id": a, "criterion": "total", "score": total, "score_100": total, "method": "mean"})
        out.append({"applicant_id": a, "criterion": "tasks", "score": tasks, "score_100": tasks / 30 * 100, "method": "mean"})
    return pd.DataFrame(out)


def _comp(rows, domain="软件", category="park"):
    return pd.DataFrame([{"applicant_id": a, "domain": domain, "category": category, "score": s} for a, s in rows])


def _raw(per_applicant):
    """Long expert scores: {applicant: [(expert, {criterion: score})]}."""
    rows = []
    for a, lst in per_applicant.items():
        for e, sc in lst:
            for c, v in sc.items():
                rows.append((a, e, c, float(v)))
    return pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"])


def test_weights_and_hand_computed_final():
    comp = _comp([("A", 80.0), ("B", 60.0), ("C", 70.0)])
    agg = _agg([("A", 70.0, 20), ("B", 90.0, 25), ("C", 50.0, 15)])
    r = ranking.final_ranking(comp, agg, _cfg()).set_index("applicant_id")
    assert r.loc["A", "final"] == pytest.approx(0.4 * 80 + 0.6 * 70)
    assert r.loc["B", "final"] == pytest.approx(0.4 * 60 + 0.6 * 90)
    assert r["rank"].to_dict() == {"B": 1, "A": 2, "C": 3}
    assert r["selected"].to_dict() == {"B": True, "A": False, "C": False}
    assert r["places"].tolist() == [1, 1, 1]
    # 50/50 weights reverse A and B
    r2 = ranking.final_ranking(comp, agg, _cfg(weights={"objective": 0.5, "expert": 0.5})).set_index("applicant_id")
    assert r2.loc["A", "final"] == pytest.approx(75.0) and r2.loc["B", "final"] == pytest.approx(75.0)
    assert r2.loc["B", "rank"] == 1 and r2.loc["B", "decided_by"] == "expert"


def test_tie_break_chain_expert_then_tasks_then_objective_then_declared_tie():
    comp = _comp(
        [("A", 70.0), ("B", 61.0),  # same final 76, B has the higher expert score
         ("C", 50.0), ("D", 50.0),  # same final and expert, D has the higher 重点任务
         ("E", 40.0), ("F", 40.0)]  # identical on every key
    )
    agg = _agg([("A", 80.0, 20), ("B", 86.0, 20), ("C", 60.0, 18), ("D", 60.0, 22), ("E", 50.0, 15), ("F", 50.0, 15)])
    r = ranking.final_ranking(comp, agg, _cfg()).set_index("applicant_id")
    assert r["rank"].to_dict() == {"B": 1, "A": 2, "D": 3, "C": 4, "E": 5, "F": 5}
    assert r.loc["A", "decided_by"] == "expert" and "按专家评分排序" in r.loc["A", "tie_note"]
    assert r.loc["C", "decided_by"] == "tasks" and "按重点任务排序" in r.loc["C", "tie_note"]
    assert r.loc["E", "decided_by"] == "tie" and r.loc["E", "tie"] and r.loc["F", "tie"]
    assert "并列第 5 名" in r.loc["F", "tie_note"]
    assert not r.loc["A", "tie"] and r.loc["A", "decided_by"] == "expert"


def test_objective_breaks_tie_when_expert_and_tasks_equal():
    # final equal only with weights where objective and expert trade off: 50/50
    comp = _comp([("A", 60.0), ("B", 70.0)])
    agg = _agg([("A", 80.0, 20), ("B", 70.0, 20)])
    cfg = _cfg(weights={"objective": 0.5, "expert": 0.5}, tie_break=["tasks", "objective", "expert"])
    r = ranking.final_ranking(comp, agg, cfg).set_index("applicant_id")
    assert r["rank"].to_dict() == {"B": 1, "A": 2} and r.loc["A", "decided_by"] == "objective"


def test_differences_below_display_precision_do_not_decide():
    comp = _comp([("A", 70.0), ("B", 70.0)])
    agg = _agg([("A", 80.001, 20), ("B", 80.0, 25)])
    r = ranking.final_ranking(comp, agg, _cfg()).set_index("applicant_id")
    # 80.001 vs 80.000 round to the same 2 decimals, so 重点任务 decides
    assert r.loc["B", "rank"] == 1 and r.loc["A", "decided_by"] == "tasks"


def test_tie_across_the_cutoff_selects_all_and_says_so():
    comp = _comp([("A", 70.0), ("B", 70.0), ("C", 10.0)])
    agg = _agg([("A", 80.0, 20), ("B", 80.0, 20), ("C", 10.0, 5)])
    r = ranking.final_ranking(comp, agg, _cfg()).set_index("applicant_id")
    assert r["selected"].to_dict() == {"A": True, "B": True, "C": False}
    assert "需人工裁定" in r.loc["A", "tie_note"]


def test_groups_missing_scores_and_places_by_domain():
    comp = pd.concat(
        [_comp([("A", 70.0), ("B", 60.0), ("X", 90.0)]), _comp([("P", 50.0), ("Q", 40.0), ("R", 30.0)], domain="商业航天", category="enterprise")],
        ignore_index=True,
    )
    agg = _agg([("A", 80.0, 20), ("B", 70.0, 20), ("P", 60.0, 10), ("Q", 70.0, 12), ("R", 50.0, 12), ("Z", 99.0, 30)])
    cfg = _cfg(selection={"default": {"park": 1, "enterprise": 2}, "by_domain": {"软件": {"park": 2}}})
    r = ranking.final_ranking(comp, agg, cfg).set_index("applicant_id")
    assert r.loc["X", "note"].startswith("缺少专家评分") and pd.isna(r.loc["X", "rank"]) and not r.loc["X", "selected"]
    assert r.loc["Z", "note"].startswith("缺少客观得分") and pd.isna(r.loc["Z", "rank"])
    assert r.loc["A", "places"] == 2 and r.loc["P", "places"] == 2
    assert r.loc[["A", "B"], "selected"].all()
    assert r.loc[["Q", "P", "R"], "rank"].tolist() == [1, 2, 3] and r.loc["R", "selected"] == False  # noqa: E712
    assert r.loc["A", "n_in_group"] == 2
    # the reason is a code; the words come from ranking.unranked_labels
    assert r["unranked_reason"].to_dict() == {"A": "", "B": "", "P": "", "Q": "", "R": "", "X": "no_expert", "Z": "no_objective"}


def test_unranked_reason_codes_and_lines_worded_from_configuration():
    comp = _comp([("A", 70.0), ("B", float("nan")), ("C", float("nan")), ("D", 60.0)])
    agg = _agg([("A", 80.0, 20), ("B", 70.0, 20), ("C", float("nan"), float("nan"))])
    cfg = _cfg(unranked_labels={"no_objective": "无客观分", "no_expert": "无专家分", "no_scores": "两项皆无"})
    r = ranking.final_ranking(comp, agg, cfg).set_index("applicant_id")
    assert r["unranked_reason"].to_dict() == {"A": "", "B": "no_objective", "C": "no_scores", "D": "no_expert"}
    assert r.loc["B", "note"] == "无客观分，未排名" and r.loc["C", "note"].startswith("两项皆无，未排名")
    assert r.loc["A", "rank"] == 1 and r.loc[["B", "C", "D"], "rank"].isna().all()
    lines = ranking.unranked_lines(r.reset_index(), cfg)
    assert lines[:2] == ["未排名的申报对象 3 个（不参与入选）：", "  软件·示范园区 3 个：B（无客观分）、C（两项皆无）、D（无专家分）"]


def test_places_fall_back_to_composite_config():
    cfg = load_config({"ranking": {"selection": {"default": None}}, "composite": {"uncertainty": {"selected_places": {"park": 4, "enterprise": 7}}}})
    assert ranking.selection_places("软件", "park", cfg) == 4
    assert ranking.selection_places("软件", "enterprise", cfg) == 7


def test_raw_scores_path_equals_aggregated_path():
    from nebase_analysis import experts

    rng = np.random.default_rng(1)
    raw = _raw({f"A{i}": [(f"e{j}", {c: float(rng.integers(0, m + 1)) for c, m in MAXI.items()}) for j in range(5)] for i in range(6)})
    comp = _comp([(f"A{i}", float(v)) for i, v in enumerate(rng.uniform(0, 100, 6))])
    cfg = _cfg()
    a = ranking.final_ranking(comp, raw, cfg, method="median")
    b = ranking.final_ranking(comp, experts.aggregate(raw, "median", config=cfg), cfg)
    pd.testing.assert_frame_equal(a, b)
    assert (a["method"] == "median").all()


# ----------------------------------------------------------------------------- stability


def test_stability_labels_and_reproducibility():
    raw = _raw({
        "A": [(f"e{j}", {"tasks": 27 + j % 2}) for j in range(5)],
        "B": [(f"e{j}", {"tasks": 5 + j % 2}) for j in range(5)],
        "C": [(f"e{j}", {"tasks": 4}) for j in range(5)],
    })
    comp = _comp([("A", 90.0), ("B", 20.0), ("C", 20.0)])
    cfg = load_config({"criteria": {"criteria": TASKS_ONLY}, "ranking": {"selection": {"default": {"park": 1}}}})
    s1 = ranking.rank_stability(raw, comp, config=cfg, n_boot=300, seed=4)
    s2 = ranking.rank_stability(raw, comp, config=cfg, n_boot=300, seed=4)
    pd.testing.assert_frame_equal(s1, s2)
    s = s1.set_index("applicant_id")
    assert s.loc["A", "stability"] == "稳定入选" and s.loc["A", "p_selected"] == 1.0
    assert s.loc["B", "stability"] == "稳定未入选" and s.loc["C", "p_selected"] == 0.0
    assert s.loc["A", "rank_low"] == 1 and s.loc["A", "rank_high"] == 1
    assert s.loc["B", "rank_low"] == 2 and s.loc["C", "rank_high"] == 3


def test_stability_borderline_from_composite_draws_in_every_format():
    raw = _raw({a: [(f"e{j}", {"tasks": 15}) for j in range(3)] for a in "AB"})
    # nominal composite 60 / 40: the draws enter on that scale (only their order counts)
    comp = _comp([("A", 60.0), ("B", 40.0)])
    cfg = load_config({"criteria": {"criteria": TASKS_ONLY}, "ranking": {"selection": {"default": {"park": 1}}}})
    # experts identical: the composite draws decide; A wins 30 of 100 draws
    draws = np.zeros((2, 100))
    draws[0, :30], draws[1, 30:] = 60.0, 60.0
    draws[0, 30:], draws[1, :30] = 40.0, 40.0
    arr = ranking.rank_stability(raw, comp, draws, config=cfg, n_boot=100, seed=0).set_index("applicant_id")
    assert arr.loc["A", "p_selected"] == pytest.approx(0.30) and arr.loc["B", "p_selected"] == pytest.approx(0.70)
    assert set(arr["stability"]) == {"边界"}
    long = pd.DataFrame([{"applicant_id": a, "draw": d, "score": draws[i, d]} for i, a in enumerate("AB") for d in range(100)])
    wide = pd.DataFrame(draws, columns=[f"s{d}" for d in range(100)]).assign(applicant_id=["A", "B"])
    for fmt in (long, wide):
        got = ranking.rank_stability(raw, comp, fmt, config=cfg, n_boot=100, seed=0)
        pd.testing.assert_frame_equal(got, arr.reset_index())


def test_stability_bootstrap_resamples_experts():
    # one contested applicant: experts 60 and 100 (totals); rival fixed at 79. With
    # 2 experts resampled, the mean is 60, 80, 80 or 100 -> P(A > rival) = 3/4.
    raw = _raw({
        "A": [("e1", {"tasks": 18}), ("e2", {"tasks": 30})],
        "B": [("e1", {"tasks": 23.7}), ("e2", {"tasks": 23.7})],
    })
    comp = _comp([("A", 50.0), ("B", 50.0)])
    cfg = load_config({"criteria": {"criteria": TASKS_ONLY}, "ranking": {"selection": {"default": {"park": 1}}, "aggregation": {"default_method": "mean"}}})
    s = ranking.rank_stability(raw, comp, config=cfg, n_boot=4000, seed=1).set_index("applicant_id")
    assert s.loc["A", "p_selected"] == pytest.approx(0.75, abs=0.025)
    assert s.loc["A", "p_selected"] + s.loc["B", "p_selected"] == pytest.approx(1.0)



def test_composite_samples_widen_rank_intervals():
    # experts: A and B equal but noisy (same scores, other experts), C and D far apart; composite point scores equal
    raw = _raw({
        "A": [(f"e{j}", {"tasks": v}) for j, v in enumerate([20, 22, 24, 21, 23])],
        "B": [(f"e{j}", {"tasks": v}) for j, v in enumerate([23, 21, 20, 24, 22])],
        "C": [(f"e{j}", {"tasks": 19}) for j in range(5)],
        "D": [(f"e{j}", {"tasks": 3}) for j in range(5)],
    })
    # nominal composite: A and B level, C 20 points behind (not enough to lift it), D last
    comp = _comp([("A", 60.0), ("B", 60.0), ("C", 40.0), ("D", 20.0)])
    cfg = load_config({"criteria": {"criteria": TASKS_ONLY},
                       "ranking": {"selection": {"default": {"park": 1}}}})
    # composite Monte Carlo draws (other normalisations and weights) that often put C first;
    # long format as `nebase score` writes them. They enter on the nominal scale: the draw's
    # leader gets 60, so C gains up to 0.4 x 20 = 8 points of final score
    rng = np.random.default_rng(3)
    sd = {"A": 15.0, "B": 15.0, "C": 15.0, "D": 0.0}
    samples = pd.DataFrame([{"applicant_id": a, "draw": d, "score": 50.0 + sd[a] * z}
                            for a in "ABCD" for d, z in enumerate(rng.standard_normal(200))])
    without = ranking.rank_stability(raw, comp, config=cfg, n_boot=2000, seed=0).set_index("applicant_id")
    with_s = ranking.rank_stability(raw, comp, samples, config=cfg, n_boot=2000, seed=0).set_index("applicant_id")
    width = lambda s: s["rank_high"] - s["rank_low"]  # noqa: E731
    assert (width(with_s) >= width(without)).all()
    # experts alone: C and D never move (C third, D last); A and B trade places
    assert without.loc["C", ["rank_low", "rank_high"]].tolist() == [3, 3]
    assert without.loc["D", ["rank_low", "rank_high"]].tolist() == [4, 4]
    assert without.loc["A", "rank_low"] == 1 and without.loc["A", "rank_high"] == 2
    # with the composite draws (0.4 x sd 15 = 6 points of final score) C reaches the
    # podium and A can fall to third: strictly wider intervals for A and C
    assert width(with_s)["C"] > 0 and width(with_s)["A"] > width(without)["A"]
    assert with_s.loc["A", ["rank_low", "rank_high"]].tolist() == [1, 3]
    # C is only ever selected thanks to the composite's uncertainty; D (constant draws,
    # 9 expert points behind everyone) stays last
    assert without.loc["C", "p_selected"] == 0.0 and 0.03 < with_s.loc["C", "p_selected"] < 0.3
    assert with_s.loc["D", ["rank_low", "rank_high", "p_selected"]].tolist() == [4, 4, 0.0]

# ----------------------------------------------------------------------------- methods


def test_compare_methods_finds_status_changes_and_tau():
    # A: four high scores and one very low one -> the trimmed mean favours A, the mean favours B
    raw = _raw({
        "A": [(f"e{j}", {"tasks": v}) for j, v in enumerate([27, 27, 27, 27, 3])],
        "B": [(f"e{j}", {"tasks": 24}) for j in range(5)],
        "C": [(f"e{j}", {"tasks": 10}) for j in range(5)],
    })
    comp = _comp([("A", 50.0), ("B", 50.0), ("C", 50.0)])
    cfg = load_config({"criteria": {"criteria": TASKS_ONLY}, "ranking": {"selection": {"default": {"park": 1}}}})
    res = ranking.compare_methods(raw, comp, cfg, methods=["mean", "trimmed_mean"])
    sel = res.ranks.pivot(index="applicant_id", columns="method", values="selected")
    assert sel.loc["B", "mean"] and sel.loc["A", "trimmed_mean"] and not sel.loc["A", "mean"]
    assert set(res.changes["applicant_id"]) == {"A", "B"}
    ch = res.changes.set_index("applicant_id")
    assert ch.loc["A", "selected_by"] == "trimmed_mean" and ch.loc["A", "not_selected_by"] == "mean"
    # final scores: mean A 0.4*50+0.6*74=64.4 < B 67.4 > C; trimmed A 74 > B 67.4 > C: one discordant pair of 3
    grp = res.tau.query("domain == '软件'")
    assert grp["tau"].iloc[0] == pytest.approx(1 / 3)
    overall = res.tau.query("domain == '全部'")
    assert overall["tau"].iloc[0] == pytest.approx(1 / 3) and overall["n"].iloc[0] == 3
    assert res.ranks["status_changes"].sum() == 4  # A and B under both methods


# ----------------------------------------------------------------------------- CLI


def _write_inputs(tmp_path, with_samples=False):
    rng = np.random.default_rng(0)
    rows, comp = [], []
    for dom in ("软件", "商业航天"):
        for cat, n in (("park", 4), ("enterprise", 6)):
            for i in range(n):
                aid = f"{cat[0].upper()}-{'RJ' if dom == '软件' else 'HT'}-{i:02d}"
                comp.append({"applicant_id": aid, "domain": dom, "category": cat, "score": float(rng.uniform(20, 95))})
                for e in range(5):
                    for c, m in MAXI.items():
                        rows.append({"applicant_id": aid, "expert_id": f"X{(i + e) % 7}", "criterion": c, "score": float(rng.integers(m // 3, m + 1)), "recused": False})
    scores = pd.DataFrame(rows)
    scores.loc[0, "recused"] = True
    scores.to_parquet(tmp_path / "expert_scores.parquet", index=False)
    pd.DataFrame(comp).to_parquet(tmp_path / "scores.parquet", index=False)
    if with_samples:
        samp = pd.DataFrame([{"applicant_id": c["applicant_id"], "draw": d, "score": c["score"] + rng.normal(0, 5)} for c in comp for d in range(50)])
        samp.to_parquet(tmp_path / "composite_samples.parquet", index=False)
    return pd.DataFrame(comp)


def test_cli_rank_writes_every_output(tmp_path, capsys):
    from nebase_analysis.cli import main

    comp = _write_inputs(tmp_path, with_samples=True)
    cfg = tmp_path / "user.yaml"
    cfg.write_text("ranking:\n  stability:\n    n_boot: 200\n", encoding="utf-8")
    rc = main(["rank", "--processed", str(tmp_path), "--config", str(cfg)])
    assert rc == 0, capsys.readouterr().err
    for name in ("expert_aggregate", "reliability", "expert_flags", "final_ranking", "method_comparison", "method_tau"):
        assert (tmp_path / f"{name}.parquet").exists(), name
    final = pd.read_parquet(tmp_path / "final_ranking.parquet")
    assert len(final) == len(comp) and final["stability"].isin(["稳定入选", "边界", "稳定未入选"]).all()
    # selected per group never below the places (ties may add more)
    sel = final.groupby(["domain", "category"])["selected"].sum()
    assert (sel >= final.groupby(["domain", "category"])["places"].first()).all()
    rel = pd.read_parquet(tmp_path / "reliability.parquet")
    assert {"domain", "category", "criterion", "measure", "value"} <= set(rel.columns)
    mc = pd.read_parquet(tmp_path / "method_comparison.parquet")
    assert set(mc["method"]) == {"mean", "median", "trimmed_mean", "zscore", "offsets"}


def test_cli_rank_missing_input_says_which_file(tmp_path, capsys):
    from nebase_analysis.cli import main

    _write_inputs(tmp_path)
    (tmp_path / "scores.parquet").unlink()
    rc = main(["rank", "--processed", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 1 and "缺少输入文件" in err and "scores.parquet" in err      # 1 = data error, 2 = usage only


def test_composite_draws_enter_on_the_nominal_scale_by_hand():
    from nebase_analysis.ranking import _to_nominal_scale

    nominal = np.array([10.0, 20.0, 40.0, np.nan, 7.0])
    draws = np.array([[3.0, 1.0, 5.0], [1.0, 2.0, np.nan], [2.0, 2.0, 1.0], [9.0, 9.0, 9.0], [0.3, 0.1, 0.2]])
    out = _to_nominal_scale(draws, nominal, [np.array([0, 1, 2, 3]), np.array([4])])
    # draw 0: A first, C second, B last -> 40, 10, 20; draw 1: B and C tied above A -> mean(20, 40) = 30
    # draw 2: B has no draw -> A and C take the nominal scores of A and C (10, 40) in the draw's order
    np.testing.assert_array_equal(out[:3], [[40.0, 10.0, 40.0], [10.0, 30.0, np.nan], [20.0, 30.0, 10.0]])
    assert np.isnan(out[3]).all()                                   # no nominal score: no composite side
    np.testing.assert_array_equal(out[4], [7.0, 7.0, 7.0])          # a group of one keeps its score


@pytest.mark.parametrize("n_draws", [3, 400])
def test_stretched_draws_with_the_nominal_ranking_change_nothing(n_draws):
    """Draws that rank every group as the nominal score does, on other scales, give exactly the no-draws result."""
    raw = _raw({
        "A": [(f"e{j}", {"tasks": v}) for j, v in enumerate([20, 22, 18, 21, 19])],
        "B": [(f"e{j}", {"tasks": v}) for j, v in enumerate([21, 23, 20, 22, 19])],
        "C": [(f"e{j}", {"tasks": v}) for j, v in enumerate([15, 25, 20, 18, 22])],
        "P": [(f"e{j}", {"tasks": v}) for j, v in enumerate([20, 22, 18, 21, 19])],
        "Q": [(f"e{j}", {"tasks": v}) for j, v in enumerate([21, 23, 20, 22, 19])],
    })
    comp = pd.concat([_comp([("A", 52.0), ("B", 48.0), ("C", 48.0)]), _comp([("P", 41.0), ("Q", 40.0)], domain="商业航天")],
                     ignore_index=True)
    cfg = load_config({"criteria": {"criteria": TASKS_ONLY}, "ranking": {"selection": {"default": {"park": 1}}}})
    nom = comp.set_index("applicant_id")["score"]
    rows = []
    for d in range(n_draws):
        for dom, g in comp.groupby("domain"):
            x = nom[g["applicant_id"]]
            kind = d % 3
            if kind == 0:       # min-max stretched to 0-100 within the group
                y = 100 * (x - x.min()) / (x.max() - x.min())
            elif kind == 1:     # percentile ranks
                y = x.rank(pct=True) * 100
            else:               # another range
                y = 1 + 0.99 * x
            rows += [{"applicant_id": a, "draw": d, "score": float(v)} for a, v in y.items()]
    samples = pd.DataFrame(rows)
    without = ranking.rank_stability(raw, comp, config=cfg, n_boot=400, seed=2)
    with_s = ranking.rank_stability(raw, comp, samples, config=cfg, n_boot=400, seed=2)
    pd.testing.assert_frame_equal(with_s, without)
    # the case matters: A's 4-point lead on the nominal scale is 100 points on the stretched one
    assert 0.0 < without.set_index("applicant_id").loc["A", "p_selected"] < 1.0


def test_notes_name_their_criterion():
    # A: five experts, one of whom left 保障措施 blank -> only 4 safeguards scores
    full = {c: m * 0.6 for c, m in MAXI.items()}
    partial = {c: v for c, v in full.items() if c != "safeguards"}
    raw = _raw({"A": [(f"e{j}", full) for j in range(4)] + [("e4", partial)],
                "B": [(f"e{j}", full) for j in range(5)]})
    comp = _comp([("A", 70.0), ("B", 60.0)])
    r = ranking.final_ranking(comp, raw, _cfg(), method="trimmed_mean", maxima=CRITERIA).set_index("applicant_id")
    names = {c["id"]: c["name"] for c in CRITERIA}
    parts = r.loc["A", "note"].split("；")
    assert f"{names['safeguards']}：评分仅 4 个，不足以去掉最高分和最低分（去掉后至少需 3 个），按算术平均" in parts
    assert all("：" in p for p in parts) and r.loc["B", "note"] == ""
    # an aggregated table without criterion_name: names come from criteria.yaml
    agg = _agg([("A", 70.0, 20), ("B", 60.0, 20)])
    agg["note"] = ["", "评分仅 2 个", "", ""]
    r2 = ranking.final_ranking(comp, agg, _cfg()).set_index("applicant_id")
    assert r2.loc["A", "note"] == f"{names['tasks']}：评分仅 2 个"


def test_unresolved_validation_errors_flagged_without_changing_ranks():
    comp = _comp([("A", 80.0), ("B", 60.0), ("C", 70.0)])
    agg = _agg([("A", 70.0, 20), ("B", 90.0, 25), ("C", 50.0, 15)])
    issues = pd.DataFrame({"applicant_id": ["B", "B", "B", "C", None],
                           "severity": ["error", "error", "warning", "info", "error"]})
    plain = ranking.final_ranking(comp, agg, _cfg())
    assert "n_errors" not in plain.columns and "needs_review" not in plain.columns
    r = ranking.final_ranking(comp, agg, _cfg(), issues=issues)
    pd.testing.assert_frame_equal(r.drop(columns=["n_errors", "needs_review"]), plain)
    r = r.set_index("applicant_id")
    assert r["n_errors"].to_dict() == {"B": 2, "A": 0, "C": 0}
    assert r["needs_review"].to_dict() == {"B": True, "A": False, "C": False}
    assert r.loc["B", "rank"] == 1 and r.loc["B", "selected"]          # flagged, not demoted
    with pytest.raises(ValueError, match="问题清单缺少列：severity"):
        ranking.final_ranking(comp, agg, _cfg(), issues=issues[["applicant_id"]])


def test_cli_rank_reads_issues(tmp_path, capsys):
    from nebase_analysis.cli import main

    comp = _write_inputs(tmp_path)
    aid = comp["applicant_id"].iloc[3]
    pd.DataFrame({"applicant_id": [aid, aid, comp["applicant_id"].iloc[0]], "severity": ["error", "error", "warning"]}
                 ).to_parquet(tmp_path / "issues.parquet", index=False)
    assert main(["rank", "--processed", str(tmp_path)]) == 0, capsys.readouterr().err
    final = pd.read_parquet(tmp_path / "final_ranking.parquet").set_index("applicant_id")
    assert final.loc[aid, "n_errors"] == 2 and final["needs_review"].sum() == 1 and final.loc[aid, "needs_review"]
    assert final["n_errors"].sum() == 2


def test_cli_rank_lists_unranked_applicants_by_group(tmp_path, capsys):
    """Whole panels without expert scores: the applicants left unranked are listed with names and
    reason by domain × category, and the selection is reported against the places (here 8:
    1 park + 3 enterprises in each of the two domains, composite.yaml)."""
    from nebase_analysis.cli import main

    comp = _write_inputs(tmp_path)
    lost = ["P-RJ-00", "P-RJ-01", "P-RJ-02", "P-RJ-03", "E-HT-02"]
    s = pd.read_parquet(tmp_path / "expert_scores.parquet")
    s[~s["applicant_id"].isin(lost)].to_parquet(tmp_path / "expert_scores.parquet", index=False)
    comp.assign(name=comp["applicant_id"] + "名称")[["applicant_id", "name"]].to_parquet(tmp_path / "applicants.parquet")
    assert main(["rank", "--processed", str(tmp_path), "--n-boot", "20"]) == 0
    err = capsys.readouterr().err
    assert "未排名的申报对象 5 个（不参与入选）：" in err
    assert ("  软件·示范园区 4 个：P-RJ-00 P-RJ-00名称（缺少专家评分）、P-RJ-01 P-RJ-01名称（缺少专家评分）、"
            "P-RJ-02 P-RJ-02名称（缺少专家评分）、P-RJ-03 P-RJ-03名称（缺少专家评分）") in err.splitlines()
    assert "  商业航天·示范企业 1 个：E-HT-02 E-HT-02名称（缺少专家评分）" in err.splitlines()
    final = pd.read_parquet(tmp_path / "final_ranking.parquet")
    assert final["rank"].isna().sum() == 5 and final["selected"].sum() == 7
    assert f"最终排名完成：20 个申报单位，已排名 15 个，未排名 5 个；入选 7 个（名额共 8 个）；结果写入 {tmp_path}" in err


@pytest.mark.parametrize("option, value, message", [
    ("--n-boot", "0", "稳定性自助抽样次数（--n-boot 或 ranking.stability.n_boot）须为不小于 1 的整数，而不是“0”"),
    ("--n-boot", "-5", "稳定性自助抽样次数（--n-boot 或 ranking.stability.n_boot）须为不小于 1 的整数，而不是“-5”"),
    ("--n-boot", "2.5", "稳定性自助抽样次数（--n-boot 或 ranking.stability.n_boot）须为不小于 1 的整数，而不是“2.5”"),
    ("--seed", "-1", "随机种子（--seed 或 ranking.stability.seed）须为不小于 0 的整数，而不是“-1”"),
])
def test_cli_rank_bad_numeric_options_are_chinese_errors(tmp_path, capsys, option, value, message):
    from nebase_analysis.cli import main

    _write_inputs(tmp_path)
    assert main(["rank", "--processed", str(tmp_path), option, value]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"nebase rank：{message}" and "Traceback" not in err
    assert not (tmp_path / "final_ranking.parquet").exists() and not (tmp_path / "expert_aggregate.parquet").exists()


def test_rank_stability_refuses_zero_replicates():
    comp = _comp([("A", 80.0), ("B", 60.0)])
    s = _raw({"A": [("e1", {"tasks": 20})], "B": [("e1", {"tasks": 10})]})
    with pytest.raises(ValueError, match="须为不小于 1 的整数，而不是“0”"):
        ranking.rank_stability(s, comp, config=_cfg(), n_boot=0)
    bad = load_config({"ranking": {"selection": {"default": {"park": 1}}, "stability": {"n_boot": 0}}})
    with pytest.raises(ValueError, match="ranking.stability.n_boot"):
        ranking.rank_stability(s, comp, config=bad)
