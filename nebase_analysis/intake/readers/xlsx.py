"""Reader of our own Excel templates (:mod:`nebase_analysis.templates`): forms and summary.

Workbooks are opened with python-calamine through :func:`~nebase_analysis.intake.files.open_workbook`
(values); formulas and merged cells are found by a quick look into the sheet XML. Every
cell is read by the field id in the template's hidden column A and its label is checked,
so a moved row or cell is detected rather than misread. The hidden ``_meta`` sheet says
which template (park, enterprise, summary) and which version a workbook is.

:func:`read_workbook` (also :func:`read_form`, the registry's name) gives a
:class:`~nebase_analysis.intake.record.FormRecord` with fmt ``xlsx`` whose places are
``(sheet, A1 cell)``; :func:`read_summary` a
:class:`~nebase_analysis.intake.record.SummaryRecord` of the annex 1 template.

Examples
--------
>>> r = read_workbook("data/raw/applications/广东省/01_某园区.xlsx")   # doctest: +SKIP
>>> r.values["total_revenue_2024"], r.where("total_revenue_2024")     # doctest: +SKIP
(123.4, ('申请书', 'D12'))
"""
from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import pandas as pd

from nebase_analysis import cleaning as cl
from nebase_analysis.intake.clean import _typed_text
from nebase_analysis.intake.files import _cell_ref, _config, _damaged, _parse_ref, open_workbook
from nebase_analysis.intake.record import FormRecord, SummaryRecord

__all__ = ["read_workbook", "read_form", "read_summary", "read_plan", "has_meta"]


def _norm_label(text: Any) -> str:
    """Labels compared without spaces, width, bracket style or units' punctuation."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s()（）,，:：]", "", s)


# ----------------------------------------------------------------------------- sheet XML


def _sheet_xml_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> XML path inside the xlsx."""
    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {}
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        rid = re.search(r'\bId="([^"]+)"', tag)
        tgt = re.search(r'\bTarget="([^"]+)"', tag)
        if rid and tgt:
            t = tgt.group(1).lstrip("/")
            targets[rid.group(1)] = t if t.startswith("xl/") else f"xl/{t}"
    out = {}
    for m in re.finditer(r"<sheet\b[^>]*>", wb):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]+)"', tag)
        rid = re.search(r'\br:id="([^"]+)"', tag) or re.search(r'\bid="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            out[html.unescape(name.group(1))] = targets[rid.group(1)]
    return out


def _formulas(xml: bytes) -> dict[tuple[int, int], str]:
    """(row, col) -> formula text of one sheet's XML."""
    found = {}
    for m in re.finditer(rb'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', xml, re.S):
        fm = re.search(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", m.group(2) or b"", re.S)
        if fm:
            text = html.unescape((fm.group(1) or b"").decode("utf-8", "replace")) or "共享公式"
            found[_parse_ref(m.group(1).decode())] = "=" + text if not text.startswith("=") else text
    return found


def _xml_findings(path: Path, sheets: list[str]) -> tuple[dict, dict]:
    """Formulas ``{sheet: {(row, col): formula}}`` and merged ranges ``{sheet: [(r0, c0, r1, c1)]}``."""
    formulas: dict[str, dict] = {}
    merges: dict[str, list] = {}
    with zipfile.ZipFile(path) as zf:
        paths = _sheet_xml_paths(zf)
        for sheet in sheets:
            if sheet not in paths:
                continue
            xml = zf.read(paths[sheet])
            if re.search(rb"<f[ >/]", xml):
                formulas[sheet] = _formulas(xml)
            if b"<mergeCell " in xml:
                rng = []
                for m in re.finditer(rb'<mergeCell ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"', xml):
                    r0, c0 = _parse_ref(m.group(1).decode())
                    r1, c1 = _parse_ref(m.group(2).decode())
                    rng.append((r0, c0, r1, c1))
                merges[sheet] = rng
    return formulas, merges


# ----------------------------------------------------------------------------- template identity


def _read_meta(wb: Any, meta_sheet: str) -> dict[str, str]:
    rows = wb.get_sheet_by_name(meta_sheet).to_python(skip_empty_area=False)
    meta = {}
    for r in rows[:4]:
        if len(r) >= 2 and isinstance(r[0], str) and r[0]:
            meta[r[0]] = str(r[1]).strip() if not isinstance(r[1], float) else f"{r[1]:g}"
    return meta


def has_meta(book: Any, config: Any = None) -> bool:
    """True when an opened workbook carries our template's ``_meta`` sheet.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> has_meta(SimpleNamespace(sheet_names=["推荐汇总表", "_meta"])), has_meta(SimpleNamespace(sheet_names=["Sheet1"]))
    (True, False)
    """
    return _config(config)["intake"]["sheets"]["meta"] in book.sheet_names


def _is_empty(wb: Any) -> bool:
    try:
        return all(not any(not cl.is_blank(v) for row in wb.get_sheet_by_name(n).to_python() for v in row) for n in wb.sheet_names)
    except Exception:  # noqa: BLE001 - a sheet that cannot be read is not "empty"
        return False


def _identify(path: Path, cfg: Mapping, expect: tuple[str, ...]) -> tuple[Any, dict | None, str | None]:
    """Open a workbook and check it is a current template of one of ``expect`` forms."""
    icfg = cfg["intake"]
    wb, reason, _ = open_workbook(path, cfg)
    if reason:
        return None, None, reason
    if icfg["sheets"]["meta"] not in wb.sheet_names:
        if _is_empty(wb):
            return None, None, "工作簿为空，没有任何内容"
        return None, None, "不是本项目的填报模板（缺少模板标识），请使用 nebase template 生成的模板填报"
    try:
        meta = _read_meta(wb, icfg["sheets"]["meta"])
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        return None, None, f"模板标识（工作表「{icfg['sheets']['meta']}」）无法读取：{_damaged(exc)}"
    version = meta.get("template_version")
    current = str(cfg["fields"]["template_version"])
    form = meta.get("form")
    labels = {**{c: f"示范{v['label']}申请书" for c, v in cfg["fields"]["categories"].items()}, "summary": icfg["sheets"]["summary"]}
    if form not in expect:
        want = "或".join(labels[e] for e in expect)
        return None, meta, f"模板类型不符：此文件是「{labels.get(form, form or '未知模板')}」，此处应为{want}"
    if version != current:
        return None, meta, f"模板版本 {version or '未知'} 不是当前版本 {current}，请使用 {current} 版模板重新填报"
    return wb, meta, None


# ----------------------------------------------------------------------------- the read plan


class _PlanRow(NamedTuple):
    """One row :func:`read_workbook` looks for (by its field id in hidden column A)."""

    row_id: str
    label_norm: str  # label compared by _norm_label
    label: str  # label as printed in column B
    keys: tuple  # value keys, one per value column from C
    width: int  # first column after the value area
    row: int  # 0-based row in the template
    display: str  # how messages name the row (the label; a list row with its list's title)
    columns: tuple  # column headings of the value cells (years, list columns), () for one value


def read_plan(layout: pd.DataFrame) -> dict[str, list[_PlanRow]]:
    """Per sheet: the :class:`_PlanRow` of every field, list and text row of a form layout.

    Computed once per form by the registry and passed to :func:`read_workbook`.

    Examples
    --------
    >>> from nebase_analysis.templates import form_layout
    >>> row = next(p for p in read_plan(form_layout("park"))["申请书"] if p.row_id == "total_revenue")
    >>> row.keys[0], row.columns[-1]
    ('total_revenue_2023', '近三年平均值')
    """
    from nebase_analysis.templates import VALUE_COL

    plan: dict[str, list[_PlanRow]] = {}
    headings: dict[str, tuple] = {}  # sheet -> the last year/list header's headings
    list_title: dict[str, str] = {}
    rows = layout.astype(object)
    for sheet, row, row_id, label, keys, kind in zip(rows.sheet, rows.row, rows.row_id, rows.label, rows["keys"], rows.kind):
        if kind in ("years", "list_header"):
            headings[sheet] = tuple(keys)
        elif kind == "list_title":
            list_title[sheet] = str(label)
        elif kind in ("field", "list_row", "text"):
            keys = tuple(keys)
            width = VALUE_COL + len(keys) + (1 if kind == "text" else 0)
            display = f"{list_title.get(sheet, '')}第 {label} 行" if kind == "list_row" else str(label)
            cols = headings.get(sheet, ()) if len(keys) > 1 and len(headings.get(sheet, ())) == len(keys) else ()
            plan.setdefault(sheet, []).append(_PlanRow(row_id, _norm_label(label), label, keys, width, int(row), display, cols))
    return plan


def _row_not_read(p: _PlanRow) -> str:
    """What a missing or altered row costs, in Chinese: ``该行 2023年、2024年 … 4 项未读取``."""
    if len(p.keys) == 1:
        return "该项未读取"
    what = "、".join(p.columns) if p.columns else "、".join(p.keys)
    return f"该行 {len(p.keys)} 项（{what}）均未读取"


# ----------------------------------------------------------------------------- reading one form


def _row_ids(out: FormRecord, sheet: str, grid: list) -> dict[str, int]:
    """Field id (hidden column A) -> first row holding it; a repeated id is a problem."""
    ids: dict[str, int] = {}
    for i, r in enumerate(grid):
        rid = r[0] if r else ""
        if isinstance(rid, str) and rid and not rid.startswith("_"):
            if rid in ids:
                out.problem((sheet, _cell_ref(i, 0)), rid, f"字段标识「{rid}」重复出现（第 {ids[rid] + 1} 行与第 {i + 1} 行），该项未读取", rid)
            ids.setdefault(rid, i)
    return ids


def _read_values(out: FormRecord, sheet: str, p: _PlanRow, i: int, r: list, merged: list, fsheet: dict) -> bool:
    """The value cells of one found row; True when one of them holds a value."""
    from nebase_analysis.templates import VALUE_COL

    any_value = False
    for j, key in enumerate(p.keys):
        c = VALUE_COL + j
        if merged or fsheet:
            ref = _cell_ref(i, c)
            in_merge = next((m for m in merged if m[0] <= i <= m[2] and m[1] <= c <= m[3]), None)
            if in_merge:
                rng = f"{_cell_ref(in_merge[0], in_merge[1])}:{_cell_ref(in_merge[2], in_merge[3])}"
                out.problem((sheet, ref), key, f"单元格 {ref} 位于合并单元格 {rng} 中，无法确定数值归属，该项未读取",
                            r[c] if c < len(r) else None)
                continue
            if (i, c) in fsheet:
                out.problem((sheet, ref), key, f"单元格 {ref} 含公式 {fsheet[(i, c)]}，模板要求直接填写数值，该项未读取", fsheet[(i, c)])
                continue
        v = r[c] if c < len(r) else ""
        if not cl.is_blank(v):
            out.add(key, v, (sheet, _cell_ref(i, c)))
            any_value = True
    # values beyond the row's value columns: moved cells
    for c in range(p.width, len(r)):
        if not cl.is_blank(r[c]):
            out.problem((sheet, _cell_ref(i, c)), p.keys[0], f"单元格 {_cell_ref(i, c)} 在填报区域之外有内容「{_typed_text(r[c])}」（单元格被移动？），未读取", r[c])
    return any_value


def _read_sheet(out: FormRecord, sheet: str, grid: list, plan: list[_PlanRow], formulas: dict, merges: dict) -> tuple[int, bool]:
    """Every planned row of one sheet: ``(rows found, any value read)``."""
    from nebase_analysis.templates import VALUE_COL

    claimed: set[int] = set()
    ids = _row_ids(out, sheet, grid)
    merged, fsheet = merges.get(sheet, []), formulas.get(sheet, {})
    n_found, any_value = 0, False
    for p in plan:
        i = ids.get(p.row_id)
        if i is None:  # one message for the row, naming the values it costs
            out.problem((sheet, None), p.row_id, f"找不到「{p.display}」一行（模板中位于第 {p.row + 1} 行，A 列字段标识「{p.row_id}」；"
                                                 f"行被删除、移动或字段标识被改动），{_row_not_read(p)}")
            continue
        n_found += 1
        claimed.add(i)
        r = grid[i]
        label = r[1] if len(r) > 1 else ""
        if label != p.label and _norm_label(label) != p.label_norm:
            out.problem((sheet, _cell_ref(i, 1)), p.row_id, f"第 {i + 1} 行标签为「{label}」，应为「{p.label}」（单元格被移动或改动），{_row_not_read(p)}", label)
            continue
        any_value = _read_values(out, sheet, p, i, r, merged, fsheet) or any_value
    # values in rows without a field id (cut-and-pasted cells)
    for i, r in enumerate(grid):
        rid = r[0] if r else ""
        if i in claimed or (isinstance(rid, str) and rid.startswith("_")):
            continue
        for c in range(VALUE_COL, len(r)):
            if not cl.is_blank(r[c]):
                out.problem((sheet, _cell_ref(i, c)), None, f"单元格 {_cell_ref(i, c)} 不在模板的填报位置，内容「{_typed_text(r[c])}」未读取（单元格被移动？）", r[c])
    return n_found, any_value


def read_workbook(path: str | Path, config: Any = None, layouts: Mapping[str, pd.DataFrame] | None = None,
                  plans: Mapping[str, dict] | None = None) -> FormRecord:
    """Read one applicant workbook of our template: raw cell values by key, and what was wrong.

    Returns a :class:`~nebase_analysis.intake.record.FormRecord` (fmt ``xlsx``, places
    ``(sheet, A1 cell)``); ``reason`` is set (Chinese) when the file cannot be taken at
    all, ``problems`` lists cells not taken (formulas, merged or moved cells).
    ``layouts`` (form -> :func:`~nebase_analysis.templates.form_layout`) and ``plans``
    (form -> :func:`read_plan` of that layout) save recomputing them per workbook.

    Examples
    --------
    >>> read_workbook("/nonexistent.xlsx").reason
    '文件不存在'
    """
    from nebase_analysis.templates import form_layout

    cfg = _config(config)
    icfg = cfg["intake"]
    path = Path(path)
    out = FormRecord(path=str(path), fmt="xlsx")
    wb, meta, reason = _identify(path, cfg, tuple(cfg["fields"]["categories"]))
    out.form, out.version = (meta or {}).get("form"), (meta or {}).get("template_version")
    if reason:
        out.reason = reason
        return out
    plan = (plans or {}).get(out.form)
    if plan is None:
        layout = (layouts or {}).get(out.form)
        plan = read_plan(form_layout(out.form, cfg) if layout is None else layout)
    needed = [icfg["sheets"]["form"], icfg["sheets"]["texts"]]
    missing = [s for s in needed if s not in wb.sheet_names]
    if missing:
        out.reason = "缺少工作表「" + "」「".join(missing) + "」（模板结构被改动）"
        return out
    try:
        grids = {s: wb.get_sheet_by_name(s).to_python(skip_empty_area=False) for s in needed}
        formulas, merges = _xml_findings(path, needed)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a Chinese reason
        out.reason = _damaged(exc)
        return out
    n_expected = sum(len(v) for v in plan.values())
    found = [_read_sheet(out, sheet, grids[sheet], plan.get(sheet, ()), formulas, merges) for sheet in needed]
    n_found = sum(n for n, _ in found)
    if n_found < n_expected / 2:
        out.reason = f"模板结构被大幅改动（{n_expected - n_found} 行缺失），无法按模板读取"
        out.values, out.places, out.problems = {}, {}, []
    elif not any(v for _, v in found):
        out.reason = "申请书未填写任何内容（空模板）"
        out.problems = []
    return out


def read_form(path: str | Path, cfg: Any = None, plans: Mapping[str, dict] | None = None) -> FormRecord:
    """The registry's entry point: :func:`read_workbook`."""
    return read_workbook(path, cfg, plans=plans)


# ----------------------------------------------------------------------------- the summary template


def read_summary(path: str | Path, config: Any = None) -> SummaryRecord:
    """Read a 推荐汇总表 of our template into a :class:`~nebase_analysis.intake.record.SummaryRecord`.

    ``rows``: one per filled row with the raw cells by id (``seq, applicant_unit, name,
    category, domain``), ``row`` (Excel row number) and ``places`` (id -> ``(sheet, A1
    cell)``, blank cells included); ``header``: ``recommender`` and ``province`` as
    written; ``reason``: why the file was not read (Chinese) or None.

    Examples
    --------
    >>> read_summary("/nonexistent.xlsx").reason
    '文件不存在'
    """
    cfg = _config(config)
    sheet = cfg["intake"]["sheets"]["summary"]
    out = SummaryRecord(path=str(path), fmt="xlsx")
    wb, _, out.reason = _identify(Path(path), cfg, ("summary",))
    if out.reason:
        return out
    if sheet not in wb.sheet_names:
        out.reason = f"缺少工作表「{sheet}」（模板结构被改动）"
        return out
    try:
        grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001
        out.reason = _damaged(exc)
        return out
    cols: dict[str, int] = {}
    start = None
    for i, r in enumerate(grid):
        rid = r[0] if r else ""
        if rid in ("recommender", "province"):
            out.header[rid] = r[2] if len(r) > 2 else None
        elif rid == "_columns":
            cols = {v: j for j, v in enumerate(r) if isinstance(v, str) and v and j > 0}
        elif rid == "_header":
            start = i + 1
    if not cols or start is None:
        out.reason = "推荐汇总表的表头被改动，无法按模板读取"
        return out
    for i in range(start, len(grid)):
        r = grid[i]
        rec: dict[str, Any] = {k: (r[j] if j < len(r) and not cl.is_blank(r[j]) else None) for k, j in cols.items()}
        if all(v is None for v in rec.values()):
            continue
        rec["row"] = i + 1
        rec["places"] = {k: (sheet, _cell_ref(i, j)) for k, j in cols.items()}
        out.rows.append(rec)
    return out
