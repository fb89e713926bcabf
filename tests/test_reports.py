"""Reports on a small real batch: two domains of the synthetic national batch, written as raw
material and taken through ``nebase run`` (ingest, validate, score, experts, rank, report).

Every report type is executed once; its HTML is checked (no code, no outside address,
Chinese text, no missing glyph, provenance footer). ``nebase run`` twice on the same raw
inputs gives identical processed tables and reports apart from their time stamps, and leaves
the raw inputs unchanged.
"""
from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from _report_fixture import NASTY, build_small_run, nebase_run, shared_dir, tree_sha256, write_small_raw
from nebase_analysis.config import load_config
from nebase_analysis.reports.html import check_html
from nebase_analysis.reports.runner import _WarmKernel, notebooks_dir, plan_reports, queue_order, run_reports

NOTEBOOK_TYPES = ["ranking", "distribution", "province", "data_quality", "expert_panel", "profiles"]
DOMAIN, DOMAIN_ID = "软件", "software"
#: ISO time of a run, as stated in report footers and on the index page
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z)")


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Path:
    """The small batch's raw folder and a first ``nebase run`` of it (``run1/processed``, ``run1/reports``)."""
    return shared_dir(tmp_path_factory, "reports-small-batch", build_small_run)


def report_pages(reports: Path) -> list[Path]:
    """The pages the report stage writes (reports of every type and the index)."""
    types = plan_reports(reports)
    dirs = {j.html.split("/")[0] for j in types if "/" in j.html}
    return sorted([p for d in dirs for p in (reports / d).glob("*.html")] + list(reports.glob("*.html")))


def test_plan_counts_full_set():
    jobs = plan_reports("reports")
    counts = {t: sum(j.type == t for j in jobs) for t in NOTEBOOK_TYPES}
    assert counts == {"ranking": 20, "distribution": 10, "province": 33, "data_quality": 1, "expert_panel": 10, "profiles": 10}
    assert len({j.html for j in jobs}) == len(jobs)
    # the report tables are derived data: under the processed folder, not the reports folder
    assert {j.params["data_dir"] for j in jobs} == {str(Path("data/processed/report_data").resolve())}


def test_queue_is_longest_first():
    overview = pd.DataFrame({"applicant_id": [f"a{i}" for i in range(7)], "domain": ["软件"] * 5 + ["人工智能"] * 2,
                             "category": ["enterprise"] * 4 + ["park"] * 3, "province": "广东省"})
    jobs = plan_reports("reports", domain="软件")
    cost = {"ranking": [1.0, 1.0], "distribution": [4.5, 0.0], "expert_panel": [0.5, 0.0], "profiles": [0.0, 1.0]}
    q = queue_order(jobs, overview, {"reports": {"execution": {"cost": cost}}})
    assert sorted(j.html for j in q) == sorted(j.html for j in jobs)
    # ranking 软件 enterprise: 1 + 4 = 5; profiles 软件: 5 applicants = 5 (tie: plan order); distribution 4.5;
    # ranking 软件 park: 1 + 1 = 2; expert panel 0.5
    assert [j.html for j in q] == ["ranking/software-enterprise.html", "profiles/software.html", "distribution/software.html",
                                   "ranking/software-park.html", "expert_panel/software.html"]


def test_every_report_type_runs_and_exports_clean_html(small):
    reports = small / "run1" / "reports"
    pages = report_pages(reports)
    names = {p.relative_to(reports).as_posix() for p in pages}
    assert names == {"index.html", "data_quality.html", "distribution/software.html", "expert_panel/software.html",
                     "profiles/software.html", "province/national.html", "ranking/software-park.html",
                     "ranking/software-enterprise.html"}
    for page_path in pages:
        page = page_path.read_text(encoding="utf-8")
        assert check_html(page) == [], page_path
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I), page_path
        assert "T.load_table" not in page and "import pandas" not in page  # no code cell leaked
        assert re.search(r"[\u4e00-\u9fff]{4,}", page)
        assert "Glyph" not in page and "missing from font" not in page
        assert "sha256:" in page and STAMP.search(page), page_path  # provenance footer
        assert "<script>alert(1)" not in page
    # charts are embedded; an applicant's name is escaped wherever it is shown
    profiles = (reports / "profiles" / "software.html").read_text(encoding="utf-8")
    processed = small / "run1" / "processed"
    app = pd.read_parquet(processed / "applicants.parquet")
    mine = app[app["domain"] == DOMAIN]
    assert profiles.count("data:image/png;base64,") == len(mine)  # one radar per applicant
    for aid in mine["applicant_id"]:
        assert f'id="{aid}"' in profiles
    nasty = app.loc[app["name"].str.contains("<script>", regex=False)]  # intake makes its brackets full-width
    assert nasty[["domain", "category"]].values.tolist() == [[DOMAIN, "park"]]
    assert nasty["name"].iloc[0] == NASTY.replace("(", "（").replace(")", "）")
    escaped = html.escape(nasty["name"].iloc[0])
    assert escaped.startswith("&lt;script&gt;alert")
    assert escaped in profiles
    assert escaped in (reports / "ranking" / f"{DOMAIN_ID}-park.html").read_text(encoding="utf-8")
    # the national province report shows every applicant of the small batch
    national = (reports / "province" / "national.html").read_text(encoding="utf-8")
    assert f"全国：共 {len(app)} 个申报主体" in national


def test_report_data_in_processed_and_no_notebook_copies(small):
    processed, reports = small / "run1" / "processed", small / "run1" / "reports"
    assert sorted(p.name for p in (processed / "report_data").glob("*.parquet")) == [
        "dimension_profiles.parquet", "indicators_long.parquet", "overview.parquet"]
    assert list(reports.rglob("*.ipynb")) == []  # successful reports leave only HTML
    assert not (reports / "_failed").exists() and not (reports / "_data").exists()
    overview = pd.read_parquet(processed / "report_data" / "overview.parquet")
    assert len(overview) == len(pd.read_parquet(processed / "applicants.parquet"))


def test_index_links_every_report_and_states_provenance(small):
    reports = small / "run1" / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    for p in report_pages(reports):
        if p.name != "index.html":
            assert f'href="{p.relative_to(reports).as_posix()}"' in index
    app = pd.read_parquet(small / "run1" / "processed" / "applicants.parquet")
    for aid in app.loc[app["domain"] == DOMAIN, "applicant_id"]:
        assert f'href="profiles/{DOMAIN_ID}.html#{aid}"' in index
    assert "processed/applicants.parquet" in index and "report_data" not in index
    assert check_html(index) == []


def test_dimension_profiles_match_one_by_one(small):
    from nebase_analysis.reports.tables import dimension_profile

    processed = small / "run1" / "processed"
    prepared = pd.read_parquet(processed / "report_data" / "dimension_profiles.parquet")
    dims = pd.read_parquet(processed / "dimension_scores.parquet")
    app = pd.read_parquet(processed / "applicants.parquet")
    for aid in app["applicant_id"].iloc[::9]:
        one = dimension_profile(dims, app, aid)
        mine = prepared[prepared["applicant_id"] == aid].drop(columns="applicant_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, one)
        assert len(one) >= 3


def test_failed_notebook_is_kept_named_and_not_exported(small, tmp_path):
    processed = tmp_path / "processed"
    shutil.copytree(small / "run1" / "processed", processed)
    (processed / "expert_scores.parquet").unlink()
    s = run_reports(processed, tmp_path / "reports", only=["expert_panel", "data_quality"], domain=DOMAIN, jobs=1, progress=False)
    res = {r.job.type: r for r in s.results}
    assert res["data_quality"].ok
    assert not res["expert_panel"].ok and "expert_scores.parquet" in res["expert_panel"].error
    assert not (tmp_path / "reports" / "expert_panel" / f"{DOMAIN_ID}.html").exists()
    kept = tmp_path / "reports" / "_failed" / "expert_panel" / f"{DOMAIN_ID}.ipynb"
    nb = json.loads(kept.read_text(encoding="utf-8"))
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "FileNotFoundError"
    assert [p.name for p in (tmp_path / "reports").rglob("*.ipynb")] == [kept.name]  # the report that worked left none
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "生成失败" in index and f"expert_panel/{DOMAIN_ID}.html" not in index


def test_nebase_run_twice_gives_identical_outputs(small, tmp_path):
    raw = small / "raw"
    (tmp_path / "run2").mkdir()
    assert nebase_run(tmp_path / "run2", raw) == 0
    # raw inputs unchanged by two runs
    assert tree_sha256(raw) == json.loads((small / "raw_sha256.json").read_text())
    a, b = small / "run1", tmp_path / "run2"
    tables = sorted(p.relative_to(a / "processed") for p in (a / "processed").rglob("*.parquet"))
    assert tables == sorted(p.relative_to(b / "processed") for p in (b / "processed").rglob("*.parquet"))
    assert len(tables) > 20
    for t in tables:
        pd.testing.assert_frame_equal(pd.read_parquet(a / "processed" / t), pd.read_parquet(b / "processed" / t), obj=str(t))
    pages = report_pages(a / "reports")
    assert [p.relative_to(a / "reports") for p in pages] == [p.relative_to(b / "reports") for p in report_pages(b / "reports")]
    for p in pages:
        rel = p.relative_to(a / "reports")
        one, two = p.read_bytes(), (b / "reports" / rel).read_bytes()
        norm = [STAMP.sub("<time>", x.decode("utf-8")) for x in (one, two)]
        assert norm[0] == norm[1], rel
        assert len(STAMP.findall(one.decode("utf-8"))) >= 1
    # the correction workbooks under reports/ differ only in their creation time (docProps/core.xml)
    books = sorted(p.relative_to(a / "reports") for p in (a / "reports").rglob("*.xlsx"))
    assert books and books == sorted(p.relative_to(b / "reports") for p in (b / "reports").rglob("*.xlsx"))
    for rel in books:
        with zipfile.ZipFile(a / "reports" / rel) as za, zipfile.ZipFile(b / "reports" / rel) as zb:
            assert za.namelist() == zb.namelist()
            assert [n for n in za.namelist() if n != "docProps/core.xml" and za.read(n) != zb.read(n)] == [], rel
    # (the GX Data Docs are kept per validation run, in folders named by the run's time)


def test_explore_notebook_runs(small, tmp_path):
    import papermill as pm

    processed = small / "run1" / "processed"
    nb = pm.execute_notebook(str(notebooks_dir() / "explore.ipynb"), str(tmp_path / "explore.ipynb"),
                             parameters={"processed_dir": str(processed)}, kernel_name="python3", progress_bar=False,
                             cwd=str(notebooks_dir()))
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 1
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    app = pd.read_parquet(processed / "applicants.parquet")
    shown = app[(app["domain"] == app["domain"].iloc[0]) & (app["category"] == "enterprise")]
    assert shown["applicant_id"].iloc[0] in html and f"{len(shown)} 个申报主体" in html
    # re-validated (rule labels, not ids) and re-scored under a second configuration
    rules = set(pd.read_parquet(processed / "issues.parquet")["rule"])
    labels = load_config()["validation"]["rule_labels"]
    assert rules and all(labels[r] in html for r in rules) and not any(f">{r}<" in html for r in rules)
    assert "熵权＋几何平均" in html and "名次变动" in html


def test_warm_kernel_starts_when_the_kernel_is_slow_to_come_up(tmp_path, monkeypatch):
    """A kernel slower than the heartbeat period (1 s) to start is not taken for dead.

    The kernelspec waits 2 s before starting the kernel. A client judging liveness by the
    heartbeat raised "Kernel died before replying to kernel_info" here; the warm kernel's
    client asks its manager (the process is alive) and waits.
    """
    spec = tmp_path / "kernels" / "nebase-slow"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["sh", "-c", f"sleep 2; exec {sys.executable} -m ipykernel_launcher -f {{connection_file}}"],
        "display_name": "slow", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    k = _WarmKernel("nebase-slow", start_timeout=60, max_runs=10)
    try:
        k.start()
        assert len(k.baseline) == 64  # the clean-state fingerprint
        k.ready()
        assert k.restarts == 0
    finally:
        k.shutdown()


def test_reports_show_chinese_labels_not_ids(small):
    """What a ministry reader sees: rule, method, measure ids replaced by their Chinese labels."""
    cfg = load_config()
    reports, processed = small / "run1" / "reports", small / "run1" / "processed"
    issues = pd.read_parquet(processed / "issues.parquet")
    rules = sorted(set(issues["rule"]))
    assert rules
    dq = (reports / "data_quality.html").read_text(encoding="utf-8")
    nat = (reports / "province" / "national.html").read_text(encoding="utf-8")
    for rule in rules:
        assert rule not in dq and rule not in nat, rule
        assert f"<td>{html.escape(cfg['validation']['rule_labels'][rule])}</td>" in dq
    assert "<th>error</th>" not in dq and f"<th>{cfg['validation']['severity_labels']['error']}</th>" in dq
    ranking = (reports / "ranking" / f"{DOMAIN_ID}-enterprise.html").read_text(encoding="utf-8")
    methods = sorted(set(pd.read_parquet(processed / "method_comparison.parquet")["method"]))
    for m in methods:
        assert f"<th>{m}</th>" not in ranking and f"<th>{cfg['reports']['labels']['methods'][m]}</th>" in ranking
    # rank bounds as whole numbers, probabilities as percentages (the final ranking table)
    final = ranking.split("<tbody>")[1].split("</tbody>")[0]
    fr = pd.read_parquet(processed / "final_ranking.parquet").query("domain == @DOMAIN and category == 'enterprise'")
    top = fr.sort_values(["rank", "applicant_id"]).iloc[0]
    row = next(r for r in final.split("<tr>") if f"<td>{top['applicant_id']}</td>" in r)
    assert f"<td>{int(top['rank_low'])}</td><td>{int(top['rank_high'])}</td><td>{top['p_selected']:.0%}</td>" in row
    assert not re.search(r"<td>\d+\.\d+</td><td>\d+\.\d+</td><td>\d+%</td>", final)  # rank bounds before p_selected
    panel = (reports / "expert_panel" / f"{DOMAIN_ID}.html").read_text(encoding="utf-8")
    for m in cfg["reports"]["expert_panel"]["measures"]:
        assert f"<th>{html.escape(cfg['reports']['labels']['measures'][m])}</th>" in panel
    rel = pd.read_parquet(processed / "reliability.parquet")
    small_panels = rel[(rel["domain"] == DOMAIN) & (rel["measure"] == "ICC2")].groupby("category")["value"].apply(lambda v: v.isna().all())
    for cat, missing in small_panels.items():
        label = {"park": "园区", "enterprise": "企业"}[cat]
        assert (f"{label}组完整评分的申报主体仅" in panel) == bool(missing), cat
    flags = pd.read_parquet(processed / "expert_flags.parquet")
    if flags.empty:
        assert "无：本领域没有专家或申报主体被标记" in panel and "<th>标记</th>" not in panel


def test_index_guides_and_links_data_checks(small):
    reports = small / "run1" / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert (reports / "data_docs" / "index.html").exists() and 'href="data_docs/index.html"' in index
    books = sorted((reports / "corrections").glob("*.xlsx"))
    assert books and 'href="corrections/"' in index
    for b in books:
        assert f'href="corrections/{b.name}"' in index
    from nebase_analysis.config import load_config

    types = load_config()["reports"]["types"]
    for t in NOTEBOOK_TYPES:  # the guide names every report type with its purpose
        assert html.escape(types[t]["purpose"]) in index
    # the footer: one count and combined checksum, the per-file list folded in <details>
    from nebase_analysis.reports.index import combined_sha256

    n_files = index.count("</code></td></tr>", index.index("<details class=\"nb-inputs\""))
    assert n_files > 20 and f"{n_files} 个，合并校验值" in index
    page = (reports / "data_quality.html").read_text(encoding="utf-8")
    footer = page[page.index('<footer class="nb-footer">'):]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>\d+</td><td><code>([0-9a-f]{64})</code></td></tr>", footer)
    assert len(rows) == n_files and footer.index("<details class=\"nb-inputs\"") < footer.index(rows[0][1])
    assert f"sha256:{combined_sha256([{'path': html.unescape(p), 'sha256': h} for p, h in rows])}" in footer
    # configuration values worded in Chinese (no JSON), with the configuration checksum
    from nebase_analysis.reports.index import config_hash

    for page in (index[index.index('<footer class="nb-footer">'):], footer):
        assert f"<code>sha256:{config_hash()}</code>" in page
        assert "<tr><td>最终得分权重</td><td>客观得分：40%；专家评分：60% " in page
        assert "<tr><td>推荐名额</td><td>经济大省：园区 2、企业 20；其他省份：园区 1、企业 10 " in page
        assert "<tr><td>专家评分汇总方法</td><td>去掉最高最低分 " in page
        assert "&quot;" not in page and "{" not in page.split("<details")[0]


def test_footer_words_configuration_values_in_chinese():
    from nebase_analysis.reports.index import config_value_text, footer_html, provenance

    cfg = load_config({"ranking": {"weights": {"objective": 0.25, "expert": 0.75}},
                       "composite": {"aggregation": {"dimensions": "geometric", "zero_floor": 0.5}},
                       "provinces": {"major_economic": []}})
    prov = provenance([], cfg, when="2026-05-01T10:00:00+08:00")
    assert prov["config_text"] == {
        "provinces.major_economic": "无",
        "provinces.quotas": "经济大省：园区 2、企业 20；其他省份：园区 1、企业 10",
        "ranking.weights": "客观得分：25%；专家评分：75%",
        "composite.aggregation": "指标汇总：算术平均；维度汇总：几何平均；几何/调和平均的零值下限：0.5",
        "ranking.aggregation.default_method": "去掉最高最低分",
    }
    page = footer_html(prov)
    assert "<tr><td>最终得分权重</td><td>客观得分：25%；专家评分：75% <span class=\"nb-key\">ranking.weights</span></td></tr>" in page
    assert f"<code>sha256:{prov['config_sha256']}</code>" in page and "nebase-analysis " in page
    assert "&quot;" not in page and "arithmetic" not in page
    # values the terms do not know are shown as they are; booleans and missing values in words
    assert config_value_text("x.y", {"a": True, "b": [1, 2.5], "c": None}, cfg) == "a：是；b：1、2.5；c：（未配置）"
    assert config_value_text("x.y", "median", cfg) == "中位数"
    # the score names have one source, ranking.tie_break_labels (also used by the weights check)
    renamed = load_config({"ranking": {"tie_break_labels": {"objective": "客观分"}}})
    assert config_value_text("ranking.weights", {"objective": 0.4, "expert": 0.6}, renamed) == "客观分：40%；专家评分：60%"
    assert "objective" not in cfg["reports"]["footer_terms"] and "expert" not in cfg["reports"]["footer_terms"]


def test_partial_run_keeps_every_report_on_the_index(small, tmp_path):
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    shutil.copytree(small / "run1" / "processed", processed)
    shutil.copytree(small / "run1" / "reports", reports)
    before = {p.relative_to(reports).as_posix() for p in report_pages(reports)} - {"index.html"}
    assert len(before) == 7
    s = run_reports(processed, reports, only=["ranking"], domain=DOMAIN, jobs=1, progress=False)
    assert sorted(r.job.html for r in s.results) == [f"ranking/{DOMAIN_ID}-enterprise.html", f"ranking/{DOMAIN_ID}-park.html"]
    assert all(r.ok for r in s.results)
    index = (reports / "index.html").read_text(encoding="utf-8")
    for href in before:
        assert f'href="{href}"' in index, href
    app = pd.read_parquet(processed / "applicants.parquet")
    for aid in app.loc[app["domain"] == DOMAIN, "applicant_id"]:  # profile anchors of a report from the earlier run
        assert f'href="profiles/{DOMAIN_ID}.html#{aid}"' in index
    assert "生成失败" not in index and check_html(index) == []


def test_index_entries_lists_disk_reports_and_this_runs_failures(tmp_path):
    from nebase_analysis.reports.runner import ReportResult, index_entries

    plan = plan_reports(tmp_path, domain=DOMAIN)
    by_html = {j.html: j for j in plan}
    (tmp_path / "distribution").mkdir()
    (tmp_path / "distribution" / f"{DOMAIN_ID}.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "ranking").mkdir()
    (tmp_path / "ranking" / f"{DOMAIN_ID}-park.html").write_text("<html>old</html>", encoding="utf-8")  # stale: failed now
    ok = ReportResult(job=by_html[f"ranking/{DOMAIN_ID}-enterprise.html"], ok=True, seconds=1.0)
    bad = ReportResult(job=by_html[f"ranking/{DOMAIN_ID}-park.html"], ok=False, seconds=1.0, error="出错")
    reports, failed = index_entries(plan, [ok, bad], tmp_path)
    assert [r["href"] for r in reports] == [f"ranking/{DOMAIN_ID}-enterprise.html", f"distribution/{DOMAIN_ID}.html"]
    assert [(f["title"], f["error"]) for f in failed] == [(bad.job.title, "出错")]


def test_unknown_province_is_rejected_like_an_unknown_domain(tmp_path, capsys):
    from nebase_analysis.cli import main

    with pytest.raises(ValueError, match="未知的省份：火星"):
        plan_reports(tmp_path, only=["province"], province="火星")
    assert [j.html for j in plan_reports(tmp_path, only=["province"], province="广东")] == ["province/GD.html"]
    assert [j.html for j in plan_reports(tmp_path, only=["province"], province="全国")] == ["province/national.html"]
    code = main(["report", "--only", "province", "--province", "火星", "--processed", str(tmp_path / "p"),
                 "--reports", str(tmp_path / "r"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "未知的省份：火星" in err and "广东省" in err
    code = main(["report", "--domain", "火星", "--processed", str(tmp_path / "p"), "--reports", str(tmp_path / "r"), "--no-progress"])
    assert code == 2 and "未知的领域" in capsys.readouterr().err


def test_expert_panel_shows_how_much_data_stands_behind_icc(small, tmp_path):
    from nebase_analysis.reports.tables import reliability_blocks

    processed = small / "run1" / "processed"
    rel = pd.read_parquet(processed / "reliability.parquet")
    scores = pd.read_parquet(processed / "expert_scores.parquet")
    blocks = reliability_blocks(rel, DOMAIN, scores)
    assert len(blocks) and (blocks["n_targets"] <= blocks["total_targets"]).all() and (blocks["n_raters"] <= blocks["total_raters"]).all()
    s = run_reports(processed, tmp_path / "reports", only=["expert_panel"], domain=DOMAIN, jobs=1, progress=False)
    assert [r.ok for r in s.results] == [True]
    page = (tmp_path / "reports" / "expert_panel" / f"{DOMAIN_ID}.html").read_text(encoding="utf-8")
    assert "ICC/W 所用完整子块（单位 × 专家）" in page
    for text in set(blocks["block"]):
        assert html.escape(text) in page
    partial = blocks[~blocks["complete"]]
    assert (f"{len(partial)} 个评分项的评分矩阵不完整" in page) == (len(partial) > 0)
    # the note of the rank stage agrees with the totals counted from the score sheets
    for b in partial.itertuples():
        note = rel.loc[(rel.domain == DOMAIN) & (rel.category == b.category) & (rel.criterion == b.criterion), "note"].iloc[0]
        if "共" in note:
            assert f"{b.n_targets} 个单位 × {b.n_raters} 位专家（共 {b.total_targets} × {b.total_raters}）" in note


def test_ranking_report_shows_unresolved_errors_when_the_ranking_has_them(small, tmp_path):
    processed = tmp_path / "processed"
    shutil.copytree(small / "run1" / "processed", processed)
    fr = pd.read_parquet(processed / "final_ranking.parquet")
    issues = pd.read_parquet(processed / "issues.parquet")
    n_err = issues[issues["severity"] == "error"].groupby("applicant_id").size()
    fr = fr.assign(n_errors=fr["applicant_id"].map(n_err).fillna(0).astype(int))
    fr = fr.assign(needs_review=fr["n_errors"] > 0)
    mine = fr[(fr["domain"] == DOMAIN) & (fr["category"] == "enterprise")]
    k = int((mine["n_errors"] > 0).sum())
    assert k > 0  # the small batch carries faults
    fr.to_parquet(processed / "final_ranking.parquet")
    (processed / "report_data").mkdir(exist_ok=True)
    for f in (processed / "report_data").glob("*.parquet"):
        f.unlink()  # prepared again from the new final ranking
    s = run_reports(processed, tmp_path / "reports", only=["ranking"], domain=DOMAIN, jobs=1, progress=False)
    assert all(r.ok for r in s.results)
    page = (tmp_path / "reports" / "ranking" / f"{DOMAIN_ID}-enterprise.html").read_text(encoding="utf-8")
    assert "<th>待核实错误</th>" in page or "待核实错误</th>" in page
    assert f"本组 {len(mine)} 个申报主体中，{k} 个仍有未解决的错误级问题" in page
    # an older processed folder without the column: the table and the note are left out
    from nebase_analysis.reports.tables import unresolved_errors

    older = mine.drop(columns=["n_errors", "needs_review"])
    shown, note = unresolved_errors(older)
    assert note is None and "n_errors" not in shown.columns and shown.equals(older)


def test_rank_interval_chart_legend_covers_no_marker_and_repeated_names_are_told_apart():
    import matplotlib
    import matplotlib.pyplot as plt

    from nebase_analysis.reports import charts

    with matplotlib.rc_context():
        _check_rank_interval_chart(charts, plt, charts.setup_notebook())  # the notebooks' font and backend


def _check_rank_interval_chart(charts, plt, cfg):
    statuses = list(cfg["reports"]["charts"]["status_colors"])
    n = 41
    frame = pd.DataFrame({"applicant_id": [f"E-ZJ-{i:02d}" for i in range(1, n + 1)],
                          "name": [f"企业{i}" for i in range(1, n + 1)], "province": "浙江省",
                          "rank": range(1, n + 1), "stability": [statuses[min(i // 14, len(statuses) - 1)] for i in range(n)]})
    frame["rank_low"], frame["rank_high"] = frame["rank"] - 1, frame["rank"] + 2
    # the case of the review: two applicants of two provinces with one name; and a name repeated within a province
    frame.loc[0, ["applicant_id", "name", "province"]] = ["E-JL-01", "桐乡源力人工智能有限公司", "吉林省"]
    frame.loc[11, "name"] = "桐乡源力人工智能有限公司"
    frame.loc[[5, 6], "name"] = "同名公司"
    fig = charts.rank_intervals(frame, label="name", rank="rank", low="rank_low", high="rank_high", status="stability",
                                title="名次区间", config=cfg)
    try:
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels[0] == "桐乡源力人工智能有限公司（吉林）" and labels[11] == "桐乡源力人工智能有限公司（浙江）"
        assert labels[5:7] == ["同名公司（浙江 · E-ZJ-06）", "同名公司（浙江 · E-ZJ-07）"]
        assert labels[1] == "企业2" and len(set(labels)) == n
        # the legend lies outside the plotting area: no marker (the last one, rank 41, included) is under it
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.x0 >= ax.get_window_extent(renderer).x1
        marks = ax.transData.transform(frame[["rank"]].assign(y=range(n)).to_numpy(dtype=float))
        assert not any(legend.contains(x, y) for x, y in marks)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == statuses
        assert charts.figure_png(fig, cfg)[:4] == b"\x89PNG"  # every label drawable (CJK font), legend kept in the image
    finally:
        plt.close(fig)


def test_distinct_labels_name_a_missing_name_by_its_id():
    from nebase_analysis.reports.charts import distinct_labels

    f = pd.DataFrame({"applicant_id": ["E-ZJ-01", "E-ZJ-02", None, "E-ZJ-04", "E-JL-05"],
                      "name": [None, "  ", None, "甲公司", "甲公司"],
                      "province": ["浙江省", "浙江省", "浙江省", "浙江省", "吉林省"]})
    assert distinct_labels(f) == ["E-ZJ-01", "E-ZJ-02", "名称缺失", "甲公司（浙江）", "甲公司（吉林）"]
    assert "nan" not in "".join(distinct_labels(f.assign(name=[float("nan")] * 5)))
    # the word for neither name nor id is configuration
    cfg = load_config({"reports": {"labels": {"unnamed": "（未填写名称）"}}})
    assert distinct_labels(f.iloc[[2]], config=cfg) == ["（未填写名称）"]
