"""The one record every form reader returns, whatever the file format.

A reader (``nebase_analysis.intake.readers``) turns one applicant's file into a
:class:`FormRecord`: the raw values by key, where each was found, the cells it could not
take, or the reason the whole file was not read. Cleaning, reconciliation and the
correction workbooks work on this record only, so a new format touches its reader alone.

Keys are those of the Excel template layout (:func:`nebase_analysis.templates.form_layout`):

- a single-value field: its id (``name``, ``planned_area``, ``is_high_tech``, ``attachment_3``);
- a yearly field: ``<id>_2023`` … ``<id>_2025`` and ``<id>_avg``;
- a long text: its id (``policy``, ``plan_basis`` …);
- a list cell: ``<list>.<rank>.<column>`` (``top_enterprises.3.revenue``).

Places are ``(sheet, cell)`` pairs of text in words a province can find in its own file:
``("申请书", "C12")`` for our workbook, ``("表1", "第12行「营业收入（亿元）」2024 年")`` or
``("正文", "（三）重点任务 第2段")`` for a Word form. ``rejected`` and the correction workbooks
show them as they are.

Examples
--------
>>> r = FormRecord(path="x.docx", form="park", fmt="docx")
>>> r.add("planned_area", "1,200", ("表1", "第8行「规划面积（公顷）」"))
>>> r.values, r.places["planned_area"][0], r.ok
({'planned_area': '1,200'}, '表1', True)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["FormRecord", "Problem", "SummaryRecord"]


class Problem(NamedTuple):
    """A value a reader saw but could not take: where, which key, why (Chinese), as typed."""

    sheet: str | None
    cell: str | None
    key: str | None
    reason: str
    value: Any = None


@dataclass
class FormRecord:
    """What a reader found in one applicant file.

    Attributes
    ----------
    path : str
        The file read (the raw file, never a converted copy).
    form : {"park", "enterprise"} or None
        The form the file is (None when it could not be told).
    version : str or None
        The template version (our xlsx template); None for Word forms.
    fmt : str
        The reader that read it: ``xlsx``, ``docx``, ``doc``.
    values : dict
        Key -> raw value as typed (text, or a number/date where the file stores one).
    places : dict
        Key -> ``(sheet, cell)`` where the value was read.
    problems : list of Problem
        Values not taken (scope ``field`` of ``rejected``).
    notes : list of Problem
        Things read but worth telling the province (scope ``reconcile``), e.g. a label
        matched only approximately.
    reason : str or None
        Why the whole file was not read (Chinese); None when it was.
    """

    path: str
    form: str | None = None
    version: str | None = None
    fmt: str = "xlsx"
    values: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file was read (``reason`` is None)."""
        return self.reason is None

    def add(self, key: str, value: Any, place: tuple[str | None, str | None]) -> None:
        """Record ``value`` for ``key``, read at ``place``."""
        self.values[key] = value
        self.places[key] = place

    def problem(self, place: tuple[str | None, str | None] | None, key: str | None, reason: str, value: Any = None) -> None:
        """Record a value not taken."""
        sheet, cell = place if place is not None else (None, None)
        self.problems.append(Problem(sheet, cell, key, reason, value))

    def where(self, key: str) -> tuple[str | None, str | None]:
        """``(sheet, cell)`` of ``key``; ``(None, None)`` when it was not read."""
        return self.places.get(key, (None, None))


@dataclass
class SummaryRecord:
    """What a summary reader found in one annex 1 table (推荐汇总表).

    Attributes
    ----------
    path : str
        The file read.
    fmt : str
        ``xlsx`` (our template), ``sheet`` (a plain sheet laid out as annex 1), ``docx``.
    rows : list of dict
        One per filled row: the raw cells by id (``seq, applicant_unit, name, category,
        domain``; None when blank), ``row`` (the row number as the province sees it: the
        Excel row, or the row of the Word table) and ``places`` (id -> ``(sheet, cell)``).
    header : dict
        ``recommender`` and ``province`` as written (where the file has them).
    reason : str or None
        Why the file was not read (Chinese); None when it was.

    Examples
    --------
    >>> s = SummaryRecord(path="推荐汇总表.docx", fmt="docx")
    >>> s.ok, s.rows
    (True, [])
    """

    path: str
    fmt: str = "xlsx"
    rows: list = field(default_factory=list)
    header: dict = field(default_factory=dict)
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file was read."""
        return self.reason is None
