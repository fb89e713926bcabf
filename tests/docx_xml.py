"""Small Word documents built from raw OOXML in tests: every construct real forms carry.

python-docx cannot write content-control cells, legacy form fields or ``w:sym``; these
helpers write the XML as Word does, so the reader is tested on what Word users produce.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>')


def r(text: str, bold: bool = False) -> str:
    """A run of text (``\\n`` becomes a line break)."""
    pr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts = [f'<w:t xml:space="preserve">{escape(t)}</w:t>' for t in text.split("\n")]
    return f"<w:r>{pr}{'<w:br/>'.join(parts)}</w:r>"


def sym(char: str = "F0FE", font: str = "Wingdings") -> str:
    return f'<w:r><w:sym w:font="{font}" w:char="{char}"/></w:r>'


def checkbox_sdt(checked: bool) -> str:
    glyph = "☒" if checked else "☐"
    return ('<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="%d"/>'
            '<w14:checkedState w14:val="2612"/><w14:uncheckedState w14:val="2610"/></w14:checkbox></w:sdtPr>'
            '<w:sdtContent><w:r><w:t>%s</w:t></w:r></w:sdtContent></w:sdt>') % (int(checked), glyph)


def formcheckbox(checked: bool) -> str:
    state = '<w:checked/>' if checked else ''
    return ('<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>'
            f'<w:checkBox><w:sizeAuto/><w:default w:val="0"/>{state}</w:checkBox></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def sdt_run(text: str, tag: str = "v") -> str:
    """A plain-text content control around a run."""
    return (f'<w:sdt><w:sdtPr><w:alias w:val="{tag}"/><w:tag w:val="{tag}"/></w:sdtPr>'
            f'<w:sdtContent>{r(text)}</w:sdtContent></w:sdt>')


def p(*runs: str, style: str | None = None) -> str:
    """A paragraph of runs (plain strings are turned into runs)."""
    pr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    body = "".join(x if x.startswith("<") else r(x) for x in runs)
    return f"<w:p>{pr}{body}</w:p>"


def tc(*content: str, span: int = 1, vmerge: str | None = None) -> str:
    """A cell; ``content`` are paragraphs (plain strings become paragraphs)."""
    pr = ""
    if span > 1 or vmerge:
        pr = "<w:tcPr>" + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
        pr += (f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else "<w:vMerge/>" if vmerge else "") + "</w:tcPr>"
    body = "".join(x if x.startswith("<") else p(x) for x in content) or "<w:p/>"
    return f"<w:tc>{pr}{body}</w:tc>"


def sdt_cell(cell_xml: str, tag: str = "cell") -> str:
    """A content control around a whole cell (python-docx cannot see such a cell)."""
    return f'<w:sdt><w:sdtPr><w:tag w:val="{tag}"/></w:sdtPr><w:sdtContent>{cell_xml}</w:sdtContent></w:sdt>'


def tr(*cells: str) -> str:
    return "<w:tr>" + "".join(c if c.startswith("<") else tc(c) for c in cells) + "</w:tr>"


def tbl(*rows: str) -> str:
    return "<w:tbl>" + "".join(rows) + "</w:tbl>"


def docx_bytes(*body: str) -> bytes:
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{"".join(body)}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", xml)
    return buf.getvalue()


def write_docx(path: Path, *body: str) -> Path:
    path.write_bytes(docx_bytes(*body))
    return path


PARK_TITLE = p("国家新兴产业发展示范基地创建申请书（示范园区）")
ENTERPRISE_TITLE = p("国家新兴产业发展示范基地创建申请书（示范企业）")
