"""The final 考评's automatic 不合格 triggers and the 10 % cap on 优良 (建质〔2014〕111号,
DOMAIN.md §5.1) as pure functions."""

import datetime

import pytest

from anjian.evaluations.triggers import (
    RESULT_LABELS,
    Trigger,
    excellent_cap,
    fail_triggers,
    months_between,
)

d = datetime.date


def run(**kwargs):
    params = {
        "construction_months": [],
        "self_evaluated_months": [],
        "liability_accidents": [],
        "stop_notice_dates": [],
    }
    params.update(kwargs)
    return fail_triggers(**params)


# --- months_between ----------------------------------------------------------------------------


def test_months_between_within_one_month():
    assert months_between(d(2026, 3, 15), d(2026, 3, 20)) == [d(2026, 3, 1)]
    assert months_between(d(2026, 3, 1), d(2026, 3, 1)) == [d(2026, 3, 1)]


def test_months_between_counts_started_months_inclusively():
    # 31 March to 1 April: two days, but two months
    assert months_between(d(2026, 3, 31), d(2026, 4, 1)) == [d(2026, 3, 1), d(2026, 4, 1)]


def test_months_between_across_the_year_boundary():
    assert months_between(d(2025, 11, 30), d(2026, 2, 1)) == [
        d(2025, 11, 1),
        d(2025, 12, 1),
        d(2026, 1, 1),
        d(2026, 2, 1),
    ]


def test_months_between_a_whole_year_and_more():
    months = months_between(d(2024, 1, 10), d(2025, 1, 5))
    assert len(months) == 13
    assert months[0] == d(2024, 1, 1) and months[-1] == d(2025, 1, 1)
    assert months[11] == d(2024, 12, 1)


def test_months_between_end_before_start_is_empty():
    assert months_between(d(2026, 3, 20), d(2026, 3, 15)) == []
    assert months_between(d(2026, 1, 1), d(2025, 12, 31)) == []


# --- no self-evaluation -----------------------------------------------------------------------


def test_no_trigger_when_everything_is_fine():
    months = months_between(d(2026, 1, 1), d(2026, 3, 31))
    assert run(construction_months=months, self_evaluated_months=months) == []
    assert run() == []


def test_missing_self_evaluations_are_listed():
    months = months_between(d(2026, 1, 5), d(2026, 4, 20))  # January … April
    found = run(
        construction_months=months,
        self_evaluated_months={d(2026, 1, 1), d(2026, 3, 1)},
    )
    assert found == [Trigger("no_self_evaluation", "未按规定开展月度自评：2026年02月、2026年04月")]


def test_self_evaluations_outside_construction_do_not_cover_missing_months():
    found = run(
        construction_months=[d(2026, 5, 1)],
        self_evaluated_months=[d(2026, 4, 1), d(2026, 6, 1)],
    )
    assert [t.key for t in found] == ["no_self_evaluation"]
    assert found[0].text == "未按规定开展月度自评：2026年05月"


def test_allowed_missing_months():
    months = months_between(d(2026, 1, 1), d(2026, 4, 1))
    evaluated = [d(2026, 1, 1), d(2026, 3, 1)]  # 2 months missing: February, April
    common = {"construction_months": months, "self_evaluated_months": evaluated}
    assert run(**common, allowed_missing_months=2) == []
    assert run(**common, allowed_missing_months=3) == []
    assert [t.key for t in run(**common, allowed_missing_months=1)] == ["no_self_evaluation"]
    assert [t.key for t in run(**common)] == ["no_self_evaluation"]


def test_many_missing_months_show_the_first_six_and_the_count():
    months = months_between(d(2025, 9, 1), d(2026, 4, 30))  # 8 months, none evaluated
    [trigger] = run(construction_months=months)
    assert trigger.text == (
        "未按规定开展月度自评：2025年09月、2025年10月、2025年11月、2025年12月、"
        "2026年01月、2026年02月等8个月"
    )


def test_exactly_six_missing_months_have_no_count():
    months = months_between(d(2026, 1, 1), d(2026, 6, 1))
    [trigger] = run(construction_months=months)
    assert trigger.text.endswith("2026年06月")
    assert "等" not in trigger.text


# --- accidents -----------------------------------------------------------------------------------


def test_a_liability_accident():
    found = run(liability_accidents=[(d(2026, 5, 2), "一般事故")])
    assert found == [Trigger("accident", "发生生产安全责任事故：2026-05-02（一般事故）")]


def test_several_accidents_show_the_first_and_the_count():
    found = run(
        liability_accidents=[(d(2026, 7, 9), "较大事故"), (d(2026, 2, 3), "一般事故")],
    )
    assert found == [Trigger("accident", "发生生产安全责任事故：2026-02-03（一般事故）等2起")]


# --- stop-work notices ---------------------------------------------------------------------------


def test_two_stop_notices_364_days_apart_trigger():
    first, second = d(2025, 1, 10), d(2026, 1, 9)
    assert (second - first).days == 364
    found = run(stop_notice_dates=[first, second])
    assert found == [
        Trigger("two_stops", "一年内两次及以上因隐患被责令停工整改：2025-01-10、2026-01-09")
    ]


def test_two_stop_notices_366_days_apart_do_not_trigger():
    first, second = d(2025, 1, 10), d(2026, 1, 11)
    assert (second - first).days == 366
    assert run(stop_notice_dates=[first, second]) == []


def test_two_stop_notices_in_the_same_leap_year_trigger():
    # 1 January and 31 December 2024 are 365 days apart and within one (calendar) year
    first, second = d(2024, 1, 1), d(2024, 12, 31)
    assert (second - first).days == 365
    assert [t.key for t in run(stop_notice_dates=[first, second])] == ["two_stops"]


def test_a_stop_notice_on_29_february_counts_until_the_end_of_next_february():
    first = d(2024, 2, 29)
    assert [t.key for t in run(stop_notice_dates=[first, d(2025, 2, 28)])] == ["two_stops"]
    assert run(stop_notice_dates=[first, d(2025, 3, 1)]) == []


def test_two_stop_notices_exactly_one_year_apart_do_not_trigger():
    assert run(stop_notice_dates=[d(2025, 3, 1), d(2026, 3, 1)]) == []


def test_one_stop_notice_does_not_trigger():
    assert run(stop_notice_dates=[d(2026, 3, 1)]) == []


def test_two_stop_notices_on_the_same_day_trigger():
    assert [t.key for t in run(stop_notice_dates=[d(2026, 3, 1), d(2026, 3, 1)])] == ["two_stops"]


def test_the_close_pair_is_found_among_unsorted_dates():
    # 2023-02-01 is far from the others; 2025-06-30 and 2025-03-01 are 121 days apart
    found = run(stop_notice_dates=[d(2025, 6, 30), d(2023, 2, 1), d(2025, 3, 1)])
    assert found == [
        Trigger("two_stops", "一年内两次及以上因隐患被责令停工整改：2025-03-01、2025-06-30")
    ]


def test_all_triggers_together_in_order():
    found = run(
        construction_months=[d(2026, 1, 1)],
        liability_accidents=[(d(2026, 1, 5), "一般事故")],
        stop_notice_dates=[d(2026, 1, 6), d(2026, 2, 6)],
    )
    assert [t.key for t in found] == ["no_self_evaluation", "accident", "two_stops"]


# --- the 10 % cap ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "cap"), [(0, 0), (9, 0), (10, 1), (19, 1), (20, 2), (25, 2), (30, 3), (100, 10)]
)
def test_excellent_cap(due, cap):
    # at most 10 % of the projects due, rounded down: floor(due × 0.1)
    assert excellent_cap(due) == cap


def test_excellent_cap_is_exact_for_every_count():
    # floating-point noise (e.g. 3 × 0.1 = 0.30000000000000004, 70 × 0.1 = 7.000000000000001)
    # never moves the cap away from due // 10
    assert all(excellent_cap(n) == n // 10 for n in range(0, 2001))


def test_result_labels():
    assert RESULT_LABELS == {"excellent": "优良", "pass": "合格", "fail": "不合格"}
