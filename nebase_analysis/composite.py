"""Composite indicator: normalise, treat, weight, aggregate, score, rank uncertainty.

Each step of the OECD/JRC Handbook on Constructing Composite Indicators (2008), as
implemented by the JRC's COINr, is a function on tidy DataFrames; :func:`score` chains
them per peer group (domain x category) with the settings of ``composite.yaml``.

Steps and conventions
---------------------
- :func:`impute` - missing data per indicator: ``exclude`` (left out; the applicant's
  other indicators are re-weighted), ``median`` (peer median), ``worst`` (peer worst).
- :func:`treat_outliers` - COINr rule: |skew| >= 2 and kurtosis >= 3.5 -> winsorise one
  extreme point at a time up to ``winmax`` points, else log-transform the original values.
- :func:`normalise` - ``minmax``, ``zscore`` (sample sd), ``rank`` (ascending, ties at the
  minimum rank), ``percentile`` (rank / n x 100), ``distance_to_frontier`` (x / best),
  ``goalposts`` (fixed bounds; values clipped). ``directions`` of -1 reverse an indicator.
- :func:`compute_weights` - ``configured``, ``equal``, ``entropy``, ``pca``; always sum to 1.
- :func:`aggregate` - ``arithmetic``, ``geometric``, ``harmonic`` weighted means; missing
  values re-weighted; zero rule: values below ``floor`` are raised to ``floor`` for the
  geometric and harmonic means. :func:`aggregate_hierarchy`: indicators -> dimensions -> index.
- :func:`score` - 0-100 score and rank per peer group, dimension scores, contributions.
- :func:`rank_uncertainty` - Monte Carlo over weights, normalisation and aggregation,
  vectorised over samples (one 3-D array product per normalisation x aggregation pair).
- :func:`sensitivity` - Sobol first and total order indices (Saltelli design;
  Saltelli 2010 first-order and Jansen 1999 total-order estimators), see :func:`sobol_indices`.
- :func:`correlation_audit` - indicator-dimension and indicator-index correlations,
  redundant (> 0.9) and negative correlations flagged.

Degenerate peer groups (one applicant, a constant indicator, an indicator missing for
everyone) never yield unexplained NaN: they are resolved by a stated rule and written to
the ``notes`` table in Chinese.
"""
from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from nebase_analysis.config import category_labels, resolve_config

__all__ = [
    "NORMALISATION_METHODS",
    "AGGREGATION_METHODS",
    "WEIGHT_METHODS",
    "MISSING_POLICIES",
    "ScoreResult",
    "normalise",
    "skewness",
    "kurtosis",
    "treat_outliers",
    "impute",
    "compute_weights",
    "aggregate",
    "aggregate_hierarchy",
    "rank_desc",
    "score",
    "rank_uncertainty",
    "saltelli_design",
    "sobol_estimates",
    "sobol_indices",
    "sensitivity",
    "correlation_audit",
    "configure_parser",
    "run_cli",
]

NORMALISATION_METHODS = ("minmax", "zscore", "rank", "percentile", "distance_to_frontier", "goalposts")
AGGREGATION_METHODS = ("arithmetic", "geometric", "harmonic")
WEIGHT_METHODS = ("configured", "equal", "entropy", "pca")
MISSING_POLICIES = ("exclude", "median", "worst")


# --------------------------------------------------------------------------- helpers
def _direction_of(directions: Any, column: str) -> int:
    if directions is None:
        return 1
    value = directions.get(column, 1) if hasattr(directions, "get") else 1
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 1
    if isinstance(value, str):
        value = {"+": 1, "-": -1, "higher": 1, "lower": -1, "高优": 1, "低优": -1}.get(value, value)
    value = int(value)
    if value not in (1, -1):
        raise ValueError(f"指标 {column} 的方向必须为 1（越高越好）或 -1（越低越好），收到 {value!r}")
    return value


def _numeric_columns(frame: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"数据中缺少指标列：{missing}")
        return list(columns)
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]


def _as_float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _check(method: str, allowed: Sequence[str], what: str) -> str:
    if method not in allowed:
        raise ValueError(f"未知的{what}方法 {method!r}；可选：{', '.join(allowed)}")
    return method


# --------------------------------------------------------------------------- normalise
def _normalise_array(
    x: np.ndarray,
    method: str,
    direction: int = 1,
    *,
    target: Sequence[float] | None = None,
    mean_sd: Sequence[float] = (0.0, 1.0),
    bounds: Sequence[float] | None = None,
    name: str = "",
) -> np.ndarray:
    """Normalise one column (NaN kept). See :func:`normalise` for the rules."""
    v = np.asarray(x, dtype=float)
    ok = ~np.isnan(v)
    out = np.full(v.shape, np.nan)
    if not ok.any():
        return out
    xs = v[ok]
    if method == "distance_to_frontier":
        if (xs < 0).any():
            raise ValueError(f"指标 {name}：前沿距离标准化要求取值非负，但存在负值")
        if direction >= 0:
            front = xs.max()
            r = xs / front if front > 0 else np.ones_like(xs)
        else:
            front = xs.min()
            r = np.where(xs > 0, front / np.where(xs > 0, xs, 1.0), 1.0)
        out[ok] = r
        return out
    s = xs if direction >= 0 else -xs
    if method == "minmax":
        lo, hi = (0.0, 1.0) if target is None else (float(target[0]), float(target[1]))
        mn, mx = s.min(), s.max()
        out[ok] = lo + (hi - lo) * (s - mn) / (mx - mn) if mx > mn else (lo + hi) / 2.0
    elif method == "zscore":
        m, sd = float(mean_sd[0]), float(mean_sd[1])
        sdev = s.std(ddof=1) if s.size > 1 else 0.0
        out[ok] = m + sd * (s - s.mean()) / sdev if sdev > 0 else m
    elif method in ("rank", "percentile"):
        srt = np.sort(s)
        r = np.searchsorted(srt, s, side="left") + 1.0  # ascending, ties at the minimum rank
        out[ok] = r if method == "rank" else r / s.size * 100.0
    elif method == "goalposts":
        if bounds is None or len(bounds) != 2 or bounds[0] is None or bounds[1] is None:
            raise ValueError(f"指标 {name}：目标值标准化需要配置上下限 goalposts: [下限, 上限]")
        lo_b, hi_b = float(bounds[0]), float(bounds[1])
        if not hi_b > lo_b:
            raise ValueError(f"指标 {name}：目标值上限必须大于下限，收到 [{lo_b}, {hi_b}]")
        if direction < 0:
            lo_b, hi_b = -hi_b, -lo_b
        y = np.clip((s - lo_b) / (hi_b - lo_b), 0.0, 1.0)
        lo, hi = (0.0, 1.0) if target is None else (float(target[0]), float(target[1]))
        out[ok] = lo + (hi - lo) * y
    else:
        _check(method, NORMALISATION_METHODS, "标准化")
    return out


def normalise(
    frame: pd.DataFrame,
    method: str = "minmax",
    *,
    columns: Sequence[str] | None = None,
    directions: Mapping[str, int] | None = None,
    target: Sequence[float] | None = None,
    mean_sd: Sequence[float] = (0.0, 1.0),
    goalposts: Mapping[str, Sequence[float]] | None = None,
) -> pd.DataFrame:
    """Normalise indicator columns, one column at a time.

    Parameters
    ----------
    frame : DataFrame
        One row per unit; indicator columns numeric (NaN = missing, kept as NaN).
    method : {'minmax', 'zscore', 'rank', 'percentile', 'distance_to_frontier', 'goalposts'}
        ``minmax``: ``lo + (hi - lo)(x - min)/(max - min)`` with ``target=(lo, hi)``,
        default (0, 1). ``zscore``: ``m + sd (x - mean)/s`` with the *sample* standard
        deviation ``s`` and ``mean_sd=(m, sd)``, default (0, 1). ``rank``: ascending rank,
        ties at the minimum rank (OECD/JRC Handbook, Table 15). ``percentile``: that rank
        / n x 100 (n = units with a value). ``distance_to_frontier``: x / max(x) (lower
        is better: min(x) / x); values must be non-negative. ``goalposts``:
        ``(x - lo)/(hi - lo)`` clipped to [0, 1] with fixed bounds per column, mapped to
        ``target``: a unit's value never depends on the other units.
    columns : list of str, optional
        Columns to normalise; default every numeric column. Others pass through.
    directions : mapping column -> 1 or -1, optional
        -1 means lower is better: the column is reversed (for goalposts the bound ``lo``
        becomes the best value).
    target, mean_sd, goalposts
        See ``method``.

    Returns
    -------
    DataFrame
        Same index and columns. A constant column gets the centre of the scale (minmax:
        (lo + hi)/2; zscore: m; rank: 1; distance_to_frontier: 1): it carries no
        information and no NaN is produced.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [7.1, 10.0, 12.0]})
    >>> normalise(df, "minmax")["x"].round(2).tolist()
    [0.0, 0.59, 1.0]
    >>> normalise(df, "rank", directions={"x": -1})["x"].tolist()
    [3.0, 2.0, 1.0]
    """
    _check(method, NORMALISATION_METHODS, "标准化")
    cols = _numeric_columns(frame, columns)
    out = frame.copy()
    for c in cols:
        bounds = None
        if method == "goalposts":
            bounds = (goalposts or {}).get(c)
        out[c] = _normalise_array(
            _as_float(frame[c]), method, _direction_of(directions, c),
            target=target, mean_sd=mean_sd, bounds=bounds, name=str(c),
        )
    return out


# --------------------------------------------------------------------------- outliers
def _centred(x: np.ndarray) -> tuple[int, np.ndarray, float]:
    """The reported values of ``x`` (NaN dropped): their count, deviations from the mean, and sum of squares.

    The deviations are divided by the largest of them (skewness and kurtosis do not depend
    on the scale), so tiny values (1e-82) cannot underflow to a zero ``m2 ** 2``.
    """
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    d = x - x.mean() if x.size else x
    top = float(np.abs(d).max()) if d.size else 0.0
    if top > 0:
        d = d / top
    return x.size, d, float((d**2).sum())


def skewness(x: np.ndarray) -> float:
    """Sample skewness, type 2 of e1071 (as in Excel and COINr); NaN below 3 values.

    Examples
    --------
    >>> round(skewness(np.array([1.0, 2, 3, 10])), 4)
    1.7636
    """
    n, d, m2 = _centred(x)
    if n < 3:
        return float("nan")
    if m2 == 0:
        return 0.0
    y = math.sqrt(n) * float((d**3).sum()) / m2**1.5
    return y * math.sqrt(n * (n - 1)) / (n - 2)


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis, type 2 of e1071 (as in Excel and COINr); NaN below 4 values.

    Examples
    --------
    >>> round(kurtosis(np.array([1.0, 2, 3, 10])), 4)
    3.228
    """
    n, d, m2 = _centred(x)
    if n < 4:
        return float("nan")
    if m2 == 0:
        return 0.0
    r = n * float((d**4).sum()) / m2**2
    return ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))


def _fails(x: np.ndarray, t_skew: float, t_kurt: float) -> bool:
    s, k = skewness(x), kurtosis(x)
    if math.isnan(s) or math.isnan(k):
        return False
    return abs(s) >= t_skew and k >= t_kurt


def _treat_array(x: np.ndarray, t_skew: float, t_kurt: float, winmax: int, fallback: str):
    """Return (treated values, list of (position, action)) for one column."""
    x = np.asarray(x, float)
    ok = np.flatnonzero(~np.isnan(x))
    vals = x[ok].copy()
    if not _fails(vals, t_skew, t_kurt):
        return x.copy(), []
    treated: dict[int, str] = {}
    w = vals.copy()
    while _fails(w, t_skew, t_kurt) and len(treated) < winmax:
        if skewness(w) >= 0:
            hit = w == w.max()
            if hit.all():
                break
            w[hit] = w[~hit].max()
            action = "winsorise_high"
        else:
            hit = w == w.min()
            if hit.all():
                break
            w[hit] = w[~hit].min()
            action = "winsorise_low"
        for pos in np.flatnonzero(hit):
            treated.setdefault(int(pos), action)
    if not _fails(w, t_skew, t_kurt):
        out = x.copy()
        out[ok] = w
        return out, [(int(ok[p]), a) for p, a in sorted(treated.items())]
    if fallback != "log":
        out = x.copy()
        out[ok] = w
        return out, [(int(ok[p]), a) for p, a in sorted(treated.items())]
    # log transform of the ORIGINAL values (COINr log_CT_plus)
    mn, mx = vals.min(), vals.max()
    a = 0.01 * (mx - mn)
    if skewness(vals) > 0:
        lv = np.log(vals - mn + a)
    else:
        lv = -np.log(mx + a - vals)
    out = x.copy()
    out[ok] = lv
    return out, [(int(p), "log") for p in ok]


def treat_outliers(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
    winmax: int = 5,
    fallback: str = "log",
    config: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treat outliers column by column with the COINr rule.

    A column *fails* when ``|skewness| >= skew_threshold`` and ``kurtosis >=
    kurt_threshold`` (type-2 sample statistics, :func:`skewness`, :func:`kurtosis`;
    fewer than 4 values never fail). A failing column is winsorised: the most extreme
    value on the side of the skew (all ties at once) is replaced by the next value, until
    the column passes or ``winmax`` points have been treated. If it still fails, the
    *original* values are log-transformed instead: ``log(x - min + 0.01 range)`` for
    positive skew, ``-log(max + 0.01 range - x)`` for negative skew (order preserved).

    Parameters
    ----------
    frame : DataFrame
    columns : list of str, optional
        Default: every numeric column.
    skew_threshold, kurt_threshold, winmax, fallback
        The rule's parameters; ``fallback='none'`` keeps the winsorised values.
    config : optional
        Unused unless the thresholds are ``None``; kept for the house signature.

    Returns
    -------
    treated : DataFrame
    log : DataFrame
        One row per treated point: ``row`` (index label), ``indicator``, ``action``
        (``winsorise_high``, ``winsorise_low``, ``log``), ``before``, ``after``,
        ``skew_before``, ``kurt_before``, ``skew_after``, ``kurt_after``.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100]})
    >>> treated, log = treat_outliers(df)
    >>> log[["row", "action", "before", "after"]].values.tolist()
    [[11, 'winsorise_high', 100.0, 30.0]]
    """
    cols = _numeric_columns(frame, columns)
    out = frame.copy()
    rows = []
    for c in cols:
        x = _as_float(frame[c])
        y, points = _treat_array(x, skew_threshold, kurt_threshold, int(winmax), fallback)
        if not points:
            continue
        out[c] = y
        sb, kb, sa, ka = skewness(x), kurtosis(x), skewness(y), kurtosis(y)
        for pos, action in points:
            rows.append({
                "row": frame.index[pos], "indicator": c, "action": action,
                "before": float(x[pos]), "after": float(y[pos]),
                "skew_before": sb, "kurt_before": kb, "skew_after": sa, "kurt_after": ka,
            })
    log = pd.DataFrame(rows, columns=["row", "indicator", "action", "before", "after",
                                      "skew_before", "kurt_before", "skew_after", "kurt_after"])
    return out, log


# --------------------------------------------------------------------------- missing data
def impute(
    frame: pd.DataFrame,
    policies: Mapping[str, str] | str = "exclude",
    *,
    columns: Sequence[str] | None = None,
    directions: Mapping[str, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply a missing-data policy per indicator, recording every missing value.

    Parameters
    ----------
    frame : DataFrame
        One peer group, one row per applicant.
    policies : str or mapping column -> {'exclude', 'median', 'worst'}
        ``exclude``: the value stays missing and :func:`aggregate` re-weights the
        applicant's other indicators. ``median``: the median of the values reported in
        the frame. ``worst``: the worst reported value (the minimum, or the maximum for a
        column with direction -1).
    columns, directions
        As in :func:`normalise`.

    Returns
    -------
    imputed : DataFrame
    log : DataFrame
        ``row``, ``indicator``, ``policy``, ``value`` (imputed, NaN for exclude),
        ``message`` (Chinese).

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, None, 5.0, 3.0]})
    >>> imputed, log = impute(df, "median")
    >>> imputed["x"].tolist(), log["value"].tolist()
    ([1.0, 3.0, 5.0, 3.0], [3.0])
    """
    cols = _numeric_columns(frame, columns)
    out = frame.copy()
    rows = []
    for c in cols:
        policy = policies if isinstance(policies, str) else policies.get(c, "exclude")
        x = _as_float(frame[c])
        y, value, msg = _impute_array(x, policy, _direction_of(directions, c), str(c))
        if msg is None:
            continue
        out[c] = y
        for pos in np.flatnonzero(np.isnan(x)):
            rows.append({"row": frame.index[pos], "indicator": c, "policy": policy, "value": value, "message": msg})
    return out, pd.DataFrame(rows, columns=["row", "indicator", "policy", "value", "message"])


def _impute_array(x: np.ndarray, policy: str, direction: int, name: str):
    """(imputed values, imputed value, Chinese message or None when nothing is missing)."""
    _check(policy, MISSING_POLICIES, "缺失值处理")
    miss = np.isnan(x)
    if not miss.any():
        return x, np.nan, None
    have = x[~miss]
    if have.size == 0:
        return x, np.nan, f"指标 {name} 在本组全部缺失，无法插补，不参与计算"
    if policy == "median":
        value, msg = float(np.median(have)), f"指标 {name} 缺失，按同组中位数插补"
    elif policy == "worst":
        value = float(have.min() if direction >= 0 else have.max())
        msg = f"指标 {name} 缺失，按同组最差值计分"
    else:
        return x, np.nan, f"指标 {name} 缺失，不参与计算，其余指标按权重重新分配"
    y = x.copy()
    y[miss] = value
    return y, value, msg


# --------------------------------------------------------------------------- weights
def _varimax(loadings: np.ndarray, max_iter: int = 500, tol: float = 1e-10) -> np.ndarray:
    p, k = loadings.shape
    if k < 2:
        return loadings.copy()
    rot = np.eye(k)
    d = 0.0
    for _ in range(max_iter):
        lam = loadings @ rot
        u, s, vt = np.linalg.svd(loadings.T @ (lam**3 - lam @ np.diag((lam**2).sum(0)) / p))
        rot = u @ vt
        d_new = s.sum()
        if d_new < d * (1 + tol):
            break
        d = d_new
    return loadings @ rot


def compute_weights(
    frame: pd.DataFrame | None = None,
    method: str = "equal",
    *,
    columns: Sequence[str] | None = None,
    configured: Mapping[str, float] | None = None,
    min_eigenvalue: float = 1.0,
) -> pd.Series:
    """Indicator weights, always normalised to sum to 1.

    Parameters
    ----------
    frame : DataFrame, optional
        Indicator values (needed for ``entropy`` and ``pca``).
    method : {'configured', 'equal', 'entropy', 'pca'}
        ``configured``: the given ``configured`` weights, normalised. ``equal``: 1/p.
        ``entropy``: columns min-max scaled to [0, 1]; ``p_ij = x_ij / sum_i x_ij``;
        ``e_j = -sum_i p_ij ln p_ij / ln n`` with the convention **0 ln 0 = 0**; weight
        proportional to ``1 - e_j`` (a constant or all-zero column gets weight 0; if every
        column does, equal weights). ``pca``: the Handbook's factor-analysis weights
        (Nicoletti et al.): principal components of the correlation matrix with
        eigenvalue >= ``min_eigenvalue`` (at least one), varimax rotation, squared
        loadings scaled to unit sum per factor, each indicator assigned to the factor on
        which its scaled squared loading is largest, weighted by that factor's share of
        the explained variance. Rows with a missing value are left out for entropy/pca.
    columns : list of str, optional
        Default: ``configured``'s keys, else every numeric column of ``frame``.
    configured : mapping column -> weight, optional
    min_eigenvalue : float

    Returns
    -------
    Series
        Indexed by column, non-negative, sum 1.

    Raises
    ------
    ValueError
        Chinese message: negative configured weights, or too few complete rows for PCA.

    Examples
    --------
    >>> compute_weights(method="configured", configured={"a": 2, "b": 1, "c": 1}).tolist()
    [0.5, 0.25, 0.25]
    """
    _check(method, WEIGHT_METHODS, "权重")
    if columns is None:
        if configured is not None:
            columns = list(configured)
        elif frame is not None:
            columns = _numeric_columns(frame, None)
        else:
            raise ValueError("计算权重需要指标列表（columns）或数据（frame）")
    cols = list(columns)
    if not cols:
        return pd.Series(dtype=float)
    if method == "equal":
        w = np.ones(len(cols))
    elif method == "configured":
        if configured is None:
            raise ValueError("权重方法为 configured，但未提供配置权重")
        w = np.array([float(configured.get(c, np.nan)) for c in cols])
        if np.isnan(w).any():
            raise ValueError(f"以下指标缺少配置权重：{[c for c, v in zip(cols, w) if np.isnan(v)]}")
        if (w < 0).any():
            raise ValueError("配置权重不能为负")
        if w.sum() == 0:
            w = np.ones(len(cols))
    else:
        if frame is None:
            raise ValueError(f"权重方法 {method} 需要指标数据")
        X = np.column_stack([_as_float(frame[c]) for c in cols])
        X = X[~np.isnan(X).any(axis=1)]
        n = X.shape[0]
        if method == "entropy":
            if n < 2:
                raise ValueError("熵权法至少需要 2 个指标齐全的申报对象")
            mn, mx = X.min(0), X.max(0)
            rng = np.where(mx > mn, mx - mn, 1.0)
            Z = np.where(mx > mn, (X - mn) / rng, 0.0)
            tot = Z.sum(0)
            P = np.divide(Z, tot, out=np.zeros_like(Z), where=tot > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                plogp = np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0)
            e = -plogp.sum(0) / math.log(n)
            d = np.where(tot > 0, 1.0 - e, 0.0)
            w = d if d.sum() > 0 else np.ones(len(cols))
        else:  # pca
            if n < len(cols) + 1:
                raise ValueError(f"主成分分析权重需要至少 {len(cols) + 1} 个指标齐全的申报对象，当前仅 {n} 个")
            sd = X.std(0, ddof=1)
            if (sd == 0).any():
                raise ValueError(f"主成分分析权重：以下指标为常数，无法计算相关矩阵：{[c for c, s in zip(cols, sd) if s == 0]}")
            R = np.corrcoef(X, rowvar=False)
            evals, evecs = np.linalg.eigh(R)
            order = np.argsort(evals)[::-1]
            evals, evecs = evals[order], evecs[:, order]
            k = max(1, int((evals >= min_eigenvalue).sum()))
            L = evecs[:, :k] * np.sqrt(np.clip(evals[:k], 0, None))
            L = _varimax(L)
            sq = L**2
            explained = sq.sum(0)
            scaled = sq / explained
            assign = scaled.argmax(1)
            fw = explained / explained.sum()
            w = scaled[np.arange(len(cols)), assign] * fw[assign]
    w = np.asarray(w, float)
    return pd.Series(w / w.sum(), index=cols, name="weight")


# --------------------------------------------------------------------------- aggregation
def _aggregate_matrix(V: np.ndarray, w: np.ndarray, method: str, floor: float) -> np.ndarray:
    present = ~np.isnan(V)
    W = present * w
    den = W.sum(1)
    if method == "arithmetic":
        num = np.where(present, V, 0.0) @ w
        val = num / np.where(den > 0, den, 1.0)
    elif method == "geometric":
        L = np.log(np.maximum(np.where(present, V, 1.0), floor))
        val = np.exp((np.where(present, L, 0.0) @ w) / np.where(den > 0, den, 1.0))
    else:
        inv = 1.0 / np.maximum(np.where(present, V, 1.0), floor)
        s = np.where(present, inv, 0.0) @ w
        val = np.where(s > 0, den / np.where(s > 0, s, 1.0), np.nan)
    return np.where(den > 0, val, np.nan)


def aggregate(
    frame: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | None = None,
    method: str = "arithmetic",
    *,
    columns: Sequence[str] | None = None,
    floor: float | None = None,
) -> pd.Series:
    """Weighted mean across columns, one value per row.

    Parameters
    ----------
    frame : DataFrame
        Normalised indicators.
    weights : mapping column -> weight, optional
        Default equal weights; normalised to sum 1. A row's missing values are left out
        and its remaining weights re-normalised (the ``exclude`` policy).
    method : {'arithmetic', 'geometric', 'harmonic'}
        ``sum w x``, ``prod x ** w``, ``1 / sum(w / x)``.
    columns : list of str, optional
        Default: the weights' keys, else every numeric column.
    floor : float, optional
        Zero rule for geometric and harmonic means: values below ``floor`` are raised to
        ``floor`` (so a zero is a heavy, finite penalty rather than an error). Default 1 %
        of the largest value in the frame (0.01 on a 0-1 scale, 1 on a 0-100 scale).

    Returns
    -------
    Series
        NaN only for a row with no value at all.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 4.0], "b": [4.0, None]})
    >>> aggregate(df, {"a": 1, "b": 1}, "geometric").tolist()
    [2.0, 4.0]
    """
    _check(method, AGGREGATION_METHODS, "加总")
    if columns is None:
        columns = list(weights.keys()) if weights is not None else _numeric_columns(frame, None)
    cols = list(columns)
    V = np.column_stack([_as_float(frame[c]) for c in cols]) if cols else np.zeros((len(frame), 0))
    if weights is None:
        w = np.ones(len(cols))
    else:
        w = np.array([float(weights[c]) for c in cols])
    if (w < 0).any():
        raise ValueError("加总权重不能为负")
    w = w / w.sum() if w.sum() > 0 else np.ones(len(cols)) / max(len(cols), 1)
    if floor is None:
        mx = np.nanmax(np.abs(V)) if np.isfinite(V).any() else 1.0
        floor = 0.01 * mx if mx > 0 else 1e-12
    return pd.Series(_aggregate_matrix(V, w, method, float(floor)), index=frame.index, name="index")


def aggregate_hierarchy(
    frame: pd.DataFrame,
    structure: pd.DataFrame,
    *,
    methods: tuple[str, str] | str = "arithmetic",
    dimension_weights: Mapping[str, float] | None = None,
    floor: float | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Aggregate indicators -> dimensions -> index.

    Parameters
    ----------
    frame : DataFrame
        Normalised indicators, one column per indicator.
    structure : DataFrame
        Columns ``indicator``, ``dimension``, ``weight`` (weights re-normalised within each
        dimension).
    methods : str or (indicator-level, dimension-level)
    dimension_weights : mapping, optional
        Default equal.
    floor : float, optional
        Zero rule, see :func:`aggregate`.

    Returns
    -------
    index : Series
    dimensions : DataFrame
        One column per dimension (in order of first appearance in ``structure``).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0], "b": [3.0], "c": [10.0]})
    >>> s = pd.DataFrame({"indicator": ["a", "b", "c"], "dimension": ["D1", "D1", "D2"], "weight": 1.0})
    >>> idx, dims = aggregate_hierarchy(df, s)
    >>> dims.iloc[0].tolist(), float(idx.iloc[0])
    ([2.0, 10.0], 6.0)
    """
    m_ind, m_dim = (methods, methods) if isinstance(methods, str) else methods
    dims = list(dict.fromkeys(structure["dimension"]))
    out = {}
    for d in dims:
        sub = structure[structure["dimension"] == d]
        out[d] = aggregate(frame, dict(zip(sub["indicator"], sub["weight"].astype(float))), m_ind, floor=floor)
    D = pd.DataFrame(out, index=frame.index)
    dw = {d: float((dimension_weights or {}).get(d, 1.0)) for d in dims}
    return aggregate(D, dw, m_dim, floor=floor), D


def rank_desc(values: pd.Series | np.ndarray) -> np.ndarray:
    """Rank with 1 = highest value, ties at the minimum rank, NaN ranked last.

    Examples
    --------
    >>> rank_desc(np.array([3.0, 5.0, 3.0, np.nan])).tolist()
    [2, 1, 2, 4]
    """
    v = np.asarray(values, float)
    v = np.where(np.isnan(v), -np.inf, v)
    return (v[None, :] > v[:, None]).sum(1) + 1


# --------------------------------------------------------------------------- groups
@dataclasses.dataclass
class _Group:
    category: str
    domain: str
    label: str
    ids: np.ndarray                # applicant ids (n)
    frame: pd.DataFrame            # applicant rows (id index) with key columns
    indicators: list[str]          # active indicators (p)
    raw: np.ndarray                # n x p as reported
    X: np.ndarray                  # n x p after imputation and treatment (NaN = excluded)
    directions: np.ndarray         # p
    bounds: dict[str, Any]
    dims: list[str]                # d
    G: np.ndarray                  # p x d membership
    w: np.ndarray                  # p, within-dimension normalised
    v: np.ndarray                  # d, normalised
    treat_log: pd.DataFrame
    missing_log: pd.DataFrame
    notes: list[dict]


def _composite_cfg(cfg: Mapping[str, Any]) -> dict[str, Any]:
    if "composite" not in cfg:
        raise ValueError("配置中缺少 composite（composite.yaml）")
    return cfg["composite"]


def _get_spec(cfg: Mapping[str, Any], spec: pd.DataFrame | None) -> pd.DataFrame:
    if spec is None:
        from nebase_analysis.indicators import indicator_spec

        spec = indicator_spec(cfg)
    need = {"id", "dimension"}
    if not need <= set(spec.columns):
        raise ValueError(f"指标规格表缺少列：{sorted(need - set(spec.columns))}")
    spec = spec.copy()
    for col, default in (("weight", 1.0), ("direction", 1), ("missing", None), ("label", None),
                         ("goal_lo", np.nan), ("goal_hi", np.nan), ("dimension_weight", 1.0)):
        if col not in spec.columns:
            spec[col] = default
    if spec["label"].isna().any():
        spec["label"] = spec["label"].fillna(spec["id"])
    return spec


def _group_label(cat_labels: Mapping[str, str], category: str, domain: str) -> str:
    return f"{cat_labels.get(category, category)}·{domain}"


def _note(notes: list, group: str, indicator: str | None, applicant_id: str | None, message: str, kind: str) -> None:
    notes.append({"peer_group": group, "indicator": indicator, "applicant_id": applicant_id, "kind": kind, "message": message})


def _prepare_groups(indicators: pd.DataFrame, cfg: Mapping[str, Any], spec: pd.DataFrame | None) -> list[_Group]:
    cc = _composite_cfg(cfg)
    spec = _get_spec(cfg, spec)
    keys = list(cc["peer_group"])
    if "applicant_id" not in indicators.columns:
        raise ValueError("指标表缺少 applicant_id 列")
    for k in keys:
        if k not in indicators.columns:
            raise ValueError(f"指标表缺少分组列 {k}")
    from nebase_analysis.indicators import check_applicant_ids

    check_applicant_ids(indicators, "指标表")
    default_missing = cc["missing"]["default"]
    tcfg = cc["treatment"]
    ncfg = cc["normalisation"]
    treat = bool(tcfg["enabled"]) and ncfg["method"] != "goalposts"
    wmethod = cc["weights"]["method"]
    min_cov = float(cc["missing"]["min_coverage"])
    cat_labels = category_labels(cfg)
    # one conversion of the indicator block to floats, then numpy per group
    indicators = indicators.reset_index(drop=True)
    ids_all = indicators["applicant_id"].to_numpy()
    cols_all = [c for c in dict.fromkeys(spec["id"]) if c in indicators.columns]
    block = np.column_stack([_as_float(indicators[c]) for c in cols_all]) if cols_all else np.zeros((len(indicators), 0))
    colpos = {c: i for i, c in enumerate(cols_all)}
    keep = [c for c in ["applicant_id", *keys, "province"] if c in indicators.columns]
    spec_records = spec.to_dict("records")
    by_cat = "category" in spec.columns
    by_dom = "domain" in spec.columns
    groups = []
    for key, pos in sorted(indicators.groupby(keys, sort=False, dropna=False).indices.items(), key=lambda kv: tuple(map(str, kv[0]))):
        key = key if isinstance(key, tuple) else (key,)
        category, domain = (str(key[0]), str(key[1])) if len(keys) >= 2 else (str(key[0]), "")
        label = _group_label(cat_labels, category, domain)
        notes: list[dict] = []
        pos = pos[np.argsort(ids_all[pos].astype(str), kind="stable")]
        ids = ids_all[pos]
        n = len(ids)
        recs = [r for r in spec_records
                if (not by_cat or r["category"] == category) and (not by_dom or r["domain"] in (domain, "*"))]
        recs = list({r["id"]: r for r in recs}.values())
        if not recs:
            _note(notes, label, None, None, f"{label}：未配置指标体系，无法计分", "no_indicators")
        active, cols = [], []
        for r in recs:
            if r["id"] not in colpos:
                _note(notes, label, r["id"], None, f"{label}：指标 {r['id']}（{r['label']}）不在指标表中，已剔除并重新分配权重", "absent")
                continue
            x = block[pos, colpos[r["id"]]]
            xs = x[~np.isnan(x)]
            if xs.size == 0:
                _note(notes, label, r["id"], None, f"{label}：指标 {r['id']}（{r['label']}）全部缺失，已剔除并重新分配权重", "all_missing")
                continue
            if n > 1 and xs.size > 1 and np.all(xs == xs[0]) and ncfg["method"] != "goalposts":
                # relative normalisations cannot use it; goalposts score it in absolute terms
                _note(notes, label, r["id"], None, f"{label}：指标 {r['id']}（{r['label']}）在组内取值相同（{xs[0]:g}），不具区分度，已剔除并重新分配权重", "constant")
                continue
            active.append(r)
            cols.append(colpos[r["id"]])
        ind = [r["id"] for r in active]
        direc = np.array([_direction_of({r["id"]: r["direction"]}, r["id"]) for r in active], dtype=float)
        raw = block[np.ix_(pos, cols)] if ind else np.zeros((n, 0))
        X = raw.copy()
        mrows, trows = [], []
        for j, r in enumerate(active):
            policy = r["missing"] if isinstance(r["missing"], str) and r["missing"] else default_missing
            y, value, msg = _impute_array(X[:, j], policy, int(direc[j]), r["id"])
            if msg is not None:
                for i in np.flatnonzero(np.isnan(X[:, j])):
                    mrows.append({"applicant_id": ids[i], "indicator": r["id"], "policy": policy, "value": value,
                                  "message": msg, "peer_group": label})
                X[:, j] = y
            if treat:
                before = X[:, j]
                after, points = _treat_array(before, float(tcfg["skew_threshold"]), float(tcfg["kurt_threshold"]),
                                             int(tcfg["winmax"]), str(tcfg["fallback"]))
                if points:
                    sb, kb, sa, ka = skewness(before), kurtosis(before), skewness(after), kurtosis(after)
                    for i, action in points:
                        trows.append({"applicant_id": ids[i], "indicator": r["id"], "action": action,
                                      "before": float(before[i]), "after": float(after[i]), "skew_before": sb,
                                      "kurt_before": kb, "skew_after": sa, "kurt_after": ka, "peer_group": label})
                    X[:, j] = after
        bounds = {r["id"]: (r["goal_lo"], r["goal_hi"]) for r in active}
        dims = list(dict.fromkeys(r["dimension"] for r in active))
        G = np.zeros((len(ind), len(dims)))
        for j, r in enumerate(active):
            G[j, dims.index(r["dimension"])] = 1.0
        base = np.array([float(r["weight"]) for r in active])
        if wmethod != "configured" and ind:
            try:
                base = compute_weights(pd.DataFrame(X, columns=ind), wmethod, columns=ind).to_numpy()
            except ValueError as exc:
                _note(notes, label, None, None, f"{label}：{exc}；改用配置权重", "weights_fallback")
        if (base < 0).any():
            raise ValueError(f"{label}：指标权重不能为负")
        w = np.zeros(len(ind))
        for k in range(len(dims)):
            m = G[:, k] > 0
            tot = base[m].sum()
            w[m] = base[m] / tot if tot > 0 else 1.0 / m.sum()
        dimw = {r["dimension"]: float(r["dimension_weight"]) for r in active}
        v = np.array([dimw[d] for d in dims], dtype=float)
        v = v / v.sum() if v.sum() > 0 else np.ones(len(dims)) / max(len(dims), 1)
        if n == 1:
            _note(notes, label, None, ids[0], f"{label}：本组仅 1 个申报对象，无法进行组内比较，排名记为 1", "single")
        if ind and min_cov > 0:
            for aid, c in zip(ids, (~np.isnan(raw)).mean(1)):
                if c < min_cov:
                    _note(notes, label, None, aid, f"{label}：申报对象 {aid} 仅填报了 {c:.0%} 的指标，得分可靠性低", "low_coverage")
        frame = indicators.iloc[pos][keep].reset_index(drop=True)
        treat_log = pd.DataFrame(trows, columns=_TREAT_COLS)
        missing_log = pd.DataFrame(mrows, columns=_MISSING_COLS).astype({"value": float})
        groups.append(_Group(category, domain, label, ids, frame, ind, raw, X, direc, bounds, dims, G, w, v,
                             treat_log, missing_log, notes))
    return groups


_TREAT_COLS = ["applicant_id", "indicator", "action", "before", "after", "skew_before", "kurt_before",
               "skew_after", "kurt_after", "peer_group"]
_MISSING_COLS = ["applicant_id", "indicator", "policy", "value", "message", "peer_group"]


def _norm_matrix(g: _Group, ncfg: Mapping[str, Any]) -> np.ndarray:
    # `method` is required; `range` / `mean_sd` only exist for the methods that use them
    method = ncfg["method"]
    out = np.empty_like(g.X)
    for j, c in enumerate(g.indicators):
        out[:, j] = _normalise_array(
            g.X[:, j], method, int(g.directions[j]), target=ncfg.get("range"),
            mean_sd=ncfg.get("mean_sd", (0.0, 1.0)), bounds=g.bounds.get(c), name=c,
        )
    return out


def _scale_of(ncfg: Mapping[str, Any]) -> tuple[float, float] | None:
    method = ncfg["method"]
    if method in ("minmax", "goalposts"):
        r = ncfg.get("range") or (0.0, 1.0)
        return float(r[0]), float(r[1])
    if method == "percentile":
        return 0.0, 100.0
    if method == "distance_to_frontier":
        return 0.0, 1.0
    return None


def _shares(V: np.ndarray, w: np.ndarray, method: str, floor: float) -> np.ndarray:
    """Additive shares of each column in a row's aggregate (rows sum to 1)."""
    present = ~np.isnan(V)
    if method == "geometric":
        T = np.where(present, np.log(np.maximum(np.where(present, V, 1.0), floor)), 0.0) * w
    else:  # arithmetic exact; harmonic: proportional allocation (stated approximation)
        T = np.where(present, V, 0.0) * w
    tot = T.sum(1, keepdims=True)
    W = present * w
    eq = W / np.where(W.sum(1, keepdims=True) > 0, W.sum(1, keepdims=True), 1.0)
    return np.where(np.abs(tot) > 1e-12, T / np.where(np.abs(tot) > 1e-12, tot, 1.0), eq)


# --------------------------------------------------------------------------- score
@dataclasses.dataclass
class ScoreResult:
    """What :func:`score` returns (all tidy DataFrames).

    Attributes
    ----------
    scores : applicant_id, category, domain, province, peer_group, n_peers, index, score,
        rank, note
    dimensions : applicant_id, peer_group, dimension, dimension_score, dimension_weight,
        contribution
    contributions : applicant_id, peer_group, indicator, label, dimension, direction,
        raw, treated, normalised, weight (effective: the weight within the dimension,
        re-normalised over the applicant's reported indicators, times the dimension weight,
        re-normalised over its dimensions with a value; sums to 1 per applicant; with
        arithmetic aggregation and the normalised range equal to 0-100, contribution =
        normalised x weight),
        contribution (points of the 0-100 score; sums to the score), missing_policy
    weights : peer_group, indicator, dimension, weight_in_dimension, dimension_weight, weight
    treatment_log : applicant_id, indicator, action, before, after, skew/kurt before and
        after, peer_group
    missing_log : applicant_id, indicator, policy, value, message, peer_group
    notes : peer_group, indicator, applicant_id, kind, message (Chinese)
    """

    scores: pd.DataFrame
    dimensions: pd.DataFrame
    contributions: pd.DataFrame
    weights: pd.DataFrame
    treatment_log: pd.DataFrame
    missing_log: pd.DataFrame
    notes: pd.DataFrame


def score(indicators: pd.DataFrame, config: Any = None, *, spec: pd.DataFrame | None = None) -> ScoreResult:
    """Composite score 0-100 and rank of every applicant within its peer group.

    Per peer group (``composite.peer_group``, default category x domain): indicators
    missing for everyone or constant are dropped (noted); missing values handled per
    indicator policy; outliers treated (COINr rule); normalised; weighted (indicator
    weights re-normalised within dimensions); aggregated indicators -> dimensions ->
    index; scaled to 0-100 (minmax/goalposts: the configured range mapped to 0-100;
    percentile as is; distance x 100; zscore and rank: min-max within the group) and
    ranked (1 = best, ties at the minimum rank).

    Parameters
    ----------
    indicators : DataFrame
        One row per applicant: ``applicant_id``, the peer-group keys (``category``,
        ``domain``), optionally ``province``, then one column per indicator (the output
        of :func:`nebase_analysis.indicators.compute`).
    config : optional
        Path, override dict or full config (:func:`nebase_analysis.config.resolve_config`).
    spec : DataFrame, optional
        The indicator set: ``id``, ``dimension``, ``weight``, ``direction``, optional
        ``label``, ``missing``, ``goal_lo``, ``goal_hi``, ``dimension_weight``, and
        ``category``/``domain`` (rows without them apply to every group). Default:
        :func:`nebase_analysis.indicators.indicator_spec` of the config.

    Returns
    -------
    ScoreResult

    Examples
    --------
    >>> ind = pd.DataFrame({"applicant_id": ["A", "B", "C"], "category": "park", "domain": "软件",
    ...                     "x": [1.0, 2.0, 3.0], "y": [3.0, 2.0, 1.0]})
    >>> spec = pd.DataFrame({"id": ["x", "y"], "dimension": ["D1", "D2"], "weight": 1.0, "direction": [1, 1]})
    >>> res = score(ind, {"composite": {"treatment": {"enabled": False}}}, spec=spec)
    >>> res.scores[["applicant_id", "score", "rank"]].values.tolist()
    [['A', 50.0, 1], ['B', 50.0, 1], ['C', 50.0, 1]]
    """
    cfg = resolve_config(config)
    cc = _composite_cfg(cfg)
    spec_df = _get_spec(cfg, spec)
    groups = _prepare_groups(indicators, cfg, spec_df)
    labels = dict(zip(spec_df["id"], spec_df["label"]))
    ncfg = cc["normalisation"]
    acfg = cc["aggregation"]
    m_ind, m_dim = acfg["indicators"], acfg["dimensions"]
    _check(m_ind, AGGREGATION_METHODS, "加总")
    _check(m_dim, AGGREGATION_METHODS, "加总")
    floor = float(acfg["zero_floor"])
    scale = _scale_of(ncfg)
    S, DIM, CON, WT, TL, ML, NT = [], [], [], [], [], [], []
    for g in groups:
        n, p = len(g.ids), len(g.indicators)
        notes = list(g.notes)
        base = g.frame.assign(peer_group=g.label, n_peers=n)
        if p == 0:
            if not any(x["kind"] == "no_indicators" for x in notes):
                _note(notes, g.label, None, None, f"{g.label}：没有可用于计分的指标（全部缺失或取值相同），得分记为空", "no_indicators")
            S.append(base.assign(index=np.nan, score=np.nan, rank=1 if n == 1 else np.nan,
                                 note=notes[-1]["message"]))
            NT.extend(notes)
            continue
        N = _norm_matrix(g, ncfg)
        D = np.column_stack([_aggregate_matrix(N[:, g.G[:, k] > 0], g.w[g.G[:, k] > 0], m_ind, floor)
                             for k in range(len(g.dims))])
        idx = _aggregate_matrix(D, g.v, m_dim, floor)
        if scale is not None:
            lo, hi = scale
            sc = 100.0 * (idx - lo) / (hi - lo)
        else:
            finite = idx[~np.isnan(idx)]
            mn, mx = (finite.min(), finite.max()) if finite.size else (np.nan, np.nan)
            sc = np.where(np.isnan(idx), np.nan, 100.0 * (idx - mn) / (mx - mn) if mx > mn else 50.0)
        note = [""] * n
        if n == 1 and ncfg["method"] != "goalposts":
            sc = np.array([np.nan])
            note = ["本组仅 1 个申报对象，相对标准化无意义，得分记为空，排名记为 1"]
        for i in np.flatnonzero(np.isnan(idx)):
            note[i] = "全部指标缺失，无法计分，排在组末"
            _note(notes, g.label, None, g.ids[i], f"{g.label}：申报对象 {g.ids[i]} 全部指标缺失，无法计分，排在组末", "no_data")
        rk = rank_desc(np.round(sc, 9)) if n > 1 else np.array([1])
        S.append(base.assign(index=idx, score=sc, rank=rk, note=note))
        # dimension scores and contributions
        sh_dim = _shares(D, g.v, m_dim, floor)
        for k, dname in enumerate(g.dims):
            DIM.append(pd.DataFrame({
                "applicant_id": g.ids, "peer_group": g.label, "dimension": dname,
                "dimension_score": (100.0 * (D[:, k] - scale[0]) / (scale[1] - scale[0])) if scale else D[:, k],
                "dimension_weight": g.v[k], "contribution": sc * sh_dim[:, k],
            }))
        # effective weights, the ones the aggregation used: a missing indicator's weight is
        # re-spread within its dimension, a dimension with no value re-spreads the
        # dimension weights (both as in _aggregate_matrix)
        present = ~np.isnan(N)
        Wd = ~np.isnan(D) * g.v
        Wd = Wd / np.where(Wd.sum(1, keepdims=True) > 0, Wd.sum(1, keepdims=True), 1.0)
        share = np.zeros((n, p))
        eff = np.zeros((n, p))
        for k in range(len(g.dims)):
            m = g.G[:, k] > 0
            share[:, m] = _shares(N[:, m], g.w[m], m_ind, floor) * sh_dim[:, [k]]
            Wk = present[:, m] * g.w[m]
            eff[:, m] = Wk / np.where(Wk.sum(1, keepdims=True) > 0, Wk.sum(1, keepdims=True), 1.0) * Wd[:, [k]]
        policy = {}
        if len(g.missing_log):
            policy = {(r.applicant_id, r.indicator): r.policy for r in g.missing_log.itertuples()}
        for j, c in enumerate(g.indicators):
            CON.append(pd.DataFrame({
                "applicant_id": g.ids, "peer_group": g.label, "indicator": c, "label": labels.get(c, c),
                "dimension": g.dims[int(g.G[j].argmax())], "direction": int(g.directions[j]),
                "raw": g.raw[:, j], "treated": g.X[:, j], "normalised": N[:, j],
                "weight": eff[:, j], "contribution": sc * share[:, j],
                "missing_policy": [policy.get((a, c), "") for a in g.ids],
            }))
            WT.append({"peer_group": g.label, "indicator": c, "dimension": g.dims[int(g.G[j].argmax())],
                       "weight_in_dimension": g.w[j], "dimension_weight": float(g.G[j] @ g.v),
                       "weight": float(g.w[j] * (g.G[j] @ g.v))})
        if len(g.treat_log):
            TL.append(g.treat_log)
        if len(g.missing_log):
            ML.append(g.missing_log)
        NT.extend(notes)
    if S:
        scores = pd.concat(S, ignore_index=True)
    else:  # no applicant: the same columns, empty
        keys = [c for c in ["applicant_id", *cc["peer_group"], "province"] if c in indicators.columns]
        scores = pd.DataFrame({**{c: indicators[c].iloc[:0] for c in keys},
                               "peer_group": pd.Series([], dtype="str"), "n_peers": pd.Series([], dtype=int),
                               "index": pd.Series([], dtype=float), "score": pd.Series([], dtype=float),
                               "rank": pd.Series([], dtype="Int64"), "note": pd.Series([], dtype="str")})
    if len(scores):
        scores["rank"] = scores["rank"].astype("Int64")
        scores["n_peers"] = scores["n_peers"].astype(int)
    cols_t = ["applicant_id", "indicator", "action", "before", "after", "skew_before", "kurt_before",
              "skew_after", "kurt_after", "peer_group"]
    cols_m = ["applicant_id", "indicator", "policy", "value", "message", "peer_group"]
    return ScoreResult(
        scores=scores,
        dimensions=pd.concat(DIM, ignore_index=True) if DIM else pd.DataFrame(columns=["applicant_id", "peer_group", "dimension", "dimension_score", "dimension_weight", "contribution"]),
        contributions=pd.concat(CON, ignore_index=True) if CON else pd.DataFrame(columns=["applicant_id", "peer_group", "indicator", "label", "dimension", "direction", "raw", "treated", "normalised", "weight", "contribution", "missing_policy"]),
        weights=pd.DataFrame(WT, columns=["peer_group", "indicator", "dimension", "weight_in_dimension", "dimension_weight", "weight"]),
        treatment_log=pd.concat(TL, ignore_index=True)[cols_t] if TL else pd.DataFrame(columns=cols_t),
        missing_log=(pd.concat(ML, ignore_index=True)[cols_m] if ML else pd.DataFrame(columns=cols_m)).astype({"value": float}),
        notes=pd.DataFrame(NT, columns=["peer_group", "indicator", "applicant_id", "kind", "message"]),
    )


# --------------------------------------------------------------------------- Monte Carlo engine
@dataclasses.dataclass
class _Design:
    """Uncertain choices, one row per sample."""

    ind_mult: np.ndarray   # S x P_all multipliers of indicator weights
    dim_mult: np.ndarray   # S x D_all multipliers of dimension weights
    norm: np.ndarray       # S   index into the normalisation alternatives
    agg: np.ndarray        # S   index into the aggregation alternatives


def _factor_layout(groups: list[_Group]) -> tuple[list[str], list[str]]:
    inds = sorted({c for g in groups for c in g.indicators})
    dims = sorted({d for g in groups for d in g.dims})
    return inds, dims


def _design_from_uniform(U: np.ndarray, n_ind: int, n_dim: int, noise: float, K: int, A: int) -> _Design:
    """Map uniforms in [0, 1) (columns: indicators, dimensions, normalisation, aggregation)."""
    ind = 1.0 + noise * (2.0 * U[:, :n_ind] - 1.0)
    dim = 1.0 + noise * (2.0 * U[:, n_ind:n_ind + n_dim] - 1.0)
    norm = np.minimum((U[:, n_ind + n_dim] * K).astype(int), K - 1)
    agg = np.minimum((U[:, n_ind + n_dim + 1] * A).astype(int), A - 1)
    return _Design(ind, dim, norm, agg)


def _mc_group_ranks(
    g: _Group,
    normed: list[np.ndarray],
    floors: list[float],
    aggs: list[str],
    design: _Design,
    ind_pos: np.ndarray,
    dim_pos: np.ndarray,
    with_index: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Ranks (S x n, int32) of one peer group under every sample of the design.

    ``with_index``: also return the aggregated index (S x n float, the normalised scale of
    each sample's normalisation; NaN where an applicant has no data or the group cannot
    be scored), from the same arrays the ranks come from.
    """
    S = design.norm.shape[0]
    n, p, d = len(g.ids), len(g.indicators), len(g.dims)
    ranks = np.empty((S, n), dtype=np.int32)
    if n == 1 or p == 0:
        ranks[:] = 1
        return (ranks, np.full((S, n), np.nan)) if with_index else ranks
    w = g.w[None, :] * design.ind_mult[:, ind_pos]            # S x p
    v = g.v[None, :] * design.dim_mult[:, dim_pos]            # S x d
    # Precompute per normalisation: masked transforms for each aggregation method
    M = (~np.isnan(g.X)).astype(float)                        # n x p (same mask for all normalisations)
    trans = {}
    for k, Nk in enumerate(normed):
        fl = floors[k]
        safe = np.where(np.isnan(Nk), 1.0, Nk)
        trans[k] = {
            "arithmetic": np.where(M > 0, safe, 0.0),
            "geometric": np.where(M > 0, np.log(np.maximum(safe, fl)), 0.0),
            "harmonic": np.where(M > 0, 1.0 / np.maximum(safe, fl), 0.0),
        }
    members = [np.flatnonzero(g.G[:, q] > 0) for q in range(d)]
    complete = bool(M.all())
    index = np.empty((S, n))
    for k in range(len(normed)):
        for a, method in enumerate(aggs):
            sel = np.flatnonzero((design.norm == k) & (design.agg == a))
            if sel.size == 0:
                continue
            # each indicator sits in one dimension: the (samples x indicators x dimensions)
            # weight array is block-sparse, so one BLAS product per dimension computes it
            ws = w[sel]                                            # s x p
            T = trans[k][method]
            if complete:
                index[sel] = _complete_index(ws, v[sel], T, members, method, floors[k])
                continue
            num = np.empty((sel.size, n, d))
            den = np.empty((sel.size, n, d))
            for q, J in enumerate(members):
                num[:, :, q] = ws[:, J] @ T[:, J].T
                den[:, :, q] = ws[:, J] @ M[:, J].T
            ok = den > 0
            dsafe = np.where(ok, den, 1.0)
            if method == "arithmetic":
                Dm = num / dsafe
            elif method == "geometric":
                Dm = np.exp(num / dsafe)
            else:
                Dm = np.where(num > 0, dsafe / np.where(num > 0, num, 1.0), np.nan)
            vb = v[sel][:, None, :] * ok                          # s x n x d
            vs = vb.sum(-1)
            vsafe = np.where(vs > 0, vs, 1.0)
            if method == "arithmetic":
                I = (np.where(ok, Dm, 0.0) * vb).sum(-1) / vsafe
            elif method == "geometric":
                fl = floors[k]
                I = np.exp((np.where(ok, np.log(np.maximum(np.where(ok, Dm, 1.0), fl)), 0.0) * vb).sum(-1) / vsafe)
            else:
                fl = floors[k]
                inv = np.where(ok, 1.0 / np.maximum(np.where(ok, Dm, 1.0), fl), 0.0)
                I = vs / np.maximum((inv * vb).sum(-1), 1e-300)
            index[sel] = np.where(vs > 0, I, -np.inf)
    # ranks: 1 + number of strictly better units (ties at the minimum rank), by sorting;
    # rounding guards against float noise between equal aggregates
    ranks = _min_ranks_desc(np.round(index, 9))
    if with_index:
        return ranks, np.where(np.isfinite(index), index, np.nan)
    return ranks


def _complete_index(ws, vs, T, members, method, floor) -> np.ndarray:
    """Index (s x n) for a group without missing values: dimension weights sums are the
    same for every applicant, so each level is one matrix product."""
    s, n, d = ws.shape[0], T.shape[0], len(members)
    D = np.empty((s, n, d))
    for q, J in enumerate(members):
        wq = ws[:, J]
        np.divide(wq @ T[:, J].T, wq.sum(1)[:, None], out=D[:, :, q])
    vn = (vs / vs.sum(1, keepdims=True))[:, :, None]           # s x d x 1
    if method == "arithmetic":
        return np.matmul(D, vn)[..., 0]
    if method == "geometric":                                  # D holds weighted mean logs
        np.maximum(D, math.log(floor), out=D)
        return np.exp(np.matmul(D, vn)[..., 0])
    # harmonic: D holds weighted mean inverses; dimension score = 1 / D
    np.reciprocal(D, out=D)
    np.maximum(D, floor, out=D)
    np.reciprocal(D, out=D)
    return 1.0 / np.matmul(D, vn)[..., 0]


def _min_ranks_desc(index: np.ndarray) -> np.ndarray:
    """Row-wise ranks, 1 = largest, ties at the minimum rank (S x n in, S x n int32 out).

    Sort each row once; equal values are adjacent after sorting, so the rank of a sorted
    position is 1 + the position where its run of equal values starts.
    """
    S, n = index.shape
    neg = -index
    order = np.argsort(neg, axis=1)
    sv = np.take_along_axis(neg, order, axis=1)
    start = np.zeros((S, n), dtype=np.int32)
    start[:, 1:] = np.where(sv[:, 1:] != sv[:, :-1], np.arange(1, n, dtype=np.int32)[None, :], 0)
    rank_sorted = np.maximum.accumulate(start, axis=1) + 1
    ranks = np.empty((S, n), dtype=np.int32)
    np.put_along_axis(ranks, order, rank_sorted, axis=1)
    return ranks


def _uncertainty_setup(indicators, config, spec):
    cfg = resolve_config(config)
    cc = _composite_cfg(cfg)
    ucfg = cc["uncertainty"]
    groups = _prepare_groups(indicators, cfg, spec)
    # null / empty lists mean "the nominal choice only"
    norms = ucfg["normalisations"] or [cc["normalisation"]]
    aggs = list(ucfg["aggregations"] or [cc["aggregation"]["indicators"]])
    for a in aggs:
        _check(a, AGGREGATION_METHODS, "加总")
    for nc in norms:
        _check(nc["method"], NORMALISATION_METHODS, "标准化")
    # a normalisation alternative may set its own zero floor (its scale differs)
    floors = [float(nc.get("zero_floor", cc["aggregation"]["zero_floor"])) for nc in norms]
    normed = {g.label: [_norm_matrix(g, nc) for nc in norms] for g in groups}
    inds, dims = _factor_layout(groups)
    return cfg, cc, ucfg, groups, norms, aggs, floors, normed, inds, dims


def _evaluate(groups, normed, floors, aggs, design, inds, dims, progress=None, with_index=False):
    """Ranks per group under the design: dict label -> S x n int32.

    ``with_index``: also a second dict label -> S x n aggregated index (see
    :func:`_mc_group_ranks`).
    """
    out, idx = {}, {}
    ipos = {c: i for i, c in enumerate(inds)}
    dpos = {c: i for i, c in enumerate(dims)}
    for g in groups:
        res = _mc_group_ranks(
            g, normed[g.label], floors, aggs, design,
            np.array([ipos[c] for c in g.indicators], dtype=int),
            np.array([dpos[c] for c in g.dims], dtype=int),
            with_index=with_index,
        )
        if with_index:
            out[g.label], idx[g.label] = res
        else:
            out[g.label] = res
        if progress is not None:
            progress.update(1)
    return (out, idx) if with_index else out


def _draw_scores(index: np.ndarray, norm_of_draw: np.ndarray, norms: Sequence[Mapping[str, Any]], n_ids: int) -> np.ndarray:
    """Index draws (S x n) to the 0-100 score scale, by the rule of :func:`score`.

    Each draw uses its own normalisation's scale (minmax/goalposts: the configured range
    mapped to 0-100; percentile as is; distance x 100); without a fixed scale (zscore,
    rank) the draw is min-max scaled within the peer group (all equal: 50). A group of
    one applicant has no score (NaN), as in :func:`score`.
    """
    out = np.full(index.shape, np.nan)
    if n_ids == 1:
        return out
    for k, nc in enumerate(norms):
        sel = np.flatnonzero(norm_of_draw == k)
        if sel.size == 0:
            continue
        x = index[sel]
        scale = _scale_of(nc)
        if scale is not None:
            lo, hi = scale
            out[sel] = 100.0 * (x - lo) / (hi - lo)
        else:
            with np.errstate(invalid="ignore"):
                mn = np.nanmin(np.where(np.isnan(x), np.inf, x), axis=1, keepdims=True)
                mx = np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=1, keepdims=True)
                span = mx - mn
                sc = np.where(span > 0, 100.0 * (x - mn) / np.where(span > 0, span, 1.0), 50.0)
            out[sel] = np.where(np.isnan(x), np.nan, sc)
    return out


def _naive_rank_samples(indicators, config=None, n=100, seed=0, *, spec=None, samples=None):
    """Reference implementation: rerun normalise -> aggregate -> rank for every sample.

    Same random design as :func:`rank_uncertainty` (same ``seed`` gives the same draws),
    one DataFrame pipeline per sample and peer group, as COINr does. Used by the tests
    (to check the vectorised engine) and by the benchmark (as the naive baseline).
    ``samples`` restricts the run to those sample positions. Returns
    ``{peer_group: ranks array (len(samples) x applicants)}``.
    """
    cfg, cc, ucfg, groups, norms, aggs, floors, normed, inds, dims = _uncertainty_setup(indicators, config, spec)
    noise = float(ucfg["weight_noise"])
    U = np.random.default_rng(seed).random((n, len(inds) + len(dims) + 2))
    design = _design_from_uniform(U, len(inds), len(dims), noise, len(norms), len(aggs))
    samples = range(n) if samples is None else samples
    ipos = {c: i for i, c in enumerate(inds)}
    dpos = {c: i for i, c in enumerate(dims)}
    out = {}
    for g in groups:
        X = pd.DataFrame(g.X, index=g.ids, columns=g.indicators)
        res = []
        for s in samples:
            if len(g.ids) == 1 or not g.indicators:
                res.append(np.ones(len(g.ids), dtype=int))
                continue
            nc = norms[design.norm[s]]
            N = normalise(X, nc["method"], directions=dict(zip(g.indicators, g.directions)),
                          target=nc.get("range"), mean_sd=nc.get("mean_sd", (0.0, 1.0)), goalposts=g.bounds)
            w = g.w * design.ind_mult[s, [ipos[c] for c in g.indicators]]
            v = g.v * design.dim_mult[s, [dpos[d] for d in g.dims]]
            structure = pd.DataFrame({"indicator": g.indicators, "dimension": [g.dims[int(r.argmax())] for r in g.G],
                                      "weight": w})
            method = aggs[design.agg[s]]
            idx, _ = aggregate_hierarchy(N, structure, methods=method, dimension_weights=dict(zip(g.dims, v)),
                                         floor=floors[design.norm[s]])
            res.append(idx.round(9).rank(method="min", ascending=False, na_option="bottom").to_numpy(int))
        out[g.label] = np.array(res)
    return out


def rank_uncertainty(
    indicators: pd.DataFrame,
    config: Any = None,
    n: int | None = None,
    seed: int = 0,
    *,
    spec: pd.DataFrame | None = None,
    nominal: ScoreResult | None = None,
    return_samples: bool = False,
    progress: bool = False,
    return_scores: bool = False,
    score_draws: int | None = None,
):
    """Monte Carlo rank intervals over weights, normalisation and aggregation.

    Each sample draws, independently: a multiplier ``U(1 - noise, 1 + noise)`` for every
    indicator weight and every dimension weight (``uncertainty.weight_noise``), one of the
    normalisation alternatives (``uncertainty.normalisations``) and one aggregation method
    (``uncertainty.aggregations``, used at both levels), all with equal probability.
    Missing data and outlier treatment stay as configured. The computation is vectorised:
    each normalisation is computed once per peer group, then all samples sharing a
    (normalisation, aggregation) pair are aggregated by one batched array product
    (``einsum`` over a samples x indicators x dimensions weight array); ranks come from a
    batched pairwise comparison. No per-sample Python loop.

    Parameters
    ----------
    indicators : DataFrame
        As for :func:`score`.
    config : optional
    n : int, optional
        Number of samples (default ``uncertainty.samples``).
    seed : int
    spec : DataFrame, optional
        As for :func:`score`.
    nominal : ScoreResult, optional
        A :func:`score` result to take the nominal ranks from (computed if omitted).
    return_samples : bool
        Also return ``{peer_group: ranks array (n x applicants)}``.
    progress : bool
        tqdm progress bar over peer groups (stderr).
    return_scores : bool
        Also return the composite score draws of the same Monte Carlo run, as a long
        DataFrame ``applicant_id, draw, score``: the first ``score_draws`` samples
        (``draw`` = 0, 1, ...), each sample's aggregated index put on the 0-100 scale by
        the rule of :func:`score` (see :func:`_draw_scores`); NaN where the sample cannot
        score the applicant. ``nebase score`` writes it to ``composite_samples.parquet``,
        which ``nebase rank`` feeds to :func:`nebase_analysis.ranking.rank_stability`.
    score_draws : int, optional
        Draws kept with ``return_scores`` (default ``uncertainty.score_draws``, at most ``n``).

    Returns
    -------
    DataFrame
        ``applicant_id, category, domain, peer_group, n_peers, rank_nominal, rank_p05,
        rank_median, rank_p95, rank_mean, p_selected, selected_places, note``; the
        quantile columns follow ``uncertainty.quantiles`` (inverted-CDF quantiles, so
        every value is a rank that occurred). With ``return_samples`` and/or
        ``return_scores`` a tuple ``(table, ranks)``, ``(table, score_draws)`` or
        ``(table, ranks, score_draws)``.

    Examples
    --------
    >>> ind = pd.DataFrame({"applicant_id": list("ABC"), "category": "park", "domain": "软件",
    ...                     "x": [1.0, 2.0, 3.0], "y": [1.0, 2.5, 2.0]})
    >>> spec = pd.DataFrame({"id": ["x", "y"], "dimension": ["D1", "D2"], "weight": 1.0})
    >>> ru = rank_uncertainty(ind, {"composite": {"treatment": {"enabled": False}}}, n=200, spec=spec)
    >>> ru.set_index("applicant_id").loc["A", ["rank_p05", "rank_p95"]].tolist()
    [3, 3]
    >>> ru, draws = rank_uncertainty(ind, {"composite": {"treatment": {"enabled": False}}}, n=200, spec=spec,
    ...                              return_scores=True, score_draws=50)
    >>> draws.shape, draws.columns.tolist()
    ((150, 3), ['applicant_id', 'draw', 'score'])
    """
    cfg, cc, ucfg, groups, norms, aggs, floors, normed, inds, dims = _uncertainty_setup(indicators, config, spec)
    n = int(ucfg["samples"] if n is None else n)
    if n < 1:
        raise ValueError("蒙特卡洛样本数必须为正整数")
    noise = float(ucfg["weight_noise"])
    rng = np.random.default_rng(seed)
    U = rng.random((n, len(inds) + len(dims) + 2))
    design = _design_from_uniform(U, len(inds), len(dims), noise, len(norms), len(aggs))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(groups), desc="排名不确定性", unit="组", file=sys.stderr)
    if return_scores:
        ranks, index = _evaluate(groups, normed, floors, aggs, design, inds, dims, bar, with_index=True)
    else:
        ranks = _evaluate(groups, normed, floors, aggs, design, inds, dims, bar)
    if bar is not None:
        bar.close()
    if nominal is None:
        nominal = score(indicators, cfg, spec=spec)
    nom = dict(zip(nominal.scores["applicant_id"], nominal.scores["rank"]))
    places = ucfg["selected_places"]
    qs = [float(q) for q in ucfg["quantiles"]]
    qnames = [f"rank_p{round(q * 100):02d}" if q != 0.5 else "rank_median" for q in qs]
    rows = []
    for g in groups:
        R = ranks[g.label]
        if g.category not in places:
            raise ValueError(f"composite.yaml：uncertainty.selected_places 中没有类别 {g.category} 的入选名额")
        k = int(places[g.category])
        Q = np.quantile(R, qs, axis=0, method="inverted_cdf").astype(int)
        psel = (R <= k).mean(0)
        note = ""
        if len(g.ids) == 1:
            note = "本组仅 1 个申报对象，排名恒为 1"
        elif not g.indicators:
            note = "本组没有可用指标，无法评估排名不确定性"
        for i, aid in enumerate(g.ids):
            row = {"applicant_id": aid, "category": g.category, "domain": g.domain, "peer_group": g.label,
                   "n_peers": len(g.ids), "rank_nominal": nom.get(aid)}
            row.update({qn: int(Q[qi, i]) for qi, qn in enumerate(qnames)})
            row.update({"rank_mean": float(R[:, i].mean()), "p_selected": float(psel[i]),
                        "selected_places": k, "note": note})
            rows.append(row)
    cols = ["applicant_id", "category", "domain", "peer_group", "n_peers", "rank_nominal", *qnames,
            "rank_mean", "p_selected", "selected_places", "note"]
    out = pd.DataFrame(rows, columns=cols)
    out["rank_nominal"] = out["rank_nominal"].astype("Int64")
    if not return_scores:
        return (out, ranks) if return_samples else out
    k = int(ucfg["score_draws"] if score_draws is None else score_draws)
    if k < 1:
        raise ValueError("保存的客观得分抽样次数（uncertainty.score_draws）必须为正整数")
    k = min(k, n)
    parts = []
    for g in groups:
        sc = _draw_scores(index[g.label][:k], design.norm[:k], norms, len(g.ids))  # k x n
        parts.append(pd.DataFrame({
            "applicant_id": np.repeat(np.asarray(g.ids, dtype=object), k),
            "draw": np.tile(np.arange(k, dtype=np.int64), len(g.ids)),
            "score": sc.T.reshape(-1),
        }))
    draws = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"applicant_id": pd.Series(dtype=str), "draw": pd.Series(dtype=np.int64), "score": pd.Series(dtype=float)})
    draws["applicant_id"] = draws["applicant_id"].astype(str)
    return (out, ranks, draws) if return_samples else (out, draws)


# --------------------------------------------------------------------------- Sobol
def saltelli_design(n: int, d: int, seed: int = 0, *, qmc: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two independent base matrices A and B (n x d, uniform on [0, 1)) for Saltelli's scheme.

    With ``qmc=True`` the 2d columns are a scrambled Sobol sequence (Saltelli 2010) and
    ``n`` is rounded up to a power of two.

    Examples
    --------
    >>> A, B = saltelli_design(100, 3, seed=1)
    >>> A.shape, B.shape
    ((128, 3), (128, 3))
    """
    if qmc:
        from scipy.stats import qmc as _qmc

        m = max(1, int(math.ceil(math.log2(max(n, 2)))))
        base = _qmc.Sobol(d=2 * d, scramble=True, seed=seed).random_base2(m)
    else:
        base = np.random.default_rng(seed).random((n, 2 * d))
    return base[:, :d], base[:, d:]


def sobol_estimates(fA: np.ndarray, fB: np.ndarray, fAB: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """First and total order Sobol indices from model runs on A, B and each A_B^(i).

    First order (Saltelli et al. 2010, eq. b): ``V_i = mean(f(B) (f(A_B^i) - f(A)))``.
    Total order (Jansen 1999): ``VT_i = mean((f(A) - f(A_B^i))^2) / 2``. Both divided by
    the variance of ``f`` over A and B together. Outputs may be vectors (n x m): indices
    are then computed per output column; a column with zero variance gives NaN.

    Returns
    -------
    S1, ST : arrays of shape (k,) or (k, m)
    """
    fA = np.asarray(fA, float)
    fB = np.asarray(fB, float)
    var = np.concatenate([fA, fB], axis=0).var(axis=0, ddof=0)
    S1, ST = [], []
    for fi in fAB:
        fi = np.asarray(fi, float)
        v1 = np.mean(fB * (fi - fA), axis=0)
        vt = 0.5 * np.mean((fA - fi) ** 2, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            S1.append(np.where(var > 0, v1 / np.where(var > 0, var, 1.0), np.nan))
            ST.append(np.where(var > 0, vt / np.where(var > 0, var, 1.0), np.nan))
    return np.array(S1), np.array(ST)


def _sobol_conf(fA, fB, fAB, n_boot: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap 95 % half-widths (1.96 x bootstrap sd) of the first and total order indices."""
    N = len(fA)
    idx = np.random.default_rng(seed).integers(0, N, size=(n_boot, N))
    A, B = np.asarray(fA, float)[idx], np.asarray(fB, float)[idx]
    var = np.concatenate([A, B], axis=1).var(axis=1)
    c1, ct = [], []
    for fi in fAB:
        F = np.asarray(fi, float)[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            s1 = np.mean(B * (F - A), axis=1) / var
            st = 0.5 * np.mean((A - F) ** 2, axis=1) / var
        c1.append(1.96 * np.nanstd(s1) if np.isfinite(s1).any() else np.nan)
        ct.append(1.96 * np.nanstd(st) if np.isfinite(st).any() else np.nan)
    return np.array(c1), np.array(ct)


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray],
    d: int,
    n: int = 1024,
    seed: int = 0,
    *,
    groups: Mapping[str, Sequence[int]] | None = None,
    qmc: bool = True,
) -> pd.DataFrame:
    """Sobol first- and total-order indices of ``func`` on the unit hypercube.

    Parameters
    ----------
    func : callable
        Maps an (N x d) array of uniforms to N outputs (vectorised).
    d : int
        Number of inputs.
    n : int
        Base sample size; ``func`` is evaluated on n (2 + number of factors) points.
    groups : mapping name -> column positions, optional
        Factors as groups of inputs (default: each input its own factor ``x1..xd``).
    seed, qmc
        See :func:`saltelli_design`.

    Returns
    -------
    DataFrame
        ``factor, S1, ST, S1_conf, ST_conf`` (the ``_conf`` columns: bootstrap 95 %
        half-widths, 1.96 x the sd over 200 resamples of the base rows).

    Examples
    --------
    >>> f = lambda U: U[:, 0] + 2 * U[:, 1]  # additive: S1 = ST = 1/5, 4/5
    >>> sobol_indices(f, 2, n=4096)[["S1", "ST"]].round(2).values.tolist()
    [[0.2, 0.2], [0.8, 0.8]]
    """
    groups = groups or {f"x{i + 1}": [i] for i in range(d)}
    A, B = saltelli_design(n, d, seed, qmc=qmc)
    fA, fB = func(A), func(B)
    fAB = []
    for cols in groups.values():
        AB = A.copy()
        AB[:, list(cols)] = B[:, list(cols)]
        fAB.append(func(AB))
    S1, ST = sobol_estimates(fA, fB, fAB)
    c1, ct = _sobol_conf(fA, fB, fAB, seed=seed)
    return pd.DataFrame({"factor": list(groups), "S1": S1, "ST": ST, "S1_conf": c1, "ST_conf": ct})


def sensitivity(
    indicators: pd.DataFrame,
    config: Any = None,
    n: int | None = None,
    seed: int = 0,
    *,
    spec: pd.DataFrame | None = None,
    nominal: ScoreResult | None = None,
) -> pd.DataFrame:
    """Sobol indices of the uncertain choices on each peer group's ranking.

    The factors are the three choices of :func:`rank_uncertainty`: ``weights`` (all
    weight multipliers as one group), ``normalisation`` and ``aggregation``. The output
    is, per peer group, the mean absolute shift of its applicants' ranks from the nominal
    ranks (COINr's usual target); ``全部`` pools every applicant. Saltelli design with a
    scrambled Sobol sequence, first order after Saltelli et al. (2010), total order after
    Jansen (1999); the model runs are the vectorised engine of :func:`rank_uncertainty`.

    Returns
    -------
    DataFrame
        ``peer_group, category, domain, factor, factor_label, S1, ST, S1_conf, ST_conf,
        n_runs, note`` (``_conf``: bootstrap 95 % half-widths).
        A group whose ranking never changes has NaN indices and a note saying so.
    """
    cfg, cc, ucfg, groups, norms, aggs, floors, normed, inds, dims = _uncertainty_setup(indicators, config, spec)
    n = int(cc["sensitivity"]["samples"] if n is None else n)
    noise = float(ucfg["weight_noise"])
    nI, nD = len(inds), len(dims)
    d = nI + nD + 2
    A, B = saltelli_design(n, d, seed)
    factors = {"weights": list(range(nI + nD)), "normalisation": [nI + nD], "aggregation": [nI + nD + 1]}
    labels = cc["sensitivity"]["factor_labels"]
    mats = [A, B]
    for cols in factors.values():
        AB = A.copy()
        AB[:, cols] = B[:, cols]
        mats.append(AB)
    U = np.vstack(mats)
    design = _design_from_uniform(U, nI, nD, noise, len(norms), len(aggs))
    ranks = _evaluate(groups, normed, floors, aggs, design, inds, dims)
    if nominal is None:
        nominal = score(indicators, cfg, spec=spec)
    nom = dict(zip(nominal.scores["applicant_id"], nominal.scores["rank"]))
    N = A.shape[0]
    rows = []
    pooled_sum = np.zeros(U.shape[0])
    pooled_n = 0
    for g in groups:
        R = ranks[g.label]
        r0 = np.array([float(nom.get(a)) if nom.get(a) is not pd.NA and nom.get(a) is not None else np.nan for a in g.ids])
        shift = np.nanmean(np.abs(R - r0[None, :]), axis=1) if not np.isnan(r0).all() else np.zeros(U.shape[0])
        pooled_sum += np.abs(R - np.nan_to_num(r0)[None, :]).sum(1)
        pooled_n += len(g.ids)
        rows.extend(_sobol_rows(shift, N, factors, labels, g.label, g.category, g.domain))
    if pooled_n:
        rows.extend(_sobol_rows(pooled_sum / pooled_n, N, factors, labels, "全部", "", ""))
    return pd.DataFrame(rows, columns=["peer_group", "category", "domain", "factor", "factor_label", "S1", "ST",
                                       "S1_conf", "ST_conf", "n_runs", "note"])


def _sobol_rows(y: np.ndarray, N: int, factors: Mapping[str, Any], labels: Mapping[str, str], label: str,
                category: str, domain: str) -> list[dict]:
    fA, fB = y[:N], y[N:2 * N]
    fAB = [y[(2 + i) * N:(3 + i) * N] for i in range(len(factors))]
    S1, ST = sobol_estimates(fA, fB, fAB)
    const = np.concatenate([fA, fB]).var() == 0
    c1, ct = (np.full(len(fAB), np.nan), np.full(len(fAB), np.nan)) if const else _sobol_conf(fA, fB, fAB)
    note = "各种选择下排名均不变，敏感性指数无定义" if const else ""
    return [{"peer_group": label, "category": category, "domain": domain, "factor": f,
             "factor_label": labels.get(f, f), "S1": float(S1[i]), "ST": float(ST[i]),
             "S1_conf": float(c1[i]), "ST_conf": float(ct[i]), "n_runs": len(y), "note": note} for i, f in enumerate(factors)]


# --------------------------------------------------------------------------- correlations
def correlation_audit(
    indicators: pd.DataFrame,
    config: Any = None,
    *,
    spec: pd.DataFrame | None = None,
    result: ScoreResult | None = None,
) -> pd.DataFrame:
    """Correlations of each peer group's normalised indicators with their dimension, the
    index and each other, with flags.

    Returns
    -------
    DataFrame
        ``peer_group, kind`` (``indicator_dimension``, ``indicator_index``,
        ``indicator_pair``), ``indicator, other, dimension, r, n, flag`` (``redundant``:
        |r| > ``correlation.redundant`` for a pair in the same dimension; ``negative``:
        r < ``correlation.negative`` with its own dimension or the index; ``undefined``:
        fewer than 3 applicants or no variation), ``message`` (Chinese, for flags).
    """
    cfg = resolve_config(config)
    ccfg = _composite_cfg(cfg)["correlation"]
    red, neg = float(ccfg["redundant"]), float(ccfg["negative"])
    method = ccfg["method"]
    if result is None:
        result = score(indicators, cfg, spec=spec)
    con, dims, sc = result.contributions, result.dimensions, result.scores
    rows = []

    def corr(a: pd.Series, b: pd.Series) -> tuple[float, int]:
        m = a.notna() & b.notna()
        k = int(m.sum())
        if k < 3 or a[m].nunique() < 2 or b[m].nunique() < 2:
            return float("nan"), k
        return float(a[m].corr(b[m], method=method)), k

    for label, cg in con.groupby("peer_group", sort=True):
        N = cg.pivot(index="applicant_id", columns="indicator", values="normalised")
        dimof = cg.drop_duplicates("indicator").set_index("indicator")["dimension"]
        Dg = dims[dims["peer_group"] == label].pivot(index="applicant_id", columns="dimension", values="dimension_score")
        idx = sc[sc["peer_group"] == label].set_index("applicant_id")["score"].reindex(N.index)
        for c in N.columns:
            dname = dimof[c]
            for kind, other, target in (("indicator_dimension", dname, Dg[dname].reindex(N.index)),
                                        ("indicator_index", "综合得分", idx)):
                r, k = corr(N[c], target)
                flag, msg = "", ""
                if math.isnan(r):
                    flag, msg = "undefined", f"{label}：指标 {c} 与{other}的相关系数无法计算（样本不足 3 个或无变化）"
                elif r < neg:
                    flag, msg = "negative", f"{label}：指标 {c} 与{other}负相关（r = {r:.2f}），请检查方向或是否归入该维度"
                rows.append({"peer_group": label, "kind": kind, "indicator": c, "other": other, "dimension": dname,
                             "r": r, "n": k, "flag": flag, "message": msg})
        cols = list(N.columns)
        for i, a in enumerate(cols):
            for b in cols[i + 1:]:
                if dimof[a] != dimof[b]:
                    continue
                r, k = corr(N[a], N[b])
                flag, msg = "", ""
                if not math.isnan(r) and abs(r) > red:
                    flag, msg = "redundant", f"{label}：指标 {a} 与 {b} 高度相关（r = {r:.2f}），可能重复计量"
                elif not math.isnan(r) and r < neg:
                    flag, msg = "negative", f"{label}：同一维度的指标 {a} 与 {b} 负相关（r = {r:.2f}）"
                rows.append({"peer_group": label, "kind": "indicator_pair", "indicator": a, "other": b,
                             "dimension": dimof[a], "r": r, "n": k, "flag": flag, "message": msg})
    return pd.DataFrame(rows, columns=["peer_group", "kind", "indicator", "other", "dimension", "r", "n", "flag", "message"])


# --------------------------------------------------------------------------- CLI
def configure_parser(parser) -> None:
    """Arguments of ``nebase score``."""
    parser.add_argument("--processed", default="data/processed", help="已处理数据目录（读取 applicants.parquet，写出结果）")
    parser.add_argument("--config", default=None, help="用户配置 YAML（覆盖包内默认配置）")
    parser.add_argument("--samples", type=int, default=None, help="蒙特卡洛样本数（默认取配置 uncertainty.samples）")
    parser.add_argument("--seed", type=int, default=0, help="随机种子（默认 0）")
    parser.add_argument("--sobol-samples", type=int, default=None, help="Sobol 敏感性分析基础样本数（默认取配置）")


def run_cli(args) -> int:
    """``nebase score``: indicators -> scores, contributions, rank intervals, sensitivity.

    Writes ``indicators``, ``indicator_notes``, ``scores``, ``contributions``,
    ``dimension_scores``, ``weights_used``, ``treatment_log``, ``missing_log``,
    ``score_notes``, ``rank_intervals``, ``composite_samples`` (``applicant_id, draw,
    score``: the first ``uncertainty.score_draws`` Monte Carlo draws on the 0-100 scale,
    read by ``nebase rank``), ``sensitivity`` and ``correlations`` (``.parquet``).

    Returns 0, or 1 after a Chinese message on stderr when an input or the configuration
    is unusable (no applicant in the batch, missing files or columns, a bad indicator
    formula, ...). Other exceptions (KeyError, TypeError: programming errors) propagate.
    """
    try:
        return _score_cli(args)
    except (FileNotFoundError, ValueError) as exc:
        # only input and configuration errors (raised with a Chinese message); a
        # KeyError or TypeError is a programming error and propagates with its traceback
        print(f"nebase score：{exc}", file=sys.stderr)
        return 1


def _score_cli(args) -> int:
    from tqdm.auto import tqdm

    from nebase_analysis.batch import Batch, write_parquet
    from nebase_analysis import indicators as ind_mod

    processed = Path(args.processed)
    cfg = resolve_config(args.config)
    batch = Batch.from_parquet(processed)
    if batch.n_applicants == 0:
        raise ValueError(f"批次中没有申报对象，无法计分（{processed / 'applicants.parquet'} 为空）")
    # indicators.compute raises KeyError for a missing key column: check here, as input
    missing = [k for k in ind_mod.KEY_COLUMNS if k != "province" and k not in batch.applicants.columns]
    if missing:
        raise ValueError(f"{processed / 'applicants.parquet'} 缺少列：{', '.join(missing)}")
    issues = None
    ip = processed / "issues.parquet"
    if ip.exists():
        issues = pd.read_parquet(ip)
    steps = tqdm(total=6, desc="计分", unit="步", file=sys.stderr)
    values, ind_notes = ind_mod.compute(batch, cfg, issues=issues, return_notes=True)
    spec = ind_mod.indicator_spec(cfg)
    write_parquet(values, processed / "indicators.parquet")
    write_parquet(ind_notes, processed / "indicator_notes.parquet")
    steps.update(1)
    res = score(values, cfg, spec=spec)
    write_parquet(res.scores, processed / "scores.parquet")
    write_parquet(res.contributions, processed / "contributions.parquet")
    write_parquet(res.dimensions, processed / "dimension_scores.parquet")
    write_parquet(res.weights, processed / "weights_used.parquet")
    write_parquet(res.treatment_log, processed / "treatment_log.parquet")
    write_parquet(res.missing_log, processed / "missing_log.parquet")
    write_parquet(res.notes, processed / "score_notes.parquet")
    steps.update(1)
    # the same Monte Carlo run gives the rank intervals and the score draws that
    # `nebase rank` (ranking.rank_stability) combines with the expert bootstrap
    ru, draws = rank_uncertainty(values, cfg, n=args.samples, seed=args.seed, spec=spec, nominal=res, return_scores=True)
    write_parquet(ru, processed / "rank_intervals.parquet")
    write_parquet(draws, processed / "composite_samples.parquet")
    steps.update(1)
    sens = sensitivity(values, cfg, n=args.sobol_samples, seed=args.seed, spec=spec, nominal=res)
    write_parquet(sens, processed / "sensitivity.parquet")
    steps.update(1)
    corr = correlation_audit(values, cfg, spec=spec, result=res)
    write_parquet(corr, processed / "correlations.parquet")
    steps.update(2)
    steps.close()
    n_groups = res.scores["peer_group"].nunique() if len(res.scores) else 0
    print(f"已计分 {len(res.scores)} 个申报对象，{n_groups} 个比较组；结果写入 {processed}", file=sys.stderr)
    for msg in res.notes["message"].head(20):
        print(f"  注：{msg}", file=sys.stderr)
    if len(res.notes) > 20:
        print(f"  …… 另有 {len(res.notes) - 20} 条说明，见 score_notes.parquet", file=sys.stderr)
    return 0

