"""Cleaning parsers: numbers written as text, units, dates, names, aliases, credit codes.

Every parser takes one raw cell value (whatever the spreadsheet reader returned:
``str``, ``int``, ``float``, ``datetime``, ``None``) and returns a :class:`Parsed`
``(value, rule, ok)``:

- ``value``: the clean value (``nan``/``NaT``/``None`` when missing);
- ``rule``: ``None`` when nothing changed, otherwise the rule(s) applied, joined by
  ``+`` (``thousands_separator+unit_converted:万元->亿元``); intake writes one
  cleaning-log row ``(applicant_id, field, raw, clean, rule)`` per change;
- ``ok``: ``False`` when a non-empty cell could not be read (the value is then
  missing and intake reports it in ``rejected``).

Blanks and the configured missing tokens (``—``, ``无``, ``-``, ``N/A`` ...) become
missing, never zero, except in a count field (kind ``count``, or a yearly field with
``integer: true``: 个, 件, 人, 家): there the zero words of ``intake.zero_words`` (``无``, ``—``,
``/`` and their variants) mean 0 (rule ``zero_word``; see :func:`clean_value`).
Cleaning does not guess at unit slips in plain numbers (a 亿元
field holding ``30000`` stays ``30000``: validation reports it); a unit written in the
cell (``3000万元`` in a 亿元 field) is converted and logged. Digits split by spaces
(``30 40``: one number or two?) are refused. Approximate wording (``约30亿左右``, the words
of ``intake.approximate_words``) is named in the rule (``approximate:约/左右``) so that intake
reports it; with ``intake.approximate_numbers: refuse`` the cell is refused instead.

The vocabularies (missing tokens, units, yes/no words, company suffixes, aliases)
come from ``intake.yaml``, ``provinces.yaml`` and ``domains.yaml``; pass ``config``
(anything :func:`nebase_analysis.config.resolve_config` takes, or a
:class:`CleaningRules`) to override them.

Examples
--------
>>> from nebase_analysis.cleaning import parse_number, credit_code_valid
>>> parse_number("3000万元", unit="亿元")
Parsed(value=0.3, rule='unit_converted:万元->亿元', ok=True)
>>> parse_number("无").value
nan
>>> credit_code_valid("91350900587527783P")
True
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import math
import re
import unicodedata
from typing import Any, Hashable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "Parsed",
    "CleaningRules",
    "cleaning_rules",
    "is_blank",
    "normalize_text",
    "parse_number",
    "approximate_words",
    "clean_numbers",
    "parse_date",
    "excel_serial_date",
    "clean_dates",
    "parse_bool",
    "parse_choice",
    "parse_text",
    "clean_value",
    "normalize_name",
    "name_key",
    "key_groups",
    "resolve_province",
    "province_from_text",
    "resolve_provinces",
    "resolve_domain",
    "resolve_domains",
    "resolve_category",
    "normalize_credit_code",
    "credit_code_check_digit",
    "credit_code_valid",
    "CREDIT_CODE_CHARSET",
]


class Parsed(NamedTuple):
    """Result of a parser: the clean ``value``, the ``rule`` applied (``None``: unchanged), ``ok``."""

    value: Any
    rule: str | None
    ok: bool


# ----------------------------------------------------------------------------- rules


@dataclasses.dataclass(frozen=True, eq=False)
class CleaningRules:
    """The vocabularies the parsers use, prepared once from a config.

    Build with :func:`cleaning_rules`; parsers accept it wherever they take ``config``.
    """

    missing_tokens: frozenset
    approximate_words: tuple  # longest first
    approximate_refused: bool  # intake.approximate_numbers == "refuse"
    unit_dimension: Mapping[str, str]  # unit -> dimension
    unit_factor: Mapping[str, float]  # unit -> factor to its dimension's base
    units_by_length: tuple  # units, longest first (for suffix matching)
    count_dimensions: frozenset  # dimensions counting things, interchangeable (家 vs 个)
    bool_true: frozenset
    bool_false: frozenset
    category_alias: Mapping[str, str]
    name_suffixes: tuple
    province_alias: Mapping[str, str]
    province_prefixes: tuple  # (alias, canonical) with len(alias) >= 2, longest first
    domain_alias: Mapping[str, str]
    excel_serial_range: tuple
    #: words meaning 0 in a count field (intake.zero_words), keyed like missing_tokens
    zero_words: frozenset = frozenset()
    #: parsed number texts, (text, unit) -> Parsed; lives and dies with this object
    number_cache: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    #: number texts remembered per rules object (distinct texts of one batch are far fewer)
    NUMBER_CACHE_SIZE = 65536


def cleaning_rules(config: Any = None) -> CleaningRules:
    """Prepare the cleaning vocabularies from a config (cached for the package defaults).

    Examples
    --------
    >>> r = cleaning_rules()
    >>> r.unit_factor["万元"], r.province_alias["粤"]
    (10000.0, '广东省')
    """
    if isinstance(config, CleaningRules):
        return config
    if config is None:
        return _default_rules()
    from nebase_analysis.config import resolve_config

    return _build_rules(resolve_config(config))


@functools.lru_cache(maxsize=1)
def _default_rules() -> CleaningRules:
    from nebase_analysis.config import resolve_config

    return _build_rules(resolve_config(None))


def _key(text: str) -> str:
    """Lookup key for aliases: NFKC, no whitespace, casefolded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


#: the values ``intake.approximate_numbers`` may take (what :func:`parse_number` implements)
_APPROXIMATE_POLICIES = ("flag", "refuse")


def _approximate_policy(icfg: Mapping[str, Any]) -> str:
    """``intake.approximate_numbers``; a :class:`~nebase_analysis.config.ConfigError` naming
    the key, the value and the allowed values otherwise (the CLI prints it, no traceback)."""
    from nebase_analysis.config import ConfigError

    policy = str(icfg.get("approximate_numbers", _APPROXIMATE_POLICIES[0]))
    if policy not in _APPROXIMATE_POLICIES:
        raise ConfigError(f"配置项 intake.approximate_numbers 应为 {' 或 '.join(_APPROXIMATE_POLICIES)}，而不是「{policy}」")
    return policy


def _build_rules(cfg: Mapping[str, Any]) -> CleaningRules:
    from nebase_analysis.config import domain_table, province_table

    icfg = cfg["intake"]
    unit_dimension: dict[str, str] = {}
    unit_factor: dict[str, float] = {}
    for dim, table in icfg["units"].items():
        for unit, factor in table.items():
            u = unicodedata.normalize("NFKC", str(unit))
            # a unit listed in two dimensions (个 for counts and items) keeps its first one
            unit_dimension.setdefault(u, dim)
            unit_factor.setdefault(u, float(factor))
    province_alias: dict[str, str] = {}
    for p in province_table(cfg).itertuples():
        for alias in p.aliases:
            province_alias[_key(alias)] = p.name
    prefixes = sorted(((a, c) for a, c in province_alias.items() if len(a) >= 2), key=lambda t: -len(t[0]))
    domain_alias: dict[str, str] = {}
    for d in domain_table(cfg).itertuples():
        for alias in (*d.aliases, d.id):
            domain_alias[_key(alias)] = d.name
    category_alias = {_key(a): cat for cat, aliases in icfg["category_aliases"].items() for a in aliases}
    for cat, c in cfg["fields"]["categories"].items():
        category_alias[_key(c["label"])] = cat
    return CleaningRules(
        missing_tokens=frozenset(_key(t) for t in icfg["missing_tokens"]),
        approximate_words=tuple(sorted((unicodedata.normalize("NFKC", str(w)) for w in icfg["approximate_words"]), key=len, reverse=True)),
        approximate_refused=_approximate_policy(icfg) == "refuse",
        unit_dimension=unit_dimension,
        unit_factor=unit_factor,
        units_by_length=tuple(sorted(unit_dimension, key=len, reverse=True)),
        count_dimensions=frozenset(icfg["count_dimensions"]),
        bool_true=frozenset(_key(t) for t in icfg["bool_true"]),
        bool_false=frozenset(_key(t) for t in icfg["bool_false"]),
        category_alias=category_alias,
        name_suffixes=tuple(sorted((unicodedata.normalize("NFKC", s) for s in icfg["name_suffixes"]), key=len, reverse=True)),
        province_alias=province_alias,
        province_prefixes=tuple(prefixes),
        domain_alias=domain_alias,
        excel_serial_range=tuple(icfg["excel_serial_range"]),
        zero_words=frozenset(_key(t) for t in icfg.get("zero_words", ())),
    )


# ----------------------------------------------------------------------------- basics


def is_blank(value: Any) -> bool:
    """True for ``None``, NaN/NaT/NA and strings of whitespace only.

    Examples
    --------
    >>> is_blank("  "), is_blank(0), is_blank(float("nan"))
    (True, False, True)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT or value is pd.NA:
        return True
    return False


def normalize_text(value: Any) -> str:
    """NFKC (full-width digits, letters and punctuation to half-width), stripped.

    Examples
    --------
    >>> normalize_text("　１２３，４５６ ")
    '123,456'
    """
    return unicodedata.normalize("NFKC", str(value)).replace("\u2212", "-").replace("\u200b", "").strip()


def _is_missing_token(text: str, rules: CleaningRules) -> bool:
    return _key(text) in rules.missing_tokens


def _join(rules: list[str]) -> str | None:
    return "+".join(dict.fromkeys(rules)) if rules else None


# ----------------------------------------------------------------------------- numbers

_NUM = re.compile(r"^(?P<sign>[+-])?(?P<num>\d+(?:\.\d*)?|\.\d+)(?:[eE](?P<exp>[+-]?\d+))?$")
# "1,234,567.5": groups of exactly three digits after commas ("1,2345" is not one)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)")
# "1 234 567.5": groups of exactly three digits after single spaces (whitespace runs collapsed
# first); neither a digit nor another spaced digit may follow ("1 234 5", "1 234.5 6" are refused)
_SPACE_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?: \d{3})+(?:\.\d+)?(?!\d| [\d.,])")
# digits (or a decimal point / comma) on both sides of a space: "30 40", "3. 5"
_SPACED_DIGITS = re.compile(r"[\d.,] [\d.,]")


def parse_number(value: Any, unit: str | None = None, config: Any = None) -> Parsed:
    """Parse a number cell, converting a unit written in the cell to ``unit``.

    Parameters
    ----------
    value : any
        The raw cell (number, text such as ``"1,234.5"``, ``"1 234.5"``, ``"12.3%"``,
        ``"１２３"``, ``"3000万元"``, ``"—"``, ``None``).
    unit : str, optional
        The field's unit as printed (``亿元``, ``%``, ``个`` ...). A unit in the cell of
        the same dimension is converted to it; another dimension makes the cell unreadable.
    config : optional
        A config (see :func:`cleaning_rules`).

    Returns
    -------
    Parsed
        ``value`` a float (``nan`` when missing or unreadable). Refused (``ok`` False,
        ``value`` nan), never guessed:

        - digits separated by spaces other than thousands grouping (``30 40``: one
          number or two?): rule ``ambiguous_spaces``. Spaces are a thousands separator
          only when every group after one has exactly three digits (``1 234 567``,
          ``1 234.5``); ``1 234 5`` or ``1 234.5 6`` is refused.
        - approximate wording (``intake.approximate_words``: ``约5亿``, ``30亿左右``) when
          ``intake.approximate_numbers`` is ``refuse``: rule ``approximate:<words>``.
          Under the default ``flag`` the number without the words is read and the rule
          names them (``approximate:约/左右+unit_stripped``): intake reports every such cell.

    Examples
    --------
    >>> parse_number("1,234.5")
    Parsed(value=1234.5, rule='thousands_separator', ok=True)
    >>> parse_number("约5亿左右", unit="亿元")
    Parsed(value=5.0, rule='approximate:约/左右+unit_stripped', ok=True)
    >>> parse_number("30 40", unit="亿元")
    Parsed(value=nan, rule='ambiguous_spaces', ok=False)
    >>> parse_number("1 234 567").value, parse_number("1 234 5").rule
    (1234567.0, 'ambiguous_spaces')
    >>> parse_number("12.3%", unit="%")
    Parsed(value=12.3, rule='percent_sign', ok=True)
    >>> parse_number("-", unit="%").value
    nan
    """
    rules = cleaning_rules(config)
    if is_blank(value):
        return Parsed(math.nan, None, True)
    if isinstance(value, bool):
        return Parsed(math.nan, "unreadable", False)
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return Parsed(v, None, True) if math.isfinite(v) else Parsed(math.nan, "unreadable", False)
    if isinstance(value, (_dt.date, _dt.datetime, pd.Timestamp)):
        return Parsed(math.nan, "unreadable", False)
    return _parse_number_text(str(value), unit, rules)


def approximate_words(text: Any, config: Any = None) -> list[str]:
    """The approximate wording (``intake.approximate_words``) in a cell text, in reading order.

    The text is compared after NFKC normalisation (full-width forms as half-width); a
    longer word wins over a word inside it (``超过`` rather than ``超``); a word found
    twice is listed once.

    Parameters
    ----------
    text : any
        The raw cell value. Anything but a ``str`` (a number, a date, ``None``) has no
        wording: ``[]``.
    config : optional
        A config or :class:`CleaningRules` (see :func:`cleaning_rules`); its
        ``intake.approximate_words`` is the vocabulary.

    Returns
    -------
    list of str
        The words found, in the order they appear in ``text`` (``[]`` when none);
        :func:`parse_number` names them in its rule (``approximate:约/左右``).

    Examples
    --------
    >>> approximate_words("约30亿左右"), approximate_words("超过5亿"), approximate_words("30")
    (['约', '左右'], ['超过'], [])
    """
    rules = cleaning_rules(config)
    if not isinstance(text, str):
        return []
    rest = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, str]] = []
    for word in rules.approximate_words:  # longest first
        start = rest.find(word)
        while start >= 0:
            found.append((start, word))
            rest = rest[:start] + "\0" * len(word) + rest[start + len(word):]
            start = rest.find(word)
    return list(dict.fromkeys(w for _, w in sorted(found)))


def _parse_number_text(raw: str, unit: str | None, rules: CleaningRules) -> Parsed:
    """:func:`_parse_number_text_uncached`, memoised in ``rules.number_cache`` (no global cache:
    a rules object and its parsed texts are freed together)."""
    cache = rules.number_cache
    key = (raw, unit)
    hit = cache.get(key)
    if hit is None:
        if len(cache) >= rules.NUMBER_CACHE_SIZE:
            cache.clear()
        hit = cache[key] = _parse_number_text_uncached(raw, unit, rules)
    return hit


def _parse_number_text_uncached(raw: str, unit: str | None, rules: CleaningRules) -> Parsed:
    applied: list[str] = []
    text = unicodedata.normalize("NFKC", raw)
    if text != raw:
        applied.append("fullwidth")
    text = re.sub(r"\s+", " ", text.replace("\u2212", "-").replace("\u200b", "")).strip()
    if not text or _is_missing_token(text, rules):
        return Parsed(math.nan, "missing_token", True)
    words = approximate_words(text, rules)
    if words:
        if rules.approximate_refused:
            return Parsed(math.nan, "approximate:" + "/".join(words), False)
        if any(re.search(rf"\d\s*{re.escape(w)}\s*\d", text) for w in words):
            return Parsed(math.nan, "unreadable", False)  # "1多2": a word between digits
        for word in words:
            text = text.replace(word, "")
        text = text.strip()
        applied.append("approximate:" + "/".join(words))
    if _SPACED_DIGITS.search(text):
        m = _SPACE_THOUSANDS.match(text)
        if m is None or _SPACED_DIGITS.search(text[m.end():]):
            return Parsed(math.nan, "ambiguous_spaces", False)
        text = m.group(0).replace(" ", "") + text[m.end():]
        applied.append("thousands_separator")
    text = text.replace(" ", "")
    m = _THOUSANDS.match(text)
    if m:
        text = m.group(0).replace(",", "") + text[m.end():]
        applied.append("thousands_separator")
    # split number and unit
    num_part, cell_unit = text, ""
    for u in rules.units_by_length:
        if text.endswith(u) and len(text) > len(u):
            num_part, cell_unit = text[: -len(u)], u
            break
    m = _NUM.match(num_part)
    if not m:
        return Parsed(math.nan, "unreadable", False)
    v = float(num_part)
    if cell_unit:
        target = unicodedata.normalize("NFKC", unit) if unit else None
        if target is None or cell_unit == target:
            applied.append("percent_sign" if cell_unit == "%" else "unit_stripped")
        elif (
            target in rules.unit_dimension
            and rules.unit_dimension.get(cell_unit) == rules.unit_dimension[target]
        ):
            factor = rules.unit_factor[cell_unit] / rules.unit_factor[target]
            if factor == 1:
                applied.append("unit_stripped")
            else:
                v = v * factor
                v = float(f"{v:.12g}")  # drop binary noise of the conversion (3000 * 1e4 / 1e8)
                applied.append(f"unit_converted:{cell_unit}->{target}")
        elif (
            rules.unit_dimension.get(cell_unit) in rules.count_dimensions
            and rules.unit_dimension.get(target) in rules.count_dimensions
        ):
            applied.append("unit_stripped")  # 家 vs 个, 名 vs 人: counts of things
        else:
            return Parsed(math.nan, f"unit_mismatch:{cell_unit}", False)
    if not applied:
        applied.append("text_number")
    return Parsed(v, _join(applied), True)


def clean_numbers(values: Any, unit: str | None = None, config: Any = None) -> pd.DataFrame:
    """Vectorised :func:`parse_number` over a column of raw cells.

    Numeric cells take a fast path (no per-cell Python call); text cells are parsed
    once per distinct text.

    Returns
    -------
    DataFrame
        ``raw``, ``value`` (float64), ``rule`` (None where unchanged), ``ok``, on the
        input's index.

    Examples
    --------
    >>> clean_numbers(["1,234.5", 7, "无", None], unit="亿元")[["value", "rule"]].to_dict("list")
    {'value': [1234.5, 7.0, nan, nan], 'rule': ['thousands_separator', None, 'missing_token', None]}
    """
    rules = cleaning_rules(config)
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values.astype(object)
    numeric = s.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    value = pd.Series(np.nan, index=s.index, dtype="float64")
    rule = pd.Series([None] * len(s), index=s.index, dtype=object)
    ok = pd.Series(True, index=s.index, dtype=bool)
    if numeric.any():
        nums = pd.to_numeric(s[numeric], errors="coerce").astype("float64")
        finite = np.isfinite(nums.to_numpy())
        value[numeric] = nums.where(finite)
        bad = nums.index[~finite & ~nums.isna().to_numpy()]
        rule[bad] = "unreadable"
        ok[bad] = False
    other = s[~numeric]
    if len(other):
        for idx, v in other.items():  # text cells: parse_number caches per distinct text
            p = parse_number(v, unit, rules)
            value[idx] = p.value
            rule[idx] = p.rule
            ok[idx] = p.ok
    return pd.DataFrame({"raw": s, "value": value, "rule": rule, "ok": ok})


# ----------------------------------------------------------------------------- dates

_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def excel_serial_date(serial: float) -> pd.Timestamp:
    """The day of an Excel serial (1900 date system, fraction of a day dropped).

    Examples
    --------
    >>> excel_serial_date(46120)
    Timestamp('2026-04-08 00:00:00')
    """
    return _EXCEL_EPOCH + pd.Timedelta(days=int(serial))


def parse_date(value: Any, config: Any = None) -> Parsed:
    """Parse a date cell: ``2026-04-08``, ``2026/4/8``, ``2026年4月8日``, ``20260408``,
    an Excel serial (``46120``), a ``datetime``/``date``; ``2026年4月`` is the 1st of the month.

    Returns
    -------
    Parsed
        ``value`` a ``pandas.Timestamp`` (midnight) or ``NaT``.

    Examples
    --------
    >>> parse_date("2026年4月8日")
    Parsed(value=Timestamp('2026-04-08 00:00:00'), rule='date_text', ok=True)
    >>> parse_date(46120).value
    Timestamp('2026-04-08 00:00:00')
    """
    rules = cleaning_rules(config)
    if is_blank(value):
        return Parsed(pd.NaT, None, True)
    if isinstance(value, pd.Timestamp):
        return Parsed(value.normalize(), None, True)
    if isinstance(value, _dt.datetime):
        ts = pd.Timestamp(value)
        return Parsed(ts.normalize(), None if ts == ts.normalize() else "time_dropped", True)
    if isinstance(value, _dt.date):
        return Parsed(pd.Timestamp(value), None, True)
    if isinstance(value, bool):
        return Parsed(pd.NaT, "unreadable", False)
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        lo, hi = rules.excel_serial_range
        if math.isfinite(v) and lo <= v <= hi:
            return Parsed(excel_serial_date(v), "excel_serial", True)
        if math.isfinite(v) and v == int(v) and 10000101 <= v <= 99991231:
            return parse_date(str(int(v)), rules)
        return Parsed(pd.NaT, "unreadable", False)
    text = normalize_text(value)
    if not text or _is_missing_token(text, rules):
        return Parsed(pd.NaT, "missing_token", True)
    for pattern, rule in ((_DATE_YMD, "date_text"), (_DATE_COMPACT, "date_text"), (_DATE_YM, "month_only")):
        m = pattern.match(text)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            d = int(m.group(3)) if pattern is not _DATE_YM else 1
            try:
                return Parsed(pd.Timestamp(year=y, month=mo, day=d), rule, True)
            except ValueError:
                return Parsed(pd.NaT, "unreadable", False)
    return Parsed(pd.NaT, "unreadable", False)


def clean_dates(values: Any, config: Any = None) -> pd.DataFrame:
    """:func:`parse_date` over a column: ``raw``, ``value`` (datetime64), ``rule``, ``ok``.

    Examples
    --------
    >>> clean_dates(["2026/4/8", None]).value.dt.day.tolist()
    [8.0, nan]
    """
    rules = cleaning_rules(config)
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values.astype(object)
    parsed = [parse_date(v, rules) for v in s]
    return pd.DataFrame(
        {
            "raw": s,
            "value": pd.to_datetime(pd.Series([p.value for p in parsed], index=s.index, dtype=object)).astype("datetime64[ns]"),
            "rule": pd.Series([p.rule for p in parsed], index=s.index, dtype=object),
            "ok": pd.Series([p.ok for p in parsed], index=s.index, dtype=bool),
        }
    )


# ----------------------------------------------------------------------------- bool / choice / text


def parse_bool(value: Any, config: Any = None) -> Parsed:
    """Yes/no cells: ``是``/``否`` (and ``√``, ``有``/``无``, ``Y``/``N``, ``1``/``0``, booleans).

    Examples
    --------
    >>> parse_bool("是"), parse_bool("√").value, parse_bool(None).value
    (Parsed(value=True, rule=None, ok=True), True, None)
    """
    rules = cleaning_rules(config)
    if is_blank(value):
        return Parsed(None, None, True)
    if isinstance(value, bool):
        return Parsed(value, None, True)
    k = _key(str(int(value)) if isinstance(value, (int, float)) and float(value).is_integer() else str(value))
    if k in rules.bool_true:
        return Parsed(True, None if k == "是" else "bool_alias", True)
    if k in rules.bool_false:
        return Parsed(False, None if k == "否" else "bool_alias", True)
    return Parsed(None, "unreadable", False)


def parse_choice(value: Any, choices: Any, config: Any = None) -> Parsed:
    """A drop-down cell: one of ``choices`` exactly, or a text starting with one
    (``国有企业`` -> ``国有``, ``其他（外资）`` -> ``其他``).

    Examples
    --------
    >>> parse_choice("民营企业", ["国有", "民营", "合资", "其他"])
    Parsed(value='民营', rule='choice_prefix', ok=True)
    """
    rules = cleaning_rules(config)
    if is_blank(value):
        return Parsed(None, None, True)
    text = normalize_text(value)
    if _is_missing_token(text, rules):
        return Parsed(None, "missing_token", True)
    choices = list(choices or [])
    keyed = {_key(c): c for c in choices}
    k = _key(text)
    if k in keyed:
        return Parsed(keyed[k], None if keyed[k] == value else "normalized", True)
    for c in sorted(choices, key=len, reverse=True):
        if k.startswith(_key(c)):
            return Parsed(c, "choice_prefix", True)
    return Parsed(None, "not_a_choice", False)


def parse_text(value: Any, config: Any = None) -> Parsed:
    """A text cell: stripped; a number read from the sheet becomes its text without ``.0``
    (phone numbers); missing tokens become missing.

    Examples
    --------
    >>> parse_text(13800138000.0)
    Parsed(value='13800138000', rule='number_as_text', ok=True)
    >>> parse_text(" 深圳 ").value
    '深圳'
    """
    rules = cleaning_rules(config)
    if is_blank(value):
        return Parsed(None, None, True)
    if isinstance(value, bool):
        return Parsed(str(value), "number_as_text", True)
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        text = str(int(v)) if v.is_integer() else repr(v)
        return Parsed(text, "number_as_text", True)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return Parsed(pd.Timestamp(value).strftime("%Y-%m-%d"), "date_as_text", True)
    text = str(value)
    stripped = text.strip()
    if _is_missing_token(stripped, rules):
        return Parsed(None, "missing_token", True)
    return Parsed(stripped, None if stripped == text else "trimmed", True)


def clean_value(value: Any, kind: str, unit: str | None = None, choices: Any = None, config: Any = None,
                integer: bool = False) -> Parsed:
    """Dispatch on the schema ``kind`` (``number``, ``count``, ``yearly``, ``date``,
    ``bool``, ``choice``, ``text``, ``longtext``).

    Parameters
    ----------
    value : any
        The raw cell.
    kind : str
        The field's kind in ``fields.yaml``.
    unit, choices : optional
        The field's unit and drop-down values.
    config : optional
        A config or :class:`CleaningRules`.
    integer : bool
        The field counts things (``integer: true`` in ``fields.yaml``; implied by kind
        ``count``). In a count field (kind ``count``, or ``yearly`` with ``integer``) a zero
        word of ``intake.zero_words`` (``无``, ``—``, ``/``, ``暂无`` ...) is read as 0 with rule
        ``zero_word``; in every other field it stays missing (rule ``missing_token``).

    Examples
    --------
    >>> clean_value("１２", "count", "个").value
    12.0
    >>> clean_value("无", "count", "个"), clean_value("—", "yearly", "人", integer=True).value
    (Parsed(value=0.0, rule='zero_word', ok=True), 0.0)
    >>> clean_value("无", "yearly", "亿元")
    Parsed(value=nan, rule='missing_token', ok=True)
    """
    if kind in ("number", "count", "yearly"):
        if (kind == "count" or (kind == "yearly" and integer)) and _is_zero_word(value, config):
            return Parsed(0.0, "zero_word", True)
        return parse_number(value, unit, config)
    if kind == "date":
        return parse_date(value, config)
    if kind == "bool":
        return parse_bool(value, config)
    if kind == "choice":
        return parse_choice(value, choices, config)
    if kind == "longtext":
        if is_blank(value):
            return Parsed(None, None, True)
        text = value if isinstance(value, str) else parse_text(value, config).value
        return Parsed(text.strip("\n\r\t "), None if text == text.strip("\n\r\t ") else "trimmed", True)
    return parse_text(value, config)


def _is_zero_word(value: Any, config: Any) -> bool:
    """True for a text cell holding one of ``intake.zero_words`` (NFKC, spaces and case ignored)."""
    if not isinstance(value, str) or not value.strip():
        return False
    return _key(value.replace("\u200b", "")) in cleaning_rules(config).zero_words


# ----------------------------------------------------------------------------- names

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef（）"
# full-width letters and digits -> half-width, ideographic space -> space, brackets -> （）;
# Chinese punctuation (，：、) is kept as written
_NAME_WIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)}, **{0xFF21 + i: 0x41 + i for i in range(26)},
               **{0xFF41 + i: 0x61 + i for i in range(26)}, 0x3000: 0x20, ord("("): "（", ord(")"): "）"}


def normalize_name(value: Any) -> str | None:
    """Canonical spelling of an organisation's name.

    Full-width letters and digits become half-width, brackets become the
    full-width ``（）`` of Chinese names, spaces next to Chinese characters go,
    other runs of spaces become one.

    Examples
    --------
    >>> normalize_name(" 华为技术 (深圳)有限公司 ")
    '华为技术（深圳）有限公司'
    >>> normalize_name("ＡＢＣ  Robotics 有限公司")
    'ABC Robotics有限公司'
    """
    if is_blank(value):
        return None
    text = str(value).translate(_NAME_WIDTH).replace("\u200b", "")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+", "", text)
    return text


def name_key(value: Any, config: Any = None) -> str | None:
    """Matching key of a name: :func:`normalize_name`, casefolded, brackets and spaces
    removed, company-form suffix (``股份有限公司``, ``有限公司`` ...) dropped.

    Examples
    --------
    >>> name_key("深圳市大疆创新科技股份有限公司") == name_key("深圳市 大疆创新科技有限公司")
    True
    """
    rules = cleaning_rules(config)
    text = normalize_name(value)
    if text is None:
        return None
    text = re.sub(r"[\s（）()【】\[\]“”\"'‘’]", "", text).casefold()
    for suffix in rules.name_suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def key_groups(*keys: Sequence[Hashable | None]) -> list[list[int]]:
    """Positions that are the same item: linked when they share a key in any of ``keys``.

    Each of ``keys`` gives one key per position (``None``: no key there); two positions
    with the same key in one of them are in one group, and so, transitively, are the
    positions linked to either (union-find). Groups of one are kept. Groups are in the
    order of their first position, members ascending.

    Parameters
    ----------
    *keys : sequences of hashable or None
        Key columns of equal length (e.g. credit codes, name keys).

    Returns
    -------
    list of list of int
        Every position exactly once.

    Examples
    --------
    >>> key_groups(["a", None, "b", None], [None, "x", "x", "y"])
    [[0], [1, 2], [3]]
    """
    n = len(keys[0]) if keys else 0
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for column in keys:
        first: dict[Hashable, int] = {}
        for i, k in enumerate(column):
            if k is not None:
                parent[find(i)] = find(first.setdefault(k, i))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


# ----------------------------------------------------------------------------- aliases


def resolve_province(value: Any, config: Any = None) -> str | None:
    """Canonical province name of an alias (``广东``, ``粤``, ``广东省``), else ``None``.

    Examples
    --------
    >>> resolve_province("粤"), resolve_province("新疆兵团"), resolve_province("火星")
    ('广东省', '新疆生产建设兵团', None)
    """
    if is_blank(value):
        return None
    return cleaning_rules(config).province_alias.get(_key(str(value)))


def province_from_text(value: Any, config: Any = None) -> str | None:
    """Province named by a text such as a 推荐单位 (``广东省工业和信息化厅``): an exact
    alias, else the longest alias of two or more characters the text starts with.

    Examples
    --------
    >>> province_from_text("广东省工业和信息化厅"), province_from_text("新疆生产建设兵团工业和信息化局")
    ('广东省', '新疆生产建设兵团')
    """
    if is_blank(value):
        return None
    rules = cleaning_rules(config)
    k = _key(str(value))
    if k in rules.province_alias:
        return rules.province_alias[k]
    for alias, canonical in rules.province_prefixes:
        if k.startswith(alias):
            return canonical
    return None


def resolve_provinces(values: Any, config: Any = None) -> pd.Series:
    """:func:`resolve_province` over a column (``None`` where unknown).

    Examples
    --------
    >>> resolve_provinces(["苏", "江苏省"]).tolist()
    ['江苏省', '江苏省']
    """
    rules = cleaning_rules(config)
    s = pd.Series(values, dtype=object)
    return s.map(lambda v: resolve_province(v, rules)).astype(object)


def resolve_domain(value: Any, config: Any = None) -> str | None:
    """Canonical domain of an alias (``新能源汽车`` -> ``智能网联新能源汽车``; ``AI``), else ``None``.
    A trailing ``领域`` is ignored.

    Examples
    --------
    >>> resolve_domain("储能"), resolve_domain("软件领域"), resolve_domain("纺织")
    ('新型储能制造', '软件', None)
    """
    if is_blank(value):
        return None
    rules = cleaning_rules(config)
    k = _key(str(value))
    if k in rules.domain_alias:
        return rules.domain_alias[k]
    if k.endswith("领域") and k[:-2] in rules.domain_alias:
        return rules.domain_alias[k[:-2]]
    return None


def resolve_domains(values: Any, config: Any = None) -> pd.Series:
    """:func:`resolve_domain` over a column.

    Examples
    --------
    >>> resolve_domains(["机器人", "氢能"]).tolist()
    ['智能机器人', '清洁低碳氢']
    """
    rules = cleaning_rules(config)
    return pd.Series(values, dtype=object).map(lambda v: resolve_domain(v, rules)).astype(object)


def resolve_category(value: Any, config: Any = None) -> str | None:
    """``park``/``enterprise`` from what the summary writes (``园区``, ``示范企业`` ...).

    Examples
    --------
    >>> resolve_category("园区"), resolve_category("示范企业")
    ('park', 'enterprise')
    """
    if is_blank(value):
        return None
    return cleaning_rules(config).category_alias.get(_key(str(value)))


# ----------------------------------------------------------------------------- credit codes

#: GB 32100-2015 character set (no I, O, S, V, Z)
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}
_CC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28


def normalize_credit_code(value: Any) -> str | None:
    """Upper case, half-width, without spaces and hyphens.

    Examples
    --------
    >>> normalize_credit_code(" ９１３５ 0900-587527783p")
    '91350900587527783P'
    """
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[\s\-—_]", "", unicodedata.normalize("NFKC", str(value))).upper()


def credit_code_check_digit(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a credit code.

    ``C18 = 31 - (sum(value(c_i) * 3**(i) mod 31) mod 31)``, 31 mapping to ``0``.

    Raises
    ------
    ValueError
        When ``first17`` is not 17 characters of the code's character set.

    Examples
    --------
    >>> credit_code_check_digit("91350900587527783")
    'P'
    """
    code = normalize_credit_code(first17) or ""
    if len(code) != 17 or any(c not in _CC_VALUE for c in code):
        raise ValueError(f"统一社会信用代码前 17 位应为 17 个有效字符：{first17!r}")
    total = sum(_CC_VALUE[c] * w for c, w in zip(code, _CC_WEIGHTS))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_valid(code: Any) -> bool:
    """True when ``code`` is 18 characters of the GB 32100-2015 set with a correct check digit.

    Examples
    --------
    >>> credit_code_valid("914403001922038216"), credit_code_valid("91110000600037342L")
    (True, False)
    """
    c = normalize_credit_code(code)
    if c is None or len(c) != 18 or any(ch not in _CC_VALUE for ch in c):
        return False
    return credit_code_check_digit(c[:17]) == c[17]
