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

__all__ = ["sha256_file", "config_hash", "dotted", "package_version", "provenance", "footer_html", "write_index"]


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
    >>> config_hash({"fields": {}, "a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1, "fields": {}})
    True
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
        ``config_sha256``, ``config_values`` (``reports.footer_keys`` → value),
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
    values = {k: dotted(cfg, k, "（未配置）") for k in cfg["reports"]["footer_keys"]}
    return {
        "inputs": rows,
        "config_sha256": config_hash(cfg),
        "config_values": values,
        "version": package_version(),
        "generated_at": when or datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }


def _value_text(v: Any) -> str:
    if isinstance(v, (Mapping, list, tuple)):
        return json.dumps(_canonical(v), ensure_ascii=False, sort_keys=True)
    return str(v)


def footer_html(prov: Mapping[str, Any], *, max_inputs: int = 12) -> str:
    """The provenance block shown at the foot of every report (every value escaped).

    With more than ``max_inputs`` inputs, it lists the first ones and gives one combined
    checksum of all (the index page lists them all).
    """
    e = html.escape
    inputs = list(prov["inputs"])
    combined = hashlib.sha256("".join(f"{r['path']}\0{r['sha256']}\n" for r in inputs).encode()).hexdigest()
    lines = [
        "<table>",
        f"<tr><td>生成时间</td><td>{e(prov['generated_at'])}</td></tr>",
        f"<tr><td>软件版本</td><td>nebase-analysis {e(prov['version'])}</td></tr>",
        f"<tr><td>配置校验值</td><td><code>sha256:{e(prov['config_sha256'])}</code></td></tr>",
    ]
    for k, v in prov["config_values"].items():
        lines.append(f"<tr><td>配置 {e(k)}</td><td><code>{e(_value_text(v))}</code></td></tr>")
    lines.append(f"<tr><td>输入文件</td><td>{len(inputs)} 个，合并校验值 <code>sha256:{e(combined)}</code></td></tr>")
    for r in inputs[:max_inputs]:
        lines.append(f"<tr><td></td><td>{e(r['path'])} <code>sha256:{e(r['sha256'])}</code></td></tr>")
    if len(inputs) > max_inputs:
        lines.append(f"<tr><td></td><td>……其余 {len(inputs) - max_inputs} 个见索引页</td></tr>")
    lines.append("</table>")
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

    cfg = resolve_config(config)
    rcfg = cfg["reports"]
    e = html.escape
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for r in reports:
        by_type.setdefault(r["type"], []).append(r)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        "<title>国家新兴产业发展示范基地申报分析报告</title>",
        f"<style>\n{report_css()}\n</style></head><body><main class=\"nb-report\">",
        "<h1>国家新兴产业发展示范基地申报分析报告</h1>",
        f"<p>共 {len(reports)} 份报告" + (f"，<span class=\"nb-warn\">{len(failed)} 份生成失败</span>" if failed else "") + "。",
        "所有报告均为离线可读的单个 HTML 文件（图表已内嵌，不访问任何外部地址）。</p>",
    ]
    if failed:
        parts.append('<h2 id="failed">生成失败的报告</h2><ul>')
        for f in failed:
            parts.append(
                f'<li class="nb-warn">{e(f["title"])}：{e(f["error"])}（执行记录：'
                f'<a href="{e(f["notebook"], quote=True)}">{e(f["notebook"])}</a>）</li>'
            )
        parts.append("</ul>")
    for rtype in rcfg["order"]:
        items = by_type.get(rtype)
        if not items:
            continue
        tcfg = rcfg["types"][rtype]
        parts.append(f'<h2 id="{e(rtype, quote=True)}">{e(tcfg["title"])}（{len(items)} 份）</h2>')
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for r in items:
            key = r.get("domain") or r.get("province") or ""
            groups.setdefault(key, []).append(r)
        if len(groups) == 1 and "" in groups:
            parts.append("<ul>")
            for r in items:
                parts.append(f'<li><a href="{e(r["href"], quote=True)}">{e(r["title"])}</a></li>')
            parts.append("</ul>")
            continue
        parts.append('<ul class="nb-index">' if tcfg["over"] == "province" else "<ul>")
        for key, rs in groups.items():
            links = []
            for r in rs:
                label = category_labels(cfg).get(r.get("category"), "") if r.get("category") else ""
                links.append(f'<a href="{e(r["href"], quote=True)}">{e(label or key)}</a>')
                for anchor, text in r.get("anchors", []) or []:
                    links.append(f'<a class="nb-note" href="{e(r["href"] + "#" + anchor, quote=True)}">{e(text)}</a>')
            sep = "、" if r.get("anchors") else " · "
            parts.append(f"<li><b>{e(key)}</b>：{sep.join(links)}</li>")
        parts.append("</ul>")
    parts.append("<h2 id=\"inputs\">输入文件与校验值</h2><table class=\"nb-table\"><thead><tr><th>文件</th><th>字节</th><th>SHA-256</th></tr></thead><tbody>")
    for r in prov["inputs"]:
        parts.append(f"<tr><td>{e(r['path'])}</td><td>{r['bytes']}</td><td><code>{e(r['sha256'])}</code></td></tr>")
    parts.append("</tbody></table></main>")
    parts.append(f'<footer class="nb-footer">\n{footer_html(prov, max_inputs=0)}\n</footer></body></html>')
    out = Path(reports_dir) / "index.html"
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return out
