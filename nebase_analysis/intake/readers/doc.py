"""Legacy Word files (``.doc``): converted to ``.docx`` by LibreOffice, then read as ``.docx``.

A ``.doc`` is converted by LibreOffice (``soffice --headless``), many files in one call
(a cold start costs about a second or more a call), into a temporary folder; the raw file
is never opened by LibreOffice (it reads a copy, so no lock file appears beside the raw
file) and never changed. The ``.docx`` it writes is read by :mod:`.docx`; the record then
names the raw ``.doc`` (``path``) and says ``fmt == "doc"``.

What a file ending in ``.doc`` may really be (told by its first bytes, not its name):

- a Word 97-2003 binary (an OLE2 compound file with a ``WordDocument`` stream): converted
  with LibreOffice's ``MS Word 97`` import filter, so a damaged file fails instead of being
  imported as text;
- a ``.docx`` renamed ``.doc`` (a zip): read as it is, without LibreOffice;
- an RTF file saved as ``.doc``: converted with the ``Rich Text Format`` filter;
- anything else (an empty file, a spreadsheet, a web page): not read, with a reason.

Settings (``intake.doc_conversion`` in ``intake.yaml``): ``timeout_s``, the seconds one
soffice call may take, and ``batch_size``, the files converted per call. A call that runs
out of time is stopped; the file it was converting is reported and the files after it are
converted by a new call.

Without LibreOffice every ``.doc`` gets a reason saying how to proceed (install
LibreOffice, or save the file as ``.docx`` in Word). After conversion, symbols typed in
Wingdings or Symbol come back as private-use characters (U+F0xx); the ``.docx`` reader maps
them.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> tmp = Path(tempfile.mkdtemp())
>>> _ = (tmp / "说明 1.doc").write_text("只是文本", encoding="utf-8")
>>> out = convert_to_docx([tmp / "说明 1.doc"], tmp / "out")
>>> print(out[tmp / "说明 1.doc"])
文件不是 Word 文档（既不是 .doc 也不是 .docx 格式）；请用 Word 打开后另存为 .docx 再报送
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from nebase_analysis.config import resolve_config
from nebase_analysis.intake.record import FormRecord, SummaryRecord

__all__ = ["soffice_path", "file_kind", "convert_to_docx", "read_form", "read_forms", "read_summary"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_RTF = b"{\\rtf"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
#: import filter per kind converted by LibreOffice
_INFILTER = {"word97": "MS Word 97", "rtf": "Rich Text Format"}
_FALLBACK_SOFFICE = Path("/usr/lib/libreoffice/program/soffice")

_RESAVE = "请用 Word 打开后另存为 .docx 再报送"
_FAILED = "旧版 Word 文件（.doc）转换失败：{why}；" + _RESAVE
_REASONS = {
    "no_soffice": ("该文件是旧版 Word 文件（.doc），本机未安装 LibreOffice，无法读取；"
                   "请安装 LibreOffice（apt-get install libreoffice-writer-nogui）后重新导入，"
                   "或用 Word 打开该文件、另存为 .docx 后再报送"),
    "missing": "文件不存在或无法打开：{why}",
    "empty": "文件为空（0 字节）；" + _RESAVE,
    "ole_other": "文件已损坏，或不是 Word 文档（可能是 Excel 等其他 Office 文件改了扩展名）；" + _RESAVE,
    "unknown": "文件不是 Word 文档（既不是 .doc 也不是 .docx 格式）；" + _RESAVE,
    "load": "LibreOffice 无法打开此文件，文件可能已损坏或受密码保护",
    "timeout": "LibreOffice 在 {s:g} 秒内未完成转换（已停止）",
    "start": "LibreOffice 无法启动（{why}）",
}


def soffice_path() -> str | None:
    """The LibreOffice program: ``soffice`` or ``libreoffice`` on PATH, else the Debian path.

    Returns
    -------
    str or None
        The program's path; None when LibreOffice is not installed.

    Examples
    --------
    >>> p = soffice_path()
    >>> p is None or Path(p).name in {"soffice", "libreoffice"}
    True
    """
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if _FALLBACK_SOFFICE.is_file() and os.access(_FALLBACK_SOFFICE, os.X_OK):
        return str(_FALLBACK_SOFFICE)
    return None


def file_kind(path: str | Path) -> str:
    """What a file named ``.doc`` really is, from its first bytes.

    Returns
    -------
    str
        ``word97`` (OLE2 with a ``WordDocument`` stream), ``ole_other`` (another OLE2
        file, or a damaged one), ``docx`` (a zip), ``rtf``, ``empty``, ``unknown``;
        ``missing`` when the file cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.doc"
    >>> _ = p.write_bytes(b"{\\\\rtf1\\\\ansi hello}")
    >>> file_kind(p), file_kind(p.with_name("none.doc"))
    ('rtf', 'missing')
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
            if head.startswith(_OLE2):
                return "word97" if _has_word_stream(fh, head) else "ole_other"
    except OSError:
        return "missing"
    if not head:
        return "empty"
    if head.startswith(_ZIP):
        return "docx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_RTF):
        return "rtf"
    return "unknown"


def _has_word_stream(fh, head: bytes) -> bool:
    """Whether an OLE2 file names a ``WordDocument`` stream (its directory may lie anywhere)."""
    tail = b""
    chunk = head
    while chunk:
        if _WORD_STREAM in tail + chunk:
            return True
        tail = chunk[-len(_WORD_STREAM):]
        chunk = fh.read(1 << 20)
    return False


@dataclass
class _Run:
    """One soffice call: did it run out of time, and what it said (javaldx noise removed)."""

    timed_out: bool
    errors: str


def _soffice_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env.pop("SAL_USE_VCLPLUGIN", None)
    return env


def _noise_free(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", errors="replace").splitlines()
    kept = [ln.strip().removeprefix("Error: ") for ln in lines
            if ln.strip() and "javaldx" not in ln]
    unique = list(dict.fromkeys(kept))
    text = "；".join(unique)
    return text[:300]


def _call_soffice(binary: str, inputs: list[Path], out: Path, infilter: str, timeout: float) -> _Run:
    """Convert ``inputs`` into ``out`` in one soffice call, with a fresh profile and HOME."""
    with tempfile.TemporaryDirectory(prefix="nebase-soffice-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        cmd = [binary, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
               f"--infilter={infilter}", "--convert-to", "docx:MS Word 2007 XML",
               "--outdir", str(out), *map(str, inputs)]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=_soffice_env(home), cwd=tmp,
                                start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
            return _Run(False, _noise_free(err))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)   # soffice is a script: stop oosplash and soffice.bin too
            _, err = proc.communicate()
            return _Run(True, _noise_free(err))


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "word/document.xml" in z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _convert_group(binary: str, staged: list[Path], out: Path, infilter: str,
                   timeout: float) -> dict[Path, Path | str]:
    """Convert staged copies (unique names) in as few calls as a timeout allows.

    soffice converts its files in order: after a timeout, the first file without an output
    is the one it was stuck on; it is reported and the files after it get a new call.
    """
    results: dict[Path, Path | str] = {}
    pending = list(staged)
    while pending:
        try:
            run = _call_soffice(binary, pending, out, infilter, timeout)
        except OSError as exc:
            why = _REASONS["start"].format(why=exc.strerror or exc)
            return {**results, **{p: _FAILED.format(why=why) for p in pending}}
        left = []
        for p in pending:
            target = out / (p.stem + ".docx")
            if _is_docx(target):
                results[p] = target
            else:
                left.append(p)
        if not run.timed_out:
            why = _REASONS["load"] + (f"（LibreOffice 提示：{run.errors}）" if run.errors else "")
            results.update({p: _FAILED.format(why=why) for p in left})
            break
        if left:
            results[left[0]] = _FAILED.format(why=_REASONS["timeout"].format(s=timeout))
        pending = left[1:]
    return results


def _settings(config: Any) -> tuple[float, int]:
    cfg = resolve_config(config)
    conv = (cfg.get("intake") or {}).get("doc_conversion") or {}
    return float(conv.get("timeout_s", 180)), max(1, int(conv.get("batch_size", 20)))


def _triage(paths: list[Path], stage: Path, binary: str | None) -> tuple[dict, dict]:
    """Copy each convertible input to ``stage/<n>.<kind>``; give every other input its result.

    Returns ``(result by input, {kind: [(input, staged copy), ...]})``.
    """
    results: dict[Path, Path | str] = {}
    groups: dict[str, list[tuple[Path, Path]]] = {}
    for n, path in enumerate(paths):
        kind = file_kind(path)
        if kind == "docx":
            results[path] = path
        elif kind in _INFILTER and binary is None:
            results[path] = _REASONS["no_soffice"]
        elif kind in _INFILTER:
            staged = stage / f"{n:05d}.{'rtf' if kind == 'rtf' else 'doc'}"
            try:
                shutil.copyfile(path, staged)
            except OSError as exc:
                results[path] = _REASONS["missing"].format(why=exc.strerror or exc)
                continue
            groups.setdefault(kind, []).append((path, staged))
        elif kind == "missing":
            results[path] = _REASONS["missing"].format(why=path.name)
        else:
            results[path] = _REASONS[kind]
    return results, groups


def convert_to_docx(paths: Iterable[str | Path], out_dir: str | Path,
                    config: Any = None) -> dict[Path, Path | str]:
    """Convert legacy Word files to ``.docx`` with LibreOffice, many files per call.

    Parameters
    ----------
    paths : iterable of str or Path
        The raw files (never changed). Names may hold Chinese characters and spaces;
        two files of the same name in different folders are both converted.
    out_dir : str or Path
        Where the ``.docx`` files are written (created if missing): ``<out_dir>/<n>/<name>.docx``,
        one folder per input, so equal names never collide. A ``.docx`` renamed ``.doc`` is
        copied there as it is.
    config : path, dict or None
        ``intake.doc_conversion`` gives ``timeout_s`` (one call) and ``batch_size``.

    Returns
    -------
    dict
        Each input (as a ``Path``) -> the converted ``.docx``, or the reason (Chinese) it
        could not be converted.

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "空.doc").write_bytes(b"")
    >>> convert_to_docx([tmp / "空.doc"], tmp / "out")[tmp / "空.doc"]
    '文件为空（0 字节）；请用 Word 打开后另存为 .docx 再报送'
    """
    timeout, batch = _settings(config)
    inputs = list(dict.fromkeys(Path(p) for p in paths))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    binary = soffice_path()
    with tempfile.TemporaryDirectory(prefix="nebase-doc-") as tmp:
        stage, converted = Path(tmp) / "in", Path(tmp) / "out"
        stage.mkdir()
        converted.mkdir()
        results, groups = _triage(inputs, stage, binary)
        for kind, members in groups.items():
            origin = {staged: raw for raw, staged in members}
            for i in range(0, len(members), batch):
                chunk = [staged for _, staged in members[i:i + batch]]
                got = _convert_group(binary, chunk, converted, _INFILTER[kind], timeout)
                results.update({origin[s]: r for s, r in got.items()})
        return {p: _place(n, p, results[p], out_dir) for n, p in enumerate(inputs)}


def _place(n: int, raw: Path, result: Path | str, out_dir: Path) -> Path | str:
    """Move (or copy, for a raw .docx) a result to ``out_dir/<n>/<raw stem>.docx``."""
    if isinstance(result, str):
        return result
    target = out_dir / f"{n:05d}" / (raw.stem + ".docx")
    target.parent.mkdir(parents=True, exist_ok=True)
    if result == raw:
        shutil.copyfile(raw, target)
    else:
        shutil.move(result, target)
    return target


def _as_raw(record: Any, raw: Path, converted: Path) -> Any:
    """Name the raw ``.doc`` in a record read from its converted copy."""
    record.path = str(raw)
    record.fmt = "doc"
    if record.reason:
        record.reason = record.reason.replace(str(converted), str(raw)).replace(converted.name, raw.name)
    return record


def read_forms(paths: Iterable[str | Path], config: Any = None) -> list[FormRecord]:
    """Read legacy Word forms (annexes 2 and 3): convert them all, then read each as ``.docx``.

    Parameters
    ----------
    paths : iterable of str or Path
        The raw ``.doc`` files.
    config : path, dict or None
        The configuration (``intake.doc_conversion``, and what the ``.docx`` reader uses).

    Returns
    -------
    list of FormRecord
        One per input, in order: ``path`` the raw file, ``fmt == "doc"``; ``reason`` set
        (Chinese) when the file could not be converted or read.

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "坏.doc").write_bytes(b"\\x00" * 10)
    >>> r = read_forms([tmp / "坏.doc"])[0]
    >>> r.ok, r.fmt, r.reason.startswith("文件不是 Word 文档")
    (False, 'doc', True)
    """
    cfg = resolve_config(config)
    paths = [Path(p) for p in paths]
    records = []
    with tempfile.TemporaryDirectory(prefix="nebase-docx-") as tmp:
        converted = convert_to_docx(paths, tmp, cfg)
        for raw in paths:
            got = converted[raw]
            if isinstance(got, str):
                records.append(FormRecord(path=str(raw), fmt="doc", reason=got))
                continue
            from nebase_analysis.intake.readers import docx as docx_reader
            records.append(_as_raw(docx_reader.read_form(got, cfg), raw, got))
    return records


def read_form(path: str | Path, config: Any = None) -> FormRecord:
    """Read one legacy Word form; see :func:`read_forms` (which converts many in one call).

    Examples
    --------
    >>> read_form("/nonexistent/申请书.doc").reason
    '文件不存在或无法打开：申请书.doc'
    """
    return read_forms([path], config)[0]


def read_summary(path: str | Path, config: Any = None) -> SummaryRecord:
    """Read a legacy Word annex 1 table (推荐汇总表.doc) through its ``.docx`` conversion.

    Returns
    -------
    SummaryRecord
        ``path`` the raw file, ``fmt == "doc"``; ``reason`` set when it was not read.

    Examples
    --------
    >>> read_summary("/nonexistent/推荐汇总表.doc").reason
    '文件不存在或无法打开：推荐汇总表.doc'
    """
    cfg = resolve_config(config)
    raw = Path(path)
    with tempfile.TemporaryDirectory(prefix="nebase-docx-") as tmp:
        got = convert_to_docx([raw], tmp, cfg)[raw]
        if isinstance(got, str):
            return SummaryRecord(path=str(raw), fmt="doc", reason=got)
        from nebase_analysis.intake.readers import docx as docx_reader
        return _as_raw(docx_reader.read_summary(got, cfg), raw, got)
