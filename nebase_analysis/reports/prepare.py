"""Tables computed once per report run and read by every notebook (``data/processed/report_data``).

The joins and per-peer-group statistics that several reports share are done here, once,
instead of in each of the 84 notebooks: ``overview.parquet`` (one row per applicant:
identity, final ranking, issue counts), ``indicators_long.parquet`` (indicator values
with robust z-scores within the peer group and nationally) and
``dimension_profiles.parquet`` (every applicant's dimension scores against its peer
group's median, for the profile radars). They are derived data: they live under the
processed folder (``reports.prepared_dir``), never under the reports folder, and are
rewritten whole on every run.

Examples
--------
>>> import tempfile, pandas as pd
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"applicant_id": ["P-GD-01"], "name": ["甲园区"], "category": ["park"], "province": ["广东省"],
...               "domain": ["软件"]}).to_parquet(f"{d}/applicants.parquet")
>>> sorted(prepare_report_data(d, f"{d}/report_data"))
['overview']
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from nebase_analysis.config import resolve_config

__all__ = ["prepare_report_data", "prepared_dir"]


def prepared_dir(processed_dir: str | Path, config: str | Path | Mapping[str, Any] | None = None) -> Path:
    """Where the report tables of ``processed_dir`` go (``<processed>/<reports.prepared_dir>``).

    Examples
    --------
    >>> prepared_dir("data/processed").as_posix()
    'data/processed/report_data'
    """
    return Path(processed_dir) / resolve_config(config)["reports"]["prepared_dir"]


def prepare_report_data(
    processed_dir: str | Path,
    out_dir: str | Path | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the shared report tables; return ``{name: path}`` of what was written.

    Parameters
    ----------
    processed_dir : path
        The processed tables (``data/processed``).
    out_dir : path, optional
        Where to write (default :func:`prepared_dir`); previous ``*.parquet`` there are removed.
    config : path, mapping or None
        Configuration.

    ``applicants.parquet`` is required (a clear Chinese error names it when missing); the
    other inputs (``final_ranking``, ``issues``, ``contributions``, ``dimension_scores``)
    are used when present, so that a report whose stage has not run fails on its own with
    its own message.
    """
    import pandas as pd

    from nebase_analysis.reports.tables import applicant_overview, dimension_profiles, indicator_long, load_table

    cfg = resolve_config(config)
    processed = Path(processed_dir)
    out = Path(out_dir) if out_dir is not None else prepared_dir(processed, cfg)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.parquet"):
        stale.unlink()
    applicants = load_table(processed, "applicants", ["applicant_id", "name", "category", "province", "domain"])

    def optional(name):
        p = processed / f"{name}.parquet"
        return pd.read_parquet(p) if p.exists() else None

    written = {}

    def write(name, frame):
        written[name] = out / f"{name}.parquet"
        frame.to_parquet(written[name], index=False)

    write("overview", applicant_overview(applicants, optional("final_ranking"), optional("issues"), cfg))
    contributions = optional("contributions")
    if contributions is not None:
        write("indicators_long", indicator_long(contributions, applicants))
    dims = optional("dimension_scores")
    if dims is not None:
        write("dimension_profiles", dimension_profiles(dims, applicants))
    return written
