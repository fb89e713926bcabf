"""Outputs of a run made comparable with the golden copy: what differs between two identical runs
(the run's folder, timestamps, the bytes of raw workbooks that openpyxl stamps with the time of
writing) is masked; everything else is compared exactly."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_DROP = [re.compile(p, re.S) for p in (r"<script\b.*?</script>", r"<style\b.*?</style>", r"<svg\b.*?</svg>",
                                        r"<img\b[^>]*>")]
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")
_SHA = re.compile(r"\b[0-9a-f]{64}\b")
_TAG = re.compile(r"<[^>]+>")
_RAW_FILE = re.compile(r"^\S+\.(xlsx|docx|doc|xls|parquet)$")

#: the report pages kept as text (one per report type of the small run)
PAGES = ["ranking/software-enterprise.html", "ranking/software-park.html", "distribution/software.html",
         "profiles/software.html", "expert_panel/software.html", "data_quality.html", "province/national.html"]


def report_text(html: str, root: Path) -> str:
    """Visible text of ``html``, one non-empty line per block; the run's folder ``root``,
    timestamps, hashes and file sizes masked."""
    html = html.replace(str(root), "{root}")
    for pattern in _DROP:
        html = pattern.sub(" ", html)
    text = _STAMP.sub("<时间>", _SHA.sub("<sha256>", _TAG.sub("\n", html)))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    for i in range(1, len(lines)):
        if _RAW_FILE.match(lines[i - 1]) and lines[i].isdigit():
            lines[i] = "<字节数>"
    return "\n".join(lines) + "\n"


def table(path: Path, root: Path) -> pd.DataFrame:
    """A processed table with the run's folder ``root`` written as ``{root}`` in text columns."""
    frame = pd.read_parquet(path)
    prefix = str(root)
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: v.replace(prefix, "{root}") if isinstance(v, str) else v)
    return frame
