"""Criteria quoted verbatim, score sheets round trip, rejections, synthetic panels, `nebase experts`."""
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nebase_analysis.batch import Batch
from nebase_analysis.config import criteria_table, domain_table, load_config, province_table
from nebase_analysis.experts.assignment import assign, normalise_roster, read_roster
from nebase_analysis.experts.panels import write_synthetic_panels
from nebase_analysis.experts.sheets import evaluation_points, read_sheets, write_sheets
from xlsx_cells import workbook_cells

NOTICE = Path(__file__).resolve().parents[2] / "shared" / "notice.md"
CRIT = criteria_table()["id"].tolist()
MAXIMA = criteria_table().set_index("id")["max"].astype(int).to_dict()


def _squash(text):
    return re.sub(r"\s+", "", text.replace("**", ""))


# ---------------------------------------------------------------- criteria.yaml

def test_criteria_and_maxima():
    cfg = load_config()
    assert [(c["id"], c["name"], c["max"]) for c in cfg["criteria"]["criteria"]] == [
        ("basis", "发展基础", 30), ("approach", "总体思路", 20), ("tasks", "重点任务", 30),
        ("schedule", "进度安排", 10), ("safeguards", "保障措施", 10)]


@pytest.mark.skipif(not NOTICE.exists(), reason="notice.md not beside the checkout")
def test_every_evaluation_point_is_quoted_verbatim():
    notice = _squash(NOTICE.read_text(encoding="utf-8"))
    cfg = load_config()
    domains = set(domain_table().name)
    n = 0
    for category in ("park", "enterprise"):
        pts = cfg["criteria"]["points"][category]
        assert list(pts) == CRIT
        for cid, p in pts.items():
            assert _squash(p["general"]) in notice, (category, cid)
            assert set(p["domains"]) <= domains
            for d, text in p["domains"].items():
                assert _squash(f"{d}：{text}") in notice, (category, cid, d)
                n += 1
    # domain-specific points per criterion as printed in annexes 4 and 5 (counted by hand)
    counts = {(cat, cid): len(cfg["criteria"]["points"][cat][cid]["domains"])
              for cat in ("park", "enterprise") for cid in CRIT}
    assert counts == {("park", "basis"): 10, ("park", "approach"): 9, ("park", "tasks"): 10,
                      ("park", "schedule"): 0, ("park", "safeguards"): 0,
                      ("enterprise", "basis"): 10, ("enterprise", "approach"): 9, ("enterprise", "tasks"): 8,
                      ("enterprise", "schedule"): 0, ("enterprise", "safeguards"): 0}
    assert n == 56
    # page-break artefacts joined, not kept
    soft = cfg["criteria"]["points"]["park"]["basis"]["domains"]["软件"]
    assert "企业开源发展、开源项目培育" in soft
    assert cfg["criteria"]["points"]["enterprise"]["safeguards"]["general"] == \
        "主要评价是否具备有力的保障措施。重点评价是否具备发展所需的各类要素和条件。"


def test_evaluation_points_of_a_domain():
    p = evaluation_points("智能机器人", "enterprise").set_index("criterion")
    assert p["max"].tolist() == [30, 20, 30, 10, 10]
    assert p.loc["approach", "domain_point"] == "围绕“技术+场景”提出差异化发展路径。"
    assert p.loc["tasks", "domain_point"] is None  # annex 5 has no 智能机器人 point under 重点任务
    assert p.loc["basis", "general"].startswith("主要考察申报对象是否具备良好创建基础。")


# ---------------------------------------------------------------- fixtures

def _applicants(seed=0):
    rng = np.random.default_rng(seed)
    pt = province_table()
    rows = []
    for d in ("人工智能", "软件"):
        for cat, n in (("park", 3), ("enterprise", 8)):
            for i in range(n):
                p = pt.iloc[int(rng.integers(32))]
                rows.append({"applicant_id": f"{cat[0].upper()}-{p.id_code}-{len(rows):02d}", "category": cat,
                             "province": p["name"], "domain": d, "name": f"{p.short}{d}对象{i}",
                             "applicant_unit": f"{p.short}{d}申报单位{i}",
                             "total_revenue_growth_avg": rng.normal(10, 5),
                             "rd_intensity_avg": rng.normal(5, 2) if cat == "enterprise" else np.nan,
                             "lead_rd_intensity_avg": rng.normal(4, 1) if cat == "park" else np.nan})
    return pd.DataFrame(rows)


def _roster():
    provs = ["北京市", "上海市", "广东省", "江苏省", "浙江省", "四川省", "湖北省", "陕西省"]
    return pd.DataFrame({"expert_id": [f"X{i:02d}" for i in range(16)], "name": [f"专家{i}" for i in range(16)],
                         "province": [provs[i % 8] for i in range(16)],
                         "unit": [f"{provs[i % 8][:2]}大学{i}" for i in range(16)],
                         "domains": ["人工智能" if i < 8 else "软件" for i in range(16)], "conflicts": [None] * 16})


def _fill(path, value_of):
    """Fill score cells with openpyxl as an expert would; return {(sheet, aid, cid): (cell, value)}."""
    cfg = load_config()
    names = {c["id"]: c["name"] for c in cfg["criteria"]["criteria"]}
    wb = openpyxl.load_workbook(path)
    written = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        hdr = next(c for row in ws.iter_rows() for c in row if c.value == "申报对象编号")
        cols = {cid: next(c.column for c in ws[hdr.row] if str(c.value or "").startswith(nm)) for cid, nm in names.items()}
        for r in range(hdr.row + 1, ws.max_row + 1):
            aid = ws.cell(r, hdr.column).value
            if not aid:
                continue
            for cid, col in cols.items():
                v = value_of(ws.title, aid, cid)
                if v is not None:
                    ws.cell(r, col).value = v
                    written[(ws.title, aid, cid)] = (ws.cell(r, col).coordinate, v)
    wb.save(path)
    return written


def _value(sheet, aid, cid):
    """A deterministic in-range score from the ids."""
    return (sum(map(ord, sheet + aid + cid)) % (2 * MAXIMA[cid] + 1)) / 2


@pytest.fixture()
def issued(tmp_path):
    apps, ros = _applicants(), _roster()
    a, short = assign(apps, ros, seed=0)
    assert len(short) == 0
    paths = write_sheets(apps, ros, a, tmp_path / "sheets")
    return apps, ros, a, paths, tmp_path / "sheets"


# ---------------------------------------------------------------- writing

def test_sheet_layout_validation_and_meta(issued):
    apps, ros, a, paths, _ = issued
    assert [p.name for p in paths] == sorted(["人工智能_示范园区.xlsx", "人工智能_示范企业.xlsx",
                                              "软件_示范园区.xlsx", "软件_示范企业.xlsx"])
    wb = openpyxl.load_workbook(paths[0])
    assert wb["_meta"].sheet_state == "hidden"
    meta = pd.DataFrame(list(wb["_meta"].values)[1:], columns=next(wb["_meta"].values))
    panel = a[(a.domain == meta.domain[0]) & (a.category == meta.category[0])]
    assert sorted(meta.expert_id) == sorted(panel.expert_id.unique())
    assert set(meta.template_version) == {"2026.1"}
    ws = wb[meta.sheet[0]]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    # evaluation points: general + the domain's own point, with maxima
    pts = evaluation_points(meta.domain[0], meta.category[0])
    for p in pts.itertuples():
        assert any(t == f"{p.name}（满分{p.max:g}分）" for t in texts)
        assert any(p.general in t and (p.domain_point is None or p.domain_point in t) for t in texts)
    assert any("填写说明" == t for t in texts)
    # validation 0..max on every criterion column, one row per assigned applicant
    dv = {(d.formula1, d.formula2, d.type) for d in ws.data_validations.dataValidation}
    assert dv == {("0", str(m), "decimal") for m in (30, 20, 10)}
    hdr = next(c for row in ws.iter_rows() for c in row if c.value == "申报对象编号")
    listed = [ws.cell(r, hdr.column).value for r in range(hdr.row + 1, ws.max_row + 1)]
    assert listed == sorted(panel.loc[panel.expert_id == meta.expert_id[0], "applicant_id"])


# ---------------------------------------------------------------- round trip

@pytest.mark.parametrize("layout", ["per_panel", "per_expert"])
def test_round_trip_blank_fill_read(tmp_path, layout):
    apps, ros = _applicants(), _roster()
    cfg = load_config({"experts": {"sheets": {"layout": layout}}})
    a, _ = assign(apps, ros, config=cfg, seed=0)
    paths = write_sheets(apps, ros, a, tmp_path, cfg)
    if layout == "per_expert":
        assert len(paths) == a.groupby(["domain", "category", "expert_id"]).ngroups
    written = {}
    for p in paths:
        written.update(_fill(p, _value))
    scores, rejected = read_sheets(tmp_path, roster=ros, assignments=a, config=cfg, applicants=apps)
    assert len(rejected) == 0
    expected = {(aid, sheet, cid): v for (sheet, aid, cid), (_, v) in written.items()}
    got = {(r.applicant_id, r.expert_id, r.criterion): r.score for r in scores.itertuples()}
    assert got == expected
    assert len(scores) == len(a) * 5
    # domain/category from the meta sheet
    m = scores.merge(apps[["applicant_id", "domain", "category"]], on="applicant_id", suffixes=("", "_app"))
    assert (m.domain == m.domain_app).all() and (m.category == m.category_app).all()


# ---------------------------------------------------------------- rejections

def test_each_rejection_has_file_cell_and_reason(issued, tmp_path):
    apps, ros, a, paths, sheets = issued
    book = sheets / "软件_示范企业.xlsx"
    wb = openpyxl.load_workbook(book)
    s1, s2 = wb.sheetnames[0], wb.sheetnames[1]
    # first applicant of s1: basis out of range, tasks text; second applicant of s2 to be recused
    first_s1 = sorted(a.loc[(a.expert_id == s1) & (a.domain == "软件") & (a.category == "enterprise"), "applicant_id"])[0]
    rec_aid = sorted(a.loc[(a.expert_id == s2) & (a.domain == "软件") & (a.category == "enterprise"), "applicant_id"])[1]

    def value(sheet, aid, cid):
        if (sheet, aid, cid) == (s1, first_s1, "basis"):
            return 35
        if (sheet, aid, cid) == (s1, first_s1, "tasks"):
            return "良好"
        if sheet == s1 and aid == first_s1 and cid == "schedule":
            return None  # a missing score
        return _value(sheet, aid, cid)

    written = _fill(book, value)
    for p in paths:
        if p != book:
            _fill(p, _value)
    # duplicate: a copy of one workbook sent twice
    dup_src = sheets / "人工智能_示范园区.xlsx"
    shutil.copy(dup_src, sheets / "人工智能_示范园区（重发）.xlsx")
    # recusal: s2 declares a conflict with rec_aid after the sheets went out
    ros2 = normalise_roster(ros)
    j = ros2.index[ros2.expert_id == s2][0]
    ros2.at[j, "conflicts"] = (rec_aid,)
    # unknown expert: one expert of the 软件 park panel (not s1 / s2) missing from the roster
    wb_park = openpyxl.load_workbook(sheets / "软件_示范园区.xlsx")
    gone = next(n for n in wb_park.sheetnames if n not in (s1, s2, "_meta"))
    n_gone = int(((a.expert_id == gone) & (a.domain == "软件") & (a.category == "park")).sum())
    gone_panels = a.loc[a.expert_id == gone, ["domain", "category"]].drop_duplicates()
    ros2 = ros2[ros2.expert_id != gone]

    scores, rej = read_sheets(sheets, roster=ros2, assignments=a, applicants=apps)
    by = {k: g for k, g in rej.groupby("kind")}
    assert set(by) == {"out_of_range", "not_number", "recused", "duplicate", "unknown_expert"}

    r = by["out_of_range"].iloc[0]
    assert (Path(r.path).name, r.sheet, r.cell, r.field) == (book.name, s1, written[(s1, first_s1, "basis")][0], "basis")
    assert r.reason == "发展基础分值 35 超出 0–30 的范围"
    r = by["not_number"].iloc[0]
    assert (r.sheet, r.cell, r.value) == (s1, written[(s1, first_s1, "tasks")][0], "良好")
    assert r.reason == "分值“良好”不是数字"
    rr = by["recused"]
    assert set(rr.cell) == {written[(s2, rec_aid, c)][0] for c in CRIT} and set(rr.sheet) == {s2}
    assert rr.reason.iloc[0] == f"回避：专家声明与该申报对象存在利益冲突（{rec_aid}），该评分无效"
    d = by["duplicate"]
    assert set(Path(p).name for p in d.path) == {"人工智能_示范园区（重发）.xlsx"}
    assert len(d) == int(((a.domain == "人工智能") & (a.category == "park")).sum()) * 5
    assert d.reason.iloc[0].startswith("重复评分：与 人工智能_示范园区.xlsx 工作表")
    assert len(by["unknown_expert"]) == len(gone_panels)
    u = by["unknown_expert"].set_index(by["unknown_expert"].path.map(lambda x: Path(x).name)).loc["软件_示范园区.xlsx"]
    assert (Path(u.path).name, u.sheet, u.cell, u.expert_id) == ("软件_示范园区.xlsx", gone, f"_meta!B{wb_park.sheetnames.index(gone) + 2}", gone)
    assert u.reason == f"专家编号“{gone}”不在专家名册中，该工作表（{n_gone} 个申报对象）的评分未采用"

    # the rest is kept: every assigned score except the rejected and missing ones
    keep = a[a.expert_id != gone]
    assert len(scores) == len(keep) * 5 - 2 - 1 - 5
    assert not ((scores.applicant_id == rec_aid) & (scores.expert_id == s2)).any()
    assert not scores.duplicated(["applicant_id", "expert_id", "criterion"]).any()
    assert scores.score.between(0, scores.criterion.map(MAXIMA)).all()


def test_not_assigned_duplicate_row_and_foreign_file(issued):
    apps, ros, a, paths, sheets = issued
    book = sheets / "人工智能_示范企业.xlsx"
    _fill(book, _value)
    wb = openpyxl.load_workbook(book)
    ws = wb[wb.sheetnames[0]]
    eid = ws.title
    hdr, _, last, _ = _table(ws)
    # a row copied below the table (duplicate) and a row for an applicant not assigned to this expert
    for col in range(1, ws.max_column + 1):
        ws.cell(last + 1, col).value = ws.cell(hdr.row + 1, col).value
    prov = ros.set_index("expert_id").loc[eid, "province"]
    pool = apps[(apps.domain == "人工智能") & (apps.category == "enterprise") & (apps.province != prov)]
    others = sorted(set(pool.applicant_id) - set(a.loc[a.expert_id == eid, "applicant_id"]))
    ws.cell(last + 2, hdr.column).value = others[0]
    ws.cell(last + 2, hdr.column + 4).value = 12
    wb.save(book)
    pd.DataFrame({"x": [1]}).to_excel(sheets / "别的文件.xlsx", index=False)
    scores, rej = read_sheets(sheets, roster=ros, assignments=a, applicants=apps)
    k = rej.set_index("kind")
    assert sorted(rej.kind) == ["duplicate"] * 5 + ["file", "not_assigned"]
    assert k.loc["not_assigned", "cell"] == f"F{last + 2}"
    assert k.loc["not_assigned", "reason"] == f"专家“{eid}”未被分配评审申报对象“{others[0]}”"
    assert set(rej.loc[rej.kind == "duplicate", "cell"].str[1:]) == {str(last + 1)}
    assert "不是本工具生成的专家评分表" in k.loc["file", "reason"]
    # only the filled workbook has scores: all its assignments are kept, nothing else
    assert len(scores) == int(((a.domain == "人工智能") & (a.category == "enterprise")).sum()) * 5


# ---------------------------------------------------------------- synthetic panels

def test_synthetic_panels_plant_every_feature(tmp_path):
    apps = _applicants(1)
    out = write_synthetic_panels(apps, tmp_path, seed=0)
    base = tmp_path / "experts"
    assert (base / "roster.xlsx").exists() and (base / "sheets" / "assignments.csv").exists()
    assert len(out["shortfalls"]) == 0
    assert out["assignments"].groupby("applicant_id").size().eq(5).all()
    roster = read_roster(base / "roster.xlsx")
    issued = pd.read_csv(base / "sheets" / "assignments.csv", dtype=str, encoding="utf-8-sig")
    scores, rej = read_sheets(base / "sheets", roster=roster, assignments=issued, applicants=apps)
    planted = out["planted"]
    assert planted.kind.value_counts().to_dict() == {"missing": 4, "constant": 1, "recused": 1, "out_of_range": 1}
    # the constant expert: the same share of every maximum for every applicant
    const = planted.loc[planted.kind == "constant", "expert_id"].iloc[0]
    cs = scores[scores.expert_id == const]
    assert cs.applicant_id.nunique() >= 5
    assert (cs.score / cs.criterion.map(MAXIMA)).nunique() == 1
    # recused: all five scores rejected, with the reason
    rec = planted[planted.kind == "recused"].iloc[0]
    rr = rej[(rej.applicant_id == rec.applicant_id) & (rej.expert_id == rec.expert_id)]
    assert sorted(rr.field) == sorted(CRIT) and (rr.kind == "recused").all()
    # out of range rejected; missing cells absent from the scores
    oor = planted[planted.kind == "out_of_range"].iloc[0]
    r = rej[rej.kind == "out_of_range"]
    assert r[["applicant_id", "expert_id", "field"]].values.tolist() == [[oor.applicant_id, oor.expert_id, oor.criterion]]
    key = set(zip(scores.applicant_id, scores.expert_id, scores.criterion))
    for m in planted[planted.kind == "missing"].itertuples():
        assert (m.applicant_id, m.expert_id, m.criterion) not in key
    assert set(rej.kind) == {"recused", "out_of_range"}
    assert len(scores) == len(issued) * 5 - 4 - 5 - 1
    # experts differ in leniency; quality follows the figures
    traits = out["experts"]
    assert traits.leniency.std() > 0.03
    tot = scores.groupby("applicant_id").score.sum() / scores.groupby("applicant_id").expert_id.nunique()
    q = out["quality"].set_index("applicant_id")
    assert np.corrcoef(q.loc[tot.index, "figures_z"], tot)[0, 1] > 0.5
    # deterministic
    out2 = write_synthetic_panels(apps, tmp_path / "again", seed=0)
    pd.testing.assert_frame_equal(out["scores"], out2["scores"])


def test_nebase_experts_cli(tmp_path, capsys):
    from nebase_analysis.cli import main

    apps = _applicants(2)
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    write_synthetic_panels(apps, raw, seed=1)
    Batch(applicants=apps).to_parquet(proc)
    assert main(["experts", "--raw", str(raw), "--processed", str(proc)]) == 0
    text = capsys.readouterr().out
    assert "未填写的评分 4 项" in text and "回避：5 项" in text
    s = pd.read_parquet(proc / "expert_scores.parquet")
    assert list(s.columns[:4]) == ["applicant_id", "expert_id", "criterion", "score"]
    rej = pd.read_parquet(proc / "expert_rejected.parquet")
    assert sorted(rej.kind.unique()) == ["out_of_range", "recused"]
    asg = pd.read_parquet(proc / "assignments.parquet")
    assert len(asg) == 22 * 5
    rec = pd.read_parquet(proc / "recusals.parquet")
    assert (rec.rule == "declared").sum() >= 1
    # blank sheets for the processed batch
    assert main(["sheets", "--processed", str(proc), "--roster", str(raw / "experts" / "roster.xlsx"),
                 "--out", str(tmp_path / "blank")]) == 0
    assert len(list((tmp_path / "blank").glob("*.xlsx"))) == 4
    # a missing roster is a Chinese error, not a traceback
    assert main(["experts", "--raw", str(tmp_path / "nowhere"), "--processed", str(proc)]) == 1
    assert "未找到专家名册" in capsys.readouterr().err


# ---------------------------------------------------------------- formula injection

INJECTED = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A2)"]


def test_names_starting_with_formula_characters_stay_text(tmp_path):
    apps, ros = _applicants(), _roster()
    ai_ent = apps.index[(apps.domain == "人工智能") & (apps.category == "enterprise")][:4]
    apps.loc[ai_ent, "name"] = INJECTED
    apps.loc[ai_ent, "applicant_unit"] = [f"{t}单位" for t in INJECTED]
    ros.loc[:3, "name"] = INJECTED
    a, _ = assign(apps, ros, seed=0)
    paths = write_sheets(apps, ros, a, tmp_path)
    seen = set()
    for where, c in workbook_cells(paths):
        if c.data_type == "f":
            # the only formulas are the written totals
            assert str(c.value).startswith("=IF(COUNT("), (where, c.value)
        elif isinstance(c.value, str) and c.value in INJECTED + [f"{t}单位" for t in INJECTED]:
            assert c.data_type == "s"
            seen.add(c.value)
    assert seen == set(INJECTED) | {f"{t}单位" for t in INJECTED}
    # read back: the names printed on the sheet are the applicant's (used for recusal without applicants)
    for p in paths:
        _fill(p, _value)
    scores, rejected = read_sheets(tmp_path, roster=ros, assignments=a)
    assert len(rejected) == 0 and len(scores) == len(a) * 5


def test_scores_typed_as_text(issued):
    """Full-width digits and a trailing 分 are read; a dash, an approximate or a percent is not a number."""
    apps, ros, a, paths, sheets = issued
    book = sheets / "软件_示范园区.xlsx"
    typed = {"basis": "２７.５分", "approach": " 18 ", "tasks": "—", "schedule": "约8", "safeguards": "9%"}
    first = {}

    def value(sheet, aid, cid):
        first.setdefault(sheet, aid)
        return typed[cid] if first[sheet] == aid else _value(sheet, aid, cid)

    _fill(book, value)
    scores, rej = read_sheets(book, roster=ros, assignments=a, applicants=apps)
    got = scores[scores.applicant_id.isin(first.values())]
    got = got[[first[e] == aid for e, aid in zip(got.expert_id, got.applicant_id)]]
    assert got.groupby("criterion").score.unique().map(list).to_dict() == {"basis": [27.5], "approach": [18.0]}
    assert sorted(rej.kind.unique()) == ["not_number"]
    assert sorted(rej.value.unique()) == ["9%", "—", "约8"] and len(rej) == 3 * len(first)


# ---------------------------------------------------------------- rows outside the table, stray content

def _table(ws):
    """(header cell, first data row, last data row, {criterion: column}) of an expert worksheet."""
    names = {c["id"]: c["name"] for c in load_config()["criteria"]["criteria"]}
    hdr = next(c for row in ws.iter_rows() for c in row if c.value == "申报对象编号")
    last = max(r for r in range(hdr.row + 1, ws.max_row + 1) if ws.cell(r, hdr.column).value)
    cols = {cid: next(c.column for c in ws[hdr.row] if str(c.value or "").startswith(nm)) for cid, nm in names.items()}
    return hdr, hdr.row + 1, last, cols


@pytest.mark.parametrize("extent", ["meta", "seq"])
def test_rows_outside_the_table_second_rows_and_stray_content_are_rejected(issued, extent):
    """A row below the table, a second row for an applicant, a note, a cell right of the table, a comment
    without scores: each is reported with file, sheet, cell and a Chinese reason; none becomes a score.
    ``seq``: a workbook without the issued-applicants meta column (older template): the table is the
    run of rows numbered 1, 2, ... in 序号."""
    apps, ros, a, paths, sheets = issued
    book = sheets / "人工智能_示范企业.xlsx"
    wb = openpyxl.load_workbook(book)
    eid = wb.sheetnames[0]
    mine = sorted(a.loc[(a.expert_id == eid) & (a.domain == "人工智能") & (a.category == "enterprise"), "applicant_id"])
    first, second = mine[0], mine[1]

    # the expert leaves the first applicant's 发展基础 blank in the table ...
    _fill(book, lambda s, aid, cid: None if (s, aid, cid) == (eid, first, "basis") else _value(s, aid, cid))
    wb = openpyxl.load_workbook(book)
    ws = wb[eid]
    hdr, top, last, cols = _table(ws)
    assert last - top + 1 == len(mine)
    # ... and types it in a row of its own below the table (with a gap), then a note
    ws.cell(last + 3, hdr.column).value = first
    ws.cell(last + 3, cols["basis"]).value = 10
    ws.cell(last + 5, 1).value = "备注"
    ws.cell(last + 5, 2).value = "第二家企业的分数待复核"
    # an applicant assigned to this expert only in the final assignment, scored below the table
    pool = apps[(apps.domain == "人工智能") & (apps.category == "enterprise")
                & (apps.province != ros.set_index("expert_id").loc[eid, "province"])]
    extra = sorted(set(pool.applicant_id) - set(mine))[0]
    ws.cell(last + 4, hdr.column).value = extra
    ws.cell(last + 4, cols["tasks"]).value = 20
    # a remark right of the table, in the second applicant's row; a comment without scores
    comment_col = max(cols.values()) + 2
    ws.cell(top + 1, comment_col + 2).value = "另见附件"
    for c in cols.values():
        ws.cell(top + 2, c).value = None
    ws.cell(top + 2, comment_col).value = "回避"
    if extent == "seq":
        meta = wb["_meta"]
        assert meta.cell(1, 8).value == "applicants"
        meta.delete_cols(8)
    wb.save(book)

    issued_pairs = pd.concat([a, pd.DataFrame({"applicant_id": [extra], "expert_id": [eid]})])
    scores, rej = read_sheets(book, roster=ros, assignments=issued_pairs, applicants=apps)
    rej = rej[rej.sheet == eid]
    got = {(r.kind, r.cell): r.reason for r in rej.itertuples()}
    col = openpyxl.utils.get_column_letter
    area = f"第 {top}–{last} 行、A–{col(comment_col)} 列"
    third = mine[2]
    assert got == {
        ("duplicate", f"{col(cols['basis'])}{last + 3}"):
            f"同一工作表中申报对象“{first}”已在第 {top} 行出现，第 {last + 3} 行的内容未采用",
        ("outside_table", f"{col(cols['tasks'])}{last + 4}"):
            f"第 {last + 4} 行位于评分表区域（{area}）以外，申报对象“{extra}”的评分未采用；请在表内该申报对象所在行填写",
        ("outside_table", f"A{last + 5}"):
            f"第 {last + 5} 行位于评分表区域（{area}）以外，内容“备注 第二家企业的分数待复核”未读取",
        ("outside_table", f"{col(comment_col + 2)}{top + 1}"): f"单元格位于评分表区域（{area}）以外，内容“另见附件”未读取",
        ("comment_only", f"{col(comment_col)}{top + 2}"):
            f"申报对象“{third}”未打分，仅填写了评语“回避”，按缺失评分处理；如为回避，请在专家名册“声明回避对象”中登记",
    }
    mine_scores = scores[scores.expert_id == eid]
    # the blank cell stays missing: the score typed below the table is not taken
    assert not ((mine_scores.applicant_id == first) & (mine_scores.criterion == "basis")).any()
    assert extra not in set(mine_scores.applicant_id) and third not in set(mine_scores.applicant_id)
    assert len(mine_scores) == len(mine) * 5 - 1 - 5
    assert set(mine_scores.cell.str[1:].astype(int)) <= set(range(top, last + 1))


def test_without_assignments_the_issued_list_on_the_sheet_decides(issued):
    """No assignments.csv: an applicant not issued on that sheet is rejected, as not assigned."""
    apps, ros, a, paths, sheets = issued
    book = sheets / "软件_示范园区.xlsx"
    _fill(book, _value)
    wb = openpyxl.load_workbook(book)
    ws = wb[wb.sheetnames[0]]
    hdr, top, last, cols = _table(ws)
    listed = [ws.cell(r, hdr.column).value for r in range(top, last + 1)]
    prov = ros.set_index("expert_id").loc[ws.title, "province"]
    other = sorted(set(apps.loc[(apps.domain == "软件") & (apps.category == "park") & (apps.province != prov), "applicant_id"])
                   - set(listed))[0]
    ws.cell(top, hdr.column).value = other     # the expert overwrites an id inside the table
    wb.save(book)
    scores, rej = read_sheets(book, roster=ros, applicants=apps)
    assert rej.kind.unique().tolist() == ["not_assigned"] and len(rej) == 5
    assert rej.reason.iloc[0] == f"专家“{ws.title}”未被分配评审申报对象“{other}”（发放的评分表中没有该申报对象）"
    assert set(rej.cell.str[1:]) == {str(top)}


def test_unreadable_score_files_have_chinese_reasons(issued):
    from nebase_analysis.intake import inspect_file

    apps, ros, a, paths, sheets = issued
    _fill(sheets / "软件_示范园区.xlsx", _value)
    (sheets / "空文件.xlsx").write_bytes(b"")
    (sheets / "加密.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64)
    (sheets / "乱码.xlsx").write_bytes(b"hello, not a workbook")
    (sheets / "坏压缩包.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    shutil.copy(paths[0], sheets / "旧格式.xls")
    a.to_csv(sheets / "assignments.csv", index=False)
    scores, rej = read_sheets(sheets, roster=ros, assignments=a, applicants=apps)
    got = {Path(r.path).name: r.reason for r in rej.itertuples()}
    assert set(rej.kind) == {"file"} and len(rej) == 5
    for name in ("空文件.xlsx", "加密.xlsx", "乱码.xlsx"):
        assert got[name] == f"{inspect_file(sheets / name)}（评分表未读取）"
    assert got["加密.xlsx"].startswith("文件设有密码")
    assert got["坏压缩包.xlsx"] == "文件已损坏或不是有效的 Excel（xlsx）文件，无法读取（评分表未读取）"
    assert got["旧格式.xls"] == "不是 xlsx 格式的评分表（扩展名 .xls），未读取；请在 Excel 中另存为 .xlsx 后重新提交"
    assert not any(re.search(r"Error|[A-Za-z]{4,}:", t) for t in got.values())
    # the issued table beside the sheets is ours, not a rejected file; the good workbooks are still read
    assert "assignments.csv" not in got
    assert len(scores) == int(((a.domain == "软件") & (a.category == "park")).sum()) * 5


def test_nebase_experts_lists_applicants_without_scores_gbk_roster(tmp_path, capsys):
    """An unreadable workbook leaves its applicants without any expert: they are listed by domain ×
    category and counted among those with fewer than 5 experts. The roster comes as a GBK CSV
    (Excel's "CSV" on Chinese Windows), with one unknown province reported by file and row."""
    from nebase_analysis.cli import main

    apps = _applicants(2)
    raw, proc = tmp_path / "raw", tmp_path / "processed"
    out = write_synthetic_panels(apps, raw, seed=1)
    Batch(applicants=apps).to_parquet(proc)
    experts = raw / "experts"
    roster = pd.read_excel(experts / "roster.xlsx", dtype=str)
    roster.loc[3, "所在省份"] = "火星"
    roster.to_csv(experts / "roster.csv", index=False, encoding="gbk")
    (experts / "roster.xlsx").unlink()
    issued = pd.read_csv(experts / "sheets" / "assignments.csv", dtype=str, encoding="utf-8-sig")
    issued.to_csv(experts / "sheets" / "assignments.csv", index=False, encoding="gbk")
    (experts / "sheets" / "人工智能_示范园区.xlsx").write_bytes(b"garbage")

    assert main(["experts", "--raw", str(raw), "--processed", str(proc)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    lost = apps[(apps.domain == "人工智能") & (apps.category == "park")].sort_values("applicant_id")
    i = lines.index(f"没有任何有效专家评分的申报对象 {len(lost)} 个（无法排名，请核实其评分表）：")
    assert lines[i + 1] == f"  人工智能·示范园区 {len(lost)} 个：" + "、".join(f"{r.applicant_id} {r.name}" for r in lost.itertuples())
    recused = out["planted"].query("kind == 'recused'").applicant_id.iloc[0]
    n_low = len(lost) + (recused not in set(lost.applicant_id))
    assert f"有效评审专家少于 5 名的申报对象 {n_low} 个（其中 {len(lost)} 个没有任何有效评分，见上）" in text
    assert "  - 人工智能_示范园区.xlsx：文件损坏或不是 Excel（xlsx）文件，无法打开（评分表未读取）" in lines
    assert f"  - roster.csv 第 5 行（专家 {roster.loc[3, '专家编号']}）：所在省份“火星”不是有效的省级行政区" in text
    s = pd.read_parquet(proc / "expert_scores.parquet")
    assert not set(lost.applicant_id) & set(s.applicant_id) and s.applicant_id.nunique() == len(apps) - len(lost)
    ri = pd.read_parquet(proc / "roster_issues.parquet")
    assert ri[["row", "field", "value"]].values.tolist() == [[5, "province", "火星"]]


def test_sheet_progress_bar_counts_workbooks_in_chinese(tmp_path, capsys):
    apps, ros = _applicants(), _roster()
    a, _ = assign(apps, ros, seed=0)
    write_sheets(apps, ros, a, tmp_path, progress=True)
    err = capsys.readouterr().err
    assert re.search(r"评分表: 100%.*4/4 \[[^\]]*份", err)
    assert "it/s" not in err and "s/it" not in err
