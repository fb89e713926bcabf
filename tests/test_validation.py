"""Validation: every rule and relation broken by a hand-made applicant (and held by one
that is not), truth scoring on synthetic batches, GX == pandas, malformed batches,
correction workbooks without formulas."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from nebase_analysis.batch import Batch
from nebase_analysis.config import load_config
from nebase_analysis.validation import validate
from nebase_analysis.validation.relations import ValidationInputError, half_unit, relation_checks
from nebase_analysis.validation.truth import score


@pytest.fixture(scope="module")
def clean():
    from nebase_analysis import synth

    return synth.generate(seed=11, fault_rate=0.0).batch


@pytest.fixture(scope="module")
def base(clean):
    """One consistent park (a non-exempt domain) and one consistent enterprise, in provinces of their own."""
    a = clean.applicants
    park = a[(a.category == "park") & (a.domain == "智能机器人")].iloc[[0]]
    ent = a[a.category == "enterprise"].iloc[[0]]
    return park, ent


def _batch(clean, rows: pd.DataFrame, texts: bool = True) -> Batch:
    ids = set(rows["applicant_id"])
    t = clean.texts[clean.texts.applicant_id.isin(ids)] if texts else clean.texts.iloc[:0]
    return Batch(applicants=rows.reset_index(drop=True), texts=t.reset_index(drop=True),
                 top_enterprises=clean.top_enterprises[clean.top_enterprises.applicant_id.isin(ids)],
                 top_products=clean.top_products[clean.top_products.applicant_id.isin(ids)])


def _issues(clean, rows, **kw):
    return validate(_batch(clean, rows, **kw), use_gx=False).issues


def _set(row: pd.DataFrame, **values) -> pd.DataFrame:
    out = row.copy()
    for k, v in values.items():
        out[k] = pd.Series([v], index=out.index, dtype=out[k].dtype if k in out and not isinstance(v, str) else object)
    return out


def test_consistent_applicants_have_no_errors(clean, base):
    park, ent = base
    iss = _issues(clean, pd.concat([park, ent]))
    assert iss[iss.severity == "error"].empty, iss[["applicant_id", "rule", "field", "message"]]


def test_fault_free_batch_has_no_errors(clean):
    iss = validate(clean, use_gx=False).issues
    assert (iss.severity == "error").sum() == 0, iss[iss.severity == "error"][["rule", "field", "message"]].head()


def test_growth_hand_computation(clean, base):
    park, _ = base
    row = _set(park, total_revenue_2023=100.0, total_revenue_2024=115.0, total_revenue_growth_2024=15.0)
    checks = relation_checks(row, load_config())
    g = checks[(checks.rule == "growth_mismatch") & (checks.field == "total_revenue_growth_2024")].iloc[0]
    assert g.expected == pytest.approx(15.0) and g.gap == 0
    # 15.6 % against 115/100: rounding of 100 and 115 allows 14.43 .. 15.58 % (half unit 0.5), so 15.6 is 0.02 pp out
    # before its own half unit 0.05: inside -> no gap
    row2 = _set(row, total_revenue_growth_2024=16.2)
    c2 = relation_checks(row2, load_config())
    gap = c2[(c2.rule == "growth_mismatch") & (c2.field == "total_revenue_growth_2024")].gap.iloc[0]
    assert gap == pytest.approx((16.2 - 0.05) - (115.5 / 99.5 - 1) * 100)


def test_half_unit():
    assert half_unit(np.array([12.3, 100.0, 0.125, 7.25])).tolist() == [0.05, 0.5, 0.0005, 0.005]


# (label, category, mutation on the consistent row, rule expected, field expected)
BREAKS = [
    ("growth", "park", lambda r: {"total_revenue_growth_2025": r["total_revenue_growth_2025"] + 3.0,
                                  "total_revenue_growth_avg": round((r["total_revenue_growth_2023"] + r["total_revenue_growth_2024"] + r["total_revenue_growth_2025"] + 3.0) / 3, 2)},
     "growth_mismatch", "total_revenue_growth_2025"),
    ("avg", "enterprise", lambda r: {"taxes_avg": r["taxes_avg"] * 1.2}, "avg_mismatch", "taxes_avg"),
    ("share", "park", lambda r: {"lead_revenue_share_2024": r["lead_revenue_share_2024"] - 5,
                                 "lead_revenue_share_avg": round((r["lead_revenue_share_2023"] + r["lead_revenue_share_2024"] - 5 + r["lead_revenue_share_2025"]) / 3, 2)},
     "share_mismatch", "lead_revenue_share_2024"),
    ("rd_intensity", "enterprise", lambda r: {"domain_rd_intensity_2023": r["domain_rd_intensity_2023"] + 2,
                                              "domain_rd_intensity_avg": round((r["domain_rd_intensity_2023"] + 2 + r["domain_rd_intensity_2024"] + r["domain_rd_intensity_2025"]) / 3, 2)},
     "share_mismatch", "domain_rd_intensity_2023"),
    ("productivity", "park", lambda r: {"labor_productivity_2024": r["labor_productivity_2024"] * 1.1,
                                        "labor_productivity_avg": (r["labor_productivity_2023"] + r["labor_productivity_2024"] * 1.1 + r["labor_productivity_2025"]) / 3},
     "ratio_mismatch", "labor_productivity_2024"),
    ("weighted", "park", lambda r: {"sf_weighted": r["sf_weighted"] + 3}, "weighted_mismatch", "sf_weighted"),
    ("patents_part", "enterprise", lambda r: {"patent_gold": r["invention_patents"] + 1,
                                              "patent_weighted": r["invention_patents"] + 9 * (r["invention_patents"] + 1) + 4 * r["patent_silver"]},
     "part_exceeds_whole", "patent_gold"),
    ("area", "park", lambda r: {"built_area": r["planned_area"] * 1.2}, "part_exceeds_whole", "built_area"),
    ("talent_lower", "enterprise", lambda r: {"postgrad_count": r["high_level_talent"] + 1}, "talent_bounds", "high_level_talent"),
    ("talent_workforce", "park", lambda r: {"workforce": r["high_level_talent"] - 1,
                                            "high_level_talent_share": round(r["high_level_talent"] / (r["high_level_talent"] - 1) * 100, 2)},
     "part_exceeds_whole", "high_level_talent"),
    ("share_over_100", "enterprise", lambda r: {"high_level_talent_share": 130.0}, "percent_out_of_range", "high_level_talent_share"),
    ("negative", "park", lambda r: {"financing_2023": -1.0}, "negative_value", "financing_2023"),
    ("not_whole", "park", lambda r: {"key_lab_count": 2.5}, "not_whole_number", "key_lab_count"),
    ("growth_floor", "enterprise", lambda r: {"domain_revenue_growth_2023": -120.0}, "growth_out_of_range", "domain_revenue_growth_2023"),
    ("required", "enterprise", lambda r: {"legal_rep": None}, "required_missing", "legal_rep"),
    ("check_digit", "enterprise", lambda r: {"credit_code": r["credit_code"][:-1] + ("1" if r["credit_code"][-1] != "1" else "2")},
     "credit_code_check_digit", "credit_code"),
    ("code_format", "enterprise", lambda r: {"credit_code": "91I" + r["credit_code"][3:]}, "credit_code_format", "credit_code"),
    ("deadline", "park", lambda r: {"filled_date": pd.Timestamp("2026-04-15")}, "filed_after_deadline", "filled_date"),
    ("date_order", "enterprise", lambda r: {"founded_date": r["filled_date"] + pd.Timedelta(days=3)}, "date_after_filing", "founded_date"),
    ("domain", "park", lambda r: {"domain": "人工智能、软件"}, "domain_not_in_notice", "domain"),
    ("unit_slip", "enterprise", lambda r: {"domain_revenue_2024": r["domain_revenue_2024"] * 10000}, "unit_slip", "domain_revenue_2024"),
    ("talent_upper", "enterprise", lambda r: {"high_level_talent": r["postgrad_count"] + r["senior_title_count"] + r["high_skill_count"] + 1},
     "talent_bounds", "high_level_talent"),
    ("province", "enterprise", lambda r: {"province": "火星省"}, "invalid_province", "province"),
    ("category", "enterprise", lambda r: {"category": "示范企业"}, "invalid_category", "category"),
    ("choice", "enterprise", lambda r: {"ownership": "外资"}, "invalid_choice", "ownership"),
    ("not_a_date", "park", lambda r: {"filled_date": "去年春天"}, "not_a_date", "filled_date"),
]


@pytest.mark.parametrize("label,category,mutate,rule,field", BREAKS, ids=[b[0] for b in BREAKS])
def test_each_rule_broken_and_held(clean, base, label, category, mutate, rule, field):
    park, ent = base
    row = park if category == "park" else ent
    held = _issues(clean, row)
    assert not ((held.rule == rule) & (held.field == field)).any()
    values = mutate(row.iloc[0])
    broken = row.copy()
    for k, v in values.items():
        broken[k] = pd.Series([v], index=broken.index, dtype=object if isinstance(v, str) or v is None else broken[k].dtype)
    iss = _issues(clean, broken)
    hit = iss[(iss.rule == rule) & (iss.field == field)]
    assert len(hit) == 1, iss[["rule", "field", "message"]]
    assert hit.caused_by.isna().all()
    # the message names the figure (its Chinese label) and quotes the value as reported
    msg, reported = hit.message.iloc[0], hit.reported.iloc[0]
    assert hit.field_label.iloc[0] in msg, (hit.field_label.iloc[0], msg)
    assert reported is None or reported in msg, (reported, msg)


def test_unit_slip_suggests_correction_and_suppresses_consequences(clean, base):
    _, ent = base
    r = ent.iloc[0]
    broken = _set(ent, total_revenue_2024=r["total_revenue_2024"] * 10000)
    iss = _issues(clean, broken)
    slip = iss[iss.rule == "unit_slip"]
    assert slip.field.tolist() == ["total_revenue_2024"]
    assert slip.expected_value.iloc[0] == pytest.approx(r["total_revenue_2024"])
    assert iss[iss.severity == "error"].rule.tolist() == ["unit_slip"]


def test_part_whole_consequences_attributed(clean, base):
    park, _ = base
    r = park.iloc[0]
    broken = _set(park, lead_revenue_2024=round(r["total_revenue_2024"] * 1.2, 2))
    iss = _issues(clean, broken)
    primary = iss[iss.caused_by.isna() & (iss.severity == "error")]
    assert primary.rule.tolist() == ["part_exceeds_whole"] and primary.field.tolist() == ["lead_revenue_2024"]
    assert (iss[iss.caused_by.notna()].caused_by == "lead_revenue_2024").all()
    assert {"share_mismatch", "growth_mismatch", "avg_mismatch"} <= set(iss.rule)


def test_sf_share_exempt_for_ai_and_software_parks(clean):
    a = clean.applicants
    ai = a[(a.category == "park") & (a.domain.isin(["人工智能", "软件"]))].iloc[[0]].copy()
    ai["sf_share"] = np.nan
    assert not (_issues(clean, ai).field == "sf_share").any()
    other = a[(a.category == "park") & ~(a.domain.isin(["人工智能", "软件"]))].iloc[[0]].copy()
    other["sf_share"] = np.nan
    iss = _issues(clean, other)
    assert iss[iss.field == "sf_share"].rule.tolist() == ["required_missing"]


def test_text_too_long(clean, base):
    _, ent = base
    b = _batch(clean, ent)
    t = b.texts.copy()
    t.loc[t.section == "plan_tasks", "text"] = "字" * 2001
    held = validate(b, use_gx=False).issues
    assert not (held.rule == "text_too_long").any()
    iss = validate(dataclasses.replace(b, texts=t), use_gx=False).issues
    hit = iss[iss.rule == "text_too_long"]
    assert hit.field.tolist() == ["plan_tasks"] and hit.reported_value.tolist() == [2001.0]


def test_quota(clean):
    a = clean.applicants
    xz = a[(a.province == "西藏自治区") & (a.category == "park")]
    assert len(xz) == 1 and not (_issues(clean, xz).rule == "quota_exceeded").any()
    extra = xz.copy()
    extra["applicant_id"] = "P-XZ-02"
    extra["name"] = extra["name"] + "二期"
    iss = _issues(clean, pd.concat([xz, extra]))
    q = iss[iss.rule == "quota_exceeded"]
    assert q.applicant_id.tolist() == ["P-XZ-02"] and q.field.tolist() == ["province"]


def test_duplicates_across_provinces_and_domains(clean, base):
    _, ent = base
    other = ent.copy()
    other["applicant_id"] = "E-QH-09"
    other["province"] = "青海省"
    iss = _issues(clean, pd.concat([ent, other]), texts=False)
    d = iss[iss.rule == "duplicate_filing"]
    assert sorted(d.applicant_id) == sorted([ent.applicant_id.iloc[0], "E-QH-09"]) and set(d.field) == {"credit_code"}
    same_prov = ent.copy()
    same_prov["applicant_id"] = ent.applicant_id.iloc[0][:-2] + "99"
    same_prov["domain"] = "软件" if ent.domain.iloc[0] != "软件" else "人工智能"
    same_prov["credit_code"] = None
    iss2 = _issues(clean, pd.concat([ent, same_prov]), texts=False)
    assert set(iss2[iss2.rule == "one_domain_per_applicant"].field) == {"name"}


def test_group_and_subsidiary(clean, base):
    _, ent = base
    g = _set(ent, name="广东华星集团有限公司")
    s = _set(ent, name="华星软件技术有限公司", applicant_id="E-XX-98", credit_code=None)
    iss = _issues(clean, pd.concat([g, s]), texts=False)
    assert sorted(iss[iss.rule == "group_subsidiary_both_filed"].applicant_id) == sorted([g.applicant_id.iloc[0], "E-XX-98"])
    s2 = _set(s, name="星华软件技术有限公司")
    iss2 = _issues(clean, pd.concat([g, s2]), texts=False)
    assert not (iss2.rule == "group_subsidiary_both_filed").any()
    # a group and a subsidiary in other cities: the city names (catalogue places) are not the 字号
    g3 = _set(g, name="深圳华星控股集团有限公司")
    s3 = _set(s, name="吉林市华星软件技术有限公司")
    iss3 = _issues(clean, pd.concat([g3, s3]), texts=False)
    assert sorted(iss3[iss3.rule == "group_subsidiary_both_filed"].applicant_id) == sorted([g.applicant_id.iloc[0], "E-XX-98"])


def test_dev_zone_catalogue_and_park_in_park(clean, base):
    park, _ = base
    inside = _set(park, province="北京市", name="北京经济技术开发区")
    assert not _issues(clean, inside).rule.str.startswith("park_").any()
    pip = _set(park, province="北京市", name="北京经济技术开发区机器人产业园")
    hit = _issues(clean, pip)
    hit = hit[hit.rule == "park_within_host_zone"]
    assert hit.expected.tolist() == ["北京经济技术开发区"] and "匹配度 100" in hit.message.iloc[0]
    nowhere = _set(park, province="北京市", name="月球背面量子农场")
    out = _issues(clean, nowhere)
    out = out[out.rule == "park_not_in_catalogue"]
    assert len(out) == 1 and out.severity.iloc[0] == "warning" and "匹配度" in out.message.iloc[0]


def test_peer_outlier_names_the_median():
    from nebase_analysis.validation.outliers import peer_outliers

    vals = [10.0, 12.0, 9.0, 11.0, 10.5, 9.5, 10.2, 9.8, 5000.0]
    df = pd.DataFrame({"applicant_id": [f"P{i}" for i in range(9)], "category": "park", "domain": "软件", "planned_area": vals})
    out = peer_outliers(df, load_config())
    assert out.applicant_id.tolist() == ["P8"]
    assert out.peer_median.iloc[0] == pytest.approx(10.2, rel=1e-6)


def test_malformed_batch_reports_instead_of_crashing(clean, base):
    park, _ = base
    bad = park.drop(columns=["built_area"]).copy()
    bad["employees_2024"] = bad["employees_2024"].astype(object)
    bad.loc[bad.index[0], "employees_2024"] = "很多人"
    bad["taxes_2023"] = None  # a park field absent from the form anyway
    res = validate(_batch(clean, bad), use_gx=True)
    iss = res.issues
    assert ("missing_column", "built_area") in set(zip(iss.rule, iss.field))
    assert ("not_a_number", "employees_2024") in set(zip(iss.rule, iss.field))
    empty = park.copy()
    for c in ["address", "phone"]:
        empty[c] = None
    iss2 = validate(_batch(clean, empty), use_gx=True).issues
    assert {("required_missing", "address"), ("required_missing", "phone")} <= set(zip(iss2.rule, iss2.field))
    with pytest.raises(ValidationInputError, match="applicant_id"):
        validate(Batch(applicants=park.drop(columns=["applicant_id"])), use_gx=False)


@pytest.mark.slow
def test_recall_and_precision_against_ground_truth():
    from nebase_analysis import synth

    for seed, rate in [(5, 0.05), (6, 0.3)]:
        s = synth.generate(seed=seed, fault_rate=rate)
        res = validate(s.batch, use_gx=False)
        sc = score(res.issues, s.truth, s.batch.cleaning_log, rejected=s.batch.rejected).set_index("kind")
        sc = sc[sc.scored_against.isin(["issues", "rejected"])]  # cleaning-log kinds are scored in test_synth
        assert (sc.n_faults >= 1).all()
        assert (sc.recall >= 0.95).all(), sc
        assert (sc.precision >= 0.90).all(), sc
        if rate >= 0.3:  # every kind more than once (cross-applicant kinds have the lowest weight)
            assert (sc.n_faults >= 2).all(), sc


@pytest.mark.slow
def test_gx_agrees_with_pandas_and_writes_docs_and_workbooks(tmp_path):
    from openpyxl import load_workbook

    from nebase_analysis import synth

    s = synth.generate(seed=7, fault_rate=0.2)
    apps = s.batch.applicants.copy()
    apps.loc[0, "name"] = "=HYPERLINK(\"http://x\")+1"
    b = dataclasses.replace(s.batch, applicants=apps)
    gx_res = validate(b, reports_dir=tmp_path)
    pd_res = validate(b, use_gx=False)
    cols = ["applicant_id", "field", "rule", "severity", "message"]
    pd.testing.assert_frame_equal(gx_res.issues[cols].reset_index(drop=True), pd_res.issues[cols].reset_index(drop=True))
    assert gx_res.data_docs is not None and gx_res.data_docs.exists()
    assert len(list((tmp_path / "data_docs" / "validations").rglob("*.html"))) >= 1
    provinces = set(gx_res.issues.province.dropna())
    assert {p.stem for p in gx_res.corrections} == provinces
    prov = apps.loc[0, "province"]
    wb = load_workbook(tmp_path / "corrections" / f"{prov}.xlsx")
    ws = wb["问题清单"]
    texts = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert any(str(t).startswith("=HYPERLINK") for t in texts)
    n_rows = ws.max_row - 2
    assert n_rows == (gx_res.issues.province == prov).sum()


def test_correction_workbook_keeps_formula_characters_as_text(tmp_path):
    from openpyxl import load_workbook

    from nebase_analysis.validation.corrections import write_corrections

    names = ["=HYPERLINK(\"http://x\")+1", "+1+1", "-2+3", "@SUM(A1:A2)"]
    issues = pd.DataFrame({"applicant_id": [f"E-GD-0{i}" for i in range(1, 5)], "province": "广东省", "name": names,
                           "category": "enterprise", "domain": "软件", "severity": "error", "field_label": "营业收入",
                           "field": "total_revenue_2024", "reported": ["=1+1", "+5", "-7", "@x"], "expected": None,
                           "message": "m", "rule": "growth_mismatch"})
    (path,) = write_corrections(issues, tmp_path)
    assert path.name == "广东省.xlsx"
    ws = load_workbook(path)["问题清单"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert [c.value for c in ws["B"][2:]] == names
    assert [c.value for c in ws["H"][2:]] == ["=1+1", "+5", "-7", "@x"]
    assert ws["C3"].value == "企业" and ws["E3"].value == "错误（须更正）"


def test_duplicate_applicant_id(clean, base):
    _, ent = base
    twin = _set(ent, name="另一家科技有限公司", credit_code=None)
    iss = _issues(clean, pd.concat([ent, twin]), texts=False)
    d = iss[iss.rule == "duplicate_applicant_id"]
    aid = ent.applicant_id.iloc[0]
    assert d.applicant_id.tolist() == [aid, aid] and set(d.field) == {"applicant_id"}
    assert d.message.iloc[0] == f"申报编号 {aid} 在批次中出现多次，请检查汇总表与申请书是否重复导入"
    assert (d.severity == "error").all()


def test_list_exceeds_whole(clean, base):
    park, _ = base
    b = _batch(clean, park)
    assert not (validate(b, use_gx=False).issues.rule == "list_exceeds_whole").any()
    top = b.top_enterprises.copy()
    whole = park["lead_revenue_2025"].iloc[0]
    top["revenue"] = top["revenue"].astype(float)
    top.loc[top.index[0], "revenue"] = whole  # the first enterprise alone is the whole: the list exceeds it
    total = top["revenue"].sum()
    iss = validate(dataclasses.replace(b, top_enterprises=top), use_gx=False).issues
    hit = iss[iss.rule == "list_exceeds_whole"]
    assert hit.field.tolist() == ["top_enterprises.revenue"]
    assert hit.reported_value.iloc[0] == pytest.approx(total) and hit.expected_value.iloc[0] == pytest.approx(whole)
    assert "lead_revenue_2025" in hit.involved.iloc[0].split("|")
    assert "（2025年）" in hit.message.iloc[0] and "超出" in hit.message.iloc[0]


def test_credit_code_reported_exactly_and_not_as_a_float(clean, base):
    _, ent = base
    code = ent["credit_code"].iloc[0]
    bad = code[:-1] + ("1" if code[-1] != "1" else "2")
    iss = _issues(clean, _set(ent, credit_code=bad))
    hit = iss[(iss.rule == "credit_code_check_digit") & (iss.field == "credit_code")]
    assert hit.reported.tolist() == [bad]  # the 18 characters, not 9.142041e+17
    assert hit.reported.iloc[0] in hit.message.iloc[0]
    assert hit.reported_value.isna().all()
    # numbers keep their value: a negative figure is reported as text and as a float
    iss = _issues(clean, _set(ent, financing_2023=-1.0))
    neg = iss[(iss.rule == "negative_value") & (iss.field == "financing_2023")]
    assert neg.reported_value.tolist() == [-1.0] and neg.reported.tolist() == ["-1"]


# ----------------------------------------------------------------------------- what intake could not read

def test_rejected_rows_go_to_the_province_they_came_from():
    from nebase_analysis.validation.corrections import rejected_by_province

    rows = [  # path, applicant_id, (province column), reason
        ("applications/粤/03_甲.xlsx", None, None, "文件为空（0 字节）"),                       # folder alias
        ("applications/北京市（补报）/01_乙.xlsx", None, None, "省份文件夹重复"),                # alias at the start
        ("applications/广东省/旧版/02_丙.xlsx", None, None, "位于子文件夹中"),                   # nested: its province folder
        ("applications/材料/05_丁.xlsx", None, None, "文件损坏"),                              # folder intake gave 江苏省
        ("applications/不明/01_戊.xlsx", "E-XZ-02", None, "文件损坏"),                         # province code of the id
        ("applications/不明/01_己.xlsx", "E-SD-01", None, "名称不符"),                         # the applicant read
        ("applications/不明/09_庚.xlsx", None, "浙江省", "文件损坏"),                           # the row's own province
        ("applications/说明.docx", None, None, "文件不在省份文件夹中"),                         # none
    ]
    rej = pd.DataFrame({"path": [r[0] for r in rows], "sheet": None, "cell": None, "field": None,
                        "applicant_id": [r[1] for r in rows], "scope": "file", "province": [r[2] for r in rows],
                        "reason": [r[3] for r in rows], "value": None})
    applicants = pd.DataFrame({"applicant_id": ["E-SD-01"], "province": ["山东省"], "name": ["己公司"]})
    summary = pd.DataFrame({"province": ["江苏省"], "name": ["丁公司"], "applicant_id": ["E-JS-05"],
                            "source_file": ["applications/材料/推荐汇总表.xlsx"]})
    out = rejected_by_province(rej, applicants, summary)
    # provinces.yaml order (within a province by path), the unattributed last
    assert out[["province", "file", "name"]].values.tolist() == [
        ["北京市", "01_乙.xlsx", None], ["江苏省", "05_丁.xlsx", None], ["浙江省", "09_庚.xlsx", None],
        ["山东省", "01_己.xlsx", "己公司"], ["广东省", "02_丙.xlsx", None], ["广东省", "03_甲.xlsx", None],
        ["西藏自治区", "01_戊.xlsx", None], [None, "说明.docx", None]]
    assert not out["in_issues"].any()
    # nothing rejected: the same columns, no rows
    empty = rejected_by_province(Batch.empty().rejected)
    assert empty.empty and list(empty.columns) == list(out.columns)


def test_value_as_typed_is_intakes_value_column():
    from nebase_analysis.validation.corrections import rejected_by_province

    base = {"path": "applications/广东省/02_甲.xlsx", "sheet": "申请书", "applicant_id": "E-GD-01", "scope": "field"}
    rej = pd.DataFrame([
        {**base, "cell": "C16", "field": "founded_date", "reason": "「成立日期」的值「2026年13月1日」无法识别为日期，按缺失处理",
         "value": "2026年13月1日"},
        {**base, "cell": "F26", "field": "total_revenue_2024", "reason": "单元格 F26 含公式 =C26*2，模板要求直接填写数值，该项未读取",
         "value": "=C26*2"},
        {**base, "cell": "H30", "field": "taxes_2023", "reason": "单元格 H30 在填报区域之外有内容「3.5」（单元格被移动？），未读取",
         "value": "3.5"},
        {**base, "cell": "B16", "field": "founded_date", "reason": "第 16 行标签为「成立时间」，应为「成立日期」（单元格被移动或改动），该项未读取",
         "value": None},
    ])
    got = rejected_by_province(rej)
    assert got["value"].tolist() == ["2026年13月1日", "=C26*2", "3.5", None]
    assert got["field_label"].tolist() == ["成立日期", "总营业收入（2024年）", "税金总额（2023年）", "成立日期"]
    # the value is never read back from the reason: without the column (an old Parquet file) there is none
    assert rejected_by_province(rej.drop(columns="value"))["value"].tolist() == [None] * 4


def test_unreadable_required_cells_from_real_intake(tmp_path):
    """Workbooks really damaged (a bad date and a bad yes/no typed, a formula, a file that is not Excel),
    read by intake: the required cells are told as unreadable with the value typed, the file goes to its
    province's workbook, and nothing says 未填写 for a cell the province filled."""
    import openpyxl

    from nebase_analysis.intake import load_batch
    from nebase_analysis.templates import write_raw
    from test_roundtrip import hand_batch

    write_raw(hand_batch(), tmp_path / "raw")
    ent = next((tmp_path / "raw" / "applications" / "广东省").glob("02_*.xlsx"))
    wb = openpyxl.load_workbook(ent)
    ws = wb["申请书"]
    at = {row[0].value: row[0].row for row in ws.iter_rows(min_col=1, max_col=1)}
    ws.cell(at["founded_date"], 3).value = "2026年13月1日"
    ws.cell(at["is_high_tech"], 3).value = "是的"
    ws.cell(at["total_revenue"], 4).value = "=1+2"
    wb.save(ent)
    next((tmp_path / "raw" / "applications" / "西藏自治区").glob("01_*.xlsx")).write_bytes(b"not a spreadsheet")
    batch = load_batch(tmp_path / "raw", progress=False)
    cells = batch.rejected[batch.rejected.scope == "field"].set_index("field")
    assert set(cells.index) == {"founded_date", "is_high_tech", "total_revenue_2024"}

    res = validate(batch, reports_dir=tmp_path / "reports", data_docs=False, use_gx=False)
    iss = res.issues[res.issues.applicant_id == "E-GD-01"]
    req = iss[iss.rule == "required_missing"].set_index("field")
    for field, label, value, cell in [("founded_date", "成立日期", "2026年13月1日", f"C{at['founded_date']}"),
                                      ("is_high_tech", "高新技术企业", "是的", f"C{at['is_high_tech']}"),
                                      ("total_revenue_2024", "总营业收入（2024年）", "=1+2", f"D{at['total_revenue']}")]:
        msg = req.at[field, "message"]
        assert msg.startswith(f"{label}无法读取（申请书!{cell}）：") and msg.endswith("；请按模板格式重新填写"), msg
        assert value in msg and "未填写" not in msg and cells.at[field, "cell"] == cell
        assert req.at[field, "reported"] == value
    assert res.rejected["in_issues"].tolist() == [True, True, True, False]  # the three cells told in the issues
    xz = openpyxl.load_workbook(tmp_path / "reports" / "corrections" / "西藏自治区.xlsx")
    (row,) = list(xz["读取时发现的问题"].iter_rows(min_row=3, values_only=True))
    reason = batch.rejected.loc[batch.rejected.scope == "file", "reason"].item()
    assert row == ("文件无法读取", "E-XZ-01", "西藏高原氢能科技有限公司", next(iter(
        p.name for p in (tmp_path / "raw" / "applications" / "西藏自治区").glob("01_*.xlsx"))),
        None, None, None, None, None, reason, "请按模板修正后重新报送该文件")
    gd = openpyxl.load_workbook(tmp_path / "reports" / "corrections" / "广东省.xlsx")
    assert gd.sheetnames == ["问题清单"]  # every rejected cell of 广东省 is told in its issues, once
