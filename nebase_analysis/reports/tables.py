"""Every number a report shows, as tested functions on tidy DataFrames.

The notebooks only call these and draw what they return. Inputs are the processed tables
of the pipeline (``data/processed``) and the tables :mod:`~nebase_analysis.reports.prepare`
writes once per run (``data/processed/report_data``).

Examples
--------
>>> import pandas as pd
>>> robust_z(pd.Series([1.0, 2.0, 3.0, 4.0, 100.0])).round(2).tolist()
[-1.35, -0.67, 0.0, 0.67, 65.43]
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from nebase_analysis.config import resolve_config

__all__ = [
    "load_table",
    "robust_z",
    "applicant_overview",
    "indicator_long",
    "indicator_outliers",
    "indicator_summary",
    "province_summary",
    "domain_province_matrix",
    "province_totals",
    "issue_counts",
    "top_issue_applicants",
    "rejected_passed_on",
    "rejected_counts",
    "rejected_display",
    "status_counts",
    "unresolved_errors",
    "rank_movers",
    "dimension_profile",
    "dimension_profiles",
    "panel_reliability",
    "reliability_blocks",
    "panel_flags",
    "require",
    "expert_leniency",
    "data_docs_link",
    "corrections_links",
    "display_labels",
    "relabel",
    "reliability_gaps",
]

#: which stage writes which processed table (for error messages)
_PRODUCER = {
    "applicants": "nebase ingest", "rejected": "nebase ingest", "issues": "nebase validate",
    "rejected_passed": "nebase validate", "indicators": "nebase score",
    "scores": "nebase score", "contributions": "nebase score", "dimension_scores": "nebase score",
    "rank_intervals": "nebase score", "expert_scores": "nebase experts", "expert_aggregate": "nebase rank",
    "reliability": "nebase rank", "expert_flags": "nebase rank", "final_ranking": "nebase rank",
    "method_comparison": "nebase rank", "method_tau": "nebase rank",
}


def load_table(directory: str | Path, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read ``<directory>/<name>.parquet``, with a Chinese error naming the file and its stage.

    Parameters
    ----------
    directory : path
        ``data/processed`` or the prepared-tables folder.
    name : str
        Table name (file stem).
    columns : sequence of str, optional
        Columns that must be present.

    Raises
    ------
    FileNotFoundError, ValueError
        The file is missing (names the command that writes it), or lacks columns.
    """
    path = Path(directory) / f"{name}.parquet"
    if not path.exists():
        stage = _PRODUCER.get(name)
        hint = f"（由 {stage} 生成）" if stage else ""
        raise FileNotFoundError(f"缺少数据文件 {path}{hint}")
    df = pd.read_parquet(path)
    missing = [c for c in (columns or []) if c not in df.columns]
    if missing:
        raise ValueError(f"数据文件 {path} 缺少列：{'、'.join(missing)}")
    return df


def robust_z(values: pd.Series) -> pd.Series:
    """Robust z-score: ``(x - median) / (1.4826 * MAD)``; 0 where the MAD is 0 and x is the median.

    Missing values stay missing. When the MAD is 0, values off the median get ±inf.

    Examples
    --------
    >>> robust_z(pd.Series([5.0, 5.0, 5.0, 6.0])).tolist()
    [0.0, 0.0, 0.0, inf]
    """
    x = pd.to_numeric(values, errors="coerce").astype(float)
    med = x.median()
    mad = (x - med).abs().median()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - med) / (1.4826 * mad)
    z = z.where(~((x - med) == 0), 0.0)
    return z.where(x.notna())


def _severities(config=None) -> list[str]:
    """Issue severities, most severe first (the keys of ``validation.severity_labels``)."""
    return list(resolve_config(config)["validation"]["severity_labels"])


def applicant_overview(
    applicants: pd.DataFrame,
    final_ranking: pd.DataFrame | None = None,
    issues: pd.DataFrame | None = None,
    config=None,
) -> pd.DataFrame:
    """One row per applicant: identity, final ranking figures and outstanding issues by severity.

    Returns ``applicant_id, name, category, province, domain`` plus, where given, the
    columns of ``final_ranking`` (``objective, expert, final, rank, selected, rank_low,
    rank_median, rank_high, p_selected, stability`` …) and ``n_error, n_warning, n_info,
    n_issues`` (one per severity of ``validation.severity_labels``; 0 when an applicant has
    none), sorted by ``applicant_id``.

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["E-GD-01", "P-GD-01"], "name": ["甲", "乙"], "category": ["enterprise", "park"],
    ...                   "province": "广东省", "domain": "软件"})
    >>> i = pd.DataFrame({"applicant_id": ["P-GD-01", "P-GD-01"], "severity": ["error", "info"]})
    >>> applicant_overview(a, issues=i)[["applicant_id", "n_error", "n_issues"]].values.tolist()
    [['E-GD-01', 0, 0], ['P-GD-01', 1, 2]]
    """
    keys = ["applicant_id", "name", "category", "province", "domain"]
    out = applicants[keys].copy()
    if final_ranking is not None and len(final_ranking.columns):
        extra = [c for c in final_ranking.columns if c not in keys or c == "applicant_id"]
        out = out.merge(final_ranking[extra], on="applicant_id", how="left")
    sev = _severities(config)
    if issues is not None:
        counts = (
            issues[issues["applicant_id"].notna()]
            .assign(severity=lambda d: pd.Categorical(d["severity"], categories=sev))
            .groupby(["applicant_id", "severity"], observed=False).size().unstack(fill_value=0)
        )
        counts.columns = [f"n_{c}" for c in counts.columns]
        out = out.merge(counts, left_on="applicant_id", right_index=True, how="left")
    for s in sev:
        col = f"n_{s}"
        out[col] = out[col].fillna(0).astype(int) if col in out else 0
    out["n_issues"] = out[[f"n_{s}" for s in sev]].sum(axis=1).astype(int)
    return out.sort_values("applicant_id", kind="stable").reset_index(drop=True)


def indicator_long(contributions: pd.DataFrame, applicants: pd.DataFrame) -> pd.DataFrame:
    """Indicator values in long form with each applicant's domain, category and province.

    From the composite's ``contributions`` table (``applicant_id, indicator, label,
    dimension, raw, normalised, contribution``); adds ``robust_z`` of ``raw`` within the
    peer group (domain × category) and ``national_z`` within the category across domains.

    Examples
    --------
    >>> c = pd.DataFrame({"applicant_id": list("ABC"), "indicator": "x", "label": "指标", "dimension": "D",
    ...                   "raw": [1.0, 2.0, 9.0], "normalised": [0.0, 0.1, 1.0], "contribution": [0.0, 1.0, 10.0]})
    >>> a = pd.DataFrame({"applicant_id": list("ABC"), "domain": "软件", "category": "park", "province": "广东省", "name": list("甲乙丙")})
    >>> indicator_long(c, a)["robust_z"].round(3).tolist()
    [-0.674, 0.0, 4.721]
    """
    cols = ["applicant_id", "indicator", "label", "dimension", "raw", "normalised", "contribution"]
    df = contributions[[c for c in cols if c in contributions.columns]].merge(
        applicants[["applicant_id", "name", "domain", "category", "province"]], on="applicant_id", how="inner"
    )
    df["raw"] = pd.to_numeric(df["raw"], errors="coerce").astype(float)
    df["robust_z"] = df.groupby(["domain", "category", "indicator"], sort=False)["raw"].transform(robust_z)
    df["national_z"] = df.groupby(["category", "indicator"], sort=False)["raw"].transform(robust_z)
    return df.sort_values(["domain", "category", "indicator", "applicant_id"], kind="stable").reset_index(drop=True)


def indicator_outliers(long: pd.DataFrame, threshold: float | None = None, config=None) -> pd.DataFrame:
    """Applicants whose indicator value is far from their peers (``|robust_z| > threshold``).

    ``threshold`` defaults to ``reports.outlier_robust_z``. Sorted by ``|robust_z|`` descending.

    Examples
    --------
    >>> d = pd.DataFrame({"applicant_id": ["A", "B"], "name": ["甲", "乙"], "label": "指标", "raw": [1.0, 50.0],
    ...                   "robust_z": [0.2, 9.0], "category": "park", "indicator": "x"})
    >>> indicator_outliers(d, 3.5)["applicant_id"].tolist()
    ['B']
    """
    if threshold is None:
        threshold = float(resolve_config(config)["reports"]["outlier_robust_z"])
    m = long[long["robust_z"].abs() > threshold].copy()
    m["abs_z"] = m["robust_z"].abs()
    m = m.sort_values(["abs_z", "applicant_id", "indicator"], ascending=[False, True, True], kind="stable")
    return m.drop(columns="abs_z").reset_index(drop=True)


def indicator_summary(long: pd.DataFrame, domain: str) -> pd.DataFrame:
    """Per indicator and category: count, median, quartiles of the domain against the national ones.

    Examples
    --------
    >>> d = pd.DataFrame({"domain": ["软件", "软件", "氢"], "category": "park", "indicator": "x", "label": "指标",
    ...                   "raw": [1.0, 3.0, 11.0]})
    >>> s = indicator_summary(d, "软件")
    >>> int(s["n"].iloc[0]), s[["median", "national_median"]].values.tolist()
    (2, [[2.0, 3.0]])
    """
    def stats(g):
        return pd.Series({"n": int(g.notna().sum()), "p25": g.quantile(0.25), "median": g.median(), "p75": g.quantile(0.75)})

    keys = ["category", "indicator", "label"]
    dom = long[long["domain"] == domain].groupby(keys, sort=True)["raw"].apply(stats).unstack()
    nat = long.groupby(keys, sort=True)["raw"].apply(stats).unstack()
    out = dom.join(nat[["median"]].rename(columns={"median": "national_median"}), how="left").reset_index()
    out["n"] = out["n"].astype(int)
    return out


def province_summary(overview: pd.DataFrame, quotas: pd.DataFrame, *, score: str = "final") -> pd.DataFrame:
    """Per province and category: applicants against quota, mean score, selected count.

    Parameters
    ----------
    overview : DataFrame
        From :func:`applicant_overview` (``province, category``, ``score`` column, ``selected``,
        ``n_error``).
    quotas : DataFrame
        ``province, category, quota`` (:func:`nebase_analysis.config.quota_table`).

    Returns
    -------
    DataFrame
        ``province, category, n, quota, over_quota, mean_score, n_selected, n_error``
        for every province × category of ``quotas`` (zeros where none filed).

    Examples
    --------
    >>> ov = pd.DataFrame({"province": ["广东省"] * 3, "category": ["park"] * 3, "final": [80.0, 60.0, 70.0],
    ...                    "selected": [True, False, False], "n_error": [0, 2, 1]})
    >>> q = pd.DataFrame({"province": ["广东省", "广东省"], "category": ["park", "enterprise"], "quota": [2, 20]})
    >>> province_summary(ov, q).values.tolist()
    [['广东省', 'park', 3, 2, 1, 70.0, 1, 3], ['广东省', 'enterprise', 0, 20, 0, nan, 0, 0]]
    """
    ov = overview.copy()
    if "selected" not in ov:
        ov["selected"] = False
    if "n_error" not in ov:
        ov["n_error"] = 0
    if score not in ov:
        ov[score] = np.nan
    g = ov.groupby(["province", "category"], sort=False).agg(
        n=("province", "size"), mean_score=(score, "mean"),
        n_selected=("selected", lambda s: int(s.fillna(False).astype(bool).sum())), n_error=("n_error", "sum"),
    )
    out = quotas[["province", "category", "quota"]].merge(g.reset_index(), on=["province", "category"], how="left")
    out["n"] = out["n"].fillna(0).astype(int)
    out["n_selected"] = out["n_selected"].fillna(0).astype(int)
    out["n_error"] = out["n_error"].fillna(0).astype(int)
    out["quota"] = out["quota"].astype(int)
    out["over_quota"] = (out["n"] - out["quota"]).clip(lower=0).astype(int)
    return out[["province", "category", "n", "quota", "over_quota", "mean_score", "n_selected", "n_error"]]


def domain_province_matrix(overview: pd.DataFrame, provinces: Sequence[str], domains: Sequence[str]) -> pd.DataFrame:
    """Number of applicants per domain (rows) × province (columns), in the given orders, zeros kept.

    Examples
    --------
    >>> ov = pd.DataFrame({"domain": ["软件", "软件", "氢"], "province": ["广东省", "北京市", "广东省"]})
    >>> domain_province_matrix(ov, ["北京市", "广东省"], ["软件", "氢"]).values.tolist()
    [[1, 1], [0, 1]]
    """
    m = pd.crosstab(overview["domain"], overview["province"])
    return m.reindex(index=list(domains), columns=list(provinces), fill_value=0).astype(int)


def province_totals(overview: pd.DataFrame, provinces: Sequence[str], *, score: str = "final") -> pd.DataFrame:
    """Per province, in the given order: applicants (``n``, zeros kept) and mean ``score``.

    ``mean_score`` is NaN for a province without applicants, or everywhere when ``overview``
    has no ``score`` column.

    Examples
    --------
    >>> ov = pd.DataFrame({"province": ["广东省", "广东省", "北京市"], "final": [80.0, 60.0, 50.0]})
    >>> province_totals(ov, ["北京市", "广东省", "上海市"]).values.tolist()
    [['北京市', 1, 50.0], ['广东省', 2, 70.0], ['上海市', 0, nan]]
    """
    order = list(provinces)
    n = overview["province"].value_counts().reindex(order, fill_value=0).astype(int)
    mean = overview.groupby("province")[score].mean().reindex(order) if score in overview else pd.Series(np.nan, index=order)
    return pd.DataFrame({"province": order, "n": n.to_numpy(), "mean_score": mean.to_numpy(dtype=float)})


def issue_counts(issues: pd.DataFrame, by: str | Sequence[str], config=None) -> pd.DataFrame:
    """Issues counted by ``by`` and severity: one column per severity (``validation.severity_labels``,
    in its order) plus ``total``, largest first.

    Examples
    --------
    >>> i = pd.DataFrame({"rule": ["a", "a", "b"], "severity": ["error", "warning", "error"]})
    >>> issue_counts(i, "rule").values.tolist()
    [['a', 1, 1, 0, 2], ['b', 1, 0, 0, 1]]
    """
    by = [by] if isinstance(by, str) else list(by)
    sev = _severities(config)
    t = (
        issues.assign(severity=pd.Categorical(issues["severity"], categories=sev))
        .groupby([*by, "severity"], observed=False, dropna=False).size().unstack(fill_value=0)
    )
    t = t.reindex(columns=sev, fill_value=0)
    t["total"] = t.sum(axis=1)
    t = t[t["total"] > 0].reset_index()
    return t.sort_values(["total", *by], ascending=[False] + [True] * len(by), kind="stable").reset_index(drop=True)


def top_issue_applicants(overview: pd.DataFrame, n: int | None = None, config=None) -> pd.DataFrame:
    """The applicants with most issues (errors first), ``n`` default ``reports.top_issue_applicants``.

    Examples
    --------
    >>> ov = pd.DataFrame({"applicant_id": list("ABC"), "n_error": [0, 2, 2], "n_warning": [5, 0, 1], "n_issues": [5, 2, 3]})
    >>> top_issue_applicants(ov, 2)["applicant_id"].tolist()
    ['C', 'B']
    """
    if n is None:
        n = int(resolve_config(config)["reports"]["top_issue_applicants"])
    ov = overview[overview["n_issues"] > 0]
    return ov.sort_values(["n_error", "n_issues", "applicant_id"], ascending=[False, False, True], kind="stable").head(n).reset_index(drop=True)


def rejected_passed_on(processed_dir: str | Path) -> pd.DataFrame:
    """What intake could not read or asks to check (files, summary rows, cells, notes), by
    province, as ``nebase validate`` passed it on in the correction workbooks.

    Parameters
    ----------
    processed_dir : path
        ``data/processed``; ``rejected_passed.parquet`` (written by ``nebase validate``) is read.

    Returns
    -------
    DataFrame
        :attr:`nebase_analysis.validation.ValidationResult.rejected`: columns of
        :func:`~nebase_analysis.validation.corrections.rejected_by_province`, with
        ``in_issues`` (the required cells told in the issues sheet as unreadable).

    Raises
    ------
    FileNotFoundError, ValueError
        The file is missing (``nebase validate`` has not run) or lacks columns.

    Examples
    --------
    >>> import tempfile
    >>> from nebase_analysis.validation.corrections import rejected_by_province
    >>> d = tempfile.mkdtemp()
    >>> rejected_by_province(None).to_parquet(f"{d}/rejected_passed.parquet")
    >>> len(rejected_passed_on(d))
    0
    """
    from nebase_analysis.validation.corrections import REJECTED_COLUMNS

    return load_table(processed_dir, "rejected_passed", REJECTED_COLUMNS)


def _province_shown(passed: pd.DataFrame, cfg) -> pd.Series:
    """``province``, with ``validation.yaml`` ``rejected_to_provinces.unattributed`` where there is none."""
    unattributed = cfg["validation"]["rejected_to_provinces"]["unattributed"]
    return passed["province"].astype(object).where(passed["province"].notna(), unattributed)


def rejected_counts(passed: pd.DataFrame, config=None, *, headers: bool = False) -> pd.DataFrame:
    """Rejected files, summary rows, cells and notes to check counted per province.

    Parameters
    ----------
    passed : DataFrame or None
        :func:`rejected_passed_on` (``province, scope, in_issues``).
    config : optional
        Configuration.
    headers : bool
        Chinese column headings (省份, the scope labels, 其中列入问题清单, 合计), as the
        data-quality report shows them.

    Returns
    -------
    DataFrame
        ``province`` (``validation.yaml`` ``rejected_to_provinces.unattributed`` for a
        file outside any province folder), one column per scope of
        ``rejected_to_provinces.scopes`` (``file``, ``row``, ``field``, ``reconcile``;
        :func:`~nebase_analysis.validation.corrections.scope_counts`), ``in_issues``
        (cells told in the issues sheet instead) and ``total``; provinces in
        ``provinces.yaml`` order, the unattributed last; only provinces with something
        passed on.

    Examples
    --------
    >>> p = pd.DataFrame({"province": ["广东省", "广东省", "北京市", None], "scope": ["file", "field", "field", "file"],
    ...                   "in_issues": [False, True, False, False]})
    >>> rejected_counts(p).values.tolist()
    [['北京市', 0, 0, 1, 0, 0, 1], ['广东省', 1, 0, 1, 0, 1, 2], ['（未能确定省份）', 1, 0, 0, 0, 0, 1]]
    >>> list(rejected_counts(p, headers=True).columns)
    ['省份', '文件无法读取', '缺少申请书文件', '单元格无法读取', '需核实', '其中列入问题清单', '合计']
    """
    from nebase_analysis.validation.corrections import REJECTED_COUNT_HEADERS, REJECTED_HEADERS, scope_counts

    cfg = resolve_config(config)
    rcfg = cfg["validation"]["rejected_to_provinces"]
    scopes = list(rcfg["scopes"])
    cols = ["province", *scopes, "in_issues", "total"]
    if passed is None or len(passed) == 0:
        t = pd.DataFrame({c: pd.Series(dtype=object if c == "province" else "int64") for c in cols})
    else:
        p = passed.assign(province=_province_shown(passed, cfg), in_issues=passed["in_issues"].astype(bool))
        groups = p.groupby("province", sort=False)
        t = pd.DataFrame({prov: scope_counts(g, cfg) for prov, g in groups}).T.reindex(columns=scopes)
        t["in_issues"] = groups["in_issues"].sum().reindex(t.index).astype("int64")
        t["total"] = t[scopes].sum(axis=1)
        order = {u["name"]: i for i, u in enumerate(cfg["provinces"]["units"])}
        rank = [order.get(n, len(order) + (1 if n == rcfg["unattributed"] else 0)) for n in t.index]
        t = t.rename_axis("province").assign(_r=rank).reset_index().sort_values(["_r", "province"], kind="stable")
        t = t[cols].astype({c: "int64" for c in cols[1:]}).reset_index(drop=True)
    if headers:
        t = t.rename(columns={"province": REJECTED_HEADERS["province"],
                              **{k: v["label"] for k, v in rcfg["scopes"].items()}, **REJECTED_COUNT_HEADERS})
    return t


#: columns of :func:`rejected_display`, in order (headers from ``corrections.REJECTED_HEADERS``)
REJECTED_DISPLAY_COLUMNS = ["province", "scope", "applicant_id", "name", "file", "sheet", "cell", "field_label", "value",
                            "reason", "in_issues"]


def rejected_display(passed: pd.DataFrame, config=None) -> pd.DataFrame:
    """What was passed on to the provinces, row by row, as the data-quality report shows it.

    Parameters
    ----------
    passed : DataFrame
        :func:`rejected_passed_on`.
    config : optional
        Configuration.

    Returns
    -------
    DataFrame
        :data:`REJECTED_DISPLAY_COLUMNS` under the Chinese headers of
        :data:`nebase_analysis.validation.corrections.REJECTED_HEADERS` (those of the
        provinces' sheet); the scope by its label, ``in_issues`` as 是/否, the province
        ``rejected_to_provinces.unattributed`` where there is none; the order of ``passed``.

    Examples
    --------
    >>> p = pd.DataFrame({"province": [None], "scope": ["file"], "applicant_id": [None], "name": [None],
    ...     "file": ["说明.docx"], "sheet": [None], "cell": [None], "field_label": [None], "value": [None],
    ...     "reason": ["文件不在省份文件夹中"], "in_issues": [False]})
    >>> d = rejected_display(p)
    >>> list(d.columns[:3]), d[["省份", "类型", "文件", "列入问题清单"]].values.tolist()
    (['省份', '类型', '申报编号'], [['（未能确定省份）', '文件无法读取', '说明.docx', '否']])
    """
    from nebase_analysis.validation.corrections import REJECTED_HEADERS

    cfg = resolve_config(config)
    labels = display_labels(cfg)
    shown = relabel(passed.assign(province=_province_shown(passed, cfg), in_issues=passed["in_issues"].astype(bool)),
                    {"scope": labels["rejected_scope"], "in_issues": labels["bool"]})
    return shown[REJECTED_DISPLAY_COLUMNS].rename(columns=REJECTED_HEADERS).reset_index(drop=True)


def status_counts(ranking: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """How many applicants carry each stability label (in the given order, zeros kept).

    Examples
    --------
    >>> status_counts(pd.DataFrame({"stability": ["边界", "稳定入选", "边界"]}), ["稳定入选", "边界", "稳定未入选"]).values.tolist()
    [['稳定入选', 1], ['边界', 2], ['稳定未入选', 0]]
    """
    c = ranking["stability"].value_counts()
    return pd.DataFrame({"stability": list(labels), "n": [int(c.get(k, 0)) for k in labels]})


def unresolved_errors(ranking: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The ranking report's unresolved error-level issues of one group.

    Parameters
    ----------
    ranking : DataFrame
        One domain and category of ``final_ranking`` (``n_errors`` from ``nebase rank``; older
        processed folders lack it).

    Returns
    -------
    (DataFrame, str or None)
        ``ranking`` with ``n_errors`` as shown (the count as text, blank for none), and the
        Chinese note on them; ``ranking`` unchanged and ``None`` without ``n_errors``.

    Examples
    --------
    >>> shown, note = unresolved_errors(pd.DataFrame({"applicant_id": ["A", "B"], "n_errors": [2, 0]}))
    >>> shown["n_errors"].tolist(), note
    (['2', ''], '本组 2 个申报主体中，1 个仍有未解决的错误级问题（“待核实错误”列为条数），名次以核实更正后的数据为准。')
    >>> unresolved_errors(pd.DataFrame({"applicant_id": ["A"]}))[1] is None
    True
    """
    if "n_errors" not in ranking:
        return ranking, None
    n_err = pd.to_numeric(ranking["n_errors"], errors="coerce").fillna(0).astype(int)
    k = int((n_err > 0).sum())
    note = (f"本组 {len(ranking)} 个申报主体中，{k} 个仍有未解决的错误级问题（“待核实错误”列为条数），名次以核实更正后的数据为准。"
            if k else f"本组 {len(ranking)} 个申报主体均无未解决的错误级问题。")
    return ranking.assign(n_errors=[str(n) if n else "" for n in n_err]), note


def rank_movers(method_ranks: pd.DataFrame, n: int | None = None, config=None) -> pd.DataFrame:
    """Applicants whose rank moves most across aggregation methods, and whose selection changes.

    Parameters
    ----------
    method_ranks : DataFrame
        ``applicant_id, method, rank, selected`` (one row per applicant and method).

    Returns
    -------
    DataFrame
        ``applicant_id, best, worst, spread, selection_changes`` (``True`` when selected
        under some methods and not others) plus one column of ranks per method; sorted by
        ``selection_changes`` then ``spread`` descending; the first ``n``
        (``reports.top_movers``).

    Examples
    --------
    >>> m = pd.DataFrame({"applicant_id": ["A", "A", "B", "B"], "method": ["mean", "median"] * 2,
    ...                   "rank": [1, 2, 2, 1], "selected": [True, False, False, True]})
    >>> rank_movers(m, 5)[["applicant_id", "spread", "selection_changes"]].values.tolist()
    [['A', 1, True], ['B', 1, True]]
    """
    if n is None:
        n = int(resolve_config(config)["reports"]["top_movers"])
    wide = method_ranks.pivot_table(index="applicant_id", columns="method", values="rank", aggfunc="first")
    sel = method_ranks.groupby("applicant_id")["selected"].agg(lambda s: s.fillna(False).astype(bool).nunique() > 1)
    out = pd.DataFrame({"best": wide.min(axis=1), "worst": wide.max(axis=1)})
    out["spread"] = (out["worst"] - out["best"]).astype("Int64")
    out["best"] = out["best"].astype("Int64")
    out["worst"] = out["worst"].astype("Int64")
    out["selection_changes"] = sel.reindex(out.index).fillna(False).astype(bool)
    out = out.join(wide.astype("Int64")).reset_index()
    out = out.sort_values(["selection_changes", "spread", "applicant_id"], ascending=[False, False, True], kind="stable")
    return out.head(n).reset_index(drop=True)


def dimension_profiles(dimension_scores: pd.DataFrame, applicants: pd.DataFrame) -> pd.DataFrame:
    """Every applicant's dimension scores against the median of its peer group (domain × category).

    Returns ``applicant_id, dimension, score, peer_median`` with each applicant's rows in
    the order its peer group's dimensions first appear, applicants in the order of
    ``applicants``. An applicant missing a dimension its peers have gets a missing score.

    Examples
    --------
    >>> d = pd.DataFrame({"applicant_id": list("AABB"), "dimension": ["甲", "乙"] * 2, "dimension_score": [10.0, 20.0, 30.0, 40.0]})
    >>> a = pd.DataFrame({"applicant_id": list("AB"), "domain": "软件", "category": "park"})
    >>> dimension_profiles(d, a).values.tolist()
    [['A', '甲', 10.0, 20.0], ['A', '乙', 20.0, 30.0], ['B', '甲', 30.0, 20.0], ['B', '乙', 40.0, 30.0]]
    """
    app = applicants[["applicant_id", "domain", "category"]].reset_index(drop=True)
    keyed = dimension_scores[["applicant_id", "dimension", "dimension_score"]].merge(app, on="applicant_id", how="inner")
    grp = ["domain", "category"]
    dims = keyed.drop_duplicates([*grp, "dimension"])[[*grp, "dimension"]]
    dims = dims.assign(_dim_order=dims.groupby(grp, sort=False).cumcount())
    med = keyed.groupby([*grp, "dimension"], sort=False)["dimension_score"].median().rename("peer_median").reset_index()
    own = keyed.drop_duplicates(["applicant_id", "dimension"])[["applicant_id", "dimension", "dimension_score"]]
    out = (app.assign(_app_order=np.arange(len(app)))
           .merge(dims, on=grp, how="inner")
           .merge(med, on=[*grp, "dimension"], how="left")
           .merge(own, on=["applicant_id", "dimension"], how="left")
           .sort_values(["_app_order", "_dim_order"], kind="stable"))
    return out.rename(columns={"dimension_score": "score"})[["applicant_id", "dimension", "score", "peer_median"]].reset_index(drop=True)


def dimension_profile(dimension_scores: pd.DataFrame, applicants: pd.DataFrame, applicant_id: str) -> pd.DataFrame:
    """One applicant's dimension scores against the median of its peer group (domain × category).

    Returns ``dimension, score, peer_median`` in the order the dimensions first appear.
    For many applicants use :func:`dimension_profiles` once (the report run does, in
    ``report_data/dimension_profiles.parquet``).

    Examples
    --------
    >>> d = pd.DataFrame({"applicant_id": list("AABB"), "dimension": ["甲", "乙"] * 2, "dimension_score": [10.0, 20.0, 30.0, 40.0]})
    >>> a = pd.DataFrame({"applicant_id": list("AB"), "domain": "软件", "category": "park"})
    >>> dimension_profile(d, a, "A").values.tolist()
    [['甲', 10.0, 20.0], ['乙', 20.0, 30.0]]
    """
    me = applicants.loc[applicants["applicant_id"] == applicant_id, ["applicant_id", "domain", "category"]]
    if me.empty:
        raise KeyError(f"未知的申报主体：{applicant_id}")
    dom, cat = me.iloc[0, 1], me.iloc[0, 2]
    peers = applicants[(applicants["domain"] == dom) & (applicants["category"] == cat)]
    prof = dimension_profiles(dimension_scores, peers)
    return prof[prof["applicant_id"] == applicant_id].drop(columns="applicant_id").reset_index(drop=True)


def panel_reliability(reliability: pd.DataFrame, domain: str, measures: Sequence[str]) -> pd.DataFrame:
    """Reliability of a domain's panels per criterion: one column per measure (rows: category × criterion).

    Examples
    --------
    >>> r = pd.DataFrame({"domain": "软件", "category": "park", "criterion": ["tasks", "tasks"], "criterion_name": "重点任务",
    ...                   "measure": ["ICC2k", "kendall_w"], "value": [0.8, 0.6]})
    >>> panel_reliability(r, "软件", ["ICC2k", "kendall_w"]).values.tolist()
    [['park', 'tasks', '重点任务', 0.8, 0.6]]
    """
    r = reliability[(reliability["domain"] == domain) & (reliability["measure"].isin(list(measures)))]
    idx = [c for c in ["category", "criterion", "criterion_name"] if c in r.columns]
    t = r.pivot_table(index=idx, columns="measure", values="value", aggfunc="first", sort=True)
    t = t.reindex(columns=[m for m in measures if m in t.columns])
    t.columns.name = None
    return t.reset_index()


def reliability_blocks(reliability: pd.DataFrame, domain: str, scores: pd.DataFrame | None = None,
                       config=None) -> pd.DataFrame:
    """The data behind a domain's ICC and Kendall's W: the complete block against all scores.

    ICC and W are computed on the largest complete block of a panel's score matrix
    (``n_targets`` applicants × ``n_raters`` experts who all scored one another); with
    an incomplete matrix that block can be a small part of the panel. The
    ``reports.expert_panel.needs_min_targets`` measures give the block; ``scores``
    (``expert_scores``: ``applicant_id, expert_id, criterion, domain, category``) gives
    the whole matrix (applicants and experts who scored the criterion).

    Returns
    -------
    DataFrame
        ``category, criterion, n_targets, n_raters, total_targets, total_raters,
        complete, block`` (``block``: ``9 × 4（共 41 × 15）`` when incomplete, ``9 × 4``
        when complete or without ``scores``).

    Examples
    --------
    >>> r = pd.DataFrame({"domain": "软件", "category": "park", "criterion": "tasks", "measure": ["ICC2", "alpha_interval"],
    ...                   "value": [0.7, 0.5], "n_targets": [9, 41], "n_raters": [4, 15]})
    >>> s = pd.DataFrame({"applicant_id": [f"a{i}" for i in range(41)], "expert_id": [f"x{i % 15}" for i in range(41)],
    ...                   "criterion": "tasks", "domain": "软件", "category": "park"})
    >>> reliability_blocks(r, "软件", s)[["block", "complete"]].values.tolist()
    [['9 × 4（共 41 × 15）', False]]
    >>> s2 = s.assign(applicant_id=[f"a{i % 9}" for i in range(41)], expert_id=[f"x{i % 4}" for i in range(41)])
    >>> reliability_blocks(r, "软件", s2)[["block", "complete"]].values.tolist()
    [['9 × 4', True]]
    """
    cfg = resolve_config(config)
    need = set(cfg["reports"]["expert_panel"]["needs_min_targets"])
    cols = ["category", "criterion", "n_targets", "n_raters", "total_targets", "total_raters", "complete", "block"]
    if not {"n_targets", "n_raters"} <= set(reliability.columns):
        return pd.DataFrame(columns=cols)
    r = reliability[(reliability["domain"] == domain) & reliability["measure"].isin(need)]
    b = r.groupby(["category", "criterion"], sort=True)[["n_targets", "n_raters"]].max().reset_index()
    if scores is not None and len(scores) and {"domain", "category", "criterion"} <= set(scores.columns):
        sc = scores[(scores["domain"] == domain) & scores["score"].notna()] if "score" in scores else scores[scores["domain"] == domain]
        tot = (sc.groupby(["category", "criterion"], sort=True)
               .agg(total_targets=("applicant_id", "nunique"), total_raters=("expert_id", "nunique")).reset_index())
        b = b.merge(tot, on=["category", "criterion"], how="left")
        # a derived criterion (the total) is scored by no sheet: the panel's whole matrix
        panel = (sc.groupby("category", sort=True)
                 .agg(panel_targets=("applicant_id", "nunique"), panel_raters=("expert_id", "nunique")).reset_index())
        b = b.merge(panel, on="category", how="left")
        b["total_targets"] = b["total_targets"].fillna(b["panel_targets"])
        b["total_raters"] = b["total_raters"].fillna(b["panel_raters"])
    else:
        b["total_targets"] = np.nan
        b["total_raters"] = np.nan
    nt, nr = pd.to_numeric(b["n_targets"], errors="coerce"), pd.to_numeric(b["n_raters"], errors="coerce")
    tt, tr = pd.to_numeric(b["total_targets"], errors="coerce"), pd.to_numeric(b["total_raters"], errors="coerce")
    known = tt.notna() & tr.notna()
    b["complete"] = ~known | ((nt >= tt) & (nr >= tr))

    def text(i):
        if pd.isna(nt.iat[i]) or pd.isna(nr.iat[i]):
            return "—"
        core = f"{int(nt.iat[i])} × {int(nr.iat[i])}"
        return core if b["complete"].iat[i] else f"{core}（共 {int(tt.iat[i])} × {int(tr.iat[i])}）"

    b["block"] = [text(i) for i in range(len(b))]
    b["complete"] = b["complete"].astype(bool)
    b["total_targets"], b["total_raters"] = tt.round().astype("Int64"), tr.round().astype("Int64")
    return b[cols]


def panel_flags(flags: pd.DataFrame, applicant_ids: Sequence[str], expert_ids: Sequence[str]) -> pd.DataFrame:
    """The expert flags of one domain's panel: those on its applicants, and expert-level ones on its experts.

    Examples
    --------
    >>> f = pd.DataFrame({"level": ["applicant", "applicant", "expert", "expert"], "expert_id": [None, None, "X1", "X9"],
    ...                   "applicant_id": ["A", "Z", None, None]})
    >>> panel_flags(f, ["A"], ["X1"]).index.tolist()
    [0, 2]
    """
    mine = flags["applicant_id"].isin(list(applicant_ids))
    theirs = (flags["level"] == "expert") & flags["expert_id"].isin(set(expert_ids))
    return flags[mine | theirs]


def require(frame: pd.DataFrame, columns: Sequence[str], source: str) -> pd.DataFrame:
    """Return ``frame`` if it has ``columns``; else a Chinese error naming the missing ones and their source.

    Examples
    --------
    >>> require(pd.DataFrame({"a": [1]}), ["a"], "x").shape
    (1, 1)
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        stage = _PRODUCER.get(source)
        raise ValueError(f"缺少 {source} 的列 {'、'.join(missing)}" + (f"（请先运行 {stage}）" if stage else ""))
    return frame


def expert_leniency(expert_scores: pd.DataFrame, applicant_ids: Sequence[str]) -> pd.DataFrame:
    """Each expert's mean deviation from the other experts' mean on the same applicant and criterion.

    Positive: more lenient than the panel. Returns ``expert_id, n, leniency`` sorted by leniency.

    Examples
    --------
    >>> s = pd.DataFrame({"applicant_id": ["A"] * 3, "expert_id": ["e1", "e2", "e3"], "criterion": "t", "score": [10.0, 20.0, 30.0]})
    >>> expert_leniency(s, ["A"]).values.tolist()
    [['e1', 1, -15.0], ['e2', 1, 0.0], ['e3', 1, 15.0]]
    """
    s = expert_scores[expert_scores["applicant_id"].isin(list(applicant_ids))].dropna(subset=["score"]).copy()
    s["score"] = s["score"].astype(float)
    g = s.groupby(["applicant_id", "criterion"])["score"]
    tot, cnt = g.transform("sum"), g.transform("count")
    s["dev"] = (s["score"] - (tot - s["score"]) / (cnt - 1)).where(cnt > 1)
    out = s.groupby("expert_id").agg(n=("applicant_id", "nunique"), leniency=("dev", "mean")).reset_index()
    return out.sort_values(["leniency", "expert_id"], kind="stable").reset_index(drop=True)


def data_docs_link(reports_dir: str | Path, config=None) -> str | None:
    """Relative address (from a report at the top of the reports folder) of the GX Data Docs, if written.

    ``nebase validate`` writes them to ``<reports_dir>/<validation.output_dirs.data_docs>/index.html``;
    None when that page is not there.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "data_docs").mkdir(); _ = (d / "data_docs" / "index.html").write_text("")
    >>> data_docs_link(d), data_docs_link(d / "data_docs")
    ('data_docs/index.html', None)
    """
    folder = resolve_config(config)["validation"]["output_dirs"]["data_docs"]
    page = Path(reports_dir) / folder / "index.html"
    return f"{folder}/index.html" if page.is_file() else None


def corrections_links(reports_dir: str | Path, config=None) -> pd.DataFrame:
    """The province correction workbooks under the reports folder, as relative addresses.

    Looks in ``<reports_dir>/<validation.output_dirs.corrections>`` (where ``nebase validate`` writes
    one ``<省份>.xlsx`` per province with issues). Returns ``province, href`` in the
    province order of ``provinces.yaml`` (other names after, sorted); empty when none.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "corrections").mkdir()
    >>> for n in ["广东省", "北京市"]: _ = (d / "corrections" / f"{n}.xlsx").write_bytes(b"")
    >>> corrections_links(d).values.tolist()
    [['北京市', 'corrections/北京市.xlsx'], ['广东省', 'corrections/广东省.xlsx']]
    """
    cfg = resolve_config(config)
    sub = cfg["validation"]["output_dirs"]["corrections"]
    folder = Path(reports_dir) / sub
    books = sorted(folder.glob("*.xlsx")) if folder.is_dir() else []
    order = {u["name"]: i for i, u in enumerate(cfg["provinces"]["units"])}
    rows = sorted(((b.stem, f"{sub}/{b.name}") for b in books), key=lambda r: (order.get(r[0], len(order)), r[0]))
    return pd.DataFrame(rows, columns=["province", "href"])


def display_labels(config=None) -> dict[str, dict]:
    """Chinese labels of every id a report shows, from configuration.

    Keys: ``rule``, ``severity`` and ``rejected_scope`` (validation.yaml), ``criterion`` (criteria.yaml, plus the
    expert total), ``category`` (fields.yaml), ``method`` and ``measure`` and ``flag_level``
    (reports.yaml ``labels``), ``bool`` (True/False → 是/否).

    Examples
    --------
    >>> L = display_labels()
    >>> L["rule"]["growth_mismatch"], L["method"]["offsets"], L["criterion"]["total"], L["bool"][True]
    ('增长率与金额不符', '专家偏差校正', '总分', '是')
    """
    from nebase_analysis.config import category_labels, criteria_table

    cfg = resolve_config(config)
    labels = cfg["reports"]["labels"]
    agg = cfg["ranking"]["aggregation"]
    return {
        "rule": dict(cfg["validation"]["rule_labels"]),
        "severity": dict(cfg["validation"]["severity_labels"]),
        "criterion": {**criteria_table(cfg).set_index("id")["name"].to_dict(), agg["total_id"]: agg["total_name"]},
        "category": dict(category_labels(cfg)),
        "method": dict(labels["methods"]),
        "measure": dict(labels["measures"]),
        "flag_level": dict(labels["flag_levels"]),
        "bool": {True: labels["yes"], False: labels["no"]},
        "rejected_scope": {k: v["label"] for k, v in cfg["validation"]["rejected_to_provinces"]["scopes"].items()},
    }


def relabel(frame: pd.DataFrame, columns: Mapping[str, Mapping], *, rename: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Replace ids by their labels in some columns (unknown ids kept), then rename columns.

    Parameters
    ----------
    frame : DataFrame
    columns : mapping
        Column → ``{id: label}`` (e.g. from :func:`display_labels`).
    rename : mapping, optional
        Column → shown heading; columns not named keep theirs.

    Examples
    --------
    >>> d = pd.DataFrame({"rule": ["growth_mismatch", "x"], "n": [1, 2]})
    >>> relabel(d, {"rule": {"growth_mismatch": "增长率与金额不符"}}, rename={"rule": "规则"}).values.tolist()
    [['增长率与金额不符', 1], ['x', 2]]
    """
    out = frame.copy()
    for col, mapping in columns.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v) if isinstance(v, (str, bool, np.bool_)) else v).astype(object)
    return out.rename(columns=dict(rename or {}))


def reliability_gaps(reliability: pd.DataFrame, domain: str, config=None) -> pd.DataFrame:
    """Panels of a domain too small for ICC and Kendall's W, with the reason in Chinese.

    A panel (category) lacks them when every ``reports.expert_panel.needs_min_targets``
    measure is missing and its complete block has fewer than
    ``ranking.reliability.min_targets`` applicants (``n_targets``). Returns
    ``category, n_targets, reason``; empty when every panel has them.

    Examples
    --------
    >>> r = pd.DataFrame({"domain": "软件", "category": ["park", "park", "enterprise"], "criterion": "tasks",
    ...                   "measure": ["ICC2", "alpha_interval", "ICC2"], "value": [None, 0.4, 0.7], "n_targets": [2, 5, 30]})
    >>> reliability_gaps(r, "软件").values.tolist()
    [['park', 2, '园区组完整评分的申报主体仅 2 个（少于 3 个），不计算 ICC 与肯德尔和谐系数 W']]
    """
    from nebase_analysis.config import category_labels

    cfg = resolve_config(config)
    need = set(cfg["reports"]["expert_panel"]["needs_min_targets"])
    min_targets = int(cfg["ranking"]["reliability"]["min_targets"])
    cats = category_labels(cfg)
    r = reliability[(reliability["domain"] == domain) & reliability["measure"].isin(need)]
    rows = []
    for cat, g in r.groupby("category", sort=False):
        n = int(pd.to_numeric(g["n_targets"], errors="coerce").max()) if "n_targets" in g else 0
        if g["value"].isna().all() and n < min_targets:
            rows.append((cat, n, f"{cats.get(cat, cat)}组完整评分的申报主体仅 {n} 个（少于 {min_targets} 个），不计算 ICC 与肯德尔和谐系数 W"))
    return pd.DataFrame(rows, columns=["category", "n_targets", "reason"])
