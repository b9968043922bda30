"""Inspection records: start, answer, findings, photos, signatures, finish, reopen."""

from decimal import Decimal

import pytest

from anjian.core.errors import DomainError
from anjian.inspections.choices import AnswerResult, HazardGrade, InspectionStatus, SignerRole
from anjian.inspections.models import InspectionAnswer, InspectionEvent, Signature
from anjian.inspections.services import records as svc
from anjian.inspections.tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def start(world, template, *others):
    return svc.inspection_start(
        project=world.projects["P"],
        template=template,
        by=world.users["supervisor"],
        inspectors=list(others),
    )


def item(template, code):
    return template.sections.get(items__code=code).items.get(code=code)


def answer_all(inspection, by, result=AnswerResult.COMPLIANT):
    for a in inspection.answers.select_related("item"):
        svc.inspection_answer(inspection=inspection, item=a.item, by=by, result=result)


def sign_inspectors(inspection, signature):
    for inspector in inspection.inspectors.all():
        svc.inspection_sign(
            inspection=inspection,
            by=inspection.created_by,
            role=SignerRole.INSPECTOR,
            image_data=signature,
            signer=inspector,
        )


def test_supervisor_starts_an_inspection_with_one_answer_row_per_item(world, patrol, supervisor2):
    inspection = start(world, patrol, supervisor2)
    assert inspection.answers.count() == 3
    assert set(inspection.inspectors.values_list("username", flat=True)) == {
        "supervisor",
        "supervisor2",
    }
    assert inspection.events.get().type == InspectionEvent.Type.STARTED


@pytest.mark.parametrize("persona", ["pm", "leader", "grouphq", "engineer"])
def test_only_supervisors_and_chiefs_start_supervision_inspections(world, patrol, persona):
    with pytest.raises(DomainError):
        svc.inspection_start(project=world.projects["P"], template=patrol, by=world.users[persona])


def test_supervisor_cannot_inspect_a_project_outside_the_jurisdiction(world, patrol):
    with pytest.raises(DomainError):
        svc.inspection_start(
            project=world.projects["R"], template=patrol, by=world.users["supervisor"]
        )


def test_a_draft_template_cannot_be_used(world, patrol):
    patrol.status = "draft"
    patrol.save()
    with pytest.raises(DomainError):
        start(world, patrol)


def test_only_the_records_inspectors_may_answer(world, patrol):
    inspection = start(world, patrol)
    with pytest.raises(DomainError):
        svc.inspection_answer(
            inspection=inspection,
            item=item(patrol, "S1-1"),
            by=world.users["pm"],
            result="compliant",
        )


def test_scored_answer_derives_deduction_and_result_from_the_lines(world, scored):
    inspection = start(world, scored)
    target = item(scored, "B.1-1")
    answer = svc.inspection_answer(
        inspection=inspection, item=target, by=world.users["supervisor"], counts={"1": "3"}
    )
    assert answer.deduction == Decimal(6) and answer.result == AnswerResult.NONCOMPLIANT
    answer = svc.inspection_answer(
        inspection=inspection,
        item=target,
        by=world.users["supervisor"],
        counts={"0": "1", "1": "9"},
    )
    assert answer.deduction == Decimal(10)  # capped at the item's points
    answer = svc.inspection_answer(
        inspection=inspection, item=target, by=world.users["supervisor"], result="compliant"
    )
    assert answer.deduction == 0 and answer.result == AnswerResult.COMPLIANT


def test_finish_lists_every_missing_step(world, patrol):
    inspection = start(world, patrol)
    svc.inspection_answer(
        inspection=inspection,
        item=item(patrol, "S2-1"),
        by=world.users["supervisor"],
        result="noncompliant",
    )
    problems = " ".join(svc.finish_problems(inspection))
    assert "2" in problems  # two items unanswered
    assert "S2-1" in problems  # non-compliant without a finding, and without a photo
    with pytest.raises(DomainError):
        svc.inspection_finish(inspection=inspection, by=world.users["supervisor"])
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS and not inspection.number


def test_major_finding_needs_a_clause(world, patrol):
    inspection = start(world, patrol)
    with pytest.raises(DomainError):
        svc.finding_save(
            inspection=inspection,
            by=world.users["supervisor"],
            description="连墙件缺失",
            location="3#楼",
            grade=HazardGrade.MAJOR,
        )


def full_inspection(world, template, supervisor2, signature, photo):
    inspection = start(world, template, supervisor2)
    by = world.users["supervisor"]
    answer_all(inspection, by)
    problem = item(template, "S2-1")
    svc.inspection_answer(inspection=inspection, item=problem, by=by, result="noncompliant")
    answer = InspectionAnswer.objects.get(inspection=inspection, item=problem)
    svc.inspection_photo_add(inspection=inspection, by=by, data=photo, answer=answer)
    svc.finding_save(
        inspection=inspection,
        by=by,
        answer=answer,
        description="12层连墙件整层缺失",
        location="3#楼12层",
        grade=HazardGrade.MAJOR,
        major_clause=problem.major_clause,
        deadline_days=0,
    )
    return inspection


def test_complete_record_finishes_with_number_hash_and_signatures(
    world, patrol, supervisor2, signature, photo
):
    inspection = full_inspection(world, patrol, supervisor2, signature, photo)
    sign_inspectors(inspection, signature)
    svc.inspection_sign(
        inspection=inspection,
        by=world.users["supervisor"],
        role=SignerRole.REPRESENTATIVE,
        image_data=signature,
        signer_name="张伟",
    )
    svc.inspection_finish(inspection=inspection, by=world.users["supervisor"])
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.FINISHED
    assert inspection.number.endswith("安监检字第0001号")
    assert inspection.content_hash == svc.content_hash(inspection)
    signatures = list(inspection.signatures.all())
    assert len(signatures) == 3 and all(
        s.content_hash == inspection.content_hash for s in signatures
    )
    photo_row = inspection.photos.get()
    import hashlib

    assert photo_row.sha256 == hashlib.sha256(photo).hexdigest()
    assert inspection.events.filter(type="finished").exists()


def test_changing_the_record_after_signing_voids_the_signatures(
    world, patrol, supervisor2, signature, photo
):
    inspection = full_inspection(world, patrol, supervisor2, signature, photo)
    sign_inspectors(inspection, signature)
    svc.inspection_update_notes(
        inspection=inspection, by=world.users["supervisor"], conclusion="限期整改"
    )
    assert not Signature.objects.filter(inspection=inspection, voided_at__isnull=True).exists()
    assert inspection.events.filter(type="signatures_voided").exists()


def test_fewer_than_two_inspectors_cannot_finish(world, patrol, signature):
    inspection = start(world, patrol)
    answer_all(inspection, world.users["supervisor"])
    sign_inspectors(inspection, signature)
    problems = svc.finish_problems(inspection)
    assert any("2" in p for p in problems)


def test_reopen_voids_signatures_and_keeps_them_in_history(
    world, patrol, supervisor2, signature, photo
):
    inspection = full_inspection(world, patrol, supervisor2, signature, photo)
    sign_inspectors(inspection, signature)
    svc.inspection_finish(inspection=inspection, by=world.users["supervisor"])
    with pytest.raises(DomainError):
        svc.inspection_reopen(inspection=inspection, by=world.users["supervisor"], reason=" ")
    svc.inspection_reopen(inspection=inspection, by=world.users["supervisor"], reason="补充照片")
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS
    assert inspection.signatures.count() == 2
    assert inspection.signatures.filter(voided_at__isnull=False).count() == 2


def test_site_representative_signs_later_on_their_own_phone(
    world, patrol, supervisor2, signature, photo
):
    inspection = full_inspection(world, patrol, supervisor2, signature, photo)
    with pytest.raises(DomainError):  # not yet finished
        svc.inspection_sign(
            inspection=inspection, by=world.users["pm"], role="representative", image_data=signature
        )
    sign_inspectors(inspection, signature)
    svc.inspection_finish(inspection=inspection, by=world.users["supervisor"])
    with pytest.raises(DomainError):  # pm2 is not a key person of project P
        svc.inspection_sign(
            inspection=inspection,
            by=world.users["pm2"],
            role="representative",
            image_data=signature,
        )
    signed = svc.inspection_sign(
        inspection=inspection, by=world.users["pm"], role="representative", image_data=signature
    )
    inspection.refresh_from_db()
    assert signed.on_own_device and signed.signer == world.users["pm"]
    assert signed.content_hash == inspection.content_hash != ""
    with pytest.raises(DomainError):  # only once
        svc.inspection_sign(
            inspection=inspection,
            by=world.users["safety"],
            role="representative",
            image_data=signature,
        )


def test_blank_or_non_png_signature_is_refused(world, patrol):
    inspection = start(world, patrol)
    for bad in ("", "data:image/jpeg;base64,AAAA", "data:image/png;base64,not-base64!"):
        with pytest.raises(DomainError):
            svc.inspection_sign(
                inspection=inspection,
                by=world.users["supervisor"],
                role="inspector",
                image_data=bad,
            )


def test_scored_inspection_finishes_with_score_and_grade(world, scored, supervisor2, signature):
    inspection = start(world, scored, supervisor2)
    by = world.users["supervisor"]
    answer_all(inspection, by)
    # B.1: one general item −6 → 94; B.2: −30 → 70. Summary: 10×94/100 + 15×70/100 = 19.9 of 25
    # → normalised 19.9/25×100 = 79.60 → 合格.
    svc.inspection_answer(inspection=inspection, item=item(scored, "B.1-7"), by=by, counts={"1": 3})
    target = item(scored, "B.2-1")
    svc.inspection_answer(inspection=inspection, item=target, by=by, counts={"1": 15})
    answer = InspectionAnswer.objects.get(inspection=inspection, item=target)
    svc.finding_save(
        inspection=inspection, by=by, answer=answer, description="围挡破损", location="东侧"
    )
    general = InspectionAnswer.objects.get(inspection=inspection, item=item(scored, "B.1-7"))
    svc.finding_save(
        inspection=inspection, by=by, answer=general, description="一般项目扣分", location="项目部"
    )
    for a in (answer, general):
        svc.inspection_photo_add(inspection=inspection, by=by, data=jpeg_bytes(), answer=a)
    sign_inspectors(inspection, signature)
    svc.inspection_finish(inspection=inspection, by=by)
    inspection.refresh_from_db()
    assert inspection.score == Decimal("79.60")
    assert inspection.grade == "PASS"
    tables = {t["code"]: t["score"] for t in inspection.score_detail["tables"]}
    assert tables == {"B.1": "94.00", "B.2": "70.00"}
