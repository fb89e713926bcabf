"""Expert assignment: recusal rules, at least k experts, balanced load, shortfalls, roster I/O."""
import numpy as np
import pandas as pd
import pytest

from nebase_analysis.config import load_config, province_table
from nebase_analysis.experts.assignment import (
    assign,
    normalise_roster,
    read_roster,
    recusals,
    roster_issue_lines,
    roster_issues,
    write_roster,
)


def _applicants(seed=0, domains=("人工智能", "软件", "低空装备"), n_park=3, n_ent=10):
    rng = np.random.default_rng(seed)
    pt = province_table()
    rows = []
    for d in domains:
        for cat, n in (("park", n_park), ("enterprise", n_ent)):
            for i in range(n):
                p = pt.iloc[int(rng.integers(8))]  # few provinces: many same-province clashes
                rows.append({"applicant_id": f"{cat[0].upper()}-{p.id_code}-{len(rows):02d}", "category": cat,
                             "province": p["name"], "domain": d, "name": f"{p.short}{d}对象{i}",
                             "applicant_unit": f"{p.short}{d}申报单位{i}"})
    return pd.DataFrame(rows)


def _roster(seed=0, domains=("人工智能", "软件", "低空装备"), per_domain=9):
    rng = np.random.default_rng(seed)
    pt = province_table()
    rows = []
    for d in domains:
        for j in range(per_domain):
            p = pt.iloc[int(rng.integers(8))]
            rows.append({"expert_id": f"X{len(rows):03d}", "name": f"专家{len(rows)}", "province": p["name"],
                         "unit": f"{p.short}大学{j}", "domains": [d], "conflicts": []})
    return pd.DataFrame(rows)


def _pair_ok(app, exp):
    return (app["province"] != exp["province"] and exp["unit"] not in (app["applicant_unit"], app["name"])
            and app["applicant_id"] not in exp["conflicts"] and app["name"] not in exp["conflicts"]
            and app["domain"] in exp["domains"])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_assignment_respects_recusal_and_gives_k_experts(seed):
    apps = _applicants(seed)
    ros = _roster(seed + 10)
    # declared conflicts by id and by name
    ros.at[0, "conflicts"] = [apps.loc[apps.domain == "人工智能", "applicant_id"].iloc[0]]
    ros.at[9, "conflicts"] = [apps.loc[apps.domain == "软件", "name"].iloc[1]]
    a, short = assign(apps, ros, seed=seed)
    A = apps.set_index("applicant_id")
    R = normalise_roster(ros).set_index("expert_id")
    for row in a.itertuples():
        assert _pair_ok({**A.loc[row.applicant_id], "applicant_id": row.applicant_id}, R.loc[row.expert_id])
    assert not a.duplicated(["applicant_id", "expert_id"]).any()
    got = a.groupby("applicant_id").size().reindex(apps.applicant_id, fill_value=0)
    # every applicant: exactly 5, or all its eligible experts and a shortfall row
    eligible = {aid: sum(_pair_ok({**A.loc[aid], "applicant_id": aid}, R.loc[e]) for e in R.index) for aid in A.index}
    for aid, n in got.items():
        assert n == min(5, eligible[aid])
    assert set(short.applicant_id) == {aid for aid, e in eligible.items() if e < 5}


def test_declared_conflict_by_id_and_name_and_unit_containment():
    apps = pd.DataFrame({"applicant_id": ["E-BJ-01", "E-BJ-02", "P-JS-01"], "province": ["北京市", "北京市", "江苏省"],
                         "domain": ["软件"] * 3, "category": ["enterprise", "enterprise", "park"],
                         "name": ["甲软件公司", "乙软件公司", "苏州工业园区"],
                         "applicant_unit": ["甲软件公司", "清华大学苏州汽车研究院", "苏州工业园区管理委员会"]})
    ros = pd.DataFrame({"expert_id": ["A", "B", "C", "D"], "name": list("甲乙丙丁"),
                        "province": ["上海市", "上海市", "浙江省", "北京市"],
                        "unit": ["某研究院", "清华大学", "苏州工业园区", "某大学"], "domains": ["软件"] * 4,
                        "conflicts": ["E-BJ-01、乙软件公司", None, None, None]})
    rec = recusals(apps, ros)
    got = {(r.applicant_id, r.expert_id, r.rule) for r in rec.itertuples()}
    assert got == {
        ("E-BJ-01", "A", "declared"), ("E-BJ-02", "A", "declared"),
        ("E-BJ-02", "B", "unit"),       # 清华大学 is contained in the applicant unit
        ("P-JS-01", "C", "unit"),       # the expert's unit is the park itself
        ("E-BJ-01", "D", "province"), ("E-BJ-02", "D", "province"),
    }
    assert rec.set_index(["applicant_id", "expert_id"]).loc[("E-BJ-02", "B"), "reason"].startswith("专家工作单位（清华大学）")
    # rules are configuration: switching off province recusal removes those rows
    rec2 = recusals(apps, ros, config={"experts": {"assignment": {"recuse_same_province": False}}})
    assert "province" not in set(rec2.rule)


def test_shortfall_reported_with_reason_when_too_few_eligible():
    apps = pd.DataFrame({"applicant_id": ["E-GD-01", "E-GD-02", "E-BJ-01"], "province": ["广东省", "广东省", "北京市"],
                         "domain": ["商业航天", "商业航天", "生物制造"], "category": ["enterprise"] * 3,
                         "name": ["甲", "乙", "丙"]})
    ros = pd.DataFrame({"expert_id": [f"X{i}" for i in range(6)], "name": [f"专家{i}" for i in range(6)],
                        "province": ["广东省", "广东省", "北京市", "上海市", "浙江省", "湖北省"],
                        "unit": [f"U{i}" for i in range(6)], "domains": ["航天"] * 6,  # alias of 商业航天
                        "conflicts": ["", "", "", "", "", "乙"]})
    a, short = assign(apps, ros)
    s = short.set_index("applicant_id")
    assert set(s.index) == {"E-GD-01", "E-GD-02", "E-BJ-01"}
    assert s.loc["E-GD-01", ["required", "assigned", "eligible"]].tolist() == [5, 4, 4]
    assert "同省回避 2 名" in s.loc["E-GD-01", "reason"] and "少于要求的 5 名" in s.loc["E-GD-01", "reason"]
    assert s.loc["E-GD-02", "assigned"] == 3 and "声明回避 1 名" in s.loc["E-GD-02", "reason"]
    assert s.loc["E-BJ-01", "assigned"] == 0 and "没有评审领域为“生物制造”的专家" in s.loc["E-BJ-01", "reason"]
    assert set(a.loc[a.applicant_id == "E-GD-02", "expert_id"]) == {"X2", "X3", "X4"}


def test_load_is_balanced_and_deterministic():
    apps = pd.DataFrame({"applicant_id": [f"E-GD-{i:02d}" for i in range(20)], "province": ["广东省"] * 20,
                         "domain": ["软件"] * 20, "category": ["enterprise"] * 20, "name": [f"企业{i}" for i in range(20)]})
    ros = pd.DataFrame({"expert_id": [f"X{i}" for i in range(10)], "name": [f"专家{i}" for i in range(10)],
                        "province": ["北京市"] * 10,
                        "unit": [f"U{i}" for i in range(10)], "domains": ["软件"] * 10, "conflicts": [None] * 10})
    a, short = assign(apps, ros, seed=3)
    assert len(short) == 0
    assert a.groupby("expert_id").size().tolist() == [10] * 10  # 20 × 5 / 10
    b, _ = assign(apps, ros, seed=3)
    pd.testing.assert_frame_equal(a, b)
    # the seed only reorders equally loaded experts: loads stay balanced
    c, _ = assign(apps, ros, seed=4)
    assert c.groupby("expert_id").size().tolist() == [10] * 10


def test_max_load_cap_gives_shortfall():
    apps = pd.DataFrame({"applicant_id": [f"E-GD-{i}" for i in range(3)], "province": ["广东省"] * 3,
                         "domain": ["软件"] * 3, "category": ["enterprise"] * 3, "name": list("ABC")})
    ros = pd.DataFrame({"expert_id": [f"X{i}" for i in range(5)], "name": list("甲乙丙丁戊"), "province": ["北京市"] * 5,
                        "unit": list("VWXYZ"), "domains": ["软件"] * 5, "conflicts": [None] * 5})
    cfg = {"experts": {"assignment": {"max_load": 2}}}
    a, short = assign(apps, ros, config=cfg)
    assert a.groupby("expert_id").size().max() == 2 and len(a) == 10
    assert len(short) == 1 and "已达评审上限（2 个）" in short.reason.iloc[0]


def test_roster_normalisation_and_round_trip(tmp_path):
    raw = pd.DataFrame({"专家编号": ["X1", "X2"], "姓名": ["王伟", "李娜"], "所在省份": ["粤", "北京"],
                        "工作单位": ["中山大学", "北京大学"], "评审领域": ["AI、软件", "机器人，低空经济"],
                        "声明回避对象": ["E-GD-01；P-GD-01", None]})
    r = normalise_roster(raw)
    assert r.province.tolist() == ["广东省", "北京市"]
    assert r.domains.tolist() == [("人工智能", "软件"), ("智能机器人", "低空装备")]
    assert r.conflicts.tolist() == [("E-GD-01", "P-GD-01"), ()]
    for name in ("roster.xlsx", "roster.csv"):
        write_roster(r, tmp_path / name)
        back = read_roster(tmp_path / name)
        pd.testing.assert_frame_equal(back[r.columns], r)
    with pytest.raises(ValueError, match="专家编号重复：X1"):
        normalise_roster(pd.concat([raw.iloc[:1]] * 2, ignore_index=True))
    cfg = load_config()
    assert cfg["experts"]["assignment"]["min_experts"] == 5


def test_roster_names_starting_with_formula_characters_stay_text(tmp_path):
    import openpyxl

    raw = pd.DataFrame({"expert_id": ["X1", "X2", "X3", "X4"], "name": ["=1+1", "+2", "-3", "@SUM(A1)"],
                        "province": ["广东省"] * 4, "unit": ["=HYPERLINK(\"http://x\")", "+单位", "-单位", "@单位"],
                        "domains": ["软件"] * 4, "conflicts": ["=E-GD-01", None, "-E-GD-02", None]})
    r = normalise_roster(raw)
    write_roster(r, tmp_path / "roster.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "roster.xlsx").active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type != "s"]
    assert [c.value for c in ws["B"][1:]] == ["=1+1", "+2", "-3", "@SUM(A1)"]
    back = read_roster(tmp_path / "roster.xlsx")
    pd.testing.assert_frame_equal(back[r.columns], r)


# ---------------------------------------------------------------- roster columns, values, encodings

def _roster_file_frame():
    """A roster as an analyst types it (Chinese headers)."""
    return pd.DataFrame({"专家编号": ["X1", "X2", "X3", "X4"], "姓名": ["王伟", "李娜", "张敏", "刘洋"],
                         "所在省份": ["北京", "上海市", "火星", "粤"], "工作单位": ["北京大学", "复旦大学", "中山大学", None],
                         "评审领域": ["人工智能、量子计算", "量子计算", "软件", "AI"], "声明回避对象": [None, None, "E-GD-01", None]})


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_missing_required_roster_column_stops_with_file_and_columns(tmp_path, suffix):
    raw = _roster_file_frame().rename(columns={"所在省份": "省份", "评审领域": "领域"})
    path = tmp_path / f"roster{suffix}"
    raw.to_csv(path, index=False, encoding="utf-8-sig") if suffix == ".csv" else raw.to_excel(path, index=False)
    with pytest.raises(ValueError) as e:
        read_roster(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}：专家名册缺少必需的列 “所在省份”、“评审领域”；")
    assert "文件中的列为：“专家编号”、“姓名”、“省份”、“工作单位”、“领域”、“声明回避对象”" in msg
    # the declared conflicts column is optional: without it nobody declares a conflict
    ok = _roster_file_frame().drop(columns=["声明回避对象"])
    assert normalise_roster(ok)["conflicts"].tolist() == [()] * 4
    # headers with stray spaces still count
    assert normalise_roster(ok.rename(columns={"所在省份": " 所在省份 "}))["province"].tolist()[:2] == ["北京市", "上海市"]


def test_nebase_sheets_refuses_a_roster_without_provinces(tmp_path, capsys):
    from nebase_analysis.batch import Batch
    from nebase_analysis.cli import main

    Batch(applicants=_applicants()).to_parquet(tmp_path / "processed")
    path = tmp_path / "roster.csv"
    write_roster(_roster(), path)
    pd.read_csv(path, dtype=str).drop(columns=["所在省份"]).to_csv(path, index=False)
    out = tmp_path / "sheets"
    rc = main(["sheets", "--processed", str(tmp_path / "processed"), "--roster", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and "缺少必需的列 “所在省份”" in err and str(path) in err
    assert not out.exists()   # nothing written without recusal


def test_roster_issues_unknown_domain_and_province(tmp_path):
    raw = _roster_file_frame()
    issues = roster_issues(raw)
    assert issues.fillna({"value": ""})[["row", "expert_id", "field", "value"]].values.tolist() == [
        [2, "X1", "domains", "量子计算"],
        [3, "X2", "domains", "量子计算"],
        [3, "X2", "domains", "量子计算"],      # ... and X2 has no valid domain left
        [4, "X3", "province", "火星"],
        [5, "X4", "unit", ""],
    ]
    assert issues["reason"].tolist() == [
        "评审领域“量子计算”不在申报领域目录中（见 domains.yaml），不会据此分配评审任务",
        "评审领域“量子计算”不在申报领域目录中（见 domains.yaml），不会据此分配评审任务",
        "没有有效的评审领域（评审领域：量子计算），该专家不会被分配任何申报对象",
        "所在省份“火星”不是有效的省级行政区（见 provinces.yaml），无法据此进行同省回避检查",
        "工作单位为空，无法进行同单位回避检查",
    ]
    # from a file: the path is kept and the lines name file, row and expert
    path = tmp_path / "roster.xlsx"
    raw.to_excel(path, index=False)
    lines = roster_issue_lines(roster_issues(path))
    assert lines[0] == "专家名册问题 5 项（未停止读取，请核实）："
    assert lines[4] == "  - roster.xlsx 第 4 行（专家 X3）：所在省份“火星”不是有效的省级行政区（见 provinces.yaml），无法据此进行同省回避检查"
    # the roster itself is still read: the unknown values are kept as written
    r = read_roster(path).set_index("expert_id")
    assert r.loc["X3", "province"] == "火星" and r.loc["X2", "domains"] == ("量子计算",)


def test_roster_and_issues_from_one_reading(tmp_path, monkeypatch):
    import nebase_analysis.experts.assignment as A

    path = tmp_path / "roster.csv"
    _roster_file_frame().to_csv(path, index=False, encoding="gbk")
    roster, issues = A.read_roster_and_issues(path)
    pd.testing.assert_frame_equal(roster, read_roster(path))
    pd.testing.assert_frame_equal(issues, roster_issues(path))
    assert set(issues["path"]) == {str(path)} and issues["row"].tolist() == [2, 3, 3, 4, 5]
    # the file is read and parsed once
    calls = []
    real = A.read_roster_frame
    monkeypatch.setattr(A, "read_roster_frame", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    A.read_roster_and_issues(path)
    assert calls == [path]
    # a missing required column: the same Chinese error, starting with the file
    _roster_file_frame().drop(columns=["工作单位"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"缺少必需的列 “工作单位”") as e:
        A.read_roster_and_issues(path)
    assert str(e.value).startswith(f"{path}：")


def test_roster_csv_in_utf8_or_gbk(tmp_path):
    raw = _roster_file_frame()
    expected = normalise_roster(raw)
    for name, enc in (("utf8.csv", "utf-8"), ("bom.csv", "utf-8-sig"), ("gbk.csv", "gbk"), ("gb18030.csv", "gb18030")):
        raw.to_csv(tmp_path / name, index=False, encoding=enc)
        pd.testing.assert_frame_equal(read_roster(tmp_path / name), expected)
    bad = tmp_path / "bad.csv"
    bad.write_bytes("专家编号,姓名\n".encode("utf-8") + b"\xff\xff\n")
    with pytest.raises(ValueError, match=r"无法识别专家名册的文字编码（应为 UTF-8 或 GBK/GB18030 编码的 CSV 文件）") as e:
        read_roster(bad)
    assert str(bad) in str(e.value) and "codec" not in str(e.value)


def test_unreadable_roster_workbook_is_a_chinese_message(tmp_path):
    empty = tmp_path / "roster.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"无法读取专家名册：文件为空（0 字节）"):
        read_roster(empty)
    broken = tmp_path / "roster.xls"
    broken.write_bytes(b"not a workbook at all")
    with pytest.raises(ValueError) as e:
        read_roster(broken)
    assert str(e.value) == f"{broken}：无法读取专家名册（文件损坏或格式不符；应为 .xlsx、.xls 或 .csv 文件）"
