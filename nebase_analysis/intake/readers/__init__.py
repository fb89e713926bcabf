"""The reader registry: which reader reads a file, and calling it safely.

Form readers, one module per format (:data:`FORM_MODULES`), each providing
``read_form(path, cfg) -> FormRecord`` and ``read_summary(path, cfg) -> SummaryRecord``
(:mod:`nebase_analysis.intake.record`):

- ``xlsx``: our Excel template (:mod:`.xlsx`);
- ``docx``: the official Word form (:mod:`.docx`);
- ``doc``: a legacy Word form (:mod:`.doc`); when the module also provides
  ``read_forms(paths, cfg) -> list[FormRecord]`` (many files converted in one LibreOffice
  call) it is used for all .doc files of a batch at once.

A file's format is its content where the content tells (:func:`~nebase_analysis.intake.files.sniff_format`:
a zip holding ``word/document.xml`` is a docx whatever its name), else its suffix
(:data:`FORM_SUFFIXES`); :func:`form_format` decides. Summary readers: our xlsx template
(it has ``_meta``), a plain sheet laid out as annex 1 (:mod:`.sheet_summary`), and the Word
summary of the docx/doc modules.

The Word modules are imported lazily, inside :func:`reader_module`: a missing module (not
written yet, or its library absent) makes its files unreadable with a Chinese reason and
never touches the xlsx path. Before a Word reader sees a file the registry runs
:func:`~nebase_analysis.intake.files.inspect_file` for that format (size limit, empty,
password); an exception escaping a reader becomes a Chinese reason for that file only.

Examples
--------
>>> from pathlib import Path
>>> form_format(Path("/nonexistent/01_某园区.xlsx"))
('xlsx', '')
>>> reader_module("xlsx").__name__
'nebase_analysis.intake.readers.xlsx'
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Mapping

from nebase_analysis.config import category_labels
from nebase_analysis.intake.files import _config, _damaged, inspect_file, open_workbook, sniff_format
from nebase_analysis.intake.record import FormRecord, SummaryRecord

__all__ = ["FORM_SUFFIXES", "FORM_MODULES", "ACCEPTED", "reader_module", "form_format", "read_form", "read_forms",
           "read_summary"]

#: file suffix -> format (when the content does not tell)
FORM_SUFFIXES = {".xlsx": "xlsx", ".docx": "docx", ".doc": "doc"}
#: format -> the module reading it
FORM_MODULES = {"xlsx": f"{__name__}.xlsx", "docx": f"{__name__}.docx", "doc": f"{__name__}.doc"}
#: the format of each summary reader, in the order a folder's summaries are preferred
SUMMARY_ORDER = ("xlsx", "docx", "doc")
#: the accepted formats, as unsupported files are told
ACCEPTED = "本项目的 xlsx 模板或 Word 申请书（.docx/.doc）"
_LABELS = {"xlsx": "Excel（xlsx）", "docx": "Word（.docx）", "doc": "Word（.doc）"}


def reader_module(fmt: str) -> ModuleType | None:
    """The reader module of ``fmt`` (imported now), or None when it cannot be imported
    (missing, its library absent, or failing on import: its files are then reported)."""
    try:
        return importlib.import_module(FORM_MODULES[fmt])
    except Exception:  # noqa: BLE001 - ImportError, or a module that fails while it loads
        return None


def form_format(path: Path, config: Any = None) -> tuple[str | None, str]:
    """The reader format of a file: ``(fmt, "")``, or ``(None, why)`` when no reader takes it.

    The content decides where it tells (a docx named ``.doc`` is read as docx); else the
    suffix. An empty or too large file goes by its suffix (:func:`inspect_file` then says
    why it is not read); rich text under a Word name goes to the .doc reader (LibreOffice
    converts it); a ``.docx`` whose content is neither a zip, an OLE2 container nor rich
    text is not a Word document (``why`` says so; a ``.doc`` is left to its reader).
    """
    cfg = _config(config)
    by_suffix = FORM_SUFFIXES.get(path.suffix.lower())
    try:
        size = path.stat().st_size
    except OSError:
        return by_suffix, ""
    if size == 0 or size > float(cfg["intake"]["max_file_mb"]) * 1024 * 1024:
        return by_suffix, ""
    kind = sniff_format(path)
    if kind in FORM_MODULES:
        return kind, ""
    if kind == "rtf" and by_suffix in ("doc", "docx"):
        return "doc", ""  # rich text saved under a Word name: LibreOffice converts it
    if by_suffix == "docx" and kind is None:
        return None, "，文件内容不是 Word 文档"
    return by_suffix, ""


def _unavailable(fmt: str) -> str:
    return f"暂不能读取{_LABELS.get(fmt, fmt)}格式的文件（读取程序不可用），未读取；请改用 xlsx 模板填报后重新报送"


def _word_ready(path: Path, fmt: str, cfg: Mapping) -> tuple[ModuleType | None, str | None]:
    """The module for a Word file, or why the file is not read (checks, missing module)."""
    reason = inspect_file(path, cfg, fmt)
    if reason:
        return None, reason
    module = reader_module(fmt)
    return (module, None) if module is not None else (None, _unavailable(fmt))


def read_form(path: str | Path, fmt: str, config: Any = None, plans: Mapping[str, dict] | None = None) -> FormRecord:
    """Read one form with the reader of ``fmt``; never raises for a bad file.

    ``plans`` (form -> :func:`.xlsx.read_plan`) is passed to the xlsx reader only.

    Examples
    --------
    >>> read_form("/nonexistent.docx", "docx").reason
    '文件不存在'
    """
    cfg = _config(config)
    path = Path(path)
    if fmt == "xlsx":
        from nebase_analysis.intake.readers import xlsx

        return xlsx.read_workbook(path, cfg, plans=plans)
    module, reason = _word_ready(path, fmt, cfg)
    if reason:
        return FormRecord(path=str(path), fmt=fmt, reason=reason)
    try:
        return module.read_form(path, cfg)
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
        return FormRecord(path=str(path), fmt=fmt, reason=_damaged(exc, fmt))


def _plans(cfg: Mapping) -> dict[str, dict]:
    from nebase_analysis.intake.readers.xlsx import read_plan
    from nebase_analysis.templates import form_layout

    return {f: read_plan(form_layout(f, cfg)) for f in category_labels(cfg)}


def _read_many(items: list[tuple[str, str]], cfg: Mapping, plans: Mapping | None = None) -> list[FormRecord]:
    """Read forms one by one (in a worker process when ``plans`` is None)."""
    plans = _plans(cfg) if plans is None else plans
    return [read_form(p, fmt, cfg, plans=plans) for p, fmt in items]


def _read_batched(paths: list[str], fmt: str, cfg: Mapping) -> list[FormRecord]:
    """Forms of a reader with ``read_forms`` (one conversion for many .doc files)."""
    out: dict[str, FormRecord] = {}
    ready = []
    for p in paths:
        module, reason = _word_ready(Path(p), fmt, cfg)
        if reason:
            out[p] = FormRecord(path=p, fmt=fmt, reason=reason)
        else:
            ready.append(p)
    if ready:
        try:
            got = module.read_forms([Path(p) for p in ready], cfg)
        except Exception:  # noqa: BLE001 - the batch failed: each file alone says why
            got = [read_form(p, fmt, cfg) for p in ready]
        out.update(zip(ready, got))
    return [out[p] for p in paths]


class _NoBar:
    def update(self, n: int = 1) -> None:
        """Nothing to show."""

    def close(self) -> None:
        """Nothing to close."""


def _bar(total: int, progress: bool) -> Any:
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="读取申请书", unit="份", file=sys.stderr)


def _read_rest(items: list[tuple[str, str]], cfg: Mapping, jobs: int, plans: Mapping | None, bar: Any) -> list[FormRecord]:
    if jobs > 1 and len(items) > 8:
        from concurrent.futures import ProcessPoolExecutor

        chunks = [items[i::jobs] for i in range(jobs)]
        got: list[list[FormRecord]] = []
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            for part in ex.map(_read_many, chunks, [cfg] * jobs):
                got.append(part)
                bar.update(len(part))
        order = [i for k in range(jobs) for i in range(k, len(items), jobs)]
        flat = [r for part in got for r in part]
        out: list[Any] = [None] * len(items)
        for i, r in zip(order, flat):
            out[i] = r
        return out
    plans = _plans(cfg) if plans is None else plans
    out = []
    for p, fmt in items:
        out.append(read_form(p, fmt, cfg, plans=plans))
        bar.update(1)
    return out


def read_forms(items: Iterable[tuple[str | Path, str]], config: Any = None, jobs: int = 1, progress: bool = False,
               plans: Mapping[str, dict] | None = None) -> list[FormRecord]:
    """Read many forms (``(path, fmt)`` pairs), in the order given, with a progress bar.

    ``jobs > 1`` reads xlsx and docx forms in that many worker processes (more than 8
    files); formats whose module provides ``read_forms`` (.doc) are read in one call.

    Examples
    --------
    >>> [r.reason for r in read_forms([("/nonexistent.xlsx", "xlsx")])]
    ['文件不存在']
    """
    cfg = _config(config)
    items = [(str(p), fmt) for p, fmt in items]
    batched = {fmt for _, fmt in items if fmt != "xlsx" and hasattr(reader_module(fmt) or object(), "read_forms")}
    out: list[Any] = [None] * len(items)
    bar = _bar(len(items), progress)
    rest = [i for i, (_, fmt) in enumerate(items) if fmt not in batched]
    for i, r in zip(rest, _read_rest([items[i] for i in rest], cfg, jobs, plans, bar)):
        out[i] = r
    for fmt in sorted(batched):
        idx = [i for i, (_, f) in enumerate(items) if f == fmt]
        for i, r in zip(idx, _read_batched([items[i][0] for i in idx], fmt, cfg)):
            out[i] = r
        bar.update(len(idx))
    bar.close()
    return out


def read_summary(path: str | Path, fmt: str, config: Any = None) -> SummaryRecord:
    """Read a folder's annex 1 summary with the reader its format and content call for.

    An xlsx with our ``_meta`` sheet is our template (:func:`.xlsx.read_summary`), any other
    xlsx a plain sheet laid out as annex 1 (:func:`.sheet_summary.read_summary`); a Word
    file goes to the summary reader of its module.

    Examples
    --------
    >>> read_summary("/nonexistent/推荐汇总表.xlsx", "xlsx").reason
    '文件不存在'
    """
    cfg = _config(config)
    path = Path(path)
    if fmt == "xlsx":
        from nebase_analysis.intake.readers import sheet_summary, xlsx

        book, reason, _ = open_workbook(path, cfg)
        if reason:
            return SummaryRecord(path=str(path), fmt="xlsx", reason=reason)
        return xlsx.read_summary(path, cfg) if xlsx.has_meta(book, cfg) else sheet_summary.read_summary(path, cfg)
    module, reason = _word_ready(path, fmt, cfg)
    if reason:
        return SummaryRecord(path=str(path), fmt=fmt, reason=reason)
    try:
        return module.read_summary(path, cfg)
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
        return SummaryRecord(path=str(path), fmt=fmt, reason=_damaged(exc, fmt))
