"""Scoring validation against the synthetic ground truth (``synth.generate(...).truth``).

For each fault kind the configured rules (``validation.yaml`` ``truth.issues``) count as
detections. A fault ``(applicant_id, field, kind)`` is *recalled* when an issue of one
of those rules names the applicant (or lists it in ``related``, for duplicates) and
the faulty field is the issue's field or one of the figures it ``involved``. An issue
counts towards *precision* when it matches a fault of that kind in the same way.
Consequential issues (``caused_by`` set) are not scored: they follow from the issue on
the figure they name, which is.

Faults that cleaning repairs (``number_as_text``, ``province_alias``) never reach the
issues table: they are scored against the batch's ``cleaning_log`` instead, a log row
counting when its rule (or one of its ``+``-joined parts) is configured for the kind
under ``truth.cleaning_log`` and it names the applicant and field.

Faults intake cannot read (``unreadable_value``: ``三十亿`` in a number cell) are scored,
when the batch's rejected list is given, against it (``truth.rejected``): a fault is detected when a row of
the configured scopes names its applicant and field, or when an issue of the configured
rules (``required_missing``, which then says the value was unreadable) does; the rows of
those scopes are what is flagged. Such an issue is that kind's detection, so it is not
counted as a flag of another kind (``blank_or_none`` is scored on ``required_missing`` too).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from nebase_analysis.cli import display_width
from nebase_analysis.config import resolve_config

SCORE_COLUMNS = ["kind", "scored_against", "n_faults", "detected", "recall", "n_flagged", "correct", "precision"]


def _match_issue(issue, fault, applicant_level: set) -> bool:
    ids = {issue.applicant_id, *[r for r in str(issue.related or "").split("|") if r]}
    if fault.applicant_id not in ids:
        return False
    if issue.rule in applicant_level:
        return True
    fields = {issue.field, *str(issue.involved or "").split("|")}
    return fault.field in fields


def score(issues: pd.DataFrame, truth: pd.DataFrame, cleaning_log: pd.DataFrame | None = None,
          config: Any = None, rejected: pd.DataFrame | None = None) -> pd.DataFrame:
    """Recall and precision per fault kind.

    Parameters
    ----------
    issues : DataFrame
        ``ValidationResult.issues``.
    truth : DataFrame
        ``applicant_id, field, kind, ...`` (``faults.csv`` of ``nebase synth``).
    cleaning_log : DataFrame, optional
        The batch's cleaning log, for the cleaning kinds.
    config : optional
        See :func:`nebase_analysis.config.resolve_config`.
    rejected : DataFrame, optional
        The batch's rejected list (``Batch.rejected``), for the kinds intake cannot read;
        without it those kinds are not scored (no row: their faults are mostly in cells
        no issue tells).

    Returns
    -------
    DataFrame
        ``kind, scored_against, n_faults, detected, recall, n_flagged, correct, precision``
        (recall/precision ``NaN`` when there is nothing to divide).

    Examples
    --------
    >>> issues = pd.DataFrame({"applicant_id": ["E-GD-01"], "field": ["credit_code"], "rule": ["credit_code_check_digit"],
    ...                        "involved": ["credit_code"], "related": [""], "caused_by": [None]})
    >>> truth = pd.DataFrame({"applicant_id": ["E-GD-01"], "field": ["credit_code"], "kind": ["bad_check_digit"]})
    >>> score(issues, truth).set_index("kind").loc["bad_check_digit", ["recall", "precision"]].tolist()
    [1.0, 1.0]
    >>> rejected = pd.DataFrame({"applicant_id": ["E-GD-02"], "field": ["attachment_7"], "scope": ["field"]})
    >>> truth = pd.DataFrame({"applicant_id": ["E-GD-02"], "field": ["attachment_7"], "kind": ["unreadable_value"]})
    >>> r = score(issues, truth, rejected=rejected).set_index("kind").loc["unreadable_value"]
    >>> r.scored_against, float(r.recall), float(r.precision)
    ('rejected', 1.0, 1.0)
    """
    cfg = resolve_config(config)
    tcfg = cfg["validation"]["truth"]
    applicant_level = set(tcfg["applicant_level"])
    primary = issues[issues["caused_by"].isna() | (issues["caused_by"].astype(object) == "")] if len(issues) else issues
    unread = tcfg.get("rejected", {})
    unread_faults = list(truth[truth["kind"].isin(list(unread))].itertuples())
    if len(primary) and unread_faults:  # an issue telling an unreadable cell is that kind's detection
        told = [any(_match_issue(i, f, applicant_level) for f in unread_faults) for i in primary.itertuples()]
        primary_other = primary[[not t for t in told]]
    else:
        primary_other = primary
    rows = []
    for kind, rules in tcfg["issues"].items():
        faults = truth[truth["kind"] == kind]
        cand = primary_other[primary_other["rule"].isin(rules)] if len(primary_other) else primary_other
        fl = list(faults.itertuples())
        detected = sum(any(_match_issue(i, f, applicant_level) for i in cand.itertuples()) for f in fl)
        correct = sum(any(_match_issue(i, f, applicant_level) for f in fl) for i in cand.itertuples())
        rows.append(_row(kind, "issues", len(fl), detected, len(cand), correct))
    log = cleaning_log if cleaning_log is not None else pd.DataFrame(columns=["applicant_id", "field", "rule"])
    for kind, rules in tcfg["cleaning_log"].items():
        faults = truth[truth["kind"] == kind]
        parts = log["rule"].astype(object).fillna("").map(lambda r: set(str(r).split("+")))
        cand = log[parts.map(lambda p: bool(p & set(rules)) if rules else True).astype(bool)] if len(log) else log
        keys = set(zip(faults["applicant_id"], faults["field"]))
        got = set(zip(cand["applicant_id"], cand["field"])) if len(cand) else set()
        detected = len(keys & got)
        correct = sum((a, f) in keys for a, f in zip(cand["applicant_id"], cand["field"])) if len(cand) else 0
        rows.append(_row(kind, "cleaning_log", len(keys), detected, len(cand), correct))
    for kind, spec in (unread.items() if rejected is not None else ()):
        faults = truth[truth["kind"] == kind]
        keys = set(zip(faults["applicant_id"], faults["field"]))
        cand = rejected[rejected["scope"].isin(spec.get("scopes", []))] if len(rejected) else rejected
        got = set(zip(cand["applicant_id"], cand["field"])) if len(cand) else set()
        told = primary[primary["rule"].isin(spec.get("issues", []))] if len(primary) else primary
        detected = sum((f.applicant_id, f.field) in got or any(_match_issue(i, f, applicant_level) for i in told.itertuples())
                       for f in faults.itertuples())
        correct = sum((a, f) in keys for a, f in zip(cand["applicant_id"], cand["field"])) if len(cand) else 0
        rows.append(_row(kind, "rejected", len(keys), detected, len(cand), correct))
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def _row(kind, against, n, detected, flagged, correct) -> dict:
    return {"kind": kind, "scored_against": against, "n_faults": n, "detected": detected,
            "recall": detected / n if n else float("nan"), "n_flagged": flagged, "correct": correct,
            "precision": correct / flagged if flagged else float("nan")}


def format_scores(scores: pd.DataFrame, config: Any = None) -> str:
    """The scores as a Chinese text table (what ``nebase validate --truth`` prints).

    Each fault kind is named by its Chinese label (``synth.yaml`` ``faults``, the labels
    ``nebase synth`` prints) followed by its id.

    Examples
    --------
    >>> s = pd.DataFrame([{"kind": "unit_slip", "scored_against": "issues", "n_faults": 4, "detected": 4,
    ...     "recall": 1.0, "n_flagged": 4, "correct": 4, "precision": 0.8}])
    >>> print(format_scores(s))
    故障类型                                  核对对象  故障数  检出  召回率  标记数  正确  精确率
    误以万元填报亿元（unit_slip）             问题清单       4     4   1.000       4     4   0.800
    """
    cfg = resolve_config(config)
    labels = {k: v["label"] for k, v in cfg["synth"]["faults"].items()}
    against = {"issues": "问题清单", "cleaning_log": "清洗日志", "rejected": "读取问题"}

    def pad(text: str, width: int) -> str:
        return text + " " * max(0, width - display_width(text))

    lines = [pad("故障类型", 42) + pad("核对对象", 8) + "  故障数  检出  召回率  标记数  正确  精确率"]
    for r in scores.itertuples():
        rec = "—" if pd.isna(r.recall) else f"{r.recall:.3f}"
        pre = "—" if pd.isna(r.precision) else f"{r.precision:.3f}"
        kind = f"{labels[r.kind]}（{r.kind}）" if r.kind in labels else r.kind
        lines.append(f"{pad(kind, 42)}{pad(against.get(r.scored_against, r.scored_against), 8)} {r.n_faults:>7} "
                     f"{r.detected:>5} {rec:>7} {r.n_flagged:>7} {r.correct:>5} {pre:>7}")
    return "\n".join(lines)
