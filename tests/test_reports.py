"""Reports: each notebook run once on a small batch (one runner call), HTML checked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from _report_fixture import NASTY, write_small_batch
from nebase_analysis.reports.html import check_html
from nebase_analysis.reports.runner import plan_reports, run_reports

NOTEBOOK_TYPES = ["ranking", "distribution", "province", "data_quality", "expert_panel", "profiles"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("rep")
    processed = write_small_batch(root / "processed")
    summary = run_reports(processed, root / "reports", only=NOTEBOOK_TYPES, domain="软件", province="全国",
                          jobs=2, progress=False, when="2026-05-01T00:00:00+00:00")
    return root, summary


def test_plan_counts_full_set():
    jobs = plan_reports("reports")
    counts = {t: sum(j.type == t for j in jobs) for t in NOTEBOOK_TYPES}
    assert counts == {"ranking": 20, "distribution": 10, "province": 33, "data_quality": 1, "expert_panel": 10, "profiles": 10}
    assert len({j.html for j in jobs}) == len(jobs)


@pytest.mark.slow
def test_every_notebook_runs_and_exports_clean_html(run):
    root, summary = run
    assert [r.error for r in summary.results if not r.ok] == []
    types = sorted({r.job.type for r in summary.results})
    assert types == sorted(NOTEBOOK_TYPES)
    for r in summary.results:
        page = (root / "reports" / r.job.html).read_text(encoding="utf-8")
        assert check_html(page) == [], r.job.html
        assert not re.search(r"""<(?:script|link|img)[^>]+(?:src|href)\s*=\s*["']?https?://""", page, re.I)
        assert "<script>alert(1)" not in page
        assert re.search(r"[\u4e00-\u9fff]{4,}", page)
        assert "Glyph" not in page and "missing from font" not in page
        assert "sha256:" in page and "2026-05-01T00:00:00+00:00" in page  # provenance footer
    ranking = (root / "reports" / "ranking" / "software-park.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in ranking
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;甲园区" in ranking


@pytest.mark.slow
def test_index_links_every_report_and_states_provenance(run):
    root, summary = run
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    for r in summary.results:
        assert f'href="{r.job.html}"' in index
    assert 'href="profiles/software.html#P-GD-01"' in index
    assert "applicants.parquet" in index and check_html(index) == []


@pytest.mark.slow
def test_failed_notebook_is_kept_named_and_not_exported(tmp_path):
    processed = write_small_batch(tmp_path / "processed")
    (processed / "expert_scores.parquet").unlink()
    s = run_reports(processed, tmp_path / "reports", only=["expert_panel", "distribution"], domain="软件", jobs=1, progress=False)
    bad = {r.job.type: r for r in s.results}
    assert bad["distribution"].ok
    assert not bad["expert_panel"].ok and "expert_scores.parquet" in bad["expert_panel"].error
    assert not (tmp_path / "reports" / "expert_panel" / "software.html").exists()
    assert (tmp_path / "reports" / "_executed" / "expert_panel" / "software.ipynb").exists()
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "生成失败" in index and "expert_panel/software.html" not in index


@pytest.mark.slow
def test_reports_identical_apart_from_time(run, tmp_path):
    root, _ = run
    s = run_reports(root / "processed", tmp_path / "again", only=["ranking"], domain="软件", jobs=1, progress=False,
                    when="2026-05-01T00:00:00+00:00")
    for r in s.results:
        a = (root / "reports" / r.job.html).read_text(encoding="utf-8")
        b = (tmp_path / "again" / r.job.html).read_text(encoding="utf-8")
        assert a == b
