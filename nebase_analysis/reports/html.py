"""Export executed notebooks to self-contained HTML, and check that they are.

The ``nebase`` nbconvert template (``reports/templates/nebase``) extends JupyterLab's cell
markup but writes its own page head: inline CSS only, no require.js, no MathJax, no
``<script>`` or ``<link>`` at all; images stay embedded as ``data:`` URIs; code cells and
prompts are excluded; cells carry no ids (papermill's injected cell has a random one), so
the same notebook gives the same bytes. A footer states the provenance of the run.

Examples
--------
>>> import nbformat
>>> from nebase_analysis.reports.html import export_html, check_html
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 标题")])
>>> page = export_html(nb, title="测试", footer_html="<p>脚注</p>")
>>> check_html(page)
[]
"""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["TEMPLATE_DIR", "make_exporter", "export_html", "check_html", "report_css", "OUTSIDE_URL"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: an outside address in a src/href attribute, a CSS url() or an @import
OUTSIDE_URL = re.compile(
    r"""(?:\b(?:src|href|data|action|poster|srcset)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""",
    re.IGNORECASE,
)


def report_css() -> str:
    """The inline stylesheet of every report and of the index page."""
    return (TEMPLATE_DIR / "nebase" / "report.css").read_text(encoding="utf-8")


def make_exporter():
    """An ``HTMLExporter`` on the ``nebase`` template, inputs and prompts excluded.

    Build it once per process and reuse it: the template environment is compiled once.
    """
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="nebase",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
    )


def export_html(nb, *, title: str, footer_html: str, exporter=None) -> str:
    """Render an executed notebook as one self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    title : str
        The page title (escaped by the template).
    footer_html : str
        Trusted HTML for the footer (built by :func:`nebase_analysis.reports.index.footer_html`,
        which escapes every value it quotes).
    exporter : HTMLExporter, optional
        From :func:`make_exporter`, to reuse across notebooks.

    Returns
    -------
    str
        The page.
    """
    exporter = exporter or make_exporter()
    resources = {"nebase": {"title": title, "css": report_css(), "footer": footer_html}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def check_html(page: str) -> list[str]:
    """Problems that make a page unfit for an offline expert panel (empty list when fine).

    Looks for: any ``<script>`` or ``<link>`` element, any outside address in a
    ``src``/``href`` attribute or CSS, a visible code cell or prompt, an error output, and
    matplotlib's missing-glyph warning.

    Examples
    --------
    >>> check_html('<img src="https://example.org/a.png">')
    ['外部地址：src="https://']
    """
    problems = []
    for m in OUTSIDE_URL.finditer(page):
        problems.append(f"外部地址：{m.group(0)}")
    if re.search(r"<script\b", page, re.I):
        problems.append("含有 <script> 元素")
    if re.search(r"<link\b", page, re.I):
        problems.append("含有 <link> 元素")
    if re.search(r'class="[^"]*(?:jp-InputArea-editor|jp-CodeMirrorEditor|jp-InputPrompt|jp-OutputPrompt)', page):
        problems.append("含有代码单元或提示符")
    if re.search(r"Traceback|jp-OutputArea-error|data-mime-type=\"application/vnd.jupyter.stderr\"", page):
        problems.append("含有错误输出")
    if re.search(r"Glyph \d+ .*missing from font", page):
        problems.append("含有缺字警告")
    return problems
