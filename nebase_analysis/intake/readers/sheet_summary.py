"""Reader of a plain sheet laid out as annex 1 (推荐汇总表), without our template's ``_meta``.

Provinces often send annex 1 as a sheet of their own: a title row, a
``推荐单位（盖章）：xxx`` line, a header row, one row per applicant, perhaps a footnote. The
header row is found by its cells: each, normalised with NFKC and whitespace removed (line
breaks inside a header too), must name one annex 1 column — the labels of
:func:`nebase_analysis.templates.summary_layout` and ``fields.yaml`` (``序号``, ``申报单位名称``,
``园区/企业名称``, ``申报类别``, ``申报创建领域``), a bracketed note after it allowed
(``申报类别（园区/企业）``). The ``推荐单位…：`` and ``所属省份：`` lines give the header. Rows
follow until the data ends (a footnote line starting with a word of
``intake.summary_footer_words`` ends it): rows with nothing but a 序号 (pre-numbered blank
rows) and blank rows are skipped. Places are ``(sheet, A1 cell)``.

Examples
--------
>>> _norm("申报类别\\n（园区/企业）"), _bare(_norm("申报类别\\n（园区/企业）"))
('申报类别(园区/企业)', '申报类别')
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Mapping

from nebase_analysis import cleaning as cl
from nebase_analysis.config import field_schema, resolve_config
from nebase_analysis.intake.files import _cell_ref, _damaged, open_workbook
from nebase_analysis.intake.record import SummaryRecord

__all__ = ["read_summary", "find_header"]


def _norm(text: Any) -> str:
    """NFKC, every whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def _bare(norm: str) -> str:
    """A normalised header without its bracketed notes (``申报类别(园区/企业)`` -> ``申报类别``)."""
    return re.sub(r"\([^()]*\)", "", norm)


def _column_names(cfg: Mapping) -> dict[str, set[str]]:
    """Summary field id -> the normalised header texts naming it (label and printed label)."""
    from nebase_analysis.templates import summary_layout

    schema = field_schema(cfg).set_index("id")
    names = {}
    for f in summary_layout(cfg).itertuples():
        names[f.id] = {_norm(f.label), _norm(schema.loc[f.id, "label"]), _norm(schema.loc[f.id, "printed_summary"])}
    return names


def _match_header(row: list, names: Mapping[str, set[str]]) -> dict[str, int]:
    """Field id -> column of a candidate header row (the first column naming each field)."""
    cols: dict[str, int] = {}
    for j, v in enumerate(row):
        if not isinstance(v, str) or not v.strip():
            continue
        n = _norm(v)
        for fid, cands in names.items():
            if fid not in cols and (n in cands or _bare(n) in cands):
                cols[fid] = j
                break
    return cols


def find_header(grid: list, config: Any = None) -> tuple[int | None, dict[str, int]]:
    """The header row of annex 1 in a sheet: ``(row index, {field id: column})``.

    The first row naming every annex 1 column; ``(None, best)`` when none does, ``best``
    the columns of the row that named most (to tell what is missing).

    Examples
    --------
    >>> find_header([["推荐汇总表"], ["序号", "申报单位名称", "园区/企业名称", "申报类别（园区/企业）", "申报创建领域"]])
    (1, {'seq': 0, 'applicant_unit': 1, 'name': 2, 'category': 3, 'domain': 4})
    """
    names = _column_names(resolve_config(config))
    best: dict[str, int] = {}
    for i, row in enumerate(grid):
        cols = _match_header(row, names)
        if len(cols) == len(names):
            return i, cols
        if len(cols) > len(best):
            best = cols
    return None, best


def _labelled(grid: list, rows: range, label: str) -> Any:
    """The value of a ``<label>（盖章）：value`` line (after the colon, else the next cell)."""
    key = _norm(label)
    for i in rows:
        row = grid[i]
        for j, v in enumerate(row):
            if not isinstance(v, str) or not _norm(v).startswith(key):
                continue
            parts = re.split(r"[：:]", v, maxsplit=1)
            value = parts[1].strip() if len(parts) > 1 else ""
            if value:
                return value
            return next((w for w in row[j + 1:] if not cl.is_blank(w)), None)
    return None


def _is_footer(row: list, words: tuple) -> bool:
    first = next((v for v in row if not cl.is_blank(v)), None)
    if not isinstance(first, str):
        return False
    text = unicodedata.normalize("NFKC", first).strip()
    return any(re.match(rf"^{re.escape(w)}\s*(?:[:：.、\d]|$)", text) for w in words)


def _rows(grid: list, start: int, cols: Mapping[str, int], sheet: str, words: tuple) -> tuple[list, int]:
    """The data rows from ``start``: ``(rows, index after the data)``."""
    out = []
    i = start
    for i in range(start, len(grid)):
        r = grid[i]
        if _is_footer(r, words):
            return out, i
        rec: dict[str, Any] = {k: (r[j] if j < len(r) and not cl.is_blank(r[j]) else None) for k, j in cols.items()}
        if all(v is None for k, v in rec.items() if k != "seq"):
            continue  # a blank row, or a pre-numbered one left empty
        rec["row"] = i + 1
        rec["places"] = {k: (sheet, _cell_ref(i, j)) for k, j in cols.items()}
        out.append(rec)
    return out, len(grid)


def _missing_columns(best: Mapping[str, int], cfg: Mapping) -> str:
    from nebase_analysis.templates import summary_layout

    lay = summary_layout(cfg)
    wanted = "、".join(f"“{label}”" for label in lay.label)
    missing = [label for fid, label in zip(lay.id, lay.label) if fid not in best]
    if best and len(missing) < len(lay):
        return f"推荐汇总表的表头缺少{'、'.join(f'“{m}”' for m in missing)}列，无法读取；表头应有{wanted}各列"
    return f"未找到推荐汇总表的表头（应有{wanted}各列），无法读取；请按附件1的格式或本项目的推荐汇总表模板填报"


def read_summary(path: str | Path, config: Any = None) -> SummaryRecord:
    """Read a plain annex 1 sheet into a :class:`~nebase_analysis.intake.record.SummaryRecord` (fmt ``sheet``).

    The first sheet with an annex 1 header row is read (see the module docstring).

    Examples
    --------
    >>> read_summary("/nonexistent.xlsx").reason
    '文件不存在'
    """
    cfg = resolve_config(config)
    schema = field_schema(cfg).set_index("id")
    out = SummaryRecord(path=str(path), fmt="sheet")
    book, out.reason, _ = open_workbook(path, cfg)
    if out.reason:
        return out
    best: dict[str, int] = {}
    empty = True
    for sheet in book.sheet_names:
        try:
            grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
            out.reason = _damaged(exc)
            return out
        empty = empty and not any(not cl.is_blank(v) for r in grid for v in r)
        at, cols = find_header(grid, cfg)
        if at is None:
            best = cols if len(cols) > len(best) else best
            continue
        words = tuple(cfg["intake"].get("summary_footer_words", ()))
        out.rows, end = _rows(grid, at + 1, cols, sheet, words)
        for fid in ("recommender", "province"):
            label = schema.loc[fid, "printed_summary"]
            value = _labelled(grid, range(at), label)
            out.header[fid] = value if value is not None else _labelled(grid, range(end, len(grid)), label)
        return out
    out.reason = "工作簿为空，没有任何内容" if empty else _missing_columns(best, cfg)
    return out
