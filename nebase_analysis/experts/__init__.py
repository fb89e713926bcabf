"""Expert panels: criteria, assignment, score sheets, aggregation, reliability, flags.

Works on the long table ``scores`` (``applicant_id``, ``expert_id``, ``criterion``,
``score``; optionally ``recused``). Public names are re-exported lazily so that
``import nebase_analysis.experts`` stays cheap (scipy is imported only by the functions
that need it).

Examples
--------
>>> from nebase_analysis import experts
>>> experts.trimmed_mean([6, 9, 9, 7, 6], drop=1, min_remaining=3)
7.333333333333333
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    # aggregation
    "aggregate": "nebase_analysis.experts.aggregation",
    "trimmed_mean": "nebase_analysis.experts.aggregation",
    "expert_totals": "nebase_analysis.experts.aggregation",
    "expert_offsets": "nebase_analysis.experts.aggregation",
    "calibrated_scores": "nebase_analysis.experts.aggregation",
    "prepare_scores": "nebase_analysis.experts.aggregation",
    "criteria_maxima": "nebase_analysis.experts.aggregation",
    "criteria_names": "nebase_analysis.experts.aggregation",
    # reliability
    "icc": "nebase_analysis.experts.reliability",
    "kendall_w": "nebase_analysis.experts.reliability",
    "krippendorff_alpha": "nebase_analysis.experts.reliability",
    "panel_reliability": "nebase_analysis.experts.reliability",
    "expert_flags": "nebase_analysis.experts.reliability",
    # criteria sheets, assignment, synthetic panels, reading back (the other half of issue 5)
    "evaluation_points": "nebase_analysis.experts.sheets",
    "make_sheets": "nebase_analysis.experts.sheets",
    "write_sheets": "nebase_analysis.experts.sheets",
    "read_sheets": "nebase_analysis.experts.sheets",
    "read_roster": "nebase_analysis.experts.assignment",
    "read_roster_and_issues": "nebase_analysis.experts.assignment",
    "roster_issues": "nebase_analysis.experts.assignment",
    "read_csv_table": "nebase_analysis.experts.assignment",
    "applicant_group_lines": "nebase_analysis.experts.assignment",
    "write_roster": "nebase_analysis.experts.assignment",
    "normalise_roster": "nebase_analysis.experts.assignment",
    "assign": "nebase_analysis.experts.assignment",
    "recusals": "nebase_analysis.experts.assignment",
    "synthetic_roster": "nebase_analysis.experts.panels",
    "synthetic_scores": "nebase_analysis.experts.panels",
    "write_synthetic_panels": "nebase_analysis.experts.panels",
    "read_panels": "nebase_analysis.experts.pipeline",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nebase_analysis.experts' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
