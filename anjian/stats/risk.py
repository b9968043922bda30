"""The project risk score: a transparent, configurable sum of weighted facts (pure Python).

score = Σ min(weight × value, cap) over the factors below. Each factor's value is a plain fact
about the project (a count, a number of days, a score gap), so the breakdown on the project page
reads as a sentence: "2 open major hazards × 10 = 20 points". Agencies change the weights and
caps (AgencySettings.risk_weights); a weight of 0 switches a factor off.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# key: (label, unit of the value, default weight, default cap)
FACTORS = {
    "open_major": ("未销号重大事故隐患", "项", 10, 40),
    "overdue": ("逾期未整改隐患", "项", 5, 30),
    "super_works": ("在施超过一定规模的危大工程", "项", 8, 24),
    "danger_works": ("在施危大工程（一般）", "项", 2, 10),
    "score_gap": ("最近一次监督检查得分低于80分", "分", Decimal("0.5"), 20),
    "days_since_visit": ("距最近一次监督检查", "天", Decimal("0.2"), 18),
    "accidents": ("近一年生产安全事故", "起", 15, 30),
    "stop_work": ("停工整改中", "份", 10, 10),
}
PASS_SCORE = Decimal(80)
# Without any supervision visit, a project counts as unvisited for this many days.
NEVER_VISITED_DAYS = 90
# Bands for colouring (map, lists): at or above the first bound = high, the second = medium.
HIGH, MEDIUM = Decimal(40), Decimal(20)


@dataclass(frozen=True)
class Factor:
    key: str
    weight: Decimal
    cap: Decimal

    @property
    def label(self) -> str:
        return FACTORS[self.key][0]

    @property
    def unit(self) -> str:
        return FACTORS[self.key][1]


@dataclass(frozen=True)
class Formula:
    factors: tuple[Factor, ...]

    @classmethod
    def default(cls) -> "Formula":
        return cls.from_config({})

    @classmethod
    def from_config(cls, config: dict | None) -> "Formula":
        """From {"key": {"weight": w, "cap": c}, …}; missing keys take the defaults."""
        config = config or {}
        factors = []
        for key, (_label, _unit, weight, cap) in FACTORS.items():
            entry = config.get(key) or {}
            factors.append(
                Factor(
                    key=key,
                    weight=Decimal(str(entry.get("weight", weight))),
                    cap=Decimal(str(entry.get("cap", cap))),
                )
            )
        return cls(tuple(factors))

    def as_config(self) -> dict:
        return {f.key: {"weight": float(f.weight), "cap": float(f.cap)} for f in self.factors}


@dataclass
class ProjectFacts:
    """What the score rests on, for one project."""

    open_major: int = 0
    overdue: int = 0
    super_works: int = 0
    danger_works: int = 0
    last_score: Decimal | None = None
    days_since_visit: int | None = None  # None: never visited by the commission
    accidents: int = 0
    stop_work: int = 0

    def value(self, key: str) -> Decimal:
        if key == "score_gap":
            if self.last_score is None:
                return Decimal(0)
            return max(Decimal(0), PASS_SCORE - Decimal(self.last_score))
        if key == "days_since_visit":
            days = NEVER_VISITED_DAYS if self.days_since_visit is None else self.days_since_visit
            return Decimal(max(days, 0))
        return Decimal(getattr(self, key) or 0)


@dataclass
class Line:
    key: str
    label: str
    value: Decimal
    unit: str
    weight: Decimal
    points: Decimal
    capped: bool


@dataclass
class Result:
    score: Decimal
    lines: list[Line] = field(default_factory=list)

    @property
    def band(self) -> str:
        return band(self.score)

    def as_json(self) -> list[dict]:
        return [
            {
                "key": line.key,
                "label": line.label,
                "value": float(line.value),
                "unit": line.unit,
                "weight": float(line.weight),
                "points": float(line.points),
                "capped": line.capped,
            }
            for line in self.lines
        ]


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def compute(facts: ProjectFacts, formula: Formula) -> Result:
    """The score and one line per factor that adds points (largest first)."""
    lines = []
    for factor in formula.factors:
        if factor.weight <= 0:
            continue
        value = facts.value(factor.key)
        raw = value * factor.weight
        points = min(raw, factor.cap) if factor.cap > 0 else raw
        if points <= 0:
            continue
        lines.append(
            Line(
                key=factor.key,
                label=factor.label,
                value=value,
                unit=factor.unit,
                weight=factor.weight,
                points=_q(points),
                capped=raw > points,
            )
        )
    lines.sort(key=lambda line: (-line.points, line.key))
    return Result(score=_q(sum((line.points for line in lines), Decimal(0))), lines=lines)


def band(score) -> str:
    """high, medium or low."""
    score = Decimal(str(score))
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


BAND_LABELS = {"high": "高风险", "medium": "较高风险", "low": "一般"}
BAND_COLOURS = {"high": "danger", "medium": "warning", "low": "success"}
