"""Cheap file checks, content sniffing and the one safe way to open an xlsx.

Nothing here parses a form. :func:`sniff_format` tells what a file is by its content (a
zip holding ``word/document.xml`` is a Word docx, ``xl/workbook.xml`` an xlsx; an OLE2/CFB
container with a ``WordDocument`` stream a legacy .doc; an encrypted container a
password-protected file), :func:`inspect_file` says in Chinese why a file may not be read
before any parser sees it, :func:`open_workbook` opens an xlsx with python-calamine and
turns any failure into a Chinese reason (intake, the expert score sheets and the roster
all open workbooks through it), and :func:`_damaged` words such a failure.

Examples
--------
>>> inspect_file("/nonexistent.xlsx")
'文件不存在'
>>> _cell_ref(4, 2), _parse_ref("C5")
('C5', (4, 2))
"""
from __future__ import annotations

import functools
import re
import struct
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

from nebase_analysis.config import resolve_config

__all__ = ["OLE2_SIGNATURE", "ZIP_SIGNATURE", "sniff_format", "inspect_file", "open_workbook", "OpenedWorkbook"]

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le") + b"\x00\x00"
#: a file larger than this is never read whole to sniff it (inspect_file refuses it anyway)
_SNIFF_LIMIT = 64 * 1024 * 1024

_PASSWORD = "文件设有密码（已加密），无法读取；请取消密码后重新报送"
_RESAVE = {"xlsx": "请用 Excel 打开后另存为 xlsx 再报送", "docx": "请用 Word 打开后另存为 docx 再报送",
           "doc": "请用 Word 打开后另存为 docx 再报送"}


def _config(config: Any) -> Any:
    """``config`` as a full config, cheaply: a mapping holding every package config file is
    taken as is (intake resolves, and checks, its config once per batch and passes it down
    to every per-file call), anything else goes through :func:`resolve_config`."""
    from nebase_analysis.config import _package_config

    if isinstance(config, dict) and _package_config().keys() <= config.keys():
        return config
    return resolve_config(config)


# ----------------------------------------------------------------------------- A1 cells


@functools.lru_cache(maxsize=1 << 16)
def _cell_ref(row: int, col: int) -> str:
    """``C5`` for (4, 2): 0-based row and column to an A1 address."""
    letters = ""
    c = col + 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _parse_ref(ref: str) -> tuple[int, int]:
    """0-based (row, column) of an A1 address."""
    m = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)", ref)
    if m is None:
        raise ValueError(f"不是单元格地址：{ref}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


# ----------------------------------------------------------------------------- sniffing


def sniff_format(path: str | Path) -> str | None:
    """What a file is by its content, whatever its name says.

    Returns
    -------
    str or None
        ``xlsx`` (a zip holding ``xl/workbook.xml``), ``docx`` (a zip holding
        ``word/document.xml``), ``doc`` (an OLE2/CFB container with a ``WordDocument``
        stream, not encrypted), ``encrypted`` (an encrypted OLE2 container: a
        password-protected xlsx/docx, or a .doc whose FIB says it is encrypted), ``ole``
        (another OLE2 file: a legacy .xls ...), ``zip`` (another or a damaged zip), ``rtf``
        (rich text, what some editors save as ``.doc``), or None (none of these: text,
        PDF, garbage, an empty or missing file).

    Examples
    --------
    >>> import tempfile, zipfile, os
    >>> d = tempfile.mkdtemp()
    >>> with zipfile.ZipFile(os.path.join(d, "a.bin"), "w") as z:
    ...     z.writestr("word/document.xml", "<w:document/>")
    >>> sniff_format(os.path.join(d, "a.bin")), sniff_format("/nonexistent")
    ('docx', None)
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    if head[:4] == ZIP_SIGNATURE:
        return _sniff_zip(p)
    if head == OLE2_SIGNATURE:
        if p.stat().st_size > _SNIFF_LIMIT:
            return "ole"
        return _sniff_ole(p.read_bytes())
    if _is_rtf(p):
        return "rtf"
    return None


def _is_rtf(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf")


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _sniff_ole(body: bytes) -> str:
    if _ENCRYPTION_MARK in body:
        return "encrypted"
    entry = _directory_entry(body, _WORD_STREAM)
    if entry is None:
        return "ole"
    return "encrypted" if _doc_encrypted(body, entry) else "doc"


def _directory_entry(body: bytes, name: bytes) -> int | None:
    """Offset of the 128-byte CFB directory entry named ``name`` (UTF-16LE, NUL-terminated)."""
    start = body.find(name)
    while start >= 0:
        if start % 128 == 0 and start >= 512:
            return start
        start = body.find(name, start + 1)
    return None


def _doc_encrypted(body: bytes, entry: int) -> bool:
    """The ``fEncrypted`` bit of a .doc's FIB (first bytes of the WordDocument stream).

    Only a stream in regular sectors is looked at (always so for a real document: the
    FIB alone is larger than the mini-stream cutoff's share); anything unexpected: False.
    """
    try:
        shift, = struct.unpack_from("<H", body, 30)
        cutoff, = struct.unpack_from("<I", body, 56)
        first, size = struct.unpack_from("<II", body, entry + 116)
        if size < cutoff or shift not in (9, 12):
            return False
        at = (first + 1) << shift
        ident, flags = struct.unpack_from("<H8xH", body, at)
    except struct.error:
        return False
    return ident == 0xA5EC and bool(flags & 0x0100)


# ----------------------------------------------------------------------------- checks


def inspect_file(path: str | Path, config: Any = None, fmt: str = "xlsx") -> str | None:
    """Cheap checks before parsing: ``None`` when the file may be read, else the reason (Chinese).

    Checks, in order: size limit (``intake.max_file_mb``, before reading anything),
    empty file, then the content against the format the file is to be read as
    (``fmt``): an OLE2/CFB file (``D0 CF 11 E0``) is password-protected when encrypted
    (an encrypted xlsx or docx is such a container; a .doc says so in its FIB),
    otherwise a legacy .xls or .doc; an xlsx or docx must be a zip.

    Parameters
    ----------
    path : path
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.
    fmt : {"xlsx", "docx", "doc"}
        The reader the file is meant for (the messages name its format).

    Examples
    --------
    >>> inspect_file("/nonexistent.xlsx")
    '文件不存在'
    """
    cfg = _config(config)
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        return "文件不存在"
    limit_mb = float(cfg["intake"]["max_file_mb"])
    if size > limit_mb * 1024 * 1024:
        return f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {limit_mb:g} MB），未读取；请删除图片等附件后重新报送"
    if size == 0:
        return "文件为空（0 字节）"
    with p.open("rb") as fh:
        head = fh.read(8)
    if head == OLE2_SIGNATURE:
        kind = _sniff_ole(p.read_bytes())
        if kind == "encrypted":
            return _PASSWORD
        if fmt == "doc":
            return None if kind == "doc" else "文件不是 Word 文档（可能是旧版 Excel 或其他 OLE 格式），无法按 .doc 读取"
        if fmt == "docx":
            return "文件为旧版 Word（.doc）或其他 OLE 格式，不是 docx 文件；请用 Word 另存为 docx 后重新报送"
        return f"文件为旧版 Excel（.xls）或其他 OLE 格式，不是本项目的 xlsx 模板；请用 {cfg['fields']['template_version']} 版 xlsx 模板填报"
    if fmt == "doc":  # a docx or an RTF file named .doc is converted as well
        return None if head[:4] == ZIP_SIGNATURE or _is_rtf(p) else "文件损坏或不是 Word（.doc）文件，无法打开"
    if head[:4] != ZIP_SIGNATURE:
        return "文件损坏或不是 Word（docx）文件，无法打开" if fmt == "docx" else "文件损坏或不是 Excel（xlsx）文件，无法打开"
    return None


def _damaged(exc: BaseException, fmt: str = "xlsx") -> str:
    """Why a file that passed :func:`inspect_file` could not be parsed, in Chinese only
    (no exception class names: the reader is a province's clerk).

    Examples
    --------
    >>> import zipfile
    >>> _damaged(zipfile.BadZipFile("bad"))
    '文件已损坏（压缩结构不完整），无法打开；请用 Excel 打开后另存为 xlsx 再报送'
    >>> _damaged(KeyError("word/document.xml"), "docx")
    '文件已损坏（缺少文档的组成部分），无法打开；请用 Word 打开后另存为 docx 再报送'
    """
    import python_calamine as pc

    resave = _RESAVE.get(fmt, _RESAVE["xlsx"])
    part = "工作簿" if fmt == "xlsx" else "文档"
    if isinstance(exc, pc.PasswordError):
        return _PASSWORD
    if isinstance(exc, (pc.ZipError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError)):
        return f"文件已损坏（压缩结构不完整），无法打开；{resave}"
    if isinstance(exc, KeyError):
        return f"文件已损坏（缺少{part}的组成部分），无法打开；{resave}"
    if isinstance(exc, (pc.XmlError, UnicodeDecodeError)) or type(exc).__name__ == "XMLSyntaxError":
        what = "工作表内容" if fmt == "xlsx" else "文档内容"
        return f"文件已损坏（{what}无法解析），无法打开；{resave}"
    return f"文件已损坏（内部结构无法解析），无法打开；{resave}"


# ----------------------------------------------------------------------------- opening


class OpenedWorkbook(NamedTuple):
    """What :func:`open_workbook` gives: the workbook, or why not and at which stage.

    ``stage`` is ``"check"`` when :func:`inspect_file` refused the file (nothing was
    parsed), ``"open"`` when python-calamine could not open it, None when ``book`` is set.
    """

    book: Any
    reason: str | None
    stage: str | None


def open_workbook(path: str | Path, config: Any = None) -> OpenedWorkbook:
    """Open an xlsx with python-calamine, safely: :func:`inspect_file` first (size limit,
    empty, password, legacy .xls, not a zip), then the parse, any failure of which is a
    Chinese reason (:func:`_damaged`), never an exception.

    Examples
    --------
    >>> open_workbook("/nonexistent.xlsx")
    OpenedWorkbook(book=None, reason='文件不存在', stage='check')
    """
    reason = inspect_file(path, config)
    if reason:
        return OpenedWorkbook(None, reason, "check")
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        book.sheet_names  # noqa: B018 - a broken workbook may fail here rather than in from_path
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        return OpenedWorkbook(None, _damaged(exc), "open")
    return OpenedWorkbook(book, None, None)
