"""The configuration is data: counts and facts of the notice, read from the package YAML."""
import re
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


# --------------------------------------------------------------------------- user configuration files
def test_broken_yaml_names_file_line_and_column(tmp_path, capsys):
    from nebase_analysis.cli import main
    from nebase_analysis.config import ConfigError

    bad = tmp_path / "broken.yaml"
    bad.write_text("ranking:\n  weights:\n    objective: 0.4\n   expert 0.6\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(bad)
    assert str(exc.value) == f"配置文件 {bad} 第 4 行第 4 列：缩进不一致或缺少键\n  4 |    expert 0.6"
    tab = tmp_path / "tab.yaml"
    tab.write_text("ranking:\n\ttie_decimals: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="第 2 行第 1 列：含有制表符"):
        load_config(tab)
    # every command: a Chinese message, exit 1, no traceback, before any work
    for argv in (["score", "--processed", str(tmp_path / "p")], ["rank", "--processed", str(tmp_path / "p")],
                 ["template", "--out", str(tmp_path / "t")]):
        assert main([*argv, "--config", str(bad)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"nebase {argv[0]}：配置文件 {bad} 第 4 行第 4 列") and "Traceback" not in err
    assert not (tmp_path / "t").exists()
    assert main(["score", "--config", str(tmp_path / "nope.yaml")]) == 1
    assert f"配置文件不存在：{tmp_path / 'nope.yaml'}" in capsys.readouterr().err


def test_unknown_keys_are_refused_with_the_valid_keys(tmp_path):
    from nebase_analysis.config import CONFIG_DIR, ConfigError, check_config, resolve_config

    typo = tmp_path / "typo.yaml"
    typo.write_text("rankng:\n  weights: {objective: 0.5, expert: 0.5}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(typo)
    stems = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
    assert str(exc.value) == f"配置文件 {typo} 中有未知的顶层键 “rankng”（是否应为“ranking”？）；可用的键：{'、'.join(stems)}"
    with pytest.raises(ConfigError) as exc:
        load_config({"ranking": {"weigths": {"objective": 0.5, "expert": 0.5}, "tie_decimals": 3}})
    assert str(exc.value).startswith("配置中 ranking 下有未知的键 “weigths”（是否应为“weights”？）；可用的键：weights、group_by、")
    with pytest.raises(ConfigError, match="composite 须为映射"):
        load_config({"composite": 3})
    # partial configurations as the package and its tests use them still load, with their values
    assert load_config({"composite": {"normalisation": {"method": "goalposts", "range": [0, 100]}}})["composite"]["normalisation"] == \
        {"method": "goalposts", "range": [0, 100]}
    assert load_config({"ranking": {"selection": {"default": {"park": 1, "enterprise": 2}}}})["ranking"]["selection"] == \
        {"default": {"park": 1, "enterprise": 2}, "by_domain": {}}
    assert load_config({"fields": {"years": [2024, 2025, 2026]}})["fields"]["years"] == [2024, 2025, 2026]
    assert load_config({"ranking": {"weights": {"objective": 0.3, "expert": 0.7}}})["ranking"]["weights"] == \
        {"objective": 0.3, "expert": 0.7}
    # a full configuration edited in place is checked too
    full = load_config()
    full["ranking"]["weights"]["expert"] = 0.7
    with pytest.raises(ConfigError, match="权重之和须为 1"):
        resolve_config(full)
    check_config(load_config())  # the package configuration itself passes


@pytest.mark.parametrize("weights, message", [
    ({"objective": 0.5, "expert": 0.6}, "ranking.weights 的权重之和须为 1：客观得分（objective）0.5 + 专家评分（expert）0.6 = 1.1（不会自动按比例缩放"),
    ({"objective": 1, "expert": 1}, "客观得分（objective）1 + 专家评分（expert）1 = 2（"),
    ({"objective": -0.2, "expert": 1.2}, "ranking.weights 的权重须为非负数：客观得分（objective）-0.2 + 专家评分（expert）1.2"),
    ({"objective": "0.4", "expert": 0.6}, "ranking.weights 的权重须为数值：objective = '0.4'"),
    ({"objectiv": 0.4, "expert": 0.6}, "ranking.weights 有未知的键 “objectiv”（是否应为“objective”？）"),
    ({"objective": 0.5}, "ranking.weights 缺少 expert（专家评分）：objective、expert 须同时给出，且和为 1（不会沿用默认配置中的值）"),
    ({}, "ranking.weights 缺少 objective（客观得分）、expert（专家评分）：objective、expert 须同时给出"),
])
def test_ranking_weights_must_sum_to_one(weights, message):
    from nebase_analysis.config import ConfigError

    with pytest.raises(ConfigError) as exc:
        load_config({"ranking": {"weights": weights}})
    assert message in str(exc.value)


def test_weights_summing_to_one_within_rounding_are_accepted():
    cfg = load_config({"ranking": {"weights": {"objective": 0.1 + 0.2, "expert": 0.7}}})
    assert cfg["ranking"]["weights"] == {"objective": 0.1 + 0.2, "expert": 0.7}


# --------------------------------------------------------------------------- command line scaffolding
def test_every_commands_help_is_chinese(capsys):
    from nebase_analysis.cli import COMMANDS, main

    english = ("usage", "options", "show this help", "positional arguments", "arguments:")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：nebase [-h] 命令 ...") and "选项：\n  -h, --help  显示此帮助信息并退出" in out
    assert all(name in out and help_text in out for name, (_, help_text) in COMMANDS.items())
    assert not any(w in out.lower() for w in english)
    for name, (_, help_text) in COMMANDS.items():
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"用法：nebase {name} [-h]") and help_text in out, name
        assert "选项：\n  -h, --help" in out and "显示此帮助信息并退出" in out, name
        assert not any(w in out.lower() for w in english), (name, out)
        assert not re.search(r"--[a-z-]+ [A-Z_]{2,}\b", out), (name, out)  # placeholders from cli.yaml, not OUT
    # the help column lines up on screen: a Chinese character takes two columns
    from nebase_analysis.cli import display_width

    lines = [m for m in (re.match(r"(  \S.*?\S)( {2,})(\S.*)", ln) for ln in _help_text("ingest").splitlines()) if m]
    assert len(lines) >= 5 and len({display_width(m.group(1) + m.group(2)) for m in lines}) == 1, lines


def _help_text(name: str) -> str:
    """``nebase <name> --help`` as text."""
    import contextlib
    import io

    from nebase_analysis.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), pytest.raises(SystemExit):
        main([name, "--help"])
    return buf.getvalue()


def test_command_line_errors_are_chinese(capsys):
    from nebase_analysis.cli import main

    for argv, message in ((["synth"], "nebase synth：错误：缺少必需的参数：--out"),
                          (["synth", "--out", "x", "--seed", "y"], "nebase synth：错误：参数 --seed：'y' 不是有效的整数"),
                          (["score", "--bogus"], "nebase score：错误：无法识别的参数：--bogus"),
                          (["run", "--only", "nope"], "nebase run：错误：参数 --only：无效的取值 'nope'（可选：'ingest'"),
                          (["ingest", "--out"], "nebase ingest：错误：参数 --out 需要一个取值")):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2 and err.startswith(f"用法：nebase {argv[0]} ") and message in err, err
        assert "error" not in err and "usage" not in err


def test_catalogue_cities_follow_the_configured_rule():
    from nebase_analysis.config import catalogue_cities

    import pandas as pd

    zones = pd.DataFrame({"省份": ["江苏省"] * 6 + ["广东省"],
                          "城市/区县": ["南京", "省如皋", "江宁区", "南京", "连云港", None, "深圳市"]})
    # 省 dropped, districts and ports left out, each city once in catalogue order, 市 kept as written
    assert catalogue_cities(zones=zones) == ["南京", "如皋", "深圳市"]
    assert catalogue_cities(province="江苏省", zones=zones) == ["南京", "如皋"]
    cfg = load_config({"synth": {"catalogue_cities": {"drop_suffixes": ["区", "县"], "lengths": [2]}}})
    assert catalogue_cities(cfg, zones=zones) == ["南京", "如皋"]
    cfg = load_config({"synth": {"catalogue_cities": {"drop_suffixes": ["区", "县"]}}})
    assert catalogue_cities(cfg, zones=zones) == ["南京", "如皋", "连云港", "深圳市"]
    # the real catalogue: validation strips the same cities (with and without 市) off company names
    from nebase_analysis.validation.rules import _place_prefixes

    cities = catalogue_cities()
    stems = {c.removesuffix("市") for c in cities} - {""}
    assert set(_place_prefixes(load_config())[1]) == {x for c in stems if len(c) >= 2 for x in (c, c + "市")}
    assert "如皋" in cities and not any(c.endswith(("区", "县", "港")) for c in cities)
