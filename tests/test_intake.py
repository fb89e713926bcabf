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
    assert {"employees_2023", "gross_margin_2023"} <= set(moved.field)
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
