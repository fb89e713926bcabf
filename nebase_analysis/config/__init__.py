"""Configuration as data.

Every list the project relies on (form fields, provinces, domains, quotas,
weights, indicator sets, expert criteria, tolerances) is a YAML file in this
folder. :func:`load_config` reads them all into one nested ``dict`` keyed by
file stem (``cfg["fields"]``, ``cfg["provinces"]``, ...), then deep-merges a
user's own YAML file over it. Code reads configuration; it never repeats it.

Examples
--------
>>> from nebase_analysis.config import load_config
>>> cfg = load_config()
>>> cfg["provinces"]["quotas"]["major"]["park"]
2
"""
from __future__ import annotations

import copy
import functools
import math
from pathlib import Path
from typing import Any, Mapping

import yaml

CONFIG_DIR = Path(__file__).resolve().parent
# libyaml's loader where available: ~20x faster than the pure-Python one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "CONFIG_DIR",
    "ConfigError",
    "load_config",
    "check_config",
    "deep_merge",
    "field_schema",
    "province_table",
    "domain_table",
    "dev_zones",
    "quota_table",
    "resolve_config",
    "applicant_columns",
    "yearly_columns",
    "wide_columns",
    "category_labels",
    "catalogue_cities",
    "criteria_table",
    "sf_share_exempt_domains",
]


@functools.lru_cache(maxsize=None)
def _package_config() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(CONFIG_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            out[path.stem] = yaml.load(fh, Loader=_Loader) or {}
    return out


class ConfigError(ValueError):
    """A configuration that cannot be used; the message (Chinese) names the file, key and reason.

    A :class:`ValueError`, so callers that report bad input catch both.

    Examples
    --------
    >>> try:
    ...     load_config({"ranking": {"weights": {"objective": 0.5, "expert": 0.4}}})
    ... except ConfigError as exc:
    ...     print(exc)
    配置中 ranking.weights 的权重之和须为 1：客观得分（objective）0.5 + 专家评分（expert）0.4 = 0.9（不会自动按比例缩放，请改为和为 1 的权重）
    """


#: PyYAML's problem texts (a part of them, from the C or the Python parser) and what they mean
_YAML_PROBLEMS = {
    "could not find expected ':'": "缺少冒号“:”（键与值之间须写“键: 值”）",
    "mapping values are not allowed": "此处不能出现“键: 值”（冒号后是否缺空格，或缩进不一致？）",
    "found character": "含有不能出现在此处的字符",
    "expected <block end>": "缩进不一致",
    "did not find expected key": "缩进不一致或缺少键",
    "expected '-' indicator": "列表项缩进不一致（缺少“-”）",
    "expected ',' or ']'": "方括号列表未正确结束（缺少“,”或“]”）",
    "expected ',' or '}'": "花括号映射未正确结束（缺少“,”或“}”）",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合？）",
    "found undefined alias": "引用了未定义的锚点（*名称）",
    "found unknown escape character": "双引号字符串中有未知的转义字符（路径请用单引号或正斜杠）",
}


def _read_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes a :class:`ConfigError` naming file, line and column."""
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = str(getattr(exc, "problem", "") or "")
        reason = next((zh for en, zh in _YAML_PROBLEMS.items() if en in problem), "YAML 语法错误")
        if mark is None:
            raise ConfigError(f"配置文件 {path} 无法读取：{reason}") from None
        lines = text.splitlines()
        shown = lines[mark.line].rstrip() if mark.line < len(lines) else ""
        if "\t" in shown:
            reason = "含有制表符（YAML 只能用空格缩进）"
        raise ConfigError(f"配置文件 {path} 第 {mark.line + 1} 行第 {mark.column + 1} 列：{reason}"
                          + (f"\n  {mark.line + 1} | {shown}" if shown else "")) from None


def _unknown_keys(found, valid, where: str) -> str | None:
    import difflib

    unknown = [k for k in found if k not in valid]
    if not unknown:
        return None
    hints = []
    for k in unknown:
        close = difflib.get_close_matches(str(k), [str(v) for v in valid], n=1, cutoff=0.6)
        hints.append(f"“{k}”" + (f"（是否应为“{close[0]}”？）" if close else ""))
    return f"{where}有未知的键 {'、'.join(hints)}；可用的键：{'、'.join(map(str, valid))}"


def check_config(cfg: Mapping[str, Any], source: str | Path | None = None) -> None:
    """Refuse a configuration with unknown keys or with weights that do not sum to 1.

    Checks, against the package configuration: every top-level key is a config file stem
    (``ranking``, ``composite``, ...) holding a mapping; every second-level key of such a
    section exists in the package file (a misspelt ``rankng:`` or ``weigths:`` would
    otherwise be silently ignored). ``ranking.weights`` (objective and expert) must be
    given together (a partial override is checked before the merge and refused, not
    completed from the package), as non-negative numbers summing to 1: a final score is ``objective × 综合得分 + expert ×
    专家评分`` and is never silently rescaled.

    Parameters
    ----------
    cfg : mapping
        A full or partial configuration (keys: config file stems).
    source : str or Path, optional
        The user's file, named in the message.

    Raises
    ------
    ConfigError
        A Chinese message naming the file, the key and the valid keys or the weights and
        their sum.

    Examples
    --------
    >>> check_config({"ranking": {"weights": {"objective": 0.4, "expert": 0.6}}})
    >>> check_config({"rankng": {}})
    Traceback (most recent call last):
    ...
    nebase_analysis.config.ConfigError: 配置中有未知的顶层键 “rankng”（是否应为“ranking”？）；可用的键：cli、composite、criteria、domains、experts、fields、indicators、intake、provinces、ranking、reports、synth、synth_text、validation、weights、wordforms、wordxml
    """
    package = _package_config()
    where = f"配置文件 {source} " if source is not None else "配置"
    problems = []
    msg = _unknown_keys(cfg, list(package), f"{where}中")
    if msg:
        problems.append(msg.replace("未知的键", "未知的顶层键"))
    for section, value in cfg.items():
        if section not in package:
            continue
        if not isinstance(value, Mapping):
            problems.append(f"{where}中 {section} 须为映射（如 {section}: {{键: 值}}），实际为 {value!r}")
            continue
        msg = _unknown_keys(value, list(package[section]), f"{where}中 {section} 下")
        if msg:
            problems.append(msg)
    weights = cfg.get("ranking", {}).get("weights") if isinstance(cfg.get("ranking"), Mapping) else None
    if weights is not None:
        labels = package["ranking"].get("tie_break_labels") or {}
        problems += _check_weights(weights, list(package["ranking"]["weights"]), f"{where}中 ranking.weights", labels)
    if problems:
        raise ConfigError("；\n".join(problems))


def _check_weights(weights: Any, keys: list[str], where: str, labels: Mapping[str, str]) -> list[str]:
    """Weights that must be given together, as non-negative numbers summing to 1."""
    if not isinstance(weights, Mapping):
        return [f"{where} 须为映射（{'、'.join(f'{k}: 权重' for k in keys)}）"]
    msg = _unknown_keys(weights, keys, f"{where} ")
    if msg:
        return [msg]
    # checked before the user's file is merged over the package's: a weight left out is not
    # taken from the package (it would silently change the sum), so both must be given
    absent = [k for k in keys if k not in weights]
    if absent:
        named = "、".join(f"{k}（{labels[k]}）" if k in labels else k for k in absent)
        return [f"{where} 缺少 {named}：{'、'.join(keys)} 须同时给出，且和为 1（不会沿用默认配置中的值）"]
    bad = {k: weights.get(k) for k in keys if isinstance(weights.get(k), bool) or not isinstance(weights.get(k), (int, float))}
    if bad:
        return [f"{where} 的权重须为数值：{'、'.join(f'{k} = {v!r}' for k, v in bad.items())}"]
    values = {k: float(weights[k]) for k in keys}
    shown = " + ".join(f"{labels[k]}（{k}）{v:g}" if k in labels else f"{k} {v:g}" for k, v in values.items())
    if any(not math.isfinite(v) or v < 0 for v in values.values()):
        return [f"{where} 的权重须为非负数：{shown}"]
    total = sum(values.values())
    if abs(total - 1.0) > 1e-6:
        return [f"{where} 的权重之和须为 1：{shown} = {total:g}（不会自动按比例缩放，请改为和为 1 的权重）"]
    return []


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` merged in (mappings recursively, other values replaced)."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(path: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Load the package configuration, optionally overridden by a user's YAML file or dict.

    Parameters
    ----------
    path : str, Path, mapping or None
        A YAML file whose top-level keys are config file stems (``indicators``,
        ``provinces``, ...), or an already-parsed mapping of the same shape.

    Returns
    -------
    dict
        A fresh deep copy; mutating it never affects another caller.

    Examples
    --------
    >>> cfg = load_config({"provinces": {"major_economic": ["广东省"]}})
    >>> cfg["provinces"]["major_economic"]
    ['广东省']
    """
    base = copy.deepcopy(_package_config())
    if path is None:
        return base
    source = None
    if isinstance(path, Mapping):
        override = path
    else:
        source = p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"配置文件不存在：{p}")
        override = _read_yaml(p) or {}
        if not isinstance(override, Mapping):
            raise ConfigError(f"配置文件 {p} 的顶层必须是映射（如 indicators: ...）")
    check_config(override, source)
    return deep_merge(base, override)


def resolve_config(config: str | Path | Mapping[str, Any] | None) -> dict[str, Any]:
    """Accept what public functions take as ``config`` and return a full config dict.

    A mapping that holds every package config file (``fields``, ``provinces``,
    ...) is taken as a full config, without a copy; anything else (None, a path,
    a partial override such as ``{"fields": {"years": [...]}}``) goes through
    :func:`load_config`.

    Examples
    --------
    >>> cfg = load_config()
    >>> resolve_config(cfg) is cfg
    True
    >>> resolve_config({"fields": {"years": [2024, 2025, 2026]}})["provinces"]["quotas"]["other"]["park"]
    1
    """
    if isinstance(config, Mapping) and set(_package_config()) <= set(config):
        check_config(config)
        return config  # type: ignore[return-value]
    return load_config(config)


def field_schema(config: Mapping[str, Any] | None = None):
    """The form schema as a tidy DataFrame, one row per field.

    Columns: ``id``, ``label`` (dictionary label), ``unit``, ``kind``, ``forms``
    (tuple of ``summary``/``park``/``enterprise``), ``section``, ``required``,
    ``max_chars`` (long texts), ``choices``, ``integer`` (whole numbers
    expected), ``signed`` (a % row that may be negative), ``growth_of`` (the amount a growth row is the growth of),
    ``share_of`` ((part, whole) of a share row), and the label as printed on
    each form: ``printed_summary``, ``printed_park``, ``printed_enterprise``;
    ``printed_section_<form>``: the title of the block this field opens, as
    printed on that form, where it differs from ``section`` (else None).

    Examples
    --------
    >>> s = field_schema()
    >>> s.set_index("id").loc["total_revenue", "unit"]
    '亿元'
    """
    import pandas as pd

    cfg = resolve_config(config)
    fcfg = cfg["fields"]
    domains = [d["name"] for d in cfg["domains"]["domains"]]
    provinces = [p["name"] for p in cfg["provinces"]["units"]]
    rows = []
    for f in fcfg["fields"]:
        printed = f.get("printed", {})
        if isinstance(printed, str):
            printed = {form: printed for form in f["forms"]}
        printed_section = f.get("printed_section", {})
        choices = f.get("choices")
        if f.get("choices_from") == "domains":
            choices = domains
        elif f.get("choices_from") == "provinces":
            choices = provinces
        rows.append(
            {
                "id": f["id"],
                "label": f["label"],
                "unit": f.get("unit"),
                "kind": f["kind"],
                "forms": tuple(f["forms"]),
                "section": f.get("section"),
                "required": bool(f.get("required", True)),
                "max_chars": fcfg["longtext_max_chars"] if f["kind"] == "longtext" else None,
                "choices": tuple(choices) if choices else None,
                "integer": bool(f.get("integer", f["kind"] == "count")),
                "signed": bool(f.get("signed", False)) or bool(f.get("growth_of")),
                "growth_of": f.get("growth_of"),
                "share_of": tuple(f["share_of"]) if f.get("share_of") else None,
                **{f"printed_{form}": printed.get(form, f["label"]) for form in ("summary", "park", "enterprise")},
                **{f"printed_section_{form}": printed_section.get(form) for form in ("summary", "park", "enterprise")},
            }
        )
    return pd.DataFrame(rows)


def applicant_columns(category: str | None = None, config: Mapping[str, Any] | None = None) -> list[str]:
    """Columns of ``Batch.applicants`` for a category (or for both), in schema order.

    Keys first (``applicant_id, category, province, domain, name``), then every
    field of the park/enterprise form that lives in the wide table: yearly fields
    expand to ``<id>_2023, <id>_2024, <id>_2025, <id>_avg``; long texts live in
    the texts table and are not listed.

    Examples
    --------
    >>> cols = applicant_columns("park")
    >>> cols[:5]
    ['applicant_id', 'category', 'province', 'domain', 'name']
    >>> "total_revenue_avg" in cols, "credit_code" in cols
    (True, False)
    """
    cfg = resolve_config(config)
    schema = field_schema(cfg)
    keys = ["applicant_id", "category", "province", "domain", "name"]
    forms = ("park", "enterprise") if category is None else (category,)
    out = list(keys)
    for f in schema.itertuples():
        if f.id in keys or f.kind == "longtext" or not set(forms) & set(f.forms):
            continue
        if f.kind == "yearly":
            out += yearly_columns(f.id, cfg)
        else:
            out.append(f.id)
    return out


def yearly_columns(field_id: str, config: Mapping[str, Any] | None = None) -> list[str]:
    """The four wide columns of a yearly field.

    Examples
    --------
    >>> yearly_columns("employees")
    ['employees_2023', 'employees_2024', 'employees_2025', 'employees_avg']
    """
    fcfg = resolve_config(config)["fields"]
    return [f"{field_id}_{y}" for y in fcfg["years"]] + [f"{field_id}_{fcfg['avg_suffix']}"]


def province_table(config: Mapping[str, Any] | None = None):
    """The 32 provincial units as a DataFrame.

    Columns: ``name`` (canonical full name), ``short``, ``abbr`` (one-character
    abbreviation), ``code`` (GB/T 2260), ``id_code`` (two letters used in
    applicant ids), ``aliases`` (tuple), ``major_economic`` (bool).

    Examples
    --------
    >>> t = province_table()
    >>> len(t), int(t.major_economic.sum())
    (32, 6)
    """
    import pandas as pd

    cfg = resolve_config(config)
    pcfg = cfg["provinces"]
    major = set(pcfg["major_economic"])
    rows = []
    for p in pcfg["units"]:
        rows.append(
            {
                "name": p["name"],
                "short": p["short"],
                "abbr": p.get("abbr"),
                "code": str(p["code"]),
                "id_code": p["id_code"],
                "aliases": tuple(dict.fromkeys([p["name"], p["short"], *([p["abbr"]] if p.get("abbr") else []), *p.get("aliases", [])])),
                "major_economic": p["name"] in major,
            }
        )
    unknown = major - {r["name"] for r in rows}
    if unknown:
        raise ValueError(f"经济大省配置中有未知省份：{sorted(unknown)}")
    return pd.DataFrame(rows)


def quota_table(config: Mapping[str, Any] | None = None):
    """Quota per province and category: columns ``province``, ``category``, ``quota``.

    Examples
    --------
    >>> q = quota_table().set_index(["province", "category"])["quota"]
    >>> int(q["广东省", "enterprise"]), int(q["西藏自治区", "park"])
    (20, 1)
    """
    import pandas as pd

    cfg = resolve_config(config)
    quotas = cfg["provinces"]["quotas"]
    rows = []
    for p in province_table(cfg).itertuples():
        tier = quotas["major" if p.major_economic else "other"]
        for category, n in tier.items():
            rows.append({"province": p.name, "category": category, "quota": int(n)})
    return pd.DataFrame(rows)


def domain_table(config: Mapping[str, Any] | None = None):
    """The ten domains: ``id``, ``name`` (canonical Chinese), ``aliases``, ``sf_share_exempt_park``.

    Examples
    --------
    >>> d = domain_table()
    >>> d.set_index("id").loc["ai", "name"]
    '人工智能'
    """
    import pandas as pd

    cfg = resolve_config(config)
    rows = []
    for d in cfg["domains"]["domains"]:
        rows.append(
            {
                "id": d["id"],
                "name": d["name"],
                "aliases": tuple(dict.fromkeys([d["name"], *d.get("aliases", [])])),
                "sf_share_exempt_park": bool(d.get("sf_share_exempt_park", False)),
            }
        )
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=1)
def _dev_zones_cached():
    import pandas as pd

    return pd.read_csv(CONFIG_DIR / "dev_zones_2018.csv", dtype=str, encoding="utf-8")


def dev_zones():
    """The 2018 development-zone catalogue (《中国开发区审核公告目录》2018年版), 2,543 rows.

    Columns as in the source: ``序号, 代码, 开发区名称, 省份, 城市/区县, 批准级别,
    开发区类型, 批准时间, 核准面积_公顷, 主导产业`` (all text).

    Examples
    --------
    >>> len(dev_zones())
    2543
    """
    return _dev_zones_cached().copy()


def catalogue_cities(config: Mapping[str, Any] | str | Path | None = None, province: str | None = None,
                     zones: Any = None) -> list[str]:
    """City names of the development-zone catalogue (its ``城市/区县`` column), in catalogue order.

    A place is kept by the rule of ``synth.catalogue_cities``: a leading ``strip_prefix``
    (省) removed, a length in ``lengths`` (2 or 3 characters), no ending in
    ``drop_suffixes`` (区, 县, 港: districts, counties, ports). Each name once, as written
    (``深圳市`` keeps its 市). Used for synthetic company names and by validation to strip a
    place off a company name.

    Parameters
    ----------
    config : path, mapping or None
        ``synth.catalogue_cities``: the filter.
    province : str, optional
        Only the zones of this province (canonical name, the catalogue's ``省份``).
    zones : DataFrame, optional
        Rows of :func:`dev_zones` to take the places from (default: the whole catalogue).

    Returns
    -------
    list of str
        The city names, first occurrence first.

    Examples
    --------
    >>> catalogue_cities(province="广东省")[:4]
    ['广州', '湛江', '增城', '珠海']
    >>> "如皋" in catalogue_cities(province="江苏省"), "浦东新区" in catalogue_cities(province="上海市")
    (True, False)
    """
    cfg = resolve_config(config)
    rule = cfg["synth"]["catalogue_cities"]
    z = dev_zones() if zones is None else zones
    if province is not None:
        z = z[z["省份"] == province]
    lengths = {int(n) for n in rule["lengths"]}
    ends = tuple(rule["drop_suffixes"])
    places = (str(c).strip().removeprefix(rule["strip_prefix"]) for c in z["城市/区县"].dropna())
    return list(dict.fromkeys(c for c in places if len(c) in lengths and not c.endswith(ends)))


def wide_columns(config: Mapping[str, Any] | None = None):
    """Every column of the wide applicants table mapped back to its field and period.

    One row per column (both categories), in schema order. Columns: ``column``,
    ``field`` (the field id), ``period`` (a year as ``int``, ``"avg"``, or None
    for single-value fields), ``kind``, ``unit``, ``integer``, ``signed``,
    ``forms``, and ``label``: the Chinese label with its period, e.g.
    ``总营业收入（2024年）`` or ``总营业收入（近三年平均值）``. Use it wherever a
    column name must be split into field and year, instead of parsing strings.

    Examples
    --------
    >>> w = wide_columns().set_index("column")
    >>> w.loc["total_revenue_2024", ["field", "period", "label"]].tolist()
    ['total_revenue', 2024, '总营业收入（2024年）']
    >>> w.loc["total_revenue_avg", "label"], w.loc["workforce", "period"]
    ('总营业收入（近三年平均值）', None)
    """
    import pandas as pd

    cfg = resolve_config(config)
    fcfg = cfg["fields"]
    avg = fcfg["avg_suffix"]
    rows = []
    for f in field_schema(cfg).itertuples(index=False):
        if f.kind == "longtext":
            continue
        base = {"field": f.id, "kind": f.kind, "unit": f.unit, "integer": f.integer, "signed": f.signed, "forms": f.forms}
        if f.kind == "yearly":
            for year in fcfg["years"]:
                rows.append({"column": f"{f.id}_{year}", "period": int(year), "label": f"{f.label}（{year}年）", **base})
            rows.append({"column": f"{f.id}_{avg}", "period": avg, "label": f"{f.label}（{fcfg['avg_label']}）", **base})
        else:
            rows.append({"column": f.id, "period": None, "label": f.label, **base})
    out = pd.DataFrame(rows)
    return out[["column", "field", "period", "kind", "unit", "integer", "signed", "forms", "label"]]


def category_labels(config: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Category id -> Chinese label, from fields.yaml.

    Examples
    --------
    >>> category_labels()
    {'park': '园区', 'enterprise': '企业'}
    """
    return {k: v["label"] for k, v in resolve_config(config)["fields"]["categories"].items()}


def sf_share_exempt_domains(config: Mapping[str, Any] | None = None) -> set[str]:
    """Canonical names of the domains whose parks are not examined on 智能工厂占比 (notice 四(三)).

    Examples
    --------
    >>> sorted(sf_share_exempt_domains())
    ['人工智能', '软件']
    """
    return {d["name"] for d in resolve_config(config)["domains"]["domains"] if d.get("sf_share_exempt_park")}


def criteria_table(config: Mapping[str, Any] | None = None):
    """The expert criteria (criteria.yaml): ``id``, ``name``, ``max``, ``plan_section``, in order.

    Examples
    --------
    >>> c = criteria_table()
    >>> c.id.tolist(), int(c["max"].sum())
    (['basis', 'approach', 'tasks', 'schedule', 'safeguards'], 100)
    """
    import pandas as pd

    rows = resolve_config(config)["criteria"]["criteria"]
    return pd.DataFrame([{"id": c["id"], "name": c["name"], "max": float(c["max"]), "plan_section": c.get("plan_section")} for c in rows])
