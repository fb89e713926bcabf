"""The intake package: file names, summaries by name, the plain-sheet summary, matching,
unsupported files, the 已读取 convention, zero words in count fields, sniffing, the registry."""
import ast
import math
import shutil
import struct
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nebase_analysis.intake import load_batch, read_summary
from nebase_analysis.intake.discovery import classify, parse_file_name
from nebase_analysis.intake.files import OLE2_SIGNATURE, _cell_ref, _parse_ref, open_workbook, sniff_format
from nebase_analysis.templates import write_raw

from test_roundtrip import hand_batch

GD = ("深圳（南山）人工智能产业园", "ABC机器人（深圳）股份有限公司")  # P-GD-01 (序号 1), E-GD-01 (序号 2)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw")
    write_raw(hand_batch(), root)
    return root


@pytest.fixture
def raw(pristine, tmp_path):
    dst = tmp_path / "raw"
    shutil.copytree(pristine, dst)
    return dst


def _gd(raw: Path) -> Path:
    return raw / "applications" / "广东省"


def _form(raw: Path, prefix: str) -> Path:
    return next(_gd(raw).glob(prefix + "*.xlsx"))


def _cells(frame: pd.DataFrame) -> list:
    """Rows as lists, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


# -- file names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem, seq, name", [
    ("03_深圳（南山）人工智能产业园", 3, "深圳（南山）人工智能产业园"),
    ("3.深圳（南山）人工智能产业园创建申请书", 3, "深圳（南山）人工智能产业园"),
    ("06-ABC机器人（深圳）股份有限公司申请书", 6, "ABC机器人（深圳）股份有限公司"),
    ("附件3-ABC机器人（深圳）股份有限公司-创建申请书", None, "ABC机器人（深圳）股份有限公司"),
    ("附件2-深圳（南山）人工智能产业园", None, "深圳（南山）人工智能产业园"),
    ("附件2-深圳（南山）人工智能产业园（示范园区）", None, "深圳（南山）人工智能产业园"),
    ("12_某企业有限公司(示范企业)", 12, "某企业有限公司"),
    ("ABC机器人（深圳）股份有限公司", None, "ABC机器人（深圳）股份有限公司"),
    ("02_ABC机器人（深圳）股份有限公司 - 副本", 2, "ABC机器人（深圳）股份有限公司 - 副本"),
])
def test_file_name_patterns_give_seq_and_name(stem, seq, name):
    got_seq, got_name = parse_file_name(stem)
    assert (math.isnan(got_seq) if seq is None else got_seq == seq) and got_name == name


def test_summary_is_any_name_containing_the_marker_and_other_formats_are_refused(tmp_path):
    for name in ("推荐汇总表.xlsx", "附件1-国家新兴产业发展示范基地创建对象推荐汇总表.docx", "附件1 推荐汇总表.xlsx"):
        assert classify(tmp_path / name).role == "summary", name
    assert [classify(tmp_path / n).role for n in ("01_某园区.xlsx", "附件2-某园区.docx", "3.某企业创建申请书.doc")] == ["form"] * 3
    (tmp_path / "说明.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "说明.txt").write_text("无", encoding="utf-8")
    for name in ("说明.pdf", "说明.txt"):
        c = classify(tmp_path / name)
        assert (c.role, c.reason) == ("unsupported", f"不支持的文件格式（{Path(name).suffix}），应为本项目的 xlsx 模板或 Word 申请书（.docx/.doc）")
    (tmp_path / "x.docx").write_bytes(b"x")  # named as Word, but not a Word document
    assert classify(tmp_path / "x.docx").reason == "不支持的文件格式（.docx，文件内容不是 Word 文档），应为本项目的 xlsx 模板或 Word 申请书（.docx/.doc）"


def test_unsupported_files_are_rejected_with_the_accepted_formats(raw):
    (_gd(raw) / "营业执照.pdf").write_bytes(b"%PDF-1.4 ...")
    (_gd(raw) / "说明.txt").write_text("见附件", encoding="utf-8")
    b = load_batch(raw, progress=False)
    assert b.rejected[["path", "scope", "reason"]].values.tolist() == [
        ["applications/广东省/营业执照.pdf", "file", "不支持的文件格式（.pdf），应为本项目的 xlsx 模板或 Word 申请书（.docx/.doc）"],
        ["applications/广东省/说明.txt", "file", "不支持的文件格式（.txt），应为本项目的 xlsx 模板或 Word 申请书（.docx/.doc）"],
    ]
    assert b.n_applicants == 3


def test_second_summary_of_a_folder_is_reported_and_one_is_read(raw):
    shutil.copy(_gd(raw) / "推荐汇总表.xlsx", _gd(raw) / "附件1 推荐汇总表.xlsx")
    b = load_batch(raw, progress=False)
    assert b.rejected[["path", "scope", "reason"]].values.tolist() == [
        ["applications/广东省/附件1 推荐汇总表.xlsx", "file",
         "文件夹中有多份推荐汇总表，采用「推荐汇总表.xlsx」，本文件未读取；请只保留一份推荐汇总表"]]
    assert b.summary.source_file.tolist()[:2] == ["applications/广东省/推荐汇总表.xlsx"] * 2
    # renamed, the annex name is found as the summary all the same
    (_gd(raw) / "推荐汇总表.xlsx").unlink()
    b = load_batch(raw, progress=False)
    assert b.rejected.empty and b.summary.source_file.tolist()[0] == "applications/广东省/附件1 推荐汇总表.xlsx"


# -- the plain-sheet summary --------------------------------------------------------------------------------------


def _plain_summary(path: Path) -> None:
    """Annex 1 as a province's own sheet: title, 推荐单位 line, header with full-width brackets
    and line breaks, two rows, a blank row, a pre-numbered empty row, a footnote."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws["A1"] = "国家新兴产业发展示范基地创建对象推荐汇总表"
    ws["A2"] = "推荐单位（盖章）：广东省工业和信息化厅"
    ws.append(["序 号", "申报单位\n名称", "园区/企业\n名称", "申报类别\n（园区/企业）", "申报创建\n领域"])
    ws.append([1, "深圳市南山区人民政府", GD[0], "园区", "人工智能"])
    ws.append([None, None, None, None, None])
    ws.append(["2", "ABC机器人（深圳）股份有限公司", GD[1], "企业", "智能机器人"])
    ws.append([3, None, None, None, None])
    ws.append(["注：申报类别填写园区或企业。"])
    wb.save(path)


def test_plain_sheet_summary_is_read_with_rows_and_places(tmp_path):
    path = tmp_path / "附件1 推荐汇总表.xlsx"
    _plain_summary(path)
    s = read_summary(path)
    assert s.ok and s.fmt == "sheet" and s.header == {"recommender": "广东省工业和信息化厅", "province": None}
    assert [(r["row"], r["seq"], r["name"], r["category"], r["domain"]) for r in s.rows] == [
        (4, 1.0, GD[0], "园区", "人工智能"), (6, "2", GD[1], "企业", "智能机器人")]
    assert s.rows[1]["places"] == {"seq": ("附件1", "A6"), "applicant_unit": ("附件1", "B6"), "name": ("附件1", "C6"),
                                   "category": ("附件1", "D6"), "domain": ("附件1", "E6")}


def test_plain_sheet_without_the_annex_header_is_not_read(tmp_path):
    path = tmp_path / "推荐汇总表.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "园区/企业名称", "申报类别"])
    wb.save(path)
    assert read_summary(path).reason == ("推荐汇总表的表头缺少“申报单位名称”、“申报创建领域”列，无法读取；"
                                        "表头应有“序号”、“申报单位名称”、“园区/企业名称”、“申报类别”、“申报创建领域”各列")


def test_batch_with_a_plain_sheet_summary_reconciles_as_the_template(raw):
    expected = load_batch(raw, progress=False)
    (_gd(raw) / "推荐汇总表.xlsx").unlink()
    _plain_summary(_gd(raw) / "附件1-国家新兴产业发展示范基地创建对象推荐汇总表.xlsx")
    b = load_batch(raw, progress=False)
    assert b.rejected.empty, b.rejected.reason.tolist()
    assert b.applicants.applicant_id.tolist() == expected.applicants.applicant_id.tolist()
    assert b.applicants.in_summary.all()
    gd = b.summary[b.summary.province == "广东省"]
    assert gd[["seq", "name", "row", "recommender"]].values.tolist() == [
        [1.0, GD[0], 4, "广东省工业和信息化厅"], [2.0, GD[1], 6, "广东省工业和信息化厅"]]
    # a summary issue is reported at the row's place (sheet and A1 cell of the plain sheet)
    wb = openpyxl.load_workbook(_gd(raw) / "附件1-国家新兴产业发展示范基地创建对象推荐汇总表.xlsx")
    wb["附件1"]["D6"] = "基地"
    wb.save(_gd(raw) / "附件1-国家新兴产业发展示范基地创建对象推荐汇总表.xlsx")
    rec = load_batch(raw, progress=False).rejected
    assert rec[["sheet", "cell", "field", "value", "reason"]].values.tolist() == [
        ["附件1", "D6", "category", "基地", "推荐汇总表第 6 行申报类别「基地」无法识别"]]


# -- matching forms to summary rows ---------------------------------------------------------------------------------


def test_forms_match_summary_rows_by_seq_in_the_name_or_by_name(raw):
    expected = load_batch(raw, progress=False).applicants.set_index("applicant_id")
    park, ent = _form(raw, "01_"), _form(raw, "02_")
    park.rename(park.with_name(f"附件2-{GD[0]}-创建申请书.xlsx"))  # no 序号: by name
    ent.rename(ent.with_name(f"2.{GD[1]}申请书.xlsx"))  # 序号 2 and the name
    b = load_batch(raw, progress=False)
    assert b.rejected.empty, b.rejected.reason.tolist()
    a = b.applicants.set_index("applicant_id")
    assert a.loc["P-GD-01", "source_file"] == f"applications/广东省/附件2-{GD[0]}-创建申请书.xlsx"
    assert a.loc["E-GD-01", "source_file"] == f"applications/广东省/2.{GD[1]}申请书.xlsx"
    assert a.in_summary.all() and a.loc["P-GD-01", "seq"] == 1.0  # the summary's 序号
    assert a.loc["P-GD-01", "total_revenue_2024"] == expected.loc["P-GD-01", "total_revenue_2024"]


def test_a_seq_that_contradicts_the_name_yields_to_the_name(raw):
    park = _form(raw, "01_")
    park.rename(park.with_name(f"02_{GD[0]}.xlsx"))  # 序号 2 is the enterprise's row; the name is the park's
    ent = _form(raw, "02_ABC")
    ent.rename(ent.with_name(f"01_{GD[1]}.xlsx"))
    b = load_batch(raw, progress=False)
    assert b.rejected.empty, b.rejected.reason.tolist()
    a = b.applicants.set_index("applicant_id")
    assert a.loc["P-GD-01", "name"] == GD[0] and a.loc["E-GD-01", "name"] == GD[1]


# -- 已读取 only about a file that was read ---------------------------------------------------------------------------


def test_already_read_is_never_said_of_a_rejected_file(raw):
    shutil.copy(_form(raw, "02_"), _gd(raw) / "07_额外企业有限公司.xlsx")
    wb = openpyxl.load_workbook(_gd(raw) / "07_额外企业有限公司.xlsx")
    ws = wb["申请书"]
    ws.cell(next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "name"), 3).value = "额外企业有限公司"
    wb.save(_gd(raw) / "07_额外企业有限公司.xlsx")
    (_gd(raw) / "08_损坏企业有限公司.xlsx").write_bytes(b"garbage")  # an orphan that cannot be read
    b = load_batch(raw, progress=False)
    rej = b.rejected
    assert _cells(rej[["path", "scope", "applicant_id"]]) == [
        ["applications/广东省/07_额外企业有限公司.xlsx", "reconcile", "E-GD-02"],
        ["applications/广东省/08_损坏企业有限公司.xlsx", "file", None],
    ]
    assert rej.reason.tolist() == ["推荐汇总表中没有该申请书对应的行；已读取，请核实是否为本省推荐对象",
                                   "文件损坏或不是 Excel（xlsx）文件，无法打开"]
    unread = set(rej.path[rej.scope == "file"])
    said_read = rej[rej.reason.str.contains("已读取")]
    assert len(said_read) == 1 and not set(said_read.path) & unread


def test_a_listed_form_that_cannot_be_read_gets_only_its_reason(raw):
    target = _form(raw, "02_")
    shutil.copy(target, target.with_name("02_改名企业.xlsx"))
    target.unlink()
    wb = openpyxl.load_workbook(target.with_name("02_改名企业.xlsx"))
    wb["_meta"]["B1"] = "2025.1"  # an old template: not read (its name is not looked at)
    wb.save(target.with_name("02_改名企业.xlsx"))
    b = load_batch(raw, progress=False)
    assert b.rejected[["path", "scope", "applicant_id", "reason"]].values.tolist() == [
        ["applications/广东省/02_改名企业.xlsx", "file", "E-GD-01", "模板版本 2025.1 不是当前版本 2026.1，请使用 2026.1 版模板重新填报"]]


# -- zero words in count fields --------------------------------------------------------------------------------------


def test_zero_words_are_zero_in_count_fields_and_missing_elsewhere(tmp_path):
    raw = pd.DataFrame(
        [
            ("E-GD-01", "invention_patents", "无"),  # count (件)
            ("E-GD-01", "std_national", "／"),  # count (个), full-width slash
            ("E-GD-01", "employees_2024", "—"),  # yearly, integer: true (人)
            ("P-GD-01", "above_scale_count_2023", "暂无"),  # yearly, integer: true (个)
            ("E-GD-01", "taxes_2025", "无"),  # money (亿元): missing
            ("E-GD-01", "total_revenue_2023", "—"),  # money: missing
        ],
        columns=["applicant_id", "field", "raw"],
    )
    write_raw(hand_batch(), tmp_path, raw_values=raw)
    b = load_batch(tmp_path, progress=False)
    a = b.applicants.set_index("applicant_id")
    assert a.loc["E-GD-01", "invention_patents"] == 0.0 and a.loc["E-GD-01", "std_national"] == 0.0
    assert a.loc["E-GD-01", "employees_2024"] == 0.0 and a.loc["P-GD-01", "above_scale_count_2023"] == 0.0
    assert np.isnan(a.loc["E-GD-01", "taxes_2025"]) and np.isnan(a.loc["E-GD-01", "total_revenue_2023"])
    log = {(r[0], r[1]): r[2:] for r in _cells(b.cleaning_log[["applicant_id", "field", "raw", "clean", "rule"]])}
    assert log[("E-GD-01", "invention_patents")] == ["无", "0.0", "zero_word"]
    assert log[("E-GD-01", "std_national")] == ["／", "0.0", "zero_word"]
    assert log[("E-GD-01", "employees_2024")] == ["—", "0.0", "zero_word"]
    assert log[("P-GD-01", "above_scale_count_2023")] == ["暂无", "0.0", "zero_word"]
    assert log[("E-GD-01", "taxes_2025")] == ["无", None, "missing_token"]
    assert log[("E-GD-01", "total_revenue_2023")] == ["—", None, "missing_token"]
    assert b.rejected.empty


# -- sniffing, the safe opener, A1 cells ------------------------------------------------------------------------------


def _cfb(word_stream: bool, encrypted: bool = False) -> bytes:
    """A minimal CFB container: header, one directory sector, a WordDocument stream of 4096 bytes."""
    header = bytearray(512)
    header[:8] = OLE2_SIGNATURE
    struct.pack_into("<HH", header, 26, 3, 0xFFFE)
    struct.pack_into("<H", header, 30, 9)  # 512-byte sectors
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    directory = bytearray(512)
    name = ("WordDocument" if word_stream else "Workbook").encode("utf-16-le") + b"\0\0"
    entry = 128
    directory[entry:entry + len(name)] = name
    struct.pack_into("<H", directory, entry + 64, len(name))
    directory[entry + 66] = 2
    struct.pack_into("<II", directory, entry + 116, 1, 4096)  # starts at sector 1
    stream = bytearray(4096)
    struct.pack_into("<HH", stream, 0, 0xA5EC, 0xC1)
    struct.pack_into("<H", stream, 10, 0x0100 if encrypted else 0)
    return bytes(header + directory + stream)


def test_sniffing_tells_formats_by_content(tmp_path):
    for part, kind in (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("other.xml", "zip")):
        p = tmp_path / f"{kind}.bin"
        with zipfile.ZipFile(p, "w") as z:
            z.writestr(part, "<x/>")
        assert sniff_format(p) == kind
    cases = {"legacy.doc": _cfb(True), "locked.doc": _cfb(True, encrypted=True), "legacy.xls": _cfb(False),
             "agile.xlsx": OLE2_SIGNATURE + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64,
             "rich.doc": b"{\\rtf1\\ansi hello}", "text.txt": "无".encode(), "broken.xlsx": b"PK\x03\x04" + b"\0" * 40}
    for name, body in cases.items():
        (tmp_path / name).write_bytes(body)
    assert {n: sniff_format(tmp_path / n) for n in cases} == {
        "legacy.doc": "doc", "locked.doc": "encrypted", "legacy.xls": "ole", "agile.xlsx": "encrypted",
        "rich.doc": "rtf", "text.txt": None, "broken.xlsx": "zip"}
    # the content decides: a Word document is a Word form whatever its name says
    assert (classify(tmp_path / "docx.bin").role, classify(tmp_path / "docx.bin").fmt) == ("form", "docx")
    assert classify(tmp_path / "zip.bin").role == "unsupported"
    shutil.copy(tmp_path / "docx.bin", tmp_path / "01_某园区.xlsx")
    assert (classify(tmp_path / "01_某园区.xlsx").role, classify(tmp_path / "01_某园区.xlsx").fmt) == ("form", "docx")


def test_open_workbook_tells_the_check_from_the_parse(tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    assert open_workbook(tmp_path / "empty.xlsx") == (None, "文件为空（0 字节）", "check")
    book, reason, stage = open_workbook(tmp_path / "broken.xlsx")
    assert (book, stage) == (None, "open") and reason.startswith("文件已损坏") and "Error" not in reason
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "ok.xlsx")
    book, reason, stage = open_workbook(tmp_path / "ok.xlsx")
    assert reason is None and stage is None and book.sheet_names == ["Sheet"]


@pytest.mark.parametrize("rc, ref", [((0, 0), "A1"), ((4, 2), "C5"), ((9, 25), "Z10"), ((0, 26), "AA1"), ((99, 701), "ZZ100"), ((0, 702), "AAA1")])
def test_a1_cells_both_ways(rc, ref):
    from xlsxwriter.utility import xl_rowcol_to_cell

    assert _cell_ref(*rc) == ref == xl_rowcol_to_cell(*rc) and _parse_ref(ref) == rc


# -- the registry ----------------------------------------------------------------------------------------------------


def test_a_missing_word_reader_never_breaks_the_xlsx_path(raw, monkeypatch):
    from nebase_analysis.intake import readers

    monkeypatch.setitem(readers.FORM_MODULES, "docx", "nebase_analysis.intake.readers._no_such_reader")
    with zipfile.ZipFile(_gd(raw) / "09_某企业.docx", "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    b = load_batch(raw, progress=False)
    assert b.n_applicants == 3
    assert b.rejected[["path", "scope", "reason"]].values.tolist() == [
        ["applications/广东省/09_某企业.docx", "file", "暂不能读取Word（.docx）格式的文件（读取程序不可用），未读取；请改用 xlsx 模板填报后重新报送"]]


def test_no_function_in_intake_is_over_80_lines_and_load_batch_under_60():
    root = Path(__file__).parent.parent / "nebase_analysis" / "intake"
    mine = ["__init__.py", "files.py", "discovery.py", "reconcile.py", "clean.py", "cli.py",
            "readers/__init__.py", "readers/xlsx.py", "readers/sheet_summary.py"]
    lengths = {}
    for rel in mine:
        for node in ast.walk(ast.parse((root / rel).read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lengths[f"{rel}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert max(lengths.values()) <= 80, sorted(lengths.items(), key=lambda kv: -kv[1])[:3]
    assert lengths["__init__.py:load_batch"] < 60
