"""公文收发 through its services: audience, approval, receipts and replies, reminders, the 督办函
from the escalation ladder and incoming submissions; every service asserts its timeline event."""

import datetime
import os
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone, translation

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.accounts.models import AgencySettings, User
from anjian.core.errors import DomainError
from anjian.core.errors import PermissionDenied as NotAllowed
from anjian.core.testing.personas import make_org, make_project, make_user
from anjian.documents import services as svc
from anjian.documents.models import (
    Attachment,
    Document,
    DocumentEvent,
    DocumentKind,
    DocumentStatus,
    Recipient,
    Reply,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from anjian.documents.testing import PDF_BYTES, docx_bytes, draft, in_days, sent, xlsx_bytes
from anjian.notifications.models import Notification
from anjian.projects.choices import ParticipantRole, ProjectStatus, SupervisionStatus
from anjian.projects.models import ProjectMember, ProjectParticipant

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
ALL_UNITS = ["contractor", "supervision", "builder"]


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): ...` runs the on-commit callbacks (the notifications) at the end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def year() -> int:
    return timezone.localdate().year


def events(document) -> list[str]:
    return list(document.events.values_list("action", flat=True))


def told(kind: str, **filters) -> set[str]:
    """Usernames that received a notification of `kind`."""
    return set(
        Notification.objects.filter(kind=kind, **filters).values_list("user__username", flat=True)
    )


def count(kind: str, username: str) -> int:
    return Notification.objects.filter(kind=kind, user__username=username).count()


def inboxes(world, agency="agency", **audience) -> set[tuple]:
    """The audience's inboxes as (org name, project name or None, unit), by the world's names."""
    orgs = {org.pk: name for name, org in world.orgs.items()}
    projects = {project.pk: name for name, project in world.projects.items()}
    resolved = svc.resolve_audience(world.orgs[agency], audience)
    assert len(resolved) == len(set(resolved)), "an inbox came twice"
    assert len(resolved) == len({(o, p) for o, p, _ in resolved}), "an inbox came twice"
    return {(orgs[o], projects.get(p) if p else None, unit) for o, p, unit in resolved}


def rows(document) -> set[tuple]:
    return set(document.recipients.values_list("organization__name", "project__name", "unit"))


def working_days_after(day: datetime.date, n: int) -> datetime.date:
    while n:
        day += datetime.timedelta(days=1)
        if day.isoweekday() <= 5:
            n -= 1
    return day


def at_six_pm(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(18, 0), tzinfo=timezone.get_current_timezone()
    )


def row_of(document, org, project=None) -> Recipient:
    return Recipient.objects.get(document=document, organization=org, project=project)


def media_files() -> int:
    root = os.path.join(settings.MEDIA_ROOT, "documents")
    return sum(len(files) for _dir, _subdirs, files in os.walk(root))


@pytest.fixture
def clerk(world):
    """A user of contractor A who is a member of no project (company staff)."""
    user = make_user("clerk", world.orgs["contractor_a"])
    world.users["clerk"] = user
    return user


@pytest.fixture
def supervisor2(world):
    user = make_user("supervisor2", world.orgs["agency"], AgencyRole.SUPERVISOR)
    world.users["supervisor2"] = user
    return user


@pytest.fixture
def both(world):
    """A 通知 sent to the contractor teams of P (street A1) and Q (street A2), receipt in 3 days,
    reply in 7, with the agency's reminders a day and 4 hours before."""
    settings_row = AgencySettings.for_agency(world.orgs["agency"])
    settings_row.document_reminder_hours = [24, 4]
    settings_row.save()
    return sent(world, audience={"streets": [world.streets["A1"].pk, world.streets["A2"].pk]})


# --- the audience -------------------------------------------------------------------------------


def test_all_projects_reach_the_contractor_team_of_each_active_project_of_the_agency(world):
    assert inboxes(world, all_projects=True) == {
        ("contractor_a", "P", "contractor"),
        ("contractor_b", "Q", "contractor"),
    }


def test_a_street_reaches_the_chosen_units_of_its_projects(world):
    a1 = world.streets["A1"].pk
    assert inboxes(world, streets=[a1], units=ALL_UNITS) == {
        ("contractor_a", "P", "contractor"),
        ("firm", "P", "supervision"),
        ("builder", "P", "builder"),
    }
    assert inboxes(world, streets=[a1], units=["supervision"]) == {("firm", "P", "supervision")}
    assert inboxes(world, streets=[a1], units=["builder"]) == {("builder", "P", "builder")}
    assert inboxes(world, streets=[world.streets["A2"].pk], units=["supervision", "builder"]) == (
        set()
    )


def test_units_default_to_the_contractor_and_unknown_units_are_ignored(world):
    a1 = world.streets["A1"].pk
    expected = {("contractor_a", "P", "contractor")}
    assert inboxes(world, streets=[a1]) == expected
    assert inboxes(world, streets=[a1], units=["bogus"]) == expected


def test_named_projects_reach_their_teams(world):
    assert inboxes(world, projects=[world.projects["Q"].pk], units=ALL_UNITS) == {
        ("contractor_b", "Q", "contractor")
    }


def test_company_kinds_reach_the_companies_taking_part_in_active_projects(world):
    # A contractor working only on agency B's project R is not reached.
    world.orgs["contractor_c"] = make_org("顺义建工有限公司", OrgKind.CONTRACTOR)
    ProjectParticipant.objects.create(
        project=world.projects["R"],
        organization=world.orgs["contractor_c"],
        role=ParticipantRole.CONTRACTOR,
    )
    assert inboxes(world, org_kinds=["contractor"]) == {
        ("contractor_a", None, ""),
        ("contractor_b", None, ""),
    }
    assert inboxes(world, org_kinds=["supervision", "builder"]) == {
        ("firm", None, ""),
        ("builder", None, ""),
    }
    assert inboxes(world, org_kinds=["group"]) == {("group", None, "")}
    assert inboxes(world, org_kinds=["agency", "nonsense"]) == set()


def test_all_groups_reach_the_group_hq_of_companies_on_active_projects(world):
    # Group H's only company works on agency B's project R: H is not reached.
    world.orgs["group_h"] = make_org("顺通集团", OrgKind.GROUP)
    world.orgs["contractor_h"] = make_org(
        "顺通集团第二工程有限公司", OrgKind.CONTRACTOR, group=world.orgs["group_h"]
    )
    ProjectParticipant.objects.create(
        project=world.projects["R"],
        organization=world.orgs["contractor_h"],
        role=ParticipantRole.CONTRACTOR,
    )
    assert inboxes(world, all_groups=True) == {("group", None, "")}


def test_named_organisations_are_reached_but_never_an_agency_or_an_inactive_one(world):
    world.orgs["closed"] = make_org("已注销建筑有限公司", OrgKind.CONTRACTOR, is_active=False)
    named = [world.orgs[n].pk for n in ("builder", "group", "closed")]
    named += [world.orgs["agency"].pk, world.orgs["agency_b"].pk]
    assert inboxes(world, organizations=named) == {("builder", None, ""), ("group", None, "")}


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", ProjectStatus.COMPLETED), ("supervision_status", SupervisionStatus.SUSPENDED)],
)
def test_inactive_projects_are_left_out_of_streets_and_all_but_reached_when_named(
    world, field, value
):
    q = world.projects["Q"]
    setattr(q, field, value)
    q.save(update_fields=[field])
    assert inboxes(world, all_projects=True) == {("contractor_a", "P", "contractor")}
    assert inboxes(world, streets=[world.streets["A2"].pk]) == set()
    assert inboxes(world, org_kinds=["contractor"]) == {("contractor_a", None, "")}
    assert inboxes(world, projects=[q.pk]) == {("contractor_b", "Q", "contractor")}


def test_all_groups_leave_out_groups_whose_companies_have_no_active_project(world):
    p = world.projects["P"]
    p.status = ProjectStatus.COMPLETED
    p.save(update_fields=["status"])
    assert inboxes(world, all_groups=True) == set()


def test_agency_b_projects_are_never_reached(world):
    r = world.projects["R"]
    assert inboxes(world, streets=[world.streets["B1"].pk]) == set()
    assert inboxes(world, projects=[r.pk], units=ALL_UNITS) == set()
    assert ("contractor_a", "R", "contractor") not in inboxes(world, all_projects=True)
    # …while agency B reaches its own project.
    assert inboxes(world, agency="agency_b", all_projects=True) == {
        ("contractor_a", "R", "contractor")
    }


def test_overlapping_choices_give_each_inbox_once(world):
    ProjectParticipant.objects.create(
        project=world.projects["P"], organization=world.orgs["firm"], role=ParticipantRole.BUILDER
    )
    p, q = world.projects["P"].pk, world.projects["Q"].pk
    audience = {
        "all_projects": True,
        "streets": [world.streets["A1"].pk, world.streets["A2"].pk, world.streets["A1"].pk],
        "projects": [p, q, p],
        "units": ALL_UNITS,
        "org_kinds": ["contractor", "group"],
        "organizations": [world.orgs["contractor_a"].pk, world.orgs["group"].pk],
        "all_groups": True,
    }
    # The firm is supervision and builder on P: still one inbox (`inboxes` checks no pair twice).
    assert {(org, project) for org, project, _unit in inboxes(world, **audience)} == {
        ("contractor_a", "P"),
        ("firm", "P"),
        ("builder", "P"),
        ("contractor_b", "Q"),
        ("contractor_a", None),
        ("contractor_b", None),
        ("group", None),
    }
    assert svc.audience_summary(world.orgs["agency"], audience) == {
        "inboxes": 7,
        "projects": 2,
        "organizations": 5,
    }


def test_malformed_audience_ids_are_refused(world):
    with pytest.raises(DomainError) as excinfo:
        svc.clean_audience({"streets": ["台湖镇"]})
    assert excinfo.value.field == "audience"
    assert svc.clean_audience({"projects": ["3", 3, -1, 0], "units": []})["projects"] == [3]


# --- drafting and approval ----------------------------------------------------------------------


def test_a_supervisor_submits_and_the_chief_and_leader_are_asked_to_approve(world, commit):
    with commit():
        document = draft(world)
        document = svc.document_submit(document=document, by=world.users["supervisor"])
    assert document.status == DocumentStatus.PENDING and document.submitted_at
    assert document.number == "" and not document.recipients.exists()
    assert events(document) == ["created", "submitted"]
    assert told("document_approve") == {"chief", "leader"}
    assert document.attachments.get().filename == "通知.pdf"


@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_staff_who_are_not_approvers_cannot_approve(world, persona):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    with pytest.raises(NotAllowed):
        svc.document_approve(document=document, by=world.users[persona])
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING and document.number == ""
    assert not document.recipients.exists()
    assert events(document) == ["created", "submitted"]


@pytest.mark.parametrize("persona", ["outsider", "pm", "grouphq"])
def test_outsiders_cannot_approve(world, persona):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    with pytest.raises(NotAllowed):
        svc.document_approve(document=document, by=world.users[persona])
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING


def test_the_chief_approves_numbers_and_sends_to_the_project_members(world, clerk, commit):
    with commit():
        document = sent(world)
    assert document.status == DocumentStatus.SENT
    assert document.number == f"安监通〔{year()}〕1号"
    assert document.approved_by == world.users["chief"] and document.sent_at
    assert document.year == year() and document.recipient_count == 1
    assert rows(document) == {
        (world.orgs["contractor_a"].name, world.projects["P"].name, "contractor")
    }
    assert events(document) == ["created", "submitted", "sent"]
    sent_event = document.events.get(action=DocumentEvent.Action.SENT)
    assert sent_event.actor == world.users["chief"]
    assert sent_event.payload == {"recipients": 1, "number": document.number}
    # The project inbox reaches contractor A's members of P, not the company's other staff.
    assert told("document") == {"pm", "safety", "supervisor"}
    row = document.recipients.get()
    assert set(
        Notification.objects.filter(kind="document", url=row.get_absolute_url()).values_list(
            "user__username", flat=True
        )
    ) == {"pm", "safety"}
    # The drafter is told it went out.
    assert Notification.objects.filter(
        kind="document", user=world.users["supervisor"], url=document.get_absolute_url()
    ).exists()

    assert sent(world).number == f"安监通〔{year()}〕2号"
    assert sent(world, kind="bulletin").number == f"安监通报〔{year()}〕1号"


def test_a_leader_approves_too(world):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    document = svc.document_approve(document=document, by=world.users["leader"], comment="同意")
    assert document.status == DocumentStatus.SENT and document.approved_by == world.users["leader"]
    assert document.events.get(action="sent").comment == "同意"


def test_a_chiefs_own_draft_is_sent_when_submitted(world, commit):
    with commit():
        document = draft(world, by="chief")
        document = svc.document_submit(document=document, by=world.users["chief"])
    assert document.status == DocumentStatus.SENT
    assert document.approved_by == world.users["chief"]
    assert document.number == f"安监通〔{year()}〕1号"
    assert events(document) == ["created", "sent"]
    assert told("document_approve") == set()
    assert told("document") == {"pm", "safety"}  # nobody else to tell it went out


def test_a_project_inbox_falls_back_to_the_company_office_when_no_member_has_an_account(
    world, commit
):
    make_user("builder_staff", world.orgs["builder"])
    # A builder user on another project (Q) is not office staff: not told of P's inbox.
    on_q = make_user("builder_on_q", world.orgs["builder"])
    ProjectMember.objects.create(
        project=world.projects["Q"], role="pm", name="builder_on_q", user=on_q
    )
    make_user("firm_staff", world.orgs["firm"])
    make_user("q_staff", world.orgs["contractor_b"])
    with commit():
        sent(
            world,
            audience={
                "streets": [world.streets["A1"].pk, world.streets["A2"].pk],
                "units": ALL_UNITS,
            },
        )
    # builder: nobody of it is a member of P → its office staff; firm: the engineer is the
    # member; contractor B on Q: pm2 is the member, the office staff member is not told.
    assert told("document") - {"supervisor"} == {"pm", "safety", "engineer", "builder_staff", "pm2"}


def test_an_inactive_member_does_not_count_as_the_team(world, commit):
    ProjectMember.objects.filter(user=world.users["pm2"]).update(is_active=False)
    make_user("q_staff", world.orgs["contractor_b"])
    with commit():
        sent(world, audience={"streets": [world.streets["A2"].pk]})
    assert told("document") - {"supervisor"} == {"pm2", "q_staff"}


def test_a_company_inbox_reaches_all_its_users(world, clerk, commit):
    with commit():
        sent(world, audience={"organizations": [world.orgs["contractor_a"].pk]})
    assert told("document") - {"supervisor"} == {"pm", "safety", "clerk"}


def test_the_supervision_unit_reaches_the_engineer(world, commit):
    with commit():
        document = sent(
            world, audience={"projects": [world.projects["P"].pk], "units": ["supervision"]}
        )
    assert rows(document) == {(world.orgs["firm"].name, world.projects["P"].name, "supervision")}
    assert told("document") - {"supervisor"} == {"engineer"}


def test_returning_needs_a_comment_and_tells_the_drafter(world, commit):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    with pytest.raises(DomainError) as excinfo:
        svc.document_return(document=document, by=world.users["chief"], comment="  ")
    assert excinfo.value.field == "comment"
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.PENDING
    with commit():
        document = svc.document_return(
            document=document, by=world.users["chief"], comment="请补充检查时间"
        )
    assert document.status == DocumentStatus.DRAFT
    assert events(document) == ["created", "submitted", "returned"]
    assert document.events.get(action="returned").comment == "请补充检查时间"
    note = Notification.objects.get(kind="document", user=world.users["supervisor"])
    assert note.body == "请补充检查时间"
    # The drafter edits and submits again.
    svc.document_save(
        by=world.users["supervisor"],
        document=document,
        fields={**_fields(world), "body": "检查时间：12月1日至5日。"},
    )
    svc.document_submit(document=document, by=world.users["supervisor"])
    assert events(document) == ["created", "submitted", "returned", "edited", "submitted"]


def test_withdrawing_a_sent_document_needs_a_reason_and_tells_its_inboxes(world, commit):
    document = sent(world)
    with pytest.raises(DomainError) as excinfo:
        svc.document_withdraw(document=document, by=world.users["supervisor"], comment="")
    assert excinfo.value.field == "comment"
    before = {name: count("document", name) for name in ("pm", "safety", "pm2")}
    with commit():
        document = svc.document_withdraw(
            document=document, by=world.users["supervisor"], comment="内容有误，另行发文"
        )
    assert document.status == DocumentStatus.WITHDRAWN and document.withdrawn_at
    assert events(document)[-1] == "withdrawn"
    assert count("document", "pm") == before["pm"] + 1
    assert count("document", "safety") == before["safety"] + 1
    assert count("document", "pm2") == before["pm2"]
    assert Notification.objects.filter(user=world.users["pm"], body="内容有误，另行发文").exists()


def test_withdrawing_a_pending_document_tells_no_inbox(world, commit):
    document = draft(world)
    svc.document_submit(document=document, by=world.users["supervisor"])
    with commit():
        svc.document_withdraw(document=document, by=world.users["supervisor"], comment="暂缓")
    assert told("document") == set()
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.WITHDRAWN


def _fields(world, **extra) -> dict:
    values = {
        "kind": "notice",
        "title": "关于开展冬季施工安全专项检查的通知",
        "body": "请各单位自查。",
        "audience": {"streets": [world.streets["A1"].pk]},
        "sign_required": True,
        "sign_deadline": in_days(3),
        "reply_required": True,
        "reply_deadline": in_days(7),
    }
    values.update(extra)
    return values


def test_only_drafts_can_be_edited(world, supervisor2):
    document = draft(world)
    edited = svc.document_save(
        by=world.users["supervisor"], document=document, fields=_fields(world, title="新标题")
    )
    assert edited.title == "新标题" and events(edited) == ["created", "edited"]
    # An approver may edit a draft; another supervisor and companies may not.
    svc.document_save(by=world.users["chief"], document=document, fields=_fields(world))
    with pytest.raises(DomainError):
        svc.document_save(by=supervisor2, document=document, fields=_fields(world, title="改"))
    with pytest.raises(NotAllowed):
        svc.document_save(
            by=world.users["pm"], document=document, fields=_fields(world, title="改")
        )

    svc.document_submit(document=document, by=world.users["supervisor"])
    with pytest.raises(DomainError):
        svc.document_save(by=world.users["supervisor"], document=document, fields=_fields(world))
    svc.document_approve(document=document, by=world.users["chief"])
    for persona in ("supervisor", "chief"):
        with pytest.raises(DomainError):
            svc.document_save(
                by=world.users[persona], document=document, fields=_fields(world, title="改")
            )
    document.refresh_from_db()
    assert document.title == "关于开展冬季施工安全专项检查的通知"
    assert events(document) == ["created", "edited", "edited", "submitted", "sent"]


def test_another_supervisors_draft_is_refused_as_a_matter_of_role(world, supervisor2):
    # A refused role is a 403 (PermissionDenied), a wrong status a 400 (plain DomainError).
    document = draft(world)
    with pytest.raises(NotAllowed):
        svc.document_save(by=supervisor2, document=document, fields=_fields(world, title="改"))
    with pytest.raises(NotAllowed):
        svc.document_submit(document=document, by=supervisor2)
    svc.document_submit(document=document, by=world.users["supervisor"])
    with pytest.raises(DomainError) as excinfo:
        svc.document_save(by=world.users["supervisor"], document=document, fields=_fields(world))
    assert not isinstance(excinfo.value, NotAllowed)
    with pytest.raises(DomainError) as excinfo:
        svc.document_submit(document=document, by=world.users["supervisor"])
    assert not isinstance(excinfo.value, NotAllowed)
    assert Document.objects.get(pk=document.pk).title == "关于开展冬季施工安全专项检查的通知"


@pytest.mark.parametrize("persona", ["pm", "admin", "grouphq"])
def test_only_supervisors_chiefs_and_leaders_draft(world, persona):
    with pytest.raises(NotAllowed):
        svc.document_save(by=world.users[persona], fields=_fields(world))
    assert not Document.objects.exists()


def test_a_supervision_letter_cannot_be_drafted_by_hand(world):
    with pytest.raises(DomainError) as excinfo:
        svc.document_save(
            by=world.users["supervisor"],
            fields=_fields(world, kind=DocumentKind.SUPERVISION_LETTER),
        )
    assert excinfo.value.field == "kind"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"sign_deadline": timezone.now}, "sign_deadline"),
        ({"reply_deadline": timezone.now}, "reply_deadline"),
        ({"reply_deadline": None}, "reply_deadline"),
        ({"title": "  "}, "title"),
        ({"title": "标" * 201}, "title"),
        ({"kind": "memo"}, "kind"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_saved(world, extra, field):
    extra = {k: (v() - H if callable(v) else v) for k, v in extra.items()}
    with pytest.raises(DomainError) as excinfo:
        svc.document_save(
            by=world.users["supervisor"],
            fields=_fields(world, **extra),
            files=[("通知.pdf", PDF_BYTES)],
        )
    assert excinfo.value.field == field
    assert not Document.objects.exists() and not Attachment.objects.exists()


def test_a_sign_deadline_after_the_reply_deadline_is_refused(world):
    with pytest.raises(DomainError) as excinfo:
        svc.document_save(
            by=world.users["supervisor"],
            fields=_fields(world, sign_deadline=in_days(8), reply_deadline=in_days(7)),
        )
    assert excinfo.value.field == "sign_deadline"
    # The same day is fine.
    document = svc.document_save(
        by=world.users["supervisor"],
        fields=_fields(world, sign_deadline=in_days(7), reply_deadline=in_days(7)),
    )
    assert document.sign_deadline == document.reply_deadline


def test_a_reply_implies_a_receipt_whose_deadline_is_checked_too(world):
    # Asking for a reply makes the receipt required: its deadline is checked like any other.
    with pytest.raises(DomainError) as excinfo:
        svc.document_save(
            by=world.users["supervisor"],
            fields=_fields(
                world, sign_required=False, sign_deadline=in_days(9), reply_deadline=in_days(7)
            ),
        )
    assert excinfo.value.field == "sign_deadline"
    with pytest.raises(DomainError):
        svc.document_save(
            by=world.users["supervisor"],
            fields=_fields(world, sign_required=False, sign_deadline=timezone.now() - H),
        )


def test_a_document_without_required_receipt_or_reply_keeps_no_deadlines(world):
    document = svc.document_save(
        by=world.users["supervisor"],
        fields=_fields(world, sign_required=False, reply_required=False),
    )
    assert not document.sign_required and document.sign_deadline is None
    assert not document.reply_required and document.reply_deadline is None


def test_the_receipt_deadline_defaults_to_the_agencys_working_days(world):
    settings_row = AgencySettings.for_agency(world.orgs["agency"])
    settings_row.document_sign_days = 2
    settings_row.save()
    document = draft(world, sign_deadline=None, reply_required=False, reply_deadline=None)
    assert document.sign_required and document.sign_deadline is None
    document = svc.document_submit(document=document, by=world.users["chief"])
    expected = working_days_after(timezone.localdate(), 2)
    assert document.sign_deadline == at_six_pm(expected)


def test_a_document_without_recipients_cannot_be_submitted(world):
    for audience in ({}, {"streets": [world.streets["B1"].pk]}, {"projects": [999999]}):
        document = draft(world, audience=audience)
        for persona in ("supervisor", "chief"):
            with pytest.raises(DomainError):
                svc.document_submit(document=document, by=world.users[persona])
        document.refresh_from_db()
        assert document.status == DocumentStatus.DRAFT and events(document) == ["created"]
    assert not Recipient.objects.exists()


def test_a_deadline_that_passed_before_approval_is_refused(world):
    document = draft(world, sign_deadline=in_days(1), reply_deadline=in_days(7))
    svc.document_submit(document=document, by=world.users["supervisor"])
    later = document.sign_deadline + H
    with mock.patch("django.utils.timezone.now", return_value=later):
        with pytest.raises(DomainError):
            svc.document_approve(document=document, by=world.users["chief"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING and document.number == ""


def test_nothing_is_half_saved_when_a_file_is_bad(world):
    files_before = media_files()
    bad = [("通知.pdf", PDF_BYTES), ("附件.docx", xlsx_bytes())]  # an Excel file called .docx
    with pytest.raises(DomainError) as excinfo:
        svc.document_save(by=world.users["supervisor"], fields=_fields(world), files=bad)
    assert excinfo.value.field == "files"
    assert not Document.objects.exists()
    assert not Attachment.objects.exists() and not DocumentEvent.objects.exists()
    assert media_files() == files_before

    document = draft(world)
    with pytest.raises(DomainError):
        svc.document_save(
            by=world.users["supervisor"],
            document=document,
            fields=_fields(world, title="改过的标题"),
            files=bad,
        )
    document.refresh_from_db()
    assert document.title != "改过的标题" and document.attachments.count() == 1
    assert events(document) == ["created"]


def test_at_most_ten_attachments(world):
    document = draft(world)  # one attachment already
    with pytest.raises(DomainError):
        svc.document_save(
            by=world.users["supervisor"],
            document=document,
            fields=_fields(world),
            files=[(f"附件{i}.pdf", PDF_BYTES) for i in range(10)],
        )
    assert document.attachments.count() == 1


# --- the recipient's side -----------------------------------------------------------------------


def test_another_company_cannot_act_on_project_ps_row(world, both):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    for action in (svc.recipient_open, svc.recipient_sign):
        with pytest.raises(NotAllowed):
            action(recipient=row, by=world.users["pm2"])
    with pytest.raises(NotAllowed):
        svc.recipient_reply(recipient=row, by=world.users["pm2"], body="已阅")
    row.refresh_from_db()
    assert row.read_at is None and row.signed_at is None and row.replied_at is None
    # pm2 acts on Q's row.
    svc.recipient_sign(
        recipient=row_of(both, world.orgs["contractor_b"], world.projects["Q"]),
        by=world.users["pm2"],
    )


@pytest.mark.parametrize(
    "persona", ["supervisor", "chief", "admin", "outsider", "grouphq", "engineer"]
)
def test_agency_staff_and_other_organisations_cannot_sign(world, both, persona):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    with pytest.raises(NotAllowed):
        svc.recipient_sign(recipient=row, by=world.users[persona])
    assert Recipient.objects.get(pk=row.pk).signed_at is None


@pytest.fixture
def p2(world):
    """A second project of contractor A on street A1, where pm is not a member."""
    project = make_project(
        "台湖镇C-01地块商业项目", world.streets["A1"], world.orgs["agency"], seq=4
    )
    world.projects["P2"] = project
    ProjectParticipant.objects.create(
        project=project, organization=world.orgs["contractor_a"], role=ParticipantRole.CONTRACTOR
    )
    return project


def test_project_members_act_on_their_projects_rows_company_staff_on_all(world, clerk, p2):
    # P2 has a team member of contractor A with an account (not pm).
    p2_pm = make_user("p2_pm", world.orgs["contractor_a"])
    ProjectMember.objects.create(project=p2, role="pm", name="p2_pm", user=p2_pm)
    document = sent(
        world, audience={"streets": [world.streets["A1"].pk], "org_kinds": ["contractor"]}
    )
    a = world.orgs["contractor_a"]
    p_row = row_of(document, a, world.projects["P"])
    p2_row = row_of(document, a, p2)
    org_row = row_of(document, a)
    q_org_row = row_of(document, world.orgs["contractor_b"])
    assert set(Recipient.objects.for_user(world.users["pm"])) == {p_row, org_row}
    assert set(Recipient.objects.for_user(p2_pm)) == {p2_row, org_row}
    assert set(Recipient.objects.for_user(clerk)) == {p_row, p2_row, org_row}
    assert set(Recipient.objects.for_user(world.users["pm2"])) == {q_org_row}

    with pytest.raises(NotAllowed):
        svc.recipient_sign(recipient=p2_row, by=world.users["pm"])
    with pytest.raises(NotAllowed):
        svc.recipient_sign(recipient=p_row, by=p2_pm)
    svc.recipient_sign(recipient=org_row, by=world.users["pm"])
    svc.recipient_sign(recipient=p2_row, by=clerk)
    svc.recipient_sign(recipient=p_row, by=clerk)
    assert Recipient.objects.get(pk=p2_row.pk).signed_by == clerk
    assert Recipient.objects.get(pk=org_row.pk).signed_by == world.users["pm"]


def test_a_project_team_without_accounts_is_reached_through_the_company_office(
    world, clerk, p2, commit
):
    with commit():
        document = sent(world, audience={"projects": [p2.pk]})
    p2_row = row_of(document, world.orgs["contractor_a"], p2)
    # Nobody of contractor A on P2 has an account: the office staff (on no project) are told
    # and act for it; pm and safety, members of another project, neither hear nor act.
    assert told("document") - {"supervisor"} == {"clerk"}
    assert set(Recipient.objects.for_user(world.users["pm"])) == set()
    with pytest.raises(NotAllowed):
        svc.recipient_sign(recipient=p2_row, by=world.users["pm"])
    with pytest.raises(NotAllowed):
        svc.recipient_reply(recipient=p2_row, by=world.users["pm2"], body="已阅")
    svc.recipient_sign(recipient=p2_row, by=clerk)
    assert Recipient.objects.get(pk=p2_row.pk).signed_by == clerk


def test_signing_records_who_and_when_and_cannot_be_done_twice(world, both):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    row = svc.recipient_sign(recipient=row, by=world.users["pm"])
    row.refresh_from_db()
    assert row.signed_by == world.users["pm"] and row.signed_at
    assert row.read_by == world.users["pm"] and row.read_at == row.signed_at
    assert row.replied_at is None
    with pytest.raises(DomainError):
        svc.recipient_sign(recipient=row, by=world.users["safety"])
    assert Recipient.objects.get(pk=row.pk).signed_by == world.users["pm"]


def test_the_first_opening_marks_it_read(world, both):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    svc.recipient_open(recipient=row, by=world.users["safety"])
    svc.recipient_open(recipient=Recipient.objects.get(pk=row.pk), by=world.users["pm"])
    row.refresh_from_db()
    assert row.read_by == world.users["safety"] and row.signed_at is None


def test_a_reply_signs_too_and_tells_the_drafter_and_approver(world, both, commit):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    with pytest.raises(DomainError) as excinfo:
        svc.recipient_reply(recipient=row, by=world.users["pm"], body=" ")
    assert excinfo.value.field == "body"
    with commit():
        reply = svc.recipient_reply(
            recipient=row,
            by=world.users["pm"],
            body="已完成自查，报告见附件。",
            files=[("自查报告.docx", docx_bytes())],
        )
    row.refresh_from_db()
    assert row.signed_by == row.replied_by == row.read_by == world.users["pm"]
    assert row.signed_at == row.replied_at
    assert reply.recipient == row and reply.by == world.users["pm"]
    attachment = reply.attachments.get()
    assert attachment.filename == "自查报告.docx" and attachment.document is None
    assert told("document_reply") == {"supervisor", "chief"}
    assert Notification.objects.get(kind="document_reply", user__username="chief").body == (
        "已完成自查，报告见附件。"
    )


def test_a_reply_after_signing_keeps_who_signed(world, both):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    svc.recipient_sign(recipient=row, by=world.users["safety"])
    svc.recipient_reply(recipient=row, by=world.users["pm"], body="已整改")
    svc.recipient_reply(recipient=row, by=world.users["safety"], body="补充材料")
    row.refresh_from_db()
    assert row.signed_by == world.users["safety"] and row.replied_by == world.users["pm"]
    assert row.replies.count() == 2


def test_a_reply_with_a_bad_file_saves_nothing(world, both):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    with pytest.raises(DomainError):
        svc.recipient_reply(
            recipient=row, by=world.users["pm"], body="见附件", files=[("报告.pdf", b"MZ\x90")]
        )
    row.refresh_from_db()
    assert row.signed_at is None and row.replied_at is None and row.read_at is None
    assert not Reply.objects.exists()


@pytest.mark.parametrize("end", ["close", "withdraw"])
def test_a_closed_or_withdrawn_document_cannot_be_signed_or_replied_to(world, both, end):
    row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    if end == "close":
        svc.document_close(document=both, by=world.users["chief"])
        assert events(both)[-1] == "closed"
    else:
        svc.document_withdraw(document=both, by=world.users["chief"], comment="撤回")
    with pytest.raises(DomainError):
        svc.recipient_sign(recipient=row, by=world.users["pm"])
    with pytest.raises(DomainError):
        svc.recipient_reply(recipient=row, by=world.users["pm"], body="已阅")
    row.refresh_from_db()
    assert row.signed_at is None and not row.replies.exists()


# --- reminders and overdue ----------------------------------------------------------------------


def test_reminders_go_at_each_rung_once_and_only_to_inboxes_still_missing(world, both, commit):
    deadline = both.sign_deadline
    q_row = row_of(both, world.orgs["contractor_b"], world.projects["Q"])
    p_row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    svc.recipient_sign(recipient=p_row, by=world.users["pm"])

    with commit():
        assert svc.send_reminders(now=deadline - 25 * H) == {"reminded": 0, "overdue": 0}
    assert told("document_reminder") == set()

    for hours_before, reminded in ((23, 1), (23, 0), (10, 0), (5, 0)):
        with commit():
            counts = svc.send_reminders(now=deadline - hours_before * H)
        assert counts == {"reminded": reminded, "overdue": 0}
    assert told("document_reminder") == {"pm2"}
    assert count("document_reminder", "pm2") == 1
    q_row.refresh_from_db()
    assert q_row.reminders == 1 and q_row.reminded_at == deadline - 23 * H
    assert Recipient.objects.get(pk=p_row.pk).reminders == 0

    with commit():
        assert svc.send_reminders(now=deadline - 3 * H) == {"reminded": 1, "overdue": 0}
    with commit():
        assert svc.send_reminders(now=deadline - 2 * H) == {"reminded": 0, "overdue": 0}
        assert svc.send_reminders(now=deadline - 1 * H) == {"reminded": 0, "overdue": 0}
    assert count("document_reminder", "pm2") == 2
    assert told("document_reminder") == {"pm2"}
    assert Recipient.objects.get(pk=q_row.pk).reminders == 2
    reminded = both.events.filter(action=DocumentEvent.Action.AUTO_REMINDED)
    assert [(e.payload["kind"], e.payload["hours"], e.payload["recipients"]) for e in reminded] == [
        ("sign", 24, 1),
        ("sign", 4, 1),
    ]


def test_each_rung_counts_the_inboxes_it_reminded(world, both, commit):
    deadline = both.sign_deadline
    with commit():
        assert svc.send_reminders(now=deadline - 23 * H) == {"reminded": 2, "overdue": 0}
        assert svc.send_reminders(now=deadline - 22 * H) == {"reminded": 0, "overdue": 0}
    assert told("document_reminder") == {"pm", "safety", "pm2"}
    assert count("document_reminder", "pm") == 1


def test_rungs_that_came_before_the_document_was_sent_are_skipped(world, commit):
    settings_row = AgencySettings.for_agency(world.orgs["agency"])
    settings_row.document_reminder_hours = [24, 4]
    settings_row.save()
    soon = timezone.now() + 10 * H  # the day-before rung is already past when it is sent
    document = sent(world, sign_deadline=soon, reply_required=False, reply_deadline=None)
    with commit():
        assert svc.send_reminders(now=soon - 9 * H) == {"reminded": 0, "overdue": 0}
        assert svc.send_reminders(now=soon - 5 * H) == {"reminded": 0, "overdue": 0}
    assert told("document_reminder") == set()
    with commit():
        assert svc.send_reminders(now=soon - 3 * H) == {"reminded": 1, "overdue": 0}
    assert told("document_reminder") == {"pm", "safety"}
    assert list(
        document.events.filter(action="auto_reminded").values_list("payload__hours", flat=True)
    ) == [4]


def test_signed_but_not_replied_inboxes_are_reminded_of_the_reply(world, both, commit):
    reply_deadline = both.reply_deadline
    p_row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    q_row = row_of(both, world.orgs["contractor_b"], world.projects["Q"])
    svc.recipient_sign(recipient=p_row, by=world.users["pm"])
    svc.recipient_sign(recipient=q_row, by=world.users["pm2"])
    with commit():
        assert svc.send_reminders(now=both.sign_deadline - 23 * H)["reminded"] == 0
        assert svc.send_reminders(now=reply_deadline - 23 * H) == {"reminded": 2, "overdue": 0}
    assert told("document_reminder") == {"pm", "safety", "pm2"}

    svc.recipient_reply(recipient=q_row, by=world.users["pm2"], body="已完成")
    with commit():
        assert svc.send_reminders(now=reply_deadline - 3 * H) == {"reminded": 1, "overdue": 0}
    assert count("document_reminder", "pm") == 2 and count("document_reminder", "pm2") == 1
    assert [
        (e.payload["kind"], e.payload["hours"]) for e in both.events.filter(action="auto_reminded")
    ] == [("reply", 24), ("reply", 4)]


def test_overdue_is_flagged_once_with_one_summary_to_drafter_and_approver(world, both, commit):
    p_row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    svc.recipient_sign(recipient=p_row, by=world.users["pm"])
    after = both.sign_deadline + H
    with commit():
        assert svc.send_reminders(now=after) == {"reminded": 0, "overdue": 1}
    with commit():
        assert svc.send_reminders(now=after + H) == {"reminded": 0, "overdue": 0}
        assert svc.send_reminders(now=after + 30 * H) == {"reminded": 0, "overdue": 0}
    assert told("document_overdue") == {"pm2", "supervisor", "chief"}
    for name in ("pm2", "supervisor", "chief"):
        assert count("document_overdue", name) == 1
    summary = Notification.objects.get(kind="document_overdue", user__username="chief")
    assert summary.url == both.get_absolute_url() + "#tracking"
    assert "1" in summary.title and both.title in summary.title
    overdue = both.events.get(action=DocumentEvent.Action.OVERDUE)
    assert overdue.payload == {"kind": "sign", "recipients": 1}
    # The reply deadline is its own: both inboxes still owe the reply.
    with commit():
        assert svc.send_reminders(now=both.reply_deadline + H) == {"reminded": 0, "overdue": 2}
    assert count("document_overdue", "pm") == 1 and count("document_overdue", "chief") == 2
    assert list(both.events.filter(action="overdue").values_list("payload__kind", flat=True)) == [
        "sign",
        "reply",
    ]


def test_nothing_is_flagged_when_everybody_signed_in_time(world, both, commit):
    for org, project, user in (("contractor_a", "P", "pm"), ("contractor_b", "Q", "pm2")):
        row = row_of(both, world.orgs[org], world.projects[project])
        svc.recipient_reply(recipient=row, by=world.users[user], body="已完成")
    with commit():
        assert svc.send_reminders(now=both.reply_deadline + H) == {"reminded": 0, "overdue": 0}
    assert told("document_overdue") == set() and told("document_reminder") == set()


@pytest.mark.parametrize("end", ["close", "withdraw"])
def test_closed_and_withdrawn_documents_are_not_reminded(world, both, commit, end):
    if end == "close":
        svc.document_close(document=both, by=world.users["supervisor"])
    else:
        svc.document_withdraw(document=both, by=world.users["supervisor"], comment="撤回")
    with commit():
        assert svc.send_reminders(now=both.sign_deadline - 3 * H) == {"reminded": 0, "overdue": 0}
        assert svc.send_reminders(now=both.reply_deadline + H) == {"reminded": 0, "overdue": 0}
    assert told("document_reminder") == set() and told("document_overdue") == set()


def test_a_manual_reminder_reaches_every_inbox_still_missing(world, both, supervisor2, commit):
    p_row = row_of(both, world.orgs["contractor_a"], world.projects["P"])
    svc.recipient_sign(recipient=p_row, by=world.users["pm"])  # signed, reply still missing
    with commit():
        assert svc.document_remind(document=both, by=supervisor2) == 2
    assert told("document_reminder") == {"pm", "safety", "pm2"}
    assert set(both.recipients.values_list("reminders", flat=True)) == {1}
    event = both.events.get(action=DocumentEvent.Action.REMINDED)
    assert event.actor == supervisor2 and event.payload == {"recipients": 2}

    svc.recipient_reply(recipient=p_row, by=world.users["pm"], body="已完成")
    later = timezone.now() + datetime.timedelta(hours=2)  # a second reminder, later on
    with commit(), mock.patch("django.utils.timezone.now", return_value=later):
        assert svc.document_remind(document=both, by=world.users["chief"]) == 1
    assert count("document_reminder", "pm") == 1 and count("document_reminder", "pm2") == 2


def test_a_manual_reminder_is_refused_when_nobody_is_missing(world, both):
    for org, project, user in (("contractor_a", "P", "pm"), ("contractor_b", "Q", "pm2")):
        row = row_of(both, world.orgs[org], world.projects[project])
        svc.recipient_reply(recipient=row, by=world.users[user], body="已完成")
    with pytest.raises(DomainError):
        svc.document_remind(document=both, by=world.users["supervisor"])
    assert not both.events.filter(action="reminded").exists()


@pytest.mark.parametrize("persona", ["pm", "outsider"])
def test_only_the_agencys_staff_remind(world, both, persona):
    with pytest.raises(NotAllowed):
        svc.document_remind(document=both, by=world.users[persona])


# --- 督办函 from the escalation ladder ------------------------------------------------------------


def overdue_hazard(world):
    """A general hazard of project P, due in 3 days, made the way the hazards tests make it."""
    from anjian.inspections.models import InspectionAnswer
    from anjian.inspections.services import records as rec
    from anjian.inspections.testing import jpeg, record_objects, signature_data_url

    objects = record_objects(world)
    supervisor = world.users["supervisor"]
    second = make_user("inspector2", world.orgs["agency"], AgencyRole.SUPERVISOR)
    inspection = rec.inspection_start(
        project=world.projects["P"],
        template=objects["template"],
        by=supervisor,
        inspectors=[second],
    )
    answer = InspectionAnswer.objects.get(inspection=inspection, item=objects["item"])
    rec.inspection_answer(
        inspection=inspection, item=objects["item"], by=supervisor, result="noncompliant"
    )
    rec.inspection_photo_add(inspection=inspection, by=supervisor, data=jpeg(), answer=answer)
    rec.finding_save(
        inspection=inspection,
        by=supervisor,
        answer=answer,
        description="3#楼脚手架连墙件缺失",
        location="3#楼",
        grade="general",
        major_clause=None,
        deadline_days=3,
    )
    for inspector in (supervisor, second):
        rec.inspection_sign(
            inspection=inspection,
            by=supervisor,
            role="inspector",
            image_data=signature_data_url(),
            signer=inspector,
        )
    rec.inspection_finish(
        inspection=inspection, by=supervisor, notice_kind="rectify", stop_scope=""
    )
    return inspection.notices.get().hazards.get()


def escalate_to_the_letter(world, hazard):
    from anjian.hazards.escalation import escalate_overdue

    with translation.override("en"):
        counts = escalate_overdue(now=hazard.deadline + 169 * H)
    assert counts["letters"] == 1
    return hazard.letters.get()


def test_the_letter_rung_sends_a_supervision_letter_to_the_group_hq(world, commit):
    settings_row = AgencySettings.for_agency(world.orgs["agency"])
    settings_row.letter_reply_days = 6
    settings_row.save()
    hazard = overdue_hazard(world)
    with commit():
        letter = escalate_to_the_letter(world, hazard)
    document = Document.objects.get(kind=DocumentKind.SUPERVISION_LETTER)
    assert document.supervision_letter == letter and document.number == letter.number
    assert "安监督字" in document.number
    assert document.status == DocumentStatus.SENT and document.sent_at == letter.issued_at
    assert document.project == world.projects["P"] and document.body == letter.body
    assert document.sign_required and document.reply_required
    issued_on = timezone.localtime(letter.issued_at).date()
    assert document.reply_deadline == at_six_pm(working_days_after(issued_on, 6))
    assert document.sign_deadline == at_six_pm(working_days_after(issued_on, 1))
    assert "within 6 working days" in letter.body
    # One recipient: the group HQ of contractor A (the addressee), as an organisation inbox.
    assert document.recipient_count == 1
    row = document.recipients.get()
    assert (row.organization, row.project, row.unit) == (world.orgs["group"], None, "")
    assert told("document") == {"grouphq"}
    assert events(document) == ["sent"]
    assert document.events.get().payload["number"] == letter.number
    # The group HQ signs and replies in its inbox.
    reply = svc.recipient_reply(recipient=row, by=world.users["grouphq"], body="已督促项目整改")
    assert reply.recipient.replied_by == world.users["grouphq"]
    with pytest.raises(NotAllowed):
        svc.recipient_sign(recipient=row, by=world.users["pm"])


def test_the_letter_goes_to_the_projects_contractor_team_when_it_has_no_group(world, commit):
    contractor = world.orgs["contractor_a"]
    contractor.group = None
    contractor.save(update_fields=["group"])
    hazard = overdue_hazard(world)
    with commit():
        letter = escalate_to_the_letter(world, hazard)
    assert letter.addressed_to == contractor
    document = Document.objects.get(supervision_letter=letter)
    row = document.recipients.get()
    assert (row.organization, row.project, row.unit) == (
        contractor,
        world.projects["P"],
        "contractor",
    )
    assert told("document") == {"pm", "safety"}
    # Default: 3 working days.
    issued_on = timezone.localtime(letter.issued_at).date()
    assert document.reply_deadline == at_six_pm(working_days_after(issued_on, 3))
    assert "within 3 working days" in letter.body


def test_the_letters_notification_is_keyed_like_every_other_notification_of_the_ladder(
    world, commit
):
    # The ladder promises "keyed, so never twice": one (user, key) per message, none unkeyed.
    hazard = overdue_hazard(world)
    with commit():
        escalate_to_the_letter(world, hazard)
    ladder = Notification.objects.filter(user=world.users["grouphq"])
    assert ladder.filter(kind="document").count() == 1
    assert not ladder.filter(key="").exists()


def test_running_the_ladder_again_sends_no_second_letter(world):
    from anjian.hazards.escalation import escalate_overdue

    hazard = overdue_hazard(world)
    escalate_to_the_letter(world, hazard)
    escalate_overdue(now=hazard.deadline + 300 * H)
    assert Document.objects.filter(kind=DocumentKind.SUPERVISION_LETTER).count() == 1
    assert Recipient.objects.count() == 1


def test_the_agency_hears_of_a_reply_to_its_supervision_letter(world, commit):
    hazard = overdue_hazard(world)
    letter = escalate_to_the_letter(world, hazard)
    row = Document.objects.get(supervision_letter=letter).recipients.get()
    with commit():
        svc.recipient_reply(recipient=row, by=world.users["grouphq"], body="已督促项目整改")
    agency_staff = set(
        User.objects.filter(organization=world.orgs["agency"]).values_list("username", flat=True)
    )
    assert told("document_reply") & agency_staff


# --- incoming submissions (收文) -----------------------------------------------------------------


def _submit(world, by="pm", files=(("情况报告.pdf", PDF_BYTES),), **fields):
    values = {
        "kind": SubmissionKind.REPORT,
        "title": "关于十一月安全生产情况的报告",
        "body": "本月无事故。",
        "project": world.projects["P"],
    }
    values.update(fields)
    return svc.submission_create(by=world.users[by], fields=values, files=list(files))


def test_a_submission_goes_to_the_projects_lead_supervisor(world, commit):
    project = world.projects["P"]
    project.lead_supervisor = world.users["supervisor"]
    project.save(update_fields=["lead_supervisor"])
    with commit():
        submission = _submit(world)
    assert submission.routed_to == world.users["supervisor"]
    assert submission.agency == world.orgs["agency"]
    assert submission.organization == world.orgs["contractor_a"]
    assert submission.status == SubmissionStatus.SUBMITTED and submission.number == ""
    assert submission.attachments.get().filename == "情况报告.pdf"
    assert told("submission") == {"supervisor"}


def test_without_a_lead_supervisor_a_submission_goes_to_the_first_chief(world, commit):
    make_user("chief2", world.orgs["agency"], AgencyRole.CHIEF)
    with commit():
        assert _submit(world).routed_to == world.users["chief"]
    project = world.projects["P"]
    project.lead_supervisor = world.users["supervisor"]
    project.save(update_fields=["lead_supervisor"])
    world.users["supervisor"].is_active = False
    world.users["supervisor"].save(update_fields=["is_active"])
    assert _submit(world).routed_to == world.users["chief"]
    assert told("submission") == {"chief"}


def test_without_a_project_the_agency_is_derived_from_the_submitters_projects(world):
    # pm2 works only on Q (agency A).
    submission = _submit(world, by="pm2", project=None)
    assert submission.agency == world.orgs["agency"] and submission.project is None
    assert submission.routed_to == world.users["chief"]
    # pm works on P (agency A) and R (agency B): the agency must be chosen.
    with pytest.raises(DomainError) as excinfo:
        _submit(world, project=None)
    assert excinfo.value.field == "project"
    chosen = _submit(world, project=None, agency=world.orgs["agency_b"])
    assert chosen.agency == world.orgs["agency_b"]
    with pytest.raises(DomainError):
        _submit(world, by="pm2", project=None, agency=world.orgs["agency_b"])


def test_a_submission_about_a_project_goes_to_that_projects_agency(world):
    submission = _submit(world, project=world.projects["R"])
    assert submission.agency == world.orgs["agency_b"]


@pytest.mark.parametrize("persona", ["supervisor", "chief", "outsider"])
def test_agency_staff_do_not_submit(world, persona):
    with pytest.raises(NotAllowed):
        _submit(world, by=persona)
    assert not Submission.objects.exists()


def test_a_submission_is_only_about_ones_own_projects(world):
    with pytest.raises(DomainError) as excinfo:
        _submit(world, by="pm2", project=world.projects["P"])
    assert excinfo.value.field == "project"
    assert not Submission.objects.exists()


def test_a_submission_needs_a_file_or_a_text(world):
    with pytest.raises(DomainError) as excinfo:
        _submit(world, body="", files=())
    assert excinfo.value.field == "files"
    assert _submit(world, files=()).body == "本月无事故。"


def test_a_submission_with_a_bad_file_saves_nothing(world):
    with pytest.raises(DomainError):
        _submit(world, files=[("报告.pdf", PDF_BYTES), ("报告.docx", b"PK\x03\x04xx")])
    assert not Submission.objects.exists() and not Attachment.objects.exists()


@pytest.fixture
def work(world):
    from anjian.dangerous_works import services as dw
    from anjian.dangerous_works.testing import register

    dw.seed_threshold_rules()
    return register(world)


def test_a_scheme_filing_needs_a_dangerous_work_of_that_project(world, work):
    kind = SubmissionKind.SCHEME_FILING
    with pytest.raises(DomainError) as excinfo:
        _submit(world, kind=kind, title="深基坑专项方案备案")
    assert excinfo.value.field == "dangerous_work"
    with pytest.raises(DomainError) as excinfo:
        _submit(world, kind=kind, project=world.projects["R"], dangerous_work=work)
    assert excinfo.value.field == "dangerous_work"
    # Another company cannot file a scheme of P's work.
    with pytest.raises(DomainError):
        _submit(world, by="pm2", kind=kind, project=None, dangerous_work=work)
    assert not Submission.objects.exists()

    filing = _submit(world, kind=kind, project=None, dangerous_work=work)
    assert filing.project == world.projects["P"] and filing.dangerous_work == work
    assert filing.agency == world.orgs["agency"]


def test_a_work_of_another_project_cannot_be_attached_to_a_report(world, work):
    with pytest.raises(DomainError):
        _submit(world, project=world.projects["R"], dangerous_work=work)
    with pytest.raises(DomainError):
        _submit(world, project=None, dangerous_work=work)
    assert _submit(world, dangerous_work=work).dangerous_work == work


def test_acknowledging_numbers_the_submission_and_tells_the_submitter(world, commit):
    first, second = _submit(world), _submit(world, by="pm2", project=world.projects["Q"])
    with commit():
        first = svc.submission_acknowledge(
            submission=first, by=world.users["chief"], comment="已收悉"
        )
    assert first.status == SubmissionStatus.ACKNOWLEDGED
    assert first.number == f"收文〔{year()}〕0001号"
    assert first.handled_by == world.users["chief"] and first.handled_at
    assert first.comment == "已收悉"
    assert told("submission", user__username="pm") == {"pm"}
    assert first.number in Notification.objects.get(user__username="pm").title
    second = svc.submission_acknowledge(submission=second, by=world.users["leader"])
    assert second.number == f"收文〔{year()}〕0002号"
    with pytest.raises(DomainError):
        svc.submission_acknowledge(submission=first, by=world.users["chief"])
    with pytest.raises(DomainError):
        svc.submission_return(submission=first, by=world.users["chief"], comment="退回")


def test_returning_a_submission_needs_a_reason_and_tells_the_submitter(world, commit):
    submission = _submit(world)
    with pytest.raises(DomainError) as excinfo:
        svc.submission_return(submission=submission, by=world.users["chief"], comment=" ")
    assert excinfo.value.field == "comment"
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.SUBMITTED
    with commit():
        submission = svc.submission_return(
            submission=submission, by=world.users["chief"], comment="缺少附件，请补充后重新报送"
        )
    assert submission.status == SubmissionStatus.RETURNED and submission.number == ""
    assert submission.handled_by == world.users["chief"]
    note = Notification.objects.get(kind="submission", user__username="pm")
    assert note.body == "缺少附件，请补充后重新报送"


def test_only_the_routed_supervisor_or_a_chief_or_leader_handles_a_submission(world, supervisor2):
    project = world.projects["P"]
    project.lead_supervisor = world.users["supervisor"]
    project.save(update_fields=["lead_supervisor"])
    submissions = [_submit(world) for _ in range(3)]
    for persona in ("pm", "pm2", "grouphq", "outsider"):
        with pytest.raises(NotAllowed):
            svc.submission_acknowledge(submission=submissions[0], by=world.users[persona])
    for by in (supervisor2, world.users["admin"]):
        with pytest.raises(NotAllowed):
            svc.submission_return(submission=submissions[0], by=by, comment="不全")
    assert Submission.objects.get(pk=submissions[0].pk).status == SubmissionStatus.SUBMITTED
    svc.submission_acknowledge(submission=submissions[0], by=world.users["supervisor"])
    svc.submission_acknowledge(submission=submissions[1], by=world.users["chief"])
    svc.submission_return(submission=submissions[2], by=world.users["leader"], comment="不全")
    assert list(Submission.objects.order_by("pk").values_list("status", flat=True)) == [
        "acknowledged",
        "acknowledged",
        "returned",
    ]


def test_a_manual_reminder_is_not_repeated_within_the_hour(
    world, django_capture_on_commit_callbacks
):
    from unittest import mock

    from anjian.documents.testing import sent as sent_document
    from anjian.notifications.models import Notification

    document = sent_document(world)
    supervisor = world.users["supervisor"]
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.document_remind(document=document, by=supervisor) == 1
    reminders = Notification.objects.filter(kind="document_reminder")
    first = reminders.count()
    assert first >= 1
    with pytest.raises(DomainError, match="hour|小时"):
        svc.document_remind(document=document, by=supervisor)
    assert reminders.count() == first
    later = timezone.now() + datetime.timedelta(minutes=61)
    with mock.patch("django.utils.timezone.now", return_value=later):
        with django_capture_on_commit_callbacks(execute=True):
            assert svc.document_remind(document=document, by=supervisor) == 1
    assert reminders.count() == 2 * first
