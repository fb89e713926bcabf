"""Expert score sheets: written from the evaluation points, read back with rejections.

Layout on disk (``experts.yaml`` ``sheets.layout``):

* ``per_panel`` (default, as issue 5 asks): one workbook per domain × category,
  ``<out>/<domain>_<示范园区|示范企业>.xlsx``, with one worksheet per expert (named by
  ``expert_id``) listing the applicants assigned to that expert;
* ``per_expert``: one workbook per expert per domain × category,
  ``<out>/<domain>_<category label>_<expert_id>.xlsx`` (easier to mail out).

Every expert worksheet holds the title, the instructions (Chinese), the five criteria
with their maximum and their evaluation points for that domain and category (the
general point and the domain's own point, quoted from annexes 4 and 5 through
``criteria.yaml``), then the score table: one row per applicant, one column per
criterion validated to 0..maximum, a total formula and a comment column. Only score
and comment cells are unlocked. A hidden sheet ``_meta`` records, per expert sheet,
the template version, domain, category, expert id and the applicants issued on it (in
row order), so :func:`read_sheets` knows whose scores it reads whatever the file is
renamed to, and where the score table ends.

:func:`read_sheets` reads any number of such workbooks (python-calamine) into the long
table ``scores`` (``applicant_id, expert_id, criterion, score, comment, source_file,
sheet, cell, domain, category``) and a table ``rejected`` (``path, sheet, cell, field,
applicant_id, expert_id, value, kind, reason``): scores out of range or not numbers, scores
for an applicant the expert must recuse from, duplicates (a second row for the same
applicant on a sheet, the same score in two files), sheets of unknown experts, applicants
not assigned to the expert, anything typed outside the score table (a row below it, a
note, a cell right of it), a comment without scores, unreadable files (Chinese reasons
from :func:`nebase_analysis.intake.files.open_workbook`, the safe opening intake uses too). A blank score cell is a missing score,
not a rejection. Nothing with content is skipped silently.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from nebase_analysis.config import resolve_config

__all__ = [
    "SCORE_COLUMNS",
    "REJECTED_COLUMNS",
    "REJECTION_KINDS",
    "evaluation_points",
    "write_sheets",
    "make_sheets",
    "issue_sheets",
    "read_sheets",
    "configure_parser",
    "run_cli",
]

SCORE_COLUMNS = ["applicant_id", "expert_id", "criterion", "score", "comment", "source_file", "sheet", "cell",
                 "domain", "category"]
REJECTED_COLUMNS = ["path", "sheet", "cell", "field", "applicant_id", "expert_id", "value", "kind", "reason"]

#: rejection kind -> Chinese label (the ``kind`` column of ``rejected``)
REJECTION_KINDS = {
    "file": "文件无法读取或不是评分表",
    "sheet": "工作表无法读取",
    "unknown_expert": "专家不在名册中",
    "criterion": "评审指标列缺失或未知",
    "no_applicant": "缺少申报对象编号",
    "unknown_applicant": "申报对象不在申报数据中",
    "recused": "回避",
    "not_assigned": "未分配的评审",
    "not_number": "分值不是数字",
    "out_of_range": "分值超出范围",
    "not_integer": "分值须为整数",
    "duplicate": "重复评分",
    "outside_table": "评分表区域以外的内容",
    "comment_only": "只有评语、未打分",
}

_META_COLUMNS = ["sheet", "expert_id", "expert_name", "domain", "category", "template_version", "criteria"]
#: optional last meta column: the applicant ids issued on the sheet, in row order (comma-joined);
#: it fixes the table's extent when reading back (older workbooks: the 序号 run)
_META_APPLICANTS = "applicants"

#: tables written beside the sheets by :func:`issue_sheets` (``<name>.csv``); not score sheets
ISSUED_TABLES = ("assignments", "recusals", "shortfalls")


# ---------------------------------------------------------------- evaluation points

def evaluation_points(domain: str, category: str, config: Any = None) -> pd.DataFrame:
    """The criteria of one domain and category with their maxima and evaluation points.

    Parameters
    ----------
    domain : str
        Canonical domain name (``domains.yaml``).
    category : {"park", "enterprise"}
    config : path, mapping or None

    Returns
    -------
    DataFrame
        ``criterion, name, max, general, domain_point`` in sheet order;
        ``domain_point`` is None where the notice has none for that domain.

    Examples
    --------
    >>> p = evaluation_points("新型储能制造", "park").set_index("criterion")
    >>> p.loc["basis", "domain_point"]
    '平均利润率、现行有效符合锂离子电池行业规范条件公告企业数量及占比等情况。'
    >>> p.loc["approach", "domain_point"] is None, int(p["max"].sum())
    (True, 100)
    """
    from nebase_analysis.config import criteria_table

    cfg = resolve_config(config)
    points = cfg["criteria"]["points"].get(category)
    if points is None:
        raise ValueError(f"criteria.yaml 中没有类别“{category}”的评价要点")
    rows = []
    for c in criteria_table(cfg).itertuples(index=False):
        p = points.get(c.id) or {}  # a criterion may have no points for a category
        rows.append({"criterion": c.id, "name": c.name, "max": c.max,
                     "general": p.get("general"), "domain_point": (p.get("domains") or {}).get(domain)})
    out = pd.DataFrame(rows)
    out["domain_point"] = pd.Series([r["domain_point"] for r in rows], dtype=object)  # keep None, not NaN
    return out


# ---------------------------------------------------------------- writing

def _cell(row: int, col: int) -> str:
    """Excel address of a 0-based (row, col)."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)


def _col(col: int) -> str:
    """Excel column letters of a 0-based column."""
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(col)


def _snippet(value: Any, n: int = 30) -> str:
    """A cell's text, shortened to ``n`` characters for a message."""
    t = _text(value).strip()
    return t if len(t) <= n else t[:n] + "…"


def _panel_file(domain: str, label: str, expert_id: str | None = None) -> str:
    from nebase_analysis.excel import safe_file_name

    return safe_file_name(f"{domain}_{label}" + (f"_{expert_id}" if expert_id else "")) + ".xlsx"


def _text(v: Any) -> str:
    from nebase_analysis.cleaning import is_blank

    return "" if is_blank(v) else str(v)


def _score_maps(scores: pd.DataFrame | None) -> tuple[dict, dict]:
    """{(applicant, expert, criterion): score} and {(applicant, expert): comment} of a scores table."""
    score_map: dict[tuple[str, str, str], float] = {}
    comment_map: dict[tuple[str, str], str] = {}
    if scores is None or not len(scores):
        return score_map, comment_map
    s = scores.dropna(subset=["score"])
    score_map = dict(zip(zip(s["applicant_id"].astype(str), s["expert_id"].astype(str), s["criterion"]),
                         s["score"].astype(float)))
    if "comment" in scores.columns:
        c = scores[scores["comment"].map(_text) != ""]
        for aid, eid, com in zip(c["applicant_id"].astype(str), c["expert_id"].astype(str), c["comment"]):
            comment_map.setdefault((aid, eid), str(com))
    return score_map, comment_map


def _write_workbook(path: Path, domain: str, category: str, experts: list[dict], table: pd.DataFrame,
                    points: pd.DataFrame, cfg: Mapping[str, Any], scores: tuple[dict, dict] | None) -> None:
    """One workbook: one worksheet per expert of ``experts`` plus the hidden meta sheet.

    Opened with :func:`nebase_analysis.excel.open_workbook`: a name typed as ``=...``,
    ``+...``, ``-...`` or ``@...`` stays text, never a formula or link.
    """
    from nebase_analysis.excel import open_workbook, safe_sheet_name, write_text

    scfg = cfg["experts"]["sheets"]
    label = scfg["category_labels"].get(category, category)
    keys = scfg["key_columns"]
    crit_ids = points["criterion"].tolist()
    n_key = len(keys)
    c_first = n_key
    c_total = n_key + len(crit_ids)
    c_comment = c_total + 1
    last_col = c_comment

    score_map, comment_map = scores if scores is not None else ({}, {})

    wb = open_workbook(path)
    f_title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    f_sub = wb.add_format({"bold": True, "font_size": 11})
    f_head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "align": "center", "valign": "vcenter"})
    f_wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    f_crit = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    f_point = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    f_key = wb.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"})
    f_input = wb.add_format({"border": 1, "locked": False, "bg_color": "#FFF2CC", "num_format": "0.0"})
    f_comment = wb.add_format({"border": 1, "locked": False, "bg_color": "#FFF2CC", "text_wrap": True})
    f_total = wb.add_format({"border": 1, "num_format": "0.0", "bold": True})

    widths = [6, 14, 28, 10, 24] + [13] * len(crit_ids) + [11, 36]
    line_chars = max(20, int(sum(widths[2:]) / 2.1))  # CJK characters per line of the merged points cell

    meta_rows = []
    for ex in experts:
        eid = ex["expert_id"]
        sheet = safe_sheet_name(eid)
        ws = wb.add_worksheet(sheet)
        for c, w in enumerate(widths[: last_col + 1]):
            ws.set_column(c, c, w)
        row = 0
        ws.merge_range(row, 0, row, last_col, scfg["title"].format(domain=domain, category_label=label), f_title)
        ws.set_row(row, 28)
        row += 1
        ws.merge_range(row, 0, row, last_col,
                       f"评审专家：{_text(ex.get('name'))}（{eid}）    申报领域：{domain}    申报类别：{label}", f_sub)
        row += 2
        ws.write_string(row, 0, "填写说明", f_sub)
        row += 1
        for i, line in enumerate(scfg["instructions"], 1):
            ws.merge_range(row, 0, row, last_col, f"{i}. {line}", f_wrap)
            ws.set_row(row, 15 * max(1, -(-len(line) // (line_chars + 20))))
            row += 1
        row += 1
        ws.write_string(row, 0, "评价要点", f_sub)
        row += 1
        for p in points.itertuples(index=False):
            text = f"通用要点：{_text(p.general)}"
            if _text(p.domain_point):
                text += f"\n{domain}领域要点：{p.domain_point}"
            ws.merge_range(row, 0, row, 1, scfg["criterion_header"].format(name=p.name, max=p.max), f_crit)
            ws.merge_range(row, 2, row, last_col, text, f_point)
            n_lines = sum(-(-len(part) // line_chars) for part in text.split("\n"))
            ws.set_row(row, 15 * max(2, n_lines) + 4)
            row += 1
        row += 1
        ws.write_string(row, 0, "评分表", f_sub)
        row += 1
        header_row = row
        headers = list(keys.values()) + [scfg["criterion_header"].format(name=p.name, max=p.max)
                                         for p in points.itertuples(index=False)]
        headers += [scfg["total_header"], scfg["comment_header"]]
        for c, h in enumerate(headers):
            write_text(ws, header_row, c, h, f_head)
        ws.set_row(header_row, 32)
        rows = table[table["expert_id"] == eid]
        first = header_row + 1
        for i, app in enumerate(rows.itertuples(index=False)):
            r = first + i
            for c, key in enumerate(keys):
                if key == "seq":
                    ws.write_number(r, c, i + 1, f_key)
                else:
                    write_text(ws, r, c, getattr(app, key, None), f_key)
            for j, cid in enumerate(crit_ids):
                v = score_map.get((str(app.applicant_id), eid, cid))
                if v is None:
                    ws.write_blank(r, c_first + j, None, f_input)
                else:
                    ws.write_number(r, c_first + j, v, f_input)
            ws.write_formula(r, c_total, f"=IF(COUNT({_cell(r, c_first)}:{_cell(r, c_total - 1)})=0,\"\","
                                         f"SUM({_cell(r, c_first)}:{_cell(r, c_total - 1)}))", f_total, "")
            com = comment_map.get((str(app.applicant_id), eid))
            write_text(ws, r, c_comment, com or None, f_comment)
        last = first + max(len(rows), 1) - 1
        for j, p in enumerate(points.itertuples(index=False)):
            ws.data_validation(first, c_first + j, last, c_first + j, {
                "validate": "decimal" if scfg["decimals"] else "integer",
                "criteria": "between", "minimum": 0, "maximum": int(p.max) if p.max == int(p.max) else p.max,
                "input_title": p.name[:32], "input_message": f"请填写 0 至 {p.max:g} 之间的分值"[:255],
                "error_title": "分值超出范围", "error_message": f"{p.name}的分值须在 0 至 {p.max:g} 之间"[:255],
            })
        ws.freeze_panes(header_row + 1, c_first)
        ws.protect("", {"format_columns": True, "format_rows": True})
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        meta_rows.append([sheet, eid, _text(ex.get("name")), domain, category, str(scfg["template_version"]),
                          ",".join(crit_ids), ",".join(str(a) for a in rows["applicant_id"])])
    meta = wb.add_worksheet(cfg["experts"]["sheets"]["meta_sheet"])
    for c, h in enumerate(_META_COLUMNS + [_META_APPLICANTS]):
        meta.write_string(0, c, h)
    for r, vals in enumerate(meta_rows, 1):
        for c, v in enumerate(vals):
            meta.write_string(r, c, v)
    meta.hide()
    wb.close()


def write_sheets(
    applicants: pd.DataFrame,
    roster: pd.DataFrame,
    assignments: pd.DataFrame,
    out_dir: str | Path,
    config: Any = None,
    scores: pd.DataFrame | None = None,
    progress: bool = False,
) -> list[Path]:
    """Write the score sheets of an assignment (blank, or pre-filled with ``scores``).

    Parameters
    ----------
    applicants : DataFrame
        ``applicant_id, name, province, domain, category`` (``applicant_unit`` when
        known): ``Batch.applicants`` works as is.
    roster : DataFrame
        The expert roster (for the experts' names).
    assignments : DataFrame
        ``applicant_id, expert_id`` (from :func:`~nebase_analysis.experts.assignment.assign`).
    out_dir : path
        Folder for the workbooks (created).
    config : path, mapping or None
        ``experts.sheets`` (layout, headers, instructions) and ``criteria``.
    scores : DataFrame, optional
        A long ``scores`` table (optionally with ``comment``) written into the score
        cells: synthetic filled sheets, or a re-issue of partly filled ones.
    progress : bool
        Show a tqdm bar on stderr.

    Returns
    -------
    list of Path
        The workbooks written, sorted.

    Examples
    --------
    >>> a, short = assign(batch.applicants, roster)            # doctest: +SKIP
    >>> write_sheets(batch.applicants, roster, a, "sheets/")   # doctest: +SKIP
    """
    from nebase_analysis.experts.assignment import applicant_frame, normalise_roster

    cfg = resolve_config(config)
    scfg = cfg["experts"]["sheets"]
    layout = scfg["layout"]
    if layout not in ("per_panel", "per_expert"):
        raise ValueError(f"experts.yaml 中 sheets.layout 须为 per_panel 或 per_expert，而不是 {layout!r}")
    apps = applicant_frame(applicants, cfg)
    ros = normalise_roster(roster, cfg)
    names = dict(zip(ros["expert_id"], ros["name"]))
    asg = assignments[["applicant_id", "expert_id"]].astype(str)
    table = asg.merge(apps[["applicant_id", "name", "province", "applicant_unit", "domain", "category"]],
                      on="applicant_id", how="left")
    unknown = table.loc[table["domain"].isna(), "applicant_id"].unique().tolist()
    if unknown:
        raise ValueError(f"分配表中有申报对象不在申报数据中：{'、'.join(unknown[:10])}")
    table = table.sort_values(["domain", "category", "expert_id", "applicant_id"], kind="stable")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    domain_order = {d["name"]: i for i, d in enumerate(cfg["domains"]["domains"])}
    panels = sorted(table.groupby(["domain", "category"]).groups, key=lambda k: (domain_order.get(k[0], 99), k[1]))
    jobs = []
    for domain, category in panels:
        sub = table[(table["domain"] == domain) & (table["category"] == category)]
        label = scfg["category_labels"].get(category, category)
        experts = [{"expert_id": e, "name": names.get(e)} for e in sorted(sub["expert_id"].unique())]
        if layout == "per_panel":
            jobs.append((out_dir / _panel_file(domain, label), domain, category, experts, sub))
        else:
            for ex in experts:
                jobs.append((out_dir / _panel_file(domain, label, ex["expert_id"]), domain, category, [ex],
                             sub[sub["expert_id"] == ex["expert_id"]]))
    from tqdm import tqdm

    maps = _score_maps(scores)
    paths = []
    for path, domain, category, experts, sub in tqdm(jobs, desc="评分表", unit="份", disable=not progress, file=sys.stderr):
        _write_workbook(path, domain, category, experts, sub, evaluation_points(domain, category, cfg), cfg, maps)
        paths.append(path)
    return sorted(paths)


def make_sheets(
    applicants: pd.DataFrame,
    roster: pd.DataFrame,
    out_dir: str | Path,
    config: Any = None,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:
    """Assign experts and write blank sheets plus the assignment tables beside them.

    Writes ``<out_dir>/*.xlsx`` and ``assignments.csv``, ``recusals.csv``,
    ``shortfalls.csv`` (UTF-8 with BOM, for Excel). ``assignments.csv`` is the
    issued assignment that :func:`read_sheets` and ``nebase experts`` check against.

    Returns
    -------
    dict
        ``assignments``, ``shortfalls``, ``recusals`` (DataFrames) and ``paths``
        (the workbooks).

    Examples
    --------
    >>> out = make_sheets(batch.applicants, roster, "data/raw/experts/sheets")   # doctest: +SKIP
    """
    from nebase_analysis.experts.assignment import assign

    cfg = resolve_config(config)
    assignments, shortfalls = assign(applicants, roster, cfg, seed=seed)
    return issue_sheets(applicants, roster, assignments, shortfalls, out_dir, cfg, progress=progress)


def issue_sheets(
    applicants: pd.DataFrame,
    roster: pd.DataFrame,
    assignments: pd.DataFrame,
    shortfalls: pd.DataFrame,
    out_dir: str | Path,
    config: Any = None,
    scores: pd.DataFrame | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Write the sheets of an assignment (see :func:`write_sheets`) and, beside them,
    ``assignments.csv``, ``recusals.csv`` (recusals of ``roster``) and ``shortfalls.csv``
    (UTF-8 with BOM, for Excel).

    Returns
    -------
    dict
        ``assignments``, ``shortfalls``, ``recusals`` (DataFrames) and ``paths``.

    Examples
    --------
    >>> a, short = assign(batch.applicants, roster)                                   # doctest: +SKIP
    >>> out = issue_sheets(batch.applicants, roster, a, short, "data/raw/experts/sheets")   # doctest: +SKIP
    """
    from nebase_analysis.experts.assignment import recusals

    cfg = resolve_config(config)
    rec = recusals(applicants, roster, config=cfg)
    paths = write_sheets(applicants, roster, assignments, out_dir, cfg, scores=scores, progress=progress)
    out_dir = Path(out_dir)
    for name, frame in zip(ISSUED_TABLES, (assignments, rec, shortfalls)):
        frame.to_csv(out_dir / f"{name}.csv", index=False, encoding="utf-8-sig")
    return {"assignments": assignments, "shortfalls": shortfalls, "recusals": rec, "paths": paths}


# ---------------------------------------------------------------- reading

#: cleaning rules a score cell may need: full-width digits, a number typed as text
_SCORE_RULES = {"fullwidth", "text_number"}


def _score(v: Any, rules) -> float:
    """A filled score cell as a float (``30``, ``"27.5"``, ``"２８分"``); ValueError for anything
    else (text, a missing-value token such as ``—``, an approximate or unit-bearing figure)."""
    from nebase_analysis.cleaning import parse_number

    if isinstance(v, str):
        v = v.strip().removesuffix("分")
    p = parse_number(v, None, rules)
    if not p.ok or p.value != p.value or not set((p.rule or "text_number").split("+")) <= _SCORE_RULES:
        raise ValueError(v)
    return p.value


def _find_header(grid: list[list[Any]], key_header: str) -> tuple[int, int] | None:
    for r, line in enumerate(grid):
        for c, v in enumerate(line):
            if isinstance(v, str) and v.strip() == key_header:
                return r, c
    return None


def read_sheets(
    path: str | Path,
    roster: pd.DataFrame | None = None,
    assignments: pd.DataFrame | None = None,
    config: Any = None,
    applicants: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read filled score sheets back into the long ``scores`` table, rejecting bad entries.

    Parameters
    ----------
    path : path
        A workbook, or a folder searched recursively: every file but Excel's ``~$``
        lock files, hidden files and the tables :func:`issue_sheets` writes beside the
        sheets (``assignments.csv`` ...) is read as a score sheet, or rejected (a file
        that is not ``.xlsx``, empty, password-protected or damaged: Chinese reason).
    roster : DataFrame, optional
        The expert roster. With it, sheets of experts not on the roster are
        rejected, and recusal is checked (province, unit, declared conflicts).
    assignments : DataFrame, optional
        The issued assignment (``applicant_id, expert_id``). With it, a score for
        an applicant not assigned to that expert is rejected; without it, a score for
        an applicant not issued on that sheet (meta sheet) is.
    config : path, mapping or None
    applicants : DataFrame, optional
        ``Batch.applicants``: the applicants' province, unit and name for the
        recusal check, and their ids for an unknown-applicant check. Without it the
        province, unit and name printed on the sheet are used.

    Returns
    -------
    scores : DataFrame
        ``applicant_id, expert_id, criterion, score, comment, source_file, sheet,
        cell, domain, category``: one row per accepted score. Blank cells are
        missing scores and give no row.
    rejected : DataFrame
        ``path, sheet, cell, field, applicant_id, expert_id, value, kind, reason``:
        one row per score cell not taken (``field`` is the criterion id), or per
        sheet or file not read (``cell`` names the meta cell or is empty). ``kind``
        is a key of :data:`REJECTION_KINDS`; ``reason`` is Chinese. Duplicates keep the first entry (by file, sheet, row) and reject
        the later ones; on one sheet a second row for an applicant is rejected whole,
        even where the first row left a criterion blank. The score table is the rows
        issued (meta sheet; in older workbooks, the rows numbered 1, 2, ... in 序号)
        and its columns: a score below it is never taken, whatever it says.

    Examples
    --------
    >>> scores, rejected = read_sheets("data/raw/experts/sheets", roster=roster)   # doctest: +SKIP
    """
    from nebase_analysis.cleaning import cleaning_rules
    from nebase_analysis.config import criteria_table
    from nebase_analysis.experts.assignment import applicant_frame, normalise_roster, pair_rules
    from nebase_analysis.intake.files import open_workbook

    cfg = resolve_config(config)
    rules = cleaning_rules(cfg)
    ecfg = cfg["experts"]
    scfg = ecfg["sheets"]
    keys = scfg["key_columns"]
    crit = criteria_table(cfg).set_index("id")
    path = Path(path)
    if path.is_dir():
        ours = {f"{name}.csv" for name in ISSUED_TABLES}
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(("~$", "."))
                       and not (p.parent == path and p.name in ours))
    elif path.exists():
        files = [path]
    else:
        raise FileNotFoundError(f"未找到专家评分表：{path}")

    ros = ({rec["expert_id"]: rec for rec in normalise_roster(roster, cfg).to_dict("records")}
           if roster is not None else None)
    apps = None
    if applicants is not None:
        a = applicant_frame(applicants, cfg)[["applicant_id", "province", "domain", "category", "name", "applicant_unit"]]
        apps = {rec["applicant_id"]: rec for rec in a.to_dict("records")}
    assigned = (set(zip(assignments["applicant_id"].astype(str), assignments["expert_id"].astype(str)))
                if assignments is not None else None)

    rejected: list[dict] = []
    found: list[dict] = []

    def reject(kind, p, sheet, cell, reason, field=None, aid=None, eid=None, value=None):
        rejected.append({"path": str(p), "sheet": sheet, "cell": cell, "field": field, "applicant_id": aid,
                         "expert_id": eid, "value": None if value is None else str(value), "kind": kind,
                         "reason": reason})

    meta_name = scfg["meta_sheet"]
    for f in files:
        if f.suffix.lower() != ".xlsx":
            reject("file", f, None, None, f"不是 xlsx 格式的评分表（扩展名 {f.suffix or '无'}），未读取；"
                                          "请在 Excel 中另存为 .xlsx 后重新提交")
            continue
        wb, reason, stage = open_workbook(f, cfg)
        if stage == "check":
            reject("file", f, None, None, f"{reason}（评分表未读取）")
            continue
        try:
            if wb is None:
                raise ValueError(reason)
            meta = wb.get_sheet_by_name(meta_name).to_python() if meta_name in wb.sheet_names else None
        except Exception:  # noqa: BLE001 - any unreadable file is reported in Chinese, the rest goes on
            reject("file", f, None, None, "文件已损坏或不是有效的 Excel（xlsx）文件，无法读取（评分表未读取）")
            continue
        if meta is None:
            reject("file", f, None, None, f"缺少隐藏的元数据工作表“{meta_name}”，不是本工具生成的专家评分表，未读取")
            continue
        if not meta or [str(v) for v in meta[0][: len(_META_COLUMNS)]] != _META_COLUMNS:
            reject("file", f, meta_name, "A1", "元数据工作表格式不符，未读取")
            continue
        has_list = len(meta[0]) > len(_META_COLUMNS) and str(meta[0][len(_META_COLUMNS)]) == _META_APPLICANTS
        for m_i, mrow in enumerate(meta[1:], 2):
            m = {k: (str(v).strip() if v is not None else "") for k, v in zip(_META_COLUMNS + [_META_APPLICANTS], mrow)}
            sheet, eid, domain, category = m["sheet"], m["expert_id"], m["domain"], m["category"]
            meta_cell = f"{meta_name}!{_cell(m_i - 1, 1)}"
            if sheet not in wb.sheet_names:
                reject("sheet", f, sheet, meta_cell, f"元数据登记的工作表“{sheet}”不存在", eid=eid)
                continue
            try:
                grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception:  # noqa: BLE001 - one damaged sheet: reported, the others are read
                reject("sheet", f, sheet, None, "工作表已损坏，无法读取", eid=eid)
                continue
            if ros is not None and eid not in ros:
                n = 0
                hdr = _find_header(grid, keys["applicant_id"])
                if hdr:
                    n = sum(1 for line in grid[hdr[0] + 1:] if len(line) > hdr[1] and _text(line[hdr[1]]).strip())
                reject("unknown_expert", f, sheet, meta_cell, f"专家编号“{eid}”不在专家名册中，该工作表（{n} 个申报对象）的评分未采用", eid=eid)
                continue
            hdr = _find_header(grid, keys["applicant_id"])
            if hdr is None:
                reject("sheet", f, sheet, None, f"未找到表头“{keys['applicant_id']}”，该工作表未读取", eid=eid)
                continue
            h_row, h_col = hdr
            header = grid[h_row]
            ccols: dict[str, int] = {}
            for cid in [c for c in m["criteria"].split(",") if c]:
                if cid not in crit.index:
                    reject("criterion", f, sheet, _cell(h_row, h_col), f"评分表中的评审指标“{cid}”不在 criteria.yaml 中，该列未读取", eid=eid)
                    continue
                name = crit.at[cid, "name"]
                hit = [c for c, v in enumerate(header) if isinstance(v, str) and v.strip().startswith(name)]
                if not hit:
                    reject("criterion", f, sheet, _cell(h_row, h_col), f"未找到评审指标“{name}”所在列，该指标未读取", eid=eid, field=cid)
                    continue
                ccols[cid] = hit[0]

            def col(label: str) -> int | None:
                hit = [c for c, v in enumerate(header) if isinstance(v, str) and v.strip() == label]
                return hit[0] if hit else None

            col_of = {key: col(label) for key, label in keys.items()}
            c_comment = col(scfg["comment_header"])
            table_cols = [c for c in [*col_of.values(), *ccols.values(), col(scfg["total_header"]), c_comment, h_col]
                          if c is not None]
            last_col = max(table_cols)
            # the table: the rows issued (meta), else the rows numbered 1, 2, ... in the 序号 column
            listed = [a for a in m.get(_META_APPLICANTS, "").split(",") if a] if has_list else None
            if listed is not None:
                n_rows = len(listed)
            else:
                n_rows = 0
                c_seq = col_of.get("seq")
                for line in grid[h_row + 1:]:
                    v = line[c_seq] if c_seq is not None and c_seq < len(line) else None
                    if not (isinstance(v, (int, float)) and v == n_rows + 1):
                        break
                    n_rows += 1
            last_row = h_row + n_rows
            area = (f"第 {h_row + 2}–{last_row + 1} 行、{_col(min(table_cols))}–{_col(last_col)} 列" if n_rows else "无申报对象行")
            first_seen: dict[str, int] = {}
            for r in range(h_row + 1, len(grid)):
                line = grid[r]
                get = lambda c: line[c] if c is not None and c < len(line) else None  # noqa: E731
                content = {c: v for c, v in enumerate(line) if _text(v).strip() != ""}
                if not content:
                    continue
                inside = r <= last_row
                aid = _text(get(h_col)).strip()
                cells = {cid: get(c) for cid, c in ccols.items()}
                filled = {cid: v for cid, v in cells.items() if _text(v).strip() != ""}
                comment = _text(get(c_comment)).strip() or None
                where = "" if inside else f"（第 {r + 1} 行位于评分表区域以外）"
                if inside:  # cells right of the table in a table row
                    for c, v in content.items():
                        if c > last_col:
                            reject("outside_table", f, sheet, _cell(r, c),
                                   f"单元格位于评分表区域（{area}）以外，内容“{_snippet(v)}”未读取", aid=aid or None, eid=eid, value=v)
                if not inside and not filled:  # a note, a stray row below the table
                    text = " ".join(_text(v).strip() for v in content.values())
                    reject("outside_table", f, sheet, _cell(r, next(iter(content))),
                           f"第 {r + 1} 行位于评分表区域（{area}）以外，内容“{_snippet(text, 60)}”未读取", eid=eid, value=text)
                    continue
                if not aid:
                    for cid, v in filled.items():
                        reject("no_applicant", f, sheet, _cell(r, ccols[cid]), "该行缺少申报对象编号，评分无法对应" + where,
                               field=cid, eid=eid, value=v)
                    if not filled and comment:
                        reject("no_applicant", f, sheet, _cell(r, c_comment), "该行缺少申报对象编号，评语无法对应", eid=eid, value=comment)
                    continue
                if aid in first_seen:
                    reason = f"同一工作表中申报对象“{aid}”已在第 {first_seen[aid] + 1} 行出现，第 {r + 1} 行的内容未采用"
                    for cid, v in filled.items():
                        reject("duplicate", f, sheet, _cell(r, ccols[cid]), reason, field=cid, aid=aid, eid=eid, value=v)
                    if not filled:
                        reject("duplicate", f, sheet, _cell(r, h_col), reason, aid=aid, eid=eid, value=comment)
                    continue
                first_seen[aid] = r
                if not filled:
                    if comment:
                        reject("comment_only", f, sheet, _cell(r, c_comment),
                               f"申报对象“{aid}”未打分，仅填写了评语“{_snippet(comment)}”，按缺失评分处理；"
                               "如为回避，请在专家名册“声明回避对象”中登记", aid=aid, eid=eid, value=comment)
                    continue
                # who is this applicant: from the batch, else from the sheet itself
                if apps is not None:
                    if aid not in apps:
                        for cid, v in filled.items():
                            reject("unknown_applicant", f, sheet, _cell(r, ccols[cid]), f"申报对象编号“{aid}”不在申报数据中" + where,
                                   field=cid, aid=aid, eid=eid, value=v)
                        continue
                    app = apps[aid]
                else:
                    app = {"applicant_id": aid, "province": _text(get(col_of["province"])) or None,
                           "applicant_unit": _text(get(col_of["applicant_unit"])) or None,
                           "name": _text(get(col_of["name"])) or None}
                row_reason = row_kind = None
                if ros is not None:
                    held = pair_rules(app, ros[eid], cfg, rules)
                    if held:
                        row_kind = "recused"
                        row_reason = "回避：" + "；".join(reason for _, reason in held) + "，该评分无效"
                if row_reason is None and assigned is not None and (aid, eid) not in assigned:
                    row_kind = "not_assigned"
                    row_reason = f"专家“{eid}”未被分配评审申报对象“{aid}”"
                if row_reason is None and assigned is None and listed is not None and aid not in listed:
                    row_kind = "not_assigned"
                    row_reason = f"专家“{eid}”未被分配评审申报对象“{aid}”（发放的评分表中没有该申报对象）"
                if row_reason is None and not inside:
                    row_kind = "outside_table"
                    row_reason = (f"第 {r + 1} 行位于评分表区域（{area}）以外，申报对象“{aid}”的评分未采用；"
                                  "请在表内该申报对象所在行填写")
                if row_reason is not None:
                    for cid, v in filled.items():
                        reject(row_kind, f, sheet, _cell(r, ccols[cid]), row_reason, field=cid, aid=aid, eid=eid, value=v)
                    continue
                for cid, v in filled.items():
                    cell = _cell(r, ccols[cid])
                    try:
                        x = _score(v, rules)
                    except ValueError:
                        reject("not_number", f, sheet, cell, f"分值“{v}”不是数字", field=cid, aid=aid, eid=eid, value=v)
                        continue
                    mx = float(crit.at[cid, "max"])
                    if not 0 <= x <= mx:
                        reject("out_of_range", f, sheet, cell, f"{crit.at[cid, 'name']}分值 {x:g} 超出 0–{mx:g} 的范围", field=cid,
                               aid=aid, eid=eid, value=v)
                        continue
                    if not scfg["decimals"] and x != int(x):
                        reject("not_integer", f, sheet, cell, f"{crit.at[cid, 'name']}分值 {x:g} 须为整数", field=cid, aid=aid, eid=eid,
                               value=v)
                        continue
                    found.append({"applicant_id": aid, "expert_id": eid, "criterion": cid, "score": x,
                                  "comment": comment, "source_file": str(f), "sheet": sheet, "cell": cell,
                                  "domain": domain, "category": category})

    scores = pd.DataFrame(found, columns=SCORE_COLUMNS)
    if len(scores):
        dup = scores.duplicated(["applicant_id", "expert_id", "criterion"], keep="first")
        if dup.any():
            first = scores[~dup].set_index(["applicant_id", "expert_id", "criterion"])
            for row in scores[dup].itertuples(index=False):
                k = first.loc[(row.applicant_id, row.expert_id, row.criterion)]
                same = "分值相同" if k["score"] == row.score else f"分值不一致：{k['score']:g} / {row.score:g}"
                reject("duplicate", row.source_file, row.sheet, row.cell,
                       f"重复评分：与 {Path(k['source_file']).name} 工作表“{k['sheet']}”单元格 {k['cell']} 的评分重复"
                       f"（{same}），保留首次出现的评分", field=row.criterion, aid=row.applicant_id,
                       eid=row.expert_id, value=row.score)
            scores = scores[~dup].reset_index(drop=True)
        scores["score"] = scores["score"].astype(float)
    return scores, pd.DataFrame(rejected, columns=REJECTED_COLUMNS)


# ---------------------------------------------------------------- CLI

def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase sheets``."""
    parser.add_argument("--processed", default="data/processed", help="已处理数据目录（含 applicants.parquet）")
    parser.add_argument("--roster", required=True, help="专家名册（.xlsx 或 .csv）")
    parser.add_argument("--out", default="data/raw/experts/sheets", help="评分表输出目录")
    parser.add_argument("--seed", type=int, default=0, help="专家分配的随机种子（决定负载相同专家的先后）")
    parser.add_argument("--config", default=None, help="用户配置文件（YAML），覆盖默认配置")


def run_cli(args: argparse.Namespace) -> int:
    """``nebase sheets``: assign experts and write blank score sheets for the processed batch."""
    from nebase_analysis.batch import Batch
    from nebase_analysis.experts.assignment import read_roster_and_issues, roster_issue_lines

    try:
        cfg = resolve_config(args.config)
        batch = Batch.from_parquet(args.processed)
        roster, issues = read_roster_and_issues(args.roster, cfg)
    except (FileNotFoundError, ValueError) as exc:
        print(f"nebase sheets：{exc}", file=sys.stderr)
        return 1
    for line in roster_issue_lines(issues, limit=None):
        print(line, file=sys.stderr)
    out = make_sheets(batch.applicants, roster, args.out, cfg, seed=args.seed, progress=True)
    a, s = out["assignments"], out["shortfalls"]
    print(f"已为 {a['applicant_id'].nunique()} 个申报对象分配 {a['expert_id'].nunique()} 名专家（共 {len(a)} 人次），"
          f"写出 {len(out['paths'])} 个评分工作簿至 {args.out}")
    print(f"回避关系 {out['recusals'][['applicant_id', 'expert_id']].drop_duplicates().shape[0]} 对，"
          f"详见 {Path(args.out) / 'recusals.csv'}")
    if len(s):
        print(f"注意：{len(s)} 个申报对象的可分配专家不足 {cfg['experts']['assignment']['min_experts']} 名：", file=sys.stderr)
        for row in s.itertuples(index=False):
            print(f"  {row.applicant_id} {row.name}：{row.reason}", file=sys.stderr)
    return 0
