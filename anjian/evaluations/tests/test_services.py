"""考评 and 排名 use cases against the database: evaluation scoring and review, the final 考评
(triggers, the 10 % cap, objection and review), ranking facts, publishing and immutability, and
the ranking formula.

Messages are checked in English (translation.override("en")) so that the exact numbers in them
can be compared whatever the Chinese catalogue says.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.testing.personas import make_org, make_project, make_template, make_user
from anjian.evaluations import ranking
from anjian.evaluations import services as svc
from anjian.evaluations.models import (
    Accident,
    Evaluation,
    EvaluationSignature,
    FinalEvaluation,
    RankingConfig,
    RankingSnapshot,
)
from anjian.hazards.models import Hazard, RectificationNotice
from anjian.inspections.models import ChecklistTemplate, Inspection
from anjian.inspections.seeding import KEY_JGJ59, seed_clauses_and_templates
from anjian.inspections.testing import signature_data_url
from anjian.notifications.models import Notification
from anjian.projects.choices import ParticipantRole, ProjectRole
from anjian.projects.models import ProjectMember, ProjectParticipant

D = Decimal
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SIGNATURE = signature_data_url()


def at(y, m, d, h=0, mi=0, s=0) -> datetime.datetime:
    """An aware datetime in Beijing time."""
    return datetime.datetime(y, m, d, h, mi, s, tzinfo=SHANGHAI)


def refused(fn, **kwargs) -> DomainError:
    """Call `fn` expecting a DomainError (not a permission refusal); return it."""
    with translation.override("en"), pytest.raises(DomainError) as info:
        fn(**kwargs)
    assert not isinstance(info.value, NotAllowed), info.value
    return info.value


def forbidden(fn, **kwargs) -> NotAllowed:
    with translation.override("en"), pytest.raises(NotAllowed) as info:
        fn(**kwargs)
    return info.value


@pytest.fixture
def jgj59(world):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    return ChecklistTemplate.objects.get(key=KEY_JGJ59)


@pytest.fixture
def items(jgj59):
    return {item.code: item for item in svc.template_items(jgj59)}


@pytest.fixture
def u(world):
    return world.users


@pytest.fixture
def P(world):
    return world.projects["P"]


@pytest.fixture
def Q(world):
    return world.projects["Q"]


@pytest.fixture
def owner(world, P):
    """The 建设单位's project lead on P, with an account."""
    user = make_user("owner", world.orgs["builder"])
    ProjectMember.objects.create(
        project=P,
        role=ProjectRole.OWNER_LEAD,
        name="owner",
        user=user,
        organization=world.orgs["builder"],
    )
    return user


def this_month():
    return timezone.localdate().replace(day=1)


def by_code(items, mapping):
    return {str(items[code].pk): value for code, value in mapping.items()}


def self_evaluation(P, pm, items, mapping=None):
    evaluation = svc.evaluation_create(project=P, by=pm, kind="self", period=this_month())
    if mapping:
        evaluation = svc.evaluation_save(
            evaluation=evaluation, by=pm, answers=by_code(items, mapping)
        )
    return evaluation


# --- evaluation scoring ------------------------------------------------------------------------


def test_a_new_evaluation_without_deductions_scores_100(world, u, P, jgj59):
    evaluation = svc.evaluation_create(project=P, by=u["pm"], kind="self", period=this_month())
    assert evaluation.template == jgj59
    assert evaluation.status == Evaluation.Status.DRAFT
    assert evaluation.score == D("100.00")
    assert evaluation.grade == "EXCELLENT"
    assert len(evaluation.score_detail["tables"]) == 19


def test_the_evaluation_score_matches_a_hand_computed_jgj59_total(world, u, P, items):
    assert items["B.1-1"].is_guarantee and items["B.1-1"].points == 10  # 安全生产责任制
    assert not items["B.1-7"].is_guarantee and items["B.1-7"].points == 10  # 分包单位安全管理
    assert items["B.2-1"].is_guarantee and items["B.2-1"].points == 10  # 现场围挡
    assert not items["B.3-7"].is_guarantee and items["B.3-7"].points == 10  # 横向水平杆设置
    evaluation = self_evaluation(
        P, u["pm"], items, {"B.1-1": {"d": "4"}, "B.1-7": {"d": "6"}, "B.2-1": {"d": "3"}}
    )
    # B.1 = 100 − 4 − 6 = 90 (保证项目 60 − 4 = 56 ≥ 40, no item at 0) → 安全管理 10 × 90% = 9
    # B.2 = 100 − 3 = 97 → 文明施工 15 × 97% = 14.55
    # the other 8 categories at full marks: 10 + 10 + 10 + 10 + 10 + 10 + 10 + 5 = 75
    # total = 9 + 14.55 + 75 = 98.55 → 优良
    assert evaluation.score == D("98.55")
    assert evaluation.grade == "EXCELLENT"
    tables = {t["code"]: t for t in evaluation.score_detail["tables"]}
    assert tables["B.1"]["score"] == "90.00"
    assert tables["B.1"]["guarantee_subtotal"] == "56.00"
    assert tables["B.2"]["score"] == "97.00"
    categories = evaluation.score_detail["categories"]
    assert categories["MANAGE"]["converted"] == "9.00"
    assert categories["CIVIL"]["converted"] == "14.55"

    # add 10 on B.3-7: B.3 = 90; 脚手架 = mean of its 8 sheets = (90 + 7 × 100) / 8 = 98.75
    # → 10 × 98.75% = 9.875 (summed unrounded); total = 9 + 14.55 + 9.875 + 65 = 98.425 → 98.43
    evaluation = svc.evaluation_save(
        evaluation=evaluation,
        by=u["pm"],
        answers=by_code(
            items,
            {"B.1-1": {"d": "4"}, "B.1-7": {"d": "6"}, "B.2-1": {"d": "3"}, "B.3-7": {"d": "10"}},
        ),
    )
    assert evaluation.score_detail["categories"]["SCAFFOLD"]["score"] == "98.75"
    assert evaluation.score == D("98.43")

    # 门式钢管脚手架 B.4 not applicable (every item marked 缺项): 脚手架 = (90 + 6 × 100) / 7
    # = 98.571… → 98.57 → 9.857; total = 9 + 14.55 + 9.857 + 65 = 98.407 → 98.41
    mapping = {"B.1-1": {"d": "4"}, "B.1-7": {"d": "6"}, "B.2-1": {"d": "3"}, "B.3-7": {"d": "10"}}
    mapping.update({code: {"na": True} for code in items if code.startswith("B.4-")})
    evaluation = svc.evaluation_save(
        evaluation=evaluation, by=u["pm"], answers=by_code(items, mapping)
    )
    assert evaluation.score_detail["categories"]["SCAFFOLD"]["score"] == "98.57"
    assert evaluation.score == D("98.41")


def test_a_guarantee_item_at_zero_makes_the_table_zero_and_the_grade_fail(world, u, P, items):
    # B.1-1 loses all its 10 points → B.1 = 0 (zero rule) → 安全管理 0; total = 100 − 10 = 90,
    # but a table at 0 makes the grade 不合格
    evaluation = self_evaluation(P, u["pm"], items, {"B.1-1": {"d": "10"}})
    assert evaluation.score == D("90.00")
    assert evaluation.grade == "FAIL"
    b1 = evaluation.score_detail["tables"][0]
    assert (b1["code"], b1["score"], b1["zero_rule"]) == ("B.1", "0.00", "guarantee_item_zero")


def test_a_guarantee_subtotal_below_40_makes_the_table_zero(world, u, P, items):
    # B.1-1 … B.1-3 lose 7 each: 保证项目 60 − 21 = 39 < 40 → B.1 = 0
    evaluation = self_evaluation(P, u["pm"], items, {f"B.1-{i}": {"d": "7"} for i in (1, 2, 3)})
    b1 = evaluation.score_detail["tables"][0]
    assert (b1["score"], b1["zero_rule"]) == ("0.00", "guarantee_subtotal_below_40")
    assert evaluation.grade == "FAIL"


def test_clean_answers_normalises_and_drops_what_does_not_count(world, u, P, items):
    evaluation = svc.evaluation_create(project=P, by=u["pm"], kind="self", period=this_month())
    raw = by_code(
        items,
        {
            "B.1-1": {"d": " 4.50 "},
            "B.1-2": {"d": "0"},
            "B.1-3": {"d": ""},
            "B.1-4": None,
            "B.1-5": {"d": "9", "na": True},
        },
    )
    raw["999999"] = {"d": "5"}  # not an item of the template
    assert svc.clean_answers(evaluation, raw) == {
        str(items["B.1-1"].pk): {"d": "4.5", "na": False},
        str(items["B.1-5"].pk): {"d": "0", "na": True},
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10.5", "B.1-1: the deduction must be between 0 and 10."),
        ("-1", "B.1-1: the deduction must be between 0 and 10."),
        ("NaN", "B.1-1: the deduction must be between 0 and 10."),
        ("Infinity", "B.1-1: the deduction must be between 0 and 10."),
        ("abc", "B.1-1: the deduction must be a number."),
        ("4,5", "B.1-1: the deduction must be a number."),
    ],
)
def test_clean_answers_refuses_bad_deductions(world, u, P, items, value, message):
    evaluation = svc.evaluation_create(project=P, by=u["pm"], kind="self", period=this_month())
    error = refused(
        svc.clean_answers, evaluation=evaluation, raw=by_code(items, {"B.1-1": {"d": value}})
    )
    assert error.message == message
    assert error.field == f"d_{items['B.1-1'].pk}"


def test_a_deduction_is_capped_by_the_item_points_not_by_10(world, u, P, items):
    evaluation = svc.evaluation_create(project=P, by=u["pm"], kind="self", period=this_month())
    assert items["B.3-10"].points == 5  # 构配件材质
    error = refused(
        svc.clean_answers, evaluation=evaluation, raw=by_code(items, {"B.3-10": {"d": "6"}})
    )
    assert error.message == "B.3-10: the deduction must be between 0 and 5."
    assert svc.clean_answers(evaluation, by_code(items, {"B.3-10": {"d": "5"}})) == {
        str(items["B.3-10"].pk): {"d": "5", "na": False}
    }


def test_saving_is_all_or_nothing(world, u, P, items):
    evaluation = self_evaluation(P, u["pm"], items, {"B.1-7": {"d": "6"}})
    before = (evaluation.answers, evaluation.score, evaluation.remarks)
    refused(
        svc.evaluation_save,
        evaluation=evaluation,
        by=u["pm"],
        answers=by_code(items, {"B.1-8": {"d": "3"}, "B.1-9": {"d": "12"}}),
        remarks="新备注",
    )
    evaluation.refresh_from_db()
    assert (evaluation.answers, evaluation.score, evaluation.remarks) == before
    assert evaluation.score == D("99.40")  # B.1 = 94 → 9.4; 100 − 0.6 = 99.40


def test_an_evaluation_is_created_once_a_month_and_not_for_the_future(world, u, P, items):
    svc.evaluation_create(project=P, by=u["pm"], kind="self", period=timezone.localdate())
    error = refused(
        svc.evaluation_create, project=P, by=u["safety"], kind="self", period=this_month()
    )
    assert error.message == "This month has already been evaluated."
    next_month = (this_month() + datetime.timedelta(days=32)).replace(day=1)
    error = refused(svc.evaluation_create, project=P, by=u["pm"], kind="self", period=next_month)
    assert error.field == "period"
    error = refused(svc.evaluation_create, project=P, by=u["pm"], kind="other", period=None)
    assert error.field == "kind"


def test_the_evaluation_needs_the_published_jgj59_template(world, u, P):
    error = refused(svc.evaluation_create, project=P, by=u["pm"], kind="self", period=this_month())
    assert error.message == "The JGJ 59 checklist is not published."


# --- review flow -------------------------------------------------------------------------------


def test_the_supervision_alone_confirms_when_the_owner_has_no_account(world, u, P, items):
    evaluation = self_evaluation(P, u["pm"], items, {"B.1-7": {"d": "6"}})
    evaluation = svc.evaluation_submit(evaluation=evaluation, by=u["pm"], image_data=SIGNATURE)
    assert evaluation.status == Evaluation.Status.SUBMITTED
    assert evaluation.submitted_at is not None
    assert list(evaluation.signatures.values_list("role", "user")) == [("contractor", u["pm"].pk)]
    assert svc.required_reviews(P) == {"supervision"}
    evaluation = svc.evaluation_review(
        evaluation=evaluation, by=u["engineer"], agrees=True, opinion="同意", image_data=SIGNATURE
    )
    assert evaluation.status == Evaluation.Status.CONFIRMED
    assert evaluation.confirmed_at is not None
    signature = evaluation.signatures.get(role=EvaluationSignature.Role.SUPERVISION)
    assert (signature.user, signature.opinion, signature.agrees) == (u["engineer"], "同意", True)
    assert signature.image.read().startswith(b"\x89PNG")


def test_both_the_owner_and_the_supervision_sign_when_the_owner_has_an_account(
    world, u, P, items, owner
):
    assert svc.required_reviews(P) == {"supervision", "builder"}
    evaluation = self_evaluation(P, u["pm"], items)
    svc.evaluation_submit(evaluation=evaluation, by=u["safety"], image_data=SIGNATURE)
    evaluation = svc.evaluation_review(
        evaluation=evaluation, by=u["engineer"], agrees=True, opinion="同意", image_data=SIGNATURE
    )
    assert evaluation.status == Evaluation.Status.SUBMITTED  # the owner has not signed yet
    error = refused(
        svc.evaluation_review,
        evaluation=evaluation,
        by=u["engineer"],
        agrees=True,
        opinion="再次同意",
        image_data=SIGNATURE,
    )
    assert error.message == "Your unit has already reviewed this self-evaluation."
    evaluation = svc.evaluation_review(
        evaluation=evaluation, by=owner, agrees=True, opinion="情况属实", image_data=SIGNATURE
    )
    assert evaluation.status == Evaluation.Status.CONFIRMED
    assert set(evaluation.signatures.values_list("role", flat=True)) == {
        "contractor",
        "supervision",
        "builder",
    }


def test_an_inactive_owner_lead_is_not_required(world, u, P, owner):
    ProjectMember.objects.filter(project=P, role=ProjectRole.OWNER_LEAD).update(is_active=False)
    assert svc.required_reviews(P) == {"supervision"}


def test_a_returned_self_evaluation_is_corrected_and_resubmitted(world, u, P, items, owner):
    evaluation = self_evaluation(P, u["pm"], items, {"B.1-7": {"d": "6"}})
    svc.evaluation_submit(evaluation=evaluation, by=u["pm"], image_data=SIGNATURE)
    svc.evaluation_review(
        evaluation=evaluation, by=u["engineer"], agrees=True, opinion="同意", image_data=SIGNATURE
    )
    error = refused(
        svc.evaluation_review,
        evaluation=evaluation,
        by=owner,
        agrees=False,
        opinion="  ",
        image_data=SIGNATURE,
    )
    assert error.field == "opinion"
    evaluation = svc.evaluation_review(
        evaluation=evaluation,
        by=owner,
        agrees=False,
        opinion="分包管理扣分偏少",
        image_data=SIGNATURE,
    )
    assert evaluation.status == Evaluation.Status.RETURNED
    assert evaluation.confirmed_at is None
    # the contractor corrects and resubmits; the earlier reviews no longer count
    evaluation = svc.evaluation_save(
        evaluation=evaluation, by=u["pm"], answers=by_code(items, {"B.1-7": {"d": "8"}})
    )
    assert evaluation.score == D("99.20")  # B.1 = 92 → 9.2; 100 − 0.8
    evaluation = svc.evaluation_submit(evaluation=evaluation, by=u["pm"], image_data=SIGNATURE)
    assert evaluation.status == Evaluation.Status.SUBMITTED
    assert not evaluation.signatures.filter(role__in=["builder", "supervision"]).exists()
    svc.evaluation_review(
        evaluation=evaluation, by=owner, agrees=True, opinion="同意", image_data=SIGNATURE
    )
    evaluation = svc.evaluation_review(
        evaluation=evaluation, by=u["engineer"], agrees=True, opinion="同意", image_data=SIGNATURE
    )
    assert evaluation.status == Evaluation.Status.CONFIRMED
    assert evaluation.score == D("99.20")


def test_a_submitted_evaluation_can_no_longer_change(world, u, P, items):
    evaluation = self_evaluation(P, u["pm"], items)
    svc.evaluation_submit(evaluation=evaluation, by=u["pm"], image_data=SIGNATURE)
    error = refused(
        svc.evaluation_save,
        evaluation=evaluation,
        by=u["pm"],
        answers=by_code(items, {"B.1-7": {"d": "1"}}),
    )
    assert error.message == "The evaluation has been submitted and can no longer change."
    forbidden(svc.evaluation_submit, evaluation=evaluation, by=u["pm"], image_data=SIGNATURE)


def test_a_draft_cannot_be_reviewed(world, u, P, items):
    evaluation = self_evaluation(P, u["pm"], items)
    error = refused(
        svc.evaluation_review,
        evaluation=evaluation,
        by=u["engineer"],
        agrees=True,
        opinion="同意",
        image_data=SIGNATURE,
    )
    assert error.message == "Only a submitted self-evaluation can be reviewed."


def test_a_submission_needs_a_real_signature(world, u, P, items):
    evaluation = self_evaluation(P, u["pm"], items)
    refused(svc.evaluation_submit, evaluation=evaluation, by=u["pm"], image_data="not a png")
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DRAFT


@pytest.mark.parametrize("name", ["pm2", "leader", "outsider", "engineer", "supervisor", "grouphq"])
def test_only_the_contractor_writes_the_self_evaluation(world, u, P, jgj59, name):
    forbidden(svc.evaluation_create, project=P, by=u[name], kind="self", period=this_month())


@pytest.mark.parametrize("name", ["pm2", "leader", "outsider", "engineer"])
def test_only_the_contractor_edits_and_submits(world, u, P, items, name):
    evaluation = self_evaluation(P, u["pm"], items)
    forbidden(svc.evaluation_save, evaluation=evaluation, by=u[name], answers={})
    forbidden(svc.evaluation_submit, evaluation=evaluation, by=u[name], image_data=SIGNATURE)


@pytest.mark.parametrize("name", ["pm", "safety", "pm2", "leader", "chief", "outsider"])
def test_only_the_owner_lead_and_the_supervision_review(world, u, P, items, name):
    evaluation = self_evaluation(P, u["pm"], items)
    svc.evaluation_submit(evaluation=evaluation, by=u["pm"], image_data=SIGNATURE)
    forbidden(
        svc.evaluation_review,
        evaluation=evaluation,
        by=u[name],
        agrees=True,
        opinion="同意",
        image_data=SIGNATURE,
    )


def test_the_commission_evaluation_is_final_once_signed(
    world, u, P, items, django_capture_on_commit_callbacks
):
    evaluation = svc.evaluation_create(
        project=P, by=u["supervisor"], kind="agency", period=this_month()
    )
    evaluation = svc.evaluation_save(
        evaluation=evaluation, by=u["supervisor"], answers=by_code(items, {"B.2-7": {"d": "5"}})
    )
    # B.2 = 95 → 15 × 95% = 14.25; total 100 − 0.75 = 99.25
    assert evaluation.score == D("99.25")
    forbidden(svc.evaluation_save, evaluation=evaluation, by=u["pm"], answers={})
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = svc.evaluation_submit(
            evaluation=evaluation, by=u["supervisor"], image_data=SIGNATURE
        )
    assert evaluation.status == Evaluation.Status.CONFIRMED
    assert evaluation.signatures.get().role == "agency"
    notified = set(
        Notification.objects.filter(kind="evaluation.confirmed").values_list(
            "user__username", flat=True
        )
    )
    assert notified == {"pm", "safety"}


@pytest.mark.parametrize("name", ["pm", "engineer", "leader", "outsider", "admin"])
def test_only_the_supervisors_make_the_commission_evaluation(world, u, P, jgj59, name):
    forbidden(svc.evaluation_create, project=P, by=u[name], kind="agency", period=this_month())


def test_the_reviewers_are_notified_of_a_submission(
    world, u, P, items, owner, django_capture_on_commit_callbacks
):
    evaluation = self_evaluation(P, u["pm"], items)
    with django_capture_on_commit_callbacks(execute=True):
        svc.evaluation_submit(evaluation=evaluation, by=u["pm"], image_data=SIGNATURE)
    notified = set(
        Notification.objects.filter(kind="evaluation.submitted").values_list(
            "user__username", flat=True
        )
    )
    assert notified == {"engineer", "owner"}


# --- accidents ---------------------------------------------------------------------------------


def test_accident_record(world, u, P):
    data = {"occurred_on": datetime.date(2026, 5, 2), "level": "general", "description": "坠落"}
    accident = svc.accident_record(project=P, by=u["supervisor"], data=data)
    assert (accident.level, accident.is_liability, accident.deaths) == ("general", True, 0)
    forbidden(svc.accident_record, project=P, by=u["pm"], data=data)
    forbidden(svc.accident_record, project=P, by=u["outsider"], data=data)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    error = refused(
        svc.accident_record, project=P, by=u["chief"], data={**data, "occurred_on": tomorrow}
    )
    assert error.field == "occurred_on"
    error = refused(svc.accident_record, project=P, by=u["chief"], data={**data, "level": "x"})
    assert error.field == "level"
    error = refused(svc.accident_record, project=P, by=u["chief"], data={**data, "deaths": "x"})
    assert error.field == "deaths"


# --- the final 考评: triggers ----------------------------------------------------------------


def confirmed_self_evaluation(P, by, template, month):
    return Evaluation.objects.create(
        project=P,
        kind=Evaluation.Kind.SELF,
        period=month,
        template=template,
        created_by=by,
        status=Evaluation.Status.CONFIRMED,
        score=D("90"),
    )


def test_missing_self_evaluations_force_fail(world, u, P, jgj59):
    P.actual_start, P.actual_end = datetime.date(2026, 9, 10), datetime.date(2026, 10, 20)
    P.save()
    # September confirmed, October only submitted: October is missing
    confirmed_self_evaluation(P, u["pm"], jgj59, datetime.date(2026, 9, 1))
    Evaluation.objects.create(
        project=P,
        kind="self",
        period=datetime.date(2026, 10, 1),
        template=jgj59,
        created_by=u["pm"],
        status=Evaluation.Status.SUBMITTED,
        score=D("80"),
    )
    facts = svc.final_facts(P)
    assert facts["months"] == [datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)]
    assert facts["self_evaluated"] == [datetime.date(2026, 9, 1)]
    assert facts["self_mean"] == D("90.00")
    error = refused(svc.final_evaluate, project=P, by=u["supervisor"], result="pass")
    assert error.message == "The project must be graded 不合格: 未按规定开展月度自评：2026年10月"
    assert error.field == "result"
    refused(svc.final_evaluate, project=P, by=u["supervisor"], result="excellent", reasons="好")
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="fail", reasons="另查")
    assert final.result == FinalEvaluation.Result.FAIL
    assert final.triggers == [
        {"key": "no_self_evaluation", "text": "未按规定开展月度自评：2026年10月"}
    ]
    assert final.reasons == "未按规定开展月度自评：2026年10月；另查"
    assert final.responsible_org == world.orgs["contractor_a"]
    assert final.year == timezone.localdate().year
    assert final.number


def test_all_months_confirmed_no_trigger(world, u, P, jgj59):
    P.actual_start, P.actual_end = datetime.date(2026, 9, 10), datetime.date(2026, 10, 20)
    P.save()
    for month in (9, 10):
        confirmed_self_evaluation(P, u["pm"], jgj59, datetime.date(2026, month, 1))
    assert svc.final_facts(P)["triggers"] == []
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="pass")
    assert (final.result, final.responsible_org, final.triggers) == ("pass", None, [])


def test_a_liability_accident_forces_fail(world, u, P):
    Accident.objects.create(
        project=P,
        occurred_on=datetime.date(2026, 6, 3),
        level="general",
        is_liability=False,
        description="非责任事故",
        recorded_by=u["supervisor"],
    )
    assert svc.final_facts(P)["triggers"] == []  # not a liability accident
    svc.accident_record(
        project=P,
        by=u["supervisor"],
        data={"occurred_on": datetime.date(2026, 7, 8), "level": "larger", "description": "坍塌"},
    )
    error = refused(svc.final_evaluate, project=P, by=u["supervisor"], result="pass")
    assert error.message == (
        "The project must be graded 不合格: 发生生产安全责任事故：2026-07-08（较大事故）"
    )
    final = svc.final_evaluate(project=P, by=u["chief"], result="fail")
    assert [t["key"] for t in final.triggers] == ["accident"]
    assert final.reasons == "发生生产安全责任事故：2026-07-08（较大事故）"


def notice(project, kind, issued_at, by, number):
    return RectificationNotice.objects.create(
        agency=project.agency,
        project=project,
        kind=kind,
        number=number,
        issued_by=by,
        issued_at=issued_at,
    )


def test_two_stop_notices_within_a_year_force_fail(world, u, P):
    # 2026-01-09 20:00 UTC is 2026-01-10 04:00 in Beijing: the local date counts
    notice(
        P,
        "partial_stop",
        datetime.datetime(2026, 1, 9, 20, tzinfo=datetime.UTC),
        u["supervisor"],
        "S-1",
    )
    notice(P, "rectify", at(2026, 3, 1, 10), u["supervisor"], "R-1")
    assert svc.final_facts(P)["triggers"] == []  # one stop and one ordinary notice
    notice(P, "full_stop", at(2026, 6, 1, 10), u["supervisor"], "S-2")
    facts = svc.final_facts(P)
    assert facts["stops"] == [datetime.date(2026, 1, 10), datetime.date(2026, 6, 1)]
    assert [(t.key, t.text) for t in facts["triggers"]] == [
        ("two_stops", "一年内两次及以上因隐患被责令停工整改：2026-01-10、2026-06-01")
    ]
    refused(svc.final_evaluate, project=P, by=u["supervisor"], result="pass")
    assert svc.final_evaluate(project=P, by=u["supervisor"], result="fail").result == "fail"


def test_two_stop_notices_more_than_a_year_apart_do_not_force_fail(world, u, P):
    notice(P, "partial_stop", at(2025, 1, 10, 9), u["supervisor"], "S-1")
    notice(P, "full_stop", at(2026, 1, 11, 9), u["supervisor"], "S-2")
    assert svc.final_facts(P)["triggers"] == []


def test_the_final_evaluation_is_made_once_by_a_supervisor(world, u, P):
    for name in ("pm", "engineer", "leader", "admin", "outsider"):
        forbidden(svc.final_evaluate, project=P, by=u[name], result="pass")
    svc.final_evaluate(project=P, by=u["supervisor"], result="pass")
    error = refused(svc.final_evaluate, project=P, by=u["chief"], result="pass")
    assert error.message == "The project already has its final evaluation."


def test_a_result_other_than_pass_needs_reasons(world, u, P):
    assert refused(svc.final_evaluate, project=P, by=u["chief"], result="fail").field == "reasons"
    assert refused(svc.final_evaluate, project=P, by=u["chief"], result="bad").field == "result"


# --- the final 考评: the 10 % cap --------------------------------------------------------------


def due_this_year(world, count):
    """`count` projects of agency A due to finish this year (P and Q first)."""
    year = timezone.localdate().year
    projects = [world.projects["P"], world.projects["Q"]][:count]
    for project in projects:
        project.contract_end = datetime.date(year, 12, 31)
        project.save()
    for i in range(count - len(projects)):
        projects.append(
            make_project(
                f"到期项目{i}",
                world.streets["A1"],
                world.orgs["agency"],
                seq=20 + i,
                contract_end=datetime.date(year, 6, 30),
            )
        )
    return projects


def test_the_quota_counts_the_agency_projects_due_this_year(world):
    year = timezone.localdate().year
    due_this_year(world, 8)
    R = world.projects["R"]  # agency B: not counted
    R.contract_end = datetime.date(year, 3, 1)
    R.save()
    make_project(
        "去年合同到期今年竣工",
        world.streets["A2"],
        world.orgs["agency"],
        seq=40,
        contract_end=datetime.date(year - 1, 12, 1),
        actual_end=datetime.date(year, 2, 1),
    )
    make_project(
        "明年到期",
        world.streets["A2"],
        world.orgs["agency"],
        seq=41,
        contract_end=datetime.date(year + 1, 1, 1),
    )
    assert svc.excellent_quota(world.orgs["agency"], year) == (9, 0, 0)


def test_ten_projects_due_allow_one_excellent(world, u):
    year = timezone.localdate().year
    P, Q, *_rest = due_this_year(world, 10)
    assert svc.excellent_quota(world.orgs["agency"], year) == (10, 1, 0)
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="excellent", reasons="规范")
    assert final.result == "excellent" and final.responsible_org is None
    assert svc.excellent_quota(world.orgs["agency"], year) == (10, 1, 1)
    error = refused(
        svc.final_evaluate, project=Q, by=u["supervisor"], result="excellent", reasons="规范"
    )
    assert error.message == (
        "No more 优良 this year: at most 10% of the 10 projects due to finish "
        f"in {year} may be 优良 (1), and 1 already are."
    )
    assert error.field == "result"
    assert not FinalEvaluation.objects.filter(project=Q).exists()
    assert svc.final_evaluate(project=Q, by=u["supervisor"], result="pass").result == "pass"


def test_nine_projects_due_allow_no_excellent(world, u):
    year = timezone.localdate().year
    P, *_rest = due_this_year(world, 9)
    error = refused(
        svc.final_evaluate, project=P, by=u["supervisor"], result="excellent", reasons="规范"
    )
    assert error.message == (
        "No more 优良 this year: at most 10% of the 9 projects due to finish "
        f"in {year} may be 优良 (0), and 0 already are."
    )


def test_twenty_projects_due_allow_two_excellent(world, u):
    projects = due_this_year(world, 20)
    for project in projects[:2]:
        svc.final_evaluate(project=project, by=u["chief"], result="excellent", reasons="规范")
    error = refused(
        svc.final_evaluate, project=projects[2], by=u["chief"], result="excellent", reasons="规范"
    )
    assert "(2), and 2 already are." in error.message


def test_excellent_needs_reasons(world, u):
    P, *_rest = due_this_year(world, 10)
    error = refused(svc.final_evaluate, project=P, by=u["supervisor"], result="excellent")
    assert error.message == "Give the reasons for the result."


# --- objection and review ----------------------------------------------------------------------


def test_only_the_contractor_objects_and_only_once(world, u, P):
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="pass")
    for name in ("pm2", "engineer", "supervisor", "chief", "grouphq", "outsider"):
        forbidden(svc.final_object, final=final, by=u[name], objection="不服")
    assert refused(svc.final_object, final=final, by=u["pm"], objection=" ").field == "objection"
    final = svc.final_object(final=final, by=u["pm"], objection="应为优良")
    assert (final.status, final.objection, final.objected_by) == ("objected", "应为优良", u["pm"])
    error = refused(svc.final_object, final=final, by=u["safety"], objection="再次异议")
    assert error.message == "An objection can only be raised once, before the result is final."
    svc.final_review(final=final, by=u["chief"], result="pass", comment="维持合格")
    error = refused(svc.final_object, final=final, by=u["pm"], objection="还是不服")
    assert error.message == "An objection can only be raised once, before the result is final."


def test_only_the_chief_reviews_an_objection(world, u, P):
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="pass")
    error = refused(svc.final_review, final=final, by=u["chief"], result="pass", comment="维持")
    assert error.message == "There is no objection to review."
    svc.final_object(final=final, by=u["pm"], objection="应为优良")
    for name in ("supervisor", "leader", "admin", "pm", "outsider"):
        forbidden(svc.final_review, final=final, by=u[name], result="pass", comment="维持")
    assert (
        refused(svc.final_review, final=final, by=u["chief"], result="pass", comment="").field
        == "comment"
    )
    final = svc.final_review(final=final, by=u["chief"], result="pass", comment="维持合格")
    assert (final.status, final.result, final.original_result) == ("final", "pass", "pass")
    assert (final.reviewed_by, final.review_comment) == (u["chief"], "维持合格")


def test_the_review_rechecks_the_cap(world, u):
    year = timezone.localdate().year
    P, Q, *_rest = due_this_year(world, 10)
    svc.final_evaluate(project=Q, by=u["supervisor"], result="excellent", reasons="规范")
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="pass")
    svc.final_object(final=final, by=u["pm"], objection="应为优良")
    error = refused(
        svc.final_review, final=final, by=u["chief"], result="excellent", comment="改为优良"
    )
    assert error.message == (
        "No more 优良 this year: at most 10% of the 10 projects due to finish "
        f"in {year} may be 优良 (1), and 1 already are."
    )
    final.refresh_from_db()
    assert (final.status, final.result) == ("objected", "pass")


def test_a_reviewed_excellent_does_not_count_against_itself(world, u):
    P, *_rest = due_this_year(world, 10)
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="excellent", reasons="规范")
    svc.final_object(final=final, by=u["pm"], objection="理由表述有误")
    final = svc.final_review(final=final, by=u["chief"], result="excellent", comment="维持优良")
    assert (final.result, final.status) == ("excellent", "final")


def test_the_review_cannot_lift_a_triggered_fail(world, u, P):
    svc.accident_record(
        project=P,
        by=u["supervisor"],
        data={"occurred_on": datetime.date(2026, 7, 8), "level": "general", "description": "坠落"},
    )
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="fail")
    svc.final_object(final=final, by=u["pm"], objection="事故非我方责任")
    error = refused(svc.final_review, final=final, by=u["chief"], result="pass", comment="改判")
    assert error.message.startswith("The project must be graded 不合格: 发生生产安全责任事故")


def test_a_review_to_fail_names_the_responsible_unit(world, u, P):
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="pass")
    svc.final_object(final=final, by=u["pm"], objection="异议")
    final = svc.final_review(final=final, by=u["chief"], result="fail", comment="复核发现问题")
    assert (final.result, final.original_result) == ("fail", "pass")
    assert final.responsible_org == world.orgs["contractor_a"]


def test_a_review_from_fail_to_pass_clears_the_responsible_unit(world, u, P):
    final = svc.final_evaluate(project=P, by=u["supervisor"], result="fail", reasons="资料不全")
    assert final.responsible_org == world.orgs["contractor_a"]
    svc.final_object(final=final, by=u["pm"], objection="已补齐")
    final = svc.final_review(final=final, by=u["chief"], result="pass", comment="资料已补齐")
    assert final.responsible_org is None


# --- ranking facts -----------------------------------------------------------------------------


def inspection(project, score, finished_at, *, template, by, source="supervision", **extra):
    return Inspection.objects.create(
        project=project,
        agency=project.agency,
        template=template,
        created_by=by,
        source=source,
        status=extra.pop("status", "finished"),
        score=None if score is None else D(str(score)),
        started_at=finished_at - datetime.timedelta(hours=1),
        finished_at=finished_at,
        **extra,
    )


def hazard(project, *, found_at, grade="general", deadline=None, status="issued", **extra):
    return Hazard.objects.create(
        project=project,
        agency=project.agency,
        source="supervision",
        description="隐患",
        location="现场",
        grade=grade,
        found_at=found_at,
        deadline=deadline,
        status=status,
        **extra,
    )


@pytest.fixture
def october(world, u):
    """Inspections, hazards and notices in and around October 2026 (Beijing time).

    P (contractor A, group G): inspections 80, 90 (supervision) and 70 (remote) in October;
        1 重大隐患 and 1 partial stop in October.
    P2 (contractor A2, group G): one inspection 75.
    Q (contractor B, no group): inspections 60, 100; 2 overdue rectifications.
    """
    template = make_template(world)
    sup = u["supervisor"]
    P, Q, R = world.projects["P"], world.projects["Q"], world.projects["R"]
    a2 = make_org("京通建工集团第二工程有限公司", OrgKind.CONTRACTOR, group=world.orgs["group"])
    P2 = make_project("台湖镇C-07地块项目", world.streets["A1"], world.orgs["agency"], seq=50)
    ProjectParticipant.objects.create(project=P2, organization=a2, role=ParticipantRole.CONTRACTOR)
    ins = {"template": template, "by": sup}
    # P: in — the first instant and the last second of October, and a remote inspection
    inspection(P, 80, at(2026, 10, 1, 0, 0, 0), **ins)
    inspection(P, 90, at(2026, 10, 31, 23, 59, 59), **ins)
    inspection(P, 70, at(2026, 10, 15, 10), source="remote", **ins)
    # P: out — just before and just after October, a self-inspection, unfinished, unscored
    inspection(P, 10, at(2026, 9, 30, 23, 59, 59), **ins)
    inspection(P, 10, at(2026, 11, 1, 0, 0, 0), **ins)
    inspection(P, 10, at(2026, 10, 10, 9), source="self", **ins)
    inspection(P, 10, at(2026, 10, 10, 9), status="in_progress", **ins)
    inspection(P, None, at(2026, 10, 10, 9), **ins)
    # P2 and Q
    inspection(P2, 75, at(2026, 10, 20, 14), **ins)
    inspection(Q, 60, at(2026, 10, 15, 10), **ins)
    inspection(Q, 100, at(2026, 10, 20, 10), **ins)
    # R belongs to agency B: never in agency A's ranking
    inspection(R, 50, at(2026, 10, 20, 10), **ins)
    # 重大隐患 on P: one in October, one the last second of September, a general one and a
    # withdrawn one in October
    hazard(P, grade="major", found_at=at(2026, 10, 1, 0, 0, 0))
    hazard(P, grade="major", found_at=at(2026, 9, 30, 23, 59, 59))
    hazard(P, grade="general", found_at=at(2026, 10, 5, 9))
    hazard(P, grade="major", found_at=at(2026, 10, 6, 9), status="withdrawn")  # 撤销: no
    # stop notices on P: one the last minute of October, one at the start of November;
    # an ordinary rectification notice does not count
    notice(P, "partial_stop", at(2026, 10, 31, 23, 59), sup, "S-1")
    notice(P, "full_stop", at(2026, 11, 1, 0, 0), sup, "S-2")
    notice(P, "rectify", at(2026, 10, 10, 9), sup, "R-1")
    # overdue rectifications on Q (deadline in October)
    found = at(2026, 9, 20, 9)
    hazard(Q, found_at=found, deadline=at(2026, 10, 10, 17))  # still open: overdue
    hazard(  # replied after the deadline: overdue
        Q,
        found_at=found,
        deadline=at(2026, 10, 12, 17),
        status="replied",
        replied_at=at(2026, 10, 14, 9),
    )
    hazard(  # replied and closed in time: not overdue
        Q,
        found_at=found,
        deadline=at(2026, 10, 12, 17),
        status="closed",
        replied_at=at(2026, 10, 11, 9),
        closed_at=at(2026, 10, 11, 15),
    )
    hazard(  # replied in time, accepted by the supervisor after the deadline: not overdue
        Q,
        found_at=found,
        deadline=at(2026, 10, 12, 17),
        status="closed",
        replied_at=at(2026, 10, 12, 9),
        closed_at=at(2026, 10, 13, 10),
    )
    hazard(  # open, but its deadline was in September: September's overdue
        Q, found_at=found, deadline=at(2026, 9, 30, 17)
    )
    hazard(  # open, deadline in November: not yet
        Q, found_at=found, deadline=at(2026, 11, 5, 17)
    )
    hazard(  # withdrawn: never overdue
        Q, found_at=found, deadline=at(2026, 10, 8, 17), status="withdrawn"
    )
    return {"P": P, "P2": P2, "Q": Q, "a2": a2, "template": template}


def facts_by_project(facts):
    return {
        f.project_name: (
            f.unit_name,
            sorted(f.scores),
            f.major_hazards,
            f.stop_notices,
            f.overdue,
        )
        for f in facts
    }


def test_ranking_facts_of_contractors_for_october(world, october):
    facts = svc.ranking_facts(
        world.orgs["agency"], "contractor", datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)
    )
    assert facts_by_project(facts) == {
        "台湖镇B-03地块住宅项目": (
            "京通建工集团第一建筑工程有限公司",
            [D("70"), D("80"), D("90")],
            1,
            1,
            0,
        ),
        "台湖镇C-07地块项目": ("京通建工集团第二工程有限公司", [D("75")], 0, 0, 0),
        "梨园镇安置房项目": ("燕潞建设集团第三工程有限公司", [D("60"), D("100")], 0, 0, 2),
    }


def test_ranking_facts_of_groups_skip_contractors_without_a_group(world, october):
    facts = svc.ranking_facts(
        world.orgs["agency"], "group", datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)
    )
    assert {f.unit_name for f in facts} == {"京通建工集团有限公司"}
    assert {f.project_name for f in facts} == {"台湖镇B-03地块住宅项目", "台湖镇C-07地块项目"}


def test_ranking_facts_of_the_neighbouring_months(world, october):
    agency = world.orgs["agency"]
    september = facts_by_project(
        svc.ranking_facts(
            agency, "contractor", datetime.date(2026, 9, 1), datetime.date(2026, 9, 30)
        )
    )
    assert september == {
        "台湖镇B-03地块住宅项目": ("京通建工集团第一建筑工程有限公司", [D("10")], 1, 0, 0),
        "梨园镇安置房项目": ("燕潞建设集团第三工程有限公司", [], 0, 0, 1),
    }
    november = facts_by_project(
        svc.ranking_facts(
            agency, "contractor", datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
        )
    )
    # the inspection and the stop notice at 1 November 00:00 belong to November
    assert november["台湖镇B-03地块住宅项目"][1:4] == ([D("10")], 0, 1)


def test_overdue_counts_only_deadlines_already_past(world, october, monkeypatch):
    # Seen from 11 October noon only the deadline of 10 October has passed: the hazard still
    # open counts; those due on 12 October (replied or not) do not count yet.
    monkeypatch.setattr(svc.timezone, "now", lambda: at(2026, 10, 11, 12))
    facts = facts_by_project(
        svc.ranking_facts(
            world.orgs["agency"],
            "contractor",
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 31),
        )
    )
    assert facts["梨园镇安置房项目"][4] == 1


def test_ranking_preview_computes_the_hand_checked_numbers(world, october):
    start, end, label, formula, entries = svc.ranking_preview(
        agency=world.orgs["agency"],
        unit="contractor",
        period_type="month",
        day=datetime.date(2026, 10, 9),
    )
    assert (start, end, label) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
        "2026年10月",
    )
    assert formula == ranking.Formula()
    # B (Q): (60 + 100) / 2 = 80; 2 overdue × 1 = 2 → 78.00
    # A (P): (80 + 90 + 70) / 3 = 80; 1 重大 × 2 + 1 停工 × 5 = 7 → 73.00
    # A2 (P2): 1 inspection < 2 → not ranked
    assert [(e.unit_name, e.rank, e.score) for e in entries] == [
        ("燕潞建设集团第三工程有限公司", 1, D("78.00")),
        ("京通建工集团第一建筑工程有限公司", 2, D("73.00")),
        ("京通建工集团第二工程有限公司", None, None),
    ]
    # the group G: (80 + 90 + 70 + 75) / 4 = 315 / 4 = 78.75; penalty 7 → 71.75
    *_, entries = svc.ranking_preview(
        agency=world.orgs["agency"],
        unit="group",
        period_type="month",
        day=datetime.date(2026, 10, 9),
    )
    [group] = entries
    assert (group.unit_name, group.rank, group.score) == ("京通建工集团有限公司", 1, D("71.75"))
    contributions = {p["project_name"]: p for p in group.inputs()["projects"]}
    assert D(contributions["台湖镇B-03地块住宅项目"]["score_sum"]) == 240  # 80 + 90 + 70
    assert contributions["台湖镇B-03地块住宅项目"]["penalty"] == "7"
    assert contributions["台湖镇C-07地块项目"]["mean_score"] == "75.00"


def test_ranking_preview_refuses_unknown_units_and_periods(world):
    agency = world.orgs["agency"]
    day = datetime.date(2026, 10, 9)
    error = refused(svc.ranking_preview, agency=agency, unit="x", period_type="month", day=day)
    assert error.field == "unit"
    error = refused(
        svc.ranking_preview, agency=agency, unit="contractor", period_type="week", day=day
    )
    assert error.field == "period_type"


@pytest.mark.parametrize(
    ("period_type", "day", "expected"),
    [
        ("month", datetime.date(2028, 2, 10), ("2028-02-01", "2028-02-29", "2028年2月")),
        ("month", datetime.date(2026, 12, 31), ("2026-12-01", "2026-12-31", "2026年12月")),
        ("quarter", datetime.date(2026, 2, 10), ("2026-01-01", "2026-03-31", "2026年第1季度")),
        ("quarter", datetime.date(2026, 5, 31), ("2026-04-01", "2026-06-30", "2026年第2季度")),
        ("quarter", datetime.date(2026, 9, 30), ("2026-07-01", "2026-09-30", "2026年第3季度")),
        ("quarter", datetime.date(2026, 10, 1), ("2026-10-01", "2026-12-31", "2026年第4季度")),
        ("year", datetime.date(2026, 7, 4), ("2026-01-01", "2026-12-31", "2026年")),
    ],
)
def test_period_bounds(period_type, day, expected):
    start, end, label = svc.period_bounds(period_type, day)
    assert (start.isoformat(), end.isoformat(), label) == expected


# --- publishing and immutability ---------------------------------------------------------------


def test_publishing_stores_the_snapshot_with_its_inputs(
    world, u, october, django_capture_on_commit_callbacks
):
    agency = world.orgs["agency"]
    *_, entries = svc.ranking_preview(
        agency=agency, unit="contractor", period_type="month", day=datetime.date(2026, 10, 9)
    )
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = svc.ranking_publish(
            agency=agency,
            by=u["leader"],
            unit="contractor",
            period_type="month",
            day=datetime.date(2026, 10, 9),
        )
    assert (snapshot.label, snapshot.period_start, snapshot.period_end) == (
        "2026年10月",
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
    )
    assert snapshot.formula == {
        "min_inspections": 2,
        "major_penalty": "2",
        "stop_penalty": "5",
        "overdue_penalty": "1",
    }
    assert snapshot.published_by == u["leader"]
    stored = {
        e.organization_id: (e.name, e.rank, e.score, e.ranked, e.inputs)
        for e in snapshot.entries.all()
    }
    assert stored == {
        e.unit_id: (e.unit_name, e.rank, e.score, e.ranked, e.inputs()) for e in entries
    }
    assert len(stored) == 3
    a = snapshot.entries.get(organization=world.orgs["contractor_a"])
    assert a.inputs["mean_score"] == "80.00"
    assert a.inputs["penalty"] == "7"
    assert a.inputs["projects"][0]["project_name"] == "台湖镇B-03地块住宅项目"
    # every user of the ranked companies is told, nobody else
    notified = set(
        Notification.objects.filter(kind="ranking.published").values_list(
            "user__username", flat=True
        )
    )
    assert notified == {"pm", "safety", "pm2"}


def test_publishing_a_group_ranking_notifies_the_group(
    world, u, october, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = svc.ranking_publish(
            agency=world.orgs["agency"],
            by=u["chief"],
            unit="group",
            period_type="month",
            day=datetime.date(2026, 10, 1),
        )
    [entry] = snapshot.entries.all()
    assert (entry.organization, entry.rank, entry.score) == (
        world.orgs["group"],
        1,
        D("71.75"),
    )
    assert len(entry.inputs["projects"]) == 2
    assert set(
        Notification.objects.filter(kind="ranking.published").values_list(
            "user__username", flat=True
        )
    ) == {"grouphq"}


def test_the_same_period_is_published_once(world, u, october):
    agency = world.orgs["agency"]
    day = datetime.date(2026, 10, 9)
    svc.ranking_publish(
        agency=agency, by=u["leader"], unit="contractor", period_type="month", day=day
    )
    error = refused(
        svc.ranking_publish,
        agency=agency,
        by=u["chief"],
        unit="contractor",
        period_type="month",
        day=datetime.date(2026, 10, 31),
    )
    assert error.message == "This ranking has already been published."
    assert RankingSnapshot.objects.count() == 1
    # another unit kind or period type of the same month is a different ranking
    svc.ranking_publish(agency=agency, by=u["leader"], unit="group", period_type="month", day=day)
    assert RankingSnapshot.objects.count() == 2
    # a period that is not over (the fourth quarter, today being in November) is not published
    if timezone.localdate() <= datetime.date(2026, 12, 31):
        error = refused(
            svc.ranking_publish,
            agency=agency,
            by=u["leader"],
            unit="contractor",
            period_type="quarter",
            day=day,
        )
        assert "not over" in error.message or "尚未结束" in error.message


def test_nothing_to_rank_is_not_published(world, u):
    error = refused(
        svc.ranking_publish,
        agency=world.orgs["agency"],
        by=u["leader"],
        unit="contractor",
        period_type="month",
        day=datetime.date(2025, 1, 1),
    )
    assert error.message == "Nothing to rank in this period."


@pytest.mark.parametrize("name", ["supervisor", "admin", "pm", "grouphq", "engineer", "outsider"])
def test_only_the_leader_or_chief_of_the_agency_publishes(world, u, october, name):
    forbidden(
        svc.ranking_publish,
        agency=world.orgs["agency"],
        by=u[name],
        unit="contractor",
        period_type="month",
        day=datetime.date(2026, 10, 9),
    )
    assert not RankingSnapshot.objects.exists()


def test_a_leader_of_another_agency_cannot_publish(world, october):
    leader_b = make_user("leader_b", world.orgs["agency_b"], AgencyRole.LEADER)
    forbidden(
        svc.ranking_publish,
        agency=world.orgs["agency"],
        by=leader_b,
        unit="contractor",
        period_type="month",
        day=datetime.date(2026, 10, 9),
    )


def test_a_published_ranking_is_never_recomputed(world, u, october):
    agency = world.orgs["agency"]
    day = datetime.date(2026, 10, 9)
    snapshot = svc.ranking_publish(
        agency=agency, by=u["leader"], unit="contractor", period_type="month", day=day
    )
    stored = {e.name: (e.rank, e.score, e.inputs) for e in snapshot.entries.all()}
    # a late inspection of Q in October, and a new formula
    inspection(
        october["Q"],
        40,
        at(2026, 10, 25, 10),
        template=october["template"],
        by=u["supervisor"],
    )
    svc.ranking_config_save(
        agency=agency,
        by=u["admin"],
        data={
            "min_inspections": 1,
            "major_penalty": "0",
            "stop_penalty": "0",
            "overdue_penalty": "0",
        },
    )
    *_, entries = svc.ranking_preview(
        agency=agency, unit="contractor", period_type="month", day=day
    )
    # now: A (80 + 90 + 70) / 3 = 80; A2 75; B (60 + 100 + 40) / 3 = 66.666… → 66.67
    assert [(e.unit_name, e.rank, e.score) for e in entries] == [
        ("京通建工集团第一建筑工程有限公司", 1, D("80.00")),
        ("京通建工集团第二工程有限公司", 2, D("75.00")),
        ("燕潞建设集团第三工程有限公司", 3, D("66.67")),
    ]
    snapshot = RankingSnapshot.objects.get(pk=snapshot.pk)
    assert {e.name: (e.rank, e.score, e.inputs) for e in snapshot.entries.all()} == stored
    assert stored["燕潞建设集团第三工程有限公司"][:2] == (1, D("78.00"))
    assert snapshot.formula["stop_penalty"] == "5"


def test_stored_rows_refuse_to_be_saved_again(world, u, october):
    snapshot = svc.ranking_publish(
        agency=world.orgs["agency"],
        by=u["leader"],
        unit="contractor",
        period_type="month",
        day=datetime.date(2026, 10, 9),
    )
    snapshot.label = "改过的"
    with pytest.raises(ValidationError):
        snapshot.save()
    entry = snapshot.entries.get(rank=1)
    entry.score = D("99.99")
    with pytest.raises(ValidationError):
        entry.save()
    snapshot.refresh_from_db()
    entry.refresh_from_db()
    assert snapshot.label == "2026年10月"
    assert entry.score == D("78.00")


# --- the ranking formula -----------------------------------------------------------------------


def test_formula_for_uses_the_saved_config(world, u, october):
    agency = world.orgs["agency"]
    assert svc.formula_for(agency) == ranking.Formula()
    config = svc.ranking_config_save(
        agency=agency,
        by=u["admin"],
        data={
            "min_inspections": "3",
            "major_penalty": "1.5",
            "stop_penalty": " 4 ",
            "overdue_penalty": 0,
        },
    )
    assert (config.major_penalty, config.stop_penalty, config.overdue_penalty) == (
        D("1.50"),
        D("4.00"),
        D("0.00"),
    )
    assert svc.formula_for(agency) == ranking.Formula(
        min_inspections=3, major_penalty=D("1.5"), stop_penalty=D("4"), overdue_penalty=D("0")
    )
    # A (P): 3 inspections, (80 + 90 + 70) / 3 = 80 − (1.5 × 1 + 4 × 1) = 74.50;
    # B (Q): 2 inspections < 3 → not ranked; A2: 1 → not ranked
    *_, entries = svc.ranking_preview(
        agency=agency, unit="contractor", period_type="month", day=datetime.date(2026, 10, 1)
    )
    assert [(e.unit_name, e.rank, e.score) for e in entries] == [
        ("京通建工集团第一建筑工程有限公司", 1, D("74.50")),
        ("京通建工集团第二工程有限公司", None, None),
        ("燕潞建设集团第三工程有限公司", None, None),
    ]
    # saving again updates the same row
    svc.ranking_config_save(
        agency=agency,
        by=u["admin"],
        data={"min_inspections": 2, "major_penalty": 2, "stop_penalty": 5, "overdue_penalty": 1},
    )
    assert RankingConfig.objects.filter(agency=agency).count() == 1
    assert svc.formula_for(agency) == ranking.Formula()


GOOD = {"min_inspections": 2, "major_penalty": "2", "stop_penalty": "5", "overdue_penalty": "1"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_inspections", None),
        ("min_inspections", "abc"),
        ("min_inspections", "2.5"),
        ("min_inspections", 0),
        ("min_inspections", 101),
        ("major_penalty", None),
        ("major_penalty", "x"),
        ("stop_penalty", "-1"),
        ("stop_penalty", "100.01"),
        ("overdue_penalty", "NaN"),
        ("overdue_penalty", "Infinity"),
    ],
)
def test_ranking_config_validation(world, u, field, value):
    error = refused(
        svc.ranking_config_save,
        agency=world.orgs["agency"],
        by=u["admin"],
        data={**GOOD, field: value},
    )
    assert error.field == field
    assert not RankingConfig.objects.exists()


def test_ranking_config_limits_are_allowed(world, u):
    config = svc.ranking_config_save(
        agency=world.orgs["agency"],
        by=u["admin"],
        data={
            "min_inspections": 100,
            "major_penalty": "100",
            "stop_penalty": "0",
            "overdue_penalty": "0.25",
        },
    )
    assert (config.min_inspections, config.major_penalty, config.overdue_penalty) == (
        100,
        D("100.00"),
        D("0.25"),
    )


@pytest.mark.parametrize("name", ["leader", "chief", "supervisor", "pm", "grouphq"])
def test_only_administrators_change_the_formula(world, u, name):
    forbidden(svc.ranking_config_save, agency=world.orgs["agency"], by=u[name], data=GOOD)


def test_an_administrator_of_another_agency_cannot_change_the_formula(world):
    admin_b = make_user("admin_b", world.orgs["agency_b"], AgencyRole.ADMIN)
    forbidden(svc.ranking_config_save, agency=world.orgs["agency"], by=admin_b, data=GOOD)
