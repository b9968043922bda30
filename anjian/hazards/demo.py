"""Demo data for the rectification loop: hazards in every state, some overdue and escalated.

The demo inspections' findings already became hazards when they were finished. This seeder moves
their dates back to when the inspections were made, then walks some of them through the loop
with the real services, and runs the escalation ladder so overdue ones have their reminders.
"""

import datetime
import io
import random

from django.db.models import F
from django.utils import timezone

from anjian.core.context import acting_as
from anjian.core.seeding import register_demo_seeder


def _after_photo(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (160, 190, 215))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 800, 1600, 1200], fill=(110, 110, 105))
    left = rng.randint(200, 400)
    for i in range(9):
        draw.line([(left + i * 100, 180), (left + i * 100, 800)], fill=(60, 60, 60), width=12)
    for j in range(7):
        draw.line([(left, 180 + j * 100), (left + 800, 180 + j * 100)], fill=(60, 60, 60), width=10)
    draw.rectangle([left + 820, 300, left + 860, 800], fill=(40, 140, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@register_demo_seeder("hazards", order=20)
def seed(*, stdout, quiet=False, scale=1):
    """Age the demo hazards and walk them through the loop (idempotent); with --scale, add
    bulk hazards to the scaled projects."""
    seed_loop(stdout=stdout, quiet=quiet)
    if scale > 1:
        seed_bulk(stdout=stdout, quiet=quiet)


def seed_loop(*, stdout, quiet=False):
    from anjian.accounts.models import User

    from . import services as svc
    from .escalation import escalate_overdue
    from .models import Hazard, HazardReply

    if HazardReply.objects.exists():
        return
    hazards = list(
        Hazard.objects.filter(inspection__site_situation__startswith="【演示】")
        .select_related("inspection", "project")
        .order_by("inspection__finished_at", "id")
    )
    if not hazards:
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["supervisor", "chief", "pm", "engineer"])
    }
    now = timezone.now()
    for hazard in hazards:
        finished = hazard.inspection.finished_at or now
        # Whole days, so deadlines stay at the end of a day (23:59:59) as the services set them.
        shift = datetime.timedelta(
            days=(timezone.localdate(now) - timezone.localtime(finished).date()).days
        )
        Hazard.objects.filter(pk=hazard.pk).update(
            found_at=hazard.inspection.started_at,
            issued_at=finished,
            deadline=F("deadline") - shift,
            next_escalation_at=F("next_escalation_at") - shift,
        )
        hazard.events.update(at=finished)
        if hazard.notice_id:
            type(hazard.notice).objects.filter(pk=hazard.notice_id).update(
                issued_at=finished, deadline=F("deadline") - shift
            )
    rng = random.Random(7)
    hazards = list(Hazard.objects.filter(pk__in=[h.pk for h in hazards]).select_related("project"))
    for index, hazard in enumerate(hazards):
        site = _account_for(hazard.project, "pm")
        engineer = _account_for(hazard.project, "chief_engineer")
        engineers = [engineer] if engineer else []
        lead = hazard.created_by or users.get("supervisor")
        if site is None or lead is None:
            continue
        age_days = (now - hazard.issued_at).days if hazard.issued_at else 0
        plan = index % 7
        with acting_as(site):
            if hazard.notice and not hazard.notice.signatures.exists() and plan != 6:
                try:
                    svc.notice_receive(notice=hazard.notice, by=site)
                except Exception:
                    pass
        if plan in (0, 1, 2, 3) and age_days >= 6:
            _reply(svc, hazard, site, seed=index)
            if engineers and hazard.project.engineer_confirms_rectification:
                svc.hazard_act(
                    hazard=hazard, by=engineers[0], action="confirm", comment="已现场核实"
                )
            if plan == 3:
                svc.hazard_act(
                    hazard=hazard,
                    by=lead,
                    action="reject",
                    comment="整改照片未反映全部部位，请补充",
                    new_deadline=svc.deadline_for(4),
                )
            elif plan != 2:
                svc.hazard_act(
                    hazard=hazard,
                    by=lead,
                    action="accept",
                    review_mode=rng.choice(["online", "onsite"]),
                )
        elif plan == 4 and age_days >= 10:
            svc.hazard_act(
                hazard=hazard,
                by=site,
                action="dispute",
                comment="该部位已按经审批的专项方案施工，请复核",
            )
    _stop_notice_waiting_for_resumption(svc)
    _first_project_awaiting_engineer(svc)
    counts = escalate_overdue(now=now)
    if not quiet:
        stdout.write(f"Demo hazards: {len(hazards)} hazards; escalation pass: {dict(counts)}.")


def _stop_notice_waiting_for_resumption(svc):
    """The demo's stop-work notice: rectified and reviewed, its resumption awaits the chief."""
    from .models import RectificationNotice

    notice = RectificationNotice.objects.filter(kind="partial_stop").first()
    if notice is None:
        return
    site = _account_for(notice.project, "pm")
    engineer = _account_for(notice.project, "chief_engineer")
    for index, hazard in enumerate(notice.hazards.all()):
        if hazard.status in ("issued", "rectifying"):
            _reply(svc, hazard, site, seed=900 + index)
        hazard.refresh_from_db()
        if (
            hazard.status == "replied"
            and engineer
            and notice.project.engineer_confirms_rectification
        ):
            svc.hazard_act(hazard=hazard, by=engineer, action="confirm", comment="已现场核实")
            hazard.refresh_from_db()
        if hazard.status in ("replied", "confirmed"):
            svc.hazard_act(
                hazard=hazard, by=hazard.created_by, action="accept", review_mode="onsite"
            )
    svc.resumption_apply(
        notice=notice,
        by=site,
        statement="塔吊限位装置已更换并经检测合格，作业半径内已设置警戒区，申请恢复塔吊作业。",
    )


def _first_project_awaiting_engineer(svc):
    """On the first demo project, pm has replied to one hazard: the engineer must confirm it."""
    from .models import Hazard

    hazards = list(
        Hazard.objects.filter(project__code="TZ-DEMO-00001", status="issued").order_by("found_at")
    )
    if len(hazards) < 2:
        return  # keep at least one hazard for pm to rectify
    pm = _account_for(hazards[0].project, "pm")
    if pm is not None:
        _reply(svc, hazards[0], pm, seed=777)
    # One of the first project's hazards ran 4 days past its deadline: the escalation pass that
    # follows warns the project and escalates it to the chief and the group HQ.
    late = timezone.now() - datetime.timedelta(days=4)
    Hazard.objects.filter(pk=hazards[1].pk).update(
        deadline=late, next_escalation_at=late - datetime.timedelta(hours=24), escalation_level=0
    )


def _account_for(project, role):
    """The account of the project's key person in `role`, created (without a usable password)
    for demo projects whose people have none yet — every site team has accounts in real use."""
    from anjian.accounts.models import User
    from anjian.projects.models import ProjectMember

    member = ProjectMember.objects.filter(project=project, role=role, is_active=True).first()
    if member is None or member.organization_id is None:
        return None
    if member.user_id:
        return member.user
    username = f"{role}-{project.code.lower()}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            name=member.name,
            organization_id=member.organization_id,
            phone=member.phone,
        )
        user.set_unusable_password()
        user.save()
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return user


def _reply(svc, hazard, site, *, seed):
    svc.hazard_reply(
        hazard=hazard,
        by=site,
        measures="已按要求整改："
        + hazard.description.split("：")[-1][:40]
        + "；已组织班组复查并留存影像资料。",
        responsible_person=site.name or site.username,
        completed_on=timezone.localdate() - datetime.timedelta(days=1),
        photos=[_after_photo(seed)],
    )


BULK_PER_PROJECT = 10
BULK_DESCRIPTIONS = [
    ("脚手架", "外架连墙件设置不足，局部缺失", "general"),
    ("施工用电", "配电箱未设置漏电保护器，电缆拖地", "general"),
    ("高处作业", "楼层临边防护栏杆缺失", "general"),
    ("文明施工", "裸土未覆盖，道路未洒水降尘", "general"),
    ("基坑工程", "基坑临边防护不连续，坑边堆载超限", "major"),
    ("塔式起重机与起重吊装", "塔吊限位装置失灵", "major"),
    ("安全管理", "安全技术交底记录缺少作业人员签字", "general"),
    ("模板支架", "高支模立杆间距大于方案要求", "general"),
]


def seed_bulk(*, stdout, quiet=False):
    """Bulk hazards (with their created/issued/closed events) for the --scale projects, so the
    ledger, the dashboards and the exports can be measured at volume. Not via the services:
    this is volume data for benchmarks, written with bulk inserts."""
    import datetime
    import random

    from django.db import transaction

    from anjian.projects.models import Project

    from .choices import HazardStatus
    from .models import Hazard, HazardEvent

    base = Project.objects.filter(code__startswith="TZ-DEMO-").order_by("code")
    projects = list(base.values("pk", "agency_id", "code")[40:])
    done = set(
        Hazard.objects.filter(number__startswith="BULK-")
        .values_list("project_id", flat=True)
        .distinct()
    )
    todo = [p for p in projects if p["pk"] not in done]
    if not todo:
        return
    rng = random.Random(20261125)
    now = timezone.now()
    statuses = [
        (HazardStatus.CLOSED, 60),
        (HazardStatus.ISSUED, 15),
        (HazardStatus.RECTIFYING, 5),
        (HazardStatus.REPLIED, 8),
        (HazardStatus.CONFIRMED, 5),
        (HazardStatus.DISPUTED, 2),
        (HazardStatus.WITHDRAWN, 5),
    ]
    values, weights = zip(*statuses, strict=True)
    created = 0
    for start in range(0, len(todo), 200):
        chunk = todo[start : start + 200]
        hazards = []
        for project in chunk:
            for k in range(BULK_PER_PROJECT):
                category, text, grade = rng.choice(BULK_DESCRIPTIONS)
                found = now - datetime.timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 9))
                deadline = found + datetime.timedelta(
                    days=0 if grade == "major" else rng.choice([3, 7, 15])
                )
                status = rng.choices(values, weights)[0]
                closed = (
                    deadline + datetime.timedelta(days=rng.randint(-2, 6))
                    if status == HazardStatus.CLOSED
                    else None
                )
                hazards.append(
                    Hazard(
                        project_id=project["pk"],
                        agency_id=project["agency_id"],
                        number=f"BULK-{project['code'][-5:]}-{k:02d}",
                        source=rng.choices(
                            ["supervision", "self", "worker", "remote"], [70, 15, 10, 5]
                        )[0],
                        description=text,
                        location=f"{rng.randint(1, 12)}#楼{rng.randint(1, 30)}层",
                        category=category,
                        grade=grade,
                        status=status,
                        deadline=deadline,
                        found_at=found,
                        issued_at=found,
                        closed_at=closed,
                        replied_at=closed - datetime.timedelta(days=1) if closed else None,
                    )
                )
        with transaction.atomic():
            Hazard.objects.bulk_create(hazards, batch_size=2000)
            rows = Hazard.objects.filter(
                project_id__in=[p["pk"] for p in chunk], number__startswith="BULK-"
            ).values("pk", "found_at", "status", "closed_at")
            events = []
            for row in rows:
                events.append(
                    HazardEvent(
                        hazard_id=row["pk"], type="created", to_status="issued", at=row["found_at"]
                    )
                )
                events.append(
                    HazardEvent(hazard_id=row["pk"], type="notice_issued", at=row["found_at"])
                )
                if row["closed_at"]:
                    events.append(
                        HazardEvent(
                            hazard_id=row["pk"],
                            type="accepted",
                            from_status="confirmed",
                            to_status="closed",
                            at=row["closed_at"],
                        )
                    )
            HazardEvent.objects.bulk_create(events, batch_size=5000)
        created += len(hazards)
    if not quiet:
        stdout.write(f"Bulk hazards for the scaled projects: {created}.")
