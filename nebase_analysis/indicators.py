"""Indicator sets per category and domain, computed from a batch's cleaned figures.

The indicator sets live in ``indicators.yaml`` (per category, with per-domain
amendments; park indicators marked ``sf_exempt`` skipped for the domains of
:func:`nebase_analysis.config.sf_share_exempt_domains`). Formulas and labels name the
reporting years through placeholders (``{first}``, ``{last}``, ``{span}``, ``{avg}``,
``{avg_label}``) filled from ``fields.yaml``, so a new ``years`` list needs no edit here.
Each indicator's ``formula`` is a small expression over field ids, parsed with
:mod:`ast` and evaluated by this module's own tree walker on pandas Series: only numbers,
field names, ``+ - * / **``, unary minus and a fixed set of functions are accepted;
anything else is rejected with a Chinese message. Nothing is passed to Python's ``eval``.

Output format (wide): one row per applicant with ``applicant_id, category, domain,
province`` and one column per indicator id (NaN where an indicator does not apply to the
applicant's category or domain, or where a figure is missing). Notes are a separate tidy
table (``return_notes=True``).

Examples
--------
>>> spec = indicator_spec()
>>> sorted(spec["dimension"].unique())[:2]
['业态创新', '产业协同创新']
"""
from __future__ import annotations

import ast
from typing import Any, Mapping

import numpy as np
import pandas as pd

from nebase_analysis.cleaning import cleaning_rules, parse_bool
from nebase_analysis.config import domain_table, resolve_config, sf_share_exempt_domains, wide_columns

__all__ = ["indicator_spec", "formula_fields", "evaluate_formula", "valid_names", "compute", "year_placeholders",
           "field_labels", "check_applicant_ids"]

KEY_COLUMNS = ["applicant_id", "category", "domain", "province"]
_FUNCS = {"cagr", "share", "ratio", "weighted", "mean", "sum", "min", "max", "log", "log1p", "sqrt", "abs"}
_NOTE_COLUMNS = ["applicant_id", "indicator", "field", "kind", "message"]


# --------------------------------------------------------------------------- spec
def year_placeholders(config: Any = None) -> dict[str, str]:
    """Values of the placeholders formulas and labels of ``indicators.yaml`` may use.

    ``{first}`` / ``{last}``: first and last reporting year of ``fields.yaml`` ``years``;
    ``{span}``: the years between them (the exponent of a growth rate); ``{avg}``: the
    suffix of the average column; ``{avg_label}``: its Chinese label.

    Examples
    --------
    >>> year_placeholders()
    {'first': '2023', 'last': '2025', 'span': '2', 'avg': 'avg', 'avg_label': '近三年平均值'}
    >>> from nebase_analysis.config import load_config
    >>> year_placeholders(load_config({"fields": {"years": [2024, 2025, 2026]}}))["last"]
    '2026'
    """
    fcfg = resolve_config(config)["fields"]
    years = sorted(int(y) for y in fcfg["years"])
    return {"first": str(years[0]), "last": str(years[-1]), "span": str(years[-1] - years[0]),
            "avg": str(fcfg["avg_suffix"]), "avg_label": str(fcfg["avg_label"])}


def _fill(text: str, values: Mapping[str, str], where: str) -> str:
    import string

    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    unknown = names - set(values)
    if unknown:
        raise ValueError(f"indicators.yaml：{where} 使用了未知占位符 {sorted(unknown)}；"
                         f"允许：{', '.join('{' + k + '}' for k in values)}")
    return text.format_map(values)


def indicator_spec(config: Any = None, *, category: str | None = None, domain: str | None = None) -> pd.DataFrame:
    """The indicator set of every (category, domain) pair as one tidy table.

    Parameters
    ----------
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.
    category, domain : str, optional
        Restrict to one category and/or domain (canonical Chinese name).

    Returns
    -------
    DataFrame
        ``category, domain, id, label, unit, formula, dimension, direction, weight,
        missing, goal_lo, goal_hi, dimension_weight``; one row per indicator and peer group.

    Raises
    ------
    ValueError
        Chinese message for an unknown dimension, a duplicate id, a non-positive weight, a
        direction other than 1/-1, an unknown placeholder, a formula that does not parse or
        names an unknown field, ``sf_exempt`` on a non-park indicator.

    Notes
    -----
    ``formula`` and ``label`` come back with their placeholders filled
    (:func:`year_placeholders`): ``cagr(lead_revenue_{first}, lead_revenue_{last}, {span})``
    reads ``cagr(lead_revenue_2023, lead_revenue_2025, 2)`` with the default years.

    Examples
    --------
    >>> s = indicator_spec(category="park", domain="人工智能")
    >>> "p_sf_share" in set(s["id"]), "p_sf_share" in set(indicator_spec(category="park", domain="商业航天")["id"])
    (False, True)
    """
    cfg = resolve_config(config)
    icfg = cfg["indicators"]
    dims = icfg["dimensions"]
    names = valid_names(cfg)
    domains = domain_table(cfg)
    sf_exempt = sf_share_exempt_domains(cfg)
    fill = year_placeholders(cfg)
    rows = []
    for cat, items in icfg["sets"].items():
        if category is not None and cat != category:
            continue
        if cat not in dims:
            raise ValueError(f"indicators.yaml：类别 {cat} 未定义维度（dimensions）")
        dw = (icfg["dimension_weights"] or {}).get(cat) or {}
        for d in domains.itertuples():
            if domain is not None and d.name != domain:
                continue
            amend = ((icfg["domains"] or {}).get(d.name) or {}).get(cat) or {}
            entries = [dict(e) for e in items] + [dict(e) for e in amend.get("add", [])]
            drop = set(amend.get("drop", []))
            wover = amend.get("weights", {}) or {}
            seen = set()
            for e in entries:
                iid = e["id"]
                if iid in seen:
                    raise ValueError(f"indicators.yaml：指标编号 {iid} 重复（{cat}·{d.name}）")
                seen.add(iid)
                if e.get("sf_exempt") and cat != "park":
                    raise ValueError(f"indicators.yaml：指标 {iid} 标注了 sf_exempt，但智能工厂豁免仅适用于园区")
                if iid in drop or (e.get("sf_exempt") and d.name in sf_exempt):
                    continue
                if e["dimension"] not in dims[cat]:
                    raise ValueError(f"indicators.yaml：指标 {iid} 的维度 {e['dimension']!r} 不属于{cat}的维度 {dims[cat]}")
                weight = float(wover.get(iid, e.get("weight", 1.0)))
                if not weight > 0:
                    raise ValueError(f"indicators.yaml：指标 {iid} 的权重必须为正数，收到 {weight}")
                direction = int(e.get("direction", 1))
                if direction not in (1, -1):
                    raise ValueError(f"indicators.yaml：指标 {iid} 的方向必须为 1 或 -1")
                formula = _fill(str(e["formula"]), fill, f"指标 {iid} 的公式")
                unknown = formula_fields(formula) - names
                if unknown:
                    raise ValueError(f"indicators.yaml：指标 {iid} 的公式引用了未知字段 {sorted(unknown)}")
                gp = e.get("goalposts") or [None, None]
                rows.append({
                    "category": cat, "domain": d.name, "id": iid, "label": _fill(str(e.get("label", iid)), fill, f"指标 {iid} 的名称"),
                    "unit": e.get("unit"), "formula": formula, "dimension": e["dimension"],
                    "direction": direction, "weight": weight, "missing": e.get("missing"),
                    "goal_lo": np.nan if gp[0] is None else float(gp[0]),
                    "goal_hi": np.nan if gp[1] is None else float(gp[1]),
                    "dimension_weight": float(dw.get(e["dimension"], 1.0)),
                })
    return pd.DataFrame(rows, columns=["category", "domain", "id", "label", "unit", "formula", "dimension",
                                       "direction", "weight", "missing", "goal_lo", "goal_hi", "dimension_weight"])


def valid_names(config: Any = None) -> set[str]:
    """Names a formula may use: numeric wide columns of ``fields.yaml`` and ``derived`` names.

    Examples
    --------
    >>> {"lead_revenue_2023", "lead_revenue_avg", "sf_share"} <= valid_names()
    True
    """
    cfg = resolve_config(config)
    wide = wide_columns(cfg)
    names = set(wide.loc[wide["kind"].isin(["yearly", "number", "count", "bool"]), "column"])
    names.update((cfg["indicators"]["derived"] or {}).keys())
    return names


def field_labels(config: Any = None) -> dict[str, str]:
    """Chinese label of every name a formula may use (wide column, with its year, or derived name).

    Examples
    --------
    >>> field_labels()["lead_revenue_2024"]
    '主导产业规模以上企业营业收入（2024年）'
    """
    cfg = resolve_config(config)
    labels = wide_columns(cfg).set_index("column")["label"].to_dict()
    labels.update({k: v.get("label", k) for k, v in (cfg["indicators"]["derived"] or {}).items()})
    return labels


# --------------------------------------------------------------------------- formulas
def _parse(formula: str) -> ast.Expression:
    try:
        tree = ast.parse(str(formula), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"指标公式无法解析：{formula!r}（{exc.msg}）") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load,
                             ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            continue
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
                name = getattr(node.func, "id", ast.dump(node.func))
                raise ValueError(f"指标公式 {formula!r} 使用了不允许的函数 {name}；允许：{', '.join(sorted(_FUNCS))}")
            if node.func.id == "weighted" and (len(node.args) != 1 or not isinstance(node.args[0], ast.Name)):
                raise ValueError(f"指标公式 {formula!r}：weighted() 只接受一个加权数量字段名")
            continue
        raise ValueError(f"指标公式 {formula!r} 含有不允许的语法（{type(node).__name__}）")
    return tree


def formula_fields(formula: str) -> set[str]:
    """Field names a formula reads (function names and the argument of ``weighted`` excluded).

    Examples
    --------
    >>> sorted(formula_fields("cagr(lead_revenue_2023, lead_revenue_2025, 2)"))
    ['lead_revenue_2023', 'lead_revenue_2025']
    """
    tree = _parse(formula)
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            skip.add(id(node.func))
            if node.func.id == "weighted":
                skip.add(id(node.args[0]))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in skip}


def _weighted_components(name: str, cfg: Mapping[str, Any]) -> dict[str, float]:
    wc = cfg.get("weights", {}).get("weighted_counts", {})
    if name not in wc:
        raise ValueError(f"weights.yaml 中没有加权数量 {name} 的权重配置")
    return {k: float(v) for k, v in wc[name]["components"].items()}


def formula_dependencies(formula: str, config: Any = None) -> set[str]:
    """Every field a formula depends on, the components of ``weighted(...)`` included."""
    cfg = resolve_config(config)
    tree = _parse(formula)
    deps = formula_fields(formula)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.func.id == "weighted":
            deps |= set(_weighted_components(node.args[0].id, cfg))
    return deps


def evaluate_formula(formula: str, data: pd.DataFrame, config: Any = None, *,
                     labels: Mapping[str, str] | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Evaluate one formula on a wide frame, row by row (vectorised).

    Parameters
    ----------
    formula : str
        See ``indicators.yaml`` for the grammar.
    data : DataFrame
        Wide applicant table; missing columns count as missing values.
    config : optional
        For ``weighted(...)`` (weights.yaml).
    labels : mapping, optional
        Field id -> Chinese label for the notes (default :func:`field_labels` of the config,
        built only when a note needs it).

    Returns
    -------
    values : Series (float)
    notes : DataFrame
        ``row, field, kind, message`` for values made missing by the rules (division by
        zero, non-positive growth base, partly missing components of a weighted count,
        which are counted as 0).

    Examples
    --------
    >>> df = pd.DataFrame({"a_2023": [100.0, 0.0], "a_2025": [121.0, 5.0]})
    >>> v, notes = evaluate_formula("cagr(a_2023, a_2025, 2)", df)
    >>> v.round(6).tolist(), notes["kind"].tolist()
    ([10.0, nan], ['growth_base'])
    """
    cfg = resolve_config(config)
    tree = _parse(formula)
    idx = data.index
    notes: list[dict] = []

    def col(name: str) -> pd.Series:
        if name not in data.columns:
            return pd.Series(np.nan, index=idx, dtype=float)
        s = data[name]
        if s.dtype == bool or str(s.dtype) == "boolean":
            return s.astype("float64")
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            rules = cleaning_rules(cfg)  # yes/no words of intake.yaml (bool_true, bool_false)

            def number(v):
                if isinstance(v, str):
                    yes = parse_bool(v, rules).value
                    return v if yes is None else float(yes)
                return float(v) if isinstance(v, bool) else v

            return pd.to_numeric(s.map(number), errors="coerce").astype(float)
        return pd.to_numeric(s, errors="coerce").astype(float)

    def note(mask: pd.Series, kind: str, message: str, field: str | None = None) -> None:
        for r in idx[mask.fillna(False).to_numpy(bool)]:
            notes.append({"row": r, "field": field, "kind": kind, "message": message})

    def safe_div(a, b, what: str):
        a, b = _series(a, idx), _series(b, idx)
        bad = (b == 0) & a.notna()
        if bad.any():
            note(bad, "division_by_zero", f"{what}：分母为 0，记为缺失")
        return a / b.where(b != 0)

    def ev(node) -> pd.Series | float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return col(node.id)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                return safe_div(a, b, formula)
            with np.errstate(all="ignore"):
                return a ** b
        fn = node.func.id
        if fn == "weighted":
            comps = _weighted_components(node.args[0].id, cfg)
            vals = pd.concat([col(c).rename(c) for c in comps], axis=1)
            present = vals.notna()
            some = present.any(axis=1) & ~present.all(axis=1)
            if some.any():
                names = labels if labels is not None else field_labels(cfg)
                what = names.get(node.args[0].id, node.args[0].id)
                for r in idx[some.to_numpy()]:
                    miss = [c for c in comps if not present.loc[r, c]]
                    notes.append({"row": r, "field": ",".join(miss), "kind": "partial_components",
                                  "message": f"{what}的构成项{_quoted(names.get(c, c) for c in miss)}缺失，按 0 计"})
            total = (vals.fillna(0.0) * pd.Series(comps)).sum(axis=1)
            return total.where(present.any(axis=1))
        args = [ev(a) for a in node.args]
        if fn == "cagr":
            if len(args) != 3:
                raise ValueError(f"指标公式 {formula!r}：cagr 需要 3 个参数 (起始值, 终值, 年数)")
            start, end, years = (_series(a, idx) for a in args)
            bad = (start <= 0) & end.notna()
            if bad.any():
                note(bad, "growth_base", f"{formula}：起始值不为正，无法计算增长率，记为缺失")
            ratio = end / start.where(start > 0)
            with np.errstate(all="ignore"):
                out = (np.sign(ratio) * np.abs(ratio) ** (1.0 / years) - 1.0) * 100.0
            return out.where(ratio >= 0)
        if fn == "share":
            return safe_div(args[0], args[1], formula) * 100.0
        if fn == "ratio":
            return safe_div(args[0], args[1], formula)
        if fn in ("mean", "sum", "min", "max"):
            frame = pd.concat([_series(a, idx) for a in args], axis=1)
            out = getattr(frame, fn)(axis=1, skipna=True)
            return out.where(frame.notna().any(axis=1))
        (x,) = args
        x = _series(x, idx)
        with np.errstate(all="ignore"):
            if fn in ("log", "log1p", "sqrt"):
                lim = -1.0 if fn == "log1p" else 0.0
                bad = (x <= lim) if fn != "sqrt" else (x < 0)
                if bad.any():
                    note(bad, "domain", f"{formula}：{fn} 的自变量超出定义域，记为缺失")
                return getattr(np, fn)(x.where(~bad))
            return x.abs()

    out = _series(ev(tree), idx).astype(float)
    out = out.where(np.isfinite(out))
    return out, pd.DataFrame(notes, columns=["row", "field", "kind", "message"])


def _quoted(names) -> str:
    return "、".join(f"“{n}”" for n in names)


def _series(v, idx) -> pd.Series:
    if isinstance(v, pd.Series):
        return v.astype(float)
    return pd.Series(float(v), index=idx)


# --------------------------------------------------------------------------- compute
def check_applicant_ids(table: pd.DataFrame, what: str = "申报数据", *, limit: int = 10) -> None:
    """Refuse a table whose ``applicant_id`` is missing or repeated, naming ids and source files.

    Every later stage keys on ``applicant_id``: a repeated id would merge two applicants'
    figures, a missing one would drop an applicant. The Chinese message names each repeated
    id with the ``source_file`` of its rows (when the table has that column) and each row
    without an id by its position in the table (``申报数据第 3 条``, 1-based; not a
    worksheet row) and source file.

    Parameters
    ----------
    table : DataFrame
        With an ``applicant_id`` column; ``source_file`` optional.
    what : str
        How the message names the table (e.g. ``申报数据``, ``指标表``).
    limit : int
        At most this many ids (rows) are listed; the rest are counted.

    Raises
    ------
    ValueError
        When an id is missing or repeated.

    Examples
    --------
    >>> t = pd.DataFrame({"applicant_id": ["E-BJ-01", "E-BJ-01"], "source_file": ["北京市/01.xlsx", "北京市/03.xlsx"]})
    >>> check_applicant_ids(t)
    Traceback (most recent call last):
    ...
    ValueError: 申报数据中申报对象编号重复：E-BJ-01（北京市/01.xlsx、北京市/03.xlsx）；每个申报对象须有唯一编号，请核实来源文件后重新读取
    >>> check_applicant_ids(t.assign(applicant_id=["E-BJ-01", None]))
    Traceback (most recent call last):
    ...
    ValueError: 申报数据中有 1 条记录缺少申报对象编号：申报数据第 2 条（北京市/03.xlsx）；每个申报对象须有唯一编号，请核实来源文件后重新读取
    """
    ids = table["applicant_id"].reset_index(drop=True)
    files = table["source_file"].reset_index(drop=True) if "source_file" in table.columns else None

    def _more(n: int) -> str:
        return f"等 {n} 个" if n > limit else ""

    parts = []
    missing = ids.index[ids.isna() | (ids.astype("string").str.strip() == "").fillna(True)]
    if len(missing):
        # the position in the table (not a worksheet row): named by the table and its source file
        rows = [f"{what}第 {i + 1} 条" + (f"（{files[i]}）" if files is not None and pd.notna(files[i]) else "") for i in missing[:limit]]
        parts.append(f"有 {len(missing)} 条记录缺少申报对象编号：{'、'.join(rows)}{_more(len(missing))}")
    present = ids.drop(missing)
    dup = present[present.duplicated(keep=False)]
    if len(dup):
        names = list(dict.fromkeys(dup))
        shown = []
        for aid in names[:limit]:
            where = ""
            if files is not None:
                srcs = [str(f) for f in files[dup.index[dup == aid]] if pd.notna(f)]
                where = f"（{'、'.join(dict.fromkeys(srcs))}）" if srcs else ""
            shown.append(f"{aid}{where}")
        parts.append(f"申报对象编号重复：{'；'.join(shown)}{_more(len(names))}")
    if parts:
        raise ValueError(f"{what}中{'；'.join(parts)}；每个申报对象须有唯一编号，请核实来源文件后重新读取")


def _derived_columns(batch, cfg) -> pd.DataFrame:
    ids = batch.applicants["applicant_id"]
    out = pd.DataFrame(index=pd.Index(ids, name="applicant_id"))
    for name, d in (cfg["indicators"]["derived"] or {}).items():
        table = getattr(batch, d["table"], None)
        if table is None or table.empty or d["column"] not in table.columns:
            out[name] = np.nan
            continue
        vals = pd.to_numeric(table[d["column"]], errors="coerce")
        agg = vals.groupby(table["applicant_id"]).agg(d.get("agg", "sum"))
        counts = vals.notna().groupby(table["applicant_id"]).sum()
        out[name] = agg.where(counts > 0).reindex(out.index)
    return out


def compute(batch, config: Any = None, issues: pd.DataFrame | None = None, *, return_notes: bool = False):
    """Indicators of every applicant: one row per applicant.

    Parameters
    ----------
    batch : Batch
        ``applicants`` in the wide naming of ``fields.md``; ``top_products`` and
        ``top_enterprises`` for the ``derived`` values.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.
    issues : DataFrame, optional
        The validation issues table. A figure flagged ``severity == "error"`` on a field
        (column ``field``: a wide column such as ``total_revenue_2024``, or a yearly base
        id such as ``total_revenue`` meaning all its columns) for an applicant is treated
        as missing, and every indicator that depends on it gets a note.
    return_notes : bool
        Also return the notes table.

    Returns
    -------
    values : DataFrame
        ``applicant_id, category, domain, province`` and one float column per indicator id
        (NaN where the indicator is not in the applicant's set or cannot be computed).
    notes : DataFrame (only with ``return_notes=True``)
        ``applicant_id, indicator, field, kind, message`` (Chinese). Kinds:
        ``validation_error``, ``missing_field``, ``division_by_zero``, ``growth_base``,
        ``partial_components``, ``domain``, ``unknown_group``.

    Examples
    --------
    >>> from nebase_analysis.batch import Batch
    >>> apps = pd.DataFrame({"applicant_id": ["P-BJ-01"], "category": ["park"], "province": ["北京市"],
    ...                      "domain": ["软件"], "name": ["某园区"],
    ...                      "lead_revenue_2023": [100.0], "lead_revenue_2025": [144.0]})
    >>> v = compute(Batch(applicants=apps))
    >>> round(float(v.loc[0, "p_lead_revenue_cagr"]), 6), "p_sf_share" in v.columns
    (20.0, True)
    """
    cfg = resolve_config(config)
    spec = indicator_spec(cfg)
    labels = field_labels(cfg)
    apps = batch.applicants.copy()
    for k in KEY_COLUMNS:
        if k not in apps.columns:
            if k == "province":
                apps[k] = pd.NA
            else:
                raise ValueError(f"申报数据缺少列 {k}")
    check_applicant_ids(apps)
    apps = apps.reset_index(drop=True)
    derived = _derived_columns(batch, cfg)
    for c in derived.columns:
        apps[c] = derived[c].reindex(apps["applicant_id"]).to_numpy()
    notes: list[dict] = []
    # validation errors -> missing
    flagged: dict[str, set[str]] = {}
    if issues is not None and len(issues):
        need = {"applicant_id", "field", "severity"}
        if not need <= set(issues.columns):
            raise ValueError(f"问题清单缺少列：{sorted(need - set(issues.columns))}")
        err = issues[(issues["severity"] == "error") & issues["field"].notna() & issues["applicant_id"].notna()]
        wide = wide_columns(cfg)
        field_columns = wide.groupby("field", sort=False)["column"].agg(list).to_dict()
        for r in err.itertuples(index=False):
            field = str(r.field)
            # a wide column itself, or a field id meaning all its columns (never another field's
            # columns that merely share the prefix, e.g. lead_revenue_share_* for lead_revenue)
            cols = [field] if field in apps.columns else [c for c in field_columns.get(field, []) if c in apps.columns]
            mask = apps["applicant_id"] == r.applicant_id
            for c in cols:
                if mask.any() and apps.loc[mask, c].notna().any():
                    apps.loc[mask, c] = np.nan
                flagged.setdefault(r.applicant_id, set()).add(c)
    ids = spec["id"].unique().tolist()
    out = apps[KEY_COLUMNS].copy()
    values = {i: np.full(len(apps), np.nan) for i in ids}
    present_cols = set(apps.columns)
    for (cat, dom), sp in spec.groupby(["category", "domain"], sort=False):
        rows = apps.index[(apps["category"] == cat) & (apps["domain"] == dom)]
        if len(rows) == 0:
            continue
        sub = apps.loc[rows]
        for r in sp.itertuples(index=False):
            vals, fnotes = evaluate_formula(r.formula, sub, cfg, labels=labels)
            values[r.id][rows] = vals.to_numpy()
            for f in fnotes.itertuples(index=False):
                notes.append({"applicant_id": sub.loc[f.row, "applicant_id"], "indicator": r.id, "field": f.field,
                              "kind": f.kind, "message": f"{r.label}：{f.message}"})
            deps = formula_dependencies(r.formula, cfg)
            absent = sorted(d for d in deps if d not in present_cols)
            if absent and absent == sorted(formula_fields(r.formula) - set(derived.columns)) and formula_fields(r.formula):
                for aid in sub["applicant_id"]:
                    notes.append({"applicant_id": aid, "indicator": r.id, "field": ",".join(absent), "kind": "missing_field",
                                  "message": f"{r.label}：批次中没有字段{_quoted(labels.get(a, a) for a in absent)}，指标记为缺失"})
            for aid in sub["applicant_id"]:
                hit = sorted(deps & flagged.get(aid, set()))
                if hit:
                    notes.append({"applicant_id": aid, "indicator": r.id, "field": ",".join(hit), "kind": "validation_error",
                                  "message": f"{r.label}：字段{_quoted(labels.get(h, h) for h in hit)}经核查标记为错误，按缺失处理"})
    known = set(map(tuple, spec[["category", "domain"]].drop_duplicates().to_numpy()))
    for r in apps.itertuples(index=False):
        if (r.category, r.domain) not in known:
            notes.append({"applicant_id": r.applicant_id, "indicator": None, "field": "category/domain", "kind": "unknown_group",
                          "message": f"申报对象 {r.applicant_id} 的类别或领域（{r.category}·{r.domain}）没有配置指标体系，无法计算指标"})
    out = pd.concat([out, pd.DataFrame(values, index=out.index)], axis=1)
    notes_df = pd.DataFrame(notes, columns=_NOTE_COLUMNS)
    return (out, notes_df) if return_notes else out
