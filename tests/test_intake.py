"""Intake: bad input (each case rejected with a Chinese reason, the rest read), reconciliation, ids, CLI."""
import hashlib
import io
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nebase_analysis.intake import OLE2_SIGNATURE, inspect_file, load_batch, make_applicant_id
from nebase_analysis.templates import write_form_workbook, write_raw, write_summary_workbook

from test_roundtrip import hand_batch


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


def _wb(raw: Path, aid: str) -> Path:
    names = {"P-GD-01": "广东省/01_", "E-GD-01": "广东省/02_", "E-XZ-01": "西藏自治区/01_"}
    folder, prefix = names[aid].split("/")
    return next((raw / "applications" / folder).glob(prefix + "*.xlsx"))


def _rej(batch, scope=None):
    r = batch.rejected
    return r if scope is None else r[r.scope == scope]


def assert_summary_accounted(batch):
    """Every applicant of the summaries ends in applicants or in rejected (file/row)."""
    listed = set(batch.summary.applicant_id)
    read = set(batch.applicants.applicant_id)
    not_taken = set(batch.rejected[batch.rejected.scope.isin(["file", "row"])].applicant_id.dropna())
    assert listed <= read | not_taken
    assert len(batch.summary) == len(read & listed) + len(not_taken & listed)


def _file_rejected(batch, path: Path, needle: str):
    rows = _rej(batch, "file")
    hit = rows[rows.path.str.endswith(path.name)]
    assert len(hit) == 1, rows.to_dict("records")
    assert needle in hit.reason.item(), hit.reason.item()
    return hit.iloc[0]


def test_clean_folder_reads_everything(raw):
    b = load_batch(raw, progress=False)
    assert b.rejected.empty and b.n_applicants == 3
    assert_summary_accounted(b)
    # the applications folder itself is accepted too, with the same result
    b2 = load_batch(raw / "applications", progress=False)
    assert b2.applicants.applicant_id.tolist() == b.applicants.applicant_id.tolist()


@pytest.mark.parametrize(
    "damage, needle",
    [
        (lambda p: p.write_bytes(b"this is not a spreadsheet at all"), "损坏"),
        (lambda p: p.write_bytes(p.read_bytes()[:2000]), "损坏"),
        (lambda p: p.write_bytes(OLE2_SIGNATURE + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 4000), "密码"),
        (lambda p: p.write_bytes(OLE2_SIGNATURE + b"\x00" * 4096), ".xls"),
        (lambda p: p.write_bytes(b""), "为空"),
    ],
    ids=["garbage", "truncated", "password", "legacy-xls", "zero-bytes"],
)
def test_unreadable_files_are_rejected_and_the_rest_is_read(raw, damage, needle):
    target = _wb(raw, "E-GD-01")
    damage(target)
    b = load_batch(raw, progress=False)
    row = _file_rejected(b, target, needle)
    assert row.applicant_id == "E-GD-01"
    assert set(b.applicants.applicant_id) == {"P-GD-01", "E-XZ-01"}
    assert_summary_accounted(b)


def test_really_password_protected_workbook_is_rejected(raw):
    """A workbook encrypted with a password by Excel's own scheme (ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    target = _wb(raw, "E-GD-01")
    plain = target.read_bytes()
    with io.BytesIO(plain) as src, target.open("wb") as dst:
        OOXMLFile(src).encrypt("口令123", dst)
    assert target.read_bytes()[:8] == OLE2_SIGNATURE
    b = load_batch(raw, progress=False)
    row = _file_rejected(b, target, "密码")
    assert row.applicant_id == "E-GD-01"
    assert set(b.applicants.applicant_id) == {"P-GD-01", "E-XZ-01"}
    assert_summary_accounted(b)


def test_fifty_megabyte_file_is_rejected_before_parsing(raw):
    target = _wb(raw, "P-GD-01")
    with target.open("r+b") as fh:  # sparse padding: cheap on disk, 50 MB to stat()
        fh.truncate(50 * 1024 * 1024)
    assert "过大" in inspect_file(target)
    b = load_batch(raw, progress=False)
    row = _file_rejected(b, target, "文件过大（50.0 MB，上限 20 MB）")
    assert row.applicant_id == "P-GD-01" and b.n_applicants == 2


def test_another_template_and_empty_workbooks(raw, tmp_path):
    a, b_, c = _wb(raw, "P-GD-01"), _wb(raw, "E-GD-01"), _wb(raw, "E-XZ-01")
    write_summary_workbook(a)  # the summary template where a form is expected
    wb = openpyxl.Workbook()
    wb.active["A1"] = "某省自制汇总表"
    wb.save(b_)  # somebody else's workbook
    openpyxl.Workbook().save(c)  # an empty workbook
    b = load_batch(raw, progress=False)
    _file_rejected(b, a, "模板类型不符")
    _file_rejected(b, b_, "不是本项目的填报模板")
    _file_rejected(b, c, "工作簿为空")
    assert b.n_applicants == 0
    assert_summary_accounted(b)


def test_empty_template_is_rejected(raw):
    target = _wb(raw, "E-XZ-01")
    write_form_workbook(target, "enterprise")
    b = load_batch(raw, progress=False)
    _file_rejected(b, target, "未填写任何内容")


def test_old_template_version_and_missing_sheet(raw):
    old, nosheet = _wb(raw, "E-GD-01"), _wb(raw, "P-GD-01")
    wb = openpyxl.load_workbook(old)
    wb["_meta"]["B1"] = "2025.1"
    wb.save(old)
    wb = openpyxl.load_workbook(nosheet)
    del wb["文字材料"]
    wb.save(nosheet)
    b = load_batch(raw, progress=False)
    _file_rejected(b, old, "模板版本 2025.1 不是当前版本 2026.1")
    _file_rejected(b, nosheet, "缺少工作表「文字材料」")
    assert b.applicants.applicant_id.tolist() == ["E-XZ-01"]


def _row(ws, rid):
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == rid)


def test_merged_moved_and_formula_cells_lose_only_those_values(raw):
    target = _wb(raw, "E-GD-01")
    expected = load_batch(raw, progress=False).applicants.set_index("applicant_id").loc["E-GD-01"]
    wb = openpyxl.load_workbook(target)
    ws = wb["申请书"]
    r_rev, r_tax, r_emp = _row(ws, "total_revenue"), _row(ws, "taxes"), _row(ws, "employees")
    ws.merge_cells(start_row=r_rev, start_column=3, end_row=r_rev, end_column=6)  # merged C:F
    ws.cell(r_tax, 5).value = f"=C{r_tax}*1.1"  # a formula in taxes 2025
    # the labels of two rows swapped (cells moved while the hidden ids stayed)
    r_gm = _row(ws, "gross_margin")
    ws.cell(r_emp, 2).value, ws.cell(r_gm, 2).value = ws.cell(r_gm, 2).value, ws.cell(r_emp, 2).value
    ws.cell(r_tax, 8).value = 99  # a stray value right of the form
    wb.save(target)
    b = load_batch(raw, progress=False)
    a = b.applicants.set_index("applicant_id").loc["E-GD-01"]
    f = _rej(b, "field")
    f = f[f.applicant_id == "E-GD-01"]
    merged = f[f.field.str.startswith("total_revenue_", na=False) & f.reason.str.contains("合并单元格")]
    assert sorted(merged.field) == sorted(["total_revenue_2023", "total_revenue_2024", "total_revenue_2025", "total_revenue_avg"])
    assert a[["total_revenue_2023", "total_revenue_2024", "total_revenue_2025", "total_revenue_avg"]].isna().all()
    formula = f[f.reason.str.contains("公式")]
    assert formula.field.tolist() == ["taxes_2025"] and formula.cell.tolist() == [f"E{r_tax}"] and "=C" in formula.reason.item()
    assert np.isnan(a.taxes_2025) and a.taxes_2024 == expected.taxes_2024
    moved = f[f.reason.str.contains("单元格被移动或改动")]
    # one row per altered row (not one per year), naming the values it costs
    assert sorted(moved.field) == ["employees", "gross_margin"]
    assert moved.cell.tolist() == sorted([f"B{r_emp}", f"B{r_gm}"], key=lambda c: int(c[1:]))
    assert all("该行 4 项（2023年、2024年、2025年、近三年平均值）均未读取" in r for r in moved.reason)
    assert np.isnan(a.employees_2024) and np.isnan(a.gross_margin_2024)
    stray = f[f.reason.str.contains("填报区域之外")]
    assert stray.cell.tolist() == [f"H{r_tax}"]
    # untouched values survive
    assert a.domain_revenue_2024 == expected.domain_revenue_2024 and a["name"] == expected["name"]
    assert_summary_accounted(b)


def test_reconcile_workbook_without_row_and_row_without_workbook(raw):
    gd = raw / "applications" / "广东省"
    removed = _wb(raw, "E-GD-01")
    extra = gd / "07_额外企业有限公司.xlsx"
    shutil.copy(removed, extra)
    wb = openpyxl.load_workbook(extra)
    ws = wb["申请书"]
    ws.cell(_row(ws, "name"), 3).value = "额外企业有限公司"
    wb.save(extra)
    removed.unlink()
    b = load_batch(raw, progress=False)
    row = _rej(b, "row")
    assert len(row) == 1 and row.applicant_id.item() == "E-GD-01" and "没有对应的申请书文件" in row.reason.item()
    rec = _rej(b, "reconcile")
    orphan = rec[rec.path.str.endswith(extra.name)]
    assert "推荐汇总表中没有" in orphan.reason.item()
    # the orphan is read, numbered after the listed enterprises, and flagged
    a = b.applicants.set_index("applicant_id")
    assert orphan.applicant_id.item() == "E-GD-02" and a.loc["E-GD-02", "name"] == "额外企业有限公司"
    assert not a.loc["E-GD-02", "in_summary"] and a.loc["P-GD-01", "in_summary"]
    assert_summary_accounted(b)


def test_province_alias_folder_and_disagreeing_recommender(raw):
    apps = raw / "applications"
    (apps / "广东省").rename(apps / "粤")
    summary = apps / "粤" / "推荐汇总表.xlsx"
    wb = openpyxl.load_workbook(summary)
    ws = wb["推荐汇总表"]
    ws["C2"] = "江苏省工业和信息化厅"
    wb.save(summary)
    b = load_batch(raw, progress=False)
    a = b.applicants.set_index("applicant_id")
    assert a.loc["E-GD-01", "province"] == "广东省" and a.loc["P-GD-01", "province"] == "广东省"
    rec = _rej(b, "reconcile")
    assert rec[rec.field == "province"].reason.str.contains("江苏省").any()
    assert ((b.cleaning_log.rule == "province_alias") & (b.cleaning_log.raw == "粤")).any()


def test_stray_files_are_reported(raw):
    (raw / "applications" / "广东省" / "说明.docx").write_bytes(b"x")
    (raw / "applications" / "广东省" / "~$02_lock.xlsx").write_bytes(b"x")
    b = load_batch(raw, progress=False)
    reasons = _rej(b, "file").reason.tolist()
    assert any("不支持的文件格式" in r for r in reasons) and any("临时文件" in r for r in reasons)
    assert b.n_applicants == 3


def test_ids_rule_and_stability(raw):
    assert make_applicant_id("park", "广东省", 1) == "P-GD-01"
    assert make_applicant_id("enterprise", "新疆生产建设兵团", 12) == "E-BT-12"
    one = load_batch(raw, progress=False)
    two = load_batch(raw, progress=False)
    assert one.applicants.applicant_id.tolist() == two.applicants.applicant_id.tolist()
    assert one.summary[["seq", "applicant_id"]].values.tolist() == [[1.0, "P-GD-01"], [2.0, "E-GD-01"], [1.0, "E-XZ-01"]]


def test_raw_files_are_never_modified(raw):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.rglob("*.xlsx")}
    load_batch(raw, progress=False)
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.rglob("*.xlsx")}


def test_missing_folder_gives_a_chinese_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="申报材料目录不存在"):
        load_batch(tmp_path / "nope", progress=False)


def test_cli_ingest_writes_parquet_and_a_chinese_summary(raw, tmp_path, capsys):
    from nebase_analysis.batch import Batch
    from nebase_analysis.cli import main

    _wb(raw, "E-XZ-01").write_bytes(b"garbage")
    out = tmp_path / "processed"
    assert main(["ingest", str(raw), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "读取申报对象 2 个（园区 1 个，企业 1 个）" in text
    assert "广东省：园区 1，企业 1" in text and "未读取的文件：1 项" in text and "损坏" in text
    back = Batch.from_parquet(out)
    assert back.n_applicants == 2 and len(back.rejected) == 1
    # a data/input error: exit code 1 (2 is reserved for argparse usage errors) and a Chinese message
    assert main(["ingest", str(tmp_path / "nope"), "--out", str(out)]) == 1
    assert f"申报材料目录不存在：{tmp_path / 'nope'}" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["ingest", str(raw)])  # --out missing
    assert usage.value.code == 2


def test_cli_ingest_empty_folder_is_an_error_naming_the_folder(tmp_path, capsys):
    from nebase_analysis.cli import main

    raw = tmp_path / "raw"
    (raw / "applications").mkdir(parents=True)
    out = tmp_path / "processed"
    assert main(["ingest", str(raw), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "没有找到省份文件夹" in err and str(raw / "applications") in err
    assert "Traceback" not in err and not out.exists()
    # province folders present but no workbook in them
    (raw / "applications" / "广东省").mkdir()
    (raw / "applications" / "广东省" / "说明.txt").write_text("无", encoding="utf-8")
    assert main(["ingest", str(raw), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "1 个省份文件夹中没有找到 xlsx 申请书" in err and not out.exists()


# -- review fixes: folders, copies, summary 序号, damaged files, missing rows, approximate numbers ---------------


def _files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder.parent.parent).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("second", ["广东省（补报）", "广东", "第二批"])  # 第二批: the province from its summary
def test_second_folder_of_a_province_is_reported_not_merged(raw, second):
    apps = raw / "applications"
    shutil.copytree(apps / "广东省", apps / second)
    b = load_batch(raw, progress=False)
    # ids stay unique: the applicants come from 广东省/ only ("广东" sorts first, but the
    # folder named exactly as the province is the one read)
    assert sorted(b.applicants.applicant_id) == ["E-GD-01", "E-XZ-01", "P-GD-01"]
    assert b.applicants.source_file[b.applicants.province == "广东省"].str.startswith("applications/广东省/").all()
    # every file of the second folder is listed, with both folders named, nothing else rejected
    rej = _rej(b)
    assert rej.path.tolist() == _files_of(apps / second) and len(rej) == 3
    assert (rej.scope == "file").all() and rej.applicant_id.isna().all()
    assert set(rej.reason) == {f"省份文件夹「{second}」与「广东省」指向同一省份（广东省），未读取；请合并为一个文件夹后重新报送"}
    assert not (b.cleaning_log.rule == "province_alias").any()
    assert_summary_accounted(b)


def test_workbooks_in_a_subfolder_are_reported(raw):
    gd = raw / "applications" / "广东省"
    (gd / "补充材料" / "二批").mkdir(parents=True)
    shutil.copy(_wb(raw, "E-GD-01"), gd / "补充材料" / "12_补充企业.xlsx")
    (gd / "补充材料" / "二批" / "营业执照.pdf").write_bytes(b"%PDF")
    b = load_batch(raw, progress=False)
    assert b.n_applicants == 3
    rej = _rej(b)
    assert rej[["path", "scope", "reason"]].values.tolist() == [
        ["applications/广东省/补充材料/12_补充企业.xlsx", "file", "位于子文件夹「补充材料」中，未读取；申请书应直接放在省份文件夹内"],
        ["applications/广东省/补充材料/二批/营业执照.pdf", "file", "位于子文件夹「补充材料/二批」中，未读取；申请书应直接放在省份文件夹内"],
    ]


@pytest.mark.parametrize("edited", [False, True], ids=["identical", "edited-copy"])
def test_copy_of_a_workbook_is_rejected_and_the_genuine_one_kept(raw, edited):
    genuine = _wb(raw, "E-GD-01")
    expected = load_batch(raw, progress=False).applicants.set_index("applicant_id").loc["E-GD-01"]
    copy = genuine.with_name(genuine.stem + " - 副本.xlsx")
    shutil.copy(genuine, copy)
    assert sorted(p.name for p in genuine.parent.glob("02_*"))[0] == copy.name  # the copy sorts first
    if edited:
        wb = openpyxl.load_workbook(copy)
        ws = wb["申请书"]
        ws.cell(_row(ws, "total_revenue"), 4).value = 999
        wb.save(copy)
    b = load_batch(raw, progress=False)
    why = "序号 2、名称「ABC机器人（深圳）股份有限公司」相同，但内容不同；请核实应报送哪一份" if edited else "文件内容完全相同"
    assert _rej(b)[["path", "scope", "reason"]].values.tolist() == [
        [f"applications/广东省/{copy.name}", "file", f"与「{genuine.name}」重复（{why}），未读取；请删除多余的文件后重新报送"]]
    a = b.applicants.set_index("applicant_id")
    assert sorted(a.index) == ["E-GD-01", "E-XZ-01", "P-GD-01"]
    assert a.loc["E-GD-01", "source_file"] == f"applications/广东省/{genuine.name}" and a.loc["E-GD-01", "in_summary"]
    assert a.loc["E-GD-01", "total_revenue_2024"] == expected.total_revenue_2024 != 999
    assert_summary_accounted(b)


def test_identical_copy_under_another_number_is_rejected_too(raw):
    genuine = _wb(raw, "P-GD-01")
    shutil.copy(genuine, genuine.with_name("09_另一个文件名.xlsx"))
    b = load_batch(raw, progress=False)
    assert _rej(b).reason.tolist() == [f"与「{genuine.name}」重复（文件内容完全相同），未读取；请删除多余的文件后重新报送"]
    assert b.n_applicants == 3


def test_same_number_for_two_different_workbooks_is_named_in_the_orphan_message(raw):
    gd = raw / "applications" / "广东省"
    extra = gd / "02_额外企业有限公司.xlsx"
    shutil.copy(_wb(raw, "E-GD-01"), extra)
    wb = openpyxl.load_workbook(extra)
    ws = wb["申请书"]
    ws.cell(_row(ws, "name"), 3).value = "额外企业有限公司"
    wb.save(extra)
    b = load_batch(raw, progress=False)
    rec = _rej(b, "reconcile")
    assert rec.reason.tolist() == ["推荐汇总表中没有该申请书对应的行（文件名中的序号 2 与「02_ABC机器人（深圳）股份有限公司.xlsx」相同）；"
                                   "已读取，请核实是否为本省推荐对象"]
    assert rec.applicant_id.tolist() == ["E-GD-02"] and b.n_applicants == 4


def test_repeated_and_blank_numbers_in_the_summary_are_reported(raw):
    summary = raw / "applications" / "广东省" / "推荐汇总表.xlsx"
    wb = openpyxl.load_workbook(summary)
    ws = wb["推荐汇总表"]
    assert (ws["B6"].value, ws["B7"].value) == (1, 2)
    ws["B7"] = 1
    wb.save(summary)
    b = load_batch(raw, progress=False)
    rec = _rej(b, "reconcile")
    assert rec[["path", "sheet", "cell", "field"]].values.tolist() == [["applications/广东省/推荐汇总表.xlsx", "推荐汇总表", "B7", "seq"]]
    assert rec.reason.item() == ("推荐汇总表序号 1 重复出现 2 次（第 6、7 行：B6「深圳（南山）人工智能产业园」、"
                                 "B7「ABC机器人（深圳）股份有限公司」）；请为每个推荐对象填写不同的序号")
    # both rows still find their workbook (by name), ids unchanged
    assert sorted(b.applicants.applicant_id) == ["E-GD-01", "E-XZ-01", "P-GD-01"]
    ws["B7"] = None
    wb.save(summary)
    rec = _rej(load_batch(raw, progress=False), "reconcile")
    assert rec[["cell", "reason"]].values.tolist() == [["B7", "推荐汇总表第 7 行序号为空，无法按序号与申请书核对；请填写序号"]]


def _rezip(src: Path, part: str, data: bytes) -> None:
    import zipfile

    body = src.read_bytes()
    with zipfile.ZipFile(io.BytesIO(body)) as zi, zipfile.ZipFile(src, "w") as zo:
        for item in zi.infolist():
            zo.writestr(item, data if item.filename == part else zi.read(item.filename))


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:2000]), "文件已损坏（压缩结构不完整），无法打开；请用 Excel 打开后另存为 xlsx 再报送"),
        (lambda p: _rezip(p, "xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row><c r='A1'><v>1</row>"),
         "文件已损坏（工作表内容无法解析），无法打开；请用 Excel 打开后另存为 xlsx 再报送"),
    ],
    ids=["truncated-zip", "broken-sheet-xml"],
)
def test_damaged_files_are_explained_in_chinese_only(raw, damage, reason):
    target = _wb(raw, "E-GD-01")
    damage(target)
    b = load_batch(raw, progress=False)  # a broken sheet XML used to stop the whole batch
    row = _file_rejected(b, target, reason)
    assert row.reason == reason and row.applicant_id == "E-GD-01" and b.n_applicants == 2


def test_missing_row_is_one_message_naming_what_it_costs(raw):
    target = _wb(raw, "E-GD-01")
    wb = openpyxl.load_workbook(target)
    ws = wb["申请书"]
    r_tax, r_prod = _row(ws, "taxes"), _row(ws, "top_products.1")
    ws.delete_rows(r_prod)  # the lower one first: r_tax keeps its meaning
    ws.delete_rows(r_tax)
    wb.save(target)
    b = load_batch(raw, progress=False)
    f = _rej(b, "field")
    assert f[["field", "cell", "sheet"]].values.tolist() == [["taxes", None, "申请书"], ["top_products.1", None, "申请书"]]
    assert f.reason.tolist() == [
        f"找不到「税金总额（亿元）」一行（模板中位于第 {r_tax} 行，A 列字段标识「taxes」；行被删除、移动或字段标识被改动），"
        "该行 4 项（2023年、2024年、2025年、近三年平均值）均未读取",
        f"找不到「重点领域主导产品情况（2025 年销售收入占总营收前五位的产品）第 1 行」一行（模板中位于第 {r_prod} 行，A 列字段标识「top_products.1」；"
        "行被删除、移动或字段标识被改动），该行 3 项（产品名称、销售收入（亿元）、国内市场占有率（%））均未读取",
    ]
    a = b.applicants.set_index("applicant_id").loc["E-GD-01"]
    assert a[["taxes_2023", "taxes_2024", "taxes_2025", "taxes_avg"]].isna().all() and not np.isnan(a.total_revenue_2024)
    # hand_batch lists products 1-5 for E-GD-01: the deleted first row only is lost
    tp = b.top_products[b.top_products.applicant_id == "E-GD-01"]
    assert tp["rank"].tolist() == [2, 3, 4, 5] and tp["product"].tolist() == ["产品2", "产品3", "产品4", "产品5"]


@pytest.mark.parametrize("policy", ["flag", "refuse"])
def test_approximate_numbers_are_reported_and_space_split_ones_refused(raw, policy):
    target = _wb(raw, "E-GD-01")
    wb = openpyxl.load_workbook(target)
    ws = wb["申请书"]
    r = _row(ws, "total_revenue")
    ws.cell(r, 3).value, ws.cell(r, 4).value, ws.cell(r, 5).value = "约30亿左右", "30 40", "1 234"
    wb.save(target)
    b = load_batch(raw, {"intake": {"approximate_numbers": policy}}, progress=False)
    rej = _rej(b)
    assert rej[["field", "cell", "sheet", "applicant_id", "value"]].values.tolist() == [
        ["total_revenue_2023", f"C{r}", "申请书", "E-GD-01", "约30亿左右"], ["total_revenue_2024", f"D{r}", "申请书", "E-GD-01", "30 40"]]
    approx, spaced = rej.iloc[0], rej.iloc[1]
    assert (spaced.scope, spaced.reason) == (
        "field", "「总营业收入（亿元）」的值「30 40」中数字之间有空格，无法确定是一个数还是几个数，按缺失处理；请删除空格后填写一个确切数值")
    a = b.applicants.set_index("applicant_id").loc["E-GD-01"]
    assert np.isnan(a.total_revenue_2024) and a.total_revenue_2025 == 1234.0
    if policy == "flag":  # read as 30, and reported: never silently an exact figure
        assert (approx.scope, approx.reason) == (
            "reconcile", "「总营业收入（亿元）」的值「约30亿左右」含“约”“左右”等约数用语，已按约数 30 读取；请核实并填写确切数值")
        assert a.total_revenue_2023 == 30.0
    else:
        assert (approx.scope, approx.reason) == (
            "field", "「总营业收入（亿元）」的值「约30亿左右」含“约”“左右”等约数用语，不能作为确切数值，按缺失处理；请填写确切数值")
        assert np.isnan(a.total_revenue_2023)
    log = b.cleaning_log[b.cleaning_log.applicant_id == "E-GD-01"].set_index("field")
    assert log.loc["total_revenue_2025", ["raw", "clean", "rule"]].tolist() == ["1 234", "1234.0", "thousands_separator"]
    assert ("total_revenue_2023" in log.index) == (policy == "flag")


def test_cli_ingest_refuses_a_bad_approximate_numbers_setting_without_a_traceback(raw, tmp_path, capsys):
    from nebase_analysis.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("intake:\n  approximate_numbers: refused\n", encoding="utf-8")
    out = tmp_path / "processed"
    assert main(["ingest", str(raw), "--out", str(out), "--quiet", "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "nebase ingest：配置项 intake.approximate_numbers 应为 flag 或 refuse，而不是「refused」"
    assert "Traceback" not in err and not out.exists()


# -- the value as typed, in rejected ----------------------------------------------------------------------------


def test_rejected_value_is_the_text_as_typed(raw):
    target = _wb(raw, "E-GD-01")
    wb = openpyxl.load_workbook(target)
    ws = wb["申请书"]
    r, rt = _row(ws, "total_revenue"), _row(ws, "taxes")
    ws.cell(r, 3).value, ws.cell(r, 4).value, ws.cell(r, 5).value = "约30亿左右", "30 40", "abc"
    ws.cell(rt, 5).value, ws.cell(rt, 8).value = f"=C{rt}*1.1", 99  # a formula, a stray number
    ws.cell(_row(ws, "province"), 3).value = "江苏"
    ws.cell(_row(ws, "domain"), 3).value = "储能"  # 新型储能制造, the summary says 智能机器人
    wb.save(target)
    summary = raw / "applications" / "广东省" / "推荐汇总表.xlsx"
    wb = openpyxl.load_workbook(summary)
    ws = wb["推荐汇总表"]
    ws["C2"] = "江苏省工业和信息化厅"
    ws["B7"], ws["E6"], ws["F6"] = 1, "基地", "纺织"
    wb.save(summary)
    _wb(raw, "E-XZ-01").write_bytes(b"garbage")
    b = load_batch(raw, progress=False)
    got = b.rejected[["path", "cell", "field", "scope", "value"]].astype(object).where(b.rejected.notna(), None)
    gd, wbk = "applications/广东省/推荐汇总表.xlsx", f"applications/广东省/{target.name}"
    assert got.values.tolist() == [
        [gd, None, "province", "reconcile", "江苏省工业和信息化厅"],
        [gd, "B7", "seq", "reconcile", "1"],  # the second of the two 序号 1, as typed (a number cell)
        [gd, "E6", "category", "reconcile", "基地"],
        [gd, "F6", "domain", "reconcile", "纺织"],
        [wbk, f"E{rt}", "taxes_2025", "field", f"=C{rt}*1.1"],
        [wbk, f"H{rt}", "taxes_2023", "field", "99"],
        [wbk, f"C{r}", "total_revenue_2023", "reconcile", "约30亿左右"],
        [wbk, f"D{r}", "total_revenue_2024", "field", "30 40"],
        [wbk, f"E{r}", "total_revenue_2025", "field", "abc"],
        [wbk, None, "domain", "reconcile", "储能"],  # as typed on the cover (the reason names 新型储能制造)
        [wbk, None, "province", "reconcile", "江苏"],
        [f"applications/西藏自治区/{_wb(raw, 'E-XZ-01').name}", None, None, "file", None],
    ], got.values.tolist()
    # the stray number is quoted as typed in the reason too (not 99.0)
    assert b.rejected.reason[got.field == "taxes_2023"].item() == f"单元格 H{rt} 在填报区域之外有内容「99」（单元格被移动？），未读取"
    # every reason quoting a cell's value has it in value: validation needs no pattern over the reason
    quoting = b.rejected.reason.str.contains("的值「|含公式 |内容「", regex=True)
    assert quoting.sum() == 5 and b.rejected.value[quoting].notna().all()


def test_old_rejected_parquet_without_value_is_read_with_an_empty_value(raw, tmp_path):
    from nebase_analysis.batch import TABLE_COLUMNS, Batch

    _wb(raw, "E-XZ-01").write_bytes(b"garbage")
    b = load_batch(raw, progress=False)
    assert list(b.rejected.columns) == TABLE_COLUMNS["rejected"] == [
        "path", "sheet", "cell", "field", "applicant_id", "scope", "value", "reason"]
    b.to_parquet(tmp_path / "new")
    def cells(frame):
        return frame.astype(object).where(frame.notna(), None).values.tolist()

    assert cells(Batch.from_parquet(tmp_path / "new").rejected) == cells(b.rejected)
    b.rejected = b.rejected.drop(columns="value")  # as written before the column existed
    b.to_parquet(tmp_path / "old")
    back = Batch.from_parquet(tmp_path / "old").rejected
    assert list(back.columns) == TABLE_COLUMNS["rejected"]
    assert back.value.tolist() == [None] and cells(back.drop(columns="value")) == cells(b.rejected)
