"""The Word reader on small hand-made documents: one test per kind of thing Word users do.

Documents are raw OOXML (tests/docx_xml.py) or python-docx, never our own writer, so the
reader is checked on forms as other hands fill them.
"""
from __future__ import annotations

import pytest

from docx_xml import (ENTERPRISE_TITLE, PARK_TITLE, checkbox_sdt, formcheckbox, p, r, sdt_cell, sdt_run, sym, tbl, tc, tr,
                      write_docx)
from nebase_analysis.intake.readers.docx import read_form, read_summary
from nebase_analysis.intake.readers.wordmodel import norm

YEARS = tr("项目/年度", "2023 年", "2024 年", "2025 年", "近三年平均值")


def read(tmp_path, *body, name="f.docx"):
    return read_form(write_docx(tmp_path / name, *body))


def test_label_value_pairs_and_places(tmp_path):
    rec = read(tmp_path, PARK_TITLE, tbl(
        tr(tc("园区基本信息", span=4)),
        tr("园区名称", tc("苏州工业园区", span=3)),
        tr("批复设立日期", "1994年2月15日", "批复单位", "国务院"),
    ))
    assert rec.ok and rec.form == "park" and rec.fmt == "docx"
    assert rec.values["name"] == "苏州工业园区"
    assert rec.values["approval_date"] == "1994年2月15日" and rec.values["approving_authority"] == "国务院"
    assert rec.places["approving_authority"] == ("表1", "第3行「批复单位」")


def test_merged_cells_value_is_next_distinct_cell_never_the_label(tmp_path):
    """A second label spanning two grid columns; a label merged over two rows (vMerge)."""
    rec = read(tmp_path, PARK_TITLE, tbl(
        tr(tc("总体情况", span=5)),
        tr("规划面积（公顷）", "278", tc("建成面积（公顷）", span=2), "150.5"),
        tr(tc("管理机构", vmerge="restart"), tc("园区管委会", span=4)),
        tr(tc("", vmerge="continue"), tc("", span=4)),
    ))
    assert rec.values["planned_area"] == "278" and rec.values["built_area"] == "150.5"
    assert rec.values["management_body"] == "园区管委会"
    assert not rec.problems or all(pr.key not in ("planned_area", "built_area", "management_body") for pr in rec.problems)


def test_labels_broken_across_lines_odd_spaces_and_bracket_widths(tmp_path):
    rec = read(tmp_path, PARK_TITLE, tbl(
        tr(tc("主导产业近三年发展情况（主导产业相关数据仅限于申报领域，下同）", span=5)),
        tr("项目/年度", "2023 年", "2024 年", "2025 年", "近三年 平均值"),
        tr(tc(p("规模以上企业营业收入"), p("(亿元)")), "10", "20", "30", "20"),
        tr(tc(p(r("占园区总营业收入比重\n （%）"))), "50", "51", "52", "51"),
        tr("企业数量（个）", "120", "规 模 以 上 企 业 数 量 (个)", "35"),
    ))
    v = rec.values
    assert [v[f"lead_revenue_{y}"] for y in (2023, 2024, 2025, "avg")] == ["10", "20", "30", "20"]
    assert v["lead_revenue_share_2025"] == "52"
    assert v["lead_enterprise_count"] == "120" and v["lead_above_scale_count"] == "35"


def test_repeated_label_decided_by_its_block_title_in_a_paragraph(tmp_path):
    """规模以上企业数量（个）: yearly in 近三年主要发展指标, a count in the 主导产业 block;
    titles as paragraphs above one table per block."""
    rec = read(tmp_path, PARK_TITLE,
               p("近三年主要发展指标"), tbl(YEARS, tr("规模以上企业数量（个）", "11", "12", "13", "12")),
               p("主导产业近三年发展情况"), tbl(tr("企业数量（个）", "80", "规模以上企业数量（个）", "9")))
    assert rec.values["above_scale_count_2024"] == "12"
    assert rec.values["lead_above_scale_count"] == "9"
    assert rec.places["above_scale_count_avg"] == ("表1", "第2行「规模以上企业数量(个)」近三年平均值")


def test_remark_rows_and_list_with_extra_rows_and_typed_ranks(tmp_path):
    rec = read(tmp_path, PARK_TITLE, tbl(
        tr(tc("主导产业营业收入排名前十的企业（按 2025 年末数据排名）", span=3)),
        tr("企业名称", "营业收入 （亿元）", "主营业务和主要产品"),
        tr("1.甲科技有限公司", "38.5亿元", "服务器"),
        tr("2、乙智能股份有限公司", "12", "芯片"),
        tr("备注", tc("以上为2025年数据", span=2)),
        tr("", "", ""), tr("", "", ""),
        tr(tc("近三年研发投入情况", span=3)),
    ))
    v = rec.values
    assert v["top_enterprises.1.enterprise"] == "甲科技有限公司" and v["top_enterprises.1.revenue"] == "38.5亿元"
    assert v["top_enterprises.2.enterprise"] == "乙智能股份有限公司" and v["top_enterprises.2.business"] == "芯片"
    assert not any(k.startswith("top_enterprises.3") for k in v)
    assert rec.places["top_enterprises.2.revenue"] == ("表1", "第4行「营业收入(亿元)」")


def test_list_with_rank_column(tmp_path):
    rec = read(tmp_path, ENTERPRISE_TITLE, tbl(
        tr(tc("重点领域主导产品情况（2025 年销售收入占总营收前五位的产品）", span=4)),
        tr("序号", "产品名称", "销售收入（亿元）", "国内市场占有率（%）"),
        tr("2", "工业机器人", "8.5", "12.3%"), tr("1", "协作机器人", "10", "20"),
    ))
    assert rec.values["top_products.1.product"] == "协作机器人" and rec.values["top_products.2.market_share"] == "12.3%"


@pytest.mark.parametrize("box_on, box_off", [
    ("☑", "☐"), ("■", "□"), (sym("F0FE"), sym("F0A8")), (checkbox_sdt(True), checkbox_sdt(False)),
    (formcheckbox(True), formcheckbox(False)), (sym("52", "Wingdings 2"), sym("A3", "Wingdings 2")),
])
def test_checkbox_styles(tmp_path, box_on, box_off):
    on = box_on if box_on.startswith("<") else r(box_on)
    off = box_off if box_off.startswith("<") else r(box_off)
    rec = read(tmp_path, ENTERPRISE_TITLE, tbl(
        tr(tc("企业基本信息", span=4)),
        tr("企业类型", tc(p(off, r("国有 "), on, r("民营 "), off, r("合资 "), off, r("其他_____")), span=3)),
        tr(tc("企业认定情况", span=4)),
        tr(tc(p(on, r(" 高新技术企业")), span=2), tc(p(off, r(" 专精特新中小企业")), span=2)),
        tr(tc(p(off, r("专精特新“小巨人”企业")), span=2), tc(p(on, r("制造业单项冠军企业")), span=2)),
        tr(tc(p(on, r(" 其他 国家技术创新示范企业")), span=4)),
    ))
    v = rec.values
    assert v["ownership"] == "民营"
    assert (v["is_high_tech"], v["is_srdi_sme"], v["is_little_giant"], v["is_single_champion"]) == (True, False, False, True)
    assert v["other_recognition"] == "国家技术创新示范企业"


def test_lone_tick_before_an_option(tmp_path):
    rec = read(tmp_path, ENTERPRISE_TITLE, tbl(tr("企业类型", "国有 √民营 合资 其他")))
    assert rec.values["ownership"] == "民营"


def test_ticks_without_boxes_untick_the_bare_items_of_their_group(tmp_path):
    rec = read(tmp_path, ENTERPRISE_TITLE, tbl(
        tr(tc("企业认定情况", span=4)),
        tr(tc("√ 高新技术企业", span=2), tc("专精特新中小企业", span=2)),
        tr(tc("专精特新“小巨人”企业", span=2), tc("制造业单项冠军企业", span=2))),
        p("三、附件清单"), p("√1.示范基地空间布局平面图；"), p("2.重点领域营业收入的说明或证明材料；"))
    v = rec.values
    assert (v["is_high_tech"], v["is_srdi_sme"], v["is_little_giant"], v["is_single_champion"]) == (True, False, False, False)
    assert (v["attachment_1"], v["attachment_2"]) == (True, False)
    bare = read(tmp_path, ENTERPRISE_TITLE, tbl(tr(tc("企业认定情况", span=4)), tr("高新技术企业", "专精特新中小企业")),
                tbl(tr("企业名称", "甲公司")), name="b.docx")
    assert "is_high_tech" not in bare.values  # no mark anywhere: unknown, not False


def test_two_options_ticked_is_a_problem(tmp_path):
    rec = read(tmp_path, ENTERPRISE_TITLE, tbl(tr("企业类型", "☑国有 ☑民营 ☐合资 ☐其他")))
    assert "ownership" not in rec.values
    assert [pr.key for pr in rec.problems if "勾选了多项" in pr.reason] == ["ownership"]


def test_content_controls_around_runs_paragraphs_and_cells(tmp_path):
    cell = tc(p(sdt_run("12345678", "phone")))
    rec = read(tmp_path, PARK_TITLE, tbl(
        tr("联系人及职务", tc('<w:sdt><w:sdtPr><w:tag w:val="contact"/></w:sdtPr><w:sdtContent>' + p("张三 主任") + "</w:sdtContent></w:sdt>"),
           "联系电话", cell),
        tr("园区地址", sdt_cell(tc("江苏省苏州市"), "address")),
    ))
    assert rec.values["contact"] == "张三 主任" and rec.values["phone"] == "12345678"
    assert rec.values["address"] == "江苏省苏州市"


def test_long_text_in_the_cell_after_the_prompt_in_place_of_it_and_below_the_table(tmp_path):
    prompt = "详细描述有关情况（不超过 2000 字）。"
    rec = read(tmp_path, PARK_TITLE,
               tbl(tr("主导产业产业政策情况"), tr(prompt), tr(tc(p("第一段政策。"), p("第二段政策。")))),
               tbl(tr("主导产业公共服务水平情况"), tr(prompt)),
               p("公共服务第一段。"), p("公共服务第二段。"),
               p("二、创建工作方案（每部分不超过 2000 字）"))
    assert rec.values["policy"] == "第一段政策。\n第二段政策。"
    assert rec.values["public_service"] == "公共服务第一段。\n公共服务第二段。"
    rec2 = read(tmp_path, ENTERPRISE_TITLE, tbl(tr("公司治理情况"), tr("董事会下设战略委员会。")), name="g.docx")
    assert rec2.values["governance"] == "董事会下设战略委员会。"


def test_plan_sections_styled_or_bold_with_guidance_removed(tmp_path):
    rec = read(tmp_path, PARK_TITLE,
               p("二、创建工作方案（每部分不超过 2000 字）"),
               p("（一）发展基础", style="Heading2"),
               p("主要包括园区整体发展情况、主导产业发展情况。"),
               p("园区集聚企业 300 家。"), p("第二段基础。"),
               p(r("（二）总体思路", bold=True)),
               p("主要包括发展定位、创建目标和发展思路。到2028年，营业收入突破1000亿元。"),
               p("（三） 重点任务"), p("任务一。"),
               p("三、附件清单"), p("有关说明或证明材料，包括但不限于："),
               p("☑1.示范基地空间布局平面图；"), p("☐2.主导产业规模的说明材料和测算依据；"), p("3.主导产业规上企业名单；√"))
    v = rec.values
    assert v["plan_basis"] == "园区集聚企业 300 家。\n第二段基础。"
    assert v["plan_approach"] == "到2028年，营业收入突破1000亿元。"
    assert v["plan_tasks"] == "任务一。"
    assert (v["attachment_1"], v["attachment_2"], v["attachment_3"]) == (True, False, True)
    assert "attachment_4" not in v
    assert rec.places["plan_basis"][0] == "正文"


def test_cover_lines_and_recommender_opinion(tmp_path):
    rec = read(tmp_path, PARK_TITLE,
               p("申报单位：苏州工业园区管理委员会 （盖章）"), p("申报领域：人工智能"),
               p("推荐单位：江苏省工业和信息化厅（盖章）"), p("填报日期： 2026 年 3 月 26 日"),
               p("四、推荐单位意见"), p("推荐意见"), p("同意推荐。"), p("[章]"), p("2026 年 4 月 1 日"))
    v = rec.values
    assert v["applicant_unit"] == "苏州工业园区管理委员会" and v["domain"] == "人工智能"
    assert v["recommender"] == "江苏省工业和信息化厅" and v["filled_date"] == "2026 年 3 月 26 日"
    assert v["recommender_opinion"] == "同意推荐。" and v["recommender_opinion_date"] == "2026 年 4 月 1 日"


def test_blank_cover_date_is_missing(tmp_path):
    rec = read(tmp_path, PARK_TITLE, p("填报日期：    年   月   日"), tbl(tr("园区名称", "甲园区")))
    assert "filled_date" not in rec.values


def test_year_columns_follow_the_header_not_the_order(tmp_path):
    rec = read(tmp_path, PARK_TITLE, tbl(
        tr(tc("近三年研发投入情况", span=5)),
        tr("项目/年度", "2025 年", "2024 年", "2023 年", "近三年平均值"),
        tr("主导产业研发投入（亿元）", "3", "2", "1", "2"),
    ))
    assert (rec.values["lead_rd_2023"], rec.values["lead_rd_2025"]) == ("1", "3")


def test_missing_label_and_repeated_value_are_problems(tmp_path):
    rec = read(tmp_path, PARK_TITLE, tbl(tr("园区名称", "甲园区"), tr("园区名称", "乙园区")))
    assert rec.values["name"] == "甲园区"
    again = [pr for pr in rec.problems if pr.key == "name"]
    assert len(again) == 1 and "出现两次" in again[0].reason and again[0].value == "乙园区"
    missing = {pr.key for pr in rec.problems if "找不到" in pr.reason}
    assert {"planned_area", "total_revenue", "plan_basis"} <= missing


def test_approximate_label_is_read_and_noted(tmp_path):
    rec = read(tmp_path, PARK_TITLE, tbl(tr(tc("总体情况", span=4)), tr("规划面积（公顷", "278", "建成面积(公顷）", "150")))
    assert rec.values["planned_area"] == "278"


def test_not_a_form_and_broken_files(tmp_path):
    other = read(tmp_path, p("会议纪要"), tbl(tr("时间", "2026年")), name="x.docx")
    assert other.reason.startswith("不是国家新兴产业发展示范基地创建申请书")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04garbage")
    assert "损坏" in read_form(tmp_path / "broken.docx").reason
    empty = read(tmp_path, PARK_TITLE, tbl(tr("园区名称", "")), name="e.docx")
    assert empty.reason == "申请书未填写任何内容（空表）"


def test_python_docx_document_reads_the_same(tmp_path):
    """A form typed in a document saved by python-docx (what most generators produce)."""
    import docx

    d = docx.Document()
    d.add_paragraph("国家新兴产业发展示范基地创建申请书（示范企业）")
    t = d.add_table(rows=2, cols=4)
    t.cell(0, 0).text, t.cell(0, 1).text = "企业名称", "甲机器人有限公司"
    a = t.cell(1, 1).merge(t.cell(1, 3))
    t.cell(1, 0).text, a.text = "统一社会信用代码", "91350900587527783P"
    d.save(tmp_path / "e.docx")
    rec = read_form(tmp_path / "e.docx")
    assert rec.values["name"] == "甲机器人有限公司" and rec.values["credit_code"] == "91350900587527783P"


def test_word_summary_table(tmp_path):
    path = write_docx(tmp_path / "附件1-推荐汇总表.docx",
                      p("国家新兴产业发展示范基地创建对象推荐汇总表"), p("推荐单位（盖章）：广东省工业和信息化厅"),
                      tbl(tr("序号", "申报单位名称", "园区/企业名称", tc(p("申报类别"), p("(园区/企业)")), "申报创建领域"),
                          tr("1", "广州开发区管委会", "广州人工智能园", "园区", "人工智能"),
                          tr("", "", "", "", ""),
                          tr("2", "甲公司", "甲公司", "企业", "软件"), tr("...", "", "", "", "")))
    s = read_summary(path)
    assert s.ok and s.header["recommender"] == "广东省工业和信息化厅"
    assert [(x["seq"], x["name"], x["category"], x["row"]) for x in s.rows] == [("1", "广州人工智能园", "园区", 2), ("2", "甲公司", "企业", 4)]
    assert s.rows[1]["places"]["domain"] == ("表1", "第4行「申报创建领域」")


def test_every_label_of_the_notice_is_recognised():
    """Each table cell of annexes 1-3 as printed in the notice is a label, a block title,
    a header or a prompt the reader knows."""
    notice_forms = pytest.importorskip("notice_forms")
    if not notice_forms.NOTICE.exists():
        pytest.skip("../shared/notice.md is not beside the checkout")
    from nebase_analysis.config import load_config
    from nebase_analysis.intake.readers.wordmodel import form_model, strip_marks
    from nebase_analysis.templates import summary_layout

    cfg = load_config()
    known_summary = {norm(x) for x in summary_layout(cfg)["label"]} | {norm("申报类别 (园区/企业)")}
    assert {norm(c) for c in notice_forms.label_cells(1)} <= known_summary
    for annex, form in ((2, "park"), (3, "enterprise")):
        m = form_model(form, cfg)
        list_cols = {k for _, cols, _, _ in m.lists.values() for k in cols}
        unknown = []
        for cell in notice_forms.label_cells(annex):
            bare = strip_marks(cell, "☐")[0]
            n = norm(bare)
            if (m.candidates(bare) or n in m.blocks or n in m.year_cols or n in list_cols or n == m.prompt
                    or n == norm(cfg["wordforms"]["year_header"]) or n.startswith("其他") or all(c in n for c in ("国有", "民营", "合资"))):
                continue
            unknown.append(cell)
        assert unknown == [], (form, unknown)


def test_the_notice_forms_typed_in_word_are_read_whole(tmp_path):
    """The notice's own layout of annexes 2 and 3, every value cell filled: every field found."""
    notice_forms = pytest.importorskip("notice_forms")
    if not notice_forms.NOTICE.exists():
        pytest.skip("../shared/notice.md is not beside the checkout")
    from nebase_analysis.intake.readers.wordmodel import form_model

    for annex, form in ((2, "park"), (3, "enterprise")):
        m = form_model(form)
        numbered = iter(range(1, 10_000))

        def fill(label, k):
            if m.candidates(label) and k == 0 or (m.candidates(label) and any(t.kind == "yearly" for t in m.candidates(label))):
                return str(next(numbered))
            return None

        rec = read_form(notice_forms.notice_docx(tmp_path / f"{form}.docx", annex, fill))
        assert rec.form == form
        expected = {k for blk in m.labels.values() for t in blk if t.block for k in t.keys if t.kind not in ("bool", "choice")}
        expected -= {"other_recognition"}
        assert expected <= set(rec.values), sorted(expected - set(rec.values))
