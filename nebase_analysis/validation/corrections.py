"""One correction workbook per province: that province's issues, and what intake could not
read of what it sent, in Chinese, ready to send.

``<reports>/corrections/<省份>.xlsx``: sheet 问题清单, the issues sorted by applicant and
severity (errors first); and, when intake rejected any of the province's files, summary
rows or cells (``Batch.rejected``, ``rejected.parquet`` of ``nebase ingest``), a second
sheet (``validation.yaml`` ``rejected_to_provinces.sheet``, 读取时发现的问题) listing
them with file, sheet, cell, field, the value as typed, the reason and what to do. A
required value that could not be read is told once, in 问题清单 (its ``required_missing``
issue says the value was unreadable, see :func:`unreadable_message`), not again in the
second sheet. Every cell is written as text or number, never a formula: the workbook is
opened with :func:`nebase_analysis.excel.open_workbook` and texts go through
:func:`~nebase_analysis.excel.write_text` (a province's text beginning with ``=``, ``+``,
``-`` or ``@`` stays text).
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath, Path
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

#: columns of :func:`rejected_by_province`
REJECTED_COLUMNS = ["province", "applicant_id", "name", "scope", "file", "path", "sheet", "cell", "field",
                    "field_label", "value", "reason", "in_issues"]

#: column of :func:`rejected_by_province` -> header of the province's rejected sheet, in sheet order
REJECTED_SHEET_COLUMNS = {
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
}

#: where intake's reasons quote the value as typed (used when ``rejected`` has no ``value`` column)
_VALUE_PATTERNS = (
    re.compile(r"的值「(.*?)」"),                     # 「成立日期」的值「2026年13月1日」无法识别为日期
    re.compile(r"含公式 (.+?)，模板要求"),            # 单元格 F26 含公式 =SUM(A1:A2)，模板要求直接填写数值
    re.compile(r"内容「(.*)」"),                      # 单元格 G16 在填报区域之外有内容「12」
)
#: the analyst's tail of an intake reason, dropped when the reason is told to a province
_REASON_TAIL = re.compile(r"[，,]\s*(?:按缺失处理|该项未读取|未读取)\s*$")


def typed_value(reason: Any) -> str | None:
    """The value as the province typed it, quoted in an intake reason; ``None`` when the reason quotes none.

    Examples
    --------
    >>> typed_value("「成立日期」的值「2026年13月1日」无法识别为日期，按缺失处理")
    '2026年13月1日'
    >>> typed_value("单元格 F26 含公式 =SUM(A1:A2)，模板要求直接填写数值，该项未读取")
    '=SUM(A1:A2)'
    >>> typed_value("文件损坏或不是 Excel（xlsx）文件，无法打开") is None
    True
    """
    if not isinstance(reason, str):
        return None
    for pattern in _VALUE_PATTERNS:
        m = pattern.search(reason)
        if m:
            return m.group(1)
    return None


def _posix(path: Any) -> PurePosixPath:
    return PurePosixPath(str(path).replace("\\", "/"))


def _text(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA or str(v) == "" else str(v)


def rejected_by_province(rejected: pd.DataFrame | None, applicants: pd.DataFrame | None = None,
                         summary: pd.DataFrame | None = None, config: Any = None) -> pd.DataFrame:
    """Intake's rejected files, summary rows and cells, attributed to the province they came from.

    Only the scopes of ``validation.yaml`` ``rejected_to_provinces.scopes`` are kept
    (``file``, ``row``, ``field``). The province is, in this order: the row's own
    ``province`` (when ``rejected`` has that column); the applicant's (``applicants``, then
    ``summary``); the province intake gave the folder the file lies in (the folder of the
    ``source_file`` of that province's applicants and summary rows; the nearest folder
    first, so a file in a sub-folder goes to its province folder); the folder's name as a
    province alias (``粤``, ``北京市（补报）``); the province code of its applicant id.
    ``None`` for a file outside any province folder.

    Parameters
    ----------
    rejected : DataFrame or None
        ``Batch.rejected`` (``path, sheet, cell, field, applicant_id, scope, reason``;
        a ``value`` column, if present, is the value as typed, otherwise it is taken from
        the reason, see :func:`typed_value`).
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
    values = rej["value"] if "value" in rej.columns else rej["reason"].map(typed_value)
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

    ``cells``: the rows of :func:`rejected_by_province` for that applicant and field.

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
    """``{(applicant_id, column): rows of passed}``: the rejected cells behind each applicant column.

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


def rejected_summary_text(passed: pd.DataFrame | None, config: Any = None) -> str:
    """What intake could not read and how it was passed on, in one Chinese sentence
    (``nebase validate`` prints it; the data-quality report shows it).

    ``passed``: ``ValidationResult.rejected`` (:func:`rejected_by_province` with ``in_issues``).

    Examples
    --------
    >>> print(rejected_summary_text(None))
    读取时没有发现问题（没有无法读取或需核实的内容）
    """
    if passed is None or len(passed) == 0:
        return "读取时没有发现问题（没有无法读取或需核实的内容）"
    scopes = resolve_config(config)["validation"]["rejected_to_provinces"]["scopes"]
    known = passed[passed["province"].notna()]
    counts = known["scope"].value_counts()
    parts = []
    if len(known):
        what = "，".join(f"{s['label']} {int(counts[k])} 项" for k, s in scopes.items() if k in counts.index)
        parts.append(f"读取时发现的问题已转给所在省份（{known['province'].nunique()} 个省份的更正工作簿）：{what}")
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

    ``passed``: :func:`rejected_by_province` (after :func:`mark_in_issues`); rows told in
    the issues sheet (``in_issues``) are left out. Columns: :data:`REJECTED_SHEET_COLUMNS`
    (类型 and 请更正 from ``validation.yaml`` ``rejected_to_provinces.scopes``).

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
        path = out_dir / f"{safe_file_name(prov)}.xlsx"
        wb = open_workbook(path)
        n_err = int((issues.loc[issues["province"] == prov, "severity"] == "error").sum())
        title = f"{prov} 申报材料核查问题清单（共 {len(table)} 条，其中须更正的错误 {n_err} 条）"
        if len(rej):
            title += f"；另有读取时发现的问题 {len(rej)} 项，见工作表“{rcfg['sheet']}”"
        _sheet(wb, "问题清单", title, table, [12, 28, 8, 14, 14, 28, 26, 14, 14, 70, 24], red=4)
        if len(rej):
            counts = rej[REJECTED_SHEET_COLUMNS["scope"]].value_counts()
            labels = [s["label"] for s in rcfg["scopes"].values()]
            what = "，".join(f"{lab} {int(counts[lab])} 项" for lab in labels if lab in counts.index)
            _sheet(wb, rcfg["sheet"], f"{prov} {rcfg['sheet']}（{what}）：以下内容未能读入或需要核实，请按“{REJECTED_SHEET_COLUMNS['action']}”一列处理后重新报送",
                   rej, [14, 12, 28, 30, 10, 8, 28, 22, 18, 60, 30])
        wb.close()
        paths.append(path)
    return paths
