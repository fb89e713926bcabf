"""`nebase validate` end to end: a small processed batch with planted faults, the --truth
printout in Chinese, the Parquet issues, Data Docs, correction workbooks and exit codes."""
from __future__ import annotations

import contextlib
import dataclasses
import io

import numpy as np
import pandas as pd
import pytest

from nebase_analysis.batch import Batch
from nebase_analysis.cli import main
from nebase_analysis.validation.truth import format_scores, score

KINDS = ["growth_mismatch", "unit_slip", "share_over_100", "part_exceeds_whole", "bad_check_digit", "text_too_long"]


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """One faulty applicant per applicant-level fault kind, written as a processed batch plus faults.csv."""
    from nebase_analysis import synth

    s = synth.generate(seed=5, fault_rate=0.3)
    truth = s.truth[s.truth.kind.isin(KINDS)]
    ids = set(truth.groupby("kind").applicant_id.first())
    truth = truth[truth.applicant_id.isin(ids)]
    b = s.batch
    tables = {f.name: getattr(b, f.name) for f in dataclasses.fields(b)}
    sub = Batch(**{name: (t[t.applicant_id.isin(ids)] if "applicant_id" in t.columns else t.iloc[:0]).reset_index(drop=True)
                   for name, t in tables.items()})
    root = tmp_path_factory.mktemp("validate_cli")
    sub.to_parquet(root / "processed")
    truth.to_csv(root / "faults.csv", index=False)
    return root, sub, truth


def test_validate_cli_end_to_end(processed, capsys):
    root, batch, truth = processed
    rc = main(["validate", "--processed", str(root / "processed"), "--reports", str(root / "reports"),
               "--truth", str(root / "faults.csv")])
    out = capsys.readouterr().out
    assert rc == 0
    issues = pd.read_parquet(root / "processed" / "issues.parquet")
    summary = pd.read_parquet(root / "processed" / "issues_summary.parquet")
    assert set(issues.applicant_id) <= set(batch.applicants.applicant_id)
    assert summary.n_issues.sum() == len(issues)
    counts = issues.severity.value_counts()
    assert (f"已核查 {len(batch.applicants)} 个申报对象：错误 {counts.get('error', 0)} 条，"
            f"警告 {counts.get('warning', 0)} 条，提示 {counts.get('info', 0)} 条") in out
    # the --truth table: Chinese fault-kind labels, and the figures of the issues written
    scores = score(issues, truth, batch.cleaning_log, rejected=batch.rejected)
    assert format_scores(scores) in out
    assert "增长率与营业收入不符（growth_mismatch）" in out and "误以万元填报亿元（unit_slip）" in out
    s = scores.set_index("kind")
    assert (s.loc[KINDS, "n_faults"] >= 1).all() and (s.loc[KINDS, "recall"] == 1.0).all(), s
    # Data Docs and one correction workbook per province with issues, named after it
    assert (root / "reports" / "data_docs" / "index.html").exists()
    books = sorted(p.stem for p in (root / "reports" / "corrections").glob("*.xlsx"))
    assert books == sorted(set(issues.province.dropna()))
    assert f"各省更正工作簿：{len(books)} 个" in out
    # nothing rejected at intake: said so, and no second sheet in any workbook
    assert "读取时没有发现问题（没有无法读取或需核实的内容）" in out
    passed = pd.read_parquet(root / "processed" / "rejected_passed.parquet")  # written even when empty, for the report
    assert len(passed) == 0 and "in_issues" in passed.columns
    import openpyxl

    for b in books:
        assert openpyxl.load_workbook(root / "reports" / "corrections" / f"{b}.xlsx").sheetnames == ["问题清单"]


def test_validate_cli_errors_are_chinese_with_exit_code_1(processed, tmp_path, capsys):
    root, _, _ = processed
    assert main(["validate", "--processed", str(tmp_path / "nowhere"), "--reports", str(tmp_path / "r")]) == 1
    assert "未找到已处理的申报数据" in capsys.readouterr().err
    assert main(["validate", "--processed", str(root / "processed"), "--reports", str(tmp_path / "r"),
                 "--truth", str(tmp_path / "missing.csv")]) == 1
    assert "找不到故障真值文件" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["validate", "--processed", str(root / "processed"), "--reports", str(tmp_path / "r"),
                 "--truth", str(bad)]) == 1
    assert "故障真值文件" in capsys.readouterr().err and not (tmp_path / "r").exists()
    with pytest.raises(SystemExit) as exc:  # usage errors are argparse's: exit code 2
        main(["validate", "--no-such-option"])
    assert exc.value.code == 2


def test_validate_cli_empty_batch_exit_1_chinese_no_traceback(tmp_path, capsys):
    Batch.empty().to_parquet(tmp_path / "processed")
    code = main(["validate", "--processed", str(tmp_path / "processed"), "--reports", str(tmp_path / "reports"),
                 "--no-data-docs"])
    err = capsys.readouterr().err
    assert code == 1
    assert "批次中没有申报对象" in err
    assert "Traceback" not in err
    assert not (tmp_path / "processed" / "issues.parquet").exists()


def test_numeric_view_empty_date_column_does_not_crash():
    from nebase_analysis.batch import type_applicants
    from nebase_analysis.config import applicant_columns
    from nebase_analysis.validation.relations import numeric_view

    # every column, typed: the date columns are datetime64 (raw.map on them used to stay datetime)
    applicants = type_applicants(pd.DataFrame(columns=applicant_columns(None)))
    date_cols = [c for c in applicants.columns if pd.api.types.is_datetime64_any_dtype(applicants[c].dtype)]
    assert date_cols, "the typed table should carry a datetime column (the case that crashed)"
    num, problems = numeric_view(applicants)
    assert len(num) == 0 and len(problems) == 0
    assert all(pd.api.types.is_datetime64_any_dtype(num[c].dtype) for c in date_cols)


# ----------------------------------------------------------------------------- what intake could not read

@pytest.fixture(scope="module")
def with_rejected(tmp_path_factory):
    """One enterprise (北京市) whose founded_date, is_high_tech and taxes row intake rejected, a formula
    in a list cell, a summary row without a workbook; a password-protected file in a 西藏 folder
    (no applicant read there); a file outside any province folder; a reconcile note."""
    from nebase_analysis import synth

    b = synth.generate(seed=5, fault_rate=0.0).batch
    ent = b.applicants[b.applicants.applicant_id == "E-BJ-01"].copy()
    ent["founded_date"] = pd.Series([pd.NaT], index=ent.index, dtype=ent["founded_date"].dtype)
    ent["is_high_tech"] = pd.Series([pd.NA], index=ent.index, dtype=ent["is_high_tech"].dtype)
    for c in ["taxes_2023", "taxes_2024", "taxes_2025", "taxes_avg"]:
        ent[c] = np.nan
    keep = lambda t: t[t.applicant_id == "E-BJ-01"].reset_index(drop=True)  # noqa: E731
    wb = "applications/北京市/02_雁栖中和人工智能股份有限公司.xlsx"
    rows = [  # ..., reason, value (the cell text as typed; None where there is none)
        (wb, "申请书", "C16", "founded_date", "E-BJ-01", "field", "「成立日期」的值「2026年13月1日」无法识别为日期，按缺失处理",
         "2026年13月1日"),
        (wb, "申请书", "C19", "is_high_tech", "E-BJ-01", "field", "「高新技术企业」的值「是的」无法识别为是/否，按缺失处理", "是的"),
        (wb, "申请书", None, "taxes", "E-BJ-01", "field", "找不到「税金总额（亿元）」一行（行被删除、移动或字段标识被改动），该项未读取", None),
        (wb, "申请书", "D40", "top_products.1.sales", "E-BJ-01", "field", "单元格 D40 含公式 =SUM(D41:D45)，模板要求直接填写数值，该项未读取",
         "=SUM(D41:D45)"),
        ("applications/北京市/推荐汇总表.xlsx", None, None, None, "E-BJ-03", "row", "推荐汇总表第 6 行（序号 4，雁栖致信精密传动有限公司）没有对应的申请书文件", None),
        ("applications/藏/01_某某氢能科技有限公司.xlsx", None, None, None, None, "file", "文件设有密码（已加密），无法读取；请取消密码后重新报送", None),
        ("applications/说明.docx", None, None, None, None, "file", "文件不在省份文件夹中，未读取（应放在 applications/<省份>/ 下）", None),
        (wb, None, None, "name", "E-BJ-01", "reconcile", "申请书名称与推荐汇总表第 5 行「甲」不一致（按序号对应）", None),
    ]
    rejected = pd.DataFrame(rows, columns=["path", "sheet", "cell", "field", "applicant_id", "scope", "reason", "value"]).astype(object)
    summary = b.summary[b.summary.applicant_id.isin(["E-BJ-01", "E-BJ-03"])].reset_index(drop=True)  # E-BJ-03: no workbook
    batch = Batch(applicants=ent.reset_index(drop=True), texts=keep(b.texts), top_enterprises=keep(b.top_enterprises),
                  top_products=keep(b.top_products), summary=summary, rejected=rejected)
    root = tmp_path_factory.mktemp("validate_rejected")
    batch.to_parquet(root / "processed")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["validate", "--processed", str(root / "processed"), "--reports", str(root / "reports"), "--no-data-docs"])
    assert rc == 0
    return root, out.getvalue()


def test_validate_tells_provinces_what_could_not_be_read(with_rejected):
    import openpyxl

    root, out = with_rejected
    # 2 provinces; 8 passed on (1 file, 1 row, 4 cells, 1 note to check of 北京市 + the 西藏 file), 3 cells told in the issues
    # (founded_date, is_high_tech, the taxes row), the file outside any province folder named
    assert ("读取时发现的问题已转给所在省份（2 个省份的更正工作簿）：文件无法读取 1 项，缺少申请书文件 1 项，单元格无法读取 4 项，需核实 1 项；"
            "其中 3 项为必填项，已在问题清单中说明（填报值无法读取）；另有 1 项无法确定所属省份（不在省份文件夹中），"
            "未写入更正工作簿，见 rejected.parquet") in out
    books = sorted(p.name for p in (root / "reports" / "corrections").glob("*.xlsx"))
    assert books == ["北京市.xlsx", "西藏自治区.xlsx"]  # 西藏: no issue, only the rejected file
    # what was passed on, written next to issues.parquet for the data-quality report: province order, then scope
    passed = pd.read_parquet(root / "processed" / "rejected_passed.parquet")
    assert passed["province"].fillna("").tolist() == ["北京市"] * 6 + ["西藏自治区", ""]
    assert passed["scope"].tolist() == ["row", "field", "field", "field", "field", "reconcile", "file", "file"]
    assert passed["cell"].fillna("").tolist() == ["", "C16", "C19", "", "D40", "", "", ""]
    assert passed["in_issues"].tolist() == [False, True, True, True, False, False, False, False]
    assert passed["value"].fillna("").tolist() == ["", "2026年13月1日", "是的", "", "=SUM(D41:D45)", "", "", ""]

    issues = pd.read_parquet(root / "processed" / "issues.parquet")
    req = issues[issues.rule == "required_missing"].set_index("field")
    assert req.at["founded_date", "message"] == ("成立日期无法读取（申请书!C16）：「成立日期」的值「2026年13月1日」无法识别为日期；"
                                                 "请按模板格式重新填写")
    assert req.at["founded_date", "reported"] == "2026年13月1日"
    assert req.at["is_high_tech", "message"] == ("高新技术企业无法读取（申请书!C19）：「高新技术企业」的值「是的」无法识别为是/否；"
                                                 "请按模板格式重新填写")
    for col, year in [("taxes_2023", "2023年"), ("taxes_2025", "2025年"), ("taxes_avg", "近三年平均值")]:
        assert req.at[col, "message"] == (f"税金总额（{year}）无法读取：找不到「税金总额（亿元）」一行"
                                          "（行被删除、移动或字段标识被改动）；请按模板格式重新填写")
        assert pd.isna(req.at[col, "reported"])
    assert not issues.message.str.contains("成立日期未填写|高新技术企业未填写|税金总额（2023年）未填写").any()

    bj = openpyxl.load_workbook(root / "reports" / "corrections" / "北京市.xlsx")
    assert bj.sheetnames == ["问题清单", "读取时发现的问题"]
    main_sheet = bj["问题清单"]
    assert main_sheet["A1"].value.endswith("；另有读取时发现的问题 3 项，见工作表“读取时发现的问题”")
    told = {r[6]: (r[7], r[9]) for r in main_sheet.iter_rows(min_row=3, values_only=True)}
    assert told["founded_date"] == ("2026年13月1日", req.at["founded_date", "message"])
    ws = bj["读取时发现的问题"]
    assert ws["A1"].value == ("北京市 读取时发现的问题（缺少申请书文件 1 项，单元格无法读取 1 项，需核实 1 项）："
                              "以下内容未能读入或需要核实，请按“请更正”一列处理后重新报送")
    got = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert got == [
        ["类型", "申报编号", "名称", "文件", "工作表", "单元格", "指标", "字段编号", "填报值", "原因", "请更正"],
        ["缺少申请书文件", "E-BJ-03", "雁栖致信精密传动有限公司", "推荐汇总表.xlsx", None, None, None, None, None,
         "推荐汇总表第 6 行（序号 4，雁栖致信精密传动有限公司）没有对应的申请书文件", "请补报该申报对象的申请书，或从推荐汇总表中删去该行"],
        ["单元格无法读取", "E-BJ-01", "雁栖中和人工智能股份有限公司", "02_雁栖中和人工智能股份有限公司.xlsx", "申请书", "D40",
         "重点领域主导产品情况（2025 年销售收入占总营收前五位的产品）第1行·销售收入", "top_products.1.sales", "=SUM(D41:D45)",
         "单元格 D40 含公式 =SUM(D41:D45)，模板要求直接填写数值，该项未读取", "请按模板格式重新填写该单元格"],
        ["需核实", "E-BJ-01", "雁栖中和人工智能股份有限公司", "02_雁栖中和人工智能股份有限公司.xlsx", None, None, "园区/企业名称",
         "name", None, "申请书名称与推荐汇总表第 5 行「甲」不一致（按序号对应）",
         "已读取；请核实，如有误请更正申请书或推荐汇总表后重新报送"],
    ]
    assert ws["I4"].data_type == "s"  # the formula as typed stays text
    xz = openpyxl.load_workbook(root / "reports" / "corrections" / "西藏自治区.xlsx")
    assert xz["问题清单"].max_row == 2 and xz["问题清单"]["A1"].value.startswith("西藏自治区 申报材料核查问题清单（共 0 条")
    assert [list(r) for r in xz["读取时发现的问题"].iter_rows(min_row=3, values_only=True)] == [
        ["文件无法读取", None, None, "01_某某氢能科技有限公司.xlsx", None, None, None, None, None,
         "文件设有密码（已加密），无法读取；请取消密码后重新报送", "请按模板修正后重新报送该文件"]]
    for book in (bj, xz):
        assert all(c.data_type != "f" for s in book.worksheets for row in s.iter_rows() for c in row)


def test_data_quality_report_lists_what_could_not_be_read(with_rejected, tmp_path):
    import html
    import re

    from nebase_analysis.reports.runner import run_reports

    root, _ = with_rejected
    s = run_reports(root / "processed", tmp_path / "reports", only=["data_quality"], jobs=1, progress=False)
    assert all(r.ok for r in s.results), [r.error for r in s.results]
    page = html.unescape((tmp_path / "reports" / "data_quality.html").read_text(encoding="utf-8"))
    section = page[page.index(">读取时发现的问题<"):page.index(">数据文档<")]
    assert ("读取时发现的问题已转给所在省份（2 个省份的更正工作簿）：文件无法读取 1 项，缺少申请书文件 1 项，单元格无法读取 4 项，需核实 1 项；"
            "其中 3 项为必填项，已在问题清单中说明（填报值无法读取）；另有 1 项无法确定所属省份") in section
    rows = [re.findall(r"<t[dh]>(.*?)</t[dh]>", r) for r in re.findall(r"<tr>(.*?)</tr>", section, re.S)]
    counts = rows[:rows.index(next(r for r in rows[1:] if r and r[0] == "省份"))]
    assert counts == [["省份", "文件无法读取", "缺少申请书文件", "单元格无法读取", "需核实", "其中列入问题清单", "合计"],
                      ["北京市", "0", "1", "4", "1", "3", "6"], ["西藏自治区", "1", "0", "0", "0", "0", "1"],
                      ["（未能确定省份）", "1", "0", "0", "0", "0", "1"]]
    detail = rows[len(counts):]
    # the headers of the provinces' sheet (申报编号, not a second spelling)
    assert detail[0] == ["省份", "类型", "申报编号", "名称", "文件", "工作表", "单元格", "指标", "填报值", "原因", "列入问题清单"]
    assert len(detail) == 1 + 8
    assert ["北京市", "单元格无法读取", "E-BJ-01", "雁栖中和人工智能股份有限公司", "02_雁栖中和人工智能股份有限公司.xlsx", "申请书", "C16",
            "成立日期", "2026年13月1日", "「成立日期」的值「2026年13月1日」无法识别为日期，按缺失处理", "是"] in detail
    assert detail[-1] == ["（未能确定省份）", "文件无法读取", "—", "—", "说明.docx", "—", "—", "—", "—",
                          "文件不在省份文件夹中，未读取（应放在 applications/<省份>/ 下）", "否"]
