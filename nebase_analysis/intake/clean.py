"""Cleaning one read record into an applicant row, and assembling the Batch.

A :class:`~nebase_analysis.intake.record.FormRecord` (whatever reader made it) is cleaned
key by key, dispatched on the field kinds of ``fields.yaml`` (:func:`_specs`): names and the
cover's texts are normalised, domains and provinces resolved through their aliases, credit
codes normalised, everything else goes through :func:`nebase_analysis.cleaning.clean_value`
(with the field's ``integer`` flag: a zero word in a count field is 0). A value not taken is
a ``field`` entry of ``rejected`` at the record's place of that key; every change is a
cleaning-log row. :class:`Collector` gathers what a batch reading produces and
:meth:`Collector.batch` assembles the :class:`~nebase_analysis.batch.Batch`.

Examples
--------
>>> _typed_text(2.0), _reason_for("企业数量（个）", "三个", "unreadable", "个", "count")
('2', '「企业数量（个）」的值「三个」无法识别为数值，按缺失处理')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from nebase_analysis import cleaning as cl
from nebase_analysis.batch import TABLE_COLUMNS, Batch, type_applicants
from nebase_analysis.config import applicant_columns, category_labels

__all__ = ["Collector", "REJECTED_COLUMNS"]

REJECTED_COLUMNS = TABLE_COLUMNS["rejected"]
#: the extra columns of intake's applicants (after those of applicant_columns)
_EXTRA = ["source_file", "seq", "in_summary"]


def _typed_text(value: Any) -> str | None:
    """A cell's value as the province typed it, as text (the ``value`` of ``rejected``): text as
    is, a number without a trailing ``.0``, a date as ``YYYY-MM-DD``; ``None`` when blank.

    Examples
    --------
    >>> _typed_text("约30亿左右"), _typed_text(2.0), _typed_text(2.5), _typed_text("  ")
    ('约30亿左右', '2', '2.5', None)
    """
    if cl.is_blank(value):
        return None
    return value if isinstance(value, str) else cl.parse_text(value).value


def _approximate_quoted(rule: str) -> str:
    """The words of an ``approximate:<w1>/<w2>`` rule part, each in Chinese quotes.

    Examples
    --------
    >>> _approximate_quoted("approximate:约/左右")
    '“约”“左右”'
    """
    return "".join(f"“{w}”" for w in rule.split(":", 1)[1].split("/"))


def _reason_for(label: str, raw: Any, rule: str | None, unit: Any, kind: str) -> str:
    """Why a cell's value was not taken (Chinese), from the parser's rule."""
    raw = _typed_text(raw)
    if rule and rule.startswith("unit_mismatch:"):
        return f"「{label}」的值「{raw}」单位为{rule.split(':', 1)[1]}，与本行单位{unit}不符，按缺失处理"
    if rule and rule.startswith("approximate:"):
        return f"「{label}」的值「{raw}」含{_approximate_quoted(rule)}等约数用语，不能作为确切数值，按缺失处理；请填写确切数值"
    if rule == "ambiguous_spaces":
        return (f"「{label}」的值「{raw}」中数字之间有空格，无法确定是一个数还是几个数，按缺失处理；"
                "请删除空格后填写一个确切数值")
    what = {"date": "日期", "bool": "是/否", "choice": "可选项"}.get(kind, "数值")
    return f"「{label}」的值「{raw}」无法识别为{what}，按缺失处理"


@dataclass
class _Spec:
    """How one key of a form is cleaned: its field, kind, unit, choices, label and ``integer``."""

    key: str
    field: str
    kind: str
    unit: Any
    choices: Any
    label: str
    integer: bool = False


def _specs(layout: pd.DataFrame, cfg: Mapping) -> list[_Spec]:
    """The :class:`_Spec` of every value key of a form layout (fields, texts, list cells)."""
    out = []
    lists = cfg["fields"].get("lists", {})
    for row in layout.itertuples(index=False):
        if row.kind in ("field", "text"):
            for key in row.keys:
                out.append(_Spec(key, row.field, row.field_kind, row.unit, row.choices, row.label,
                                 bool(row.integer) or row.field_kind == "count"))
        elif row.kind == "list_row":
            spec = lists[row.field]
            for key, col in zip(row.keys, spec["columns"]):
                out.append(_Spec(key, row.field, col["kind"], col.get("unit"), None, f"{spec['label']}第{row.label}行{col['label']}",
                                 bool(col.get("integer", col["kind"] == "count"))))
    return out


# ----------------------------------------------------------------------------- what a batch reading collects


@dataclass
class Collector:
    """Everything a batch reading produces, and the few things every step needs.

    ``rel_base`` is the folder paths in ``rejected`` and ``source_file`` are relative to.

    Examples
    --------
    >>> from nebase_analysis.cleaning import cleaning_rules
    >>> from nebase_analysis.config import load_config
    >>> out = Collector(load_config(), cleaning_rules(), Path("/raw"))
    >>> out.reject("/raw/applications/广东省/说明.pdf", "不支持的文件格式（.pdf）", "file")
    >>> out.rejected[0]["path"], out.batch().rejected.shape
    ('applications/广东省/说明.pdf', (1, 8))
    """

    cfg: Mapping
    rules: Any
    rel_base: Path
    specs: dict = field(default_factory=dict)  # form -> list of _Spec
    rejected: list = field(default_factory=list)
    log: list = field(default_factory=list)
    applicants: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    lists: dict = field(default_factory=dict)
    summaries: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lists = self.lists or {name: [] for name in self.cfg["fields"].get("lists", {})}

    def rel(self, p: Any) -> str:
        """``p`` relative to ``rel_base`` (posix), or as given when outside it."""
        try:
            return Path(p).relative_to(self.rel_base).as_posix()
        except ValueError:
            return str(p)

    def reject(self, p: Any, reason: str, scope: str, applicant_id: Any = None, sheet: Any = None, cell: Any = None,
               fld: Any = None, value: Any = None) -> None:
        """One row of ``rejected`` (``value`` as typed, see :func:`_typed_text`)."""
        self.rejected.append({"path": self.rel(p) if p is not None else None, "sheet": sheet, "cell": cell, "field": fld,
                              "applicant_id": applicant_id, "reason": reason, "scope": scope, "value": _typed_text(value)})

    def logged(self, applicant_id: Any, fld: str, raw: Any, clean: Any, rule: str) -> None:
        """One cleaning-log row."""
        self.log.append({"applicant_id": applicant_id, "field": fld, "raw": raw, "clean": clean, "rule": rule})

    def batch(self) -> Batch:
        """The :class:`~nebase_analysis.batch.Batch` of what was collected."""
        return _assemble(self)


# ----------------------------------------------------------------------------- cleaning one record

_NAME_FIELDS = ("name", "applicant_unit", "recommender")


def _clean_name(raw: Any, rules: Any) -> cl.Parsed:
    p = cl.parse_text(raw, rules)
    v = cl.normalize_name(p.value) if p.value is not None else None
    rule = p.rule if v == p.value else "+".join(x for x in (p.rule, "name_normalized") if x)
    return cl.Parsed(v, rule, True)


def _clean_alias(raw: Any, rules: Any, resolve: Any, rule: str) -> cl.Parsed:
    p = cl.parse_text(raw, rules)
    if p.value is None:
        return p
    v = resolve(p.value, rules)
    return cl.Parsed(v, None if v == raw else rule, v is not None)


def _clean_spec(s: _Spec, raw: Any, rules: Any) -> cl.Parsed:
    """One value cleaned by its field (names, domain, province, credit code) or its kind."""
    if s.field in _NAME_FIELDS:
        return _clean_name(raw, rules)
    if s.field == "domain":
        return _clean_alias(raw, rules, cl.resolve_domain, "domain_alias")
    if s.field == "province":
        return _clean_alias(raw, rules, cl.resolve_province, "province_alias")
    if s.field == "credit_code":
        v = cl.normalize_credit_code(raw)
        return cl.Parsed(v, None if v == raw or v is None else "credit_code_normalized", True)
    return cl.clean_value(raw, s.kind, s.unit, s.choices, rules, integer=s.integer)


def _log_text(value: Any) -> str | None:
    if cl.is_blank(value) or value is pd.NaT:
        return None
    return str(value.date() if isinstance(value, pd.Timestamp) else value)


def _report_value(r: Any, s: _Spec, raw: Any, p: cl.Parsed, aid: str, out: Collector, path: Path) -> None:
    """A value not taken (``field``), or a change logged (an approximate figure also reported)."""
    sheet, cell = r.where(s.key)
    if not p.ok:
        out.reject(path, _reason_for(s.label, raw, p.rule, s.unit, s.kind), "field", aid, sheet=sheet, cell=cell, fld=s.key, value=raw)
        return
    if p.rule is None:
        return
    out.logged(aid, s.key, None if raw is None else str(raw), _log_text(p.value), p.rule)
    approx = next((part for part in p.rule.split("+") if part.startswith("approximate:")), None)
    if approx is not None:  # read, but an approximate figure is never passed off as exact
        out.reject(path, f"「{s.label}」的值「{raw}」含{_approximate_quoted(approx)}等约数用语，已按约数 {p.value:.12g} 读取；请核实并填写确切数值",
                   "reconcile", aid, sheet=sheet, cell=cell, fld=s.key, value=raw)


def _clean_applicant(r: Any, aid: str, province: str, specs: list[_Spec], out: Collector, path: Path) -> dict:
    """The applicant row of one read record (``r.ok``); its texts and list rows go to ``out``."""
    row: dict[str, Any] = {"applicant_id": aid, "category": r.form, "province": province}
    for sheet, cell, key, reason, typed in r.problems:
        out.reject(path, reason, "field", aid, sheet=sheet, cell=cell, fld=key, value=typed)
    for sheet, cell, key, reason, typed in r.notes:
        out.reject(path, reason, "reconcile", aid, sheet=sheet, cell=cell, fld=key, value=typed)
    list_rows: dict[tuple, dict] = {}
    for s in specs:
        raw = r.values.get(s.key)
        p = _clean_spec(s, raw, out.rules)
        _report_value(r, s, raw, p, aid, out, path)
        if s.kind == "longtext":
            if p.value is not None:
                out.texts.append({"applicant_id": aid, "section": s.key, "text": p.value})
        elif "." in s.key and s.key.split(".")[0] in out.lists:
            name, rank, col = s.key.split(".")
            list_rows.setdefault((name, int(rank)), {"applicant_id": aid, "rank": int(rank)})[col] = p.value
        elif not (s.field == "province" and p.value is None):  # the Word forms print no province: the folder's stays
            row[s.key] = p.value
    for (name, rank), rec in sorted(list_rows.items()):
        if any(not cl.is_blank(v) for k, v in rec.items() if k not in ("applicant_id", "rank")):
            out.lists[name].append(rec)
    return row


# ----------------------------------------------------------------------------- the batch


def _list_frame(rows: list, spec: Mapping) -> pd.DataFrame:
    cols = ["applicant_id", "rank"] + [c["id"] for c in spec["columns"]]
    t = pd.DataFrame(rows, columns=cols)
    t["rank"] = t["rank"].astype("int64")
    for c in spec["columns"]:
        t[c["id"]] = t[c["id"]].astype("float64") if c["kind"] == "number" else t[c["id"]].astype(object).astype("str")
    t["applicant_id"] = t["applicant_id"].astype("str")
    return t


def _assemble(out: Collector) -> Batch:
    cfg = out.cfg
    cols = applicant_columns(None, cfg) + _EXTRA
    df = pd.DataFrame(out.applicants, columns=cols) if out.applicants else pd.DataFrame(columns=cols)
    lists_df = {name: _list_frame(out.lists[name], spec) for name, spec in cfg["fields"].get("lists", {}).items()}
    summary = pd.DataFrame(out.summaries, columns=[*TABLE_COLUMNS["summary"], "applicant_id", "row", "workbook"])
    summary["seq"] = summary["seq"].astype("float64")
    return Batch(
        applicants=type_applicants(df, cfg),
        top_enterprises=lists_df.get("top_enterprises"),
        top_products=lists_df.get("top_products"),
        texts=pd.DataFrame(out.texts, columns=TABLE_COLUMNS["texts"]).astype("str"),
        summary=summary,
        rejected=pd.DataFrame(out.rejected, columns=REJECTED_COLUMNS).astype(object),
        cleaning_log=pd.DataFrame(out.log, columns=TABLE_COLUMNS["cleaning_log"]).astype(object),
    )


def form_specs(layouts: Mapping[str, pd.DataFrame], cfg: Mapping) -> dict[str, list[_Spec]]:
    """Form -> its :class:`_Spec` list (one per value key of its layout).

    Examples
    --------
    >>> from nebase_analysis.config import load_config
    >>> from nebase_analysis.templates import form_layout
    >>> cfg = load_config()
    >>> s = {x.key: x for x in form_specs({"park": form_layout("park", cfg)}, cfg)["park"]}
    >>> s["employees_2024"].integer, s["total_revenue_2024"].integer, s["high_tech_count"].kind
    (True, False, 'count')
    """
    return {f: _specs(layouts[f], cfg) for f in category_labels(cfg) if f in layouts}
