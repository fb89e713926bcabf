"""Excel templates of the forms, and :func:`write_raw` (a Batch as filled templates).

Three workbooks mirror the notice's annexes (generated from ``fields.yaml``, never
from a list kept here):

- ``示范园区创建申请书.xlsx`` (annex 2) and ``示范企业创建申请书.xlsx`` (annex 3), sheets
  ``说明`` (instructions), ``申请书`` (cover and 一、基本情况: one row per form row,
  sections in form order, labels as printed with units, a column per year and
  近三年平均值 for yearly rows, the top-10 enterprise / top-5 product tables, the
  attachment checklist), ``文字材料`` (the long texts, one wrapped cell each), and the
  hidden ``_meta`` (template version, form, the field-id map) and ``_lists``
  (drop-down sources);
- ``推荐汇总表.xlsx`` (annex 1).

Layout contract (what intake reads): on ``申请书`` and ``文字材料`` the hidden column A
holds the row's id (a field id, ``top_enterprises.3`` for a list row, or a ``_``
marker for titles and headers), column B the label, columns C.. the values (C for a
single value; C-F = 2023, 2024, 2025, 近三年平均值 for a yearly row; C-E the list
columns). Intake reads by id and checks each label, so moved or edited rows are
detected. :func:`form_layout` returns this map as a DataFrame.

``write_raw(batch, out_dir, raw_values=None)`` writes the raw layout::

    <out_dir>/applications/<省份>/推荐汇总表.xlsx
    <out_dir>/applications/<省份>/<seq>_<name>.xlsx

Examples
--------
>>> from nebase_analysis.templates import write_templates
>>> paths = write_templates("/tmp/nebase_templates")       # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import datetime as _dt
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from nebase_analysis.cleaning import excel_serial_date, is_blank
from nebase_analysis.config import category_labels, field_schema, resolve_config, wide_columns
from nebase_analysis.excel import open_workbook, safe_file_name

__all__ = [
    "form_layout",
    "summary_layout",
    "write_form_workbook",
    "write_summary_workbook",
    "write_templates",
    "write_raw",
    "applicant_cell_values",
    "raw_overrides_table",
    "template_file_names",
    "configure_parser",
    "run_cli",
]

VALUE_COL = 2  # column C (0-based); A = id (hidden), B = label


# ----------------------------------------------------------------------------- layout


def _label_with_unit(printed: str, unit: Any) -> str:
    """``总营业收入（亿元）``; a printed label ending in ``（...）`` gets the unit inside it."""
    if not isinstance(unit, str) or not unit:
        return printed
    if printed.endswith("）") and "（" in printed:
        i = printed.rindex("（")
        return f"{printed[:i]}（{unit}，{printed[i + 1:]}"
    return f"{printed}（{unit}）"


def form_layout(form: str, config: Any = None) -> pd.DataFrame:
    """Every row of the ``park`` or ``enterprise`` template, in order.

    Parameters
    ----------
    form : {"park", "enterprise"}

    Returns
    -------
    DataFrame
        One row per sheet row: ``sheet``, ``row`` (0-based), ``row_id`` (hidden column
        A), ``label`` (column B), ``kind`` (``title``, ``section``, ``years``,
        ``field``, ``list_title``, ``list_header``, ``list_row``, ``text``), ``field``
        (schema id, list name for list rows), ``field_kind``, ``unit``, ``keys`` (tuple
        of the value keys in columns C.., e.g. ``total_revenue_2023`` ..
        ``total_revenue_avg``, ``top_enterprises.1.revenue``), ``required``,
        ``choices`` (drop-down values), and for field rows the schema's ``integer``,
        ``signed`` and ``growth`` (a growth row) flags.

    Examples
    --------
    >>> lay = form_layout("park")
    >>> row = lay.set_index("row_id").loc["total_revenue"]
    >>> row.label, row["keys"][0], row["keys"][-1]
    ('总营业收入（亿元）', 'total_revenue_2023', 'total_revenue_avg')
    """
    cfg = resolve_config(config)
    if form not in category_labels(cfg):
        raise ValueError(f"未知表单 {form!r}：应为 {' 或 '.join(category_labels(cfg))}")
    fcfg, icfg = cfg["fields"], cfg["intake"]
    schema = field_schema(cfg)
    schema = schema[schema.forms.map(lambda fs: form in fs)]
    wide = wide_columns(cfg)
    yearly = wide[wide.kind == "yearly"]
    wide_keys = {fid: tuple(g["column"]) for fid, g in yearly.groupby("field", sort=False)}
    periods = yearly.drop_duplicates("period")["period"]
    year_labels = tuple(f"{p}年" if isinstance(p, int) else fcfg["avg_label"] for p in periods)
    form_sheet, text_sheet = icfg["sheets"]["form"], icfg["sheets"]["texts"]
    rows: list[dict] = []
    counters = {form_sheet: 0, text_sheet: 0}

    def add(sheet: str, **kw: Any) -> None:
        base = {"sheet": sheet, "row": counters[sheet], "row_id": None, "label": None, "kind": None, "field": None,
                "field_kind": None, "unit": None, "keys": (), "required": False, "choices": None,
                "integer": False, "signed": False, "growth": False}
        base.update(kw)
        rows.append(base)
        counters[sheet] += 1

    title = fcfg["categories"][form]["form_title"]
    add(form_sheet, row_id="_title", label=title, kind="title")
    add(text_sheet, row_id="_title", label=f"{title}：文字材料", kind="title")

    def section_title(section: str, fields: pd.DataFrame) -> str:
        printed = fields[f"printed_section_{form}"].dropna()
        return printed.iloc[0] if len(printed) else section

    lists = {name: spec for name, spec in fcfg.get("lists", {}).items() if spec["form"] == form}
    sections = list(dict.fromkeys(schema.section))
    for section in sections:
        fields = schema[schema.section == section]
        numeric = fields[fields.kind != "longtext"]
        texts = fields[fields.kind == "longtext"]
        if len(numeric):
            add(form_sheet, row_id="_section", label=section_title(section, numeric), kind="section")
            prev_yearly = False
            for f in numeric.itertuples():
                if f.kind == "yearly" and not prev_yearly:
                    add(form_sheet, row_id="_years", label="项目/年度", kind="years", keys=year_labels)
                prev_yearly = f.kind == "yearly"
                printed = getattr(f, f"printed_{form}")
                keys = wide_keys[f.id] if f.kind == "yearly" else (f.id,)
                add(form_sheet, row_id=f.id, label=_label_with_unit(printed, f.unit), kind="field", field=f.id,
                    field_kind=f.kind, unit=f.unit, keys=keys, required=bool(f.required), choices=f.choices,
                    integer=bool(f.integer), signed=bool(f.signed), growth=isinstance(f.growth_of, str))
        if len(texts):
            add(text_sheet, row_id="_section", label=section_title(section, texts), kind="section")
            for f in texts.itertuples():
                printed = getattr(f, f"printed_{form}")
                add(text_sheet, row_id=f.id, label=printed, kind="text", field=f.id, field_kind="longtext",
                    keys=(f.id,), required=bool(f.required))
        for name, spec in lists.items():
            if spec["section"] != section:
                continue
            add(form_sheet, row_id="_list_title", label=spec["label"], kind="list_title", field=name)
            add(form_sheet, row_id="_list_header", label="序号", kind="list_header", field=name,
                keys=tuple(_label_with_unit(c["label"], c.get("unit")) for c in spec["columns"]))
            for rank in range(1, int(spec["rows"]) + 1):
                add(form_sheet, row_id=f"{name}.{rank}", label=str(rank), kind="list_row", field=name,
                    keys=tuple(f"{name}.{rank}.{c['id']}" for c in spec["columns"]),
                    field_kind=tuple(c["kind"] for c in spec["columns"]),
                    unit=tuple(c.get("unit") for c in spec["columns"]))
    return pd.DataFrame(rows)


def summary_layout(config: Any = None) -> pd.DataFrame:
    """The annex 1 columns: ``id``, ``label`` (as printed), ``kind``, ``choices``.

    Examples
    --------
    >>> summary_layout()["label"].tolist()
    ['序号', '申报单位名称', '园区/企业名称', '申报类别', '申报创建领域']
    """
    cfg = resolve_config(config)
    schema = field_schema(cfg)
    s = schema[schema.forms.map(lambda fs: "summary" in fs)]
    header_ids = {"recommender", "province"}
    rows = []
    for f in s.itertuples():
        if f.id in header_ids:
            continue
        rows.append({"id": f.id, "label": f.printed_summary, "kind": f.kind, "choices": f.choices})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- writing


def _range_ref(sheet: str, row: int, n: int) -> str:
    """``申请书!C5`` or ``申请书!C5:F5``: the value cells of a row (for ``_meta``)."""
    from xlsxwriter.utility import xl_range

    return f"{sheet}!{xl_range(row, VALUE_COL, row, VALUE_COL + n - 1)}"


class _Formats:
    """The few formats of a workbook, created once per workbook and reused."""

    def __init__(self, wb: Any) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.section = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.header = wb.add_format({"bold": True, "align": "center", "border": 1, "bg_color": "#F2F2F2", "text_wrap": True})
        self.label = wb.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"})
        self.cell = wb.add_format({"border": 1, "valign": "vcenter"})
        self.date = wb.add_format({"border": 1, "num_format": "yyyy-mm-dd", "valign": "vcenter"})
        self.text = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})


class _Validations:
    """Data validations collected per (sheet, columns, rule) and written as few ranges
    as possible (contiguous rows merged): fewer XML elements, faster files."""

    def __init__(self) -> None:
        self.items: dict[tuple, list[int]] = {}
        self.options: dict[tuple, dict] = {}

    def add(self, sheet: str, row: int, c0: int, c1: int, options: dict) -> None:
        key = (sheet, c0, c1, repr(sorted(options.items(), key=lambda kv: kv[0])))
        self.items.setdefault(key, []).append(row)
        self.options[key] = options

    def write(self, sheets: Mapping[str, Any]) -> None:
        for key, rows in self.items.items():
            sheet, c0, c1, _ = key
            rows = sorted(rows)
            start = prev = rows[0]
            for r in rows[1:] + [None]:
                if r is not None and r == prev + 1:
                    prev = r
                    continue
                sheets[sheet].data_validation(start, c0, prev, c1, dict(self.options[key]))
                if r is not None:
                    start = prev = r


def _write_value(ws: Any, r: int, c: int, v: Any, fmt: Any, date_fmt: Any, bool_labels: Mapping) -> None:
    """Write a cell as the batch or override holds it: numbers as numbers, text as text
    (never a formula, even one starting with ``=``: the workbook is opened with
    :data:`nebase_analysis.excel.SAFE_WORKBOOK_OPTIONS`), dates as dates, booleans as 是/否."""
    if is_blank(v):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, bool) or type(v).__name__ == "bool_":
        ws.write_string(r, c, bool_labels[bool(v)], fmt)
    elif isinstance(v, (int, float)) or hasattr(v, "dtype"):
        try:
            ws.write_number(r, c, float(v), fmt)
        except (TypeError, ValueError):
            ws.write_string(r, c, str(v), fmt)
    elif isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        ts = pd.Timestamp(v)
        ws.write_datetime(r, c, ts.to_pydatetime(), date_fmt)
    else:
        ws.write_string(r, c, str(v), fmt)


def _bounds(cfg: Mapping) -> dict[str, Any]:
    """Data-validation bounds of the templates, from configuration: dates within what intake
    accepts (``intake.excel_serial_range``), % rows within ``validation.ranges`` (``percent``,
    ``signed_percent`` for ``signed`` rows, ``growth`` for growth rows)."""
    lo, hi = cfg["intake"]["excel_serial_range"]
    ranges = cfg["validation"]["ranges"]
    return {"date": (excel_serial_date(lo).date(), excel_serial_date(hi).date()),
            "percent": ranges["percent"], "signed_percent": ranges["signed_percent"], "growth": ranges["growth"],
            "date_example": str(cfg["fields"]["filing_deadline"])}


def _between(rng: Mapping[str, Any]) -> dict:
    """xlsxwriter criteria of a ``{min, max}`` range (either end may be absent)."""
    if "min" in rng and "max" in rng:
        return {"criteria": "between", "minimum": rng["min"], "maximum": rng["max"]}
    if "min" in rng:
        return {"criteria": ">=", "value": rng["min"]}
    return {"criteria": "<=", "value": rng["max"]}


def _validation_for(field_kind: str, unit: Any, bounds: Mapping[str, Any], list_ref: str | None = None,
                    integer: bool = False, signed: bool = False, growth: bool = False) -> dict | None:
    """The data validation of a value cell (None: free input)."""
    if list_ref:
        return {"validate": "list", "source": list_ref, "error_title": "输入有误", "error_message": "请从下拉列表中选择"}
    if field_kind == "date":
        lo, hi = bounds["date"]
        return {"validate": "date", "criteria": "between", "minimum": lo, "maximum": hi,
                "error_title": "输入有误", "error_message": f"请填写 {lo.year} 至 {hi.year} 年间的日期，如 {bounds['date_example']}"}
    if field_kind not in ("number", "count", "yearly"):
        return None
    if unit == "%":
        rng = bounds["growth"] if growth else bounds["signed_percent"] if signed else bounds["percent"]
        lo, hi = rng.get("min"), rng.get("max")
        span = f"{lo:g} 到 {hi:g}" if lo is not None and hi is not None else f"不小于 {lo:g}" if lo is not None else f"不大于 {hi:g}"
        return {"validate": "decimal", **_between(rng), "error_title": "输入有误",
                "error_message": f"请填写{span}的百分数数值（如 12.5 表示 12.5%{'，可为负数' if signed else ''}）"}
    if integer or field_kind == "count":
        return {"validate": "integer", "criteria": ">=", "value": 0, "error_title": "输入有误", "error_message": "请填写不小于 0 的整数"}
    return {"validate": "decimal", "criteria": ">=", "value": 0, "error_title": "输入有误",
            "error_message": f"请填写不小于 0 的数值（单位：{unit}）" if unit else "请填写不小于 0 的数值"}


def _write_lists_sheet(wb: Any, cfg: Mapping, name: str) -> dict[str, str]:
    """Hidden sheet of drop-down sources: one column per choice field of the schema
    (choices as :func:`~nebase_analysis.config.field_schema` gives them, provinces and
    domains filled in) and ``bool`` (是/否); returns key -> range reference."""
    from xlsxwriter.utility import xl_range_abs

    ws = wb.add_worksheet(name)
    ws.hide()
    schema = field_schema(cfg)
    columns = {f.id: list(f.choices) for f in schema.itertuples() if f.kind == "choice" and f.choices}
    columns["bool"] = [cfg["fields"]["bool_labels"][True], cfg["fields"]["bool_labels"][False]]
    refs = {}
    for c, (key, values) in enumerate(columns.items()):
        ws.write_string(0, c, key)
        for r, v in enumerate(values, start=1):
            ws.write_string(r, c, str(v))
        refs[key] = f"={name}!{xl_range_abs(1, c, len(values), c)}"
    return refs


def _list_ref_for(fid: str, field_kind: str, refs: Mapping[str, str]) -> str | None:
    if field_kind == "bool":
        return refs["bool"]
    if fid in refs:
        return refs[fid]
    return None


def _write_meta(wb: Any, cfg: Mapping, form: str, cells: list[tuple]) -> None:
    """Hidden ``_meta``: template version, form, and the field-id map (row id -> cell range)."""
    ws = wb.add_worksheet(cfg["intake"]["sheets"]["meta"])
    ws.hide()
    rows = [("template_version", str(cfg["fields"]["template_version"])), ("form", form), ("generator", "nebase_analysis"),
            (), ("field_id", "cells"), *cells]
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.write_string(i, j, str(v))


def _write_instructions(wb: Any, cfg: Mapping, form: str, fmts: _Formats) -> None:
    fcfg, icfg = cfg["fields"], cfg["intake"]
    ws = wb.add_worksheet(icfg["sheets"]["instructions"])
    ws.set_column(0, 0, 110)
    title = icfg["sheets"]["summary"] if form == "summary" else fcfg["categories"][form]["form_title"]
    years = "、".join(str(y) for y in fcfg["years"])
    items = [
        "请勿插入、删除、移动行或列，请勿合并单元格，请勿修改工作表名称；只在白色填报区域填写。",
        "请直接填写数值，不要使用公式或引用其他单元格、其他文件。",
        "金额、面积、人数等以各行标签括号中的单位为准（如“亿元”），请勿在单元格中另写单位。",
        "百分比填写百分数数值，如 12.5 表示 12.5%；增长率可为负数。",
        f"按年度填报的指标分列填写 {years} 年及{fcfg['avg_label']}。",
        "没有数据的项目请留空，不要填写 0；确为零时填写 0。",
        f"日期请按 {fcfg['filing_deadline']} 格式填写。",
        "申报领域、所属省份、申报类别、企业类型及“是/否”项请从下拉列表选择。",
        f"“文字材料”工作表中每部分不超过 {fcfg['longtext_max_chars']} 字。",
        "文件请以“序号_名称.xlsx”命名（序号与推荐汇总表一致），每个申报对象一个文件，放在本省文件夹中。",
        f"推荐汇总表请另用“{icfg['summary_file']}”模板填报。",
    ]
    if form == "summary":
        items[-2] = "每个申报对象一行，序号从 1 起连续编号，与各申请书文件名中的序号一致。"
        items[-1] = "推荐单位请填写省级工业和信息化主管部门全称，并选择所属省份。"
    else:  # after item 6 (blanks): counts
        items.insert(6, "计数类项目（单位为个、件、人、家）没有的请填写 0；这些项目中填写“无”“—”或“/”的按 0 读取"
                        "（其他项目中按缺失处理）。")
    lines = [f"填报说明：{title}", f"模板版本：{fcfg['template_version']}（请使用本版本模板填报，旧版或其他模板将无法读取）",
             *(f"{i}. {text}" for i, text in enumerate(items, start=1))]
    ws.write_string(0, 0, lines[0], fmts.title)
    for i, line in enumerate(lines[1:], start=2):
        ws.write_string(i, 0, line, fmts.wrap)


def _layout_rows(layout: pd.DataFrame) -> list:
    """The rows of a :func:`form_layout` as plain tuples (computed per call: no cache on the frame)."""
    return list(layout.astype(object).itertuples(index=False))


def write_form_workbook(path: str | Path, form: str, values: Mapping[str, Any] | None = None, config: Any = None,
                        layout: pd.DataFrame | None = None) -> Path:
    """Write one park/enterprise workbook (an empty template when ``values`` is None).

    Parameters
    ----------
    path : path of the ``.xlsx`` to write
    form : {"park", "enterprise"}
    values : mapping, optional
        Cell values by key (see :func:`form_layout` ``keys``: ``name``,
        ``total_revenue_2024``, ``top_enterprises.3.revenue``, ``plan_basis`` ...),
        written as they are: numbers as numbers, strings as strings (so
        ``"1,234.5"`` stays text, and so does a string starting with ``=``),
        ``bool`` as 是/否, dates as dates.
    layout : DataFrame, optional
        :func:`form_layout` of this form (pass it when writing many workbooks).

    Examples
    --------
    >>> write_form_workbook("/tmp/p.xlsx", "park", {"name": "某某高新区"})   # doctest: +SKIP
    """
    cfg = resolve_config(config)
    rows = _layout_rows(form_layout(form, cfg) if layout is None else layout)
    return _write_form(Path(path), form, values or {}, cfg, rows, _bounds(cfg))


def _write_form(path: Path, form: str, values: Mapping[str, Any], cfg: Mapping, rows: list, bounds: Mapping) -> Path:
    """:func:`write_form_workbook` with the layout rows and bounds prepared (once per batch)."""
    icfg = cfg["intake"]
    bool_labels = cfg["fields"]["bool_labels"]
    wb = open_workbook(path)
    fmts = _Formats(wb)
    _write_instructions(wb, cfg, form, fmts)
    sheets = {}
    for name, widths in ((icfg["sheets"]["form"], [(1, 1, 58), (2, 5, 18)]), (icfg["sheets"]["texts"], [(1, 1, 30), (2, 2, 100), (3, 3, 30)])):
        ws = wb.add_worksheet(name)
        ws.set_column(0, 0, 22, None, {"hidden": True})
        for a, b, w in widths:
            ws.set_column(a, b, w)
        sheets[name] = ws
    refs = _write_lists_sheet(wb, cfg, icfg["sheets"]["lists"])
    meta_cells: list[tuple] = []
    validations = _Validations()
    max_chars = cfg["fields"]["longtext_max_chars"]
    for row in rows:
        ws = sheets[row.sheet]
        r = row.row
        ws.write_string(r, 0, row.row_id or "")
        if row.kind == "title":
            ws.write_string(r, 1, row.label, fmts.title)
            ws.write_string(r, 2, f"模板版本 {cfg['fields']['template_version']}")
        elif row.kind in ("section", "list_title"):
            ws.write_string(r, 1, row.label, fmts.section)
        elif row.kind in ("years", "list_header"):
            ws.write_string(r, 1, row.label, fmts.header)
            for j, k in enumerate(row.keys):
                ws.write_string(r, VALUE_COL + j, k, fmts.header)
        elif row.kind == "field":
            ws.write_string(r, 1, row.label, fmts.label)
            fmt = fmts.date if row.field_kind == "date" else fmts.cell
            for j, key in enumerate(row.keys):
                _write_value(ws, r, VALUE_COL + j, values.get(key), fmt, fmts.date, bool_labels)
            meta_cells.append((row.row_id, _range_ref(row.sheet, r, len(row.keys))))
            dv = _validation_for(row.field_kind, row.unit, bounds, _list_ref_for(row.field, row.field_kind, refs),
                                 row.integer, row.signed, row.growth)
            if dv:
                validations.add(row.sheet, r, VALUE_COL, VALUE_COL + len(row.keys) - 1, dv)
        elif row.kind == "list_row":
            ws.write_string(r, 1, row.label, fmts.label)
            for j, (key, kind, unit) in enumerate(zip(row.keys, row.field_kind, row.unit)):
                _write_value(ws, r, VALUE_COL + j, values.get(key), fmts.cell, fmts.date, bool_labels)
                dv = _validation_for(kind, unit, bounds)
                if dv:
                    validations.add(row.sheet, r, VALUE_COL + j, VALUE_COL + j, dv)
            meta_cells.append((row.row_id, _range_ref(row.sheet, r, len(row.keys))))
        elif row.kind == "text":
            ws.write_string(r, 1, row.label, fmts.label)
            _write_value(ws, r, VALUE_COL, values.get(row.keys[0]), fmts.text, fmts.date, bool_labels)
            ws.write_string(r, VALUE_COL + 1, f"详细描述有关情况（不超过 {max_chars} 字）。", fmts.wrap)
            ws.set_row(r, 150)
            meta_cells.append((row.row_id, _range_ref(row.sheet, r, 1)))
            validations.add(row.sheet, r, VALUE_COL, VALUE_COL, {"validate": "length", "criteria": "<=", "value": max_chars,
                                                                  "error_type": "warning", "error_message": f"不超过 {max_chars} 字"})
    validations.write(sheets)
    _write_meta(wb, cfg, form, meta_cells)
    sheets[icfg["sheets"]["form"]].activate()
    wb.close()
    return path


def write_summary_workbook(path: str | Path, rows: pd.DataFrame | None = None, recommender: Any = None,
                           province: Any = None, config: Any = None, blank_rows: int = 30) -> Path:
    """Write an annex 1 summary (推荐汇总表); an empty template when ``rows`` is None.

    Parameters
    ----------
    rows : DataFrame, optional
        Columns named by the summary field ids (``seq``, ``applicant_unit``, ``name``,
        ``category`` (园区/企业 or park/enterprise), ``domain``); values written as they are.
    recommender, province : optional
        The header cells (推荐单位, 所属省份).

    Examples
    --------
    >>> write_summary_workbook("/tmp/s.xlsx")   # doctest: +SKIP
    """
    from xlsxwriter.utility import xl_rowcol_to_cell

    cfg = resolve_config(config)
    icfg = cfg["intake"]
    bool_labels = cfg["fields"]["bool_labels"]
    cat_labels = category_labels(cfg)
    lay = summary_layout(cfg)
    schema = field_schema(cfg).set_index("id")
    wb = open_workbook(path)
    fmts = _Formats(wb)
    _write_instructions(wb, cfg, "summary", fmts)
    ws = wb.add_worksheet(icfg["sheets"]["summary"])
    refs = _write_lists_sheet(wb, cfg, icfg["sheets"]["lists"])
    ws.set_column(0, 0, 14, None, {"hidden": True})
    ws.set_column(1, 1, 8)
    ws.set_column(2, 3, 40)
    ws.set_column(4, 5, 20)
    ws.write_string(0, 0, "_title")
    ws.write_string(0, 1, cfg["fields"]["summary_title"], fmts.title)
    ws.write_string(0, 4, f"模板版本 {cfg['fields']['template_version']}")
    for r, fid in ((1, "recommender"), (2, "province")):
        ws.write_string(r, 0, fid)
        ws.write_string(r, 1, f"{schema.loc[fid, 'printed_summary']}（盖章）：" if fid == "recommender" else f"{schema.loc[fid, 'printed_summary']}：", fmts.label)
        _write_value(ws, r, 2, recommender if fid == "recommender" else province, fmts.cell, fmts.date, bool_labels)
    ws.data_validation(2, 2, 2, 2, {"validate": "list", "source": refs["province"]})
    ws.write_string(3, 0, "_columns")
    ws.set_row(3, None, None, {"hidden": True})
    ws.write_string(4, 0, "_header")
    for j, f in enumerate(lay.itertuples()):
        ws.write_string(3, 1 + j, f.id)
        ws.write_string(4, 1 + j, f"{f.label} (园区/企业)" if f.id == "category" else f.label, fmts.header)
    n = blank_rows if rows is None else max(len(rows), 1)
    for j, f in enumerate(lay.itertuples()):
        col = 1 + j
        dv = None
        if f.id == "category":
            dv = {"validate": "list", "source": refs["category"]}
        elif f.id == "domain":
            dv = {"validate": "list", "source": refs["domain"]}
        elif f.kind == "count":
            dv = {"validate": "integer", "criteria": ">=", "value": 1, "error_message": "序号为正整数"}
        if dv:
            ws.data_validation(5, col, 5 + n - 1, col, dv)
    if rows is not None:
        for i, rec in enumerate(rows.to_dict("records")):
            for j, f in enumerate(lay.itertuples()):
                v = rec.get(f.id)
                if f.id == "category" and v in cat_labels:
                    v = cat_labels[v]
                _write_value(ws, 5 + i, 1 + j, v, fmts.cell, fmts.date, bool_labels)
    else:
        for i in range(n):
            for j in range(len(lay)):
                ws.write_blank(5 + i, 1 + j, None, fmts.cell)
    _write_meta(wb, cfg, "summary", [(f.id, f"{icfg['sheets']['summary']}!{xl_rowcol_to_cell(5, 1 + j)}") for j, f in enumerate(lay.itertuples())])
    ws.activate()
    wb.close()
    return Path(path)


def template_file_names(config: Any = None) -> dict[str, str]:
    """File name of each template: ``park``, ``enterprise``, ``summary``.

    Examples
    --------
    >>> template_file_names()["summary"]
    '推荐汇总表.xlsx'
    """
    cfg = resolve_config(config)
    return {**{form: f"示范{label}创建申请书.xlsx" for form, label in category_labels(cfg).items()},
            "summary": cfg["intake"]["summary_file"]}


def write_templates(out_dir: str | Path, config: Any = None) -> list[Path]:
    """Write the three empty templates (parks, enterprises, annex 1 summary) into ``out_dir``.

    Examples
    --------
    >>> [p.name for p in write_templates("/tmp/tpl")]   # doctest: +SKIP
    ['示范园区创建申请书.xlsx', '示范企业创建申请书.xlsx', '推荐汇总表.xlsx']
    """
    cfg = resolve_config(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = template_file_names(cfg)
    paths = [write_form_workbook(out / names[f], f, None, cfg) for f in category_labels(cfg)]
    paths.append(write_summary_workbook(out / names["summary"], None, config=cfg))
    return paths


# ----------------------------------------------------------------------------- write_raw


def raw_overrides_table(raw_values: Any) -> pd.DataFrame:
    """Normalise the ``raw_values`` argument of :func:`write_raw` to a tidy DataFrame
    ``applicant_id, key, raw``.

    Accepted shapes: a DataFrame with columns ``applicant_id``, ``key`` (or ``field``)
    and ``raw`` (or ``value``); or a dict ``{applicant_id: {key: raw}}``.

    Examples
    --------
    >>> raw_overrides_table({"E-GD-01": {"total_revenue_2024": "1,234.5"}}).to_dict("records")
    [{'applicant_id': 'E-GD-01', 'key': 'total_revenue_2024', 'raw': '1,234.5'}]
    """
    if raw_values is None:
        return pd.DataFrame({"applicant_id": pd.Series(dtype=object), "key": pd.Series(dtype=object), "raw": pd.Series(dtype=object)})
    if isinstance(raw_values, pd.DataFrame):
        df = raw_values.rename(columns={"field": "key", "value": "raw"})
        missing = {"applicant_id", "key", "raw"} - set(df.columns)
        if missing:
            raise ValueError(f"raw_values 缺少列：{sorted(missing)}（需要 applicant_id, key, raw）")
        return df[["applicant_id", "key", "raw"]].astype({"raw": object}).reset_index(drop=True)
    rows = [{"applicant_id": a, "key": k, "raw": v} for a, d in raw_values.items() for k, v in d.items()]
    return pd.DataFrame(rows, columns=["applicant_id", "key", "raw"]).astype({"raw": object})


def applicant_cell_values(batch: Any, config: Any = None) -> dict[str, dict[str, Any]]:
    """The cell values of every applicant's workbook, keyed like :func:`form_layout` keys.

    Wide fields come from ``batch.applicants``, long texts from ``batch.texts``
    (``section`` = field id), list cells from ``top_enterprises``/``top_products``
    (``<list>.<rank>.<column>``).

    Examples
    --------
    >>> from nebase_analysis.batch import Batch
    >>> applicant_cell_values(Batch.empty())
    {}
    """
    cfg = resolve_config(config)
    apps = batch.applicants
    out: dict[str, dict[str, Any]] = {}
    records = apps.to_dict("records")
    for rec in records:
        aid = rec["applicant_id"]
        out[aid] = {k: v for k, v in rec.items() if not is_blank(v)}
    if len(batch.texts):
        for aid, section, text in batch.texts[["applicant_id", "section", "text"]].itertuples(index=False):
            if aid in out:
                out[aid][section] = text
    for name, spec in cfg["fields"].get("lists", {}).items():
        table = getattr(batch, name, None)
        if table is None or not len(table):
            continue
        cols = [c["id"] for c in spec["columns"]]
        for rec in table.to_dict("records"):
            aid = rec["applicant_id"]
            if aid not in out or is_blank(rec.get("rank")):
                continue
            for c in cols:
                if not is_blank(rec.get(c)):
                    out[aid][f"{name}.{int(rec['rank'])}.{c}"] = rec[c]
    return out


def _summary_order(batch: Any, cfg: Mapping) -> pd.DataFrame:
    """seq of each applicant within its province: the batch's own (``summary`` with
    ``applicant_id`` and ``seq``, or a ``seq`` column in applicants), else parks first
    then enterprises, each by applicant id."""
    apps = batch.applicants[["applicant_id", "category", "province"]].copy()
    seq = None
    summ = batch.summary
    if summ is not None and len(summ) and {"applicant_id", "seq"} <= set(summ.columns):
        seq = summ.set_index("applicant_id")["seq"]
    elif "seq" in batch.applicants.columns:
        seq = batch.applicants.set_index("applicant_id")["seq"]
    if seq is not None:
        apps["seq"] = apps["applicant_id"].map(seq)
    else:
        apps["seq"] = float("nan")
    cat_order = {c: i for i, c in enumerate(cfg["fields"]["categories"])}
    apps["_cat"] = apps["category"].map(cat_order)
    apps = apps.sort_values(["province", "seq", "_cat", "applicant_id"], na_position="last")
    filled = []
    for _, g in apps.groupby("province", sort=False):
        used = set(g["seq"].dropna().astype(int))
        nxt = 1
        for s in g["seq"]:
            if pd.isna(s):
                while nxt in used:
                    nxt += 1
                used.add(nxt)
                filled.append(nxt)
            else:
                filled.append(int(s))
    apps["seq"] = filled
    return apps.drop(columns="_cat")


#: the formats of :func:`write_raw` (``fmt``)
RAW_FORMATS = ("xlsx", "docx", "mixed")


def _province_formats(provinces: list[str], fmt: str, rng: Any, cfg: Mapping) -> dict[str, tuple[str, str]]:
    """(forms, summary) format of each province: ``xlsx`` (our templates), ``docx`` (Word
    forms) with a ``docx`` or a plain ``sheet`` summary.

    ``xlsx``: every province in the templates. ``docx``: every province in Word, the
    summaries as Word tables except ``wordforms.raw_formats.sheet_summaries`` (low, high)
    provinces whose summary is a plain sheet. ``mixed``: as ``docx``, but
    ``raw_formats.mixed_xlsx_provinces`` provinces in the xlsx templates.
    """
    if fmt == "xlsx":
        return {p: ("xlsx", "xlsx") for p in provinces}
    rf = cfg["wordforms"]["raw_formats"]
    order = [provinces[i] for i in rng.permutation(len(provinces))]
    n_xlsx = min(int(rf["mixed_xlsx_provinces"]), max(len(provinces) - 1, 0)) if fmt == "mixed" else 0
    lo, hi = rf["sheet_summaries"]
    n_sheet = min(int(rng.integers(lo, hi + 1)), len(provinces) - n_xlsx)
    out = {}
    for i, p in enumerate(order):
        out[p] = ("xlsx", "xlsx") if i < n_xlsx else ("docx", "sheet") if i < n_xlsx + n_sheet else ("docx", "docx")
    return out


def _docx_file_name(given: Any, variant: dict, form: str, seq: int, name: Any, used: set, cfg: Mapping) -> str:
    """A Word form's file name: ``_file_name`` as given (an ``.xlsx`` suffix swapped for
    ``.docx``), else the variant's ``file_name`` pattern; a name already used in the folder
    falls back to ``<seq>_<name>.docx`` (and the variant records it)."""
    from nebase_analysis.wordforms import form_file_name

    if given:
        g = Path(str(given))
        return g.with_suffix(".docx").name if g.suffix.lower() == ".xlsx" else g.name
    fname = form_file_name(variant, form, seq, name, cfg)
    if fname in used:
        variant["file_name"] = next(iter(cfg["wordforms"]["file_names"]))
        fname = form_file_name(variant, form, seq, name, cfg)
    used.add(fname)
    return fname


def _summary_row(a: Any, seq: int, o: Mapping[str, Any]) -> dict:
    """The applicant's row of its province summary, with ``summary.<id>`` overrides."""
    srow = {"seq": seq, "applicant_unit": a.get("applicant_unit", a.get("name")), "name": a.get("name"),
            "category": a.get("category"), "domain": a.get("domain")}
    if is_blank(srow["applicant_unit"]):
        srow["applicant_unit"] = a.get("name")
    for k, v in o.items():
        if k.startswith("summary.") and k[8:] in srow:
            srow[k[8:]] = v
    return srow


def _write_summary(kind: str, pdir: Path, rows: pd.DataFrame, recommender: Any, prov_cell: Any, rng: Any,
                   cfg: Mapping) -> tuple[Path, str]:
    """Write a province summary in ``kind`` (xlsx template, docx table, plain sheet); its path and variant text."""
    from nebase_analysis import wordforms

    if kind == "xlsx":
        path = pdir / cfg["intake"]["summary_file"]
        write_summary_workbook(path, rows, recommender, prov_cell, cfg)
        return path, ""
    s = cfg["wordforms"]["summary"]
    if kind == "sheet":
        path = pdir / s["sheet_file"]
        wordforms.write_summary_sheet(path, rows, recommender, cfg)
        return path, ""
    variant = wordforms.draw_variant(rng, cfg)
    path = pdir / s["docx_file"]
    wordforms.write_summary_docx(path, rows, recommender, cfg, variant)
    return path, wordforms.variant_text(variant, cfg)


def _applicant_values(values: Mapping, aid: str, province: str, o: Mapping, cfg: Mapping) -> dict:
    """An applicant's cell values with its overrides (not ``summary.*`` or ``_*``) applied."""
    vals = dict(values.get(aid, {}))
    vals.setdefault("province", province)
    if is_blank(vals.get("recommender")):
        vals["recommender"] = cfg["intake"]["recommender_pattern"].format(province=province)
    for k, v in o.items():
        if not k.startswith(("summary.", "_")):
            vals[k] = v
    return vals


def write_raw(batch: Any, out_dir: str | Path, raw_values: Any = None, config: Any = None,
              folder_names: Mapping[str, str] | None = None, jobs: int = 1, progress: bool = False,
              fmt: str = "xlsx", seed: int = 0) -> pd.DataFrame:
    """Write a :class:`~nebase_analysis.batch.Batch` as provinces would send it.

    Layout (``fmt="xlsx"``)::

        <out_dir>/applications/<folder>/推荐汇总表.xlsx       annex 1 of that province
        <out_dir>/applications/<folder>/<seq>_<name>.xlsx    one filled template per applicant

    ``fmt="docx"``: every province sends the official Word forms
    (:func:`nebase_analysis.wordforms.write_form_docx`, variations drawn per form from
    ``seed``, file names as provinces name them: ``03_名称.docx``, ``附件3-名称-创建申请书.docx``
    ...) and its summary as a Word table (``附件1-…推荐汇总表.docx``), except one or two
    provinces whose summary is a plain sheet (``附件1 推荐汇总表.xlsx``). ``fmt="mixed"``: as
    ``docx``, but some provinces (``wordforms.raw_formats.mixed_xlsx_provinces``, 5) in the
    xlsx templates exactly as ``fmt="xlsx"`` writes them.

    ``<folder>`` is the canonical province name unless ``folder_names`` maps it to an
    alias (``{"广东省": "粤"}``). ``seq`` is the applicant's 序号 in its province's
    summary: the batch's own (``batch.summary`` with ``applicant_id`` and ``seq``
    columns, or an ``applicants.seq`` column), else parks first then enterprises, by
    applicant id. Intake numbers applicants ``P-GD-01``... within each category in
    ``seq`` order, so a batch whose ids follow that order round-trips to the same ids.

    Parameters
    ----------
    batch : Batch
    out_dir : path
        The raw root (``data/raw``).
    raw_values : DataFrame or dict, optional
        Cell overrides for fault injection, written verbatim instead of the batch's
        value. Tidy ``DataFrame[applicant_id, key, raw]`` (``field``/``value`` accepted
        as column names) or ``{applicant_id: {key: raw}}``. ``key`` is:

        - a wide column of ``applicants`` (``total_revenue_2024``, ``credit_code``,
          ``domain``, ``recommender``, ``filled_date`` ...);
        - a long-text section id (``plan_basis``, ``policy`` ...);
        - a list cell ``top_enterprises.<rank>.<enterprise|revenue|business>`` or
          ``top_products.<rank>.<product|sales|market_share>``;
        - ``summary.<seq|applicant_unit|name|category|domain>``: that applicant's cell
          in the province summary; ``summary.recommender`` / ``summary.province``: the
          summary's header cells (any applicant of the province may carry it);
        - ``_summary_row`` = False: leave the applicant out of the summary;
          ``_workbook`` = False: write no workbook (no Word form) for it; ``_file_name``:
          the file name to use instead of ``<seq>_<name>.xlsx`` (for a Word form an
          ``.xlsx`` suffix becomes ``.docx``).

        ``raw`` is written as is: ``"1,234.5"``, ``"12.3%"``, ``"１２３"``, ``"3000万元"``
        and ``"无"`` stay text (a string starting with ``=`` too: never a formula);
        numbers stay numbers; ``None`` leaves the cell blank. The Word forms print no
        所属省份, nor does annex 1: ``province`` and ``summary.province`` overrides are not
        written there.
    folder_names : mapping, optional
        Canonical province -> folder name (province-alias faults).
    jobs : int
        Worker processes (1: in this process).
    fmt : {"xlsx", "docx", "mixed"}
    seed : int
        Seed of the formats of provinces and the variations of Word forms (numpy
        ``default_rng``); ``fmt="xlsx"`` draws nothing.

    Returns
    -------
    DataFrame
        The manifest: ``applicant_id, province, category, seq, folder, path, format,
        variant`` (path ``None`` when ``_workbook`` is False; format ``xlsx`` or ``docx``;
        variant the compact record of the Word form's variations,
        :func:`nebase_analysis.wordforms.variant_text`, ``""`` for xlsx), plus a row per
        province summary (``applicant_id`` None, ``category`` ``summary``, format ``xlsx``,
        ``docx`` or ``sheet``).

    Examples
    --------
    >>> write_raw(batch, "data/raw", {"E-GD-03": {"total_revenue_2024": "1,234.5"}})  # doctest: +SKIP
    >>> write_raw(batch, "data/raw", fmt="mixed", seed=0).format.value_counts()       # doctest: +SKIP
    """
    import numpy as np

    if fmt not in RAW_FORMATS:
        raise ValueError(f"未知的输出格式 {fmt!r}：应为 {'、'.join(RAW_FORMATS)}")
    cfg = resolve_config(config)
    root = Path(out_dir) / cfg["intake"]["applications_dir"]
    root.mkdir(parents=True, exist_ok=True)
    folder_names = dict(folder_names or {})
    ov: dict[str, dict[str, Any]] = {}
    for aid, key, raw in raw_overrides_table(raw_values).itertuples(index=False):
        ov.setdefault(aid, {})[key] = raw
    ctx = {"values": applicant_cell_values(batch, cfg), "apps": batch.applicants.set_index("applicant_id"),
           "ov": ov, "rng": np.random.default_rng(seed), "cfg": cfg}
    order = _summary_order(batch, cfg)
    formats = _province_formats(sorted(order["province"].unique()), fmt, ctx["rng"], cfg)
    tasks: list[tuple] = []
    manifest: list[dict] = []
    for province, g in order.groupby("province", sort=True):
        pdir = root / safe_file_name(folder_names.get(province, province))
        pdir.mkdir(parents=True, exist_ok=True)
        _write_province(province, g, pdir, formats[province], ctx, tasks, manifest)
    _run_tasks(tasks, cfg, jobs, progress)
    return pd.DataFrame(manifest)


def _write_province(province: str, g: pd.DataFrame, pdir: Path, formats: tuple[str, str], ctx: Mapping,
                    tasks: list, manifest: list) -> None:
    """One province of :func:`write_raw`: its summary written now, its forms queued in ``tasks``."""
    from nebase_analysis import wordforms

    cfg, rng = ctx["cfg"], ctx["rng"]
    form_fmt, summary_fmt = formats
    srows, recommender, prov_cell, used = [], None, province, set()
    for rec in g.itertuples(index=False):
        a, o = ctx["apps"].loc[rec.applicant_id], ctx["ov"].get(rec.applicant_id, {})
        vals = _applicant_values(ctx["values"], rec.applicant_id, province, o, cfg)
        recommender = recommender if recommender is not None else vals["recommender"]
        recommender = o.get("summary.recommender", recommender)
        prov_cell = o.get("summary.province", prov_cell)
        if o.get("_summary_row", True) is not False:
            srows.append(_summary_row(a, rec.seq, o))
        path, variant = None, None
        if o.get("_workbook", True) is not False:
            if form_fmt == "xlsx":
                fname = o.get("_file_name") or f"{rec.seq:02d}_{safe_file_name(a.get('name'))}.xlsx"
            else:
                variant = wordforms.draw_variant(rng, cfg)
                fname = _docx_file_name(o.get("_file_name"), variant, rec.category, rec.seq, a.get("name"), used, cfg)
            path = pdir / fname
            tasks.append((str(path), rec.category, vals, form_fmt, variant))
        manifest.append({"applicant_id": rec.applicant_id, "province": province, "category": rec.category, "seq": rec.seq,
                         "folder": pdir.name, "path": None if path is None else str(path), "format": form_fmt,
                         "variant": wordforms.variant_text(variant, cfg)})
    path, vtext = _write_summary(summary_fmt, pdir, pd.DataFrame(srows), recommender, prov_cell, rng, cfg)
    manifest.append({"applicant_id": None, "province": province, "category": "summary", "seq": None,
                     "folder": pdir.name, "path": str(path), "format": summary_fmt, "variant": vtext})


def _run_tasks(tasks: list, cfg: Mapping, jobs: int, progress: bool) -> None:
    """Write the queued forms, in worker processes when ``jobs`` > 1."""
    if jobs > 1 and len(tasks) > 1:
        from concurrent.futures import ProcessPoolExecutor

        chunks = [tasks[i::jobs] for i in range(jobs)]
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            list(ex.map(_write_many, chunks, [cfg] * len(chunks)))
        return
    it = tasks
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(tasks, desc="写出申请书", unit="份")
    _write_many(it, cfg)


def _write_many(tasks: Any, cfg: Mapping) -> int:
    """Write ``(path, form, values, fmt, variant)`` forms (``xlsx`` workbooks or ``docx``
    Word forms); layout rows, bounds and Word form specs prepared once."""
    rows = {f: _layout_rows(form_layout(f, cfg)) for f in category_labels(cfg)}
    bounds = _bounds(cfg)
    specs: dict[str, Any] = {}
    n = 0
    for path, form, vals, fmt, variant in tasks:
        if fmt == "docx":
            from nebase_analysis.wordforms import form_spec, write_form_docx

            if form not in specs:
                specs[form] = form_spec(form, cfg)
            write_form_docx(path, form, vals, cfg, variant, layout=specs[form])
        else:
            _write_form(Path(path), form, vals, cfg, rows[form], bounds)
        n += 1
    return n


# ----------------------------------------------------------------------------- CLI


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase template``."""
    parser.add_argument("--out", required=True, help="输出目录")
    parser.add_argument("--config", default=None, help="用户配置文件（YAML）")


def run_cli(args: argparse.Namespace) -> int:
    """``nebase template --out DIR``: write the three templates (exit 1 with a Chinese message on bad input)."""
    import sys

    try:
        paths = write_templates(args.out, args.config)
    except (OSError, ValueError) as exc:
        print(f"nebase template：无法写出模板（{exc}）", file=sys.stderr)
        return 1
    for p in paths:
        print(f"已生成模板：{p}")
    return 0
