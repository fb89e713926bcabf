"""Notebook set-up and the chart helpers shared by the report notebooks.

Every chart is rendered by :func:`show`: PNG bytes with fixed metadata (so the same data
gives the same bytes), every text checked against the CJK font (a character the font
cannot draw raises :class:`~nebase_analysis.reports.fonts.MissingGlyphError`), embedded in
the notebook as an image, the figure closed. Tables go through :func:`html_table`, which
escapes every value (applicants' names and texts are untrusted) and emits no random ids.

Examples
--------
>>> import pandas as pd
>>> from nebase_analysis.reports.charts import html_table
>>> html_table(pd.DataFrame({"名称": ["<b>甲</b>"]})).data.count("&lt;b&gt;")
1
"""
from __future__ import annotations

import html as _html
import io
import numbers
from pathlib import Path
from typing import Any, Mapping, Sequence

from nebase_analysis.config import resolve_config

__all__ = [
    "setup_notebook",
    "show",
    "html_table",
    "html_text",
    "figure_png",
    "figure_texts",
    "bar",
    "barh",
    "heatmap",
    "box_by_group",
    "rank_intervals",
    "distinct_labels",
    "radar",
    "RadarRenderer",
    "show_png",
    "html_link",
    "stacked_barh",
    "indicator_grid",
]


def setup_notebook(config: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Prepare a report notebook: Agg backend, CJK font, strict glyph checks, pandas display.

    Call it in the first code cell after the parameters. Returns the full configuration so
    the notebook passes the same object to every package function.

    Examples
    --------
    >>> cfg = setup_notebook()
    >>> import matplotlib
    >>> matplotlib.rcParams["font.family"][0]
    'Noto Sans SC'
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    from nebase_analysis.reports.fonts import configure_matplotlib

    cfg = resolve_config(config)
    configure_matplotlib(cfg, strict=True)
    return cfg


def figure_texts(fig) -> list[str]:
    """Every visible text string of a matplotlib figure (titles, labels, tick labels, legends)."""
    from matplotlib.text import Text

    out = []
    for t in fig.findobj(Text):
        s = t.get_text()
        if s and t.get_visible():
            out.append(s)
    return out


def figure_png(fig, config: str | Path | Mapping[str, Any] | None = None) -> bytes:
    """Render ``fig`` to PNG bytes, reproducibly, after checking its glyphs.

    Raises
    ------
    MissingGlyphError
        When a text of the figure has a character the CJK font cannot draw.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.set_title("排名")
    >>> figure_png(fig) == figure_png(fig)
    True
    """
    from nebase_analysis.reports.fonts import MissingGlyphError, missing_glyphs

    cfg = resolve_config(config)
    charts = cfg["reports"]["charts"]
    bad = missing_glyphs("".join(figure_texts(fig)), cfg)
    if bad:
        raise MissingGlyphError(f"图表文字中有字体无法显示的字符：{''.join(bad)}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=charts["dpi"], bbox_inches="tight", metadata=dict(charts["png_metadata"]))
    return buf.getvalue()


def show(fig, config: str | Path | Mapping[str, Any] | None = None) -> None:
    """Display ``fig`` as an embedded PNG and close it.

    Returns nothing, so a ``charts.show(...)`` on the last line of a cell is not shown twice.
    """
    import matplotlib.pyplot as plt

    try:
        data = figure_png(fig, config)
    finally:
        plt.close(fig)
    show_png(data)


def html_table(frame, *, index: bool = False, float_format: str = "{:,.2f}", caption: str | None = None, max_rows: int | None = None,
               formats: Mapping[str, str] | None = None, empty: str | None = None):
    """An escaped HTML table (IPython ``HTML``) with no random ids.

    Every cell, header and the caption are HTML-escaped: applicants' names and texts can
    hold ``<``, ``&`` or script. Numbers are formatted with ``formats[column]`` where given
    (e.g. ``"{:.0f}"`` for ranks, ``"{:.0%}"`` for probabilities), other floats with
    ``float_format``; missing values show as ``—``. A frame without rows gives the
    sentence ``empty`` (when given) instead of a table of headers only.

    Examples
    --------
    >>> import pandas as pd
    >>> h = html_table(pd.DataFrame({"得分": [1.234, None]})).data
    >>> "1.23" in h and "—" in h
    True
    >>> html_table(pd.DataFrame({"名次": [3.0], "概率": [0.955]}), formats={"名次": "{:.0f}", "概率": "{:.0%}"}).data.count("<td>")
    2
    >>> html_table(pd.DataFrame({"标记": []}), empty="无").data
    '<p class="nb-note">无</p>'
    """
    import pandas as pd
    from IPython.display import HTML

    df = frame if max_rows is None else frame.head(max_rows)
    if empty is not None and len(df) == 0:
        return HTML(f'<p class="nb-note">{_html.escape(empty)}</p>')
    formats = dict(formats or {})

    def fmt(v, col=None):
        if v is None or (not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v)):
            return "—"
        if col in formats and isinstance(v, numbers.Number) and not isinstance(v, bool):
            return formats[col].format(v)
        if isinstance(v, float):
            return float_format.format(v)
        return str(v)

    cols = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    parts = ['<table class="nb-table">']
    if caption:
        parts.append(f"<caption>{_html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{_html.escape(c)}</th>" for c in cols) + "</tr></thead><tbody>")
    for idx, row in zip(df.index, df.itertuples(index=False, name=None)):
        cells = ([fmt(idx)] if index else []) + [fmt(v, c) for v, c in zip(row, df.columns)]
        parts.append("<tr>" + "".join(f"<td>{_html.escape(c)}</td>" for c in cells) + "</tr>")
    parts.append("</tbody></table>")
    return HTML("".join(parts))


def html_text(text: str, *, tag: str = "p", anchor: str | None = None, cls: str | None = None):
    """Escaped text in one HTML element (IPython ``HTML``), optionally with an ``id`` anchor."""
    from IPython.display import HTML

    attrs = ""
    if anchor is not None:
        attrs += f' id="{_html.escape(anchor, quote=True)}"'
    if cls is not None:
        attrs += f' class="{_html.escape(cls, quote=True)}"'
    return HTML(f"<{tag}{attrs}>{_html.escape(text)}</{tag}>")


def _palette(cfg, n):
    pal = list(cfg["reports"]["charts"]["palette"])
    return [pal[i % len(pal)] for i in range(n)]


def _fig(cfg, size=None):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size or tuple(cfg["reports"]["charts"]["figsize"]))


def bar(labels: Sequence[str], values: Sequence[float], *, title: str, ylabel: str = "", reference: float | None = None,
        reference_label: str = "", config=None):
    """Vertical bars with an optional horizontal reference line; returns the figure."""
    cfg = resolve_config(config)
    fig, ax = _fig(cfg)
    ax.bar(range(len(values)), values, color=_palette(cfg, 1)[0])
    ax.set_xticks(range(len(labels)), [str(s) for s in labels], rotation=60, ha="right", fontsize=8)
    if reference is not None:
        ax.axhline(reference, color="#b03a48", lw=1, ls="--", label=reference_label or None)
        if reference_label:
            ax.legend(fontsize=8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return fig


def barh(labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str = "", colors=None, config=None):
    """Horizontal bars (top to bottom in the given order); returns the figure."""
    cfg = resolve_config(config)
    n = len(values)
    fig, ax = _fig(cfg, (8.0, max(2.5, 0.28 * n + 1.0)))
    ax.barh(range(n), values, color=colors or _palette(cfg, 1)[0])
    ax.set_yticks(range(n), [str(s) for s in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return fig


def heatmap(matrix, *, title: str, fmt: str = "{:.0f}", cmap: str = "Blues", config=None):
    """Annotated heatmap of a DataFrame (rows × columns); returns the figure."""
    import numpy as np

    cfg = resolve_config(config)
    nr, nc = matrix.shape
    fig, ax = _fig(cfg, (max(6.0, 0.42 * nc + 2.5), max(3.0, 0.3 * nr + 1.5)))
    vals = matrix.to_numpy(dtype=float)
    im = ax.imshow(np.where(np.isnan(vals), 0.0, vals), cmap=cmap, aspect="auto")
    ax.set_xticks(range(nc), [str(c) for c in matrix.columns], rotation=75, ha="right", fontsize=8)
    ax.set_yticks(range(nr), [str(r) for r in matrix.index], fontsize=8)
    top = np.nanmax(vals) if np.isfinite(vals).any() else 0.0
    for i in range(nr):
        for j in range(nc):
            v = vals[i, j]
            if np.isfinite(v) and v != 0:
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=6,
                        color="white" if top and v > 0.6 * top else "black")
    fig.colorbar(im, ax=ax, fraction=0.03)
    ax.set_title(title)
    return fig


def box_by_group(values: Mapping[str, Sequence[float]], *, title: str, ylabel: str = "", reference: float | None = None,
                 config=None):
    """Box plots of several groups side by side (e.g. park / enterprise / national)."""
    cfg = resolve_config(config)
    fig, ax = _fig(cfg, (5.5, 3.4))
    labels = list(values)
    data = [list(values[k]) for k in labels]
    ax.boxplot(data, tick_labels=labels, showfliers=True)
    if reference is not None:
        ax.axhline(reference, color="#b03a48", lw=1, ls="--")
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    return fig


def distinct_labels(frame, label: str = "name", *, province: str = "province", applicant_id: str = "applicant_id",
                    config=None) -> list[str]:
    """Chart labels that tell applicants apart: a repeated name gets its province, then its id.

    A name shown once stays as it is. A name shared by several rows gets the short name of
    each row's province (``provinces.yaml`` ``short``), e.g. ``某公司（吉林）`` and
    ``某公司（浙江）``; where the name and province are both shared (or the province is
    unknown), the applicant id as well. A missing (or blank) name is shown as the
    applicant id, or as ``reports.labels.unnamed`` without one. Columns absent from
    ``frame`` are skipped.

    Parameters
    ----------
    frame : DataFrame
        One row per applicant, in chart order.
    label : str
        The column of the names.
    province, applicant_id : str
        The columns of the canonical province and of the id (used when present).
    config : path, mapping or None
        The province short names (``provinces.yaml``) and ``reports.labels.unnamed``.

    Returns
    -------
    list of str
        One label per row of ``frame``, in its order.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"applicant_id": ["E-JL-01", "E-ZJ-12", "E-ZJ-13", "E-ZJ-14", "E-ZJ-15"],
    ...                   "name": ["甲公司", "甲公司", "乙公司", "乙公司", None],
    ...                   "province": ["吉林省", "浙江省", "浙江省", "浙江省", "浙江省"]})
    >>> distinct_labels(f)
    ['甲公司（吉林）', '甲公司（浙江）', '乙公司（浙江 · E-ZJ-13）', '乙公司（浙江 · E-ZJ-14）', 'E-ZJ-15']
    """
    import pandas as pd

    from nebase_analysis.config import province_table

    def text(v) -> str | None:
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) or not str(v).strip() else str(v).strip()

    ids = [text(v) for v in frame[applicant_id]] if applicant_id in frame else [None] * len(frame)
    names = [text(v) for v in frame[label]]
    cfg = None
    if any(n is None for n in names):
        cfg = resolve_config(config)
        unnamed = cfg["reports"]["labels"]["unnamed"]
        names = [n if n is not None else (i or unnamed) for n, i in zip(names, ids)]
    repeated = {n for n in names if names.count(n) > 1}
    if not repeated:
        return names
    cfg = cfg or resolve_config(config)
    pt = province_table(cfg)
    short = dict(zip(pt["name"], pt["short"]))
    provs = [short.get(v, v) if isinstance(v, str) and v else None for v in frame[province]] if province in frame else [None] * len(names)
    pairs = list(zip(names, provs))
    out = []
    for n, p, i in zip(names, provs, ids):
        if n not in repeated:
            out.append(n)
            continue
        parts = [p] if p else []
        if (not p or pairs.count((n, p)) > 1) and i:
            parts.append(i)
        out.append(f"{n}（{' · '.join(parts)}）" if parts else n)
    return out


def _legend_outside(ax, **kwargs):
    """A legend to the right of the plotting area, where it cannot cover a bar or a marker."""
    return ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, **kwargs)


def rank_intervals(frame, *, label: str, rank: str, low: str, high: str, status: str | None = None, title: str, config=None):
    """Ranks with their intervals as horizontal error bars, coloured by selection status.

    The applicants are labelled by :func:`distinct_labels` (a repeated ``label`` gets its
    province, then its id, where ``frame`` has ``province`` / ``applicant_id``); the status
    legend sits outside the plotting area, to the right.
    """
    import numpy as np

    cfg = resolve_config(config)
    colors = cfg["reports"]["charts"]["status_colors"]
    n = len(frame)
    fig, ax = _fig(cfg, (8.0, max(2.5, 0.3 * n + 1.2)))
    y = np.arange(n)
    r = frame[rank].to_numpy(dtype=float)
    lo = frame[low].to_numpy(dtype=float)
    hi = frame[high].to_numpy(dtype=float)
    cols = [colors.get(s, "#1f5fa8") for s in frame[status]] if status else ["#1f5fa8"] * n
    for i in range(n):
        ax.errorbar(r[i], y[i], xerr=[[max(r[i] - lo[i], 0)], [max(hi[i] - r[i], 0)]], fmt="o", color=cols[i], ms=4, capsize=2)
    ax.set_yticks(y, distinct_labels(frame, label, config=cfg), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("名次（点：最终名次；线：名次区间）")
    if status:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], marker="o", ls="", color=c, label=s) for s, c in colors.items() if s in set(frame[status])]
        if handles:
            _legend_outside(ax, handles=handles)
    ax.set_title(title)
    return fig


def _radar_axes(fig, labels: Sequence[str], names: Sequence[str], cfg, title: str):
    """Polar axes with the radar's fixed parts; returns ``(ax, lines, fills)`` (one per series, empty data)."""
    import numpy as np
    from matplotlib.patches import Polygon

    k = len(labels)
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
    ax = fig.add_subplot(projection="polar")
    lines, fills = [], []
    for name, col in zip(names, _palette(cfg, len(names))):
        (ln,) = ax.plot(np.r_[ang, ang[:1]], np.zeros(k + 1), color=col, lw=1.5, label=name)
        poly = Polygon(np.zeros((k + 1, 2)), closed=True, color=col, alpha=0.12, lw=0)
        ax.add_patch(poly)
        lines.append(ln)
        fills.append(poly)
    ax.set_xticks(ang, [str(s) for s in labels], fontsize=8)
    # axis labels clear of the outer ring: aligned away from the centre, with a gap
    for lab, a in zip(ax.get_xticklabels(), ang):
        c, s = np.cos(a), np.sin(a)  # angle 0 points right (matplotlib's polar default)
        lab.set_horizontalalignment("left" if c > 0.1 else "right" if c < -0.1 else "center")
        lab.set_verticalalignment("bottom" if s > 0.1 else "top" if s < -0.1 else "center")
    ax.tick_params(axis="x", pad=4)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75], ["25", "50", "75"], fontsize=6, color="#7f7f7f")
    ax.set_rlabel_position(90 + 180 / max(k, 1))  # between the first two axes, off any axis line
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    ax.set_title(title, fontsize=10, pad=22)
    return ax, ang, lines, fills


def _radar_set(ang, lines, fills, series: Sequence[Sequence[float]]) -> None:
    import numpy as np

    for vals, ln, poly in zip(series, lines, fills):
        v = np.asarray(vals, dtype=float)
        v = np.where(np.isfinite(v), v, 0.0)
        r = np.r_[v, v[:1]]
        ln.set_ydata(r)
        poly.set_xy(np.column_stack([np.r_[ang, ang[:1]], r]))


def radar(labels: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, config=None):
    """Radar chart of several series over the same axes (values on a common 0–100 scale).

    Missing values are drawn at 0. For many charts with the same axes (one per applicant),
    :class:`RadarRenderer` draws the same chart on one reused figure, several times faster.
    """
    import matplotlib.pyplot as plt

    cfg = resolve_config(config)
    fig = plt.figure(figsize=tuple(cfg["reports"]["charts"]["radar_figsize"]))
    _, ang, lines, fills = _radar_axes(fig, labels, list(series), cfg, title)
    _radar_set(ang, lines, fills, list(series.values()))
    return fig


class RadarRenderer:
    """PNG radar charts, one per applicant, drawn on one reused figure per set of axes.

    Creating a polar figure and finding its tight bounding box costs more than drawing it.
    The renderer builds one figure per ``(labels, series names)``, checks its texts against
    the CJK font and measures its tight bounding box once, then for every chart only updates
    the lines and filled polygons and saves with that fixed box (one draw per chart). The
    axes have fixed limits (0–100), so the box does not depend on the data; the bytes of
    a chart depend only on its own data.

    Examples
    --------
    >>> cfg = setup_notebook()
    >>> r = RadarRenderer(title="维度得分", config=cfg)
    >>> a = r.png(["甲", "乙", "丙"], {"本主体": [10, 50, 90], "同组中位数": [50, 50, 50]})
    >>> b = r.png(["甲", "乙", "丙"], {"本主体": [90, 50, 10], "同组中位数": [50, 50, 50]})
    >>> a[:4] == b"\\x89PNG" and a != b
    True
    >>> a == r.png(["甲", "乙", "丙"], {"本主体": [10, 50, 90], "同组中位数": [50, 50, 50]})
    True
    >>> r.close()
    """

    def __init__(self, *, title: str, config=None):
        self.cfg = resolve_config(config)
        self.title = title
        self._figs: dict = {}

    def _figure(self, labels: tuple, names: tuple):
        key = (labels, names)
        if key not in self._figs:
            from matplotlib.figure import Figure
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            from nebase_analysis.reports.fonts import MissingGlyphError, missing_glyphs

            charts = self.cfg["reports"]["charts"]
            fig = Figure(figsize=tuple(charts["radar_figsize"]), dpi=charts["dpi"])
            FigureCanvasAgg(fig)
            _, ang, lines, fills = _radar_axes(fig, labels, names, self.cfg, self.title)
            bad = missing_glyphs("".join(figure_texts(fig)), self.cfg)
            if bad:
                raise MissingGlyphError(f"图表文字中有字体无法显示的字符：{''.join(bad)}")
            bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)  # what bbox_inches="tight" uses
            self._figs[key] = (fig, ang, lines, fills, bbox)
        return self._figs[key]

    def png(self, labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> bytes:
        """The chart of ``series`` (name → one value per label, 0–100) as PNG bytes."""
        fig, ang, lines, fills, bbox = self._figure(tuple(str(s) for s in labels), tuple(series))
        _radar_set(ang, lines, fills, list(series.values()))
        charts = self.cfg["reports"]["charts"]
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=charts["dpi"], bbox_inches=bbox, metadata=dict(charts["png_metadata"]))
        return buf.getvalue()

    def close(self) -> None:
        """Drop the figures."""
        self._figs.clear()


def show_png(data: bytes) -> None:
    """Display PNG bytes (e.g. from :meth:`RadarRenderer.png`) as an embedded image."""
    from IPython.display import Image, display

    display(Image(data=data, format="png"))


def html_link(href: str, text: str):
    """An escaped link to a *relative* address (outside addresses are refused: reports work offline)."""
    from IPython.display import HTML

    if "://" in href or href.startswith("//"):
        raise ValueError(f"报告只能链接本地文件：{href}")
    return HTML(f'<p><a href="{_html.escape(href, quote=True)}">{_html.escape(text)}</a></p>')


def stacked_barh(wide, *, title: str, xlabel: str = "", config=None):
    """Horizontal stacked bars: rows of ``wide`` are bars, columns the stacked parts (legend, right of the bars)."""
    import numpy as np

    cfg = resolve_config(config)
    n = len(wide)
    fig, ax = _fig(cfg, (8.0, max(2.5, 0.3 * n + 1.5)))
    left = np.zeros(n)
    for col, colour in zip(wide.columns, _palette(cfg, len(wide.columns))):
        v = wide[col].to_numpy(dtype=float)
        v = np.where(np.isfinite(v), v, 0.0)
        ax.barh(range(n), v, left=left, color=colour, label=str(col))
        left = left + v
    ax.set_yticks(range(n), [str(s) for s in wide.index], fontsize=8)
    ax.invert_yaxis()
    _legend_outside(ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return fig


def indicator_grid(long, domain: str, *, title: str, ncols: int = 4, config=None):
    """Small multiples: one box plot per indicator, the domain's values beside the national ones.

    ``long`` holds one category (``indicator, label, domain, raw``). Indicators the domain
    has no value for (not in its indicator set) are left out. The grid has a fixed layout
    (margins in inches from ``reports.charts.grid``), not ``tight_layout``: measuring every
    small axes' tick labels twice cost more than drawing them.
    """
    import math

    from matplotlib.figure import Figure

    cfg = resolve_config(config)
    g = cfg["reports"]["charts"]["grid"]
    has = long.loc[(long["domain"] == domain) & long["raw"].notna(), "indicator"]
    inds = [i for i in dict.fromkeys(long["indicator"]) if i in set(has)]
    labels = long.drop_duplicates("indicator").set_index("indicator")["label"]
    nrows = max(1, math.ceil(len(inds) / ncols))
    w, h = g["cell"][0] * ncols, g["cell"][1] * nrows + g["top"] + g["bottom"]
    fig = Figure(figsize=(w, h))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    fig.subplots_adjust(left=g["left"] / w, right=1 - g["right"] / w, top=1 - g["top"] / h, bottom=g["bottom"] / h,
                        wspace=g["wspace"], hspace=g["hspace"])
    colour = _palette(cfg, 1)[0]
    for ax, ind in zip(axes.flat, inds):
        sub = long[long["indicator"] == ind]
        dom = sub.loc[sub["domain"] == domain, "raw"].dropna().to_numpy()
        nat = sub["raw"].dropna().to_numpy()
        ax.boxplot([dom, nat], tick_labels=["本领域", "全国"], widths=0.6, patch_artist=True,
                   boxprops={"facecolor": colour, "alpha": 0.35}, flierprops={"markersize": 3})
        ax.set_title(_wrap(str(labels[ind]), g.get("title_chars", 14)), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(inds):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10, y=1 - 0.15 / h, va="top")  # in the top margin, above the subplot titles
    return fig


def _wrap(text: str, width: int) -> str:
    """Break a (Chinese) label into lines of at most ``width`` characters, at most two lines.

    Examples
    --------
    >>> _wrap("主导产业营业收入年均增长率（2023—2025年）", 14)
    '主导产业营业收入年均增长率\\n（2023—2025年）'
    >>> _wrap("智能工厂占比", 14)
    '智能工厂占比'
    """
    if len(text) <= width:
        return text
    cut = text.find("（")
    if 0 < cut <= width and len(text) - cut <= width + 2:
        return text[:cut] + "\n" + text[cut:]
    return text[:width] + "\n" + text[width:]
