"""Round trips: Batch -> write_raw -> load_batch gives back the same values."""
import numpy as np
import pandas as pd
import pytest

from nebase_analysis.batch import Batch
from nebase_analysis.config import applicant_columns, field_schema, load_config
from nebase_analysis.intake import load_batch
from nebase_analysis.templates import write_raw

CFG = load_config()


def hand_batch() -> Batch:
    """Two applicants in 广东省 and one in 西藏自治区, every field filled by its kind."""
    schema = field_schema(CFG).set_index("id")
    rng = np.random.default_rng(7)
    rows, texts, tops_e, tops_p = [], [], [], []
    specs = [("P-GD-01", "park", "广东省", "人工智能", "深圳（南山）人工智能产业园"),
             ("E-GD-01", "enterprise", "广东省", "智能机器人", "ABC机器人（深圳）股份有限公司"),
             ("E-XZ-01", "enterprise", "西藏自治区", "清洁低碳氢", "西藏高原氢能科技有限公司")]
    for aid, cat, prov, dom, name in specs:
        rec = {"applicant_id": aid, "category": cat, "province": prov, "domain": dom, "name": name}
        for col in applicant_columns(cat, CFG)[5:]:
            base = col.rsplit("_", 1)[0] if col not in schema.index else col
            f = schema.loc[base]
            if f.kind in ("yearly", "number"):
                v = round(float(rng.uniform(-20, 80) if f.unit == "%" else rng.uniform(0, 5000)), 2)
            elif f.kind == "count":
                v = float(rng.integers(0, 300))
            elif f.kind == "date":
                v = pd.Timestamp("2026-04-01") - pd.Timedelta(days=int(rng.integers(1, 9000)))
            elif f.kind == "bool":
                v = bool(rng.integers(0, 2))
            elif f.kind == "choice":
                v = f.choices[0] if f.choices else prov
            else:
                v = f"{f.label}：{aid}第{int(rng.integers(1, 99))}号"
            rec[col] = v
        rec["province"] = prov
        rec["recommender"] = f"{prov}工业和信息化厅"
        if cat == "enterprise":
            rec["credit_code"] = "91350900587527783P" if aid == "E-GD-01" else "914403001922038216"
        rec["phone"] = "0755-86001234"
        rows.append(rec)
        for sec in ("plan_basis", "plan_tasks", "policy" if cat == "park" else "governance"):
            texts.append({"applicant_id": aid, "section": sec, "text": f"{name}{sec}\n第二段：包括“引号”和 2000 字以内的说明。"})
        if cat == "park":
            for k in range(1, 11):
                tops_e.append({"applicant_id": aid, "rank": k, "enterprise": f"企业{k}有限公司", "revenue": float(100 - k), "business": "服务器、算力"})
        else:
            for k in range(1, 6):
                tops_p.append({"applicant_id": aid, "rank": k, "product": f"产品{k}", "sales": round(10.5 - k, 2), "market_share": float(k * 3)})
    apps = pd.DataFrame(rows)
    return Batch(applicants=apps, top_enterprises=pd.DataFrame(tops_e), top_products=pd.DataFrame(tops_p), texts=pd.DataFrame(texts))


def assert_same_values(expected: pd.DataFrame, got: pd.DataFrame, key: list[str]) -> None:
    e = expected.sort_values(key).reset_index(drop=True)
    g = got.sort_values(key).reset_index(drop=True)
    assert e[key].astype(str).equals(g[key].astype(str))
    for c in e.columns:
        x, y = e[c], g[c]
        if c == "source_file":
            continue
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            np.testing.assert_array_equal(x.to_numpy(float), y.to_numpy(float), err_msg=c)
        elif pd.api.types.is_datetime64_any_dtype(x):
            assert pd.to_datetime(x).astype("datetime64[ns]").equals(y.astype("datetime64[ns]")), c
        else:
            xs = [None if pd.isna(v) else (bool(v) if isinstance(v, (bool, np.bool_)) else str(v)) for v in x]
            ys = [None if pd.isna(v) else (bool(v) if isinstance(v, (bool, np.bool_)) else str(v)) for v in y]
            assert xs == ys, c


def test_hand_made_batch_round_trip(tmp_path):
    b = hand_batch()
    manifest = write_raw(b, tmp_path)
    assert (manifest.category == "summary").sum() == 2
    got = load_batch(tmp_path, progress=False)
    assert got.rejected.empty, got.rejected.reason.tolist()
    assert got.cleaning_log.empty  # nothing needed cleaning
    cols = list(b.applicants.columns)
    assert_same_values(b.applicants, got.applicants[cols], ["applicant_id"])
    # dtypes of the contract
    a = got.applicants
    assert a["total_revenue_2024"].dtype == "float64" and a["invention_patents"].dtype == "float64"
    assert str(a["filled_date"].dtype) == "datetime64[ns]" and str(a["is_high_tech"].dtype) == "boolean"
    assert a.loc[a.applicant_id == "E-GD-01", "credit_code"].item() == "91350900587527783P"
    assert a.loc[a.applicant_id == "E-GD-01", "phone"].item() == "0755-86001234"
    assert a.source_file.tolist()[0].startswith("applications/")
    assert_same_values(b.top_enterprises, got.top_enterprises, ["applicant_id", "rank"])
    assert_same_values(b.top_products, got.top_products, ["applicant_id", "rank"])
    assert_same_values(b.texts, got.texts, ["applicant_id", "section"])
    assert got.summary.applicant_id.tolist() == ["P-GD-01", "E-GD-01", "E-XZ-01"]
    # Parquet round trip of what intake produced
    got.to_parquet(tmp_path / "processed")
    back = Batch.from_parquet(tmp_path / "processed")
    assert back.applicants.shape == got.applicants.shape


def test_raw_values_overrides_are_cleaned_and_logged(tmp_path):
    b = hand_batch()
    raw = pd.DataFrame(
        [
            ("E-GD-01", "total_revenue_2024", "1,234.5"),
            ("E-GD-01", "total_revenue_growth_2024", "12.3%"),
            ("E-GD-01", "invention_patents", "１２３"),
            ("E-GD-01", "taxes_2023", "3000万元"),
            ("E-GD-01", "taxes_2024", "约5亿"),
            ("E-GD-01", "taxes_2025", "无"),
            ("E-GD-01", "domain_rd_2023", "—"),
            ("E-GD-01", "province", "粤"),
            ("E-GD-01", "domain", "机器人"),
            ("E-GD-01", "founded_date", "2011年3月5日"),
            ("E-GD-01", "top_products.2.sales", "8.5亿元"),
            ("P-GD-01", "total_revenue_2023", 30000.0),  # unit slip in a plain number: kept
        ],
        columns=["applicant_id", "field", "raw"],
    )
    write_raw(b, tmp_path, raw_values=raw)
    got = load_batch(tmp_path, progress=False)
    a = got.applicants.set_index("applicant_id")
    e = a.loc["E-GD-01"]
    assert e.total_revenue_2024 == 1234.5 and e.total_revenue_growth_2024 == 12.3 and e.invention_patents == 123
    assert e.taxes_2023 == pytest.approx(0.3) and e.taxes_2024 == 5.0
    assert np.isnan(e.taxes_2025) and np.isnan(e.domain_rd_2023)
    assert e.province == "广东省" and e.domain == "智能机器人"
    assert e.founded_date == pd.Timestamp("2011-03-05")
    assert a.loc["P-GD-01", "total_revenue_2023"] == 30000.0
    tp = got.top_products.set_index(["applicant_id", "rank"])
    assert tp.loc[("E-GD-01", 2), "sales"] == 8.5
    log = got.cleaning_log.set_index("field")
    assert log.loc["taxes_2023", "rule"] == "unit_converted:万元->亿元" and log.loc["taxes_2023", "raw"] == "3000万元"
    assert log.loc["taxes_2025", "rule"] == "missing_token"
    assert log.loc["domain", "rule"] == "domain_alias" and log.loc["province", "clean"] == "广东省"
    assert "total_revenue_2023" not in log.index  # plain numbers are never changed
    # 约5亿 is read as 5 and reported back to the province, nothing else is
    assert got.rejected[["field", "scope"]].values.tolist() == [["taxes_2024", "reconcile"]], got.rejected.reason.tolist()


@pytest.mark.slow
def test_national_batch_round_trip_fault_free(tmp_path):
    synth = pytest.importorskip("nebase_analysis.synth")
    b = synth.national_batch(seed=0, fault_rate=0)
    write_raw(b, tmp_path)
    got = load_batch(tmp_path, progress=False)
    assert got.rejected.empty, got.rejected.head().to_dict("records")
    assert got.n_applicants == 418 == b.n_applicants
    cols = [c for c in b.applicants.columns if c != "source_file"]
    assert_same_values(b.applicants[cols], got.applicants[cols], ["applicant_id"])
    for name, key in (("top_enterprises", ["applicant_id", "rank"]), ("top_products", ["applicant_id", "rank"]), ("texts", ["applicant_id", "section"])):
        assert_same_values(getattr(b, name), getattr(got, name), key)
    # no field the form requires is empty
    schema = field_schema(CFG)
    for cat in ("park", "enterprise"):
        req = schema[schema.required & schema.forms.map(lambda f: cat in f) & (schema.kind != "longtext")].id
        cols = [c for c in applicant_columns(cat, CFG) if c in set(req) or c.rsplit("_", 1)[0] in set(req)]
        part = got.applicants[got.applicants.category == cat][cols]
        assert not part.isna().any().any(), part.columns[part.isna().any()].tolist()


@pytest.mark.slow
def test_national_batch_with_faults_reads_back_as_synth_says(tmp_path):
    synth = pytest.importorskip("nebase_analysis.synth")
    s = synth.generate(seed=1, fault_rate=0.05)
    write_raw(s.batch, tmp_path, raw_values=s.raw_values)
    got = load_batch(tmp_path, progress=False)
    assert got.n_applicants == s.batch.n_applicants
    # every summary applicant is read (the faults are in values, not files)
    assert set(got.summary.applicant_id) == set(got.applicants.applicant_id)
    cols = [c for c in s.batch.applicants.columns if c != "source_file"]
    assert_same_values(s.batch.applicants[cols], got.applicants[cols], ["applicant_id"])
    # every raw override that cleaning changes is in the log, every one it cannot read in rejected
    changed = s.raw_values[s.raw_values.raw.str.strip() != ""]
    logged = set(zip(got.cleaning_log.applicant_id, got.cleaning_log.field))
    unread = set(zip(got.rejected.applicant_id, got.rejected.field))
    assert unread and {(a, f) for a, f in zip(changed.applicant_id, changed.field)} == logged - {(None, "province")} | unread
    # and the in-memory batch lists exactly the rejected rows intake writes
    cols = list(got.rejected.columns)
    assert list(s.batch.rejected.columns) == cols
    key = ["applicant_id", "field"]
    assert_same_values(s.batch.rejected, got.rejected, key)
