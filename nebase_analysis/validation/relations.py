"""Cross-field relations as diagnostic columns, computed in pandas.

Every relation of ``fields.md`` is derived from the schema, never listed twice:
growth rows from ``growth_of``, shares (and their part <= whole) from ``share_of``,
averages from every ``yearly`` field, weighted counts from ``weights.yaml``; the few
relations the schema cannot express (productivity, extra part <= whole pairs, the
talent bounds, the lists, dates) come from ``validation.yaml``.

Reported figures are rounded to the decimals they show, so each relation is computed
as an interval (every input +/- half a unit of its last decimal; counts exact) and the
*gap* is the distance from the reported value's own rounding interval to that
interval: zero when rounding alone explains the difference. The GX suite then bounds
the gap by the configured tolerance (:mod:`nebase_analysis.validation.expectations`).

The output is one long table, one row per (applicant, check): ``check_id``,
``applicant_id``, ``rule``, ``field`` (the figure the issue is about, with its year
suffix), ``involved`` (every column the check reads, ``|``-joined), ``reported``,
``expected``, ``gap``, ``measure`` (``pp``, ``rel``, ``abs``, ``days``), ``tol`` and
``diag`` (the name of the diagnostic column the gap goes to).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from nebase_analysis.cleaning import is_blank
from nebase_analysis.config import field_schema, resolve_config, sf_share_exempt_domains, wide_columns

#: diagnostic column of each (rule, measure): the column GX bounds
DIAG_COLUMNS = {
    ("growth_mismatch", "pp"): "growth_gap_pp",
    ("share_mismatch", "pp"): "share_gap_pp",
    ("avg_mismatch", "pp"): "avg_gap_pp",
    ("avg_mismatch", "rel"): "avg_gap_rel",
    ("ratio_mismatch", "rel"): "ratio_gap_rel",
    ("weighted_mismatch", "rel"): "weighted_gap_rel",
    ("weighted_mismatch", "abs"): "weighted_gap_abs",
    ("part_exceeds_whole", "abs"): "part_excess",
    ("talent_bounds", "abs"): "talent_excess",
    ("list_exceeds_whole", "abs"): "list_excess",
    ("date_after_filing", "days"): "days_after_filing",
}

CHECK_COLUMNS = ["check_id", "applicant_id", "rule", "field", "involved", "reported", "expected",
                 "gap", "measure", "tol", "diag", "note"]


def half_unit(values: np.ndarray, max_decimals: int = 6) -> np.ndarray:
    """Half a unit of the last decimal each value shows (its rounding radius).

    Examples
    --------
    >>> half_unit(np.array([12.3, 100.0, 0.125])).tolist()
    [0.05, 0.5, 0.0005]
    """
    x = np.abs(np.asarray(values, dtype=float))
    out = np.full(x.shape, 0.5 * 10.0 ** -max_decimals)
    with np.errstate(invalid="ignore"):
        for d in range(max_decimals, -1, -1):
            s = x * 10.0**d
            ok = np.abs(s - np.round(s)) <= 1e-7 * np.maximum(1.0, s)
            out = np.where(ok, 0.5 * 10.0**-d, out)
    return np.where(np.isfinite(x), out, np.nan)


class _Ctx:
    """Numeric view of the applicants with rounding radii (counts exact)."""

    def __init__(self, num: pd.DataFrame, cfg: Mapping[str, Any]):
        self.num = num
        self.cfg = cfg
        self.vcfg = cfg["validation"]
        self.schema = field_schema(cfg).set_index("id")
        self.wide = wide_columns(cfg).set_index("column")
        self._col = {(f, p): c for c, f, p in zip(self.wide.index, self.wide["field"], self.wide["period"])}
        self.years = list(cfg["fields"]["years"])
        self.avg = cfg["fields"]["avg_suffix"]
        self.ids = num["applicant_id"].to_numpy()
        self._radius: dict[str, np.ndarray] = {}
        self.frames: list[pd.DataFrame] = []

    def has(self, *cols: str | None) -> bool:
        return all(c is not None and c in self.num.columns for c in cols)

    def col(self, field: str, period: Any = None) -> str | None:
        """The wide column of a field in a period (a year, the average, or None for a single value)."""
        return self._col.get((field, period))

    def cols(self, field: str, periods: list) -> list:
        """The columns of a field over ``periods`` (a single-value field: the field itself)."""
        kind = self.schema["kind"].get(field)
        return [self.col(field, p) for p in periods] if kind == "yearly" else [self.col(field)]

    def v(self, col: str) -> np.ndarray:
        return self.num[col].to_numpy(dtype=float)

    def r(self, col: str) -> np.ndarray:
        if col not in self._radius:
            integer = (col in self.wide.index and bool(self.wide.at[col, "integer"])
                       and self.wide.at[col, "period"] != self.avg)
            vals = self.v(col)
            self._radius[col] = np.zeros_like(vals) if integer else half_unit(vals, self.vcfg["tolerances"]["max_decimals"])
        return self._radius[col]

    def add(self, rule: str, field: str, involved: list[str], reported, lo, hi, expected, measure: str, tol: float,
            note: str = "") -> None:
        """Record one check per applicant where every input is known."""
        reported = np.asarray(reported, dtype=float)
        rr = self.r(field) if field in self.num.columns else np.zeros_like(reported)
        lo = np.asarray(lo, dtype=float)
        hi = np.asarray(hi, dtype=float)
        expected = np.asarray(expected, dtype=float)
        known = np.isfinite(reported) & ~np.isnan(lo) & ~np.isnan(hi) & np.isfinite(expected)
        if not known.any():
            return
        # distance between [reported +/- rr] and [lo, hi], signed (+ above, - below)
        above = (reported - rr) - hi
        below = (reported + rr) - lo
        gap = np.where(above > 0, above, np.where(below < 0, below, 0.0))
        if measure == "rel":
            denom = np.maximum(np.abs(expected), 1e-12)
            gap = gap / denom
        frame = pd.DataFrame({
            "applicant_id": self.ids[known],
            "rule": rule,
            "field": field,
            "involved": "|".join(dict.fromkeys([field, *involved])),
            "reported": reported[known],
            "expected": np.asarray(expected, dtype=float)[known],
            "gap": gap[known],
            "measure": measure,
            "tol": float(tol),
            "diag": DIAG_COLUMNS[(rule, measure)],
            "note": note,
        })
        self.frames.append(frame)


def _div_interval(a, ra, b, rb, scale=1.0):
    """Interval of scale * a / b for a, b >= 0 known to +/- ra, rb."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = scale * (a - ra) / (b + rb)
        hi = np.where(b - rb > 0, scale * (a + ra) / (b - rb), np.inf)
        mid = scale * a / b
    ok = (b > 0) & (a >= 0)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan), np.where(ok, mid, np.nan)


def relation_checks(numeric: pd.DataFrame, config: Any = None, lists: Mapping[str, pd.DataFrame] | None = None
                    ) -> pd.DataFrame:
    """Every cross-field relation of every applicant as a long table of checks.

    Parameters
    ----------
    numeric : DataFrame
        ``Batch.applicants`` with its figure columns as floats (``applicant_id``,
        ``category`` and the wide field columns; dates as ``datetime64``).
    config : optional
        Anything :func:`nebase_analysis.config.resolve_config` takes.
    lists : mapping, optional
        ``{"top_enterprises": df, "top_products": df}`` for the list relations.

    Returns
    -------
    DataFrame
        Columns ``check_id, applicant_id, rule, field, involved, reported, expected,
        gap, measure, tol, diag, note``; ``gap`` is 0 when consistent up to rounding.

    Examples
    --------
    >>> df = pd.DataFrame({"applicant_id": ["P-GD-01"], "category": ["park"],
    ...     "total_revenue_2023": [100.0], "total_revenue_2024": [110.0],
    ...     "total_revenue_growth_2024": [12.0]})
    >>> c = relation_checks(df)
    >>> c.loc[c.rule == "growth_mismatch", ["field", "expected"]].round(1).values.tolist()
    [['total_revenue_growth_2024', 10.0]]
    """
    cfg = resolve_config(config)
    ctx = _Ctx(numeric.reset_index(drop=True), cfg)
    tol = ctx.vcfg["tolerances"]
    years, avg = ctx.years, ctx.avg
    schema = ctx.schema

    # growth rows: growth_Y = (amount_Y / amount_{Y-1} - 1) * 100
    for gid, row in schema[schema["growth_of"].notna()].iterrows():
        amount = row["growth_of"]
        for y0, y1 in zip(years[:-1], years[1:]):
            g, a1, a0 = ctx.col(gid, y1), ctx.col(amount, y1), ctx.col(amount, y0)
            if not ctx.has(g, a1, a0):
                continue
            lo, hi, mid = _div_interval(ctx.v(a1), ctx.r(a1), ctx.v(a0), ctx.r(a0), 100.0)
            ctx.add("growth_mismatch", g, [a1, a0], ctx.v(g), lo - 100, hi - 100, mid - 100, "pp", tol["growth_pp"])

    # shares: share = part / whole * 100; and part <= whole
    for sid, row in schema[schema["share_of"].notna()].iterrows():
        part, whole = row["share_of"]
        for s, p, w in zip(ctx.cols(sid, years), ctx.cols(part, years), ctx.cols(whole, years)):
            if ctx.has(s, p, w):
                lo, hi, mid = _div_interval(ctx.v(p), ctx.r(p), ctx.v(w), ctx.r(w), 100.0)
                ctx.add("share_mismatch", s, [p, w], ctx.v(s), lo, hi, mid, "pp", tol["share_pp"])
            if ctx.has(p, w):
                _part_whole(ctx, [p], w, ctx.v(w), ctx.r(w), tol["part_whole_abs"])

    # averages: <id>_avg = mean of the three years
    for fid, row in schema[schema["kind"] == "yearly"].iterrows():
        cols = ctx.cols(fid, years)
        target = ctx.col(fid, avg)
        if not ctx.has(target, *cols):
            continue
        vals = np.column_stack([ctx.v(c) for c in cols])
        rads = np.column_stack([ctx.r(c) for c in cols])
        mid = vals.mean(axis=1)
        spread = rads.mean(axis=1)
        if row["unit"] == "%":
            ctx.add("avg_mismatch", target, cols, ctx.v(target), mid - spread, mid + spread, mid, "pp", tol["avg_pp"])
        else:
            ctx.add("avg_mismatch", target, cols, ctx.v(target), mid - spread, mid + spread, mid, "rel", tol["avg_rel"])

    # ratios (productivity): field = numerator * scale / denominator
    for spec in ctx.vcfg["ratios"]:
        f, n, d, scale = spec["field"], spec["numerator"], spec["denominator"], float(spec.get("scale", 1))
        for t, a, b in zip(ctx.cols(f, years), ctx.cols(n, years), ctx.cols(d, years)):
            if ctx.has(t, a, b):
                lo, hi, mid = _div_interval(ctx.v(a), ctx.r(a), ctx.v(b), ctx.r(b), scale)
                ctx.add("ratio_mismatch", t, [a, b], ctx.v(t), lo, hi, mid, "rel", tol["ratio_rel"])

    # weighted counts: sum of components x weights (weights.yaml)
    for wid, spec in cfg["weights"]["weighted_counts"].items():
        comps = spec["components"]
        if not ctx.has(wid, *comps):
            continue
        mid = sum(float(w) * ctx.v(c) for c, w in comps.items())
        rad = sum(abs(float(w)) * ctx.r(c) for c, w in comps.items())
        measure = "rel"
        ctx.add("weighted_mismatch", wid, list(comps), ctx.v(wid), mid - rad, mid + rad,
                np.where(mid > 0, mid, np.nan), measure, tol["weighted_rel"])
        # an expected 0 cannot carry a relative gap: check it absolutely
        zero = np.where(mid == 0, 0.0, np.nan)
        ctx.add("weighted_mismatch", wid, list(comps), ctx.v(wid), zero, zero, zero, "abs", 0.0)

    # extra part <= whole pairs
    for spec in ctx.vcfg["part_whole"]:
        parts = spec["parts"]
        if spec.get("yearly"):
            pairs = [([ctx.col(p, y) for p in parts], y) for y in years]
        else:
            pairs = [(list(parts), None)]
        for pcols, y in pairs:
            if "whole" in spec:
                w = ctx.col(spec["whole"], y)
                if ctx.has(w, *pcols):
                    _part_whole(ctx, pcols, w, ctx.v(w), ctx.r(w), tol["part_whole_abs"])
            else:
                wcols = [ctx.col(c, y) for c in spec["whole_product"]]
                if not ctx.has(*wcols, *pcols):
                    continue
                scale = float(spec.get("whole_scale", 1))
                val = scale * np.prod([ctx.v(c) for c in wcols], axis=0)
                hi = scale * np.prod([ctx.v(c) + ctx.r(c) for c in wcols], axis=0)
                _part_whole(ctx, pcols, "×".join(wcols), val, hi - val, tol["part_whole_abs"], whole_cols=wcols)

    # talent: max(components) <= total <= sum(components); total <= workforce comes from share_of
    tcfg = ctx.vcfg["talent"]
    if ctx.has(tcfg["total"], *tcfg["components"]):
        comps, total = tcfg["components"], tcfg["total"]
        cv = np.column_stack([ctx.v(c) for c in comps])
        tv = ctx.v(total)
        with np.errstate(invalid="ignore"):
            mx = np.max(cv, axis=1)
            sm = np.sum(cv, axis=1)
        ctx.add("talent_bounds", total, comps, tv, mx, np.full_like(tv, np.inf), mx, "abs", 0.0, note="lower")
        ctx.add("talent_bounds", total, comps, tv, np.full_like(tv, -np.inf), sm, sm, "abs", 0.0, note="upper")

    # dates before the filing date
    dcfg = ctx.vcfg["dates"]
    filing = dcfg["filing_date"]
    if filing in numeric.columns:
        fd = pd.to_datetime(ctx.num[filing], errors="coerce")
        for col in dcfg["before_filing"]:
            if col not in ctx.num.columns:
                continue
            d = pd.to_datetime(ctx.num[col], errors="coerce")
            days = (d - fd).dt.days.to_numpy(dtype=float)
            zero = np.where(np.isfinite(days), 0.0, np.nan)
            ctx.add("date_after_filing", col, [filing], days, -np.inf * np.ones_like(days), zero, zero, "days", 0.0)

    frames = [f for f in ctx.frames if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHECK_COLUMNS[1:])
    out = _list_checks(out, ctx, lists or {})
    out.insert(0, "check_id", [f"R{i:06d}" for i in range(len(out))])
    return out[CHECK_COLUMNS]


def _part_whole(ctx: _Ctx, parts: list[str], whole_label: str, whole, whole_r, tol: float,
                whole_cols: list[str] | None = None) -> None:
    pv = sum(ctx.v(p) for p in parts)
    # the other parts' rounding widens the bound; the first part's own radius is taken off
    # the reported value by ``ctx.add`` (counting it here too would allow it twice)
    others_r = sum((ctx.r(p) for p in parts[1:]), np.zeros_like(pv))
    whole = np.asarray(whole, dtype=float)
    involved = [*parts[1:], *(whole_cols or [whole_label])]
    # issue on the first part: sum(parts) - radii must not exceed whole + radius + tol
    ctx.add("part_exceeds_whole", parts[0], involved, pv, np.full_like(pv, -np.inf), whole + whole_r + others_r + tol,
            whole, "abs", tol, note="+".join(parts) + "<=" + whole_label)


def _list_checks(out: pd.DataFrame, ctx: _Ctx, lists: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [out]
    for spec in ctx.vcfg["lists"]:
        table = lists.get(spec["table"])
        if table is None or table.empty or spec["value"] not in table.columns or spec.get("percent"):
            continue
        whole = ctx.col(spec["whole"], ctx.years[-1])
        if not ctx.has(whole):
            continue
        vals = pd.to_numeric(table[spec["value"]], errors="coerce")
        sums = vals.groupby(table["applicant_id"]).sum(min_count=1)
        rads = pd.Series(half_unit(vals.to_numpy(dtype=float)), index=vals.index).groupby(table["applicant_id"]).sum()
        w = ctx.num.set_index("applicant_id")[whole]
        w = w[~w.index.duplicated()]
        joined = pd.DataFrame({"s": sums, "sr": rads}).join(w.rename("w"), how="inner").dropna()
        if joined.empty:
            continue
        wr = half_unit(joined["w"].to_numpy(), ctx.vcfg["tolerances"]["max_decimals"])
        excess = (joined["s"].to_numpy() - joined["sr"].to_numpy()) - (joined["w"].to_numpy() + wr)
        frames.append(pd.DataFrame({
            "applicant_id": joined.index.to_numpy(), "rule": "list_exceeds_whole",
            "field": f"{spec['table']}.{spec['value']}", "involved": f"{spec['table']}.{spec['value']}|{whole}",
            "reported": joined["s"].to_numpy(), "expected": joined["w"].to_numpy(),
            "gap": np.maximum(excess, 0.0), "measure": "abs", "tol": 0.0,
            "diag": DIAG_COLUMNS[("list_exceeds_whole", "abs")], "note": whole,
        }))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else out


def diagnostic_frame(checks: pd.DataFrame) -> pd.DataFrame:
    """The checks pivoted for GX: ``check_id``, ``applicant_id`` and one column per
    diagnostic (the gap where the row's check writes it, missing elsewhere).

    Examples
    --------
    >>> chk = pd.DataFrame({"check_id": ["R1"], "applicant_id": ["P-GD-01"], "gap": [0.8],
    ...                     "diag": ["growth_gap_pp"]})
    >>> diagnostic_frame(chk)["growth_gap_pp"].tolist()
    [0.8]
    """
    out = checks[["check_id", "applicant_id"]].copy()
    for diag in sorted(set(DIAG_COLUMNS.values()) | set(VALUE_DIAGS)):
        out[diag] = np.where(checks["diag"].to_numpy() == diag, checks["gap"].to_numpy(dtype=float), np.nan)
    return out


# ----------------------------------------------------------------------------- single figures

#: bounds of the single-figure diagnostics: column -> (rule, min, max)
VALUE_DIAGS = {
    "percent_value": "percent_out_of_range",
    "signed_percent_value": "percent_out_of_range",
    "growth_value": "growth_out_of_range",
    "nonneg_value": "negative_value",
    "whole_residue": "not_whole_number",
    "filled": "required_missing",
    "credit_code_ok": "credit_code_check_digit",
}

KEY_COLUMNS = ["applicant_id", "category"]
SOFT_KEYS = ["province", "domain", "name"]


class ValidationInputError(ValueError):
    """The batch cannot be validated at all (a Chinese message names what is wrong)."""


def numeric_view(applicants: pd.DataFrame, config: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figures as floats and dates as datetimes, with what could not be read.

    Returns ``(numeric, problems)``: ``numeric`` is a copy of ``applicants`` whose
    number/count/yearly columns are float and date columns ``datetime64``;
    ``problems`` lists ``applicant_id, field, raw, kind`` for every non-empty cell
    that is not a number (or a date), and ``kind == "missing_column"`` rows (with
    ``applicant_id`` empty) for every schema column absent from the table.

    Raises
    ------
    ValidationInputError
        When ``applicant_id`` or ``category`` is missing: nothing can be checked.

    Examples
    --------
    >>> num, probs = numeric_view(pd.DataFrame({"applicant_id": ["E-GD-01"], "category": ["enterprise"],
    ...                                         "taxes_2024": ["1.5"], "taxes_2025": ["很多"]}))
    >>> num["taxes_2024"].tolist(), probs.loc[probs.kind == "not_a_number", "field"].tolist()
    ([1.5], ['taxes_2025'])
    """
    from nebase_analysis.config import applicant_columns

    cfg = resolve_config(config)
    if not isinstance(applicants, pd.DataFrame):
        raise ValidationInputError("申报数据应为表格（DataFrame），实际为 " + type(applicants).__name__)
    missing_keys = [c for c in KEY_COLUMNS if c not in applicants.columns]
    if missing_keys:
        raise ValidationInputError(f"申报数据缺少关键列 {'、'.join(missing_keys)}，无法核查；请检查 applicants 表")
    num = applicants.reset_index(drop=True).copy()
    wide = wide_columns(cfg).set_index("column")
    problems = []
    expected_cols = applicant_columns(None, cfg)
    for col in expected_cols:
        if col not in num.columns:
            problems.append({"applicant_id": "", "field": col, "raw": None, "kind": "missing_column"})
            if col in SOFT_KEYS:
                num[col] = pd.Series([None] * len(num), dtype=object)
    for col in num.columns:
        if col not in wide.index or wide.at[col, "field"] in KEY_COLUMNS + SOFT_KEYS:
            continue
        kind = wide.at[col, "kind"]
        if kind in ("number", "count", "yearly"):
            raw = num[col]
            if pd.api.types.is_bool_dtype(raw.dtype):
                conv = pd.Series(np.nan, index=raw.index)
            else:
                conv = pd.to_numeric(raw, errors="coerce") if not pd.api.types.is_numeric_dtype(raw.dtype) else raw
            conv = conv.astype(float)
        elif kind == "date":
            raw = num[col]
            conv = pd.to_datetime(raw, errors="coerce") if not pd.api.types.is_datetime64_any_dtype(raw.dtype) else raw
        else:
            continue
        bad = raw.notna() & conv.isna() & ~raw.map(is_blank).astype(bool)
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append({"applicant_id": num.at[i, "applicant_id"], "field": col, "raw": str(raw.iat[i]),
                             "kind": "not_a_date" if kind == "date" else "not_a_number"})
        num[col] = conv
    probs = pd.DataFrame(problems, columns=["applicant_id", "field", "raw", "kind"])
    return num, probs


def _filled(s: pd.Series) -> np.ndarray:
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        return (s.notna() & ~s.map(is_blank)).to_numpy(dtype=bool)
    return s.notna().to_numpy(dtype=bool)


def value_checks(applicants: pd.DataFrame, numeric: pd.DataFrame, texts: pd.DataFrame | None = None,
                 lists: Mapping[str, pd.DataFrame] | None = None, config: Any = None) -> pd.DataFrame:
    """Single-figure diagnostics: ranges, whole numbers, completeness, credit-code check digits.

    One row per (applicant, figure, diagnostic) with the columns of
    :func:`relation_checks`; ``diag`` is one of :data:`VALUE_DIAGS` and ``gap``
    holds the diagnostic value GX bounds (the figure itself for ranges, the
    distance to the nearest whole number, ``1``/``0`` for filled/valid).

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["P-GD-01"], "category": ["park"], "domain": ["软件"],
    ...                   "lead_revenue_share_2024": [130.0]})
    >>> v = value_checks(a, a)
    >>> v.loc[v.diag == "percent_value", ["field", "gap"]].values.tolist()
    [['lead_revenue_share_2024', 130.0]]
    """
    from nebase_analysis.cleaning import credit_code_valid

    cfg = resolve_config(config)
    vcfg = cfg["validation"]
    schema = field_schema(cfg)
    sidx = schema.set_index("id")
    wide = wide_columns(cfg)
    wide_of = wide.set_index("column")
    avg = cfg["fields"]["avg_suffix"]
    categories = list(cfg["fields"]["categories"])
    nonneg_units = set(vcfg["ranges"]["nonnegative_units"])
    ids = numeric["applicant_id"].to_numpy()
    cats = numeric["category"].astype(object).to_numpy()
    frames: list[pd.DataFrame] = []

    parts: dict[str, list] = {k: [] for k in ("applicant_id", "rule", "field", "reported", "gap", "diag")}

    def emit(mask, field, rule, diag, value, reported, involved=None):
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if not n:
            return
        parts["applicant_id"].append(ids[mask])
        parts["rule"].append(np.full(n, rule, dtype=object))
        parts["field"].append(np.full(n, field, dtype=object))
        parts["reported"].append(np.asarray(reported, dtype=object)[mask])
        parts["gap"].append(np.asarray(value, dtype=float)[mask])
        parts["diag"].append(np.full(n, diag, dtype=object))

    for col in numeric.columns:
        if col not in wide_of.index or wide_of.at[col, "kind"] not in ("number", "count", "yearly"):
            continue
        x = numeric[col].to_numpy(dtype=float)
        known = np.isfinite(x)
        if not known.any():
            continue
        w = wide_of.loc[col]
        unit, growth = w["unit"], sidx.at[w["field"], "growth_of"]
        if isinstance(growth, str):
            emit(known, col, "growth_out_of_range", "growth_value", x, x)
        elif unit == "%" and w["signed"]:
            emit(known, col, "percent_out_of_range", "signed_percent_value", x, x)
        elif unit == "%":
            emit(known, col, "percent_out_of_range", "percent_value", x, x)
        if unit in nonneg_units:
            emit(known, col, "negative_value", "nonneg_value", x, x)
        if bool(w["integer"]) and w["period"] != avg:
            emit(known, col, "not_whole_number", "whole_residue", np.abs(x - np.round(x)), x)

    # completeness: every required field of the applicant's form; the exempt domains'
    # applicants need not report the exempt field (validation.yaml domain_exemption)
    exemption = vcfg["domain_exemption"]
    exempt_domains = list(sf_share_exempt_domains(cfg))
    dom = applicants["domain"].astype(object).to_numpy() if "domain" in applicants.columns else np.full(len(ids), None)
    req = schema[schema["required"] & (schema["kind"] != "longtext")]
    wide_by_field = wide.groupby("field", sort=False)["column"].agg(list)
    for f in req.itertuples():
        cols = wide_by_field[f.id]
        in_form = np.isin(cats, [c for c in f.forms if c in categories])
        if f.id == exemption["field"]:
            in_form &= ~((cats == exemption["category"]) & np.isin(dom, exempt_domains))
        for col in cols:
            if col not in applicants.columns or not in_form.any():
                continue
            filled = _filled(applicants[col])
            emit(in_form, col, "required_missing", "filled", filled.astype(float), applicants[col].astype(object).to_numpy())
    # required long texts (texts table)
    if texts is not None:
        have = set()
        if len(texts):
            t = texts[texts["text"].notna()]
            t = t[t["text"].astype(str).str.strip() != ""]
            have = set(zip(t["applicant_id"], t["section"]))
        for f in schema[(schema["kind"] == "longtext") & schema["required"]].itertuples():
            in_form = np.isin(cats, [c for c in f.forms if c in categories])
            filled = np.array([(a, f.id) in have for a in ids], dtype=float)
            emit(in_form, f.id, "required_missing", "filled", filled, np.full(len(ids), None))

    # credit codes: GB 32100-2015 check digit (cleaning.credit_code_valid)
    if "credit_code" in applicants.columns:
        cc = applicants["credit_code"].astype(object)
        present = _filled(cc) & (cats == "enterprise")
        ok = np.array([credit_code_valid(v) if p else True for v, p in zip(cc, present)], dtype=float)
        emit(present, "credit_code", "credit_code_check_digit", "credit_code_ok", ok, cc.to_numpy())

    if parts["gap"]:
        cat = {k: np.concatenate(v) for k, v in parts.items()}
        frames.append(pd.DataFrame({
            "applicant_id": cat["applicant_id"], "rule": cat["rule"], "field": cat["field"], "involved": cat["field"],
            "reported": cat["reported"], "expected": np.nan, "gap": cat["gap"], "measure": "value", "tol": 0.0,
            "diag": cat["diag"], "note": "",
        }))
    # percentages inside the lists (market shares)
    for spec in vcfg["lists"]:
        table = (lists or {}).get(spec["table"])
        if not spec.get("percent") or table is None or table.empty:
            continue
        v = pd.to_numeric(table[spec["value"]], errors="coerce").to_numpy(dtype=float)
        known = np.isfinite(v)
        if known.any():
            frames.append(pd.DataFrame({
                "applicant_id": table["applicant_id"].to_numpy()[known], "rule": "percent_out_of_range",
                "field": f"{spec['table']}.{spec['value']}", "involved": f"{spec['table']}.{spec['value']}",
                "reported": v[known].astype(object), "expected": np.nan, "gap": v[known], "measure": "value",
                "tol": 0.0, "diag": "percent_value",
                "note": ["第 %s 位" % r for r in table["rank"].to_numpy()[known]] if "rank" in table.columns else "",
            }))
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHECK_COLUMNS[1:])
    out.insert(0, "check_id", [f"V{i:06d}" for i in range(len(out))])
    return out[CHECK_COLUMNS]

