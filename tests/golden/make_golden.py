"""Write the golden outputs of ``nebase run`` on the small batch (tests/_report_fixture.py).

``tests/test_pipeline_golden.py`` runs the pipeline again and compares every processed table
(``assert_frame_equal``, exact) and the text of the reports (timestamps, hashes and chart
images masked, see ``golden_io``) with what this script saved. Re-run it only when a change
is *meant* to change the results, and say so in the commit:

    .venv/bin/python tests/golden/make_golden.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from _report_fixture import build_small_run  # noqa: E402
from golden_io import PAGES, report_text, table  # noqa: E402


def main() -> None:
    out = HERE / "small"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_small_run(root)
        processed = root / "run1" / "processed"
        for p in sorted(processed.rglob("*.parquet")):
            target = out / "processed" / p.relative_to(processed)
            target.parent.mkdir(parents=True, exist_ok=True)
            table(p, root).to_parquet(target)
        for page in PAGES:
            target = out / "reports" / (page + ".txt")
            target.parent.mkdir(parents=True, exist_ok=True)
            html = (root / "run1" / "reports" / page).read_text(encoding="utf-8")
            target.write_text(report_text(html, root), encoding="utf-8")
    print(f"golden outputs written to {out}")


if __name__ == "__main__":
    main()
