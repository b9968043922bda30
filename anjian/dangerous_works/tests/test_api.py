"""The 危大工程 API walks the same services as the pages, with the same visibility."""

import base64
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anjian.accounts.services import api_token_create
from anjian.dangerous_works import workflow
from anjian.dangerous_works.models import DangerousWork, ThresholdRule
from anjian.dangerous_works.testing import (
    PDF,
    pit_data,
    register,
    signatures_for,
    walk,
    work_objects,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/dangerous-works"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def auth(world, persona):
    _token, key = api_token_create(user=world.users[persona], name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def register_body(world, depth=5.5, project="P", **extra) -> dict:
    data = pit_data(depth)
    data.update(
        project_id=world.projects[project].pk,
        planned_start=data["planned_start"].isoformat(),
        planned_end=data["planned_end"].isoformat(),
    )
    data.update(extra)
    return data


def step_body(work, action, **extra) -> dict:
    """A complete JSON body for POST …/steps/{action}: signatures, a base64 PDF, dates."""
    body = {"comment": "意见"}
    if action in workflow.SIGNERS or action == workflow.APPROVE_INTERNAL:
        body["signatures"] = signatures_for(work, action)
    if action in workflow.DOCUMENTS:
        body["document"] = {"filename": "文件.pdf", "content_base64": b64(PDF)}
    if action in workflow.ARGUE_ACTIONS:
        body["held_on"] = timezone.localdate().isoformat()
        body["comment"] = "方案可行，按专家意见完善监测布点。"
    if action == workflow.DISCLOSE:
        body["posted"] = True
    body.update(extra)
    return body


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", **headers)


def act(client, work, action, headers, **extra):
    return post(
        client, f"{BASE}/{work.pk}/steps/{action}", step_body(work, action, **extra), headers
    )


# --- register ---------------------------------------------------------------------------------


def test_register_a_deep_pit_is_over_threshold_with_its_reason(world, client):
    response = post(client, BASE, register_body(world, 5.5), auth(world, "pm"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["level"] == "super" and data["level_label"] == "超过一定规模"
    assert data["level_reasons"] == ["开挖深度≥5m"]
    assert data["status"] == "identified" and data["number"]
    assert data["category"] == "PIT" and data["subtype_label"] == "基坑开挖、支护、降水"
    assert data["params"] == {"excavation_depth": 5.5}
    assert {"label": "开挖深度", "value": "5.5m"} in data["param_rows"]
    assert data["tech_lead"] == "赵工" and data["project_id"] == world.projects["P"].pk
    assert data["needs_acceptance"] is True and data["needs_monitoring"] is True
    assert set(data["allowed_actions"]) == {"draft", "cancel"}
    work = DangerousWork.objects.get(pk=data["id"])
    assert work.steps.get().action == "registered"


def test_register_a_shallow_pit_is_danger_and_flags_can_be_overridden(world, client):
    body = register_body(world, 3.2, needs_acceptance=False, name="2#楼基坑")
    data = post(client, BASE, body, auth(world, "supervisor")).json()
    assert data["level"] == "danger" and data["level_reasons"] == ["开挖深度≥3m"]
    assert data["needs_acceptance"] is False and data["needs_monitoring"] is False


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"params": {"excavation_depth": "很深"}}, ("开挖深度",)),
        ({"params": {"excavation_depth": -1}}, ("开挖深度",)),
        ({"params": {"excavation_depth": 2}}, ("危大工程",)),
        ({"subtype": "PIT:nothing"}, ("类别", "sub-type")),
        ({"name": "  "}, ("名", "name")),
        ({"planned_end": "2020-01-01"}, ("计划", "planned")),
        ({"subcontractor_id": 999999}, ("分包", "subcontractor")),
    ],
)
def test_register_refuses_bad_input_with_a_message(world, client, extra, words):
    response = post(client, BASE, register_body(world, **extra), auth(world, "pm"))
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert any(w in detail for w in words), detail
    assert not DangerousWork.objects.exists()


def test_register_subcontractor_must_take_part_in_the_project(world, client):
    outside = post(
        client,
        BASE,
        register_body(world, subcontractor_id=world.orgs["contractor_b"].pk),
        auth(world, "pm"),
    )
    assert outside.status_code == 400
    inside = post(
        client,
        BASE,
        register_body(world, subcontractor_id=world.orgs["contractor_a"].pk),
        auth(world, "pm"),
    )
    assert inside.status_code == 201
    assert inside.json()["subcontractor_name"] == world.orgs["contractor_a"].name


def test_register_malformed_body_is_422_with_a_chinese_detail(world, client):
    body = register_body(world)
    del body["name"]
    response = post(client, BASE, body, auth(world, "pm"))
    assert response.status_code == 422
    assert response.json()["detail"] == "请求参数不正确。"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("engineer", 403), ("leader", 403), ("admin", 403), ("grouphq", 403), ("pm2", 404)],
)
def test_register_needs_a_visible_project_and_the_right_role(world, client, persona, status):
    response = post(client, BASE, register_body(world), auth(world, persona))
    assert response.status_code == status
    assert response.json()["detail"]
    assert not DangerousWork.objects.exists()


def test_register_anonymous_is_401(world, client):
    response = post(client, BASE, register_body(world), {})
    assert response.status_code == 401


def test_edit_recomputes_the_level_while_editable(world, client):
    work = register(world, 3.5)
    headers = auth(world, "safety")
    body = register_body(world, 5.5)
    del body["project_id"]
    response = client.put(f"{BASE}/{work.pk}", body, content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    assert response.json()["level"] == "super"
    assert work.steps.filter(action="edited").exists()
    refused = client.put(
        f"{BASE}/{work.pk}", body, content_type="application/json", **auth(world, "engineer")
    )
    assert refused.status_code == 403
    walk(work, world, workflow.CONTRACTOR_REVIEW)
    late = client.put(f"{BASE}/{work.pk}", body, content_type="application/json", **headers)
    assert late.status_code == 400 and late.json()["detail"]


# --- list, filters, visibility ----------------------------------------------------------------


@pytest.fixture
def three(world):
    deep = register(world, 5.5, name="1#楼深基坑")
    shallow = register(world, 3.5, name="2#楼浅基坑")
    from anjian.dangerous_works import services as svc

    other = svc.work_register(
        project=world.projects["Q"],
        by=world.users["pm2"],
        data=pit_data(4, name="安置房基坑", location="东区"),
    )
    return deep, shallow, other


def test_list_shows_the_visible_works_with_their_fields(world, client_as, three):
    deep, shallow, other = three
    data = client_as("supervisor").get(BASE).json()
    assert data["count"] == 3
    item = next(i for i in data["items"] if i["id"] == deep.pk)
    assert item["project_name"] == world.projects["P"].name
    assert item["level_label"] == "超过一定规模" and item["level_reasons"] == ["开挖深度≥5m"]
    assert item["status_label"] == "已列入清单" and item["category_label"] == "基坑工程"
    assert item["warnings"] == []
    assert "allowed_actions" not in item
    assert {i["id"] for i in client_as("pm").get(BASE).json()["items"]} == {deep.pk, shallow.pk}
    assert {i["id"] for i in client_as("pm2").get(BASE).json()["items"]} == {other.pk}
    assert client_as("outsider").get(BASE).json()["count"] == 0
    assert client_as("grouphq").get(BASE).json()["count"] == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"level": "super"}, {"deep"}),
        ({"level": "danger"}, {"shallow", "other"}),
        ({"q": "浅基坑"}, {"shallow"}),
        ({"q": "安置房"}, {"other"}),
        ({"category": "PIT"}, {"deep", "shallow", "other"}),
        ({"category": "TUNNEL"}, set()),
        ({"status": "drafting"}, {"shallow"}),
        ({"open": "true"}, {"deep", "shallow", "other"}),
        ({"on_site": "true"}, set()),
        ({"warning": "any"}, {"deep"}),
        ({"warning": "started_before_approval"}, {"deep"}),
    ],
)
def test_list_filters(world, client, three, query, expected):
    deep, shallow, other = three
    names = {deep.pk: "deep", shallow.pk: "shallow", other.pk: "other"}
    from anjian.dangerous_works import services as svc

    svc.work_act(work=shallow, by=world.users["pm"], action="draft")
    svc.report_site_started(
        work=deep, by=world.users["supervisor"], started_on=timezone.localdate(), comment="已开挖"
    )
    data = client.get(BASE, query, **auth(world, "supervisor")).json()
    assert {names[i["id"]] for i in data["items"]} == expected
    by_project = client.get(BASE, {"project": world.projects["Q"].pk}, **auth(world, "chief"))
    assert [i["id"] for i in by_project.json()["items"]] == [other.pk]
    street = client.get(BASE, {"street": world.streets["A2"].pk}, **auth(world, "chief"))
    assert [i["id"] for i in street.json()["items"]] == [other.pk]


def test_list_sorts_and_pages(world, client, three):
    deep, shallow, other = three
    headers = auth(world, "supervisor")
    by_project = client.get(BASE, {"sort": "project"}, **headers).json()["items"]
    names = [i["project_name"] for i in by_project]
    assert names == sorted(names) and len(set(names)) == 2
    reverse = client.get(BASE, {"sort": "-project"}, **headers).json()["items"]
    assert [i["project_name"] for i in reverse] == sorted(names, reverse=True)
    page = client.get(BASE, {"page_size": 2, "page": 2}, **headers).json()
    assert page["count"] == 3 and len(page["items"]) == 1
    junk = client.get(BASE, {"sort": "nonsense"}, **headers)
    assert junk.status_code == 200 and junk.json()["count"] == 3


def test_list_queries_do_not_grow_with_rows(world, client_as, django_assert_max_num_queries):
    objs = work_objects(world)
    from anjian.dangerous_works import services as svc

    svc.patrol_add(work=objs["building"], by=world.users["pm"], party="contractor", result="normal")
    client = client_as("supervisor")
    with django_assert_max_num_queries(6):
        first = client.get(BASE).json()
    for depth in (3, 4, 6, 7):
        register(world, depth, name=f"{depth}m基坑")
    walk(register(world, 8, name="8m基坑"), world, workflow.IN_PROGRESS)
    with django_assert_max_num_queries(6):
        second = client.get(BASE).json()
    assert second["count"] == first["count"] + 5
    building = next(i for i in second["items"] if i["id"] == objs["building"].pk)
    assert "monitoring_alarm" in {w["key"] for w in building["warnings"]}
    alarm = next(w for w in building["warnings"] if w["key"] == "monitoring_alarm")
    assert alarm["label"] == "监测报警未处置"


@pytest.mark.parametrize("persona", ["pm2", "outsider"])
def test_works_of_invisible_projects_are_404(world, client, persona):
    objs = work_objects(world)
    headers = auth(world, persona)
    work = objs["building"]
    for path in ("", "/timeline", "/documents", "/readings", "/patrols"):
        response = client.get(f"{BASE}/{work.pk}{path}", **headers)
        assert response.status_code == 404, path
        assert response.json()["detail"] == "未找到，或无权访问。"
    for path, body in (
        (f"/{work.pk}/steps/request_acceptance", {}),
        (f"/{work.pk}/readings", {"point": "A", "quantity": "位移", "value": 1, "alarm_value": 2}),
        (f"/{work.pk}/patrols", {"party": "contractor", "result": "normal"}),
        (f"/{work.pk}/site-started", {"comment": "x"}),
        (f"/readings/{objs['reading'].pk}/handle", {"handling": "x"}),
    ):
        assert post(client, BASE + path, body, headers).status_code == 404, path
    assert client.get(f"{BASE}/999999", **auth(world, "admin")).status_code == 404


# --- the lifecycle ------------------------------------------------------------------------------


def test_a_deep_pit_walks_from_registration_to_completion(world, client):
    pm, engineer = auth(world, "pm"), auth(world, "engineer")
    pk = post(client, BASE, register_body(world, 5.5), pm).json()["id"]
    work = DangerousWork.objects.get(pk=pk)

    def status_after(action, headers=pm, **extra):
        response = act(client, work, action, headers, **extra)
        assert response.status_code == 200, (action, response.content)
        return response.json()

    assert status_after("draft")["status"] == "drafting"
    submitted = status_after("submit", document_title="专项施工方案 V1")
    assert submitted["status"] == "contractor_review" and submitted["scheme_version"] == 1
    assert status_after("approve_internal")["status"] == "supervisor_review"
    # 超规模 without a passed argumentation: the 总监's approval sends it to the experts.
    gated = status_after("approve_review", engineer)
    assert gated["status"] == "expert_review" and gated["approved_at"] is None
    assert gated["allowed_actions"] == []
    four = act(client, work, "argue_pass", pm, signatures=signatures_for(work, "argue_pass")[:4])
    assert four.status_code == 400 and "5" in four.json()["detail"]
    passed = status_after("argue_pass")
    assert passed["status"] == "approved" and passed["argued"] is True
    assert passed["approved_at"]
    [argument] = passed["argumentations"]
    assert argument["round"] == 1 and argument["verdict"] == "passed"
    assert argument["verdict_label"] == "通过" and len(argument["experts"]) == 5
    assert argument["experts"][0] == {
        "name": "王建国",
        "title": "教授级高工",
        "employer": "北京市建筑设计研究院",
    }
    # Construction needs the briefing first.
    early = act(client, work, "start", pm)
    assert early.status_code == 400 and "开始施工" in early.json()["detail"]
    no_post = act(client, work, "disclose", pm, posted=False)
    assert no_post.status_code == 400
    assert status_after("disclose")["status"] == "disclosed"
    started = status_after("start", started_on=timezone.localdate().isoformat())
    assert started["status"] == "in_progress"
    assert started["actual_start"] == timezone.localdate().isoformat()
    assert "complete" not in started["allowed_actions"]  # acceptance first
    assert status_after("request_acceptance")["status"] == "acceptance"
    accepted = status_after("accept")
    assert accepted["status"] == "in_progress" and accepted["accepted_at"]
    done = status_after("complete")
    assert done["status"] == "completed" and done["completed_at"]

    steps = client.get(f"{BASE}/{pk}/timeline", **auth(world, "supervisor")).json()
    actions = [s["action"] for s in steps]
    assert actions == [
        "registered",
        "draft",
        "submit",
        "approve_internal",
        "approve_review",
        "argue_pass",
        "disclose",
        "start",
        "request_acceptance",
        "accept",
        "complete",
    ]
    review = steps[actions.index("approve_review")]
    assert review["from_status"] == "supervisor_review" and review["to_status"] == "expert_review"
    assert review["actor_id"] == world.users["engineer"].pk
    assert [s["role"] for s in review["signatures"]] == ["chief_engineer"]
    argued = steps[actions.index("argue_pass")]
    assert argued["payload"] == {"verdict": "passed"} and argued["label"] == "专家论证：通过"
    assert len(argued["signatures"]) == 5 and argued["signatures"][0]["role_label"] == "论证专家"
    assert argued["signatures"][0]["detail"] == "教授级高工 · 北京市建筑设计研究院"
    assert argued["signatures"][0]["url"].endswith(".png")
    assert argued["document_ids"] == [argument["report_id"]]
    disclose = steps[actions.index("disclose")]
    assert {s["role"] for s in disclose["signatures"]} == {
        "discloser",
        "recipient",
        "safety_officer",
    }

    docs = client.get(f"{BASE}/{pk}/documents", **auth(world, "grouphq")).json()
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == ["acceptance", "briefing", "expert_report", "scheme"]
    scheme = next(d for d in docs if d["kind"] == "scheme")
    assert scheme["title"] == "专项施工方案 V1" and scheme["version"] == 1
    assert scheme["size"] == len(PDF) and len(scheme["sha256"]) == 64
    assert scheme["url"] == f"/dangerous-works/documents/{scheme['id']}/"
    assert scheme["uploaded_by_id"] == world.users["pm"].pk


def test_a_shallow_pit_is_approved_by_the_chief_engineer_directly(world, client):
    work = walk(register(world, 3.5), world, workflow.SUPERVISOR_REVIEW)
    response = act(client, work, "approve_review", auth(world, "engineer"))
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_wrong_roles_get_403_before_their_input_is_read(world, client):
    objs = work_objects(world)
    review = objs["review"]
    for persona in ("pm", "safety", "supervisor", "grouphq", "leader"):
        response = act(client, review, "approve_review", auth(world, persona))
        assert response.status_code == 403, persona
        assert response.json()["detail"]
    # A refused caller with a broken document is refused, not told about the document.
    broken = act(
        client,
        objs["identified"],
        "draft",
        auth(world, "engineer"),
        document={"filename": "a.pdf", "content_base64": "!!!"},
    )
    assert broken.status_code == 403
    assert DangerousWork.objects.get(pk=review.pk).status == "supervisor_review"


def test_unknown_steps_and_bad_base64_are_400_with_a_message(world, client):
    objs = work_objects(world)
    pm = auth(world, "pm")
    unknown = act(client, objs["identified"], "fly", pm)
    assert unknown.status_code == 400 and "fly" in unknown.json()["detail"]
    work = walk(register(world, 3.5, name="4#楼基坑"), world, workflow.DRAFTING)
    for content in ("not base64!", "QUJD=ZZ", "中文"):
        bad = act(
            client, work, "submit", pm, document={"filename": "a.pdf", "content_base64": content}
        )
        assert bad.status_code == 400, content
        assert "base64" in bad.json()["detail"]
    wrong_type = act(
        client,
        work,
        "submit",
        pm,
        document={"filename": "a.pdf", "content_base64": b64(b"GIF89a not a pdf")},
    )
    assert wrong_type.status_code == 400
    missing = act(client, work, "submit", pm, document=None)
    assert missing.status_code == 400 and missing.json()["detail"]
    data_url = act(
        client,
        work,
        "submit",
        pm,
        document={
            "filename": "C:\\方案\\方案.pdf",
            "content_base64": "data:application/pdf;base64," + b64(PDF),
        },
    )
    assert data_url.status_code == 200, data_url.content
    doc = work.documents.get()
    assert doc.filename == "方案.pdf" and doc.size == len(PDF)
    sign_bad = act(
        client,
        DangerousWork.objects.get(pk=work.pk),
        "approve_internal",
        pm,
        signatures=[{"role": "tech_chief", "name": "孙总工", "image": "data:image/png;base64,xx"}],
    )
    assert sign_bad.status_code == 400 and sign_bad.json()["detail"]
    comment_needed = act(client, work, "return_internal", pm, comment="")
    assert comment_needed.status_code == 400


# --- during construction ----------------------------------------------------------------------


def reading(value, **extra):
    body = {
        "point": "ZQS-2",
        "quantity": "支护桩顶水平位移",
        "value": value,
        "unit": "mm",
        "alarm_value": "30",
        "source": "third_party",
    }
    body.update(extra)
    return body


def test_readings_raise_alarms_that_are_handled(world, client):
    objs = work_objects(world)
    work = objs["building"]
    pm, engineer = auth(world, "pm"), auth(world, "engineer")
    quiet = post(client, f"{BASE}/{work.pk}/readings", reading(12.5), pm)
    assert quiet.status_code == 201, quiet.content
    assert quiet.json()["is_alarm"] is False and quiet.json()["value"] == 12.5
    loud = post(client, f"{BASE}/{work.pk}/readings", reading("-31.2"), engineer)
    assert loud.status_code == 201
    alarm = loud.json()
    assert alarm["is_alarm"] is True and alarm["open_alarm"] is True
    assert alarm["source_label"] == "第三方监测"
    naive = post(
        client,
        f"{BASE}/{work.pk}/readings",
        reading(5, measured_at="2026-01-02T08:30:00", source="contractor"),
        pm,
    )
    assert naive.status_code == 201, naive.content
    listed = client.get(f"{BASE}/{work.pk}/readings", **auth(world, "chief")).json()
    assert listed["count"] == 4
    open_alarms = client.get(f"{BASE}/{work.pk}/readings", {"open": "true"}, **pm).json()
    assert {r["id"] for r in open_alarms["items"]} == {objs["reading"].pk, alarm["id"]}
    point = client.get(f"{BASE}/{work.pk}/readings", {"point": "ZQS-2"}, **pm).json()
    assert point["count"] == 3
    detail = client.get(f"{BASE}/{work.pk}", **pm).json()
    assert "monitoring_alarm" in {w["key"] for w in detail["warnings"]}

    handle = f"{BASE}/readings/{alarm['id']}/handle"
    assert post(client, handle, {"handling": "x"}, auth(world, "supervisor")).status_code == 403
    assert post(client, handle, {"handling": " "}, engineer).status_code == 400
    handled = post(client, handle, {"handling": "加密监测，坡顶卸载"}, engineer)
    assert handled.status_code == 200, handled.content
    assert handled.json()["handled_at"] and handled.json()["open_alarm"] is False
    again = post(client, handle, {"handling": "再次处置"}, engineer)
    assert again.status_code == 400 and again.json()["detail"]
    not_alarm = post(client, f"{BASE}/readings/{quiet.json()['id']}/handle", {"handling": "x"}, pm)
    assert not_alarm.status_code == 400


def test_readings_refuse_bad_input(world, client):
    objs = work_objects(world)
    pm = auth(world, "pm")
    url = f"{BASE}/{objs['building'].pk}/readings"
    assert post(client, url, reading("abc"), pm).status_code == 422
    assert post(client, url, reading(1, alarm_value=0), pm).status_code == 400
    assert post(client, url, reading(1, source="guess"), pm).status_code == 400
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    assert post(client, url, reading(1, measured_at=future), pm).status_code == 400
    ancient = post(client, url, reading(1, measured_at="0001-01-01T00:00:00"), pm)
    assert ancient.status_code == 400 and "2000" in ancient.json()["detail"]
    early = post(client, f"{BASE}/{objs['identified'].pk}/readings", reading(1), pm)
    assert early.status_code == 400 and early.json()["detail"]
    assert post(client, url, reading(1), auth(world, "grouphq")).status_code == 403
    with_report = post(
        client,
        url,
        reading(2, document={"filename": "监测日报.pdf", "content_base64": b64(PDF)}),
        pm,
    )
    assert with_report.status_code == 201 and with_report.json()["document_id"]


def test_patrols_by_each_unit(world, client):
    objs = work_objects(world)
    url = f"{BASE}/{objs['building'].pk}/patrols"
    pm, engineer = auth(world, "pm"), auth(world, "engineer")
    own = post(client, url, {"party": "contractor", "result": "normal"}, pm)
    assert own.status_code == 201, own.content
    assert own.json()["party_label"] == "施工单位" and own.json()["patrolled_by_id"]
    supervision = post(
        client,
        url,
        {"party": "supervision", "result": "abnormal", "notes": "坑边堆载超限"},
        engineer,
    )
    assert supervision.status_code == 201
    assert post(client, url, {"party": "contractor", "result": "normal"}, engineer).status_code == (
        403
    )
    assert (
        post(
            client, url, {"party": "contractor", "result": "normal"}, auth(world, "supervisor")
        ).status_code
        == 403
    )
    no_notes = post(client, url, {"party": "contractor", "result": "abnormal"}, pm)
    assert no_notes.status_code == 400 and no_notes.json()["detail"]
    assert post(client, url, {"party": "nobody", "result": "normal"}, pm).status_code == 400
    naive = post(
        client,
        url,
        {"party": "contractor", "result": "normal", "patrolled_at": "2026-01-01T09:00"},
        pm,
    )
    assert naive.status_code == 201, naive.content
    listed = client.get(url, **auth(world, "leader")).json()
    assert listed["count"] == 3
    mine = client.get(url, {"party": "supervision"}, **pm).json()
    assert [p["notes"] for p in mine["items"]] == ["坑边堆载超限"]
    early = post(
        client,
        f"{BASE}/{objs['identified'].pk}/patrols",
        {"party": "contractor", "result": "normal"},
        pm,
    )
    assert early.status_code == 400


def test_site_started_before_approval_warns(world, client):
    objs = work_objects(world)
    work = objs["identified"]
    url = f"{BASE}/{work.pk}/site-started"
    today = timezone.localdate().isoformat()
    assert (
        post(client, url, {"started_on": today, "comment": "x"}, auth(world, "pm")).status_code
        == 403
    )
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = post(client, url, {"started_on": tomorrow, "comment": "已开挖"}, auth(world, "chief"))
    assert future.status_code == 400
    no_comment = post(client, url, {"started_on": today}, auth(world, "chief"))
    assert no_comment.status_code == 400
    reported = post(
        client, url, {"started_on": today, "comment": "现场已开挖约2m"}, auth(world, "supervisor")
    )
    assert reported.status_code == 200, reported.content
    data = reported.json()
    assert data["actual_start"] == today and data["site_started_reported_at"]
    assert "started_before_approval" in {w["key"] for w in data["warnings"]}
    built = post(
        client,
        f"{BASE}/{objs['building'].pk}/site-started",
        {"started_on": today, "comment": "x"},
        auth(world, "engineer"),
    )
    assert built.status_code == 400


# --- documents ----------------------------------------------------------------------------------


def test_documents_upload_as_multipart(world, client, client_as):
    objs = work_objects(world)
    url = f"{BASE}/{objs['building'].pk}/documents"
    created = client.post(
        url,
        {
            "kind": "monitoring_plan",
            "title": "基坑第三方监测方案",
            "file": SimpleUploadedFile("监测方案.pdf", PDF),
        },
        **auth(world, "engineer"),
    )
    assert created.status_code == 201, created.content
    doc = created.json()
    assert doc["kind"] == "monitoring_plan" and doc["kind_label"] == "监测方案"
    assert doc["filename"] == "监测方案.pdf" and doc["url"].endswith(f"/{doc['id']}/")
    session = client_as("safety").post(
        url, {"kind": "other", "file": SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\nxx")}
    )
    assert session.status_code == 201
    listed = client.get(url, **auth(world, "pm")).json()
    assert listed[0]["id"] == session.json()["id"] and doc["id"] in {d["id"] for d in listed}
    fake = client.post(
        url, {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"MZ...")}, **auth(world, "pm")
    )
    assert fake.status_code == 400 and fake.json()["detail"]
    exe = client.post(
        url, {"kind": "other", "file": SimpleUploadedFile("a.exe", b"MZ")}, **auth(world, "pm")
    )
    assert exe.status_code == 400
    bad_kind = client.post(
        url, {"kind": "secret", "file": SimpleUploadedFile("a.pdf", PDF)}, **auth(world, "pm")
    )
    assert bad_kind.status_code == 400
    refused = client.post(
        url, {"kind": "other", "file": SimpleUploadedFile("a.pdf", PDF)}, **auth(world, "grouphq")
    )
    assert refused.status_code == 403


# --- classify and the rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subtype", "params", "level", "reasons"),
    [
        ("PIT:excavation", {"excavation_depth": 5.5}, "super", ["开挖深度≥5m"]),
        ("PIT:excavation", {"excavation_depth": "3"}, "danger", ["开挖深度≥3m"]),
        ("PIT:excavation", {"excavation_depth": 2.9}, "none", []),
        ("FORMWORK:concrete_support", {"erection_height": 8, "span": 12}, "super", ["搭设高度≥8m"]),
        (
            "TUNNEL:tunnel",
            {},
            "super",
            ["暗挖工程（矿山法、盾构法、顶管法）（按规定均属超过一定规模）"],
        ),
    ],
)
def test_classify(world, client, subtype, params, level, reasons):
    response = post(
        client, f"{BASE}/classify", {"subtype": subtype, "params": params}, auth(world, "pm2")
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["level"] == level and data["reasons"] == reasons
    assert data["needs_expert_review"] is (level == "super")
    assert data["level_label"]
    assert not DangerousWork.objects.exists()


def test_classify_refuses_bad_input(world, client):
    pm = auth(world, "pm")
    bad = post(client, f"{BASE}/classify", {"subtype": "PIT", "params": {}}, pm)
    assert bad.status_code == 400 and bad.json()["detail"]
    nan = post(
        client,
        f"{BASE}/classify",
        {"subtype": "PIT:excavation", "params": {"excavation_depth": "NaN"}},
        pm,
    )
    assert nan.status_code == 400 and "开挖深度" in nan.json()["detail"]
    anonymous = post(client, f"{BASE}/classify", {"subtype": "PIT:excavation"}, {})
    assert anonymous.status_code == 401


def test_threshold_rules_are_read_by_all_and_changed_by_administrators(world, client):
    rules = client.get("/api/v1/threshold-rules", **auth(world, "grouphq")).json()
    assert len(rules) == ThresholdRule.objects.count() > 20
    deep = next(
        r
        for r in rules
        if (r["category"], r["level"], r["param"]) == ("PIT", "super", "excavation_depth")
    )
    assert deep["threshold"] == 5 and deep["text"] == "开挖深度≥5m"
    assert deep["param_label"] == "开挖深度" and deep["level_label"] == "超过一定规模"
    url = f"/api/v1/threshold-rules/{deep['id']}"
    for persona in ("supervisor", "chief", "pm"):
        refused = client.put(
            url, {"threshold": 6}, content_type="application/json", **auth(world, persona)
        )
        assert refused.status_code == 403 and refused.json()["detail"]
    admin = auth(world, "admin")
    zero = client.put(url, {"threshold": 0}, content_type="application/json", **admin)
    assert zero.status_code == 400
    changed = client.put(url, {"threshold": "6"}, content_type="application/json", **admin)
    assert changed.status_code == 200 and changed.json()["threshold"] == 6
    body = {"subtype": "PIT:excavation", "params": {"excavation_depth": 5.5}}
    assert post(client, f"{BASE}/classify", body, admin).json()["level"] == "danger"
    off = client.put(url, {"is_active": False}, content_type="application/json", **admin)
    assert off.json()["is_active"] is False
    missing = client.put(
        "/api/v1/threshold-rules/999999", {"threshold": 1}, content_type="application/json", **admin
    )
    assert missing.status_code == 404


def test_category_settings(world, client):
    rows = client.get("/api/v1/dangerous-work-categories", **auth(world, "pm")).json()
    assert [r["category"] for r in rows] == [
        "PIT",
        "FORMWORK",
        "LIFTING",
        "SCAFFOLD",
        "DEMOLITION",
        "TUNNEL",
        "OTHER",
    ]
    pit = rows[0]
    assert pit["needs_acceptance"] is True and pit["monitoring"] == "super"
    url = "/api/v1/dangerous-work-categories/PIT"
    body = {"needs_acceptance": True, "monitoring": "danger", "patrol_hours": 12}
    refused = client.put(url, body, content_type="application/json", **auth(world, "chief"))
    assert refused.status_code == 403
    admin = auth(world, "admin")
    changed = client.put(url, body, content_type="application/json", **admin)
    assert changed.status_code == 200 and changed.json()["patrol_hours"] == 12
    assert changed.json()["monitoring_label"]
    bad = client.put(
        url, {**body, "monitoring": "sometimes"}, content_type="application/json", **admin
    )
    assert bad.status_code == 400
    hours = client.put(url, {**body, "patrol_hours": 0}, content_type="application/json", **admin)
    assert hours.status_code == 400
    unknown = client.put(
        "/api/v1/dangerous-work-categories/NOPE", body, content_type="application/json", **admin
    )
    assert unknown.status_code == 400
    shallow = post(client, BASE, register_body(world, 3.5), auth(world, "pm")).json()
    assert shallow["needs_monitoring"] is True


# --- the description ------------------------------------------------------------------------


def test_openapi_lists_the_dangerous_works_operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/dangerous-works": {"get", "post"},
        "/api/v1/dangerous-works/classify": {"post"},
        "/api/v1/dangerous-works/{work_id}": {"get", "put"},
        "/api/v1/dangerous-works/{work_id}/steps/{action}": {"post"},
        "/api/v1/dangerous-works/{work_id}/timeline": {"get"},
        "/api/v1/dangerous-works/{work_id}/documents": {"get", "post"},
        "/api/v1/dangerous-works/{work_id}/readings": {"get", "post"},
        "/api/v1/dangerous-works/readings/{reading_id}/handle": {"post"},
        "/api/v1/dangerous-works/{work_id}/patrols": {"get", "post"},
        "/api/v1/dangerous-works/{work_id}/site-started": {"post"},
        "/api/v1/threshold-rules": {"get"},
        "/api/v1/threshold-rules/{rule_id}": {"put"},
        "/api/v1/dangerous-work-categories": {"get"},
        "/api/v1/dangerous-work-categories/{category}": {"put"},
    }.items():
        assert set(paths[path]) == methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation["tags"] == ["dangerous-works"]
            assert operation["summary"] and operation["description"], (method, path)
    steps = paths["/api/v1/dangerous-works/{work_id}/steps/{action}"]["post"]["description"]
    assert "`argue_pass`" in steps and "论证专家 ≥5" in steps
