"""Final ranking: the composite (objective) score and the expert score combined.

``final = w_objective * composite score + w_expert * aggregated expert total`` (both 0-100,
weights from ``ranking.weights``, which must sum to 1: checked with the configuration),
ranked within each peer group (``ranking.group_by``: domain × category).

Tie-break (deterministic, documented in ``ranking.yaml``)
    Applicants are ordered by the final score, then by each key of ``ranking.tie_break``
    in turn (default: the expert score, then the aggregated 重点任务 ``tasks`` score, then
    the objective score), every value compared after rounding to ``tie_decimals``
    places, so that a difference nobody can see in the report never decides a rank.
    Applicants equal on all keys share the rank (competition ranking: 1, 2, 2, 4) and the
    tie is declared in ``tie_note``; the applicant id only orders rows for display. When
    a declared tie straddles the last place, all tied applicants are marked selected and
    the note says that the ministry must decide.

Stability (``rank_stability``)
    Each bootstrap replicate resamples every applicant's experts with replacement (their
    0-100 totals; for ``zscore``/``offsets`` the calibrated totals of the full data) and
    takes one Monte Carlo draw of the composite score (or the point score when no draws
    are given); the replicate's ranks give a rank interval and the probability of ranking
    within the places: ``稳定入选`` (p >= stable_in), ``稳定未入选`` (p <= stable_out),
    else ``边界``. Ties inside a replicate get the better (minimum) rank.

    The composite draws come from ``nebase score``: it writes the first
    ``composite.uncertainty.score_draws`` samples of the composite's Monte Carlo
    (:func:`nebase_analysis.composite.rank_uncertainty` with ``return_scores=True``; same
    engine as the composite's rank intervals), each on the 0-100 score scale, to
    ``composite_samples.parquet`` (``applicant_id, draw, score``); ``nebase rank`` reads
    that file when it exists (else the point scores are used). With fewer draws than
    replicates, each replicate picks a draw at random (seeded).

CLI: ``nebase rank --processed DIR`` (see :func:`configure_parser`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from nebase_analysis.config import resolve_config

__all__ = [
    "final_ranking",
    "rank_stability",
    "compare_methods",
    "MethodComparison",
    "selection_places",
    "unranked_lines",
    "unranked_reason",
    "configure_parser",
    "run_cli",
]


# --------------------------------------------------------------------------- helpers


def _cfg(config: Any) -> dict[str, Any]:
    cfg = resolve_config(config)
    if "ranking" not in cfg:
        raise ValueError("配置中缺少 ranking 部分（nebase_analysis/config/ranking.yaml）")
    return cfg


def _weights(cfg: Mapping[str, Any]) -> tuple[float, float]:
    """``(w_objective, w_expert)``; non-negative and summing to 1 (``config.check_config``)."""
    w = cfg["ranking"]["weights"]
    return float(w["objective"]), float(w["expert"])


def _group_by(cfg: Mapping[str, Any]) -> list[str]:
    return list(cfg["ranking"]["group_by"])


def _whole(value: Any, what: str, minimum: int) -> int:
    """``value`` as an int of at least ``minimum``; ValueError (Chinese) naming ``what`` otherwise."""
    ok = not isinstance(value, bool)
    try:
        n = int(value)
        ok = ok and n == float(value)
    except (TypeError, ValueError):
        ok = False
    if not ok or n < minimum:
        raise ValueError(f"{what}须为不小于 {minimum} 的整数，而不是“{value}”")
    return n


def _stability_args(cfg: Mapping[str, Any], n_boot: Any = None, seed: Any = None) -> tuple[int, int]:
    """The bootstrap size and seed (arguments, else ``ranking.stability``), checked."""
    scfg = cfg["ranking"]["stability"]
    n_boot = _whole(n_boot if n_boot is not None else scfg["n_boot"],
                    "稳定性自助抽样次数（--n-boot 或 ranking.stability.n_boot）", 1)
    seed = _whole(seed if seed is not None else scfg["seed"], "随机种子（--seed 或 ranking.stability.seed）", 0)
    return n_boot, seed


def selection_places(domain: str, category: str, config: Any = None) -> int:
    """Number of places of one peer group (domain × category).

    ``ranking.selection.by_domain[domain][category]`` if set, else
    ``ranking.selection.default[category]``, else (default null)
    ``composite.uncertainty.selected_places[category]``.

    Examples
    --------
    >>> selection_places("软件", "park", {"ranking": {"selection": {"default": {"park": 2}}}})
    2
    """
    cfg = _cfg(config)
    sel = cfg["ranking"]["selection"]
    by_domain = (sel["by_domain"] or {}).get(domain) or {}     # per-domain overrides: optional
    if category in by_domain:
        return int(by_domain[category])
    default = sel["default"]
    if default is None:
        default = cfg["composite"]["uncertainty"]["selected_places"]
    if not default or category not in default:
        raise ValueError(
            f"未配置 {domain}/{category} 的入选名额：请设置 ranking.selection.default 或 composite.uncertainty.selected_places"
        )
    return int(default[category])


def _composite_table(composite_scores: Any, cfg: Mapping[str, Any]) -> pd.DataFrame:
    comp = composite_scores.scores if hasattr(composite_scores, "scores") and not isinstance(composite_scores, pd.DataFrame) else composite_scores
    if not isinstance(comp, pd.DataFrame):
        raise TypeError("客观得分必须是 DataFrame（applicant_id, domain, category, score）或 composite.score 的结果")
    need = ["applicant_id", *_group_by(cfg), "score"]
    missing = [c for c in need if c not in comp.columns]
    if missing:
        raise ValueError(f"客观得分表缺少字段：{', '.join(missing)}")
    out = comp[need].copy()
    out["applicant_id"] = out["applicant_id"].astype(str)
    dup = out["applicant_id"].duplicated()
    if dup.any():
        raise ValueError(f"客观得分表中申报单位重复：{', '.join(out.loc[dup, 'applicant_id'].unique()[:5])}")
    out["objective"] = pd.to_numeric(out.pop("score"), errors="coerce").astype(float)
    return out


def _tie_keys(cfg: Mapping[str, Any]) -> list[str]:
    return [str(k) for k in cfg["ranking"]["tie_break"]]


def _expert_table(expert_scores: pd.DataFrame, cfg: Mapping[str, Any], method: str | None, maxima: Any, recusals: Any) -> pd.DataFrame:
    """``applicant_id``, ``expert`` (0-100 total), one column per criterion (its score), note."""
    from nebase_analysis.experts.aggregation import aggregate

    total_id = cfg["ranking"]["aggregation"]["total_id"]
    if "expert_id" in expert_scores.columns:
        method = method or cfg["ranking"]["aggregation"]["default_method"]
        agg = aggregate(expert_scores, method, cfg, maxima=maxima, recusals=recusals)
    else:
        need = ["applicant_id", "criterion", "score", "score_100"]
        missing = [c for c in need if c not in expert_scores.columns]
        if missing:
            raise ValueError(f"专家汇总表缺少字段：{', '.join(missing)}（可直接传入专家评分长表）")
        agg = expert_scores.copy()
        if "method" in agg.columns:
            ms = agg["method"].dropna().unique()
            if len(ms) > 1:
                raise ValueError(f"专家汇总表含多种汇总方法：{', '.join(map(str, ms))}，请只保留一种")
            method = method or (str(ms[0]) if len(ms) else None)
    agg["applicant_id"] = agg["applicant_id"].astype(str)
    wide = agg.pivot(index="applicant_id", columns="criterion", values="score")
    if total_id not in wide.columns:
        raise ValueError(f"专家汇总表中没有总分（criterion = {total_id}）")
    total100 = agg.loc[agg["criterion"] == total_id].set_index("applicant_id")["score_100"]
    out = wide.drop(columns=[total_id]).copy()
    out.columns = [str(c) for c in out.columns]
    out.insert(0, "expert", total100.reindex(out.index).astype(float))
    if "note" in agg.columns:
        # each note names its criterion (Chinese name), so that a note about one
        # criterion is not read as one about the total
        noted = agg.loc[agg["note"].astype("string").fillna("") != ""]
        names = _criteria_names_safe(cfg, maxima)
        if "criterion_name" in noted.columns:
            cname = noted["criterion_name"].astype("string").fillna(noted["criterion"].astype("string").map(names))
        else:
            cname = noted["criterion"].astype("string").map(names)
        cname = cname.fillna(noted["criterion"].astype("string"))
        tagged = cname + "：" + noted["note"].astype("string")
        notes = tagged.groupby(noted["applicant_id"]).agg(lambda s: "；".join(dict.fromkeys(s)))
        out["expert_note"] = notes.reindex(out.index).fillna("")
    else:
        out["expert_note"] = ""
    out.attrs["method"] = method or ""
    return out.reset_index()


def _label(key: str, cfg: Mapping[str, Any], names: Mapping[str, str]) -> str:
    labels = cfg["ranking"]["tie_break_labels"]       # only the keys that are not criteria
    return str(labels.get(key, names.get(key, key)))


def _criteria_names_safe(cfg: Mapping[str, Any], maxima: Any) -> dict[str, str]:
    from nebase_analysis.experts.aggregation import criteria_names

    try:
        return criteria_names(maxima, cfg)
    except ValueError:
        return {}


# --------------------------------------------------------------------------- final ranking


def final_ranking(
    composite_scores: Any,
    expert_scores: pd.DataFrame,
    config: Any = None,
    method: str | None = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
    issues: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Combine the composite and expert scores and rank within domain × category.

    Parameters
    ----------
    composite_scores : DataFrame or composite ScoreResult
        ``applicant_id``, ``domain``, ``category``, ``score`` (0-100), e.g.
        ``nebase_analysis.composite.score(...).scores``.
    expert_scores : DataFrame
        Either the long expert scores (``applicant_id``, ``expert_id``, ``criterion``,
        ``score``; aggregated here with ``method``) or an
        :func:`nebase_analysis.experts.aggregate` result.
    config : path, mapping or None
        ``ranking.weights``, ``ranking.tie_break``, ``ranking.tie_decimals``,
        ``ranking.selection``.
    method : str, optional
        Aggregation method (default ``ranking.aggregation.default_method``).
    maxima, recusals : optional
        Passed to :func:`nebase_analysis.experts.aggregate`.
    issues : DataFrame, optional
        The validation issues (``issues.parquet``: ``applicant_id``, ``severity``). When
        given, two columns flag the applicants whose data still carry an unresolved error
        (a duplicate filing, an over-quota recommendation, ...): ``n_errors`` (int, number
        of issues with ``severity == "error"``) and ``needs_review`` (bool,
        ``n_errors > 0``). They never change a rank or the selection: the analyst decides.

    Returns
    -------
    DataFrame
        One row per applicant: ``applicant_id``, ``domain``, ``category``, ``objective``,
        ``expert``, the criterion scores used in the tie-break (e.g. ``tasks``), ``final``,
        ``rank`` (Int64; NA when a score is missing), ``n_in_group``, ``places``,
        ``selected``, ``tie`` (shares its rank), ``decided_by`` (tie-break key that
        separated it from an applicant with the same final score; ``tie`` when none did),
        ``tie_note``, ``method``, ``weight_objective``, ``weight_expert``,
        ``unranked_reason`` (why ``rank`` is NA, :func:`unranked_reason`: ``no_objective``,
        ``no_expert``, ``no_scores``; ``""`` when ranked), ``note``
        (missing scores in the words of ``ranking.unranked_labels``, then the aggregation notes, each prefixed with its criterion's
        Chinese name, e.g. ``保障措施：评分仅 4 个…``); with ``issues``, also ``n_errors``
        and ``needs_review``.

    Examples
    --------
    >>> comp = pd.DataFrame({"applicant_id": ["A", "B", "C"], "domain": "软件",
    ...                      "category": "park", "score": [80.0, 60.0, 70.0]})
    >>> agg = pd.DataFrame({"applicant_id": ["A", "B", "C"], "criterion": "total",
    ...                     "score": [70.0, 90.0, 50.0], "score_100": [70.0, 90.0, 50.0]})
    >>> cfg = {"ranking": {"selection": {"default": {"park": 1}}, "tie_break": ["expert"]}}
    >>> r = final_ranking(comp, agg, cfg)
    >>> r[["applicant_id", "final", "rank", "selected"]].values.tolist()
    [['B', 78.0, 1, True], ['A', 74.0, 2, False], ['C', 58.0, 3, False]]
    """
    cfg = _cfg(config)
    wo, we = _weights(cfg)
    gcols = _group_by(cfg)
    comp = _composite_table(composite_scores, cfg)
    exp = _expert_table(expert_scores, cfg, method, maxima, recusals)
    method_used = exp.attrs.get("method", "")
    keys = _tie_keys(cfg)
    crit_keys = [k for k in keys if k not in ("expert", "objective")]
    for k in crit_keys:
        if k not in exp.columns:
            raise ValueError(f"平分裁定顺序中的 {k} 不在专家汇总结果中（ranking.tie_break）")
    exp = exp[["applicant_id", "expert", *crit_keys, "expert_note"]]
    df = comp.merge(exp, on="applicant_id", how="outer", indicator="merge_src")
    # why an applicant cannot be ranked: a code, worded by ranking.unranked_labels
    reasons = unranked_reason(df["objective"], df["expert"])
    reason_labels = cfg["ranking"]["unranked_labels"]
    notes = []
    for why, extra in zip(reasons, df["expert_note"]):
        n = [f"{reason_labels[why]}，未排名"] if why else []
        if isinstance(extra, str) and extra:
            n.append(extra)
        notes.append("；".join(n))
    df["unranked_reason"] = reasons
    df["note"] = notes
    df = df.drop(columns=["merge_src", "expert_note"])
    df["final"] = wo * df["objective"] + we * df["expert"]
    decimals = int(cfg["ranking"]["tie_decimals"])
    names = _criteria_names_safe(cfg, maxima)

    df["rank"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["places"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["selected"] = False
    df["tie"] = False
    df["decided_by"] = ""
    df["tie_note"] = ""
    parts = []
    for gkey, g in df.groupby(gcols, sort=True, dropna=False):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        g = g.copy()
        info = dict(zip(gcols, gkey))
        ok = g["final"].notna().to_numpy()
        places = None
        if all(isinstance(v, str) for v in gkey) and "category" in info:
            places = selection_places(str(info.get("domain", "")), str(info["category"]), cfg)
            g["places"] = places
        ranked = g.loc[ok].copy()
        kv = pd.DataFrame({k: ranked[k].round(decimals) for k in ["final", *keys]}, index=ranked.index)
        sort_keys = ["final", *keys]
        tmp = kv.fillna(-np.inf).assign(_id=ranked["applicant_id"])
        tmp = tmp.sort_values([*sort_keys, "_id"], ascending=[False] * len(sort_keys) + [True], kind="mergesort")
        ranked = ranked.loc[tmp.index]
        kv = kv.loc[ranked.index]
        tuples = [tuple(x) for x in kv.fillna(-np.inf).to_numpy()]
        ranks = []
        for i, t in enumerate(tuples):
            ranks.append(ranks[-1] if i and t == tuples[i - 1] else i + 1)
        ranked["rank"] = ranks
        tie_flags, decided, tnotes = [], [], []
        ids = ranked["applicant_id"].tolist()
        finals = kv["final"].tolist()
        for i in range(len(ranked)):
            same = [j for j in range(len(ranked)) if j != i and finals[j] == finals[i]]
            if not same:
                tie_flags.append(False)
                decided.append("")
                tnotes.append("")
                continue
            msgs, first = [], ""
            tied_all = False
            for j in same:
                diff = next((k for k in keys if tuples[i][1 + keys.index(k)] != tuples[j][1 + keys.index(k)]), None)
                if diff is None:
                    tied_all = True
                    msgs.append(f"与 {ids[j]} 最终得分及{'、'.join(_label(k, cfg, names) for k in keys)}均相同，并列第 {ranks[i]} 名")
                else:
                    msgs.append(f"与 {ids[j]} 最终得分相同，按{_label(diff, cfg, names)}排序")
                if not first:
                    first = "tie" if diff is None else diff
            tie_flags.append(tied_all)
            decided.append(first)
            tnotes.append("；".join(msgs))
        ranked["tie"] = tie_flags
        ranked["decided_by"] = decided
        ranked["tie_note"] = tnotes
        if places is not None:
            ranked["selected"] = ranked["rank"] <= places
            over = int(ranked["selected"].sum()) - places
            if over > 0:
                cut = ranked.loc[ranked["selected"] & ranked["tie"], "rank"].max()
                m = ranked["rank"] == cut
                ranked.loc[m, "tie_note"] = ranked.loc[m, "tie_note"] + f"；并列第 {cut} 名使入选数超出名额 {places}，需人工裁定"
        parts.append(pd.concat([ranked, g.loc[~ok]]))
    out = pd.concat(parts, ignore_index=True) if parts else df
    out["rank"] = out["rank"].astype("Int64")
    out["places"] = out["places"].astype("Int64")
    out["selected"] = out["selected"].astype(bool)
    out["tie"] = out["tie"].astype(bool)
    # ranked applicants per group, shown on every row of the group (unranked ones too)
    out["n_in_group"] = out.groupby(gcols, dropna=False)["final"].transform("count").astype(int)
    out["method"] = method_used
    out["weight_objective"] = wo
    out["weight_expert"] = we
    cols = ["applicant_id", *gcols, "objective", "expert", *crit_keys, "final", "rank", "n_in_group", "places", "selected", "tie", "decided_by", "tie_note", "method", "weight_objective", "weight_expert", "unranked_reason", "note"]
    if issues is not None:
        out["n_errors"] = _error_counts(issues).reindex(out["applicant_id"].astype(str)).fillna(0).astype(int).to_numpy()
        out["needs_review"] = out["n_errors"] > 0
        cols += ["n_errors", "needs_review"]
    return out[cols].reset_index(drop=True)


def _error_counts(issues: pd.DataFrame) -> pd.Series:
    """Number of validation issues with severity ``error`` per applicant id."""
    if not isinstance(issues, pd.DataFrame):
        raise ValueError("问题清单必须是表格（applicant_id, severity）")
    missing = [c for c in ("applicant_id", "severity") if c not in issues.columns]
    if missing:
        raise ValueError(f"问题清单缺少列：{', '.join(missing)}")
    err = issues.loc[issues["severity"].astype("string").str.strip().str.lower() == "error", "applicant_id"]
    err = err.dropna().astype(str)
    return err.value_counts().rename("n_errors")


# --------------------------------------------------------------------------- stability


def _composite_draws(samples: Any, comp: pd.DataFrame, n_boot: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """An (applicants × n_boot) array of composite score draws as given (not yet rescaled), and notes."""
    ids = comp["applicant_id"].tolist()
    point = comp["objective"].to_numpy(dtype=float)
    notes: list[str] = []
    if samples is None:
        return np.repeat(point[:, None], n_boot, axis=1), notes
    if isinstance(samples, np.ndarray):
        arr = np.asarray(samples, dtype=float)
        if arr.ndim != 2 or arr.shape[0] != len(ids):
            raise ValueError(f"客观得分抽样数组形状应为（申报单位数 {len(ids)} × 抽样次数），实际为 {arr.shape}")
        wide = pd.DataFrame(arr, index=ids)
    elif isinstance(samples, pd.DataFrame):
        s = samples
        draw_col = next((c for c in ("draw", "sample", "replicate", "b") if c in s.columns), None)
        if "applicant_id" in s.columns and draw_col is not None:
            if "score" not in s.columns:
                raise ValueError("客观得分抽样长表缺少字段：score")
            wide = s.assign(applicant_id=s["applicant_id"].astype(str)).pivot(index="applicant_id", columns=draw_col, values="score")
        else:
            wide = s.set_index("applicant_id") if "applicant_id" in s.columns else s
            wide.index = wide.index.astype(str)
            wide = wide.select_dtypes("number")
    else:
        raise TypeError("客观得分抽样须为 numpy 数组或 DataFrame")
    wide = wide.reindex(ids).astype(float)
    d = wide.shape[1]
    if d == 0:
        raise ValueError("客观得分抽样为空")
    cols = np.arange(n_boot) if d == n_boot else rng.integers(0, d, size=n_boot)
    arr = wide.to_numpy()[:, cols]
    lacking = np.isnan(arr).all(axis=1)
    if lacking.any():
        arr[lacking] = point[lacking, None]
        notes.append(f"{int(lacking.sum())} 个申报单位没有客观得分抽样，按点估计计")
    return arr, notes


def _to_nominal_scale(draws: np.ndarray, nominal: np.ndarray, groups: Sequence[np.ndarray]) -> np.ndarray:
    """Each draw's within-group ranking put on the scores of the nominal composite.

    Per peer group (rows ``groups``) and draw (column), the applicants are ordered by the
    draw and given the group's nominal scores in that order: the applicant placed ``k``-th
    from the bottom gets the ``k``-th smallest nominal score; applicants tied in the draw
    share the mean of the nominal scores of their places. An applicant without a nominal
    score or without a draw gets NaN (and the nominal scores of the others are those of
    the applicants present in that draw).
    """
    out = np.full(draws.shape, np.nan)
    for idx in groups:
        nom = nominal[idx]
        sub = np.where(np.isfinite(nom)[:, None], draws[idx], np.nan)             # g × B
        present = ~np.isnan(sub)
        srt = np.sort(np.where(present, nom[:, None], np.nan), axis=0)            # NaN last
        csum = np.vstack([np.zeros((1, sub.shape[1])), np.cumsum(srt, axis=0)])
        below = (sub[None, :, :] < sub[:, None, :]).sum(axis=1)                   # places beneath
        upto = np.maximum((sub[None, :, :] <= sub[:, None, :]).sum(axis=1) - 1, below)
        lo = np.take_along_axis(srt, below, axis=0)
        hi = np.take_along_axis(srt, upto, axis=0)
        tied_mean = (np.take_along_axis(csum, upto + 1, axis=0) - np.take_along_axis(csum, below, axis=0)) / (upto - below + 1)
        # an untied place (or a tie among equal nominal scores) takes the nominal score itself, exactly
        out[idx] = np.where(present, np.where(lo == hi, lo, tied_mean), np.nan)
    return out


def _boot_stat(values: np.ndarray, method: str, drop: int, min_remaining: int) -> np.ndarray:
    """Statistic along the last axis of bootstrap samples (..., n)."""
    n = values.shape[-1]
    if method == "median":
        return np.median(values, axis=-1)
    if method == "trimmed_mean" and drop > 0 and n - 2 * drop >= max(min_remaining, 1):
        s = np.sort(values, axis=-1)
        return s[..., drop : n - drop].mean(axis=-1)
    return values.mean(axis=-1)


def _expert_boot(expert_scores, cfg, method, maxima, recusals, app_ids, n_boot, rng) -> np.ndarray:
    from nebase_analysis.experts.aggregation import calibrated_scores, expert_totals, prepare_scores

    total_id = cfg["ranking"]["aggregation"]["total_id"]
    if method in ("zscore", "offsets"):
        cal = calibrated_scores(expert_scores, method, cfg, maxima=maxima, recusals=recusals)
        t = cal.loc[cal["criterion"] == total_id, ["applicant_id", "expert_id", "calibrated"]].rename(columns={"calibrated": "value"})
        if cfg["ranking"]["aggregation"]["clip_to_range"]:
            t["value"] = t["value"].clip(0.0, 100.0)
        inner = "mean"
    else:
        df = prepare_scores(expert_scores, recusals, maxima, cfg)
        t = expert_totals(df, maxima, cfg, prepared=True).rename(columns={"score": "value"})
        inner = method
    tcfg = cfg["ranking"]["aggregation"]["trimmed_mean"]
    drop, min_rem = int(tcfg["drop"]), int(tcfg["min_remaining"])
    out = np.full((len(app_ids), n_boot), np.nan)
    pos = {a: i for i, a in enumerate(app_ids)}
    t = t.loc[t["applicant_id"].isin(pos)].sort_values(["applicant_id", "expert_id"])
    groups = {a: g["value"].to_numpy(dtype=float) for a, g in t.groupby("applicant_id")}
    by_n: dict[int, list[str]] = {}
    for a, v in groups.items():
        by_n.setdefault(len(v), []).append(a)
    for n, apps in sorted(by_n.items()):
        vals = np.stack([groups[a] for a in apps])  # (A_n, n)
        idx = rng.integers(0, n, size=(len(apps), n_boot, n))
        samp = np.take_along_axis(vals[:, None, :].repeat(n_boot, axis=1), idx, axis=2)
        stat = _boot_stat(samp, inner, drop, min_rem)
        out[[pos[a] for a in apps]] = stat
    return out


def rank_stability(
    expert_scores: pd.DataFrame,
    composite_scores: Any,
    composite_samples: Any = None,
    config: Any = None,
    method: str | None = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
    n_boot: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Rank interval and probability of selection from the experts' bootstrap and the composite's draws.

    Parameters
    ----------
    expert_scores : DataFrame
        Long expert scores (``applicant_id``, ``expert_id``, ``criterion``, ``score``).
    composite_scores : DataFrame or ScoreResult
        ``applicant_id``, ``domain``, ``category``, ``score``.
    composite_samples : ndarray, DataFrame or None
        Monte Carlo draws of the composite score: an array (applicants in the order of
        ``composite_scores`` × draws), a long DataFrame (``applicant_id``,
        ``draw``/``sample``, ``score``) or a wide one (``applicant_id`` + one column per
        draw). None: the point score in every replicate. When the number of draws differs
        from ``n_boot``, draws are picked at random (seeded, a stream of their own: the
        expert bootstrap is the same with or without draws). Only each draw's ranking
        within the peer group is used (see Notes).
    config : path, mapping or None
        ``ranking.stability`` (``n_boot``, ``seed``, ``interval``, thresholds, labels).
    method : str, optional
        Aggregation method (default ``ranking.aggregation.default_method``).
    n_boot, seed : int, optional
        Override the configured values (``n_boot`` at least 1, ``seed`` at least 0:
        anything else is a ValueError with a Chinese message).

    Returns
    -------
    DataFrame
        ``applicant_id``, ``domain``, ``category``, ``rank_low``, ``rank_median``,
        ``rank_high`` (central ``interval`` of the replicate ranks, inverted-CDF
        quantiles), ``p_selected``, ``stability`` (稳定入选 / 边界 / 稳定未入选),
        ``places``, ``n_boot``, ``note``.

    Notes
    -----
    Each replicate's final score is ``w_objective * composite + w_expert * expert``, the
    expert side a bootstrap of the panel (experts resampled per applicant). The composite
    side comes from a Monte Carlo draw, but not on the draw's own scale: the draws of
    ``composite.rank_uncertainty`` use other normalisations (min-max on another range,
    z-scores min-max stretched within the group, percentiles), so their level and spread
    differ from the nominal score's, and adding them to the expert score as they are
    would weight the composite more or less than ``ranking.weights`` says, draw by draw
    (a stretched draw widens the composite gaps and shrinks the expert's share of the
    interval). So per peer group and draw the applicants take the group's nominal scores
    in the order of the draw (quantile mapping: the ``k``-th lowest in the draw gets the
    ``k``-th lowest nominal score; ties share the mean of their places' scores).
    Chosen over matching the group's mean and sd because it is exact for every monotone
    change of scale (percentiles are not an affine map of min-max scores), never needs a
    positive sd, and keeps the composite's spread exactly the nominal one: the draws
    contribute only what the Monte Carlo is about, the composite's rank order. A draw
    ranking the group as the nominal score does therefore gives exactly the no-draws
    result; a consequence is that applicants with equal nominal scores stay equal on the
    composite side whatever the draws say.

    With ``zscore`` or ``offsets`` the experts' calibrated totals are fitted once, on the
    whole panel, and then resampled: the bootstrap does not refit each expert's scale or
    offset per replicate (a refit needs every expert in every replicate and costs a least-
    squares solve each time), so the interval leaves out the calibration's own uncertainty.

    Examples
    --------
    >>> comp = pd.DataFrame({"applicant_id": ["A", "B"], "domain": "软件", "category": "park",
    ...                      "score": [90.0, 10.0]})
    >>> s = pd.DataFrame({"applicant_id": ["A"] * 3 + ["B"] * 3, "expert_id": ["e1", "e2", "e3"] * 2,
    ...                   "criterion": "tasks", "score": [28, 29, 27, 5, 6, 4]})
    >>> cfg = {"ranking": {"selection": {"default": {"park": 1}}}, "criteria": {"criteria": [{"id": "tasks", "name": "重点任务", "max": 30}]}}
    >>> rank_stability(s, comp, config=cfg, n_boot=200)["stability"].tolist()
    ['稳定入选', '稳定未入选']
    """
    cfg = _cfg(config)
    scfg = cfg["ranking"]["stability"]
    n_boot, seed = _stability_args(cfg, n_boot, seed)
    method = method or cfg["ranking"]["aggregation"]["default_method"]
    rng = np.random.default_rng(seed)
    # the draws are picked with their own stream: the expert bootstrap does not depend on them
    draw_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    wo, we = _weights(cfg)
    gcols = _group_by(cfg)
    comp = _composite_table(composite_scores, cfg)
    ids = comp["applicant_id"].tolist()
    obj, notes = _composite_draws(composite_samples, comp, n_boot, draw_rng)
    if composite_samples is not None:
        groups = [np.asarray(i) for i in comp.groupby(gcols, sort=True, dropna=False).indices.values()]
        obj = _to_nominal_scale(obj, comp["objective"].to_numpy(dtype=float), groups)
    exp = _expert_boot(expert_scores, cfg, method, maxima, recusals, ids, n_boot, rng)
    final = wo * obj + we * exp
    q = float(scfg["interval"])
    lo_q, hi_q = (1 - q) / 2, 1 - (1 - q) / 2
    labels = scfg["labels"]
    rows = []
    for gkey, g in comp.groupby(gcols, sort=True, dropna=False):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        info = dict(zip(gcols, gkey))
        idx = g.index.to_numpy()
        f = final[idx]  # (g, B)
        valid = ~np.isnan(f).any(axis=1)
        fv = f[valid]
        places = selection_places(str(info.get("domain", "")), str(info.get("category", "")), cfg) if all(isinstance(v, str) for v in gkey) else None
        ranks = 1 + (fv[None, :, :] > fv[:, None, :]).sum(axis=1) if len(fv) else np.empty((0, n_boot))
        vi = 0
        for j, i in enumerate(idx):
            row = {"applicant_id": ids[i], **info, "places": places, "n_boot": n_boot}
            if not valid[j]:
                row.update(rank_low=np.nan, rank_median=np.nan, rank_high=np.nan, p_selected=np.nan, stability="", note="缺少专家评分或客观得分，未计算稳定性")
            else:
                r = ranks[vi].astype(float)
                vi += 1
                p = float((r <= places).mean()) if places is not None else np.nan
                lab = labels["stable_in"] if p >= float(scfg["stable_in"]) else labels["stable_out"] if p <= float(scfg["stable_out"]) else labels["borderline"]
                row.update(
                    rank_low=float(np.quantile(r, lo_q, method="inverted_cdf")),
                    rank_median=float(np.quantile(r, 0.5, method="inverted_cdf")),
                    rank_high=float(np.quantile(r, hi_q, method="inverted_cdf")),
                    p_selected=p,
                    stability=lab,
                    note="；".join(notes),
                )
            rows.append(row)
    cols = ["applicant_id", *gcols, "rank_low", "rank_median", "rank_high", "p_selected", "stability", "places", "n_boot", "note"]
    out = pd.DataFrame(rows, columns=cols)
    out["places"] = out["places"].astype("Int64")
    return out


# --------------------------------------------------------------------------- method comparison


class MethodComparison(NamedTuple):
    """What :func:`compare_methods` returns (tidy DataFrames).

    Attributes
    ----------
    ranks : applicant_id, domain, category, method, expert, final, rank, selected,
        status_changes (selection differs between methods)
    tau : method_a, method_b, domain, category, tau (Kendall's tau-b of the final scores
        within the group), pval, n; rows with domain = category = ``全部`` hold the mean
        over groups weighted by group size
    changes : applicant_id, domain, category, selected_by, not_selected_by (method lists),
        one ``selected_<method>`` column per method
    """

    ranks: pd.DataFrame
    tau: pd.DataFrame
    changes: pd.DataFrame


def compare_methods(
    expert_scores: pd.DataFrame,
    composite_scores: Any,
    config: Any = None,
    methods: Sequence[str] | None = None,
    maxima: Any = None,
    recusals: pd.DataFrame | None = None,
) -> MethodComparison:
    """Final rankings under each aggregation method, Kendall's tau between them, status changes.

    Examples
    --------
    >>> comp = pd.DataFrame({"applicant_id": list("ABCD"), "domain": "软件", "category": "park",
    ...                      "score": [50.0, 50.0, 50.0, 50.0]})
    >>> s = pd.DataFrame({"applicant_id": [a for a in "ABCD" for _ in range(3)],
    ...                   "expert_id": ["e1", "e2", "e3"] * 4, "criterion": "tasks",
    ...                   "score": [20, 21, 22, 10, 12, 11, 25, 27, 26, 15, 14, 16]})
    >>> cfg = {"ranking": {"selection": {"default": {"park": 1}}, "tie_break": ["expert"]},
    ...        "criteria": {"criteria": [{"id": "tasks", "name": "重点任务", "max": 30}]}}
    >>> res = compare_methods(s, comp, cfg, methods=["mean", "median"])
    >>> float(res.tau["tau"].iloc[0])
    1.0
    """
    from scipy.stats import kendalltau

    cfg = _cfg(config)
    gcols = _group_by(cfg)
    methods = list(methods or cfg["ranking"]["aggregation"]["methods"])
    tables = []
    for m in methods:
        r = final_ranking(composite_scores, expert_scores, cfg, method=m, maxima=maxima, recusals=recusals)
        tables.append(r[["applicant_id", *gcols, "expert", "final", "rank", "selected"]].assign(method=m))
    ranks = pd.concat(tables, ignore_index=True)
    status = ranks.pivot_table(index="applicant_id", columns="method", values="selected", aggfunc="first")
    changed = status.nunique(axis=1) > 1
    ranks["status_changes"] = ranks["applicant_id"].map(changed).fillna(False).astype(bool)
    ranks = ranks[["applicant_id", *gcols, "method", "expert", "final", "rank", "selected", "status_changes"]]

    trows = []
    for i, a in enumerate(methods):
        for b in methods[i + 1 :]:
            ra = ranks.loc[ranks["method"] == a].set_index("applicant_id")
            rb = ranks.loc[ranks["method"] == b].set_index("applicant_id")
            j = ra[[*gcols, "final"]].join(rb[["final"]], rsuffix="_b").dropna(subset=["final", "final_b"])
            group_rows = []
            for gkey, g in j.groupby(gcols, sort=True):
                gkey = gkey if isinstance(gkey, tuple) else (gkey,)
                if len(g) >= 2:
                    res = kendalltau(g["final"], g["final_b"])
                    tau, p = float(res.statistic), float(res.pvalue)
                else:
                    tau, p = np.nan, np.nan
                group_rows.append({"method_a": a, "method_b": b, **dict(zip(gcols, gkey)), "tau": tau, "pval": p, "n": len(g)})
            trows.extend(group_rows)
            gr = pd.DataFrame(group_rows)
            ok = gr["tau"].notna() if len(gr) else pd.Series(dtype=bool)
            mean_tau = float(np.average(gr.loc[ok, "tau"], weights=gr.loc[ok, "n"])) if len(gr) and ok.any() else np.nan
            trows.append({"method_a": a, "method_b": b, **{c: "全部" for c in gcols}, "tau": mean_tau, "pval": np.nan, "n": int(gr["n"].sum()) if len(gr) else 0})
    tau = pd.DataFrame(trows, columns=["method_a", "method_b", *gcols, "tau", "pval", "n"])

    ch = status.loc[changed].copy()
    info = ranks.drop_duplicates("applicant_id").set_index("applicant_id")[gcols]
    rows = []
    for aid, r in ch.iterrows():
        rows.append(
            {
                "applicant_id": aid,
                **info.loc[aid].to_dict(),
                "selected_by": ",".join(m for m in methods if r.get(m) is True or r.get(m) == 1),
                "not_selected_by": ",".join(m for m in methods if not (r.get(m) is True or r.get(m) == 1)),
                **{f"selected_{m}": bool(r.get(m)) for m in methods},
            }
        )
    changes = pd.DataFrame(rows, columns=["applicant_id", *gcols, "selected_by", "not_selected_by", *[f"selected_{m}" for m in methods]])
    return MethodComparison(ranks=ranks, tau=tau, changes=changes)


# --------------------------------------------------------------------------- CLI


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase rank``."""
    parser.add_argument("--processed", default="data/processed", help="处理后数据目录（读取 expert_scores.parquet、scores.parquet，可选 composite_samples.parquet、recusals.parquet；写出结果）")
    parser.add_argument("--out", default=None, help="输出目录（默认与 --processed 相同）")
    parser.add_argument("--config", default=None, help="用户配置 YAML（覆盖默认配置）")
    parser.add_argument("--method", default=None, help="专家评分汇总方法：mean / median / trimmed_mean / zscore / offsets（默认见 ranking.yaml）")
    parser.add_argument("--n-boot", default=None, help="稳定性自助抽样次数，不小于 1 的整数（默认见 ranking.yaml）")
    parser.add_argument("--seed", default=None, help="随机种子，非负整数（默认见 ranking.yaml）")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``nebase rank``: aggregation, reliability, flags, final ranking, stability, method comparison.

    Reads ``expert_scores.parquet`` and ``scores.parquet`` (required), ``issues.parquet``
    (optional: the final ranking then flags unresolved validation errors, ``n_errors`` and
    ``needs_review``),
    ``composite_samples.parquet`` (optional: the composite's Monte Carlo score draws written
    by ``nebase score``, used by :func:`rank_stability`; without it the composite side of
    every replicate is the point score) and ``recusals.parquet`` (optional). Writes
    ``expert_aggregate``, ``reliability``, ``expert_flags``, ``final_ranking`` (with the
    stability columns), ``method_comparison`` and ``method_tau`` (``.parquet``).

    Prints (stderr) the applicants left unranked (no expert score or no objective score),
    by domain × category with their names (from ``applicants.parquet`` when present),
    and the number selected against the places.

    Returns 0, or 1 after a Chinese message on stderr for a missing or unusable input or
    option (``--n-boot`` below 1, a negative ``--seed``, an unknown ``--method``).
    """
    from tqdm import tqdm

    from nebase_analysis.experts.aggregation import aggregate
    from nebase_analysis.experts.reliability import expert_flags, panel_reliability

    processed = Path(args.processed)
    out_dir = Path(args.out) if getattr(args, "out", None) else processed
    need = {"expert_scores.parquet": "专家评分长表（由 nebase experts 生成）", "scores.parquet": "客观综合得分（由 nebase score 生成）"}
    for name, what in need.items():
        if not (processed / name).exists():
            print(f"nebase rank: 缺少输入文件 {processed / name}：{what}", file=sys.stderr)
            return 1
    try:
        cfg = _cfg(getattr(args, "config", None))
        n_boot, seed = _stability_args(cfg, args.n_boot, args.seed)
        expert_scores = pd.read_parquet(processed / "expert_scores.parquet")
        composite = pd.read_parquet(processed / "scores.parquet")
        samples_path = processed / "composite_samples.parquet"
        samples = pd.read_parquet(samples_path) if samples_path.exists() else None
        rec_path = processed / "recusals.parquet"  # written by `nebase experts`; applied again for safety
        rec = pd.read_parquet(rec_path) if rec_path.exists() else None
        if rec is not None and not {"applicant_id", "expert_id"} <= set(rec.columns):
            rec = None
        method = args.method or cfg["ranking"]["aggregation"]["default_method"]
        out_dir.mkdir(parents=True, exist_ok=True)
        steps = tqdm(total=6, desc="最终排名", unit="步", file=sys.stderr, disable=None)
        agg = aggregate(expert_scores, method, cfg, recusals=rec)
        agg.to_parquet(out_dir / "expert_aggregate.parquet", index=False)
        steps.update()
        gcols = _group_by(cfg)
        applicants = composite[["applicant_id", *[c for c in gcols if c in composite.columns]]].astype({"applicant_id": str})
        panel_reliability(expert_scores, config=cfg, applicants=applicants, recusals=rec).to_parquet(out_dir / "reliability.parquet", index=False)
        steps.update()
        expert_flags(expert_scores, cfg, recusals=rec).to_parquet(out_dir / "expert_flags.parquet", index=False)
        steps.update()
        issues_path = processed / "issues.parquet"  # written by `nebase validate`
        issues = pd.read_parquet(issues_path) if issues_path.exists() else None
        final = final_ranking(composite, agg, cfg, method=method, issues=issues)
        steps.update()
        stab = rank_stability(expert_scores, composite, samples, cfg, method=method, recusals=rec, n_boot=n_boot, seed=seed)
        final = final.merge(stab[["applicant_id", "rank_low", "rank_median", "rank_high", "p_selected", "stability"]], on="applicant_id", how="left")
        final.to_parquet(out_dir / "final_ranking.parquet", index=False)
        steps.update()
        cmp = compare_methods(expert_scores, composite, cfg, recusals=rec)
        cmp.ranks.to_parquet(out_dir / "method_comparison.parquet", index=False)
        cmp.tau.to_parquet(out_dir / "method_tau.parquet", index=False)
        steps.update()
        steps.close()
    except ValueError as exc:
        print(f"nebase rank：{exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    for line in unranked_lines(final, cfg, _applicant_names(processed), out_dir):
        print(line, file=sys.stderr)
    return 0


def _applicant_names(processed: Path) -> pd.DataFrame | None:
    """``applicant_id, name`` of ``applicants.parquet`` (``nebase ingest``), when present."""
    path = processed / "applicants.parquet"
    if not path.exists():
        return None
    a = pd.read_parquet(path)
    return a[["applicant_id", "name"]] if {"applicant_id", "name"} <= set(a.columns) else None


def unranked_reason(objective: Any, expert: Any) -> pd.Series:
    """Why an applicant cannot be ranked, as a code: the score(s) it lacks.

    Parameters
    ----------
    objective, expert : array-like of float
        The composite (objective) and aggregated expert scores, aligned; NaN or None
        where missing.

    Returns
    -------
    Series of str
        ``no_scores`` (both missing), ``no_objective``, ``no_expert``, or ``""`` (both
        present: ranked). The Chinese words are ``ranking.unranked_labels``.

    Examples
    --------
    >>> unranked_reason([80.0, None, 70.0, None], [90.0, 85.0, None, None]).tolist()
    ['', 'no_objective', 'no_expert', 'no_scores']
    """
    o = pd.to_numeric(pd.Series(objective, dtype=object), errors="coerce").to_numpy(dtype=float)
    e = pd.to_numeric(pd.Series(expert, dtype=object), errors="coerce").to_numpy(dtype=float)
    no_o, no_e = ~np.isfinite(o), ~np.isfinite(e)
    index = objective.index if isinstance(objective, pd.Series) else None
    codes = np.select([no_o & no_e, no_o, no_e], ["no_scores", "no_objective", "no_expert"], default="")
    return pd.Series(codes, index=index, dtype=object)


def unranked_lines(final: pd.DataFrame, config: Any = None, names: pd.DataFrame | None = None,
                   out_dir: Any = None) -> list[str]:
    """Chinese summary of a final ranking: applicants ranked, unranked (listed by domain ×
    category with the reason) and selected against the places.

    Parameters
    ----------
    final : DataFrame
        :func:`final_ranking` output.
    names : DataFrame, optional
        ``applicant_id, name`` to print beside the ids.
    out_dir : path, optional
        Named in the last line.

    Examples
    --------
    >>> comp = pd.DataFrame({"applicant_id": ["A", "B", "C"], "domain": "软件",
    ...                      "category": "park", "score": [80.0, 60.0, 70.0]})
    >>> agg = pd.DataFrame({"applicant_id": ["A", "B"], "criterion": "total",
    ...                     "score": [70.0, 90.0], "score_100": [70.0, 90.0]})
    >>> cfg = {"ranking": {"selection": {"default": {"park": 2}}, "tie_break": ["expert"]}}
    >>> for line in unranked_lines(final_ranking(comp, agg, cfg), cfg):
    ...     print(line)
    未排名的申报对象 1 个（不参与入选）：
      软件·示范园区 1 个：C（缺少专家评分）
    最终排名完成：3 个申报单位，已排名 2 个，未排名 1 个；入选 2 个（名额共 2 个）
    """
    from nebase_analysis.experts.assignment import applicant_group_lines

    cfg = _cfg(config)
    gcols = _group_by(cfg)
    out = final.copy()
    if names is not None:
        out = out.merge(names.drop_duplicates("applicant_id"), on="applicant_id", how="left")
    labels = cfg["ranking"]["unranked_labels"]
    un = out[out["rank"].isna()]
    reason = un["unranked_reason"] if "unranked_reason" in un.columns else unranked_reason(un["objective"], un["expert"])
    un = un.assign(why=reason.map(labels))
    lines = []
    if len(un):
        lines.append(f"未排名的申报对象 {len(un)} 个（不参与入选）：")
        lines += applicant_group_lines(un, cfg, detail="why", limit=None)
    places = out.groupby(gcols, dropna=False)["places"].first().dropna()
    n_sel = int(out["selected"].sum())
    where = f"；结果写入 {out_dir}" if out_dir is not None else ""
    lines.append(f"最终排名完成：{len(out)} 个申报单位，已排名 {len(out) - len(un)} 个，未排名 {len(un)} 个；"
                 f"入选 {n_sel} 个（名额共 {int(places.sum())} 个）{where}")
    return lines
