"""Templates: coverage of annexes 1-3 of the notice, drop-downs, validation, version, hidden ids."""
import re
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from nebase_analysis.config import field_schema, load_config, province_table
from nebase_analysis.templates import form_layout, summary_layout, template_file_names, write_raw, write_templates

NOTICE = Path(__file__).resolve().parents[2] / "shared" / "notice.md"
if not NOTICE.exists():  # checkout elsewhere: the shared folder beside the repository
    NOTICE = Path("/work/shared/notice.md")


def _norm(text) -> str:
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"<[^>]+>", "", s)
    s = re.sub(r"\([^()]*\)", "", s)  # units and remarks in brackets
    return re.sub(r"[\s_。:]", "", s)


def _annex(text: str, start: str, end: str) -> str:
    i = text.index(start)
    j = text.index(end, i + len(start))
    return text[i:j]


def _table_cells(block: str) -> list[str]:
    """Every non-empty cell of the tab-separated table rows of an annex."""
    cells = []
    for line in block.splitlines():
        if "\t" not in line:
            continue
        for cell in line.split("\t"):
            cell = cell.strip()
            if not cell:
                continue
            if "checkbox" in cell:  # 企业类型 options, 认定情况 items: one label per box
                cells += [c for c in re.split(r"<input[^>]*>", cell) if c.strip()]
            else:
                cells.append(cell)
    return [c for c in cells if _norm(c) and not re.fullmatch(r"\d+|\.\.\.", _norm(c))]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    out = tmp_path_factory.mktemp("tpl")
    paths = write_templates(out)
    return {p.name: p for p in paths}


def _workbook_texts(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, str):
                    texts.add(_norm(v))
    return texts


@pytest.mark.parametrize("form, start, end", [("park", "\n附件 2\n", "\n附件 3\n"), ("enterprise", "\n附件 3\n", "\n## 附件 4")])
def test_every_label_of_the_annex_is_in_the_template(templates, form, start, end):
    notice = NOTICE.read_text(encoding="utf-8")
    cells = _table_cells(_annex(notice, start, end))
    assert len(cells) > 60  # the annex tables were found
    texts = _workbook_texts(templates[template_file_names()[form]])
    missing = [c for c in cells if _norm(c) not in texts]
    assert missing == []


def test_summary_template_has_annex_1_columns(templates):
    notice = NOTICE.read_text(encoding="utf-8")
    block = _annex(notice, "\n附件 1\n", "\n附件 2\n")
    cells = _table_cells(block)
    assert {_norm(c) for c in cells} >= {"序号", "申报单位名称", "园区/企业名称", "申报类别", "申报创建领域"}
    texts = _workbook_texts(templates["推荐汇总表.xlsx"])
    assert [c for c in cells if _norm(c) not in texts] == []
    assert _norm("推荐单位（盖章）：") in texts


def test_every_schema_field_has_a_row(templates):
    schema = field_schema()
    for form in ("park", "enterprise"):
        lay = form_layout(form)
        ids = set(lay.row_id)
        expected = set(schema[schema.forms.map(lambda f: form in f)].id) - {"seq", "category"}
        assert expected <= ids
        keys = {k for ks in lay["keys"] for k in ks}
        assert {"total_revenue_2023", "total_revenue_avg", "plan_basis"} <= keys
    assert "top_enterprises.10.business" in {k for ks in form_layout("park")["keys"] for k in ks}
    assert "top_products.5.market_share" in {k for ks in form_layout("enterprise")["keys"] for k in ks}
    assert summary_layout().id.tolist() == ["seq", "applicant_unit", "name", "category", "domain"]


def _validations(ws):
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng] = dv
    return out


def _row_of(ws, row_id):
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == row_id:
            return r
    raise KeyError(row_id)


def _dv_at(ws, row, col_letter):
    for rng, dv in _validations(ws).items():
        if ":" in rng:
            a, b = rng.split(":")
        else:
            a = b = rng
        ra, rb = int(re.sub(r"\D", "", a)), int(re.sub(r"\D", "", b))
        ca, cb = re.sub(r"\d", "", a), re.sub(r"\d", "", b)
        if ra <= row <= rb and ca <= col_letter <= cb:
            return dv
    return None


def test_enterprise_template_dropdowns_and_number_rules(templates):
    wb = openpyxl.load_workbook(templates[template_file_names()["enterprise"]])
    ws = wb["申请书"]
    lists = wb["_lists"]
    assert wb["_lists"].sheet_state == "hidden" and wb["_meta"].sheet_state == "hidden"
    assert ws.column_dimensions["A"].hidden

    def list_values(dv):
        ref = dv.formula1.lstrip("=").split("!")[1].replace("$", "")
        return [c.value for row in lists[ref] for c in row]

    assert list_values(_dv_at(ws, _row_of(ws, "domain"), "C")) == [d["name"] for d in load_config()["domains"]["domains"]]
    assert list_values(_dv_at(ws, _row_of(ws, "province"), "C")) == province_table().name.tolist()
    assert list_values(_dv_at(ws, _row_of(ws, "ownership"), "C")) == ["国有", "民营", "合资", "其他"]
    assert list_values(_dv_at(ws, _row_of(ws, "is_high_tech"), "C")) == ["是", "否"]
    assert list_values(_dv_at(ws, _row_of(ws, "attachment_3"), "C")) == ["是", "否"]
    # counts: whole numbers >= 0; amounts: decimals >= 0; shares 0-100; growth and margins may be negative
    dv = _dv_at(ws, _row_of(ws, "invention_patents"), "C")
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    dv = _dv_at(ws, _row_of(ws, "employees"), "E")
    assert dv.type == "whole"
    dv = _dv_at(ws, _row_of(ws, "total_revenue"), "F")
    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    dv = _dv_at(ws, _row_of(ws, "domain_revenue_share"), "D")
    assert (dv.type, dv.formula1, dv.formula2) == ("decimal", "0", "100")
    for fid in ("total_revenue_growth", "gross_margin"):
        dv = _dv_at(ws, _row_of(ws, fid), "D")
        assert dv.type == "decimal" and float(dv.formula1) < 0
    # bounds are validation.yaml's ranges: a growth row >= -100 (no upper bound), a margin -100..100
    ranges = load_config()["validation"]["ranges"]
    dv = _dv_at(ws, _row_of(ws, "total_revenue_growth"), "D")
    assert (dv.operator, float(dv.formula1)) == ("greaterThanOrEqual", ranges["growth"]["min"])
    dv = _dv_at(ws, _row_of(ws, "gross_margin"), "C")
    assert (float(dv.formula1), float(dv.formula2)) == (ranges["signed_percent"]["min"], ranges["signed_percent"]["max"])
    r = _row_of(ws, "top_products.1")
    assert _dv_at(ws, r, "E").formula2 == "100"  # market share
    dv = _dv_at(ws, _row_of(ws, "founded_date"), "C")
    # dates within intake's excel_serial_range (18264 = 1950-01-01, 73415 = 2100-12-31)
    assert (dv.type, dv.formula1, dv.formula2) == ("date", "18264", "73415")
    # yearly header and a long-text cell that wraps
    years = _row_of(ws, "_years")
    assert [ws.cell(years, c).value for c in range(3, 7)] == ["2023年", "2024年", "2025年", "近三年平均值"]
    t = wb["文字材料"]
    assert t.cell(_row_of(t, "plan_basis"), 3).alignment.wrap_text


def test_summary_template_dropdowns(templates):
    wb = openpyxl.load_workbook(templates["推荐汇总表.xlsx"])
    ws = wb["推荐汇总表"]
    cols = {ws.cell(4, c).value: c for c in range(2, 7)}
    cat = _dv_at(ws, 6, openpyxl.utils.get_column_letter(cols["category"]))
    ref = cat.formula1.lstrip("=").split("!")[1].replace("$", "")
    assert [c.value for row in wb["_lists"][ref] for c in row] == ["园区", "企业"]
    def source(dv):
        ref = dv.formula1.lstrip("=").split("!")[1].replace("$", "")
        return [c.value for row in wb["_lists"][ref] for c in row]

    domain_dv = _dv_at(ws, 6, openpyxl.utils.get_column_letter(cols["domain"]))
    assert source(domain_dv) == [d["name"] for d in load_config()["domains"]["domains"]]
    assert source(_dv_at(ws, 3, "C")) == province_table().name.tolist()  # 所属省份
    assert ws["B1"].value == load_config()["fields"]["summary_title"] == "国家新兴产业发展示范基地创建对象推荐汇总表"


def test_edited_layout_writes_only_its_own_rows(tmp_path):
    """A layout filtered after one use must not write the rows of the original (no cache on the frame)."""
    from nebase_analysis.templates import write_form_workbook

    lay = form_layout("park")
    write_form_workbook(tmp_path / "full.xlsx", "park", {"name": "某园区"}, layout=lay)
    short = lay[~lay.row_id.isin(["planned_area", "built_area"])]
    write_form_workbook(tmp_path / "short.xlsx", "park", {"name": "某园区"}, layout=short)
    ids = [r[0] for r in openpyxl.load_workbook(tmp_path / "short.xlsx")["申请书"].iter_rows(values_only=True)]
    full = [r[0] for r in openpyxl.load_workbook(tmp_path / "full.xlsx")["申请书"].iter_rows(values_only=True)]
    assert "planned_area" in full and "planned_area" not in ids and "built_area" not in ids
    assert "name" in ids and not lay.attrs and not short.attrs


@pytest.mark.parametrize("name, form", [("示范园区创建申请书.xlsx", "park"), ("示范企业创建申请书.xlsx", "enterprise"), ("推荐汇总表.xlsx", "summary")])
def test_version_and_form_in_meta(templates, name, form):
    wb = openpyxl.load_workbook(templates[name])
    meta = wb["_meta"]
    assert meta["A1"].value == "template_version" and meta["B1"].value == load_config()["fields"]["template_version"]
    assert meta["B2"].value == form
    ids = [meta.cell(r, 1).value for r in range(6, meta.max_row + 1)]
    assert len(ids) > 4 and meta["A5"].value == "field_id"
    assert wb.sheetnames[0] == "说明" and "模板版本" in " ".join(str(c.value) for c in wb["说明"]["A"] if c.value)


def test_hidden_ids_sit_next_to_their_labels(templates):
    wb = openpyxl.load_workbook(templates["示范园区创建申请书.xlsx"])
    ws = wb["申请书"]
    lay = form_layout("park").set_index("row_id")
    for fid in ("total_revenue", "planned_area", "sf_share", "quality_enterprise_weighted"):
        r = _row_of(ws, fid)
        assert ws.cell(r, 2).value == lay.loc[fid, "label"]
    assert ws.cell(_row_of(ws, "planned_area"), 2).value == "规划面积（公顷）"
    assert ws.cell(_row_of(ws, "quality_enterprise_weighted"), 2).value == "优质企业加权数量（个，同一企业不重复计算）"
    # the field-id map in _meta points at the value cells
    meta = wb["_meta"]
    cells = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(6, meta.max_row + 1)}
    assert cells["total_revenue"] == f"申请书!C{_row_of(ws, 'total_revenue')}:F{_row_of(ws, 'total_revenue')}"


def test_cli_writes_three_templates(tmp_path):
    from nebase_analysis.cli import main

    assert main(["template", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(template_file_names().values())


def test_cli_template_input_errors_exit_1_in_chinese(tmp_path, capsys):
    from nebase_analysis.cli import main

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert main(["template", "--out", str(blocker / "sub")]) == 1
    assert "无法写出模板" in capsys.readouterr().err
    assert main(["template", "--out", str(tmp_path / "t"), "--config", str(tmp_path / "missing.yaml")]) == 1
    assert "配置文件不存在" in capsys.readouterr().err


def test_write_raw_never_writes_a_formula(tmp_path):
    """Text from a batch or an override that starts with = + - @ stays text in the raw workbooks."""
    from test_roundtrip import hand_batch
    from xlsx_cells import workbook_cells

    batch = hand_batch()
    aid = batch.applicants["applicant_id"].iloc[0]
    overrides = {aid: {"name": "=HYPERLINK(\"http://x\")", "address": "+1+1", "contact": "-2", "phone": "@SUM(A1)"}}
    manifest = write_raw(batch, tmp_path, raw_values=overrides)
    paths = [p for p in tmp_path.rglob("*.xlsx")]
    assert paths and len(manifest) >= 1
    seen = set()
    for where, cell in workbook_cells(paths):
        assert cell.data_type != "f", (where, cell.value)
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
            seen.add(cell.value)
    assert {"=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)"} <= seen
