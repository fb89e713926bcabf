"""The ``nebase`` command line.

Each subcommand lives in the module of its stage. That module defines
``configure_parser(parser)`` (its arguments) and ``run_cli(args) -> int``.
This file only maps names to modules, so adding a stage never means editing
another stage's code. Modules are imported only when their command runs, which
keeps ``nebase --help`` fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand -> (module, one-line help in Chinese)
COMMANDS: dict[str, tuple[str, str]] = {
    "template": ("nebase_analysis.templates", "生成各省填报用 Excel 模板（园区、企业、推荐汇总表）"),
    "synth": ("nebase_analysis.synth", "生成合成的全国申报批次（含故障真值、专家名册与评分表）"),
    "ingest": ("nebase_analysis.intake", "读取 data/raw 中的申报材料，清洗后写出 Parquet"),
    "validate": ("nebase_analysis.validation", "核查通知规则与数据质量，生成问题清单与各省更正工作簿"),
    "score": ("nebase_analysis.composite", "计算指标、综合得分与排名不确定性"),
    "sheets": ("nebase_analysis.experts.sheets", "按领域与类别生成专家评分表"),
    "experts": ("nebase_analysis.experts.pipeline", "读取专家评分表，汇总评分并计算信度"),
    "rank": ("nebase_analysis.ranking", "综合客观得分与专家评分，形成最终排名"),
    "report": ("nebase_analysis.reports.runner", "并行运行报告笔记本并导出自包含 HTML"),
    "run": ("nebase_analysis.pipeline", "端到端：读取、核查、评分、专家、排名、报告"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nebase",
        description="国家新兴产业发展示范基地创建遴选：申报材料分析工具",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if "--help" in sys.argv or "-h" in sys.argv:
            # only the requested command's module is imported for its arguments
            if name not in sys.argv:
                continue
        importlib.import_module(module).configure_parser(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        build_parser().print_help() if not argv or argv[0] in ("-h", "--help") else None
        if argv and argv[0] not in ("-h", "--help"):
            print(f"nebase: 未知命令 {argv[0]!r}；可用命令：{', '.join(COMMANDS)}", file=sys.stderr)
            return 2
        return 0
    name = argv[0]
    module = importlib.import_module(COMMANDS[name][0])
    parser = argparse.ArgumentParser(prog=f"nebase {name}", description=COMMANDS[name][1])
    module.configure_parser(parser)
    args = parser.parse_args(argv[1:])
    return int(module.run_cli(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
