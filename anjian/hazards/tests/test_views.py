"""Hazard and notice pages as each role sees them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anjian.hazards.models import Hazard
from anjian.inspections.testing import jpeg, signature_data_url
from anjian.projects.models import Project

pytestmark = pytest.mark.django_db


def test_contractor_sees_the_reply_form_and_no_review_buttons(world, issue, client_as):
    hazard = issue().hazards.get()
    body = client_as("pm").get(hazard.get_absolute_url()).content.decode()
    assert 'data-testid="submit-reply"' in body
    assert 'data-testid="do-accept"' not in body and 'data-testid="do-withdraw"' not in body
    assert (
        'data-testid="before-after"' in body
        and reverse("hazards:photo", args=[hazard.photos.get().pk, "thumb"]) in body
    )


def test_supervisor_sees_withdraw_but_no_reply_form(world, issue, client_as):
    hazard = issue().hazards.get()
    body = client_as("supervisor").get(hazard.get_absolute_url()).content.decode()
    assert 'data-testid="do-withdraw"' in body and 'data-testid="submit-reply"' not in body


def test_reply_from_the_page_with_a_photo(world, issue, client_as):
    hazard = issue().hazards.get()
    response = client_as("pm").post(
        reverse("hazards:reply", args=[hazard.pk]),
        {
            "measures": "已补设临边防护栏杆",
            "responsible_person": "张伟",
            "completed_on": "2026-11-20",
            "photos": [SimpleUploadedFile("after.jpg", jpeg())],
        },
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "replied" and hazard.photos.filter(kind="after").count() == 1


def test_reply_without_photo_keeps_the_typed_text_and_explains_in_chinese(world, issue, client_as):
    hazard = issue().hazards.get()
    response = client_as("pm").post(
        reverse("hazards:reply", args=[hazard.pk]),
        {
            "measures": "已补设临边防护栏杆",
            "responsible_person": "张伟",
            "completed_on": "2026-11-20",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and "已补设临边防护栏杆" in body and "照片" in body
    assert Hazard.objects.get(pk=hazard.pk).status == "issued"


def test_reject_without_comment_is_refused_on_the_page(world, issue, client_as):
    Project.objects.filter(pk=world.projects["P"].pk).update(engineer_confirms_rectification=False)
    hazard = issue().hazards.get()
    from anjian.hazards.tests.test_services import reply

    reply(hazard, world.users["pm"])
    response = client_as("supervisor").post(
        reverse("hazards:act", args=[hazard.pk, "reject"]), {"new_deadline": "2030-01-01"}
    )
    assert response.status_code == 400 and "意见" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).status == "replied"


def test_company_outsider_gets_404_on_hazard_and_notice(world, issue, client_as):
    notice = issue()
    hazard = notice.hazards.get()
    assert client_as("pm2").get(hazard.get_absolute_url()).status_code == 404
    assert client_as("pm2").get(notice.get_absolute_url()).status_code == 404


def test_pm_signs_for_the_notice_from_its_page(world, issue, client_as):
    notice = issue()
    client = client_as("pm")
    assert (
        'data-testid="signature-canvas"' in client.get(notice.get_absolute_url()).content.decode()
    )
    response = client.post(
        reverse("hazards:notice_receive", args=[notice.pk]), {"image": signature_data_url()}
    )
    assert response.status_code == 302
    body = client.get(notice.get_absolute_url()).content.decode()
    assert 'data-testid="receipts"' in body and "pm" in body
    notice.refresh_from_db()
    assert notice.status == "received"


def test_finishing_from_the_page_issues_the_chosen_notice(world, client_as, supervisor2):
    from anjian.inspections.models import InspectionAnswer
    from anjian.inspections.services import records as rec
    from anjian.inspections.testing import record_objects

    objects = record_objects(world)
    supervisor = world.users["supervisor"]
    inspection = rec.inspection_start(
        project=world.projects["P"],
        template=objects["template"],
        by=supervisor,
        inspectors=[supervisor2],
    )
    rec.inspection_answer(
        inspection=inspection, item=objects["item"], by=supervisor, result="noncompliant"
    )
    answer = InspectionAnswer.objects.get(inspection=inspection, item=objects["item"])
    rec.inspection_photo_add(inspection=inspection, by=supervisor, data=jpeg(), answer=answer)
    rec.finding_save(
        inspection=inspection, by=supervisor, answer=answer, description="x", location="y"
    )
    for inspector in (supervisor, supervisor2):
        rec.inspection_sign(
            inspection=inspection,
            by=supervisor,
            role="inspector",
            image_data=signature_data_url(),
            signer=inspector,
        )
    client = client_as("supervisor")
    response = client.post(
        reverse("inspections:finish", args=[inspection.pk]),
        {"notice_kind": "partial_stop", "stop_scope": "1#塔吊"},
    )
    assert response.status_code == 302
    notice = inspection.notices.get()
    assert notice.kind == "partial_stop" and notice.stop_scope == "1#塔吊"
    assert (
        'data-testid="issued-notice"' in client.get(inspection.get_absolute_url()).content.decode()
    )


def test_chief_sees_a_resumption_application_among_the_todos(world, issue, client_as):
    from anjian.hazards import services as svc
    from anjian.hazards.tests.test_services import reply

    notice = issue(kind="full_stop")
    reply(notice.hazards.get(), world.users["pm"])
    svc.resumption_apply(notice=notice, by=world.users["pm"], statement="已整改完毕")
    body = client_as("chief").get(reverse("notifications:todos")).content.decode()
    assert notice.number in body and notice.get_absolute_url() in body
