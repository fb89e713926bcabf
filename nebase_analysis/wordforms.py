"""The official Word forms of the notice, filled: annexes 2 and 3 (申请书) and annex 1 (汇总表).

Provinces send the 申请书 of annex 2 (示范园区) and annex 3 (示范企业) as Word files laid
out as printed in the notice, and the annex 1 summary as a Word table or a plain sheet.
:func:`write_form_docx` writes one filled form; :func:`write_summary_docx` and
:func:`write_summary_sheet` the summary. The arrangement of blocks and rows is data
(``config/wordforms.yaml``: ``forms``); labels and units come from ``fields.yaml``.

A filled form, in order: the cover (附件2, the title, 申报单位：… （盖章）, 申报领域：…,
推荐单位：… （盖章）, 填报日期：…, 工业和信息化部制); 一、基本情况 (the blocks as tables over
a five-column grid: a title row; yearly blocks under 项目/年度 | 2023 年 | 2024 年 | 2025 年 |
近三年平均值; ``label | value | label | value`` rows, a single field's value spanning the rest;
lists under their header row; a long text in the cell below its title, where the printed
form holds 详细描述有关情况（不超过 2000 字）。); 二、创建工作方案 (headings （一）发展基础 …
（五）保障措施, each followed by its text, one paragraph a line); 三、附件清单 (the eight items,
ticked or not); 四、推荐单位意见 (a table: 推荐意见 | the text, [章], the date).

**Variants.** Real Word users change the layout; :func:`draw_variant` draws one set of
changes per form (rates in ``wordforms.yaml: variants``) and :func:`variant_text` records
it compactly (``one_table,checkbox_style=sym,date_style=dot,...,seed=123``). The writer
is deterministic given the variant (its ``seed`` drives the per-cell choices).

Values are written as people type them: numbers so that reading the text gives exactly
the float back (shortest round-trip digits, never exponent notation), dates as text in
the variant's style, booleans as ticks; None/NaN is left blank; a string is written
verbatim (fault injection: ``"1,234.5"``, ``"约5亿"``, ``"无"``).

Examples
--------
>>> import tempfile, docx
>>> p = Path(tempfile.mkdtemp()) / "03_某园区.docx"
>>> _ = write_form_docx(p, "park", {"name": "某园区", "total_revenue_2024": 38.5})
>>> d = docx.Document(str(p))
>>> d.tables[0].cell(1, 0).text, d.tables[0].cell(1, 1).text
('园区名称', '某园区')
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping
from xml.sax.saxutils import escape as _xml_escape

import numpy as np
import pandas as pd

from nebase_analysis.config import field_schema, resolve_config, wide_columns

__all__ = [
    "FormSpec",
    "form_spec",
    "default_variant",
    "draw_variant",
    "variant_text",
    "parse_variant",
    "form_file_name",
    "number_text",
    "write_form_docx",
    "write_summary_docx",
    "write_summary_sheet",
]

_FULLWIDTH = str.maketrans("0123456789.-,%", "０１２３４５６７８９．－，％")
_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
       'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14"')
_ZIP_DATE = (2026, 3, 26, 0, 0, 0)  # fixed member dates: the same form gives the same bytes
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 cannot hold

# ----------------------------------------------------------------------------- XML pieces


def _esc(text: Any) -> str:
    """XML-escaped text without the characters XML 1.0 cannot hold (control characters).

    Examples
    --------
    >>> _esc("A&B<C>\x01")
    'A&amp;B&lt;C&gt;'
    """
    return _xml_escape(_CONTROL.sub("", str(text)))


def _rpr(bold: bool = False, size: int | None = None, font: str | None = None) -> str:
    inner = ""
    if font:
        inner += f'<w:rFonts w:ascii="{font}" w:eastAsia="{font}" w:hAnsi="{font}"/>'
    if bold:
        inner += "<w:b/>"
    if size:
        inner += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f"<w:rPr>{inner}</w:rPr>" if inner else ""


def _run(text: Any, bold: bool = False, size: int | None = None) -> str:
    """One run; an empty text gives an empty string (no run)."""
    if text is None or text == "":
        return ""
    return f'<w:r>{_rpr(bold, size)}<w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def _run_lines(lines: list[str], bold: bool = False) -> str:
    """One run holding ``lines`` separated by ``<w:br/>`` (a label broken across lines)."""
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{_esc(t)}</w:t>' for t in lines)
    return f"<w:r>{_rpr(bold)}{body}</w:r>"


def _p(runs: str = "", style: str | None = None, align: str | None = None, page_break_before: bool = False) -> str:
    pr = ""
    if style:
        pr += f'<w:pStyle w:val="{style}"/>'
    if page_break_before:
        pr += "<w:pageBreakBefore/>"
    if align:
        pr += f'<w:jc w:val="{align}"/>'
    return f"<w:p>{f'<w:pPr>{pr}</w:pPr>' if pr else ''}{runs}</w:p>"


def _paras(text: str, bold: bool = False) -> str:
    """A text as paragraphs, one a line (the reader joins a cell's paragraphs with ``\\n``)."""
    return "".join(_p(_run(line, bold)) for line in str(text).split("\n"))


def _sdt_pr(sid: int, tag: str | None, alias: str | None, extra: str = "<w:text/>") -> str:
    alias_xml = f'<w:alias w:val="{_esc(alias)}"/>' if alias else ""
    tag_xml = f'<w:tag w:val="{_esc(tag)}"/>' if tag else ""
    return f'<w:sdtPr>{alias_xml}{tag_xml}<w:id w:val="{sid}"/>{extra}</w:sdtPr>'


def _sdt(pr: str, content: str) -> str:
    return f"<w:sdt>{pr}<w:sdtContent>{content}</w:sdtContent></w:sdt>"


def _tbl(rows: list[str], grid: list[int]) -> str:
    cols = "".join(f'<w:gridCol w:w="{w}"/>' for w in grid)
    borders = "".join(f'<w:{e} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                      for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(grid)}" w:type="dxa"/>'
            f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
            f"<w:tblGrid>{cols}</w:tblGrid>{''.join(rows)}</w:tbl>")


@dataclasses.dataclass
class _Cell:
    """One cell of a row before its width is known: paragraphs XML, grid span, vMerge,
    and the content control wrapped around the whole ``w:tc`` (``(tag, alias)``), if any."""

    paras: str = ""
    span: int = 1
    vmerge: str | None = None
    wrap: tuple | None = None


def _tr(cells: list[_Cell], grid: list[int], sid: Any = None) -> str:
    """A table row; cell widths from the grid columns each cell spans."""
    out, col = [], 0
    for c in cells:
        width = sum(grid[col:col + c.span])
        pr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
        if c.span > 1:
            pr += f'<w:gridSpan w:val="{c.span}"/>'
        if c.vmerge:
            pr += '<w:vMerge w:val="restart"/>' if c.vmerge == "restart" else "<w:vMerge/>"
        tc = f"<w:tc><w:tcPr>{pr}</w:tcPr>{c.paras or '<w:p/>'}</w:tc>"
        if c.wrap is not None:
            tc = _sdt(_sdt_pr(next(sid), *c.wrap), tc)
        out.append(tc)
        col += c.span
    return f"<w:tr>{''.join(out)}</w:tr>"


# ----------------------------------------------------------------------------- values


def number_text(v: float) -> str:
    """A number as a person types it, with every digit needed to read back the same float.

    Shortest round-trip digits in positional notation (never ``1e+16``, never ``100.0``).

    Examples
    --------
    >>> number_text(100.0), number_text(0.1 + 0.2), number_text(-0.0), number_text(1e-5)
    ('100', '0.30000000000000004', '0', '0.00001')
    >>> float(number_text(123456789.123)) == 123456789.123
    True
    """
    v = float(v)
    if v == 0:
        return "0"
    return np.format_float_positional(v, trim="-", unique=True)


def _grouped(s: str) -> str:
    """``3439100.5`` -> ``3,439,100.5`` (thousands separators in the integer part)."""
    sign = "-" if s.startswith("-") else ""
    body = s.lstrip("-")
    ip, _, frac = body.partition(".")
    return f"{sign}{int(ip):,}" + (f".{frac}" if frac else "")


def _in_unit(v: float, factor: int, intake_factor: float) -> str | None:
    """An amount typed in a smaller unit (亿元 as 万元: exactly ``v × factor``, decimal digits
    shifted, no rounding), or None when that text does not read back exactly ``v`` both by
    ``/ factor`` and by intake's conversion (``× intake_factor``, rounded to 12 digits)."""
    d = (Decimal(number_text(v)) * Decimal(int(factor))).normalize()
    s = format(d, "f")
    back = float(s)
    if back / factor != v or float(f"{back * intake_factor:.12g}") != v:
        return None
    return s


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _is_missing(v: Any) -> bool:
    """None, NaN, NaT, NA (a string, even empty or blank, is written as it is)."""
    if v is None:
        return True
    if isinstance(v, str):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _date_parts(v: Any) -> tuple[int, int, int] | None:
    if isinstance(v, (_dt.date, _dt.datetime)) or hasattr(v, "year") and hasattr(v, "month"):
        return int(v.year), int(v.month), int(v.day)
    return None


# ----------------------------------------------------------------------------- the form spec


@dataclasses.dataclass
class FormSpec:
    """What every filled form of one kind shares (computed once per batch): the blocks of
    ``wordforms.yaml``, each field's printed label, kind and unit, the yearly columns."""

    form: str
    cfg: Mapping
    wcfg: Mapping
    blocks: list
    labels: dict
    kinds: dict
    units: dict
    choices: dict
    year_cols: dict
    year_labels: list
    lists: dict
    attachments: list


def form_spec(form: str, config: Any = None) -> FormSpec:
    """The :class:`FormSpec` of ``park`` or ``enterprise``.

    Labels are ``wordforms.yaml: printed_labels`` where given, else the printed label of
    ``fields.yaml`` with its unit (:func:`nebase_analysis.templates._label_with_unit`).

    Examples
    --------
    >>> s = form_spec("park")
    >>> s.labels["total_revenue"], s.labels["quality_enterprise_weighted"]
    ('总营业收入（亿元）', '优质企业加权数量（个，同一企业不重复计算）')
    >>> s.year_labels
    ['2023 年', '2024 年', '2025 年', '近三年平均值']
    """
    from nebase_analysis.templates import _label_with_unit

    cfg = resolve_config(config)
    wcfg, fcfg = cfg["wordforms"], cfg["fields"]
    if form not in wcfg["forms"]:
        raise ValueError(f"未知表单 {form!r}：应为 {' 或 '.join(wcfg['forms'])}")
    schema = field_schema(cfg)
    schema = schema[schema.forms.map(lambda fs: form in fs)]
    overrides = (wcfg.get("printed_labels") or {}).get(form, {})
    labels, kinds, units, choices = {}, {}, {}, {}
    for f in schema.itertuples():
        unit = f.unit if isinstance(f.unit, str) else None
        printed = getattr(f, f"printed_{form}")
        labels[f.id] = overrides.get(f.id) or (_label_with_unit(printed, unit) if f.kind != "longtext" else printed)
        kinds[f.id], units[f.id], choices[f.id] = f.kind, unit, f.choices
    wide = wide_columns(cfg)
    yearly = wide[wide.kind == "yearly"]
    year_cols = {fid: list(g["column"]) for fid, g in yearly.groupby("field", sort=False)}
    periods = yearly.drop_duplicates("period")["period"]
    year_labels = [wcfg["year_label"].format(year=p) if isinstance(p, (int, np.integer)) else fcfg["avg_label"] for p in periods]
    lists = {k: v for k, v in fcfg.get("lists", {}).items() if v["form"] == form}
    attachments = [f.id for f in schema.itertuples() if f.section == "附件清单"]
    return FormSpec(form, cfg, wcfg, list(wcfg["forms"][form]), labels, kinds, units, choices, year_cols,
                    year_labels, lists, attachments)


# ----------------------------------------------------------------------------- variants


def _variant_rates(config: Any) -> dict:
    return dict(resolve_config(config)["wordforms"]["variants"])


def default_variant(config: Any = None) -> dict:
    """The printed form's way: every switch off, every choice its first value, seed 0.

    Examples
    --------
    >>> v = default_variant()
    >>> v["one_table"], v["checkbox_style"], v["date_style"], v["seed"]
    (False, 'box', 'cn_spaced', 0)
    """
    out: dict[str, Any] = {}
    for kind, rate in _variant_rates(config).items():
        out[kind] = next(iter(rate)) if isinstance(rate, Mapping) else False
    out["seed"] = 0
    return out


def draw_variant(rng: Any, config: Any = None) -> dict:
    """Draw the variations of one form (``wordforms.yaml: variants``) from ``rng``.

    Parameters
    ----------
    rng : numpy.random.Generator (or an int seed)

    Returns
    -------
    dict
        A switch per kind: ``True``/``False`` (one_table, titles_in_paragraphs,
        label_breaks, merged_label, remark_rows, extra_list_rows, content_controls,
        numbers_as_typed, guidance_left) or a value (typed_rank, checkbox_style,
        date_style, text_place, plan_headings, file_name), and ``seed`` (the per-cell
        choices). ``titles_in_paragraphs`` is off in a ``one_table`` form.

    Examples
    --------
    >>> v = draw_variant(np.random.default_rng(0))
    >>> sorted(v) == sorted(default_variant())
    True
    >>> draw_variant(3) == draw_variant(3)
    True
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    out: dict[str, Any] = {}
    for kind, rate in _variant_rates(config).items():
        if isinstance(rate, Mapping):
            keys = list(rate)
            w = np.array([float(rate[k]) for k in keys])
            out[kind] = keys[int(rng.choice(len(keys), p=w / w.sum()))]
        else:
            out[kind] = bool(rng.random() < float(rate))
    if out.get("one_table"):
        out["titles_in_paragraphs"] = False
    out["seed"] = int(rng.integers(0, 2**31 - 1))
    return out


def variant_text(variant: Mapping[str, Any] | None, config: Any = None) -> str:
    """The compact record of a variant: switches that are on by name, choices as
    ``kind=value`` (always), then ``seed=N``; in the order of ``wordforms.yaml: variants``.

    Examples
    --------
    >>> variant_text({**default_variant(), "one_table": True, "checkbox_style": "sym", "seed": 7})
    'one_table,typed_rank=none,checkbox_style=sym,date_style=cn_spaced,text_place=cell,plan_headings=heading,file_name=seq,seed=7'
    """
    if variant is None:
        return ""
    parts = []
    for kind, rate in _variant_rates(config).items():
        v = variant.get(kind)
        if isinstance(rate, Mapping):
            parts.append(f"{kind}={v if v is not None else next(iter(rate))}")
        elif v:
            parts.append(kind)
    parts.append(f"seed={int(variant.get('seed', 0))}")
    return ",".join(parts)


def parse_variant(text: str, config: Any = None) -> dict:
    """The variant a :func:`variant_text` record stands for (``""``: the default variant).

    Examples
    --------
    >>> v = draw_variant(5)
    >>> parse_variant(variant_text(v)) == v
    True
    """
    out = default_variant(config)
    for part in filter(None, (text or "").split(",")):
        key, eq, value = part.partition("=")
        out[key] = (int(value) if key == "seed" else value) if eq else True
    return out


def form_file_name(variant: Mapping[str, Any] | None, form: str, seq: int, name: Any, config: Any = None) -> str:
    """The file name a province gives a filled form (``wordforms.yaml: file_names``).

    Examples
    --------
    >>> [form_file_name({"file_name": k}, "enterprise", 3, "某公司") for k in ("seq", "seq_dot", "seq_dash", "annex", "bare")]
    ['03_某公司.docx', '3.某公司创建申请书.docx', '03-某公司申请书.docx', '附件3-某公司-创建申请书.docx', '某公司.docx']
    """
    from nebase_analysis.excel import safe_file_name

    cfg = resolve_config(config)
    patterns = cfg["wordforms"]["file_names"]
    key = (variant or {}).get("file_name") or next(iter(patterns))
    annex = cfg["fields"]["categories"][form]["annex"]
    return patterns[key].format(seq=int(seq), name=safe_file_name(name), annex=annex)


# ----------------------------------------------------------------------------- one form


class _Writer:
    """One form being written: its spec, values and variant, and the variant's random choices.

    Sub-variations (how a label is broken, which content control, how a number is typed)
    are drawn per cell from the variant's seed; each one is used at least once in a form
    whose switch is on (the first cells take the ones not yet used), then at the rates of
    ``wordforms.yaml: variant_rates``.
    """

    def __init__(self, spec: FormSpec, values: Mapping[str, Any], variant: Mapping[str, Any]):
        self.s, self.v, self.var, self.w = spec, values, variant, spec.wcfg
        self.grid = [int(x) for x in self.w["grid"]]
        self.n = len(self.grid)
        self.rng = np.random.default_rng(int(variant.get("seed", 0)))
        self.rates = self.w["variant_rates"]
        self.ids = iter(range(1, 10**9))
        self.pending = {"label_breaks": ["br", "paras", "space", "halfwidth"],
                        "content_controls": ["run", "block", "cell"],
                        "numbers_as_typed": ["unit", "typed_unit", "thousands", "fullwidth"]}
        blocks = [i for i, b in enumerate(spec.blocks) if "text" not in b]
        lo, hi = self.rates["remark_blocks"]
        k = int(self.rng.integers(lo, hi + 1)) if variant.get("remark_rows") else 0
        self.remark_blocks = set(int(i) for i in self.rng.choice(blocks, size=min(k, len(blocks)), replace=False)) if k else set()
        self.prefix = self.w["rank_prefixes"][int(self.rng.integers(len(self.w["rank_prefixes"])))]
        units = spec.cfg["intake"]["units"]
        factors = {u: (dim, f) for dim, t in units.items() for u, f in t.items()}
        self.typed_units = {}
        for unit, tu in (self.w.get("typed_units") or {}).items():
            (d1, f1), (d2, f2) = factors[unit], factors[tu["unit"]]
            self.typed_units[unit] = (tu["unit"], int(tu["factor"]), f2 / f1)

    # -- random sub-variations

    def choose(self, kind: str, options: list[str]) -> str | None:
        """A sub-variation of ``kind`` among ``options`` (one not used yet first), or None: unchanged."""
        if not self.var.get(kind) or not options:
            return None
        pending = [o for o in self.pending[kind] if o in options]
        if pending:
            self.pending[kind].remove(pending[0])
            return pending[0]
        if self.rng.random() >= float(self.rates[kind]):
            return None
        return options[int(self.rng.integers(len(options)))]

    # -- values as typed

    def number(self, v: float, unit: str | None) -> str:
        """A number as typed: plain, or (numbers_as_typed) with its unit, in a smaller unit,
        with thousands separators or in full-width digits."""
        base = number_text(v)
        opts = ["unit"] if unit else []
        typed = None
        if unit in self.typed_units:
            tu, factor, intake_factor = self.typed_units[unit]
            typed = _in_unit(v, factor, intake_factor)
            if typed is not None:
                opts.append("typed_unit")
        if abs(v) >= 1000:
            opts.append("thousands")
        opts.append("fullwidth")
        how = self.choose("numbers_as_typed", opts)
        if how == "unit":
            return f"{base}{' ' if self.rng.random() < 0.3 else ''}{unit}"
        if how == "typed_unit":
            return f"{_grouped(typed) if self.rng.random() < 0.5 else typed}{self.typed_units[unit][0]}"
        if how == "thousands":
            return _grouped(base)
        if how == "fullwidth":
            return base.translate(_FULLWIDTH)
        return base

    def date(self, parts: tuple[int, int, int]) -> str:
        y, m, d = parts
        style = self.w["date_styles"][self.var.get("date_style") or next(iter(self.w["date_styles"]))]
        return style.format(y=y, m=m, d=d, mm=f"{m:02d}", dd=f"{d:02d}")

    def text(self, key: str, numeric: bool = False, unit: str | None = None) -> str:
        """The text of a value cell: blank for None/NaN, strings verbatim, numbers, dates, 是/否."""
        v = self.v.get(key)
        if _is_missing(v):
            return ""
        if isinstance(v, str):
            return v
        if isinstance(v, (bool, np.bool_)):
            return self.s.cfg["fields"]["bool_labels"][bool(v)]
        if _is_number(v):
            if not math.isfinite(float(v)):
                return ""
            return self.number(float(v), unit) if numeric else number_text(v)
        parts = _date_parts(v)
        return self.date(parts) if parts else str(v)

    # -- cells

    def label(self, text: str, bold: bool = False) -> str:
        """A label's paragraphs; label_breaks: broken by ``<w:br/>`` or into two paragraphs,
        an odd space before its bracket, or half-width brackets."""
        opts = ["br", "paras", "space"] if len(text) >= 4 else []
        if "（" in text:
            opts.append("halfwidth")
        how = self.choose("label_breaks", opts)
        if how == "halfwidth":
            return _p(_run(text.replace("（", "(").replace("）", ")"), bold))
        i = text.rfind("（")
        i = i if i > 1 else len(text) // 2
        if how == "space":
            return _p(_run(f"{text[:i]} {text[i:]}", bold))
        if how == "br":
            return _p(_run_lines([text[:i], text[i:]], bold))
        if how == "paras":
            return _p(_run(text[:i], bold)) + _p(_run(text[i:], bold))
        return _p(_run(text, bold))

    def year_label(self, text: str) -> str:
        """A year header cell; label_breaks: ``2023年`` without its space, ``近三年 平均值``."""
        if not self.var.get("label_breaks") or self.rng.random() < 0.5:
            return _p(_run(text))
        if text.endswith(" 年"):
            return _p(_run(text.replace(" ", "")))
        i = len(text) // 2
        if self.rng.random() < 0.5:
            return _p(_run(f"{text[:i]} {text[i:]}"))
        return _p(_run_lines([text[:i], text[i:]]))

    def value_cell(self, key: str, span: int = 1, numeric: bool = False, unit: str | None = None,
                   alias: str | None = None, prefix: str = "") -> _Cell:
        """A value cell; content_controls: the text in a run-level, a block-level or a
        cell-level plain-text content control tagged with the key."""
        text = self.text(key, numeric, unit)
        if text and prefix:
            text = prefix + text
        how = self.choose("content_controls", ["run", "block", "cell"]) if text else None
        if how == "run":
            paras = "".join(_p(_sdt(_sdt_pr(next(self.ids), key, alias), _run(line))) for line in text.split("\n"))
            return _Cell(paras, span)
        if how == "block":
            return _Cell(_sdt(_sdt_pr(next(self.ids), key, alias), _paras(text)), span)
        if how == "cell":
            return _Cell(_paras(text), span, wrap=(key, alias))
        return _Cell(_paras(text) if text else "", span)

    def field_value(self, fid: str, span: int) -> _Cell:
        numeric = self.s.kinds[fid] in ("number", "count", "yearly")
        return self.value_cell(fid, span, numeric, self.s.units.get(fid), self.s.labels[fid])

    def tr(self, cells: list[_Cell]) -> str:
        return _tr(cells, self.grid, self.ids)

    # -- checkboxes

    def mark(self, ticked: bool | None, tag: str | None = None) -> str:
        """The runs of a checkbox in the variant's style ("" for None, and for an unticked
        box in the lone-√ style)."""
        if ticked is None:
            return ""
        style = self.var.get("checkbox_style") or "box"
        g = self.w["checkbox_glyphs"].get(style, {})
        if style == "sym":
            return f'<w:r><w:sym w:font="{g["font"]}" w:char="{g["ticked" if ticked else "unticked"]}"/></w:r>'
        if style == "sdt":
            state = (f'<w14:checkbox><w14:checked w14:val="{int(bool(ticked))}"/>'
                     f'<w14:checkedState w14:val="{g["ticked_code"]}" w14:font="{g["font"]}"/>'
                     f'<w14:uncheckedState w14:val="{g["unticked_code"]}" w14:font="{g["font"]}"/></w14:checkbox>')
            run = f'<w:r>{_rpr(font=g["font"])}<w:t>{g["ticked" if ticked else "unticked"]}</w:t></w:r>'
            return _sdt(_sdt_pr(next(self.ids), tag, None, state), run)
        if style == "formfield":
            return self.form_checkbox(bool(ticked))
        return _run(g["ticked" if ticked else "unticked"])

    def form_checkbox(self, ticked: bool) -> str:
        """A legacy FORMCHECKBOX field as Word writes it: ticked by ``w:checked`` over a
        default of 0, or by ``w:default w:val="1"``; unticked by a default of 0, or by
        ``w:checked w:val="0"`` over a default of 1 (``w:checked`` wins)."""
        n = next(self.ids)
        r = self.rng.random()
        if ticked:
            state = '<w:default w:val="0"/><w:checked/>' if r < 0.5 else '<w:default w:val="1"/>'
        else:
            state = '<w:default w:val="0"/>' if r < 0.8 else '<w:default w:val="1"/><w:checked w:val="0"/>'
        ff = (f'<w:ffData><w:name w:val="Check{n}"/><w:enabled/><w:calcOnExit w:val="0"/>'
              f"<w:checkBox><w:sizeAuto/>{state}</w:checkBox></w:ffData>")
        return (f'<w:bookmarkStart w:id="{n}" w:name="Check{n}"/><w:r><w:fldChar w:fldCharType="begin">{ff}</w:fldChar></w:r>'
                '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
                f'<w:r><w:fldChar w:fldCharType="end"/></w:r><w:bookmarkEnd w:id="{n}"/>')

    def ticked(self, fid: str) -> bool | None:
        v = self.v.get(fid)
        return None if _is_missing(v) else bool(v)

    def flag_runs(self, fid: str, label: str, space: str = " ") -> str:
        """``☐ 高新技术企业``: the mark and the label (a typed text instead: ``label：text``)."""
        v = self.v.get(fid)
        if isinstance(v, str):
            return _run(f"{label}：{v}")
        m = self.mark(self.ticked(fid), fid)
        return m + _run(f"{space if m else ''}{label}")

    # -- rows of the blocks

    def special_row(self, spec: Mapping[str, Any]) -> str:
        """{choice: f}, {flags: [a, b]} or {other: f} (wordforms.yaml)."""
        if "choice" in spec:
            fid = spec["choice"]
            v, opts = self.v.get(fid), list(self.s.choices[fid])
            if isinstance(v, str) and v not in opts:
                cell = _Cell(_paras(v), self.n - 1)
            else:
                runs = []
                for j, o in enumerate(opts):
                    blank = self.w["other_blank"] if j == len(opts) - 1 else ""  # 其他_____ (last, as printed)
                    runs.append(self.mark(False if _is_missing(v) else v == o, f"{fid}.{o}") + _run(o + blank))
                cell = _Cell(_p(_run(" ").join(runs)), self.n - 1)
            return self.tr([_Cell(self.label(self.s.labels[fid])), cell])
        if "flags" in spec:
            a, b = spec["flags"]
            return self.tr([_Cell(_p(self.flag_runs(a, self.s.labels[a])), 2),
                            _Cell(_p(self.flag_runs(b, self.s.labels[b])), self.n - 2)])
        fid = spec["other"]
        v = self.v.get(fid)
        has = isinstance(v, str) and bool(v.strip())
        m = self.mark(has, fid)
        text = f"{self.s.labels[fid]} {v if has else self.w['other_blank']}"
        return self.tr([_Cell(_p(m + _run(f"{' ' if m else ''}{text}")), self.n)])

    def field_rows(self, specs: list) -> list[str]:
        """Pairs ``label | value | label | value``, single rows ``label | value``, special rows."""
        merged = bool(self.var.get("merged_label"))
        out = []
        for spec in specs:
            if isinstance(spec, Mapping):
                out.append(self.special_row(spec))
            elif len(spec) == 2:
                a, b = spec
                span_l, span_v = (2, self.n - 4) if merged else (1, self.n - 3)
                out.append(self.tr([_Cell(self.label(self.s.labels[a])), self.field_value(a, 1),
                                    _Cell(self.label(self.s.labels[b]), span_l), self.field_value(b, span_v)]))
            else:
                fid = spec[0]
                label, value = _Cell(self.label(self.s.labels[fid])), self.field_value(fid, self.n - 1)
                if merged and fid == self.w.get("vmerge_row"):
                    label.vmerge = value.vmerge = "restart"
                    out += [self.tr([label, value]), self.tr([_Cell(vmerge="continue"), _Cell(span=self.n - 1, vmerge="continue")])]
                else:
                    out.append(self.tr([label, value]))
        return out

    def year_rows(self, fields: list[str]) -> list[str]:
        """项目/年度 | 2023 年 | 2024 年 | 2025 年 | 近三年平均值, then a row per yearly field."""
        head = [_Cell(self.label(self.w["year_header"]))] + [_Cell(self.year_label(t)) for t in self.s.year_labels]
        rows = [self.tr(head)]
        for fid in fields:
            label = self.s.labels[fid]
            cells = [_Cell(self.label(label))]
            cells += [self.value_cell(col, 1, True, self.s.units[fid], f"{label} {yl}")
                      for col, yl in zip(self.s.year_cols[fid], self.s.year_labels)]
            rows.append(self.tr(cells))
        return rows

    def list_rows(self, name: str) -> list[str]:
        """The header row and the rows of a list (typed_rank: a 序号 column and/or ``1.名称``;
        extra_list_rows: empty rows at the end)."""
        from nebase_analysis.templates import _label_with_unit

        spec = self.s.lists[name]
        cols = spec["columns"]
        rank_how = self.var.get("typed_rank") or "none"
        ranked, prefixed = rank_how in ("column", "both"), rank_how in ("prefix", "both")
        spans = [1] * len(cols)
        spans[-1] = self.n - len(cols) - int(ranked) + 1
        head = [_Cell(self.label(self.w["list_rank_header"]))] if ranked else []
        head += [_Cell(self.label(_label_with_unit(c["label"], c.get("unit"))), sp) for c, sp in zip(cols, spans)]
        rows = [self.tr(head)]
        lo, hi = self.rates["extra_list_rows"]
        extra = int(self.rng.integers(lo, hi + 1)) if self.var.get("extra_list_rows") else 0
        n_rows = int(spec["rows"])
        for rank in range(1, n_rows + extra + 1):
            if rank > n_rows:
                rows.append(self.tr([_Cell()] * int(ranked) + [_Cell(span=sp) for sp in spans]))
                continue
            cells = [_Cell(_p(_run(str(rank))))] if ranked else []
            for j, (c, sp) in enumerate(zip(cols, spans)):
                prefix = self.prefix.format(rank=rank) if prefixed and j == 0 else ""
                cells.append(self.value_cell(f"{name}.{rank}.{c['id']}", sp, c["kind"] == "number", c.get("unit"),
                                             f"{c['label']} {rank}", prefix))
            rows.append(self.tr(cells))
        return rows

    def text_rows(self, fid: str) -> tuple[list[str], str]:
        """The prompt / text rows of a long text, and the paragraphs after the table
        (text_place: ``cell`` in place of the prompt, ``next_row`` under it, ``below`` the table)."""
        v = self.v.get(fid)
        text = "" if _is_missing(v) else str(v)
        prompt = self.tr([_Cell(_p(_run(self.w["text_prompt"])), self.n)])
        if not text:
            return [prompt], ""
        place = self.var.get("text_place") or "cell"
        if place == "next_row":
            return [prompt, self.tr([_Cell(_paras(text), self.n)])], ""
        if place == "below":
            return [prompt], _paras(text)
        return [self.tr([_Cell(_paras(text), self.n)])], ""

    def title_row(self, title: str) -> str:
        """A block title as a table row: one cell over the whole row (merged_label) or the
        title in the first cell and the rest empty, as printed."""
        cell = _Cell(_p(_run(title, True)))
        if self.var.get("merged_label"):
            cell.span = self.n
            return self.tr([cell])
        return self.tr([cell] + [_Cell() for _ in range(self.n - 1)])

    def block(self, i: int, block: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """A block as segments: ``("para", xml)`` above/below, ``("rows", [tr, ...])``."""
        segs: list[tuple[str, Any]] = []
        rows: list[str] = []
        if self.var.get("titles_in_paragraphs"):
            segs.append(("para", _p(_run(block["title"], True))))
        else:
            rows.append(self.title_row(block["title"]))
        if "years" in block:
            rows += self.year_rows(block["years"])
        if "rows" in block:
            rows += self.field_rows(block["rows"])
        if "list" in block:
            rows += self.list_rows(block["list"])
        after = ""
        if "text" in block:
            more, after = self.text_rows(block["text"])
            rows += more
        if i in self.remark_blocks:
            remark = self.w["remarks"][int(self.rng.integers(len(self.w["remarks"])))]
            rows.append(self.tr([_Cell(self.label(self.w["remark_label"])), _Cell(_paras(remark), self.n - 1)]))
        segs.append(("rows", rows))
        if after:
            segs.append(("para", after))
        return segs

    # -- the parts of the document

    def basic(self) -> str:
        """一、基本情况: a table per block, or one table (one_table) broken only where text
        must follow a table (text_place=below)."""
        out: list[str] = []
        rows: list[str] = []
        last_table = [False]

        def flush() -> None:
            if rows:
                if last_table[0]:
                    out.append(_p())  # Word joins tables that touch
                out.append(_tbl(list(rows), self.grid))
                rows.clear()
                last_table[0] = True

        for i, block in enumerate(self.s.blocks):
            for kind, x in self.block(i, block):
                if kind == "rows":
                    rows += x
                    if not self.var.get("one_table"):
                        flush()
                else:
                    flush()
                    out.append(x)
                    last_table[0] = False
        flush()
        return "".join(out)

    def cover(self) -> str:
        fcfg = self.s.cfg["fields"]
        cat = fcfg["categories"][self.s.form]
        out = _p(_run(self.w["annex_label"].format(annex=cat["annex"]), True)) + _p()
        out += _p(_run(cat["form_title"], True, 36), align="center") + _p() + _p()
        sealed = set(self.w.get("cover_sealed") or [])
        for fid in self.w["cover_fields"]:
            value = self.text(fid) or (self.w["date_blank"] if self.s.kinds.get(fid) == "date" else "")
            suffix = _run(f" {self.w['cover_suffix']}") if fid in sealed else ""
            out += _p(_run(f"{self.s.labels[fid]}：", True) + _run(value) + suffix)
        return out + _p() + _p(_run(self.w["maker"], True), align="center")

    def plan(self) -> str:
        """二、创建工作方案: each heading (Heading 2 or a bold paragraph), its guidance when
        left in (guidance_left), its text a paragraph a line."""
        out = _p(_run(self.w["plan_part"], True), page_break_before=True)
        heading = (self.var.get("plan_headings") or "heading") == "heading"
        for sid, sec in self.w["plan_sections"].items():
            out += _p(_run(sec["heading"]), style="Heading2") if heading else _p(_run(sec["heading"], True))
            if self.var.get("guidance_left"):
                g = sec["guidance"]
                out += _p(_run(g[self.s.form] if isinstance(g, Mapping) else g))
            v = self.v.get(sid)
            if not _is_missing(v) and str(v):
                out += _paras(str(v))
        return out

    def attachments(self) -> str:
        """三、附件清单: the eight items, each ticked, unticked, or without a box (None)."""
        out = _p(_run(self.w["attachments_part"], True), page_break_before=True) + _p(_run(self.w["attachments_intro"]))
        ids = self.s.attachments
        for i, fid in enumerate(ids, 1):
            end = "。" if i == len(ids) else "；"
            out += _p(self.flag_runs(fid, f"{i}.{self.s.labels[fid]}", "") if isinstance(self.v.get(fid), str)
                      else self.mark(self.ticked(fid), fid) + _run(f"{i}.{self.s.labels[fid]}{end}"))
        return out

    def opinion(self) -> str:
        """四、推荐单位意见: 推荐意见 | the text, [章], the date (as printed: under the seal)."""
        f = self.w["opinion_fields"]
        text = self.text(f["text"])
        date = self.text(f["date"]) or self.w["date_blank"]
        cell = (_paras(text) if text else _p()) + _p(_run(self.w["opinion_seal"]), align="right") + _p(_run(date), align="right")
        row = self.tr([_Cell(_p(_run(self.w["opinion_label"]))), _Cell(cell, self.n - 1)])
        return _p(_run(self.w["opinion_part"], True), page_break_before=True) + _tbl([row], self.grid)

    def document(self) -> str:
        body = (self.cover() + _p(_run(self.w["part_titles"][0], True), page_break_before=True) + self.basic()
                + self.plan() + self.attachments() + self.opinion())
        return _document(body, self.w["page"])


# ----------------------------------------------------------------------------- the package


def _document(body: str, page: Mapping[str, int]) -> str:
    m = int(page["margin"])
    sect = (f'<w:sectPr><w:pgSz w:w="{int(page["width"])}" w:h="{int(page["height"])}"/>'
            f'<w:pgMar w:top="{m}" w:right="{m}" w:bottom="{m}" w:left="{m}" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>')
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_NS}><w:body>{body}{sect}</w:body></w:document>'


_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>")
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>")
_DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
    "</Relationships>")
_BORDERS = "".join(f'<w:{e} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles {_W_NS}>'
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="宋体" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'
    '<w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>'
    '<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/><w:sz w:val="32"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>'
    '<w:pPr><w:keepNext/><w:spacing w:before="200" w:after="100"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:eastAsia="楷体"/><w:b/><w:sz w:val="28"/></w:rPr></w:style>'
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>'
    '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
    '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    f'<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders>{_BORDERS}</w:tblBorders></w:tblPr></w:style>'
    "</w:styles>")
_SETTINGS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings {_W_NS}><w:defaultTabStop w:val="420"/>'
    '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>')
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application></Properties>')


def _core(title: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_esc(title)}</dc:title><dc:creator></dc:creator>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">2026-03-26T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-03-26T00:00:00Z</dcterms:modified></cp:coreProperties>')


def _write_package(path: Path, document_xml: str, title: str) -> Path:
    """The .docx package around ``word/document.xml`` (fixed member dates: reproducible bytes)."""
    parts = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS, "docProps/core.xml": _core(title),
             "docProps/app.xml": _APP, "word/_rels/document.xml.rels": _DOC_RELS, "word/styles.xml": _STYLES,
             "word/settings.xml": _SETTINGS, "word/document.xml": document_xml}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data.encode("utf-8"))
    return path


def _full_variant(variant: Mapping[str, Any] | None, cfg: Mapping) -> dict:
    out = {**default_variant(cfg), **(variant or {})}
    if out.get("one_table"):
        out["titles_in_paragraphs"] = False
    return out


# ----------------------------------------------------------------------------- public writers


def write_form_docx(path: str | Path, form: str, values: Mapping[str, Any] | None, config: Any = None,
                    variant: Mapping[str, Any] | None = None, layout: FormSpec | None = None) -> Path:
    """Write one filled official form (annex 2 ``park`` or annex 3 ``enterprise``) as .docx.

    Parameters
    ----------
    path : path of the .docx to write
    form : {"park", "enterprise"}
    values : mapping
        Cell values by key, as :func:`nebase_analysis.templates.applicant_cell_values`
        gives them (field ids, ``<id>_2023`` … ``<id>_avg``, long-text ids,
        ``top_enterprises.<rank>.<column>``, ``attachment_1`` …): numbers, dates,
        booleans (ticks), text; strings are written verbatim; None/NaN blank.
    variant : mapping, optional
        Switches (:func:`draw_variant`); missing ones take :func:`default_variant`.
    layout : FormSpec, optional
        :func:`form_spec` of this form (pass it when writing many forms).

    Examples
    --------
    >>> import tempfile, zipfile
    >>> p = Path(tempfile.mkdtemp()) / "e.docx"
    >>> _ = write_form_docx(p, "enterprise", {"ownership": "民营", "is_high_tech": True},
    ...                     variant={"checkbox_style": "sym"})
    >>> xml = zipfile.ZipFile(p).read("word/document.xml").decode()
    >>> 'w:char="F0FE"' in xml, "企业类型" in xml
    (True, True)
    """
    spec = layout if layout is not None else form_spec(form, config)
    if spec.form != form:
        raise ValueError(f"表单 {form!r} 与版式 {spec.form!r} 不一致")
    var = _full_variant(variant, spec.cfg)
    xml = _Writer(spec, values or {}, var).document()
    return _write_package(Path(path), xml, spec.cfg["fields"]["categories"][form]["form_title"])


def _summary_records(rows: Any) -> list[dict]:
    if rows is None:
        return []
    if isinstance(rows, pd.DataFrame):
        return rows.to_dict("records")
    return [dict(r) for r in rows]


def _summary_columns(cfg: Mapping) -> list[tuple[str, str]]:
    """(id, header as printed) of annex 1's columns: 序号 … 申报类别 (园区/企业) … 申报创建领域."""
    from nebase_analysis.templates import summary_layout

    header = cfg["wordforms"]["summary"]["category_header"]
    return [(f.id, header if f.id == "category" else f.label) for f in summary_layout(cfg).itertuples()]


def _summary_cell(rec: Mapping[str, Any], fid: str, cfg: Mapping) -> Any:
    """A summary cell as typed: the category as 园区/企业, a whole number without ``.0``."""
    from nebase_analysis.config import category_labels

    v = rec.get(fid)
    if _is_missing(v):
        return None
    if fid == "category" and v in category_labels(cfg):
        return category_labels(cfg)[v]
    if _is_number(v):
        return number_text(v)
    return v


def write_summary_docx(path: str | Path, rows: Any, recommender: Any, config: Any = None,
                       variant: Mapping[str, Any] | None = None) -> Path:
    """Write annex 1 (推荐汇总表) as a Word table, as printed in the notice.

    附件1, the title, 推荐单位（盖章）：…, then a table: 序号 | 申报单位名称 | 园区/企业名称 |
    申报类别 (园区/企业) | 申报创建领域 and a row per applicant (``rows``: columns ``seq,
    applicant_unit, name, category, domain``; category ``park``/``enterprise`` is written
    园区/企业, anything else verbatim). Variant switches used: ``label_breaks`` (the header
    申报类别 broken before its bracket), ``extra_list_rows`` (empty rows at the end),
    ``merged_label`` (the title as a first table row over the whole width).

    Examples
    --------
    >>> import tempfile, docx
    >>> p = Path(tempfile.mkdtemp()) / "附件1.docx"
    >>> _ = write_summary_docx(p, [{"seq": 1, "applicant_unit": "甲", "name": "甲", "category": "park", "domain": "软件"}], "某省工业和信息化厅")
    >>> [c.text for c in docx.Document(str(p)).tables[0].rows[1].cells]
    ['1', '甲', '甲', '园区', '软件']
    """
    cfg = resolve_config(config)
    w = cfg["wordforms"]
    s = w["summary"]
    var = _full_variant(variant, cfg)
    rng = np.random.default_rng(int(var.get("seed", 0)))
    grid = [int(x) for x in s["grid"]]
    cols = _summary_columns(cfg)
    title = cfg["fields"]["summary_title"]
    head = []
    for fid, label in cols:
        if var.get("label_breaks") and " " in label:
            i = label.index(" ")
            head.append(_Cell(_p(_run_lines([label[:i], label[i + 1:]], True))))
        else:
            head.append(_Cell(_p(_run(label, True))))
    ids = iter(range(1, 10**6))
    rows_xml = [_tr([_Cell(_p(_run(title, True), align="center"), len(grid))], grid, ids)] if var.get("merged_label") else []
    rows_xml.append(_tr(head, grid, ids))
    for rec in _summary_records(rows):
        cells = [_Cell(_paras(str(v)) if (v := _summary_cell(rec, fid, cfg)) is not None else "") for fid, _ in cols]
        rows_xml.append(_tr(cells, grid, ids))
    lo, hi = w["variant_rates"]["extra_list_rows"]
    for _ in range(int(rng.integers(lo, hi + 1)) if var.get("extra_list_rows") else 0):
        rows_xml.append(_tr([_Cell() for _ in cols], grid, ids))
    body = _p(_run(s["annex"], True))
    if not var.get("merged_label"):
        body += _p(_run(title, True, 32), align="center")
    body += _p(_run(s["recommender"]) + _run("" if _is_missing(recommender) else str(recommender))) + _tbl(rows_xml, grid)
    body += _p("")  # Word ends a body with a paragraph; LibreOffice drops a final table in .doc
    return _write_package(Path(path), _document(body, w["page"]), title)


def write_summary_sheet(path: str | Path, rows: Any, recommender: Any, config: Any = None) -> Path:
    """Write annex 1 as a plain xlsx sheet (no template ``_meta``), laid out as printed.

    Row 1 the title, row 2 ``推荐单位（盖章）：…``, row 3 the headers as printed (序号 |
    申报单位名称 | 园区/企业名称 | 申报类别 (园区/企业) | 申报创建领域), then a row per applicant
    (序号 as a number where it is one, everything else as text; never a formula).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> p = Path(tempfile.mkdtemp()) / "附件1 推荐汇总表.xlsx"
    >>> _ = write_summary_sheet(p, [{"seq": 1, "applicant_unit": "甲", "name": "甲", "category": "enterprise", "domain": "软件"}], "某省")
    >>> ws = openpyxl.load_workbook(p).active
    >>> ws["A2"].value, [c.value for c in ws[3]][3], [c.value for c in ws[4]]
    ('推荐单位（盖章）：某省', '申报类别 (园区/企业)', [1, '甲', '甲', '企业', '软件'])
    """
    from nebase_analysis.excel import open_workbook, write_text

    cfg = resolve_config(config)
    s = cfg["wordforms"]["summary"]
    cols = _summary_columns(cfg)
    wb = open_workbook(path)
    ws = wb.add_worksheet(s["sheet_name"])
    bold = wb.add_format({"bold": True})
    ws.set_column(0, 0, 8)
    ws.set_column(1, 2, 36)
    ws.set_column(3, 4, 20)
    ws.write_string(0, 0, cfg["fields"]["summary_title"], bold)
    ws.write_string(1, 0, f"{s['recommender']}{'' if _is_missing(recommender) else recommender}")
    for j, (_, label) in enumerate(cols):
        ws.write_string(2, j, label, bold)
    for i, rec in enumerate(_summary_records(rows), start=3):
        for j, (fid, _) in enumerate(cols):
            v = rec.get(fid)
            if fid == "seq" and _is_number(v) and math.isfinite(float(v)):
                ws.write_number(i, j, float(v))
            else:
                write_text(ws, i, j, _summary_cell(rec, fid, cfg))
    wb.close()
    return Path(path)
