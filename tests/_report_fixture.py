"""A small real batch for the report tests, made by the stages themselves.

:func:`small_synthetic` takes the synthetic national batch (``synth.generate``, faults
included) and keeps every applicant of a few domains, renumbered the way intake numbers
them (category, province, sequence), so that the expert score sheets written for it name
the same applicants intake reads back. :func:`write_small_raw` writes it as provinces send
it (``synth.write``: workbooks, summary tables, expert roster and sheets); the tests then
run ``nebase run`` on it, so the notebooks are tested against what the stages really write.

:func:`shared_dir` builds such a folder once per test session, also when pytest-xdist
runs the tests in several worker processes (a file lock; the other workers wait and reuse).
"""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

#: an applicant name that must come out escaped in every report
NASTY = "<script>alert(1)</script>&甲园区"

#: the domains of the small batch (two: one peer group with parks exempt from the smart-factory share)
DOMAINS = ("软件", "人工智能")


def small_synthetic(domains=DOMAINS, seed: int = 0, fault_rate: float = 0.05, nasty: str | None = NASTY):
    """The synthetic national batch restricted to ``domains`` (all their applicants), ids renumbered.

    The first park of the first domain gets the name ``nasty`` (in the applicant table and the summary table), so
    escaping is tested end to end.
    """
    from nebase_analysis import synth

    s = synth.generate(seed=seed, fault_rate=fault_rate)
    b = s.batch
    app = b.applicants[b.applicants["domain"].isin(list(domains))]
    newid: dict[str, str] = {}
    for _, g in app.groupby(["province", "category"], sort=False):
        for k, old in enumerate(g["applicant_id"], 1):
            prefix, code, _ = old.split("-")
            newid[old] = f"{prefix}-{code}-{k:02d}"

    def sub(df):
        if "applicant_id" not in df.columns:
            return df
        out = df[df["applicant_id"].isin(list(newid))].copy()
        out["applicant_id"] = out["applicant_id"].map(newid)
        return out.reset_index(drop=True)

    small = dataclasses.replace(b, **{f.name: sub(getattr(b, f.name)) for f in dataclasses.fields(b)})
    small.summary["seq"] = small.summary.groupby("province").cumcount().astype("int64") + 1
    if nasty is not None:
        first = small.applicants.index[(small.applicants["category"] == "park") & (small.applicants["domain"] == domains[0])][0]
        aid = small.applicants.at[first, "applicant_id"]
        small.applicants.loc[first, "name"] = nasty
        small.summary.loc[small.summary["applicant_id"] == aid, "name"] = nasty
    return dataclasses.replace(s, batch=small, raw_values=sub(s.raw_values), truth=sub(s.truth), hidden=sub(s.hidden))


def write_small_raw(out: Path, **kwargs) -> Path:
    """Write :func:`small_synthetic` as raw material under ``out``; returns ``out``."""
    from nebase_analysis import synth

    synth.write(small_synthetic(**kwargs), out)
    return out


def tree_sha256(root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``root``."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def nebase_run(root: Path, raw: Path) -> int:
    """``nebase run`` in ``root`` (relative processed/reports folders, as a user runs it), the
    reports of one domain (软件) and the national province report."""
    import contextlib

    from nebase_analysis.pipeline import run_pipeline

    with contextlib.chdir(root):
        return run_pipeline(str(raw), "processed", "reports", jobs=2, report_domain="软件", report_province="全国")


def build_small_run(folder: Path) -> None:
    """The small batch in ``folder/raw`` and a first ``nebase run`` of it in ``folder/run1``."""
    import json

    raw = write_small_raw(folder / "raw")
    (folder / "raw_sha256.json").write_text(json.dumps(tree_sha256(raw)))
    (folder / "run1").mkdir()
    assert nebase_run(folder / "run1", raw) == 0


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_dir(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder built once by ``build(folder)`` and shared by every xdist worker of the session."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if base.name.startswith("popen-gw") else base  # xdist: each worker has its own basetemp
    folder = root / f"shared-{name}"
    with _locked(root / f"shared-{name}.lock"):
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            (folder / ".done").write_text("ok")
    return folder
