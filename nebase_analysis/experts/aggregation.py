"""Aggregating expert scores: plain and robust means, rater calibration, expert totals.

Everything works on the long table ``scores`` with columns ``applicant_id``,
``expert_id``, ``criterion``, ``score`` (criterion ids from ``criteria.yaml``:
``basis`` 发展基础, ``approach`` 总体思路, ``tasks`` 重点任务, ``schedule`` 进度安排,
``safeguards`` 保障措施).

Recusal (回避)
    Two forms are accepted and may be combined: a boolean column ``recused`` on
    ``scores`` (rows where it is true are removed before anything is computed), and a
    separate table ``recusals`` with columns ``applicant_id``, ``expert_id`` (every
    score of such a pair is removed). A recused pair never contributes to any
    aggregate, reliability figure, flag or bootstrap.

Expert totals
    Each expert's total for an applicant is the sum of their criterion scores
    rescaled to 0-100 with the criteria maxima (``sum / sum of maxima * 100``). It is
    aggregated like a criterion, under the pseudo-criterion id ``total``
    (``ranking.aggregation.total_id``). An expert who left a criterion blank is
    prorated over the criteria scored, or left out (``incomplete_total``), with a note.

Methods (``aggregate(..., method=...)``)
    ``mean``, ``median``; ``trimmed_mean`` (去掉一个最高分和一个最低分: ``drop``
    scores at each end by count, one copy of a tied extreme, only when at least
    ``min_remaining`` remain; which copy of a tied extreme goes is decided by expert id,
    so it is deterministic and never changes the value); ``zscore`` (per expert and
    criterion: ``z = (x - mean_e) / sd_e``, mapped back as ``L + S * z`` with ``L`` the
    mean of all raw scores on the criterion and ``S`` the pooled within-expert sd, then
    averaged per applicant; experts with fewer than ``min_scores`` scores keep their raw
    scores, with a note); ``offsets`` (least squares ``score = quality + offset_expert +
    noise``, solved per connected component of the expert-applicant graph, anchored so
    that the score-weighted mean offset of each component is zero: the calibrated scores
    keep the raw mean of the component).

    Invariance: adding a constant ``c`` to every score of one expert ``k`` leaves every
    z-score, every within-component difference between applicants and every ranking
    unchanged; the common level moves by exactly ``c * n_k / N`` (``n_k`` of the ``N``
    scores are expert ``k``'s) for both calibrated methods, because the level is anchored
    to the panel's raw mean. No data-derived anchor can avoid that shift.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from nebase_analysis.config import criteria_table, resolve_config

__all__ = [
    "REQUIRED_COLUMNS",
    "criteria_maxima",
    "criteria_names",
    "prepare_scores",
    "expert_totals",
    "trimmed_mean",
    "expert_offsets",
    "calibrated_scores",
    "aggregate",
]

REQUIRED_COLUMNS = ("applicant_id", "expert_id", "criterion", "score")
_TRUE_STRINGS = {"true", "1", "t", "y", "yes", "是", "回避", "√"}
_OUT_COLUMNS = [
    "applicant_id", "criterion", "criterion_name", "method", "score", "max", "score_100",
    "n_scores", "n_used", "dropped", "recused", "note",
]


# --------------------------------------------------------------------------- config


def _rank_cfg(config: Any) -> dict[str, Any]:
    cfg = resolve_config(config)
    if "ranking" not in cfg:
        raise ValueError("配置中缺少 ranking 部分（nebase_analysis/config/ranking.yaml）")
    return cfg


def _criteria_list(maxima: Any, cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    if maxima is not None:
        if isinstance(maxima, pd.DataFrame):
            col = "max" if "max" in maxima.columns else "maximum"
            return [
                {"id": str(r["id"]), "name": r.get("name", r["id"]), "max": float(r[col])}
                for r in maxima.to_dict("records")
            ]
        if isinstance(maxima, Mapping):
            names = {c["id"]: c["name"] for c in _config_criteria(cfg, required=False)}
            return [{"id": str(k), "name": names.get(k, k), "max": float(v)} for k, v in maxima.items()]
        return [{"id": str(c["id"]), "name": c.get("name", c["id"]), "max": float(c["max"])} for c in maxima]
    return _config_criteria(cfg, required=True)


def _config_criteria(cfg: Mapping[str, Any], required: bool) -> list[dict[str, Any]]:
    table = criteria_table(cfg)
    if table.empty:
        if required:
            raise ValueError(
                "未找到评审要点及满分配置：请在 config/criteria.yaml 中配置 "
                "criteria: [{id, name, max}, ...]，或在调用时传入 maxima 参数"
            )
        return []
    return table[["id", "name", "max"]].to_dict("records")


def criteria_maxima(maxima: Any = None, config: Any = None) -> dict[str, float]:
    """Maximum score of each criterion, ``{criterion_id: max}``.

    Parameters
    ----------
    maxima : mapping, list of ``{id, name, max}``, DataFrame or None
        Explicit maxima; when None they are read from ``criteria.yaml``
        (``criteria: [{id, name, max}, ...]``).
    config : path, mapping or None
        Configuration override (see :func:`nebase_analysis.config.resolve_config`).

    Examples
    --------
    >>> criteria_maxima({"basis": 30, "tasks": 30})
    {'basis': 30.0, 'tasks': 30.0}
    """
    cfg = resolve_config(config)
    return {c["id"]: float(c["max"]) for c in _criteria_list(maxima, cfg)}


def criteria_names(maxima: Any = None, config: Any = None) -> dict[str, str]:
    """Chinese name of each criterion and of the total, ``{criterion_id: name}``.

    Examples
    --------
    >>> criteria_names({"tasks": 30})["total"]
    '总分'
    """
    cfg = _rank_cfg(config)
    names = {c["id"]: str(c["name"]) for c in _criteria_list(maxima, cfg)}
    agg = cfg["ranking"]["aggregation"]
    names[agg["total_id"]] = agg["total_name"]
    return names


# --------------------------------------------------------------------------- input


def _truthy(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.fillna(0).astype(bool)
    return series.astype("string").str.strip().str.lower().isin(_TRUE_STRINGS).fillna(False).astype(bool)


def prepare_scores(
    scores: pd.DataFrame,
    recusals: pd.DataFrame | None = None,
    maxima: Any = None,
    config: Any = None,
    check_range: bool = True,
) -> pd.DataFrame:
    """Validate the long score table and remove recused pairs and blank scores.

    Parameters
    ----------
    scores : DataFrame
        ``applicant_id``, ``expert_id``, ``criterion``, ``score`` and optionally a
        boolean ``recused`` column (rows where it is true are removed) and any other
        columns (kept).
    recusals : DataFrame, optional
        ``applicant_id``, ``expert_id`` pairs whose scores are all removed.
    maxima, config
        Criteria maxima (see :func:`criteria_maxima`) and configuration.
    check_range : bool
        Raise when a score lies outside ``0..max``.

    Returns
    -------
    DataFrame
        The same columns with ``score`` as float, ids as str, one row per
        (applicant, expert, criterion), blank scores removed.

    Raises
    ------
    ValueError
        Missing columns, unknown criteria, duplicate entries, scores out of range
        (message in Chinese naming the rows).

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": ["A", "A"], "expert_id": ["e1", "e2"],
    ...                   "criterion": ["tasks", "tasks"], "score": [20, 25],
    ...                   "recused": [False, True]})
    >>> len(prepare_scores(s, maxima={"tasks": 30}))
    1
    """
    if not isinstance(scores, pd.DataFrame):
        raise TypeError("专家评分必须是 DataFrame（长表：applicant_id, expert_id, criterion, score）")
    missing = [c for c in REQUIRED_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"专家评分表缺少字段：{', '.join(missing)}（应为 applicant_id, expert_id, criterion, score）")
    maxi = criteria_maxima(maxima, config)
    df = scores.copy()
    if "recused" in df.columns:
        df = df.loc[~_truthy(df["recused"])]
    for col in ("applicant_id", "expert_id", "criterion"):
        df[col] = df[col].astype("string").str.strip().astype(str)
    if recusals is not None and len(recusals):
        miss = [c for c in ("applicant_id", "expert_id") if c not in recusals.columns]
        if miss:
            raise ValueError(f"回避表缺少字段：{', '.join(miss)}")
        pairs = set(zip(recusals["applicant_id"].astype(str), recusals["expert_id"].astype(str)))
        keep = [(a, e) not in pairs for a, e in zip(df["applicant_id"], df["expert_id"])]
        df = df.loc[np.asarray(keep, dtype=bool)]
    df["score"] = pd.to_numeric(df["score"], errors="coerce").astype(float)
    df = df.loc[df["score"].notna()]
    unknown = sorted(set(df["criterion"]) - set(maxi))
    if unknown:
        raise ValueError(f"专家评分表中有未配置的评审要点：{', '.join(unknown)}（已配置：{', '.join(maxi)}）")
    dup = df.duplicated(["applicant_id", "expert_id", "criterion"], keep=False)
    if dup.any():
        ex = df.loc[dup, ["applicant_id", "expert_id", "criterion"]].drop_duplicates().head(5)
        lst = "；".join(f"{r.applicant_id}/{r.expert_id}/{r.criterion}" for r in ex.itertuples())
        raise ValueError(f"专家评分表有重复记录（同一申报单位、专家、要点出现多次）：{lst}")
    if check_range and len(df):
        mx = df["criterion"].map(maxi).astype(float)
        bad = (df["score"] < 0) | (df["score"] > mx)
        if bad.any():
            ex = df.loc[bad].head(5)
            lst = "；".join(
                f"{r.applicant_id}/{r.expert_id}/{r.criterion}={r.score:g}（满分 {maxi[r.criterion]:g}）"
                for r in ex.itertuples()
            )
            raise ValueError(f"专家评分超出 0 至满分范围：{lst}")
    return df.reset_index(drop=True)


def _recused_pairs(scores: pd.DataFrame, recusals: pd.DataFrame | None) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    if "recused" in scores.columns:
        r = scores.loc[_truthy(scores["recused"]), ["applicant_id", "expert_id"]]
        for a, e in zip(r["applicant_id"].astype(str), r["expert_id"].astype(str)):
            out.setdefault(a, set()).add(e)
    if recusals is not None and len(recusals):
        for a, e in zip(recusals["applicant_id"].astype(str), recusals["expert_id"].astype(str)):
            out.setdefault(a, set()).add(e)
    return {a: sorted(v) for a, v in out.items()}


# --------------------------------------------------------------------------- totals


def expert_totals(
    scores: pd.DataFrame,
    maxima: Any = None,
    config: Any = None,
    recusals: pd.DataFrame | None = None,
    prepared: bool = False,
) -> pd.DataFrame:
    """Each expert's total per applicant, rescaled to 0-100 with the criteria maxima.

    Returns
    -------
    DataFrame
        ``applicant_id``, ``expert_id``, ``criterion`` (the total id), ``score``
        (0-100), ``n_criteria``, ``note``.

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": ["A"] * 2, "expert_id": ["e1"] * 2,
    ...                   "criterion": ["basis", "tasks"], "score": [15, 30]})
    >>> float(expert_totals(s, maxima={"basis": 30, "tasks": 30})["score"].iloc[0])
    75.0
    """
    cfg = _rank_cfg(config)
    agg_cfg = cfg["ranking"]["aggregation"]
    maxi = criteria_maxima(maxima, cfg)
    names = criteria_names(maxima, cfg)
    df = scores if prepared else prepare_scores(scores, recusals, maxima, cfg)
    total_id = agg_cfg["total_id"]
    policy = agg_cfg["incomplete_total"]
    if policy not in ("prorate", "drop"):
        raise ValueError(f"ranking.aggregation.incomplete_total 只能是 prorate 或 drop，当前为 {policy!r}")
    work = df[["applicant_id", "expert_id", "criterion", "score"]].copy()
    work["max"] = work["criterion"].map(maxi).astype(float)
    g = work.groupby(["applicant_id", "expert_id"], sort=True)
    tot = g.agg(sum_score=("score", "sum"), sum_max=("max", "sum"), n_criteria=("criterion", "size")).reset_index()
    tot["score"] = tot["sum_score"] / tot["sum_max"] * 100.0
    # which configured criteria each (applicant, expert) pair scored: a boolean pairs × criteria matrix
    crit_ids = list(maxi)
    pair = g.ngroup().to_numpy()  # numbered in the sorted order of ``tot``
    cpos = work["criterion"].map({c: i for i, c in enumerate(crit_ids)}).to_numpy(dtype=float)
    ok = (pair >= 0) & ~np.isnan(cpos)
    scored = np.zeros((len(tot), len(crit_ids)), dtype=bool)
    scored[pair[ok], cpos[ok].astype(int)] = True
    incomplete = ~scored.all(axis=1)
    notes = [""] * len(tot)
    keep = np.ones(len(tot), dtype=bool)
    if policy == "drop":
        keep[incomplete] = False
    else:
        experts_col = tot["expert_id"].to_numpy(dtype=object)
        for i in np.flatnonzero(incomplete):
            lacking = [names.get(c, c) for c, s in zip(crit_ids, scored[i]) if not s]
            notes[i] = f"专家 {experts_col[i]} 缺少{'、'.join(lacking)}评分，总分按已评要点折算"
    tot["note"] = notes
    tot = tot.loc[keep]
    tot["criterion"] = total_id
    return tot[["applicant_id", "expert_id", "criterion", "score", "n_criteria", "note"]].reset_index(drop=True)


def _long_with_total(df: pd.DataFrame, maxi: dict[str, float], cfg: Mapping[str, Any], maxima: Any) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    total_id = cfg["ranking"]["aggregation"]["total_id"]
    tot = expert_totals(df, maxima, cfg, prepared=True)
    notes: dict[tuple[str, str], str] = {}
    for a, n in zip(tot["applicant_id"], tot["note"]):
        if n:
            key = (a, total_id)
            notes[key] = (notes[key] + "；" + n) if key in notes else n
    crit = df[["applicant_id", "expert_id", "criterion", "score"]].copy()
    crit["max"] = crit["criterion"].map(maxi).astype(float)
    t = tot[["applicant_id", "expert_id", "criterion", "score"]].copy()
    t["max"] = 100.0
    long = pd.concat([crit, t], ignore_index=True)
    return long, notes


# --------------------------------------------------------------------------- robust means


def _trim_cfg(cfg: Mapping[str, Any]) -> tuple[int, int]:
    t = cfg["ranking"]["aggregation"]["trimmed_mean"]
    return int(t["drop"]), int(t["min_remaining"])


def trimmed_mean(values: Sequence[float], drop: int = 1, min_remaining: int | None = None, config: Any = None) -> float:
    """Mean after removing ``drop`` scores at each end (去掉一个最高分和一个最低分).

    Scores are removed by count: with a tied extreme only one copy goes. Trimming
    happens only when at least ``min_remaining`` scores remain afterwards; otherwise
    the plain mean is returned. Blank (NaN) values are ignored.

    Parameters
    ----------
    values : sequence of float
    drop : int
        Scores removed at each end.
    min_remaining : int, optional
        Default ``ranking.aggregation.trimmed_mean.min_remaining`` (3).
    config : path, mapping or None

    Examples
    --------
    >>> trimmed_mean([7, 9, 9, 6, 6], drop=1, min_remaining=3)
    7.333333333333333
    >>> trimmed_mean([6, 9, 9], drop=1, min_remaining=3)   # too few: plain mean
    8.0
    """
    if min_remaining is None:
        min_remaining = _trim_cfg(_rank_cfg(config))[1]
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return float("nan")
    if drop <= 0 or v.size - 2 * drop < max(int(min_remaining), 1):
        return float(v.mean())
    s = np.sort(v)
    return float(s[drop : v.size - drop].mean())


# --------------------------------------------------------------------------- calibration


def _components(app: np.ndarray, exp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Connected components of the bipartite applicant-expert graph.

    Returns codes of applicants and experts, the component of each observation and
    the number of components.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a_codes, a_uni = pd.factorize(app, sort=True)
    e_codes, e_uni = pd.factorize(exp, sort=True)
    na, ne = len(a_uni), len(e_uni)
    n = na + ne
    adj = coo_matrix((np.ones(len(app)), (a_codes, na + e_codes)), shape=(n, n))
    ncomp, labels = connected_components(adj, directed=False)
    # renumber components by their first applicant (sorted ids) for stable output
    order = {}
    for lab in labels[:na]:
        order.setdefault(lab, len(order))
    for lab in labels[na:]:
        order.setdefault(lab, len(order))
    labels = np.array([order[lab] for lab in labels])
    return a_codes, e_codes, labels, np.asarray(ncomp)


def _solve_offsets(x: np.ndarray, a: np.ndarray, e: np.ndarray, na: int, ne: int) -> tuple[np.ndarray, np.ndarray]:
    """Least squares x = q[a] + b[e] with sum_e n_e b_e = 0 on one connected component."""
    from scipy.sparse import coo_matrix

    n_a = np.bincount(a, minlength=na).astype(float)
    n_e = np.bincount(e, minlength=ne).astype(float)
    xbar = np.bincount(a, weights=x, minlength=na) / n_a
    inc = coo_matrix((np.ones(len(x)), (a, e)), shape=(na, ne)).tocsr()
    w = inc.multiply(1.0 / n_a[:, None]).tocsr()
    cmat = (inc.T @ w).toarray()
    m = np.diag(n_e) - cmat
    r = np.bincount(e, weights=x - xbar[a], minlength=ne)
    # M is a graph Laplacian (null space: constants on a connected component) and the
    # entries of r sum to zero, so (M + 11') b = r has the solution with sum(b) = 0; shifting
    # by a constant keeps M b = r and sets the score-weighted mean offset to zero.
    b = np.linalg.solve(m + 1.0, r)
    b -= (n_e @ b) / n_e.sum()
    q = xbar - np.bincount(a, weights=b[e], minlength=na) / n_a
    return q, b


def expert_offsets(
    scores: pd.DataFrame,
    config: Any = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Additive expert biases from ``score = quality + offset + noise`` (least squares).

    Solved per criterion and on the 0-100 total, separately in each connected component
    of the expert-applicant graph (experts and applicants joined by a score); within a
    component the score-weighted mean offset is zero. Offsets of different components
    are not comparable: ``n_components`` says when that happens.

    Returns
    -------
    DataFrame
        ``expert_id``, ``criterion``, ``offset`` (in score points; positive = lenient),
        ``n_scores``, ``component``, ``n_components``.

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": ["A", "A", "B", "B"], "expert_id": ["e1", "e2"] * 2,
    ...                   "criterion": "tasks", "score": [20.0, 24.0, 10.0, 14.0]})
    >>> o = expert_offsets(s, maxima={"tasks": 30}).query("criterion == 'tasks'")
    >>> o["offset"].round(6).tolist()
    [-2.0, 2.0]
    """
    cfg = _rank_cfg(config)
    maxi = criteria_maxima(maxima, cfg)
    df = prepare_scores(scores, recusals, maxima, cfg)
    long, _ = _long_with_total(df, maxi, cfg, maxima)
    rows = []
    for crit, g in long.groupby("criterion", sort=False):
        _, info = _calibrate_offsets(g)
        info["criterion"] = crit
        rows.append(info)
    if not rows:
        return pd.DataFrame(columns=["expert_id", "criterion", "offset", "n_scores", "component", "n_components"])
    return pd.concat(rows, ignore_index=True)[["expert_id", "criterion", "offset", "n_scores", "component", "n_components"]]


def _calibrate_offsets(g: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Calibrated scores ``x - b_e`` for one criterion, and the expert table."""
    app = g["applicant_id"].to_numpy()
    exp = g["expert_id"].to_numpy()
    x = g["score"].to_numpy(dtype=float)
    a_codes, e_codes, labels, ncomp = _components(app, exp)
    comp_obs = labels[a_codes]
    b_all = np.zeros(int(e_codes.max()) + 1 if len(e_codes) else 0)
    comp_e = np.zeros_like(b_all, dtype=int)
    for c in range(int(ncomp)):
        sel = comp_obs == c
        if not sel.any():
            continue
        aa, ea = a_codes[sel], e_codes[sel]
        a_loc, a_map = pd.factorize(aa, sort=True)
        e_loc, e_map = pd.factorize(ea, sort=True)
        _, b = _solve_offsets(x[sel], a_loc, e_loc, len(a_map), len(e_map))
        b_all[e_map] = b
        comp_e[e_map] = c
    out = g.copy()
    out["calibrated"] = x - b_all[e_codes]
    out["component"] = comp_obs
    out["n_components"] = int(ncomp)
    e_uni = pd.factorize(exp, sort=True)[1]
    info = pd.DataFrame(
        {
            "expert_id": np.asarray(e_uni, dtype=object).astype(str),
            "offset": b_all,
            "n_scores": np.bincount(e_codes, minlength=len(e_uni)),
            "component": comp_e,
            "n_components": int(ncomp),
        }
    )
    return out, info


def _calibrate_zscore(g: pd.DataFrame, min_scores: int) -> pd.DataFrame:
    """Per-expert standardisation of one criterion, mapped back to its score scale."""
    x = g["score"].to_numpy(dtype=float)
    stats = g.groupby("expert_id")["score"].agg(["mean", "std", "size"])
    eligible = stats["size"] >= min_scores
    var_ok = eligible & (stats["std"].fillna(0) > 0)
    dfree = (stats.loc[var_ok, "size"] - 1).sum()
    pooled = float(np.sqrt(((stats.loc[var_ok, "size"] - 1) * stats.loc[var_ok, "std"] ** 2).sum() / dfree)) if dfree > 0 else 0.0
    level = float(x.mean()) if len(x) else float("nan")
    m = g["expert_id"].map(stats["mean"]).to_numpy(dtype=float)
    s = g["expert_id"].map(stats["std"]).to_numpy(dtype=float)
    elig = g["expert_id"].map(eligible).to_numpy(dtype=bool)
    flat = elig & ~g["expert_id"].map(var_ok).to_numpy(dtype=bool)
    z = np.where(elig & ~flat, (x - m) / np.where(s > 0, s, 1.0), 0.0)
    cal = np.where(elig, level + pooled * z, x)
    out = g.copy()
    out["calibrated"] = cal
    out["z_status"] = np.where(~elig, "raw", np.where(flat, "flat", "z"))
    return out


def calibrated_scores(
    scores: pd.DataFrame,
    method: str = "offsets",
    config: Any = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Expert-level scores after rater calibration (``zscore`` or ``offsets``), with the total.

    Returns
    -------
    DataFrame
        ``applicant_id``, ``expert_id``, ``criterion`` (criteria and the total id),
        ``score`` (raw), ``max``, ``calibrated`` (same scale as ``score``, not clipped).

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": ["A", "A", "B", "B"], "expert_id": ["e1", "e2"] * 2,
    ...                   "criterion": "tasks", "score": [20.0, 24.0, 10.0, 14.0]})
    >>> c = calibrated_scores(s, "offsets", maxima={"tasks": 30}).query("criterion == 'tasks'")
    >>> c["calibrated"].tolist()
    [22.0, 22.0, 12.0, 12.0]
    """
    cfg = _rank_cfg(config)
    if method not in ("zscore", "offsets"):
        raise ValueError(f"校准方法只能是 zscore 或 offsets，当前为 {method!r}")
    maxi = criteria_maxima(maxima, cfg)
    df = prepare_scores(scores, recusals, maxima, cfg)
    long, _ = _long_with_total(df, maxi, cfg, maxima)
    min_scores = int(cfg["ranking"]["aggregation"]["zscore"]["min_scores"])
    parts = []
    for _, g in long.groupby("criterion", sort=False):
        parts.append(_calibrate_offsets(g)[0] if method == "offsets" else _calibrate_zscore(g, min_scores))
    out = pd.concat(parts, ignore_index=True) if parts else long.assign(calibrated=np.nan)
    return out


# --------------------------------------------------------------------------- aggregate


def _join(ids: Sequence[str]) -> str:
    return ",".join(str(i) for i in ids)


def _group_stat(v: np.ndarray, starts: np.ndarray, sizes: np.ndarray, method: str, drop: int, min_remaining: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-group statistic of values sorted within contiguous groups, and the trimmed flags.

    Groups of equal size are stacked into one (groups × size) array, so every value is
    the same numpy reduction of the same numbers as a per-group ``v.mean()`` /
    ``np.median(v)`` / ``v[drop:n - drop].mean()`` (bit-identical, not just close).
    """
    val = np.empty(len(starts))
    trimmed = np.zeros(len(starts), dtype=bool)
    for n in np.unique(sizes):
        gi = np.flatnonzero(sizes == n)
        block = v[starts[gi][:, None] + np.arange(n)[None, :]]  # (groups, n), sorted rows
        if method == "median":
            val[gi] = np.median(block, axis=1)
        elif method == "trimmed_mean" and drop > 0 and n - 2 * drop >= max(min_remaining, 1):
            val[gi] = block[:, drop : n - drop].mean(axis=1)
            trimmed[gi] = True
        else:
            val[gi] = block.mean(axis=1)
    return val, trimmed


def _aggregate_sorted(
    long: pd.DataFrame,
    value_col: str,
    method: str,
    names: Mapping[str, str],
    notes: Mapping[tuple[str, str], str],
    recused: Mapping[str, list[str]],
    drop: int,
    min_remaining: int,
    min_scores: int,
    clip: bool,
) -> pd.DataFrame:
    """The rows of :func:`aggregate` from the long table sorted by criterion, applicant, value, expert.

    Groups (criterion × applicant) are contiguous runs of the sorted arrays; statistics
    are computed per run length with :func:`_group_stat`; only the Chinese notes and the
    dropped-expert lists are assembled per group, from plain arrays.
    """
    crit = long["criterion"].to_numpy(dtype=object)
    app = long["applicant_id"].to_numpy(dtype=object)
    eid = long["expert_id"].to_numpy(dtype=object)
    v = long[value_col].to_numpy(dtype=float)
    mxs = long["max"].to_numpy(dtype=float)
    if len(v):
        new = np.ones(len(v), dtype=bool)
        new[1:] = (crit[1:] != crit[:-1]) | (app[1:] != app[:-1])
        starts = np.flatnonzero(new)
    else:
        starts = np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.append(starts, len(v)))
    val, trimmed = _group_stat(v, starts, sizes, method, drop, min_remaining)
    if method == "zscore":
        zst = long["z_status"].to_numpy(dtype=object)
    elif method == "offsets":
        ncomp = long["n_components"].to_numpy()
        comp = long["component"].to_numpy()
    too_few = f"，不足以去掉最高分和最低分（去掉后至少需 {min_remaining} 个），按算术平均"
    g_crit, g_app, g_max, g_note, g_dropped, g_recused, g_used, g_val = [], [], [], [], [], [], [], []
    for gi, (s, n) in enumerate(zip(starts.tolist(), sizes.tolist())):
        c, a = crit[s], app[s]
        mx = float(mxs[s])
        x = float(val[gi])
        base = notes.get((a, c))
        note = [base] if base else []
        dropped: list[str] = []
        if method == "trimmed_mean":
            if trimmed[gi]:
                ids = eid[s : s + n]
                dropped = [*ids[:drop], *ids[n - drop :]]
            elif drop > 0:
                note.append(f"评分仅 {n} 个{too_few}")
        elif method == "zscore":
            st = zst[s : s + n]
            ids = eid[s : s + n]
            raw = ids[st == "raw"]
            flat = ids[st == "flat"]
            if len(raw):
                note.append(f"专家 {_join(raw)} 该项评分少于 {min_scores} 个，未标准化，按原始分计入")
            if len(flat):
                note.append(f"专家 {_join(flat)} 该项评分无差异，标准化后取总体均值")
        elif method == "offsets":
            k = int(ncomp[s])
            if k > 1:
                note.append(f"专家—申报单位评分网络不连通（共 {k} 个分量），本单位在第 {int(comp[s]) + 1} 个分量内校准，不同分量间不可比")
        if clip and method in ("zscore", "offsets") and not (0.0 <= x <= mx):
            note.append(f"校准后得分 {x:.2f} 超出 0～{mx:g}，已截断")
            x = float(min(max(x, 0.0), mx))
        g_crit.append(c)
        g_app.append(a)
        g_max.append(mx)
        g_val.append(x)
        g_note.append("；".join(note))
        g_dropped.append(_join(dropped))
        g_recused.append(_join(recused.get(a, [])))
        g_used.append(n - len(dropped))
    mx_arr = np.asarray(g_max, dtype=float)
    val_arr = np.asarray(g_val, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s100 = np.where(mx_arr > 0, val_arr / np.where(mx_arr > 0, mx_arr, 1.0) * 100.0, np.nan)
    return pd.DataFrame(
        {
            "applicant_id": g_app,
            "criterion": g_crit,
            "criterion_name": [names.get(c, c) for c in g_crit],
            "method": method,
            "score": val_arr,
            "max": mx_arr,
            "score_100": s100,
            "n_scores": sizes.astype(int),
            "n_used": np.asarray(g_used, dtype=int),
            "dropped": g_dropped,
            "recused": g_recused,
            "note": g_note,
        },
        columns=_OUT_COLUMNS,
    )


def aggregate(
    scores: pd.DataFrame,
    method: str = "trimmed_mean",
    config: Any = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Aggregate the experts' scores per applicant, per criterion and on the 0-100 total.

    Parameters
    ----------
    scores : DataFrame
        Long table ``applicant_id``, ``expert_id``, ``criterion``, ``score``
        (optionally ``recused``; see the module docstring).
    method : {"mean", "median", "trimmed_mean", "zscore", "offsets"}
    config : path, mapping or None
        ``ranking.aggregation`` holds the method settings; ``criteria`` the maxima.
    maxima : optional
        Criteria maxima overriding ``criteria.yaml`` (see :func:`criteria_maxima`).
    recusals : DataFrame, optional
        ``applicant_id``, ``expert_id`` pairs to exclude.

    Returns
    -------
    DataFrame
        One row per applicant and criterion (the criteria plus ``total``):
        ``applicant_id``, ``criterion``, ``criterion_name``, ``method``, ``score`` (on the
        criterion's scale; 0-100 for the total), ``max``, ``score_100`` (rescaled to
        0-100), ``n_scores`` (scores available), ``n_used`` (scores in the aggregate),
        ``dropped`` (comma-separated expert ids trimmed away), ``recused`` (expert ids
        recused for this applicant), ``note`` (Chinese).

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": "A", "expert_id": ["e1", "e2", "e3", "e4", "e5"],
    ...                   "criterion": "tasks", "score": [20, 22, 24, 29, 10]})
    >>> r = aggregate(s, "trimmed_mean", maxima={"tasks": 30}).set_index("criterion")
    >>> float(r.loc["tasks", "score"]), r.loc["tasks", "dropped"]
    (22.0, 'e5,e4')
    """
    cfg = _rank_cfg(config)
    agg_cfg = cfg["ranking"]["aggregation"]
    methods = list(agg_cfg["methods"])
    if method not in methods:
        raise ValueError(f"未知的汇总方法 {method!r}；可用：{', '.join(methods)}")
    maxi = criteria_maxima(maxima, cfg)
    names = criteria_names(maxima, cfg)
    df = prepare_scores(scores, recusals, maxima, cfg)
    recused = _recused_pairs(scores, recusals)
    long, notes = _long_with_total(df, maxi, cfg, maxima)
    clip = bool(agg_cfg["clip_to_range"])
    drop, min_remaining = _trim_cfg(cfg)
    min_scores = int(agg_cfg["zscore"]["min_scores"])

    if method in ("zscore", "offsets"):
        parts = []
        for _, g in long.groupby("criterion", sort=False):
            parts.append(_calibrate_offsets(g)[0] if method == "offsets" else _calibrate_zscore(g, min_scores))
        long = pd.concat(parts, ignore_index=True) if parts else long.assign(calibrated=np.nan)
        value_col = "calibrated"
    else:
        value_col = "score"

    long = long.sort_values(["criterion", "applicant_id", value_col, "expert_id"], kind="mergesort")
    out = _aggregate_sorted(long, value_col, method, names, notes, recused, drop, min_remaining, min_scores, clip)
    order = {c: i for i, c in enumerate([*maxi, agg_cfg["total_id"]])}
    out["_o"] = out["criterion"].map(order)
    out = out.sort_values(["applicant_id", "_o"], kind="mergesort").drop(columns="_o").reset_index(drop=True)
    out["n_scores"] = out["n_scores"].astype(int)
    out["n_used"] = out["n_used"].astype(int)
    return out
