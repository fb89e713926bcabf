"""Synthetic expert panels: a roster and FILLED score sheets for a synthetic batch.

``nebase synth`` calls :func:`write_synthetic_panels` so that every expert feature
downstream has something real to work on. The panel is made of:

* experts per domain (``experts.yaml`` ``synthetic.experts_per_domain``) from
  different provinces, some covering a second domain, a few with declared conflicts;
* each expert with a leniency (additive offset) and a noise level; one expert who
  gives every applicant the same score (``constant_experts``);
* a latent applicant quality that follows the applicant's own figures (the mean of
  within-panel z-scores of revenue growth and R&D intensity, plus noise), so the
  final ranking is plausible;
* planted faults: blank score cells (missing scores), a recusal noticed after the
  sheets went out (the expert declares the conflict in the final roster but returns
  scores: read-back must reject them), and a score typed above its maximum.

Ground truth is written beside the sheets (``<out>/experts/truth/``): the experts'
traits, the applicants' latent quality, and one row per planted fault.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nebase_analysis.config import criteria_table, province_table, resolve_config

__all__ = ["synthetic_roster", "latent_quality", "synthetic_scores", "write_synthetic_panels"]


def _applicants(batch: Any) -> pd.DataFrame:
    return batch.applicants if hasattr(batch, "applicants") else batch


def synthetic_roster(batch: Any, seed: int = 0, config: Any = None) -> pd.DataFrame:
    """A synthetic expert roster covering every domain of ``batch``.

    Parameters
    ----------
    batch : Batch or DataFrame
        A :class:`~nebase_analysis.batch.Batch` (its ``applicants`` are used) or an
        applicants table.
    seed : int
    config : path, mapping or None
        ``experts.synthetic``: ``experts_per_domain``, ``second_domain_share``,
        name and unit pools, ``id_format``.

    Returns
    -------
    DataFrame
        ``expert_id, name, province, unit, domains (tuple), conflicts (tuple)``.
        Within a domain the experts come from different provinces (as long as there
        are enough provinces), so no applicant runs short through same-province
        recusal alone.

    Examples
    --------
    >>> r = synthetic_roster(applicants, seed=0)   # doctest: +SKIP
    >>> r.groupby(r.domains.str[0]).size().min()   # doctest: +SKIP
    14
    """
    cfg = resolve_config(config)
    scfg = cfg["experts"]["synthetic"]
    rng = np.random.default_rng(seed)
    apps = _applicants(batch)
    domain_names = [d["name"] for d in cfg["domains"]["domains"]]
    present = set(apps["domain"].dropna()) if len(apps) else set(domain_names)
    domains = [d for d in domain_names if d in present]
    provinces = province_table(cfg)
    n = int(scfg["experts_per_domain"])
    rows = []
    for d in domains:
        idx = rng.choice(len(provinces), size=n, replace=n > len(provinces))
        for i in idx:
            p = provinces.iloc[int(i)]
            suffix = scfg["unit_suffixes"][int(rng.integers(len(scfg["unit_suffixes"])))]
            name = (scfg["surnames"][int(rng.integers(len(scfg["surnames"])))]
                    + scfg["given_names"][int(rng.integers(len(scfg["given_names"])))])
            doms = [d]
            if len(domains) > 1 and rng.random() < float(scfg["second_domain_share"]):
                others = [x for x in domains if x != d]
                doms.append(others[int(rng.integers(len(others)))])
            rows.append({"name": name, "province": p["name"], "unit": f"{p['short']}{suffix}",
                         "domains": tuple(doms), "conflicts": ()})
    roster = pd.DataFrame(rows, columns=["name", "province", "unit", "domains", "conflicts"])
    roster.insert(0, "expert_id", [scfg["id_format"].format(i + 1) for i in range(len(roster))])
    # a few genuine declared conflicts (an expert who advised an applicant of their domain)
    n_decl = int(scfg["declared_conflicts"])
    if n_decl and len(apps):
        for j in rng.choice(len(roster), size=min(n_decl, len(roster)), replace=False):
            cands = apps.loc[apps["domain"].isin(roster.at[int(j), "domains"]), "applicant_id"].astype(str).tolist()
            if cands:
                roster.at[int(j), "conflicts"] = (cands[int(rng.integers(len(cands)))],)
    return roster


def latent_quality(applicants: pd.DataFrame, seed: int = 0, config: Any = None) -> pd.DataFrame:
    """Latent quality of each applicant, following its figures.

    The mean of the within-panel (domain × category) z-scores of the
    ``synthetic.quality_fields`` of its category (missing values count as the panel
    mean), plus normal noise of sd ``quality_noise_sd``.

    Returns
    -------
    DataFrame
        ``applicant_id, domain, category, figures_z, quality``.

    Examples
    --------
    >>> q = latent_quality(applicants, seed=0)   # doctest: +SKIP
    """
    cfg = resolve_config(config)
    scfg = cfg["experts"]["synthetic"]
    rng = np.random.default_rng(seed)
    a = applicants.reset_index(drop=True)
    z = pd.Series(0.0, index=a.index)
    for category, fields in scfg["quality_fields"].items():
        mask = a["category"] == category
        cols = [f for f in fields if f in a.columns]
        if not mask.any() or not cols:
            continue
        parts = []
        for f in cols:
            x = pd.to_numeric(a.loc[mask, f], errors="coerce").astype(float)
            g = x.groupby(a.loc[mask, "domain"])
            sd = g.transform("std").replace(0.0, np.nan)
            parts.append(((x - g.transform("mean")) / sd).fillna(0.0))
        z.loc[mask] = pd.concat(parts, axis=1).mean(axis=1)
    noise = rng.normal(0.0, float(scfg["quality_noise_sd"]), size=len(a))
    return pd.DataFrame({"applicant_id": a["applicant_id"].astype(str), "domain": a["domain"],
                         "category": a["category"], "figures_z": z.to_numpy(), "quality": z.to_numpy() + noise})


def synthetic_scores(
    applicants: pd.DataFrame,
    assignments: pd.DataFrame,
    seed: int = 0,
    config: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Scores every assigned expert gives, before any planted fault.

    Share of a criterion's maximum = ``base_share + quality_share_sd * quality``
    + applicant × criterion deviation + expert leniency + expert noise, clipped to
    0..1 and rounded to ``score_step``. The ``constant_experts`` experts with the
    largest load give ``constant_share`` of every maximum to everyone.

    Returns
    -------
    scores : DataFrame
        ``applicant_id, expert_id, criterion, score``.
    experts : DataFrame
        ``expert_id, leniency, noise_sd, constant`` (shares of the maximum).
    quality : DataFrame
        As :func:`latent_quality`.

    Examples
    --------
    >>> s, traits, q = synthetic_scores(applicants, assignments, seed=0)   # doctest: +SKIP
    """
    cfg = resolve_config(config)
    scfg = cfg["experts"]["synthetic"]
    rng = np.random.default_rng(seed + 1)
    crit = criteria_table(cfg).to_dict("records")
    quality = latent_quality(applicants, seed=seed, config=cfg)
    q = dict(zip(quality["applicant_id"], quality["quality"]))
    experts = sorted(assignments["expert_id"].astype(str).unique())
    lo, hi = scfg["noise_sd"]
    traits = pd.DataFrame({
        "expert_id": experts,
        "leniency": rng.normal(0.0, float(scfg["leniency_sd"]), size=len(experts)),
        "noise_sd": rng.uniform(float(lo), float(hi), size=len(experts)),
        "constant": False,
    })
    load = assignments["expert_id"].astype(str).value_counts()
    n_const = int(scfg["constant_experts"])
    if n_const:
        ranked = sorted(experts, key=lambda e: (-int(load.get(e, 0)), e))
        traits.loc[traits["expert_id"].isin(ranked[:n_const]), "constant"] = True
    t = traits.set_index("expert_id")
    step = float(scfg["score_step"])
    base, slope, csd = float(scfg["base_share"]), float(scfg["quality_share_sd"]), float(scfg["criterion_sd"])
    app_ids = sorted(assignments["applicant_id"].astype(str).unique())
    dev = {(a, c["id"]): rng.normal(0.0, csd) for a in app_ids for c in crit}
    rows = []
    for pair in assignments[["applicant_id", "expert_id"]].astype(str).itertuples(index=False):
        tr = t.loc[pair.expert_id]
        for c in crit:
            mx = float(c["max"])
            if tr["constant"]:
                share = float(scfg["constant_share"])
            else:
                share = (base + slope * q.get(pair.applicant_id, 0.0) + dev[(pair.applicant_id, c["id"])]
                         + tr["leniency"] + rng.normal(0.0, tr["noise_sd"]))
            score = min(mx, max(0.0, round(min(1.0, max(0.0, share)) * mx / step) * step))
            rows.append({"applicant_id": pair.applicant_id, "expert_id": pair.expert_id, "criterion": c["id"],
                         "score": score})
    return pd.DataFrame(rows, columns=["applicant_id", "expert_id", "criterion", "score"]), traits, quality


def write_synthetic_panels(batch: Any, out_dir: str | Path, seed: int = 0, config: Any = None) -> dict[str, Any]:
    """Write a synthetic roster and filled score sheets for ``batch`` under ``<out_dir>/experts/``.

    Files: ``roster.xlsx`` (the final roster, with the conflict declared late),
    ``sheets/*.xlsx`` (filled score sheets) with ``sheets/assignments.csv`` (the issued
    assignment), ``sheets/recusals.csv``, ``sheets/shortfalls.csv``, and the ground
    truth ``truth/experts.csv``, ``truth/quality.csv``, ``truth/planted.csv``
    (``kind`` = ``constant`` / ``missing`` / ``recused`` / ``out_of_range``).

    Parameters
    ----------
    batch : Batch or DataFrame
        The synthetic batch (``batch.applicants`` is used) or an applicants table.
    out_dir : path
        The raw data folder (``data/raw``).
    seed : int
    config : path, mapping or None

    Returns
    -------
    dict
        ``roster`` (final), ``assignments``, ``shortfalls``, ``scores`` (as written
        on the sheets, planted faults included), ``experts``, ``quality``,
        ``planted`` (DataFrames) and ``paths`` (workbooks).

    Examples
    --------
    >>> out = write_synthetic_panels(batch, "data/raw", seed=0)   # doctest: +SKIP
    >>> out["planted"].kind.value_counts()                          # doctest: +SKIP
    """
    from nebase_analysis.experts.assignment import assign, write_roster
    from nebase_analysis.experts.sheets import issue_sheets

    cfg = resolve_config(config)
    scfg = cfg["experts"]["synthetic"]
    apps = _applicants(batch)
    roster = synthetic_roster(apps, seed=seed, config=cfg)
    assignments, shortfalls = assign(apps, roster, cfg, seed=seed)
    scores, traits, quality = synthetic_scores(apps, assignments, seed=seed, config=cfg)
    rng = np.random.default_rng(seed + 2)
    maxima = criteria_table(cfg).set_index("id")["max"].to_dict()
    constant = set(traits.loc[traits["constant"], "expert_id"])
    planted = [{"kind": "constant", "applicant_id": None, "expert_id": e, "criterion": None, "value": None,
                "note": "该专家对所有申报对象各项给出相同分值"} for e in sorted(constant)]

    pairs = assignments.loc[~assignments["expert_id"].isin(constant), ["applicant_id", "expert_id"]]
    pairs = pairs.astype(str).drop_duplicates().reset_index(drop=True)
    n_rec, n_oor, n_miss = int(scfg["recusals"]), int(scfg["out_of_range"]), int(scfg["missing_scores"])
    order = rng.permutation(len(pairs))
    rec_pairs = [tuple(pairs.iloc[int(i)]) for i in order[:n_rec]]
    # out-of-range and missing cells: on pairs other than the recused ones, one fault per pair
    other = [tuple(pairs.iloc[int(i)]) for i in order[n_rec:]]
    oor_pairs, miss_pairs = other[:n_oor], other[n_oor:n_oor + n_miss]
    final_roster = roster.copy()
    for aid, eid in rec_pairs:
        j = final_roster.index[final_roster["expert_id"] == eid][0]
        final_roster.at[j, "conflicts"] = tuple(final_roster.at[j, "conflicts"]) + (aid,)
        planted.append({"kind": "recused", "applicant_id": aid, "expert_id": eid, "criterion": None, "value": None,
                        "note": "分配后专家声明利益冲突，但仍交回了评分：读取时应予拒绝"})
    crit_ids = list(maxima)
    scores = scores.copy()
    for aid, eid in oor_pairs:
        cid = crit_ids[int(rng.integers(len(crit_ids)))]
        m = (scores["applicant_id"] == aid) & (scores["expert_id"] == eid) & (scores["criterion"] == cid)
        old = float(scores.loc[m, "score"].iloc[0])
        new = old * 10 if old * 10 > maxima[cid] else maxima[cid] + 5
        scores.loc[m, "score"] = new
        planted.append({"kind": "out_of_range", "applicant_id": aid, "expert_id": eid, "criterion": cid, "value": new,
                        "note": f"误录入（应为 {old:g}）"})
    drop = pd.Series(False, index=scores.index)
    for aid, eid in miss_pairs:
        cid = crit_ids[int(rng.integers(len(crit_ids)))]
        m = (scores["applicant_id"] == aid) & (scores["expert_id"] == eid) & (scores["criterion"] == cid)
        drop |= m
        planted.append({"kind": "missing", "applicant_id": aid, "expert_id": eid, "criterion": cid, "value": None,
                        "note": "评分单元格留空"})
    scores = scores[~drop].reset_index(drop=True)

    base = Path(out_dir) / "experts"
    sheets_dir = base / "sheets"
    truth_dir = base / "truth"
    sheets_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    write_roster(final_roster, base / "roster.xlsx", cfg)
    paths = issue_sheets(apps, roster, assignments, shortfalls, sheets_dir, cfg, scores=scores)["paths"]
    planted_df = pd.DataFrame(planted, columns=["kind", "applicant_id", "expert_id", "criterion", "value", "note"])
    traits.to_csv(truth_dir / "experts.csv", index=False, encoding="utf-8-sig")
    quality.to_csv(truth_dir / "quality.csv", index=False, encoding="utf-8-sig")
    planted_df.to_csv(truth_dir / "planted.csv", index=False, encoding="utf-8-sig")
    return {"roster": final_roster, "assignments": assignments, "shortfalls": shortfalls, "scores": scores,
            "experts": traits, "quality": quality, "planted": planted_df, "paths": paths}
