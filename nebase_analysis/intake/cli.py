"""``nebase ingest RAW --out PROCESSED``: read a raw folder, write the Batch, say what happened.

Examples
--------
>>> from nebase_analysis.batch import Batch
>>> print(summary_text(Batch.empty()).splitlines()[0])
读取申报对象 0 个（园区 0 个，企业 0 个）
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nebase_analysis.batch import Batch
from nebase_analysis.config import category_labels, resolve_config

__all__ = ["configure_parser", "run_cli", "summary_text"]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase ingest``."""
    parser.add_argument("raw", help="申报材料目录（data/raw 或其中的 applications）")
    parser.add_argument("--out", required=True, help="输出目录（写出 Parquet）")
    parser.add_argument("--config", default=None, help="用户配置文件（YAML）")
    parser.add_argument("--jobs", type=int, default=1, help="并行读取的进程数")
    parser.add_argument("--quiet", action="store_true", help="不显示进度条")


def summary_text(batch: Batch, config: Any = None) -> str:
    """The Chinese summary ``nebase ingest`` prints: applicants per province and
    category, rejected files and values by reason.

    Examples
    --------
    >>> print(summary_text(Batch.empty()))   # doctest: +ELLIPSIS
    读取申报对象 0 个...
    """
    cfg = resolve_config(config)
    cats = category_labels(cfg)
    a = batch.applicants
    lines = [f"读取申报对象 {len(a)} 个（" + "，".join(f"{cats[c]} {int((a.category == c).sum()) if len(a) else 0} 个" for c in cats) + "）"]
    if len(a):
        t = a.groupby(["province", "category"]).size().unstack(fill_value=0)
        for prov, r in t.iterrows():
            lines.append(f"  {prov}：" + "，".join(f"{cats[c]} {int(r.get(c, 0))}" for c in cats))
    rej = batch.rejected
    if len(rej):
        for scope, label in cfg["intake"]["scope_labels"].items():
            part = rej[rej["scope"] == scope] if "scope" in rej.columns else rej.iloc[0:0]
            if len(part):
                lines.append(f"{label}：{len(part)} 项")
                for rec in part.head(20).itertuples():
                    where = f"{rec.path}" + (f" {rec.sheet}!{rec.cell}" if isinstance(rec.cell, str) and rec.cell else "")
                    lines.append(f"  - {where}：{rec.reason}")
                if len(part) > 20:
                    lines.append(f"  …… 另有 {len(part) - 20} 项，见 rejected.parquet")
    else:
        lines.append("没有被拒收的文件或数值")
    lines.append(f"清洗记录 {len(batch.cleaning_log)} 条")
    return "\n".join(lines)


def _nothing_read_message(path: str | Path, config: Any = None) -> str:
    """Why a raw folder gave no applicant, in Chinese, naming the folder looked in.

    Forms may be our xlsx template or the Word forms (.docx, .doc).
    """
    from nebase_analysis.intake.discovery import applications_root
    from nebase_analysis.intake.readers import FORM_SUFFIXES

    cfg = resolve_config(config)
    root = applications_root(path, cfg)
    folders = [d for d in root.iterdir() if d.is_dir()]
    if not folders:
        return (f"在 {root} 中没有找到省份文件夹（应为 {cfg['intake']['applications_dir']}/<省份>/ 下的 xlsx 或 Word（docx/doc）申请书），"
                "未读取到任何申报对象")
    n_forms = sum(1 for d in folders for f in d.iterdir() if f.is_file() and f.suffix.lower() in FORM_SUFFIXES)
    if n_forms == 0:
        return (f"在 {root} 的 {len(folders)} 个省份文件夹中没有找到 xlsx 申请书、Word 申请书（docx/doc）或推荐汇总表，"
                "未读取到任何申报对象")
    return f"在 {root} 中找到 {n_forms} 个 xlsx/docx/doc 文件，但没有读取到任何申报对象（原因见上方未读取的文件）"


def run_cli(args: argparse.Namespace) -> int:
    """``nebase ingest RAW --out PROCESSED``.

    Returns 0, or 1 with a Chinese message on stderr when the folder is missing or no
    applicant could be read from it (nothing is written then).
    """
    from nebase_analysis.intake import load_batch

    try:
        batch = load_batch(args.raw, args.config, progress=not args.quiet, jobs=args.jobs)
    except (FileNotFoundError, NotADirectoryError) as exc:
        print(f"nebase ingest：{exc}", file=sys.stderr)
        return 1
    if len(batch.applicants) == 0:
        print(summary_text(batch, args.config))
        print(f"nebase ingest：{_nothing_read_message(args.raw, args.config)}；未写出 {Path(args.out)}", file=sys.stderr)
        return 1
    batch.to_parquet(args.out)
    print(summary_text(batch, args.config))
    print(f"已写出：{Path(args.out)}")
    return 0
