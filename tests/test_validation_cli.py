"""`nebase validate` end to end: a small processed batch with planted faults, the --truth
printout in Chinese, the Parquet issues, Data Docs, correction workbooks and exit codes."""
from __future__ import annotations

import dataclasses

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
    scores = score(issues, truth, batch.cleaning_log)
    assert format_scores(scores) in out
    assert "增长率与营业收入不符（growth_mismatch）" in out and "误以万元填报亿元（unit_slip）" in out
    s = scores.set_index("kind")
    assert (s.loc[KINDS, "n_faults"] >= 1).all() and (s.loc[KINDS, "recall"] == 1.0).all(), s
    # Data Docs and one correction workbook per province with issues, named after it
    assert (root / "reports" / "data_docs" / "index.html").exists()
    books = sorted(p.stem for p in (root / "reports" / "corrections").glob("*.xlsx"))
    assert books == sorted(set(issues.province.dropna()))
    assert f"各省更正工作簿：{len(books)} 个" in out


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
