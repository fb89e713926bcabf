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
from pathlib import Path
from typing import Any, Mapping

import yaml

CONFIG_DIR = Path(__file__).resolve().parent
# libyaml's loader where available: ~20x faster than the pure-Python one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "CONFIG_DIR",
    "load_config",
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
    if isinstance(path, Mapping):
        override = path
    else:
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"配置文件不存在：{p}")
        with p.open(encoding="utf-8") as fh:
            override = yaml.load(fh, Loader=_Loader) or {}
        if not isinstance(override, Mapping):
            raise ValueError(f"配置文件 {p} 的顶层必须是映射（如 indicators: ...）")
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
