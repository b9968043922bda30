"""Company rankings (考核排名, DOMAIN.md §7) as pure functions: no database, no Django.

A ranked unit is a contractor (施工总承包单位) or a group HQ (集团总公司). For a period, each
project contributes its finished supervision inspections' JGJ59 scores and its counts of 重大
hazards found, stop-work notices issued and rectifications that went overdue. The default
formula (all weights configurable, `Formula`):

    score = mean of the JGJ59 scores of the unit's inspections in the period (every inspection
            counts once, so a project inspected more often weighs more)
            − major_penalty × 重大隐患 − stop_penalty × 停工通知 − overdue_penalty × 逾期整改

clamped to [0, 100] and rounded half-up to 0.01. A unit with fewer than `min_inspections`
inspections is listed as not ranked. Ranks are competition ranks (1, 2, 2, 4) on the rounded
score; ties are listed by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Formula:
    min_inspections: int = 2
    major_penalty: Decimal = Decimal("2")
    stop_penalty: Decimal = Decimal("5")
    overdue_penalty: Decimal = Decimal("1")

    def as_dict(self) -> dict:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict | None) -> Formula:
        data = data or {}
        return cls(
            min_inspections=int(data.get("min_inspections", cls.min_inspections)),
            major_penalty=Decimal(str(data.get("major_penalty", cls.major_penalty))),
            stop_penalty=Decimal(str(data.get("stop_penalty", cls.stop_penalty))),
            overdue_penalty=Decimal(str(data.get("overdue_penalty", cls.overdue_penalty))),
        )


@dataclass(frozen=True)
class ProjectFacts:
    """What one project did in the period, and whom it counts for."""

    project_id: int
    project_name: str
    unit_id: int  # the contractor, or the contractor's group HQ
    unit_name: str
    scores: tuple[Decimal, ...] = ()
    major_hazards: int = 0
    stop_notices: int = 0
    overdue: int = 0


@dataclass
class Entry:
    unit_id: int
    unit_name: str
    inspections: int
    mean_score: Decimal | None
    major_hazards: int
    stop_notices: int
    overdue: int
    penalty: Decimal
    score: Decimal | None
    ranked: bool
    rank: int | None = None
    projects: list[dict] = field(default_factory=list)

    def inputs(self) -> dict:
        """Everything behind the score, as stored in a published snapshot."""
        return {
            "inspections": self.inspections,
            "mean_score": _s(self.mean_score),
            "major_hazards": self.major_hazards,
            "stop_notices": self.stop_notices,
            "overdue": self.overdue,
            "penalty": _s(self.penalty),
            "projects": self.projects,
        }


def _s(value):
    return None if value is None else str(value)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compute(facts: Iterable[ProjectFacts], formula: Formula = Formula()) -> list[Entry]:
    """Entries for every unit with facts, ranked ones first by score, then the unranked."""
    units: dict[int, list[ProjectFacts]] = {}
    names: dict[int, str] = {}
    for fact in facts:
        units.setdefault(fact.unit_id, []).append(fact)
        names[fact.unit_id] = fact.unit_name
    entries = []
    for unit_id, projects in units.items():
        scores = [Decimal(str(s)) for p in projects for s in p.scores]
        major = sum(p.major_hazards for p in projects)
        stops = sum(p.stop_notices for p in projects)
        overdue = sum(p.overdue for p in projects)
        penalty = (
            formula.major_penalty * major
            + formula.stop_penalty * stops
            + formula.overdue_penalty * overdue
        )
        mean = _round(sum(scores, Decimal(0)) / len(scores)) if scores else None
        ranked = len(scores) >= max(formula.min_inspections, 1)
        score = None
        if ranked:
            raw = sum(scores, Decimal(0)) / len(scores) - penalty
            score = _round(min(max(raw, Decimal(0)), Decimal(100)))
        contributions = []
        for p in sorted(projects, key=lambda p: (p.project_name, p.project_id)):
            p_scores = [Decimal(str(s)) for s in p.scores]
            contributions.append(
                {
                    "project_id": p.project_id,
                    "project_name": p.project_name,
                    "inspections": len(p_scores),
                    "mean_score": _s(_round(sum(p_scores, Decimal(0)) / len(p_scores)))
                    if p_scores
                    else None,
                    "score_sum": str(sum(p_scores, Decimal(0))),
                    "major_hazards": p.major_hazards,
                    "stop_notices": p.stop_notices,
                    "overdue": p.overdue,
                    "penalty": str(
                        formula.major_penalty * p.major_hazards
                        + formula.stop_penalty * p.stop_notices
                        + formula.overdue_penalty * p.overdue
                    ),
                }
            )
        entries.append(
            Entry(
                unit_id=unit_id,
                unit_name=names[unit_id],
                inspections=len(scores),
                mean_score=mean,
                major_hazards=major,
                stop_notices=stops,
                overdue=overdue,
                penalty=penalty,
                score=score,
                ranked=ranked,
                projects=contributions,
            )
        )
    ranked = sorted((e for e in entries if e.ranked), key=lambda e: (-e.score, e.unit_name))
    previous_score, previous_rank = None, 0
    for position, entry in enumerate(ranked, start=1):
        if entry.score != previous_score:
            previous_rank, previous_score = position, entry.score
        entry.rank = previous_rank
    unranked = sorted((e for e in entries if not e.ranked), key=lambda e: e.unit_name)
    return ranked + unranked
