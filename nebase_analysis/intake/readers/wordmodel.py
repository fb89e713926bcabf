"""What the Word reader looks for on each official form: labels, block titles, headings.

Built from configuration only (``fields.yaml`` for labels and units, ``wordforms.yaml`` for
the arrangement of the printed forms), once per form. Labels are compared after
:func:`norm`: Unicode NFKC, every whitespace removed, brackets of any width alike, quotes,
a required mark ``*``, checkbox marks and a trailing colon dropped. A label may be written
with its unit (总营业收入（亿元）), without it (总营业收入), or with the dictionary label of
``fields.md``; where a label repeats (规模以上企业数量（个）), the block it sits in decides.

Examples
--------
>>> m = form_model("park")
>>> [t.field for t in m.labels[norm("规模以上企业数量 (个)")]]
['above_scale_count', 'lead_above_scale_count']
>>> m.blocks[norm("主导产业近三年发展情况")] == m.block_of["lead_above_scale_count"]
True
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping

from nebase_analysis.config import field_schema, resolve_config, wide_columns

__all__ = ["Target", "FormModel", "form_model", "norm", "strip_marks"]

_DROP = re.compile(r"[\s\u200b\u200c\u200d\ufeff“”\"‘’'「」『』*★]")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "﹙": "(", "﹚": ")"})
_PAREN_TAIL = re.compile(r"\([^()]*\)$")
_PAREN_ANY = re.compile(r"\([^()]*\)")


def norm(text: Any) -> str:
    """A label as compared (see :func:`_norm`); cached, labels repeat across forms."""
    return _norm(text) if isinstance(text, str) else _norm(str(text or ""))


@functools.lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    """A label as compared: NFKC, no whitespace, one bracket style, no quotes or colon.

    Examples
    --------
    >>> norm(" 占园区总营业收入比重 （%）：") == norm("占园区总营业收入比重(%)")
    True
    """
    s = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    s = _DROP.sub("", s)
    return s.rstrip(":").lstrip(":")


def strip_marks(text: str, marks: str) -> tuple[str, str | None]:
    """``(text without a leading checkbox mark, the mark or None)``.

    Examples
    --------
    >>> strip_marks(" ☑ 高新技术企业", "☑☐")
    ('高新技术企业', '☑')
    """
    s = text.lstrip()
    if s[:1] and s[0] in marks:
        return s[1:].lstrip(), s[0]
    return text, None


@dataclass(frozen=True)
class Target:
    """One labelled row of a form: the field, its kind, block and value keys."""

    field: str
    kind: str
    block: str  # normalised title of the block it is printed in ("" for the cover)
    label: str  # the label as printed (for places)
    keys: tuple  # value keys: (id,) or the yearly keys <id>_2023 … <id>_avg
    periods: tuple = ()  # per key: the year (int) or "avg"; () for one value
    choices: tuple = ()


@dataclass
class FormModel:
    """Everything the reader matches on one form (see the module docstring)."""

    form: str
    labels: dict = field(default_factory=dict)  # norm label -> [Target]
    loose: dict = field(default_factory=dict)  # norm label without a trailing (...) -> [Target]
    blocks: dict = field(default_factory=dict)  # norm block title (and its short form) -> block id
    block_of: dict = field(default_factory=dict)  # field id -> block id
    texts: dict = field(default_factory=dict)  # block id of a long-text block -> Target
    lists: dict = field(default_factory=dict)  # block id -> (list name, {norm column label: column id}, rows, labels)
    plan: dict = field(default_factory=dict)  # norm heading -> (field id, heading, [norm guidance])
    attachments: list = field(default_factory=list)  # (number, field id, norm label, label)
    cover: dict = field(default_factory=dict)  # norm label -> Target
    parts: dict = field(default_factory=dict)  # norm part title -> part id
    other: str | None = None  # the field after ☐其他 (other_recognition)
    required: list = field(default_factory=list)  # Targets the form must show
    prompt: str = ""  # norm of the long texts' printed prompt
    year_cols: dict = field(default_factory=dict)  # norm header text -> period (int or "avg")
    opinion: tuple = ()  # (norm 推荐意见 label, opinion Target, date Target)

    def candidates(self, text: str) -> list:
        """Targets whose label is ``text`` (exact after :func:`norm`, else without its (...))."""
        n = norm(text)
        if n in self.labels:
            return self.labels[n]
        return self.loose.get(_PAREN_TAIL.sub("", n), []) if n else []


def _printed(fid: str, f: Any, form: str, wcfg: Mapping, label_with_unit: Any) -> str:
    over = (wcfg.get("printed_labels") or {}).get(form, {}).get(fid)
    if over:
        return over
    return label_with_unit(f[f"printed_{form}"], f.unit)


def _add_label(model: FormModel, target: Target, *texts: str) -> None:
    for t in dict.fromkeys(norm(x) for x in texts if isinstance(x, str) and x):
        bucket = model.labels.setdefault(t, [])
        if target not in bucket:
            bucket.append(target)
        short = _PAREN_ANY.sub("", t)
        lb = model.loose.setdefault(short, [])
        if short and target not in lb:
            lb.append(target)


def _yearly_keys(cfg: Mapping) -> dict[str, tuple]:
    wide = wide_columns(cfg)
    yearly = wide[wide.kind == "yearly"]
    out = {}
    for fid, g in yearly.groupby("field", sort=False):
        periods = tuple(p if isinstance(p, int) else "avg" for p in g["period"])
        out[fid] = (tuple(g["column"]), periods)
    return out


def _block_fields(block: Mapping) -> list[str]:
    out = list(block.get("years") or [])
    for row in block.get("rows") or []:
        if isinstance(row, list):
            out += row
        else:
            for k in ("choice", "other"):
                if row.get(k):
                    out.append(row[k])
            out += list(row.get("flags") or [])
    if block.get("text"):
        out.append(block["text"])
    return out


def _add_block(model: FormModel, block: Mapping, schema: Any, form: str, cfg: Mapping, yearly: Mapping) -> None:
    from nebase_analysis.templates import _label_with_unit

    wcfg = cfg["wordforms"]
    bid = norm(block["title"])
    for t in {bid, _PAREN_ANY.sub("", bid)}:
        model.blocks[t] = bid
    for fid in _block_fields(block):
        f = schema.loc[fid]
        printed = _printed(fid, f, form, wcfg, _label_with_unit)
        keys, periods = yearly.get(fid, ((fid,), ()))
        target = Target(fid, f.kind, bid, printed, keys, periods, tuple(f.choices) if isinstance(f.choices, (list, tuple)) else ())
        model.block_of[fid] = bid
        if f.kind == "longtext":
            model.texts[bid] = target
        else:
            plain = f[f"printed_{form}"]
            _add_label(model, target, printed, plain, _label_with_unit(f.label, f.unit), f.label)
        if block.get("rows") and any(isinstance(r, Mapping) and r.get("other") == fid for r in block["rows"]):
            model.other = fid
        if bool(f.required):
            model.required.append(target)
    if block.get("list"):
        spec = cfg["fields"]["lists"][block["list"]]
        cols = {}
        for c in spec["columns"]:
            for t in (_label_with_unit(c["label"], c.get("unit")), c["label"]):
                cols[norm(t)] = c["id"]
        labels = {c["id"]: _label_with_unit(c["label"], c.get("unit")) for c in spec["columns"]}
        model.lists[bid] = (block["list"], cols, int(spec["rows"]), labels)


def _add_fixed_parts(model: FormModel, schema: Any, form: str, cfg: Mapping) -> None:
    wcfg = cfg["wordforms"]
    for fid in wcfg["cover_fields"]:
        f = schema.loc[fid]
        target = Target(fid, f.kind, "", f[f"printed_{form}"], (fid,), (), tuple(f.choices) if isinstance(f.choices, (list, tuple)) else ())
        model.cover[norm(target.label)] = target
        _add_label(model, target, target.label)
        if bool(f.required):
            model.required.append(target)
    for pid, title in zip(("basic", "plan", "attachments", "opinion"), wcfg["part_titles"]):
        model.parts[norm(title)] = pid
        model.parts[_PAREN_ANY.sub("", norm(title))] = pid
    for fid, spec in wcfg["plan_sections"].items():
        guidance = spec.get("guidance")
        guidance = guidance.get(form) if isinstance(guidance, Mapping) else guidance
        heading = spec["heading"]
        model.plan[norm(heading)] = (fid, heading, [norm(guidance)] if guidance else [])
        target = Target(fid, "longtext", "plan", heading, (fid,))
        if bool(schema.loc[fid].required):
            model.required.append(target)
    for n in range(1, 9):
        fid = f"attachment_{n}"
        if fid in schema.index:
            f = schema.loc[fid]
            label = f[f"printed_{form}"]
            model.attachments.append((n, fid, norm(label), label))
    op, date = schema.loc["recommender_opinion"], schema.loc["recommender_opinion_date"]
    model.opinion = (norm(wcfg["opinion_label"]), Target("recommender_opinion", "longtext", "opinion", op.label, ("recommender_opinion",)),
                     Target("recommender_opinion_date", "date", "opinion", date.label, ("recommender_opinion_date",)))


def _build(form: str, cfg: Mapping) -> FormModel:
    schema = field_schema(cfg).set_index("id")
    wcfg = cfg["wordforms"]
    model = FormModel(form=form, prompt=norm(wcfg["text_prompt"]))
    yearly = _yearly_keys(cfg)
    for block in wcfg["forms"][form]:
        _add_block(model, block, schema, form, cfg, yearly)
    _add_fixed_parts(model, schema, form, cfg)
    for y in cfg["fields"]["years"]:
        for t in (f"{y}年", f"{y}", f"{y}年度"):
            model.year_cols[norm(t)] = int(y)
    model.year_cols[norm(cfg["fields"]["avg_label"])] = "avg"
    model.year_cols[norm("平均值")] = "avg"
    return model


def form_model(form: str, config: Any = None) -> FormModel:
    """The :class:`FormModel` of ``park`` or ``enterprise`` for a configuration.

    Models are cached per configuration object (a model is built from configuration only).
    """
    cfg = config if isinstance(config, Mapping) and "wordforms" in config and "fields" in config else resolve_config(config)
    key = (form, id(cfg["fields"]), id(cfg["wordforms"]))
    hit = _MODELS.get(key)
    if hit is not None and hit[0] is cfg["fields"] and hit[1] is cfg["wordforms"]:
        return hit[2]
    model = _build(form, cfg)
    _MODELS[key] = (cfg["fields"], cfg["wordforms"], model)
    return model


#: models built so far, keyed by the identity of the configuration they were built from
_MODELS: dict = {}
