"""A small processed batch with the shapes the stages write (for the report tests).

Columns follow the stages' documented outputs: ``Batch.applicants`` (DEVELOPING.md),
validation ``issues``, composite ``contributions`` / ``dimension_scores``, the ranking
stage's ``final_ranking`` / ``method_comparison`` / ``expert_aggregate`` / ``reliability``
/ ``expert_flags``, and the long ``expert_scores``. Values are seeded random numbers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: an applicant name that must come out escaped in every report
NASTY = "<script>alert(1)</script>&甲园区"


def write_small_batch(directory: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    provs = [("广东省", "GD"), ("北京市", "BJ"), ("西藏自治区", "XZ")]
    domains = ["软件", "人工智能"]
    rows = []
    for d in domains:
        for cat, pre in (("park", "P"), ("enterprise", "E")):
            for k in range(4):
                prov, code = provs[k % 3]
                aid = f"{pre}-{code}-{len(rows) + 1:02d}"
                name = NASTY if not rows else f"{prov[:2]}{d}{'园区' if cat == 'park' else '企业'}{k}"
                rows.append({"applicant_id": aid, "category": cat, "province": prov, "domain": d, "name": name})
    app = pd.DataFrame(rows)
    app.to_parquet(directory / "applicants.parquet", index=False)
    n = len(app)
    issues = pd.DataFrame({
        "applicant_id": app["applicant_id"].iloc[[0, 0, 3, 5, 9]].tolist(),
        "province": app["province"].iloc[[0, 0, 3, 5, 9]].tolist(),
        "category": app["category"].iloc[[0, 0, 3, 5, 9]].tolist(),
        "domain": app["domain"].iloc[[0, 0, 3, 5, 9]].tolist(),
        "field": ["total_revenue_2024", "name", "province", "plan_tasks", "total_revenue_avg"],
        "reported": ["12", "x", "", "", "3"], "expected": ["1.2", "", "", "", "2"],
        "rule": ["unit_slip", "duplicate_name", "quota", "text_limit", "avg_consistency"],
        "severity": ["error", "warning", "error", "info", "warning"],
        "message": ["营业收入疑似万元/亿元错填 <b>", "名称重复", "超出推荐名额", "文本超过2000字", "平均值与三年数据不符"],
    })
    issues.to_parquet(directory / "issues.parquet", index=False)
    dims = {"park": ["产业集群发展", "产业协同创新", "产业生态优化", "产业治理提升"], "enterprise": ["产品开发", "技术创新", "业态创新", "管理效能"]}
    contrib, dim_rows = [], []
    for a in app.itertuples():
        for j, dim in enumerate(dims[a.category]):
            s = float(rng.uniform(20, 95))
            dim_rows.append({"applicant_id": a.applicant_id, "peer_group": f"{a.domain}|{a.category}", "dimension": dim,
                             "dimension_score": s, "dimension_weight": 0.25, "contribution": s / 4})
            raw = float(rng.lognormal(2, 1)) * (1000 if (a.Index == 2 and j == 0) else 1)
            contrib.append({"applicant_id": a.applicant_id, "peer_group": f"{a.domain}|{a.category}", "indicator": f"ind{j}",
                            "label": f"指标{j}（{dim}）", "dimension": dim, "direction": 1, "raw": raw, "treated": raw,
                            "normalised": float(rng.uniform()), "weight": 0.25, "contribution": s / 4, "missing_policy": "exclude"})
    pd.DataFrame(contrib).to_parquet(directory / "contributions.parquet", index=False)
    pd.DataFrame(dim_rows).to_parquet(directory / "dimension_scores.parquet", index=False)
    final = app[["applicant_id", "domain", "category"]].copy()
    final["objective"] = rng.uniform(40, 90, n)
    final["expert"] = rng.uniform(50, 95, n)
    final["final"] = 0.4 * final["objective"] + 0.6 * final["expert"]
    final["rank"] = final.groupby(["domain", "category"])["final"].rank(ascending=False, method="min").astype("Int64")
    final["selected"] = final["rank"] <= 1
    final["rank_low"] = (final["rank"] - 1).clip(lower=1)
    final["rank_median"] = final["rank"]
    final["rank_high"] = (final["rank"] + 1).clip(upper=4)
    final["p_selected"] = np.where(final["rank"] == 1, 0.9, np.where(final["rank"] == 2, 0.3, 0.01))
    final["stability"] = np.where(final["rank"] == 1, "稳定入选", np.where(final["rank"] == 2, "边界", "稳定未入选"))
    final.to_parquet(directory / "final_ranking.parquet", index=False)
    mc = []
    for m in ["mean", "median", "trimmed_mean"]:
        t = final[["applicant_id", "domain", "category", "expert", "final"]].copy()
        t["final"] = t["final"] + rng.normal(0, 3, n)
        t["rank"] = t.groupby(["domain", "category"])["final"].rank(ascending=False, method="min").astype("Int64")
        t["selected"] = t["rank"] <= 1
        t["method"] = m
        mc.append(t)
    pd.concat(mc).to_parquet(directory / "method_comparison.parquet", index=False)
    experts = [f"X{i:02d}" for i in range(6)]
    crit = ["basis", "approach", "tasks", "schedule", "safeguards"]
    es = [{"applicant_id": a, "expert_id": e, "criterion": c, "score": float(rng.integers(5, 10))}
          for a in app["applicant_id"] for e in experts[:5] for c in crit]
    es = pd.DataFrame(es)
    es.to_parquet(directory / "expert_scores.parquet", index=False)
    agg = es.groupby(["applicant_id", "criterion"], as_index=False)["score"].mean().assign(n_used=5)
    agg.to_parquet(directory / "expert_aggregate.parquet", index=False)
    rel = [{"domain": d, "category": c, "criterion": k, "criterion_name": k, "measure": m, "value": float(rng.uniform(0.2, 0.9))}
           for d in domains for c in ("park", "enterprise") for k in crit for m in ("ICC2k", "kendall_w", "alpha_interval")]
    pd.DataFrame(rel).to_parquet(directory / "reliability.parquet", index=False)
    pd.DataFrame({"flag": ["flat", "disagreement"], "flag_name": ["评分无差异", "评分分歧大"], "level": ["expert", "applicant"],
                  "expert_id": ["X01", None], "applicant_id": [None, app["applicant_id"].iloc[1]], "criterion": ["tasks", "tasks"],
                  "value": [0.1, 12.0], "threshold": [0.5, 10.0], "n": [16, 5], "message": ["专家 X01 评分几乎相同", "专家意见分歧"]}
                 ).to_parquet(directory / "expert_flags.parquet", index=False)
    return directory
