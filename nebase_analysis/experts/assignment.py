"""Expert roster, recusal (回避) and assignment of experts to applicants.

The roster is one row per expert: ``expert_id, name, province, unit, domains,
conflicts``. ``domains`` and ``conflicts`` may be lists or text joined by one of the
separators of ``experts.yaml`` (``、``, ``，``, ``;`` ...). Conflicts name applicants
by id, name or applicant unit.

An expert may review an applicant only when the expert covers the applicant's domain
and no recusal rule holds: same province, same unit (the expert's unit equals or
contains / is contained in the applicant's unit or name), or a declared conflict. The
rules are switched in ``experts.yaml`` (``assignment``).

:func:`assign` gives every applicant ``min_experts`` experts, balancing the load:
applicants with the fewest eligible experts go first, and each takes the eligible
experts with the lowest load so far (ties broken by a seeded permutation, so the
result is deterministic for a seed). Where fewer eligible experts exist, the applicant
gets all of them and a row in ``shortfalls`` says why, in Chinese.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from nebase_analysis.cleaning import cleaning_rules, is_blank, name_key, resolve_domain, resolve_province
from nebase_analysis.config import resolve_config

__all__ = [
    "ROSTER_COLUMNS",
    "ROSTER_ISSUE_COLUMNS",
    "RULE_LABELS",
    "normalise_roster",
    "read_roster",
    "read_roster_frame",
    "read_roster_and_issues",
    "read_csv_table",
    "roster_issues",
    "roster_issue_lines",
    "write_roster",
    "applicant_frame",
    "applicant_group_lines",
    "pair_rules",
    "recusals",
    "assign",
]

#: the roster's internal columns, in order
ROSTER_COLUMNS = ["expert_id", "name", "province", "unit", "domains", "conflicts"]

#: columns of :func:`roster_issues`
ROSTER_ISSUE_COLUMNS = ["path", "row", "expert_id", "field", "value", "reason"]

#: recusal rule id -> Chinese label
RULE_LABELS = {"province": "同省回避", "unit": "同单位回避", "declared": "声明回避"}


# ---------------------------------------------------------------- helpers

def _split(value: Any, separators: Iterable[str]) -> tuple[str, ...]:
    """A list cell (list, tuple, array, or text joined by a separator) as a tuple of stripped strings."""
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        items = [str(v) for v in value if not is_blank(v)]
    elif is_blank(value):
        return ()
    else:
        pattern = "|".join(re.escape(s) for s in separators)
        items = re.split(pattern, str(value))
    return tuple(dict.fromkeys(s.strip() for s in items if s and s.strip()))


def _key(text: Any, rules) -> str:
    """Key a unit, name or declared conflict is matched on (:func:`nebase_analysis.cleaning.name_key`)."""
    return name_key(text, rules) or ""


def _canonical(value: Any, resolve, rules) -> str | None:
    """The canonical province / domain of an alias; an unknown value is kept as written (stripped)."""
    if is_blank(value):
        return None
    return resolve(value, rules) or str(value).strip()


def _same_unit(expert_unit: str, applicant_texts: Iterable[str], min_chars: int) -> bool:
    if not expert_unit:
        return False
    for t in applicant_texts:
        if not t:
            continue
        if t == expert_unit:
            return True
        if min(len(t), len(expert_unit)) >= min_chars and (t in expert_unit or expert_unit in t):
            return True
    return False


# ---------------------------------------------------------------- roster

def _roster_frame(roster: pd.DataFrame, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """The roster with internal column names, fully blank rows dropped and a ``_row`` column
    (the row of a file with one header line: position + 2).

    Raises ValueError (Chinese) naming every required column (``experts.yaml``
    ``roster.required``) that is missing, with the columns found.
    """
    rcfg = cfg["experts"]["roster"]
    headers = rcfg["columns"]
    stripped = roster.rename(columns=lambda c: c.strip() if isinstance(c, str) else c)
    out = stripped.rename(columns={v: k for k, v in headers.items()})
    missing = [c for c in rcfg["required"] if c not in out.columns]
    if missing:
        found = "、".join(f"“{c}”" for c in stripped.columns) or "（无）"
        need = "、".join(f"“{headers.get(c, c)}”" for c in missing)
        raise ValueError(f"专家名册缺少必需的列 {need}；文件中的列为：{found}。"
                         f"请按表头 {'、'.join(headers[c] for c in rcfg['required'])} 填写（未找到这些列时无法进行回避检查和专家分配）")
    out = out.assign(_row=np.arange(len(out)) + 2)
    content = [c for c in out.columns if c != "_row"]
    blank = out[content].map(is_blank).all(axis=1) if content else pd.Series(True, index=out.index)
    return out.loc[~blank]


def normalise_roster(roster: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """The roster with canonical provinces and domains, and tuples for the list columns.

    Accepts the internal column names or the Chinese headers of ``experts.yaml``
    (``roster.columns``). Domains and provinces are mapped through the aliases of
    ``domains.yaml`` and ``provinces.yaml`` (an unknown value is kept as written;
    :func:`roster_issues` reports it). Rows that are entirely blank are skipped.

    Parameters
    ----------
    roster : DataFrame
        One row per expert.
    config : path, mapping or None
        ``experts.roster``: headers and the required columns (``required``: every
        column but the declared conflicts, which may be absent).

    Returns
    -------
    DataFrame
        ``expert_id, name, province, unit, domains (tuple), conflicts (tuple)``.

    Raises
    ------
    ValueError
        When a required column is missing (the message names each one and lists the
        columns found), or ``expert_id`` is blank or repeated (Chinese message).

    Examples
    --------
    >>> r = normalise_roster(pd.DataFrame({"专家编号": ["X1"], "姓名": ["王伟"],
    ...     "所在省份": ["广东"], "工作单位": ["某大学"], "评审领域": ["AI、软件"], "声明回避对象": [None]}))
    >>> r.loc[0, "province"], r.loc[0, "domains"]
    ('广东省', ('人工智能', '软件'))
    """
    cfg = resolve_config(config)
    ecfg = cfg["experts"]
    seps = ecfg["assignment"]["separators"]
    out = _roster_frame(roster, cfg).copy()
    for c in ROSTER_COLUMNS:  # only optional columns can still be absent here
        if c not in out.columns:
            out[c] = None
    ids = out["expert_id"].map(lambda v: "" if is_blank(v) else str(v).strip())
    if (ids == "").any():
        raise ValueError(f"专家名册第 {', '.join(str(i) for i in out.loc[ids == '', '_row'])} 行缺少专家编号")
    dup = ids[ids.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"专家名册中专家编号重复：{'、'.join(dup)}")
    rules = cleaning_rules(cfg)
    out["expert_id"] = ids
    out["province"] = out["province"].map(lambda v: _canonical(v, resolve_province, rules))
    out["unit"] = out["unit"].map(lambda v: None if is_blank(v) else str(v).strip())
    out["name"] = out["name"].map(lambda v: None if is_blank(v) else str(v).strip())
    out["domains"] = out["domains"].map(
        lambda v: tuple(dict.fromkeys(_canonical(d, resolve_domain, rules) for d in _split(v, seps))))
    out["conflicts"] = out["conflicts"].map(lambda v: _split(v, seps))
    extra = [c for c in out.columns if c not in ROSTER_COLUMNS and c != "_row"]
    return out[ROSTER_COLUMNS + extra].reset_index(drop=True)


def roster_issues(roster: pd.DataFrame | str | Path, config: Any = None, *, path: str | Path | None = None) -> pd.DataFrame:
    """Per-expert problems of a roster that do not stop reading it, in Chinese.

    Reported: a domain that is not in ``domains.yaml`` (the expert is never assigned to
    it), an expert left with no valid domain (never assigned at all), a province that
    is not in ``provinces.yaml`` or is blank (same-province recusal cannot be checked),
    a blank unit (same-unit recusal cannot be checked), a blank name.

    Parameters
    ----------
    roster : DataFrame or path
        The roster as read (internal or Chinese headers; :func:`read_roster_frame`), or
        its file (read here).
    config : path, mapping or None
    path : str or Path, optional
        The file a frame was read from, named in the ``path`` column (a file given as
        ``roster`` names itself).

    Returns
    -------
    DataFrame
        ``path`` (the file, or None), ``row`` (row of the file: the header is row 1),
        ``expert_id``, ``field`` (internal column id), ``value`` (as written),
        ``reason`` (Chinese, naming the column).

    Raises
    ------
    ValueError
        As :func:`normalise_roster` for a missing required column.

    Examples
    --------
    >>> roster_issues(pd.DataFrame({"专家编号": ["X1"], "姓名": ["王伟"], "所在省份": ["火星"],
    ...     "工作单位": ["某大学"], "评审领域": ["量子计算"]}))["reason"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['所在省份“火星”不是有效的省级行政区（见 provinces.yaml），无法据此进行同省回避检查',
     '评审领域“量子计算”不在申报领域目录中（见 domains.yaml），不会据此分配评审任务',
     '没有有效的评审领域（评审领域：量子计算），该专家不会被分配任何申报对象']
    """
    cfg = resolve_config(config)
    if not isinstance(roster, pd.DataFrame):
        path = roster
        roster = read_roster_frame(roster, cfg)
    path = None if path is None else str(path)
    headers = cfg["experts"]["roster"]["columns"]
    seps = cfg["experts"]["assignment"]["separators"]
    rules = cleaning_rules(cfg)
    frame = _roster_frame(roster, cfg)
    rows = []

    def add(rec, field, value, reason):
        rows.append({"path": path, "row": int(rec["_row"]), "expert_id": "" if is_blank(rec["expert_id"]) else str(rec["expert_id"]).strip(),
                     "field": field, "value": None if is_blank(value) else str(value), "reason": reason})

    for rec in frame.to_dict("records"):
        if is_blank(rec["name"]):
            add(rec, "name", None, f"{headers['name']}为空")
        prov = rec["province"]
        if is_blank(prov):
            add(rec, "province", None, f"{headers['province']}为空，无法进行同省回避检查")
        elif resolve_province(prov, rules) is None:
            add(rec, "province", prov, f"{headers['province']}“{str(prov).strip()}”不是有效的省级行政区（见 provinces.yaml），"
                                       "无法据此进行同省回避检查")
        if is_blank(rec["unit"]):
            add(rec, "unit", None, f"{headers['unit']}为空，无法进行同单位回避检查")
        domains = _split(rec["domains"], seps)
        unknown = [d for d in domains if resolve_domain(d, rules) is None]
        for d in unknown:
            add(rec, "domains", d, f"{headers['domains']}“{d}”不在申报领域目录中（见 domains.yaml），不会据此分配评审任务")
        if len(unknown) == len(domains):
            written = "、".join(domains) if domains else "空"
            add(rec, "domains", rec["domains"] if domains else None,
                f"没有有效的{headers['domains']}（{headers['domains']}：{written}），该专家不会被分配任何申报对象")
    return pd.DataFrame(rows, columns=ROSTER_ISSUE_COLUMNS)


def roster_issue_lines(issues: pd.DataFrame, limit: int | None = 20) -> list[str]:
    """Chinese lines for :func:`roster_issues`: a heading, then one line per issue.

    Parameters
    ----------
    issues : DataFrame
        :func:`roster_issues` output (``path``, ``row``, ``expert_id``, ``reason`` are used).
    limit : int or None
        At most this many issues are listed, the rest counted in a last line; None lists all.

    Returns
    -------
    list of str
        Empty when there is no issue; otherwise the heading and one line per issue naming
        the file, the row and the expert (``编号为空`` for a blank id).

    Examples
    --------
    >>> roster_issue_lines(pd.DataFrame({"path": ["roster.csv"], "row": [3], "expert_id": ["X1"], "field": ["province"],
    ...     "value": ["火星"], "reason": ["所在省份“火星”不是有效的省级行政区"]}))
    ['专家名册问题 1 项（未停止读取，请核实）：', '  - roster.csv 第 3 行（专家 X1）：所在省份“火星”不是有效的省级行政区']
    """
    if not len(issues):
        return []
    lines = [f"专家名册问题 {len(issues)} 项（未停止读取，请核实）："]
    shown = issues if limit is None else issues.head(limit)
    for r in shown.itertuples(index=False):
        where = (f"{Path(r.path).name} " if isinstance(r.path, str) and r.path else "") + f"第 {r.row} 行"
        lines.append(f"  - {where}（专家 {r.expert_id or '编号为空'}）：{r.reason}")
    if limit is not None and len(issues) > limit:
        lines.append(f"  ……其余 {len(issues) - limit} 项未列出")
    return lines


def read_csv_table(path: str | Path, config: Any = None, what: str = "CSV 文件") -> pd.DataFrame:
    """An expert-stage CSV file (roster, ``assignments.csv``) as text columns, blank cells ``""``.

    The bytes are decoded with the first encoding of ``experts.roster.csv_encodings`` that
    fits: UTF-8 with or without BOM, then GB18030 (a superset of GBK: Excel's "CSV" on
    Chinese Windows).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    config : path, mapping or None
        ``experts.roster.csv_encodings``: the encodings tried, in order.
    what : str
        How the messages name the file (e.g. ``专家名册``, ``分配表``).

    Returns
    -------
    DataFrame
        Every column as text (``dtype=str``), the header as written.

    Raises
    ------
    ValueError
        A Chinese message starting with the path: an empty file, a malformed table, or no
        encoding that fits.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as f:
    ...     _ = f.write("专家编号,姓名\\nX1,王伟\\n".encode("gbk"))
    >>> read_csv_table(f.name, what="专家名册").values.tolist()
    [['X1', '王伟']]
    >>> os.unlink(f.name)
    """
    import io

    path = Path(path)
    cfg = resolve_config(config)
    raw = path.read_bytes()
    encodings = cfg["experts"]["roster"]["csv_encodings"]
    for enc in encodings:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path}：{what}为空文件") from None
        except pd.errors.ParserError as exc:
            raise ValueError(f"{path}：{what}不是有效的 CSV 表格（各行列数不一致等），无法读取") from exc
    raise ValueError(f"{path}：无法识别{what}的文字编码（应为 UTF-8 或 GBK/GB18030 编码的 CSV 文件）；"
                     "请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后重试")


def read_roster_frame(path: str | Path, config: Any = None) -> pd.DataFrame:
    """The roster file (``.xlsx`` / ``.xls`` / ``.csv``) as written: text cells, blank cells None.

    Parameters
    ----------
    path : str or Path
        The roster file. A CSV may be UTF-8 (with or without BOM) or GBK/GB18030
        (:func:`read_csv_table`).
    config : path, mapping or None
        ``experts.roster.csv_encodings``; intake's checks of an ``.xlsx``.

    Returns
    -------
    DataFrame
        The first sheet (or the CSV) with its headers as written (not yet mapped to
        internal names: :func:`normalise_roster` does that), every cell text or None.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        A Chinese message starting with the path: an empty, password-protected or
        non-Excel ``.xlsx`` (told apart by :func:`nebase_analysis.intake.files.open_workbook`),
        an unknown CSV encoding, or another unreadable file.

    Examples
    --------
    >>> read_roster_frame("data/raw/experts/roster.csv").columns[0]   # doctest: +SKIP
    '专家编号'
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"未找到专家名册：{path}")
    cfg = resolve_config(config)
    if path.suffix.lower() == ".csv":
        frame = read_csv_table(path, cfg, "专家名册")
    else:
        if path.suffix.lower() == ".xlsx":
            from nebase_analysis.intake.files import open_workbook

            _, reason, stage = open_workbook(path, cfg)
            if stage == "check":
                raise ValueError(f"{path}：无法读取专家名册：{reason}")
            if reason:
                raise ValueError(f"{path}：无法读取专家名册（文件损坏或格式不符；应为 .xlsx、.xls 或 .csv 文件）")
        try:
            frame = pd.read_excel(path, dtype=str, engine="calamine", keep_default_na=False)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook: one Chinese message
            raise ValueError(f"{path}：无法读取专家名册（文件损坏或格式不符；应为 .xlsx、.xls 或 .csv 文件）") from exc
    return frame.replace({"": None})


def read_roster(path: str | Path, config: Any = None) -> pd.DataFrame:
    """Read an expert roster (``.xlsx`` / ``.xls`` / ``.csv``, UTF-8 or GBK) and normalise it.

    Per-expert problems that do not stop reading (unknown domain or province, blank
    unit) are :func:`roster_issues` of the same file; :func:`read_roster_and_issues`
    gives both from one reading.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; unreadable file or encoding, missing required column, blank or
        repeated expert id (Chinese messages starting with the file).

    Examples
    --------
    >>> read_roster("data/raw/experts/roster.xlsx")   # doctest: +SKIP
    """
    cfg = resolve_config(config)
    return _normalise_file(read_roster_frame(path, cfg), path, cfg)


def _normalise_file(frame: pd.DataFrame, path: str | Path, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """:func:`normalise_roster` of a file's frame, its errors starting with the file."""
    try:
        return normalise_roster(frame, cfg)
    except ValueError as exc:
        raise ValueError(f"{path}：{exc}") from exc


def read_roster_and_issues(path: str | Path, config: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a roster file once: the normalised roster and its per-expert issues.

    Parameters
    ----------
    path : str or Path
        The roster file (``.xlsx`` / ``.xls`` / ``.csv``).
    config : path, mapping or None

    Returns
    -------
    roster : DataFrame
        As :func:`read_roster`.
    issues : DataFrame
        As :func:`roster_issues` (``path`` naming the file).

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_roster`.

    Examples
    --------
    >>> roster, issues = read_roster_and_issues("data/raw/experts/roster.xlsx")   # doctest: +SKIP
    """
    cfg = resolve_config(config)
    frame = read_roster_frame(path, cfg)
    return _normalise_file(frame, path, cfg), roster_issues(frame, cfg, path=path)


def write_roster(roster: pd.DataFrame, path: str | Path, config: Any = None) -> Path:
    """Write a roster with the Chinese headers of ``experts.yaml`` (xlsx, or csv by suffix).

    List cells are joined with ``、``. Every cell is written as text (never a formula,
    link or number guessed from a string).

    Examples
    --------
    >>> write_roster(roster, "roster.xlsx")   # doctest: +SKIP
    """
    cfg = resolve_config(config)
    ecfg = cfg["experts"]
    headers = ecfg["roster"]["columns"]
    r = normalise_roster(roster, cfg)
    out = pd.DataFrame({headers[c]: r[c] for c in ROSTER_COLUMNS})
    for c in ("domains", "conflicts"):
        out[headers[c]] = r[c].map(lambda t: "、".join(t))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        out.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        from nebase_analysis.excel import open_workbook, safe_sheet_name, write_text

        wb = open_workbook(path)  # a name typed as =..., +..., -... or @... stays text
        ws = wb.add_worksheet(safe_sheet_name(ecfg["roster"]["sheet_name"]))
        head = wb.add_format({"bold": True, "border": 1})
        for j, h in enumerate(out.columns):
            write_text(ws, 0, j, h, head)
        for i, row in enumerate(out.itertuples(index=False), start=1):
            for j, v in enumerate(row):
                write_text(ws, i, j, None if isinstance(v, str) and not v else v)
        ws.set_column(0, len(out.columns) - 1, 18)
        ws.freeze_panes(1, 0)
        wb.close()
    return path


# ---------------------------------------------------------------- recusal

def applicant_frame(applicants: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """The applicants as assignment and recusal read them: canonical province and domain
    (aliases resolved by :mod:`nebase_analysis.cleaning`; an unknown value kept as
    written), ``name`` and ``applicant_unit`` present (``None`` when unknown), text ids.

    Raises
    ------
    ValueError
        When ``applicant_id``, ``province``, ``domain`` or ``category`` is missing (Chinese message).

    Examples
    --------
    >>> applicant_frame(pd.DataFrame({"applicant_id": ["E-GD-01"], "province": ["粤"], "domain": ["AI"],
    ...                               "category": ["enterprise"]}))[["province", "domain", "name"]].values.tolist()
    [['广东省', '人工智能', None]]
    """
    cfg = resolve_config(config)
    need = ["applicant_id", "province", "domain", "category"]
    missing = [c for c in need if c not in applicants.columns]
    if missing:
        raise ValueError(f"申报对象表缺少列：{'、'.join(missing)}")
    a = applicants.copy()
    for c in ("name", "applicant_unit"):
        if c not in a.columns:
            a[c] = None
    rules = cleaning_rules(cfg)
    a["province"] = a["province"].map(lambda v: _canonical(v, resolve_province, rules)).astype(object)
    a["domain"] = a["domain"].map(lambda v: _canonical(v, resolve_domain, rules)).astype(object)
    a["applicant_id"] = a["applicant_id"].astype(str)
    return a.reset_index(drop=True)


def applicant_group_lines(frame: pd.DataFrame, config: Any = None, detail: str | None = None,
                          limit: int | None = 10, indent: str = "  ") -> list[str]:
    """Chinese lines listing applicants by domain × category: one line per group.

    Parameters
    ----------
    frame : DataFrame
        ``applicant_id``, ``domain``, ``category`` and optionally ``name``.
    config : path, mapping or None
        Domain order (``domains.yaml``) and category labels (``experts.sheets.category_labels``).
    detail : str, optional
        A column whose text follows each applicant in parentheses.
    limit : int or None
        Applicants shown per group (the rest are counted).
    indent : str
        Put before every line.

    Returns
    -------
    list of str
        One line per group, domains in the order of ``domains.yaml``, then category and id;
        a missing domain or category reads ``未知``.

    Examples
    --------
    >>> f = pd.DataFrame({"applicant_id": ["P-HE-01", "E-GD-02", "E-BJ-01"], "name": ["甲园区", "乙公司", None],
    ...                   "domain": ["软件", "软件", "人工智能"], "category": ["park", "enterprise", "enterprise"],
    ...                   "why": ["0 名", "2 名", "0 名"]})
    >>> for line in applicant_group_lines(f, detail="why"):
    ...     print(line)
      人工智能·示范企业 1 个：E-BJ-01（0 名）
      软件·示范企业 1 个：E-GD-02 乙公司（2 名）
      软件·示范园区 1 个：P-HE-01 甲园区（0 名）
    """
    cfg = resolve_config(config)
    labels = cfg["experts"]["sheets"]["category_labels"]
    order = {d["name"]: i for i, d in enumerate(cfg["domains"]["domains"])}
    f = frame.copy()
    for c in ("domain", "category"):
        f[c] = f[c].astype(object).where(f[c].notna(), "未知")
    f["_order"] = f["domain"].map(lambda d: order.get(d, len(order)))
    f = f.sort_values(["_order", "domain", "category", "applicant_id"], kind="stable")
    lines = []
    for (_, domain, category), g in f.groupby(["_order", "domain", "category"], sort=False):
        items = []
        for r in g.head(limit).to_dict("records") if limit is not None else g.to_dict("records"):
            name = r.get("name")
            text = str(r["applicant_id"]) + (f" {name}" if isinstance(name, str) and name.strip() else "")
            if detail and isinstance(r.get(detail), str) and r[detail]:
                text += f"（{r[detail]}）"
            items.append(text)
        more = f"……等 {len(g)} 个" if limit is not None and len(g) > limit else ""
        lines.append(f"{indent}{domain}·{labels.get(category, category)} {len(g)} 个：{'、'.join(items)}{more}")
    return lines


def pair_rules(app: Mapping[str, Any], exp: Mapping[str, Any], config: Any = None, rules=None) -> list[tuple[str, str]]:
    """The recusal rules (``experts.yaml`` ``assignment``) that hold for one (applicant, expert)
    pair, with Chinese reasons. Units, names and declared conflicts are compared on
    :func:`nebase_analysis.cleaning.name_key`; pass ``rules``
    (:func:`~nebase_analysis.cleaning.cleaning_rules` of the config) when checking many pairs.

    Examples
    --------
    >>> pair_rules({"applicant_id": "E-GD-01", "province": "广东省", "name": "甲科技有限公司"},
    ...            {"province": "北京市", "unit": "某大学", "conflicts": ("甲科技股份有限公司",)})
    [('declared', '专家声明与该申报对象存在利益冲突（甲科技股份有限公司）')]
    """
    cfg = resolve_config(config)
    acfg = cfg["experts"]["assignment"]
    rules = rules if rules is not None else cleaning_rules(cfg)
    out = []
    if acfg["recuse_same_province"] and app["province"] and app["province"] == exp["province"]:
        out.append(("province", f"专家所在省份（{exp['province']}）与申报对象相同"))
    if acfg["recuse_same_unit"]:
        texts = [_key(app.get("applicant_unit"), rules), _key(app.get("name"), rules)]
        if _same_unit(_key(exp["unit"], rules), texts, int(acfg["unit_min_chars_containment"])):
            out.append(("unit", f"专家工作单位（{exp['unit']}）与申报单位或申报对象相同或相互包含"))
    if acfg["recuse_declared"] and exp["conflicts"]:
        keys = {_key(app["applicant_id"], rules), _key(app.get("name"), rules), _key(app.get("applicant_unit"), rules)} - {""}
        hit = [c for c in exp["conflicts"] if _key(c, rules) in keys]
        if hit:
            out.append(("declared", f"专家声明与该申报对象存在利益冲突（{'、'.join(hit)}）"))
    return out


def recusals(
    applicants: pd.DataFrame,
    roster: pd.DataFrame,
    pairs: pd.DataFrame | None = None,
    config: Any = None,
) -> pd.DataFrame:
    """The recusal (回避) table: which (applicant, expert) pairs are excluded and why.

    Parameters
    ----------
    applicants : DataFrame
        ``applicant_id, province, domain, category`` and, when known, ``name`` and
        ``applicant_unit``.
    roster : DataFrame
        The expert roster (see :func:`normalise_roster`).
    pairs : DataFrame, optional
        ``applicant_id, expert_id`` pairs to check. Default: every applicant with
        every expert who covers its domain, plus every declared conflict.
    config : path, mapping or None

    Returns
    -------
    DataFrame
        One row per pair and rule: ``applicant_id, expert_id, domain, category,
        rule`` (``province`` / ``unit`` / ``declared``), ``rule_label`` (Chinese),
        ``reason`` (Chinese).

    Examples
    --------
    >>> apps = pd.DataFrame({"applicant_id": ["E-GD-01"], "province": ["广东省"],
    ...     "domain": ["软件"], "category": ["enterprise"], "name": ["甲公司"]})
    >>> ros = pd.DataFrame({"expert_id": ["X1", "X2"], "name": ["王伟", "李娜"], "province": ["广东省", "北京市"],
    ...     "unit": ["乙大学", "丙大学"], "domains": ["软件", "软件"], "conflicts": [None, "甲公司"]})
    >>> recusals(apps, ros)[["expert_id", "rule"]].values.tolist()
    [['X1', 'province'], ['X2', 'declared']]
    """
    cfg = resolve_config(config)
    rules = cleaning_rules(cfg)
    a = applicant_frame(applicants, cfg)
    r = normalise_roster(roster, cfg)
    keep = ["applicant_id", "province", "domain", "category", "name", "applicant_unit"]
    apps = {rec["applicant_id"]: rec for rec in a[keep].to_dict("records")}
    exps = {rec["expert_id"]: rec for rec in r[ROSTER_COLUMNS].to_dict("records")}
    if pairs is None:
        rows = []
        for ex in r.itertuples(index=False):
            covered = a.loc[a["domain"].isin(ex.domains), "applicant_id"]
            rows += [(aid, ex.expert_id) for aid in covered]
            if ex.conflicts:
                keys = {_key(c, rules) for c in ex.conflicts}
                hit = a.loc[a[["applicant_id", "name", "applicant_unit"]].map(lambda v: _key(v, rules)).isin(keys).any(axis=1),
                            "applicant_id"]
                rows += [(aid, ex.expert_id) for aid in hit]
        pair_list = list(dict.fromkeys(rows))
    else:
        pair_list = list(dict.fromkeys(zip(pairs["applicant_id"].astype(str), pairs["expert_id"].astype(str))))
    out = []
    for aid, eid in pair_list:
        if aid not in apps or eid not in exps:
            continue
        app, exp = apps[aid], exps[eid]
        for rule, reason in pair_rules(app, exp, cfg, rules):
            out.append({"applicant_id": aid, "expert_id": eid, "domain": app["domain"], "category": app["category"],
                        "rule": rule, "rule_label": RULE_LABELS[rule], "reason": reason})
    cols = ["applicant_id", "expert_id", "domain", "category", "rule", "rule_label", "reason"]
    return pd.DataFrame(out, columns=cols).sort_values(["applicant_id", "expert_id", "rule"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- assignment

def assign(
    applicants: pd.DataFrame,
    roster: pd.DataFrame,
    config: Any = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assign experts to applicants: at least ``min_experts`` each, never a recused one.

    Parameters
    ----------
    applicants : DataFrame
        ``applicant_id, name, province, domain, category`` and optionally
        ``applicant_unit`` (a ``Batch.applicants`` table works as is).
    roster : DataFrame
        ``expert_id, name, province, unit, domains, conflicts`` (see
        :func:`normalise_roster`).
    config : path, mapping or None
        ``experts.assignment``: ``min_experts`` (5 in experts.yaml), ``max_load``, recusal rules.
    seed : int
        Breaks ties between equally loaded experts; same seed, same assignment.

    Returns
    -------
    assignments : DataFrame
        ``applicant_id, expert_id, domain, category, expert_name``, one row per pair,
        sorted by applicant then expert.
    shortfalls : DataFrame
        One row per applicant that got fewer than ``min_experts``: ``applicant_id,
        name, province, domain, category, required, assigned, eligible, reason``
        (Chinese). Empty when every applicant is fully served.

    Examples
    --------
    >>> apps = pd.DataFrame({"applicant_id": ["E-GD-01"], "name": ["甲公司"], "province": ["广东省"],
    ...     "domain": ["软件"], "category": ["enterprise"]})
    >>> ros = pd.DataFrame({"expert_id": [f"X{i}" for i in range(4)], "name": list("甲乙丙丁"),
    ...     "province": ["北京市", "上海市", "广东省", "江苏省"], "unit": list("ABCD"),
    ...     "domains": ["软件"] * 4, "conflicts": [None] * 4})
    >>> a, s = assign(apps, ros, config={"experts": {"assignment": {"min_experts": 3}}})
    >>> sorted(a.expert_id.tolist()), len(s)   # X2 is from the applicant's province
    (['X0', 'X1', 'X3'], 0)
    """
    cfg = resolve_config(config)
    acfg = cfg["experts"]["assignment"]
    k = int(acfg["min_experts"])
    max_load = None if acfg["max_load"] is None else int(acfg["max_load"])
    a = applicant_frame(applicants, cfg)
    r = normalise_roster(roster, cfg)
    rec = recusals(a, r, config=cfg)
    rec_pairs: dict[tuple[str, str], set[str]] = {}
    for row in rec.itertuples(index=False):
        rec_pairs.setdefault((row.applicant_id, row.expert_id), set()).add(row.rule)

    rng = np.random.default_rng(seed)
    tiebreak = dict(zip(r["expert_id"], rng.permutation(len(r))))
    covering: dict[str, list[str]] = {}
    for ex in r.itertuples(index=False):
        for d in ex.domains:
            covering.setdefault(d, []).append(ex.expert_id)

    eligible: dict[str, list[str]] = {}
    for app in a.itertuples(index=False):
        cands = covering.get(app.domain, [])
        eligible[app.applicant_id] = [e for e in cands if (app.applicant_id, e) not in rec_pairs]

    load = {e: 0 for e in r["expert_id"]}
    order = sorted(a.index, key=lambda i: (len(eligible[a.at[i, "applicant_id"]]), a.at[i, "applicant_id"]))
    chosen: dict[str, list[str]] = {}
    capped: dict[str, int] = {}
    for i in order:
        aid = a.at[i, "applicant_id"]
        pool = [e for e in eligible[aid] if max_load is None or load[e] < max_load]
        capped[aid] = len(eligible[aid]) - len(pool)
        pool.sort(key=lambda e: (load[e], tiebreak[e]))
        pick = pool[:k]
        for e in pick:
            load[e] += 1
        chosen[aid] = pick

    names = dict(zip(r["expert_id"], r["name"]))
    rows = [
        {"applicant_id": app.applicant_id, "expert_id": e, "domain": app.domain, "category": app.category,
         "expert_name": names.get(e)}
        for app in a.itertuples(index=False)
        for e in chosen[app.applicant_id]
    ]
    assignments = pd.DataFrame(rows, columns=["applicant_id", "expert_id", "domain", "category", "expert_name"])
    assignments = assignments.sort_values(["applicant_id", "expert_id"], kind="stable").reset_index(drop=True)

    short = []
    for app in a.itertuples(index=False):
        got = len(chosen[app.applicant_id])
        if got >= k:
            continue
        n_cover = len(covering.get(app.domain, []))
        if n_cover == 0:
            reason = f"专家名册中没有评审领域为“{app.domain}”的专家"
        else:
            by_rule = {rule: 0 for rule in RULE_LABELS}
            n_rec = 0
            for e in covering[app.domain]:
                rules = rec_pairs.get((app.applicant_id, e))
                if rules:
                    n_rec += 1
                    for rule in rules:
                        by_rule[rule] += 1
            detail = "、".join(f"{RULE_LABELS[rule]} {n} 名" for rule, n in by_rule.items() if n)
            reason = (f"评审领域为“{app.domain}”的专家共 {n_cover} 名，其中须回避 {n_rec} 名"
                      + (f"（{detail}）" if detail else "")
                      + f"，可分配 {len(eligible[app.applicant_id])} 名")
            if capped[app.applicant_id]:
                reason += f"，其中 {capped[app.applicant_id]} 名已达评审上限（{max_load} 个）"
            reason += f"，少于要求的 {k} 名；实际分配 {got} 名"
        short.append({"applicant_id": app.applicant_id, "name": app.name, "province": app.province,
                      "domain": app.domain, "category": app.category, "required": k, "assigned": got,
                      "eligible": len(eligible[app.applicant_id]), "reason": reason})
    shortfalls = pd.DataFrame(short, columns=["applicant_id", "name", "province", "domain", "category",
                                              "required", "assigned", "eligible", "reason"])
    return assignments, shortfalls
