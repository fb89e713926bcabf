"""``nebase experts``: read the roster and the filled score sheets into Parquet.

Inputs (``--raw``, default ``data/raw``):

* ``<raw>/experts/roster.xlsx`` (or ``roster.csv``): the expert roster;
* ``<raw>/experts/sheets/*.xlsx``: the returned score sheets (any layout written by
  :mod:`nebase_analysis.experts.sheets`; sub-folders are searched);
* ``<raw>/experts/sheets/assignments.csv``: the issued assignment, when present
  (written by ``nebase sheets`` and ``nebase synth``); without it the assignment is
  taken as the (applicant, expert) pairs found on the sheets.

and ``<processed>/applicants.parquet`` (``nebase ingest``) for the applicants' province,
unit and name. Outputs to ``--processed``: ``expert_scores.parquet`` (the long table
``applicant_id, expert_id, criterion, score, comment, source_file, sheet, cell, domain,
category``), ``expert_rejected.parquet``, ``assignments.parquet``, ``recusals.parquet`` and
``roster_issues.parquet`` (per-expert roster problems that do not stop reading: unknown
domain or province, blank unit; see :func:`~nebase_analysis.experts.assignment.roster_issues`).
The summary lists the applicants left without any valid expert score (they cannot be
ranked) by domain × category, and counts every applicant with fewer than ``min_experts``
valid experts, those with none included.
Aggregation, reliability and the final ranking are ``nebase rank``
(:mod:`nebase_analysis.ranking`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from nebase_analysis.cleaning import is_blank
from nebase_analysis.config import criteria_table, resolve_config

__all__ = ["read_panels", "panel_summary", "configure_parser", "run_cli"]


def _find_roster(experts_dir: Path) -> Path:
    for name in ("roster.xlsx", "roster.csv"):
        if (experts_dir / name).exists():
            return experts_dir / name
    raise FileNotFoundError(f"未找到专家名册：{experts_dir / 'roster.xlsx'}（或 roster.csv）")


def read_panels(raw: str | Path, applicants: pd.DataFrame, config: Any = None) -> dict[str, pd.DataFrame]:
    """Read ``<raw>/experts/`` into the four expert tables.

    Parameters
    ----------
    raw : path
        The raw data folder.
    applicants : DataFrame
        ``Batch.applicants`` of the processed batch.
    config : path, mapping or None

    Returns
    -------
    dict of DataFrame
        ``scores``, ``rejected``, ``assignments`` (``applicant_id, expert_id, domain,
        category, expert_name``), ``recusals`` (see
        :func:`~nebase_analysis.experts.assignment.recusals`), ``roster``,
        ``roster_issues`` (:func:`~nebase_analysis.experts.assignment.roster_issues`) and
        ``applicants`` (the batch's applicants as assignment reads them).

    Examples
    --------
    >>> t = read_panels("data/raw", Batch.from_parquet("data/processed").applicants)   # doctest: +SKIP
    """
    from nebase_analysis.experts.assignment import applicant_frame, read_csv_table, read_roster_and_issues, recusals
    from nebase_analysis.experts.sheets import read_sheets

    cfg = resolve_config(config)
    experts_dir = Path(raw) / "experts"
    roster_path = _find_roster(experts_dir)
    roster, issues = read_roster_and_issues(roster_path, cfg)
    sheets_dir = experts_dir / "sheets"
    if not sheets_dir.exists():
        raise FileNotFoundError(f"未找到专家评分表目录：{sheets_dir}")
    issued_path = sheets_dir / "assignments.csv"
    issued = None
    if issued_path.exists():
        issued = read_csv_table(issued_path, cfg, "分配表").replace({"": None})
        if not {"applicant_id", "expert_id"} <= set(issued.columns):
            raise ValueError(f"{issued_path}：分配表须含 applicant_id、expert_id 两列")
    scores, rejected = read_sheets(sheets_dir, roster=roster, assignments=issued, config=cfg, applicants=applicants)
    apps = applicant_frame(applicants, cfg)
    if issued is not None:
        pairs = issued[["applicant_id", "expert_id"]].drop_duplicates()
    else:
        found = pd.concat([scores[["applicant_id", "expert_id"]], rejected[["applicant_id", "expert_id"]]])
        pairs = found.dropna().drop_duplicates()
    names = dict(zip(roster["expert_id"], roster["name"]))
    assignments = pairs.merge(apps[["applicant_id", "domain", "category"]], on="applicant_id", how="left")
    assignments["expert_name"] = assignments["expert_id"].map(names)
    assignments = assignments.sort_values(["applicant_id", "expert_id"], kind="stable").reset_index(drop=True)
    rec = recusals(apps, roster, config=cfg)
    return {"scores": scores, "rejected": rejected, "assignments": assignments, "recusals": rec, "roster": roster,
            "roster_issues": issues, "applicants": apps}


def panel_summary(tables: dict[str, pd.DataFrame], config: Any = None) -> list[str]:
    """Chinese summary lines of what :func:`read_panels` read.

    Examples
    --------
    >>> print("\\n".join(panel_summary(read_panels("data/raw", applicants))))   # doctest: +SKIP
    """
    from nebase_analysis.experts.assignment import applicant_group_lines
    from nebase_analysis.experts.sheets import REJECTION_KINDS

    cfg = resolve_config(config)
    k = int(cfg["experts"]["assignment"]["min_experts"])
    crit = criteria_table(cfg)["id"].tolist()
    s, r, a = tables["scores"], tables["rejected"], tables["assignments"]
    files = pd.concat([s["source_file"], r["path"]]).dropna().nunique()
    expected = len(a) * len(crit)
    lines = [
        f"读取评分工作簿 {files} 个：{s['expert_id'].nunique()} 名专家对 {s['applicant_id'].nunique()} 个申报对象"
        f"给出有效评分 {len(s)} 项（应评 {len(a)} 人次 × {len(crit)} 项 = {expected} 项）。",
    ]
    crit_keys = ["applicant_id", "expert_id", "field"]
    pairs = a[["applicant_id", "expert_id"]].astype(str).drop_duplicates()
    seen = pd.concat([s[["applicant_id", "expert_id", "criterion"]].set_axis(crit_keys, axis=1),
                      r.loc[r["field"].notna(), crit_keys]]).astype(str).drop_duplicates()
    missing = expected - len(seen.merge(pairs, on=["applicant_id", "expert_id"]))
    if missing > 0 and r["kind"].isin(["file", "sheet", "unknown_expert"]).any():
        lines.append(f"未取得的评分 {missing} 项（未填写，或所在文件、工作表未能读取；均按缺失处理）。")
    elif missing > 0:
        lines.append(f"未填写的评分 {missing} 项（按缺失处理）。")
    if len(r):
        lines.append(f"未采用的评分或文件 {len(r)} 项：")
        for kind, n in r["kind"].value_counts().items():
            lines.append(f"  {REJECTION_KINDS.get(kind, kind)}：{n} 项")
        for row in r.head(10).itertuples(index=False):
            where = (f"{Path(row.path).name}" + ("" if is_blank(row.sheet) else f" 工作表“{row.sheet}”")
                     + ("" if is_blank(row.cell) else f" {row.cell}"))
            lines.append(f"  - {where}：{row.reason}")
        if len(r) > 10:
            lines.append(f"  ……其余 {len(r) - 10} 项见 expert_rejected.parquet")
    # every applicant counts, those without a single valid score included
    apps = tables.get("applicants")
    if apps is None:
        apps = a[["applicant_id", "domain", "category"]].drop_duplicates("applicant_id")
    apps = apps.assign(applicant_id=apps["applicant_id"].astype(str))
    n_valid = s.groupby(s["applicant_id"].astype(str))["expert_id"].nunique()
    apps = apps.assign(n_experts=apps["applicant_id"].map(n_valid).fillna(0).astype(int))
    none = apps[apps["n_experts"] == 0]
    low = apps[apps["n_experts"] < k]
    if len(none):
        lines.append(f"没有任何有效专家评分的申报对象 {len(none)} 个（无法排名，请核实其评分表）：")
        lines += applicant_group_lines(none, cfg)
    if len(low):
        some = low[low["n_experts"] > 0].assign(detail=lambda d: d["n_experts"].map(lambda n: f"{n} 名"))
        lines.append(f"有效评审专家少于 {k} 名的申报对象 {len(low)} 个"
                     + (f"（其中 {len(none)} 个没有任何有效评分，见上）" if len(none) else "")
                     + ("：" if len(some) else "。"))
        lines += applicant_group_lines(some, cfg, detail="detail")
    issues = tables.get("roster_issues")
    if issues is not None and len(issues):
        from nebase_analysis.experts.assignment import roster_issue_lines

        lines += roster_issue_lines(issues)
    n_rec = tables["recusals"][["applicant_id", "expert_id"]].drop_duplicates().shape[0]
    lines.append(f"回避关系 {n_rec} 对（同省、同单位、声明回避），详见 recusals.parquet。")
    return lines


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase experts``."""
    parser.add_argument("--raw", default="data/raw", help="原始数据目录（含 experts/roster.xlsx 与 experts/sheets/）")
    parser.add_argument("--processed", default="data/processed", help="已处理数据目录（读取 applicants.parquet，写出专家评分表）")
    parser.add_argument("--config", default=None, help="用户配置文件（YAML），覆盖默认配置")


def run_cli(args: argparse.Namespace) -> int:
    """``nebase experts``: read roster and sheets, write the expert tables to Parquet."""
    from nebase_analysis.batch import Batch

    processed = Path(args.processed)
    try:
        cfg = resolve_config(args.config)
        applicants = Batch.from_parquet(processed).applicants
        tables = read_panels(args.raw, applicants, cfg)
    except (FileNotFoundError, ValueError) as exc:
        print(f"nebase experts：{exc}", file=sys.stderr)
        return 1
    processed.mkdir(parents=True, exist_ok=True)
    out = {"expert_scores": tables["scores"], "expert_rejected": tables["rejected"],
           "assignments": tables["assignments"], "recusals": tables["recusals"],
           "roster_issues": tables["roster_issues"]}
    for name, frame in out.items():
        frame.to_parquet(processed / f"{name}.parquet", index=False)
    for line in panel_summary(tables, cfg):
        print(line)
    print(f"已写出 {', '.join(f'{n}.parquet' for n in out)} 至 {processed}")
    try:
        import nebase_analysis.experts.aggregation  # noqa: F401
    except ImportError:
        print("专家评分汇总与信度分析模块尚未就绪。", file=sys.stderr)
    else:
        print("下一步：`nebase rank` 汇总专家评分、计算信度并形成最终排名。")
    return 0
