from decimal import Decimal

from anjian.evaluations import ranking


def test_hand_computed_ranking():
    facts = [
        ranking.ProjectFacts(1, "甲项目", 10, "A公司", (Decimal("85"), Decimal("75")), 1, 0, 0),
        ranking.ProjectFacts(2, "乙项目", 20, "B公司", (Decimal("90"), Decimal("70")), 0, 0, 0),
        ranking.ProjectFacts(3, "丙项目", 30, "C公司", (Decimal("95"),), 0, 0, 0),
    ]
    entries = ranking.compute(facts)
    # A: mean 80 − 2×1 = 78; B: mean 80; C: 1 inspection < 2 → not ranked
    assert [(e.unit_name, e.rank, e.score) for e in entries] == [
        ("B公司", 1, Decimal("80.00")),
        ("A公司", 2, Decimal("78.00")),
        ("C公司", None, None),
    ]
