"""``nebase run`` gives the same processed tables and report text as the golden copy.

The golden copy (``tests/golden/small``) was written by ``tests/golden/make_golden.py`` before
the stages were restructured; a refactoring must leave every table exactly equal. Only what
differs between two identical runs is masked (``golden_io``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from _report_fixture import build_small_run, shared_dir

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from golden_io import PAGES, report_text, table  # noqa: E402

TABLES = sorted(p.relative_to(GOLDEN / "small" / "processed").as_posix()
                for p in (GOLDEN / "small" / "processed").rglob("*.parquet"))


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Path:
    return shared_dir(tmp_path_factory, "reports-small-batch", build_small_run)


def test_golden_copy_is_there():
    assert len(TABLES) >= 30 and "final_ranking.parquet" in TABLES


@pytest.mark.parametrize("name", TABLES)
def test_processed_table_equals_golden(small, name):
    got = table(small / "run1" / "processed" / name, small)
    want = pd.read_parquet(GOLDEN / "small" / "processed" / name)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_no_processed_table_is_new_or_gone(small):
    processed = small / "run1" / "processed"
    got = sorted(p.relative_to(processed).as_posix() for p in processed.rglob("*.parquet"))
    assert set(TABLES) <= set(got), set(TABLES) - set(got)


@pytest.mark.parametrize("page", PAGES)
def test_report_text_equals_golden(small, page):
    got = report_text((small / "run1" / "reports" / page).read_text(encoding="utf-8"), small)
    want = (GOLDEN / "small" / "reports" / (page + ".txt")).read_text(encoding="utf-8")
    assert got.splitlines() == want.splitlines()
