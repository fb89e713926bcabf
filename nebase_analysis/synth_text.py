"""Chinese long texts for the synthetic batch, built from phrase banks.

The phrase banks live in ``config/synth_text.yaml`` (sentence templates per section and
category) and ``config/synth.yaml`` (per-domain technologies, products, scenarios). A text
is one opening sentence, body sentences drawn without replacement until a target length,
filler sentences (each at most once) if the body runs out, and one closing sentence.

Examples
--------
>>> import numpy as np
>>> from nebase_analysis.config import load_config
>>> cfg = load_config()
>>> ctx = {"name": "示例园区", "province": "广东省", "city": "深圳", "domain": "软件",
...        "rev": "100.00", "growth": "10.00", "rd": "8.00", "patents": 120, "talent": 300}
>>> text = long_text("plan_basis", "park", "software", ctx, np.random.default_rng(0), 300, cfg)
>>> 250 < len(text) < 2000
True
"""
from __future__ import annotations

import functools
import string
from typing import Any, Mapping

import numpy as np

__all__ = ["long_text", "section_ids"]


def section_ids(category: str, config: Mapping[str, Any]) -> list[str]:
    """Text sections of a category's form, in schema order (long texts of fields.yaml).

    Examples
    --------
    >>> from nebase_analysis.config import load_config
    >>> section_ids("enterprise", load_config())[:3]
    ['scenario_innovation', 'business_model', 'governance']
    """
    from nebase_analysis.config import field_schema

    schema = field_schema(config)
    return [f.id for f in schema.itertuples() if f.kind == "longtext" and category in f.forms]


def _pick(bank: Mapping[str, Any], key: str, category: str) -> list[str]:
    part = bank.get(key) or {}
    return list(part.get(category, [])) + list(part.get("common", []))


@functools.lru_cache(maxsize=4096)
def _placeholders(template: str) -> tuple[str, ...]:
    return tuple(f for _, f, _, _ in string.Formatter().parse(template) if f)


def _fill(template: str, ctx: Mapping[str, Any], domain_bank: Mapping[str, Any], rng: np.random.Generator,
          tcfg: Mapping[str, Any]) -> str:
    """Substitute placeholders; list-valued ones (tech, product, scenario: ``synth_text.pools``) and
    numbers (``synth_text.numbers``) are drawn afresh."""
    values: dict[str, Any] = {}
    pools, numbers = tcfg["pools"], tcfg["numbers"]
    for key in _placeholders(template):
        if key in ctx:
            values[key] = ctx[key]
        elif key in pools:
            pool = domain_bank[pools[key]]
            values[key] = pool[int(rng.integers(len(pool)))]
        elif key in numbers:
            values[key] = int(rng.integers(*numbers[key]))
        else:
            raise KeyError(f"合成文本模板缺少占位符取值：{key}（模板：{template}）")
    return template.format(**values)


def long_text(
    section: str,
    category: str,
    domain_id: str,
    ctx: Mapping[str, Any],
    rng: np.random.Generator,
    target_chars: int,
    config: Mapping[str, Any],
) -> str:
    """One long text of ``section`` for an applicant.

    Parameters
    ----------
    section : str
        A long-text field id (``plan_basis``, ``policy``, ``governance``, ...).
    category : {"park", "enterprise"}
    domain_id : str
        Domain id of domains.yaml; selects the domain phrase bank in synth.yaml.
    ctx : mapping
        Placeholder values (name, province, city, domain, figures as text, years).
    rng : numpy Generator
    target_chars : int
        Length to reach (the text stops at the first sentence boundary past it).
    config : mapping
        A full configuration (``load_config()``).

    Returns
    -------
    str
        Paragraph text, never longer than ``fields.longtext_max_chars``.
    """
    tcfg = config["synth_text"]
    bank = tcfg["sections"][section]
    domain_bank = config["synth"]["domains"][domain_id]
    limit = int(config["fields"]["longtext_max_chars"])
    opens, body, closes = (_pick(bank, k, category) for k in ("open", "body", "close"))
    parts = [_fill(opens[int(rng.integers(len(opens)))], ctx, domain_bank, rng, tcfg)] if opens else []
    order = list(rng.permutation(len(body))) if body else []
    fillers = list(tcfg.get("filler", []))
    filler_order = list(rng.permutation(len(fillers))) if fillers else []
    length = sum(map(len, parts))
    closing = _fill(closes[int(rng.integers(len(closes)))], ctx, domain_bank, rng, tcfg) if closes else ""
    # recommender opinions and other one-liners have no body: they stay short
    if body:
        while length + len(closing) < target_chars:
            if order:
                sentence = _fill(body[order.pop(0)], ctx, domain_bank, rng, tcfg)
            elif filler_order:
                sentence = _fill(fillers[filler_order.pop(0)], ctx, domain_bank, rng, tcfg)
            else:
                break
            if length + len(sentence) + len(closing) > limit:
                break
            parts.append(sentence)
            length += len(sentence)
    if closing:
        parts.append(closing)
    return "".join(parts)
