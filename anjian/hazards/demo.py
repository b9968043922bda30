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
def seed(*, stdout, quiet=False, scale=1, hazards_per_project=None):
    """Age the demo hazards and walk them through the loop (idempotent); with --scale, add
    bulk hazards (`hazards_per_project` on average, default 10) to the scaled projects."""
    seed_loop(stdout=stdout, quiet=quiet)
    if scale > 1:
        from anjian.core.seeding import BULK_HAZARDS_PER_PROJECT

        if hazards_per_project is None:
            hazards_per_project = BULK_HAZARDS_PER_PROJECT
        seed_bulk(stdout=stdout, quiet=quiet, hazards_per_project=hazards_per_project)


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


# --- bulk volume for --scale -----------------------------------------------------------------

# The daily-patrol checklist's sections: (weight, share of 重大, clause category, descriptions).
BULK_CATEGORIES = {
    "安全管理": (
        12,
        0.02,
        "施工安全管理",
        [
            "班前安全技术交底记录缺少作业人员签字",
            "特种作业人员操作证过期未复审",
            "专项施工方案未按规定组织专家论证",
            "安全教育培训记录不全，新进场工人未经三级教育",
        ],
    ),
    "文明施工": (
        12,
        0.0,
        "",
        [
            "现场裸土未覆盖，主要道路未洒水降尘",
            "材料堆放杂乱，未分类码放、未设标识牌",
            "施工现场出入口未设置车辆冲洗设施",
            "生活区宿舍私拉乱接电线，使用大功率电器",
        ],
    ),
    "脚手架": (
        18,
        0.05,
        "脚手架工程",
        [
            "外架连墙件设置不足，局部缺失",
            "剪刀撑未沿高度连续设置",
            "脚手板未满铺，存在探头板",
            "悬挑脚手架型钢锚固不符合方案要求",
        ],
    ),
    "基坑": (
        5,
        0.15,
        "基坑、边坡工程",
        [
            "基坑临边防护不连续，坑边堆载距离不足",
            "基坑监测数据未按规定频次报送",
            "基坑上下通道未设置或设置不符合要求",
        ],
    ),
    "模板支架": (
        8,
        0.12,
        "模板工程及支撑体系",
        [
            "高支模立杆间距大于方案要求",
            "模板支架扫地杆缺失，立杆底部无垫板",
            "模板支架未按方案设置水平剪刀撑",
        ],
    ),
    "高处作业": (
        15,
        0.05,
        "高处作业",
        [
            "楼层临边防护栏杆缺失",
            "电梯井口未设置防护门，井道内未设水平安全网",
            "作业人员高处作业未系挂安全带",
            "预留洞口未封闭或未设置防护盖板",
        ],
    ),
    "临时用电": (
        16,
        0.03,
        "施工临时用电",
        [
            "配电箱未设置漏电保护器，电缆拖地",
            "二级配电箱门未关闭，未上锁",
            "一闸多机，未做到一机一闸一漏一箱",
            "现场照明线路绑扎在脚手架钢管上",
        ],
    ),
    "起重机械": (
        7,
        0.15,
        "建筑起重机械及吊装工程",
        [
            "塔吊限位装置失灵，未按规定检测",
            "施工升降机防坠安全器超过有效标定期",
            "塔吊司机、信号工未持证上岗",
            "起重吊装作业未设置警戒区",
        ],
    ),
    "施工机具": (
        4,
        0.0,
        "",
        [
            "木工圆盘锯防护罩缺失",
            "钢筋切断机未做保护接零",
            "电焊机一次侧电源线过长，二次线破损",
        ],
    ),
    "消防": (
        3,
        0.02,
        "有限空间作业",
        [
            "动火作业未办理动火证，未配备灭火器",
            "易燃材料仓库未配置消防器材",
            "消防通道被材料占用",
        ],
    ),
}
# Months in which a category is found more often (rainy summer, dusty spring, heated winter).
BULK_SEASONS = {
    "临时用电": ({6, 7, 8, 9}, 1.6),
    "高处作业": ({6, 7, 8}, 1.2),
    "文明施工": ({3, 4, 5}, 1.5),
    "消防": ({11, 12, 1, 2, 3}, 2.5),
}
BULK_SOURCES = (("self", 20), ("worker", 8))  # the rest are found on the visits
GENERAL_DAYS = [1, 3, 3, 5, 7, 7, 7, 10, 15]
MAJOR_DAYS = [7, 15, 15, 30]


def _plan_hazards(rng, n, visits, window, categories, now, tz):
    """What the bulk hazards of one project are: [(visit index or -1, source, found_at,
    category, grade)], the same for the same generator (both passes of `seed_bulk` call it)."""
    from anjian.core.seeding import aware_local

    names = list(categories)
    base = [categories[c][0] for c in names]
    weights_by_month = {}
    for month in range(1, 13):
        weights_by_month[month] = [
            w * (BULK_SEASONS[c][1] if month in BULK_SEASONS.get(c, ((), 1))[0] else 1)
            for c, w in zip(names, base, strict=True)
        ]
    start, end = window
    span = (end - start).total_seconds()
    planned = []
    for _ in range(n):
        r = rng.random() * 100
        if r < BULK_SOURCES[0][1]:
            index, source = -1, "self"
        elif r < BULK_SOURCES[0][1] + BULK_SOURCES[1][1]:
            index, source = -1, "worker"
        else:
            index = rng.randrange(len(visits))
            source = visits[index][4]
        if index >= 0:
            begin, finish = visits[index][2], visits[index][3]
            found = begin + (finish - begin) * rng.random()
        else:
            found = start + datetime.timedelta(seconds=span * rng.random())
            found = aware_local(found.astimezone(tz).date(), rng.uniform(7, 19), tz)
            if found >= now:
                found = now - datetime.timedelta(hours=rng.uniform(1, 48))
        month = found.astimezone(tz).month
        category = rng.choices(names, weights_by_month[month])[0]
        grade = "major" if rng.random() < categories[category][1] else "general"
        planned.append((index, source, found, category, grade))
    return planned


def seed_bulk(*, stdout, quiet=False, hazards_per_project: int):
    """Bulk hazards for the projects --scale added: `hazards_per_project` on average (more on
    busy sites and careless contractors), most found on the bulk visits of the inspections
    seeder (one notice per visit, numbered in order), the rest self-inspection and worker
    findings; ~5% 重大; most closed, on time or late, some still open or overdue; each with its
    timeline (found, notice issued, replied, rejected, accepted, withdrawn). Plain rows
    (core.seeding.insert_rows), not the services: volume data for benchmarks."""
    import time
    import uuid

    from django.db import connection, transaction

    from anjian.accounts.models import Organization
    from anjian.core.numbering import agency_pattern, format_number
    from anjian.core.seeding import (
        ContractorProfile,
        aware_local,
        bulk_session,
        contractors_of,
        db_datetime,
        draw_numbers,
        insert_rows,
        next_pk,
        reset_sequences,
        scaled_projects,
    )
    from anjian.inspections.choices import InspectionStatus
    from anjian.inspections.models import ChecklistTemplate, Inspection, MajorHazardClause
    from anjian.projects.choices import ProjectRole
    from anjian.projects.models import ProjectMember

    from .choices import HazardStatus, NoticeKind, NoticeStatus
    from .models import Hazard, HazardEvent, RectificationNotice
    from .services import NOTICE_NUMBER_KIND

    started = time.monotonic()
    if hazards_per_project <= 0:
        return
    projects = list(scaled_projects().values("pk", "code", "agency_id", "lead_supervisor_id"))
    done = set(
        Hazard.objects.filter(project_id__in=[p["pk"] for p in projects])
        .values_list("project_id", flat=True)
        .distinct()
    )
    todo = [p for p in projects if p["pk"] not in done]
    if not todo:
        return
    now = timezone.now()
    tz = timezone.get_current_timezone()
    vendor = connection.vendor
    bulk_session()
    ids = [p["pk"] for p in todo]
    # The categories are the daily-patrol checklist's sections (the findings' categories).
    patrol = ChecklistTemplate.objects.published().filter(key="daily-patrol").first()
    titles = list(patrol.sections.values_list("title", flat=True)) if patrol else []
    categories = {t: BULK_CATEGORIES[t] for t in titles if t in BULK_CATEGORIES} or dict(
        BULK_CATEGORIES
    )
    clauses: dict[str, list[int]] = {}
    for pk, category in MajorHazardClause.objects.filter(is_active=True).values_list(
        "pk", "category"
    ):
        clauses.setdefault(category, []).append(pk)
    every_clause = [pk for pks in clauses.values() for pk in pks]
    contractors = contractors_of(ids)
    profiles: dict[int, ContractorProfile] = {}
    pms = dict(
        ProjectMember.objects.filter(project_id__in=ids, role=ProjectRole.PM, is_active=True)
        .order_by("project_id", "id")
        .values_list("project_id", "name")
    )
    visits: dict[int, list] = {pk: [] for pk in ids}
    for row in (
        Inspection.objects.filter(project_id__in=ids, status=InspectionStatus.FINISHED)
        .exclude(source="self")
        .order_by("project_id", "started_at", "id")
        .values_list("pk", "project_id", "started_at", "finished_at", "source", "created_by_id")
        .iterator(chunk_size=5000)
    ):
        visits[row[1]].append(row)

    # How many hazards each project gets: the total is exact, the spread follows the visits.
    weights = {}
    for project in todo:
        rng = random.Random(f"hazard-weight|{project['code']}")
        contractor = contractors.get(project["pk"])
        profile = profiles.setdefault(contractor, ContractorProfile(contractor))
        weights[project["pk"]] = (
            len(visits[project["pk"]]) * profile.hazard_rate * rng.lognormvariate(0, 0.3)
        )
    total_weight = sum(weights.values())
    if not total_weight:
        return
    wanted = len(todo) * hazards_per_project
    shares = {pk: wanted * w / total_weight for pk, w in weights.items()}
    counts = {pk: int(share) for pk, share in shares.items()}
    for pk in sorted(shares, key=lambda pk: shares[pk] - counts[pk], reverse=True)[
        : wanted - sum(counts.values())
    ]:
        counts[pk] += 1

    def window_of(pk):
        rows = visits[pk]
        start = rows[0][2] - datetime.timedelta(days=20)
        end = min(now - datetime.timedelta(hours=1), rows[-1][3] + datetime.timedelta(days=40))
        return start, end

    def plan(project):
        pk = project["pk"]
        if not counts[pk] or not visits[pk]:
            return []
        rng = random.Random(f"hazards|{project['code']}")
        return _plan_hazards(rng, counts[pk], visits[pk], window_of(pk), categories, now, tz)

    # Pass 1: which visits issue a notice and of what kind, numbered in the order issued.
    notices = []  # (issued_at, visit row, kind)
    plans = {}
    for project in todo:
        plans[project["pk"]] = plan(project)
        found_on: dict[int, bool] = {}
        for index, _source, _found, _category, grade in plans[project["pk"]]:
            if index >= 0:
                found_on[index] = found_on.get(index, False) or grade == "major"
        for index, has_major in found_on.items():
            visit = visits[project["pk"]][index]
            kind = NoticeKind.RECTIFY
            if has_major:
                r = random.Random(f"notice|{visit[0]}").random()
                kind = (
                    NoticeKind.FULL_STOP
                    if r < 0.08
                    else NoticeKind.PARTIAL_STOP
                    if r < 0.38
                    else NoticeKind.RECTIFY
                )
            notices.append((visit[3], visit, kind, project["agency_id"]))
    notices.sort(key=lambda n: (n[0], n[1][0]))
    agencies = {
        o.pk: o
        for o in Organization.objects.filter(pk__in={p["agency_id"] for p in todo}).select_related(
            "agency_settings"
        )
    }
    notice_of: dict[int, tuple] = {}  # visit pk: (notice id, number, kind)
    notice_id = next_pk(RectificationNotice)
    with transaction.atomic():
        per_year: dict[tuple, int] = {}
        for issued, _visit, kind, agency_id in notices:
            key = (agency_id, NOTICE_NUMBER_KIND[kind], issued.astimezone(tz).year)
            per_year[key] = per_year.get(key, 0) + 1
        seq = {
            key: draw_numbers(agency_id=key[0], kind=key[1], year=key[2], count=n)
            for key, n in sorted(per_year.items())
        }
    for issued, visit, kind, agency_id in notices:
        key = (agency_id, NOTICE_NUMBER_KIND[kind], issued.astimezone(tz).year)
        number = format_number(
            agency_pattern(agencies[agency_id], key[1]),
            year=key[2],
            seq=seq[key],
            short=agencies[agency_id].short_name,
        )
        seq[key] += 1
        notice_of[visit[0]] = (notice_id, number, kind)
        notice_id += 1

    # Pass 2: the hazards, their timelines and their notices, a month at a time.
    hazard_id = next_pk(Hazard)
    created = events_written = notices_written = 0
    hazard_columns = [
        "id",
        "created_at",
        "updated_at",
        "project_id",
        "agency_id",
        "number",
        "source",
        "inspection_id",
        "notice_id",
        "description",
        "location",
        "category",
        "grade",
        "major_clause_id",
        "responsible_org_id",
        "responsible_person",
        "status",
        "deadline",
        "found_at",
        "issued_at",
        "replied_at",
        "confirmed_at",
        "closed_at",
        "withdrawn_at",
        "reviewed_by_id",
        "rejections",
        "escalation_level",
        "created_by_id",
    ]
    event_columns = [
        "hazard_id",
        "type",
        "from_status",
        "to_status",
        "actor_id",
        "at",
        "comment",
        "payload",
    ]
    notice_columns = [
        "id",
        "created_at",
        "updated_at",
        "agency_id",
        "project_id",
        "inspection_id",
        "kind",
        "number",
        "status",
        "issued_by_id",
        "issued_at",
        "deadline",
        "requirements",
        "stop_scope",
        "closed_at",
        "verify_token",
    ]

    def dt(value):
        return db_datetime(value, vendor=vendor)

    hour = datetime.timedelta(hours=1)
    # Rows go in in the order they were found, month by month, as a live system writes them:
    # tables and indexes are laid out on disk as they would be (recent rows together).
    info = {}
    rngs = {}
    for project in todo:
        contractor = contractors.get(project["pk"])
        profile = profiles.setdefault(contractor, ContractorProfile(contractor))
        info[project["pk"]] = (project, contractor, profile, pms.get(project["pk"], ""))
        rngs[project["pk"]] = random.Random(f"outcome|{project['code']}")
    months: dict[tuple, list] = {}
    for pk, planned in plans.items():
        for position, (_index, _source, found, _category, _grade) in enumerate(planned):
            local = found.astimezone(tz)
            months.setdefault((local.year, local.month), []).append((found, pk, position))
    numbered: dict[int, int] = {}
    for month in sorted(months):
        hazard_rows, event_rows, notice_rows = [], [], []
        # notice id: [visit row, kind, number, deadlines, open?, last closed, project, agency]
        issued_notices: dict[int, list] = {}
        for _found, pk, position in sorted(months.pop(month)):
            index, source, found, category, grade = plans[pk][position]
            project, contractor, profile, pm = info[pk]
            rng = rngs[pk]
            _weight, _major, clause_category, texts = categories[category]
            visit = visits[pk][index] if index >= 0 else None
            lead = visit[5] if visit else project["lead_supervisor_id"]
            issued = visit[3] if visit else min(now, found + hour * rng.uniform(0, 2))
            days = rng.choice(MAJOR_DAYS if grade == "major" else GENERAL_DAYS)
            deadline = aware_local(
                issued.astimezone(tz).date() + datetime.timedelta(days=days + 1), 0, tz
            ) - datetime.timedelta(seconds=1)
            notice = number = None
            if visit is not None:
                notice, notice_number, kind = notice_of[visit[0]]
                numbered[notice] = numbered.get(notice, 0) + 1
                number = f"{notice_number}-{numbered[notice]:02d}"
                entry = issued_notices.setdefault(
                    notice, [visit, kind, notice_number, [], 0, None, pk, project["agency_id"]]
                )
                entry[3].append(deadline)
            # The outcome as planned, then cut at `now`.
            r = rng.random()
            withdrawn = r < 0.015
            stuck = 0.015 <= r < 0.03
            on_time = rng.random() < profile.on_time
            if on_time:
                close = issued + (deadline - issued) * rng.uniform(0.25, 0.98)
            else:
                late = rng.expovariate(1 / 150) if rng.random() < 0.8 else rng.uniform(360, 3000)
                close = deadline + datetime.timedelta(hours=2 + late)
            reply = max(issued + hour, close - datetime.timedelta(hours=rng.uniform(2, 40)))
            close = max(close, reply + hour)
            rejected_at = first_reply = None
            if rng.random() < 0.06:
                first_reply = issued + (reply - issued) * 0.4
                rejected_at = first_reply + (reply - first_reply) * 0.3
            events = [("created", "", "issued", lead if visit else None, found)]
            if notice:
                events.append(("notice_issued", "", "", lead, issued))
            status = HazardStatus.ISSUED
            replied_at = confirmed_at = closed_at = withdrawn_at = None
            rejections = 0
            if withdrawn:
                moment = issued + datetime.timedelta(hours=rng.uniform(4, 72))
                if moment <= now:
                    status, withdrawn_at = HazardStatus.WITHDRAWN, moment
                    events.append(("withdrawn", "issued", "withdrawn", lead, moment))
            else:
                if first_reply is not None and first_reply <= now and not stuck:
                    events.append(("replied", "issued", "replied", None, first_reply))
                    status, replied_at = HazardStatus.REPLIED, first_reply
                    if rejected_at <= now:
                        events.append(("rejected", "replied", "rectifying", lead, rejected_at))
                        status, rejections = HazardStatus.RECTIFYING, 1
                if not stuck and reply <= now:
                    events.append(("replied", status, "replied", None, reply))
                    status, replied_at = HazardStatus.REPLIED, reply
                    if close <= now:
                        events.append(("accepted", "replied", "closed", lead, close))
                        status, closed_at = HazardStatus.CLOSED, close
                    elif rng.random() < 0.3:
                        confirmed_at = min(now, reply + hour * rng.uniform(1, 10))
                        events.append(("confirmed", "replied", "confirmed", None, confirmed_at))
                        status = HazardStatus.CONFIRMED
                elif status == HazardStatus.ISSUED and rng.random() < 0.03:
                    moment = min(now, issued + hour * rng.uniform(4, 48))
                    events.append(("disputed", "issued", "disputed", None, moment))
                    status = HazardStatus.DISPUTED
            if notice:
                entry = issued_notices[notice]
                if status in (HazardStatus.CLOSED, HazardStatus.WITHDRAWN):
                    ended = closed_at or withdrawn_at
                    entry[5] = max(entry[5], ended) if entry[5] else ended
                else:
                    entry[4] += 1
            clause = None
            if grade == "major":
                clause = rng.choice(clauses.get(clause_category) or every_clause or [None])
            hazard_rows.append(
                (
                    hazard_id,
                    dt(found),
                    dt(events[-1][4]),
                    pk,
                    project["agency_id"],
                    number or "",
                    source,
                    visit[0] if visit else None,
                    notice,
                    rng.choice(texts),
                    f"{rng.randint(1, 12)}#楼{rng.randint(1, 30)}层",
                    category,
                    grade,
                    clause,
                    contractor,
                    pm,
                    status,
                    dt(deadline),
                    dt(found),
                    dt(issued),
                    dt(replied_at),
                    dt(confirmed_at),
                    dt(closed_at),
                    dt(withdrawn_at),
                    lead if closed_at else None,
                    rejections,
                    0,
                    lead if visit else None,
                )
            )
            for kind, before, after, actor, moment in events:
                event_rows.append((hazard_id, kind, before, after, actor, dt(moment), "", "{}"))
            hazard_id += 1
        for notice, (
            visit,
            kind,
            number,
            deadlines,
            still_open,
            ended,
            pk,
            agency_id,
        ) in issued_notices.items():
            if still_open:
                status, ended = (
                    (
                        NoticeStatus.ISSUED
                        if now - visit[3] < datetime.timedelta(days=1)
                        else NoticeStatus.RECEIVED
                    ),
                    None,
                )
            else:
                status = NoticeStatus.CLOSED
            token = uuid.UUID(int=rngs[pk].getrandbits(128), version=4)
            notice_rows.append(
                (
                    notice,
                    dt(visit[3]),
                    dt(ended or visit[3]),
                    agency_id,
                    pk,
                    visit[0],
                    kind,
                    number,
                    status,
                    visit[5],
                    dt(visit[3]),
                    dt(max(deadlines)),
                    "请于整改期限内完成整改，并将整改情况书面回复。",
                    "存在重大事故隐患的作业区域" if kind == NoticeKind.PARTIAL_STOP else "",
                    dt(ended),
                    token.hex if vendor == "sqlite" else token,
                )
            )
        with transaction.atomic():
            notices_written += insert_rows(RectificationNotice, notice_columns, notice_rows)
            created += insert_rows(Hazard, hazard_columns, hazard_rows)
            events_written += insert_rows(HazardEvent, event_columns, event_rows)
    reset_sequences(RectificationNotice, Hazard)
    if not quiet:
        stdout.write(
            f"Bulk hazards for the scaled projects: {created} hazards, {events_written} events, "
            f"{notices_written} notices in {time.monotonic() - started:.1f}s."
        )
