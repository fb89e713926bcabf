"""The configuration is data: counts and facts of the notice, read from the package YAML."""
import subprocess
import sys

import pytest

from nebase_analysis.config import (
    applicant_columns,
    dev_zones,
    domain_table,
    field_schema,
    load_config,
    province_table,
    quota_table,
)


def test_provinces_are_the_32_units_of_the_notice():
    t = province_table()
    assert len(t) == 32
    assert t.name.is_unique and t.code.is_unique and t.id_code.is_unique
    assert "新疆生产建设兵团" in set(t.name)
    assert set(t.loc[t.major_economic, "name"]) == {"广东省", "江苏省", "浙江省", "山东省", "河南省", "四川省"}
    # GB/T 2260 province-level codes end in 0000
    assert t.code.str.fullmatch(r"\d{2}0000").all()
    aliases = [a for al in t.aliases for a in al]
    assert len(aliases) == len(set(aliases)), "an alias must name one unit only"
    gd = t.set_index("name").loc["广东省"]
    assert {"广东", "粤", "广东省"} <= set(gd.aliases)


def test_quotas_give_the_national_batch_of_418():
    q = quota_table()
    assert q.groupby("category").quota.sum().to_dict() == {"enterprise": 380, "park": 38}


def test_major_economic_provinces_are_configurable():
    cfg = load_config({"provinces": {"major_economic": ["广东省"]}})
    q = quota_table(cfg).groupby("category").quota.sum().to_dict()
    assert q == {"park": 2 + 31, "enterprise": 20 + 310}
    with pytest.raises(ValueError, match="未知省份"):
        province_table(load_config({"provinces": {"major_economic": ["火星省"]}}))


def test_ten_domains_and_exemptions():
    d = domain_table()
    assert list(d.name) == [
        "人工智能", "智能网联新能源汽车", "新型储能制造", "清洁低碳氢", "生物制造",
        "智能机器人", "低空装备", "商业航天", "安全应急装备", "软件",
    ]
    assert set(d.loc[d.sf_share_exempt_park, "name"]) == {"人工智能", "软件"}


def test_schema_has_every_field_id_of_fields_md():
    ids = set(field_schema().id)
    # a sample across every block of annexes 1-3 (fields.md is the contract)
    for fid in ["recommender", "seq", "applicant_unit", "filled_date", "planned_area", "land_output_intensity",
                "total_revenue", "lead_revenue_share", "quality_enterprise_weighted", "pilot_incubator_count",
                "patent_weighted", "financing", "high_level_talent_share", "sf_share", "policy", "credit_code",
                "ownership", "is_little_giant", "domain_rd_intensity", "stp_second", "award_weighted",
                "standard_weighted", "governance", "plan_tasks"]:
        assert fid in ids, fid
    s = field_schema().set_index("id")
    assert s.loc["total_revenue", "unit"] == "亿元" and s.loc["total_revenue", "kind"] == "yearly"
    assert s.loc["plan_tasks", "max_chars"] == 2000
    assert s.loc["ownership", "choices"] == ("国有", "民营", "合资", "其他")
    assert len(s.loc["domain", "choices"]) == 10


def test_wide_columns():
    park = applicant_columns("park")
    ent = applicant_columns("enterprise")
    assert park[:5] == ["applicant_id", "category", "province", "domain", "name"]
    assert {"lead_revenue_2023", "lead_revenue_avg", "sf_share"} <= set(park) - set(ent)
    assert {"credit_code", "domain_revenue_2025"} <= set(ent) - set(park)
    assert "plan_tasks" not in park  # long texts live in the texts table
    assert len(park) == len(set(park))


def test_weighted_counts_reference_real_fields():
    cfg = load_config()
    ids = set(field_schema(cfg).id)
    for wid, spec in cfg["weights"]["weighted_counts"].items():
        assert wid in ids
        assert set(spec["components"]) <= ids


def test_dev_zone_catalogue_is_complete():
    z = dev_zones()
    assert len(z) == 2543
    assert z["批准级别"].value_counts().to_dict() == {"省政府": 1991, "国务院": 552}


def test_import_is_light():
    code = ("import sys, nebase_analysis, nebase_analysis.config, nebase_analysis.batch;"
            "heavy = [m for m in ('great_expectations', 'papermill', 'matplotlib', 'scipy', 'openpyxl') if m in sys.modules];"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_every_validation_rule_has_a_severity_and_a_chinese_label():
    v = load_config()["validation"]
    assert set(v["severity"]) == set(v["rule_labels"])
    assert set(v["severity"].values()) <= set(v["severity_labels"])
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in v["rule_labels"].values())


def test_validation_rules_in_code_are_all_configured():
    """Every rule id the validation code can emit has a severity and label (no silent English ids)."""
    import pathlib
    import re

    src = "".join(p.read_text(encoding="utf-8") for p in pathlib.Path("nebase_analysis/validation").glob("*.py"))
    emitted = set(re.findall(r'rule\s*=\s*"([a-z]+_[a-z_]+)"', src)) | set(re.findall(r'"rule":\s*"([a-z]+_[a-z_]+)"', src))
    assert emitted, "the pattern must find the rules the code emits"
    assert emitted <= set(load_config()["validation"]["rule_labels"]), emitted - set(load_config()["validation"]["rule_labels"])
