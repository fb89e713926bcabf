"""nebase_analysis: review toolkit for applications to China's national emerging-industry
development demonstration bases (工信厅规函〔2026〕101号).

The package is organised by stage: ``config`` (schema and reference data as YAML),
``intake`` and ``cleaning`` (raw workbooks to a :class:`Batch`), ``synth`` (a synthetic
national batch), ``validation`` (the notice's rules and data-quality expectations),
``indicators`` and ``composite`` (indicator sets and the composite score), ``experts``
(panels), ``ranking`` (final ranking), ``reports`` (papermill notebooks to HTML).

Heavy libraries are imported where they are used, so ``import nebase_analysis`` is fast.

Examples
--------
>>> import nebase_analysis as nb
>>> batch = nb.national_batch(seed=0)              # doctest: +SKIP
>>> result = nb.validate(batch)                    # doctest: +SKIP
>>> indicators = nb.compute_indicators(batch, issues=result.issues)  # doctest: +SKIP
>>> scores = nb.score(indicators).scores           # doctest: +SKIP
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Batch": "nebase_analysis.batch",
    "load_config": "nebase_analysis.config",
    "load_batch": "nebase_analysis.intake",
    "national_batch": "nebase_analysis.synth",
    "validate": "nebase_analysis.validation",
    "ValidationResult": "nebase_analysis.validation",
    "compute_indicators": ("nebase_analysis.indicators", "compute"),
    "score": "nebase_analysis.composite",
    "rank_uncertainty": "nebase_analysis.composite",
    "final_ranking": "nebase_analysis.ranking",
    "run_reports": "nebase_analysis.reports.runner",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name] if isinstance(_LAZY[name], tuple) else (_LAZY[name], name)
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'nebase_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
