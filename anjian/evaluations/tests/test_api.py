"""The 考评 and 排名 API walks the same services as the pages, with the same visibility."""

import datetime

import pytest
from django.utils import timezone

from anjian.core.testing.personas import make_org, make_project
from anjian.evaluations import services as svc
from anjian.evaluations.models import Evaluation, RankingEntry, RankingSnapshot
from anjian.evaluations.testing import (
    at,
    evaluation_objects,
    jgj59_template,
    month_start,
    scored_inspection,
)
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.inspections.testing import signature_data_url
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import Project, ProjectParticipant

pytestmark = pytest.mark.django_db

API = "/api/v1"


def send(client, method, url, body=None):
    return getattr(client, method)(f"{API}{url}", body or {}, content_type="application/json")


def detail(response) -> str:
    return str(response.json().get("detail", ""))


@pytest.fixture
def template(world):
    return jgj59_template(world)


@pytest.fixture
def items(template):
    return svc.template_items(template)


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


# --- the self-evaluation, start to finish -----------------------------------------------------


def test_self_evaluation_from_draft_to_confirmed(world, client_as, items):
    pm, engineer = client_as("pm"), client_as("engineer")
    p = world.projects["P"]
    response = send(
        pm, "post", "/evaluations", {"project_id": p.pk, "kind": "self", "period": this_month()}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["kind_label"] == "月度自评"
    assert data["month"] == this_month() and data["period"].endswith("-01")
    # Nothing deducted yet: every table scores 100.
    assert data["score"] == "100.00" and data["grade"] == "EXCELLENT"
    assert data["allowed"] == {"can_edit": True, "can_review": False}
    url = f"/evaluations/{data['id']}"

    first = items[0]  # B.1 安全生产责任制, a 保证项目 worth 10
    assert (first.section.code, first.points, first.is_guarantee) == ("B.1", 10, True)
    bad = send(pm, "put", f"{url}/answers", {"answers": {str(first.pk): {"d": "12"}}})
    assert bad.status_code == 400
    assert first.code in detail(bad) and "10" in detail(bad)
    junk = send(pm, "put", f"{url}/answers", {"answers": {str(first.pk): {"d": "很多"}}})
    assert junk.status_code == 400 and first.code in detail(junk)

    pit = [i for i in items if i.section.code == "B.11"][-1]  # a 一般项目
    assert not pit.is_guarantee
    body = {
        "answers": {
            str(first.pk): {"d": 4},
            str(pit.pk): {"na": True},
            "999999": {"d": "3"},  # not an item of the template: ignored
        },
        "remarks": "本月自评",
    }
    response = send(pm, "put", f"{url}/answers", body)
    assert response.status_code == 200, response.content
    data = response.json()
    # B.1 = 100 − 4 = 96 → 安全管理 10 × 96 / 100 = 9.6; every other table 100 (B.11 with one
    # item not applicable is 90 / 90 = 100): 汇总表 99.60, 优良.
    tables = {t["code"]: t for t in data["score_detail"]["tables"]}
    assert tables["B.1"]["score"] == "96.00" and tables["B.1"]["zero_rule"] in ("", None)
    assert tables["B.11"]["score"] == "100.00"
    assert data["score_detail"]["categories"]["MANAGE"]["converted"] == "9.60"
    assert data["score"] == "99.60" and data["grade_label"] == "优良"
    assert data["answers"] == {
        str(first.pk): {"d": "4", "na": False},
        str(pit.pk): {"d": "0", "na": True},
    }
    assert data["remarks"] == "本月自评"

    # A 保证项目 at 0 zeroes its table and the grade is 不合格.
    zero = send(pm, "put", f"{url}/answers", {"answers": {str(first.pk): {"d": "10"}}}).json()
    tables = {t["code"]: t for t in zero["score_detail"]["tables"]}
    assert tables["B.1"]["score"] == "0.00" and tables["B.1"]["zero_rule"]
    assert zero["grade"] == "FAIL" and zero["score_detail"]["any_table_zero"] is True
    send(pm, "put", f"{url}/answers", body)

    # The engineer cannot edit, submit or review a draft.
    assert send(engineer, "put", f"{url}/answers", body).status_code == 403
    assert (
        send(engineer, "post", f"{url}/submit", {"signature": signature_data_url()}).status_code
        == 403
    )
    assert engineer.get(f"{API}{url}").json()["allowed"] == {"can_edit": False, "can_review": False}

    unsigned = send(pm, "post", f"{url}/submit", {"signature": "not-a-png"})
    assert unsigned.status_code == 400
    response = send(
        client_as("safety"), "post", f"{url}/submit", {"signature": signature_data_url()}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["submitted_at"]
    assert [s["role"] for s in data["signatures"]] == ["contractor"]
    assert data["signatures"][0]["name"] == "safety" and data["signatures"][0]["url"]
    assert data["allowed"] == {"can_edit": False, "can_review": False}
    again = send(pm, "put", f"{url}/answers", body)
    assert again.status_code == 400

    # Only the 建设 and 监理 review; the opinion is required.
    review = {"agrees": True, "opinion": "", "signature": signature_data_url()}
    assert send(pm, "post", f"{url}/review", review).status_code == 403
    assert send(client_as("supervisor"), "post", f"{url}/review", review).status_code == 403
    assert engineer.get(f"{API}{url}").json()["allowed"]["can_review"] is True
    response = send(engineer, "post", f"{url}/review", review)
    assert response.status_code == 400 and detail(response)
    review["opinion"] = "同意自评结果"
    response = send(engineer, "post", f"{url}/review", review)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "confirmed" and data["confirmed_at"]
    assert [(s["role"], s["agrees"], s["opinion"]) for s in data["signatures"]] == [
        ("contractor", True, ""),
        ("supervision", True, "同意自评结果"),
    ]
    assert data["allowed"] == {"can_edit": False, "can_review": False}
    assert send(engineer, "post", f"{url}/review", review).status_code == 400


def test_a_returned_self_evaluation_can_be_edited_and_submitted_again(world, client_as, items):
    objects = evaluation_objects(world)
    url = f"/evaluations/{objects['submitted'].pk}"
    returned = {"agrees": False, "opinion": "扣分依据不足", "signature": signature_data_url()}
    data = send(client_as("engineer"), "post", f"{url}/review", returned).json()
    assert data["status"] == "returned"
    assert data["signatures"][-1]["agrees"] is False
    pm = client_as("pm")
    assert pm.get(f"{API}{url}").json()["allowed"]["can_edit"] is True
    body = {"answers": {str(items[0].pk): {"d": "3"}}}
    assert send(pm, "put", f"{url}/answers", body).json()["score"] == "99.70"
    data = send(pm, "post", f"{url}/submit", {"signature": signature_data_url()}).json()
    # The 监理's earlier review is cleared: it reviews again.
    assert data["status"] == "submitted"
    assert [s["role"] for s in data["signatures"]] == ["contractor", "contractor"]


def test_the_commission_evaluation_is_confirmed_when_signed(world, client_as, template):
    supervisor = client_as("supervisor")
    body = {
        "project_id": world.projects["P"].pk,
        "kind": "agency",
        "period": timezone.localdate().isoformat(),
    }
    response = send(supervisor, "post", "/evaluations", body)
    assert response.status_code == 201, response.content
    url = f"/evaluations/{response.json()['id']}"
    assert (
        send(
            client_as("pm"), "post", f"{url}/submit", {"signature": signature_data_url()}
        ).status_code
        == 403
    )
    data = send(supervisor, "post", f"{url}/submit", {"signature": signature_data_url()}).json()
    assert data["status"] == "confirmed" and data["signatures"][0]["role"] == "agency"


@pytest.mark.parametrize(
    ("persona", "kind", "status"),
    [
        ("pm", "self", 201),
        ("safety", "self", 201),
        ("supervisor", "agency", 201),
        ("chief", "agency", 201),
        ("supervisor", "self", 403),
        ("engineer", "self", 403),
        ("engineer", "agency", 403),
        ("leader", "agency", 403),
        ("admin", "agency", 403),
        ("pm", "agency", 403),
        ("grouphq", "self", 403),
        ("pm2", "self", 404),
        ("outsider", "agency", 404),
    ],
)
def test_who_may_start_an_evaluation(world, client_as, template, persona, kind, status):
    body = {"project_id": world.projects["P"].pk, "kind": kind, "period": this_month()}
    assert send(client_as(persona), "post", "/evaluations", body).status_code == status


@pytest.mark.parametrize(
    ("persona", "period", "kind", "status"),
    [
        ("pm", "2026-13", "self", 400),
        ("pm", "next", "self", 400),
        ("pm", "1899-01", "self", 400),
        ("pm", "", "self", 400),
        ("pm", "2026-05", "weekly", 400),
        # A refused caller is refused before its input is read.
        ("leader", "2026-13", "agency", 403),
        ("engineer", "next", "weekly", 403),
        ("pm2", "2026-13", "self", 404),
    ],
)
def test_bad_evaluation_input_is_a_400_after_the_role_check(
    world, client_as, template, persona, period, kind, status
):
    body = {"project_id": world.projects["P"].pk, "kind": kind, "period": period}
    response = send(client_as(persona), "post", "/evaluations", body)
    assert response.status_code == status, response.content


def test_a_month_is_evaluated_once_and_never_in_the_future(world, client_as, template):
    pm = client_as("pm")
    body = {"project_id": world.projects["P"].pk, "kind": "self", "period": this_month()}
    assert send(pm, "post", "/evaluations", body).status_code == 201
    twice = send(pm, "post", "/evaluations", body)
    assert twice.status_code == 400 and detail(twice)
    future = month_start(0) + datetime.timedelta(days=40)
    body["period"] = f"{future:%Y-%m}"
    assert send(pm, "post", "/evaluations", body).status_code == 400


def test_evaluations_are_visible_with_their_project(world, client_as):
    objects = evaluation_objects(world)
    url = f"{API}/evaluations/{objects['submitted'].pk}"
    for persona in (
        "pm",
        "safety",
        "engineer",
        "grouphq",
        "supervisor",
        "chief",
        "leader",
        "admin",
    ):
        assert client_as(persona).get(url).status_code == 200, persona
    for persona in ("pm2", "outsider"):
        assert client_as(persona).get(url).status_code == 404, persona
        assert client_as(persona).get(f"{API}/evaluations").json()["count"] == 0
    assert client_as("anonymous").get(url).status_code == 401
    body = {"answers": {}, "remarks": ""}
    assert (
        send(
            client_as("pm2"), "put", f"/evaluations/{objects['draft'].pk}/answers", body
        ).status_code
        == 404
    )
    assert client_as("pm").get(f"{API}/evaluations/999999").status_code == 404


def test_the_evaluation_list_filters(world, client_as):
    objects = evaluation_objects(world)
    client = client_as("chief")
    base = f"{API}/evaluations"
    assert client.get(base).json()["count"] == 3
    assert client.get(f"{base}?kind=agency").json()["count"] == 1
    assert (
        client.get(f"{base}?status=submitted").json()["items"][0]["id"] == objects["submitted"].pk
    )
    last = f"{objects['last_month']:%Y-%m}"
    ids = {i["id"] for i in client.get(f"{base}?period_from={last}").json()["items"]}
    assert ids == {objects["submitted"].pk, objects["agency"].pk}
    assert client.get(f"{base}?period_to={last}&period_from={last}&kind=self").json()["count"] == 1
    assert client.get(f"{base}?project={world.projects['Q'].pk}").json()["count"] == 0
    assert client.get(f"{base}?period_from=abc").status_code == 400


# --- accidents --------------------------------------------------------------------------------


def test_accidents_are_recorded_by_the_supervisors(world, client_as):
    p = world.projects["P"]
    body = {
        "project_id": p.pk,
        "occurred_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "level": "larger",
        "deaths": 3,
        "injuries": 2,
        "description": "塔吊倾覆",
    }
    for persona, status in (
        ("leader", 403),
        ("admin", 403),
        ("pm", 403),
        ("engineer", 403),
        ("pm2", 404),
        ("outsider", 404),
    ):
        assert send(client_as(persona), "post", "/accidents", body).status_code == status, persona
    response = send(client_as("chief"), "post", "/accidents", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (
        data["level_label"] == "较大事故" and data["is_liability"] is True and data["deaths"] == 3
    )
    listed = client_as("pm").get(f"{API}/projects/{p.pk}/accidents")
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [data["id"]]
    assert client_as("pm2").get(f"{API}/projects/{p.pk}/accidents").status_code == 404
    assert client_as("chief").get(f"{API}/projects/999999/accidents").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"occurred_on": None},
        {"occurred_on": "2999-01-01"},
        {"occurred_on": "0001-01-01"},
        {"level": "small"},
        {"description": "  "},
        {"deaths": -1},
        {"injuries": 100000},
    ],
)
def test_bad_accidents_are_refused_with_a_message(world, client_as, change):
    body = {
        "project_id": world.projects["P"].pk,
        "occurred_on": timezone.localdate().isoformat(),
        "level": "general",
        "description": "高处坠落",
    }
    body.update(change)
    response = send(client_as("supervisor"), "post", "/accidents", body)
    assert response.status_code == 400 and detail(response)
    # The leader may not record any accident: refused before the input is read.
    assert send(client_as("leader"), "post", "/accidents", body).status_code == 403


# --- the final 考评 ---------------------------------------------------------------------------


def test_an_accident_forces_a_fail_and_the_contractor_may_object(world, client_as):
    p = world.projects["P"]
    supervisor, chief, pm = client_as("supervisor"), client_as("chief"), client_as("pm")
    svc.accident_record(
        project=p,
        by=world.users["supervisor"],
        data={"occurred_on": timezone.localdate(), "level": "general", "description": "坠落"},
    )
    facts = pm.get(f"{API}/projects/{p.pk}/final-evaluation/facts")
    assert facts.status_code == 200, facts.content
    facts = facts.json()
    assert [t["key"] for t in facts["triggers"]] == ["accident"]
    assert facts["results"] == ["fail"] and facts["final_evaluation_id"] is None
    assert facts["accidents"][0]["level_label"] == "一般事故"
    assert client_as("pm2").get(f"{API}/projects/{p.pk}/final-evaluation/facts").status_code == 404

    body = {"project_id": p.pk, "result": "pass", "reasons": ""}
    assert send(pm, "post", "/final-evaluations", body).status_code == 403
    assert send(client_as("leader"), "post", "/final-evaluations", body).status_code == 403
    refused = send(supervisor, "post", "/final-evaluations", body)
    assert refused.status_code == 400 and "不合格" in detail(refused)
    body["result"] = "fail"
    response = send(supervisor, "post", "/final-evaluations", body)
    assert response.status_code == 201, response.content
    final = response.json()
    assert final["result_label"] == "不合格" and final["status"] == "notified" and final["number"]
    assert [t["key"] for t in final["triggers"]] == ["accident"] and "事故" in final["reasons"]
    assert final["responsible_org_id"] == world.orgs["contractor_a"].pk
    assert final["notice_url"].endswith("notice.pdf")
    assert send(supervisor, "post", "/final-evaluations", body).status_code == 400
    url = f"/final-evaluations/{final['id']}"
    assert pm.get(f"{API}{url}").json()["allowed"] == {"can_object": True, "can_review": False}

    assert (
        send(chief, "post", f"{url}/review", {"result": "fail", "comment": "维持"}).status_code
        == 400
    )
    assert send(supervisor, "post", f"{url}/objection", {"objection": "x"}).status_code == 403
    assert send(pm, "post", f"{url}/objection", {"objection": " "}).status_code == 400
    response = send(pm, "post", f"{url}/objection", {"objection": "事故为分包单位责任"})
    assert response.status_code == 200 and response.json()["status"] == "objected"
    assert send(pm, "post", f"{url}/objection", {"objection": "再次"}).status_code == 400

    review = {"result": "pass", "comment": "改为合格"}
    assert send(supervisor, "post", f"{url}/review", review).status_code == 403
    assert chief.get(f"{API}{url}").json()["allowed"] == {"can_object": False, "can_review": True}
    refused = send(chief, "post", f"{url}/review", review)
    assert refused.status_code == 400 and "不合格" in detail(refused)
    response = send(chief, "post", f"{url}/review", {"result": "fail", "comment": "维持不合格"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "final" and data["original_result"] == "fail"
    assert data["review_comment"] == "维持不合格" and data["reviewed_at"]
    assert pm.get(f"{API}/final-evaluations").json()["count"] == 1
    assert client_as("pm2").get(f"{API}/final-evaluations").json()["count"] == 0
    assert client_as("pm2").get(f"{API}{url}").status_code == 404


def test_missing_self_evaluations_and_two_stops_are_triggers(world, client_as):
    p, q = world.projects["P"], world.projects["Q"]
    Project.objects.filter(pk=p.pk).update(actual_start=month_start(2) + datetime.timedelta(days=5))
    chief = client_as("chief")
    facts = chief.get(f"{API}/projects/{p.pk}/final-evaluation/facts").json()
    # A project still under construction is judged on the months that are over.
    assert facts["months"] == [f"{month_start(n):%Y-%m}" for n in (2, 1)]
    assert facts["missing"] == facts["months"] and facts["self_evaluated"] == []
    assert [t["key"] for t in facts["triggers"]] == ["no_self_evaluation"]
    for days in (200, 20):
        RectificationNotice.objects.create(
            agency=q.agency,
            project=q,
            kind="partial_stop",
            number=f"停-{days}",
            issued_by=world.users["supervisor"],
            issued_at=timezone.now() - datetime.timedelta(days=days),
        )
    facts = chief.get(f"{API}/projects/{q.pk}/final-evaluation/facts").json()
    assert [t["key"] for t in facts["triggers"]] == ["two_stops"]
    assert len(facts["stop_notices"]) == 2


def test_excellent_is_capped_at_ten_percent_with_a_clear_message(world, client_as):
    agency, street = world.orgs["agency"], world.streets["A1"]
    year_end = datetime.date(timezone.localdate().year, 12, 31)
    Project.objects.filter(pk__in=[world.projects["P"].pk, world.projects["Q"].pk]).update(
        contract_end=year_end
    )
    chief = client_as("chief")
    q = world.projects["Q"]
    facts = chief.get(f"{API}/projects/{q.pk}/final-evaluation/facts").json()
    assert facts["quota"] == {"year": year_end.year, "due": 2, "cap": 0, "given": 0}
    assert facts["results"] == ["pass", "fail"]
    body = {"project_id": q.pk, "result": "excellent", "reasons": "安全管理规范"}
    refused = send(chief, "post", "/final-evaluations", body)
    assert refused.status_code == 400
    assert "10%" in detail(refused) and "优良" in detail(refused) and "2" in detail(refused)

    others = [
        make_project(f"配额项目{n}", street, agency, seq=200 + n, contract_end=year_end)
        for n in range(8)
    ]
    facts = chief.get(f"{API}/projects/{q.pk}/final-evaluation/facts").json()
    assert facts["quota"]["due"] == 10 and facts["quota"]["cap"] == 1
    assert "excellent" in facts["results"]
    response = send(chief, "post", "/final-evaluations", body)
    assert response.status_code == 201, response.content
    assert response.json()["result_label"] == "优良"
    body["project_id"] = others[0].pk
    refused = send(chief, "post", "/final-evaluations", body)
    assert refused.status_code == 400 and "10" in detail(refused) and "1" in detail(refused)
    facts = chief.get(f"{API}/projects/{others[0].pk}/final-evaluation/facts").json()
    assert facts["quota"]["given"] == 1 and "excellent" not in facts["results"]
    body["result"] = "pass"
    assert send(chief, "post", "/final-evaluations", body).status_code == 201


# --- rankings ---------------------------------------------------------------------------------


def ranking_month(world) -> datetime.date:
    """Three months ago: P (contractor A) 90 and 81.5 with a 重大 hazard and a stop notice;
    Q (contractor B) 70, 75 and 77.5 with an overdue rectification."""
    start = month_start(3)
    for day, score in ((3, "90.00"), (17, "81.50")):
        scored_inspection(world, "P", score, at(start + datetime.timedelta(days=day)))
    for day, score in ((2, "70.00"), (9, "75.00"), (22, "77.50")):
        scored_inspection(world, "Q", score, at(start + datetime.timedelta(days=day)))
    p, q, supervisor = world.projects["P"], world.projects["Q"], world.users["supervisor"]
    Hazard.objects.create(
        project=p,
        agency=p.agency,
        description="深基坑未按方案支护",
        location="1#楼基坑",
        grade="major",
        found_at=at(start + datetime.timedelta(days=3)),
        status="closed",
        deadline=at(start + datetime.timedelta(days=8)),
        closed_at=at(start + datetime.timedelta(days=6)),
    )
    RectificationNotice.objects.create(
        agency=p.agency,
        project=p,
        kind="full_stop",
        number="停-1",
        issued_by=supervisor,
        issued_at=at(start + datetime.timedelta(days=3)),
    )
    Hazard.objects.create(
        project=q,
        agency=q.agency,
        description="临边防护缺失",
        location="3#楼",
        found_at=at(start + datetime.timedelta(days=2)),
        status="closed",
        deadline=at(start + datetime.timedelta(days=9)),
        closed_at=at(start + datetime.timedelta(days=14)),
    )
    return start


def entries_of(data) -> list[tuple]:
    return [(e["name"], e["rank"], e["score"]) for e in data["entries"]]


def test_the_preview_is_computed_by_hand(world, client_as):
    start = ranking_month(world)
    a, b = world.orgs["contractor_a"].name, world.orgs["contractor_b"].name
    response = client_as("chief").get(f"{API}/rankings/preview?day={start:%Y-%m}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["period_start"] == start.isoformat() and data["published_id"] is None
    assert data["formula"] == {
        "min_inspections": 2,
        "major_penalty": "2",
        "stop_penalty": "5",
        "overdue_penalty": "1",
    }
    # A: (90 + 81.5) / 2 = 85.75 − 2 × 1 重大隐患 − 5 × 1 停工 = 78.75
    # B: (70 + 75 + 77.5) / 3 = 74.1666… − 1 × 1 逾期 = 73.1666… → 73.17
    assert entries_of(data) == [(a, 1, "78.75"), (b, 2, "73.17")]
    first, second = data["entries"]
    assert first["inputs"]["mean_score"] == "85.75" and first["inputs"]["penalty"] == "7"
    assert (first["inputs"]["major_hazards"], first["inputs"]["stop_notices"]) == (1, 1)
    assert second["inputs"]["inspections"] == 3 and second["inputs"]["overdue"] == 1
    assert second["inputs"]["mean_score"] == "74.17"
    assert first["previous"] is None and first["rank_change"] is None

    group = (
        client_as("leader")
        .get(f"{API}/rankings/preview?unit=group&period_type=quarter&day={start.isoformat()}")
        .json()
    )
    assert entries_of(group) == [(world.orgs["group"].name, 1, "78.75")]
    assert group["entries"][0]["inputs"]["projects"][0]["project_id"] == world.projects["P"].pk

    # A stricter formula: three inspections to be ranked, so A is listed but not ranked.
    admin = client_as("admin")
    formula = {
        "min_inspections": 3,
        "major_penalty": "2",
        "stop_penalty": "5",
        "overdue_penalty": "1.5",
    }
    assert send(admin, "put", "/ranking-formula", formula).status_code == 200
    data = client_as("chief").get(f"{API}/rankings/preview?day={start:%Y-%m}").json()
    assert entries_of(data) == [(b, 1, "72.67"), (a, None, None)]
    assert data["entries"][1]["ranked"] is False


@pytest.mark.parametrize(
    "query",
    ["unit=everyone", "period_type=week", "day=2026-02-30", "day=9999-12", "day=soon"],
)
def test_a_bad_preview_query_is_a_400(world, client_as, query):
    response = client_as("chief").get(f"{API}/rankings/preview?{query}")
    assert response.status_code == 400 and detail(response)


@pytest.mark.parametrize("persona", ["pm", "engineer", "grouphq", "pm2"])
def test_only_commission_staff_preview(world, client_as, persona):
    assert client_as(persona).get(f"{API}/rankings/preview?day=soon").status_code == 403


def test_publishing_stores_a_snapshot_once_and_never_recomputes_it(world, client_as):
    start = ranking_month(world)
    body = {"unit": "contractor", "period_type": "month", "day": start.isoformat()}
    for persona, status in (("supervisor", 403), ("admin", 403), ("pm", 403), ("outsider", 403)):
        assert send(client_as(persona), "post", "/rankings", body).status_code == status, persona
    assert send(client_as("pm"), "post", "/rankings", {**body, "day": "x"}).status_code == 403
    leader = client_as("leader")
    assert send(leader, "post", "/rankings", {**body, "day": "x"}).status_code == 400
    response = send(leader, "post", "/rankings", body)
    assert response.status_code == 201, response.content
    published = response.json()
    assert published["label"] == f"{start.year}年{start.month}月"
    assert published["entry_count"] == 2 and published["ranked_count"] == 2
    assert [e["score"] for e in published["entries"]] == ["78.75", "73.17"]
    twice = send(client_as("chief"), "post", "/rankings", body)
    assert twice.status_code == 400 and detail(twice)
    empty = send(leader, "post", "/rankings", {**body, "day": "2001-01-01"})
    assert empty.status_code == 400

    # A later inspection changes the preview but not the published ranking.
    scored_inspection(world, "Q", "100.00", at(start + datetime.timedelta(days=25)))
    preview = client_as("chief").get(f"{API}/rankings/preview?day={start:%Y-%m}").json()
    assert preview["published_id"] == published["id"]
    b = world.orgs["contractor_b"].name
    # B: (70 + 75 + 77.5 + 100) / 4 = 80.625 − 1 = 79.625 → 79.63, now first.
    assert entries_of(preview)[0] == (b, 1, "79.63")
    again = client_as("pm2").get(f"{API}/rankings/{published['id']}")
    assert again.status_code == 200
    assert entries_of(again.json()) == entries_of(published)
    assert again.json()["entries"][1]["inputs"]["inspections"] == 3
    assert client_as("pm2").get(f"{API}/rankings").json()["count"] == 1
    assert client_as("anonymous").get(f"{API}/rankings").status_code == 401
    assert client_as("pm").get(f"{API}/rankings/999999").status_code == 404


def test_a_ranking_shows_the_change_and_only_visible_projects(world, client_as):
    objects = evaluation_objects(world)  # last month: A 84.00 first, B 81.00 second
    start = ranking_month(world)  # three months ago: A 78.75 first, B 73.17 second
    earlier = svc.ranking_publish(
        agency=world.orgs["agency"],
        by=world.users["chief"],
        unit="contractor",
        period_type="month",
        day=start,
    )
    url = f"{API}/rankings/{objects['snapshot'].pk}"
    data = client_as("pm").get(url).json()
    a, b = data["entries"]
    assert (a["name"], a["rank"], a["score"]) == (world.orgs["contractor_a"].name, 1, "84.00")
    assert a["previous"] == {
        "snapshot_id": earlier.pk,
        "label": earlier.label,
        "rank": 1,
        "score": "78.75",
    }
    assert a["rank_change"] == 0 and a["score_change"] == "5.25"
    assert b["score_change"] == "7.83"
    # pm sees project P's contribution, not Q's; the supervisors see both.
    assert [p["project_id"] for p in a["inputs"]["projects"]] == [world.projects["P"].pk]
    assert b["inputs"]["projects"] == [] and b["inputs"]["hidden_projects"] == 1
    chief = client_as("chief").get(url).json()
    assert chief["entries"][1]["inputs"]["hidden_projects"] == 0
    assert chief["entries"][1]["inputs"]["projects"][0]["score_sum"] == "162.00"
    listing = client_as("grouphq").get(f"{API}/rankings?period_type=month").json()
    assert [s["id"] for s in listing["items"]] == [objects["snapshot"].pk, earlier.pk]
    assert client_as("grouphq").get(f"{API}/rankings?unit=group").json()["count"] == 0


def test_company_history_is_shown_to_the_company_its_group_and_the_commission(world, client_as):
    objects = evaluation_objects(world)
    start = ranking_month(world)
    for unit in ("contractor", "group"):
        svc.ranking_publish(
            agency=world.orgs["agency"],
            by=world.users["leader"],
            unit=unit,
            period_type="month",
            day=start,
        )
    a, b, g = (world.orgs[k].pk for k in ("contractor_a", "contractor_b", "group"))
    url = f"{API}/companies/{{}}/ranking-history"
    grouphq = client_as("grouphq")
    history = grouphq.get(url.format(a))
    assert history.status_code == 200, history.content
    rows = history.json()["entries"]
    assert [(r["label"], r["rank"], r["score"]) for r in rows] == [
        (f"{start.year}年{start.month}月", 1, "78.75"),
        (objects["snapshot"].label, 1, "84.00"),
    ]
    assert rows[1]["rank_change"] == 0 and rows[1]["score_change"] == "5.25"
    assert rows[1]["ranked_count"] == 2
    group = grouphq.get(url.format(g)).json()
    assert group["kind"] == "group" and [s["id"] for s in group["subsidiaries"]] == [a]
    assert [(r["unit"], r["score"]) for r in group["entries"]] == [("group", "78.75")]
    assert group["entries"][0]["inputs"]["projects"][0]["project_name"] == world.projects["P"].name
    assert grouphq.get(url.format(b)).status_code == 404
    assert client_as("pm").get(url.format(a)).status_code == 200
    assert client_as("pm").get(url.format(g)).status_code == 404
    assert client_as("pm").get(url.format(b)).status_code == 404
    assert client_as("pm2").get(url.format(b)).status_code == 200
    assert client_as("engineer").get(url.format(a)).status_code == 404
    outsider = client_as("outsider").get(url.format(a)).json()
    assert outsider["entries"][0]["inputs"]["projects"] == []
    assert outsider["entries"][0]["inputs"]["hidden_projects"] == 1
    assert client_as("chief").get(url.format(999999)).status_code == 404


# --- the formula ------------------------------------------------------------------------------


def test_the_formula_is_read_by_staff_and_changed_by_administrators(world, client_as):
    data = client_as("supervisor").get(f"{API}/ranking-formula").json()
    assert data["min_inspections"] == 2 and data["stop_penalty"] == "5"
    assert "5" in data["text"]
    for persona in ("pm", "grouphq", "engineer"):
        assert client_as(persona).get(f"{API}/ranking-formula").status_code == 403
    body = {"min_inspections": 3, "major_penalty": 2.5, "stop_penalty": "4", "overdue_penalty": "0"}
    for persona in ("chief", "leader", "supervisor", "outsider", "pm"):
        assert send(client_as(persona), "put", "/ranking-formula", body).status_code == 403
    assert (
        send(
            client_as("pm"), "put", "/ranking-formula", {**body, "min_inspections": "x"}
        ).status_code
        == 403
    )
    admin = client_as("admin")
    response = send(admin, "put", "/ranking-formula", body)
    assert response.status_code == 200, response.content
    assert response.json()["major_penalty"] == "2.50" and response.json()["min_inspections"] == 3
    assert client_as("chief").get(f"{API}/ranking-formula").json()["overdue_penalty"] == "0.00"
    # Agency B keeps the default formula.
    assert client_as("outsider").get(f"{API}/ranking-formula").json()["min_inspections"] == 2
    for bad in (
        {"min_inspections": "x"},
        {"min_inspections": 0},
        {"major_penalty": "-1"},
        {"stop_penalty": "NaN"},
        {"overdue_penalty": "1e999"},
        {"overdue_penalty": "很多"},
    ):
        response = send(admin, "put", "/ranking-formula", {**body, **bad})
        assert response.status_code == 400, (bad, response.content)


# --- query counts -----------------------------------------------------------------------------


def test_the_lists_run_a_fixed_number_of_queries(world, client_as, django_assert_num_queries):
    objects = evaluation_objects(world)
    ranking_month(world)
    client = client_as("chief")
    # session, user, organisation, then count + page (lists), or the snapshot, its entries,
    # the previous entries and the visible projects (one ranking), or the company, its entries,
    # the ranked counts and the visible projects (history).
    urls = {
        "evaluations": (f"{API}/evaluations", 5),
        "finals": (f"{API}/final-evaluations", 5),
        "rankings": (f"{API}/rankings", 4),
        "ranking": (f"{API}/rankings/{objects['snapshot'].pk}", 7),
        "history": (f"{API}/companies/{world.orgs['contractor_a'].pk}/ranking-history", 7),
    }
    for _name, (url, count) in urls.items():
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
    # More rows, same queries.
    p = world.projects["P"]
    for months_ago in (3, 4, 5):
        svc.evaluation_create(
            project=p, by=world.users["pm"], kind="self", period=month_start(months_ago)
        )
    org = make_org("新建施工单位", "contractor")
    extra = make_project("加测项目", world.streets["A2"], world.orgs["agency"], seq=300)
    ProjectParticipant.objects.create(
        project=extra, organization=org, role=ParticipantRole.CONTRACTOR
    )
    svc.final_evaluate(project=extra, by=world.users["chief"], result="pass")
    for unit in ("contractor", "group"):
        svc.ranking_publish(
            agency=world.orgs["agency"],
            by=world.users["leader"],
            unit=unit,
            period_type="month",
            day=month_start(3),
        )
    assert RankingEntry.objects.count() == 5 and RankingSnapshot.objects.count() == 3
    assert Evaluation.objects.count() == 6
    for _name, (url, count) in urls.items():
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
    assert client.get(urls["evaluations"][0]).json()["count"] == 6
    assert client.get(urls["finals"][0]).json()["count"] == 2
    assert client.get(urls["rankings"][0]).json()["count"] == 3
