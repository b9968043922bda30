"""Fixtures: a finished supervision inspection of project P whose findings became hazards."""

import pytest

from anjian.accounts.choices import AgencyRole
from anjian.core.testing.personas import make_user
from anjian.inspections.models import InspectionAnswer
from anjian.inspections.services import records as rec
from anjian.inspections.testing import jpeg, record_objects, signature_data_url


@pytest.fixture
def supervisor2(world):
    return make_user("supervisor2", world.orgs["agency"], AgencyRole.SUPERVISOR)


@pytest.fixture
def issue(world, supervisor2):
    """`issue(kind="rectify", grades=("general", "major"), deadline_days=(7, 0))` → notice."""

    def make(kind="rectify", grades=("general",), deadline_days=None, stop_scope="1#塔吊"):
        objects = record_objects(world)
        supervisor = world.users["supervisor"]
        inspection = rec.inspection_start(
            project=world.projects["P"],
            template=objects["template"],
            by=supervisor,
            inspectors=[supervisor2],
        )
        answer = InspectionAnswer.objects.get(inspection=inspection, item=objects["item"])
        rec.inspection_answer(
            inspection=inspection, item=objects["item"], by=supervisor, result="noncompliant"
        )
        rec.inspection_photo_add(inspection=inspection, by=supervisor, data=jpeg(), answer=answer)
        from anjian.inspections.models import MajorHazardClause

        clause, _ = MajorHazardClause.objects.get_or_create(
            code="MH2024-8-4",
            defaults={
                "label": "第8条第4项",
                "article": 8,
                "item": 4,
                "category": "起重机械",
                "text": "安全装置失效",
            },
        )
        for index, grade in enumerate(grades):
            rec.finding_save(
                inspection=inspection,
                by=supervisor,
                answer=answer,
                description=f"问题{index + 1}",
                location=f"部位{index + 1}",
                grade=grade,
                major_clause=clause if grade == "major" else None,
                deadline_days=(deadline_days or [None] * len(grades))[index],
            )
        for inspector in (supervisor, supervisor2):
            rec.inspection_sign(
                inspection=inspection,
                by=supervisor,
                role="inspector",
                image_data=signature_data_url(),
                signer=inspector,
            )
        rec.inspection_finish(
            inspection=inspection,
            by=supervisor,
            notice_kind=kind,
            stop_scope=stop_scope if kind == "partial_stop" else "",
        )
        return inspection.notices.get()

    return make
