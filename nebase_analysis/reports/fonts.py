"""The CJK font every chart uses, and matplotlib settings that make charts reproducible.

The font ships in a pip-installable package (Noto Sans SC, SIL Open Font License 1.1,
named in ``config/reports.yaml``), so no system font package is needed. A glyph the font
cannot draw is an error, never a silent empty box.

Examples
--------
>>> from nebase_analysis.reports.fonts import font_path, configure_matplotlib
>>> font_path().suffix in {".otf", ".ttf"}
True
>>> configure_matplotlib()["font.family"]
['Noto Sans SC', 'DejaVu Sans']
"""
from __future__ import annotations

import importlib
import re
import warnings
from pathlib import Path
from typing import Any, Mapping

from nebase_analysis.config import resolve_config

__all__ = ["font_path", "configure_matplotlib", "missing_glyphs", "MissingGlyphError", "GLYPH_WARNING"]

#: matplotlib's warning text for a character its fonts cannot draw
GLYPH_WARNING = r"(?s).*Glyph .* missing from (current )?font"


class MissingGlyphError(RuntimeError):
    """A chart text has a character the configured font cannot draw."""


def font_path(config: str | Path | Mapping[str, Any] | None = None) -> Path:
    """Path of the CJK font file shipped by the configured font package.

    Parameters
    ----------
    config : path, mapping or None
        Configuration (see :func:`nebase_analysis.config.resolve_config`); reads ``reports.font``.

    Returns
    -------
    Path
        An existing ``.otf``/``.ttf`` file.

    Raises
    ------
    RuntimeError
        In Chinese, naming the package to install when the font is not there.

    Examples
    --------
    >>> font_path().name
    'NotoSansSC-Regular.otf'
    """
    fcfg = resolve_config(config)["reports"]["font"]
    try:
        module = importlib.import_module(fcfg["module"])
    except ImportError as exc:
        raise RuntimeError(
            f"未安装中文字体包 {fcfg['package']}：请运行 pip install {fcfg['package']}（或 make install）"
        ) from exc
    path = Path(module.__file__).resolve().parent / fcfg["file"]
    if not path.is_file():
        raise RuntimeError(f"中文字体文件不存在：{path}（字体包 {fcfg['package']} 不完整，请重新安装）")
    return path


def missing_glyphs(text: str, config: str | Path | Mapping[str, Any] | None = None) -> list[str]:
    """Characters of ``text`` that the configured CJK font has no glyph for (sorted, unique).

    Whitespace and control characters are ignored.

    Examples
    --------
    >>> missing_glyphs("国家新兴产业 ABC 12.5%")
    []
    >>> missing_glyphs("\\U0001F600")  # an emoji is not in Noto Sans SC
    ['😀']
    """
    cmap = _cmap(str(font_path(config)))
    return sorted({ch for ch in text if not ch.isspace() and ch.isprintable() and ord(ch) not in cmap})


_CMAPS: dict[str, frozenset[int]] = {}


def _cmap(path: str) -> frozenset[int]:
    # the character map of a font file never changes: cache it per path (read-only)
    if path not in _CMAPS:
        from fontTools.ttLib import TTFont

        with TTFont(path, lazy=True) as font:
            _CMAPS[path] = frozenset(font.getBestCmap())
    return _CMAPS[path]


def configure_matplotlib(config: str | Path | Mapping[str, Any] | None = None, *, strict: bool = True) -> dict[str, Any]:
    """Register the CJK font with matplotlib and set reproducible rcParams.

    Sets the font family (the CJK font first), ``axes.unicode_minus`` off (the CJK font's
    minus sign is used as is), ``svg.hashsalt`` and ``svg.fonttype`` for stable SVG output,
    and the configured DPI. With ``strict`` (the default) matplotlib's
    "Glyph ... missing from font" warning becomes an exception, so a character the font
    cannot draw stops the run instead of printing an empty box.

    Parameters
    ----------
    config : path, mapping or None
        Configuration; reads ``reports.font`` and ``reports.charts``.
    strict : bool
        Turn missing-glyph warnings into errors (``warnings.filterwarnings("error", ...)``).

    Returns
    -------
    dict
        The rcParams that were set.

    Examples
    --------
    >>> rc = configure_matplotlib()
    >>> rc["font.family"][0]
    'Noto Sans SC'
    """
    import matplotlib
    from matplotlib import font_manager

    full = resolve_config(config)
    cfg = full["reports"]
    path = font_path(full)
    names = {f.fname for f in font_manager.fontManager.ttflist}
    if str(path) not in names:
        font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    if family != cfg["font"]["family"]:
        raise RuntimeError(f"字体文件 {path.name} 的字体名为 {family}，与配置 reports.font.family={cfg['font']['family']} 不符")
    bad = missing_glyphs(cfg["font"]["probe_text"], full)
    if bad:
        raise MissingGlyphError(f"中文字体 {family} 缺少字符：{''.join(bad)}")
    charts = cfg["charts"]
    rc = {
        "font.family": [family, *cfg["font"].get("fallback_families", [])],
        "font.sans-serif": [family, *cfg["font"].get("fallback_families", [])],
        "axes.unicode_minus": False,
        "svg.hashsalt": str(charts["svg_hashsalt"]),
        "svg.fonttype": "path",
        "figure.dpi": charts["dpi"],
        "savefig.dpi": charts["dpi"],
        "figure.figsize": list(charts["figsize"]),
        "pdf.fonttype": 42,
    }
    matplotlib.rcParams.update(rc)
    if strict:
        warnings.filterwarnings("error", message=GLYPH_WARNING)
    return rc
