"""``nebase run``: the whole pipeline, end to end.

ingest (``data/raw`` → ``data/processed``) → validate → score → experts → rank → report.
Each stage is called through its own ``configure_parser`` / ``run_cli`` (the same code
path as its subcommand), so ``nebase run`` does exactly what the six commands do one after
another. A stage whose module is missing, or that fails, stops the run with a Chinese
message naming it.

Examples
--------
>>> [name for name, _, _ in STAGES]
['ingest', 'validate', 'score', 'experts', 'rank', 'report']
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from nebase_analysis.cli import COMMANDS

__all__ = ["STAGES", "stage_argv", "run_pipeline", "configure_parser", "run_cli"]

#: stage -> Chinese name, in run order
_STAGE_NAMES = {
    "ingest": "读取与清洗",
    "validate": "核查",
    "score": "指标与综合评分",
    "experts": "专家评分汇总",
    "rank": "最终排名",
    "report": "报告",
}

#: (stage, module, Chinese name); the module is the subcommand's own (cli.COMMANDS)
STAGES = [(name, COMMANDS[name][0], label) for name, label in _STAGE_NAMES.items()]


def stage_argv(stage: str, raw: str, processed: str, reports: str, config: str | None, jobs: int | None,
               report_args: list[str] | None = None) -> list[str]:
    """The command-line arguments ``nebase run`` gives one stage.

    ``report_args`` are extra arguments of the report stage (``--domain D``, ``--province P``).

    Examples
    --------
    >>> stage_argv("rank", "data/raw", "data/processed", "reports", None, 2)
    ['--processed', 'data/processed']
    >>> stage_argv("report", "raw", "p", "r", None, None, ["--domain", "软件"])
    ['--processed', 'p', '--reports', 'r', '--raw', 'raw', '--domain', '软件']
    """
    cfg = ["--config", config] if config else []
    argv = {
        "ingest": [raw, "--out", processed, *(["--jobs", str(jobs)] if jobs else [])],
        "validate": ["--processed", processed, "--reports", reports],
        "score": ["--processed", processed],
        "experts": ["--raw", raw, "--processed", processed],
        "rank": ["--processed", processed],
        "report": ["--processed", processed, "--reports", reports, "--raw", raw, *(["--jobs", str(jobs)] if jobs else []),
                   *(report_args or [])],
    }[stage]
    return argv + cfg


def run_pipeline(raw: str = "data/raw", processed: str = "data/processed", reports: str = "reports", *,
                 config: str | None = None, jobs: int | None = None, stages: list[str] | None = None,
                 report_domain: str | None = None, report_province: str | None = None) -> int:
    """Run the stages in order; return 0, or the failing stage's exit code (2 when a stage is missing).

    ``report_domain`` / ``report_province`` restrict the report stage as ``nebase report
    --domain`` / ``--province`` do (the other stages always process the whole batch).
    """
    from nebase_analysis.cli import ChineseArgumentParser

    report_args = [*(["--domain", report_domain] if report_domain else []), *(["--province", report_province] if report_province else [])]
    wanted = stages or [s for s, _, _ in STAGES]
    Path(processed).mkdir(parents=True, exist_ok=True)
    Path(reports).mkdir(parents=True, exist_ok=True)
    for name, module_name, label in STAGES:
        if name not in wanted:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                print(f"nebase run：缺少阶段“{label}”（{name}，模块 {module_name} 尚未实现），流程停止", file=sys.stderr)
                return 2
            raise
        parser = ChineseArgumentParser(prog=f"nebase {name}")
        module.configure_parser(parser)
        args = parser.parse_args(stage_argv(name, raw, processed, reports, config, jobs, report_args))
        t0 = time.perf_counter()
        print(f"—— {label}（nebase {name}）", file=sys.stderr)
        code = int(module.run_cli(args) or 0)
        print(f"   {label}完成，用时 {time.perf_counter() - t0:.1f} 秒" if code == 0 else f"   {label}失败（退出码 {code}）", file=sys.stderr)
        if code != 0:
            print(f"nebase run：阶段“{label}”（{name}）失败，流程停止", file=sys.stderr)
            return code
    index = Path(reports) / "index.html"
    if index.exists() and "report" in wanted:
        print(index.resolve())
    return 0


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase run``."""
    parser.add_argument("--raw", default="data/raw", help="原始申报材料目录（默认 data/raw）")
    parser.add_argument("--processed", default="data/processed", help="处理后数据目录（默认 data/processed）")
    parser.add_argument("--reports", default="reports", help="报告输出目录（默认 reports）")
    parser.add_argument("--config", default=None, help="用户配置 YAML（覆盖包内默认配置）")
    parser.add_argument("--jobs", type=int, default=None, help="并行进程数（默认：CPU 核数）")
    parser.add_argument("--only", action="append", choices=[s for s, _, _ in STAGES], help="只运行这些阶段（可重复）")
    parser.add_argument("--domain", default=None, help="报告阶段只生成该领域的报告（其他阶段仍处理整个批次）")
    parser.add_argument("--province", default=None, help="报告阶段只生成该省份（或“全国”）的省份报告")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``nebase run``; prints the path of ``reports/index.html`` at the end."""
    return run_pipeline(args.raw, args.processed, args.reports, config=args.config, jobs=args.jobs, stages=args.only,
                        report_domain=getattr(args, "domain", None), report_province=getattr(args, "province", None))
