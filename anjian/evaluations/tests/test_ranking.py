"""The ranking formula (DOMAIN.md §7) as a pure function, checked against hand-computed cases.

No database: ProjectFacts in, Entries out. The arithmetic of every case is written out in the
comments so that the expected numbers can be checked with pencil and paper.
"""

from decimal import Decimal

import pytest

from anjian.evaluations.ranking import Formula, ProjectFacts, compute

D = Decimal


def fact(project_id, unit_id, unit_name, scores=(), major=0, stops=0, overdue=0, name=None):
    return ProjectFacts(
        project_id=project_id,
        project_name=name or f"项目{project_id}",
        unit_id=unit_id,
        unit_name=unit_name,
        scores=tuple(D(str(s)) for s in scores),
        major_hazards=major,
        stop_notices=stops,
        overdue=overdue,
    )


def by_name(entries):
    return {e.unit_name: e for e in entries}


# --- the mean ------------------------------------------------------------------------------------


def test_the_mean_is_rounded_half_up_to_the_cent():
    # (80 + 85 + 86) / 3 = 251 / 3 = 83.666… → 83.67
    [entry] = compute([fact(1, 10, "甲公司", [80, 85, 86])])
    assert entry.mean_score == D("83.67")
    assert entry.score == D("83.67")
    assert entry.penalty == 0
    assert (entry.rank, entry.ranked, entry.inspections) == (1, True, 3)


def test_a_half_cent_rounds_up_not_to_even():
    # (83.32 + 83.33) / 2 = 166.65 / 2 = 83.325 → half-up 83.33 (half-even would give 83.32)
    [entry] = compute([fact(1, 10, "甲公司", ["83.32", "83.33"])])
    assert entry.score == D("83.33")
    # (70.00 + 70.01) / 2 = 70.005 → 70.01
    [entry] = compute([fact(1, 10, "甲公司", ["70.00", "70.01"])])
    assert entry.score == D("70.01")


def test_the_penalty_is_taken_from_the_unrounded_mean():
    # (80 + 85 + 86) / 3 = 83.666…; 1 overdue × 1 = 1 → 82.666… → 82.67
    [entry] = compute([fact(1, 10, "甲公司", [80, 85, 86], overdue=1)])
    assert entry.mean_score == D("83.67")
    assert entry.penalty == D("1")
    assert entry.score == D("82.67")


def test_every_inspection_counts_once_not_every_project():
    # 项目1: 90, 70 (project mean 80); 项目2: 100 (project mean 100).
    # The mean over all inspections: (90 + 70 + 100) / 3 = 260 / 3 = 86.666… → 86.67,
    # not the mean of the project means (80 + 100) / 2 = 90.
    [entry] = compute([fact(1, 10, "甲公司", [90, 70]), fact(2, 10, "甲公司", [100])])
    assert entry.inspections == 3
    assert entry.score == D("86.67")


def test_scores_may_be_given_as_ints_strings_or_floats():
    facts = [
        ProjectFacts(1, "项目1", 10, "甲公司", scores=(80, "85", 86.5)),
    ]
    # (80 + 85 + 86.5) / 3 = 251.5 / 3 = 83.8333… → 83.83
    [entry] = compute(facts)
    assert entry.score == D("83.83")


# --- penalties -----------------------------------------------------------------------------------


def test_default_penalties_per_count():
    # mean (90 + 80) / 2 = 85
    # penalty = 2 × 1 重大隐患 + 5 × 1 停工通知 + 1 × 2 逾期整改 = 2 + 5 + 2 = 9
    # score = 85 − 9 = 76.00
    [entry] = compute([fact(1, 10, "甲公司", [90, 80], major=1, stops=1, overdue=2)])
    assert (entry.major_hazards, entry.stop_notices, entry.overdue) == (1, 1, 2)
    assert entry.penalty == D("9")
    assert entry.mean_score == D("85.00")
    assert entry.score == D("76.00")


def test_custom_formula_penalties():
    formula = Formula(
        min_inspections=1,
        major_penalty=D("0.5"),
        stop_penalty=D("10"),
        overdue_penalty=D("0.25"),
    )
    # mean (90 + 80) / 2 = 85
    # penalty = 0.5 × 3 + 10 × 1 + 0.25 × 3 = 1.5 + 10 + 0.75 = 12.25
    # score = 85 − 12.25 = 72.75
    [entry] = compute([fact(1, 10, "甲公司", [90, 80], major=3, stops=1, overdue=3)], formula)
    assert entry.penalty == D("12.25")
    assert entry.score == D("72.75")


def test_penalties_add_up_across_the_projects_of_a_unit():
    # 项目1: 80, 90 and 1 重大隐患; 项目2: 70 and 1 停工 and 1 逾期
    # mean (80 + 90 + 70) / 3 = 80; penalty 2 × 1 + 5 × 1 + 1 × 1 = 8 → 72.00
    [entry] = compute(
        [
            fact(1, 10, "甲公司", [80, 90], major=1),
            fact(2, 10, "甲公司", [70], stops=1, overdue=1),
        ]
    )
    assert (entry.major_hazards, entry.stop_notices, entry.overdue) == (1, 1, 1)
    assert entry.score == D("72.00")


def test_the_score_is_clamped_at_zero():
    # mean (20 + 10) / 2 = 15
    # 2 stops: 15 − 10 = 5.00;  3 stops: 15 − 15 = 0.00;  4 stops: 15 − 20 = −5 → 0.00
    assert compute([fact(1, 10, "甲公司", [20, 10], stops=2)])[0].score == D("5.00")
    assert compute([fact(1, 10, "甲公司", [20, 10], stops=3)])[0].score == D("0.00")
    [entry] = compute([fact(1, 10, "甲公司", [20, 10], stops=4)])
    assert entry.score == D("0.00")
    assert entry.penalty == D("20")  # the inputs still show the whole penalty
    assert entry.ranked and entry.rank == 1


def test_the_score_is_clamped_at_one_hundred():
    # A negative weight works as a bonus: mean (99 + 99) / 2 = 99; 99 − (−3) × 1 = 102 → 100.00
    formula = Formula(major_penalty=D("-3"))
    [entry] = compute([fact(1, 10, "甲公司", [99, 99], major=1)], formula)
    assert entry.score == D("100.00")


def test_a_penalty_with_no_counts_is_zero():
    [entry] = compute([fact(1, 10, "甲公司", [75, 76])])
    # (75 + 76) / 2 = 75.5 → 75.50
    assert entry.penalty == 0
    assert entry.score == D("75.50")


# --- the minimum number of inspections ----------------------------------------------------------


def test_a_unit_below_the_minimum_is_listed_but_not_ranked():
    # Default minimum 2: 甲 (1 inspection: 95) is not ranked; 乙 (2: 60, 70 → 65) is rank 1.
    entries = compute([fact(1, 10, "甲公司", [95]), fact(2, 20, "乙公司", [60, 70])])
    assert [(e.unit_name, e.rank, e.score, e.ranked) for e in entries] == [
        ("乙公司", 1, D("65.00"), True),
        ("甲公司", None, None, False),
    ]
    # the unranked unit's mean is still shown (95.00), but it has no score and no rank
    assert entries[1].mean_score == D("95.00")
    assert entries[1].inspections == 1


def test_the_minimum_counts_inspections_across_all_projects_of_the_unit():
    # 1 inspection on each of two projects = 2 ≥ 2 → ranked; (60 + 80) / 2 = 70
    [entry] = compute([fact(1, 10, "甲公司", [60]), fact(2, 10, "甲公司", [80])])
    assert entry.ranked and entry.score == D("70.00")


def test_a_custom_minimum():
    facts = [fact(1, 10, "甲公司", [90, 90]), fact(2, 20, "乙公司", [80, 80, 80])]
    entries = compute(facts, Formula(min_inspections=3))
    assert [(e.unit_name, e.rank) for e in entries] == [("乙公司", 1), ("甲公司", None)]
    entries = compute(facts, Formula(min_inspections=1))
    assert [(e.unit_name, e.rank) for e in entries] == [("甲公司", 1), ("乙公司", 2)]


def test_a_unit_with_penalties_but_no_inspection_is_never_ranked():
    # Even with a minimum of 0 at least one inspection is needed to have a mean.
    [entry] = compute([fact(1, 10, "甲公司", [], major=2)], Formula(min_inspections=0))
    assert entry.ranked is False
    assert entry.mean_score is None and entry.score is None and entry.rank is None
    assert entry.penalty == D("4")  # 2 × 2


# --- ranks --------------------------------------------------------------------------------------


def test_competition_ranks_with_ties_ordered_by_name():
    # A 90, B 85, C 85, D 80 → ranks 1, 2, 2, 4; the tie is listed by name (B before C)
    facts = [
        fact(4, 40, "D公司", [80, 80]),
        fact(3, 30, "C公司", [85, 85]),
        fact(1, 10, "A公司", [90, 90]),
        fact(2, 20, "B公司", [85, 85]),
    ]
    entries = compute(facts)
    assert [(e.unit_name, e.rank, e.score) for e in entries] == [
        ("A公司", 1, D("90.00")),
        ("B公司", 2, D("85.00")),
        ("C公司", 2, D("85.00")),
        ("D公司", 4, D("80.00")),
    ]


def test_ties_are_decided_on_the_rounded_score():
    # X: (85.00 + 85.01) / 2 = 85.005 → 85.01;  Y: (85.01 + 85.01) / 2 = 85.01 → tie at rank 1
    # Z: (85.00 + 85.00) / 2 = 85.00 → rank 3
    entries = compute(
        [
            fact(1, 1, "Y公司", ["85.01", "85.01"]),
            fact(2, 2, "X公司", ["85.00", "85.01"]),
            fact(3, 3, "Z公司", ["85.00", "85.00"]),
        ]
    )
    assert [(e.unit_name, e.rank, e.score) for e in entries] == [
        ("X公司", 1, D("85.01")),
        ("Y公司", 1, D("85.01")),
        ("Z公司", 3, D("85.00")),
    ]


def test_three_way_tie_then_the_next_rank_skips():
    # 100, 90, 90, 90, 70 → 1, 2, 2, 2, 5
    facts = [fact(1, 1, "甲", [100, 100])]
    facts += [fact(i, i, name, [90, 90]) for i, name in ((2, "乙"), (3, "丙"), (4, "丁"))]
    facts.append(fact(5, 5, "戊", [70, 70]))
    ranks = [e.rank for e in compute(facts)]
    assert ranks == [1, 2, 2, 2, 5]


def test_unranked_units_are_listed_last_by_name_whatever_their_mean():
    facts = [
        fact(1, 1, "丙公司", [100]),  # 1 inspection: not ranked although its mean is the best
        fact(2, 2, "乙公司", [60, 60]),
        fact(3, 3, "甲公司", [], overdue=1),  # penalties only: not ranked
        fact(4, 4, "丁公司", [70, 70]),
    ]
    entries = compute(facts)
    assert [(e.unit_name, e.rank) for e in entries] == [
        ("丁公司", 1),
        ("乙公司", 2),
        *sorted([("丙公司", None), ("甲公司", None)]),
    ]


def test_no_facts_no_entries():
    assert compute([]) == []


# --- group aggregation and the inputs ----------------------------------------------------------


def test_a_group_is_ranked_on_all_its_projects_with_each_contribution():
    # Group G (unit 100) has three projects of two subsidiaries; group H (unit 200) one.
    #   G/甲项目: 90, 80 and 1 重大隐患      → contributes sum 170, penalty 2
    #   G/乙项目: 70 and 1 停工, 2 逾期        → sum 70, penalty 5 + 2 = 7
    #   G/丙项目: no inspection, 1 逾期        → sum 0, penalty 1
    # G: mean (90 + 80 + 70) / 3 = 240 / 3 = 80.00; penalty 2 + 7 + 1 = 10 → 70.00
    #   H/丁项目: 75, 76 → mean 75.50, no penalty → 75.50
    # → H rank 1 (75.50), G rank 2 (70.00)
    facts = [
        fact(2, 100, "G集团", [70], stops=1, overdue=2, name="乙项目"),
        fact(1, 100, "G集团", [90, 80], major=1, name="甲项目"),
        fact(4, 200, "H集团", [75, 76], name="丁项目"),
        fact(3, 100, "G集团", [], overdue=1, name="丙项目"),
    ]
    h, g = compute(facts)
    assert (h.unit_name, h.rank, h.score) == ("H集团", 1, D("75.50"))
    assert (g.unit_name, g.rank, g.score) == ("G集团", 2, D("70.00"))
    assert g.inputs() == {
        "inspections": 3,
        "mean_score": "80.00",
        "major_hazards": 1,
        "stop_notices": 1,
        "overdue": 3,
        "penalty": "10",
        # projects sorted by name: 丙 (U+4E19) < 乙 (U+4E59) < 甲 (U+7532)
        "projects": [
            {
                "project_id": 3,
                "project_name": "丙项目",
                "inspections": 0,
                "mean_score": None,
                "score_sum": "0",
                "major_hazards": 0,
                "stop_notices": 0,
                "overdue": 1,
                "penalty": "1",
            },
            {
                "project_id": 2,
                "project_name": "乙项目",
                "inspections": 1,
                "mean_score": "70.00",
                "score_sum": "70",
                "major_hazards": 0,
                "stop_notices": 1,
                "overdue": 2,
                "penalty": "7",
            },
            {
                "project_id": 1,
                "project_name": "甲项目",
                "inspections": 2,
                "mean_score": "85.00",
                "score_sum": "170",
                "major_hazards": 1,
                "stop_notices": 0,
                "overdue": 0,
                "penalty": "2",
            },
        ],
    }
    # The contributions add up to the unit's inputs: 0 + 1 + 2 = 3 inspections,
    # (0 + 70 + 170) / 3 = 80 mean, 1 + 7 + 2 = 10 penalty.
    projects = g.inputs()["projects"]
    assert sum(p["inspections"] for p in projects) == g.inspections
    assert sum(D(p["score_sum"]) for p in projects) / g.inspections == g.mean_score
    assert sum(D(p["penalty"]) for p in projects) == g.penalty


def test_the_inputs_follow_the_formula_weights():
    formula = Formula(major_penalty=D("1.50"), stop_penalty=D("3"), overdue_penalty=D("0.5"))
    # penalty 1.50 × 2 + 3 × 1 + 0.5 × 1 = 3 + 3 + 0.5 = 6.5; mean (88 + 92) / 2 = 90 → 83.50
    [entry] = compute([fact(7, 1, "甲公司", [88, 92], major=2, stops=1, overdue=1)], formula)
    assert entry.score == D("83.50")
    inputs = entry.inputs()
    assert D(inputs["penalty"]) == D("6.5")
    assert D(inputs["projects"][0]["penalty"]) == D("6.5")
    assert inputs["projects"][0]["mean_score"] == "90.00"


def test_the_inputs_of_an_unranked_unit():
    [entry] = compute([fact(1, 1, "甲公司", [88])])
    assert entry.inputs()["mean_score"] == "88.00"
    assert entry.inputs()["inspections"] == 1
    [entry] = compute([fact(1, 1, "甲公司", [], major=1)])
    assert entry.inputs()["mean_score"] is None


def test_a_unit_takes_the_name_it_is_given():
    # The same unit id across facts is one unit (the group), whatever the project.
    entries = compute([fact(1, 5, "G集团", [80, 80]), fact(2, 5, "G集团", [90])])
    assert len(entries) == 1
    # (80 + 80 + 90) / 3 = 83.333… → 83.33
    assert entries[0].score == D("83.33")


# --- the formula -------------------------------------------------------------------------------


def test_formula_defaults_and_round_trip():
    formula = Formula()
    assert formula.as_dict() == {
        "min_inspections": 2,
        "major_penalty": "2",
        "stop_penalty": "5",
        "overdue_penalty": "1",
    }
    assert Formula.from_dict(formula.as_dict()) == formula
    assert Formula.from_dict(None) == formula
    assert Formula.from_dict({}) == formula
    custom = Formula(min_inspections=3, major_penalty=D("2.50"), stop_penalty=D("0"))
    assert Formula.from_dict(custom.as_dict()) == custom
    assert Formula.from_dict({"min_inspections": "4", "overdue_penalty": 1.5}) == Formula(
        min_inspections=4, overdue_penalty=D("1.5")
    )


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # (100 + 100) / 2 = 100
        ((100, 100), "100.00"),
        # (0 + 0) / 2 = 0
        ((0, 0), "0.00"),
        # (79.99 + 80) / 2 = 79.995 → 80.00
        (("79.99", "80"), "80.00"),
        # (1 + 1 + 2) / 3 = 1.333… → 1.33
        ((1, 1, 2), "1.33"),
        # (2 + 2 + 1) / 3 = 1.666… → 1.67
        ((2, 2, 1), "1.67"),
    ],
)
def test_more_hand_computed_means(scores, expected):
    assert compute([fact(1, 1, "甲公司", scores)])[0].score == D(expected)
