"""Inter-rater reliability and expert flags.

``icc`` (Shrout & Fleiss 1979, the six forms, pingouin's layout), ``kendall_w``
(tie-corrected), ``krippendorff_alpha`` (nominal, ordinal, interval, ratio; copes with
gaps), ``reliability`` (all of them per panel and per criterion) and ``expert_flags``
(experts whose scores barely vary, experts out of step with the rest of their panel,
applicants whose experts disagree).

Incomplete designs
    ICC and Kendall's W need a complete raters × targets block. With gaps (recusal,
    rotating panels) the block is chosen greedily: while any cell is blank, the target
    or rater with the largest share of blank cells is removed (a target first on equal
    shares; then the later id). The targets and raters kept are reported
    (``DataFrame.attrs`` of ``icc`` / columns of ``kendall_w``); ``nan_policy="raise"``
    instead refuses incomplete input with a Chinese message. Krippendorff's alpha uses
    every pairable value and needs no such selection: prefer it for incomplete panels.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from nebase_analysis.experts.aggregation import (
    _long_with_total,
    _rank_cfg,
    criteria_maxima,
    criteria_names,
    prepare_scores,
)

__all__ = ["icc", "kendall_w", "krippendorff_alpha", "panel_reliability", "expert_flags"]

_ICC_DESCRIPTIONS = {
    "ICC1": "Single raters absolute",
    "ICC2": "Single random raters",
    "ICC3": "Single fixed raters",
    "ICC1k": "Average raters absolute",
    "ICC2k": "Average random raters",
    "ICC3k": "Average fixed raters",
}


def _rated(data: pd.DataFrame, target: str, rater: str, rating: str, measure: str) -> pd.DataFrame:
    """The numeric ratings of ``data`` (blank and unreadable ones dropped), at most one per
    target and rater; ValueError naming the missing columns or the first repeated pairs."""
    missing = [c for c in (target, rater, rating) if c not in data.columns]
    if missing:
        raise ValueError(f"信度计算缺少字段：{', '.join(missing)}")
    d = data[[target, rater, rating]].copy()
    d[rating] = pd.to_numeric(d[rating], errors="coerce").astype(float)
    d = d.loc[d[rating].notna()]
    if d.duplicated([target, rater]).any():
        ex = d.loc[d.duplicated([target, rater], keep=False), [target, rater]].drop_duplicates().head(3)
        lst = "；".join(f"{a}/{b}" for a, b in ex.itertuples(index=False))
        raise ValueError(f"同一评分对象与评分人有多条评分，无法计算{measure}：{lst}")
    return d


def _wide(data: pd.DataFrame, target: str, rater: str, rating: str) -> pd.DataFrame:
    d = _rated(data, target, rater, rating, "信度")
    return d.pivot(index=target, columns=rater, values=rating).sort_index().sort_index(axis=1)


def _greedy_complete(miss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns kept by the greedy complete-case selection of a blank-cell mask.

    ``miss`` is a boolean (targets × raters) array, rows and columns in id order. While a
    kept cell is blank, the row or column with the largest share of blank kept cells is
    removed (a row on equal shares; the last of equal rows or columns). Shares are
    ``count / length`` in float64, exactly what the pandas means of the mask give.
    """
    miss = np.asarray(miss, dtype=bool)
    n, m = miss.shape
    rows = np.ones(n, dtype=bool)
    cols = np.ones(m, dtype=bool)
    rmiss = miss.sum(axis=1, dtype=np.int64)  # blanks of each row among kept columns
    cmiss = miss.sum(axis=0, dtype=np.int64)  # blanks of each column among kept rows
    total = int(rmiss.sum())
    nr, nc = n, m
    while nr and nc and total:
        rshare = np.where(rows, rmiss / nc, -1.0)
        cshare = np.where(cols, cmiss / nr, -1.0)
        rmax, cmax = rshare.max(), cshare.max()
        if rmax >= cmax:
            i = int(np.flatnonzero(rshare == rmax)[-1])
            rows[i] = False
            nr -= 1
            lost = miss[i] & cols
            cmiss -= miss[i]
        else:
            j = int(np.flatnonzero(cshare == cmax)[-1])
            cols[j] = False
            nc -= 1
            lost = miss[:, j] & rows
            rmiss -= miss[:, j]
        total -= int(lost.sum())
    return rows, cols


def _complete_block(wide: pd.DataFrame) -> pd.DataFrame:
    """Greedy complete-case selection (see the module docstring)."""
    if not wide.size:
        return wide
    miss = wide.isna().to_numpy()
    if not miss.any():
        return wide
    rows, cols = _greedy_complete(miss)
    # The ANOVA sums of ``icc`` depend (in the last bit) on the memory order numpy reduces
    # in. The block is laid out as the earlier drop-one-at-a-time pandas loop left it, so
    # results stay bit-identical: rows only removed -> C order (as the pivot); any rater
    # removed -> Fortran order (pandas consolidates column takes that way).
    if cols.all():
        return wide.iloc[np.flatnonzero(rows)]
    sub = wide.to_numpy(dtype=float)[np.ix_(rows, cols)]
    return pd.DataFrame(np.asfortranarray(sub), index=wide.index[rows], columns=wide.columns[cols])


def _prepare_block(data, target, rater, rating, nan_policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    wide = _wide(data, target, rater, rating)
    if nan_policy not in ("complete", "raise"):
        raise ValueError(f"nan_policy 只能是 complete 或 raise，当前为 {nan_policy!r}")
    if wide.isna().to_numpy().any():
        if nan_policy == "raise":
            raise ValueError(
                f"评分矩阵不完整（{int(wide.isna().to_numpy().sum())} 个空格）：ICC 与 Kendall W 需要每位评分人"
                "对每个对象都有评分；可改用 nan_policy='complete'（选取完整子块）或 Krippendorff α"
            )
        block = _complete_block(wide)
    else:
        block = wide
    return wide, block


def icc(
    data: pd.DataFrame,
    target: str,
    rater: str,
    rating: str,
    nan_policy: str = "complete",
    ci: float = 0.95,
) -> pd.DataFrame:
    """Intraclass correlations ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k (Shrout & Fleiss 1979).

    Parameters
    ----------
    data : DataFrame
        Long table with one rating per target and rater.
    target, rater, rating : str
        Column names.
    nan_policy : {"complete", "raise"}
        ``complete``: use the greedy complete raters × targets block (module docstring);
        ``raise``: refuse incomplete data.
    ci : float
        Confidence level of the intervals (McGraw & Wong 1996 formulas).

    Returns
    -------
    DataFrame
        Indexed ``Type`` = ICC1..ICC3k with columns ``Description``, ``ICC``, ``F``,
        ``df1``, ``df2``, ``pval``, ``CI95_lower``, ``CI95_upper``. ``attrs`` holds
        ``n_targets``, ``n_raters``, ``dropped_targets``, ``dropped_raters``.

    Examples
    --------
    >>> sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> d = pd.DataFrame([(t, j, v) for t, row in enumerate(sf) for j, v in enumerate(row)],
    ...                  columns=["target", "judge", "rating"])
    >>> icc(d, "target", "judge", "rating")["ICC"].round(2).tolist()
    [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    """
    wide, block = _prepare_block(data, target, rater, rating, nan_policy)
    out = _icc_table(block.to_numpy(dtype=float), ci)
    out.attrs.update(
        n_targets=int(block.shape[0]),
        n_raters=int(block.shape[1]),
        dropped_targets=[str(t) for t in wide.index.difference(block.index)],
        dropped_raters=[str(r) for r in wide.columns.difference(block.columns)],
    )
    return out


def _f_bounds(f: float, df1: float, df2: float, k: int, alpha: float) -> tuple[float, ...]:
    """p-value and confidence bounds of ICC(1) or ICC(3) from their F test (Shrout & Fleiss).

    The same formula serves both: ICC(1) with ``F = MSB/MSW`` on ``(n-1, n(k-1))`` degrees
    of freedom, ICC(3) with ``F = MSB/MSE`` on ``(n-1, (n-1)(k-1))``.

    Returns
    -------
    tuple
        ``(pval, lower, upper, lower_k, upper_k)``: single rater, then mean of ``k`` raters.
    """
    from scipy.stats import f as fdist

    fl = f / fdist.ppf(1 - alpha / 2, df1, df2)
    fu = f * fdist.ppf(1 - alpha / 2, df2, df1)
    return (fdist.sf(f, df1, df2), (fl - 1) / (fl + (k - 1)), (fu - 1) / (fu + (k - 1)),
            1 - 1 / fl, 1 - 1 / fu)


def _icc_table(x: np.ndarray, ci: float) -> pd.DataFrame:
    """The six ICC forms of a complete (targets × raters) array (the body of :func:`icc`)."""
    from scipy.stats import f as fdist

    n, k = x.shape
    if n < 2 or k < 2:
        raise ValueError(f"完整评分子块过小（{n} 个对象 × {k} 位评分人），至少需要 2 × 2，无法计算 ICC")
    grand = x.mean()
    ss_total = ((x - grand) ** 2).sum()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    msb = ss_rows / (n - 1)
    msj = ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    msw = (ss_cols + ss_err) / (n * (k - 1))
    alpha = 1.0 - ci

    with np.errstate(divide="ignore", invalid="ignore"):
        icc1 = (msb - msw) / (msb + (k - 1) * msw)
        icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
        icc3 = (msb - mse) / (msb + (k - 1) * mse)
        icc1k = (msb - msw) / msb
        icc2k = (msb - mse) / (msb + (msj - mse) / n)
        icc3k = (msb - mse) / msb

        df1, df1kd, df2kd = n - 1, n * (k - 1), (n - 1) * (k - 1)
        f1 = msb / msw
        p1, lb1, ub1, lb1k, ub1k = _f_bounds(f1, df1, df1kd, k, alpha)
        f3 = msb / mse
        p3, lb3, ub3, lb3k, ub3k = _f_bounds(f3, df1, df2kd, k, alpha)

        fj = msj / mse
        vn = df2kd * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        v = vn / vd
        f2u = fdist.ppf(1 - alpha / 2, n - 1, v)
        f2l = fdist.ppf(1 - alpha / 2, v, n - 1)
        lb2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb)
        ub2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb)
        lb2k = lb2 * k / (1 + lb2 * (k - 1))
        ub2k = ub2 * k / (1 + ub2 * (k - 1))

    out = pd.DataFrame(
        {
            "Description": list(_ICC_DESCRIPTIONS.values()),
            "ICC": [icc1, icc2, icc3, icc1k, icc2k, icc3k],
            "F": [f1, f3, f3, f1, f3, f3],
            "df1": [df1] * 6,
            "df2": [df1kd, df2kd, df2kd, df1kd, df2kd, df2kd],
            "pval": [p1, p3, p3, p1, p3, p3],
            "CI95_lower": [lb1, lb2, lb3, lb1k, lb2k, lb3k],
            "CI95_upper": [ub1, ub2, ub3, ub1k, ub2k, ub3k],
        },
        index=pd.Index(list(_ICC_DESCRIPTIONS), name="Type"),
    )
    return out.astype({"ICC": float, "F": float, "pval": float, "CI95_lower": float, "CI95_upper": float})


def kendall_w(
    data: pd.DataFrame,
    target: str,
    rater: str,
    rating: str,
    nan_policy: str = "complete",
) -> pd.DataFrame:
    """Kendall's coefficient of concordance W, corrected for ties.

    Each rater's ratings are ranked over the targets (ties get average ranks);
    ``W = 12 S / (m^2 (n^3 - n) - m T)`` with ``S`` the sum of squared deviations of the
    rank sums and ``T = sum over raters of sum(t^3 - t) / m``-style tie term
    (``m T`` = total of ``t^3 - t`` over every group of tied ranks of every rater). The
    chi-square test is Friedman's: ``chi2 = m (n - 1) W`` on ``n - 1`` degrees of freedom.

    Returns
    -------
    DataFrame
        One row: ``W``, ``chi2``, ``df``, ``pval``, ``n_targets``, ``n_raters``,
        ``dropped_targets``, ``dropped_raters`` (comma-separated).

    References
    ----------
    Kendall, M. G. & Babington Smith, B. (1939). The problem of m rankings. *Annals of
    Mathematical Statistics* 10(3), 275-287. The tests reproduce two published worked
    examples with ties: NAG Library G08DAF (3 × 10, W = 0.828, p = 0.008) and R irr's
    ``kendall(anxiety, correct = TRUE)`` (W = 0.54, chi2(19) = 30.8, p = 0.0429).

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1, 2, 3] * 3, "r": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
    ...                   "x": [1, 2, 3, 1, 2, 3, 1, 3, 2]})
    >>> round(float(kendall_w(d, "t", "r", "x")["W"].iloc[0]), 4)
    0.7778
    """
    wide, block = _prepare_block(data, target, rater, rating, nan_policy)
    n, m = block.shape
    w, chi2, pval = _kendall_values(block.to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "W": [w],
            "chi2": [chi2],
            "df": [n - 1],
            "pval": [pval],
            "n_targets": [n],
            "n_raters": [m],
            "dropped_targets": [",".join(str(t) for t in wide.index.difference(block.index))],
            "dropped_raters": [",".join(str(r) for r in wide.columns.difference(block.columns))],
        }
    )


def _kendall_values(x: np.ndarray) -> tuple[float, float, float]:
    """``(W, chi2, pval)`` of a complete (targets × raters) array (the body of :func:`kendall_w`)."""
    from scipy.stats import chi2 as chi2dist
    from scipy.stats import rankdata

    n, m = x.shape
    if n < 2 or m < 2:
        raise ValueError(f"完整评分子块过小（{n} 个对象 × {m} 位评分人），至少需要 2 × 2，无法计算 Kendall W")
    ranks = rankdata(x, axis=0)
    rsum = ranks.sum(axis=1)
    s = float(((rsum - rsum.mean()) ** 2).sum())
    ties = 0.0
    for j in range(m):
        _, counts = np.unique(x[:, j], return_counts=True)
        ties += float((counts**3 - counts).sum())
    denom = m**2 * (n**3 - n) - m * ties
    w = 12.0 * s / denom if denom > 0 else float("nan")
    chi2 = m * (n - 1) * w
    pval = float(chi2dist.sf(chi2, n - 1)) if np.isfinite(chi2) else float("nan")
    return w, chi2, pval


def _delta2(values: np.ndarray, counts: np.ndarray, level: str) -> np.ndarray:
    """Squared difference function between the sorted distinct ``values``."""
    c = values[:, None]
    k = values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        s = c + k
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(s == 0, 0.0, ((c - k) / np.where(s == 0, 1.0, s)) ** 2)
        return d
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(counts)])
        i = np.arange(len(values))
        lo = np.minimum(i[:, None], i[None, :])
        hi = np.maximum(i[:, None], i[None, :])
        span = cum[hi + 1] - cum[lo]  # sum of n_g for g between c and k inclusive
        return (span - (counts[lo] + counts[hi]) / 2.0) ** 2
    raise ValueError(f"未知的测量水平 {level!r}；可用：nominal, ordinal, interval, ratio")


def krippendorff_alpha(
    data: pd.DataFrame,
    target: str,
    rater: str,
    rating: str,
    level: str = "interval",
) -> float:
    """Krippendorff's alpha for reliability data with gaps.

    Units are the targets; only units with at least two values (pairable values) count.
    ``alpha = 1 - D_o / D_e`` computed from the coincidence matrix
    (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"); for the interval
    level a closed form of the same sums is used. Returns NaN when the pairable values
    show no variation at all (``D_e = 0``).

    Parameters
    ----------
    level : {"nominal", "ordinal", "interval", "ratio"}

    Examples
    --------
    >>> rows = [("u1", "A", 1), ("u1", "B", 1), ("u2", "A", 2), ("u2", "B", 3),
    ...         ("u3", "A", 3), ("u3", "B", 3), ("u4", "A", 4)]
    >>> d = pd.DataFrame(rows, columns=["unit", "coder", "value"])
    >>> round(krippendorff_alpha(d, "unit", "coder", "value", level="nominal"), 4)
    0.5455
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"未知的测量水平 {level!r}；可用：nominal, ordinal, interval, ratio")
    d = _rated(data, target, rater, rating, " Krippendorff α")
    m_u = d.groupby(target)[rating].transform("size")
    d = d.loc[m_u >= 2]
    if d.empty:
        return float("nan")
    units = d[target].to_numpy()
    x = d[rating].to_numpy(dtype=float)
    u_codes, _ = pd.factorize(units)
    m = np.bincount(u_codes).astype(float)
    n = float(len(x))
    if level == "interval":
        # sum over ordered pairs within a unit of (v_i - v_j)^2 = 2 m_u * sum (v - mean_u)^2
        mean_u = np.bincount(u_codes, weights=x) / m
        ss_u = np.bincount(u_codes, weights=(x - mean_u[u_codes]) ** 2)
        d_o = float((2.0 * m * ss_u / (m - 1)).sum()) / n
        d_e = 2.0 * n * float(((x - x.mean()) ** 2).sum()) / (n * (n - 1))
    else:
        v_codes, values = pd.factorize(x, sort=True)
        values = np.asarray(values, dtype=float)
        nv = len(values)
        counts_uv = np.zeros((len(m), nv))
        np.add.at(counts_uv, (u_codes, v_codes), 1.0)
        weighted = counts_uv / (m - 1)[:, None]
        o = counts_uv.T @ weighted - np.diag(weighted.sum(axis=0))
        n_c = o.sum(axis=1)
        delta = _delta2(values, n_c, level)
        d_o = float((o * delta).sum()) / n
        d_e = float((np.outer(n_c, n_c) * delta).sum()) / (n * (n - 1))
    if d_e <= 0:
        return float("nan")
    return float(1.0 - d_o / d_e)


# --------------------------------------------------------------------------- panels


def _panel_columns(df: pd.DataFrame, panel: Any, cfg: Mapping[str, Any], applicants: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    cols = list(cfg["ranking"]["reliability"]["panel_by"]) if panel is None else ([panel] if isinstance(panel, str) else list(panel))
    if applicants is not None:
        extra = [c for c in cols if c not in df.columns and c in applicants.columns]
        if extra:
            info = applicants[["applicant_id", *extra]].drop_duplicates("applicant_id").copy()
            info["applicant_id"] = info["applicant_id"].astype(str)
            df = df.merge(info, on="applicant_id", how="left")
    present = [c for c in cols if c in df.columns]
    if panel is not None and len(present) < len(cols):
        lack = [c for c in cols if c not in df.columns]
        raise ValueError(f"专家评分表中没有分组字段：{', '.join(lack)}")
    return df, present


def panel_reliability(
    scores: pd.DataFrame,
    panel: str | list[str] | None = None,
    config: Any = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
    applicants: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ICC (six forms), Kendall's W and Krippendorff's alpha per panel and per criterion.

    Parameters
    ----------
    scores : DataFrame
        Long expert scores (see :func:`nebase_analysis.experts.aggregate`).
    panel : str or list of str, optional
        Columns that define a panel; default ``ranking.reliability.panel_by``
        (``[domain, category]``) where present in ``scores`` or ``applicants``; with none
        present the whole table is one panel (``全部``).
    applicants : DataFrame, optional
        ``applicant_id`` plus panel columns (e.g. the composite scores table).

    Returns
    -------
    DataFrame
        Panel columns, ``criterion``, ``criterion_name``, ``measure`` (ICC1..ICC3k,
        ``kendall_w``, ``alpha_<level>``), ``value``, ``ci_lower``, ``ci_upper``,
        ``pval``, ``n_targets``, ``n_raters``, ``note`` (Chinese: what was left out).

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": [f"A{i}" for i in range(4) for _ in range(3)],
    ...                   "expert_id": ["e1", "e2", "e3"] * 4, "criterion": "tasks",
    ...                   "score": [20, 21, 22, 10, 12, 11, 25, 27, 26, 15, 14, 16]})
    >>> r = panel_reliability(s, maxima={"tasks": 30})
    >>> sorted(r["measure"].unique())[:3]
    ['ICC1', 'ICC1k', 'ICC2']
    """
    cfg = _rank_cfg(config)
    rcfg = cfg["ranking"]["reliability"]
    level = rcfg["krippendorff_level"]
    ci = float(rcfg["ci"])
    min_t, min_r = int(rcfg["min_targets"]), int(rcfg["min_raters"])
    maxi = criteria_maxima(maxima, cfg)
    names = criteria_names(maxima, cfg)
    df = prepare_scores(scores, recusals, maxima, cfg)
    df, pcols = _panel_columns(df, panel, cfg, applicants)
    long, _ = _long_with_total(df, maxi, cfg, maxima)
    if pcols:
        info = df[["applicant_id", *pcols]].drop_duplicates("applicant_id")
        long = long.merge(info, on="applicant_id", how="left")
    else:
        long["panel"] = "全部"
        pcols = ["panel"]
    rows = []
    for key, g in long.groupby(pcols + ["criterion"], sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        base = dict(zip(pcols, key[:-1]))
        crit = key[-1]
        base.update(criterion=crit, criterion_name=names.get(crit, crit))
        # one pivot and one block per panel and criterion, shared by ICC and Kendall's W
        wide = _wide(g, "applicant_id", "expert_id", "score")
        block = _complete_block(wide)
        nt, nr = block.shape
        note = ""
        if block.shape != wide.shape:
            note = f"评分矩阵不完整：ICC 与 Kendall W 使用完整子块 {nt} 个单位 × {nr} 位专家（共 {wide.shape[0]} × {wide.shape[1]}）"
        if nt >= min_t and nr >= min_r:
            x = block.to_numpy(dtype=float)
            ic = _icc_table(x, ci)
            for typ, r in zip(ic.index, ic.itertuples(index=False)):
                rows.append({**base, "measure": typ, "value": r.ICC, "ci_lower": r.CI95_lower, "ci_upper": r.CI95_upper, "pval": r.pval, "n_targets": nt, "n_raters": nr, "note": note})
            w, _, pval = _kendall_values(x)
            rows.append({**base, "measure": "kendall_w", "value": w, "ci_lower": np.nan, "ci_upper": np.nan, "pval": pval, "n_targets": nt, "n_raters": nr, "note": note})
        else:
            msg = f"完整子块仅 {nt} 个单位 × {nr} 位专家（至少需 {min_t} × {min_r}），未计算 ICC 与 Kendall W"
            for typ in [*_ICC_DESCRIPTIONS, "kendall_w"]:
                rows.append({**base, "measure": typ, "value": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "pval": np.nan, "n_targets": nt, "n_raters": nr, "note": msg})
        a = krippendorff_alpha(g, "applicant_id", "expert_id", "score", level=level)
        rows.append({**base, "measure": f"alpha_{level}", "value": a, "ci_lower": np.nan, "ci_upper": np.nan, "pval": np.nan, "n_targets": int(g["applicant_id"].nunique()), "n_raters": int(g["expert_id"].nunique()), "note": "" if np.isfinite(a) else "可配对评分无差异或不足，α 无定义"})
    cols = [*pcols, "criterion", "criterion_name", "measure", "value", "ci_lower", "ci_upper", "pval", "n_targets", "n_raters", "note"]
    return pd.DataFrame(rows, columns=cols)


def expert_flags(
    scores: pd.DataFrame,
    config: Any = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Flag experts whose scores barely vary or disagree with their panel, and contested applicants.

    Three checks on the criteria listed in ``ranking.flags.criteria`` (default: the
    0-100 total), thresholds as fractions of the criterion's maximum:

    - ``low_variation``: an expert's sd over at least ``min_scores`` applicants is below
      ``low_variation_sd_fraction * max``;
    - ``poor_agreement``: leave-one-out correlation between an expert's scores and the mean
      of the other experts' scores on the same applicants (at least ``min_common``
      applicants scored by the expert and someone else) is below ``loo_correlation_min``;
    - ``disagreement``: the range or sd of an applicant's scores exceeds
      ``disagreement_range_fraction * max`` or ``disagreement_sd_fraction * max``.

    Returns
    -------
    DataFrame
        ``flag``, ``flag_name``, ``level`` (``expert``/``applicant``), ``expert_id``,
        ``applicant_id``, ``criterion``, ``value``, ``threshold``, ``n``, ``message``.

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": [f"A{i}" for i in range(5) for _ in range(3)],
    ...                   "expert_id": ["e1", "e2", "e3"] * 5, "criterion": "tasks",
    ...                   "score": [10, 20, 12, 15, 20, 16, 20, 20, 21, 25, 20, 26, 28, 20, 27]})
    >>> flags = expert_flags(s, maxima={"tasks": 30}, config={"ranking": {"flags": {"criteria": ["tasks"]}}})
    >>> flags.loc[flags["flag"] == "low_variation", "expert_id"].tolist()
    ['e2']
    """
    cfg = _rank_cfg(config)
    fcfg = cfg["ranking"]["flags"]
    maxi = criteria_maxima(maxima, cfg)
    names = criteria_names(maxima, cfg)
    df = prepare_scores(scores, recusals, maxima, cfg)
    long, _ = _long_with_total(df, maxi, cfg, maxima)
    wanted = list(fcfg["criteria"])
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise ValueError(f"ranking.flags.criteria 中有未知要点：{', '.join(unknown)}")
    min_scores = int(fcfg["min_scores"])
    min_common = int(fcfg["min_common"])
    loo_min = float(fcfg["loo_correlation_min"])
    loo_method = fcfg["loo_method"]
    rows: list[dict[str, Any]] = []
    for crit in wanted:
        g = long.loc[long["criterion"] == crit]
        if g.empty:
            continue
        mx = float(g["max"].iloc[0])
        cname = names.get(crit, crit)
        sd_thr = float(fcfg["low_variation_sd_fraction"]) * mx
        st = g.groupby("expert_id")["score"].agg(["std", "size"])
        for e, r in st.iterrows():
            if r["size"] >= min_scores and (r["std"] if np.isfinite(r["std"]) else 0.0) < sd_thr:
                rows.append({"flag": "low_variation", "flag_name": "评分区分度低", "level": "expert", "expert_id": e, "applicant_id": "", "criterion": crit, "value": float(r["std"]), "threshold": sd_thr, "n": int(r["size"]), "message": f"专家 {e} 的{cname}评分标准差 {r['std']:.2f} 低于 {sd_thr:.2f}（{int(r['size'])} 个单位），几乎对所有单位给同样的分"})
        app_sum = g.groupby("applicant_id")["score"].agg(["sum", "size"])
        tmp = g.join(app_sum, on="applicant_id")
        tmp = tmp.loc[tmp["size"] >= 2]
        tmp = tmp.assign(others=(tmp["sum"] - tmp["score"]) / (tmp["size"] - 1))
        for e, h in tmp.groupby("expert_id"):
            if len(h) < min_common:
                continue
            r = h["score"].corr(h["others"], method=loo_method)
            if np.isfinite(r) and r < loo_min:
                rows.append({"flag": "poor_agreement", "flag_name": "与同组专家一致性差", "level": "expert", "expert_id": e, "applicant_id": "", "criterion": crit, "value": float(r), "threshold": loo_min, "n": int(len(h)), "message": f"专家 {e} 的{cname}评分与其他专家均值的相关系数 {r:.2f} 低于 {loo_min:.2f}（{len(h)} 个共同单位）"})
        rng_thr = float(fcfg["disagreement_range_fraction"]) * mx
        sdd_thr = float(fcfg["disagreement_sd_fraction"]) * mx
        ag = g.groupby("applicant_id")["score"].agg(["min", "max", "std", "size"])
        for a, r in ag.iterrows():
            if r["size"] < 2:
                continue
            spread = float(r["max"] - r["min"])
            sd = float(r["std"])
            if spread > rng_thr or sd > sdd_thr:
                rows.append({"flag": "disagreement", "flag_name": "专家意见分歧大", "level": "applicant", "expert_id": "", "applicant_id": a, "criterion": crit, "value": spread, "threshold": rng_thr, "n": int(r["size"]), "message": f"{a} 的{cname}评分极差 {spread:.1f}（阈值 {rng_thr:.1f}）、标准差 {sd:.1f}（阈值 {sdd_thr:.1f}），专家意见分歧较大"})
    cols = ["flag", "flag_name", "level", "expert_id", "applicant_id", "criterion", "value", "threshold", "n", "message"]
    return pd.DataFrame(rows, columns=cols)
