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
import os
import re
import sys
from typing import Callable

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


#: value types named in "invalid <type> value"
_ARGPARSE_TYPES = {"int": "整数", "float": "数值", "str": "文本"}


def _invalid_value(m: re.Match) -> str:
    """``argument --seed: invalid int value: 'x'`` in Chinese, the type named in words."""
    return f"参数 {m[1]}：{m[3]} 不是有效的{_ARGPARSE_TYPES.get(m[2], m[2])}"


#: argparse's English error texts (Python's own wording) -> Chinese (a template or a function
#: of the match, as re.sub takes); tried in order
_ARGPARSE_ERRORS: list[tuple[str, str | Callable[[re.Match], str]]] = [
    (r"the following arguments are required: (.+)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
    (r"one of the arguments (.+) is required", r"须给出以下参数之一：\1"),
    (r"argument (.+?): invalid choice: (.+) \(choose from (.+)\)", r"参数 \1：无效的取值 \2（可选：\3）"),
    (r"argument (.+?): invalid (\w+) value: (.+)", _invalid_value),
    (r"argument (.+?): expected one argument", r"参数 \1 需要一个取值"),
    (r"argument (.+?): expected at most one argument", r"参数 \1 至多接受一个取值"),
    (r"argument (.+?): expected at least one argument", r"参数 \1 至少需要一个取值"),
    (r"argument (.+?): expected (\d+) arguments?", r"参数 \1 需要 \2 个取值"),
    (r"argument (.+?): not allowed with argument (.+)", r"参数 \1 不能与参数 \2 同时使用"),
    (r"argument (.+?): ignored explicit argument (.+)", r"参数 \1 不接受取值 \2"),
    (r"ambiguous option: (.+?) could match (.+)", r"选项 \1 有歧义，可能是：\2"),
    (r"argument (.+?): (.+)", r"参数 \1：\2"),
]


def translate_argparse_error(message: str) -> str:
    """argparse's English error message in Chinese.

    Examples
    --------
    >>> translate_argparse_error("the following arguments are required: --out")
    '缺少必需的参数：--out'
    >>> translate_argparse_error("argument --seed: invalid int value: 'x'")
    "参数 --seed：'x' 不是有效的整数"
    >>> translate_argparse_error("argument --samples: invalid float value: '1e'")
    "参数 --samples：'1e' 不是有效的数值"
    """
    for pattern, repl in _ARGPARSE_ERRORS:
        out, n = re.subn(rf"\A(?:{pattern})\Z", repl, message, count=1, flags=re.S)
        if n:
            return out
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Help text with a Chinese usage line (``用法：``) and Chinese placeholders (``cli.yaml``).

    The help column is aligned by display width (a Chinese character takes two columns).

    Examples
    --------
    >>> p = argparse.ArgumentParser(prog="nebase demo", formatter_class=ChineseHelpFormatter, add_help=False)
    >>> _ = p.add_argument("--out", help="输出目录")
    >>> _ = p.add_argument("--seed", type=int, help="随机种子")
    >>> print(p.format_usage().strip())
    用法：nebase demo [--out 输出目录] [--seed 随机种子]
    """

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _metavar(self, action, default: str) -> str:
        from nebase_analysis.config import load_config

        return load_config()["cli"]["metavars"].get(action.dest, default)

    def _get_default_metavar_for_optional(self, action):
        return self._metavar(action, super()._get_default_metavar_for_optional(action))

    def _get_default_metavar_for_positional(self, action):
        return self._metavar(action, super()._get_default_metavar_for_positional(action))

    # argparse aligns the help column by len(); a Chinese character takes two columns
    def add_argument(self, action):
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            shown = display_width(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, shown)

    def _format_action(self, action):
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = display_width(header) - len(header)
        first, sep, rest = text.partition("\n")
        end = first.find(header) + len(header)
        gap = len(first) - len(first[end:].lstrip(" ")) - end  # spaces between header and help
        if extra and header in first and gap > 2:
            first = first[:end] + " " * max(2, gap - extra) + first[end + gap:]
        return first + sep + rest


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters count two.

    Used to line up Chinese text in the help and in console tables.

    Examples
    --------
    >>> display_width("nebase 核查")
    11
    """
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose scaffolding is Chinese.

    Usage line, section titles (位置参数, 选项), the ``-h/--help`` help and error messages
    (``nebase score：错误：缺少必需的参数：--out``). Subparsers are of the same class.

    Examples
    --------
    >>> p = ChineseArgumentParser(prog="nebase demo")
    >>> _ = p.add_argument("--out", required=True, help="输出目录")
    >>> print(p.format_help())
    用法：nebase demo [-h] --out 输出目录
    <BLANKLINE>
    选项：
      -h, --help      显示此帮助信息并退出
      --out 输出目录  输出目录
    <BLANKLINE>
    """

    def __init__(self, *args, **kwargs):
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            prefix = "-" if "-" in self.prefix_chars else self.prefix_chars[0]
            self.add_argument(prefix + "h", prefix * 2 + "help", action="help", default=argparse.SUPPRESS,
                              help="显示此帮助信息并退出")

    def format_help(self) -> str:
        text = super().format_help()
        for group in self._action_groups:  # section headings end in a full-width colon
            if group.title:
                text = text.replace(f"\n{group.title}:\n", f"\n{group.title}：\n")
        return text

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{translate_argparse_error(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="nebase",
        description="国家新兴产业发展示范基地创建遴选：申报材料分析工具",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")
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
    parser = ChineseArgumentParser(prog=f"nebase {name}", description=COMMANDS[name][1])
    module.configure_parser(parser)
    args = parser.parse_args(argv[1:])
    from nebase_analysis.config import ConfigError, load_config

    if getattr(args, "config", None):
        try:
            load_config(args.config)  # a broken or misspelt user configuration stops before any work
        except (ConfigError, FileNotFoundError) as exc:
            print(f"nebase {name}：{exc}", file=sys.stderr)
            return 1
    try:
        return int(module.run_cli(args) or 0)
    except ConfigError as exc:  # a stage's own configuration check, where the stage does not report it
        print(f"nebase {name}：{exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
