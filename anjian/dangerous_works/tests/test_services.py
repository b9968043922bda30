"""危大工程 services: registration against the editable threshold table, the lifecycle steps with
their signatures, documents and gates, monitoring alarms, patrols and site-started reports."""

import datetime

import pytest
from django.utils import timezone

from anjian.accounts.choices import OrgKind
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.testing.personas import make_org, make_user
from anjian.dangerous_works import rules
from anjian.dangerous_works import services as svc
from anjian.dangerous_works import workflow as wf
from anjian.dangerous_works.models import (
    DangerousWork,
    MonitoringReading,
    Patrol,
    ThresholdRule,
    WorkDocument,
    WorkSignature,
    WorkStep,
)
from anjian.dangerous_works.testing import (
    EXPERTS,
    PDF,
    pdf,
    pit_data,
    register,
    signatures_for,
    step,
    walk,
)
from anjian.dangerous_works.warnings import warnings_for
from anjian.notifications.models import Notification
from anjian.projects.choices import ParticipantRole, ProjectRole
from anjian.projects.models import Project, ProjectMember, ProjectParticipant

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def seeded(db):
    svc.seed_threshold_rules()


@pytest.fixture
def lead(world):
    """Project P with the supervisor as its lead supervisor."""
    Project.objects.filter(pk=world.projects["P"].pk).update(
        lead_supervisor=world.users["supervisor"]
    )
    world.projects["P"].refresh_from_db()
    return world.users["supervisor"]


def refused(kind=DomainError, field=None):
    """pytest.raises for a DomainError that is not a NotAllowed (or for NotAllowed)."""

    class Check:
        def __enter__(self):
            self.ctx = pytest.raises(kind)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            result = self.ctx.__exit__(*exc)
            if not result:  # another exception: let it through
                return result
            if kind is DomainError:
                assert not isinstance(self.info.value, NotAllowed), self.info.value
            if field is not None:
                assert self.info.value.field == field, self.info.value.field
            return result

    return Check()


def recipients(kind) -> set[str]:
    return set(
        Notification.objects.filter(kind=f"dangerous_work.{kind}").values_list(
            "user__username", flat=True
        )
    )


# Statuses off the main path: (status to walk to first, action, persona).
DETOURS = {
    wf.REVISING: (wf.CONTRACTOR_REVIEW, wf.RETURN_INTERNAL, "pm"),
    wf.PLAN_CHANGE: (wf.APPROVED, wf.CHANGE_PLAN, "pm"),
    wf.ACCEPTANCE: (wf.IN_PROGRESS, wf.REQUEST_ACCEPTANCE, "pm"),
    wf.SUSPENDED: (wf.IN_PROGRESS, wf.SUSPEND, "supervisor"),
    wf.EMERGENCY: (wf.IN_PROGRESS, wf.REPORT_EMERGENCY, "pm"),
    wf.CANCELLED: (wf.IDENTIFIED, wf.CANCEL, "pm"),
}


def at(world, status, depth=5.5, **extra) -> DangerousWork:
    """A new work of project P taken to `status` with the real services."""
    work = register(world, depth, **extra)
    if status == wf.COMPLETED:
        work = walk(work, world, wf.IN_PROGRESS)
        if work.needs_acceptance:
            work = step(work, world, wf.REQUEST_ACCEPTANCE)
            work = step(work, world, wf.ACCEPT)
        return step(work, world, wf.COMPLETE)
    if status in DETOURS:
        before, action, persona = DETOURS[status]
        return step(walk(work, world, before), world, action, persona)
    return walk(work, world, status)


ALL_STATUSES = [s for s in wf.STATUS_LABELS if s != wf.PREVIOUS]


# --- registration and the threshold table --------------------------------------------------------


def test_seeding_is_idempotent_and_matches_the_code():
    assert svc.seed_threshold_rules() == 0
    assert ThresholdRule.objects.count() == len(svc.thresholds.THRESHOLD_RULES)
    assert svc.active_rules() == svc.thresholds.THRESHOLD_RULES


@pytest.mark.parametrize(
    "depth,level,reasons,monitoring",
    [
        (3, "danger", ["开挖深度≥3m"], False),
        (4.99, "danger", ["开挖深度≥3m"], False),
        (5, "super", ["开挖深度≥5m"], True),
        (5.5, "super", ["开挖深度≥5m"], True),
    ],
)
def test_register_classifies_by_the_table_and_stores_the_reasons(
    world, depth, level, reasons, monitoring
):
    work = register(world, depth)
    work.refresh_from_db()
    assert work.status == wf.IDENTIFIED
    assert (work.level, work.level_reasons) == (level, reasons)
    assert work.params == {"excavation_depth": depth}
    assert work.needs_acceptance is True  # PIT needs 验收
    assert work.needs_monitoring is monitoring  # 第三方监测 for 深基坑 only
    assert work.number and work.created_by == world.users["pm"]
    (registered,) = work.steps.all()
    assert registered.action == "registered" and registered.actor == world.users["pm"]
    assert registered.payload == {"level": level, "reasons": reasons}


def test_register_cleans_the_parameters(world):
    work = register(world, "3.5")
    assert work.params == {"excavation_depth": 3.5}
    work = svc.work_register(
        project=world.projects["P"],
        by=world.users["pm"],
        data=pit_data(
            None, params={"excavation_depth": "2", "complex_conditions": "on", "span": 99}
        ),
    )
    assert work.level == "danger"
    assert work.params == {"excavation_depth": 2.0, "complex_conditions": True}
    assert work.level_reasons == [svc.thresholds.PARAMETERS["complex_conditions"][0]]
    for bad in ("abc", "-1", "100001", "nan"):
        with refused(field="param_excavation_depth"):
            register(world, bad)


def test_editing_the_db_table_changes_new_classifications(world):
    admin = world.users["admin"]
    old = register(world, 5.5)
    rule = ThresholdRule.objects.get(
        category="PIT", level="super", param="excavation_depth", is_active=True
    )
    rules.threshold_update(rule=rule, by=admin, threshold="6")
    assert ThresholdRule.objects.get(pk=rule.pk).as_rule().text == "开挖深度≥6m"
    new = register(world, 5.5)
    assert (new.level, new.level_reasons) == ("danger", ["开挖深度≥3m"])
    assert register(world, 6).level_reasons == ["开挖深度≥6m"]
    old.refresh_from_db()
    assert old.level == "super"  # not retroactive
    # switching the 危大 rule off: a 3.5 m excavation is no longer a dangerous work
    danger = ThresholdRule.objects.get(category="PIT", level="danger", param="excavation_depth")
    rules.threshold_update(rule=danger, by=admin, is_active=False)
    with refused(field="params"):
        register(world, 3.5)
    rules.threshold_update(rule=danger, by=admin, is_active=True)
    assert register(world, 3.5).level == "danger"


@pytest.mark.parametrize("persona", ["supervisor", "chief", "leader", "pm", "engineer", "outsider"])
def test_only_administrators_edit_the_table(world, persona):
    rule = ThresholdRule.objects.get(category="PIT", level="super", param="excavation_depth")
    with refused(NotAllowed):
        rules.threshold_update(rule=rule, by=world.users[persona], threshold="6")
    with refused(NotAllowed):
        rules.category_update(
            category="PIT",
            by=world.users[persona],
            needs_acceptance=False,
            monitoring="",
            patrol_hours=12,
        )
    assert ThresholdRule.objects.get(pk=rule.pk).threshold == 5


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1e9", "inf"])
def test_threshold_values_are_checked(world, value):
    rule = ThresholdRule.objects.get(category="PIT", level="super", param="excavation_depth")
    with refused(field="threshold"):
        rules.threshold_update(rule=rule, by=world.users["admin"], threshold=value)


@pytest.mark.parametrize(
    "params",
    [{"excavation_depth": 2.99}, {"excavation_depth": 0}, {}, {"complex_conditions": False}],
)
def test_not_dangerous_parameters_are_refused_with_a_message(world, params):
    before = DangerousWork.objects.count()
    with refused(field="params") as info:
        svc.work_register(
            project=world.projects["P"], by=world.users["pm"], data=pit_data(params=params)
        )
    assert "危大工程" in str(info.value.message)
    assert DangerousWork.objects.count() == before


@pytest.mark.parametrize(
    "change,field",
    [
        ({"subtype": "PIT:tower"}, "subtype"),
        ({"subtype": ""}, "subtype"),
        ({"name": "  "}, "name"),
        ({"location": ""}, "location"),
        ({"planned_end": datetime.date(2020, 1, 1)}, "planned_end"),
    ],
)
def test_register_checks_the_form(world, change, field):
    with refused(field=field):
        svc.work_register(
            project=world.projects["P"], by=world.users["pm"], data=pit_data(**change)
        )


@pytest.mark.parametrize(
    "persona,allowed",
    [
        ("pm", True),
        ("safety", True),
        ("supervisor", True),
        ("chief", True),
        ("pm2", False),
        ("engineer", False),
        ("leader", False),
        ("admin", False),
        ("grouphq", False),
        ("outsider", False),
    ],
)
def test_who_may_register(world, persona, allowed):
    user = world.users[persona]
    data = pit_data()
    assert svc.can_register(world.projects["P"], user) is allowed
    if allowed:
        work = svc.work_register(project=world.projects["P"], by=user, data=data)
        assert work.steps.get().actor == user
    else:
        with refused(NotAllowed):
            svc.work_register(project=world.projects["P"], by=user, data=data)


def test_a_subcontractor_must_take_part_in_the_project(world):
    stranger = make_org("北京深基础工程有限公司", OrgKind.CONTRACTOR)
    with refused(field="subcontractor"):
        register(world, subcontractor=stranger.pk)
    ProjectParticipant.objects.create(
        project=world.projects["P"], organization=stranger, role=ParticipantRole.SUBCONTRACTOR
    )
    assert register(world, subcontractor=stranger.pk).subcontractor == stranger


@pytest.mark.parametrize(
    "persona,roles",
    [
        ("pm", {wf.CONTRACTOR}),
        ("safety", {wf.CONTRACTOR}),
        ("engineer", {wf.ENGINEER, wf.CHIEF_ENGINEER}),
        ("supervisor", {wf.ISSUER}),
        ("chief", {wf.ISSUER}),
        ("leader", set()),
        ("admin", set()),
        ("pm2", set()),
        ("grouphq", set()),
        ("outsider", set()),
    ],
)
def test_workflow_roles_of_each_persona(world, persona, roles):
    work = register(world, 4)
    assert svc.roles_for(work, world.users[persona]) == roles


# --- editing the register entry ------------------------------------------------------------------


def test_update_reclassifies_and_records_the_change(world):
    work = register(world, 3.5)
    assert not work.needs_monitoring
    work = svc.work_update(work=work, by=world.users["safety"], data=pit_data(5.5))
    work.refresh_from_db()
    assert (work.level, work.level_reasons) == ("super", ["开挖深度≥5m"])
    assert work.needs_monitoring  # the level changed: the category's monitoring rule again
    edited = work.steps.get(action="edited")
    assert edited.actor == world.users["safety"]
    assert edited.payload["before_level"] == "danger" and edited.payload["level"] == "super"
    with refused(field="params"):
        svc.work_update(work=work, by=world.users["pm"], data=pit_data(2))
    work.refresh_from_db()
    assert work.level == "super"


def test_a_category_change_applies_the_new_category_defaults(world):
    demolition = {
        "subtype": "DEMOLITION:demolition",
        "params": {"affects_surroundings": True},
    }
    work = register(world, **demolition)
    assert (work.level, work.needs_acceptance, work.needs_monitoring) == ("danger", False, False)
    work = svc.work_update(work=work, by=world.users["pm"], data=pit_data(5.5))
    assert (work.category, work.level) == ("PIT", "super")
    assert work.needs_acceptance and work.needs_monitoring  # PIT: 验收, and 监测 when 超规模
    work = svc.work_update(
        work=work, by=world.users["pm"], data=pit_data(6, needs_acceptance=False)
    )
    assert not work.needs_acceptance  # the work's own flag, when given, decides
    work = svc.work_update(work=work, by=world.users["pm"], data=pit_data(6.5))
    assert not work.needs_acceptance  # same category: the flag stays as it was set
    work = svc.work_update(work=work, by=world.users["pm"], data=pit_data(**demolition))
    assert not work.needs_acceptance and not work.needs_monitoring


@pytest.mark.parametrize("persona", ["engineer", "supervisor", "chief", "pm2", "leader"])
def test_only_the_contractor_updates(world, persona):
    work = register(world, 3.5)
    with refused(NotAllowed):
        svc.work_update(work=work, by=world.users[persona], data=pit_data(5.5))


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_update_only_while_the_scheme_is_written_or_revised(world, status):
    work = at(world, status)
    if status in wf.EDITABLE:
        work = svc.work_update(work=work, by=world.users["pm"], data=pit_data(6, name="改名"))
        assert work.name == "改名" and work.params == {"excavation_depth": 6}
    else:
        with refused():
            svc.work_update(work=work, by=world.users["pm"], data=pit_data(6, name="改名"))
        work.refresh_from_db()
        assert work.name != "改名"


# --- work_act: roles, signatures, documents, comments --------------------------------------------


@pytest.mark.parametrize("persona", ["pm2", "leader", "admin", "outsider", "grouphq", "engineer"])
def test_steps_of_the_contractor_are_refused_to_others(world, persona):
    work = register(world)
    with refused(NotAllowed):
        step(work, world, wf.DRAFT, persona)
    assert work.steps.count() == 1


def test_only_the_chief_engineer_approves_the_review(world):
    work = at(world, wf.SUPERVISOR_REVIEW, 4)
    for persona in ("pm", "safety", "supervisor", "chief"):
        with refused(NotAllowed):
            step(work, world, wf.APPROVE_REVIEW, persona)
    specialist = make_user("engineer2", world.orgs["firm"])
    ProjectMember.objects.create(
        project=work.project, role=ProjectRole.ENGINEER, name="engineer2", user=specialist
    )
    world.users["engineer2"] = specialist
    with refused(NotAllowed):
        step(work, world, wf.APPROVE_REVIEW, "engineer2")
    work = step(work, world, wf.RETURN_REVIEW, "engineer2", comment="计算书不全")
    assert work.status == wf.REVISING


def test_an_action_not_possible_now_is_a_domain_error(world):
    work = register(world)
    with refused() as info:
        step(work, world, wf.SUBMIT)
    assert wf.ACTION_LABELS[wf.SUBMIT] in str(info.value.message)
    with refused():
        step(work, world, wf.START)
    with refused(field="action"):
        step(work, world, "approve_everything")
    assert work.steps.count() == 1


def test_documents_outside_a_step(world):
    work = at(world, wf.IN_PROGRESS)
    for persona in ("pm", "engineer"):
        doc = svc.document_upload(
            work=work,
            by=world.users[persona],
            kind="monitoring_plan",
            title="监测方案",
            filename="监测方案.pdf",
            data=PDF,
        )
        assert doc.step.action == "document" and doc.step.actor == world.users[persona]
    for persona in ("supervisor", "pm2"):
        with refused(NotAllowed):
            svc.document_upload(
                work=work,
                by=world.users[persona],
                kind="other",
                title="x",
                filename="x.pdf",
                data=PDF,
            )
    with refused(field="document"):
        svc.document_upload(
            work=work, by=world.users["pm"], kind="other", title="x", filename="x.pdf", data=b"x"
        )
    with refused(field="kind"):
        svc.document_upload(
            work=work, by=world.users["pm"], kind="secret", title="x", filename="x.pdf", data=PDF
        )
    assert work.steps.filter(action="document").count() == 2
    with refused():
        svc.document_upload(
            work=at(world, wf.CANCELLED),
            by=world.users["pm"],
            kind="other",
            title="x",
            filename="x.pdf",
            data=PDF,
        )


SIGNED_STEPS = [
    (wf.APPROVE_INTERNAL, wf.CONTRACTOR_REVIEW, "pm"),
    (wf.APPROVE_REVIEW, wf.SUPERVISOR_REVIEW, "engineer"),
    (wf.ARGUE_PASS, wf.EXPERT_REVIEW, "pm"),
    (wf.ARGUE_REVISE, wf.EXPERT_REVIEW, "pm"),
    (wf.ARGUE_FAIL, wf.EXPERT_REVIEW, "pm"),
    (wf.DISCLOSE, wf.APPROVED, "pm"),
    (wf.ACCEPT, wf.ACCEPTANCE, "pm"),
    (wf.ACCEPT, wf.ACCEPTANCE, "engineer"),
]


def test_the_signed_steps_are_all_tested():
    assert {a for a, _s, _p in SIGNED_STEPS} == set(wf.SIGNERS)


@pytest.mark.parametrize("action,status,persona", SIGNED_STEPS)
def test_each_step_needs_its_signatures(world, action, status, persona):
    work = at(world, status)
    steps = work.steps.count()
    full = signatures_for(work, action)
    required = wf.SIGNERS[action]
    assert len(full) == sum(n for _r, _l, n in required)
    with refused(field="signatures"):
        step(work, world, action, persona, signatures=[])
    for role, label, _n in required:  # one signer missing
        fewer = [s for s in full if s["role"] != role] + [s for s in full if s["role"] == role][1:]
        with refused(field="signatures") as info:
            step(work, world, action, persona, signatures=fewer)
        assert label in str(info.value.message)
    blank = [dict(full[0], name="  "), *full[1:]]
    with refused(field="signatures"):
        step(work, world, action, persona, signatures=blank)
    bad_image = [dict(full[0], image="data:image/png;base64,AAAA"), *full[1:]]
    with refused():
        step(work, world, action, persona, signatures=bad_image)
    assert work.steps.count() == steps  # nothing written by a refused step
    extra = [{"role": "passer_by", "name": "路人", "image": full[0]["image"]}]
    work = step(work, world, action, persona, signatures=full + extra)
    done = work.steps.get(action=action)
    signed = list(done.signatures.values_list("role", "name"))
    assert signed == [(s["role"], s["name"]) for s in full]
    labels = {role: label for role, label, _n in required}
    for signature in done.signatures.all():
        assert signature.role_label == labels[signature.role]
        assert signature.image.name and len(signature.sha256) == 64


def test_experts_sign_with_title_and_employer(world):
    work = at(world, wf.EXPERT_REVIEW)
    work = step(work, world, wf.ARGUE_PASS)
    argumentation = work.argumentations.get()
    assert argumentation.experts == [{"name": n, "title": t, "employer": e} for n, t, e in EXPERTS]
    details = list(
        WorkSignature.objects.filter(step=argumentation.step).values_list("detail", flat=True)
    )
    assert details == [f"{t} · {e}" for _n, t, e in EXPERTS]


def test_a_subcontracted_scheme_needs_both_technical_chiefs(world):
    sub = make_org("北京深基础工程有限公司", OrgKind.CONTRACTOR)
    ProjectParticipant.objects.create(
        project=world.projects["P"], organization=sub, role=ParticipantRole.SUBCONTRACTOR
    )
    work = at(world, wf.CONTRACTOR_REVIEW, subcontractor=sub.pk)
    full = signatures_for(work, wf.APPROVE_INTERNAL)
    assert {s["role"] for s in full} == {"tech_chief", "sub_tech_chief"}
    only_general = [s for s in full if s["role"] == "tech_chief"]
    with refused(field="signatures") as info:
        step(work, world, wf.APPROVE_INTERNAL, signatures=only_general)
    assert "分包单位技术负责人" in str(info.value.message)
    work = step(work, world, wf.APPROVE_INTERNAL, signatures=full)
    assert work.steps.get(action=wf.APPROVE_INTERNAL).signatures.count() == 2


def test_experts_fewer_than_five_are_refused(world):
    work = at(world, wf.EXPERT_REVIEW)
    four = signatures_for(work, wf.ARGUE_PASS)[:4]
    with refused(field="signatures") as info:
        step(work, world, wf.ARGUE_PASS, signatures=four)
    assert "论证专家" in str(info.value.message) and "5" in str(info.value.message)
    assert work.argumentations.count() == 0


def test_an_expert_signs_only_once(world):
    work = at(world, wf.EXPERT_REVIEW)
    experts = signatures_for(work, wf.ARGUE_PASS)
    experts[4] = dict(experts[4], name=experts[0]["name"])
    with refused(field="signatures"):
        step(work, world, wf.ARGUE_PASS, signatures=experts)
    six = signatures_for(work, wf.ARGUE_PASS) + [signatures_for(work, wf.ARGUE_PASS)[0]]
    with refused(field="signatures"):
        step(work, world, wf.ARGUE_PASS, signatures=six)


@pytest.mark.parametrize(
    "employer",
    ["北京正衡建设工程监理有限公司", "北京潞悦置业有限公司", "京通建工集团第一建筑工程有限公司"],
)
def test_an_expert_employed_by_a_project_participant_is_refused(world, employer):
    """37号令 第十二条: people with an interest in the project cannot be experts."""
    work = at(world, wf.EXPERT_REVIEW)
    experts = signatures_for(work, wf.ARGUE_PASS)
    experts[2] = dict(experts[2], employer=f" {employer} ")
    with refused(field="signatures") as info:
        step(work, world, wf.ARGUE_PASS, signatures=experts)
    assert employer in str(info.value.message) and "第十二条" in str(info.value.message)
    experts[2] = dict(experts[2], employer="")
    with refused(field="signatures"):
        step(work, world, wf.ARGUE_PASS, signatures=experts)
    assert work.argumentations.count() == 0


def test_the_argumentation_meeting_date(world):
    work = at(world, wf.EXPERT_REVIEW)
    with refused(field="held_on"):
        step(work, world, wf.ARGUE_PASS, held_on=None)
    with refused(field="held_on"):
        step(work, world, wf.ARGUE_PASS, held_on=TODAY() + datetime.timedelta(days=1))
    with refused(field="comment"):
        step(work, world, wf.ARGUE_PASS, comment="")
    work = step(work, world, wf.ARGUE_PASS, held_on=TODAY() - datetime.timedelta(days=2))
    assert work.argumentations.get().held_on == TODAY() - datetime.timedelta(days=2)


DOCUMENT_STEPS = [
    (wf.SUBMIT, wf.DRAFTING, "pm"),
    (wf.ARGUE_PASS, wf.EXPERT_REVIEW, "pm"),
    (wf.ARGUE_REVISE, wf.EXPERT_REVIEW, "pm"),
    (wf.ARGUE_FAIL, wf.EXPERT_REVIEW, "pm"),
    (wf.DISCLOSE, wf.APPROVED, "pm"),
    (wf.ACCEPT, wf.ACCEPTANCE, "pm"),
]


def test_the_document_steps_are_all_tested():
    assert {a for a, _s, _p in DOCUMENT_STEPS} == set(wf.DOCUMENTS)


@pytest.mark.parametrize("action,status,persona", DOCUMENT_STEPS)
def test_each_step_carries_its_document(world, action, status, persona):
    work = at(world, status)
    with refused(field="document"):
        step(work, world, action, persona, document=None)
    work = step(work, world, action, persona, document=("记录.pdf", PDF))
    doc = work.documents.get(step__action=action)
    assert doc.kind == wf.DOCUMENTS[action]
    assert (
        doc.filename == "记录.pdf" and doc.size == len(PDF) and doc.uploaded_by.username == persona
    )


@pytest.mark.parametrize(
    "document",
    [
        ("方案.pdf", b"PK\x03\x04 not a pdf"),  # wrong magic bytes
        ("方案.docx", PDF),  # a PDF called .docx
        ("方案.png", b"\xff\xd8\xff a jpeg"),
        ("方案.exe", PDF),  # extension not allowed
        ("方案", PDF),  # no extension
        ("方案.pdf", b""),  # empty
        ("方案.pdf", PDF + b"\0" * svc.MAX_DOCUMENT_BYTES),  # too big
    ],
)
def test_document_types_are_checked(world, document):
    work = at(world, wf.DRAFTING)
    with refused(field="document"):
        step(work, world, wf.SUBMIT, document=document)
    work.refresh_from_db()
    assert work.status == wf.DRAFTING and not work.documents.exists()


@pytest.mark.parametrize(
    "filename,data",
    [
        ("方案.PDF", PDF),
        ("方案.docx", b"PK\x03\x04rest"),
        ("方案.jpg", b"\xff\xd8\xff\xe0rest"),
        ("方案.dwg", b"AC1032rest"),
    ],
)
def test_accepted_document_types(world, filename, data):
    work = step(at(world, wf.DRAFTING), world, wf.SUBMIT, document=(filename, data))
    assert work.documents.get().kind == WorkDocument.Kind.SCHEME


def test_each_submission_is_a_new_scheme_version(world):
    work = at(world, wf.REVISING)
    assert work.scheme_version == 1
    work = step(work, world, wf.SUBMIT)
    assert work.scheme_version == 2
    versions = list(work.documents.filter(kind="scheme").values_list("version", flat=True))
    assert sorted(versions) == [1, 2]


COMMENTED = [
    (wf.RETURN_INTERNAL, wf.CONTRACTOR_REVIEW, "pm"),
    (wf.RETURN_REVIEW, wf.SUPERVISOR_REVIEW, "engineer"),
    (wf.ARGUE_REVISE, wf.EXPERT_REVIEW, "pm"),
    (wf.ARGUE_FAIL, wf.EXPERT_REVIEW, "pm"),
    (wf.REJECT_ACCEPTANCE, wf.ACCEPTANCE, "engineer"),
    (wf.SUSPEND, wf.IN_PROGRESS, "supervisor"),
    (wf.RESUME, wf.SUSPENDED, "supervisor"),
    (wf.REPORT_EMERGENCY, wf.IN_PROGRESS, "pm"),
    (wf.END_EMERGENCY, wf.EMERGENCY, "engineer"),
    (wf.CHANGE_PLAN, wf.APPROVED, "pm"),
    (wf.CANCEL, wf.DRAFTING, "pm"),
]


def test_the_comment_steps_are_all_tested():
    assert {a for a, _s, _p in COMMENTED} == wf.COMMENT_REQUIRED


@pytest.mark.parametrize("action,status,persona", COMMENTED)
def test_steps_that_need_a_comment(world, action, status, persona):
    work = at(world, status)
    for blank in ("", "   "):
        with refused(field="comment"):
            step(work, world, action, persona, comment=blank)
    work = step(work, world, action, persona, comment="  原因说明  ")
    assert work.steps.get(action=action).comment == "原因说明"


def test_other_steps_need_no_comment(world):
    work = register(world)
    work = step(work, world, wf.DRAFT, comment="")
    assert work.status == wf.DRAFTING


def test_disclosure_needs_the_site_announcement(world):
    work = at(world, wf.APPROVED)
    with refused(field="posted"):
        step(work, world, wf.DISCLOSE, posted=False)


def test_start_date(world):
    work = at(world, wf.DISCLOSED)
    with refused(field="started_on"):
        step(work, world, wf.START, started_on=TODAY() + datetime.timedelta(days=1))
    work = step(work, world, wf.START, started_on=TODAY() - datetime.timedelta(days=2))
    assert work.actual_start == TODAY() - datetime.timedelta(days=2)


# --- the gates and the flows through argumentation and plan changes ----------------------------


def test_an_over_threshold_work_goes_to_argumentation(world):
    work = at(world, wf.SUPERVISOR_REVIEW)
    work = step(work, world, wf.APPROVE_REVIEW, "engineer")
    assert work.status == wf.EXPERT_REVIEW and work.approved_at is None and not work.argued
    work = step(work, world, wf.ARGUE_PASS)
    assert work.status == wf.APPROVED and work.argued and work.approved_at is not None
    argumentation = work.argumentations.get()
    assert (argumentation.round, argumentation.verdict) == (1, "passed")
    assert argumentation.report.kind == "expert_report"
    assert argumentation.scheme_version == 1


def test_an_ordinary_work_is_approved_by_the_chief_engineer(world):
    work = at(world, wf.SUPERVISOR_REVIEW, 4)
    work = step(work, world, wf.APPROVE_REVIEW, "engineer")
    assert work.status == wf.APPROVED and work.approved_at is not None and not work.argued


@pytest.mark.parametrize("action", sorted(wf.ARGUE_ACTIONS))
def test_argumentation_is_refused_for_an_ordinary_work(world, action):
    work = at(world, wf.SUPERVISOR_REVIEW, 4)
    DangerousWork.objects.filter(pk=work.pk).update(status=wf.EXPERT_REVIEW)
    with refused():
        step(work, world, action)
    assert not work.argumentations.exists()


def test_argue_revise_then_re_review_approves_without_a_new_argumentation(world):
    work = at(world, wf.EXPERT_REVIEW)
    work = step(work, world, wf.ARGUE_REVISE, comment="补充支护桩计算书")
    assert work.status == wf.REVISING and work.argued and work.approved_at is None
    assert work.argumentations.get().verdict == "revise"
    for action, persona in (
        (wf.SUBMIT, "pm"),
        (wf.APPROVE_INTERNAL, "pm"),  # 第十一条 signatures again
        (wf.APPROVE_REVIEW, "engineer"),
    ):
        work = step(work, world, action, persona)
        assert work.argued
    assert work.status == wf.APPROVED and work.approved_at is not None
    assert work.argumentations.count() == 1 and work.scheme_version == 2


def test_argue_fail_needs_a_new_argumentation(world):
    work = at(world, wf.EXPERT_REVIEW)
    work = step(work, world, wf.ARGUE_FAIL, comment="方案不可行")
    assert work.status == wf.REVISING and not work.argued
    for action, persona in (
        (wf.SUBMIT, "pm"),
        (wf.APPROVE_INTERNAL, "pm"),
        (wf.APPROVE_REVIEW, "engineer"),
    ):
        work = step(work, world, action, persona)
    assert work.status == wf.EXPERT_REVIEW and work.approved_at is None
    work = step(work, world, wf.ARGUE_PASS)
    assert work.status == wf.APPROVED
    rounds = list(work.argumentations.values_list("round", "verdict", "scheme_version"))
    assert rounds == [(1, "failed", 1), (2, "passed", 2)]


@pytest.mark.parametrize("from_status", [wf.APPROVED, wf.IN_PROGRESS, wf.SUSPENDED])
def test_a_plan_change_of_an_over_threshold_work_is_argued_again(world, from_status):
    work = at(world, from_status)
    assert work.argued
    work = step(work, world, wf.CHANGE_PLAN, comment="支护形式变更为桩锚")
    assert work.status == wf.PLAN_CHANGE and not work.argued
    assert work.approved_at is None and work.disclosed_at is None
    for action, persona in (
        (wf.SUBMIT, "pm"),
        (wf.APPROVE_INTERNAL, "pm"),
        (wf.APPROVE_REVIEW, "engineer"),
    ):
        work = step(work, world, action, persona)
    assert work.status == wf.EXPERT_REVIEW
    work = step(work, world, wf.ARGUE_PASS)
    assert work.status == wf.APPROVED and work.argumentations.count() == 2


def test_a_plan_change_of_an_ordinary_work_goes_back_through_review(world):
    work = at(world, wf.IN_PROGRESS, 4)
    work = step(work, world, wf.CHANGE_PLAN, comment="降水方案调整")
    assert work.status == wf.PLAN_CHANGE and work.approved_at is None
    with refused():
        step(work, world, wf.DISCLOSE)
    for action, persona, status in (
        (wf.SUBMIT, "pm", wf.CONTRACTOR_REVIEW),
        (wf.APPROVE_INTERNAL, "pm", wf.SUPERVISOR_REVIEW),
        (wf.APPROVE_REVIEW, "engineer", wf.APPROVED),
    ):
        work = step(work, world, action, persona)
        assert work.status == status
    assert work.approved_at is not None and not work.argumentations.exists()


def test_a_level_change_while_revising_voids_the_argumentation(world):
    work = at(world, wf.EXPERT_REVIEW, 5.5)
    work = step(work, world, wf.ARGUE_REVISE, comment="修改")
    assert work.argued
    work = svc.work_update(work=work, by=world.users["pm"], data=pit_data(4))
    work = svc.work_update(work=work, by=world.users["pm"], data=pit_data(5.5))
    assert work.level == "super" and not work.argued


def test_construction_needs_approval_and_briefing(world):
    for status in (wf.IDENTIFIED, wf.SUPERVISOR_REVIEW, wf.EXPERT_REVIEW, wf.APPROVED):
        with refused():
            step(at(world, status), world, wf.START)


def test_complete_is_refused_until_acceptance_passed(world):
    work = at(world, wf.IN_PROGRESS)
    assert work.needs_acceptance
    with refused():
        step(work, world, wf.COMPLETE)
    work = step(work, world, wf.REQUEST_ACCEPTANCE)
    work = step(work, world, wf.REJECT_ACCEPTANCE, "engineer", comment="冠梁裂缝")
    assert work.status == wf.IN_PROGRESS and work.accepted_at is None
    with refused():
        step(work, world, wf.COMPLETE)
    work = step(work, world, wf.REQUEST_ACCEPTANCE)
    work = step(work, world, wf.ACCEPT, "engineer")  # the 总监 may record it
    assert work.status == wf.IN_PROGRESS and work.accepted_at is not None
    with refused():  # accepted once: no second request
        step(work, world, wf.REQUEST_ACCEPTANCE)
    work = step(work, world, wf.COMPLETE)
    assert work.status == wf.COMPLETED and work.completed_at is not None


def test_a_work_without_acceptance_completes_directly(world):
    work = at(world, wf.IN_PROGRESS, 4, needs_acceptance=False)
    with refused():
        step(work, world, wf.REQUEST_ACCEPTANCE)
    work = step(work, world, wf.COMPLETE)
    assert work.status == wf.COMPLETED and work.accepted_at is None


@pytest.mark.parametrize("from_status", [wf.DISCLOSED, wf.IN_PROGRESS, wf.ACCEPTANCE])
def test_suspend_and_resume_restore_the_previous_status(world, from_status):
    work = at(world, from_status)
    work = step(work, world, wf.SUSPEND, "supervisor", comment="停工整改")
    assert work.status == wf.SUSPENDED and work.resume_to == from_status
    with refused(NotAllowed):
        step(work, world, wf.RESUME, "pm", comment="已整改")
    work = step(work, world, wf.RESUME, "engineer", comment="整改完成")
    assert work.status == from_status


@pytest.mark.parametrize("from_status", [wf.IN_PROGRESS, wf.ACCEPTANCE, wf.SUSPENDED])
def test_an_emergency_ends_in_suspension(world, from_status):
    work = at(world, from_status)
    before = work.resume_to or from_status
    work = step(work, world, wf.REPORT_EMERGENCY, "engineer", comment="基坑侧壁渗漏")
    assert work.status == wf.EMERGENCY
    with refused():
        step(work, world, wf.RESUME, "supervisor", comment="复工")
    work = step(work, world, wf.END_EMERGENCY, "pm", comment="已封堵")
    assert work.status == wf.SUSPENDED
    work = step(work, world, wf.RESUME, "supervisor", comment="复工")
    assert work.status == before


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_cancel_only_before_review(world, status):
    work = at(world, status)
    if status in (wf.IDENTIFIED, wf.DRAFTING, wf.REVISING):
        work = step(work, world, wf.CANCEL, comment="设计变更取消")
        assert work.status == wf.CANCELLED
    else:
        with refused():
            step(work, world, wf.CANCEL, comment="取消")


FULL_PATH = [
    (wf.DRAFT, "pm"),
    (wf.SUBMIT, "safety"),
    (wf.RETURN_INTERNAL, "pm"),
    (wf.SUBMIT, "pm"),
    (wf.APPROVE_INTERNAL, "pm"),
    (wf.RETURN_REVIEW, "engineer"),
    (wf.SUBMIT, "pm"),
    (wf.APPROVE_INTERNAL, "pm"),
    (wf.APPROVE_REVIEW, "engineer"),
    (wf.ARGUE_FAIL, "pm"),
    (wf.SUBMIT, "pm"),
    (wf.APPROVE_INTERNAL, "pm"),
    (wf.APPROVE_REVIEW, "engineer"),
    (wf.ARGUE_REVISE, "pm"),
    (wf.SUBMIT, "pm"),
    (wf.APPROVE_INTERNAL, "pm"),
    (wf.APPROVE_REVIEW, "engineer"),
    (wf.DISCLOSE, "safety"),
    (wf.SUSPEND, "chief"),
    (wf.RESUME, "supervisor"),
    (wf.START, "pm"),
    (wf.REPORT_EMERGENCY, "engineer"),
    (wf.END_EMERGENCY, "supervisor"),
    (wf.RESUME, "engineer"),
    (wf.REQUEST_ACCEPTANCE, "pm"),
    (wf.REJECT_ACCEPTANCE, "pm"),
    (wf.REQUEST_ACCEPTANCE, "pm"),
    (wf.ACCEPT, "pm"),
    (wf.COMPLETE, "pm"),
]


def test_every_step_writes_one_step_record_with_its_actor_and_timestamps(world):
    work = register(world)
    stamps = ("approved_at", "disclosed_at", "accepted_at", "completed_at")
    set_by = {
        wf.APPROVE_REVIEW: "approved_at",
        wf.DISCLOSE: "disclosed_at",
        wf.ACCEPT: "accepted_at",
        wf.COMPLETE: "completed_at",
    }
    seen = set()
    for action, persona in FULL_PATH:
        count, before = work.steps.count(), work.status
        expected = wf.next_status(svc.workflow_context(work, world.users[persona]), action)
        started = timezone.now()
        work = step(work, world, action, persona, comment="说明")
        assert work.steps.count() == count + 1, action
        last = work.steps.order_by("-id").first()
        assert (last.action, last.from_status, last.to_status) == (action, before, expected)
        assert last.actor == world.users[persona] and last.comment == "说明"
        work.refresh_from_db()
        assert work.status == expected
        if action in set_by and work.status in (wf.APPROVED, wf.DISCLOSED, wf.IN_PROGRESS):
            stamp = getattr(work, set_by[action])
            assert stamp is not None and stamp >= started, action
            seen.add(set_by[action])
        if action == wf.COMPLETE:
            assert work.completed_at >= started
            seen.add("completed_at")
        for name in stamps:
            if name not in seen:
                assert getattr(work, name) is None, (action, name)
    assert work.status == wf.COMPLETED
    assert list(work.argumentations.values_list("verdict", flat=True)) == ["failed", "revise"]


# --- notifications -------------------------------------------------------------------------------


def test_notifications_are_sent_after_commit_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        work = at(world, wf.CONTRACTOR_REVIEW)
        step(work, world, wf.APPROVE_INTERNAL)
    assert callbacks and not Notification.objects.exists()


def test_step_notifications_reach_the_expected_people(
    world, lead, django_capture_on_commit_callbacks
):
    def sent(action, persona="pm", **kw):
        nonlocal work
        with django_capture_on_commit_callbacks(execute=True):
            work = step(work, world, action, persona, **kw)
        return recipients(action)

    with django_capture_on_commit_callbacks(execute=True):
        work = register(world)
    assert recipients("registered") == {"supervisor"}  # over threshold: the supervisor
    work = walk(work, world, wf.CONTRACTOR_REVIEW)
    assert sent(wf.APPROVE_INTERNAL) == {"engineer"}  # the 总监 reviews
    assert sent(wf.APPROVE_REVIEW, "engineer") == {"pm", "safety"}  # organise the argumentation
    assert sent(wf.ARGUE_PASS) == {"safety", "supervisor"}  # approved; not the actor
    assert sent(wf.DISCLOSE) == set()
    assert sent(wf.START) == {"engineer", "supervisor"}
    assert sent(wf.REQUEST_ACCEPTANCE) == {"engineer"}
    assert sent(wf.REJECT_ACCEPTANCE, "engineer", comment="不合格") == {"pm", "safety"}
    assert sent(wf.SUSPEND, "supervisor", comment="停工") == {"pm", "safety", "engineer"}
    assert sent(wf.REPORT_EMERGENCY, comment="险情") == {
        "safety",
        "engineer",
        "supervisor",
        "chief",
    }
    assert sent(wf.END_EMERGENCY, "engineer", comment="处置完毕") == set()
    assert sent(wf.RESUME, "supervisor", comment="复工") == {"pm", "safety"}
    assert sent(wf.CHANGE_PLAN, comment="变更") == {"engineer", "supervisor"}
    notification = Notification.objects.filter(kind="dangerous_work.report_emergency").first()
    assert notification.url == work.get_absolute_url() and "险情" in notification.body


def test_without_a_lead_supervisor_the_chiefs_are_told(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        work = at(world, wf.SUPERVISOR_REVIEW, 4)
        step(work, world, wf.APPROVE_REVIEW, "engineer")
    assert recipients(wf.APPROVE_REVIEW) == {"pm", "safety", "chief"}
    assert recipients("registered") == set()  # an ordinary work: nobody told


# --- monitoring ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,alarm",
    [
        ("29.999", False),
        ("30", True),
        ("30.001", True),
        ("-30", True),
        ("-29.9", False),
        ("0", False),
    ],
)
def test_a_reading_at_or_over_the_alarm_value_is_an_alarm(
    world, lead, django_capture_on_commit_callbacks, value, alarm
):
    work = at(world, wf.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        reading = svc.reading_add(
            work=work,
            by=world.users["engineer"],
            point="ZQS-1",
            quantity="水平位移",
            value=value,
            unit="mm",
            alarm_value="30",
        )
    assert reading.is_alarm is alarm and reading.open_alarm is alarm
    assert work.steps.filter(action="alarm").exists() is alarm
    if alarm:
        assert recipients("alarm") == {"pm", "safety", "engineer", "supervisor"}
        assert "ZQS-1" in Notification.objects.filter(kind="dangerous_work.alarm").first().body
    else:
        assert recipients("alarm") == set()


def test_readings_are_checked(world):
    work = at(world, wf.IN_PROGRESS)
    pm = world.users["pm"]
    base = {"point": "D1", "quantity": "沉降", "value": "3", "alarm_value": "20"}
    for change, field in (
        ({"point": " "}, "point"),
        ({"quantity": ""}, "quantity"),
        ({"value": "abc"}, "value"),
        ({"value": "inf"}, "value"),
        ({"alarm_value": "0"}, "alarm_value"),
        ({"alarm_value": "-5"}, "alarm_value"),
        ({"source": "neighbour"}, "source"),
        ({"measured_at": timezone.now() + datetime.timedelta(hours=1)}, "measured_at"),
        ({"document": ("报告.pdf", b"not a pdf")}, "document"),
    ):
        with refused(field=field):
            svc.reading_add(work=work, by=pm, **{**base, **change})
    for persona in ("supervisor", "pm2", "leader"):
        with refused(NotAllowed):
            svc.reading_add(work=work, by=world.users[persona], **base)
    assert not work.readings.exists()
    reading = svc.reading_add(work=work, by=pm, document=pdf("监测日报.pdf"), **base)
    assert reading.document.kind == "monitoring_report" and reading.source == "third_party"
    with refused():
        svc.reading_add(work=at(world, wf.APPROVED), by=pm, **base)


def test_an_alarm_is_handled_once(world):
    work = at(world, wf.IN_PROGRESS)
    reading = svc.reading_add(
        work=work, by=world.users["pm"], point="D1", quantity="沉降", value="25", alarm_value="20"
    )
    assert [w.key for w in warnings_for(work)] == ["monitoring_alarm"]
    with refused(NotAllowed):
        svc.alarm_handle(reading=reading, by=world.users["supervisor"], handling="已处理")
    with refused(field="handling"):
        svc.alarm_handle(reading=reading, by=world.users["engineer"], handling=" ")
    reading = svc.alarm_handle(reading=reading, by=world.users["engineer"], handling="加密监测")
    assert reading.handled_at is not None and reading.handled_by == world.users["engineer"]
    assert not reading.open_alarm
    with refused():
        svc.alarm_handle(reading=reading, by=world.users["pm"], handling="再次处理")
    assert work.steps.filter(action="alarm_handled").count() == 1
    assert "monitoring_alarm" not in [w.key for w in warnings_for(work)]
    quiet = svc.reading_add(
        work=work, by=world.users["pm"], point="D1", quantity="沉降", value="2", alarm_value="20"
    )
    with refused():
        svc.alarm_handle(reading=quiet, by=world.users["pm"], handling="无")


# --- patrols -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,party,allowed",
    [
        ("pm", "contractor", True),
        ("safety", "contractor", True),
        ("engineer", "supervision", True),
        ("pm", "supervision", False),
        ("engineer", "contractor", False),
        ("supervisor", "supervision", False),
        ("supervisor", "contractor", False),
        ("pm2", "contractor", False),
    ],
)
def test_a_patrol_is_recorded_by_its_own_unit(world, persona, party, allowed):
    work = at(world, wf.IN_PROGRESS)
    user = world.users[persona]
    if allowed:
        patrol = svc.patrol_add(work=work, by=user, party=party, result="normal")
        assert patrol.patrolled_by == user and work.steps.filter(action="patrol").count() == 1
    else:
        with refused(NotAllowed):
            svc.patrol_add(work=work, by=user, party=party, result="normal")


def test_patrols_are_checked(world, django_capture_on_commit_callbacks):
    work = at(world, wf.IN_PROGRESS)
    pm = world.users["pm"]
    with refused(field="party"):
        svc.patrol_add(work=work, by=pm, party="neighbour", result="normal")
    with refused(field="result"):
        svc.patrol_add(work=work, by=pm, party="contractor", result="fine")
    with refused(field="notes"):
        svc.patrol_add(work=work, by=pm, party="contractor", result="abnormal", notes=" ")
    with refused(field="patrolled_at"):
        svc.patrol_add(
            work=work,
            by=pm,
            party="contractor",
            result="normal",
            patrolled_at=timezone.now() + datetime.timedelta(hours=1),
        )
    with refused():
        svc.patrol_add(work=at(world, wf.APPROVED), by=pm, party="contractor", result="normal")
    with django_capture_on_commit_callbacks(execute=True):
        svc.patrol_add(work=work, by=pm, party="contractor", result="abnormal", notes="支撑松动")
    assert recipients("patrol") == {"safety", "engineer"}


def test_missed_patrols_are_notified_once_per_gap(world, lead):
    work = at(world, wf.DISCLOSED)
    work = step(work, world, wf.START, started_on=TODAY() - datetime.timedelta(days=3))
    now = timezone.now()
    assert svc.check_patrols(now) == {"missed_patrols": 2}  # contractor and 监理, never patrolled

    def per_user():
        rows = Notification.objects.filter(kind="dangerous_work.patrol_missed")
        counts = {}
        for username in rows.values_list("user__username", flat=True):
            counts[username] = counts.get(username, 0) + 1
        return counts

    assert per_user() == {"pm": 1, "safety": 1, "engineer": 1, "supervisor": 2}
    assert svc.check_patrols(now) == {"missed_patrols": 0}
    assert svc.check_patrols(now + datetime.timedelta(minutes=15)) == {"missed_patrols": 0}
    assert per_user() == {"pm": 1, "safety": 1, "engineer": 1, "supervisor": 2}
    assert work.steps.filter(action="patrol_missed").count() == 2
    svc.patrol_add(work=work, by=world.users["pm"], party="contractor", result="normal")
    svc.patrol_add(work=work, by=world.users["engineer"], party="supervision", result="normal")
    assert svc.check_patrols(timezone.now()) == {"missed_patrols": 0}
    later = timezone.now() + datetime.timedelta(hours=25)  # a new gap of the contractor only
    Patrol.objects.filter(party="supervision").update(patrolled_at=later)
    assert svc.check_patrols(later) == {"missed_patrols": 1}
    assert svc.check_patrols(later) == {"missed_patrols": 0}
    assert per_user() == {"pm": 2, "safety": 2, "engineer": 1, "supervisor": 3}


# --- site started before approval ------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "chief", "engineer"])
def test_supervision_reports_work_started_before_approval(
    world, lead, django_capture_on_commit_callbacks, persona
):
    work = at(world, wf.DRAFTING)
    seen = TODAY() - datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        work = svc.report_site_started(
            work=work, by=world.users[persona], started_on=seen, comment="已开挖至-2m"
        )
    assert work.actual_start == seen and work.site_started_reported_at is not None
    assert "started_before_approval" in [w.key for w in warnings_for(work)]
    assert work.steps.get(action="site_started").actor == world.users[persona]
    expected = {"pm", "safety", "engineer", "supervisor", "chief"} - {persona}
    assert recipients("site_started") - {persona} == expected


@pytest.mark.parametrize("persona", ["pm", "safety", "leader", "admin", "pm2", "outsider"])
def test_only_supervision_reports_a_site_start(world, persona):
    work = at(world, wf.DRAFTING)
    with refused(NotAllowed):
        svc.report_site_started(
            work=work, by=world.users[persona], started_on=TODAY(), comment="开挖"
        )


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_a_site_start_is_reported_only_before_approval_and_briefing(world, status):
    work = at(world, status)
    if status in wf.BEFORE_APPROVAL | {wf.APPROVED, wf.PLAN_CHANGE}:
        svc.report_site_started(
            work=work, by=world.users["supervisor"], started_on=TODAY(), comment="开挖"
        )
    else:
        with refused():
            svc.report_site_started(
                work=work, by=world.users["supervisor"], started_on=TODAY(), comment="开挖"
            )


def test_a_site_start_report_needs_a_past_day_and_a_description(world):
    work = at(world, wf.DRAFTING)
    supervisor = world.users["supervisor"]
    with refused(field="started_on"):
        svc.report_site_started(
            work=work,
            by=supervisor,
            started_on=TODAY() + datetime.timedelta(days=1),
            comment="开挖",
        )
    with refused(field="started_on"):
        svc.report_site_started(work=work, by=supervisor, started_on=None, comment="开挖")
    with refused(field="comment"):
        svc.report_site_started(work=work, by=supervisor, started_on=TODAY(), comment="  ")


# --- the clauses suggested for a supervisor's finding -------------------------------------------


def test_suggested_clauses(world):
    yesterday = TODAY() - datetime.timedelta(days=1)
    not_argued = register(world, 5.5, planned_start=yesterday)
    assert svc.suggested_clauses(not_argued) == [(4, 4)]  # 4④ not argued
    fresh = register(world, 4)
    assert svc.suggested_clauses(fresh) == [(4, 4)]  # nothing else applies: the default
    ordinary = at(world, wf.IN_PROGRESS, 4)
    assert svc.suggested_clauses(ordinary) == [(4, 5)]  # 4⑤ in use before acceptance
    deep = at(world, wf.IN_PROGRESS, 5.5)
    assert deep.needs_monitoring
    assert svc.suggested_clauses(deep) == [(4, 5), (5, 3)]  # 5③ no third-party monitoring
    svc.reading_add(
        work=deep, by=world.users["pm"], point="D1", quantity="沉降", value="1", alarm_value="20"
    )
    assert svc.suggested_clauses(deep) == [(4, 5)]
    reported = at(world, wf.DRAFTING, 4)
    svc.report_site_started(
        work=reported, by=world.users["supervisor"], started_on=TODAY(), comment="开挖"
    )
    reported.refresh_from_db()
    assert svc.suggested_clauses(reported) == [(4, 4)]
    DangerousWork.objects.filter(pk=ordinary.pk).update(planned_end=yesterday)
    ordinary.refresh_from_db()
    assert svc.suggested_clauses(ordinary) == [(4, 5)]


def test_allowed_actions_for_a_user(world):
    work = at(world, wf.SUPERVISOR_REVIEW)
    assert svc.allowed_actions(work, world.users["engineer"]) == [
        wf.APPROVE_REVIEW,
        wf.RETURN_REVIEW,
    ]
    assert svc.allowed_actions(work, world.users["pm"]) == []
    assert svc.allowed_actions(work, world.users["supervisor"]) == []
    building = at(world, wf.IN_PROGRESS)
    assert svc.allowed_actions(building, world.users["supervisor"]) == [wf.SUSPEND]
    assert set(svc.allowed_actions(building, world.users["pm"])) == {
        wf.REQUEST_ACCEPTANCE,
        wf.SUSPEND,
        wf.REPORT_EMERGENCY,
        wf.CHANGE_PLAN,
    }
    assert MonitoringReading.objects.count() == 0 and WorkStep.objects.exists()


def test_a_plan_change_after_acceptance_needs_a_new_acceptance(world):
    work = walk(register(world, 4), world, wf.IN_PROGRESS)
    work = step(work, world, wf.REQUEST_ACCEPTANCE)
    work = step(work, world, wf.ACCEPT)
    assert work.accepted_at is not None
    work = step(work, world, wf.CHANGE_PLAN, comment="支护形式由放坡改为桩锚")
    assert work.accepted_at is None
    work = step(work, world, wf.SUBMIT)
    work = walk(work, world, wf.IN_PROGRESS)
    assert wf.COMPLETE not in svc.allowed_actions(work, world.users["pm"])
    assert wf.REQUEST_ACCEPTANCE in svc.allowed_actions(work, world.users["pm"])


def test_a_settled_site_started_report_does_not_come_back_with_a_plan_change(world):
    work = register(world, 4)
    svc.report_site_started(
        work=work, by=world.users["supervisor"], started_on=timezone.localdate(), comment="已开挖"
    )
    work.refresh_from_db()
    assert "started_before_approval" in {w.key for w in warnings_for(work)}
    work = walk(work, world, wf.DISCLOSED)
    assert work.site_started_reported_at is None
    assert work.steps.filter(action="site_started").exists()
    work = step(work, world, wf.CHANGE_PLAN, comment="变更")
    assert "started_before_approval" not in {w.key for w in warnings_for(work)}
