"""Part <= whole with rounding: each figure's rounding radius counts once (hand computations)."""
from __future__ import annotations

import pandas as pd
import pytest

from nebase_analysis.config import load_config
from nebase_analysis.validation.relations import relation_checks

CFG = load_config()


def _domain_rd_gap(domain_rd: float, rd_intensity: float, total_revenue: float) -> float:
    """Gap of ``domain_rd_2024 <= rd_intensity_2024 % x total_revenue_2024`` for one enterprise."""
    df = pd.DataFrame({"applicant_id": ["E-GD-01"], "category": ["enterprise"], "domain_rd_2024": [domain_rd],
                       "rd_intensity_2024": [rd_intensity], "total_revenue_2024": [total_revenue]})
    c = relation_checks(df, CFG)
    row = c[(c.rule == "part_exceeds_whole") & (c.field == "domain_rd_2024")]
    assert len(row) == 1
    return float(row["gap"].iloc[0])


def test_whole_number_part_above_the_whole_by_more_than_its_rounding():
    # 2.0 shows no decimals: anything in [1.5, 2.5]. The whole 8.41 % x 16.47 = 1.385127 is
    # at most 8.415 % x 16.475 = 1.38637 with its own rounding: 1.5 - 1.38637 = 0.11363 above.
    assert _domain_rd_gap(2.0, 8.41, 16.47) == pytest.approx(1.5 - 0.08415 * 16.475)


def test_part_within_its_own_rounding_of_the_whole_is_consistent():
    # 1.8 shows one decimal: 1.75..1.85. The whole 10.01 % x 17.5 is at most 10.015 % x 17.55 = 1.75763
    assert _domain_rd_gap(1.8, 10.01, 17.5) == 0.0
    # 1.9 -> at least 1.85: 1.85 - 1.75763 above (its radius counted once, not twice)
    assert _domain_rd_gap(1.9, 10.01, 17.5) == pytest.approx(1.85 - 0.10015 * 17.55)
    # a whole number 2 (1.5..2.5) against 16.01 % x 10.01 = 1.6026: 2 may be 1.5 -> consistent
    assert _domain_rd_gap(2.0, 16.01, 10.01) == 0.0
