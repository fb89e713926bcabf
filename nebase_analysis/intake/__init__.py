"""Intake: read what provinces send into a clean :class:`~nebase_analysis.batch.Batch`.

Raw layout (see :func:`nebase_analysis.templates.write_raw`)::

    <raw>/applications/<省份>/推荐汇总表.xlsx        annex 1 summary of that province
    <raw>/applications/<省份>/<seq>_<name>.xlsx     one park/enterprise form per applicant

``load_batch`` takes the raw root (and uses ``applications/`` inside) or the
applications folder itself. It is a short composition of the parts of this package:

``files``
    Cheap checks before any parser (:func:`inspect_file`: size limit, empty, password,
    legacy formats), content sniffing (a zip holding ``word/document.xml`` is a docx,
    ``xl/workbook.xml`` an xlsx; an OLE2 file with a ``WordDocument`` stream a legacy .doc;
    an encrypted one password-protected), and :func:`~.files.open_workbook`, the one safe
    way to open an xlsx (python-calamine; the expert score sheets and roster use it too).
``discovery``
    Province folders (:func:`applications_root`). The province of a folder is its name
    resolved through the aliases of ``provinces.yaml`` (``广东``, ``粤``, ``广东省``, or a name
    starting with one: ``广东省（补报）``), else its summary's header; cross-checked with
    the summary's and each cover's 推荐单位 and 所属省份; a disagreement is reported. One
    folder per province is read: the one named exactly as the province, else the first by
    name; every file of another folder of the same province is reported (not merged: its
    applicants would be numbered twice). Files in subfolders of a province folder are
    reported, not read. Each file of a folder is a **summary** (any name containing
    汇总表; of several one is read, the others reported), a **form** (xlsx template,
    Word .docx/.doc, by content first, then suffix), an Office temporary file ``~$…``, or
    unsupported (rejected, naming the accepted formats). The 序号 and name of a form come
    from its file name: ``03_名称.xlsx``, ``3.名称创建申请书.docx``, ``附件3-名称-创建申请书.docx``
    (``附件3`` is not a 序号), a bare ``名称.docx``.
``readers``
    The registry: a reader per format (``readers/xlsx.py`` our template, ``readers/docx.py``
    and ``readers/doc.py`` the official Word forms, ``readers/sheet_summary.py`` a plain annex 1
    sheet), each returning the records of :mod:`.record` (``FormRecord``, ``SummaryRecord``).
    Our workbooks are read by the field id in the template's hidden column A, the label
    checked, so a moved row or cell is detected rather than misread; formulas and merged
    cells are found by a quick look into the sheet XML. Word forms are read by their
    printed labels.
``reconcile``
    Summary rows ↔ forms (by 序号 where the file name carries one, else by name), copies
    of a form, repeated or blank 序号, applicant ids, category/domain/province cross-checks.
``clean``
    Each record cleaned by the field kinds of ``fields.yaml`` (numbers as text, units,
    dates, aliases; ``无``/``—``/``/`` are 0 in a count field, missing elsewhere), and the
    Batch assembled.
``cli``
    ``nebase ingest``.

Nothing is dropped silently
    ``Batch.rejected`` (``path, sheet, cell, field, applicant_id, scope, value, reason``)
    lists, in Chinese, every file, row or value not taken; ``sheet``/``cell`` are the
    record's place (an A1 cell of our workbook, or a place in a Word form); ``value`` is
    the text as typed that the reason quotes (the cell's content, a formula, the summary's
    序号/类别/领域/名称, the cover's 推荐单位/所属省份), ``None`` for a file or a row:

    - ``scope == "file"``: the file was not read (corrupt, password-protected,
      another template or an old version, a missing sheet, empty, too large, an
      unsupported format, a copy of another form of the folder, a second summary, in a
      subfolder or a second folder of the province); the applicant is not in ``applicants``.
    - ``scope == "row"``: a summary row without a form; the applicant is not in
      ``applicants`` (there is nothing to read).
    - ``scope == "field"``: one value not taken (formula, merged or moved cell,
      unreadable text, digits split by spaces); the applicant is read, that value is
      missing. A missing or relabelled row is one entry (``field`` the row's field id)
      naming the values it costs.
    - ``scope == "reconcile"``: read, but reported: a form without a summary row
      (read, ``in_summary`` False), names/provinces/categories/domains that disagree
      between summary, cover and folder, a repeated or blank 序号 in the summary, a number
      read from approximate wording (``约30亿左右``; ``intake.approximate_numbers: refuse``
      makes it a ``field`` entry instead). Nothing about a file that was not read.

    Every applicant of the summaries therefore ends in ``applicants`` or in
    ``rejected`` with ``scope`` ``file``/``row``.

Applicant ids
    ``<id_prefix>-<province id_code>-<nn>`` (``P-GD-01``, ``E-GD-07``): the category
    prefix of ``fields.yaml``, the province's ``id_code``, and the applicant's number
    within its province and category, counting the summary rows in 序号 order (parks
    and enterprises numbered separately), then forms without a summary row in
    file-name order. Ids are stable across runs for the same raw files; a form
    missing from the summary never shifts the ids of listed applicants.

Examples
--------
>>> from nebase_analysis.intake import load_batch
>>> batch = load_batch("data/raw")                 # doctest: +SKIP
>>> batch.rejected[["path", "reason"]]             # doctest: +SKIP
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from nebase_analysis import cleaning as cl
from nebase_analysis.batch import Batch
from nebase_analysis.config import category_labels, resolve_config
from nebase_analysis.intake import readers
from nebase_analysis.intake.clean import REJECTED_COLUMNS, Collector, _reason_for, _specs, _typed_text, form_specs
from nebase_analysis.intake.cli import _nothing_read_message, configure_parser, run_cli, summary_text
from nebase_analysis.intake.discovery import applications_root, discover, forms_to_read, report_folder
from nebase_analysis.intake.files import OLE2_SIGNATURE, _cell_ref, _damaged, inspect_file, open_workbook
from nebase_analysis.intake.readers.xlsx import read_workbook
from nebase_analysis.intake.reconcile import make_applicant_id, reconcile_folder

__all__ = [
    "load_batch",
    "inspect_file",
    "open_workbook",
    "read_workbook",
    "read_summary",
    "applications_root",
    "make_applicant_id",
    "REJECTED_COLUMNS",
    "OLE2_SIGNATURE",
    "configure_parser",
    "run_cli",
    "summary_text",
]

_ = (_cell_ref, _damaged, _reason_for, _specs, _typed_text, _nothing_read_message)  # re-exported for synth and callers


def read_summary(path: str | Path, config: Any = None) -> Any:
    """Read an annex 1 summary with the reader its content calls for (our xlsx template,
    a plain sheet, a Word table): a :class:`~nebase_analysis.intake.record.SummaryRecord`.

    Examples
    --------
    >>> read_summary("/nonexistent/推荐汇总表.xlsx").reason
    '文件不存在'
    """
    cfg = resolve_config(config)
    fmt = readers.form_format(Path(path), cfg)[0] or "xlsx"
    return readers.read_summary(path, fmt, cfg)


def load_batch(path: str | Path, config: Any = None, progress: bool = True, jobs: int = 1) -> Batch:
    """Read a raw folder of applications into a clean :class:`~nebase_analysis.batch.Batch`.

    Parameters
    ----------
    path : path
        The raw root (``data/raw``; ``applications/`` inside is used) or the
        applications folder itself.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.
    progress : bool
        Show a progress bar on stderr.
    jobs : int
        Worker processes for reading forms (1: in this process; see
        ``benchmarks/README.md`` for whether 2 helps).

    Returns
    -------
    Batch
        ``applicants`` (wide; numbers float64, dates datetime64, bools boolean, text
        str; plus ``source_file``, ``seq``, ``in_summary``), ``top_enterprises``,
        ``top_products``, ``texts``, ``summary``, ``rejected`` (with ``scope``) and
        ``cleaning_log``. Raw files are never modified.

    Examples
    --------
    >>> b = load_batch("data/raw", progress=False)        # doctest: +SKIP
    >>> b.applicants.applicant_id.head(2).tolist()        # doctest: +SKIP
    ['P-AH-01', 'E-AH-01']
    """
    from nebase_analysis.intake.readers.xlsx import read_plan
    from nebase_analysis.templates import form_layout

    cfg = resolve_config(config)
    raw_root = Path(path)
    root = applications_root(raw_root, cfg)
    layouts = {f: form_layout(f, cfg) for f in category_labels(cfg)}
    out = Collector(cfg, cl.cleaning_rules(cfg), raw_root if raw_root != root else root.parent, specs=form_specs(layouts, cfg))
    folders = discover(root, cfg, out.rules, out)
    items = forms_to_read(folders)
    plans = {f: read_plan(layout) for f, layout in layouts.items()}
    read = readers.read_forms(items, cfg, jobs=jobs, progress=progress, plans=plans)
    records = {str(p): r for (p, _), r in zip(items, read)}
    for d in folders:
        if report_folder(d, cfg, out.rules, out):
            reconcile_folder(d, records, out)
    return out.batch()
