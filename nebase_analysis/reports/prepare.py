"""Tables computed once per report run and read by every notebook (``reports/_data``).

The joins and per-peer-group statistics that several reports share are done here, once,
instead of in each of the 84 notebooks: ``overview.parquet`` (one row per applicant:
identity, final ranking, issue counts) and ``indicators_long.parquet`` (indicator values
with robust z-scores within the peer group and nationally).

Examples
--------
>>> import tempfile, pandas as pd
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"applicant_id": ["P-GD-01"], "name": ["甲园区"], "category": ["park"], "province": ["广东省"],
...               "domain": ["软件"]}).to_parquet(f"{d}/applicants.parquet")
>>> sorted(prepare_report_data(d, f"{d}/out"))
['overview']
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from nebase_analysis.config import resolve_config

__all__ = ["prepare_report_data"]


def prepare_report_data(
    processed_dir: str | Path,
    out_dir: str | Path,
    config: str | Path | Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the shared report tables; return ``{name: path}`` of what was written.

    ``applicants.parquet`` is required (a clear Chinese error names it when missing); the
    other inputs (``final_ranking``, ``issues``, ``contributions``) are used when present,
    so that a report whose stage has not run fails on its own with its own message.
    """
    import pandas as pd

    from nebase_analysis.reports.tables import applicant_overview, indicator_long, load_table

    resolve_config(config)
    processed = Path(processed_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.parquet"):
        stale.unlink()
    applicants = load_table(processed, "applicants", ["applicant_id", "name", "category", "province", "domain"])

    def optional(name):
        p = processed / f"{name}.parquet"
        return pd.read_parquet(p) if p.exists() else None

    written = {}
    overview = applicant_overview(applicants, optional("final_ranking"), optional("issues"))
    written["overview"] = out / "overview.parquet"
    overview.to_parquet(written["overview"], index=False)
    contributions = optional("contributions")
    if contributions is not None:
        written["indicators_long"] = out / "indicators_long.parquet"
        indicator_long(contributions, applicants).to_parquet(written["indicators_long"], index=False)
    return written
