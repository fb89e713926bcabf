"""Intake: read what provinces send into a clean :class:`~nebase_analysis.batch.Batch`.

Raw layout (see :func:`nebase_analysis.templates.write_raw`)::

    <raw>/applications/<省份>/推荐汇总表.xlsx        annex 1 summary of that province
    <raw>/applications/<省份>/<seq>_<name>.xlsx     one park/enterprise template per applicant

``load_batch`` takes the raw root (and uses ``applications/`` inside) or the
applications folder itself. The province of a folder is its name resolved through
the aliases of ``provinces.yaml`` (``广东``, ``粤``, ``广东省``, or a name starting with one:
``广东省（补报）``), else its summary's header; cross-checked with the summary's and each
cover's 推荐单位 and 所属省份; a disagreement is reported. One folder per province is read:
the one named exactly as the province, else the first by name; every file of another folder
of the same province is reported (not merged: its applicants would be numbered twice).
Files in subfolders of a province folder are reported, not read.

What is read
    Workbooks are read with python-calamine (values); formulas and merged cells are
    found by a quick look into the sheet XML. Every cell is read by the field id in
    the template's hidden column A and its label is checked, so a moved row or cell
    is detected rather than misread.

Nothing is dropped silently
    ``Batch.rejected`` (``path, sheet, cell, field, applicant_id, scope, value, reason``)
    lists, in Chinese, every file, row or value not taken; ``value`` is the text as typed
    that the reason quotes (the cell's content, a formula, the summary's 序号/类别/领域/名称,
    the cover's 推荐单位/所属省份), ``None`` for a file or a row:

    - ``scope == "file"``: the workbook was not read (corrupt, password-protected,
      another template or an old version, a missing sheet, empty, too large, a copy of
      another workbook of the folder, in a subfolder or a second folder of the
      province); the applicant is not in ``applicants``.
    - ``scope == "row"``: a summary row without a workbook; the applicant is not in
      ``applicants`` (there is nothing to read).
    - ``scope == "field"``: one value not taken (formula, merged or moved cell,
      unreadable text, digits split by spaces); the applicant is read, that value is
      missing. A missing or relabelled row is one entry (``field`` the row's field id)
      naming the values it costs.
    - ``scope == "reconcile"``: read, but reported: a workbook without a summary row
      (read, ``in_summary`` False), names/provinces/categories/domains that disagree
      between summary, cover and folder, a repeated or blank 序号 in the summary, a number
      read from approximate wording (``约30亿左右``; ``intake.approximate_numbers: refuse``
      makes it a ``field`` entry instead).

    Every applicant of the summaries therefore ends in ``applicants`` or in
    ``rejected`` with ``scope`` ``file``/``row``.

Applicant ids
    ``<id_prefix>-<province id_code>-<nn>`` (``P-GD-01``, ``E-GD-07``): the category
    prefix of ``fields.yaml``, the province's ``id_code``, and the applicant's number
    within its province and category, counting the summary rows in 序号 order (parks
    and enterprises numbered separately), then workbooks without a summary row in
    file-name order. Ids are stable across runs for the same raw files; a workbook
    missing from the summary never shifts the ids of listed applicants.

Examples
--------
>>> from nebase_analysis.intake import load_batch
>>> batch = load_batch("data/raw")                 # doctest: +SKIP
>>> batch.rejected[["path", "reason"]]             # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np
import pandas as pd

from nebase_analysis import cleaning as cl
from nebase_analysis.batch import TABLE_COLUMNS, Batch, type_applicants
from nebase_analysis.config import applicant_columns, category_labels, resolve_config

__all__ = [
    "load_batch",
    "inspect_file",
    "read_workbook",
    "read_summary",
    "applications_root",
    "make_applicant_id",
    "REJECTED_COLUMNS",
    "configure_parser",
    "run_cli",
]

REJECTED_COLUMNS = TABLE_COLUMNS["rejected"]
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


# ----------------------------------------------------------------------------- helpers


def make_applicant_id(category: str, province: str, number: int, config: Any = None) -> str:
    """``P-GD-01``: category prefix, province ``id_code``, number zero-padded.

    Examples
    --------
    >>> make_applicant_id("enterprise", "广东省", 7)
    'E-GD-07'
    """
    cfg = resolve_config(config)
    prefix = cfg["fields"]["categories"][category]["id_prefix"]
    codes = {p["name"]: p["id_code"] for p in cfg["provinces"]["units"]}
    width = int(cfg["intake"]["id_number_width"])
    return f"{prefix}-{codes[province]}-{int(number):0{width}d}"


def applications_root(path: str | Path, config: Any = None) -> Path:
    """The applications folder of a raw root (``<raw>/applications``), or ``path`` itself.

    Raises
    ------
    FileNotFoundError
        With a Chinese message when ``path`` does not exist.
    """
    cfg = resolve_config(config)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"申报材料目录不存在：{p}")
    if not p.is_dir():
        raise NotADirectoryError(f"应为申报材料目录而不是文件：{p}")
    sub = p / cfg["intake"]["applications_dir"]
    return sub if sub.is_dir() else p


def _norm_label(text: Any) -> str:
    """Labels compared without spaces, width, bracket style or units' punctuation."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s()（）,，:：]", "", s)


def _cell_ref(row: int, col: int) -> str:
    """``C5`` for (4, 2): 0-based row and column to an A1 address."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)


def _parse_ref(ref: str) -> tuple[int, int]:
    """0-based (row, column) of an A1 address."""
    from xlsxwriter.utility import xl_cell_to_rowcol

    return xl_cell_to_rowcol(ref)


# ----------------------------------------------------------------------------- file checks


def inspect_file(path: str | Path, config: Any = None) -> str | None:
    """Cheap checks before parsing: ``None`` when the file may be read, else the reason (Chinese).

    Checks, in order: size limit (``intake.max_file_mb``, before reading anything),
    empty file, OLE2/CFB signature ``D0 CF 11 E0`` (a password-protected xlsx is
    an encrypted CFB container; otherwise a legacy .xls), zip signature.

    Examples
    --------
    >>> inspect_file("/nonexistent.xlsx")
    '文件不存在'
    """
    cfg = resolve_config(config)
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        return "文件不存在"
    limit_mb = float(cfg["intake"]["max_file_mb"])
    if size > limit_mb * 1024 * 1024:
        return f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {limit_mb:g} MB），未读取；请删除图片等附件后重新报送"
    if size == 0:
        return "文件为空（0 字节）"
    with p.open("rb") as fh:
        head = fh.read(8)
        if head == OLE2_SIGNATURE:
            fh.seek(0)
            body = fh.read()
            if _ENCRYPTION_MARK in body:
                return "文件设有密码（已加密），无法读取；请取消密码后重新报送"
            return f"文件为旧版 Excel（.xls）或其他 OLE 格式，不是本项目的 xlsx 模板；请用 {cfg['fields']['template_version']} 版 xlsx 模板填报"
        if head[:4] != b"PK\x03\x04":
            return "文件损坏或不是 Excel（xlsx）文件，无法打开"
    return None


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
            import html

            out[html.unescape(name.group(1))] = targets[rid.group(1)]
    return out


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
                found = {}
                for m in re.finditer(rb'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', xml, re.S):
                    body = m.group(2) or b""
                    fm = re.search(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", body, re.S)
                    if fm:
                        import html

                        text = html.unescape((fm.group(1) or b"").decode("utf-8", "replace")) or "共享公式"
                        found[_parse_ref(m.group(1).decode())] = "=" + text if not text.startswith("=") else text
                formulas[sheet] = found
            if b"<mergeCell " in xml:
                rng = []
                for m in re.finditer(rb'<mergeCell ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"', xml):
                    r0, c0 = _parse_ref(m.group(1).decode())
                    r1, c1 = _parse_ref(m.group(2).decode())
                    rng.append((r0, c0, r1, c1))
                merges[sheet] = rng
    return formulas, merges


# ----------------------------------------------------------------------------- reading one workbook


@dataclass
class WorkbookRead:
    """What :func:`read_workbook` found in one file."""

    path: str
    form: str | None = None
    version: str | None = None
    values: dict = field(default_factory=dict)  # key -> raw cell value
    cells: dict = field(default_factory=dict)  # key -> (sheet, row, col) of non-blank values (0-based)
    problems: list = field(default_factory=list)  # (sheet, cell, key, reason, value as typed or None) field-level
    reason: str | None = None  # file-level rejection

    @property
    def ok(self) -> bool:
        return self.reason is None


def _open_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path))


def _read_meta(wb: Any, meta_sheet: str) -> dict[str, str]:
    rows = wb.get_sheet_by_name(meta_sheet).to_python(skip_empty_area=False)
    meta = {}
    for r in rows[:4]:
        if len(r) >= 2 and isinstance(r[0], str) and r[0]:
            meta[r[0]] = str(r[1]).strip() if not isinstance(r[1], float) else f"{r[1]:g}"
    return meta


_RESAVE = "请用 Excel 打开后另存为 xlsx 再报送"


def _damaged(exc: BaseException) -> str:
    """Why a workbook that passed :func:`inspect_file` could not be parsed, in Chinese only
    (no exception class names: the reader is a province's clerk).

    Examples
    --------
    >>> import zipfile
    >>> _damaged(zipfile.BadZipFile("bad"))
    '文件已损坏（压缩结构不完整），无法打开；请用 Excel 打开后另存为 xlsx 再报送'
    """
    import python_calamine as pc

    if isinstance(exc, pc.PasswordError):
        return "文件设有密码（已加密），无法读取；请取消密码后重新报送"
    if isinstance(exc, (pc.ZipError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError)):
        return f"文件已损坏（压缩结构不完整），无法打开；{_RESAVE}"
    if isinstance(exc, KeyError):
        return f"文件已损坏（缺少工作簿的组成部分），无法打开；{_RESAVE}"
    if isinstance(exc, (pc.XmlError, UnicodeDecodeError)):
        return f"文件已损坏（工作表内容无法解析），无法打开；{_RESAVE}"
    return f"文件已损坏（内部结构无法解析），无法打开；{_RESAVE}"


def _identify(path: Path, cfg: Mapping, expect: tuple[str, ...]) -> tuple[Any, dict | None, str | None]:
    """Open a workbook and check it is a current template of one of ``expect`` forms."""
    icfg = cfg["intake"]
    reason = inspect_file(path, cfg)
    if reason:
        return None, None, reason
    try:
        wb = _open_workbook(path)
        names = wb.sheet_names
    except Exception as exc:  # calamine raises its own error types
        return None, None, _damaged(exc)
    if icfg["sheets"]["meta"] not in names:
        try:
            empty = all(not any(not cl.is_blank(v) for row in wb.get_sheet_by_name(n).to_python() for v in row) for n in names)
        except Exception:
            empty = False
        if empty:
            return None, None, "工作簿为空，没有任何内容"
        return None, None, "不是本项目的填报模板（缺少模板标识），请使用 nebase template 生成的模板填报"
    try:
        meta = _read_meta(wb, icfg["sheets"]["meta"])
    except Exception as exc:
        return None, None, f"模板标识（工作表「{icfg['sheets']['meta']}」）无法读取：{_damaged(exc)}"
    version = meta.get("template_version")
    current = str(cfg["fields"]["template_version"])
    form = meta.get("form")
    labels = {**{c: f"示范{label}申请书" for c, label in category_labels(cfg).items()}, "summary": icfg["sheets"]["summary"]}
    if form not in expect:
        want = "或".join(labels[e] for e in expect)
        return None, meta, f"模板类型不符：此文件是「{labels.get(form, form or '未知模板')}」，此处应为{want}"
    if version != current:
        return None, meta, f"模板版本 {version or '未知'} 不是当前版本 {current}，请使用 {current} 版模板重新填报"
    return wb, meta, None


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


def _read_plan(layout: pd.DataFrame) -> dict[str, list[_PlanRow]]:
    """Per sheet: the :class:`_PlanRow` of every field, list and text row of a form layout.

    Computed once per form by :func:`load_batch` and passed to :func:`read_workbook`.
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


def read_workbook(path: str | Path, config: Any = None, layouts: Mapping[str, pd.DataFrame] | None = None,
                  plans: Mapping[str, dict] | None = None) -> WorkbookRead:
    """Read one applicant workbook: raw cell values by key, and what was wrong.

    Returns a :class:`WorkbookRead`; ``reason`` is set (Chinese) when the file cannot be
    taken at all, ``problems`` lists cells not taken (formulas, merged or moved cells).
    ``layouts`` (form -> :func:`~nebase_analysis.templates.form_layout`) and ``plans``
    (form -> the read plan of that layout) save recomputing them per workbook.

    Examples
    --------
    >>> r = read_workbook("data/raw/applications/广东省/01_某园区.xlsx")   # doctest: +SKIP
    >>> r.values["total_revenue_2024"]                                      # doctest: +SKIP
    """
    from nebase_analysis.templates import VALUE_COL, form_layout

    cfg = resolve_config(config)
    icfg = cfg["intake"]
    path = Path(path)
    out = WorkbookRead(path=str(path))
    wb, meta, reason = _identify(path, cfg, tuple(category_labels(cfg)))
    if reason:
        out.reason = reason
        out.form = (meta or {}).get("form")
        out.version = (meta or {}).get("template_version")
        return out
    out.form, out.version = meta["form"], meta["template_version"]
    plan = (plans or {}).get(out.form)
    if plan is None:
        layout = (layouts or {}).get(out.form)
        plan = _read_plan(form_layout(out.form, cfg) if layout is None else layout)
    needed = [icfg["sheets"]["form"], icfg["sheets"]["texts"]]
    names = wb.sheet_names
    missing = [s for s in needed if s not in names]
    if missing:
        out.reason = "缺少工作表「" + "」「".join(missing) + "」（模板结构被改动）"
        return out
    try:
        grids = {s: wb.get_sheet_by_name(s).to_python(skip_empty_area=False) for s in needed}
        formulas, merges = _xml_findings(path, needed)
    except Exception as exc:
        out.reason = _damaged(exc)
        return out
    n_expected = sum(len(v) for v in plan.values())
    n_found = 0
    any_value = False
    for sheet in needed:
        grid = grids[sheet]
        claimed: set[int] = set()
        ids: dict[str, int] = {}
        for i, r in enumerate(grid):
            rid = r[0] if r else ""
            if isinstance(rid, str) and rid and not rid.startswith("_"):
                if rid in ids:
                    out.problems.append((sheet, _cell_ref(i, 0), rid, f"字段标识「{rid}」重复出现（第 {ids[rid] + 1} 行与第 {i + 1} 行），该项未读取", rid))
                ids.setdefault(rid, i)
        merged = merges.get(sheet, [])
        fsheet = formulas.get(sheet, {})
        for p in plan.get(sheet, ()):
            row_id, label_txt, keys, width = p.row_id, p.label, p.keys, p.width
            i = ids.get(row_id)
            if i is None:  # one message for the row, naming the values it costs
                out.problems.append((sheet, None, row_id, f"找不到「{p.display}」一行（模板中位于第 {p.row + 1} 行，A 列字段标识「{row_id}」；"
                                                          f"行被删除、移动或字段标识被改动），{_row_not_read(p)}", None))
                continue
            n_found += 1
            claimed.add(i)
            r = grid[i]
            label = r[1] if len(r) > 1 else ""
            if label != label_txt and _norm_label(label) != p.label_norm:
                out.problems.append((sheet, _cell_ref(i, 1), row_id, f"第 {i + 1} 行标签为「{label}」，应为「{label_txt}」（单元格被移动或改动），{_row_not_read(p)}", label))
                continue
            for j, key in enumerate(keys):
                c = VALUE_COL + j
                if merged or fsheet:
                    ref = _cell_ref(i, c)
                    in_merge = next((m for m in merged if m[0] <= i <= m[2] and m[1] <= c <= m[3]), None)
                    if in_merge:
                        rng = f"{_cell_ref(in_merge[0], in_merge[1])}:{_cell_ref(in_merge[2], in_merge[3])}"
                        out.problems.append((sheet, ref, key, f"单元格 {ref} 位于合并单元格 {rng} 中，无法确定数值归属，该项未读取",
                                             r[c] if c < len(r) else None))
                        continue
                    if (i, c) in fsheet:
                        out.problems.append((sheet, ref, key, f"单元格 {ref} 含公式 {fsheet[(i, c)]}，模板要求直接填写数值，该项未读取", fsheet[(i, c)]))
                        continue
                v = r[c] if c < len(r) else ""
                if not cl.is_blank(v):
                    out.values[key] = v
                    out.cells[key] = (sheet, i, c)
                    any_value = True
            # values beyond the row's value columns: moved cells
            for c in range(width, len(r)):
                if not cl.is_blank(r[c]):
                    out.problems.append((sheet, _cell_ref(i, c), keys[0], f"单元格 {_cell_ref(i, c)} 在填报区域之外有内容「{_typed_text(r[c])}」（单元格被移动？），未读取", r[c]))
        # values in rows without a field id (cut-and-pasted cells)
        for i, r in enumerate(grid):
            rid = r[0] if r else ""
            if i in claimed or (isinstance(rid, str) and rid.startswith("_")):
                continue
            for c in range(VALUE_COL, len(r)):
                if not cl.is_blank(r[c]):
                    out.problems.append((sheet, _cell_ref(i, c), None, f"单元格 {_cell_ref(i, c)} 不在模板的填报位置，内容「{_typed_text(r[c])}」未读取（单元格被移动？）", r[c]))
    if n_found < n_expected / 2:
        out.reason = f"模板结构被大幅改动（{n_expected - n_found} 行缺失），无法按模板读取"
        out.values = {}
        out.problems = []
    elif not any_value:
        out.reason = "申请书未填写任何内容（空模板）"
        out.problems = []
    return out


def read_summary(path: str | Path, config: Any = None) -> tuple[pd.DataFrame, dict, str | None]:
    """Read a 推荐汇总表: ``(rows, header, reason)``.

    ``rows``: one per filled row with the raw cells by id (``seq, applicant_unit, name,
    category, domain``) and ``row`` (Excel row number); ``header``: ``recommender`` and
    ``province`` as written; ``reason``: why the file was not read (Chinese) or None.
    """
    cfg = resolve_config(config)
    icfg = cfg["intake"]
    wb, meta, reason = _identify(Path(path), cfg, ("summary",))
    if reason:
        return pd.DataFrame(), {}, reason
    sheet = icfg["sheets"]["summary"]
    if sheet not in wb.sheet_names:
        return pd.DataFrame(), {}, f"缺少工作表「{sheet}」（模板结构被改动）"
    try:
        grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        return pd.DataFrame(), {}, _damaged(exc)
    header: dict[str, Any] = {}
    cols: dict[str, int] = {}
    start = None
    for i, r in enumerate(grid):
        rid = r[0] if r else ""
        if rid in ("recommender", "province"):
            header[rid] = r[2] if len(r) > 2 else None
        elif rid == "_columns":
            cols = {v: j for j, v in enumerate(r) if isinstance(v, str) and v and j > 0}
        elif rid == "_header":
            start = i + 1
    if not cols or start is None:
        return pd.DataFrame(), header, "推荐汇总表的表头被改动，无法按模板读取"
    rows = []
    for i in range(start, len(grid)):
        r = grid[i]
        rec = {k: (r[j] if j < len(r) and not cl.is_blank(r[j]) else None) for k, j in cols.items()}
        if all(v is None for v in rec.values()):
            continue
        rec["row"] = i + 1
        rows.append(rec)
    return pd.DataFrame(rows), header, None


# ----------------------------------------------------------------------------- cleaning one applicant

def _approximate_quoted(rule: str) -> str:
    """The words of an ``approximate:<w1>/<w2>`` rule part, each in Chinese quotes.

    Examples
    --------
    >>> _approximate_quoted("approximate:约/左右")
    '“约”“左右”'
    """
    return "".join(f"“{w}”" for w in rule.split(":", 1)[1].split("/"))


def _reason_for(label: str, raw: Any, rule: str | None, unit: Any, kind: str) -> str:
    """Why a cell's value was not taken (Chinese), from the parser's rule."""
    raw = _typed_text(raw)
    if rule and rule.startswith("unit_mismatch:"):
        return f"「{label}」的值「{raw}」单位为{rule.split(':', 1)[1]}，与本行单位{unit}不符，按缺失处理"
    if rule and rule.startswith("approximate:"):
        return f"「{label}」的值「{raw}」含{_approximate_quoted(rule)}等约数用语，不能作为确切数值，按缺失处理；请填写确切数值"
    if rule == "ambiguous_spaces":
        return (f"「{label}」的值「{raw}」中数字之间有空格，无法确定是一个数还是几个数，按缺失处理；"
                "请删除空格后填写一个确切数值")
    what = {"date": "日期", "bool": "是/否", "choice": "可选项"}.get(kind, "数值")
    return f"「{label}」的值「{raw}」无法识别为{what}，按缺失处理"


@dataclass
class _Spec:
    key: str
    field: str
    kind: str
    unit: Any
    choices: Any
    label: str


def _specs(layout: pd.DataFrame, cfg: Mapping) -> list[_Spec]:
    out = []
    lists = cfg["fields"].get("lists", {})
    for row in layout.itertuples(index=False):
        if row.kind in ("field", "text"):
            for key in row.keys:
                out.append(_Spec(key, row.field, row.field_kind, row.unit, row.choices, row.label))
        elif row.kind == "list_row":
            spec = lists[row.field]
            for key, col in zip(row.keys, spec["columns"]):
                out.append(_Spec(key, row.field, col["kind"], col.get("unit"), None, f"{spec['label']}第{row.label}行{col['label']}"))
    return out


# ----------------------------------------------------------------------------- the batch


def _read_many(paths: list[str], cfg: Mapping) -> list[WorkbookRead]:
    from nebase_analysis.templates import form_layout

    plans = {f: _read_plan(form_layout(f, cfg)) for f in category_labels(cfg)}
    return [read_workbook(p, cfg, plans=plans) for p in paths]


def _duplicate_workbooks(wbs: list[dict], entries: list[dict]) -> list[tuple[dict, dict, str]]:
    """Copies among one province folder's workbooks: ``(copy, kept, why)``, ``why`` in Chinese.

    Two workbooks are the same when their bytes are identical (hashed only when their
    sizes are), or when they carry the same 序号 and the same applicant name (a copy
    edited afterwards). Of each group the one kept is the one whose file name matches a
    summary row (序号 and name, then name only), then a readable one, then the shortest
    file name: ``02_名称.xlsx`` rather than ``02_名称 - 副本.xlsx``.
    """
    import hashlib
    from collections import Counter

    listed = {(e["seq"], e["key"]) for e in entries}
    names = {e["key"] for e in entries}
    sizes = [w["path"].stat().st_size for w in wbs]
    same_size = Counter(sizes)
    digest = {i: hashlib.sha256(w["path"].read_bytes()).hexdigest()
              for i, w in enumerate(wbs) if same_size[sizes[i]] > 1}
    named = [(w["seq"], w["key"]) if w["seq"] == w["seq"] and w["key"] is not None else None for w in wbs]
    groups = cl.key_groups([digest.get(i) for i in range(len(wbs))], named)

    def rank(i: int) -> tuple:
        w = wbs[i]
        match = 0 if (w["seq"], w["stem_key"]) in listed else 1 if w["stem_key"] in names else 2
        return match, not w["read"].ok, len(w["path"].name), w["path"].name

    out = []
    for members in groups:
        if len(members) < 2:
            continue
        keep = min(members, key=rank)
        for i in sorted(members, key=lambda i: wbs[i]["path"].name):
            if i == keep:
                continue
            w = wbs[i]
            if i in digest and digest[i] == digest.get(keep):
                why = "文件内容完全相同"
            else:
                seq = f"序号 {w['seq']:g}、" if w["seq"] == w["seq"] else ""
                why = f"{seq}名称「{w['name']}」相同，但内容不同；请核实应报送哪一份"
            out.append((w, wbs[keep], why))
    return out


def load_batch(path: str | Path, config: Any = None, progress: bool = True, jobs: int = 1) -> Batch:
    """Read a raw folder of applications into a clean :class:`~nebase_analysis.batch.Batch`.

    Parameters
    ----------
    path : path
        The raw root (``data/raw``; ``applications/`` inside is used) or the
        applications folder itself.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.
    progress : bool
        Show a progress bar on stderr.
    jobs : int
        Worker processes for reading workbooks (1: in this process; see
        ``benchmarks/README.md`` for whether 2 helps).

    Returns
    -------
    Batch
        ``applicants`` (wide; numbers float64, dates datetime64, bools boolean, text
        str; plus ``source_file``, ``seq``, ``in_summary``), ``top_enterprises``,
        ``top_products``, ``texts``, ``summary``, ``rejected`` (with ``scope``) and
        ``cleaning_log``. Raw files are never modified.

    Examples
    --------
    >>> b = load_batch("data/raw", progress=False)        # doctest: +SKIP
    >>> b.applicants.applicant_id.head(2).tolist()        # doctest: +SKIP
    ['P-AH-01', 'E-AH-01']
    """
    from nebase_analysis.templates import form_layout, summary_layout

    cfg = resolve_config(config)
    icfg = cfg["intake"]
    raw_root = Path(path)
    root = applications_root(raw_root, cfg)
    rules = cl.cleaning_rules(cfg)
    forms = tuple(category_labels(cfg))
    layouts = {f: form_layout(f, cfg) for f in forms}
    plans = {f: _read_plan(layouts[f]) for f in forms}
    specs = {f: _specs(layouts[f], cfg) for f in forms}
    rel_base = raw_root if raw_root != root else root.parent
    # column of each summary field (templates write them from column B in summary_layout order)
    summary_cols = {fid: 1 + j for j, fid in enumerate(summary_layout(cfg)["id"])}
    summary_sheet = icfg["sheets"]["summary"]

    def rel(p: Any) -> str:
        try:
            return Path(p).relative_to(rel_base).as_posix()
        except ValueError:
            return str(p)

    rejected: list[dict] = []
    log: list[dict] = []

    def reject(p: Any, reason: str, scope: str, applicant_id: Any = None, sheet: Any = None, cell: Any = None, fld: Any = None,
               value: Any = None) -> None:
        rejected.append({"path": rel(p) if p is not None else None, "sheet": sheet, "cell": cell, "field": fld,
                         "applicant_id": applicant_id, "reason": reason, "scope": scope, "value": _typed_text(value)})

    # -- discover files
    summary_name = icfg["summary_file"]
    folders: list[dict] = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.is_dir():
            files = sorted([f for f in entry.iterdir() if f.is_file()], key=lambda p: p.name)
            nested = sorted((f for f in entry.rglob("*") if f.is_file() and f.parent != entry),
                            key=lambda p: p.relative_to(entry).as_posix())
            folders.append({"folder": entry, "files": files, "nested": nested})
        elif entry.is_file():
            reject(entry, f"文件不在省份文件夹中，未读取（应放在 {icfg['applications_dir']}/<省份>/ 下）", "file")

    # -- the province of each folder (its name, else its summary's header); one folder per
    # province is read: the one named exactly as the province, else the first by name
    for d in folders:
        summary_path = d["folder"] / summary_name
        d["summary"] = read_summary(summary_path, cfg) if summary_path.exists() else None
        header = d["summary"][1] if d["summary"] is not None else {}
        d["province"] = (cl.resolve_province(d["folder"].name, rules) or cl.province_from_text(d["folder"].name, rules)
                         or cl.resolve_province(header.get("province"), rules)
                         or cl.province_from_text(header.get("recommender"), rules))
    primary: dict[str, dict] = {}
    for d in sorted((d for d in folders if d["province"] is not None), key=lambda d: (d["folder"].name != d["province"], d["folder"].name)):
        primary.setdefault(d["province"], d)
    for d in folders:
        first = primary.get(d["province"])
        d["duplicate_of"] = first["folder"] if first is not None and first is not d else None

    def is_workbook(f: Path) -> bool:
        return f.name != summary_name and f.suffix.lower() == ".xlsx" and not f.name.startswith("~$")

    all_workbooks = [str(f) for d in folders if d["province"] is not None and d["duplicate_of"] is None
                     for f in d["files"] if is_workbook(f)]

    # -- read workbooks (the expensive part)
    if jobs > 1 and len(all_workbooks) > 8:
        from concurrent.futures import ProcessPoolExecutor

        chunks = [all_workbooks[i::jobs] for i in range(jobs)]
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            results = [r for part in ex.map(_read_many, chunks, [cfg] * jobs) for r in part]
    else:
        it = all_workbooks
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(all_workbooks, desc="读取申请书", unit="份", file=sys.stderr)
        results = [read_workbook(p, cfg, plans=plans) for p in it]
    reads = {r.path: r for r in results}

    applicants: list[dict] = []
    texts: list[dict] = []
    lists: dict[str, list] = {name: [] for name in cfg["fields"].get("lists", {})}
    summaries: list[dict] = []

    for d in folders:
        folder, files = d["folder"], d["files"]
        summary_path = folder / summary_name
        if d["duplicate_of"] is not None:
            # a second folder of a province (北京市（补报）/ next to 北京市/): merging it would
            # number its applicants again (duplicate ids); nothing of it is read, all reported
            for f in sorted(files + d["nested"], key=lambda p: p.relative_to(folder).as_posix()):
                reject(f, f"省份文件夹「{folder.name}」与「{d['duplicate_of'].name}」指向同一省份（{d['province']}），未读取；"
                          "请合并为一个文件夹后重新报送", "file")
            continue
        for f in d["nested"]:
            reject(f, f"位于子文件夹「{f.parent.relative_to(folder).as_posix()}」中，未读取；申请书应直接放在省份文件夹内", "file")
        province = d["province"]
        srows, header, sreason = d["summary"] if d["summary"] is not None else (pd.DataFrame(), {}, None)
        if d["summary"] is None:
            reject(summary_path, f"缺少推荐汇总表（{summary_name}），该省申请书按文件读取，无法与汇总表核对", "reconcile")
        elif sreason:
            reject(summary_path, f"推荐汇总表未读取：{sreason}", "file")
        # province cross-checks
        p_rec = cl.province_from_text(header.get("recommender"), rules)
        p_cell = cl.resolve_province(header.get("province"), rules)
        for src, pv, raw in (("推荐单位", p_rec, header.get("recommender")), ("所属省份", p_cell, header.get("province"))):
            if pv is not None and province is not None and pv != province:
                reject(summary_path, f"推荐汇总表的{src}「{raw}」属于{pv}，与文件夹「{folder.name}」（{province}）不一致", "reconcile", fld="province",
                       value=raw)
        for f in files:
            if f.name == summary_name:
                continue
            if f.name.startswith("~$"):
                reject(f, "Excel 临时文件（~$ 开头），已忽略", "file")
            elif f.suffix.lower() != ".xlsx":
                reject(f, f"不支持的文件格式（{f.suffix or '无扩展名'}），应为 xlsx 模板", "file")
        if province is None:
            for f in files:
                if is_workbook(f):
                    reject(f, f"无法识别文件夹「{folder.name}」所属省份，未读取", "file")
            continue
        if folder.name != province:
            log.append({"applicant_id": None, "field": "province", "raw": folder.name, "clean": province, "rule": "province_alias"})

        # -- summary rows, cleaned
        entries: list[dict] = []
        for rec in srows.to_dict("records") if len(srows) else []:
            seq = cl.parse_number(rec.get("seq"), None, rules).value
            cat = cl.resolve_category(rec.get("category"), rules)
            e = {"row": rec["row"], "seq": seq, "raw": rec, "category": cat, "name": cl.normalize_name(rec.get("name")),
                 "key": cl.name_key(rec.get("name"), rules), "workbook": None}
            entries.append(e)
        wbs = []
        for f in files:
            if str(f) not in reads:
                continue
            m = re.match(r"^\s*(\d+)\s*[_\-－—、. ]?\s*(.*)$", f.stem)
            seq = float(m.group(1)) if m else np.nan
            stem_name = m.group(2) if m else f.stem
            r = reads[str(f)]
            wb_name = r.values.get("name")
            name = wb_name if not cl.is_blank(wb_name) else stem_name
            wbs.append({"path": f, "seq": seq, "read": r, "name": cl.normalize_name(name), "key": cl.name_key(name, rules),
                        "stem_key": cl.name_key(stem_name, rules), "entry": None})
        # -- the same workbook twice (02_名称 - 副本.xlsx next to 02_名称.xlsx): the copy is not read
        copies = _duplicate_workbooks(wbs, entries)
        for w, kept, why in copies:
            reject(w["path"], f"与「{kept['path'].name}」重复（{why}），未读取；请删除多余的文件后重新报送", "file")
        wbs = [w for w in wbs if not any(w is c for c, _, _ in copies)]
        # -- 序号 of the summary: each a number, none twice
        seq_col = summary_cols["seq"]
        rows_by_seq: dict[float, list] = {}
        for e in entries:
            if e["seq"] == e["seq"]:
                rows_by_seq.setdefault(e["seq"], []).append(e)
            else:
                raw_seq = e["raw"].get("seq")
                what = "为空" if cl.is_blank(raw_seq) else f"「{raw_seq}」不是数字"
                reject(summary_path, f"推荐汇总表第 {e['row']} 行序号{what}，无法按序号与申请书核对；请填写序号", "reconcile",
                       sheet=summary_sheet, cell=_cell_ref(e["row"] - 1, seq_col), fld="seq", value=raw_seq)
        for seq, same in rows_by_seq.items():
            if len(same) > 1:
                cells = "、".join(f"{_cell_ref(e['row'] - 1, seq_col)}「{e['name']}」" for e in same)
                reject(summary_path, f"推荐汇总表序号 {seq:g} 重复出现 {len(same)} 次（第 {'、'.join(str(e['row']) for e in same)} 行："
                                     f"{cells}）；请为每个推荐对象填写不同的序号", "reconcile",
                       sheet=summary_sheet, cell=_cell_ref(same[1]["row"] - 1, seq_col), fld="seq", value=same[1]["raw"].get("seq"))
        # -- reconcile: by seq and name, then by name
        by_seq: dict[float, list] = {}
        for e in entries:
            by_seq.setdefault(e["seq"], []).append(e)
        by_key: dict[str, list] = {}
        for e in entries:
            by_key.setdefault(e["key"], []).append(e)
        for w in wbs:
            cand = [e for e in by_seq.get(w["seq"], []) if e["workbook"] is None]
            same = [e for e in cand if e["key"] == w["key"]]
            pick = same[0] if same else None
            if pick is None:
                named = [e for e in by_key.get(w["key"], []) if e["workbook"] is None]
                pick = named[0] if named else (cand[0] if cand else None)
                if pick is not None and pick["key"] != w["key"]:
                    w["name_mismatch"] = pick
            if pick is not None:
                pick["workbook"] = w
                w["entry"] = pick
        # -- ids: summary rows by seq, then orphans by file name
        counters: dict[str, int] = {}
        order = sorted(entries, key=lambda e: (e["seq"] if e["seq"] == e["seq"] else 1e9, e["row"]))
        orphans = [w for w in wbs if w["entry"] is None]
        sequence = [("entry", e) for e in order] + [("orphan", w) for w in orphans]
        for kind, obj in sequence:
            w = obj["workbook"] if kind == "entry" else obj
            e = obj if kind == "entry" else None
            wb_form = w["read"].form if w is not None else None
            category = wb_form if wb_form in forms else (e["category"] if e is not None else None)
            aid = None
            if category is not None:
                counters[category] = counters.get(category, 0) + 1
                aid = make_applicant_id(category, province, counters[category], cfg)
            if e is not None:
                raw = e["raw"]
                summaries.append({"province": province, "recommender": header.get("recommender"), "seq": e["seq"],
                                  "applicant_unit": cl.normalize_name(raw.get("applicant_unit")), "name": e["name"],
                                  "category": e["category"], "domain": cl.resolve_domain(raw.get("domain"), rules) or raw.get("domain"),
                                  "source_file": rel(summary_path), "applicant_id": aid, "row": e["row"],
                                  "workbook": rel(w["path"]) if w is not None else None})
                if e["category"] is None:
                    reject(summary_path, f"推荐汇总表第 {e['row']} 行申报类别「{raw.get('category')}」无法识别", "reconcile", aid, cell=_cell_ref(e["row"] - 1, summary_cols["category"]), fld="category",
                           value=raw.get("category"))
                if raw.get("domain") is not None and cl.resolve_domain(raw.get("domain"), rules) is None:
                    reject(summary_path, f"推荐汇总表第 {e['row']} 行申报创建领域「{raw.get('domain')}」不是十个领域之一", "reconcile", aid, cell=_cell_ref(e["row"] - 1, summary_cols["domain"]), fld="domain",
                           value=raw.get("domain"))
                if w is None:
                    reject(summary_path, f"推荐汇总表第 {e['row']} 行（序号 {raw.get('seq')}，{raw.get('name')}）没有对应的申请书文件", "row", aid)
                    continue
                if wb_form in forms and e["category"] is not None and e["category"] != wb_form:
                    reject(w["path"], f"推荐汇总表第 {e['row']} 行申报类别为「{raw.get('category')}」，但申请书是{cfg['fields']['categories'][wb_form]['label']}模板", "reconcile", aid, fld="category",
                           value=raw.get("category"))
                if w.get("name_mismatch") is not None:
                    reject(w["path"], f"申请书名称与推荐汇总表第 {e['row']} 行「{raw.get('name')}」不一致（按序号对应）", "reconcile", aid, fld="name",
                           value=raw.get("name"))
            else:
                twin = next((o["path"].name for o in wbs if o is not w and o["seq"] == w["seq"]), None)
                also = f"（文件名中的序号 {w['seq']:g} 与「{twin}」相同）" if twin else ""
                reject(w["path"], f"推荐汇总表中没有该申请书对应的行{also}；已读取，请核实是否为本省推荐对象", "reconcile", aid)
            r = w["read"]
            if not r.ok:
                reject(w["path"], r.reason, "file", aid)
                continue
            row = _clean_applicant(r, aid, province, specs[r.form], cfg, rules, reject, log, texts, lists, w["path"])
            row["source_file"] = rel(w["path"])
            row["seq"] = e["seq"] if e is not None else w["seq"]
            row["in_summary"] = e is not None
            # cross-checks: domain and province of the cover vs summary / folder
            if e is not None:
                sdom = cl.resolve_domain(e["raw"].get("domain"), rules)
                if row.get("domain") is None and sdom is not None:
                    row["domain"] = sdom
                elif sdom is not None and row.get("domain") != sdom:
                    reject(w["path"], f"申请书申报领域「{row.get('domain')}」与推荐汇总表「{sdom}」不一致", "reconcile", aid, fld="domain",
                           value=r.values.get("domain"))
                if cl.is_blank(row.get("name")) and e["name"]:
                    row["name"] = e["name"]
            for src, raw_v, pv in (("推荐单位", r.values.get("recommender"), cl.province_from_text(r.values.get("recommender"), rules)),
                                   ("所属省份", r.values.get("province"), cl.resolve_province(r.values.get("province"), rules))):
                if pv is not None and pv != province:
                    reject(w["path"], f"申请书封面的{src}「{raw_v}」属于{pv}，与文件夹「{folder.name}」（{province}）不一致", "reconcile", aid, fld="province",
                           value=raw_v)
            applicants.append(row)
    return _assemble(applicants, texts, lists, summaries, rejected, log, cfg)


def _typed_text(value: Any) -> str | None:
    """A cell's value as the province typed it, as text (the ``value`` of ``rejected``): text as
    is, a number without a trailing ``.0``, a date as ``YYYY-MM-DD``; ``None`` when blank.

    Examples
    --------
    >>> _typed_text("约30亿左右"), _typed_text(2.0), _typed_text(2.5), _typed_text("  ")
    ('约30亿左右', '2', '2.5', None)
    """
    if cl.is_blank(value):
        return None
    return value if isinstance(value, str) else cl.parse_text(value).value


def _where(r: WorkbookRead, key: str) -> tuple[str | None, str | None]:
    """Sheet and A1 cell a value of ``r`` was read from (``(None, None)`` when not read)."""
    where = r.cells.get(key)
    return (where[0], _cell_ref(where[1], where[2])) if where else (None, None)


def _clean_applicant(r: WorkbookRead, aid: str, province: str, specs: list[_Spec], cfg: Mapping, rules: Any,
                     reject: Any, log: list, texts: list, lists: dict, path: Path) -> dict:
    row: dict[str, Any] = {"applicant_id": aid, "category": r.form, "province": province}
    for sheet, cell, key, reason, typed in r.problems:
        reject(path, reason, "field", aid, sheet=sheet, cell=cell, fld=key, value=typed)
    list_rows: dict[tuple, dict] = {}
    for s in specs:
        raw = r.values.get(s.key)
        if s.field in ("name", "applicant_unit", "recommender"):
            p = cl.parse_text(raw, rules)
            v = cl.normalize_name(p.value) if p.value is not None else None
            rule = p.rule if v == p.value else "+".join(x for x in (p.rule, "name_normalized") if x)
            p = cl.Parsed(v, rule, True)
        elif s.field == "domain":
            p = cl.parse_text(raw, rules)
            if p.value is not None:
                d = cl.resolve_domain(p.value, rules)
                p = cl.Parsed(d, None if d == raw else "domain_alias", d is not None)
        elif s.field == "province":
            p = cl.parse_text(raw, rules)
            if p.value is not None:
                pv = cl.resolve_province(p.value, rules)
                p = cl.Parsed(pv, None if pv == raw else "province_alias", pv is not None)
        elif s.field == "credit_code":
            v = cl.normalize_credit_code(raw)
            p = cl.Parsed(v, None if v == raw or v is None else "credit_code_normalized", True)
        else:
            p = cl.clean_value(raw, s.kind, s.unit, s.choices, rules)
        if not p.ok:
            sheet, cell = _where(r, s.key)
            reject(path, _reason_for(s.label, raw, p.rule, s.unit, s.kind), "field", aid, sheet=sheet, cell=cell, fld=s.key,
                   value=raw)
        elif p.rule is not None:
            log.append({"applicant_id": aid, "field": s.key, "raw": None if raw is None else str(raw),
                        "clean": None if cl.is_blank(p.value) or p.value is pd.NaT else str(p.value.date() if isinstance(p.value, pd.Timestamp) else p.value),
                        "rule": p.rule})
            approx = next((part for part in p.rule.split("+") if part.startswith("approximate:")), None)
            if approx is not None:  # read, but an approximate figure is never passed off as exact
                sheet, cell = _where(r, s.key)
                reject(path, f"「{s.label}」的值「{raw}」含{_approximate_quoted(approx)}等约数用语，已按约数 {p.value:.12g} 读取；请核实并填写确切数值",
                       "reconcile", aid, sheet=sheet, cell=cell, fld=s.key, value=raw)
        if s.kind == "longtext":
            if p.value is not None:
                texts.append({"applicant_id": aid, "section": s.key, "text": p.value})
        elif "." in s.key and s.key.split(".")[0] in lists:
            name, rank, col = s.key.split(".")
            list_rows.setdefault((name, int(rank)), {"applicant_id": aid, "rank": int(rank)})[col] = p.value
        else:
            row[s.key] = p.value
    for (name, rank), rec in sorted(list_rows.items()):
        if any(not cl.is_blank(v) for k, v in rec.items() if k not in ("applicant_id", "rank")):
            lists[name].append(rec)
    return row


def _assemble(applicants: list, texts: list, lists: dict, summaries: list, rejected: list, log: list, cfg: Mapping) -> Batch:
    cols = applicant_columns(None, cfg)
    extra = ["source_file", "seq", "in_summary"]
    df = pd.DataFrame(applicants, columns=cols + extra) if applicants else pd.DataFrame(columns=cols + extra)
    apps = type_applicants(df, cfg)
    lists_df = {}
    for name, spec in cfg["fields"].get("lists", {}).items():
        lcols = ["applicant_id", "rank"] + [c["id"] for c in spec["columns"]]
        t = pd.DataFrame(lists[name], columns=lcols)
        t["rank"] = t["rank"].astype("int64")
        for c in spec["columns"]:
            t[c["id"]] = t[c["id"]].astype("float64") if c["kind"] == "number" else t[c["id"]].astype(object).astype("str")
        t["applicant_id"] = t["applicant_id"].astype("str")
        lists_df[name] = t
    summary = pd.DataFrame(summaries, columns=[*TABLE_COLUMNS["summary"], "applicant_id", "row", "workbook"])
    summary["seq"] = summary["seq"].astype("float64")
    rej = pd.DataFrame(rejected, columns=REJECTED_COLUMNS).astype(object)
    logdf = pd.DataFrame(log, columns=TABLE_COLUMNS["cleaning_log"]).astype(object)
    return Batch(
        applicants=apps,
        top_enterprises=lists_df.get("top_enterprises"),
        top_products=lists_df.get("top_products"),
        texts=pd.DataFrame(texts, columns=TABLE_COLUMNS["texts"]).astype("str"),
        summary=summary,
        rejected=rej,
        cleaning_log=logdf,
    )


# ----------------------------------------------------------------------------- CLI


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase ingest``."""
    parser.add_argument("raw", help="申报材料目录（data/raw 或其中的 applications）")
    parser.add_argument("--out", required=True, help="输出目录（写出 Parquet）")
    parser.add_argument("--config", default=None, help="用户配置文件（YAML）")
    parser.add_argument("--jobs", type=int, default=1, help="并行读取的进程数")
    parser.add_argument("--quiet", action="store_true", help="不显示进度条")


def summary_text(batch: Batch, config: Any = None) -> str:
    """The Chinese summary ``nebase ingest`` prints: applicants per province and
    category, rejected files and values by reason.

    Examples
    --------
    >>> print(summary_text(Batch.empty()))   # doctest: +ELLIPSIS
    读取申报对象 0 个...
    """
    cfg = resolve_config(config)
    cats = category_labels(cfg)
    a = batch.applicants
    lines = [f"读取申报对象 {len(a)} 个（" + "，".join(f"{cats[c]} {int((a.category == c).sum()) if len(a) else 0} 个" for c in cats) + "）"]
    if len(a):
        t = a.groupby(["province", "category"]).size().unstack(fill_value=0)
        for prov, r in t.iterrows():
            lines.append(f"  {prov}：" + "，".join(f"{cats[c]} {int(r.get(c, 0))}" for c in cats))
    rej = batch.rejected
    if len(rej):
        for scope, label in cfg["intake"]["scope_labels"].items():
            part = rej[rej["scope"] == scope] if "scope" in rej.columns else rej.iloc[0:0]
            if len(part):
                lines.append(f"{label}：{len(part)} 项")
                for rec in part.head(20).itertuples():
                    where = f"{rec.path}" + (f" {rec.sheet}!{rec.cell}" if isinstance(rec.cell, str) and rec.cell else "")
                    lines.append(f"  - {where}：{rec.reason}")
                if len(part) > 20:
                    lines.append(f"  …… 另有 {len(part) - 20} 项，见 rejected.parquet")
    else:
        lines.append("没有被拒收的文件或数值")
    lines.append(f"清洗记录 {len(batch.cleaning_log)} 条")
    return "\n".join(lines)


def _nothing_read_message(path: str | Path, config: Any = None) -> str:
    """Why a raw folder gave no applicant, in Chinese, naming the folder looked in."""
    cfg = resolve_config(config)
    root = applications_root(path, cfg)
    folders = [d for d in root.iterdir() if d.is_dir()]
    if not folders:
        return (f"在 {root} 中没有找到省份文件夹（应为 {cfg['intake']['applications_dir']}/<省份>/ 下的 xlsx 申请书），"
                "未读取到任何申报对象")
    n_xlsx = sum(1 for d in folders for f in d.iterdir() if f.is_file() and f.suffix.lower() == ".xlsx")
    if n_xlsx == 0:
        return f"在 {root} 的 {len(folders)} 个省份文件夹中没有找到 xlsx 申请书或推荐汇总表，未读取到任何申报对象"
    return f"在 {root} 中找到 {n_xlsx} 个 xlsx 文件，但没有读取到任何申报对象（原因见上方未读取的文件）"


def run_cli(args: argparse.Namespace) -> int:
    """``nebase ingest RAW --out PROCESSED``.

    Returns 0, or 1 with a Chinese message on stderr when the folder is missing or no
    applicant could be read from it (nothing is written then).
    """
    try:
        batch = load_batch(args.raw, args.config, progress=not args.quiet, jobs=args.jobs)
    except (FileNotFoundError, NotADirectoryError) as exc:
        print(f"nebase ingest：{exc}", file=sys.stderr)
        return 1
    if len(batch.applicants) == 0:
        print(summary_text(batch, args.config))
        print(f"nebase ingest：{_nothing_read_message(args.raw, args.config)}；未写出 {Path(args.out)}", file=sys.stderr)
        return 1
    batch.to_parquet(args.out)
    print(summary_text(batch, args.config))
    print(f"已写出：{Path(args.out)}")
    return 0
