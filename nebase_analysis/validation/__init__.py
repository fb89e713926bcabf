"""Validation: the notice's rules and data-quality expectations, one issues table.

``validate(batch)`` runs the notice's rules (:mod:`.rules`), the cross-field relations
and single-figure checks as diagnostic columns (:mod:`.relations`) bounded by Great
Expectations suites (:mod:`.expectations`, imported only when a run needs it), unit
slips and robust outliers (:mod:`.outliers`), and writes GX Data Docs and one
correction workbook per province (:mod:`.corrections`) when given a reports folder.
:mod:`.truth` scores the issues against a synthetic batch's fault ground truth.

This module's top-level imports are light (no pandas, no GX): ``nebase --help`` and
``import nebase_analysis`` stay fast.

Examples
--------
>>> from nebase_analysis.validation import validate        # doctest: +SKIP
>>> result = validate(batch, reports_dir="reports")         # doctest: +SKIP
>>> result.issues.query("severity == 'error'").groupby("rule").size()   # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["validate", "ValidationResult", "configure_parser", "run_cli"]


@dataclasses.dataclass
class ValidationResult:
    """What :func:`validate` returns.

    Attributes
    ----------
    issues : DataFrame
        One row per issue: ``applicant_id, province, category, domain, name, field``
        (field id with its year suffix; a text's section id; ``top_enterprises.revenue``
        for a list), ``field_label`` (Chinese), ``reported``, ``expected`` (as text),
        ``reported_value``, ``expected_value`` (float where numeric), ``rule`` (stable
        snake_case id), ``severity`` (``error``/``warning``/``info``), ``message``
        (Chinese, ready to send), ``caused_by`` (the figure a consequential relation
        failure is attributed to, else ``None``), ``involved`` (``|``-joined columns
        the check read), ``related`` (``|``-joined other applicant ids, duplicates).
        Batch-level issues (a missing column) have an empty ``applicant_id``.
    summary : DataFrame
        ``rule, severity, province, n_issues, n_applicants``.
    data_docs : Path or None
        The GX Data Docs ``index.html`` (when a reports folder was given).
    checks : DataFrame
        Every diagnostic computed (``check_id, applicant_id, rule, field, involved,
        reported, expected, gap, measure, tol, diag, note``), failing or not.
    corrections : list of Path
        The correction workbooks written, one per province.
    n_applicants : int
    rejected : DataFrame
        What intake could not read or asks to check (the batch's ``rejected`` rows of
        the scopes in ``validation.yaml`` ``rejected_to_provinces.scopes``: files, summary
        rows, cells, notes to check), attributed to provinces and passed on in the
        correction workbooks:
        :func:`~nebase_analysis.validation.corrections.rejected_by_province`, with
        ``in_issues`` True for the required cells told in the issues instead.
        ``nebase validate`` writes it as ``rejected_passed.parquet`` (the data-quality
        report reads it).
    """

    issues: "pd.DataFrame"
    summary: "pd.DataFrame"
    data_docs: Path | None = None
    checks: "pd.DataFrame | None" = None
    corrections: list = dataclasses.field(default_factory=list)
    n_applicants: int = 0
    rejected: "pd.DataFrame | None" = None

    def errors(self) -> "pd.DataFrame":
        """The issues of severity ``error``."""
        return self.issues[self.issues["severity"] == "error"]


def validate(batch, config: Any = None, reports_dir: str | Path | None = None, data_docs: bool = True,
             use_gx: bool = True) -> ValidationResult:
    """Validate a batch against the notice's rules and the data-quality expectations.

    Parameters
    ----------
    batch : Batch
        The batch (``applicants`` wide table, ``texts``, ``top_enterprises``,
        ``top_products``).
    config : optional
        Anything :func:`nebase_analysis.config.resolve_config` takes; tolerances,
        severities and the extra relations live in ``validation.yaml``.
    reports_dir : path, optional
        When given, GX Data Docs go to ``<reports_dir>/data_docs`` and one correction
        workbook per province to ``<reports_dir>/corrections/<省份>.xlsx``.
    data_docs : bool
        Build Data Docs (only with ``reports_dir``).
    use_gx : bool
        ``False`` evaluates the same bounds in pandas instead of Great Expectations
        (identical issues; used to cross-check GX and where GX is unavailable).

    Returns
    -------
    ValidationResult

    Raises
    ------
    ValidationInputError
        (a ``ValueError``) with a Chinese message when the batch cannot be validated
        at all (no ``applicant_id`` or ``category`` column).

    Examples
    --------
    >>> import pandas as pd
    >>> from nebase_analysis.batch import Batch
    >>> a = pd.DataFrame({"applicant_id": ["E-XZ-01"], "category": ["enterprise"], "province": ["西藏自治区"],
    ...                   "domain": ["软件"], "name": ["甲公司"], "total_revenue_2023": [100.0],
    ...                   "total_revenue_2024": [110.0], "total_revenue_growth_2024": [20.0]})
    >>> r = validate(Batch(applicants=a), use_gx=False)
    >>> r.issues.loc[r.issues.rule == "growth_mismatch", ["field", "expected"]].values.tolist()
    [['total_revenue_growth_2024', '10']]
    """
    from nebase_analysis.validation.core import run_validation

    return run_validation(batch, config=config, reports_dir=reports_dir, data_docs=data_docs, use_gx=use_gx)


def configure_parser(parser) -> None:
    """Arguments of ``nebase validate``."""
    parser.add_argument("--processed", default="data/processed", help="已处理数据目录（Batch Parquet），默认 data/processed")
    parser.add_argument("--reports", default="reports", help="报告目录：Data Docs 与各省更正工作簿，默认 reports")
    parser.add_argument("--config", default=None, help="自定义配置 YAML（覆盖默认容差、严重程度等）")
    parser.add_argument("--truth", default=None,
                        help="合成批次的故障真值 faults.csv：打印各故障类型的召回率与精确率")
    parser.add_argument("--no-data-docs", action="store_true", help="不生成 GX Data Docs")


def run_cli(args) -> int:
    """``nebase validate``: read the processed batch, write issues, Data Docs and workbooks.

    Writes ``issues.parquet``, ``issues_summary.parquet`` and ``rejected_passed.parquet``
    (:attr:`ValidationResult.rejected`, what was passed on to the provinces) to the
    processed folder.

    Returns 0, or 1 with a Chinese message on stderr when the batch, the configuration or
    the ``--truth`` file cannot be read.
    """
    import sys

    from nebase_analysis.batch import Batch, write_parquet
    from nebase_analysis.config import resolve_config

    try:
        cfg = resolve_config(args.config)
        batch = Batch.from_parquet(args.processed)
        truth = _read_truth(args.truth) if args.truth else None
        result = validate(batch, config=cfg, reports_dir=args.reports, data_docs=not args.no_data_docs)
    except (FileNotFoundError, ValueError) as exc:  # ValidationInputError is a ValueError
        print(f"nebase validate：{exc}", file=sys.stderr)
        return 1
    processed = Path(args.processed)
    write_parquet(result.issues, processed / "issues.parquet")
    write_parquet(result.summary, processed / "issues_summary.parquet")
    write_parquet(result.rejected, processed / "rejected_passed.parquet")
    counts = result.issues["severity"].value_counts()
    print(f"已核查 {result.n_applicants} 个申报对象：错误 {int(counts.get('error', 0))} 条，"
          f"警告 {int(counts.get('warning', 0))} 条，提示 {int(counts.get('info', 0))} 条")
    print(f"问题清单：{processed / 'issues.parquet'}")
    if result.data_docs:
        print(f"Data Docs：{result.data_docs}")
    if result.corrections:
        print(f"各省更正工作簿：{len(result.corrections)} 个，位于 {result.corrections[0].parent}")
    from nebase_analysis.validation.corrections import rejected_summary_text

    print(rejected_summary_text(result.rejected, cfg))
    if truth is not None:
        from nebase_analysis.validation.truth import format_scores, score

        print(format_scores(score(result.issues, truth, batch.cleaning_log, cfg, rejected=batch.rejected), cfg))
    return 0


def _read_truth(path) -> "pd.DataFrame":
    """``faults.csv`` of ``nebase synth``; a Chinese error when missing or malformed."""
    import pandas as pd

    if not Path(path).exists():
        raise FileNotFoundError(f"找不到故障真值文件 {path}")
    try:
        truth = pd.read_csv(path, dtype=str)
    except Exception as exc:  # noqa: BLE001 - any unreadable file: a Chinese message, the reader's detail after it
        raise ValueError(f"故障真值文件 {path} 无法读取（应为 nebase synth 写出的 faults.csv）；详情：{type(exc).__name__}: {exc}") from exc
    missing = [c for c in ("applicant_id", "field", "kind") if c not in truth.columns]
    if missing:
        raise ValueError(f"故障真值文件 {path} 缺少列：{'、'.join(missing)}")
    return truth
