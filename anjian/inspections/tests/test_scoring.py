"""Hand-computed checks of the JGJ 59-2011 scoring rules (pure functions, no database)."""

from decimal import Decimal

import pytest

from anjian.inspections.scoring import (
    EXCELLENT,
    FAIL,
    GRADE_LABELS,
    GUARANTEE_ITEM_ZERO,
    GUARANTEE_SUBTOTAL_BELOW_40,
    JGJ59_CATEGORY_LABELS,
    JGJ59_WEIGHTS,
    PASS,
    ItemResult,
    TableResult,
    category_score,
    deduction_for_lines,
    grade_for,
    has_zero_table,
    item_score,
    summary_score,
    table_score,
    validate_guarantee_items_checked,
)

D = Decimal


def split_table(guarantee_deductions, general_deductions=(0, 0, 0, 0), general_na=()):
    """Return items of a 6 × 10 保证项目 + 4 × 10 一般项目 table; None marks an unchecked item."""
    items = []
    for index, deduction in enumerate(guarantee_deductions, start=1):
        items.append(
            ItemResult(
                code=f"G{index}",
                points=D(10),
                deduction=D(0 if deduction is None else str(deduction)),
                guarantee=True,
                applicable=deduction is not None,
            )
        )
    for index, deduction in enumerate(general_deductions, start=1):
        items.append(
            ItemResult(
                code=f"N{index}",
                points=D(10),
                deduction=D(str(deduction)),
                guarantee=False,
                applicable=index not in general_na,
            )
        )
    return items


def table(code, score):
    """Return an applicable TableResult with only a score, for category tests."""
    return TableResult(
        code=code,
        score=D(score),
        raw=D(score),
        applicable_full=D(100),
        zero_rule=None,
        guarantee_subtotal=None,
    )


# Items


def test_item_score_is_points_less_deduction():
    assert item_score(ItemResult("A", D(10), D(3), True)) == D(7)


def test_deduction_beyond_the_points_is_capped_at_the_points():
    assert item_score(ItemResult("A", D(10), D(15), True)) == D(0)


def test_item_score_is_never_negative():
    assert item_score(ItemResult("A", D(5), D("5.5"), False)) == D(0)


def test_item_result_accepts_integers_and_refuses_negative_deductions():
    assert ItemResult("A", 10, 2, True).points == D(10)
    with pytest.raises(ValueError):
        ItemResult("A", D(10), D(-1), True)


# Tables


def test_table_with_all_items_checked_scores_the_sum_of_item_scores():
    result = table_score(split_table([2, 0, 1, 0, 0, 0], [3, 0, 0, 4]), True, code="B.1")
    # 60 - 3 = 57 guarantee, 40 - 7 = 33 general, 90 in all.
    assert result.code == "B.1"
    assert result.score == D("90.00")
    assert result.raw == D("90.00")
    assert result.applicable_full == D("100.00")
    assert result.guarantee_subtotal == D("57.00")
    assert result.zero_rule is None


def test_capped_deduction_counts_only_the_item_points_in_the_table():
    # B.13-style table: one item deducted 25 on 10 points loses 10, not 25: 100 - 10 = 90.
    items = [ItemResult(f"H{i}", D(10), D(25 if i == 1 else 0), False) for i in range(1, 11)]
    assert table_score(items, False).score == D("90.00")


def test_not_applicable_items_are_normalised_to_100():
    # 10 + 10 + 10 applicable with 5 deducted: D = 25, E = 30 → 25 / 30 × 100 = 83.33.
    items = [
        ItemResult("H1", D(10), D(5), False),
        ItemResult("H2", D(10), D(0), False),
        ItemResult("H3", D(10), D(0), False),
    ] + [ItemResult(f"H{i}", D(10), D(0), False, applicable=False) for i in range(4, 11)]
    result = table_score(items, False)
    assert result.raw == D("25.00")
    assert result.applicable_full == D("30.00")
    assert result.score == D("83.33")
    assert result.not_applicable == tuple(f"H{i}" for i in range(4, 11))


def test_table_score_rounds_half_up_at_the_end():
    # 8 items of 10 applicable, 13.34 deducted: 66.66 / 80 × 100 = 83.325 → 83.33 (not 83.32).
    items = [ItemResult("H1", D(10), D("10"), False), ItemResult("H2", D(10), D("3.34"), False)]
    items += [ItemResult(f"H{i}", D(10), D(0), False) for i in range(3, 9)]
    items += [ItemResult(f"H{i}", D(10), D(0), False, applicable=False) for i in (9, 10)]
    assert table_score(items, False).score == D("83.33")


def test_a_guarantee_item_at_zero_zeroes_the_table():
    result = table_score(split_table([10, 0, 0, 0, 0, 0]), True)
    assert result.raw == D("90.00")
    assert result.guarantee_subtotal == D("50.00")
    assert result.zero_rule == GUARANTEE_ITEM_ZERO
    assert result.score == D("0.00")


def test_guarantee_item_zeroed_by_a_capped_deduction_zeroes_the_table():
    # B.14 接地与接零保护系统 is worth 20; a 25-point deduction leaves it at 0.
    items = [
        ItemResult("B.14-1", D(10), D(0), True),
        ItemResult("B.14-2", D(20), D(25), True),
        ItemResult("B.14-3", D(10), D(0), True),
        ItemResult("B.14-4", D(20), D(0), True),
        ItemResult("B.14-5", D(15), D(0), False),
        ItemResult("B.14-6", D(15), D(0), False),
        ItemResult("B.14-7", D(10), D(0), False),
    ]
    assert table_score(items, True).zero_rule == GUARANTEE_ITEM_ZERO


def test_guarantee_subtotal_of_exactly_40_does_not_zero_the_table():
    # Deductions 4 + 4 + 3 + 3 + 3 + 3 = 20 → subtotal 40; general items full: 40 + 40 = 80.
    result = table_score(split_table([4, 4, 3, 3, 3, 3]), True)
    assert result.guarantee_subtotal == D("40.00")
    assert result.zero_rule is None
    assert result.score == D("80.00")


def test_guarantee_subtotal_of_39_99_zeroes_the_table():
    # Deductions 4 + 4 + 3 + 3 + 3 + 3.01 = 20.01 → subtotal 39.99 < 40.
    result = table_score(split_table([4, 4, 3, 3, 3, "3.01"]), True)
    assert result.guarantee_subtotal == D("39.99")
    assert result.zero_rule == GUARANTEE_SUBTOTAL_BELOW_40
    assert result.score == D("0.00")
    assert result.raw == D("79.99")


def test_guarantee_subtotal_of_39_zeroes_the_table():
    result = table_score(split_table([5, 4, 3, 3, 3, 3]), True)
    assert result.guarantee_subtotal == D("39.00")
    assert result.zero_rule == GUARANTEE_SUBTOTAL_BELOW_40
    assert result.score == D("0.00")


def test_table_without_guarantee_split_is_never_zeroed():
    # B.13-style: four items fully deducted and 20 more spread: 100 - 40 - 20 = 40, not 0.
    deductions = [10, 10, 10, 10, 5, 5, 5, 5, 0, 0]
    items = [ItemResult(f"B.13-{i}", D(10), D(d), False) for i, d in enumerate(deductions, start=1)]
    result = table_score(items, False)
    assert result.score == D("40.00")
    assert result.zero_rule is None
    assert result.guarantee_subtotal is None
    lighter = [ItemResult(f"B.13-{i}", D(10), D(10 if i <= 2 else 0), False) for i in range(1, 11)]
    assert table_score(lighter, False).score == D("80.00")


def test_guarantee_flags_are_ignored_when_the_table_has_no_split():
    items = [ItemResult("X1", D(50), D(50), True), ItemResult("X2", D(50), D(0), True)]
    result = table_score(items, False)
    assert result.zero_rule is None
    assert result.score == D("50.00")


def test_missing_guarantee_item_uses_the_proportional_reading_and_keeps_34_of_50():
    # One 保证项目 not applicable: guarantee full 50. Deductions 4 × 4 = 16 → subtotal 34.
    # 34 / 50 = 0.68 ≥ 2/3, so no zero (the literal "below 40" would have zeroed it).
    # Table: D = 34 + 40 = 74, E = 90 → 82.22.
    result = table_score(split_table([4, 4, 4, 4, 0, None]), True)
    assert result.guarantee_full == D("50.00")
    assert result.guarantee_subtotal == D("34.00")
    assert result.zero_rule is None
    assert result.score == D("82.22")


def test_missing_guarantee_item_with_33_of_50_zeroes_the_table():
    # Deductions 4 + 4 + 4 + 4 + 1 = 17 → subtotal 33; 33 / 50 = 0.66 < 2/3 → 0.
    result = table_score(split_table([4, 4, 4, 4, 1, None]), True)
    assert result.zero_rule == GUARANTEE_SUBTOTAL_BELOW_40
    assert result.score == D("0.00")


def test_proportional_reading_at_exactly_two_thirds_does_not_zero_the_table():
    # Three 保证项目 not applicable: full 30, subtotal 20 → exactly 2/3, not below.
    result = table_score(split_table([5, 5, 0, None, None, None]), True)
    assert result.guarantee_subtotal == D("20.00")
    assert result.zero_rule is None
    # D = 20 + 40 = 60, E = 70 → 85.71.
    assert result.score == D("85.71")


def test_guarantee_threshold_ratio_is_a_parameter():
    # 33 / 50 = 0.66: zero at the default 2/3, kept with a 0.6 threshold.
    items = split_table([4, 4, 4, 4, 1, None])
    result = table_score(items, True, guarantee_min_ratio=D("0.6"))
    assert result.zero_rule is None
    # D = 33 + 40 = 73, E = 90 → 81.11.
    assert result.score == D("81.11")


def test_unchecked_guarantee_items_are_reported_for_the_caller_to_refuse():
    items = split_table([0, 0, None, 0, None, 0], general_na=(2,))
    assert validate_guarantee_items_checked(items) == ["G3", "G5"]
    assert validate_guarantee_items_checked(split_table([0] * 6)) == []


def test_table_with_no_applicable_item_is_not_applicable():
    items = [ItemResult("X", D(10), D(0), False, applicable=False)]
    result = table_score(items, False)
    assert result.applicable is False
    assert has_zero_table([result]) is False


def test_has_zero_table_sees_zeroed_and_fully_deducted_tables():
    zeroed = table_score(split_table([10, 0, 0, 0, 0, 0]), True)
    fine = table_score(split_table([0] * 6), True)
    assert has_zero_table([fine, zeroed]) is True
    assert has_zero_table([fine]) is False


# Categories


def test_scaffold_category_is_the_mean_of_its_tables():
    assert category_score([table("B.3", "80"), table("B.10", "90")]) == D("85.00")


def test_several_units_of_the_same_kind_are_averaged_too():
    # Three tower cranes 90, 85, 80 and one 起重吊装 70: (90 + 85 + 80 + 70) / 4 = 81.25.
    tables = [table("B.17", "90"), table("B.17", "85"), table("B.17", "80"), table("B.18", "70")]
    assert category_score(tables) == D("81.25")


def test_category_mean_is_rounded_half_up_to_cents():
    # (80 + 85 + 86) / 3 = 83.666… → 83.67.
    assert category_score([table("a", "80"), table("b", "85"), table("c", "86")]) == D("83.67")


def test_a_zeroed_table_pulls_the_category_mean_down():
    zeroed = table_score(split_table([10, 0, 0, 0, 0, 0]), True)
    assert category_score([zeroed, table("B.4", "90")]) == D("45.00")


def test_category_mean_skips_tables_that_do_not_apply():
    empty = table_score([ItemResult("X", D(10), D(0), True, applicable=False)], True)
    assert category_score([empty, table("B.3", "88")]) == D("88.00")
    assert category_score([empty]) is None
    assert category_score([]) is None


# Summary

# Full 10-category example, by hand (A1 = B × C / 100):
#   MANAGE    B 10 × C 85    / 100 =  8.50
#   CIVIL     B 15 × C 80    / 100 = 12.00
#   SCAFFOLD  B 10 × C 85    / 100 =  8.50   (B.3 80 and B.10 90 → mean 85)
#   PIT       B 10 × C 90    / 100 =  9.00
#   FORMWORK  B 10 × C 75    / 100 =  7.50
#   HEIGHT    B 10 × C 88    / 100 =  8.80
#   ELECTRIC  B 10 × C 70    / 100 =  7.00
#   HOIST     B 10 × C 82.50 / 100 =  8.25   (B.15 80 and B.16 85 → mean 82.5)
#   CRANE     B 10 × C 95    / 100 =  9.50
#   MACHINE   B  5 × C 60    / 100 =  3.00
#   total                           = 82.05 → 优良 (no table at 0)
FULL_EXAMPLE = {
    "MANAGE": D("85"),
    "CIVIL": D("80"),
    "SCAFFOLD": category_score([table("B.3", "80"), table("B.10", "90")]),
    "PIT": D("90"),
    "FORMWORK": D("75"),
    "HEIGHT": D("88"),
    "ELECTRIC": D("70"),
    "HOIST": category_score([table("B.15", "80"), table("B.16", "85")]),
    "CRANE": D("95"),
    "MACHINE": D("60"),
}


def test_summary_converts_every_category_with_its_weight():
    result = summary_score(FULL_EXAMPLE, any_table_zero=False)
    assert result.total == D("82.05")
    assert result.grade == EXCELLENT
    assert result.missing_categories == []
    assert result.per_category["CIVIL"]["converted"] == D("12.00")
    assert result.per_category["HOIST"]["score"] == D("82.50")
    assert result.per_category["HOIST"]["converted"] == D("8.25")
    assert result.per_category["MACHINE"]["weight"] == D(5)
    assert result.per_category["MACHINE"]["converted"] == D("3.00")
    assert result.per_category["MANAGE"]["label"] == "安全管理"


def test_summary_normalises_over_the_categories_present():
    # PIT missing: D = 82.05 - 9.00 = 73.05, E = 90 → 73.05 / 90 × 100 = 81.1666… → 81.17.
    scores = {**FULL_EXAMPLE, "PIT": None}
    result = summary_score(scores, any_table_zero=False)
    assert result.total == D("81.17")
    assert result.missing_categories == ["PIT"]
    assert result.per_category["PIT"]["missing"] is True
    assert result.per_category["PIT"]["converted"] is None


def test_categories_left_out_of_the_mapping_count_as_missing():
    # Only HOIST and CRANE missing: D = 82.05 - 8.25 - 9.50 = 64.30, E = 80 → 80.375 → 80.38.
    scores = {k: v for k, v in FULL_EXAMPLE.items() if k not in ("HOIST", "CRANE")}
    result = summary_score(scores, any_table_zero=False)
    assert result.missing_categories == ["HOIST", "CRANE"]
    assert result.total == D("80.38")


def test_summary_sums_unrounded_conversions_and_rounds_once():
    # CIVIL 83.33 → A1 12.4995; FORMWORK 85.55 → A1 8.555; the other 75 weight points full.
    # Exact: 75 + 12.4995 + 8.555 = 96.0545 → 96.05 (rounding each A1 first would give 96.06).
    scores = {code: D(100) for code in JGJ59_WEIGHTS}
    scores.update({"CIVIL": D("83.33"), "FORMWORK": D("85.55")})
    result = summary_score(scores, any_table_zero=False)
    assert result.total == D("96.05")
    assert result.per_category["CIVIL"]["converted"] == D("12.50")


def test_a_zero_table_fails_the_summary_whatever_the_total():
    result = summary_score(FULL_EXAMPLE, any_table_zero=True)
    assert result.total == D("82.05")
    assert result.grade == FAIL


def test_summary_refuses_unknown_categories_and_an_empty_sheet():
    with pytest.raises(ValueError):
        summary_score({"UNKNOWN": D(80)}, any_table_zero=False)
    with pytest.raises(ValueError):
        summary_score({}, any_table_zero=False)
    with pytest.raises(ValueError):
        summary_score({"MANAGE": D(101)}, any_table_zero=False)


def test_weights_total_100_and_every_category_has_a_label():
    assert sum(JGJ59_WEIGHTS.values()) == D(100)
    assert JGJ59_WEIGHTS["CIVIL"] == D(15)
    assert JGJ59_WEIGHTS["MACHINE"] == D(5)
    assert set(JGJ59_CATEGORY_LABELS) == set(JGJ59_WEIGHTS)


# Grades


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (D("100"), EXCELLENT),
        (D("80"), EXCELLENT),
        (D("79.99"), PASS),
        (D("70"), PASS),
        (D("69.99"), FAIL),
        (D("0"), FAIL),
    ],
)
def test_grade_follows_the_80_and_70_thresholds(total, expected):
    assert grade_for(total, any_table_zero=False) == expected


def test_grade_is_fail_with_a_zero_table_even_at_95():
    assert grade_for(D("95"), any_table_zero=True) == FAIL


def test_grade_labels_are_chinese():
    assert GRADE_LABELS == {"EXCELLENT": "优良", "PASS": "合格", "FAIL": "不合格"}


def test_summary_total_of_79_995_rounds_to_80_and_grades_excellent():
    # Only MANAGE present: 79.995 → A1 7.9995, E = 10 → 79.995 → 80.00 (ROUND_HALF_UP).
    result = summary_score({"MANAGE": D("79.995")}, any_table_zero=False)
    assert result.total == D("80.00")
    assert result.grade == EXCELLENT


# Deduction lines

FIXED_10 = {"kind": "fixed", "text": "未建立安全生产责任制，扣10分", "min": 10, "max": 10}
FIXED_3 = {"kind": "fixed", "text": "责任制未经责任人签字确认，扣3分", "min": 3, "max": 3}
RANGE_2_10 = {"kind": "range", "text": "未按规定配备专职安全员，扣2~10分", "min": 2, "max": 10}
EACH_2 = {"kind": "per_occurrence", "text": "每处扣2分", "per": 2}


def test_deduction_lines_add_up_fixed_range_and_per_occurrence():
    # 3 (fixed) + 4 (chosen in 2~10) + 2 × 1 = 9.
    lines = [FIXED_10, FIXED_3, RANGE_2_10, EACH_2]
    assert deduction_for_lines(lines, [0, 1, 4, 1], points=10) == D(9)


def test_deduction_lines_are_capped_at_the_item_points():
    # 10 + 2 × 3 = 16 → capped at 10.
    assert deduction_for_lines([FIXED_10, EACH_2], [True, 3], points=10) == D(10)


def test_deduction_lines_accept_a_mapping_of_line_index_to_value():
    lines = [FIXED_10, RANGE_2_10, EACH_2]
    assert deduction_for_lines(lines, {2: 2}, points=10) == D(4)
    assert deduction_for_lines(lines, {}, points=10) == D(0)


def test_range_value_outside_the_range_is_refused_in_chinese():
    with pytest.raises(ValueError, match="不在2~10分范围内"):
        deduction_for_lines([RANGE_2_10], [1], points=10)
    with pytest.raises(ValueError, match="范围"):
        deduction_for_lines([RANGE_2_10], [11], points=10)


def test_range_bounds_themselves_are_allowed():
    assert deduction_for_lines([RANGE_2_10], [2], points=10) == D(2)
    assert deduction_for_lines([RANGE_2_10], [10], points=10) == D(10)


def test_fixed_line_cannot_be_applied_twice_and_occurrences_must_be_whole():
    with pytest.raises(ValueError):
        deduction_for_lines([FIXED_3], [2], points=10)
    with pytest.raises(ValueError):
        deduction_for_lines([EACH_2], [D("1.5")], points=10)
    with pytest.raises(ValueError):
        deduction_for_lines([EACH_2], [-1], points=10)


def test_counts_must_match_the_lines():
    with pytest.raises(ValueError):
        deduction_for_lines([FIXED_3, EACH_2], [1], points=10)
    with pytest.raises(ValueError):
        deduction_for_lines([FIXED_3], {3: 1}, points=10)


def test_per_occurrence_line_with_a_max_is_capped_at_that_max():
    capped = {"kind": "per_occurrence", "text": "每处扣2分，最多扣6分", "per": 2, "max": 6}
    assert deduction_for_lines([capped], [5], points=10) == D(6)


def test_deduction_lines_read_attributes_of_objects_too():
    class Line:
        kind = "per_occurrence"
        text = "每处扣2分"
        min = None
        max = None
        per = D(2)

    assert deduction_for_lines([Line()], [2], points=D(5)) == D(4)
