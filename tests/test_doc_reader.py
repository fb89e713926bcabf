"""Legacy Word .doc files: LibreOffice conversion to .docx (intake.readers.doc).

The .doc fixtures are made here: small .docx files (python-docx) converted to .doc by
soffice in one call (module-scoped; a soffice start costs about a second or more). Tests
that need LibreOffice skip without it; the triage of file kinds, the no-LibreOffice
reason and the batching/timeout logic (with a stand-in for soffice) run everywhere.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from nebase_analysis.config import load_config
from nebase_analysis.intake.readers import doc
from nebase_analysis.intake.record import FormRecord, SummaryRecord

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
needs_soffice = pytest.mark.skipif(doc.soffice_path() is None, reason="LibreOffice (soffice) is not installed")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _form_docx(path: Path, park: str) -> None:
    """A table: a value over two columns, a Wingdings ☑ (w:sym F0FE), a cell merged over two rows."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_paragraph("附件2 申请书")
    t = d.add_table(rows=3, cols=3)
    t.style = "Table Grid"
    t.cell(0, 0).text = "园区名称"
    t.cell(0, 1).merge(t.cell(0, 2)).text = park
    t.cell(1, 0).text = "是否国家级高新区"
    p = t.cell(1, 1).paragraphs[0]
    sym = OxmlElement("w:sym")
    sym.set(qn("w:font"), "Wingdings")
    sym.set(qn("w:char"), "F0FE")
    p.add_run()._r.append(sym)
    p.add_run("是")
    t.cell(1, 2).merge(t.cell(2, 2)).text = "纵向合并"
    t.cell(2, 0).text = "规划面积（公顷）"
    t.cell(2, 1).text = "1,200"
    # Word always ends a document with a paragraph; without one LibreOffice's .doc export
    # drops a table that ends the document.
    d.add_paragraph("")
    d.save(path)


def _soffice_to_doc(sources: list[Path], out: Path) -> None:
    """The fixture's own docx -> doc conversion (one soffice call)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp)
        subprocess.run([doc.soffice_path(), "--headless", "--norestore",
                        f"-env:UserInstallation={Path(tmp, 'p').as_uri()}",
                        "--convert-to", "doc", "--outdir", str(out), *map(str, sources)],
                       env=env, check=True, capture_output=True, timeout=120)


def _official_forms(src: Path) -> list[Path]:
    """Filled official forms (annex 3 with Wingdings ticks, annex 2 with form-field ticks, annex 1),
    when the form writer is there."""
    try:
        from nebase_analysis.wordforms import write_form_docx, write_summary_docx
    except ImportError:
        return []
    ent, park, summary = src / "企业 申请书.docx", src / "园区 申请书.docx", src / "推荐汇总表.docx"
    write_form_docx(ent, "enterprise", {"name": "某某科技有限公司", "ownership": "民营", "is_high_tech": True,
                                        "total_revenue_2024": 38.5}, variant={"checkbox_style": "sym"})
    write_form_docx(park, "park", {"name": "某园区", "planned_area": 1200, "total_revenue_2024": 386.2},
                    variant={"checkbox_style": "formfield"})
    write_summary_docx(summary, [{"seq": 1, "applicant_unit": "甲公司", "name": "甲园区",
                                  "category": "park", "domain": "软件"}], "某省工业和信息化厅")
    return [ent, park, summary]


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """Raw .doc files: two with the same name in different folders (Chinese name, a space), an RTF
    .doc, and the official forms as .doc (all made in one soffice call)."""
    root = tmp_path_factory.mktemp("doc")
    src = root / "src"
    src.mkdir()
    _form_docx(src / "甲.docx", "苏州工业园区")
    _form_docx(src / "乙.docx", "合肥高新区")
    official = _official_forms(src)
    _soffice_to_doc([src / "甲.docx", src / "乙.docx", *official], src)
    raw = root / "raw"
    (raw / "江苏").mkdir(parents=True)
    (raw / "安徽").mkdir()
    shutil.copyfile(src / "甲.doc", raw / "江苏" / "01_申请书 园区.doc")
    shutil.copyfile(src / "乙.doc", raw / "安徽" / "01_申请书 园区.doc")
    (raw / "rtf 文件.doc").write_bytes(b"{\\rtf1\\ansi\\ansicpg936 {\\f0 RTF \\u22253?\\u21306?}\\par}")
    return {"root": root, "src": src, "js": raw / "江苏" / "01_申请书 园区.doc",
            "ah": raw / "安徽" / "01_申请书 园区.doc", "rtf": raw / "rtf 文件.doc",
            "official": [p.with_suffix(".doc") for p in official]}


@pytest.fixture
def calls(monkeypatch):
    """Count soffice calls (the real ones)."""
    seen = []
    real = doc._call_soffice

    def counting(binary, inputs, out, infilter, timeout):
        seen.append(list(inputs))
        return real(binary, inputs, out, infilter, timeout)

    monkeypatch.setattr(doc, "_call_soffice", counting)
    return seen


def _text(docx_path: Path) -> str:
    from lxml import etree

    with zipfile.ZipFile(docx_path) as z:
        return "".join(t.text or "" for t in etree.fromstring(z.read("word/document.xml")).iter(f"{W}t"))


def _cells(docx_path: Path) -> list[list[tuple[str, dict]]]:
    """Rows of the first table: (text, {"span": gridSpan, "vmerge": vMerge value or None})."""
    from lxml import etree

    with zipfile.ZipFile(docx_path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    rows = []
    for tr in next(root.iter(f"{W}tbl")).iter(f"{W}tr"):
        row = []
        for tc in tr.iter(f"{W}tc"):
            text = "".join(t.text or "" for t in tc.iter(f"{W}t"))
            span = tc.find(f"{W}tcPr/{W}gridSpan")
            vm = tc.find(f"{W}tcPr/{W}vMerge")
            row.append((text, {"span": int(span.get(f"{W}val")) if span is not None else 1,
                               "vmerge": None if vm is None else vm.get(f"{W}val", "continue")}))
        rows.append(row)
    return rows


def _fake_word97(path: Path, body: bytes = b"") -> Path:
    """Bytes with the OLE2 signature and a WordDocument stream name: a .doc to file_kind."""
    path.write_bytes(OLE2 + os.urandom(2000) + "WordDocument".encode("utf-16-le") + body + os.urandom(2000))
    return path


# -- with LibreOffice ------------------------------------------------------------------

@needs_soffice
def test_many_files_one_call_text_symbol_and_merges_survive(docs, calls, tmp_path):
    before = {p: _sha(docs[p]) for p in ("js", "ah", "rtf")}
    listing = sorted(str(p) for p in (docs["root"] / "raw").rglob("*"))
    out = doc.convert_to_docx([docs["js"], docs["ah"]], tmp_path / "out")
    assert len(calls) == 1 and len(calls[0]) == 2          # one soffice call for both
    js, ah = out[docs["js"]], out[docs["ah"]]
    assert isinstance(js, Path) and isinstance(ah, Path) and js != ah
    assert js.name == ah.name == "01_申请书 园区.docx"      # same name, separate folders
    rows = _cells(js)
    assert rows[0] == [("园区名称", {"span": 1, "vmerge": None}), ("苏州工业园区", {"span": 2, "vmerge": None})]
    assert rows[1][1][0] == "\uf0fe是"                      # Wingdings ☑ comes back as U+F0FE
    assert rows[1][2] == ("纵向合并", {"span": 1, "vmerge": "restart"})
    assert rows[2][2][1]["vmerge"] == "continue"
    assert rows[2][:2] == [("规划面积（公顷）", {"span": 1, "vmerge": None}), ("1,200", {"span": 1, "vmerge": None})]
    assert _cells(ah)[0][1][0] == "合肥高新区"                 # each input mapped to its own output
    assert {p: _sha(docs[p]) for p in before} == before     # raw files untouched
    assert sorted(str(p) for p in (docs["root"] / "raw").rglob("*")) == listing  # no lock files


@needs_soffice
def test_rtf_saved_as_doc_and_docx_renamed_doc(docs, calls, tmp_path):
    renamed = tmp_path / "其实是 docx.doc"
    shutil.copyfile(docs["src"] / "甲.docx", renamed)
    out = doc.convert_to_docx([docs["rtf"], renamed], tmp_path / "out")
    assert len(calls) == 1 and [p.suffix for p in calls[0]] == [".rtf"]   # the zip skips soffice
    assert _text(out[docs["rtf"]]) == "RTF 园区"
    assert out[renamed].read_bytes() == renamed.read_bytes()


@needs_soffice
def test_damaged_doc_gets_a_reason_and_the_others_are_converted(docs, calls, tmp_path, capfd):
    bad = _fake_word97(tmp_path / "损坏 的.doc")
    sha = _sha(bad)
    out = doc.convert_to_docx([bad, docs["js"]], tmp_path / "out")
    assert len(calls) == 1
    reason = out[bad]
    assert reason.startswith("旧版 Word 文件（.doc）转换失败：LibreOffice 无法打开此文件")
    assert reason.endswith("请用 Word 打开后另存为 .docx 再报送")
    assert "javaldx" not in reason and "Traceback" not in reason
    assert isinstance(out[docs["js"]], Path)
    assert _sha(bad) == sha
    captured = capfd.readouterr()
    assert "javaldx" not in captured.err + captured.out      # soffice's stderr never reaches the user


@needs_soffice
def test_timeout_stops_soffice_and_reports_each_file(docs, tmp_path):
    cfg = load_config({"intake": {"doc_conversion": {"timeout_s": 0.05, "batch_size": 20}}})
    out = doc.convert_to_docx([docs["js"], docs["ah"]], tmp_path / "out", cfg)
    assert out[docs["js"]] == out[docs["ah"]] == (
        "旧版 Word 文件（.doc）转换失败：LibreOffice 在 0.05 秒内未完成转换（已停止）；请用 Word 打开后另存为 .docx 再报送")


@needs_soffice
def test_official_forms_read_through_the_docx_reader(docs, calls, monkeypatch):
    if not docs["official"]:
        pytest.skip("nebase_analysis.wordforms cannot write the official forms yet")
    from nebase_analysis.intake.readers import docx as docx_reader

    ent, park, summary = docs["official"]
    seen = {}
    real = docx_reader.read_form

    def spying(path, config=None):
        seen[Path(path).name] = _text(Path(path))
        return real(path, config)

    monkeypatch.setattr(docx_reader, "read_form", spying)
    records = doc.read_forms([ent, park])
    assert len(calls) == 1                                   # both forms in one soffice call
    assert "\uf0fe" in seen["企业 申请书.docx"]               # the Wingdings tick as LibreOffice leaves it
    for raw, rec in zip((ent, park), records):
        direct = real(raw.with_suffix(".docx"))
        assert (rec.path, rec.fmt, direct.fmt) == (str(raw), "doc", "docx")
        assert rec.ok and (rec.form, rec.values, rec.places, rec.problems, rec.notes) == (
            direct.form, direct.values, direct.places, direct.problems, direct.notes)
    assert records[0].form == "enterprise" and records[0].values["name"] == "某某科技有限公司"
    assert records[0].values["is_high_tech"] == real(ent.with_suffix(".docx")).values["is_high_tech"]
    direct = docx_reader.read_summary(summary.with_suffix(".docx"))
    via_doc = doc.read_summary(summary)
    assert (via_doc.path, via_doc.fmt, via_doc.reason) == (str(summary), "doc", None)
    assert via_doc.rows == direct.rows and via_doc.rows[0]["name"] == "甲园区"
    assert via_doc.header == direct.header


# -- everywhere (no soffice, or a stand-in for it) -------------------------------------

def test_without_libreoffice_the_reason_says_how_to_proceed(monkeypatch, tmp_path):
    monkeypatch.setattr(doc, "soffice_path", lambda: None)
    raw = _fake_word97(tmp_path / "申请书 1.doc")
    sha = _sha(raw)
    rec = doc.read_form(raw)
    assert isinstance(rec, FormRecord) and rec.fmt == "doc" and rec.path == str(raw) and not rec.ok
    assert rec.reason == ("该文件是旧版 Word 文件（.doc），本机未安装 LibreOffice，无法读取；"
                          "请安装 LibreOffice（apt-get install libreoffice-writer-nogui）后重新导入，"
                          "或用 Word 打开该文件、另存为 .docx 后再报送")
    summary = doc.read_summary(raw)
    assert isinstance(summary, SummaryRecord) and summary.fmt == "doc" and summary.reason == rec.reason
    assert _sha(raw) == sha and sorted(tmp_path.iterdir()) == [raw]


def test_file_kinds_and_their_reasons(monkeypatch, tmp_path):
    monkeypatch.setattr(doc, "soffice_path", lambda: None)   # none of these needs LibreOffice
    broken = tmp_path / "坏 文件.doc"
    broken.write_bytes(OLE2 + os.urandom(4000))              # OLE2 signature, nothing of Word
    empty = tmp_path / "空.doc"
    empty.write_bytes(b"")
    text = tmp_path / "文本.doc"
    text.write_text("并非 Word", encoding="utf-8")
    missing = tmp_path / "不存在.doc"
    kinds = [doc.file_kind(p) for p in (broken, empty, text, missing)]
    assert kinds == ["ole_other", "empty", "unknown", "missing"]
    out = doc.convert_to_docx([broken, empty, text, missing], tmp_path / "out")
    assert out[broken] == "文件已损坏，或不是 Word 文档（可能是 Excel 等其他 Office 文件改了扩展名）；请用 Word 打开后另存为 .docx 再报送"
    assert out[empty] == "文件为空（0 字节）；请用 Word 打开后另存为 .docx 再报送"
    assert out[text] == "文件不是 Word 文档（既不是 .doc 也不是 .docx 格式）；请用 Word 打开后另存为 .docx 再报送"
    assert out[missing] == "文件不存在或无法打开：不存在.doc"
    records = doc.read_forms([broken, missing])
    assert [(r.path, r.fmt, r.reason) for r in records] == [
        (str(broken), "doc", out[broken]), (str(missing), "doc", out[missing])]


def test_word_stream_found_beyond_the_first_64_kib(tmp_path):
    p = tmp_path / "大.doc"
    p.write_bytes(OLE2 + bytes(300_000) + "WordDocument".encode("utf-16-le"))
    assert doc.file_kind(p) == "word97"


def _stand_in(stuck_on: set[str]):
    """A stand-in for soffice: writes a .docx per input in order, 'hangs' on the names given."""
    seen = []

    def fake(binary, inputs, out, infilter, timeout):
        seen.append([p.name for p in inputs])
        for p in inputs:
            if p.name in stuck_on:
                return doc._Run(True, "")
            with zipfile.ZipFile(out / (p.stem + ".docx"), "w") as z:
                z.writestr("word/document.xml", "<w:document/>")
        return doc._Run(False, "")

    return fake, seen


def test_batches_and_the_file_a_timeout_was_stuck_on(monkeypatch, tmp_path):
    monkeypatch.setattr(doc, "soffice_path", lambda: "/bin/true")
    paths = [_fake_word97(tmp_path / f"{i} 号.doc") for i in range(5)]
    fake, seen = _stand_in(stuck_on={"00001.doc"})
    monkeypatch.setattr(doc, "_call_soffice", fake)
    cfg = load_config({"intake": {"doc_conversion": {"timeout_s": 9, "batch_size": 3}}})
    out = doc.convert_to_docx(paths, tmp_path / "out", cfg)
    # batch 1: 0, 1 (stuck: reported), then 2 again alone; batch 2: 3, 4
    assert seen == [["00000.doc", "00001.doc", "00002.doc"], ["00002.doc"], ["00003.doc", "00004.doc"]]
    assert out[paths[1]] == "旧版 Word 文件（.doc）转换失败：LibreOffice 在 9 秒内未完成转换（已停止）；请用 Word 打开后另存为 .docx 再报送"
    assert [out[p] for p in paths if p != paths[1]] == [
        tmp_path / "out" / f"{i:05d}" / f"{i} 号.docx" for i in (0, 2, 3, 4)]
