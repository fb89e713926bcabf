"""Beyond GX's built-ins: 万元/亿元 unit slips and robust outliers against domain peers.

A figure about ``factor`` (10,000) times its own other years, or its domain × category
peers' median, is a probable unit slip: 万元 typed where 亿元 is asked (or the
reverse). It is reported with the corrected value, and the relation checks run on the
corrected figures so the slip does not also show up as growth/share/average failures.

Figures far from their peers on a log scale (robust z-score: median and MAD within
domain × category) are warnings naming the peer median.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nebase_analysis.config import field_schema, resolve_config, wide_columns

SLIP_COLUMNS = ["applicant_id", "field", "reported", "expected", "basis", "reference"]
OUTLIER_COLUMNS = ["applicant_id", "field", "reported", "peer_median", "z", "n_peers"]


def _figure_columns(numeric: pd.DataFrame, cfg, units) -> list[tuple[str, str, Any]]:
    """(column, field id, period) of every figure column present whose unit is in ``units``
    (growth rows excepted); the period is a year, the average suffix, or None."""
    schema = field_schema(cfg).set_index("id")
    w = wide_columns(cfg)
    w = w[w["unit"].isin(units) & w["kind"].isin(["number", "yearly", "count"]) & w["column"].isin(numeric.columns)
          & schema.loc[w["field"], "growth_of"].isna().to_numpy()]
    return list(zip(w["column"], w["field"], w["period"]))


def _nanmedian(block: np.ndarray) -> np.ndarray:
    """Row medians ignoring NaN, NaN for all-NaN rows (no warnings)."""
    if block.shape[1] == 0:
        return np.full(block.shape[0], np.nan)
    return pd.DataFrame(block).median(axis=1, skipna=True).to_numpy(dtype=float)


def _in_band(ratio: np.ndarray, factor: float, band: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (ratio >= factor / band) & (ratio <= factor * band)


def unit_slips(numeric: pd.DataFrame, config: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Probable 万元/亿元 slips and the figures with them corrected.

    Each year is compared with the field's other years: a slip is ``factor`` times their
    median (within ``band``) and at least ``factor / band**2`` times each of them (the
    reverse for a figure typed too small). A figure with no usable other years (a single-value field, or all years slipped) is compared with
    the median of its domain × category peers.

    Returns
    -------
    (slips, repaired)
        ``slips``: ``applicant_id, field, reported, expected`` (the corrected value),
        ``basis`` (``years``/``peers``), ``reference`` (the value compared with);
        ``repaired``: ``numeric`` with the corrected values in place.

    Examples
    --------
    >>> df = pd.DataFrame({"applicant_id": ["E-GD-01"], "category": ["enterprise"], "domain": ["软件"],
    ...     "taxes_2023": [1.2], "taxes_2024": [13000.0], "taxes_2025": [1.4]})
    >>> s, fixed = unit_slips(df)
    >>> s[["field", "expected"]].values.tolist(), fixed["taxes_2024"].tolist()
    ([['taxes_2024', 1.3]], [1.3])
    """
    cfg = resolve_config(config)
    scfg = cfg["validation"]["outliers"]["unit_slip"]
    factor, band = float(scfg["factor"]), float(scfg["band"])
    num = numeric.reset_index(drop=True).copy()
    avg = cfg["fields"]["avg_suffix"]
    cols = _figure_columns(num, cfg, set(scfg["units"]))
    by_base: dict[str, list[str]] = {}
    for col, base, year in cols:
        if year is not None and year != avg:
            by_base.setdefault(base, []).append(col)
    found = []

    def record(mask, col, values, ref, basis):
        for i in np.flatnonzero(mask):
            x = values[i]
            corrected = x / factor if x > ref[i] else x * factor
            found.append({"applicant_id": num.at[i, "applicant_id"], "field": col, "reported": x,
                          "expected": float(np.round(corrected, 6)), "basis": basis, "reference": float(ref[i])})
            num.at[i, col] = corrected

    # 1. against the field's own other years: a slip differs by ~factor from every other known year
    groups = num["domain"].astype(object).fillna("") + "|" + num["category"].astype(object).fillna("")
    for base, ycols in by_base.items():
        block = num[ycols].to_numpy(dtype=float)
        block = np.where(block > 0, block, np.nan)
        peer = pd.DataFrame(block).groupby(groups.to_numpy()).transform("median").to_numpy()
        with np.errstate(all="ignore"):
            dist_peer = np.abs(np.log10(block / peer))
        for j, col in enumerate(ycols):
            others = [k for k in range(len(ycols)) if k != j]
            with np.errstate(all="ignore"):
                ratios = np.column_stack([block[:, j] / block[:, k] for k in others])
            known = np.isfinite(ratios)
            n_known = known.sum(axis=1)
            ref = _nanmedian(np.column_stack([block[:, k] for k in others]))
            with np.errstate(all="ignore"):
                ratio = block[:, j] / ref
            # ~factor times the median of the other years, and far (band squared) from every
            # one of them on the same side: a fast-growing series (1.31, 1.67, 2.93) still
            # shows a slipped 13100, and a slip in another year cannot drag a sound one along
            wide = band * band
            up = _in_band(ratio, factor, band) & np.where(known, _in_band(ratios, factor, wide), True).all(axis=1)
            down = _in_band(1 / ratio, factor, band) & np.where(known, _in_band(1 / ratios, factor, wide), True).all(axis=1)
            hit = (up | down) & (n_known >= 1)
            # with a single other year the two disagree symmetrically: the slip is the one farther from the peers
            single = hit & (n_known == 1)
            if single.any():
                other_dist = np.nanmax(np.where(known, np.column_stack([dist_peer[:, k] for k in others]), -np.inf), axis=1)
                hit &= ~single | (np.nan_to_num(dist_peer[:, j], nan=0.0) > other_dist)
            record(hit, col, block[:, j], ref, "years")
    # the average: against the (repaired) mean of its years
    for col, base, year in cols:
        if year == avg and base in by_base:
            with np.errstate(all="ignore"):
                ref = pd.DataFrame(num[by_base[base]].to_numpy(dtype=float)).mean(axis=1).to_numpy(dtype=float)
                x = num[col].to_numpy(dtype=float)
                ratio = x / ref
            hit = (_in_band(ratio, factor, band) | _in_band(1 / ratio, factor, band)) & (x > 0)
            record(hit, col, x, ref, "years")
    # 2. against domain x category peers (only figures the first pass could not judge)
    flagged = {(f["applicant_id"], f["field"]) for f in found}
    for col, base, year in cols:
        x = num[col].to_numpy(dtype=float)
        pos = np.where(x > 0, x, np.nan)
        med = pd.Series(pos).groupby(groups.to_numpy()).transform("median").to_numpy()
        cnt = pd.Series(pos).groupby(groups.to_numpy()).transform("count").to_numpy()
        with np.errstate(all="ignore"):
            ratio = x / med
        hit = (_in_band(ratio, factor, band) | _in_band(1 / ratio, factor, band)) & (cnt >= scfg["min_peers"]) & (x > 0)
        hit &= np.array([(a, col) not in flagged for a in num["applicant_id"]])
        record(hit, col, x, med, "peers")
    return pd.DataFrame(found, columns=SLIP_COLUMNS), num


def peer_outliers(numeric: pd.DataFrame, config: Any = None, exclude: set | None = None) -> pd.DataFrame:
    """Figures far from their domain × category peers: robust z on a log10 scale.

    ``z = (log10 x - median) / (1.4826 * MAD)`` within each peer group of at least
    ``min_peers`` positive values; ``|z| > threshold`` is reported. Averages are not
    tested (their years are).

    Returns
    -------
    DataFrame
        ``applicant_id, field, reported, peer_median, z, n_peers``.

    Examples
    --------
    >>> vals = [10.0, 12.0, 9.0, 11.0, 10.5, 9.5, 10.2, 5000.0]
    >>> df = pd.DataFrame({"applicant_id": [f"P{i}" for i in range(8)], "category": "park", "domain": "软件",
    ...                    "planned_area": vals})
    >>> peer_outliers(df)[["applicant_id", "peer_median"]].values.tolist()
    [['P7', 10.348913]]
    """
    cfg = resolve_config(config)
    ocfg = cfg["validation"]["outliers"]["robust_z"]
    thr, min_peers = float(ocfg["threshold"]), int(ocfg["min_peers"])
    avg = cfg["fields"]["avg_suffix"]
    num = numeric.reset_index(drop=True)
    groups = (num["domain"].astype(object).fillna("") + "|" + num["category"].astype(object).fillna("")).to_numpy()
    exclude = exclude or set()
    rows = []
    for col, base, year in _figure_columns(num, cfg, set(ocfg["units"])):
        if year == avg:
            continue
        x = num[col].to_numpy(dtype=float)
        with np.errstate(all="ignore"):
            lx = pd.Series(np.where(x > 0, np.log10(x), np.nan))
        g = lx.groupby(groups)
        med = g.transform("median").to_numpy()
        mad = (lx - med).abs().groupby(groups).transform("median").to_numpy()
        cnt = g.transform("count").to_numpy()
        with np.errstate(all="ignore"):
            z = (lx.to_numpy() - med) / (1.4826 * np.maximum(mad, float(ocfg["min_mad_log10"])))
        hit = np.isfinite(z) & (np.abs(z) > thr) & (cnt >= min_peers)
        for i in np.flatnonzero(hit):
            if (num.at[i, "applicant_id"], col) in exclude:
                continue
            rows.append({"applicant_id": num.at[i, "applicant_id"], "field": col, "reported": float(x[i]),
                         "peer_median": float(np.round(10 ** med[i], 6)), "z": float(z[i]), "n_peers": int(cnt[i])})
    return pd.DataFrame(rows, columns=OUTLIER_COLUMNS)
