"""Word intake speed: the 418-form national batch as official Word forms (every layout
variant of ``wordforms``), read by ``load_batch`` (lxml walk of document.xml, label-driven
reading, cleaning, reconciliation) against the naive alternative in the same run: python-docx
opening each file and walking ``table.rows`` / ``row.cells`` and ``paragraphs`` into
label -> next-cell pairs (what most code does; it repeats merged cells, misses cells in
content controls and drops checkbox states, so it is also less correct).

Target (issue 10): under 10 s on 2 cores.

Run: ``.venv/bin/python benchmarks/bench_word_intake.py [--seed 0] [--keep DIR]``
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def naive_python_docx(path: Path) -> dict:
    """Label -> value of the next cell, and the paragraphs, with python-docx."""
    import docx

    d = docx.Document(str(path))
    pairs = {}
    for t in d.tables:
        for row in t.rows:
            cells = [c.text.strip() for c in row.cells]
            for a, b in zip(cells, cells[1:]):
                if a and a not in pairs:
                    pairs[a] = b
    pairs["_paragraphs"] = [p.text for p in d.paragraphs]
    return pairs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", default=None, help="write the raw batch here (default: a temp dir)")
    args = ap.parse_args()

    from nebase_analysis.config import resolve_config
    from nebase_analysis.intake import load_batch
    from nebase_analysis.synth import national_batch
    from nebase_analysis.templates import write_raw

    cfg = resolve_config(None)
    batch = national_batch(seed=args.seed, fault_rate=0, config=cfg)
    tmp = tempfile.TemporaryDirectory() if args.keep is None else None
    raw = Path(args.keep or tmp.name) / "raw"
    figures = {}
    t = time.perf_counter()
    manifest = write_raw(batch, raw, config=cfg, fmt="docx", seed=args.seed)
    figures["write_raw fmt=docx"] = time.perf_counter() - t
    forms = sorted(Path(p) for p in manifest.loc[manifest.category != "summary", "path"].dropna())
    for jobs in (1, 2):
        t = time.perf_counter()
        got = load_batch(raw, cfg, progress=False, jobs=jobs)
        figures[f"load_batch jobs={jobs}"] = time.perf_counter() - t
        assert got.n_applicants == batch.n_applicants and got.rejected.empty, got.rejected.head()
    t, failed = time.perf_counter(), 0
    for f in forms:
        try:
            naive_python_docx(f)
        except ValueError:  # python-docx: "no `tc` element at grid_offset" on irregular grids
            failed += 1
    figures["naive python-docx (row.cells), no cleaning"] = time.perf_counter() - t

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load {os.getloadavg()[0]:.1f}")
    print(f"{len(forms)} Word forms ({sum(f.stat().st_size for f in forms) / 1e6:.1f} MB)")
    for k, v in figures.items():
        print(f"  {k:45s} {v:7.2f} s")
    print(f"python-docx failed on {failed} of {len(forms)} forms (ValueError on irregular merged grids)")
    best = min(figures["load_batch jobs=1"], figures["load_batch jobs=2"])
    naive = figures["naive python-docx (row.cells), no cleaning"]
    print(f"ratio naive / load_batch (best): {naive / best:.1f}x; target < 10 s: {'met' if best < 10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
