"""The final 考评 of a project at completion (建质〔2014〕111号, DOMAIN.md §5.1) as pure
functions: the automatic 不合格 triggers and the 10 % cap on 优良."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

EXCELLENT = "excellent"
PASS = "pass"
FAIL = "fail"
RESULT_LABELS = {EXCELLENT: "优良", PASS: "合格", FAIL: "不合格"}
EXCELLENT_SHARE = 0.10


@dataclass(frozen=True)
class Trigger:
    key: str
    text: str


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of every month from start's month to end's month, inclusive."""
    if end < start:
        return []
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def fail_triggers(
    *,
    construction_months: Iterable[datetime.date],
    self_evaluated_months: Iterable[datetime.date],
    liability_accidents: Iterable[tuple[datetime.date, str]],
    stop_notice_dates: Iterable[datetime.date],
    allowed_missing_months: int = 0,
) -> list[Trigger]:
    """The reasons a project is 不合格 whatever else is true:

    - self-evaluation not done as required: months of construction without a confirmed monthly
      self-evaluation (more than `allowed_missing_months` of them);
    - a 生产安全责任事故 happened;
    - 停工整改 ordered two or more times within twelve months.
    """
    triggers = []
    done = set(self_evaluated_months)
    missing = [m for m in construction_months if m not in done]
    if len(missing) > allowed_missing_months:
        shown = "、".join(m.strftime("%Y年%m月") for m in missing[:6])
        more = f"等{len(missing)}个月" if len(missing) > 6 else ""
        triggers.append(Trigger("no_self_evaluation", f"未按规定开展月度自评：{shown}{more}"))
    accidents = sorted(liability_accidents)
    if accidents:
        day, level = accidents[0]
        triggers.append(
            Trigger(
                "accident",
                f"发生生产安全责任事故：{day:%Y-%m-%d}（{level}）"
                + (f"等{len(accidents)}起" if len(accidents) > 1 else ""),
            )
        )
    stops = sorted(stop_notice_dates)
    for i in range(len(stops) - 1):
        first, second = stops[i], stops[i + 1]
        if second < _one_year_after(first):  # within twelve months, leap years included
            triggers.append(
                Trigger(
                    "two_stops",
                    f"一年内两次及以上因隐患被责令停工整改：{first:%Y-%m-%d}、{second:%Y-%m-%d}",
                )
            )
            break
    return triggers


def _one_year_after(day: datetime.date) -> datetime.date:
    """The same date a year later (29 February → 1 March)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return datetime.date(day.year + 1, 3, 1)


def excellent_cap(projects_due: int, share: float = EXCELLENT_SHARE) -> int:
    """How many projects due to finish in the area this year may be 优良 (at most 10 %)."""
    return math.floor(projects_due * share + 1e-9)
