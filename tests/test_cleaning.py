"""Cleaning parsers: numbers, units, dates, names, aliases, GB 32100-2015 check digit."""
import math

import numpy as np
import pandas as pd
import pytest

from nebase_analysis import cleaning as cl


@pytest.mark.parametrize(
    "raw, unit, value, rule",
    [
        ("1,234.5", "亿元", 1234.5, "thousands_separator"),
        ("12.3%", "%", 12.3, "percent_sign"),
        ("１２３", "个", 123.0, "fullwidth"),
        ("１，２３４．５", "亿元", 1234.5, "fullwidth+thousands_separator"),
        ("1 234", "亿元", 1234.0, "thousands_separator"),
        ("1 234 567.5", "亿元", 1234567.5, "thousands_separator"),
        ("3 000万元", "亿元", 0.3, "thousands_separator+unit_converted:万元->亿元"),
        ("30 亿元", "亿元", 30.0, "unit_stripped"),
        ("5亿元", "亿元", 5.0, "unit_stripped"),
        ("3000万元", "亿元", 0.3, "unit_converted:万元->亿元"),
        ("2.5亿元", "万元/公顷", math.nan, "unit_mismatch:亿元"),
        ("1,500万", "亿元", 0.15, "thousands_separator+unit_converted:万->亿元"),
        ("-5.2", "%", -5.2, "text_number"),
        ("−3.1", "%", -3.1, "text_number"),
        ("12家", "个", 12.0, "unit_stripped"),
        ("200亩", "公顷", 13.3333333333, "unit_converted:亩->公顷"),
        (" 42 ", "人", 42.0, "text_number"),
        (7, "亿元", 7.0, None),
        (0, "个", 0.0, None),
        (2.75, "亿元", 2.75, None),
    ],
)
def test_parse_number(raw, unit, value, rule):
    p = cl.parse_number(raw, unit)
    assert p.rule == rule
    if math.isnan(value):
        assert math.isnan(p.value) and not p.ok
    else:
        assert p.value == pytest.approx(value, rel=1e-9) and p.ok


@pytest.mark.parametrize("raw", ["—", "——", "无", "-", "N/A", "n/a", "NA", "／", "暂无", "不适用"])
def test_missing_tokens_are_missing_never_zero(raw):
    p = cl.parse_number(raw, "亿元")
    assert math.isnan(p.value) and p.ok and p.rule == "missing_token"


@pytest.mark.parametrize("raw", [None, "", "   ", float("nan")])
def test_blank_is_missing_without_a_log_rule(raw):
    p = cl.parse_number(raw, "亿元")
    assert math.isnan(p.value) and p.rule is None and p.ok


@pytest.mark.parametrize("raw", ["abc", "1,2", "5-8", "(5)", "一百", True])
def test_unreadable_numbers(raw):
    p = cl.parse_number(raw, "个")
    assert math.isnan(p.value) and not p.ok


@pytest.mark.parametrize(
    "raw, value, rule",
    [
        ("约30亿左右", 30.0, "approximate:约/左右+unit_stripped"),
        ("约5亿", 5.0, "approximate:约+unit_stripped"),
        ("超过5亿", 5.0, "approximate:超过+unit_stripped"),  # the longer word, not 超 inside it
        ("30多亿", 30.0, "approximate:多+unit_stripped"),
        ("大约 12.5", 12.5, "approximate:大约"),
        ("１２亿元以上", 12.0, "fullwidth+approximate:以上+unit_stripped"),  # after NFKC, like the digits
        ("近3,000万元", 0.3, "approximate:近+thousands_separator+unit_converted:万元->亿元"),
    ],
)
def test_approximate_numbers_are_read_with_the_words_named(raw, value, rule):
    """Default intake.approximate_numbers: flag. The rule names the words: intake reports the cell."""
    p = cl.parse_number(raw, "亿元")
    assert p.value == pytest.approx(value, rel=1e-12) and p.ok and p.rule == rule


REFUSE = {"intake": {"approximate_numbers": "refuse"}}


@pytest.mark.parametrize(
    "raw, rule, config",
    [
        ("约30亿左右", "approximate:约/左右", REFUSE),
        ("超过5亿", "approximate:超过", REFUSE),
        ("1多2", "unreadable", None),  # a word between digits is never dropped
        ("30 40", "ambiguous_spaces", None),  # one number or two?
        ("约 30 40", "ambiguous_spaces", None),
        ("1 2345", "ambiguous_spaces", None),  # not groups of three
        ("1,234 567", "ambiguous_spaces", None),
        ("3. 5", "ambiguous_spaces", None),
        # a proper thousands group followed by a stray one: never one longer number
        ("1 234 5", "ambiguous_spaces", None),
        ("1 234 56", "ambiguous_spaces", None),
        ("1 234 567 8", "ambiguous_spaces", None),
        ("1 234.5 6", "ambiguous_spaces", None),
        ("1 234 5亿元", "ambiguous_spaces", None),
        ("1,2345", "unreadable", None),  # comma grouping of four digits: not a thousands separator
    ],
)
def test_refused_numbers_are_never_guessed(raw, rule, config):
    from nebase_analysis.config import load_config

    p = cl.parse_number(raw, "亿元", None if config is None else load_config(config))
    assert math.isnan(p.value) and not p.ok and p.rule == rule


@pytest.mark.parametrize(
    "raw, value",
    [("1 234", 1234.0), ("1 234 567", 1234567.0), ("1 234.5", 1234.5), ("-1 234 567.25", -1234567.25),
     ("1 234 亿元", 1234.0), ("12 345", 12345.0)],
)
def test_space_thousands_separator_is_read_when_every_group_has_three_digits(raw, value):
    p = cl.parse_number(raw, "亿元")
    assert p.ok and p.value == value and p.rule.startswith("thousands_separator")


def test_approximate_words_and_policy_come_from_config():
    from nebase_analysis.config import load_config

    assert cl.approximate_words("约30亿左右") == ["约", "左右"]
    assert cl.approximate_words("近3000万元") == ["近"] and cl.approximate_words(30) == []
    rules = cl.cleaning_rules(load_config({"intake": {"approximate_words": ["大致"]}}))
    assert cl.parse_number("大致30", "亿元", rules) == cl.Parsed(30.0, "approximate:大致", True)
    # 约 is no longer an approximate word under this config: the text is merely unreadable
    assert cl.parse_number("约30", "亿元", rules)[1:] == ("unreadable", False)
    assert cl.parse_number("大致30", "亿元")[1:] == ("unreadable", False)
    from nebase_analysis.config import ConfigError

    with pytest.raises(ConfigError, match="^配置项 intake.approximate_numbers 应为 flag 或 refuse，而不是「ignore」$"):
        cl.cleaning_rules(load_config({"intake": {"approximate_numbers": "ignore"}}))


def test_plain_number_unit_slip_is_not_guessed():
    # 30000 in a 亿元 field is probably 万元, but cleaning must leave it to validation
    assert cl.parse_number(30000, "亿元") == cl.Parsed(30000.0, None, True)
    assert cl.parse_number("30000", "亿元") == cl.Parsed(30000.0, "text_number", True)


def test_clean_numbers_vectorised_matches_scalar():
    raw = ["1,234.5", 7, "无", None, "３０００万元", 2.5, "x", np.int64(3)]
    out = clean_out = cl.clean_numbers(raw, "亿元")
    assert out["value"].dtype == "float64"
    for i, v in enumerate(raw):
        p = cl.parse_number(v, "亿元")
        got = clean_out.loc[i]
        assert (math.isnan(p.value) and math.isnan(got.value)) or p.value == got.value
        assert p.rule == got.rule and p.ok == got.ok


@pytest.mark.parametrize(
    "raw, expected, rule",
    [
        ("2026-04-08", "2026-04-08", "date_text"),
        ("2026/4/8", "2026-04-08", "date_text"),
        ("2026年4月8日", "2026-04-08", "date_text"),
        ("２０２６年４月８日", "2026-04-08", "date_text"),
        ("2026.4.8", "2026-04-08", "date_text"),
        ("20260408", "2026-04-08", "date_text"),
        (46120, "2026-04-08", "excel_serial"),  # Excel serial of 2026-04-08 (1900 date system)
        (46120.0, "2026-04-08", "excel_serial"),
        (pd.Timestamp("2026-04-08"), "2026-04-08", None),
        (__import__("datetime").date(2026, 4, 8), "2026-04-08", None),
        (__import__("datetime").datetime(2026, 4, 8, 15, 30), "2026-04-08", "time_dropped"),
        ("2020年5月", "2020-05-01", "month_only"),
    ],
)
def test_parse_date(raw, expected, rule):
    p = cl.parse_date(raw)
    assert p.value == pd.Timestamp(expected) and p.rule == rule and p.ok


@pytest.mark.parametrize("raw", ["2026-02-30", "明年", 12, "2026-13-01"])
def test_unreadable_dates(raw):
    p = cl.parse_date(raw)
    assert p.value is pd.NaT and not p.ok


def test_clean_dates_dtype():
    out = cl.clean_dates(["2026/4/8", None, "无"])
    assert str(out["value"].dtype) == "datetime64[ns]"
    assert out["value"].isna().tolist() == [False, True, True]


def test_excel_serial_epoch_known_values():
    # 1900 date system: serial 1 is 1900-01-01 with Excel's leap-year bug, so modern
    # serials count from 1899-12-30; 45292 is 2024-01-01.
    assert cl.parse_date(45292).value == pd.Timestamp("2024-01-01")


@pytest.mark.parametrize(
    "raw, expected",
    [
        (" 华为技术 (深圳)有限公司 ", "华为技术（深圳）有限公司"),
        ("深圳市　大疆创新科技有限公司", "深圳市大疆创新科技有限公司"),
        ("ＡＢＣ机器人有限公司", "ABC机器人有限公司"),
        ("ABC  Robotics  Co.", "ABC Robotics Co."),
    ],
)
def test_normalize_name(raw, expected):
    assert cl.normalize_name(raw) == expected


def test_name_key_matches_across_company_forms_and_brackets():
    k = cl.name_key
    assert k("深圳市大疆创新科技股份有限公司") == k("深圳市 大疆创新科技有限公司") == "深圳市大疆创新科技"
    assert k("华为技术(深圳)有限公司") == k("华为技术（深圳）有限责任公司")
    assert k("华为技术有限公司") != k("华为终端有限公司")
    assert k(None) is None


@pytest.mark.parametrize(
    "raw, expected",
    [("广东", "广东省"), ("粤", "广东省"), ("广东省", "广东省"), (" 内蒙古 ", "内蒙古自治区"), ("兵团", "新疆生产建设兵团"),
     ("新疆", "新疆维吾尔自治区"), ("黔", "贵州省"), ("火星", None), (None, None)],
)
def test_resolve_province(raw, expected):
    assert cl.resolve_province(raw) == expected


def test_province_from_recommender_text():
    assert cl.province_from_text("广东省工业和信息化厅") == "广东省"
    assert cl.province_from_text("新疆生产建设兵团工业和信息化局") == "新疆生产建设兵团"
    assert cl.province_from_text("新疆维吾尔自治区工业和信息化厅") == "新疆维吾尔自治区"
    assert cl.province_from_text("宁夏回族自治区工业和信息化厅") == "宁夏回族自治区"
    assert cl.province_from_text("某某公司") is None


def test_resolve_domain_and_category():
    assert cl.resolve_domain("新能源汽车") == "智能网联新能源汽车"
    assert cl.resolve_domain("ai") == "人工智能"
    assert cl.resolve_domain("商业航天领域") == "商业航天"
    assert cl.resolve_domain("纺织") is None
    assert cl.resolve_domains(["储能", "软件"]).tolist() == ["新型储能制造", "软件"]
    assert [cl.resolve_category(x) for x in ("园区", "示范企业", "企业", "其他")] == ["park", "enterprise", "enterprise", None]


def test_parse_bool_choice_text():
    assert cl.parse_bool("是") == cl.Parsed(True, None, True)
    assert cl.parse_bool("否") == cl.Parsed(False, None, True)
    assert cl.parse_bool("√").value is True and cl.parse_bool("N").value is False
    assert not cl.parse_bool("也许").ok
    assert cl.parse_choice("国有企业", ["国有", "民营", "合资", "其他"]).value == "国有"
    assert not cl.parse_choice("外企", ["国有", "民营"]).ok
    assert cl.parse_text(13800138000.0) == cl.Parsed("13800138000", "number_as_text", True)
    assert cl.parse_text("无").value is None


# GB 32100-2015 ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["91350900587527783P", "914403001922038216"])
def test_credit_code_valid(code):
    assert cl.credit_code_valid(code)
    assert cl.credit_code_check_digit(code[:17]) == code[17]


@pytest.mark.parametrize("code", ["91110000600037342L", "91350900587527783Q", "9135090058752778", "91350900587527783I", None, ""])
def test_credit_code_invalid(code):
    assert not cl.credit_code_valid(code)


def test_credit_code_check_digit_by_hand():
    # 914403001922038216: sum of value*weight over the first 17 characters (weights 3^i mod 31)
    code = "91440300192203821"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(cl.CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(code, weights))
    assert (31 - total % 31) % 31 == 6
    assert cl.credit_code_check_digit(code) == "6"
    # the invalid example's correct check character differs from the L written
    assert cl.credit_code_check_digit("91110000600037342") != "L"


def test_credit_code_normalisation():
    assert cl.normalize_credit_code(" ９１３５ 0900-587527783p") == "91350900587527783P"
    assert cl.credit_code_valid(" 91350900587527783p ")
    with pytest.raises(ValueError):
        cl.credit_code_check_digit("9135")


def test_number_cache_lives_with_its_rules_object():
    import gc
    import weakref

    from nebase_analysis.config import load_config

    rules = cl.cleaning_rules(load_config({"intake": {"missing_tokens": ["缺"]}}))
    assert cl.parse_number("缺", "亿元", rules)[1:] == ("missing_token", True)
    assert cl.parse_number("1,234.5", "亿元", rules) == cl.Parsed(1234.5, "thousands_separator", True)
    assert rules.number_cache[("缺", "亿元")].rule == "missing_token"
    # another rules object does not see (or keep) this one's entries
    assert ("缺", "亿元") not in cl.cleaning_rules().number_cache
    assert cl.parse_number("缺", "亿元").ok is False
    ref = weakref.ref(rules)
    del rules
    gc.collect()
    assert ref() is None


def test_is_blank_covers_pandas_missing_values():
    assert [cl.is_blank(v) for v in (None, pd.NA, pd.NaT, math.nan, " ", "", 0, "0", False)] == [True] * 6 + [False] * 3


def test_key_groups_links_transitively_across_keys():
    # 0-2 share a credit code, 1-2-3 a name: one group; 4 has no key, 5 only a lone one
    credit = ["C1", None, "C1", None, None, "C9"]
    name = [None, "n", "n", "n", None, "m"]
    assert cl.key_groups(credit, name) == [[0, 1, 2, 3], [4], [5]]
    assert cl.key_groups([]) == []


# -- zero words: 0 in a count field, missing elsewhere (intake.zero_words) -------------------------------------------


@pytest.mark.parametrize("raw", ["无", "—", "——", "/", "／", "－", "没有", "暂无", " 无 "])
def test_zero_words_are_zero_in_count_fields(raw):
    assert cl.clean_value(raw, "count", "个") == cl.Parsed(0.0, "zero_word", True)
    assert cl.clean_value(raw, "yearly", "人", integer=True) == cl.Parsed(0.0, "zero_word", True)


@pytest.mark.parametrize("raw", ["无", "—", "/", "暂无"])
def test_zero_words_stay_missing_in_other_fields(raw):
    for kind, unit in (("yearly", "亿元"), ("number", "公顷"), ("yearly", "%")):
        p = cl.clean_value(raw, kind, unit)
        assert math.isnan(p.value) and p.rule == "missing_token" and p.ok
    assert cl.clean_value(raw, "text").value is None


def test_zero_words_come_from_the_config():
    from nebase_analysis.config import load_config

    rules = cl.cleaning_rules(load_config({"intake": {"zero_words": ["零"]}}))
    assert cl.clean_value("零", "count", "个", config=rules) == cl.Parsed(0.0, "zero_word", True)
    p = cl.clean_value("无", "count", "个", config=rules)  # no longer a zero word: a missing token again
    assert math.isnan(p.value) and p.rule == "missing_token"
    # numbers and other text in a count field are read as before
    assert cl.clean_value("１２", "count", "个").value == 12.0 and not cl.clean_value("三个", "count", "个").ok
