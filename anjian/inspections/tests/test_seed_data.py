"""Checks of the checklist seed data: totals, counts and cross-references."""

from decimal import Decimal

import pytest

from anjian.inspections.scoring import (
    DEDUCTION_KINDS,
    JGJ59_CATEGORY_LABELS,
    JGJ59_WEIGHTS,
    ItemResult,
    deduction_for_lines,
    table_score,
)
from anjian.inspections.seed.daily_patrol import DAILY_PATROL_TEMPLATE
from anjian.inspections.seed.epidemic import EPIDEMIC_TEMPLATE
from anjian.inspections.seed.jgj59 import JGJ59_SHEETS, JGJ59_SUMMARY
from anjian.inspections.seed.major_hazard_2024 import (
    MAJOR_HAZARD_2024_CLAUSES,
    MAJOR_HAZARD_2024_CODES,
)

SHEETS = {sheet["code"]: sheet for sheet in JGJ59_SHEETS}


def item_points(sheet_code):
    """Return {item name: points} of one sheet."""
    return {item["name"]: item["points"] for item in SHEETS[sheet_code]["items"]}


# JGJ 59-2011 sheets


def test_there_are_19_sheets_from_b1_to_b19_in_order():
    assert [sheet["code"] for sheet in JGJ59_SHEETS] == [f"B.{n}" for n in range(1, 20)]


@pytest.mark.parametrize("sheet", JGJ59_SHEETS, ids=lambda sheet: sheet["code"])
def test_every_sheet_totals_100_points(sheet):
    assert sum(item["points"] for item in sheet["items"]) == 100


@pytest.mark.parametrize("sheet", JGJ59_SHEETS, ids=lambda sheet: sheet["code"])
def test_guarantee_items_total_60_where_the_sheet_is_split(sheet):
    guarantee = sum(item["points"] for item in sheet["items"] if item["guarantee"])
    assert guarantee == (60 if sheet["has_guarantee_split"] else 0)


def test_only_b13_and_b19_have_no_guarantee_split():
    unsplit = [sheet["code"] for sheet in JGJ59_SHEETS if not sheet["has_guarantee_split"]]
    assert unsplit == ["B.13", "B.19"]


def test_item_counts_follow_the_standard():
    counts = {code: len(sheet["items"]) for code, sheet in SHEETS.items()}
    assert counts["B.3"] == 11
    assert counts["B.14"] == 7
    assert counts["B.15"] == 9
    assert counts["B.19"] == 11
    others = set(SHEETS) - {"B.3", "B.14", "B.15", "B.19"}
    assert all(counts[code] == 10 for code in others)


def test_item_codes_are_unique_and_numbered_within_their_sheet():
    codes = [item["code"] for sheet in JGJ59_SHEETS for item in sheet["items"]]
    assert len(codes) == len(set(codes))
    for sheet in JGJ59_SHEETS:
        expected = [f"{sheet['code']}-{n}" for n in range(1, len(sheet["items"]) + 1)]
        assert [item["code"] for item in sheet["items"]] == expected


def test_special_points_match_domain():
    assert item_points("B.3")["构配件材质"] == 5
    assert item_points("B.3")["通道"] == 5
    assert item_points("B.14") == {
        "外电防护": 10,
        "接地与接零保护系统": 20,
        "配电线路": 10,
        "配电箱与开关箱": 20,
        "配电室与配电装置": 15,
        "现场照明": 15,
        "用电档案": 10,
    }
    assert item_points("B.15")["安全装置"] == 15
    assert item_points("B.15")["防护设施"] == 15
    b19 = item_points("B.19")
    assert [b19[name] for name in ("平刨", "圆盘锯", "手持电动工具", "钢筋机械", "电焊机")] == [
        10,
        10,
        8,
        10,
        10,
    ]


def test_b19_last_six_items_share_52_points_and_are_editable():
    last_six = SHEETS["B.19"]["items"][5:]
    assert [item["name"] for item in last_six] == [
        "搅拌机",
        "气瓶",
        "翻斗车",
        "潜水泵",
        "振捣器",
        "桩工机械",
    ]
    assert sum(item["points"] for item in last_six) == 52
    assert all(item["editable_default"] for item in last_six)
    assert not any(item["editable_default"] for item in SHEETS["B.19"]["items"][:5])


def test_sheets_with_unchecked_item_names_are_editable():
    for code in ("B.4", "B.5", "B.6", "B.7", "B.8", "B.9", "B.16", "B.18"):
        assert all(item["editable_default"] for item in SHEETS[code]["items"]), code


@pytest.mark.parametrize("sheet", JGJ59_SHEETS, ids=lambda sheet: sheet["code"])
def test_every_item_has_one_to_three_valid_deduction_lines(sheet):
    for item in sheet["items"]:
        lines = item["deduction_lines"]
        assert 1 <= len(lines) <= 3, item["code"]
        for line in lines:
            assert line["kind"] in DEDUCTION_KINDS
            assert line["editable_default"] is True
            assert "扣" in line["text"]
            if line["kind"] == "fixed":
                assert line["min"] == line["max"] <= item["points"], line["text"]
                assert line["text"].endswith(f"扣{line['max']}分")
            elif line["kind"] == "range":
                assert 0 < line["min"] < line["max"] <= item["points"], line["text"]
                assert line["text"].endswith(f"扣{line['min']}~{line['max']}分")
            else:
                assert 0 < line["per"] <= item["points"], line["text"]
                assert line["text"].endswith(f"每处扣{line['per']}分")


@pytest.mark.parametrize("sheet", JGJ59_SHEETS, ids=lambda sheet: sheet["code"])
def test_every_sheet_scores_100_when_nothing_is_deducted(sheet):
    items = [
        ItemResult(item["code"], Decimal(item["points"]), Decimal(0), item["guarantee"])
        for item in sheet["items"]
    ]
    result = table_score(items, sheet["has_guarantee_split"], code=sheet["code"])
    assert result.score == Decimal("100.00")


def test_seed_deduction_lines_feed_deduction_for_lines():
    item = SHEETS["B.1"]["items"][0]  # 安全生产责任制: fixed 10, fixed 3, range 2~10
    assert deduction_for_lines(item["deduction_lines"], [0, 1, 5], points=item["points"]) == 8


def test_summary_lists_the_10_categories_with_the_scoring_weights():
    assert [entry["code"] for entry in JGJ59_SUMMARY] == list(JGJ59_WEIGHTS)
    for entry in JGJ59_SUMMARY:
        assert Decimal(entry["weight"]) == JGJ59_WEIGHTS[entry["code"]]
        assert entry["name"] == JGJ59_CATEGORY_LABELS[entry["code"]]
    assert sum(entry["weight"] for entry in JGJ59_SUMMARY) == 100


def test_summary_rolls_every_sheet_into_its_category_exactly_once():
    rolled = [code for entry in JGJ59_SUMMARY for code in entry["sheets"]]
    assert sorted(rolled) == sorted(SHEETS)
    for entry in JGJ59_SUMMARY:
        for code in entry["sheets"]:
            assert SHEETS[code]["category"] == entry["code"]
        assert entry["rollup"] == ("mean" if len(entry["sheets"]) > 1 else "single")
    means = {entry["code"]: entry["sheets"] for entry in JGJ59_SUMMARY if entry["rollup"] == "mean"}
    assert means == {
        "SCAFFOLD": ["B.3", "B.4", "B.5", "B.6", "B.7", "B.8", "B.9", "B.10"],
        "HOIST": ["B.15", "B.16"],
        "CRANE": ["B.17", "B.18"],
    }


# 2024 major-hazard clauses


def test_there_are_53_major_hazard_clauses():
    assert len(MAJOR_HAZARD_2024_CLAUSES) == 53
    assert len(MAJOR_HAZARD_2024_CODES) == 53


def test_major_hazard_item_counts_per_article_match_the_2024_standard():
    expected = {4: 5, 5: 4, 6: 4, 7: 3, 8: 9, 9: 5, 10: 2, 11: 4, 12: 2, 13: 7, 14: 3, 15: 3}
    expected.update({16: 1, 17: 1})
    counts: dict[int, int] = {}
    for clause in MAJOR_HAZARD_2024_CLAUSES:
        counts[clause["article"]] = counts.get(clause["article"], 0) + 1
    assert counts == expected


def test_major_hazard_codes_and_labels_follow_one_scheme():
    first = MAJOR_HAZARD_2024_CLAUSES[0]
    assert (first["code"], first["label"], first["item"]) == ("MH2024-4-1", "第4条第1项", 1)
    last_two = MAJOR_HAZARD_2024_CLAUSES[-2:]
    assert [(c["code"], c["label"], c["item"]) for c in last_two] == [
        ("MH2024-16", "第16条", None),
        ("MH2024-17", "第17条", None),
    ]
    for clause in MAJOR_HAZARD_2024_CLAUSES:
        assert clause["doc"] == "MAJOR_HAZARD_2024"
        assert clause["text"] and clause["category"]


# Compliance templates


@pytest.mark.parametrize(
    ("template", "section_count", "low", "high"),
    [(EPIDEMIC_TEMPLATE, 8, 2, 4), (DAILY_PATROL_TEMPLATE, 10, 3, 5)],
    ids=["epidemic", "daily_patrol"],
)
def test_compliance_templates_have_their_sections_and_items(template, section_count, low, high):
    assert template["scored"] is False
    assert [code for code, _ in template["result_choices"]] == ["COMPLIANT", "NON_COMPLIANT", "NA"]
    assert len(template["sections"]) == section_count
    codes = []
    for section in template["sections"]:
        assert low <= len(section["items"]) <= high, section["name"]
        for item in section["items"]:
            assert item["kind"] == "COMPLIANCE"
            assert item["text"]
            codes.append(item["code"])
    assert len(codes) == len(set(codes))


def test_epidemic_template_covers_the_required_sections():
    assert [section["name"] for section in EPIDEMIC_TEMPLATE["sections"]] == [
        "人员进出管理与登记",
        "体温检测",
        "口罩佩戴",
        "消毒记录",
        "宿舍居住密度",
        "食堂管理",
        "隔离观察室",
        "应急预案",
    ]


def test_daily_patrol_template_covers_the_required_sections():
    assert [section["name"] for section in DAILY_PATROL_TEMPLATE["sections"]] == [
        "安全管理",
        "文明施工",
        "脚手架",
        "基坑",
        "模板支架",
        "高处作业",
        "临时用电",
        "起重机械",
        "施工机具",
        "消防",
    ]


def test_daily_patrol_items_default_to_general_and_reference_existing_major_clauses():
    items = [item for section in DAILY_PATROL_TEMPLATE["sections"] for item in section["items"]]
    assert all(item["hazard_grade"] == "GENERAL" for item in items)
    referenced = [item["major_clause"] for item in items if item["major_clause"]]
    assert referenced, "some items should suggest a major clause"
    missing = [code for code in referenced if code not in MAJOR_HAZARD_2024_CODES]
    assert missing == []
