"""Legacy .doc intake speed: official forms saved as Word 97 .doc, converted to .docx by
LibreOffice and read. The project converts many files per soffice call
(``intake.readers.doc.convert_to_docx``); the naive alternative, in the same run, starts one
soffice per file (what a loop over ``soffice --convert-to`` does). A soffice start costs
about a second, so the ratio grows with the number of files and shrinks with their size.

Run: ``.venv/bin/python benchmarks/bench_doc_intake.py [--n 20]`` (needs LibreOffice).
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _to_doc(binary: str, sources: list[Path], out: Path) -> list[Path]:
    """Set-up, not timed: the .docx forms saved as .doc in one soffice call."""
    with tempfile.TemporaryDirectory() as home:
        subprocess.run([binary, "--headless", "--norestore",
                        f"-env:UserInstallation={Path(home, 'p').as_uri()}",
                        "--convert-to", "doc", "--outdir", str(out), *map(str, sources)],
                       env=dict(os.environ, HOME=home), check=True, capture_output=True)
    return sorted(out.glob("*.doc"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20, help="number of .doc forms")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from nebase_analysis.config import resolve_config
    from nebase_analysis.intake.readers import doc
    from nebase_analysis.synth import national_batch
    from nebase_analysis.templates import write_raw

    binary = doc.soffice_path()
    if binary is None:
        print("LibreOffice (soffice) is not installed: nothing to measure")
        return 0
    cfg = resolve_config(None)
    batch = national_batch(seed=args.seed, fault_rate=0, config=cfg)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = write_raw(batch, tmp / "raw", config=cfg, fmt="docx", seed=args.seed)
        forms = manifest.loc[manifest.category != "summary", "path"].dropna().map(Path)
        flat = tmp / "flat"
        flat.mkdir()
        sources = []
        for i, f in enumerate(sorted(forms)[:args.n]):
            sources.append(flat / f"{i:03d}.docx")
            sources[-1].write_bytes(f.read_bytes())
        docs = _to_doc(binary, sources, tmp / "doc")
        figures = {}
        t = time.perf_counter()
        batched = doc.convert_to_docx(docs, tmp / "batched", cfg)
        figures["convert_to_docx, one call"] = time.perf_counter() - t
        t = time.perf_counter()
        for d in docs:
            doc.convert_to_docx([d], tmp / "single" / d.stem, cfg)
        figures["one soffice per file"] = time.perf_counter() - t
        t = time.perf_counter()
        records = doc.read_forms(docs, cfg)
        figures["read_forms (convert + read)"] = time.perf_counter() - t
        failed = [p for p, r in batched.items() if isinstance(r, str)]
        size = sum(d.stat().st_size for d in docs) / len(docs) / 1e3

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{len(docs)} .doc forms, {size:.0f} KB each on average; {len(failed)} failed to convert; "
          f"{sum(bool(r.values) for r in records)} read with values")
    for k, v in figures.items():
        print(f"  {k:35s} {v:7.2f} s")
    ratio = figures["one soffice per file"] / figures["convert_to_docx, one call"]
    print(f"ratio per file / one call: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
