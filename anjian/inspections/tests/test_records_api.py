"""The inspection API walks the same services as the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anjian.accounts.services import api_token_create
from anjian.inspections.tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def auth(world, persona):
    _token, key = api_token_create(user=world.users[persona], name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_full_inspection_through_the_api(world, patrol, supervisor2, client, signature):
    headers = auth(world, "supervisor")
    created = client.post(
        "/api/v1/inspections",
        {
            "project_id": world.projects["P"].pk,
            "template_id": patrol.pk,
            "inspector_ids": [supervisor2.pk],
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    data = created.json()
    pk = data["id"]
    assert len(data["answers"]) == 3 and data["finish_problems"]
    items = {a["item_code"]: a["item_id"] for a in data["answers"]}
    for code in ("S1-1", "S1-2"):
        r = client.post(
            f"/api/v1/inspections/{pk}/answers",
            {"item_id": items[code], "result": "compliant"},
            content_type="application/json",
            **headers,
        )
        assert r.status_code == 200 and r.json()["result"] == "compliant"
    client.post(
        f"/api/v1/inspections/{pk}/answers",
        {"item_id": items["S2-1"], "result": "noncompliant", "note": "12层"},
        content_type="application/json",
        **headers,
    )
    bad = client.post(
        f"/api/v1/inspections/{pk}/findings",
        {
            "description": "连墙件缺失",
            "location": "3#楼",
            "grade": "major",
            "item_id": items["S2-1"],
        },
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and (
        "条款" in bad.json()["detail"] or "clause" in bad.json()["detail"]
    )
    finding = client.post(
        f"/api/v1/inspections/{pk}/findings",
        {
            "description": "连墙件缺失",
            "location": "3#楼",
            "grade": "major",
            "major_clause": "MH2024-7-2",
            "item_id": items["S2-1"],
        },
        content_type="application/json",
        **headers,
    )
    assert finding.status_code == 201
    photo = client.post(
        f"/api/v1/inspections/{pk}/photos",
        {"photo": SimpleUploadedFile("a.jpg", jpeg_bytes()), "item_id": items["S2-1"]},
        **headers,
    )
    assert photo.status_code == 201 and len(photo.json()["sha256"]) == 64
    for inspector in (world.users["supervisor"], supervisor2):
        r = client.post(
            f"/api/v1/inspections/{pk}/signatures",
            {"role": "inspector", "image": signature, "signer_id": inspector.pk},
            content_type="application/json",
            **headers,
        )
        assert r.status_code == 201, r.content
    finished = client.post(f"/api/v1/inspections/{pk}/finish", **headers)
    assert finished.status_code == 200 and finished.json()["status"] == "finished"
    assert finished.json()["number"]
    # The site signs later with their own token; pm2 cannot even see the record.
    assert client.get(f"/api/v1/inspections/{pk}", **auth(world, "pm2")).status_code == 404
    site = client.post(
        f"/api/v1/inspections/{pk}/signatures",
        {"role": "representative", "image": signature},
        content_type="application/json",
        **auth(world, "pm"),
    )
    assert site.status_code == 201 and site.json()["on_own_device"] is True


def test_finish_with_missing_steps_answers_400_with_the_reasons(world, patrol, client):
    headers = auth(world, "supervisor")
    pk = client.post(
        "/api/v1/inspections",
        {"project_id": world.projects["P"].pk, "template_id": patrol.pk},
        content_type="application/json",
        **headers,
    ).json()["id"]
    response = client.post(f"/api/v1/inspections/{pk}/finish", **headers)
    detail = response.json()["detail"]
    assert response.status_code == 400
    assert "3" in detail and any(w in detail for w in ("未检查", "未回答", "not answered"))


def test_company_users_cannot_create_supervision_inspections(world, patrol, client):
    response = client.post(
        "/api/v1/inspections",
        {"project_id": world.projects["P"].pk, "template_id": patrol.pk},
        content_type="application/json",
        **auth(world, "pm"),
    )
    assert response.status_code == 403
