"""Finding what a raw folder holds: province folders, their summary and their forms.

- :func:`applications_root`: ``<raw>/applications``, or the folder given.
- :func:`discover`: one :class:`Folder` per province folder, files directly in it sorted
  by name, files in its subfolders apart (reported, never read), files outside any
  province folder reported. Every file of a folder is classified (:func:`classify`):
  a **summary** (any name containing ``intake.summary_marker``, 汇总表: ``推荐汇总表.xlsx``,
  ``附件1-…推荐汇总表.docx``; of several, one is read, see :func:`_pick_summary`, the others
  reported), a **form** (a format a reader takes, by content first and then by suffix:
  :func:`nebase_analysis.intake.readers.form_format`), an Office temporary file ``~$…``, or
  an unsupported file (rejected, naming the accepted formats).
- The province of a folder is its name resolved through the aliases of ``provinces.yaml``
  (``广东``, ``粤``, ``广东省``, or a name starting with one: ``广东省（补报）``), else its
  summary's header. One folder per province is read: the one named exactly as the
  province, else the first by name; every file of another folder of the same province
  is reported (:func:`report_folder`).
- :func:`parse_file_name`: the 序号 and the name in a form's file name.

Examples
--------
>>> parse_file_name("03_某园区")
(3.0, '某园区')
>>> parse_file_name("附件3-深圳某科技有限公司-创建申请书")
(nan, '深圳某科技有限公司')
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from nebase_analysis import cleaning as cl
from nebase_analysis.config import resolve_config
from nebase_analysis.intake import readers
from nebase_analysis.intake.files import _config

__all__ = ["applications_root", "discover", "classify", "parse_file_name", "Folder", "report_folder"]


def applications_root(path: str | Path, config: Any = None) -> Path:
    """The applications folder of a raw root (``<raw>/applications``), or ``path`` itself.

    Raises
    ------
    FileNotFoundError
        With a Chinese message when ``path`` does not exist.
    """
    cfg = resolve_config(config)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"申报材料目录不存在：{p}")
    if not p.is_dir():
        raise NotADirectoryError(f"应为申报材料目录而不是文件：{p}")
    sub = p / cfg["intake"]["applications_dir"]
    return sub if sub.is_dir() else p


# ----------------------------------------------------------------------------- file names

_SEP = r"[\s_\-－—–、.．,，:：]"


@functools.lru_cache(maxsize=8)
def _name_words(words: tuple) -> re.Pattern:
    """A pattern of the words stripped from either end of a file name (brackets of either width)."""
    alts = []
    for w in sorted(words, key=len, reverse=True):
        alts.append("".join("[（(]" if ch in "（(" else "[）)]" if ch in "）)" else re.escape(ch) for ch in w))
    body = "|".join(alts) or "(?!)"
    return re.compile(rf"^(?:{_SEP}|{body})+|(?:{_SEP}|{body})+$")


def parse_file_name(stem: str, config: Any = None) -> tuple[float, str | None]:
    """The 序号 and the applicant's name in a form's file name (without its suffix).

    ``03_名称``, ``3.名称创建申请书``, ``06-名称申请书`` carry a 序号; ``附件3-名称-创建申请书``,
    ``附件2-名称`` and a bare ``名称`` do not (``附件3`` is the annex, not a 序号). The words of
    ``intake.file_name_words`` (创建申请书, 申请书, （示范园区）…) are stripped from either end
    of the name.

    Returns
    -------
    (float, str or None)
        The 序号 (NaN when there is none) and the name (None when nothing is left).

    Examples
    --------
    >>> parse_file_name("3.某园区创建申请书"), parse_file_name("06-某企业申请书")
    ((3.0, '某园区'), (6.0, '某企业'))
    >>> parse_file_name("附件2-某园区（示范园区）"), parse_file_name("某企业有限公司")
    ((nan, '某园区'), (nan, '某企业有限公司'))
    """
    icfg = _config(config)["intake"]
    text = stem.strip()
    annex = re.match(rf"^\s*{re.escape(icfg.get('annex_word', '附件'))}\s*[0-9０-９]+{_SEP}*", text)
    seq = math.nan
    if annex:  # 附件3-名称; a 序号 may follow the annex when a separator ends it: 附件3-01-名称
        text = text[annex.end():]
        m = re.match(r"^(\d+)\s*[_\-－—、.．]\s*(.+)$", text)
    else:
        m = re.match(r"^\s*(\d+)\s*[_\-－—、. ]?\s*(.*)$", text)
    if m:
        seq, text = float(m.group(1)), m.group(2)
    words = _name_words(tuple(icfg.get("file_name_words", ())))
    before = None
    while before != text:
        before, text = text, words.sub("", text)
    return seq, (text or None)


# ----------------------------------------------------------------------------- folders


@dataclass
class FileClass:
    """One file of a province folder: ``role`` is ``summary``, ``form``, ``temp`` or ``unsupported``."""

    path: Path
    role: str
    fmt: str | None = None
    reason: str | None = None


@dataclass
class Folder:
    """One folder of the applications root, its files classified, its summary read."""

    path: Path
    files: list
    nested: list
    classes: list = field(default_factory=list)  # FileClass of each file of ``files``
    summary_path: Path | None = None  # the summary read (or the expected one when none)
    summary: Any = None  # SummaryRecord, None when the folder has none
    other_summaries: list = field(default_factory=list)
    province: str | None = None
    duplicate_of: Path | None = None

    @property
    def forms(self) -> list:
        """``(path, fmt)`` of the forms to read."""
        return [(c.path, c.fmt) for c in self.classes if c.role == "form"]


def _unsupported(path: Path, why: str = "") -> str:
    return f"不支持的文件格式（{path.suffix or '无扩展名'}{why}），应为{readers.ACCEPTED}"


def classify(path: Path, config: Any = None) -> FileClass:
    """Summary, form, temporary or unsupported (see the module docstring).

    Examples
    --------
    >>> classify(Path("~$01_某园区.xlsx")).role
    'temp'
    """
    cfg = _config(config)
    if path.name.startswith("~$"):
        return FileClass(path, "temp", reason="Office 临时文件（~$ 开头），已忽略" if path.suffix.lower() != ".xlsx"
                         else "Excel 临时文件（~$ 开头），已忽略")
    fmt, why = readers.form_format(path, cfg)
    if fmt is None:
        return FileClass(path, "unsupported", reason=_unsupported(path, why))
    role = "summary" if cfg["intake"]["summary_marker"] in unicodedata.normalize("NFKC", path.stem) else "form"
    return FileClass(path, role, fmt)


def _pick_summary(candidates: list[FileClass], cfg: Mapping) -> list[FileClass]:
    """The summaries of a folder, the one to read first: the file named ``intake.summary_file``,
    then our xlsx over a Word table, then the shortest name, then by name."""
    order = {fmt: i for i, fmt in enumerate(readers.SUMMARY_ORDER)}
    exact = cfg["intake"]["summary_file"]
    return sorted(candidates, key=lambda c: (c.path.name != exact, order.get(c.fmt, 9), len(c.path.name), c.path.name))


def _folder(entry: Path, cfg: Mapping, rules: Any) -> Folder:
    files = sorted([f for f in entry.iterdir() if f.is_file()], key=lambda p: p.name)
    nested = sorted((f for f in entry.rglob("*") if f.is_file() and f.parent != entry), key=lambda p: p.relative_to(entry).as_posix())
    d = Folder(entry, files, nested, classes=[classify(f, cfg) for f in files])
    summaries = _pick_summary([c for c in d.classes if c.role == "summary"], cfg)
    d.summary_path = summaries[0].path if summaries else entry / cfg["intake"]["summary_file"]
    d.other_summaries = [c.path for c in summaries[1:]]
    if summaries:
        d.summary = readers.read_summary(summaries[0].path, summaries[0].fmt, cfg)
    header = d.summary.header if d.summary is not None else {}
    d.province = (cl.resolve_province(entry.name, rules) or cl.province_from_text(entry.name, rules)
                  or cl.resolve_province(header.get("province"), rules)
                  or cl.province_from_text(header.get("recommender"), rules))
    return d


def discover(root: Path, cfg: Mapping, rules: Any, out: Any) -> list[Folder]:
    """The province folders of ``root`` (files outside any folder are reported to ``out``).

    Each :class:`Folder` has its files classified, its summary read, its province, and
    ``duplicate_of`` set when another folder of the same province is the one read.

    Examples
    --------
    >>> from nebase_analysis.intake.clean import Collector
    >>> out = Collector(cfg, rules, root)                       # doctest: +SKIP
    >>> [(d.path.name, d.province) for d in discover(root, cfg, rules, out)]   # doctest: +SKIP
    [('广东省', '广东省'), ('粤（补报）', '广东省')]
    """
    folders: list[Folder] = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.is_dir():
            folders.append(_folder(entry, cfg, rules))
        elif entry.is_file():
            out.reject(entry, f"文件不在省份文件夹中，未读取（应放在 {cfg['intake']['applications_dir']}/<省份>/ 下）", "file")
    primary: dict[str, Folder] = {}
    for d in sorted((d for d in folders if d.province is not None), key=lambda d: (d.path.name != d.province, d.path.name)):
        primary.setdefault(d.province, d)
    for d in folders:
        first = primary.get(d.province)
        d.duplicate_of = first.path if first is not None and first is not d else None
    return folders


def forms_to_read(folders: list[Folder]) -> list[tuple[Path, str]]:
    """``(path, fmt)`` of every form that will be read (folders of a known province, read once).

    Examples
    --------
    >>> d = Folder(Path("广东省"), [], [], [FileClass(Path("广东省/01_甲.xlsx"), "form", "xlsx")], province="广东省")
    >>> forms_to_read([d, Folder(Path("未知"), [], [], list(d.classes))])
    [(PosixPath('广东省/01_甲.xlsx'), 'xlsx')]
    """
    return [f for d in folders if d.province is not None and d.duplicate_of is None for f in d.forms]


# ----------------------------------------------------------------------------- folder-level reports


def _report_summary(d: Folder, cfg: Mapping, rules: Any, out: Any) -> None:
    summary_name = cfg["intake"]["summary_file"]
    if d.summary is None:
        out.reject(d.summary_path, f"缺少推荐汇总表（{summary_name}），该省申请书按文件读取，无法与汇总表核对", "reconcile")
    elif d.summary.reason:
        out.reject(d.summary_path, f"推荐汇总表未读取：{d.summary.reason}", "file")
    for other in d.other_summaries:
        out.reject(other, f"文件夹中有多份推荐汇总表，采用「{d.summary_path.name}」，本文件未读取；请只保留一份推荐汇总表", "file")
    header = d.summary.header if d.summary is not None else {}
    p_rec = cl.province_from_text(header.get("recommender"), rules)
    p_cell = cl.resolve_province(header.get("province"), rules)
    for src, pv, raw in (("推荐单位", p_rec, header.get("recommender")), ("所属省份", p_cell, header.get("province"))):
        if pv is not None and d.province is not None and pv != d.province:
            out.reject(d.summary_path, f"推荐汇总表的{src}「{raw}」属于{pv}，与文件夹「{d.path.name}」（{d.province}）不一致", "reconcile",
                       fld="province", value=raw)


def report_folder(d: Folder, cfg: Mapping, rules: Any, out: Any) -> bool:
    """Report what of a folder is not read (second folder of a province, subfolders, the
    summary, temporary and unsupported files, an unknown province); True when its forms
    are to be reconciled.

    Examples
    --------
    >>> [d.path.name for d in folders if report_folder(d, cfg, rules, out)]   # doctest: +SKIP
    ['广东省', '西藏自治区']
    """
    if d.duplicate_of is not None:
        # a second folder of a province (北京市（补报）/ next to 北京市/): merging it would
        # number its applicants again (duplicate ids); nothing of it is read, all reported
        for f in sorted(d.files + d.nested, key=lambda p: p.relative_to(d.path).as_posix()):
            out.reject(f, f"省份文件夹「{d.path.name}」与「{d.duplicate_of.name}」指向同一省份（{d.province}），未读取；"
                          "请合并为一个文件夹后重新报送", "file")
        return False
    for f in d.nested:
        out.reject(f, f"位于子文件夹「{f.parent.relative_to(d.path).as_posix()}」中，未读取；申请书应直接放在省份文件夹内", "file")
    _report_summary(d, cfg, rules, out)
    for c in d.classes:
        if c.role in ("temp", "unsupported"):
            out.reject(c.path, c.reason, "file")
    if d.province is None:
        for path, _ in d.forms:
            out.reject(path, f"无法识别文件夹「{d.path.name}」所属省份，未读取", "file")
        return False
    if d.path.name != d.province:
        out.logged(None, "province", d.path.name, d.province, "province_alias")
    return True
