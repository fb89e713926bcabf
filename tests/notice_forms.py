"""The forms of annexes 1-3 as printed in ../shared/notice.md, as data for tests.

``notice_blocks(annex)`` parses the notice's annex into paragraphs and table rows (lines with
tabs); ``notice_docx(path, annex, fill)`` writes them as a real Word document with
python-docx, each empty cell right of a label filled by ``fill(label, k)``.
"""
from __future__ import annotations

import re
from pathlib import Path

NOTICE = Path(__file__).resolve().parents[2] / "shared" / "notice.md"
_TAGS = re.compile(r"<[^>]+>")


def _clean(cell: str) -> str:
    cell = cell.replace('<input type="checkbox"/>', "☐")
    return _TAGS.sub("", cell).replace("\\_", "_").strip()


def notice_annex(annex: int) -> list[str]:
    """The lines of annex ``annex`` (1, 2 or 3) of the notice."""
    text = NOTICE.read_text(encoding="utf-8")
    start = re.search(rf"^#*\s*附件 {annex}\s*$", text, re.M)
    end = re.search(rf"^#*\s*附件 {annex + 1}\s*$", text[start.end():], re.M)
    body = text[start.end(): start.end() + end.start()] if end else text[start.end():]
    if annex == 3:
        body = body.split("创建工作方案评价要点")[0]
    return body.splitlines()


def notice_blocks(annex: int) -> list[tuple[str, object]]:
    """``("para", text)`` and ``("table", [rows of cell texts])`` in order."""
    out: list[tuple[str, object]] = []
    table: list[list[str]] = []
    for line in notice_annex(annex):
        if "\t" in line:
            table.append([_clean(c) for c in line.split("\t")])
            continue
        if table and not line.strip():
            continue  # a blank line inside a table (a page break in the original)
        if table:
            out.append(("table", table))
            table = []
        t = _clean(re.sub(r"^#+\s*", "", line).lstrip("- "))
        if t:
            out.append(("para", t))
    if table:
        out.append(("table", table))
    return out


def label_cells(annex: int) -> list[str]:
    """Every non-empty table cell of the annex (labels, titles, headers) and the cover lines."""
    cells = []
    for kind, obj in notice_blocks(annex):
        if kind == "table":
            cells += [c for row in obj for c in row if c and not c.isdigit() and c != "..."]
    return cells


def notice_docx(path: Path, annex: int, fill) -> Path:
    """The annex as a Word document; ``fill(label, k)`` gives the text of the ``k``-th empty
    cell right of ``label`` in its row (None leaves it empty)."""
    import docx

    d = docx.Document()
    for kind, obj in notice_blocks(annex):
        if kind == "para":
            d.add_paragraph(obj)
            continue
        width = max(len(r) for r in obj)
        t = d.add_table(rows=0, cols=width)
        for cells in obj:
            row = t.add_row().cells
            label, k = None, 0
            for j, text in enumerate(cells + [""] * (width - len(cells))):
                if text:
                    row[j].text, label, k = text, text, 0
                elif label is not None:
                    v = fill(label, k)
                    k += 1
                    if v is not None:
                        row[j].text = str(v)
    d.save(path)
    return path
