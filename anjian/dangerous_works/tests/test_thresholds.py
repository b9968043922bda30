"""危大 / 超过一定规模 thresholds at each category's boundary values (DOMAIN.md §2.1)."""

import pytest

from anjian.dangerous_works.thresholds import (
    DANGER,
    NONE,
    SUBTYPES,
    SUPER,
    THRESHOLD_RULES,
    classify,
)

CASES = [
    # category, subtype, params, expected level
    ("PIT", "excavation", {"excavation_depth": 2.99}, NONE),
    ("PIT", "excavation", {"excavation_depth": 2.5, "complex_conditions": True}, DANGER),
    ("PIT", "excavation", {"excavation_depth": 3.0}, DANGER),
    ("PIT", "excavation", {"excavation_depth": 4.99}, DANGER),
    ("PIT", "excavation", {"excavation_depth": 5.0}, SUPER),
    ("PIT", "excavation", {"excavation_depth": 5.5}, SUPER),
    ("FORMWORK", "concrete_support", {"erection_height": 4.99}, NONE),
    ("FORMWORK", "concrete_support", {"erection_height": 5}, DANGER),
    ("FORMWORK", "concrete_support", {"erection_height": 7.99}, DANGER),
    ("FORMWORK", "concrete_support", {"erection_height": 8}, SUPER),
    ("FORMWORK", "concrete_support", {"span": 9.9}, NONE),
    ("FORMWORK", "concrete_support", {"span": 10}, DANGER),
    ("FORMWORK", "concrete_support", {"span": 18}, SUPER),
    ("FORMWORK", "concrete_support", {"construction_load": 10}, DANGER),
    ("FORMWORK", "concrete_support", {"construction_load": 15}, SUPER),
    ("FORMWORK", "concrete_support", {"line_load": 14.9}, NONE),
    ("FORMWORK", "concrete_support", {"line_load": 15}, DANGER),
    ("FORMWORK", "concrete_support", {"line_load": 20}, SUPER),
    ("FORMWORK", "tool_formwork", {}, SUPER),
    ("FORMWORK", "load_bearing_frame", {"point_load": 6.9}, DANGER),
    ("FORMWORK", "load_bearing_frame", {"point_load": 7}, SUPER),
    ("LIFTING", "non_standard", {"lift_weight": 9.9}, NONE),
    ("LIFTING", "non_standard", {"lift_weight": 10}, DANGER),
    ("LIFTING", "non_standard", {"lift_weight": 99.9}, DANGER),
    ("LIFTING", "non_standard", {"lift_weight": 100}, SUPER),
    ("LIFTING", "machine_installation", {}, DANGER),
    ("LIFTING", "machine_erection", {"lifting_capacity": 299}, DANGER),
    ("LIFTING", "machine_erection", {"lifting_capacity": 300}, SUPER),
    ("LIFTING", "machine_erection", {"total_height": 200}, SUPER),
    ("LIFTING", "machine_erection", {"foundation_elevation": 200}, SUPER),
    ("SCAFFOLD", "floor_standing", {"erection_height": 23.9}, NONE),
    ("SCAFFOLD", "floor_standing", {"erection_height": 24}, DANGER),
    ("SCAFFOLD", "floor_standing", {"erection_height": 49.9}, DANGER),
    ("SCAFFOLD", "floor_standing", {"erection_height": 50}, SUPER),
    ("SCAFFOLD", "attached_lifting", {"lift_height": 149}, DANGER),
    ("SCAFFOLD", "attached_lifting", {"lift_height": 150}, SUPER),
    ("SCAFFOLD", "cantilever", {"segment_height": 19.9}, DANGER),
    ("SCAFFOLD", "cantilever", {"segment_height": 20}, SUPER),
    ("SCAFFOLD", "gondola", {}, DANGER),
    ("DEMOLITION", "demolition", {}, NONE),
    ("DEMOLITION", "demolition", {"affects_surroundings": True}, DANGER),
    ("DEMOLITION", "demolition", {"affects_surroundings": True, "heritage_zone": True}, SUPER),
    ("DEMOLITION", "demolition", {"special_structure": True}, SUPER),
    ("TUNNEL", "tunnel", {}, SUPER),
    ("OTHER", "curtain_wall", {"working_height": 49.9}, DANGER),
    ("OTHER", "curtain_wall", {"working_height": 50}, SUPER),
    ("OTHER", "steel_structure", {"span": 35.9}, DANGER),
    ("OTHER", "steel_structure", {"span": 36}, SUPER),
    ("OTHER", "space_frame", {"span": 59.9}, DANGER),
    ("OTHER", "space_frame", {"span": 60}, SUPER),
    ("OTHER", "manual_pile", {"pile_depth": 15.9}, DANGER),
    ("OTHER", "manual_pile", {"pile_depth": 16}, SUPER),
    ("OTHER", "underwater", {}, SUPER),
    ("OTHER", "jacking", {"jacking_load": 999}, NONE),
    ("OTHER", "jacking", {"jacking_load": 1000}, SUPER),
    ("OTHER", "new_technology", {}, SUPER),
]


@pytest.mark.parametrize("category,subtype,params,expected", CASES)
def test_level_at_the_boundary(category, subtype, params, expected):
    assert classify(category, subtype, params).level == expected


def test_the_triggering_rule_is_named():
    result = classify("PIT", "excavation", {"excavation_depth": 5.5})
    assert result.needs_expert_review and result.reasons == ("开挖深度≥5m",)
    result = classify("FORMWORK", "concrete_support", {"span": 12, "erection_height": 6})
    assert result.level == DANGER and set(result.reasons) == {"搭设高度≥5m", "搭设跨度≥10m"}


def test_empty_or_missing_parameters_never_trigger():
    assert classify("PIT", "excavation", {"excavation_depth": None}).level == NONE
    assert classify("PIT", "excavation", {"excavation_depth": ""}).level == NONE


def test_unknown_subtype_is_refused_in_chinese():
    with pytest.raises(ValueError, match="未知的危大工程类别"):
        classify("PIT", "tower", {})


def test_every_rule_belongs_to_a_known_subtype():
    assert all((rule.category, rule.subtype) in SUBTYPES for rule in THRESHOLD_RULES)
