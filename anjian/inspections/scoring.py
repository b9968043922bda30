"""JGJ 59-2011 scoring (建筑施工安全检查标准, 第4章 and 第5章) as pure functions.

Nothing here touches Django or the database: callers build ``ItemResult`` values from their rows
and get plain dataclasses back.

Rounding: all arithmetic is exact ``Decimal`` arithmetic. A value is quantized to 0.01 with
``ROUND_HALF_UP`` only at the end of a step whose result is shown on a score sheet: a table
(``TableResult`` scores and subtotals), a category mean (``category_score``) and the summary
(``SummaryResult.total``). Item scores and the per-category conversions A1 = B × C / 100 are
summed unrounded, so a summary total can differ by 0.01 from the sum of the displayed,
rounded A1 values. Grades are decided on the quantized total (79.995 rounds to 80.00 → 优良).

The zero rule for tables whose 保证项目 are partly not applicable uses the common proportional
reading (DOMAIN §1.2.5, tagged [U]): the table is 0 when 保证项目 actual ÷ 保证项目 applicable
full < ``guarantee_min_ratio`` (40/60 by default). With all 保证项目 checked this is exactly the
standard's "subtotal below 40 of 60".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

GUARANTEE_ITEM_ZERO = "guarantee_item_zero"
GUARANTEE_SUBTOTAL_BELOW_40 = "guarantee_subtotal_below_40"

# Default threshold of the zero rule: 40 of 60 保证项目 points. Computed as a Decimal quotient
# under the default 28-digit context, so 40/60 of actual/full compares equal to it, not below.
GUARANTEE_MIN_RATIO = Decimal(40) / Decimal(60)

EXCELLENT = "EXCELLENT"
PASS = "PASS"
FAIL = "FAIL"
GRADE_LABELS = {EXCELLENT: "优良", PASS: "合格", FAIL: "不合格"}
EXCELLENT_MIN = Decimal(80)
PASS_MIN = Decimal(70)

JGJ59_WEIGHTS: dict[str, Decimal] = {
    "MANAGE": Decimal(10),
    "CIVIL": Decimal(15),
    "SCAFFOLD": Decimal(10),
    "PIT": Decimal(10),
    "FORMWORK": Decimal(10),
    "HEIGHT": Decimal(10),
    "ELECTRIC": Decimal(10),
    "HOIST": Decimal(10),
    "CRANE": Decimal(10),
    "MACHINE": Decimal(5),
}

JGJ59_CATEGORY_LABELS: dict[str, str] = {
    "MANAGE": "安全管理",
    "CIVIL": "文明施工",
    "SCAFFOLD": "脚手架",
    "PIT": "基坑工程",
    "FORMWORK": "模板支架",
    "HEIGHT": "高处作业",
    "ELECTRIC": "施工用电",
    "HOIST": "物料提升机与施工升降机",
    "CRANE": "塔式起重机与起重吊装",
    "MACHINE": "施工机具",
}

DEDUCTION_KINDS = ("fixed", "range", "per_occurrence")


def to_decimal(value: Any) -> Decimal:
    """Return ``value`` (Decimal, int, str or float) as an exact Decimal."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("布尔值不能作为分值")
    if isinstance(value, int | str):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    raise TypeError(f"无法识别的分值：{value!r}")


def quantize(value: Decimal) -> Decimal:
    """Round ``value`` to 0.01 with ROUND_HALF_UP, the rounding used on every score sheet."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ItemResult:
    """One 检查项目 as checked: 应得分, total deduction, 保证项目 flag and applicability."""

    code: str
    points: Decimal
    deduction: Decimal
    guarantee: bool
    applicable: bool = True

    def __post_init__(self) -> None:
        """Coerce numbers to Decimal and refuse negative points or deductions."""
        points = to_decimal(self.points)
        deduction = to_decimal(self.deduction)
        if points < 0:
            raise ValueError(f"检查项目 {self.code} 的应得分不能为负数")
        if deduction < 0:
            raise ValueError(f"检查项目 {self.code} 的扣减分数不能为负数")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "deduction", deduction)


@dataclass(frozen=True)
class TableResult:
    """Score of one 分项检查评分表 (normalised to 100) with the facts that produced it."""

    code: str
    score: Decimal
    raw: Decimal
    applicable_full: Decimal
    zero_rule: str | None
    guarantee_subtotal: Decimal | None
    guarantee_full: Decimal | None = None
    not_applicable: tuple[str, ...] = field(default_factory=tuple)
    applicable: bool = True


@dataclass(frozen=True)
class SummaryResult:
    """The 汇总表: total, per-category conversion, grade and categories left out."""

    total: Decimal
    per_category: dict[str, dict]
    any_table_zero: bool
    grade: str
    missing_categories: list[str]


def item_score(item: ItemResult) -> Decimal:
    """Return 实得分 of an item: points less the deduction, the deduction capped at the points."""
    return item.points - min(item.deduction, item.points)


def validate_guarantee_items_checked(items: Sequence[ItemResult]) -> list[str]:
    """Return the codes of 保证项目 marked not applicable (4.0.1 wants all of them checked)."""
    return [item.code for item in items if item.guarantee and not item.applicable]


def table_score(
    items: Sequence[ItemResult],
    has_guarantee_split: bool,
    *,
    code: str = "",
    guarantee_min_ratio: Decimal = GUARANTEE_MIN_RATIO,
) -> TableResult:
    """Score one 分项表: sum of item scores, normalised D/E×100 over applicable items, zero rule."""
    not_applicable = tuple(item.code for item in items if not item.applicable)
    checked = [item for item in items if item.applicable]
    applicable_full = sum((item.points for item in checked), ZERO)
    if not checked or applicable_full == 0:
        return TableResult(
            code=code,
            score=quantize(ZERO),
            raw=quantize(ZERO),
            applicable_full=quantize(ZERO),
            zero_rule=None,
            guarantee_subtotal=None,
            not_applicable=not_applicable,
            applicable=False,
        )

    raw = sum((item_score(item) for item in checked), ZERO)
    score = raw * HUNDRED / applicable_full

    zero_rule = None
    guarantee_subtotal = None
    guarantee_full = None
    guarantee_items = [item for item in checked if item.guarantee]
    if has_guarantee_split and guarantee_items:
        guarantee_subtotal = sum((item_score(item) for item in guarantee_items), ZERO)
        guarantee_full = sum((item.points for item in guarantee_items), ZERO)
        if any(item.points > 0 and item_score(item) == 0 for item in guarantee_items):
            zero_rule = GUARANTEE_ITEM_ZERO
        elif guarantee_full > 0 and guarantee_subtotal / guarantee_full < guarantee_min_ratio:
            zero_rule = GUARANTEE_SUBTOTAL_BELOW_40
    if zero_rule is not None:
        score = ZERO

    return TableResult(
        code=code,
        score=quantize(score),
        raw=quantize(raw),
        applicable_full=quantize(applicable_full),
        zero_rule=zero_rule,
        guarantee_subtotal=None if guarantee_subtotal is None else quantize(guarantee_subtotal),
        guarantee_full=None if guarantee_full is None else quantize(guarantee_full),
        not_applicable=not_applicable,
    )


def has_zero_table(tables: Sequence[TableResult]) -> bool:
    """Tell whether any applicable 分项表 scored 0 (which makes the whole inspection 不合格)."""
    return any(table.applicable and table.score == 0 for table in tables)


def category_score(tables: Sequence[TableResult]) -> Decimal | None:
    """Return the arithmetic mean of the applicable tables of one category, or None if none."""
    scores = [table.score for table in tables if table.applicable]
    if not scores:
        return None
    return quantize(sum(scores, ZERO) / len(scores))


def grade_for(total: Decimal | int, any_table_zero: bool) -> str:
    """Return EXCELLENT, PASS or FAIL for a 汇总表 total per JGJ 59-2011 第5章."""
    total = to_decimal(total)
    if any_table_zero or total < PASS_MIN:
        return FAIL
    if total >= EXCELLENT_MIN:
        return EXCELLENT
    return PASS


def summary_score(
    category_scores: Mapping[str, Decimal | None],
    any_table_zero: bool,
    weights: Mapping[str, Decimal] = JGJ59_WEIGHTS,
) -> SummaryResult:
    """Convert category scores to the 汇总表 (A1 = B×C/100), normalise missing ones, grade it."""
    unknown = sorted(set(category_scores) - set(weights))
    if unknown:
        raise ValueError(f"汇总表中没有这些项目：{'、'.join(unknown)}")

    per_category: dict[str, dict] = {}
    missing: list[str] = []
    earned = ZERO
    full = ZERO
    for code, weight in weights.items():
        weight = to_decimal(weight)
        label = JGJ59_CATEGORY_LABELS.get(code, code)
        raw_score = category_scores.get(code)
        if raw_score is None:
            missing.append(code)
            per_category[code] = {
                "label": label,
                "weight": weight,
                "score": None,
                "converted": None,
                "missing": True,
            }
            continue
        score = to_decimal(raw_score)
        if not ZERO <= score <= HUNDRED:
            raise ValueError(f"{label}的分项得分必须在0~100之间，实际为{score}")
        converted = weight * score / HUNDRED
        earned += converted
        full += weight
        per_category[code] = {
            "label": label,
            "weight": weight,
            "score": score,
            "converted": quantize(converted),
            "missing": False,
        }

    if full == 0:
        raise ValueError("汇总表没有任何可计分的项目")
    total = quantize(earned * HUNDRED / full)
    return SummaryResult(
        total=total,
        per_category=per_category,
        any_table_zero=any_table_zero,
        grade=grade_for(total, any_table_zero),
        missing_categories=missing,
    )


def _line_value(line: Any, name: str) -> Any:
    """Read ``name`` from a deduction line given as a mapping or as an object (e.g. a model)."""
    if isinstance(line, Mapping):
        return line.get(name)
    return getattr(line, name, None)


def _count_for(counts: Mapping[int, Any] | Sequence[Any], index: int) -> Any:
    """Return what the inspector entered for line ``index`` (0 when nothing was entered)."""
    if isinstance(counts, Mapping):
        return counts.get(index, 0)
    return counts[index]


def line_deduction(line: Any, value: Any) -> Decimal:
    """Return the deduction of one 扣分标准 line for the value entered against it."""
    kind = _line_value(line, "kind")
    text = _line_value(line, "text") or ""
    if value is None or value is False:
        return ZERO
    if kind == "fixed":
        amount = _line_value(line, "max")
        if amount is None:
            amount = _line_value(line, "min")
        if amount is None:
            raise ValueError(f"扣分标准“{text}”缺少扣分值")
        times = to_decimal(1 if value is True else value)
        if times not in (0, 1):
            raise ValueError(f"扣分标准“{text}”为固定扣分，只能选择扣或不扣")
        return to_decimal(amount) * times
    if kind == "range":
        low = to_decimal(_line_value(line, "min"))
        high = to_decimal(_line_value(line, "max"))
        chosen = to_decimal(value)
        if chosen == 0:
            return ZERO
        if not low <= chosen <= high:
            raise ValueError(f"扣分标准“{text}”的扣分值{chosen}分不在{low}~{high}分范围内")
        return chosen
    if kind == "per_occurrence":
        per = _line_value(line, "per")
        if per is None:
            raise ValueError(f"扣分标准“{text}”缺少每处扣分值")
        occurrences = to_decimal(1 if value is True else value)
        if occurrences < 0 or occurrences != occurrences.to_integral_value():
            raise ValueError(f"扣分标准“{text}”的处数必须是非负整数")
        amount = to_decimal(per) * occurrences
        cap = _line_value(line, "max")
        if cap is not None:
            amount = min(amount, to_decimal(cap))
        return amount
    raise ValueError(f"未知的扣分方式：{kind!r}")


# ``counts`` holds, per line index (a mapping, or a sequence parallel to ``lines``): for a 'fixed'
# line 1/True when it applies; for a 'range' line the chosen deduction, which must lie within
# min~max (0 means the line does not apply); for a 'per_occurrence' line the number of
# occurrences (an optional ``max`` on such a line caps that line). Lines may be the seed dicts
# ({kind, text, min, max, per}) or any object with those attributes, such as a model instance.
def deduction_for_lines(
    lines: Sequence[Any],
    counts: Mapping[int, Any] | Sequence[Any],
    *,
    points: Decimal | int,
) -> Decimal:
    """Return an item's deduction from its 扣分标准 lines, capped at the item's points."""
    if isinstance(counts, Mapping):
        if any(not isinstance(key, int) or not 0 <= key < len(lines) for key in counts):
            raise ValueError("扣分记录引用了不存在的扣分标准条目")
    elif len(counts) != len(lines):
        raise ValueError("扣分记录与扣分标准条目数量不一致")
    total = sum(
        (line_deduction(line, _count_for(counts, index)) for index, line in enumerate(lines)),
        ZERO,
    )
    return min(total, to_decimal(points))
