"""A synthetic national batch, with injected faults and their ground truth.

Real applications are confidential, so the demo and the tests stand on a generated
batch: every province files its quota of parks and enterprises (38 and 380 at scale 1)
across the ten domains, with figures plausible per domain (``config/synth.yaml``) and,
when ``fault_rate=0``, internally consistent: every relation of ``fields.md`` holds up to
the rounding of the form, because derived figures (growth rates, shares, intensities,
averages, weighted counts) are computed from the rounded amounts.

With faults on, a share ``fault_rate`` of applicants carries one mistake of the kinds
real forms contain (``synth.yaml`` ``faults``): growth rates not matching revenues,
万元 entered for 亿元, shares over 100, parts larger than wholes, numbers written as text,
blanks and ``无``, values intake cannot read (``三十亿``, ``待定``), province aliases, wrong
credit-code check digits, texts over 2000 字, a province over its quota, one enterprise
filed by two provinces. Every injected fault
is one row of :attr:`SyntheticBatch.truth`.

Examples
--------
>>> from nebase_analysis.synth import generate, national_batch
>>> b = national_batch(seed=0, fault_rate=0)
>>> b.applicants.category.value_counts().to_dict()
{'enterprise': 380, 'park': 38}
>>> s = generate(seed=1, fault_rate=0.05)
>>> sorted(s.truth.kind.unique())[:3]
['bad_check_digit', 'blank_or_none', 'duplicate_filing']
"""
from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from nebase_analysis.batch import TABLE_COLUMNS, Batch, type_applicants
from nebase_analysis.cleaning import CREDIT_CODE_CHARSET, credit_code_check_digit, is_blank
from nebase_analysis.config import (
    applicant_columns,
    catalogue_cities,
    dev_zones,
    domain_table,
    field_schema,
    province_table,
    quota_table,
    resolve_config,
    wide_columns,
    yearly_columns,
)
from nebase_analysis.synth_text import long_text, section_ids

__all__ = [
    "SyntheticBatch",
    "FAULT_COLUMNS",
    "RAW_COLUMNS",
    "fault_kinds",
    "generate",
    "national_batch",
    "write",
    "configure_parser",
    "run_cli",
]

#: columns of :attr:`SyntheticBatch.truth` (and of ``faults.csv``)
FAULT_COLUMNS = ["applicant_id", "field", "kind", "original", "injected", "note"]
#: columns of :attr:`SyntheticBatch.raw_values`
RAW_COLUMNS = ["applicant_id", "field", "raw"]

_FULLWIDTH = str.maketrans("0123456789.-,%", "０１２３４５６７８９．－，％")


@dataclasses.dataclass
class SyntheticBatch:
    """A synthetic batch and what was done to it.

    Attributes
    ----------
    batch : Batch
        The values as intake gives them back after cleaning: faults that cleaning
        repairs (numbers as text, province aliases) are absent from it, blanks are
        missing, faults that cleaning must not repair (unit slips, wrong growth rates,
        wrong check digits, ...) are present. ``cleaning_log`` holds the rows intake
        logs for the raw overrides (rules of :mod:`nebase_analysis.cleaning`), ``rejected``
        the rows intake lists for the overrides it cannot read (their values missing).
    raw_values : DataFrame
        ``applicant_id, field, raw``: cells to write as given instead of the batch
        value (``'1,234.50'``, ``'１２.３４'``, ``'无'``, ``''``, ``'粤'``). ``field`` is a
        column of ``batch.applicants`` (``total_revenue_2024``, ``province``, ...).
    truth : DataFrame
        ``applicant_id, field, kind, original, injected, note``: one row per injected
        fault; ``original`` and ``injected`` as text (numbers as ``repr`` of the float).
    hidden : DataFrame
        ``applicant_id, field, value``: the 2022 amounts (``total_revenue_2022``,
        ``lead_revenue_2022``, ``domain_revenue_2022``) behind the 2023 growth rates.
    seed : int
    """

    batch: Batch
    raw_values: pd.DataFrame
    truth: pd.DataFrame
    hidden: pd.DataFrame
    seed: int = 0

    @property
    def applicants(self) -> pd.DataFrame:
        return self.batch.applicants


def fault_kinds(config: Any = None) -> list[str]:
    """The stable fault-kind ids, in configured order.

    Examples
    --------
    >>> fault_kinds()[:3]
    ['growth_mismatch', 'unit_slip', 'share_over_100']
    """
    return list(resolve_config(config)["synth"]["faults"])


# ----------------------------------------------------------------------------- helpers


def _r(x: float, d: int) -> float:
    return float(round(float(x), d))


def _floor(x: float, d: int) -> float:
    f = 10**d
    return float(math.floor(float(x) * f + 1e-9) / f)


def _num_repr(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return repr(v)
    return str(v)


class _Generator:
    """All state of one generation run (config, random generator, uniqueness sets)."""

    def __init__(self, seed: int, scale: int, cfg: Mapping[str, Any]):
        self.cfg = cfg
        self.rng = np.random.default_rng(seed)
        self.scale = int(scale)
        self.s = cfg["synth"]
        self.prec = self.s["precision"]
        self.years = [int(y) for y in cfg["fields"]["years"]]
        self.avg = cfg["fields"]["avg_suffix"]
        self.deadline = pd.Timestamp(cfg["fields"]["filing_deadline"])
        self.schema = field_schema(cfg).set_index("id")
        self.wide = wide_columns(cfg).set_index("column")
        self.sections = {c: section_ids(c, cfg) for c in cfg["fields"]["categories"]}
        money = cfg["intake"]["units"]["money"]
        self.yi_to_wan = float(money["亿元"]) / float(money["万元"])  # 亿元 -> 万元 (万元/人, 万元/公顷 rows)
        self.provinces = province_table(cfg).set_index("name")
        self.domains = domain_table(cfg).set_index("id")
        self.weights = cfg["weights"]["weighted_counts"]
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set()
        self.used_parks: set[str] = set()
        self.hidden: list[dict] = []
        self._zones = self._zone_pools()
        self._cities = {p: self._city_pool(p) for p in self.provinces.index}

    # ---- random primitives
    def u(self, lo_hi: Iterable[float]) -> float:
        lo, hi = lo_hi
        return float(self.rng.uniform(lo, hi))

    def logu(self, lo_hi: Iterable[float]) -> float:
        lo, hi = lo_hi
        return float(math.exp(self.rng.uniform(math.log(lo), math.log(hi))))

    def pick(self, seq: list, p: Iterable[float] | None = None):
        if p is not None:
            p = np.asarray(list(p), dtype=float)
            p = p / p.sum()
        return seq[int(self.rng.choice(len(seq), p=p))]

    def pick_weighted(self, mapping: Mapping[str, float]) -> str:
        keys = list(mapping)
        return self.pick(keys, [mapping[k] for k in keys])

    def date_between(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.Timestamp:
        days = max(0, (end - start).days)
        return (start + pd.Timedelta(days=int(self.rng.integers(0, days + 1)))).normalize()

    # ---- reference pools
    def _zone_pools(self) -> dict[str, pd.DataFrame]:
        zones = dev_zones()
        special = self.s["parks"].get("zone_province", {})
        pools: dict[str, pd.DataFrame] = {}
        taken = pd.Series(False, index=zones.index)
        for unit, rule in special.items():
            src = zones[zones["省份"] == rule["province"]]
            hit = src["开发区名称"].str.contains("|".join(rule["keywords"])) | src["城市/区县"].str.contains(
                "|".join(rule["keywords"])
            )
            pools[unit] = src[hit]
            taken.loc[src[hit].index] = True
        for prov in self.provinces.index:
            if prov in pools:
                continue
            pools[prov] = zones[(zones["省份"] == prov) & ~taken]
            if pools[prov].empty:
                raise ValueError(f"开发区目录中没有 {prov} 的开发区，无法生成园区名称")
        return pools

    def _city_pool(self, province: str) -> list[str]:
        # the cities of the province's zone pool (the 兵团's zones are a part of 新疆's)
        return catalogue_cities(self.cfg, zones=self._zones[province]) or [self.provinces.loc[province, "short"]]

    def recommender(self, province: str) -> str:
        over = self.s["recommender"].get("overrides", {})
        if province in over:
            return over[province]
        return self.cfg["intake"]["recommender_pattern"].format(province=province)

    # ---- naming
    def person(self) -> str:
        n = self.s["names"]
        given = "".join(self.pick(n["given_chars"]) for _ in range(int(self.rng.integers(1, 3))))
        return self.pick(n["surnames"]) + given

    def phone(self) -> str:
        return f"0{int(self.rng.integers(10, 999)):d}-{int(self.rng.integers(20000000, 89999999))}"

    def company_name(self, province: str, domain_id: str, city: str | None = None) -> str:
        n = self.s["names"]
        words = self.s["domains"][domain_id]["words"]
        for _ in range(200):
            city_ = city or self.pick(self._cities[province])
            brand = "".join(self.pick(n["brand_chars"]) for _ in range(2))
            if brand[0] == brand[1]:
                continue
            name = f"{city_}{brand}{self.pick(words)}{self.pick_weighted(n['suffixes'])}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("无法生成不重复的企业名称")

    def credit_code(self, province: str) -> str:
        code = str(self.provinces.loc[province, "code"])
        while True:
            region = f"{code[:2]}{int(self.rng.integers(1, 20)):02d}{int(self.rng.integers(0, 12)):02d}"
            body = "".join(str(int(d)) for d in self.rng.integers(0, 10, size=8))
            org = body + _org_check_digit(body)
            first17 = f"91{region}{org}"
            full = first17 + credit_code_check_digit(first17)
            if full not in self.used_codes:
                self.used_codes.add(full)
                return full

    # ---- figures
    def yearly_amounts(self, final: float, growth: Iterable[float]) -> list[float]:
        """Rounded amounts for 2022 (hidden) .. 2025 ending at ``final``."""
        d = self.prec["亿元"]
        g = list(growth)
        vals = [final]
        for gy in reversed(g):
            vals.insert(0, vals[0] / (1 + gy / 100))
        out = [max(_r(v, d), 10**-d) for v in vals]
        return out

    def growth_rows(self, amounts: list[float]) -> list[float]:
        d = self.prec["%"]
        g = [_r((amounts[i + 1] / amounts[i] - 1) * 100, d) for i in range(len(amounts) - 1)]
        return g + [self.mean(g, d)]

    @staticmethod
    def mean(vals: list[float], d: int) -> float:
        return _r(sum(vals) / len(vals), d)

    def with_avg(self, vals: list[float], d: int) -> list[float]:
        return list(vals) + [self.mean(vals, d)]

    def put_yearly(self, rec: dict, field: str, vals: list[float]) -> None:
        for col, v in zip(yearly_columns(field, self.cfg), vals):
            rec[col] = v

    def weighted(self, rec: dict, field: str) -> float:
        comps = self.weights[field]["components"]
        return _r(sum(rec[c] * w for c, w in comps.items()), self.prec["weighted"])

    def growth_draw(self, prof: Mapping[str, Any]) -> list[float]:
        mean, sd = prof["growth"]
        return [float(max(-15.0, self.rng.normal(mean, sd))) for _ in self.years]

    def talent(self, rec: dict, employees: int) -> None:
        """The talent block (validation.yaml ``talent``): components, workforce, total and its share."""
        tc, prof = self.cfg["validation"]["talent"], self.s["talent"][rec["category"]]
        workforce = max(int(prof["min"]), int(round(employees * self.u(prof["workforce_share"]))))
        parts = [int(round(workforce * self.u(prof["fractions"][key]))) for key in tc["components"]]
        rec.update(zip(tc["components"], parts))
        lo, total = max(parts), sum(parts)
        hlt = min(workforce, lo + int(round((total - lo) * self.u((0.6, 1.0)))))
        rec[tc["workforce"]] = workforce
        rec[tc["total"]] = hlt
        rec[self.share_field(tc["total"], tc["workforce"])] = _r(hlt / workforce * 100, self.prec["%"])

    def share_field(self, part: str, whole: str) -> str:
        """The field whose ``share_of`` is (part, whole) in fields.yaml."""
        return self.schema.index[self.schema.share_of.map(lambda v: v == (part, whole))][0]

    def counts(self, rec: dict, field: str, size: float) -> None:
        """Poisson component counts of a weighted count (rates: synth.yaml ``counts``), then the weighted figure."""
        rates = self.s["counts"][rec["category"]][field]
        components = self.weights[field]["components"]
        if set(rates) != set(components):
            raise ValueError(f"synth.yaml counts.{rec['category']}.{field} 应逐一列出 weights.yaml 中的组成项：{sorted(components)}")
        for key, lam in rates.items():
            rec[key] = int(self.rng.poisson(lam * size))
        rec[field] = self.weighted(rec, field)

    def size(self, category: str, revenue: float) -> float:
        return math.sqrt(revenue / float(self.s["counts"][category]["size_revenue"]))

    def employees(self, category: str, revenue: list[float], productivity: float) -> list[int]:
        """Employees per year from revenue (亿元) and a productivity (万元/人) growing towards the last year."""
        ec = self.s["employees"]
        last = len(revenue) - 1
        return [max(int(ec["min"][category]), int(round(t * self.yi_to_wan / (productivity * (1 - ec["trend"] * (last - i)) * self.u((0.97, 1.03))))))
                for i, t in enumerate(revenue)]

    def revenue_part(self, rec: dict, tr: list[float], part: str, share_range: Iterable[float]) -> tuple[list[float], list[float], float]:
        """Total revenue and its part (``lead_revenue`` / ``domain_revenue``) with growth and share rows.

        ``tr`` holds the hidden first-year-minus-one amount first; returns the three
        reported years of both and the base share drawn.
        """
        yi, pct, ps = self.prec["亿元"], self.prec["%"], self.s["part_share"]
        aid, hi = rec["applicant_id"], float(ps["max"][rec["category"]])
        share0 = self.u(share_range)
        shares = [min(hi, max(float(ps["min"]), share0 + self.u((-ps["jitter"], ps["jitter"])))) for _ in tr]
        amounts = [min(max(_r(t * s, yi), 10**-yi), t) for t, s in zip(tr, shares)]
        self.hidden += [{"applicant_id": aid, "field": f"{f}_{self.years[0] - 1}", "value": v[0]} for f, v in (("total_revenue", tr), (part, amounts))]
        tr3, part3 = tr[1:], amounts[1:]
        growth = self.schema.index[self.schema.growth_of == part]
        growth_total = self.schema.index[self.schema.growth_of == "total_revenue"][0]
        share = self.share_field(part, "total_revenue")
        self.put_yearly(rec, "total_revenue", self.with_avg(tr3, yi))
        self.put_yearly(rec, growth_total, self.growth_rows(tr))
        self.put_yearly(rec, part, self.with_avg(part3, yi))
        self.put_yearly(rec, growth[0], self.growth_rows(amounts))
        self.put_yearly(rec, share, self.with_avg([_r(a / t * 100, pct) for a, t in zip(part3, tr3)], pct))
        return tr3, part3, share0

    def patents(self, rec: dict, n: int, size: float) -> None:
        awards = self.s["counts"][rec["category"]]["patent_awards"]
        drawn = {key: int(self.rng.poisson(lam * size)) for key, lam in awards.items()}
        rec.update(invention_patents=max(n, sum(drawn.values())), **drawn)
        rec["patent_weighted"] = self.weighted(rec, "patent_weighted")


def _org_check_digit(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c, 36) * w for c, w in zip(body8, weights))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


# ----------------------------------------------------------------------------- slots


def _assign_domains(g: _Generator, provinces: list[str], minimum: int) -> list[str]:
    """A domain per slot: weighted by domain weight × provincial affinity, each domain ≥ minimum."""
    ids = list(g.domains.index)
    prof = g.s["domains"]
    boost = float(g.s["assignment"]["affinity_boost"])

    def w(prov: str, d: str) -> float:
        return float(prof[d]["weight"]) * (boost if prov in prof[d].get("affinity", []) else 1.0)

    out = [g.pick(ids, [w(p, d) for d in ids]) for p in provinces]
    minimum = min(minimum, len(provinces) // len(ids))
    for _ in range(10 * len(provinces)):
        counts = {d: out.count(d) for d in ids}
        low = min(ids, key=lambda d: (counts[d], ids.index(d)))
        if counts[low] >= minimum:
            break
        donors = [i for i, d in enumerate(out) if counts[d] > minimum]
        scores = np.array([w(provinces[i], low) for i in donors]) + g.rng.uniform(0, 1e-3, len(donors))
        out[donors[int(np.argmax(scores))]] = low
    return out


def _slots(g: _Generator) -> list[dict]:
    """One dict per applicant to generate: province, category, domain id, seq, applicant_id."""
    from nebase_analysis.intake import make_applicant_id

    quota = quota_table(g.cfg)
    cats = g.cfg["fields"]["categories"]
    asg = g.s["assignment"]
    slots: list[dict] = []
    for category in cats:
        q = quota[quota.category == category]
        provs = [p for p, n in zip(q.province, q.quota) for _ in range(int(n) * g.scale)]
        minimum = int(asg[f"min_{'parks' if category == 'park' else 'enterprises'}_per_domain"]) * g.scale
        doms = _assign_domains(g, provs, minimum)
        seq: dict[str, int] = {}
        for p, d in zip(provs, doms):
            seq[p] = seq.get(p, 0) + 1
            slots.append({"province": p, "category": category, "domain_id": d,
                          "applicant_id": make_applicant_id(category, p, seq[p], g.cfg)})
    return slots


# ----------------------------------------------------------------------------- applicants


def _common(g: _Generator, slot: Mapping[str, Any]) -> dict:
    filing = g.s["filing"]
    lo, hi = filing["filled_days_before_deadline"]
    filled = g.deadline - pd.Timedelta(days=int(g.rng.integers(lo, hi + 1)))
    olo, ohi = filing["opinion_days_after_filled"]
    opinion = min(filled + pd.Timedelta(days=int(g.rng.integers(olo, ohi + 1))), g.deadline - pd.Timedelta(days=1))
    rec = {
        "applicant_id": slot["applicant_id"],
        "category": slot["category"],
        "province": slot["province"],
        "domain": g.domains.loc[slot["domain_id"], "name"],
        "recommender": g.recommender(slot["province"]),
        "filled_date": filled,
        "recommender_opinion_date": opinion,
    }
    for key, p in g.s["attachments"].items():
        rec[key] = bool(g.rng.random() < p)
    return rec


def _park_zone(g: _Generator, province: str, domain_id: str) -> tuple[pd.Series, str, bool]:
    pc = g.s["parks"]
    prof = g.s["domains"][domain_id]
    pool = g._zones[province]
    kw = "|".join(prof["zone_keywords"])
    type_w = pool["开发区类型"].map(pc.get("zone_type_weight", {})).fillna(1.0).to_numpy(dtype=float)
    weight = type_w * np.where(pool["批准级别"] == "国务院", pc["state_level_weight"], 1.0) * np.where(
        pool["主导产业"].fillna("").str.contains(kw) | pool["开发区名称"].str.contains(kw), pc["keyword_match_weight"], 1.0
    )
    for _ in range(500):
        zone = pool.iloc[int(g.rng.choice(len(pool), p=weight / weight.sum()))]
        sub = bool(g.rng.random() < pc["sub_park_probability"])
        name = f"{zone['开发区名称']}{g.pick(prof['sub_park'])}" if sub else zone["开发区名称"]
        if name not in g.used_parks:
            g.used_parks.add(name)
            return zone, name, sub
    raise RuntimeError(f"{province} 的开发区不足以生成不重复的园区名称")


def _park(g: _Generator, slot: Mapping[str, Any]) -> tuple[dict, list[dict]]:
    prof = g.s["domains"][slot["domain_id"]]["park"]
    pct, yi = g.prec["%"], g.prec["亿元"]
    rec = _common(g, slot)
    zone, name, sub = _park_zone(g, slot["province"], slot["domain_id"])
    city = zone["城市/区县"] if isinstance(zone["城市/区县"], str) else g.provinces.loc[slot["province"], "short"]
    rec["name"] = name
    rec["management_body"] = f"{zone['开发区名称']}管理委员会"
    rec["applicant_unit"] = rec["management_body"]
    rec["address"] = f"{slot['province']}{city}{g.pick(g.s['names']['roads'])}{int(g.rng.integers(1, 999))}号"
    y, m = (int(x) for x in re.match(r"(\d{4})\.(\d{1,2})", str(zone["批准时间"])).groups())
    zone_date = pd.Timestamp(y, m, int(g.rng.integers(1, 29)))
    if sub:
        y0, y1 = g.s["filing"]["approval_years_sub_park"]
        rec["approval_date"] = g.date_between(max(pd.Timestamp(y0, 1, 1), zone_date), pd.Timestamp(y1, 12, 31))
        rec["approving_authority"] = rec["management_body"]
    else:
        rec["approval_date"] = zone_date
        rec["approving_authority"] = "国务院" if zone["批准级别"] == "国务院" else f"{slot['province']}人民政府"
    names = g.s["names"]
    rec["head"] = f"{g.person()} {g.pick(names['head_titles'])}"
    rec["contact"] = f"{g.person()} {g.pick(names['contact_titles'])}"
    rec["phone"] = g.phone()

    # revenue, growth, lead industry (2022 hidden)
    tr = g.yearly_amounts(g.logu(prof["revenue"]), g.growth_draw(prof))
    tr3, lead3, share0 = g.revenue_part(rec, tr, "lead_revenue", prof["lead_share"])

    rps = g.u(prof["revenue_per_above_scale"])
    above = [max(3, int(round(t / rps * g.u((0.95, 1.05))))) for t in tr3]
    g.put_yearly(rec, "above_scale_count", g.with_avg(above, g.prec["average"]))
    emp = g.employees("park", tr3, g.u(prof["productivity"]))
    g.put_yearly(rec, "employees", g.with_avg(emp, g.prec["average"]))
    lp = [_r(t * g.yi_to_wan / e, g.prec["万元/人"]) for t, e in zip(tr3, emp)]
    g.put_yearly(rec, "labor_productivity", g.with_avg(lp, g.prec["万元/人"]))

    # enterprises of the lead industry
    las = max(3, int(round(above[-1] * g.u((max(0.2, share0 - 0.1), min(1.0, share0 + 0.1))))))
    rec["lead_above_scale_count"] = las
    rec["lead_enterprise_count"] = int(round(las * g.u((1.5, 4.0))))
    n = rec["lead_enterprise_count"]
    rec["tech_sme_count"] = int(round(n * g.u((0.2, 0.5))))
    rec["high_tech_count"] = int(round(n * g.u((0.15, 0.45))))
    rec["srdi_sme_count"] = int(round(n * g.u((0.05, 0.2))))
    rec["little_giant_count"] = int(round(rec["srdi_sme_count"] * g.u((0.1, 0.35))))
    rec["single_champion_count"] = min(int(g.rng.poisson(0.4 + las / 60)), las)
    rec["quality_enterprise_weighted"] = g.weighted(rec, "quality_enterprise_weighted")

    # R&D
    rdi = [_r(g.u(prof["rd_intensity"]), pct) for _ in tr3]
    g.put_yearly(rec, "park_rd_intensity", g.with_avg(rdi, pct))
    target = g.u(prof["lead_rd_intensity"])
    lead_rd = []
    for a, t, i in zip(lead3, tr3, rdi):
        v = _floor(min(a * target * g.u((0.93, 1.07)) / 100, i * t / 100), yi)
        lead_rd.append(max(v, 10**-yi))
    g.put_yearly(rec, "lead_rd", g.with_avg(lead_rd, yi))
    g.put_yearly(rec, "lead_rd_intensity", g.with_avg([_r(r / a * 100, pct) for r, a in zip(lead_rd, lead3)], pct))
    g.put_yearly(rec, "tech_contract_value", g.with_avg([_r(a * g.u((0.02, 0.1)), yi) for a in lead3], yi))
    g.put_yearly(rec, "financing", g.with_avg([_r(a * g.u((0.01, 0.08)), yi) for a in lead3], yi))

    # platforms
    size = g.size("park", lead3[-1])
    g.counts(rec, "platform_weighted", size)
    g.patents(rec, int(round(rec[f"lead_revenue_{g.avg}"] * g.u((2, 10)))) + int(g.rng.integers(20, 200)), size)

    # talent of the lead industry
    g.talent(rec, emp[-1])

    # smart factories (per 规模以上企业 of the lead industry)
    lvl = {k: g.u(p) if isinstance(p, list) else float(p) for k, p in g.s["smart_factory_rate"].items()}
    if set(lvl) != set(g.weights["sf_weighted"]["components"]):
        raise ValueError(f"synth.yaml smart_factory_rate 应逐一列出 weights.yaml sf_weighted 的组成项：{sorted(g.weights['sf_weighted']['components'])}")
    left = las
    for key, p in lvl.items():
        rec[key] = min(int(g.rng.binomial(las, p)), left)
        left -= rec[key]
    rec["sf_weighted"] = g.weighted(rec, "sf_weighted")
    rec["sf_share"] = _r(sum(rec[k] for k in lvl) / las * 100, pct)

    # land
    built = max(10.0, _r(rec[f"total_revenue_{g.avg}"] * g.yi_to_wan / g.u(prof["output_intensity"]), g.prec["公顷"]))
    catalogue = float(zone["核准面积_公顷"]) if not sub and pd.notna(zone["核准面积_公顷"]) else 0.0
    planned = catalogue if catalogue >= built * 1.05 else _r(built / g.u((0.55, 0.95)), g.prec["公顷"])
    rec["planned_area"], rec["built_area"] = _r(planned, g.prec["公顷"]), built
    out_int = _r(rec[f"total_revenue_{g.avg}"] * g.yi_to_wan / built, g.prec["万元/公顷"])
    rec["land_output_intensity"] = out_int
    rec["land_investment_intensity"] = _r(out_int * g.u((0.25, 0.6)), g.prec["万元/公顷"])

    # top-10 enterprises of the lead industry (sum <= lead_revenue_2025)
    total = lead3[-1] * g.u((0.35, 0.8))
    w = np.sort(g.rng.dirichlet(np.ones(10) * 1.2))[::-1]
    prods = g.s["domains"][slot["domain_id"]]["products"]
    tops = [
        {
            "applicant_id": slot["applicant_id"],
            "rank": i + 1,
            "enterprise": g.company_name(slot["province"], slot["domain_id"], city=city if len(city) <= 3 else None),
            "revenue": max(_floor(total * wi, yi), 0.0),
            "business": "{}、{}的研发、生产和销售".format(*(prods[int(j)] for j in g.rng.choice(len(prods), size=2, replace=False))),
        }
        for i, wi in enumerate(w)
    ]
    rec["_city"] = city
    return rec, tops


def _enterprise(g: _Generator, slot: Mapping[str, Any]) -> tuple[dict, list[dict]]:
    dprof = g.s["domains"][slot["domain_id"]]
    prof = dprof["enterprise"]
    pct, yi = g.prec["%"], g.prec["亿元"]
    names = g.s["names"]
    rec = _common(g, slot)
    city = g.pick(g._cities[slot["province"]])
    rec["name"] = g.company_name(slot["province"], slot["domain_id"], city=city)
    rec["applicant_unit"] = rec["name"]
    rec["credit_code"] = g.credit_code(slot["province"])
    rec["ownership"] = g.pick_weighted(names["ownership"])
    level = "区" if slot["province"].endswith("市") else "市"
    rec["address"] = f"{slot['province']}{city}{level}{g.pick(names['roads'])}{int(g.rng.integers(1, 999))}号"
    prods = dprof["products"]
    p1, p2 = (prods[int(i)] for i in g.rng.choice(len(prods), size=2, replace=False))
    rec["main_business"] = f"{p1}、{p2}等{rec['domain']}产品的研发、生产、销售和技术服务"
    y0, y1 = g.s["filing"]["founded_years"]
    rec["founded_date"] = g.date_between(pd.Timestamp(y0, 1, 1), pd.Timestamp(y1, 12, 31))
    rec["legal_rep"] = g.person()
    rec["contact"] = f"{g.person()} {g.pick(names['ent_contact_titles'])}"
    rec["phone"] = g.phone()

    tr = g.yearly_amounts(g.logu(prof["revenue"]), g.growth_draw(prof))
    rc = g.s["recognition"]
    size_class = "small" if tr[-1] < rc["small_revenue"] else "large"
    rec["is_high_tech"] = bool(g.rng.random() < rc["is_high_tech"])
    rec["is_srdi_sme"] = bool(g.rng.random() < rc["is_srdi_sme"][size_class])
    rec["is_little_giant"] = bool(rec["is_srdi_sme"] and g.rng.random() < rc["little_giant_among_srdi"])
    rec["is_single_champion"] = bool(g.rng.random() < rc["is_single_champion"][size_class])
    k = int(g.rng.integers(0, 3))
    other = list(g.rng.choice(names["other_recognition"], size=k, replace=False)) if k else []
    rec["other_recognition"] = "、".join(map(str, other)) if other else None

    tr3, dom3, _ = g.revenue_part(rec, tr, "domain_revenue", prof["domain_share"])
    margin0 = g.u(prof["gross_margin"])
    gm = [_r(margin0 + g.u((-2, 2)), pct) for _ in tr3]
    g.put_yearly(rec, "gross_margin", g.with_avg(gm, pct))
    g.put_yearly(rec, "taxes", g.with_avg([max(_r(t * g.u(prof["tax_rate"]) / 100, yi), 10**-yi) for t in tr3], yi))
    emp = g.employees("enterprise", tr3, g.u(prof["productivity"]))
    g.put_yearly(rec, "employees", g.with_avg(emp, g.prec["average"]))
    g.put_yearly(rec, "domain_gross_margin", g.with_avg([_r(m + g.u((-3, 6)), pct) for m in gm], pct))

    rdi0 = g.u(prof["rd_intensity"])
    rdi = [_r(rdi0 * g.u((0.92, 1.08)), pct) for _ in tr3]
    g.put_yearly(rec, "rd_intensity", g.with_avg(rdi, pct))
    drd = []
    for a, t, i in zip(dom3, tr3, rdi):
        cap = i * t / 100
        v = _floor(min(a * rdi0 * g.u((0.8, 1.25)) / 100, cap), yi)
        drd.append(v if v > 0 else _floor(cap, yi) or 10**-yi)
    g.put_yearly(rec, "domain_rd", g.with_avg(drd, yi))
    g.put_yearly(rec, "domain_rd_intensity", g.with_avg([_r(r / a * 100, pct) for r, a in zip(drd, dom3)], pct))

    size = g.size("enterprise", dom3[-1])
    g.counts(rec, "award_weighted", size)
    g.patents(rec, int(round(rec[f"domain_revenue_{g.avg}"] * g.u((1, 6)))) + int(g.rng.integers(10, 80)), size)
    g.counts(rec, "standard_weighted", size)
    g.talent(rec, emp[-1])

    total = dom3[-1] * g.u((0.5, 0.95))
    w = np.sort(g.rng.dirichlet(np.ones(5) * 1.5))[::-1]
    ms = np.sort(g.rng.uniform(0.5, 40, size=5))[::-1]
    picks = list(g.rng.permutation(len(prods)))
    tops = [
        {
            "applicant_id": slot["applicant_id"],
            "rank": i + 1,
            "product": f"{prods[picks[i % len(picks)]]}{'' if i < len(picks) else f'（{i + 1}型）'}",
            "sales": max(_floor(total * wi, yi), 0.0),
            "market_share": _r(m, pct),
        }
        for i, (wi, m) in enumerate(zip(w, ms))
    ]
    rec["_city"] = city
    return rec, tops


def _texts(g: _Generator, rec: Mapping[str, Any], domain_id: str) -> tuple[list[dict], dict]:
    cat = rec["category"]
    lead = "lead_revenue" if cat == "park" else "domain_revenue"
    y = g.years[-1]
    ctx = {
        "name": rec["name"],
        "province": rec["province"],
        "city": rec["_city"],
        "domain": rec["domain"],
        "rev": f"{rec['total_revenue_' + str(y)]:.2f}",
        "growth": f"{rec['total_revenue_growth_' + str(y)]:.2f}",
        "rd": f"{rec.get('rd_intensity_' + str(y), rec.get('park_rd_intensity_' + str(y))):.2f}",
        "patents": rec["invention_patents"],
        "talent": rec["high_level_talent"],
        "year1": y + 1,
        "year2": y + 2,
        "year3": y + 3,
        "target_rev": f"{rec[f'{lead}_{y}'] * g.u((1.3, 1.8)):.0f}",
    }
    rows = []
    for section in g.sections[cat]:
        target = int(g.rng.integers(*g.s["texts"]["target_chars"]))
        rows.append({"applicant_id": rec["applicant_id"], "section": section, "text": long_text(section, cat, domain_id, ctx, g.rng, target, g.cfg)})
    return rows, ctx


def _applicant(g: _Generator, slot: Mapping[str, Any]) -> dict:
    rec, tops = (_park if slot["category"] == "park" else _enterprise)(g, slot)
    texts, ctx = _texts(g, rec, slot["domain_id"])
    return {"rec": rec, "tops": tops, "texts": texts, "ctx": ctx, "slot": dict(slot)}


# ----------------------------------------------------------------------------- faults


class _Faults:
    """Injects faults into the generated records; collects truth rows and raw overrides."""

    def __init__(self, g: _Generator, items: dict[str, dict]):
        self.g = g
        self.items = items
        self.truth: list[dict] = []
        self.raw: list[dict] = []
        self.used: set[str] = set()
        self.schema = g.schema

    def add(self, aid: str, field: str, kind: str, original: Any, injected: Any, note: str) -> None:
        self.truth.append(
            {"applicant_id": aid, "field": field, "kind": kind, "original": _num_repr(original), "injected": _num_repr(injected), "note": note}
        )
        self.used.add(aid)

    # ---- field sets (from the schema, per category)
    def _fields(self, category: str, pred) -> list[str]:
        return [i for i, f in self.schema.iterrows() if category in f.forms and pred(i, f)]

    def _cols(self, field: str, years_only: bool = True) -> list[str]:
        cols = yearly_columns(field, self.g.cfg)
        return cols[:-1] if years_only else cols

    def decimals(self, col: str) -> int:
        """Decimals a wide column is filled with (synth.yaml ``precision``)."""
        w = self.g.wide.loc[col]
        if w.integer and w.period == self.g.avg:
            return int(self.g.prec["average"])
        if w.field in self.g.weights:
            return int(self.g.prec["weighted"])
        if w.integer:
            return 0
        return int(self.g.prec.get(w.unit, 2))

    # ---- per-applicant kinds: each returns True when applied
    def growth_mismatch(self, aid: str) -> bool:
        """A growth rate shifted out of what its amounts allow as shown (an amount written
        ``3.5`` may be anything in [3.45, 3.55], so a small shift can stay consistent: redrawn)."""
        from nebase_analysis.validation.relations import half_unit

        rec = self.items[aid]["rec"]
        cat = rec["category"]
        fields = self._fields(cat, lambda i, f: isinstance(f.growth_of, str))
        d = self.g.prec["%"]
        vcfg = self.g.cfg["validation"]["tolerances"]
        for _ in range(100):
            field = self.g.pick(fields)
            y = self.g.pick(self.g.years[1:])
            col = f"{field}_{y}"
            shift = self.g.u(self.g.s["faults"]["growth_mismatch"]["shift_pp"]) * self.g.pick([-1, 1])
            orig = rec[col]
            inj = _r(orig + shift, d)
            amount = self.schema.loc[field, "growth_of"]
            a1, a0 = rec[f"{amount}_{y}"], rec[f"{amount}_{y - 1}"]
            r1, r0 = half_unit(np.array([a1, a0], dtype=float), vcfg["max_decimals"])
            lo, hi = ((a1 - r1) / (a0 + r0) - 1) * 100, ((a1 + r1) / max(a0 - r0, 1e-12) - 1) * 100
            margin = float(vcfg["growth_pp"]) + 10.0 ** -d
            if inj < lo - margin or inj > hi + margin:
                break
        else:
            return False
        rec[col] = inj
        cols = self._cols(field)
        rec[f"{field}_{self.g.avg}"] = self.g.mean([rec[c] for c in cols], d)
        self.add(aid, col, "growth_mismatch", orig, rec[col], f"增长率应为 {orig:.2f}%，填报为 {rec[col]:.2f}%（近三年平均值随之重算）")
        return True

    def unit_slip(self, aid: str) -> bool:
        rec = self.items[aid]["rec"]
        fields = self._fields(rec["category"], lambda i, f: f.unit == "亿元" and f.kind == "yearly")
        col = self.g.pick([c for f in fields for c in self._cols(f)])
        factor = self.g.s["faults"]["unit_slip"]["factor"]
        orig = rec[col]
        rec[col] = _r(orig * factor, self.g.prec["亿元"])
        self.add(aid, col, "unit_slip", orig, rec[col], f"以万元填报亿元：{orig} 亿元写成 {rec[col]}（×{factor}）")
        return True

    def share_over_100(self, aid: str) -> bool:
        rec = self.items[aid]["rec"]
        fields = self._fields(rec["category"], lambda i, f: f.unit == "%" and "share" in i)
        cols = [c for f in fields for c in (self._cols(f) if self.schema.loc[f, "kind"] == "yearly" else [f])]
        col = self.g.pick(cols)
        orig = rec[col]
        inj = _r(orig * 10, self.g.prec["%"]) if orig * 10 > 100.5 else _r(100 + self.g.u((0.5, 60)), self.g.prec["%"])
        rec[col] = inj
        self.add(aid, col, "share_over_100", orig, inj, f"比重 {inj}% 超过 100%")
        return True

    def part_exceeds_whole(self, aid: str) -> bool:
        g, rec = self.g, self.items[aid]["rec"]
        yi = g.prec["亿元"]
        y = g.pick(g.years)
        options = ["talent"]
        if rec["patent_gold"] + rec["patent_silver"] >= 1:
            options.append("patents")
        if rec["category"] == "park":
            options += ["area", "lead_revenue"]
        else:
            options += ["domain_revenue", "domain_rd"]
        which = g.pick(options)
        if which == "talent":
            col, orig = "high_level_talent", rec["high_level_talent"]
            inj = rec["workforce"] + int(g.rng.integers(1, max(2, rec["workforce"] // 5)))
            note = f"高水平人才 {inj} 人多于从业人员总数 {rec['workforce']} 人"
        elif which == "patents":
            col, orig = "invention_patents", rec["invention_patents"]
            inj = rec["patent_gold"] + rec["patent_silver"] - 1
            note = f"专利奖金奖与银奖合计 {rec['patent_gold'] + rec['patent_silver']} 件多于有效发明专利 {inj} 件"
        elif which == "area":
            col, orig = "built_area", rec["built_area"]
            inj = _r(rec["planned_area"] * g.u((1.05, 1.6)), g.prec["公顷"])
            note = f"建成面积 {inj} 公顷大于规划面积 {rec['planned_area']} 公顷"
        elif which in ("lead_revenue", "domain_revenue"):
            col, orig = f"{which}_{y}", rec[f"{which}_{y}"]
            inj = _r(rec[f"total_revenue_{y}"] * g.u((1.05, 1.4)), yi)
            note = f"{col} = {inj} 亿元大于总营业收入 {rec[f'total_revenue_{y}']} 亿元"
        else:
            col, orig = f"domain_rd_{y}", rec[f"domain_rd_{y}"]
            total_rd = rec[f"rd_intensity_{y}"] * rec[f"total_revenue_{y}"] / 100
            inj = _r(total_rd * g.u((1.2, 2.0)) + 10**-yi, yi)
            note = f"重点领域研发投入 {inj} 亿元大于研发投入总额 {total_rd:.4f} 亿元"
        rec[col] = inj
        self.add(aid, col, "part_exceeds_whole", orig, inj, note)
        return True

    def _numeric_cols(self, rec: Mapping[str, Any]) -> list[str]:
        cols = []
        for f, row in self.schema.iterrows():
            if rec["category"] not in row.forms or row.kind not in ("yearly", "number", "count"):
                continue
            cols += yearly_columns(f, self.g.cfg) if row.kind == "yearly" else [f]
        return [c for c in cols if c in rec and isinstance(rec[c], (int, float)) and not is_blank(rec[c])]

    def number_as_text(self, aid: str) -> bool:
        g, rec = self.g, self.items[aid]["rec"]
        cols = self._numeric_cols(rec)
        variants = {
            "thousands": [c for c in cols if abs(rec[c]) >= 1000],
            "percent": [c for c in cols if self.g.wide.loc[c, "unit"] == "%"],
            "fullwidth": cols,
        }
        variant = g.pick([k for k, v in variants.items() if v])
        col = g.pick(variants[variant])
        v, d = rec[col], self.decimals(col)
        text = f"{v:,.{d}f}" if variant == "thousands" else f"{v:.{d}f}%" if variant == "percent" else f"{v:.{d}f}".translate(_FULLWIDTH)
        self.raw.append({"applicant_id": aid, "field": col, "raw": text})
        self.add(aid, col, "number_as_text", v, text, f"数字以文本填写（{ {'thousands': '千分位', 'percent': '百分号', 'fullwidth': '全角数字'}[variant] }），应读作 {v}")
        return True

    def blank_or_none(self, aid: str) -> bool:
        g, rec = self.g, self.items[aid]["rec"]
        keys = {"applicant_id", "category", "province", "domain", "name", "recommender", "applicant_unit", "credit_code"}
        cols = [c for c in self._numeric_cols(rec) if self.schema.loc[self.g.wide.loc[c, "field"], "required"]]
        cols += [f for f, row in self.schema.iterrows() if rec["category"] in row.forms and row.kind == "text" and row.required and f not in keys and f in rec]
        col = g.pick(cols)
        token = g.pick(list(g.s["faults"]["blank_or_none"]["tokens"]))
        orig = rec[col]
        rec[col] = None if isinstance(orig, str) else math.nan
        self.raw.append({"applicant_id": aid, "field": col, "raw": token})
        self.add(aid, col, "blank_or_none", orig, token, f"必填项填写为“{token}”" if token else "必填项空白")
        return True

    def province_alias(self, aid: str) -> bool:
        rec = self.items[aid]["rec"]
        row = self.g.provinces.loc[rec["province"]]
        aliases = [a for a in row.aliases if a != rec["province"]]
        alias = self.g.pick(aliases)
        self.raw.append({"applicant_id": aid, "field": "province", "raw": alias})
        self.add(aid, "province", "province_alias", rec["province"], alias, f"省份写作“{alias}”，应为“{rec['province']}”")
        return True

    def bad_check_digit(self, aid: str) -> bool:
        rec = self.items[aid]["rec"]
        if rec["category"] != "enterprise":
            return False
        code = rec["credit_code"]
        wrong = self.g.pick([c for c in CREDIT_CODE_CHARSET if c != code[-1]])
        rec["credit_code"] = code[:-1] + wrong
        self.add(aid, "credit_code", "bad_check_digit", code, rec["credit_code"], f"校验位应为 {code[-1]}，填报为 {wrong}")
        return True

    def text_too_long(self, aid: str) -> bool:
        g, item = self.g, self.items[aid]
        rows = [t for t in item["texts"] if t["section"] != "recommender_opinion"]
        row = g.pick(rows)
        limit = int(g.cfg["fields"]["longtext_max_chars"])
        target = limit + int(g.rng.integers(*g.s["texts"]["too_long_extra"]))
        orig = row["text"]
        text = orig
        while len(text) < target:
            text += long_text(row["section"], item["rec"]["category"], item["slot"]["domain_id"], item["ctx"],
                              g.rng, min(limit, target - len(text) + 50), g.cfg)
        row["text"] = text
        self.add(aid, row["section"], "text_too_long", len(orig), len(text), f"文本 {len(text)} 字，超过 {limit} 字上限（原 {len(orig)} 字）")
        return True


    def unreadable_value(self, aid: str) -> bool:
        """A text intake cannot read as the field's kind (``2026年13月1日``, ``待定``, ``三十亿``) in one cell."""
        g, rec = self.g, self.items[aid]["rec"]
        groups = g.s["faults"]["unreadable_value"]["texts"]
        cols = {k: [c for f in self._fields(rec["category"], lambda i, f: f.kind in grp["kinds"])
                    for c in (self._cols(f) if self.schema.loc[f, "kind"] == "yearly" else [f]) if not is_blank(rec.get(c))]
                for k, grp in groups.items()}
        group = g.pick([k for k, c in cols.items() if c])
        col = g.pick(cols[group])
        text = g.pick(list(groups[group]["texts"]))
        kind = self.g.wide.loc[col, "kind"]
        orig = rec[col]
        rec[col] = pd.NaT if kind == "date" else None if kind == "bool" else math.nan
        self.raw.append({"applicant_id": aid, "field": col, "raw": text})
        self.add(aid, col, "unreadable_value", orig, text, f"填写为“{text}”，无法识别，读取时按缺失处理")
        return True


def _fault_counts(g: _Generator, n_base: int, fault_rate: float) -> dict[str, int]:
    kinds = list(g.s["faults"])
    if fault_rate <= 0:
        return {k: 0 for k in kinds}
    if fault_rate > 1:
        raise ValueError(f"故障比例 fault_rate 应在 0 与 1 之间：{fault_rate}")
    total = max(len(kinds), int(round(fault_rate * n_base)))
    w = np.array([float(g.s["faults"][k]["weight"]) for k in kinds])
    extra = g.rng.multinomial(total - len(kinds), w / w.sum())
    return {k: 1 + int(e) for k, e in zip(kinds, extra)}


def _inject(g: _Generator, items: dict[str, dict], slots: list[dict], counts: dict[str, int]) -> _Faults:
    from nebase_analysis.intake import make_applicant_id

    fx = _Faults(g, items)
    quota = quota_table(g.cfg).set_index(["province", "category"])["quota"]
    cats = g.cfg["fields"]["categories"]

    # duplicate_filing: enterprise B (province pB) replaced by enterprise A of another province
    ents = [s["applicant_id"] for s in slots if s["category"] == "enterprise"]
    for _ in range(counts.get("duplicate_filing", 0)):
        free = [a for a in ents if a not in fx.used]
        a = g.pick(free)
        pa = items[a]["rec"]["province"]
        b = g.pick([x for x in free if items[x]["rec"]["province"] != pa])
        src, dst = items[a], items[b]
        old = dst["rec"]
        rec = {**src["rec"]}
        for key in ("applicant_id", "province", "recommender", "filled_date", "recommender_opinion_date"):
            rec[key] = old[key]
        dst["rec"] = rec
        dst["tops"] = [{**t, "applicant_id": b} for t in src["tops"]]
        dst["texts"] = [{**t, "applicant_id": b} for t in src["texts"]]
        dst["slot"] = {**dst["slot"], "domain_id": src["slot"]["domain_id"]}
        dst["ctx"] = src["ctx"]
        g.hidden = [h for h in g.hidden if h["applicant_id"] != b]
        g.hidden += [{**h, "applicant_id": b} for h in g.hidden if h["applicant_id"] == a]
        fx.add(b, "credit_code", "duplicate_filing", old["credit_code"], rec["credit_code"],
               f"与 {a}（{pa}）为同一企业“{rec['name']}”（统一社会信用代码 {rec['credit_code']}），由 {old['province']} 重复推荐")
        fx.used.add(a)

    # over_quota: one more applicant than the quota in a province and category
    pairs = [(p, c) for p in g.provinces.index for c in cats]
    order = list(g.rng.permutation(len(pairs)))
    for i in range(min(counts.get("over_quota", 0), len(pairs))):
        p, c = pairs[order[i]]
        q = int(quota[(p, c)]) * g.scale
        aid = make_applicant_id(c, p, q + 1, g.cfg)
        ids = list(g.domains.index)
        d = g.pick(ids, [g.s["domains"][x]["weight"] for x in ids])
        slot = {"province": p, "category": c, "domain_id": d, "applicant_id": aid}
        items[aid] = _applicant(g, slot)
        slots.append(slot)
        fx.add(aid, "province", "over_quota", q, q + 1, f"{p}推荐{cats[c]['label']} {q + 1} 个，超出名额 {q} 个")

    # group_subsidiary: an enterprise renamed as the group (集团) of another one's 字号
    for _ in range(counts.get("group_subsidiary", 0)):
        _plant_group_pair(g, items, fx)

    # per-applicant kinds, one per applicant
    per = [k for k in counts if g.s["faults"][k]["scope"] == "applicant"]
    for kind in per:
        for _ in range(counts[kind]):
            free = [a for a in items if a not in fx.used]
            g.rng.shuffle(free)
            for aid in free:
                if getattr(fx, kind)(aid):
                    break
            else:
                raise RuntimeError(f"找不到可注入“{kind}”故障的申报对象")
    return fx


def _plant_group_pair(g: _Generator, items: dict[str, dict], fx: _Faults) -> None:
    """Rename one enterprise ``<city><字号><group suffix>`` after another's 字号 (notice 四(一)).

    The subsidiary keeps its name; its 字号 (the two characters after its city) is one
    no other enterprise of the batch carries, so the pair is the only one the rule can
    tell. The group's texts and applicant unit follow its new name. Both are faults.
    """
    from collections import Counter

    ents = [a for a, it in items.items() if it["rec"]["category"] == "enterprise"]
    brand = {a: items[a]["rec"]["name"][len(items[a]["rec"]["_city"]):][:2] for a in ents}
    shared = Counter(brand.values())
    free = [a for a in ents if a not in fx.used]
    subsidiary = g.pick([a for a in free if shared[brand[a]] == 1])
    group = g.pick([a for a in free if a != subsidiary])
    rec = items[group]["rec"]
    old = rec["name"]
    for _ in range(50):
        new = f"{rec['_city']}{brand[subsidiary]}{g.pick(g.s['faults']['group_subsidiary']['group_suffixes'])}"
        if new not in g.used_names:
            break
    else:
        raise RuntimeError("无法生成不重复的集团公司名称")
    g.used_names.add(new)
    rec["name"] = rec["applicant_unit"] = new
    items[group]["ctx"] = {**items[group]["ctx"], "name": new}
    items[group]["texts"] = [{**t, "text": t["text"].replace(old, new)} for t in items[group]["texts"]]
    sub = items[subsidiary]["rec"]
    fx.add(group, "name", "group_subsidiary", old, new,
           f"改名为“{new}”，与 {subsidiary}“{sub['name']}”（{sub['province']}）构成集团公司与子公司同时申报")
    fx.add(subsidiary, "name", "group_subsidiary", sub["name"], sub["name"],
           f"与 {group}“{new}”（{rec['province']}）构成集团公司与子公司同时申报")


# ----------------------------------------------------------------------------- frames


def _frame(records: list[dict], cfg: Mapping[str, Any]) -> pd.DataFrame:
    cols = applicant_columns(None, cfg)
    df = type_applicants(pd.DataFrame([{c: r.get(c) for c in cols} for r in records], columns=cols), cfg)
    df["source_file"] = pd.Series([None] * len(df), dtype="str")
    return df


def _cleaning_log(raw: list[dict], items: Mapping[str, dict], cfg: Mapping[str, Any]) -> pd.DataFrame:
    """The cleaning-log rows intake writes when it reads the raw overrides back.

    Each raw cell goes through :func:`nebase_analysis.cleaning.clean_value` (numbers as
    text, missing tokens) or is a province alias; a cell left truly empty is read as
    missing without a change, so it has no row.
    """
    from nebase_analysis.cleaning import clean_value

    wide = wide_columns(cfg).set_index("column")
    rows = []
    for r in raw:
        aid, col, text = r["applicant_id"], r["field"], r["raw"]
        if col == "province":
            rows.append({"applicant_id": aid, "field": col, "raw": text, "clean": items[aid]["rec"]["province"], "rule": "province_alias"})
            continue
        w = wide.loc[col]
        parsed = clean_value(text, w.kind, w.unit, config=cfg)
        if parsed.rule and parsed.ok:  # a value not read is in the rejected list instead (_rejected)
            rows.append({"applicant_id": aid, "field": col, "raw": text, "clean": parsed.value, "rule": parsed.rule})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS["cleaning_log"]).astype(object)


def _rejected(raw: list[dict], summary: pd.DataFrame, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of intake's rejected list for the raw overrides it cannot read.

    Each raw cell goes through :func:`nebase_analysis.cleaning.clean_value` as intake
    does; a cell it cannot read is listed as intake lists it: the workbook
    :func:`nebase_analysis.templates.write_raw` writes (``applications/<省份>/<序号>_<名称>.xlsx``),
    the sheet and A1 cell of the template layout, scope ``field``, the text as typed and
    intake's reason.
    """
    from nebase_analysis.cleaning import clean_value
    from nebase_analysis.excel import safe_file_name
    from nebase_analysis.intake import REJECTED_COLUMNS, _cell_ref, _reason_for, _specs, _typed_text
    from nebase_analysis.templates import VALUE_COL, form_layout

    wide = wide_columns(cfg).set_index("column")
    layouts: dict[str, tuple[dict, dict]] = {}
    rows_of = summary.set_index("applicant_id")
    out = []
    for r in raw:
        aid, col, text = r["applicant_id"], r["field"], r["raw"]
        if col == "province":  # a province alias: read by intake's province rule, never rejected
            continue
        w = wide.loc[col]
        if clean_value(text, w.kind, w.unit, config=cfg).ok:
            continue
        s = rows_of.loc[aid]
        if s.category not in layouts:
            lay = form_layout(s.category, cfg)
            cells = {k: (row.sheet, _cell_ref(row.row, VALUE_COL + j)) for row in lay.itertuples() for j, k in enumerate(row.keys)
                     if row.kind in ("field", "text")}
            layouts[s.category] = ({sp.key: sp for sp in _specs(lay, cfg)}, cells)
        specs, cells = layouts[s.category]
        sp = specs[col]
        parsed = clean_value(text, sp.kind, sp.unit, sp.choices, config=cfg)
        sheet, cell = cells[col]
        path = f"{cfg['intake']['applications_dir']}/{safe_file_name(s.province)}/{int(s.seq):02d}_{safe_file_name(s['name'])}.xlsx"
        out.append({"path": path, "sheet": sheet, "cell": cell, "field": col, "applicant_id": aid, "scope": "field",
                    "value": _typed_text(text), "reason": _reason_for(sp.label, text, parsed.rule, sp.unit, sp.kind)})
    return pd.DataFrame(out, columns=REJECTED_COLUMNS).astype(object)


def generate(seed: int = 0, scale: int = 1, fault_rate: float = 0.05, config: Any = None, progress: bool = False) -> SyntheticBatch:
    """Generate the synthetic national batch with its faults and their ground truth.

    Parameters
    ----------
    seed : int
        Seed of the random generator: the same seed gives identical frames.
    scale : int
        Multiplies every quota (scale=2: 76 parks and 760 enterprises, ids unique).
    fault_rate : float
        Share of applicants carrying one fault (0 to 1). When > 0, every fault kind of
        ``synth.yaml`` appears at least once.
    config : optional
        Anything :func:`nebase_analysis.config.resolve_config` takes.
    progress : bool
        Show a tqdm progress bar (stderr).

    Returns
    -------
    SyntheticBatch

    Examples
    --------
    >>> s = generate(seed=3, fault_rate=0.05)
    >>> len(s.truth) >= 11, set(s.truth.columns) == set(FAULT_COLUMNS)
    (True, True)
    """
    cfg = resolve_config(config)
    if int(scale) < 1:
        raise ValueError(f"scale 应为正整数：{scale}")
    if not 0 <= float(fault_rate) <= 1:
        raise ValueError(f"故障比例 fault_rate 应在 0 与 1 之间：{fault_rate}")
    g = _Generator(int(seed), int(scale), cfg)
    slots = _slots(g)
    items: dict[str, dict] = {}
    iterator: Iterable = slots
    if progress:
        from tqdm import tqdm

        iterator = tqdm(slots, desc="生成申报对象", unit="个", leave=False)
    for slot in iterator:
        items[slot["applicant_id"]] = _applicant(g, slot)
    counts = _fault_counts(g, len(items), float(fault_rate))
    fx = _inject(g, items, slots, counts)

    # order: province order of provinces.yaml, parks before enterprises, by id
    prov_order = {p: i for i, p in enumerate(g.provinces.index)}
    cat_order = {c: i for i, c in enumerate(cfg["fields"]["categories"])}
    ids = sorted(items, key=lambda a: (prov_order[items[a]["rec"]["province"]], cat_order[items[a]["rec"]["category"]], int(a.rsplit("-", 1)[1])))
    recs = [items[a]["rec"] for a in ids]
    applicants = _frame(recs, cfg)
    tops_e = pd.DataFrame([t for a in ids for t in items[a]["tops"] if "enterprise" in t], columns=TABLE_COLUMNS["top_enterprises"])
    tops_p = pd.DataFrame([t for a in ids for t in items[a]["tops"] if "product" in t], columns=TABLE_COLUMNS["top_products"])
    for t in (tops_e, tops_p):
        t["rank"] = t["rank"].astype("int64")
    texts = pd.DataFrame([t for a in ids for t in items[a]["texts"]], columns=TABLE_COLUMNS["texts"])
    summary_rows, seq = [], {}
    for r in recs:
        seq[r["province"]] = seq.get(r["province"], 0) + 1
        summary_rows.append({"applicant_id": r["applicant_id"], "province": r["province"], "recommender": r["recommender"], "seq": seq[r["province"]],
                             "applicant_unit": r["applicant_unit"], "name": r["name"], "category": r["category"],
                             "domain": r["domain"], "source_file": None})
    summary = pd.DataFrame(summary_rows, columns=[*TABLE_COLUMNS["summary"], "applicant_id"])
    summary["seq"] = summary["seq"].astype("int64")
    summary["source_file"] = summary["source_file"].astype("str").where(summary["source_file"].notna())
    log = _cleaning_log(fx.raw, items, cfg)
    rejected = _rejected(fx.raw, summary, cfg)
    batch = Batch(applicants=applicants, top_enterprises=tops_e, top_products=tops_p, texts=texts, summary=summary, cleaning_log=log,
                  rejected=rejected)
    truth = pd.DataFrame(fx.truth, columns=FAULT_COLUMNS).astype("str")
    raw = pd.DataFrame(fx.raw, columns=RAW_COLUMNS).astype("str")
    hidden = pd.DataFrame(g.hidden, columns=["applicant_id", "field", "value"])
    hidden = hidden[hidden.applicant_id.isin(ids)].reset_index(drop=True)
    return SyntheticBatch(batch=batch, raw_values=raw, truth=truth, hidden=hidden, seed=int(seed))


def national_batch(seed: int = 0, scale: int = 1, fault_rate: float = 0.05, config: Any = None) -> Batch:
    """The synthetic national batch as a :class:`Batch` (values as intake would clean them).

    See :func:`generate` for the parameters and for the faults' ground truth.

    Examples
    --------
    >>> b = national_batch(seed=0, fault_rate=0)
    >>> b.n_applicants
    418
    """
    return generate(seed=seed, scale=scale, fault_rate=fault_rate, config=config).batch


# ----------------------------------------------------------------------------- writing


def write(synthetic: SyntheticBatch, out_dir: str | Path, config: Any = None, progress: bool = False,
          fmt: str = "xlsx") -> dict[str, Any]:
    """Write a synthetic batch as provinces send it, with its ground truth.

    ``<out>/applications/<省份>/...`` (filled templates or official Word forms and the
    summary tables, by :func:`nebase_analysis.templates.write_raw` with ``fmt`` and the
    batch's seed, ``raw_values`` written as given), ``<out>/faults.csv``
    (:attr:`SyntheticBatch.truth`, UTF-8), ``<out>/word_variants.csv`` (what was written
    how: ``applicant_id, path`` (relative to ``out_dir``), ``format, variant``, one row per
    file, summaries with an empty ``applicant_id``; ``variant`` the record of
    :func:`nebase_analysis.wordforms.variant_text`, empty for xlsx), and the expert roster
    and filled score sheets under ``<out>/experts/``
    (:func:`nebase_analysis.experts.panels.write_synthetic_panels`).

    ``fmt`` is ``xlsx`` (our templates), ``docx`` (every province in Word) or ``mixed``
    (most provinces in Word, some in the templates): see ``write_raw``.

    A previous synthetic batch in ``out_dir`` (recognised by its ``faults.csv``) is
    replaced whole; an ``applications`` folder without ``faults.csv`` (real material)
    is never overwritten: a :class:`RuntimeError` says so in Chinese.

    Returns
    -------
    dict
        ``faults`` (path of faults.csv), ``variants`` (path of word_variants.csv), ``raw``
        (what write_raw returned), ``experts`` (what write_synthetic_panels returned).

    Examples
    --------
    >>> s = generate(seed=0)                      # doctest: +SKIP
    >>> write(s, "data/raw")["faults"]            # doctest: +SKIP
    PosixPath('data/raw/faults.csv')
    """
    import shutil

    from nebase_analysis.experts.panels import write_synthetic_panels
    from nebase_analysis.templates import write_raw

    cfg = resolve_config(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    faults = out / "faults.csv"
    apps = out / cfg["intake"]["applications_dir"]
    if apps.exists() and any(apps.iterdir()):
        if not faults.exists():
            raise RuntimeError(f"{apps} 中已有申报材料且不是合成批次（缺少 faults.csv）：为免覆盖真实材料，请换一个输出目录")
        # a previous synthetic batch: replace it whole, so no stale workbook is read with the new one
        shutil.rmtree(apps)
        shutil.rmtree(out / "experts", ignore_errors=True)
    raw = write_raw(synthetic.batch, out, raw_values=synthetic.raw_values, config=cfg, progress=progress,
                    fmt=fmt, seed=synthetic.seed)
    synthetic.truth.to_csv(faults, index=False, encoding="utf-8")
    variants = out / "word_variants.csv"
    written = raw.loc[raw["path"].notna(), ["applicant_id", "path", "format", "variant"]].copy()
    written["path"] = [Path(p).relative_to(out).as_posix() for p in written["path"]]  # relative to out_dir
    written.to_csv(variants, index=False, encoding="utf-8")
    experts = write_synthetic_panels(synthetic.batch, out, synthetic.seed, config=cfg)
    return {"faults": faults, "variants": variants, "raw": raw, "experts": experts}


# ----------------------------------------------------------------------------- CLI


def configure_parser(parser) -> None:
    """Arguments of ``nebase synth``."""
    parser.add_argument("--out", required=True, help="输出目录（如 data/raw）")
    parser.add_argument("--seed", type=int, default=0, help="随机种子（默认 0）")
    parser.add_argument("--scale", type=int, default=1, help="规模倍数（默认 1：38 个园区、380 家企业）")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="含故障申报对象的比例（默认 0.05）")
    parser.add_argument("--format", dest="fmt", choices=["xlsx", "docx", "mixed"], default="xlsx",
                        help="申请书格式：xlsx（本系统 Excel 模板）、docx（通知附件 Word 申请书）、"
                             "mixed（多数省份 Word、部分省份 Excel）（默认 xlsx）")
    parser.add_argument("--config", default=None, help="用户配置 YAML（覆盖包内配置）")


def summary_text(synthetic: SyntheticBatch, config: Any = None) -> str:
    """A Chinese summary of a synthetic batch (what ``nebase synth`` prints).

    Examples
    --------
    >>> print(summary_text(generate(seed=0, fault_rate=0)).splitlines()[0])
    合成全国申报批次：418 个申报对象（园区 38 个，企业 380 家），覆盖 32 个省级单位、10 个领域
    """
    cfg = resolve_config(config)
    a = synthetic.batch.applicants
    n_p, n_e = int((a.category == "park").sum()), int((a.category == "enterprise").sum())
    lines = [f"合成全国申报批次：{len(a)} 个申报对象（园区 {n_p} 个，企业 {n_e} 家），覆盖 {a.province.nunique()} 个省级单位、{a.domain.nunique()} 个领域"]
    if synthetic.truth.empty:
        lines.append("未注入故障")
    else:
        labels = {k: v["label"] for k, v in cfg["synth"]["faults"].items()}
        counts = synthetic.truth.kind.value_counts()
        lines.append(f"注入故障 {len(synthetic.truth)} 处，涉及 {synthetic.truth.applicant_id.nunique()} 个申报对象：")
        lines += [f"  {labels.get(k, k)}（{k}）：{int(counts[k])}" for k in labels if k in counts]
    return "\n".join(lines)


def run_cli(args) -> int:
    """``nebase synth --out DIR --seed N [--scale K] [--fault-rate F] [--format xlsx|docx|mixed]``."""
    import sys

    try:
        synthetic = generate(seed=args.seed, scale=args.scale, fault_rate=args.fault_rate, config=args.config, progress=True)
        result = write(synthetic, args.out, config=args.config, progress=True, fmt=getattr(args, "fmt", "xlsx"))
    except (ValueError, RuntimeError, FileNotFoundError) as exc:
        print(f"nebase synth：{exc}", file=sys.stderr)
        return 1
    print(summary_text(synthetic, args.config))
    apps = Path(args.out) / resolve_config(args.config)["intake"]["applications_dir"]
    print(f"申报材料已写入 {apps}；故障真值：{result['faults']}；格式记录：{result['variants']}")
    print(f"专家名册与评分表：{Path(args.out) / 'experts'}")
    return 0
