"""Reconciling a province folder: summary rows and forms, copies, 序号, applicant ids, cross-checks.

- Summary rows (:class:`~nebase_analysis.intake.record.SummaryRecord`) and forms
  (:class:`~nebase_analysis.intake.record.FormRecord`) are matched by 序号 where the file
  name carries one (and the name agrees, else the name decides, else the 序号 with the
  disagreement reported), otherwise by the applicant's name after
  :func:`nebase_analysis.cleaning.name_key` normalisation.
- The same form twice (``02_名称 - 副本.xlsx`` beside ``02_名称.xlsx``): the copy is not read
  (:func:`_duplicate_workbooks`).
- A repeated or blank 序号 in the summary is reported at its cell (the row's ``places``:
  an A1 cell of a sheet, or a place in a Word table).
- Applicant ids (:func:`make_applicant_id`): ``<id_prefix>-<province id_code>-<nn>``
  (``P-GD-01``, ``E-GD-07``), numbered within the province and category, counting the
  summary rows in 序号 order (parks and enterprises separately), then forms without a
  summary row in file-name order. Ids are stable across runs for the same raw files; a
  form missing from the summary never shifts the ids of listed applicants.
- Cross-checks: category, name and domain between summary and form, the province of the
  cover's 推荐单位 and 所属省份 against the folder's. Nothing is said to have been read
  (已读取) about a file that was not.

Examples
--------
>>> make_applicant_id("park", "广东省", 1)
'P-GD-01'
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from nebase_analysis import cleaning as cl
from nebase_analysis.config import category_labels
from nebase_analysis.intake.clean import Collector, _clean_applicant
from nebase_analysis.intake.discovery import Folder, parse_file_name
from nebase_analysis.intake.files import _config

__all__ = ["make_applicant_id", "reconcile_folder"]


def make_applicant_id(category: str, province: str, number: int, config: Any = None) -> str:
    """``P-GD-01``: category prefix, province ``id_code``, number zero-padded.

    Examples
    --------
    >>> make_applicant_id("enterprise", "广东省", 7)
    'E-GD-07'
    """
    cfg = _config(config)
    prefix = cfg["fields"]["categories"][category]["id_prefix"]
    codes = {p["name"]: p["id_code"] for p in cfg["provinces"]["units"]}
    width = int(cfg["intake"]["id_number_width"])
    return f"{prefix}-{codes[province]}-{int(number):0{width}d}"


# ----------------------------------------------------------------------------- the two sides


def _summary_entries(summary: Any, rules: Any) -> list[dict]:
    """The summary's rows, cleaned for matching (``seq`` a number or NaN, ``key`` the name key)."""
    entries = []
    for rec in summary.rows if summary is not None and summary.ok else []:
        entries.append({"row": rec["row"], "seq": cl.parse_number(rec.get("seq"), None, rules).value, "raw": rec,
                        "category": cl.resolve_category(rec.get("category"), rules), "name": cl.normalize_name(rec.get("name")),
                        "key": cl.name_key(rec.get("name"), rules), "places": rec.get("places") or {}, "workbook": None})
    return entries


def _form_entries(d: Folder, records: Mapping[str, Any], cfg: Mapping, rules: Any) -> list[dict]:
    """The folder's forms as read, with the 序号 and name of their file names."""
    out = []
    for path, _ in d.forms:
        r = records.get(str(path))
        if r is None:
            continue
        seq, stem_name = parse_file_name(path.stem, cfg)
        wb_name = r.values.get("name")
        name = wb_name if not cl.is_blank(wb_name) else stem_name
        out.append({"path": path, "seq": seq, "read": r, "name": cl.normalize_name(name), "key": cl.name_key(name, rules),
                    "stem_key": cl.name_key(stem_name, rules), "entry": None})
    return out


def _duplicate_workbooks(wbs: list[dict], entries: list[dict]) -> list[tuple[dict, dict, str]]:
    """Copies among one province folder's forms: ``(copy, kept, why)``, ``why`` in Chinese.

    Two forms are the same when their bytes are identical (hashed only when their
    sizes are), or when they carry the same 序号 and the same applicant name (a copy
    edited afterwards). Of each group the one kept is the one whose file name matches a
    summary row (序号 and name, then name only), then a readable one, then the shortest
    file name: ``02_名称.xlsx`` rather than ``02_名称 - 副本.xlsx``.
    """
    import hashlib
    from collections import Counter

    listed = {(e["seq"], e["key"]) for e in entries}
    names = {e["key"] for e in entries}
    sizes = [w["path"].stat().st_size for w in wbs]
    same_size = Counter(sizes)
    digest = {i: hashlib.sha256(w["path"].read_bytes()).hexdigest() for i, w in enumerate(wbs) if same_size[sizes[i]] > 1}
    named = [(w["seq"], w["key"]) if w["seq"] == w["seq"] and w["key"] is not None else None for w in wbs]
    groups = cl.key_groups([digest.get(i) for i in range(len(wbs))], named)

    def rank(i: int) -> tuple:
        w = wbs[i]
        match = 0 if (w["seq"], w["stem_key"]) in listed else 1 if w["stem_key"] in names else 2
        return match, not w["read"].ok, len(w["path"].name), w["path"].name

    out = []
    for members in groups:
        if len(members) < 2:
            continue
        keep = min(members, key=rank)
        for i in sorted(members, key=lambda i: wbs[i]["path"].name):
            if i == keep:
                continue
            w = wbs[i]
            if i in digest and digest[i] == digest.get(keep):
                why = "文件内容完全相同"
            else:
                seq = f"序号 {w['seq']:g}、" if w["seq"] == w["seq"] else ""
                why = f"{seq}名称「{w['name']}」相同，但内容不同；请核实应报送哪一份"
            out.append((w, wbs[keep], why))
    return out


def _check_seqs(entries: list[dict], summary_path: Path, out: Collector) -> None:
    """序号 of the summary: each a number, none twice (reported at the row's 序号 place)."""
    rows_by_seq: dict[float, list] = {}
    for e in entries:
        sheet, cell = e["places"].get("seq", (None, None))
        if e["seq"] == e["seq"]:
            rows_by_seq.setdefault(e["seq"], []).append(e)
        else:
            raw_seq = e["raw"].get("seq")
            what = "为空" if cl.is_blank(raw_seq) else f"「{raw_seq}」不是数字"
            out.reject(summary_path, f"推荐汇总表第 {e['row']} 行序号{what}，无法按序号与申请书核对；请填写序号", "reconcile",
                       sheet=sheet, cell=cell, fld="seq", value=raw_seq)
    for seq, same in rows_by_seq.items():
        if len(same) > 1:
            cells = "、".join(f"{e['places'].get('seq', (None, ''))[1]}「{e['name']}」" for e in same)
            sheet, cell = same[1]["places"].get("seq", (None, None))
            out.reject(summary_path, f"推荐汇总表序号 {seq:g} 重复出现 {len(same)} 次（第 {'、'.join(str(e['row']) for e in same)} 行："
                                     f"{cells}）；请为每个推荐对象填写不同的序号", "reconcile",
                       sheet=sheet, cell=cell, fld="seq", value=same[1]["raw"].get("seq"))


def _match(wbs: list[dict], entries: list[dict]) -> None:
    """Pair forms with summary rows: by 序号 and name, then by name, then by 序号 alone."""
    by_seq: dict[float, list] = {}
    by_key: dict[str, list] = {}
    for e in entries:
        by_seq.setdefault(e["seq"], []).append(e)
        by_key.setdefault(e["key"], []).append(e)
    for w in wbs:
        cand = [e for e in by_seq.get(w["seq"], []) if e["workbook"] is None]
        same = [e for e in cand if e["key"] == w["key"]]
        pick = same[0] if same else None
        if pick is None:
            named = [e for e in by_key.get(w["key"], []) if e["workbook"] is None]
            pick = named[0] if named else (cand[0] if cand else None)
            if pick is not None and pick["key"] != w["key"]:
                w["name_mismatch"] = pick
        if pick is not None:
            pick["workbook"] = w
            w["entry"] = pick


def _numbered(entries: list[dict], wbs: list[dict], province: str, cfg: Mapping) -> list[tuple]:
    """``(entry, form, applicant_id)``: summary rows by 序号, then forms without a row by file name."""
    forms = tuple(category_labels(cfg))
    counters: dict[str, int] = {}
    order = sorted(entries, key=lambda e: (e["seq"] if e["seq"] == e["seq"] else 1e9, e["row"]))
    pairs = [(e, e["workbook"]) for e in order] + [(None, w) for w in wbs if w["entry"] is None]
    out = []
    for e, w in pairs:
        wb_form = w["read"].form if w is not None else None
        category = wb_form if wb_form in forms else (e["category"] if e is not None else None)
        aid = None
        if category is not None:
            counters[category] = counters.get(category, 0) + 1
            aid = make_applicant_id(category, province, counters[category], cfg)
        out.append((e, w, aid))
    return out


# ----------------------------------------------------------------------------- one applicant


def _summary_row(e: dict, w: dict | None, aid: Any, d: Folder, out: Collector) -> None:
    """The summary table's row of ``e``, and what is wrong with the row itself."""
    raw, rules = e["raw"], out.rules
    domain = cl.resolve_domain(raw.get("domain"), rules)
    out.summaries.append({"province": d.province, "recommender": d.summary.header.get("recommender"), "seq": e["seq"],
                          "applicant_unit": cl.normalize_name(raw.get("applicant_unit")), "name": e["name"],
                          "category": e["category"], "domain": domain or raw.get("domain"),
                          "source_file": out.rel(d.summary_path), "applicant_id": aid, "row": e["row"],
                          "workbook": out.rel(w["path"]) if w is not None else None})
    if e["category"] is None:
        sheet, cell = e["places"].get("category", (None, None))
        out.reject(d.summary_path, f"推荐汇总表第 {e['row']} 行申报类别「{raw.get('category')}」无法识别", "reconcile", aid,
                   sheet=sheet, cell=cell, fld="category", value=raw.get("category"))
    if raw.get("domain") is not None and domain is None:
        sheet, cell = e["places"].get("domain", (None, None))
        out.reject(d.summary_path, f"推荐汇总表第 {e['row']} 行申报创建领域「{raw.get('domain')}」不是十个领域之一", "reconcile", aid,
                   sheet=sheet, cell=cell, fld="domain", value=raw.get("domain"))
    if w is None:
        out.reject(d.summary_path, f"推荐汇总表第 {e['row']} 行（序号 {raw.get('seq')}，{raw.get('name')}）没有对应的申请书文件", "row", aid)


def _against_summary(e: dict | None, w: dict, wbs: list[dict], aid: Any, out: Collector) -> None:
    """What a read form disagrees with in its summary row, or that it has none (read: 已读取)."""
    r = w["read"]
    if e is None:
        twin = next((o["path"].name for o in wbs if o is not w and o["seq"] == w["seq"]), None)
        also = f"（文件名中的序号 {w['seq']:g} 与「{twin}」相同）" if twin else ""
        out.reject(w["path"], f"推荐汇总表中没有该申请书对应的行{also}；已读取，请核实是否为本省推荐对象", "reconcile", aid)
        return
    raw = e["raw"]
    forms = out.cfg["fields"]["categories"]
    if r.form in forms and e["category"] is not None and e["category"] != r.form:
        out.reject(w["path"], f"推荐汇总表第 {e['row']} 行申报类别为「{raw.get('category')}」，但申请书是{forms[r.form]['label']}模板", "reconcile", aid,
                   fld="category", value=raw.get("category"))
    if w.get("name_mismatch") is not None:
        out.reject(w["path"], f"申请书名称与推荐汇总表第 {e['row']} 行「{raw.get('name')}」不一致（按序号对应）", "reconcile", aid,
                   fld="name", value=raw.get("name"))


def _cross_checks(row: dict, e: dict | None, w: dict, aid: Any, d: Folder, out: Collector) -> None:
    """Domain and name from the summary where the form has none; domain and province disagreements."""
    r, rules = w["read"], out.rules
    if e is not None:
        sdom = cl.resolve_domain(e["raw"].get("domain"), rules)
        if row.get("domain") is None and sdom is not None:
            row["domain"] = sdom
        elif sdom is not None and row.get("domain") != sdom:
            out.reject(w["path"], f"申请书申报领域「{row.get('domain')}」与推荐汇总表「{sdom}」不一致", "reconcile", aid, fld="domain",
                       value=r.values.get("domain"))
        if cl.is_blank(row.get("name")) and e["name"]:
            row["name"] = e["name"]
    for src, raw_v, pv in (("推荐单位", r.values.get("recommender"), cl.province_from_text(r.values.get("recommender"), rules)),
                           ("所属省份", r.values.get("province"), cl.resolve_province(r.values.get("province"), rules))):
        if pv is not None and pv != d.province:
            out.reject(w["path"], f"申请书封面的{src}「{raw_v}」属于{pv}，与文件夹「{d.path.name}」（{d.province}）不一致", "reconcile", aid,
                       fld="province", value=raw_v)


def _take(e: dict | None, w: dict | None, aid: Any, wbs: list[dict], d: Folder, out: Collector) -> None:
    """One applicant: its summary row, its form cleaned (or why not), the cross-checks."""
    if e is not None:
        _summary_row(e, w, aid, d, out)
    if w is None:
        return
    r = w["read"]
    if not r.ok:  # not read: only why (nothing else about it, never 已读取)
        out.reject(w["path"], r.reason, "file", aid)
        return
    _against_summary(e, w, wbs, aid, out)
    row = _clean_applicant(r, aid, d.province, out.specs[r.form], out, w["path"])
    row["source_file"] = out.rel(w["path"])
    row["seq"] = e["seq"] if e is not None else w["seq"]
    row["in_summary"] = e is not None
    _cross_checks(row, e, w, aid, d, out)
    out.applicants.append(row)


def reconcile_folder(d: Folder, records: Mapping[str, Any], out: Collector) -> None:
    """Match, number, clean and cross-check the forms of one province folder into ``out``.

    ``records`` maps each form's path (``str``) to its :class:`~nebase_analysis.intake.record.FormRecord`.

    Examples
    --------
    >>> for d in folders:                                       # doctest: +SKIP
    ...     if report_folder(d, cfg, out.rules, out):
    ...         reconcile_folder(d, records, out)
    >>> out.batch().applicants.applicant_id.tolist()           # doctest: +SKIP
    ['P-GD-01', 'E-GD-01', 'E-XZ-01']
    """
    entries = _summary_entries(d.summary, out.rules)
    wbs = _form_entries(d, records, out.cfg, out.rules)
    # the same form twice (02_名称 - 副本.xlsx next to 02_名称.xlsx): the copy is not read
    copies = _duplicate_workbooks(wbs, entries)
    for w, kept, why in copies:
        out.reject(w["path"], f"与「{kept['path'].name}」重复（{why}），未读取；请删除多余的文件后重新报送", "file")
    wbs = [w for w in wbs if not any(w is c for c, _, _ in copies)]
    _check_seqs(entries, d.summary_path, out)
    _match(wbs, entries)
    for e, w, aid in _numbered(entries, wbs, d.province, out.cfg):
        _take(e, w, aid, wbs, d, out)
