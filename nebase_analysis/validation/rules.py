"""The notice's own rules (工信厅规函〔2026〕101号, 四、有关要求 and 三(二)).

Each function takes the batch's tables and returns issue rows
(``applicant_id, field, reported, expected, rule, message, related``); severities
are added from ``validation.yaml`` by :func:`nebase_analysis.validation.validate`.

- :func:`quota_rule`: 经济大省 2 parks / 20 enterprises, others 1 / 10 (``provinces.yaml``);
- :func:`duplicate_rules`: the same applicant twice (credit code or normalised name),
  across provinces (``duplicate_filing``) or domains (``one_domain_per_applicant``);
- :func:`group_subsidiary_rule`: a group and its subsidiary both filing;
- :func:`dev_zone_rule`: parks not in the 2018 catalogue; 园中园 matched to their host;
- :func:`text_rules`: texts over 2000 字;
- :func:`deadline_rule`: filing date after the deadline.
Parks of the domains exempt from ``sf_share`` (``domains.yaml``) are handled by the completeness check.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from nebase_analysis.config import category_labels, dev_zones, domain_table, field_schema, quota_table, resolve_config

ISSUE_COLUMNS = ["applicant_id", "field", "reported", "expected", "rule", "message", "related"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS)


def _seq(applicant_id: str) -> tuple:
    m = re.search(r"(\d+)\s*$", str(applicant_id))
    return (int(m.group(1)) if m else 10**9, str(applicant_id))


def quota_rule(applicants: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """Applicants beyond their province's quota for their category (by filing sequence).

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["P-XZ-01", "P-XZ-02"], "category": "park", "province": "西藏自治区"})
    >>> quota_rule(a)[["applicant_id", "field", "expected"]].values.tolist()
    [['P-XZ-02', 'province', 1]]
    """
    cfg = resolve_config(config)
    quotas = quota_table(cfg).set_index(["province", "category"])["quota"]
    labels = category_labels(cfg)
    rows = []
    for (prov, cat), grp in applicants.groupby(["province", "category"], dropna=True):
        q = quotas.get((prov, cat))
        if q is None or len(grp) <= q:
            continue
        ordered = sorted(grp["applicant_id"], key=_seq)
        for pos, aid in enumerate(ordered, start=1):
            if pos > q:
                rows.append({"applicant_id": aid, "field": "province", "reported": len(grp), "expected": int(q),
                             "rule": "quota_exceeded", "related": "",
                             "message": f"{prov}共推荐{labels[cat]} {len(grp)} 个，超过限额 {q} 个；"
                                        f"本申报按序号为第 {pos} 个，超出限额，请核减推荐数量"})
    return _frame(rows)


def _entity_groups(applicants: pd.DataFrame, config: Any) -> list[tuple[list[int], str]]:
    """Groups of rows that are the same applicant (:func:`~nebase_analysis.cleaning.key_groups`
    over credit code and name key), each with the key that links it (``credit_code`` when
    two members share one, else ``name``)."""
    from nebase_analysis.cleaning import cleaning_rules, key_groups, name_key, normalize_credit_code

    rules = cleaning_rules(config)
    n = len(applicants)

    def keys(column: str, key) -> list:
        if column not in applicants:
            return [None] * n
        return [k if isinstance(k, str) and k else None for k in applicants[column].map(key).to_numpy()]

    codes = keys("credit_code", normalize_credit_code)
    names = keys("name", lambda v: name_key(v, rules))
    out = []
    for members in key_groups(codes, names):
        if len(members) > 1:
            shared = [codes[i] for i in members if codes[i] is not None]
            out.append((members, "credit_code" if len(shared) > len(set(shared)) else "name"))
    return out


def duplicate_rules(applicants: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """The same applicant filed more than once (same credit code, or same name after
    normalisation). Across provinces or within one: ``duplicate_filing``; in several
    domains of one province: ``one_domain_per_applicant``. Every filing of the group
    gets an issue naming the others (``related``).

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["E-GD-01", "E-JS-01"], "category": "enterprise",
    ...     "province": ["广东省", "江苏省"], "domain": "软件", "name": ["甲科技有限公司", "甲科技股份有限公司"]})
    >>> duplicate_rules(a)[["applicant_id", "field", "rule"]].values.tolist()
    [['E-GD-01', 'name', 'duplicate_filing'], ['E-JS-01', 'name', 'duplicate_filing']]
    """
    cfg = resolve_config(config)
    a = applicants.reset_index(drop=True)
    rows = []
    for members, field in _entity_groups(a, cfg):
        sub = a.iloc[members]
        provs = sub["province"].astype(object).nunique(dropna=True)
        doms = sub["domain"].astype(object).nunique(dropna=True)
        rule = "one_domain_per_applicant" if provs <= 1 and doms > 1 else "duplicate_filing"
        for i in members:
            me = a.iloc[i]
            others = [j for j in members if j != i]
            desc = "；".join(f"{a.at[j, 'applicant_id']}（{a.at[j, 'province']}，{a.at[j, 'domain']}）" for j in others)
            what = "统一社会信用代码相同" if field == "credit_code" else "名称（规范化后）相同"
            if rule == "one_domain_per_applicant":
                msg = f"同一申报对象在多个领域申报（{what}）：另见 {desc}；每个申报对象限申报 1 个创建领域，请只保留一个领域"
            else:
                msg = f"同一申报对象重复申报（{what}）：另见 {desc}；请核实并只保留一份申报"
            rows.append({"applicant_id": me["applicant_id"], "field": field,
                         "reported": me.get(field) if field in a.columns else None, "expected": None,
                         "rule": rule, "message": msg,
                         "related": "|".join(str(a.at[j, "applicant_id"]) for j in others)})
    return _frame(rows)


def _place_prefixes(cfg) -> tuple[list[str], list[str]]:
    """Province names (full and short) and city names, longest first, to strip off a name.

    Cities are the places of the development-zone catalogue kept by
    :func:`nebase_analysis.config.catalogue_cities`, with and without ``市``.
    """
    from nebase_analysis.config import catalogue_cities

    units = cfg["provinces"]["units"]
    provinces = sorted({*(u["name"] for u in units), *(u["short"] for u in units)}, key=len, reverse=True)
    stems = (c.removesuffix("市") for c in catalogue_cities(cfg))
    cities = sorted({x for c in stems if len(c) >= 2 for x in (c, c + "市")}, key=len, reverse=True)
    return provinces, cities


def _stem(name: str, cfg, rules, places: tuple[list[str], list[str]]) -> str:
    """The 字号 of an enterprise name: place prefix, group markers and company suffixes removed.

    Subsidiary and group markers come from ``validation.yaml`` (``group_subsidiary``),
    company-form suffixes from ``intake.yaml`` (``name_suffixes``), places from
    :func:`_place_prefixes` (a province, then a city, each only when a 字号 of two
    characters or more is left).
    """
    from nebase_analysis.cleaning import name_key

    g = cfg["validation"]["group_subsidiary"]
    key = name_key(name, rules) or ""

    def core(text: str) -> str:
        for m in g["group_markers"]:
            text = text.split(m)[0]
        return text

    for prefixes in places:  # a province (not the first half of a city such as 吉林市), then a city
        for p in prefixes:
            rest = key[len(p):]
            if key.startswith(p) and not rest.startswith("市") and len(core(rest)) >= 2:
                key = rest
                break
    key = re.sub(r"^(\w{1,3}?市)", "", key) if re.match(r"^\w{1,3}市", key) else key
    for m in g["subsidiary_markers"]:
        key = key.replace(m, "")
    for m in g["group_markers"]:
        key = key.split(m)[0]
    for m in rules.name_suffixes:  # longest first
        key = key.replace(m, "")
    return key


def group_subsidiary_rule(applicants: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """A group company and its subsidiary or branch both filing (notice 四(一)).

    Told when one enterprise's name carries a group marker (集团, 控股) and another
    enterprise (not the same applicant) shares its 字号 (the name without place,
    group marker and company form), or one name is the other's plus a subsidiary
    marker (子公司/分公司, ``validation.yaml`` ``group_subsidiary``).

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["E-GD-01", "E-GD-02"], "category": "enterprise",
    ...     "province": "广东省", "domain": "软件", "name": ["广东华星集团有限公司", "华星软件技术有限公司"]})
    >>> group_subsidiary_rule(a)["applicant_id"].tolist()
    ['E-GD-01', 'E-GD-02']
    """
    from nebase_analysis.cleaning import cleaning_rules, name_key

    cfg = resolve_config(config)
    rules = cleaning_rules(cfg)
    g = cfg["validation"]["group_subsidiary"]
    ent =  applicants[applicants["category"] == "enterprise"].reset_index(drop=True)
    if ent.empty:
        return _frame([])
    names = ent["name"].astype(object).fillna("").astype(str).tolist()
    keys = [name_key(n, rules) or "" for n in names]
    places = _place_prefixes(cfg)
    stems = [_stem(n, cfg, rules, places) for n in names]
    is_group = [any(m in n for m in g["group_markers"]) for n in names]
    pairs = set()
    for i in range(len(ent)):
        for j in range(len(ent)):
            if i == j or not keys[i] or not keys[j] or keys[i] == keys[j]:
                continue
            branch = any(keys[j].startswith(keys[i]) and m in keys[j][len(keys[i]):] for m in g["subsidiary_markers"])
            shares = is_group[i] and not is_group[j] and len(stems[i]) >= 2 and stems[j].startswith(stems[i])
            if branch or shares:
                pairs.add((i, j))
    rows = []
    for i, j in sorted(pairs):
        for me, other, role in ((i, j, "集团公司"), (j, i, "子公司/分公司")):
            rows.append({"applicant_id": ent.at[me, "applicant_id"], "field": "name", "reported": names[me],
                         "expected": None, "rule": "group_subsidiary_both_filed", "related": str(ent.at[other, "applicant_id"]),
                         "message": f"疑似集团公司与其子公司重复申报：本企业（{role}）“{names[me]}”与 "
                                    f"{ent.at[other, 'applicant_id']}“{names[other]}”字号相同；集团公司与其子公司不得重复申报，请核实"})
    return _frame(rows)


def _zone_key(name: str, cfg) -> str:
    z = cfg["validation"]["dev_zone_match"]
    s = re.sub(r"[\s（）()]", "", str(name))
    for short, full in z.get("abbreviations", {}).items():
        s = s.replace(short, full)
    return s


def dev_zone_rule(applicants: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """Parks checked against the 2018 development-zone catalogue.

    A park whose name is a catalogue zone passes. Otherwise the best catalogue match
    within the park's province is found with rapidfuzz (``partial_ratio``): at or
    above ``min_score`` the park is taken as a 园中园 of that host zone (``info``,
    naming the host and the score); below it, ``park_not_in_catalogue`` names the
    best match and its score.

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["P-BJ-01"], "category": "park", "province": "北京市",
    ...                   "name": ["北京经济技术开发区"]})
    >>> len(dev_zone_rule(a))
    0
    """
    from rapidfuzz import fuzz, process

    cfg = resolve_config(config)
    zcfg = cfg["validation"]["dev_zone_match"]
    zones = dev_zones()
    zones["key"] = [_zone_key(n, cfg) for n in zones["开发区名称"]]
    exact = set(zones["key"])
    parks = applicants[applicants["category"] == "park"]
    rows = []
    for p in parks.itertuples():
        name = getattr(p, "name", None)
        if not isinstance(name, str) or not name.strip():
            continue
        key = _zone_key(name, cfg)
        if key in exact:
            continue
        pool = zones[zones["省份"] == p.province]
        if pool.empty:
            pool = zones
        best = process.extractOne(key, pool["key"].tolist(), scorer=fuzz.partial_ratio)
        host, score = (pool["开发区名称"].iloc[best[2]], float(best[1])) if best else (None, 0.0)
        host_key = pool["key"].iloc[best[2]] if best else ""
        contained = bool(host_key) and host_key in key
        if contained or score >= zcfg["min_score"]:
            rows.append({"applicant_id": p.applicant_id, "field": "name", "reported": name, "expected": host,
                         "rule": "park_within_host_zone", "related": "",
                         "message": f"园区“{name}”不在《中国开发区审核公告目录》（2018年版）中，按“园中园”处理，"
                                    f"所在开发区最可能为“{host}”（匹配度 {score:.0f}）；请明确四至范围及管理机构"})
        else:
            rows.append({"applicant_id": p.applicant_id, "field": "name", "reported": name, "expected": host,
                         "rule": "park_not_in_catalogue", "related": "",
                         "message": f"园区“{name}”未列入《中国开发区审核公告目录》（2018年版），也未能匹配到所在开发区"
                                    f"（最接近：“{host}”，匹配度 {score:.0f}）；申报园区须为目录内园区或其“园中园”，请核实"})
    return _frame(rows)


def text_rules(texts: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """Texts longer than the limit (2000 字, whitespace not counted).

    Examples
    --------
    >>> t = pd.DataFrame({"applicant_id": ["E-GD-01"], "section": ["plan_tasks"], "text": ["字" * 2001]})
    >>> text_rules(t)[["field", "reported", "expected"]].values.tolist()
    [['plan_tasks', 2001, 2000]]
    """
    cfg = resolve_config(config)
    limit = int(cfg["fields"]["longtext_max_chars"])
    if texts is None or texts.empty:
        return _frame([])
    labels = field_schema(cfg).set_index("id")["label"]
    n = texts["text"].astype(object).map(lambda t: len(re.sub(r"\s", "", t)) if isinstance(t, str) else 0)
    rows = []
    for i in np.flatnonzero((n > limit).to_numpy()):
        r = texts.iloc[i]
        rows.append({"applicant_id": r["applicant_id"], "field": r["section"], "reported": int(n.iat[i]),
                     "expected": limit, "rule": "text_too_long", "related": "",
                     "message": f"“{labels.get(r['section'], r['section'])}”共 {int(n.iat[i])} 字，超过 {limit} 字的限制"
                                f"（超出 {int(n.iat[i]) - limit} 字），请精简"})
    return _frame(rows)


def deadline_rule(numeric: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """Filing dates (``filled_date``) after the deadline (``fields.yaml`` ``filing_deadline``, 2026-04-10).

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["E-GD-01"], "filled_date": pd.to_datetime(["2026-04-12"])})
    >>> deadline_rule(a)["reported"].tolist()
    ['2026-04-12']
    """
    cfg = resolve_config(config)
    col = cfg["validation"]["dates"]["filing_date"]
    if col not in numeric.columns:
        return _frame([])
    deadline = pd.Timestamp(cfg["fields"]["filing_deadline"])
    d = pd.to_datetime(numeric[col], errors="coerce")
    rows = []
    for i in np.flatnonzero((d > deadline).to_numpy()):
        days = (d.iat[i] - deadline).days
        rows.append({"applicant_id": numeric["applicant_id"].iat[i], "field": col,
                     "reported": d.iat[i].strftime("%Y-%m-%d"), "expected": deadline.strftime("%Y-%m-%d"),
                     "rule": "filed_after_deadline", "related": "",
                     "message": f"填报日期 {d.iat[i]:%Y-%m-%d} 晚于报送截止日期 {deadline:%Y-%m-%d}（晚 {days} 天），请核实"})
    return _frame(rows)


def domain_message(value: Any, config: Any = None) -> str:
    """The Chinese message of a domain outside the notice's ten (naming several if several).

    Examples
    --------
    >>> domain_message("人工智能、软件")
    '申报领域“人工智能、软件”含多个领域（人工智能、软件）；每个申报对象限申报 1 个创建领域'
    """
    cfg = resolve_config(config)
    d = domain_table(cfg)
    text = "" if value is None else str(value)
    named = [r.name for r in d.itertuples() if any(alias and alias in text for alias in r.aliases)]
    if len(named) > 1:
        return f"申报领域“{text}”含多个领域（{'、'.join(named)}）；每个申报对象限申报 1 个创建领域"
    return f"申报领域“{text}”不在通知所列十个创建领域之内，请填写：{'、'.join(d['name'])}"


def notice_rules(applicants: pd.DataFrame, numeric: pd.DataFrame, texts: pd.DataFrame | None,
                 config: Any = None) -> pd.DataFrame:
    """All the notice's rules in one table (see the module docstring).

    Examples
    --------
    >>> a = pd.DataFrame({"applicant_id": ["E-XZ-01"], "category": "enterprise", "province": "西藏自治区",
    ...                   "domain": "软件", "name": ["甲公司"]})
    >>> len(notice_rules(a, a, None))
    0
    """
    cfg = resolve_config(config)
    parts = [quota_rule(applicants, cfg), duplicate_rules(applicants, cfg), group_subsidiary_rule(applicants, cfg),
             dev_zone_rule(applicants, cfg), text_rules(texts, cfg), deadline_rule(numeric, cfg)]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _frame([])
