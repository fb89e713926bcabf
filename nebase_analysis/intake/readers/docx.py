"""The official Word forms (annexes 2 and 3) and Word summaries (annex 1), read by label.

A filled 申请书 is walked into blocks (:mod:`.wordxml`) and read by its printed labels,
never by position (:mod:`.wordmodel` says what the labels are):

- a label's value is the next *distinct* cell to its right (merged cells are one cell), or,
  in a yearly table, the cells under the 2023 年 … 近三年平均值 header;
- block titles, in a table row or in a paragraph above the table, say which block a
  repeated label belongs to; hand-inserted 备注 rows are skipped;
- list tables are read from their header row on, extra empty rows skipped, a typed rank
  (``1.某某公司``) taken as the rank;
- checkboxes of every style (☑/☐, ■/□, √, Word symbols, check-box content controls,
  legacy form fields) are ticks;
- a long text is the cell after its prompt, the cell in place of the prompt, or the
  paragraphs below the table; the work plan's sections follow their headings
  (（一）发展基础 …), styled or typed, with the form's guidance lines removed;
- the cover's ``申报单位：…（盖章）`` lines, the 附件清单 ticks and the 推荐单位意见.

Every value keeps its place in words a province can find: ``("表3", "第12行「营业收入（亿元）」2024 年")``
or ``("正文", "（三）重点任务 第2段")``.

Examples
--------
>>> from nebase_analysis.intake.readers.docx import read_form
>>> r = read_form("data/raw/applications/广东省/01_某园区.docx")   # doctest: +SKIP
>>> r.values["total_revenue_2024"], r.places["total_revenue_2024"]  # doctest: +SKIP
('386.2', ('表1', '第12行「总营业收入（亿元）」2024 年'))
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any, Mapping

from nebase_analysis.config import resolve_config
from nebase_analysis.intake.readers.wordmodel import FormModel, Target, form_model, norm, strip_marks
from nebase_analysis.intake.readers.wordxml import Para, Row, SymbolMap, read_blocks
from nebase_analysis.intake.record import FormRecord, Problem, SummaryRecord

__all__ = ["read_form", "read_summary", "detect_form", "read_blocks"]

_RANK = re.compile(r"^\s*[（(]?\s*(\d{1,2})\s*[)）.、．,，]\s*(?=\S)")
_DATE_LINE = re.compile(r"^\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{1,2})\s*$")
_SEAL = re.compile(r"[（(]\s*盖\s*章\s*[)）]|\[\s*章\s*\]")
_BLANK_FILL = re.compile(r"^[\s_＿—\-年月日]*$")
_RESAVE = "请用 Word 打开后另存为 .docx 再报送"


def _oneline(text: str) -> str:
    """A short value as typed: lines joined (a name broken across lines), ends stripped."""
    return "".join(part.strip() for part in text.split("\n")).strip()


def _shown(text: str) -> str:
    """A label as a place names it: its words without line breaks or runs of spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)) if text else ""


class _Marks:
    """Ticked and unticked marks of ``wordxml.yaml``."""

    def __init__(self, cfg: Mapping) -> None:
        self.on = "".join(cfg["wordxml"]["checked_marks"])
        self.off = "".join(cfg["wordxml"]["unchecked_marks"])
        self.all = self.on + self.off

    def state(self, mark: str | None) -> bool | None:
        return None if mark is None else mark in self.on


def detect_form(blocks: list, config: Any = None) -> str | None:
    """``park`` or ``enterprise``: the form's title, else which form's labels it shows.

    Examples
    --------
    >>> from nebase_analysis.intake.readers.wordxml import Para
    >>> detect_form([Para(1, "国家新兴产业发展示范基地创建申请书（示范企业）")])
    'enterprise'
    """
    cfg = config if isinstance(config, Mapping) and "wordforms" in config else resolve_config(config)
    titles = {form: norm(spec["form_title"]) for form, spec in cfg["fields"]["categories"].items()}
    for b in blocks[:60]:
        texts = [b.text] if isinstance(b, Para) else [c.text for c in b.cells]
        for t in texts:
            n = norm(t)
            for form, title in titles.items():
                if n and (n == title or n.endswith(title[-8:]) and "申请书" in n):
                    return form
    models = {form: form_model(form, cfg) for form in titles}
    hits = {form: 0 for form in titles}
    for b in blocks:
        if isinstance(b, Row):
            for c in b.cells:
                for form, model in models.items():
                    if model.candidates(c.text):
                        hits[form] += 1
    best = max(hits, key=hits.get)
    return best if hits[best] >= 5 and sorted(hits.values())[-2] < hits[best] else None


def _damaged(exc: BaseException) -> str:
    if isinstance(exc, (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile)):
        return f"文件已损坏（压缩结构不完整），无法打开；{_RESAVE}"
    if isinstance(exc, KeyError):
        return f"不是 Word 文档（缺少正文 word/document.xml），无法读取；{_RESAVE}"
    if isinstance(exc, ValueError) and "bytes" in str(exc):
        return "文件正文解压后过大，疑为异常文件，未读取；请删除图片等内容后重新报送"
    return f"文件已损坏（正文内容无法解析），无法打开；{_RESAVE}"


def _max_bytes(cfg: Mapping) -> int:
    return int(float(cfg["intake"]["max_file_mb"]) * 1024 * 1024 * 10)


def read_form(path: str | Path, config: Any = None) -> FormRecord:
    """Read one filled official Word form (.docx) into a :class:`FormRecord`.

    Parameters
    ----------
    path : path
        A .docx 申请书 (annex 2 or 3), filled by hand in Word or WPS.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.

    Returns
    -------
    FormRecord
        ``fmt`` "docx"; ``values`` raw text by key; ``places`` ``(表n or 正文/封面, words)``;
        ``problems`` values not taken (repeated, beyond a list's rows, labels not found);
        ``notes`` labels read by approximate match; ``reason`` when the file is not a form
        or cannot be opened.
    """
    cfg = resolve_config(config)
    rec = FormRecord(path=str(path), fmt="docx")
    try:
        blocks = read_blocks(path, max_bytes=_max_bytes(cfg), symbols=SymbolMap(cfg))
    except Exception as exc:  # lxml and zipfile raise many kinds: each becomes a Chinese reason
        rec.reason = _damaged(exc)
        return rec
    rec.form = detect_form(blocks, cfg)
    if rec.form is None:
        rec.reason = _not_a_form(blocks, cfg)
        return rec
    reader = _FormReader(form_model(rec.form, cfg), cfg, rec)
    reader.run(blocks)
    if not rec.values and not any(pr.value is not None for pr in rec.problems):
        rec.reason = "申请书未填写任何内容（空表）"
        rec.problems = []
    return rec


def _not_a_form(blocks: list, cfg: Mapping) -> str:
    if _summary_header(blocks, cfg) is not None:
        return "这是推荐汇总表，不是创建申请书；汇总表的文件名应含“汇总表”"
    if not blocks:
        return "文档为空，没有任何内容"
    return "不是国家新兴产业发展示范基地创建申请书（未找到附件2或附件3的标题与栏目），未读取"


class _FormReader:
    """The walk over one form's blocks (see the module docstring)."""

    def __init__(self, model: FormModel, cfg: Mapping, rec: FormRecord) -> None:
        self.m, self.cfg, self.rec = model, cfg, rec
        self.marks = _Marks(cfg)
        self.part = "cover"
        self.block = ""
        self.years: dict[int, Any] = {}
        self.list: dict | None = None
        self.collect: dict | None = None  # a long text being gathered: target, place, lines
        self.seen: set[str] = set()
        self.above: dict[tuple, str] = {}
        self.unmarked: dict[str, list] = {"flags": [], "attachments": []}  # items shown without a box
        self.ticks_seen = False  # a tick typed or a box shown anywhere in the form
        self.after_seal = False  # the opinion's [章] was just read: the date follows

    # -- the walk
    def run(self, blocks: list) -> None:
        for b in blocks:
            if isinstance(b, Para):
                self.para(b)
            else:
                self.row(b)
        self.flush()
        self.unticked()
        self.report_missing()

    def unticked(self) -> None:
        """An item without a box in a group where others carry ticks (√ 高新技术企业 beside a bare
        专精特新中小企业) is not ticked, and so where the form shows ticks elsewhere (√民营: the
        boxes were deleted, ticks typed); in a form without any mark it stays unknown."""
        for group, items in self.unmarked.items():
            if not items:
                continue
            bare = {f for f, _ in items}
            if group == "attachments":
                ticked = [k for k in self.rec.values if k.startswith("attachment_") and k not in bare]
            else:
                block = self.m.block_of.get(items[0][0])
                ticked = [k for k in self.rec.values if self.m.block_of.get(k) == block and k not in bare]
            if ticked or self.ticks_seen:
                for fid, where in items:
                    self.put(fid, False, where)

    def para(self, p: Para) -> None:
        text = p.text
        if not text.strip():
            return
        if self.structural(text, ("正文", f"第{p.index}段")):
            return
        if self.part == "attachments" and self.attachment(text, ("正文", f"第{p.index}段")):
            return
        if self.part == "opinion" and self.opinion_line(text):
            return
        if self.collect is not None:
            self.collect["lines"].append(text)
            self.collect["below"] = True
            return
        self.cover_line(text, ("封面", None))

    def structural(self, text: str, place: tuple) -> bool:
        """Part titles, plan headings, block titles: the walk's landmarks."""
        n = norm(text)
        part = self.m.parts.get(n) or next((pid for t, pid in self.m.parts.items() if len(t) > 4 and n.startswith(t)), None)
        if part is not None:
            self.flush()
            self.part, self.block, self.years, self.list = part, "", {}, None
            return True
        heading = self.plan_heading(n)
        if heading is not None:
            self.flush()
            self.part = "plan"
            fid, shown, guidance, rest = heading
            self.seen.add(fid)
            self.start_text(Target(fid, "longtext", "plan", shown, (fid,)), place, guidance, prefix=shown)
            if rest:
                self.collect["lines"].append(_cut_prefix(text, norm(shown)))
            return True
        bid = self.m.blocks.get(n)
        if bid is None:
            return False
        self.flush()
        self.block, self.years, self.list = bid, {}, None
        if self.part == "cover":
            self.part = "basic"
        if bid in self.m.texts:
            target = self.m.texts[bid]
            self.seen.add(target.field)
            self.start_text(target, place)
        elif bid in self.m.lists:
            self.list = {"spec": self.m.lists[bid], "cols": None, "rank_col": None, "count": 0}
        return True

    def plan_heading(self, n: str) -> tuple | None:
        for h, (fid, shown, guidance) in self.m.plan.items():
            name = re.sub(r"^\([一二三四五六七八九十]+\)", "", h)
            if n.startswith(h):
                return fid, shown, guidance, n[len(h):]
            if self.part == "plan" and (n == name or re.fullmatch(rf"(?:[一二三四五六七八九十]+[、.]|\d[.、])?{re.escape(name)}", n)):
                return fid, shown, guidance, ""
        return None

    # -- long texts
    def start_text(self, target: Target, place: tuple, guidance: list | None = None, prefix: str | None = None) -> None:
        self.collect = {"target": target, "place": place, "lines": [], "guidance": guidance or [],
                        "prefix": prefix or target.label}

    def flush(self) -> None:
        c, self.collect = self.collect, None
        if c is None:
            return
        lines = []
        for line in c["lines"]:
            for part in line.split("\n"):
                n = norm(part)
                if not n or n == self.m.prompt or n in c["guidance"]:
                    continue
                for g in [self.m.prompt, *c["guidance"]]:
                    if n.startswith(g):
                        part = _cut_prefix(part, g)
                lines.append(part.strip())
        text = "\n".join(x for x in lines if x)
        if text:
            sheet, _ = c["place"]
            where = f"{c['prefix']}" if sheet == "正文" else f"{c['place'][1]}「{_shown(c['target'].label)}」"
            self.put(c["target"].field, text, (sheet, where))

    # -- tables
    def row(self, row: Row) -> None:
        cells = self.merged(row)
        filled = [c for c in cells if c.text.strip()]
        if not filled:
            return
        place = (f"表{row.table}", f"第{row.index}行")
        if norm(filled[0].text) == "备注":
            return
        if self.collect is not None and self.collect["target"].block not in ("plan", "opinion") and self.collect.get("below"):
            self.flush()  # a long text in paragraphs below its table ends where the next table starts
        if len(filled) == 1 and self.single(filled[0].text, place):
            return
        if self.part in ("plan", "opinion", "attachments") and self.table_part_row(filled, place):
            return
        if self.year_header(cells):
            return
        if self.list is not None and self.list_row(cells, row):
            return
        self.labels(cells, row)

    def merged(self, row: Row) -> list:
        """The row's cells, a vertical-merge continuation carrying the text of the cell above."""
        out = []
        for c in row.cells:
            key = (row.table, c.col)
            if c.merged_above and not c.text:
                c = type(c)(c.col, c.span, "", True, c.tags)
                c.inherited = self.above.get(key, "")  # type: ignore[attr-defined]
            elif c.text:
                self.above[key] = c.text
            out.append(c)
        return out

    def single(self, text: str, place: tuple) -> bool:
        """A row of one filled cell: a landmark, a long text's prompt or text, a plan line."""
        if self.structural(text, place):
            return True
        if self.collect is not None and self.m.candidates(strip_marks(text, self.marks.all)[0]):
            self.flush()
            return False
        if self.collect is not None:
            self.collect["lines"].append(text)
            if self.collect["target"].block not in ("plan", "opinion") and norm(text) != self.m.prompt:
                self.collect["place"] = place
                self.flush()
            return True
        return False

    def table_part_row(self, filled: list, place: tuple) -> bool:
        text = " ".join(c.text for c in filled)
        if self.part == "attachments":
            return self.attachment(text, place)
        if self.part == "opinion":
            lines = [ln for c in filled for ln in c.text.split("\n")]
            handled = [self.opinion_line(ln) or (self.collect is not None and self.collect["lines"].append(ln) is None)
                       for ln in lines]
            return any(handled)
        first = norm(filled[0].text)
        heading = self.plan_heading(first)
        if heading is None:
            return False
        self.structural(filled[0].text, place)
        for c in filled[1:]:
            self.collect["lines"].append(c.text)
        return True

    def year_header(self, cells: list) -> bool:
        cols = {c.col: self.m.year_cols[norm(c.text)] for c in cells if norm(c.text) in self.m.year_cols}
        if len(cols) < 2:
            return False
        self.years = cols
        return True

    def period_of(self, cell: Any, ordinal: int, periods: tuple) -> Any:
        for col, period in self.years.items():
            if cell.col <= col < cell.col + cell.span:
                return period
        if self.years:
            return None
        return periods[ordinal] if ordinal < len(periods) else None

    # -- lists
    def list_row(self, cells: list, row: Row) -> bool:
        name, colmap, n_rows, labels = self.list["spec"]
        if self.list["cols"] is None:
            cols = {c.col: colmap[norm(c.text)] for c in cells if norm(c.text) in colmap}
            if len(cols) >= 2:
                self.list["cols"] = cols
                self.list["rank_col"] = next((c.col for c in cells if norm(c.text) in ("序号", "排名", "排序", "名次")), None)
                return True
            return False
        first = next(c for c in cells if c.text.strip())
        if self.m.candidates(strip_marks(first.text, self.marks.all)[0]) or norm(first.text) in self.m.blocks:
            self.list = None
            return False
        self.list_entry(cells, row, name, n_rows, labels)
        return True

    def list_entry(self, cells: list, row: Row, name: str, n_rows: int, labels: Mapping) -> None:
        values, rank = {}, None
        for c in cells:
            if self.list["rank_col"] is not None and c.col == self.list["rank_col"]:
                digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", c.text))
                rank = int(digits) if digits and len(digits) <= 2 else None
                continue
            col = next((cid for hc, cid in self.list["cols"].items() if c.col <= hc < c.col + c.span), None)
            if col is not None and c.text.strip():
                values[col] = _oneline(c.text)
        if not values:
            return
        first = next(iter(self.list["cols"].values()))
        m = _RANK.match(unicodedata.normalize("NFKC", values.get(first, "")))
        if m:
            rank = rank or int(m.group(1))
            values[first] = _strip_rank(values[first])
        self.list["count"] += 1
        rank = rank or self.list["count"]
        if rank > n_rows or rank < 1:
            self.rec.problem((f"表{row.table}", f"第{row.index}行"), f"{name}.{rank}",
                             f"列表超出表格的 {n_rows} 行（第 {rank} 项「{next(iter(values.values()))}」），未读取", next(iter(values.values())))
            return
        for col, v in values.items():
            self.put(f"{name}.{rank}.{col}", v, (f"表{row.table}", f"第{row.index}行「{_shown(labels[col])}」"))

    # -- labelled rows
    def labels(self, cells: list, row: Row) -> None:
        i, label_position = 0, True
        while i < len(cells):
            c = cells[i]
            text = c.text or getattr(c, "inherited", "")
            if not text.strip():
                i, label_position = i + 1, True
                continue
            target = self.resolve(text, cells, i, row, label_position)
            if target is None:
                label_position = self.inline(text, row)
                i += 1
                continue
            if c.merged_above and target.field in self.seen:
                i += 1
                continue
            self.seen.add(target.field)
            i = self.take(target, cells, i, row, text)
            label_position = True

    def inline(self, text: str, row: Row) -> bool:
        """``联系电话：0512-6688`` in one cell: the label and its value together. True when read."""
        m = re.match(r"^([^:：]{2,60}?)\s*[:：]\s*(\S.*)$", text, re.S)
        if not m:
            return False
        cands = self.m.candidates(strip_marks(m.group(1), self.marks.all)[0])
        target = next((t for t in cands if len(t.keys) == 1 and t.kind != "longtext"), None)
        if target is None:
            return False
        self.seen.add(target.field)
        self.put(target.field, _oneline(m.group(2)), (f"表{row.table}", f"第{row.index}行「{_shown(m.group(1))}」"))
        return True

    def resolve(self, text: str, cells: list, i: int, row: Row, label_position: bool) -> Target | None:
        bare, _ = strip_marks(text, self.marks.all)
        if self.m.other and norm(bare).startswith("其他") and self.block == self.m.block_of.get(self.m.other):
            return next(t for ts in self.m.labels.values() for t in ts if t.field == self.m.other)
        cands = self.m.candidates(bare)
        if not cands and label_position:
            cands = self.fuzzy(bare, row)
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        inside = [t for t in cands if t.block == self.block]
        if len(inside) == 1:
            return inside[0]
        n_values = sum(1 for c in cells[i + 1:] if c.text.strip())
        shaped = [t for t in cands if (t.kind == "yearly") == (n_values >= 3)]
        unseen = [t for t in (shaped or cands) if t.field not in self.seen]
        return (unseen or shaped or cands)[0]

    def fuzzy(self, bare: str, row: Row) -> list:
        n = norm(bare)
        if not 4 <= len(n) <= 80 or re.search(r"\d", n):
            return []
        from rapidfuzz import fuzz, process

        found = process.extract(n, list(self.m.labels), scorer=fuzz.ratio, limit=2, score_cutoff=88)
        if not found or (len(found) > 1 and found[1][1] > found[0][1] - 3):
            return []
        label = found[0][0]
        target = self.m.labels[label][0]
        self.rec.notes.append(Problem(f"表{row.table}", f"第{row.index}行", target.keys[0],
                                      f"标签「{_shown(bare)}」与申请书的「{target.label}」不完全一致，已按「{target.label}」读取；请核实", bare))
        return self.m.labels[label]

    def take(self, target: Target, cells: list, i: int, row: Row, text: str) -> int:
        """Read the value(s) of ``target`` right of cell ``i``; the index after them."""
        where = f"第{row.index}行「{_shown(strip_marks(text, self.marks.all)[0])}」"
        sheet = f"表{row.table}"
        if target.kind == "yearly":
            return self.take_years(target, cells, i, sheet, where)
        if target.field == self.m.other:
            rest = _other_text(strip_marks(text, self.marks.all)[0])
            if rest:
                self.put(target.field, rest, (sheet, where))
                return i + 1
        if target.kind == "bool":
            _, mark = strip_marks(text, self.marks.all)
            if mark is not None:
                self.ticks_seen = True
                self.put(target.field, self.marks.state(mark), (sheet, where))
                return i + 1
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        if nxt is None or self.m.candidates(strip_marks(nxt.text, self.marks.all)[0]):
            if target.kind == "bool":
                self.unmarked["flags"].append((target.field, (sheet, where)))
            return i + 1
        if target.kind == "longtext":
            self.start_text(target, (sheet, f"第{row.index}行"))
            self.collect["lines"].append(nxt.text)
            self.flush()
        elif target.kind == "choice" and target.choices:
            self.take_choice(target, nxt.text, (sheet, where))
        elif target.kind == "bool":
            _, mark = strip_marks(nxt.text, self.marks.all)
            self.put(target.field, self.marks.state(mark) if mark and not strip_marks(nxt.text, self.marks.all)[0].strip()
                     else _oneline(nxt.text), (sheet, where))
        elif target.field == self.m.other:
            self.put(target.field, _other_text(nxt.text), (sheet, where))
        else:
            self.put(target.field, _oneline(nxt.text), (sheet, where))
        return i + 2

    def take_years(self, target: Target, cells: list, i: int, sheet: str, where: str) -> int:
        j, ordinal = i + 1, 0
        while j < len(cells):
            c = cells[j]
            if c.text.strip() and self.m.candidates(strip_marks(c.text, self.marks.all)[0]):
                break
            period = self.period_of(c, ordinal, target.periods)
            ordinal += 1
            if period is not None and period in target.periods and c.text.strip():
                key = target.keys[target.periods.index(period)]
                shown = f"{period} 年" if period != "avg" else self.cfg["fields"]["avg_label"]
                self.put(key, _oneline(c.text), (sheet, f"{where}{shown}"))
            elif c.text.strip():
                self.rec.problem((sheet, where), target.keys[0], f"「{target.label}」一行在年份列之外有内容「{_oneline(c.text)}」，未读取",
                                 _oneline(c.text))
            j += 1
        return j

    def take_choice(self, target: Target, text: str, place: tuple) -> None:
        picked, marked = [], False
        nfkc = unicodedata.normalize("NFKC", text)
        for option in target.choices:
            k = nfkc.find(option)
            if k < 0:
                continue
            before = nfkc[:k].rstrip(" _")
            mark = before[-1:] if before[-1:] and before[-1] in self.marks.all else None
            marked = marked or mark is not None
            self.ticks_seen = self.ticks_seen or mark is not None
            if self.marks.state(mark):
                picked.append(option)
        if len(picked) == 1:
            self.put(target.field, picked[0], place)
        elif len(picked) > 1:
            self.rec.problem(place, target.field, f"「{target.label}」勾选了多项（{'、'.join(picked)}），应只选一项，该项未读取", _oneline(text))
        elif not marked and _oneline(text):
            self.put(target.field, _oneline(text), place)
        self.seen.add(target.field)

    # -- cover, attachments, opinion
    def cover_line(self, text: str, place: tuple) -> bool:
        m = re.match(r"^\s*([^:：]{2,12}?)\s*[:：]\s*(.*)$", text, re.S)
        if not m:
            return False
        target = self.m.cover.get(norm(m.group(1)))
        if target is None:
            return False
        self.seen.add(target.field)
        value = _SEAL.sub("", m.group(2)).strip(" _＿\u3000\t\n")
        if value and not _BLANK_FILL.match(value):
            self.put(target.field, _oneline(value), ("封面", f"「{target.label}」"))
        return True

    def attachment(self, text: str, place: tuple) -> bool:
        s = unicodedata.normalize("NFKC", text).strip().rstrip(";；。.")
        mark = None
        if s[:1] in self.marks.all:
            mark, s = s[0], s[1:].strip()
        elif s[-1:] in self.marks.all:
            mark, s = s[-1], s[:-1].strip()
        m = re.match(r"^[(（]?(\d)[)）.、．]?\s*(.*)$", s)
        number, label = (int(m.group(1)), m.group(2)) if m else (None, s)
        label, typed = (re.split(r"\s*[:：]\s*", label, maxsplit=1) + [""])[:2]  # 8.其他说明材料：有 (a word, not a tick)
        for n, fid, nlabel, shown in self.m.attachments:
            if (number == n and (not label or norm(label)[:3] == nlabel[:3])) or (number is None and norm(label) == nlabel):
                self.seen.add(fid)
                where = (place[0], f"{place[1]}「{n}.{shown}」")
                if typed.strip():
                    self.put(fid, typed.strip(), where)
                elif mark is not None:
                    self.ticks_seen = True
                    self.put(fid, self.marks.state(mark), where)
                else:
                    self.unmarked["attachments"].append((fid, where))
                return True
        return False

    def opinion_line(self, text: str) -> bool:
        label, op, date = self.m.opinion
        n = norm(text)
        if n.startswith(label):
            self.flush()
            self.seen.add(op.field)
            self.start_text(op, ("正文", None), prefix=label and op.label)
            rest = _cut_prefix(text, label).strip(" :：")
            if rest:
                self.collect["lines"].append(rest)
            return True
        if _SEAL.fullmatch(text.strip()) or n in ("[章]", "(章)", "章"):
            self.after_seal = True
            return True
        if _BLANK_FILL.match(text):
            return True
        if _DATE_LINE.match(text) or self.after_seal:  # the line under the seal is the date, as typed
            self.after_seal = False
            self.seen.add(date.field)
            self.put(date.field, text.strip(), ("正文", f"「{date.label}」"))
            return True
        return False

    # -- recording
    def put(self, key: str, value: Any, place: tuple) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        old = self.rec.values.get(key)
        if old is not None:
            if old != value:
                was = "".join(x for x in self.rec.places.get(key, ("", "")) if x)
                self.rec.problem(place, key, f"同一项出现两次（{was} 为「{old}」，此处为「{value}」），按第一次读取；请删除重复的一项", value)
            return
        self.rec.add(key, value, place)

    def report_missing(self) -> None:
        for t in self.m.required:
            if t.field in self.seen:
                continue
            cost = "该项未读取" if len(t.keys) == 1 else f"该行 {len(t.keys)} 项均未读取"
            self.rec.problem(None, t.field, f"申请书中找不到「{t.label}」（标签被删除或改动），{cost}", None)


def _cut_prefix(text: str, prefix_norm: str) -> str:
    """``text`` after the characters whose :func:`norm` is ``prefix_norm``."""
    acc = ""
    for k, ch in enumerate(text):
        acc += norm(ch)
        if acc == prefix_norm:
            return text[k + 1:].lstrip(" :：\u3000")
        if not prefix_norm.startswith(acc):
            break
    return text


def _strip_rank(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    m = _RANK.match(s)
    return s[m.end():].strip() if m else text


def _other_text(text: str) -> str:
    """The words after ☐其他 (the text as typed, without the box's blank line)."""
    s = re.sub(r"^\s*其\s*他\s*[:：]?", "", _oneline(text))
    return s.strip(" _＿\u3000")


# ----------------------------------------------------------------------------- annex 1


def _summary_header(blocks: list, cfg: Mapping, layout: Any = None) -> tuple | None:
    """``(index of the header row, {col: field id})`` of the annex 1 table, or None."""
    from nebase_analysis.templates import summary_layout

    wanted = {}
    for rec in (summary_layout(cfg) if layout is None else layout).itertuples():
        for t in (rec.label, re.sub(r"[（(].*?[)）]", "", rec.label)):
            wanted[norm(t)] = rec.id
    wanted[norm("申报类别(园区/企业)")] = "category"
    for k, b in enumerate(blocks):
        if isinstance(b, Row):
            cols = {c.col: wanted[norm(c.text)] for c in b.cells if norm(c.text) in wanted}
            if len(cols) >= 3:
                return k, cols
    return None


def read_summary(path: str | Path, config: Any = None) -> SummaryRecord:
    """Read an annex 1 推荐汇总表 made in Word (a table) into a :class:`SummaryRecord`.

    The header row is found by its printed headings (序号 / 申报单位名称 / 园区/企业名称 /
    申报类别 / 申报创建领域, any order, at least three of them); the rows below it in the
    same table are the entries, blank and ``...`` rows skipped. ``推荐单位（盖章）：…`` above
    the table gives the recommender.
    """
    from nebase_analysis.templates import summary_layout

    cfg = resolve_config(config)
    out = SummaryRecord(path=str(path), fmt="docx")
    try:
        blocks = read_blocks(path, cfg, max_bytes=_max_bytes(cfg))
    except Exception as exc:  # every parser error becomes a Chinese reason
        out.reason = _damaged(exc)
        return out
    layout = summary_layout(cfg)
    found = _summary_header(blocks, cfg, layout)
    if found is None:
        out.reason = "未找到推荐汇总表的表头（序号、申报单位名称、园区/企业名称、申报类别、申报创建领域），无法读取"
        return out
    k, cols = found
    labels = dict(zip(layout["id"], layout["label"]))
    for b in blocks[:k]:
        texts = [b.text] if isinstance(b, Para) else [c.text for c in b.cells]
        for t in texts:
            m = re.match(r"^\s*推\s*荐\s*单\s*位\s*(?:[（(]\s*盖\s*章\s*[)）])?\s*[:：]\s*(.*)$", t, re.S)
            if m and _oneline(_SEAL.sub("", m.group(1))).strip("_＿ "):
                out.header["recommender"] = _oneline(_SEAL.sub("", m.group(1))).strip("_＿ ")
    header_table = blocks[k].table
    for b in blocks[k + 1:]:
        if not isinstance(b, Row) or b.table != header_table:
            break
        rec = {fid: None for fid in cols.values()}
        places = {}
        for c in b.cells:
            fid = next((f for col, f in cols.items() if c.col <= col < c.col + c.span), None)
            if fid is not None and _oneline(c.text) and _oneline(c.text) not in ("...", "…", "……"):
                rec[fid] = _oneline(c.text)
                places[fid] = (f"表{b.table}", f"第{b.index}行「{labels.get(fid, fid)}」")
        if all(v is None for k_, v in rec.items() if k_ != "seq"):
            continue
        rec["row"] = b.index
        rec["places"] = places
        out.rows.append(rec)
    return out
