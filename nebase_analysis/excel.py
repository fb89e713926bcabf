"""Shared helpers for the Excel files the project writes (templates, score sheets,
correction workbooks, rosters).

Every workbook is opened through :func:`open_workbook`, so no text an applicant or
expert typed (a name beginning with ``=``, ``+``, ``-`` or ``@``) can ever become a
formula, a link or a number.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["SAFE_WORKBOOK_OPTIONS", "open_workbook", "safe_file_name", "safe_sheet_name", "write_text"]

#: text stays text: no formulas, links or numbers guessed from strings; no temp files
SAFE_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}


def open_workbook(path: str | Path, **options: Any):
    """An ``xlsxwriter.Workbook`` with :data:`SAFE_WORKBOOK_OPTIONS` (overridable).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> p = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> wb = open_workbook(p); ws = wb.add_worksheet(); _ = ws.write(0, 0, "=1+1"); wb.close()
    >>> openpyxl.load_workbook(p)["Sheet1"]["A1"].data_type
    's'
    """
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {**SAFE_WORKBOOK_OPTIONS, **options})


def safe_file_name(text: Any, max_len: int = 60) -> str:
    """A file-name-safe version of a name (path separators, reserved characters and spaces replaced).

    Examples
    --------
    >>> safe_file_name("A/B:C*公司")
    'A_B_C_公司'
    """
    s = re.sub(r'[\\/:*?"<>|\s]+', "_", str(text)).strip("._")
    return s[:max_len] or "未命名"


def safe_sheet_name(text: Any, max_len: int = 31) -> str:
    """A valid Excel sheet name (at most 31 characters, none of ``[]:*?/\\``).

    Examples
    --------
    >>> safe_sheet_name("EXP-001/张三")
    'EXP-001_张三'
    """
    return re.sub(r"[\[\]:*?/\\]", "_", str(text))[:max_len] or "Sheet"


def write_text(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """Write a cell as text (blank for None/NaN), never as a formula.

    Examples
    --------
    >>> import tempfile
    >>> wb = open_workbook(Path(tempfile.mkdtemp()) / "t.xlsx"); ws = wb.add_worksheet()
    >>> write_text(ws, 0, 0, "@SUM(A1)"); write_text(ws, 1, 0, float("nan")); wb.close()
    """
    if value is None or (isinstance(value, float) and value != value):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)
