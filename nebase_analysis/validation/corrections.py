"""One correction workbook per province: that province's issues, in Chinese, ready to send.

``<reports>/corrections/<省份>.xlsx``, one sheet 问题清单 sorted by applicant and
severity (errors first). Every cell is written as text or number, never a formula:
the workbook is opened with :func:`nebase_analysis.excel.open_workbook` and texts go
through :func:`~nebase_analysis.excel.write_text` (a province's text beginning with ``=``, ``+``, ``-`` or ``@`` stays text).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from nebase_analysis.config import category_labels, field_schema, resolve_config
from nebase_analysis.validation.core import SEVERITY_ORDER

#: issue column -> Chinese header, in sheet order (None: the field's label in fields.yaml)
SHEET_COLUMNS = {
    "applicant_id": "申报编号",
    "name": None,
    "category": None,
    "domain": None,
    "severity": "严重程度",
    "field_label": "指标",
    "field": "字段编号",
    "reported": "填报值",
    "expected": "核查参考值",
    "message": "问题说明",
    "rule": "规则编号",
}


def correction_table(issues: pd.DataFrame, province: str, config: Any = None) -> pd.DataFrame:
    """A province's issues as the sheet shows them (Chinese headers and values).

    Consequential failures (``caused_by`` set) are kept, after the issue they follow from.

    Examples
    --------
    >>> i = pd.DataFrame({"applicant_id": ["E-GD-02", "E-GD-01"], "province": "广东省", "name": ["乙", "甲"],
    ...     "category": "enterprise", "domain": "软件", "severity": ["warning", "error"], "field_label": "x",
    ...     "field": "x", "reported": "1", "expected": None, "message": "m", "rule": "r"})
    >>> correction_table(i, "广东省")["申报编号"].tolist()
    ['E-GD-01', 'E-GD-02']
    """
    cfg = resolve_config(config)
    cats = category_labels(cfg)
    labels = field_schema(cfg).set_index("id")["label"]
    headers = {col: zh or labels[col] for col, zh in SHEET_COLUMNS.items()}
    sub = issues[issues["province"] == province].copy()
    sub["_s"] = sub["severity"].map(SEVERITY_ORDER).fillna(9)
    sub = sub.sort_values(["applicant_id", "_s", "field"], kind="stable")
    out = pd.DataFrame({zh: sub[col].to_numpy() if col in sub.columns else None for col, zh in headers.items()})
    out[headers["category"]] = out[headers["category"]].map(lambda c: cats.get(c, c))
    severity_labels = cfg["validation"]["severity_labels"]
    out[headers["severity"]] = out[headers["severity"]].map(lambda s: severity_labels.get(s, s))
    rule_labels = cfg["validation"]["rule_labels"]
    out[headers["rule"]] = out[headers["rule"]].map(lambda r: f"{rule_labels[r]}（{r}）" if r in rule_labels else r)
    return out.reset_index(drop=True)


def write_corrections(issues: pd.DataFrame, out_dir: str | Path, config: Any = None) -> list[Path]:
    """Write ``<out_dir>/<省份>.xlsx`` for every province with at least one issue.

    Returns the paths written (province order of ``provinces.yaml``).

    Examples
    --------
    >>> paths = write_corrections(issues, "reports/corrections")   # doctest: +SKIP
    """
    from nebase_analysis.excel import open_workbook, safe_file_name, write_text

    cfg = resolve_config(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    order = [u["name"] for u in cfg["provinces"]["units"]]
    present = [p for p in order if p in set(issues["province"].dropna())]
    present += sorted(set(issues["province"].dropna()) - set(present))
    paths = []
    for prov in present:
        table = correction_table(issues, prov, cfg)
        path = out_dir / f"{safe_file_name(prov)}.xlsx"
        wb = open_workbook(path)
        ws = wb.add_worksheet("问题清单")
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        err = wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#C00000"})
        n_err = int((issues.loc[issues["province"] == prov, "severity"] == "error").sum())
        ws.write_string(0, 0, f"{prov} 申报材料核查问题清单（共 {len(table)} 条，其中须更正的错误 {n_err} 条）", head)
        for j, h in enumerate(table.columns):
            ws.write_string(1, j, h, head)
        widths = [12, 28, 8, 14, 14, 28, 26, 14, 14, 70, 24]
        for j, w in enumerate(widths[: len(table.columns)]):
            ws.set_column(j, j, w)
        for i, row in enumerate(table.itertuples(index=False), start=2):
            is_err = str(row[4]).startswith("错误")
            for j, v in enumerate(row):
                write_text(ws, i, j, v, err if (is_err and j == 4) else wrap)
        ws.freeze_panes(2, 2)
        ws.autofilter(1, 0, max(1, len(table) + 1), len(table.columns) - 1)
        wb.close()
        paths.append(path)
    return paths

