"""Inspection record pages, driven as a phone browser would (htmx headers included)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anjian.inspections.choices import InspectionStatus
from anjian.inspections.models import Inspection, InspectionAnswer
from anjian.inspections.services import records as svc
from anjian.inspections.tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def started(world, template, supervisor2):
    return svc.inspection_start(
        project=world.projects["P"],
        template=template,
        by=world.users["supervisor"],
        inspectors=[supervisor2],
    )


def test_start_page_creates_an_inspection_with_the_browser_location(
    world, patrol, supervisor2, client_as
):
    client = client_as("supervisor")
    response = client.post(
        reverse("inspections:start"),
        {
            "project": world.projects["P"].pk,
            "template": patrol.pk,
            "inspection_type": "routine",
            "inspectors": [supervisor2.pk],
            "latitude": "39.812345",
            "longitude": "116.612345",
            "accuracy": "12",
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == inspection.get_absolute_url()
    assert str(inspection.latitude) == "39.812345" and inspection.inspectors.count() == 2


def test_fill_page_shows_every_item_and_the_progress(world, patrol, supervisor2, client_as):
    inspection = started(world, patrol, supervisor2)
    body = client_as("supervisor").get(inspection.get_absolute_url()).content.decode()
    for code in ("S1-1", "S1-2", "S2-1"):
        assert f'data-testid="compliant-{code}"' in body
    assert 'data-testid="progress">0/3<' in body


def test_htmx_answer_returns_the_item_with_a_finding_form_and_updated_progress(
    world, patrol, supervisor2, client_as
):
    inspection = started(world, patrol, supervisor2)
    item = patrol.sections.get(code="S2").items.get()
    response = client_as("supervisor").post(
        reverse("inspections:answer", args=[inspection.pk, item.pk]),
        {"result": "noncompliant"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'id="item-{item.pk}"' in body and 'data-testid="save-finding"' in body
    assert 'hx-swap-oob="true"' in body and ">1/3<" in body
    assert InspectionAnswer.objects.get(inspection=inspection, item=item).result == "noncompliant"


def test_note_is_saved_as_you_type(world, patrol, supervisor2, client_as):
    inspection = started(world, patrol, supervisor2)
    item = patrol.sections.get(code="S1").items.first()
    client_as("supervisor").post(
        reverse("inspections:answer", args=[inspection.pk, item.pk]), {"note": "资料待补充"}, **HX
    )
    assert InspectionAnswer.objects.get(inspection=inspection, item=item).note == "资料待补充"


def test_photo_upload_and_finding_through_htmx(world, patrol, supervisor2, client_as):
    inspection = started(world, patrol, supervisor2)
    item = patrol.sections.get(code="S2").items.get()
    client = client_as("supervisor")
    client.post(
        reverse("inspections:answer", args=[inspection.pk, item.pk]),
        {"result": "noncompliant"},
        **HX,
    )
    upload = SimpleUploadedFile("site.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(
        reverse("inspections:photo_upload", args=[inspection.pk]),
        {"item": item.pk, "photo": upload},
        **HX,
    )
    photo = inspection.photos.get()
    assert reverse("inspections:photo_file", args=[inspection.pk, photo.pk, "thumb"]) in (
        response.content.decode()
    )
    response = client.post(
        reverse("inspections:finding_create", args=[inspection.pk]),
        {"item": item.pk, "description": "连墙件缺失", "location": "3#楼", "grade": "general"},
        **HX,
    )
    assert "连墙件缺失" in response.content.decode()
    assert inspection.findings.get().answer.item == item


def test_invalid_finding_keeps_what_was_typed_with_a_chinese_error(
    world, patrol, supervisor2, client_as
):
    inspection = started(world, patrol, supervisor2)
    item = patrol.sections.get(code="S2").items.get()
    response = client_as("supervisor").post(
        reverse("inspections:finding_create", args=[inspection.pk]),
        {"item": item.pk, "description": "连墙件缺失", "location": "3#楼", "grade": "major"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 422 and "连墙件缺失" in body and "3#楼" in body
    assert "重大" in body or "major" in body
    assert not inspection.findings.exists()


def test_not_an_image_upload_shows_a_message_not_a_500(world, patrol, supervisor2, client_as):
    inspection = started(world, patrol, supervisor2)
    item = patrol.sections.get(code="S2").items.get()
    response = client_as("supervisor").post(
        reverse("inspections:photo_upload", args=[inspection.pk]),
        {"item": item.pk, "photo": SimpleUploadedFile("x.jpg", b"not an image")},
        **HX,
    )
    assert response.status_code == 400 and "alert" in response.content.decode()
    assert not inspection.photos.exists()


def test_sign_page_saves_a_drawn_signature(world, patrol, supervisor2, client_as, signature):
    inspection = started(world, patrol, supervisor2)
    client = client_as("supervisor")
    assert (
        'data-testid="signature-canvas"'
        in client.get(reverse("inspections:sign", args=[inspection.pk])).content.decode()
    )
    response = client.post(
        reverse("inspections:sign", args=[inspection.pk]),
        {"role": "inspector", "signer": supervisor2.pk, "image": signature},
    )
    assert response.status_code == 302
    assert inspection.signatures.get().signer == supervisor2


def test_empty_signature_is_refused_on_the_page(world, patrol, supervisor2, client_as):
    inspection = started(world, patrol, supervisor2)
    response = client_as("supervisor").post(
        reverse("inspections:sign", args=[inspection.pk]),
        {"role": "representative", "signer_name": "张伟", "image": ""},
    )
    body = response.content.decode()
    assert response.status_code == 400 and 'data-testid="sign-error"' in body and "张伟" in body


def test_company_users_do_not_see_a_draft_and_see_the_finished_record(
    world, patrol, supervisor2, client_as, signature
):
    inspection = started(world, patrol, supervisor2)
    url = inspection.get_absolute_url()
    assert client_as("pm").get(url).status_code == 404
    for a in inspection.answers.select_related("item"):
        svc.inspection_answer(
            inspection=inspection, item=a.item, by=world.users["supervisor"], result="compliant"
        )
    for inspector in inspection.inspectors.all():
        svc.inspection_sign(
            inspection=inspection,
            by=world.users["supervisor"],
            role="inspector",
            image_data=signature,
            signer=inspector,
        )
    client_as("supervisor").post(reverse("inspections:finish", args=[inspection.pk]))
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.FINISHED
    body = client_as("pm").get(url).content.decode()
    assert 'data-testid="site-sign"' in body and inspection.number in body
    assert client_as("pm2").get(url).status_code == 404


def test_verify_page_detects_a_tampered_record(world, patrol, supervisor2, client, signature):
    inspection = started(world, patrol, supervisor2)
    for a in inspection.answers.select_related("item"):
        svc.inspection_answer(
            inspection=inspection, item=a.item, by=world.users["supervisor"], result="compliant"
        )
    for inspector in inspection.inspectors.all():
        svc.inspection_sign(
            inspection=inspection,
            by=world.users["supervisor"],
            role="inspector",
            image_data=signature,
            signer=inspector,
        )
    svc.inspection_finish(inspection=inspection, by=world.users["supervisor"])
    url = reverse("inspections:verify", args=[inspection.verify_token])
    assert 'data-testid="verify-ok"' in client.get(url).content.decode()
    InspectionAnswer.objects.filter(inspection=inspection).update(note="事后篡改")
    body = client.get(url).content.decode()
    assert 'data-testid="verify-changed"' in body and "不一致" in body or "Does not match" in body


def test_fill_page_query_count_does_not_grow_with_items(world, scored, supervisor2, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anjian.inspections.models import TemplateItem

    client = client_as("supervisor")
    client.get("/")  # warm the session and content-type caches
    counts = []
    for extra in (0, 0, 20):  # the first request creates the agency settings row
        section = scored.sections.get(code="B.2")
        for i in range(extra):
            TemplateItem.objects.create(
                section=section, code=f"X-{i}", text="附加项", kind="scored", points=1, order=10 + i
            )
        inspection = started(world, scored, supervisor2)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(inspection.get_absolute_url()).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2] <= 40, counts


def test_the_list_narrows_to_a_month_a_street_and_the_commissions_inspections(world, client_as):
    """The dashboard's bars open the list with ?month=&street=&by=commission."""
    import datetime

    from django.utils import timezone

    from anjian.core.testing.personas import make_template
    from anjian.inspections.choices import InspectionSource

    template = make_template(world)
    numbers = iter(range(1, 100))

    def finished(project, source, day):
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        return Inspection.objects.create(
            project=world.projects[project],
            agency=world.orgs["agency"],
            template=template,
            number=f"TEST-{next(numbers):03d}",
            source=source,
            status=InspectionStatus.FINISHED,
            started_at=moment,
            finished_at=moment,
            created_by=world.users["supervisor"],
        )

    october = finished("P", InspectionSource.SUPERVISION, datetime.date(2026, 10, 31))
    finished("P", InspectionSource.SUPERVISION, datetime.date(2026, 11, 1))
    finished("P", InspectionSource.SELF, datetime.date(2026, 10, 5))
    finished("Q", InspectionSource.SUPERVISION, datetime.date(2026, 10, 6))
    url = reverse("inspections:list")
    client = client_as("supervisor")
    params = {"status": "finished", "month": "2026-10", "by": "commission"}
    both = client.get(url, params).content.decode()
    assert both.count('data-testid="list-narrowed"') == 1
    assert "TEST-001" in both and "TEST-004" in both  # October, commission, both streets
    assert "TEST-002" not in both and "TEST-003" not in both  # November; a self-inspection
    street = world.projects["P"].street_id
    one = client.get(url, {**params, "street": street}).content.decode()
    assert october.number in one and "TEST-004" not in one
    assert client.get(url, {"month": "nonsense", "street": "x" * 20}).status_code == 200
