"""Tests of the synthetic national batch (nebase_analysis.synth).

The consistency checks below are written independently of the validation package:
plain pandas over the wide table, one relation of fields.md at a time.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from nebase_analysis.cleaning import clean_value, parse_number
from nebase_analysis.config import dev_zones, load_config, province_table, quota_table, wide_columns
from nebase_analysis.synth import FAULT_COLUMNS, RAW_COLUMNS, fault_kinds, generate, national_batch, summary_text
from nebase_analysis.templates import form_layout
from nebase_analysis.validation.rules import group_subsidiary_rule

CFG = load_config()
PREC = CFG["synth"]["precision"]
YEARS = [int(y) for y in CFG["fields"]["years"]]
DEADLINE = pd.Timestamp(CFG["fields"]["filing_deadline"])
EPS = 1e-9
wide = wide_columns(CFG).set_index("column")


def tol(decimals: int) -> float:
    """Half a unit of the last decimal: the most a rounded figure may differ from its formula."""
    return 0.5 * 10.0 ** -decimals + EPS


@pytest.fixture(scope="module")
def clean():
    return generate(seed=0, fault_rate=0)


@pytest.fixture(scope="module")
def faulty():
    return generate(seed=1, fault_rate=0.05)


# ----------------------------------------------------------------------------- relations


def violations(s) -> pd.DataFrame:
    """Every broken relation of fields.md: columns applicant_id, relation."""
    a = s.batch.applicants.set_index("applicant_id")
    hidden = s.hidden.pivot(index="applicant_id", columns="field", values="value")
    out: list[tuple[str, str]] = []

    def flag(mask: pd.Series, relation: str) -> None:
        out.extend((aid, relation) for aid in mask[mask.fillna(False)].index)

    pct, yi = PREC["%"], PREC["亿元"]
    parks, ents = a[a.category == "park"], a[a.category == "enterprise"]

    # growth rates match amounts (2023 from the hidden 2022 amount)
    for frame, growth, amount in (
        (a, "total_revenue_growth", "total_revenue"),
        (parks, "lead_revenue_growth", "lead_revenue"),
        (ents, "domain_revenue_growth", "domain_revenue"),
    ):
        prev = {YEARS[0]: hidden[f"{amount}_{YEARS[0] - 1}"].reindex(frame.index)}
        for y in YEARS[1:]:
            prev[y] = frame[f"{amount}_{y - 1}"]
        for y in YEARS:
            expected = (frame[f"{amount}_{y}"] / prev[y] - 1) * 100
            flag((frame[f"{growth}_{y}"] - expected).abs() > tol(pct), f"growth:{growth}_{y}")

    # averages are means of the three years
    yearly = [f["id"] for f in CFG["fields"]["fields"] if f["kind"] == "yearly"]
    for fid in yearly:
        cols = [f"{fid}_{y}" for y in YEARS]
        sub = a.dropna(subset=cols + [f"{fid}_avg"])
        unit = next(f.get("unit") for f in CFG["fields"]["fields"] if f["id"] == fid)
        integer = next(f.get("integer", False) for f in CFG["fields"]["fields"] if f["id"] == fid)
        d = PREC["average"] if integer else PREC[unit]
        flag((sub[f"{fid}_avg"] - sub[cols].mean(axis=1)).abs() > tol(d), f"avg:{fid}")

    # shares and intensities
    for frame, share, part, whole in (
        (parks, "lead_revenue_share", "lead_revenue", "total_revenue"),
        (ents, "domain_revenue_share", "domain_revenue", "total_revenue"),
        (parks, "lead_rd_intensity", "lead_rd", "lead_revenue"),
        (ents, "domain_rd_intensity", "domain_rd", "domain_revenue"),
    ):
        for y in YEARS:
            exp = frame[f"{part}_{y}"] / frame[f"{whole}_{y}"] * 100
            flag((frame[f"{share}_{y}"] - exp).abs() > tol(pct), f"share:{share}_{y}")
            flag(frame[f"{part}_{y}"] > frame[f"{whole}_{y}"] + EPS, f"part:{part}_{y}")
    for y in YEARS:
        lp = parks[f"total_revenue_{y}"] * 1e4 / parks[f"employees_{y}"]
        flag((parks[f"labor_productivity_{y}"] - lp).abs() > tol(PREC["万元/人"]), f"productivity_{y}")
        total_rd = ents[f"rd_intensity_{y}"] * ents[f"total_revenue_{y}"] / 100
        flag(ents[f"domain_rd_{y}"] > total_rd + EPS, f"domain_rd_{y}")
    flag((a.high_level_talent_share - a.high_level_talent / a.workforce * 100).abs() > tol(pct), "talent_share")

    # parts and wholes
    flag(a.patent_gold + a.patent_silver > a.invention_patents, "patents")
    comps = a[["postgrad_count", "senior_title_count", "high_skill_count"]]
    flag(a.high_level_talent < comps.max(axis=1), "talent_min")
    flag(a.high_level_talent > comps.sum(axis=1), "talent_sum")
    flag(a.high_level_talent > a.workforce, "talent_workforce")
    flag(parks.built_area > parks.planned_area, "area")
    flag(parks.workforce > parks.employees_2025, "workforce_employees")

    # weighted counts
    for fid, spec in CFG["weights"]["weighted_counts"].items():
        comps = list(spec["components"])
        sub = a.dropna(subset=comps + [fid])
        exp = sum(sub[c] * w for c, w in spec["components"].items())
        flag((sub[fid] - exp).abs() > tol(PREC["weighted"]), f"weighted:{fid}")

    # smart factories
    sf = parks[["sf_leading", "sf_excellent", "sf_advanced", "sf_basic"]].sum(axis=1)
    flag((parks.sf_share - sf / parks.lead_above_scale_count * 100).abs() > tol(pct), "sf_share")

    # land output intensity: three-year average revenue per built hectare
    lo = parks.total_revenue_avg * 1e4 / parks.built_area
    flag((parks.land_output_intensity - lo).abs() > tol(PREC["万元/公顷"]), "land_output")

    # ranges
    share_cols = [c for c in a.columns if re.search(r"(_share|_intensity)_(20\d\d|avg)$|_share$", c) and "land" not in c]
    for c in share_cols:
        flag((a[c] < 0) | (a[c] > 100), f"range:{c}")
    for c in ("total_revenue_2023", "total_revenue_2024", "total_revenue_2025"):
        flag(a[c] <= 0, f"positive:{c}")

    # dates before the filing deadline
    for c in ("filled_date", "approval_date", "founded_date", "recommender_opinion_date"):
        flag(a[c] >= DEADLINE, f"date:{c}")
    flag(a.recommender_opinion_date < a.filled_date, "date:opinion_before_filling")

    # lists
    te = s.batch.top_enterprises.groupby("applicant_id").revenue.sum()
    flag(te > parks.lead_revenue_2025.reindex(te.index) + EPS, "top_enterprises_sum")
    tp = s.batch.top_products.groupby("applicant_id").sales.sum()
    flag(tp > ents.domain_revenue_2025.reindex(tp.index) + EPS, "top_products_sum")
    ms = s.batch.top_products.set_index("applicant_id").market_share
    flag(((ms < 0) | (ms > 100)).groupby(level=0).any(), "market_share")
    return pd.DataFrame(out, columns=["applicant_id", "relation"])


def test_clean_batch_holds_every_relation(clean):
    v = violations(clean)
    assert v.empty, v.head(20).to_string()


def test_relation_checker_catches_a_broken_growth(clean):
    """The checker itself can fail: a 1 pp change in one growth rate is caught."""
    s = generate(seed=0, fault_rate=0)
    aid = s.batch.applicants.applicant_id.iloc[5]
    idx = s.batch.applicants.index[s.batch.applicants.applicant_id == aid]
    s.batch.applicants.loc[idx, "total_revenue_growth_2025"] += 1.0
    v = violations(s)
    assert ("total_revenue_growth_2025" in " ".join(v.relation)) and set(v.applicant_id) == {aid}


# ----------------------------------------------------------------------------- counts


def test_counts_at_quota(clean):
    a = clean.batch.applicants
    assert (a.category == "park").sum() == 38 and (a.category == "enterprise").sum() == 380
    got = a.groupby(["province", "category"]).size()
    quota = quota_table().set_index(["province", "category"])["quota"]
    pd.testing.assert_series_equal(got.sort_index(), quota.sort_index(), check_names=False)
    assert a.applicant_id.is_unique
    assert a.applicant_id.str.fullmatch(r"[PE]-[A-Z]{2}-\d{2,}").all()
    codes = province_table().set_index("name").id_code
    assert (a.applicant_id.str.split("-").str[1] == a.province.map(codes)).all()
    # every domain gets parks and enterprises
    per = a.groupby(["domain", "category"]).size().unstack()
    assert len(per) == 10 and (per["park"] >= 2).all() and (per["enterprise"] >= 20).all()
    assert a.province.nunique() == 32


def test_scale_multiplies_with_unique_ids():
    s = generate(seed=4, scale=2, fault_rate=0)
    a = s.batch.applicants
    assert len(a) == 836 and a.applicant_id.is_unique and a.name.is_unique
    quota = quota_table().set_index(["province", "category"])["quota"] * 2
    got = a.groupby(["province", "category"]).size()
    assert (got.sort_index() == quota.sort_index()).all()
    assert violations(s).empty


def test_required_fields_filled_and_texts_within_limits(clean):
    a = clean.batch.applicants
    from nebase_analysis.config import applicant_columns, field_schema

    schema = field_schema().set_index("id")
    for cat in ("park", "enterprise"):
        sub = a[a.category == cat]
        for col in applicant_columns(cat):
            base = col if col in schema.index else col.rsplit("_", 1)[0]
            if base in schema.index and not schema.loc[base, "required"]:
                continue
            assert sub[col].notna().all(), (cat, col)
    t = clean.batch.texts
    limit = CFG["fields"]["longtext_max_chars"]
    assert (t.text.str.len() <= limit).all()
    body = t[t.section != "recommender_opinion"]
    assert (body.text.str.len() >= 200).all()
    assert body.text.str.count(r"[\u4e00-\u9fff]").div(body.text.str.len()).min() > 0.7
    sections = t.groupby("applicant_id").section.apply(frozenset)
    expect = {
        cat: frozenset(f["id"] for f in CFG["fields"]["fields"] if f["kind"] == "longtext" and cat in f["forms"])
        for cat in ("park", "enterprise")
    }
    assert (sections.reindex(a.applicant_id).values == a.category.map(expect).values).all()
    assert clean.batch.top_enterprises.groupby("applicant_id").size().eq(10).all()
    assert clean.batch.top_products.groupby("applicant_id").size().eq(5).all()
    assert len(clean.batch.summary) == 418 and clean.batch.summary.groupby("province").seq.max().sum() == 418


# ----------------------------------------------------------------------------- identifiers


CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    total = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return CHARSET[(31 - total % 31) % 31] == code[17]


def gb11714_ok(org: str) -> bool:
    total = sum(int(c, 36) * w for c, w in zip(org[:8], [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - total % 11
    return org[8] == ("X" if c == 10 else "0" if c == 11 else str(c))


def test_check_digit_helper_on_published_codes():
    assert gb32100_ok("91350900587527783P") and gb32100_ok("914403001922038216")
    assert not gb32100_ok("91110000600037342L")
    assert gb11714_ok("587527783")


def test_credit_codes_valid_and_unique(clean):
    e = clean.batch.applicants.query("category == 'enterprise'")
    assert e.credit_code.map(gb32100_ok).all()
    assert e.credit_code.str[8:17].map(gb11714_ok).all()
    assert e.credit_code.str[:2].eq("91").all() and e.credit_code.is_unique
    prov_code = province_table().set_index("name").code.str[:2]
    assert (e.credit_code.str[2:4] == e.province.map(prov_code)).all()
    assert e.name.is_unique and e.name.str.endswith("有限公司").all()


def test_parks_named_after_catalogue_zones_of_their_province(clean):
    zones = dev_zones()
    rule = CFG["synth"]["parks"]["zone_province"]
    parks = clean.batch.applicants.query("category == 'park'")
    for p in parks.itertuples():
        if p.province in rule:
            pool = zones[zones["省份"] == rule[p.province]["province"]]
            pool = pool[pool["开发区名称"].str.contains("|".join(rule[p.province]["keywords"])) | pool["城市/区县"].str.contains("|".join(rule[p.province]["keywords"]))]
        else:
            pool = zones[zones["省份"] == p.province]
        match = [z for z in pool["开发区名称"] if p.name == z or (p.name.startswith(z) and p.name.endswith(("园", "港")))]
        assert match, (p.province, p.name)
        assert p.management_body == f"{max(match, key=len)}管理委员会"
    assert parks.name.is_unique


# ----------------------------------------------------------------------------- determinism


def test_same_seed_identical_different_seed_differs(clean, faulty):
    again = generate(seed=0, fault_rate=0)
    for name, frame in clean.batch.tables().items():
        pd.testing.assert_frame_equal(frame, getattr(again.batch, name), obj=name)
    other = national_batch(seed=7, fault_rate=0)
    assert not other.applicants.total_revenue_2025.equals(clean.batch.applicants.total_revenue_2025)
    assert set(other.applicants.name) != set(clean.batch.applicants.name)
    again = generate(seed=1, fault_rate=0.05)
    pd.testing.assert_frame_equal(faulty.truth, again.truth)
    pd.testing.assert_frame_equal(faulty.raw_values, again.raw_values)
    pd.testing.assert_frame_equal(faulty.batch.applicants, again.batch.applicants)


# ----------------------------------------------------------------------------- faults


def test_fault_free_has_no_truth(clean):
    assert clean.truth.empty and clean.raw_values.empty
    assert list(clean.truth.columns) == FAULT_COLUMNS and list(clean.raw_values.columns) == RAW_COLUMNS


def test_every_kind_present_once_per_applicant(faulty):
    t = faulty.truth
    assert set(t.kind) == set(fault_kinds())
    n = len(faulty.batch.applicants)
    pairs = int((t.kind == "group_subsidiary").sum()) // 2  # one injection, two applicants
    assert abs(len(t) - pairs - 0.05 * 418) <= 1
    assert t.applicant_id.is_unique  # one fault per applicant
    assert faulty.raw_values.applicant_id.isin(t.applicant_id).all()


def test_cleaning_log_mirrors_raw_overrides(faulty):
    log, raw, rej = faulty.batch.cleaning_log, faulty.raw_values, faulty.batch.rejected
    nonempty = set(zip(*raw[raw.raw != ""][["applicant_id", "field"]].values.T))
    unread = set(zip(rej.applicant_id, rej.field))
    assert unread and unread <= nonempty  # an unreadable value is rejected, not cleaned
    assert set(zip(log.applicant_id, log.field)) == nonempty - unread
    alias = log[log.field == "province"]
    a = faulty.batch.applicants.set_index("applicant_id")
    assert (alias.rule == "province_alias").all() and (alias.clean.values == a.loc[alias.applicant_id, "province"].values).all()


def test_faults_only_where_stated(faulty):
    """Relations break only for applicants the truth names (plus duplicate sources)."""
    v = violations(faulty)
    assert set(v.applicant_id) <= set(faulty.truth.applicant_id), v[~v.applicant_id.isin(faulty.truth.applicant_id)]


def _cell(s, aid, col):
    a = s.batch.applicants.set_index("applicant_id")
    return a.loc[aid, col]


def test_truth_describes_each_injection(faulty):
    s = faulty
    a = s.batch.applicants.set_index("applicant_id")
    raw = s.raw_values.set_index(["applicant_id", "field"]).raw
    v = violations(s)
    aliases = province_table().set_index("name").aliases
    units = {f["id"]: f.get("unit") for f in CFG["fields"]["fields"]}
    for r in s.truth.itertuples():
        broken = set(v[v.applicant_id == r.applicant_id].relation)
        if r.kind == "unit_slip":
            assert float(r.injected) == pytest.approx(float(r.original) * 10000)
            assert a.loc[r.applicant_id, r.field] == float(r.injected)
            assert re.fullmatch(r"(total_revenue|lead_revenue|domain_revenue|taxes|financing|tech_contract_value|lead_rd|domain_rd)_20\d\d", r.field)
        elif r.kind == "growth_mismatch":
            assert a.loc[r.applicant_id, r.field] == float(r.injected)
            assert abs(float(r.injected) - float(r.original)) > 0.5
            assert f"growth:{r.field}" in broken and not any(b.startswith("avg:") for b in broken)
        elif r.kind == "share_over_100":
            assert a.loc[r.applicant_id, r.field] == float(r.injected) > 100 >= float(r.original)
        elif r.kind == "part_exceeds_whole":
            assert a.loc[r.applicant_id, r.field] == float(r.injected)
            assert broken & {"patents", "talent_workforce", "area", "part:lead_revenue_2023", "part:lead_revenue_2024", "part:lead_revenue_2025",
                             "part:domain_revenue_2023", "part:domain_revenue_2024", "part:domain_revenue_2025",
                             "domain_rd_2023", "domain_rd_2024", "domain_rd_2025"}, (r, broken)
        elif r.kind == "number_as_text":
            base = r.field if r.field in units else r.field.rsplit("_", 1)[0]
            parsed = parse_number(raw[(r.applicant_id, r.field)], unit=units[base])
            assert parsed.ok and parsed.value == pytest.approx(float(r.original)) == a.loc[r.applicant_id, r.field]
            assert raw[(r.applicant_id, r.field)] == r.injected and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", r.injected)
            assert not broken
        elif r.kind == "blank_or_none":
            assert pd.isna(a.loc[r.applicant_id, r.field])
            assert raw[(r.applicant_id, r.field)] == ("" if r.injected == "nan" else r.injected)
            assert r.original not in ("", "nan")
        elif r.kind == "province_alias":
            assert a.loc[r.applicant_id, "province"] == r.original
            assert raw[(r.applicant_id, "province")] == r.injected in aliases[r.original] and r.injected != r.original
            assert not broken
        elif r.kind == "bad_check_digit":
            code = a.loc[r.applicant_id, "credit_code"]
            assert code == r.injected and not gb32100_ok(code) and gb32100_ok(r.original)
            assert code[:17] == r.original[:17]
        elif r.kind == "text_too_long":
            t = s.batch.texts.query("applicant_id == @r.applicant_id and section == @r.field").text.iloc[0]
            assert len(t) == int(r.injected) > CFG["fields"]["longtext_max_chars"] >= int(r.original)
        elif r.kind == "over_quota":
            p, cat = a.loc[r.applicant_id, "province"], a.loc[r.applicant_id, "category"]
            n = int(((a.province == p) & (a.category == cat)).sum())
            q = int(quota_table().set_index(["province", "category"]).quota[(p, cat)])
            assert n == q + 1 == int(r.injected) and int(r.original) == q
        elif r.kind == "duplicate_filing":
            same = a[(a.credit_code == r.injected)]
            assert len(same) == 2 and same.province.nunique() == 2 and same.name.nunique() == 1
            assert r.applicant_id in same.index
        elif r.kind == "group_subsidiary":
            pair = s.truth[(s.truth.kind == "group_subsidiary") & s.truth.note.str.contains(r.applicant_id)]
            assert len(pair) == 1 and a.loc[r.applicant_id, "name"] == r.injected
            other = a.loc[pair.applicant_id.iloc[0]]
            markers = CFG["validation"]["group_subsidiary"]["group_markers"]
            if r.original != r.injected:  # the renamed group: city + the subsidiary's 字号 + 集团...
                assert any(m in r.injected for m in markers) and not any(m in other["name"] for m in markers)
                both = a.loc[[r.applicant_id, other.name]].reset_index()
                assert set(group_subsidiary_rule(both, CFG).applicant_id) == {r.applicant_id, other.name}
                texts = s.batch.texts.query("applicant_id == @r.applicant_id").text
                assert not texts.str.contains(r.original, regex=False).any()
                assert a.loc[r.applicant_id, "applicant_unit"] == r.injected
            assert not broken
        elif r.kind == "unreadable_value":
            kind = wide.loc[r.field, "kind"]
            groups = CFG["synth"]["faults"]["unreadable_value"]["texts"]
            assert any(kind in g["kinds"] and r.injected in g["texts"] for g in groups.values()), r
            assert pd.isna(a.loc[r.applicant_id, r.field]) and r.original not in ("", "nan", "NaT", "None")
            assert raw[(r.applicant_id, r.field)] == r.injected
            assert not clean_value(r.injected, kind, wide.loc[r.field, "unit"]).ok
            rej = s.batch.rejected.query("applicant_id == @r.applicant_id and field == @r.field")
            assert rej[["scope", "value"]].values.tolist() == [["field", r.injected]]
            assert not broken
        else:  # pragma: no cover
            raise AssertionError(f"unknown kind {r.kind}")


def test_rejected_lists_each_unreadable_value_as_intake_does(faulty):
    """One rejected row per unreadable value: the workbook write_raw writes, the template cell, intake's reason."""
    t = faulty.truth[faulty.truth.kind == "unreadable_value"]
    rej = faulty.batch.rejected
    assert len(t) >= 2 and len(rej) == len(t)
    assert set(zip(rej.applicant_id, rej.field)) == set(zip(t.applicant_id, t.field))
    summary = faulty.batch.summary.set_index("applicant_id")
    what = {"date": "日期", "bool": "是/否"}
    for r in rej.itertuples():
        s = summary.loc[r.applicant_id]
        assert r.path == f"applications/{s.province}/{int(s.seq):02d}_{s['name']}.xlsx"
        lay = form_layout(s.category)
        row = lay[lay["keys"].map(lambda k: r.field in k)].iloc[0]
        col = "CDEF"[row["keys"].index(r.field)]
        assert (r.sheet, r.cell) == (row.sheet, f"{col}{row.row + 1}")
        assert r.reason == f"「{row.label}」的值「{r.value}」无法识别为{what.get(row.field_kind, '数值')}，按缺失处理"
    # a date, a yes/no and a number field among them (seed 1), none a key field
    kinds = set(wide.loc[rej.field, "kind"])
    assert {"date", "bool"} <= kinds and kinds & {"yearly", "number", "count"}
    assert not set(rej.field) & {"name", "province", "domain", "credit_code", "applicant_unit", "recommender"}


def test_counts_with_faults_differ_from_quota_only_by_over_quota(faulty):
    a = faulty.batch.applicants
    got = a.groupby(["province", "category"]).size()
    quota = quota_table().set_index(["province", "category"])["quota"]
    over = got - quota.reindex(got.index)
    n_over = int((faulty.truth.kind == "over_quota").sum())
    assert over.sum() == n_over and set(over.unique()) <= {0, 1}


def test_many_faults_all_kinds_and_rate():
    s = generate(seed=11, fault_rate=0.2)
    assert set(s.truth.kind) == set(fault_kinds())
    assert len(s.truth) - int((s.truth.kind == "group_subsidiary").sum()) // 2 == round(0.2 * 418)
    v = violations(s)
    assert set(v.applicant_id) <= set(s.truth.applicant_id)


def test_summary_text_in_chinese(clean, faulty):
    assert summary_text(clean).splitlines()[0] == "合成全国申报批次：418 个申报对象（园区 38 个，企业 380 家），覆盖 32 个省级单位、10 个领域"
    assert "未注入故障" in summary_text(clean)
    assert f"注入故障 {len(faulty.truth)} 处" in summary_text(faulty)


def test_bad_arguments_raise_chinese_errors():
    with pytest.raises(ValueError, match="故障比例"):
        generate(fault_rate=1.5)
    with pytest.raises(ValueError, match="scale"):
        generate(scale=0)


@pytest.mark.slow
def test_cli_writes_raw_layout_and_truth_that_intake_reads_back(tmp_path, capsys):
    """`nebase synth` → filled templates + faults.csv; intake gives back the batch's clean values."""
    pytest.importorskip("nebase_analysis.templates")
    intake = pytest.importorskip("nebase_analysis.intake")
    from nebase_analysis import cli

    # a previous synthetic batch in the folder is replaced whole (no stale workbook survives)
    stale = tmp_path / "applications" / "广东省" / "99_旧文件.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (tmp_path / "faults.csv").write_text("applicant_id,field,kind,original,injected,note\n", encoding="utf-8")
    assert cli.main(["synth", "--out", str(tmp_path), "--seed", "1", "--fault-rate", "0.05"]) == 0
    printed = capsys.readouterr().out
    expected = generate(seed=1, fault_rate=0.05)
    n = 418 + int((expected.truth.kind == "over_quota").sum())
    assert f"合成全国申报批次：{n} 个申报对象" in printed and f"注入故障 {len(expected.truth)} 处" in printed
    truth = pd.read_csv(tmp_path / "faults.csv", dtype=str, keep_default_na=False)
    assert list(truth.columns) == FAULT_COLUMNS
    assert truth.applicant_id.tolist() == expected.truth.applicant_id.tolist()
    assert truth.kind.tolist() == expected.truth.kind.tolist()
    assert (tmp_path / "applications" / "广东省" / "推荐汇总表.xlsx").exists()

    assert not stale.exists()
    back = intake.load_batch(tmp_path)
    # what intake could not read is exactly what the in-memory batch lists (row for row)
    key = list(back.rejected.columns)
    assert len(back.rejected) == (expected.truth.kind == "unreadable_value").sum()
    assert (sorted(map(tuple, back.rejected[key].astype(str).values))
            == sorted(map(tuple, expected.batch.rejected[key].astype(str).values)))
    a = expected.batch.applicants.set_index("applicant_id")
    b = back.applicants.set_index("applicant_id").reindex(a.index)
    for col in a.columns.drop("source_file"):
        x, y = a[col], b[col]
        if x.dtype == "float64":
            same = ((x - y).abs() < 1e-9) | (x.isna() & y.isna())
        else:
            same = (x == y).fillna(False).astype(bool) | (x.isna() & y.isna())
        assert same.all(), (col, x[~same].head(3).tolist(), y[~same].head(3).tolist())
    # what cleaning repaired is logged, per injected cell
    # (a truly empty cell is read as missing without a change to log)
    t = expected.truth
    repaired = t[t.kind.isin(["number_as_text", "blank_or_none", "province_alias"]) & (t.injected != "")]
    logged = set(zip(back.cleaning_log.applicant_id, back.cleaning_log.field))
    assert set(zip(repaired.applicant_id, repaired.field)) <= logged
    # and the in-memory batch carries the same cleaning log as intake writes
    key = ["applicant_id", "field", "rule"]
    assert set(map(tuple, back.cleaning_log[key].values)) == set(map(tuple, expected.batch.cleaning_log[key].values))


def test_write_refuses_to_overwrite_real_material(tmp_path, clean):
    from nebase_analysis.synth import write

    real = tmp_path / "applications" / "广东省" / "01_某园区.xlsx"
    real.parent.mkdir(parents=True)
    real.write_bytes(b"real")
    with pytest.raises(RuntimeError, match="不是合成批次"):
        write(clean, tmp_path)
    assert real.read_bytes() == b"real" and not (tmp_path / "faults.csv").exists()


def test_count_rates_must_list_exactly_the_weighted_components():
    from nebase_analysis.config import load_config

    cfg = load_config({"synth": {"counts": {"park": {"platform_weighted": {"not_a_component": 1.0}}}}})
    with pytest.raises(ValueError, match="platform_weighted.*national_lab_count"):
        generate(seed=0, fault_rate=0, config=cfg)


def test_enterprise_names_start_with_a_place_not_a_stray_province_character(clean):
    ent = clean.batch.applicants.query("category == 'enterprise'")
    assert not ent["name"].str.startswith("省").any(), ent.loc[ent["name"].str.startswith("省"), "name"].tolist()


def test_truth_scores_unreadable_values_against_rejected_list():
    """Hand case: rejected rows and the required_missing issue telling an unreadable cell detect
    unreadable_value; that issue is not a (false) flag of blank_or_none."""
    from nebase_analysis.validation.truth import score

    issues = pd.DataFrame({"applicant_id": ["E-GD-01", "E-GD-02", "E-GD-04"], "field": ["filled_date", "nsa_first", "founded_date"],
                           "rule": "required_missing", "involved": None, "related": "", "caused_by": None})
    rejected = pd.DataFrame({"applicant_id": ["E-GD-01", "E-GD-03", None], "field": ["filled_date", "attachment_7", None],
                             "scope": ["field", "field", "file"]})
    truth = pd.DataFrame({"applicant_id": ["E-GD-01", "E-GD-03", "E-GD-04", "E-GD-02"],
                          "field": ["filled_date", "attachment_7", "founded_date", "nsa_first"],
                          "kind": ["unreadable_value"] * 3 + ["blank_or_none"]})
    cols = ["scored_against", "n_faults", "detected", "n_flagged", "correct"]
    sc = score(issues, truth, rejected=rejected).set_index("kind")
    assert sc.loc["unreadable_value", cols].tolist() == ["rejected", 3, 3, 2, 2]
    assert sc.loc["blank_or_none", cols].tolist() == ["issues", 1, 1, 1, 1]
    assert "unreadable_value" not in set(score(issues, truth).kind)  # nothing to score against without the list
