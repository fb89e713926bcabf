"""Provenance of a report run and the ``reports/index.html`` page.

Every report and the index state the same provenance: SHA-256 of each input file (raw
files when the run started from them, and the processed Parquet tables), a hash of the
configuration with its key values, the package version and the time of the run.

Examples
--------
>>> p = provenance([], config=None, when="2026-05-01T10:00:00+08:00")
>>> len(p["config_sha256"]), p["generated_at"]
(64, '2026-05-01T10:00:00+08:00')
"""
from __future__ import annotations

import hashlib
import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from nebase_analysis.config import category_labels, resolve_config

__all__ = ["sha256_file", "config_hash", "dotted", "package_version", "provenance", "config_value_text", "combined_sha256",
           "footer_html", "write_index"]


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f: _ = f.write(b"abc")
    >>> sha256_file(f.name)[:16]
    'ba7816bf8f01cfea'
    >>> os.unlink(f.name)
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _canonical(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def config_hash(config: Mapping[str, Any] | None = None) -> str:
    """SHA-256 of the configuration as canonical JSON (sorted keys): equal configs, equal hashes.

    Examples
    --------
    >>> a = config_hash({"ranking": {"tie_decimals": 3, "tie_break": ["expert"]}})
    >>> a == config_hash({"ranking": {"tie_break": ["expert"], "tie_decimals": 3}}), a == config_hash()
    (True, False)
    """
    cfg = resolve_config(config)
    text = json.dumps(_canonical(cfg), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dotted(config: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """Value at a dotted path of a nested mapping (``"provinces.quotas"``), or ``default``.

    Examples
    --------
    >>> dotted({"a": {"b": 2}}, "a.b"), dotted({"a": {}}, "a.c", "—")
    (2, '—')
    """
    cur: Any = config
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return default
        cur = cur[part]
    return cur


def package_version() -> str:
    """The installed version of ``nebase-analysis`` (``pyproject.toml``'s when not installed)."""
    from importlib import metadata

    try:
        return metadata.version("nebase-analysis")
    except metadata.PackageNotFoundError:  # running from a checkout
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        with pyproject.open("rb") as fh:
            return tomllib.load(fh)["project"]["version"]


def provenance(
    inputs: Iterable[str | Path],
    config: str | Path | Mapping[str, Any] | None = None,
    *,
    when: str | None = None,
    root: str | Path | None = None,
) -> dict[str, Any]:
    """What made a run: input checksums, configuration hash and key values, version, time.

    Parameters
    ----------
    inputs : iterable of paths
        Files (or folders, walked recursively) whose bytes the run depends on.
    config : path, mapping or None
        The configuration used.
    when : str, optional
        ISO time of the run (default: now, UTC).
    root : path, optional
        Paths are shown relative to it where possible.

    Returns
    -------
    dict
        ``inputs`` (list of ``{"path", "sha256", "bytes"}`` sorted by path),
        ``config_sha256``, ``config_values`` (``reports.footer_keys`` → value; None where
        not configured), ``config_labels`` (→ Chinese name), ``config_text`` (→ the value in
        Chinese words, :func:`config_value_text`),
        ``version``, ``generated_at``.
    """
    cfg = resolve_config(config)
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files.extend(q for q in p.rglob("*") if q.is_file() and not q.name.startswith("."))
        elif p.is_file():
            files.append(p)
    rows = []
    for f in sorted(set(files)):
        shown = f
        if root is not None:
            try:
                shown = f.resolve().relative_to(Path(root).resolve())
            except ValueError:
                shown = f
        rows.append({"path": shown.as_posix(), "sha256": sha256_file(f), "bytes": f.stat().st_size})
    rows.sort(key=lambda r: r["path"])
    values = {k: dotted(cfg, k, None) for k in cfg["reports"]["footer_keys"]}
    names = cfg["reports"].get("footer_labels") or {}
    return {
        "inputs": rows,
        "config_sha256": config_hash(cfg),
        "config_values": values,
        # Chinese names of the keys, and each value worded in Chinese
        "config_labels": {k: names.get(k, k) for k in values},
        "config_text": {k: config_value_text(k, v, cfg) for k, v in values.items()},
        "version": package_version(),
        "generated_at": when or datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }


def config_value_text(key: str, value: Any, config: Mapping[str, Any] | None = None) -> str:
    """A configuration value as a ministry reader reads it: Chinese words, no JSON.

    Keys and values are named by ``reports.footer_terms``, the score names of
    ``ranking.tie_break_labels`` (客观得分, 专家评分), the category labels of ``fields.yaml``
    and ``reports.labels.methods``; a value of a key listed in
    ``reports.footer_percent`` is a percentage. A mapping reads ``键：值；键：值`` (nested:
    ``键 值、键 值``), a list ``甲、乙``, a missing value ``（未配置）``.

    Parameters
    ----------
    key : str
        The dotted configuration key (``ranking.weights``); decides whether numbers are
        percentages.
    value : any
        Its value (mapping, list, number, bool, text or None).
    config : path, mapping or None
        The words: ``reports.footer_terms``, ``reports.footer_percent``,
        ``reports.labels``, ``ranking.tie_break_labels`` and the category labels.

    Returns
    -------
    str
        The value in Chinese words; a word the terms do not know is shown as written.

    Examples
    --------
    >>> config_value_text("ranking.weights", {"objective": 0.4, "expert": 0.6})
    '客观得分：40%；专家评分：60%'
    >>> config_value_text("provinces.quotas", {"major": {"park": 2, "enterprise": 20}, "other": {"park": 1, "enterprise": 10}})
    '经济大省：园区 2、企业 20；其他省份：园区 1、企业 10'
    >>> config_value_text("composite.aggregation", {"indicators": "arithmetic", "dimensions": "geometric", "zero_floor": 1.0})
    '指标汇总：算术平均；维度汇总：几何平均；几何/调和平均的零值下限：1'
    >>> config_value_text("ranking.aggregation.default_method", "trimmed_mean"), config_value_text("x", None)
    ('去掉最高最低分', '（未配置）')
    """
    cfg = resolve_config(config)
    rcfg = cfg["reports"]
    terms = {**rcfg["labels"]["methods"], **category_labels(cfg), **(cfg["ranking"].get("tie_break_labels") or {}),
             **(rcfg.get("footer_terms") or {})}
    yes_no = {True: rcfg["labels"].get("yes", "是"), False: rcfg["labels"].get("no", "否")}
    percent = key in (rcfg.get("footer_percent") or [])

    def word(v: Any) -> str:
        return terms.get(v, str(v)) if isinstance(v, str) else str(v)

    def text(v: Any, depth: int) -> str:
        if v is None:
            return "（未配置）"
        if isinstance(v, bool):
            return yes_no[v]
        if isinstance(v, (int, float)):
            return f"{v * 100:.4g}%" if percent else f"{v:g}"
        if isinstance(v, Mapping):
            if not v:
                return "无"
            if depth == 0:
                return "；".join(f"{word(k)}：{text(x, 1)}" for k, x in v.items())
            return "、".join(f"{word(k)} {text(x, depth + 1)}" for k, x in v.items())
        if isinstance(v, (list, tuple)):
            return "、".join(text(x, depth + 1) for x in v) if v else "无"
        return word(v)

    return text(value, 0)


def combined_sha256(inputs: Sequence[Mapping[str, Any]]) -> str:
    """One checksum of all inputs: SHA-256 of the lines ``path\\0sha256\\n`` in the given (path) order.

    Examples
    --------
    >>> combined_sha256([{"path": "a", "sha256": "0" * 64}]) == combined_sha256([{"path": "a", "sha256": "0" * 64}])
    True
    """
    return hashlib.sha256("".join(f"{r['path']}\0{r['sha256']}\n" for r in inputs).encode()).hexdigest()


def footer_html(prov: Mapping[str, Any]) -> str:
    """The provenance block shown at the foot of every report and of the index (every value escaped).

    States the time, version, configuration checksum and key values, and the number of
    input files with one combined checksum (:func:`combined_sha256`); the per-file list
    (path, bytes, SHA-256) sits in a collapsed ``<details>`` element, however long.
    """
    e = html.escape
    inputs = list(prov["inputs"])
    lines = [
        "<table>",
        f"<tr><td>生成时间</td><td>{e(prov['generated_at'])}</td></tr>",
        f"<tr><td>软件版本</td><td>nebase-analysis {e(prov['version'])}</td></tr>",
        f"<tr><td>配置校验值</td><td><code>sha256:{e(prov['config_sha256'])}</code></td></tr>",
    ]
    names, texts = prov.get("config_labels", {}), prov.get("config_text", {})
    for k, v in prov["config_values"].items():
        shown = texts[k] if k in texts else config_value_text(k, v)
        lines.append(f"<tr><td>{e(names.get(k, k))}</td><td>{e(shown)} <span class=\"nb-key\">{e(k)}</span></td></tr>")
    lines.append(f"<tr><td>输入文件</td><td>{len(inputs)} 个，合并校验值 <code>sha256:{e(combined_sha256(inputs))}</code></td></tr>")
    lines.append("</table>")
    if inputs:
        lines.append(f'<details class="nb-inputs"><summary>逐个文件的校验值（{len(inputs)} 个）</summary>')
        lines.append("<table><thead><tr><th>文件</th><th>字节</th><th>SHA-256</th></tr></thead><tbody>")
        for r in inputs:
            lines.append(f"<tr><td>{e(r['path'])}</td><td>{int(r['bytes'])}</td><td><code>{e(r['sha256'])}</code></td></tr>")
        lines.append("</tbody></table></details>")
    return "\n".join(lines)


def write_index(
    reports: Sequence[Mapping[str, Any]],
    failed: Sequence[Mapping[str, Any]],
    prov: Mapping[str, Any],
    reports_dir: str | Path,
    config: str | Path | Mapping[str, Any] | None = None,
) -> Path:
    """Write ``index.html``: every report grouped by type, then domain / category / province.

    Parameters
    ----------
    reports : sequence of mappings
        Exported reports: ``type``, ``title``, ``href`` (relative to the reports folder),
        ``domain``, ``category``, ``province`` (None where not applicable), and optionally
        ``anchors`` (list of ``(id, label)``: e.g. one per applicant profile).
    failed : sequence of mappings
        Failed notebooks: ``type``, ``title``, ``notebook`` (href of the executed ``.ipynb``),
        ``error``.
    prov : mapping
        From :func:`provenance`.
    reports_dir : path
        Where to write ``index.html``.

    Returns
    -------
    Path
        The written page.
    """
    from nebase_analysis.reports.html import report_css
    from nebase_analysis.reports.tables import corrections_links, data_docs_link

    cfg = resolve_config(config)
    rcfg = cfg["reports"]
    cats = category_labels(cfg)
    e = html.escape

    def a(href, text, cls=None):
        c = f' class="{cls}"' if cls else ""
        return f'<a{c} href="{e(href, quote=True)}">{e(text)}</a>'

    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for r in reports:
        by_type.setdefault(r["type"], []).append(r)
    types = [t for t in rcfg["order"] if t in by_type]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        "<title>国家新兴产业发展示范基地申报分析报告</title>",
        f"<style>\n{report_css()}\n</style></head><body><main class=\"nb-report\">",
        "<h1>国家新兴产业发展示范基地申报分析报告</h1>",
        f"<p>本次共生成 {len(reports)} 份报告" + (f"，<span class=\"nb-warn\">{len(failed)} 份生成失败</span>（见下）" if failed else "")
        + "。每份报告都是可离线阅读的单个 HTML 文件（图表已内嵌，不访问任何外部地址），页脚注明所用数据、配置与软件版本。"
        "建议先看数据质量报告与各省更正工作簿，确认申报数据已更正；再按领域查阅排名报告、指标分布与专家评审报告；"
        "评审会上逐个查阅申报主体概况；与各省沟通时使用省份报告。</p>",
        '<table class="nb-table nb-guide"><thead><tr><th>报告</th><th>用途</th><th>份数</th></tr></thead><tbody>',
    ]
    for t in types:
        tcfg = rcfg["types"][t]
        parts.append(f'<tr><td>{a("#" + t, tcfg["title"])}</td><td>{e(tcfg.get("purpose", ""))}</td><td>{len(by_type[t])}</td></tr>')
    parts.append("</tbody></table>")
    if failed:
        parts.append('<h2 id="failed">生成失败的报告</h2><ul>')
        for f in failed:
            parts.append(f'<li class="nb-warn">{e(f["title"])}：{e(f["error"])}（执行记录：{a(f["notebook"], f["notebook"])}）</li>')
        parts.append("</ul>")

    # data checks: the data quality report, the GX Data Docs, the correction workbooks
    parts.append('<h2 id="data">数据核查</h2><ul>')
    for r in by_type.get("data_quality", []):
        parts.append(f'<li id="data_quality">{a(r["href"], r["title"])}：核查问题汇总。</li>')
    docs = data_docs_link(reports_dir, cfg)
    parts.append(f'<li>{a(docs, "Great Expectations 数据文档")}：逐项数据质量期望的核查结果。</li>' if docs
                 else '<li class="nb-note">本次未生成 Great Expectations 数据文档（运行 nebase validate 时生成）。</li>')
    books = corrections_links(reports_dir, cfg)
    folder = cfg["validation"]["output_dirs"]["corrections"]
    if len(books):
        links = "、".join(a(h, p) for p, h in zip(books["province"], books["href"]))
        parts.append(f'<li>{a(folder + "/", "更正工作簿文件夹")}（{len(books)} 个省份，发给各省核实更正）：{links}</li>')
    else:
        parts.append('<li class="nb-note">本次未生成更正工作簿（运行 nebase validate 时按省份生成）。</li>')
    parts.append("</ul>")

    # by domain: one row per domain, one column per domain report type
    dom_types = [t for t in types if rcfg["types"][t]["over"] in ("domain", "domain_category")]
    if dom_types:
        parts.append('<h2 id="domains">按领域</h2><table class="nb-table"><thead><tr><th>领域</th>'
                     + "".join(f'<th id="{e(t, quote=True)}">{e(rcfg["types"][t]["title"])}</th>' for t in dom_types) + "</tr></thead><tbody>")
        domains = list(dict.fromkeys(r["domain"] for t in dom_types for r in by_type[t]))
        for d in domains:
            cells = []
            for t in dom_types:
                rs = [r for r in by_type[t] if r.get("domain") == d]
                if rcfg["types"][t]["over"] == "domain_category":
                    cells.append(" · ".join(a(r["href"], cats.get(r.get("category"), r.get("category") or "")) for r in rs))
                else:
                    cells.append(" · ".join(a(r["href"], "查看") for r in rs))
            parts.append(f"<tr><td><b>{e(d)}</b></td>" + "".join(f"<td>{c or '—'}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
        prof = [r for r in by_type.get("profiles", []) if r.get("anchors")]
        if prof:
            parts.append('<p class="nb-note">按申报主体查阅概况（展开各领域）：</p>')
            for r in prof:
                links = "、".join(a(r["href"] + "#" + anchor, text) for anchor, text in r["anchors"])
                parts.append(f'<details class="nb-applicants"><summary>{e(r.get("domain") or r["title"])}（{len(r["anchors"])} 个）</summary>'
                             f"<p>{links}</p></details>")

    for t in types:
        tcfg = rcfg["types"][t]
        if tcfg["over"] in ("domain", "domain_category") or t == "data_quality":
            continue
        items = by_type[t]
        if tcfg["over"] == "province":
            national = tcfg.get("national")
            first = [r for r in items if r.get("province") == national]
            rest = [r for r in items if r.get("province") != national]
            links = "".join(f"<li>{a(r['href'], r.get('province') or r['title'])}</li>" for r in first + rest)
            parts.append(f'<h2 id="{e(t, quote=True)}">{e(tcfg["title"])}（{len(items)} 份）</h2><ul class="nb-flow">{links}</ul>')
        else:
            links = "".join(f"<li>{a(r['href'], r['title'])}</li>" for r in items)
            parts.append(f'<h2 id="{e(t, quote=True)}">{e(tcfg["title"])}</h2><ul>{links}</ul>')
    parts.append("</main>")
    parts.append(f'<footer class="nb-footer">\n{footer_html(prov)}\n</footer></body></html>')
    out = Path(reports_dir) / "index.html"
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return out
