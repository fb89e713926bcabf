"""Indicator sets (config), the safe formula language, and compute() on batches."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nebase_analysis import indicators as I
from nebase_analysis.batch import Batch
from nebase_analysis.config import load_config


@pytest.fixture(scope="module")
def cfg():
    return load_config()


# ----------------------------------------------------------------- the configured sets
def test_dimensions_are_the_notices_words(cfg):
    spec = I.indicator_spec(cfg)
    park = spec[spec["category"] == "park"]
    ent = spec[spec["category"] == "enterprise"]
    assert list(dict.fromkeys(park["dimension"])) == ["产业集群发展", "产业协同创新", "产业生态优化", "产业治理提升"]
    assert list(dict.fromkeys(ent["dimension"])) == ["产品开发", "技术创新", "业态创新", "管理效能"]
    # every peer group has all four dimensions, 10 domains x 2 categories
    assert spec.groupby(["category", "domain"])["dimension"].nunique().eq(4).all()
    assert spec.groupby(["category", "domain"]).ngroups == 20


def test_ai_and_software_parks_carry_no_smart_factory_indicator(cfg):
    spec = I.indicator_spec(cfg)
    sf = spec[spec["id"].isin(["p_smart_factories", "p_sf_share"])]
    exempt = {d["name"] for d in cfg["domains"]["domains"] if d.get("sf_share_exempt_park")}
    assert exempt == {"人工智能", "软件"}
    assert set(sf["domain"]) == {d["name"] for d in cfg["domains"]["domains"]} - exempt
    # enterprises in those domains keep their full set
    assert len(spec.query("category == 'enterprise' and domain == '人工智能'")) == len(spec.query("category == 'enterprise' and domain == '商业航天'"))


def test_issue_named_indicators_present(cfg):
    spec = I.indicator_spec(cfg, category="park", domain="商业航天").set_index("id")
    assert spec.loc["p_lead_revenue_cagr", "formula"] == "cagr(lead_revenue_2023, lead_revenue_2025, 2)"
    assert spec.loc["p_lead_rd_intensity", "formula"] == "lead_rd_intensity_avg"
    assert spec.loc["p_talent_share", "formula"] == "high_level_talent_share"
    weighted = {f for f in spec["formula"] if f.startswith("weighted(")}
    assert weighted == {"weighted(quality_enterprise_weighted)", "weighted(platform_weighted)",
                        "weighted(patent_weighted)", "weighted(sf_weighted)"}


def test_domain_amendments_are_config(cfg):
    over = {"indicators": {"domains": {"商业航天": {"park": {"drop": ["p_land_output"], "weights": {"p_platforms": 3}}}}}}
    spec = I.indicator_spec(load_config(over), category="park")
    space = spec[spec["domain"] == "商业航天"].set_index("id")
    assert "p_land_output" not in space.index and space.loc["p_platforms", "weight"] == 3.0
    other = spec[spec["domain"] == "低空装备"].set_index("id")
    assert "p_land_output" in other.index and other.loc["p_platforms", "weight"] == 1.0


@pytest.mark.parametrize("formula,match", [
    ("__import__('os').system('x')", "不允许"),
    ("lead_revenue_2025.real", "不允许的语法"),
    ("[lead_revenue_2025]", "不允许的语法"),
    ("lambda: 1", "不允许的语法"),
    ("open('x')", "不允许的函数"),
    ("lead_revenue_2025 +", "无法解析"),
    ("weighted(1)", "weighted"),
    ("no_such_field * 2", "未知字段"),
])
def test_formula_language_rejects_everything_else(formula, match):
    over = {"indicators": {"sets": {"park": [{"id": "p_x", "label": "x", "formula": formula, "dimension": "产业集群发展"}]}}}
    with pytest.raises(ValueError, match=match):
        I.indicator_spec(load_config(over))


def test_bad_dimension_and_weight_rejected():
    bad_dim = {"indicators": {"sets": {"park": [{"id": "p_x", "formula": "sf_share", "dimension": "产品开发"}]}}}
    with pytest.raises(ValueError, match="维度"):
        I.indicator_spec(load_config(bad_dim))
    bad_w = {"indicators": {"sets": {"park": [{"id": "p_x", "formula": "sf_share", "dimension": "产业集群发展", "weight": 0}]}}}
    with pytest.raises(ValueError, match="权重"):
        I.indicator_spec(load_config(bad_w))


# ----------------------------------------------------------------- formulas by hand
def test_formula_arithmetic_and_functions(cfg):
    df = pd.DataFrame({"a_2023": [100.0, 50.0, np.nan, -4.0], "a_2025": [169.0, 50.0, 10.0, 9.0],
                       "b": [4.0, 0.0, 2.0, 3.0], "c": [1.0, np.nan, np.nan, 5.0]})
    v, notes = I.evaluate_formula("cagr(a_2023, a_2025, 2)", df, cfg)
    assert v.tolist()[:2] == pytest.approx([30.0, 0.0]) and np.isnan(v[2]) and np.isnan(v[3])
    assert notes["kind"].tolist() == ["growth_base"] and notes["row"].tolist() == [3]
    v, notes = I.evaluate_formula("share(a_2025, b)", df, cfg)
    assert v[0] == pytest.approx(169 / 4 * 100) and np.isnan(v[1]) and notes["kind"].tolist() == ["division_by_zero"]
    v, _ = I.evaluate_formula("(a_2025 - 2 * b) ** 2 / -b", df, cfg)
    assert v[0] == pytest.approx(-(161**2) / 4)
    v, _ = I.evaluate_formula("mean(b, c)", df, cfg)
    assert v.tolist()[:3] == [2.5, 0.0, 2.0]           # mean of the values present
    v, _ = I.evaluate_formula("max(b, c) + min(b, c)", df, cfg)
    assert v[0] == 5.0 and v[1] == 0.0                 # min/max over the values present (c missing)
    v, notes = I.evaluate_formula("log(b)", df, cfg)
    assert v[0] == pytest.approx(np.log(4.0)) and np.isnan(v[1]) and notes["kind"].tolist() == ["domain"]


def test_weighted_counts_recomputed_with_configured_weights(cfg):
    comps = cfg["weights"]["weighted_counts"]["sf_weighted"]["components"]
    df = pd.DataFrame({"sf_leading": [1.0, np.nan, np.nan], "sf_excellent": [2.0, 1.0, np.nan],
                       "sf_advanced": [0.0, np.nan, np.nan], "sf_basic": [3.0, 4.0, np.nan]})
    v, notes = I.evaluate_formula("weighted(sf_weighted)", df, cfg)
    assert v[0] == pytest.approx(1 * comps["sf_leading"] + 2 * comps["sf_excellent"] + 3 * comps["sf_basic"])
    assert v[1] == pytest.approx(comps["sf_excellent"] + 4 * comps["sf_basic"])   # missing parts count 0, noted
    assert np.isnan(v[2])                                                       # nothing reported
    assert notes["kind"].tolist() == ["partial_components"] and "sf_leading" in notes.loc[0, "field"]
    # the weights are configuration: a user's file changes the result
    over = load_config({"weights": {"weighted_counts": {"sf_weighted": {"components": {"sf_leading": 100}}}}})
    v2, _ = I.evaluate_formula("weighted(sf_weighted)", df, over)
    assert v2[0] - v[0] == pytest.approx(100 - comps["sf_leading"])


def test_bool_fields_accept_text_and_bool(cfg):
    df = pd.DataFrame({"is_high_tech": ["是", "否", None], "is_little_giant": [True, False, True]})
    v, _ = I.evaluate_formula("is_high_tech * 1 + is_little_giant * 4", df, cfg)
    assert v[0] == 5.0 and v[1] == 0.0 and np.isnan(v[2])


# ----------------------------------------------------------------- compute()
def _small_batch() -> Batch:
    apps = pd.DataFrame({
        "applicant_id": ["P-BJ-01", "P-SH-01", "E-BJ-01", "E-XX-01"],
        "category": ["park", "park", "enterprise", "enterprise"],
        "province": ["北京市", "上海市", "北京市", "北京市"],
        "domain": ["人工智能", "商业航天", "软件", "不存在的领域"],
        "name": ["甲园区", "乙园区", "丙企业", "丁企业"],
        "lead_revenue_2023": [100.0, 200.0, np.nan, np.nan],
        "lead_revenue_2024": [110.0, 220.0, np.nan, np.nan],
        "lead_revenue_2025": [121.0, 288.0, np.nan, np.nan],
        "sf_share": [30.0, 40.0, np.nan, np.nan],
        "built_area": [50.0, 80.0, np.nan, np.nan], "planned_area": [100.0, 0.0, np.nan, np.nan],
        "domain_revenue_2025": [np.nan, np.nan, 20.0, 5.0],
        "total_revenue_2025": [np.nan, np.nan, 40.0, 10.0], "employees_2025": [np.nan, np.nan, 800.0, 100.0],
    })
    top = pd.DataFrame({"applicant_id": ["E-BJ-01"] * 3, "rank": [1, 2, 3], "product": list("abc"),
                        "sales": [5.0, 3.0, 2.0], "market_share": [12.0, 30.0, np.nan]})
    return Batch(applicants=apps, top_products=top)


def test_compute_small_batch_by_hand(cfg):
    vals, notes = I.compute(_small_batch(), cfg, return_notes=True)
    v = vals.set_index("applicant_id")
    assert list(vals.columns[:4]) == ["applicant_id", "category", "domain", "province"]
    assert len(vals) == 4
    assert v.loc["P-BJ-01", "p_lead_revenue_cagr"] == pytest.approx(10.0)
    assert v.loc["P-SH-01", "p_lead_revenue_cagr"] == pytest.approx(20.0)
    assert v.loc["P-SH-01", "p_lead_revenue"] == 288.0
    assert np.isnan(v.loc["P-BJ-01", "p_sf_share"]) and v.loc["P-SH-01", "p_sf_share"] == 40.0   # AI park exempt
    assert v.loc["P-BJ-01", "p_built_ratio"] == 50.0 and np.isnan(v.loc["P-SH-01", "p_built_ratio"])
    assert v.loc["E-BJ-01", "e_top_product_share"] == 30.0
    assert v.loc["E-BJ-01", "e_top_products_weight"] == pytest.approx(10 / 20 * 100)
    assert v.loc["E-BJ-01", "e_labor_productivity"] == pytest.approx(40 * 10000 / 800)
    assert np.isnan(v.loc["P-BJ-01", "e_domain_revenue"])          # enterprise indicator on a park
    assert v.loc["E-XX-01"].iloc[3:].isna().all()
    kinds = notes.groupby("applicant_id")["kind"].apply(set)
    assert "division_by_zero" in kinds["P-SH-01"] and "unknown_group" in kinds["E-XX-01"]
    assert notes.loc[notes["kind"] == "unknown_group", "message"].str.contains("没有配置指标体系").all()


def test_validation_errors_are_treated_as_missing(cfg):
    issues = pd.DataFrame({
        "applicant_id": ["P-SH-01", "P-BJ-01", "P-BJ-01"],
        "field": ["lead_revenue_2025", "sf_share", "lead_revenue"],
        "severity": ["error", "warning", "error"],
        "message": ["单位疑似错误", "偏高", "合计不符"],
    })
    vals, notes = I.compute(_small_batch(), cfg, issues=issues, return_notes=True)
    v = vals.set_index("applicant_id")
    assert np.isnan(v.loc["P-SH-01", "p_lead_revenue"]) and np.isnan(v.loc["P-SH-01", "p_lead_revenue_cagr"])
    assert v.loc["P-SH-01", "p_sf_share"] == 40.0                  # untouched
    assert np.isnan(v.loc["P-BJ-01", "p_lead_revenue"])             # base id: every year column
    assert np.isnan(v.loc["P-BJ-01", "p_lead_revenue_cagr"])        # base id: every year column
    ve = notes[notes["kind"] == "validation_error"]
    assert set(zip(ve["applicant_id"], ve["indicator"])) >= {("P-SH-01", "p_lead_revenue"), ("P-SH-01", "p_lead_revenue_cagr"),
                                                              ("P-BJ-01", "p_lead_revenue_cagr")}
    assert ve["message"].str.contains("经核查标记为错误，按缺失处理").all()
    # notes name fields by their Chinese label with the year, never by raw id
    msg = ve.set_index(["applicant_id", "indicator"]).loc[("P-SH-01", "p_lead_revenue"), "message"]
    assert msg == "主导产业规上企业营业收入（2025年）：字段“主导产业规模以上企业营业收入（2025年）”经核查标记为错误，按缺失处理"
    assert not ve["message"].str.contains("lead_revenue").any()
    # the warning did not remove sf_share (the AI park has none anyway): no note on it
    assert not ((ve["applicant_id"] == "P-BJ-01") & (ve["field"] == "sf_share")).any()


@pytest.mark.slow
def test_compute_on_synthetic_national_batch(cfg):
    from nebase_analysis.synth import national_batch

    batch = national_batch(seed=0, fault_rate=0)
    vals = I.compute(batch, cfg)
    apps = batch.applicants.set_index("applicant_id")
    assert len(vals) == len(apps) == 418 and vals["applicant_id"].is_unique
    v = vals.set_index("applicant_id")
    parks = v.index[v["category"] == "park"]
    # weighted counts recomputed from their parts equal the reported figures of a fault-free batch
    comps = cfg["weights"]["weighted_counts"]["patent_weighted"]["components"]
    expected = sum(apps.loc[parks, c].astype(float).fillna(0) * w for c, w in comps.items())
    assert np.allclose(v.loc[parks, "p_patents"], expected, equal_nan=True)
    assert np.allclose(v.loc[parks, "p_patents"], apps.loc[parks, "patent_weighted"].astype(float), rtol=1e-3, atol=0.51)
    # CAGR by hand
    cagr = ((apps.loc[parks, "lead_revenue_2025"] / apps.loc[parks, "lead_revenue_2023"]) ** 0.5 - 1) * 100
    assert np.allclose(v.loc[parks, "p_lead_revenue_cagr"], cagr.astype(float))
    # composite on the real indicator frame: no NaN scores, ranks 1..n per group
    from nebase_analysis.composite import score

    res = score(vals, cfg)
    assert res.scores["score"].notna().all()
    assert (res.scores.groupby("peer_group")["rank"].min() == 1).all()


def test_validation_error_on_base_id_blanks_only_that_fields_columns(cfg):
    """An error on ``lead_revenue`` removes lead_revenue_<year>/avg, not lead_revenue_share_* or _growth_*."""
    batch = _small_batch()
    apps = batch.applicants.assign(lead_revenue_share_avg=[55.0, 60.0, np.nan, np.nan],
                                   lead_revenue_growth_2025=[10.0, 30.9, np.nan, np.nan])
    issues = pd.DataFrame({"applicant_id": ["P-SH-01"], "field": ["lead_revenue"], "severity": ["error"],
                           "message": ["合计不符"]})
    vals, notes = I.compute(Batch(applicants=apps, top_products=batch.top_products), cfg, issues=issues, return_notes=True)
    v = vals.set_index("applicant_id")
    assert np.isnan(v.loc["P-SH-01", "p_lead_revenue"]) and np.isnan(v.loc["P-SH-01", "p_lead_revenue_cagr"])
    assert v.loc["P-SH-01", "p_lead_revenue_share"] == 60.0        # a different field, untouched
    assert v.loc["P-BJ-01", "p_lead_revenue_share"] == 55.0
    ve = notes[notes["kind"] == "validation_error"]
    assert set(ve["indicator"]) == {"p_lead_revenue", "p_lead_revenue_cagr"}


def test_notes_use_chinese_labels_for_missing_and_partial_fields(cfg):
    vals, notes = I.compute(_small_batch(), cfg, return_notes=True)
    miss = notes[(notes["kind"] == "missing_field") & (notes["indicator"] == "p_tech_contract")]
    assert miss["field"].iloc[0] == "tech_contract_value_avg"                    # machine column: the id
    assert miss["message"].iloc[0] == "技术合同成交额（近三年平均值）：批次中没有字段“技术合同成交额（近三年平均值）”，指标记为缺失"
    df = pd.DataFrame({"sf_leading": [1.0], "sf_excellent": [np.nan], "sf_advanced": [np.nan], "sf_basic": [2.0]})
    _, n = I.evaluate_formula("weighted(sf_weighted)", df, cfg)
    assert n.loc[0, "field"] == "sf_excellent,sf_advanced"
    assert n.loc[0, "message"] == "智能工厂加权数量的构成项“卓越级智能工厂数量”、“先进级智能工厂数量”缺失，按 0 计"


@pytest.mark.parametrize("years,span", [([2024, 2025, 2026], 2), ([2022, 2024, 2025], 3)])
def test_reporting_years_come_from_fields_yaml(years, span):
    """Change fields.years: formulas and labels follow, on a batch whose columns carry the new years."""
    over = load_config({"fields": {"years": years}})
    first, last = years[0], years[-1]
    spec = I.indicator_spec(over, category="park", domain="商业航天").set_index("id")
    assert spec.loc["p_lead_revenue_cagr", "formula"] == f"cagr(lead_revenue_{first}, lead_revenue_{last}, {span})"
    assert spec.loc["p_lead_revenue_cagr", "label"] == f"主导产业营业收入年均增长率（{first}—{last}年）"
    assert spec.loc["p_lead_revenue", "label"] == f"主导产业规上企业营业收入（{last}年）"
    apps = _small_batch().applicants
    rename = {f"{f}_{old}": f"{f}_{new}" for f in ("lead_revenue", "domain_revenue", "total_revenue", "employees")
              for old, new in zip([2023, 2024, 2025], years)}
    batch = Batch(applicants=apps.rename(columns=rename), top_products=_small_batch().top_products)
    vals, notes = I.compute(batch, over, return_notes=True)
    v = vals.set_index("applicant_id")
    assert v.loc["P-SH-01", "p_lead_revenue"] == 288.0
    assert v.loc["P-SH-01", "p_lead_revenue_cagr"] == pytest.approx(((288 / 200) ** (1 / span) - 1) * 100)
    assert v.loc["E-BJ-01", "e_labor_productivity"] == pytest.approx(40 * 10000 / 800)
    assert not ((notes["kind"] == "missing_field") & (notes["indicator"] == "p_lead_revenue_cagr")).any()
    # the default years no longer exist as names
    assert "lead_revenue_2023" not in I.valid_names(over) and f"lead_revenue_{last}" in I.valid_names(over)


def test_unknown_placeholder_rejected():
    over = {"indicators": {"sets": {"park": [{"id": "p_x", "formula": "lead_revenue_{final}", "dimension": "产业集群发展"}]}}}
    with pytest.raises(ValueError, match="未知占位符"):
        I.indicator_spec(load_config(over))


def test_sf_exempt_follows_domains_yaml_and_is_parks_only(cfg):
    over = load_config({"domains": {"domains": [dict(d, sf_share_exempt_park=(d["name"] == "商业航天"))
                                                for d in cfg["domains"]["domains"]]}})
    spec = I.indicator_spec(over, category="park")
    sf = spec[spec["id"] == "p_sf_share"]
    assert "商业航天" not in set(sf["domain"]) and {"人工智能", "软件"} <= set(sf["domain"])
    bad = {"indicators": {"sets": {"enterprise": [{"id": "e_x", "formula": "sf_share", "dimension": "产品开发", "sf_exempt": True}]}}}
    with pytest.raises(ValueError, match="仅适用于园区"):
        I.indicator_spec(load_config(bad))


def test_repeated_or_missing_applicant_ids_are_refused_with_ids_and_files(cfg):
    apps = pd.DataFrame({"applicant_id": ["E-BJ-01", "E-BJ-02", "E-BJ-01", None, "E-SH-01", "E-SH-01"],
                         "category": "enterprise", "province": "北京市", "domain": "软件", "name": list("abcdef"),
                         "source_file": ["北京市/01_a.xlsx", "北京市/02_b.xlsx", "北京市/03_c.xlsx", "北京市/04_d.xlsx",
                                         "上海市/01_e.xlsx", "上海市/01_e.xlsx"]})
    with pytest.raises(ValueError) as exc:
        I.compute(Batch(applicants=apps), cfg)
    msg = str(exc.value)
    assert msg == ("申报数据中有 1 条记录缺少申报对象编号：申报数据第 4 条（北京市/04_d.xlsx）；"
                   "申报对象编号重复：E-BJ-01（北京市/01_a.xlsx、北京市/03_c.xlsx）；E-SH-01（上海市/01_e.xlsx）；"
                   "每个申报对象须有唯一编号，请核实来源文件后重新读取")
    assert "nan" not in msg
    # without source files: the ids alone; unique ids pass
    with pytest.raises(ValueError, match=r"申报对象编号重复：E-BJ-01；每个"):
        I.compute(Batch(applicants=apps.drop(columns="source_file").iloc[:3]), cfg)
    assert I.compute(Batch(applicants=apps.iloc[:2]), cfg)["applicant_id"].tolist() == ["E-BJ-01", "E-BJ-02"]
