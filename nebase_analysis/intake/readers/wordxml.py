"""Walk a Word document's XML (``word/document.xml``) into a flat list of blocks.

The official forms are read by their printed labels (:mod:`.docx`); this module only says
what is in the document, in reading order, the way a person sees it:

- a :class:`Para` per body paragraph (outside tables), with its style and boldness;
- a :class:`Row` per table row, holding its *distinct* logical cells: a cell spanning
  grid columns (``w:gridSpan``) is one cell with its start column and span, a vertically
  merged continuation (``w:vMerge`` without ``restart``) is marked ``merged_above`` and
  carries no text of its own; ``w:gridBefore`` shifts the row's first column;
- content controls (``w:sdt``) are descended into, around cells, rows, paragraphs and
  runs alike; a check-box control (``w14:checkbox``) and a legacy check-box form field
  (``FORMCHECKBOX``) become a ☑ or ☐ in the text; ``w:sym`` characters and private-use
  characters of symbol fonts (U+F0xx, what LibreOffice leaves from a .doc) are mapped by
  ``wordxml.yaml``;
- field codes (``w:instrText``), deleted text (``w:del``) and the fallback copy of a
  drawing (``mc:Fallback``) are skipped; text boxes are read as paragraphs after their
  host paragraph; a table nested in a cell follows its parent row as rows of its own.

python-docx repeats merged cells and hides cells wrapped in content controls (its
trackers #344 and #757) and drops symbols and checkbox states, so it is not used here.

Examples
--------
>>> import io, zipfile
>>> xml = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
...        '<w:p><w:r><w:t>封面</w:t></w:r></w:p><w:tbl><w:tr>'
...        '<w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>园区名称</w:t></w:r></w:p></w:tc>'
...        '<w:tc><w:p><w:r><w:sym w:font="Wingdings" w:char="F0FE"/><w:t>甲园区</w:t></w:r></w:p></w:tc>'
...        '</w:tr></w:tbl></w:body></w:document>')
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as z:
...     z.writestr("word/document.xml", xml)
>>> blocks = read_blocks(buf)
>>> blocks[0].text, [(c.col, c.span, c.text) for c in blocks[1].cells]
('封面', [(0, 2, '园区名称'), (2, 1, '☑甲园区')])
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Mapping

__all__ = ["Cell", "Row", "Para", "read_blocks", "document_xml", "SymbolMap"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(tag: str, ns: str = W) -> str:
    return f"{{{ns}}}{tag}"


P, R, T, TBL, TR, TC, SDT, SDTCONTENT, SDTPR = (_q(t) for t in ("p", "r", "t", "tbl", "tr", "tc", "sdt", "sdtContent", "sdtPr"))
TCPR, GRIDSPAN, VMERGE, TRPR, GRIDBEFORE = (_q(t) for t in ("tcPr", "gridSpan", "vMerge", "trPr", "gridBefore"))
SYM, BR, CR, TAB, FLDCHAR, INSTR, DEL, DELTEXT = (_q(t) for t in ("sym", "br", "cr", "tab", "fldChar", "instrText", "del", "delText"))
TXBX, PPR, PSTYLE, RPR, BOLD, RFONTS, OUTLINE, VAL = (_q(t) for t in ("txbxContent", "pPr", "pStyle", "rPr", "b", "rFonts", "outlineLvl", "val"))
CUSTOMXML, SMARTTAG, HYPERLINK, INS, FFDATA, CHECKBOX, CHECKED, DEFAULT, TAG, ALIAS, BODY = (
    _q(t) for t in ("customXml", "smartTag", "hyperlink", "ins", "ffData", "checkBox", "checked", "default", "tag", "alias", "body"))
W14CHECKBOX, W14CHECKED = _q("checkbox", W14), _q("checked", W14)
FALLBACK = _q("Fallback", MC)
_PUA = re.compile("[\uf020-\uf0ff]")
#: elements whose children are walked like the body's (block-level wrappers)
_WRAPPERS = {SDT, SDTCONTENT, CUSTOMXML, SMARTTAG}


@dataclass
class Cell:
    """One distinct logical cell of a table row."""

    col: int  # first grid column (0-based)
    span: int  # grid columns spanned
    text: str  # paragraphs joined with "\n"
    merged_above: bool = False  # a vMerge continuation: the cell above holds the content
    tags: tuple = ()  # content-control tags/aliases found in the cell


@dataclass
class Row:
    """A table row: its table (1-based, in document order) and row number (1-based)."""

    table: int
    index: int
    cells: list = field(default_factory=list)


@dataclass
class Para:
    """A body paragraph outside tables: its number (1-based), text, style and boldness."""

    index: int
    text: str
    style: str = ""
    bold: bool = False
    heading: bool = False  # a Word heading style or an outline level


class SymbolMap:
    """Symbol-font characters and checkbox glyphs of ``wordxml.yaml``."""

    def __init__(self, cfg: Mapping[str, Any]) -> None:
        x = cfg["wordxml"]
        self.fonts = {name.lower(): {int(k, 16): v for k, v in table.items()} for name, table in x["symbol_fonts"].items()}
        self.default = self.fonts.get(str(x["default_symbol_font"]).lower(), {})
        self.checked, self.unchecked = x["checked_glyph"], x["unchecked_glyph"]

    def char(self, font: str | None, code: int) -> str:
        """The character a symbol font shows for ``code`` (``0xF0FE`` or ``0xFE``)."""
        table = self.fonts.get((font or "").lower(), self.default)
        low = code - 0xF000 if code >= 0xF000 else code
        return table.get(low, chr(code))

    def text(self, s: str, font: str | None = None) -> str:
        """``s`` with private-use symbol characters (U+F020..U+F0FF) mapped."""
        if not _PUA.search(s):
            return s
        return "".join(self.char(font, ord(ch)) if "\uf020" <= ch <= "\uf0ff" else ch for ch in s)


def document_xml(source: str | Path | IO[bytes], max_bytes: int | None = None) -> bytes:
    """The bytes of ``word/document.xml`` of a .docx (a path or a binary file object).

    Raises
    ------
    KeyError
        The zip has no ``word/document.xml`` (not a Word document).
    ValueError
        The part inflates beyond ``max_bytes``.
    """
    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo("word/document.xml")
        if max_bytes is not None and info.file_size > max_bytes:
            raise ValueError(f"document.xml {info.file_size} bytes")
        return zf.read(info)


def read_blocks(source: str | Path | IO[bytes], config: Any = None, max_bytes: int | None = None,
                symbols: SymbolMap | None = None) -> list:
    """The document's blocks in reading order: :class:`Para` and :class:`Row` objects.

    Parameters
    ----------
    source : path or binary file object
        A .docx.
    config : optional
        See :func:`nebase_analysis.config.resolve_config` (``wordxml.yaml``).
    max_bytes : int, optional
        Refuse a ``document.xml`` larger than this when inflated.
    symbols : SymbolMap, optional
        The symbol tables, when the caller has them already (then ``config`` is not read).
    """
    from lxml import etree

    from nebase_analysis.config import resolve_config

    symbols = symbols or SymbolMap(resolve_config(config))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
    root = etree.fromstring(document_xml(source, max_bytes), parser)
    body = root.find(BODY)
    walker = _Walker(symbols)
    walker.blocks_of(body if body is not None else root)
    return walker.out


class _Walker:
    """State of one walk: the blocks so far and the table/paragraph counters."""

    def __init__(self, symbols: SymbolMap) -> None:
        self.symbols = symbols
        self.out: list = []
        self.n_tables = 0
        self.n_paras = 0

    def blocks_of(self, parent: Any) -> None:
        for child in parent:
            tag = child.tag
            if tag == P:
                self.paragraph(child)
            elif tag == TBL:
                self.table(child)
            elif tag in _WRAPPERS:
                self.blocks_of(child)

    def paragraph(self, p: Any) -> None:
        text = _para_text(p, self.symbols)
        self.n_paras += 1
        style, heading = _para_style(p)
        self.out.append(Para(self.n_paras, text, style, _para_bold(p), heading))
        for box in p.iter(TXBX):  # text boxes: their paragraphs after the host's
            if any(a.tag == FALLBACK for a in box.iterancestors()):
                continue
            for bp in box.iter(P):
                self.n_paras += 1
                self.out.append(Para(self.n_paras, _para_text(bp, self.symbols)))

    def table(self, tbl: Any) -> None:
        self.n_tables += 1
        number = self.n_tables
        for i, tr in enumerate(_rows(tbl), start=1):
            row = Row(number, i)
            self.out.append(row)
            col = _grid_before(tr)
            nested = []
            for tc in _cells(tr):
                span, merged = _cell_props(tc)
                texts, tags = [], []
                for p, inner in _cell_content(tc):
                    if inner is not None:
                        nested.append(inner)
                    else:
                        texts.append(_para_text(p, self.symbols))
                for el in tc.iter(TAG, ALIAS):
                    if el.get(VAL):
                        tags.append(el.get(VAL))
                row.cells.append(Cell(col, span, "\n".join(texts).strip("\n"), merged, tuple(tags)))
                col += span
            for inner in nested:
                self.table(inner)


def _rows(tbl: Any) -> Iterator[Any]:
    for child in tbl:
        if child.tag == TR:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _rows(child)


def _cells(tr: Any) -> Iterator[Any]:
    for child in tr:
        if child.tag == TC:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _cells(child)


def _cell_content(tc: Any) -> Iterator[tuple[Any, Any]]:
    """``(paragraph, None)`` for each paragraph of a cell, ``(None, table)`` for a nested table."""
    for child in tc:
        if child.tag == P:
            yield child, None
        elif child.tag == TBL:
            yield None, child
        elif child.tag in _WRAPPERS:
            yield from _cell_content(child)


def _grid_before(tr: Any) -> int:
    pr = tr.find(TRPR)
    gb = pr.find(GRIDBEFORE) if pr is not None else None
    return _int(gb.get(VAL), 0) if gb is not None else 0


def _cell_props(tc: Any) -> tuple[int, bool]:
    """``(grid columns spanned, a vertical-merge continuation)`` of a cell."""
    pr = tc[0] if len(tc) and tc[0].tag == TCPR else None
    if pr is None:
        return 1, False
    span, merged = 1, False
    for el in pr:
        if el.tag == GRIDSPAN:
            span = max(1, _int(el.get(VAL), 1))
        elif el.tag == VMERGE:
            merged = el.get(VAL) in (None, "continue")
    return span, merged


def _int(text: Any, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _para_style(p: Any) -> tuple[str, bool]:
    ppr = p.find(PPR)
    if ppr is None:
        return "", False
    st = ppr.find(PSTYLE)
    style = st.get(VAL, "") if st is not None else ""
    low = style.lower().replace(" ", "")
    heading = low.startswith(("heading", "标题")) or low[:1].isdigit() or ppr.find(OUTLINE) is not None
    return style, heading


def _para_bold(p: Any) -> bool:
    """True when every run with text is bold (``w:b`` without ``w:val="0"``)."""
    runs = [r for r in p.iter(R) if any((t.text or "").strip() for t in r.iter(T))]
    if not runs:
        return False
    for r in runs:
        rpr = r.find(RPR)
        b = rpr.find(BOLD) if rpr is not None else None
        if b is None or b.get(VAL) in ("0", "false", "off"):
            return False
    return True


_TEXT_TAGS = (T, SYM, BR, CR, TAB, FLDCHAR, SDT)


_SPECIAL = (DEL, TXBX, FALLBACK, SDT)
_NOT_PLAIN = (SYM, BR, CR, TAB, FLDCHAR, INSTR, DEL, TXBX, FALLBACK, SDT)


def _para_text(p: Any, symbols: SymbolMap) -> str:
    """The text of a paragraph as shown: runs, symbols, breaks, checkbox states."""
    if next(p.iter(*_NOT_PLAIN), None) is None:  # plain runs of text: the common case, done fast
        text = "".join(t.text or "" for t in p.iter(T))
        if _PUA.search(text):  # symbol-font characters: mapped run by run, by each run's font
            text = "".join(symbols.text(t.text or "", _run_font(t)) for t in p.iter(T))
        return text
    parts: list[str] = []
    special = next(p.iter(*_SPECIAL), None) is not None  # else no ancestor needs a look
    for el in p.iter(*_TEXT_TAGS):
        if special and _skipped(el, p):
            continue
        tag = el.tag
        if tag == SDT:
            mark = _sdt_checkbox(el, symbols)
            if mark is not None:
                parts.append(mark)
            continue
        if special and _in_checkbox_sdt(el, p):
            continue
        if tag == T:
            t = el.text or ""
            parts.append(symbols.text(t, _run_font(el)) if _PUA.search(t) else t)
        elif tag == SYM:
            parts.append(symbols.char(el.get(_q("font")), _int_hex(el.get(_q("char")))))
        elif tag in (BR, CR):
            parts.append("\n")
        elif tag == TAB:
            parts.append(" ")
        elif tag == FLDCHAR:
            kind = el.get(_q("fldCharType"))
            box = el.find(f"{FFDATA}/{CHECKBOX}")
            if kind == "begin" and box is not None:
                parts.append(symbols.checked if _legacy_checked(box) else symbols.unchecked)
    return "".join(parts)


def _skipped(el: Any, p: Any) -> bool:
    """Deleted text, field codes, text boxes (read on their own) and fallback copies."""
    for a in el.iterancestors():
        if a is p:
            return False
        if a.tag in (DEL, TXBX, FALLBACK):
            return True
    return False


def _in_checkbox_sdt(el: Any, p: Any) -> bool:
    for a in el.iterancestors():
        if a is p:
            return False
        if a.tag == SDT and _sdt_is_checkbox(a):
            return True
    return False


def _sdt_is_checkbox(sdt: Any) -> bool:
    pr = sdt.find(SDTPR)
    return pr is not None and pr.find(W14CHECKBOX) is not None


def _sdt_checkbox(sdt: Any, symbols: SymbolMap) -> str | None:
    """☑/☐ for a check-box content control; None for any other control."""
    pr = sdt.find(SDTPR)
    box = pr.find(W14CHECKBOX) if pr is not None else None
    if box is None:
        return None
    state = box.find(W14CHECKED)
    on = state is not None and state.get(_q("val", W14)) in ("1", "true", "on")
    return symbols.checked if on else symbols.unchecked


def _legacy_checked(box: Any) -> bool:
    for tag in (CHECKED, DEFAULT):
        el = box.find(tag)
        if el is not None:
            return el.get(VAL) not in ("0", "false", "off")
    return False


def _run_font(t: Any) -> str | None:
    r = t.getparent()
    rpr = r.find(RPR) if r is not None else None
    fonts = rpr.find(RFONTS) if rpr is not None else None
    if fonts is None:
        return None
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        name = fonts.get(_q(attr))
        if name:
            return name
    return None


def _int_hex(text: Any) -> int:
    try:
        return int(str(text), 16)
    except (TypeError, ValueError):
        return 0x3F
