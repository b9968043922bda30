"""Tests for the demo content generators (no database, no settings)."""

import datetime
import random

import pytest

from anjian.core.validators import (
    parse_permit_number,
    validate_credit_code,
    validate_permit_number,
    validate_phone,
)
from anjian.projects import demo_content as demo

LON_MIN, LAT_MIN, LON_MAX, LAT_MAX = demo.BOUNDING_BOX
STRUCTURES = {"frame", "shear_wall", "frame_shear", "frame_tube", "masonry", "steel", "other"}


def inside_box(lon: float, lat: float) -> bool:
    """Return True when the point lies in the district bounding box."""
    return LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX


def projects(seed: int = 1, count: int = 300) -> list[dict]:
    """Return a batch of demo projects from one seed."""
    rng = random.Random(seed)
    return [demo.project_name(rng) for _ in range(count)]


def test_bounding_box_is_the_one_promised_for_tongzhou():
    assert demo.BOUNDING_BOX == (116.55, 39.70, 116.95, 39.98)
    assert demo.DISTRICT["area_code"] == "110112"


def test_every_street_centre_lies_inside_the_bounding_box():
    assert len(demo.STREETS) >= 12
    for street in demo.STREETS:
        assert inside_box(street["lon"], street["lat"]), street["name"]


def test_street_codes_belong_to_the_district_and_are_unique():
    codes = [street["code"] for street in demo.STREETS]
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("110112") and len(code) == 9 for code in codes)
    assert all(len(street["roads"]) >= 3 for street in demo.STREETS)


@pytest.mark.parametrize("seed", range(5))
def test_addresses_are_in_the_district_and_near_their_street(seed):
    rng = random.Random(seed)
    for street in demo.STREETS:
        text, lon, lat = demo.address(rng, street)
        assert text.startswith(f"北京市通州区{street['name']}") and text.endswith("号")
        assert inside_box(lon, lat)
        assert abs(lon - street["lon"]) < 0.02 and abs(lat - street["lat"]) < 0.02


def test_address_accepts_a_street_name():
    text, _lon, _lat = demo.address(random.Random(3), "宋庄镇")
    assert text.startswith("北京市通州区宋庄镇")


@pytest.mark.parametrize("kind", ["company", "institution"])
def test_generated_credit_codes_pass_the_validator(kind):
    rng = random.Random(42)
    codes = [demo.credit_code(rng, kind) for _ in range(300)]
    for code in codes:
        validate_credit_code(code)
        assert code[2:8] == "110112"
    assert len(set(codes)) == len(codes)


def test_company_credit_codes_mix_old_and_new_organisation_codes():
    rng = random.Random(8)
    codes = [demo.credit_code(rng) for _ in range(100)]
    assert all(code.startswith("91") for code in codes)
    assert any(code[8:10] == "MA" for code in codes)
    assert any(code[8:16].isdigit() for code in codes)


def test_organisation_code_check_matches_real_codes():
    # Huawei's and Tencent's published organisation codes: 19220382-1 and 71526726-X.
    assert demo._org_code_check_char("19220382") == "1"
    assert demo._org_code_check_char("71526726") == "X"


def test_generated_permit_numbers_pass_the_validator_and_parse_back():
    rng = random.Random(5)
    day = datetime.date(2024, 2, 29)
    for seq, klass in [(1, "01"), (2, "17"), (12, "18"), (None, "19")]:
        number = demo.permit_number(rng, day, seq, klass)
        validate_permit_number(number)
        parsed = parse_permit_number(number)
        assert parsed["area"] == "110112" and parsed["date"] == day and parsed["klass"] == klass


def test_project_permit_dates_and_classes_make_valid_permit_numbers():
    rng = random.Random(9)
    for index, project in enumerate(projects(seed=9), start=1):
        number = demo.permit_number(
            rng, project["permit_date"], index % 99 + 1, project["permit_class"]
        )
        validate_permit_number(number)


def test_generated_phone_numbers_pass_the_validator():
    rng = random.Random(11)
    for _ in range(200):
        validate_phone(demo.phone(rng))
        validate_phone(demo.landline(rng))


def test_person_names_are_two_to_three_chinese_characters():
    rng = random.Random(12)
    names = [demo.person_name(rng) for _ in range(200)]
    assert all(2 <= len(name) <= 3 for name in names)
    assert all("\u4e00" <= char <= "\u9fff" for name in names for char in name)
    assert len(set(names)) > 150


def test_certificate_numbers_have_the_expected_shapes():
    rng = random.Random(13)
    constructor = demo.constructor_registration_number(rng)
    assert constructor.startswith("京111") and len(constructor) == 13 and constructor[1:].isdigit()
    assert demo.constructor_registration_number(rng, level=2).startswith("京211")
    b_cert = demo.safety_certificate_b(rng, year=2019)
    assert b_cert.startswith("京建安B(2019)") and len(b_cert) == 17
    assert demo.safety_certificate_c(rng, subtype="C3", year=2020).startswith("京建安C3(2020)")
    assert demo.safety_certificate_c(rng)[3:5] in {"C1", "C2", "C3"}
    engineer = demo.supervision_engineer_number(rng)
    assert engineer.startswith("11") and len(engineer) == 8 and engineer.isdigit()
    assert demo.safety_licence_number(rng).startswith("(京)JZ安许证字[")


def test_projects_lie_inside_the_district_with_consistent_fields():
    for project in projects():
        assert inside_box(project["lon"], project["lat"])
        assert project["coordinate_system"] == "wgs84"
        assert project["category"] in {"building", "municipal"}
        assert project["structure"] in STRUCTURES
        assert project["nature"] in {"new", "extension", "renovation"}
        assert project["cost_wan"] > 0 and project["duration_days"] > 180
        assert project["contract_end"] - project["contract_start"] == datetime.timedelta(
            days=project["duration_days"]
        )
        assert project["permit_date"] < project["contract_start"]
        assert project["builder_kind"] in {b["kind"] for b in demo.BUILDERS}
        if project["actual_start"]:
            assert project["actual_start"] <= demo.DEMO_TODAY
        if project["category"] == "building":
            assert project["floor_area"] > 0 and project["height"] > 0
            assert project["permit_class"] == "01" and project["length"] is None
        else:
            assert project["length"] > 0 and project["floor_area"] is None


def test_projects_cover_both_kinds_and_all_pit_depth_bands():
    batch = projects()
    assert {p["category"] for p in batch} == {"building", "municipal"}
    depths = [p["pit_depth"] for p in batch]
    assert any(depth is None for depth in depths)
    assert any(depth is not None and 3 <= depth < 5 for depth in depths)
    assert any(depth is not None and depth >= 5 for depth in depths)
    assert len({p["name"] for p in batch}) > 200


def test_project_names_carry_the_street_or_a_river_crossing():
    for project in projects(seed=4, count=100):
        short = project["street"].removesuffix("街道").removesuffix("镇")
        assert short in project["name"] or "跨" in project["name"] or "副中心" in project["name"]


def test_project_for_a_given_street_stays_in_that_street():
    project = demo.project_name(random.Random(2), street="台湖镇")
    assert project["street"] == "台湖镇" and project["street_code"] == "110112114"


def test_same_seed_gives_the_same_content():
    def sample(seed):
        rng = random.Random(seed)
        return (
            [demo.project_name(rng) for _ in range(20)],
            [demo.person_name(rng) for _ in range(20)],
            [demo.credit_code(rng) for _ in range(20)],
            [demo.phone(rng) for _ in range(20)],
            demo.address(rng, demo.STREETS[0]),
        )

    assert sample(2024) == sample(2024)
    assert sample(2024) != sample(2025)


def test_organisation_names_are_unique_and_groups_have_two_or_three_subsidiaries():
    assert len(demo.GROUPS) == 5
    assert all(2 <= len(group["subsidiaries"]) <= 3 for group in demo.GROUPS)
    names = [group["name"] for group in demo.GROUPS]
    names += [sub["name"] for group in demo.GROUPS for sub in group["subsidiaries"]]
    for pool in (
        demo.INDEPENDENT_CONTRACTORS,
        demo.SUBCONTRACTORS,
        demo.BUILDERS,
        demo.SUPERVISING_FIRMS,
        demo.SURVEYORS,
        demo.DESIGNERS,
        demo.MONITORING_UNITS,
    ):
        assert pool
        names += [org["name"] for org in pool]
    assert len(set(names)) == len(names)
