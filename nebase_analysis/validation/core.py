"""The validation run: notice rules + GX expectations + unit slips + outliers -> one issues table."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nebase_analysis.config import category_labels, field_schema, resolve_config, wide_columns
from nebase_analysis.validation.relations import (
    ValidationInputError, diagnostic_frame, numeric_view, relation_checks, value_checks)

ISSUE_COLUMNS = ["applicant_id", "province", "category", "domain", "name", "field", "field_label", "reported",
                 "expected", "reported_value", "expected_value", "rule", "severity", "message", "caused_by",
                 "involved", "related"]
SUMMARY_COLUMNS = ["rule", "severity", "province", "n_issues", "n_applicants"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
RELATION_RULES = {"growth_mismatch", "share_mismatch", "avg_mismatch", "ratio_mismatch", "weighted_mismatch",
                  "part_exceeds_whole", "talent_bounds", "list_exceeds_whole", "date_after_filing"}


class Labeller:
    """Chinese labels of wide columns (``total_revenue_2024`` -> ``总营业收入（2024年）``,
    from :func:`nebase_analysis.config.wide_columns`), of text sections and list columns, and units."""

    def __init__(self, cfg):
        s = field_schema(cfg)
        w = wide_columns(cfg)
        unit = lambda v: v if isinstance(v, str) else ""  # noqa: E731
        self.signed = set(w.loc[w["signed"], "column"])
        self.label = {**dict(zip(s["id"], s["label"])), **dict(zip(w["column"], w["label"]))}
        self.unit = {**{k: unit(v) for k, v in zip(s["id"], s["unit"])}, **{k: unit(v) for k, v in zip(w["column"], w["unit"])}}
        for name, spec in cfg["fields"]["lists"].items():
            for c in spec["columns"]:
                self.label[f"{name}.{c['id']}"] = f"{spec['label']}·{c['label']}"
                self.unit[f"{name}.{c['id']}"] = c.get("unit", "")

    def __call__(self, col: str) -> str:
        if "×" in col:
            return "×".join(self(c) for c in col.split("×"))
        parts = col.split(".")
        if len(parts) == 3 and parts[1].isdigit() and f"{parts[0]}.{parts[2]}" in self.label:  # one row of a list
            head, _, column = self.label[f"{parts[0]}.{parts[2]}"].rpartition("·")
            return f"{head}第{parts[1]}行·{column}"
        return self.label.get(col, col)

    def u(self, col: str) -> str:
        return self.unit.get(col, "")


def fmt(v: Any, unit: str = "") -> str:
    """A figure as a province reads it: up to 4 significant decimals, no trailing zeros."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "（空）"
    if isinstance(v, (int, np.integer)):
        s = f"{int(v)}"
    elif isinstance(v, (float, np.floating)):
        s = f"{v:,.4f}".rstrip("0").rstrip(".") if abs(v) < 1e15 else f"{v:.4g}"
    else:
        s = str(v)
    if unit == "%":
        return s + "%"
    return f"{s} {unit}" if unit and unit not in ("个", "人", "件") else s + unit


def _relation_message(row, L: Labeller, values: dict) -> str:
    f, rule = row.field, row.rule
    unit = L.u(f)
    inputs = [c for c in row.involved.split("|") if c != f]
    given = "、".join(f"{L(c)} {fmt(values.get(c), L.u(c))}" for c in inputs if c in values)
    rep, exp, gap, tol = row.reported, row.expected, row.gap, row.tol
    if rule == "growth_mismatch":
        return (f"{L(f)}填报为 {fmt(rep, '%')}，按{given}计算应为 {fmt(round(exp, 2), '%')}，"
                f"相差 {abs(rep - exp):.2f} 个百分点（容差 {tol:g} 个百分点），请核对增长率或营业收入")
    if rule == "share_mismatch":
        return (f"{L(f)}填报为 {fmt(rep, '%')}，按{given}计算应为 {fmt(round(exp, 2), '%')}，"
                f"相差 {abs(rep - exp):.2f} 个百分点（容差 {tol:g} 个百分点）")
    if rule == "avg_mismatch":
        return (f"{L(f)}填报为 {fmt(rep, unit)}，三年数值（{given}）的平均值应为 {fmt(round(exp, 4), unit)}，"
                f"相差 {fmt(round(abs(rep - exp), 4), unit)}（{_tol_text(row)}）")
    if rule == "ratio_mismatch":
        return (f"{L(f)}填报为 {fmt(rep, unit)}，按{given}计算应为 {fmt(round(exp, 2), unit)}，"
                f"相差 {abs(rep - exp) / max(abs(exp), 1e-12):.1%}（容差 {tol:.0%}）")
    if rule == "weighted_mismatch":
        return (f"{L(f)}填报为 {fmt(rep)}，按各分项（{given}）乘以配置权重计算应为 {fmt(round(exp, 4))}，"
                f"相差 {fmt(round(abs(rep - exp), 4))}")
    if rule == "part_exceeds_whole":
        parts, whole = row.note.split("<=")
        parts_l = "与".join(L(p) for p in parts.split("+"))
        return (f"{parts_l}{'合计 ' if '+' in parts else ' '}{fmt(rep, unit)} 超过{L(whole)} {fmt(exp, unit)}"
                f"（超出 {fmt(round(rep - exp, 4), unit)}）；部分不应大于总体，请核对")
    if rule == "talent_bounds":
        if row.note == "lower":
            return (f"{L(f)}填报为 {fmt(rep, unit)}，小于其构成项中的最大值 {fmt(exp, unit)}（{given}）；"
                    f"高水平人才包括研究生学历、高级职称和高技能人才，不应少于其中任一项")
        return (f"{L(f)}填报为 {fmt(rep, unit)}，大于研究生学历、高级职称、高技能人才三项之和 {fmt(exp, unit)}（{given}）")
    if rule == "list_exceeds_whole":
        return (f"{L(f)}合计 {fmt(round(rep, 4), L.u(f))}，超过{L(row.note)} {fmt(exp, L.u(row.note))}"
                f"（超出 {fmt(round(rep - exp, 4), L.u(f))}），请核对名单或总额")
    if rule == "date_after_filing":
        d = values.get(f)
        filed = values.get(inputs[0]) if inputs else None
        return f"{L(f)} {_date(d)} 晚于填报日期 {_date(filed)}（晚 {int(rep)} 天），请核对"
    return f"{L(f)} 与相关指标不一致"


def _tol_text(row) -> str:
    return f"容差 {row.tol:g} 个百分点" if row.measure == "pp" else f"容差 {row.tol:.0%}"


def _date(v) -> str:
    try:
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    except Exception:  # noqa: BLE001 - any unreadable date is shown as is
        return str(v)


def _value_message(row, L: Labeller, cfg) -> str:
    f, rule = row.field, row.rule
    unit = L.u(f)
    rep = row.reported
    if rule == "percent_out_of_range":
        extra = f"（{row.note}）" if row.note else ""
        ranges = cfg["validation"]["ranges"]
        rng = ranges["signed_percent"] if f in L.signed else ranges["percent"]
        return f"{L(f)}{extra}填报为 {fmt(rep, '%')}，比重、比率应在 {rng['min']}%–{rng['max']}% 之间"
    if rule == "growth_out_of_range":
        return f"{L(f)}填报为 {fmt(rep, '%')}，增长率不可能低于 {cfg['validation']['ranges']['growth']['min']}%"
    if rule == "negative_value":
        return f"{L(f)}填报为 {fmt(rep, unit)}，不应为负数"
    if rule == "not_whole_number":
        return f"{L(f)}填报为 {fmt(rep)}，数量应为整数"
    if rule == "required_missing":
        return f"{L(f)}未填写（必填项），请补充"
    if rule == "credit_code_check_digit":
        from nebase_analysis.cleaning import credit_code_check_digit, normalize_credit_code

        code = normalize_credit_code(rep) or ""
        try:
            right = credit_code_check_digit(code[:17]) if len(code) == 18 else None
        except ValueError:
            right = None
        if right:
            return f"统一社会信用代码“{code}”校验位错误：按 GB 32100-2015 第 18 位应为“{right}”，请核对代码"
        return f"统一社会信用代码“{code}”不是 18 位有效代码（GB 32100-2015），请核对"
    return f"{L(f)} 不符合要求"


def _key_message(rule: str, col: str, value: Any, cfg) -> str:
    from nebase_analysis.validation.rules import domain_message

    if rule == "domain_not_in_notice":
        return domain_message(value, cfg)
    if rule == "duplicate_applicant_id":
        return f"申报编号 {value} 在批次中出现多次，请检查汇总表与申请书是否重复导入"
    schema = field_schema(cfg).set_index("id")
    label = schema["label"]
    if rule == "invalid_province":
        return f"{label[col]}“{value}”不是规范的省级单位名称，请按通知填写（如“广东省”）"
    if rule == "invalid_category":
        return f"{label[col]}“{value}”应为{'或'.join(category_labels(cfg).values())}"
    if rule == "credit_code_format":
        return f"{label[col]}“{value}”格式不符：应为 18 位，由数字和大写字母（不含 I、O、S、V、Z）组成"
    choices = schema.at[col, "choices"]
    return f"{label[col]}“{value}”不是可选值，请按模板下拉选项填写：{'、'.join(choices)}"


def _root_causes(issues: pd.DataFrame, priority: list[str], L: Labeller) -> pd.DataFrame:
    """Mark relation failures explained by one figure as ``caused_by`` that figure."""
    if issues.empty:
        return issues
    issues = issues.copy()
    rank = {r: i for i, r in enumerate(priority)}
    caused = issues["caused_by"].to_numpy(dtype=object).copy()
    messages = issues["message"].to_numpy(dtype=object).copy()
    is_rel = issues["rule"].isin(RELATION_RULES).to_numpy()
    single_rules = ~is_rel & issues["rule"].isin(["percent_out_of_range", "growth_out_of_range", "negative_value",
                                                  "not_whole_number", "unit_slip", "not_a_number"]).to_numpy()
    for aid, idx in issues.groupby("applicant_id", sort=False).indices.items():
        rel = [i for i in idx if is_rel[i]]
        if not rel:
            continue
        inv = {i: set(str(issues["involved"].iat[i]).split("|")) for i in rel}
        flagged = {issues["field"].iat[i] for i in idx if single_rules[i]}
        open_ = []
        for i in rel:
            hit = sorted(inv[i] & flagged)
            if hit:
                caused[i] = hit[0]
            else:
                open_.append(i)
        while len(open_) > 1:
            counts = Counter(f for i in open_ for f in inv[i])
            targets = {issues["field"].iat[i] for i in open_}
            f, n = max(counts.items(), key=lambda kv: (kv[1], kv[0] in targets, "_avg" not in kv[0], kv[0]))
            if n < 2:
                break
            group = [i for i in open_ if f in inv[i]]
            own = [i for i in group if issues["field"].iat[i] == f]
            primary = min(own or group, key=lambda i: rank.get(issues["rule"].iat[i], 99))
            if not own:
                messages[primary] = f"{messages[primary]}；多项关联指标均涉及{L(f)}，该数值可能填报有误"
            for i in group:
                if i != primary:
                    caused[i] = f
            open_ = [i for i in open_ if i not in group]
    issues["caused_by"] = caused
    has_cause = pd.notna(caused) & (caused != "")
    messages = np.where(has_cause, [f"{m}（可能由{L(c)}填报有误引起）" if isinstance(c, str) and c else m
                                    for m, c in zip(messages, caused)], messages)
    issues["message"] = messages
    return issues


def run_validation(batch, config=None, reports_dir=None, data_docs=True, use_gx=True):
    """Implementation of :func:`nebase_analysis.validation.validate`."""
    from nebase_analysis.validation import ValidationResult
    from nebase_analysis.validation.outliers import peer_outliers, unit_slips
    from nebase_analysis.validation.rules import notice_rules

    cfg = resolve_config(config)
    vcfg = cfg["validation"]
    applicants = getattr(batch, "applicants", None)
    if applicants is None:
        raise ValidationInputError("输入不是申报批次（Batch）：缺少 applicants 表")
    applicants = applicants.reset_index(drop=True)
    if applicants.empty:
        raise ValidationInputError("批次中没有申报对象（applicants 表为空），无法核查；请先确认 nebase ingest 读到了申报材料")
    numeric, problems = numeric_view(applicants, cfg)
    L = Labeller(cfg)
    lists = {"top_enterprises": batch.top_enterprises, "top_products": batch.top_products}
    texts = batch.texts
    rows: list[dict] = []
    # what intake could not read or asks to check (files, summary rows, cells, notes), by
    # province, computed here once (nebase validate writes it as rejected_passed.parquet for
    # the reports); a required cell among them is told as unreadable, not as unfilled
    from nebase_analysis.validation.corrections import (
        mark_in_issues, rejected_by_province, unreadable_cells, unreadable_message)

    passed = rejected_by_province(getattr(batch, "rejected", None), applicants, getattr(batch, "summary", None), cfg)
    unreadable = unreadable_cells(passed, cfg)

    # malformed input
    for p in problems.itertuples():
        if p.kind == "missing_column":
            rows.append({"applicant_id": "", "field": p.field, "reported": None, "expected": None, "rule": "missing_column",
                         "message": f"申报数据缺少“{L(p.field)}”（{p.field}）列，无法核查该项"})
        else:
            what = "日期" if p.kind == "not_a_date" else "数字"
            rows.append({"applicant_id": p.applicant_id, "field": p.field, "reported": p.raw, "expected": None,
                         "rule": p.kind, "message": f"{L(p.field)}填报内容“{p.raw}”无法识别为{what}，请按模板格式填写"})

    # unit slips, then everything else on the corrected figures
    slips, repaired = unit_slips(numeric, cfg)
    factor = vcfg["outliers"]["unit_slip"]["factor"]
    for s in slips.itertuples():
        unit = L.u(s.field)
        basis = "本申报其他年份" if s.basis == "years" else "同领域同类申报对象的中位数"
        rows.append({"applicant_id": s.applicant_id, "field": s.field, "reported": s.reported, "expected": s.expected,
                     "rule": "unit_slip", "involved": s.field,
                     "message": f"{L(s.field)}填报为 {fmt(s.reported, unit)}，约为{basis}（{fmt(round(s.reference, 4), unit)}）的 "
                                + (f"{factor:,} 倍" if s.reported > s.reference else f"1/{factor:,}")
                                + f"，疑为万元/亿元单位误填；按{unit or '表内单位'}应为 {fmt(s.expected, unit)}"})

    checks = pd.concat([relation_checks(repaired, cfg, lists), value_checks(applicants, numeric, texts, lists, cfg)],
                       ignore_index=True)
    checks["check_id"] = [f"C{i:06d}" for i in range(len(checks))]
    diags = diagnostic_frame(checks)
    from nebase_analysis.validation.expectations import evaluate_bounds, key_frame, run_suites

    keys = key_frame(applicants, cfg)
    docs_dir = Path(reports_dir) / cfg["validation"]["output_dirs"]["data_docs"] if (reports_dir is not None and data_docs) else None
    docs_index = None
    if use_gx:
        try:
            failures, docs_index = run_suites(diags, keys, cfg, docs_dir)
        except ValidationInputError:
            raise
        except Exception as exc:  # noqa: BLE001 - GX must never surface as a traceback
            raise ValidationInputError("数据质量期望（Great Expectations）运行失败，未能完成核查；"
                                       f"可改用 use_gx=False 以 pandas 核查。详情：{type(exc).__name__}: {exc}") from exc
    else:
        failures = evaluate_bounds(diags, keys, cfg)

    values = numeric.set_index("applicant_id")
    values = values[~values.index.duplicated()]
    chk = checks.set_index("check_id")
    diag_fail = failures[failures["source"] == "diagnostics"]
    for cid in diag_fail["id"]:
        r = chk.loc[cid].to_dict()
        rr = SimpleNamespace(check_id=cid, **r)
        if r["rule"] in RELATION_RULES:
            vals = values.loc[r["applicant_id"]].to_dict() if r["applicant_id"] in values.index else {}
            vals.update(_repaired_values(repaired, r["applicant_id"], r["involved"]))
            msg = _relation_message(rr, L, vals)
            reported, expected = r["reported"], r["expected"]
        elif r["rule"] == "required_missing" and (r["applicant_id"], r["field"]) in unreadable:
            cell = unreadable[(r["applicant_id"], r["field"])]
            msg = unreadable_message(L(r["field"]), cell)
            reported, expected = "；".join(cell["value"].dropna()) or None, None
        else:
            msg = _value_message(rr, L, cfg)
            reported, expected = r["reported"], None
        rows.append({"applicant_id": r["applicant_id"], "field": r["field"], "reported": reported,
                     "expected": expected, "rule": r["rule"], "message": msg, "involved": r["involved"]})
    for f in failures[failures["source"] == "applicants"].itertuples():
        rows.append({"applicant_id": f.id, "field": f.column, "reported": f.value, "expected": None, "rule": f.rule,
                     "message": _key_message(f.rule, f.column, f.value, cfg)})
    # credit codes with a bad format also fail the check digit: keep the format issue only
    notice = notice_rules(applicants, numeric, texts, cfg)
    rows += notice.to_dict("records")

    flagged = {(s.applicant_id, s.field) for s in slips.itertuples()}
    for o in peer_outliers(repaired, cfg, exclude=flagged).itertuples():
        unit = L.u(o.field)
        rows.append({"applicant_id": o.applicant_id, "field": o.field, "reported": o.reported, "expected": o.peer_median,
                     "rule": "peer_outlier",
                     "message": f"{L(o.field)}填报为 {fmt(o.reported, unit)}，远离同领域同类 {o.n_peers} 个申报对象的中位数 "
                                f"{fmt(round(o.peer_median, 4), unit)}（对数尺度稳健 z 值 {o.z:.1f}），请核实"})
    issues = _assemble(rows, applicants, cfg, L)
    issues = _root_causes(issues, vcfg["relation_priority"], L)
    issues = _sort(issues)
    summary = summarize(issues)
    result = ValidationResult(issues=issues, summary=summary, data_docs=docs_index, checks=checks,
                              n_applicants=len(applicants), rejected=mark_in_issues(passed, issues, cfg))
    if reports_dir is not None:
        from nebase_analysis.validation.corrections import write_corrections

        result.corrections = write_corrections(issues, Path(reports_dir) / cfg["validation"]["output_dirs"]["corrections"],
                                               cfg, rejected=result.rejected)
    return result


def _repaired_values(repaired: pd.DataFrame, aid: str, involved: str) -> dict:
    cols = [c for c in str(involved).split("|") if c in repaired.columns]
    row = repaired.loc[repaired["applicant_id"] == aid, cols]
    return row.iloc[0].to_dict() if len(row) else {}


def _display(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (float, np.floating)):
        return fmt(float(v))
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return str(v)


def _as_float(v: Any) -> float:
    """A figure as float; NaN for anything that is not a number (text such as a credit
    code or an unparsed cell stays exact in ``reported`` only: ``float("91440300…")``
    would round an 18-character code)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        return np.nan
    return float(v)


def _assemble(rows: list[dict], applicants: pd.DataFrame, cfg, L: Labeller) -> pd.DataFrame:
    sev = cfg["validation"]["severity"]
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})
    for c in ("involved", "related", "caused_by"):
        if c not in df.columns:
            df[c] = None
    df["involved"] = [i if isinstance(i, str) and i else f for i, f in zip(df["involved"], df["field"])]
    meta_cols = [c for c in ("province", "category", "domain", "name") if c in applicants.columns]
    meta = applicants[["applicant_id", *meta_cols]].drop_duplicates("applicant_id").set_index("applicant_id")
    for c in ("province", "category", "domain", "name"):
        df[c] = df["applicant_id"].map(meta[c]) if c in meta.columns else None
    df["field_label"] = df["field"].map(L)
    df["reported_value"] = df["reported"].map(_as_float)
    df["expected_value"] = df["expected"].map(_as_float)
    df["reported"] = df["reported"].map(_display).astype(object)
    df["expected"] = df["expected"].map(_display).astype(object)
    df["severity"] = df["rule"].map(lambda r: sev.get(r, "error"))
    df["related"] = df["related"].fillna("").astype(object)
    df["caused_by"] = df["caused_by"].astype(object).where(df["caused_by"].notna(), None)
    for c in ("applicant_id", "province", "category", "domain", "name", "field", "field_label", "rule", "severity",
              "message", "involved"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    # a credit code of the wrong format necessarily fails the check digit: keep the format issue
    fmt_bad = set(zip(df.loc[df.rule == "credit_code_format", "applicant_id"], df.loc[df.rule == "credit_code_format", "field"]))
    drop = (df["rule"] == "credit_code_check_digit").to_numpy() & np.array(
        [(a, f) in fmt_bad for a, f in zip(df["applicant_id"], df["field"])], dtype=bool)
    df = df[~drop]
    return df[ISSUE_COLUMNS].reset_index(drop=True)


def _sort(issues: pd.DataFrame) -> pd.DataFrame:
    if issues.empty:
        return issues
    order = issues["severity"].map(SEVERITY_ORDER).fillna(9)
    out = issues.assign(_s=order.to_numpy()).sort_values(["applicant_id", "_s", "field", "rule"], kind="stable")
    return out.drop(columns="_s").reset_index(drop=True)


def summarize(issues: pd.DataFrame) -> pd.DataFrame:
    """Issues counted by rule, severity and province (``n_issues``, ``n_applicants``).

    Examples
    --------
    >>> i = pd.DataFrame({"rule": ["x", "x"], "severity": "error", "province": "广东省",
    ...                   "applicant_id": ["a", "a"]})
    >>> summarize(i)[["n_issues", "n_applicants"]].values.tolist()
    [[2, 1]]
    """
    if issues.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
    df = issues.assign(province=issues["province"].fillna("（全国）"))
    out = (df.groupby(["rule", "severity", "province"], dropna=False)
             .agg(n_issues=("applicant_id", "size"), n_applicants=("applicant_id", "nunique")).reset_index())
    return out[SUMMARY_COLUMNS].sort_values(["rule", "province"]).reset_index(drop=True)
