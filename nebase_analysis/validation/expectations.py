"""The Great Expectations suites: building, running, and turning failures into rows.

Imported lazily by :func:`nebase_analysis.validation.validate`; this is the only
module that imports ``great_expectations``. One ephemeral context per run, a pandas
data source with two dataframe assets (batch definition: the whole dataframe):

- ``diagnostics``: the long table of checks pivoted to one column per diagnostic
  (:func:`~nebase_analysis.validation.relations.diagnostic_frame`); each diagnostic
  column gets one ``expect_column_values_to_be_between`` whose bounds are the
  configured tolerances;
- ``applicants``: the key columns of the wide table, for uniqueness of the ids,
  choices (category, province, domain, ownership) and the credit-code pattern.

Results come back with ``result_format="COMPLETE"`` and
``unexpected_index_column_names`` (``check_id`` / ``applicant_id``), so every failing
row maps to one issue. Progress bars and analytics are off; Data Docs go to a local
filesystem site under ``<reports>/data_docs``.
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from nebase_analysis.cleaning import CREDIT_CODE_CHARSET, is_blank
from nebase_analysis.config import field_schema, resolve_config
from nebase_analysis.validation.relations import DIAG_COLUMNS, VALUE_DIAGS

EPS = 1e-9
#: GB 32100-2015: 2 characters of the code's set, a 6-digit area code, 10 characters of the
#: set (check digit verified separately)
CREDIT_CODE_PATTERN = rf"^[{re.escape(CREDIT_CODE_CHARSET)}]{{2}}[0-9]{{6}}[{re.escape(CREDIT_CODE_CHARSET)}]{{10}}$"
#: choice fields with a rule of their own (any other choice field fails as ``invalid_choice``)
CHOICE_RULES = {"province": "invalid_province", "domain": "domain_not_in_notice"}


def diagnostic_bounds(config: Any = None) -> pd.DataFrame:
    """Bounds of every diagnostic column: ``column, rule, min_value, max_value``.

    The relation gaps are bounded by the tolerances of ``validation.yaml``; the
    single-figure diagnostics by its ranges.

    Examples
    --------
    >>> b = diagnostic_bounds().set_index("column")
    >>> float(b.at["growth_gap_pp", "max_value"])
    0.5
    """
    cfg = resolve_config(config)
    v = cfg["validation"]
    tol = v["tolerances"]
    rng = v["ranges"]
    t = {
        "growth_gap_pp": tol["growth_pp"], "share_gap_pp": tol["share_pp"],
        "avg_gap_pp": tol["avg_pp"], "avg_gap_rel": tol["avg_rel"],
        "ratio_gap_rel": tol["ratio_rel"], "weighted_gap_rel": tol["weighted_rel"], "weighted_gap_abs": EPS,
        "talent_excess": EPS, "list_excess": EPS, "days_after_filing": 0.0,
    }
    rows = []
    for (rule, _measure), col in DIAG_COLUMNS.items():
        if col == "part_excess":
            rows.append((col, rule, None, tol["part_whole_abs"] + EPS))
        elif col in ("list_excess", "days_after_filing"):
            rows.append((col, rule, None, t[col]))
        else:
            rows.append((col, rule, -t[col], t[col]))
    rows += [
        ("percent_value", VALUE_DIAGS["percent_value"], rng["percent"]["min"], rng["percent"]["max"]),
        ("signed_percent_value", VALUE_DIAGS["signed_percent_value"], rng["signed_percent"]["min"],
         rng["signed_percent"]["max"]),
        ("growth_value", VALUE_DIAGS["growth_value"], rng["growth"]["min"], None),
        ("nonneg_value", VALUE_DIAGS["nonneg_value"], 0.0, None),
        ("whole_residue", VALUE_DIAGS["whole_residue"], None, 1e-6),
        ("filled", VALUE_DIAGS["filled"], 1.0, None),
        ("credit_code_ok", VALUE_DIAGS["credit_code_ok"], 1.0, None),
    ]
    return pd.DataFrame(rows, columns=["column", "rule", "min_value", "max_value"]).drop_duplicates("column")


def key_expectations(config: Any = None) -> list[dict]:
    """Expectations on the applicants' key columns: ``type, column, kwargs, rule``.

    The category must be one of ``fields.yaml`` ``categories``; every choice field of
    the park and enterprise forms must be one of its choices (``field_schema``):
    provinces and domains under rules of their own (:data:`CHOICE_RULES`), any other
    (``ownership`` ...) as ``invalid_choice``.

    Examples
    --------
    >>> [(e["column"], e["rule"]) for e in key_expectations()][:5]
    [('applicant_id', 'duplicate_applicant_id'), ('category', 'invalid_category'), ('province', 'invalid_province'), ('domain', 'domain_not_in_notice'), ('ownership', 'invalid_choice')]
    """
    cfg = resolve_config(config)
    schema = field_schema(cfg)
    categories = list(cfg["fields"]["categories"])
    choice = schema[schema["choices"].notna() & schema["forms"].map(lambda f: bool(set(f) & set(categories)))]
    return [
        {"type": "unique", "column": "applicant_id", "kwargs": {}, "rule": "duplicate_applicant_id"},
        {"type": "in_set", "column": "category", "kwargs": {"value_set": categories}, "rule": "invalid_category"},
        *({"type": "in_set", "column": f.id, "kwargs": {"value_set": list(f.choices)},
           "rule": CHOICE_RULES.get(f.id, "invalid_choice")} for f in choice.itertuples()),
        {"type": "regex", "column": "credit_code", "kwargs": {"regex": CREDIT_CODE_PATTERN}, "rule": "credit_code_format"},
    ]


def key_frame(applicants: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """The key columns as plain text (``None`` for blanks) for the ``applicants`` asset."""
    from nebase_analysis.cleaning import normalize_credit_code

    cols = dict.fromkeys(e["column"] for e in key_expectations(config))
    out = pd.DataFrame({"applicant_id": applicants["applicant_id"].astype(object).map(_text)})
    for c in list(cols)[1:]:
        if c not in applicants.columns:
            continue
        s = applicants[c].astype(object)
        if c == "credit_code":
            s = s.map(normalize_credit_code)
        out[c] = s.map(_text).astype(object)
    return out


def _text(v: Any) -> Any:
    return None if v is pd.NA or is_blank(v) else str(v).strip()


def import_gx():
    """Import ``great_expectations`` (analytics off), skipping one slow optional import.

    ``jsonschema`` (pulled in by GX through ``altair``) optionally imports
    ``rfc3987_syntax`` for its ``iri`` format checker, which builds a grammar at
    import time (about 2 s, half of GX's import). GX never validates IRIs, so when
    ``jsonschema`` is not yet loaded the import is skipped for the duration of the GX
    import and the module table is restored afterwards (a later ``import
    rfc3987_syntax`` works normally).
    """
    import sys

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if "great_expectations" in sys.modules:
        import great_expectations as gx

        return gx
    block = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
    if block:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import great_expectations as gx
    finally:
        if block and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    return gx


def run_suites(diagnostics: pd.DataFrame, keys: pd.DataFrame, config: Any = None,
               data_docs_dir: str | Path | None = None) -> tuple[pd.DataFrame, Path | None]:
    """Run the GX suites; return the failing rows and the Data Docs index path.

    Parameters
    ----------
    diagnostics : DataFrame
        ``check_id, applicant_id`` and the diagnostic columns.
    keys : DataFrame
        :func:`key_frame` of the applicants.
    data_docs_dir : path, optional
        Where to build Data Docs (a local filesystem site); ``None`` builds none.

    Returns
    -------
    (failures, index)
        ``failures``: ``source`` (``diagnostics``/``applicants``), ``id`` (check id or
        applicant id), ``column``, ``rule``, ``value``; ``index``: the Data Docs
        ``index.html`` or ``None``.
    """
    cfg = resolve_config(config)
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    gx = import_gx()
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import (
        DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig)

    sites = {}
    if data_docs_dir is not None:
        data_docs_dir = Path(data_docs_dir).resolve()
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        sites = {"nebase_site": {
            "class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }}
    project = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
        data_docs_sites=sites,
    )
    context = gx.get_context(mode="ephemeral", project_config=project)
    source = context.data_sources.add_pandas("nebase")

    bounds = diagnostic_bounds(cfg)
    diag_exps = []
    for b in bounds.itertuples():
        if b.column not in diagnostics.columns:
            continue
        diag_exps.append(gxe.ExpectColumnValuesToBeBetween(
            column=b.column, min_value=_num(b.min_value), max_value=_num(b.max_value),
            meta={"rule": b.rule, "notes": f"nebase rule {b.rule}"}))
    key_exps = []
    for e in key_expectations(cfg):
        if e["column"] not in keys.columns:
            continue
        cls = {"unique": gxe.ExpectColumnValuesToBeUnique, "in_set": gxe.ExpectColumnValuesToBeInSet,
               "regex": gxe.ExpectColumnValuesToMatchRegex}[e["type"]]
        key_exps.append(cls(column=e["column"], meta={"rule": e["rule"]}, **e["kwargs"]))

    runs = [("diagnostics", diagnostics, diag_exps, "check_id"), ("applicants", keys, key_exps, "applicant_id")]
    rows = []
    for name, frame, exps, id_col in runs:
        if not exps or frame.empty:
            continue
        asset = source.add_dataframe_asset(name)
        batch_def = asset.add_batch_definition_whole_dataframe(f"{name}_whole")
        suite = context.suites.add(gx.ExpectationSuite(name=f"nebase_{name}", expectations=exps))
        vd = context.validation_definitions.add(gx.ValidationDefinition(name=f"nebase_{name}", data=batch_def, suite=suite))
        result = vd.run(batch_parameters={"dataframe": frame},
                        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [id_col]})
        for r in result.results:
            rule = (r.expectation_config.meta or {}).get("rule")
            column = r.expectation_config.kwargs.get("column")
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuntimeError(f"“{column}”列的数据质量期望运行出错（{r.expectation_config.type}）；"
                                   f"详情：{r.exception_info.get('exception_message')}")
            if r.success:
                continue
            for item in r.result.get("unexpected_index_list") or []:
                rows.append({"source": name, "id": item.get(id_col), "column": column, "rule": rule,
                             "value": item.get(column)})
    index = None
    if data_docs_dir is not None:
        context.build_data_docs()
        index = data_docs_dir / "index.html"
    return pd.DataFrame(rows, columns=["source", "id", "column", "rule", "value"]), index


def evaluate_bounds(diagnostics: pd.DataFrame, keys: pd.DataFrame, config: Any = None) -> pd.DataFrame:
    """The same suites evaluated in plain pandas (the reference GX results are tested against).

    Returns the failures in the shape of :func:`run_suites`.

    Examples
    --------
    >>> d = pd.DataFrame({"check_id": ["R1", "R2"], "applicant_id": ["a", "b"], "growth_gap_pp": [0.2, -0.9]})
    >>> evaluate_bounds(d, pd.DataFrame({"applicant_id": ["a", "b"]}))["id"].tolist()
    ['R2']
    """
    cfg = resolve_config(config)
    rows = []
    for b in diagnostic_bounds(cfg).itertuples():
        if b.column not in diagnostics.columns:
            continue
        x = diagnostics[b.column].to_numpy(dtype=float)
        bad = np.zeros(len(x), dtype=bool)
        if _num(b.min_value) is not None:
            bad |= x < b.min_value
        if _num(b.max_value) is not None:
            bad |= x > b.max_value
        for i in np.flatnonzero(bad & np.isfinite(x)):
            rows.append({"source": "diagnostics", "id": diagnostics["check_id"].iat[i], "column": b.column,
                         "rule": b.rule, "value": x[i]})
    for e in key_expectations(cfg):
        if e["column"] not in keys.columns:
            continue
        s = keys[e["column"]]
        present = s.notna()
        if e["type"] == "unique":
            bad = present & s.duplicated(keep=False)
        elif e["type"] == "in_set":
            bad = present & ~s.isin(e["kwargs"]["value_set"])
        else:
            bad = present & ~s.astype(str).str.match(e["kwargs"]["regex"])
        for i in np.flatnonzero(bad.to_numpy()):
            rows.append({"source": "applicants", "id": keys["applicant_id"].iat[i], "column": e["column"],
                         "rule": e["rule"], "value": s.iat[i]})
    return pd.DataFrame(rows, columns=["source", "id", "column", "rule", "value"])


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return float(v)
