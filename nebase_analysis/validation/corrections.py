"""One correction workbook per province: that province's issues, and what intake could not
read of what it sent, in Chinese, ready to send.

``<reports>/corrections/<省份>.xlsx``: sheet 问题清单, the issues sorted by applicant and
severity (errors first); and, when intake rejected any of the province's files, summary
rows or cells, or noted something to check (``Batch.rejected``, ``rejected.parquet`` of
``nebase ingest``; the scopes of ``validation.yaml`` ``rejected_to_provinces.scopes``:
file, row, field, reconcile), a second sheet (``rejected_to_provinces.sheet``,
读取时发现的问题) listing them with file, sheet, cell, field, the value as typed (intake's
``value``), the reason and what to do. A required value that could not be read is told
once, in 问题清单 (its ``required_missing`` issue says the value was unreadable, see
:func:`unreadable_message`), not again in the second sheet. Every cell is written as text
or number, never a formula: the workbook is opened with :func:`nebase_analysis.excel.open_workbook` and texts go through
:func:`~nebase_analysis.excel.write_text` (a province's text beginning with ``=``, ``+``,
``-`` or ``@`` stays text).
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath, Path
from typing import Any

import pandas as pd

from nebase_analysis.cleaning import is_blank
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

#: columns of :func:`rejected_by_province`
REJECTED_COLUMNS = ["province", "applicant_id", "name", "scope", "file", "path", "sheet", "cell", "field",
                    "field_label", "value", "reason", "in_issues"]

#: column of :func:`rejected_by_province` (and ``action``) -> Chinese header, wherever it is shown
#: (the province's rejected sheet, the data-quality report)
REJECTED_HEADERS = {
    "province": "省份",
    "scope": "类型",
    "applicant_id": "申报编号",
    "name": "名称",
    "file": "文件",
    "sheet": "工作表",
    "cell": "单元格",
    "field_label": "指标",
    "field": "字段编号",
    "value": "填报值",
    "reason": "原因",
    "action": "请更正",
    "in_issues": "列入问题清单",
}

#: columns of :func:`nebase_analysis.reports.tables.rejected_counts` -> Chinese header (besides province and scopes)
REJECTED_COUNT_HEADERS = {"in_issues": f"其中{REJECTED_HEADERS['in_issues']}", "total": "合计"}

#: column -> header of the province's rejected sheet, in sheet order
REJECTED_SHEET_COLUMNS = {c: REJECTED_HEADERS[c] for c in (
    "scope", "applicant_id", "name", "file", "sheet", "cell", "field_label", "field", "value", "reason", "action")}

#: the analyst's tail of an intake reason, dropped when the reason is told to a province
_REASON_TAIL = re.compile(r"[，,]\s*(?:按缺失处理|该项未读取|未读取)\s*$")


def _posix(path: Any) -> PurePosixPath:
    return PurePosixPath(str(path).replace("\\", "/"))


def _text(v: Any) -> str | None:
    """``v`` as text, ``None`` when blank (:func:`~nebase_analysis.cleaning.is_blank`)."""
    return None if is_blank(v) else str(v)


def rejected_by_province(rejected: pd.DataFrame | None, applicants: pd.DataFrame | None = None,
                         summary: pd.DataFrame | None = None, config: Any = None) -> pd.DataFrame:
    """Intake's rejected files, summary rows and cells, attributed to the province they came from.

    Only the scopes of ``validation.yaml`` ``rejected_to_provinces.scopes`` are kept
    (``file``, ``row``, ``field``, ``reconcile``). The province is, in this order: the row's own
    ``province`` (when ``rejected`` has that column); the applicant's (``applicants``, then
    ``summary``); the province intake gave the folder the file lies in (the folder of the
    ``source_file`` of that province's applicants and summary rows; the nearest folder
    first, so a file in a sub-folder goes to its province folder); the folder's name as a
    province alias (``粤``, ``北京市（补报）``); the province code of its applicant id.
    ``None`` for a file outside any province folder.

    Parameters
    ----------
    rejected : DataFrame or None
        ``Batch.rejected`` (``path, sheet, cell, field, applicant_id, scope, reason,
        value``; ``value`` is the cell text as typed, ``None`` where there is none; a
        frame without that column is read as all ``None``).
    applicants, summary : DataFrame, optional
        For the province and name of each applicant id.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    DataFrame
        ``province, applicant_id, name, scope, file`` (file name), ``path, sheet, cell,
        field, field_label`` (Chinese), ``value`` (as typed, text), ``reason`` (Chinese,
        as intake gave it), ``in_issues`` (False here; see :func:`mark_in_issues`), in the
        province order of ``provinces.yaml`` (the unattributed last), then scope, then path
        (intake's order within a file).

    Examples
    --------
    >>> r = pd.DataFrame({"path": ["applications/粤/03_甲.xlsx"], "sheet": [None], "cell": [None], "field": [None],
    ...                   "applicant_id": [None], "scope": ["file"], "reason": ["文件为空（0 字节）"]})
    >>> rejected_by_province(r)[["province", "file", "reason"]].values.tolist()
    [['广东省', '03_甲.xlsx', '文件为空（0 字节）']]
    """
    from nebase_analysis import cleaning as cl
    from nebase_analysis.validation.core import Labeller

    cfg = resolve_config(config)
    scopes = list(cfg["validation"]["rejected_to_provinces"]["scopes"])
    if rejected is None or rejected.empty or "scope" not in rejected.columns:
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "in_issues" else object) for c in REJECTED_COLUMNS})
    rej = rejected[rejected["scope"].isin(scopes)].reset_index(drop=True)
    rules = cl.cleaning_rules(cfg)
    units = cfg["provinces"]["units"]
    by_code = {u["id_code"]: u["name"] for u in units}
    app_province, app_name, folder_province = {}, {}, {}
    for table in (summary, applicants):  # applicants last: what was read wins
        if table is None or not len(table):
            continue
        if "applicant_id" in table.columns:
            t = table.dropna(subset=["applicant_id"]).drop_duplicates("applicant_id")
            for col, found in (("province", app_province), ("name", app_name)):
                if col in t.columns:
                    found.update({a: v for a, v in zip(t["applicant_id"], t[col]) if _text(v)})
        if {"source_file", "province"} <= set(table.columns):
            folder_province.update({_posix(f).parent.as_posix(): p for f, p in zip(table["source_file"], table["province"])
                                    if _text(f) and _text(p)})

    def province(own: Any, aid: Any, path: Any) -> str | None:
        if _text(own):
            return own
        if _text(aid) and aid in app_province:
            return app_province[aid]
        folders = list(_posix(path).parents)[:-1] if _text(path) else []  # nearest first, without "."
        for folder in folders:
            if folder.as_posix() in folder_province:
                return folder_province[folder.as_posix()]
        for folder in folders:
            found = cl.resolve_province(folder.name, rules) or cl.province_from_text(folder.name, rules)
            if found:
                return found
        parts = str(aid).split("-") if _text(aid) else []
        return by_code.get(parts[1]) if len(parts) == 3 else None

    L = Labeller(cfg)
    values = rej["value"] if "value" in rej.columns else [None] * len(rej)
    out = pd.DataFrame({
        "province": [province(o, a, p) for o, a, p in zip(rej["province"] if "province" in rej.columns else [None] * len(rej),
                                                          rej["applicant_id"], rej["path"])],
        "applicant_id": rej["applicant_id"].map(_text),
        "name": rej["applicant_id"].map(lambda a: app_name.get(a) if _text(a) else None),
        "scope": rej["scope"].astype(object),
        "file": rej["path"].map(lambda p: _posix(p).name if _text(p) else None),
        "path": rej["path"].map(_text),
        "sheet": rej["sheet"].map(_text),
        "cell": rej["cell"].map(_text),
        "field": rej["field"].map(_text),
        "field_label": rej["field"].map(lambda f: L(f) if _text(f) else None),
        "value": [_text(v) for v in values],
        "reason": rej["reason"].map(_text),
        "in_issues": False,
    }, columns=REJECTED_COLUMNS)
    for c in REJECTED_COLUMNS[:-1]:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    order = {u["name"]: i for i, u in enumerate(units)}
    key = pd.DataFrame({"p": out["province"].map(lambda p: order.get(p, len(order))), "n": out["province"].fillna(""),
                        "s": out["scope"].map(scopes.index), "f": out["path"].fillna("")})
    return out.loc[key.sort_values(["p", "n", "s", "f"], kind="stable").index].reset_index(drop=True)


def unreadable_message(label: str, cells: pd.DataFrame) -> str:
    """The message of a required value intake could not read: where, why, what to do (not "未填写").

    Parameters
    ----------
    label : str
        The value's Chinese label (``成立日期``).
    cells : DataFrame
        The rows of :func:`rejected_by_province` for that applicant and column
        (``sheet, cell, reason``).

    Returns
    -------
    str
        ``<label>无法读取（<sheet>!<cell>）：<reasons>；请按模板格式重新填写`` (the
        analyst's tail of each reason, 按缺失处理 / 该项未读取, left out).

    Examples
    --------
    >>> c = pd.DataFrame({"sheet": ["申请书"], "cell": ["C16"],
    ...                   "reason": ["「成立日期」的值「2026年13月1日」无法识别为日期，按缺失处理"]})
    >>> unreadable_message("成立日期", c)
    '成立日期无法读取（申请书!C16）：「成立日期」的值「2026年13月1日」无法识别为日期；请按模板格式重新填写'
    """
    where = "、".join(f"{s}!{c}" if s else c for s, c in zip(cells["sheet"], cells["cell"]) if _text(c))
    reasons = "；".join(dict.fromkeys(_REASON_TAIL.sub("", r) for r in cells["reason"] if _text(r)))
    return f"{label}无法读取{f'（{where}）' if where else ''}：{reasons}；请按模板格式重新填写"


def rejected_columns(passed: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """The applicant columns each rejected cell of :func:`rejected_by_province` stands for.

    A cell's ``field`` is one column (``founded_date``, ``total_revenue_2024``, a text
    section); a whole row intake could not read is reported under its field id
    (``total_revenue``) and stands for each of that field's columns (``wide_columns``).

    Parameters
    ----------
    passed : DataFrame
        :func:`rejected_by_province` (``applicant_id, scope, field``).
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    DataFrame
        ``row`` (index label in ``passed``), ``applicant_id``, ``column``; only the
        ``field`` scope with an applicant and a field.

    Examples
    --------
    >>> p = pd.DataFrame({"applicant_id": ["E-GD-01", "E-GD-01"], "scope": "field", "field": ["founded_date", "taxes"]})
    >>> rejected_columns(p)["column"].tolist()
    ['founded_date', 'taxes_2023', 'taxes_2024', 'taxes_2025', 'taxes_avg']
    """
    from nebase_analysis.config import wide_columns

    w = wide_columns(resolve_config(config))
    by_field = w[w["period"].notna()].groupby("field", sort=False)["column"].agg(list).to_dict()
    cells = passed[(passed["scope"] == "field") & passed["applicant_id"].notna() & passed["field"].notna()]
    rows = [(i, a, c) for i, a, f in zip(cells.index, cells["applicant_id"], cells["field"]) for c in by_field.get(f, [f])]
    return pd.DataFrame(rows, columns=["row", "applicant_id", "column"])


def unreadable_cells(passed: pd.DataFrame, config: Any = None) -> dict[tuple[str, str], pd.DataFrame]:
    """The rejected cells behind each applicant column.

    Parameters
    ----------
    passed : DataFrame
        :func:`rejected_by_province`.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    dict
        ``{(applicant_id, column): rows of passed}`` (see :func:`rejected_columns`).

    Examples
    --------
    >>> p = pd.DataFrame({"applicant_id": ["E-GD-01"], "scope": "field", "field": ["founded_date"], "reason": ["x"]})
    >>> list(unreadable_cells(p))
    [('E-GD-01', 'founded_date')]
    """
    cols = rejected_columns(passed, config)
    return {key: passed.loc[g["row"].tolist()] for key, g in cols.groupby(["applicant_id", "column"], sort=False)}


def mark_in_issues(passed: pd.DataFrame, issues: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """Set ``in_issues`` on the rejected cells told in the issues sheet: those behind a
    ``required_missing`` issue (which then says the value was unreadable, see :func:`unreadable_message`).

    Parameters
    ----------
    passed : DataFrame
        :func:`rejected_by_province`.
    issues : DataFrame
        ``ValidationResult.issues`` (``applicant_id, field, rule``; may be empty).
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    DataFrame
        ``passed`` with ``in_issues`` (bool) set.

    Examples
    --------
    >>> p = pd.DataFrame({"applicant_id": ["E-GD-01", "E-GD-01"], "scope": "field", "field": ["founded_date", "phone"]})
    >>> i = pd.DataFrame({"applicant_id": ["E-GD-01"], "field": ["founded_date"], "rule": ["required_missing"]})
    >>> mark_in_issues(p, i)["in_issues"].tolist()
    [True, False]
    """
    req = issues[issues["rule"] == "required_missing"] if len(issues) else issues
    told = set(zip(req["applicant_id"], req["field"])) if len(req) else set()
    cols = rejected_columns(passed, config)
    hit = set(cols.loc[[(a, c) in told for a, c in zip(cols["applicant_id"], cols["column"])], "row"])
    return passed.assign(in_issues=pd.Series([i in hit for i in passed.index], index=passed.index, dtype=bool))


def scope_counts(passed: pd.DataFrame, config: Any = None) -> pd.Series:
    """How many rows of ``passed`` each scope has.

    Parameters
    ----------
    passed : DataFrame
        :func:`rejected_by_province` (or any rows of it; ``scope``).
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    Series
        int64 counts indexed by scope id, in the order of ``validation.yaml``
        ``rejected_to_provinces.scopes``, zeros kept.

    Examples
    --------
    >>> scope_counts(pd.DataFrame({"scope": ["field", "file", "field"]})).to_dict()
    {'file': 1, 'row': 0, 'field': 2, 'reconcile': 0}
    """
    scopes = list(resolve_config(config)["validation"]["rejected_to_provinces"]["scopes"])
    return passed["scope"].value_counts().reindex(scopes, fill_value=0).astype("int64").rename_axis("scope").rename("n")


def scope_counts_text(passed: pd.DataFrame, config: Any = None) -> str:
    """The counts of :func:`scope_counts` in Chinese, each scope by its label (scopes without rows left out).

    Parameters
    ----------
    passed : DataFrame
        Rows of :func:`rejected_by_province` (``scope``).
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    str
        ``<label> <n> 项``, joined by ``，`` (empty when ``passed`` has no rows).

    Examples
    --------
    >>> scope_counts_text(pd.DataFrame({"scope": ["field", "file", "field"]}))
    '文件无法读取 1 项，单元格无法读取 2 项'
    """
    cfg = resolve_config(config)
    scopes = cfg["validation"]["rejected_to_provinces"]["scopes"]
    return "，".join(f"{scopes[k]['label']} {n} 项" for k, n in scope_counts(passed, cfg).items() if n)


def rejected_summary_text(passed: pd.DataFrame | None, config: Any = None) -> str:
    """What intake could not read or asks to check, and how it was passed on, in one Chinese sentence
    (``nebase validate`` prints it; the data-quality report shows it).

    Parameters
    ----------
    passed : DataFrame or None
        ``ValidationResult.rejected`` (:func:`rejected_by_province` with ``in_issues``).
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    str
        Counts by scope of what went to the provinces' workbooks, how many were told in
        the issues sheet instead, and how many have no province.

    Examples
    --------
    >>> print(rejected_summary_text(None))
    读取时没有发现问题（没有无法读取或需核实的内容）
    >>> p = pd.DataFrame({"province": ["广东省", None], "scope": ["file", "file"], "in_issues": False})
    >>> print(rejected_summary_text(p))
    读取时发现的问题已转给所在省份（1 个省份的更正工作簿）：文件无法读取 1 项；另有 1 项无法确定所属省份（不在省份文件夹中），未写入更正工作簿，见 rejected.parquet
    """
    if passed is None or len(passed) == 0:
        return "读取时没有发现问题（没有无法读取或需核实的内容）"
    cfg = resolve_config(config)
    known = passed[passed["province"].notna()]
    parts = []
    if len(known):
        parts.append(f"读取时发现的问题已转给所在省份（{known['province'].nunique()} 个省份的更正工作簿）："
                     f"{scope_counts_text(known, cfg)}")
        n_told = int(known["in_issues"].sum())
        if n_told:
            parts.append(f"其中 {n_told} 项为必填项，已在问题清单中说明（填报值无法读取）")
    n_orphan = len(passed) - len(known)
    if n_orphan:
        parts.append(f"{'另有 ' if len(known) else ''}{n_orphan} 项无法确定所属省份（不在省份文件夹中），"
                     "未写入更正工作簿，见 rejected.parquet")
    return "；".join(parts)


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


def rejected_table(passed: pd.DataFrame, province: str, config: Any = None) -> pd.DataFrame:
    """A province's rejected files, summary rows and cells as its sheet shows them (Chinese headers).

    Parameters
    ----------
    passed : DataFrame
        :func:`rejected_by_province` (after :func:`mark_in_issues`); rows told in the
        issues sheet (``in_issues``) are left out.
    province : str
        The province whose rows are shown.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    DataFrame
        Columns :data:`REJECTED_SHEET_COLUMNS` (Chinese headers; 类型 and 请更正 from
        ``validation.yaml`` ``rejected_to_provinces.scopes``), in the order of ``passed``.

    Examples
    --------
    >>> r = pd.DataFrame({"path": ["applications/广东省/03_甲.xlsx"], "sheet": [None], "cell": [None],
    ...                   "field": [None], "applicant_id": ["E-GD-03"], "scope": ["file"], "reason": ["文件为空（0 字节）"]})
    >>> rejected_table(rejected_by_province(r), "广东省")[["类型", "文件", "原因"]].values.tolist()
    [['文件无法读取', '03_甲.xlsx', '文件为空（0 字节）']]
    """
    cfg = resolve_config(config)
    scopes = cfg["validation"]["rejected_to_provinces"]["scopes"]
    sub = passed[(passed["province"] == province) & ~passed["in_issues"].astype(bool)]
    sub = sub.assign(action=sub["scope"].map(lambda s: scopes[s]["action"]),
                     scope=sub["scope"].map(lambda s: scopes[s]["label"]))
    return pd.DataFrame({zh: sub[col].to_numpy() for col, zh in REJECTED_SHEET_COLUMNS.items()})


def _sheet(wb, name: str, title: str, table: pd.DataFrame, widths: list[int], red: int | None = None) -> None:
    """One sheet: a title row, a header row, the rows as text (``red``: a column shown red for errors)."""
    from nebase_analysis.excel import write_text

    ws = wb.add_worksheet(name)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    err = wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#C00000"})
    ws.write_string(0, 0, title, head)
    for j, h in enumerate(table.columns):
        ws.write_string(1, j, h, head)
    for j, w in enumerate(widths[: len(table.columns)]):
        ws.set_column(j, j, w)
    for i, row in enumerate(table.itertuples(index=False), start=2):
        is_err = red is not None and str(row[red]).startswith("错误")
        for j, v in enumerate(row):
            write_text(ws, i, j, v, err if (is_err and j == red) else wrap)
    ws.freeze_panes(2, 2)
    ws.autofilter(1, 0, max(1, len(table) + 1), len(table.columns) - 1)


def write_corrections(issues: pd.DataFrame, out_dir: str | Path, config: Any = None,
                      rejected: pd.DataFrame | None = None) -> list[Path]:
    """Write ``<out_dir>/<省份>.xlsx`` for every province with an issue or a rejected file, row or cell.

    Parameters
    ----------
    issues : DataFrame
        ``ValidationResult.issues``.
    out_dir : path
    config : optional
    rejected : DataFrame, optional
        :func:`rejected_by_province` (with ``in_issues`` from :func:`mark_in_issues`);
        a province's rows not told in its issues go to a second sheet
        (``validation.yaml`` ``rejected_to_provinces.sheet``). Rows without a province
        (a file outside any province folder) go to no workbook.

    Returns the paths written (province order of ``provinces.yaml``).

    Examples
    --------
    >>> paths = write_corrections(issues, "reports/corrections", rejected=passed)   # doctest: +SKIP
    """
    from nebase_analysis.excel import open_workbook, safe_file_name

    cfg = resolve_config(config)
    rcfg = cfg["validation"]["rejected_to_provinces"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if rejected is None:
        rejected = rejected_by_province(None, config=cfg)
    pending = rejected[~rejected["in_issues"].astype(bool)]
    names = set(issues["province"].dropna()) | set(pending["province"].dropna())
    order = [u["name"] for u in cfg["provinces"]["units"]]
    present = [p for p in order if p in names] + sorted(names - set(order))
    paths = []
    for prov in present:
        table = correction_table(issues, prov, cfg)
        rej = rejected_table(rejected, prov, cfg)
        mine = pending[pending["province"] == prov]
        path = out_dir / f"{safe_file_name(prov)}.xlsx"
        wb = open_workbook(path)
        n_err = int((issues.loc[issues["province"] == prov, "severity"] == "error").sum())
        title = f"{prov} 申报材料核查问题清单（共 {len(table)} 条，其中须更正的错误 {n_err} 条）"
        if len(rej):
            title += f"；另有读取时发现的问题 {len(rej)} 项，见工作表“{rcfg['sheet']}”"
        _sheet(wb, "问题清单", title, table, [12, 28, 8, 14, 14, 28, 26, 14, 14, 70, 24], red=4)
        if len(rej):
            _sheet(wb, rcfg["sheet"], f"{prov} {rcfg['sheet']}（{scope_counts_text(mine, cfg)}）：以下内容未能读入或需要核实，请按“{REJECTED_SHEET_COLUMNS['action']}”一列处理后重新报送",
                   rej, [14, 12, 28, 30, 10, 8, 28, 22, 18, 60, 30])
        wb.close()
        paths.append(path)
    return paths
