"""Word forms (annexes 1-3 as .docx, annex 1 as a plain sheet): layout as printed, variants, write_raw formats."""
import hashlib
import math
import re
import shutil
import zipfile
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from lxml import etree

from nebase_analysis import wordforms
from nebase_analysis.cleaning import parse_number
from nebase_analysis.config import load_config
from nebase_analysis.templates import applicant_cell_values, write_raw
from nebase_analysis.wordforms import (default_variant, draw_variant, form_file_name, form_spec, number_text,
                                       parse_variant, variant_text, write_form_docx, write_summary_docx,
                                       write_summary_sheet)
from test_roundtrip import hand_batch
from test_templates import NOTICE, _annex, _norm, _table_cells

CFG = load_config()
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W, "w14": "http://schemas.microsoft.com/office/word/2010/wordml"}
ANNEX1_HEADERS = ["序号", "申报单位名称", "园区/企业名称", "申报类别 (园区/企业)", "申报创建领域"]
MARKS = "☑☐■□√☒"
EVERYTHING = {"one_table": True, "label_breaks": True, "merged_label": True, "remark_rows": True, "extra_list_rows": True,
              "typed_rank": "both", "checkbox_style": "formfield", "content_controls": True, "numbers_as_typed": True,
              "date_style": "dot", "text_place": "below", "plan_headings": "bold", "guidance_left": True, "seed": 11}


@pytest.fixture(scope="module")
def values():
    return applicant_cell_values(hand_batch(), CFG)


def _write(tmp_path, form, vals, variant=None, name="f.docx"):
    aid = "P-GD-01" if form == "park" else "E-GD-01"
    p = write_form_docx(tmp_path / name, form, vals[aid], CFG, variant)
    return p, zipfile.ZipFile(p).read("word/document.xml").decode("utf-8")


def _tc_text(tc) -> str:
    """A cell's text as a reader sees it: paragraphs joined with \\n, <w:br/> as \\n."""
    paras = []
    for p in tc.iter(f"{{{W}}}p"):
        parts = []
        for el in p.iter(f"{{{W}}}t", f"{{{W}}}br"):
            parts.append("\n" if el.tag == f"{{{W}}}br" else (el.text or ""))
        paras.append("".join(parts))
    return "\n".join(paras)


def _rows(path) -> list[list[str]]:
    """Every table row as its distinct cells' texts (a gridSpan cell once; cells inside content controls too)."""
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    return [[_tc_text(tc) for tc in tr.iter(f"{{{W}}}tc")] for tr in root.iter(f"{{{W}}}tr")]


def _value_right_of(rows, label) -> str:
    hits = [r[i + 1] for r in rows for i, c in enumerate(r[:-1]) if c == label]
    assert hits, label
    return hits[0]


# ----------------------------------------------------------------------------- layout as printed


@pytest.mark.parametrize("form, start, end", [("park", "\n附件 2\n", "\n附件 3\n"), ("enterprise", "\n附件 3\n", "\n## 附件 4")])
def test_every_label_of_the_annex_is_in_the_word_form(tmp_path, values, form, start, end):
    cells = _table_cells(_annex(NOTICE.read_text(encoding="utf-8"), start, end))
    assert len(cells) > 60
    p, _ = _write(tmp_path, form, values)
    d = docx.Document(str(p))  # opens with python-docx
    texts = set()
    for row in _rows(p):
        for c in row:
            texts |= {_norm(part) for part in re.split(f"[{MARKS}]", c) if _norm(part)}
    texts |= {_norm(par.text) for par in d.paragraphs}
    assert [c for c in cells if _norm(c) not in texts] == []


def test_cover_and_parts_as_printed(tmp_path, values):
    p, _ = _write(tmp_path, "park", values)
    paras = [par.text for par in docx.Document(str(p)).paragraphs]
    assert paras[0] == "附件2" and "国家新兴产业发展示范基地创建申请书（示范园区）" in paras
    assert "申报单位：申报单位：P-GD-01第62号 （盖章）" in paras  # the hand batch's unit is that text
    assert "申报领域：人工智能" in paras and "推荐单位：广东省工业和信息化厅 （盖章）" in paras
    d = values["P-GD-01"]["filled_date"]
    assert f"填报日期：{d.year} 年 {d.month} 月 {d.day} 日" in paras and "工业和信息化部制" in paras
    for title in ("一、基本情况", "二、创建工作方案（每部分不超过 2000 字）", "三、附件清单", "四、推荐单位意见",
                  "（一）发展基础", "（五）保障措施", "有关说明或证明材料，包括但不限于："):
        assert title in paras, title
    i = paras.index("（一）发展基础")
    assert paras[i + 1:i + 3] == ["深圳（南山）人工智能产业园plan_basis", "第二段：包括“引号”和 2000 字以内的说明。"]


def test_values_right_of_their_labels_and_under_their_years(tmp_path, values):
    v = values["E-GD-01"]
    p, _ = _write(tmp_path, "enterprise", values)
    rows = _rows(p)
    assert _value_right_of(rows, "企业名称") == v["name"]
    assert _value_right_of(rows, "统一社会信用代码") == "91350900587527783P"
    d = v["founded_date"]
    assert _value_right_of(rows, "成立日期") == f"{d.year} 年 {d.month} 月 {d.day} 日"
    assert _value_right_of(rows, "联系电话") == "0755-86001234"
    assert ["项目/年度", "2023 年", "2024 年", "2025 年", "近三年平均值"] in rows
    row = next(r for r in rows if r[0] == "总营业收入（亿元）")
    assert [float(x) for x in row[1:]] == [v[f"total_revenue_{k}"] for k in ("2023", "2024", "2025", "avg")]
    assert _value_right_of(rows, "获得国家自然科学奖特等奖数量（个）") == number_text(v["nsa_special"])
    assert next(r for r in rows if r[0] == "企业类型")[1] == "☑国有 ☐民营 ☐合资 ☐其他_____"  # hand batch: 国有
    flags = {c.split(" ", 1)[1]: c[0] for r in rows for c in r if c[:1] in "☑☐" and " " in c}
    assert flags["高新技术企业"] == ("☑" if v["is_high_tech"] else "☐")
    assert flags["其他 其他认定：E-GD-01第56号"] == "☑"
    assert ["产品名称", "销售收入（亿元）", "国内市场占有率（%）"] in rows
    i = rows.index(["产品名称", "销售收入（亿元）", "国内市场占有率（%）"])
    assert rows[i + 1] == ["产品1", "9.5", "3"] and len(rows[i + 1:i + 6]) == 5
    j = rows.index(["公司治理情况", "", "", "", ""])
    assert rows[j + 1] == [v["governance"]]  # the text in place of the prompt, a paragraph a line
    assert ["详细描述有关情况（不超过 2000 字）。"] in rows  # no text: the prompt as printed


def test_pairs_single_rows_and_grid(tmp_path, values):
    p, xml = _write(tmp_path, "park", values)
    t = docx.Document(str(p)).tables[0]
    assert [c.text for c in t.rows[1].cells] == ["园区名称"] + [values["P-GD-01"]["name"]] * 4  # value spans the rest
    rows = _rows(p)
    r = next(r for r in rows if r[0] == "批复设立日期")
    assert r[2] == "批复单位" and len(r) == 4
    assert "w:gridSpan" in xml and "w:vMerge" not in xml and "w:sdt" not in xml


def test_raw_strings_verbatim_blanks_blank_and_ticks(tmp_path, values):
    vals = {**values["E-GD-01"], "total_revenue_2024": "1,234.5", "taxes_2023": "约5亿", "employees_2025": "无",
            "domain_rd_2024": "=SUM(A1)", "gross_margin_2023": float("nan"), "gross_margin_2024": None,
            "attachment_1": True, "attachment_2": False, "attachment_3": None, "attachment_4": "待定", "is_srdi_sme": None}
    p = write_form_docx(tmp_path / "r.docx", "enterprise", vals, CFG)
    rows = _rows(p)
    assert next(r for r in rows if r[0] == "总营业收入（亿元）")[2] == "1,234.5"
    assert next(r for r in rows if r[0] == "税金总额（亿元）")[1] == "约5亿"
    assert next(r for r in rows if r[0] == "年末从业人员数量（人）")[3] == "无"
    assert next(r for r in rows if r[0] == "重点领域研发投入（亿元）")[2] == "=SUM(A1)"
    assert next(r for r in rows if r[0] == "毛利润率（%）")[1:3] == ["", ""]
    assert any(c == "专精特新中小企业" for r in rows for c in r)  # None: the item without a box
    paras = [par.text for par in docx.Document(str(p)).paragraphs]
    assert "☑1.示范基地空间布局平面图；" in paras and "☐2.重点领域营业收入的说明或证明材料；" in paras
    assert "3.国家级和省部级科技奖励清单及证明材料；" in paras and "4.有效发明专利清单及获奖的证明材料：待定" in paras


# ----------------------------------------------------------------------------- variants


def test_checkbox_styles_in_the_xml(tmp_path, values):
    written = {s: _write(tmp_path, "enterprise", values, {"checkbox_style": s}, f"{s}.docx")
               for s in ("box", "square", "check", "sym", "sdt", "formfield")}
    xml = {s: x for s, (_, x) in written.items()}
    ownership = {s: next(r for r in _rows(p) if r[0] == "企业类型")[1] for s, (p, _) in written.items()}
    assert ownership["box"] == "☑国有 ☐民营 ☐合资 ☐其他_____"
    assert ownership["square"] == "■国有 □民营 □合资 □其他_____"
    assert ownership["check"] == "√国有 民营 合资 其他_____" and not re.search("[☐□☑]", xml["check"])
    assert '<w:sym w:font="Wingdings" w:char="F0FE"/>' in xml["sym"] and 'w:char="F0A8"' in xml["sym"]
    root = etree.fromstring(xml["sdt"].encode())
    boxes = root.findall(".//w:sdt/w:sdtPr/w14:checkbox", NS)
    assert boxes and {b.find("w14:checked", NS).get(f"{{{NS['w14']}}}val") for b in boxes} == {"0", "1"}
    assert "☒" in xml["sdt"] and "w14:checkedState" in xml["sdt"]
    ff = etree.fromstring(xml["formfield"].encode())
    assert " FORMCHECKBOX " in xml["formfield"]
    states = []
    for cb in ff.findall(".//w:fldChar/w:ffData/w:checkBox", NS):
        checked, default = cb.find("w:checked", NS), cb.find("w:default", NS)
        states.append(checked.get(f"{{{W}}}val", "1") != "0" if checked is not None else default.get(f"{{{W}}}val") == "1")
    assert len(states) == 4 + 4 + 1 + 8 and True in states and False in states  # ownership, flags, other, attachments
    assert ff.findall(".//w:fldChar[@w:fldCharType='begin']", NS) and ff.findall(".//w:fldChar[@w:fldCharType='end']", NS)


def test_merged_labels_and_content_controls(tmp_path, values):
    p, xml = _write(tmp_path, "park", values, {"merged_label": True, "content_controls": True, "seed": 3})
    root = etree.fromstring(xml.encode())
    assert root.findall(".//w:tc/w:tcPr/w:gridSpan[@w:val='5']", NS)  # titles over the whole row
    assert root.findall(".//w:vMerge[@w:val='restart']", NS) and root.xpath(".//w:vMerge[not(@w:val)]", namespaces=NS)
    rows = _rows(p)
    r = next(r for r in rows if r[0] == "批复设立日期")
    assert r[2] == "批复单位" and len(r) == 4
    tr = next(tr for tr in root.iter(f"{{{W}}}tr") if _tc_text(next(tr.iter(f"{{{W}}}tc"))) == "批复设立日期")
    tcs = list(tr.iter(f"{{{W}}}tc"))
    assert tcs[2].xpath("w:tcPr/w:gridSpan/@w:val", namespaces=NS) == ["2"]  # the second label spans two grid columns
    parents = {etree.QName(s.getparent()).localname for s in root.iter(f"{{{W}}}sdt")}
    assert parents == {"p", "tc", "tr"}  # around a run, around a paragraph in a cell, around a cell
    sdt = root.find(".//w:sdt/w:sdtPr/w:tag", NS).getparent()
    assert sdt.find("w:alias", NS) is not None and sdt.find("w:text", NS) is not None
    tags = {t.get(f"{{{W}}}val") for t in root.iterfind(".//w:sdtPr/w:tag", NS)}
    assert tags <= set(values["P-GD-01"]) | {f"top_enterprises.{k}.{c}" for k in range(1, 11) for c in ("enterprise", "revenue", "business")}
    assert docx.Document(str(p)).tables  # still opens


def test_layout_variants(tmp_path, values):
    p, xml = _write(tmp_path, "park", values, EVERYTHING)
    d = docx.Document(str(p))
    assert len(d.tables) == 3  # one table, broken where a text follows (below: policy), then the opinion
    paras = [par.text for par in d.paragraphs]
    assert "深圳（南山）人工智能产业园policy" in paras  # text below its table
    assert "主要包括园区整体发展情况、主导产业发展情况。" in paras  # guidance left in
    assert all(par.style.name != "Heading 2" for par in d.paragraphs)
    assert "<w:br/>" in xml and "(" in xml and "备注" in xml
    rows = _rows(p)
    i = next(k for k, r in enumerate(rows) if "企业名称" in r)
    assert rows[i][0] == "序号" and rows[i + 1][:2] == ["1", "1.企业1有限公司"] or rows[i + 1][1] == "1、企业1有限公司"
    assert rows[i + 11] == ["", "", "", ""] and rows[i + 12] == ["", "", "", ""]  # extra empty rows
    d0 = values["P-GD-01"]["filled_date"]
    assert f"填报日期：{d0.year}.{d0.month}.{d0.day}" in paras
    p2, _ = _write(tmp_path, "park", values, {"titles_in_paragraphs": True, "text_place": "next_row"}, "b.docx")
    d2 = docx.Document(str(p2))
    assert "园区基本信息" in [par.text for par in d2.paragraphs]
    assert [par.text for par in d2.paragraphs if par.style.name == "Heading 2"][:1] == ["（一）发展基础"]
    rows = _rows(p2)
    k = rows.index(["详细描述有关情况（不超过 2000 字）。"])
    assert rows[k + 1] == ["深圳（南山）人工智能产业园policy\n第二段：包括“引号”和 2000 字以内的说明。"]


def test_one_table_without_text_below_is_one_table(tmp_path, values):
    p, _ = _write(tmp_path, "enterprise", values, {"one_table": True, "titles_in_paragraphs": True})
    assert len(docx.Document(str(p)).tables) == 2  # 一、基本情况 and 四、推荐单位意见 (titles stay rows)


def test_typed_numbers_read_back_exactly():
    cfg = load_config({"wordforms": {"variant_rates": {"numbers_as_typed": 1.0}}})
    w = wordforms._Writer(form_spec("park", cfg), {}, {**default_variant(cfg), "numbers_as_typed": True, "seed": 1})
    from nebase_analysis.cleaning import cleaning_rules

    rules = cleaning_rules(cfg)  # intake's reading of a number cell
    rng = np.random.default_rng(0)
    seen = set()
    for unit in ("亿元", "%", "个", "人", "万元/公顷", None):
        for v in [*np.round(rng.uniform(-5000, 500000, 300), 2), *rng.uniform(0, 1e6, 100), 0.0, 3439.1, 0.07, 12985.0]:
            text = w.number(float(v), unit)
            assert parse_number(text, unit, config=rules).value == float(v), (v, unit, text)
            kinds = {"万元": unit == "亿元" and "万元" in text, ",": "," in text,
                     "fullwidth": bool(re.search("[０-９]", text)), "unit": bool(unit) and text.endswith(unit)}
            seen |= {k for k, hit in kinds.items() if hit}
    assert seen == {"万元", ",", "fullwidth", "unit"}
    for v in rng.normal(0, 1e6, 500):
        assert float(number_text(v)) == v and "e" not in number_text(v)


def test_variants_drawn_recorded_and_reproducible(tmp_path, values):
    v = draw_variant(np.random.default_rng(4))
    assert parse_variant(variant_text(v)) == v and draw_variant(4) == draw_variant(4)
    assert all(not x["titles_in_paragraphs"] for x in (draw_variant(s) for s in range(200)) if x["one_table"])
    assert variant_text(default_variant()) == ("typed_rank=none,checkbox_style=box,date_style=cn_spaced,text_place=cell,"
                                               "plan_headings=heading,file_name=seq,seed=0")
    a = _write(tmp_path, "park", values, EVERYTHING, "a.docx")[0].read_bytes()
    b = _write(tmp_path, "park", values, EVERYTHING, "b.docx")[0].read_bytes()
    assert a == b
    assert [form_file_name({"file_name": k}, "park", 1, "某园区") for k in CFG["wordforms"]["file_names"]] == [
        "01_某园区.docx", "1.某园区创建申请书.docx", "01-某园区申请书.docx", "附件2-某园区-创建申请书.docx", "某园区.docx"]


# ----------------------------------------------------------------------------- annex 1


SUMMARY_ROWS = pd.DataFrame([{"seq": 1, "applicant_unit": "甲单位", "name": "甲园区", "category": "park", "domain": "软件"},
                             {"seq": 2, "applicant_unit": "乙公司", "name": "乙公司", "category": "enterprise", "domain": "人工智能"}])


def test_summary_docx_as_printed(tmp_path):
    p = write_summary_docx(tmp_path / "附件1.docx", SUMMARY_ROWS, "某省工业和信息化厅", CFG)
    d = docx.Document(str(p))
    paras = [par.text for par in d.paragraphs]
    assert "国家新兴产业发展示范基地创建对象推荐汇总表" in paras and "推荐单位（盖章）：某省工业和信息化厅" in paras
    assert [[c.text for c in r.cells] for r in d.tables[0].rows] == [
        ANNEX1_HEADERS, ["1", "甲单位", "甲园区", "园区", "软件"], ["2", "乙公司", "乙公司", "企业", "人工智能"]]
    p2 = write_summary_docx(tmp_path / "b.docx", SUMMARY_ROWS, "某省", CFG, {"label_breaks": True, "extra_list_rows": True,
                                                                            "merged_label": True, "seed": 2})
    rows = _rows(p2)
    assert rows[0] == ["国家新兴产业发展示范基地创建对象推荐汇总表"] and rows[1][3] == "申报类别\n(园区/企业)"
    assert rows[-1] == ["", "", "", "", ""] and len(rows) >= 6


def test_summary_sheet_as_printed(tmp_path):
    p = write_summary_sheet(tmp_path / "附件1 推荐汇总表.xlsx", SUMMARY_ROWS.assign(seq=[1, "2"]), "某省工业和信息化厅", CFG)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["Sheet1"]
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    assert rows[0][0] == "国家新兴产业发展示范基地创建对象推荐汇总表" and rows[1][0] == "推荐单位（盖章）：某省工业和信息化厅"
    assert rows[2] == ANNEX1_HEADERS and rows[3] == [1, "甲单位", "甲园区", "园区", "软件"] and rows[4][0] == "2"


# ----------------------------------------------------------------------------- write_raw


def _contents(root: Path) -> dict:
    """Every file's zip members (the xlsx creation time in docProps/core.xml left out)."""
    out = {}
    for p in sorted(root.rglob("*.*")):
        with zipfile.ZipFile(p) as z:
            out[str(p.relative_to(root))] = {n: hashlib.md5(z.read(n)).hexdigest() for n in z.namelist() if n != "docProps/core.xml"}
    return out


def test_write_raw_xlsx_unchanged_by_format_and_seed(tmp_path):
    b = hand_batch()
    m1 = write_raw(b, tmp_path / "a")
    m2 = write_raw(b, tmp_path / "b", fmt="xlsx", seed=9)
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")
    assert set(m1.format) == {"xlsx"} and set(m1.variant) == {""} and m1.drop(columns="path").equals(m2.drop(columns="path"))
    assert sorted(p.name for p in (tmp_path / "a").rglob("*.*")) == sorted(
        ["01_深圳（南山）人工智能产业园.xlsx", "02_ABC机器人（深圳）股份有限公司.xlsx", "01_西藏高原氢能科技有限公司.xlsx"] + ["推荐汇总表.xlsx"] * 2)
    texts = [c.value for c in openpyxl.load_workbook(next((tmp_path / "a").rglob("01_西藏*.xlsx")))["说明"]["A"] if c.value]
    assert any("计数类项目" in t and "按 0 读取" in t for t in texts)
    with pytest.raises(ValueError, match="未知的输出格式"):
        write_raw(b, tmp_path / "c", fmt="pdf")


def test_write_raw_docx_writes_word_forms_and_summaries(tmp_path):
    raw = {"E-GD-01": {"_file_name": "自定义名称.xlsx", "total_revenue_2024": "约5亿", "summary.name": "改名公司"},
           "E-XZ-01": {"_workbook": False}}
    m = write_raw(hand_batch(), tmp_path, raw_values=raw, fmt="docx", seed=3)
    forms, summ = m[m.category != "summary"], m[m.category == "summary"]
    assert set(forms.format) == {"docx"} and set(summ.format) <= {"docx", "sheet"} and "sheet" in set(summ.format)
    assert pd.isna(forms.set_index("applicant_id").path["E-XZ-01"]) and not list(tmp_path.rglob("*西藏高原*"))
    gd = Path(forms.set_index("applicant_id").path["E-GD-01"])
    assert gd.name == "自定义名称.docx" and gd.exists()
    assert "约5亿" in zipfile.ZipFile(gd).read("word/document.xml").decode()
    assert forms.set_index("applicant_id").variant["E-XZ-01"] == ""  # no form written, no variant
    for t in forms.variant[forms.path.notna()]:
        assert parse_variant(t)["seed"] > 0 and "checkbox_style=" in t
    for p, kind in zip(summ.path, summ.format):
        assert Path(p).name == {"docx": "附件1-国家新兴产业发展示范基地创建对象推荐汇总表.docx", "sheet": "附件1 推荐汇总表.xlsx"}[kind]
    gd_summary = next(p for p in summ.path if "广东省" in p)
    cells = [c for r in (_rows(gd_summary) if gd_summary.endswith(".docx") else
                         openpyxl.load_workbook(gd_summary).active.iter_rows(values_only=True)) for c in r]
    assert "改名公司" in cells
    again = write_raw(hand_batch(), tmp_path / "again", raw_values=raw, fmt="docx", seed=3)
    assert list(again.variant) == list(m.variant)


def test_write_raw_mixed_keeps_template_provinces(tmp_path):
    cfg = load_config({"wordforms": {"raw_formats": {"mixed_xlsx_provinces": 1, "sheet_summaries": [0, 0]}}})
    m = write_raw(hand_batch(), tmp_path, fmt="mixed", seed=0, config=cfg)
    by = m.groupby("province").format.agg(set).to_dict()
    assert sorted(map(frozenset, by.values()), key=sorted) == [frozenset({"docx"}), frozenset({"xlsx"})]
    xlsx_prov = next(p for p, f in by.items() if f == {"xlsx"})
    assert (tmp_path / "applications" / xlsx_prov / "推荐汇总表.xlsx").exists()


def test_synth_write_records_variants(tmp_path):
    from nebase_analysis.synth import RAW_COLUMNS, FAULT_COLUMNS, SyntheticBatch, configure_parser, write
    import argparse

    parser = argparse.ArgumentParser()
    configure_parser(parser)
    assert parser.parse_args(["--out", "x"]).fmt == "xlsx" and parser.parse_args(["--out", "x", "--format", "docx"]).fmt == "docx"
    s = SyntheticBatch(batch=hand_batch(), raw_values=pd.DataFrame(columns=RAW_COLUMNS), truth=pd.DataFrame(columns=FAULT_COLUMNS),
                       hidden=pd.DataFrame(columns=["applicant_id", "field", "value"]), seed=2)
    out = write(s, tmp_path, config=CFG, fmt="docx")
    rec = pd.read_csv(out["variants"], dtype=str, keep_default_na=False)
    assert list(rec.columns) == ["applicant_id", "path", "format", "variant"] and len(rec) == 3 + 2
    assert all((tmp_path / p).exists() for p in rec.path) and set(rec.format) <= {"docx", "sheet"}


@pytest.mark.slow
def test_national_batch_in_word_has_every_variant_kind(tmp_path):
    from nebase_analysis.synth import national_batch

    m = write_raw(national_batch(seed=0, fault_rate=0), tmp_path, fmt="docx")
    forms = m[m.category != "summary"]
    assert len(forms) == 418 and set(forms.format) == {"docx"}
    summ = m[m.category == "summary"]
    assert len(summ) == 32 and 1 <= (summ.format == "sheet").sum() <= 2 and set(summ.format) == {"docx", "sheet"}
    drawn = [parse_variant(t) for t in forms.variant]
    for kind, rate in CFG["wordforms"]["variants"].items():
        seen = {v[kind] for v in drawn}
        assert seen == (set(rate) if isinstance(rate, dict) else {True, False}), kind
    assert len({v["seed"] for v in drawn}) == 418
    assert len({Path(p).name for p in forms.path}) == 418
    xml = "".join(zipfile.ZipFile(p).read("word/document.xml").decode() for p in forms.path[:60])
    for feature in ("w14:checkbox", "w:sym", "FORMCHECKBOX", "w:gridSpan", "w:vMerge", "w:sdt", "<w:br/>", "Heading2"):
        assert feature in xml, feature
    for p in forms.path[::20]:
        assert docx.Document(p).tables
