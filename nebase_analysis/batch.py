"""The :class:`Batch`: every table of one national batch, as tidy DataFrames.

A ``Batch`` is what intake produces from ``data/raw`` and what
:func:`nebase_analysis.synth.national_batch` produces in memory; validation,
indicators and reports read it. On disk it is one Parquet file per table in
``data/processed``.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

#: table name -> the columns it always has (more may follow)
TABLE_COLUMNS: dict[str, list[str]] = {
    "applicants": ["applicant_id", "category", "province", "domain", "name"],
    "top_enterprises": ["applicant_id", "rank", "enterprise", "revenue", "business"],
    "top_products": ["applicant_id", "rank", "product", "sales", "market_share"],
    "texts": ["applicant_id", "section", "text"],
    "summary": ["province", "recommender", "seq", "applicant_unit", "name", "category", "domain", "source_file"],
    "rejected": ["path", "sheet", "cell", "field", "applicant_id", "scope", "value", "reason"],
    "cleaning_log": ["applicant_id", "field", "raw", "clean", "rule"],
}

#: table name -> standard columns added after the first release; older Parquet files lack them
#: and :meth:`Batch.from_parquet` adds them, empty
ADDED_COLUMNS: dict[str, list[str]] = {"rejected": ["value"]}


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the standard columns of table ``name``.

    Examples
    --------
    >>> list(empty_table("texts").columns)
    ['applicant_id', 'section', 'text']
    """
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TABLE_COLUMNS[name]})


@dataclasses.dataclass
class Batch:
    """All tables of one batch of applications.

    Attributes
    ----------
    applicants : DataFrame
        One row per applicant in the wide naming of ``fields.md`` (keys
        ``applicant_id, category, province, domain, name``, then every field;
        yearly fields as ``<id>_2023 .. <id>_2025, <id>_avg``).
    top_enterprises, top_products : DataFrame
        The lists of annexes 2 and 3, long, keyed by ``applicant_id`` and ``rank``.
    texts : DataFrame
        ``applicant_id, section, text``: the long texts and work-plan sections.
    summary : DataFrame
        The annex 1 rows (推荐汇总表) as read.
    rejected : DataFrame
        Every file, row or value not taken: ``path, sheet, cell, field, applicant_id,
        scope`` (``file``/``row``/``field``/``reconcile``), ``value`` (the text as typed
        that the reason quotes: the cell's content, the formula, the summary's entry;
        ``None`` for a file or row), ``reason``.
    cleaning_log : DataFrame
        Every change cleaning made: ``applicant_id, field, raw, clean, rule``.

    Examples
    --------
    >>> b = Batch.empty()
    >>> b.n_applicants
    0
    """

    applicants: pd.DataFrame
    top_enterprises: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("top_enterprises"))
    top_products: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("top_products"))
    texts: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("texts"))
    summary: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("summary"))
    rejected: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("rejected"))
    cleaning_log: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("cleaning_log"))

    @classmethod
    def empty(cls) -> "Batch":
        return cls(applicants=empty_table("applicants"))

    @property
    def n_applicants(self) -> int:
        return len(self.applicants)

    @staticmethod
    def table_names() -> list[str]:
        return [f.name for f in dataclasses.fields(Batch)]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in self.table_names()}

    def to_parquet(self, directory: str | Path) -> list[Path]:
        """Write each table as ``<directory>/<table>.parquet``; return the paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in self.tables().items():
            path = directory / f"{name}.parquet"
            write_parquet(frame, path)
            paths.append(path)
        return paths

    @classmethod
    def from_parquet(cls, directory: str | Path) -> "Batch":
        """Read a batch written by :meth:`to_parquet`.

        A table written before one of its columns existed (``rejected`` without ``value``)
        gets that column, all ``None`` (:data:`ADDED_COLUMNS`).

        Raises
        ------
        FileNotFoundError
            With a Chinese message naming the missing ``applicants.parquet``.
        """
        directory = Path(directory)
        path = directory / "applicants.parquet"
        if not path.exists():
            raise FileNotFoundError(f"未找到已处理的申报数据 {path}：请先运行 `nebase ingest`")
        tables = {}
        for name in cls.table_names():
            p = directory / f"{name}.parquet"
            frame = pd.read_parquet(p) if p.exists() else empty_table(name)
            for col in ADDED_COLUMNS.get(name, ()):
                if col not in frame.columns:  # an older file: the column, empty, where it belongs
                    at = TABLE_COLUMNS[name].index(col)
                    frame.insert(min(at, len(frame.columns)), col, pd.Series([None] * len(frame), index=frame.index, dtype=object))
            tables[name] = frame
        return cls(**tables)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Write one table as Parquet; object columns of mixed types are stored as text (pyarrow cannot mix).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.parquet"
    >>> write_parquet(pd.DataFrame({"raw": [1.5, "1,234", None]}), p)
    >>> pd.read_parquet(p)["raw"].tolist()
    ['1.5', '1,234', nan]
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col].dropna()}
            if len(kinds) > 1:
                out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))
    out.to_parquet(path, index=False)


#: kinds of the applicants columns that are not form fields (added by intake)
EXTRA_APPLICANT_KINDS = {"seq": "number", "in_summary": "bool", "source_file": "text"}


def type_applicants(frame: pd.DataFrame, config=None) -> pd.DataFrame:
    """Give every column of an applicants table the dtype of its field kind.

    Numbers, counts and yearly columns become ``float64``, dates ``datetime64[ns]``,
    yes/no fields ``boolean``, everything else ``str`` (missing stays missing). Kinds
    come from :func:`nebase_analysis.config.wide_columns`; ``seq``, ``in_summary`` and
    ``source_file`` are typed as in :data:`EXTRA_APPLICANT_KINDS`; other columns
    (``applicant_id``) are text. Intake and the synthetic batch both type with it.

    Examples
    --------
    >>> raw = pd.DataFrame({"applicant_id": ["P-GD-01"], "total_revenue_2024": ["12.5"],
    ...                     "filled_date": [pd.Timestamp("2026-04-01")], "attachment_1": [True]})
    >>> type_applicants(raw).dtypes.astype(str).tolist()
    ['str', 'float64', 'datetime64[ns]', 'boolean']
    """
    from nebase_analysis.config import wide_columns

    w = wide_columns(config)
    kinds = {**dict(zip(w["column"], w["kind"])), **EXTRA_APPLICANT_KINDS}
    out = {}
    for c in frame.columns:
        kind, s = kinds.get(c, "text"), frame[c]
        if kind in ("number", "count", "yearly"):
            out[c] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif kind == "date":
            out[c] = pd.to_datetime(s.astype(object).where(s.notna(), None)).astype("datetime64[ns]")
        elif kind == "bool":
            out[c] = s.astype("boolean")
        else:
            out[c] = s.astype(object).where(s.notna(), None).astype("str") if len(s) else s.astype("str")
    return pd.DataFrame(out, columns=frame.columns, index=frame.index)
