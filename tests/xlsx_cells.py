"""Test helper: every cell of every sheet of written workbooks (to check no text became a formula)."""
from pathlib import Path
from typing import Iterable, Iterator

import openpyxl


def workbook_cells(paths: Iterable[Path]) -> Iterator[tuple[str, str, object]]:
    """Yield ``(where, cell)`` for every cell of every sheet, ``where`` = ``file!sheet!A1`` for messages."""
    for p in paths:
        wb = openpyxl.load_workbook(p)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    yield f"{Path(p).name}!{ws.title}!{cell.coordinate}", cell
