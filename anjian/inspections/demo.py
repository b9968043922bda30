"""Demo data for inspections: the standard templates, plans, and records in every state.

Records are written through the services (answers, findings, photos, signatures, finish), so
their content hashes, numbers and scores are real. Idempotent: skipped once demo records exist.
"""

import base64
import datetime
import io
import random
from decimal import Decimal

from django.utils import timezone

from anjian.core.context import acting_as
from anjian.core.seeding import register_demo_seeder

DEMO_MARK = "【演示】"


def _scribble(seed: int) -> str:
    """A signature-like PNG scribble as a data URL."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (360, 140), "white")
    draw = ImageDraw.Draw(image)
    x, y = 20, 90
    points = [(x, y)]
    for _ in range(14):
        x += rng.randint(10, 26)
        y = max(20, min(120, y + rng.randint(-40, 40)))
        points.append((x, y))
    draw.line(points, fill=(20, 20, 20), width=4, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _site_photo(seed: int, label: str) -> bytes:
    """A plausible site photo stand-in: sky, ground, a scaffold grid and a red mark."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (150, 180, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 800, 1600, 1200], fill=(120, 100, 80))
    left = rng.randint(200, 500)
    for i in range(8):
        draw.line([(left + i * 110, 200), (left + i * 110, 800)], fill=(90, 90, 90), width=10)
    for j in range(6):
        draw.line([(left, 200 + j * 110), (left + 770, 200 + j * 110)], fill=(90, 90, 90), width=8)
    cx, cy = rng.randint(500, 1100), rng.randint(300, 700)
    draw.ellipse([cx - 90, cy - 90, cx + 90, cy + 90], outline=(220, 30, 30), width=12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


FINDINGS = [
    ("S", "脚手架", "外架连墙件设置不足，12层东侧局部缺失", "3#楼东侧12层"),
    ("S", "临时用电", "二级配电箱门未关闭，电缆拖地敷设", "2#楼北侧配电箱"),
    ("S", "高处作业", "楼层临边防护栏杆缺失", "5#楼8层西侧临边"),
    ("S", "安全管理", "班前安全技术交底记录缺少作业人员签字", "项目部资料室"),
    ("S", "文明施工", "现场裸土未覆盖，主要道路未洒水降尘", "南侧材料堆场"),
    ("S", "起重机械", "塔吊限位装置失灵，未按规定检测", "1#塔吊"),
    ("S", "基坑", "基坑临边防护不连续，坑边堆载距离不足", "基坑北侧"),
]


@register_demo_seeder("inspections", order=10)
def seed(*, stdout, quiet=False, scale=1, hazards_per_project=None):
    """Load the checklist templates, plans and demo inspection records (idempotent); with
    --scale, bulk supervision visits (and their plans) for the added projects."""
    from .seeding import seed_clauses_and_templates

    seed_clauses_and_templates()
    try:
        from .demo_plans import seed_demo_plans
    except ImportError:
        seed_demo_plans = None
    if seed_demo_plans is not None:
        seed_demo_plans(stdout=stdout, quiet=quiet)
    seed_records(stdout=stdout, quiet=quiet)
    if scale > 1:
        from anjian.core.seeding import BULK_HAZARDS_PER_PROJECT

        if hazards_per_project is None:
            hazards_per_project = BULK_HAZARDS_PER_PROJECT
        seed_bulk(stdout=stdout, quiet=quiet, hazards_per_project=hazards_per_project)


def seed_records(*, stdout, quiet=False):
    from anjian.accounts.models import User
    from anjian.projects.models import Project

    from .models import ChecklistTemplate, Inspection

    if Inspection.objects.filter(site_situation__startswith=DEMO_MARK).exists():
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["supervisor", "supervisor2", "chief"])
    }
    if len(users) < 3:
        return
    templates = {t.key: t for t in ChecklistTemplate.objects.published()}
    if not {"jgj59-2011", "daily-patrol"} <= set(templates):
        return
    projects = list(
        Project.objects.filter(code__startswith="TZ-DEMO-", status="under_construction").order_by(
            "code"
        )[:14]
    )
    rng = random.Random(20261125)
    now = timezone.now()
    created = 0
    for index, project in enumerate(projects):
        lead = users["supervisor"] if index % 2 == 0 else users["chief"]
        partner = users["supervisor2"]
        days_ago = 3 + index * 4
        scored = index % 3 != 2 and index != 0  # the first project gets a patrol with 3 findings
        template = templates["jgj59-2011"] if scored else templates["daily-patrol"]
        _record(
            project=project,
            template=template,
            lead=lead,
            partner=partner,
            rng=rng,
            started=now - datetime.timedelta(days=days_ago, hours=rng.randint(1, 5)),
            finish=True,
            site_signs=index != 0,  # the first project's record waits for pm to sign
            seed=index,
        )
        created += 1
    # An inspection in progress for the supervisor on the first project (resumable draft).
    if projects:
        _record(
            project=projects[0],
            template=templates["daily-patrol"],
            lead=users["supervisor"],
            partner=users["supervisor2"],
            rng=rng,
            started=now - datetime.timedelta(hours=2),
            finish=False,
            site_signs=False,
            seed=99,
        )
        created += 1
    if not quiet:
        stdout.write(f"Demo inspections: {created} records.")


def _record(*, project, template, lead, partner, rng, started, finish, site_signs, seed):
    from .choices import AnswerResult, HazardGrade, SignerRole
    from .models import Inspection, InspectionAnswer
    from .services import records as svc

    with acting_as(lead):
        inspection = svc.inspection_start(
            project=project, template=template, by=lead, inspectors=[partner]
        )
        Inspection.objects.filter(pk=inspection.pk).update(started_at=started)
        inspection.refresh_from_db()
        sections = list(template.sections.order_by("order"))
        answers = {
            a.item_id: a
            for a in InspectionAnswer.objects.filter(inspection=inspection).select_related("item")
        }
        problems = []
        if template.is_scored:
            scaffold_kind = rng.choice(["B.3", "B.8"])
            for section in sections:
                not_here = (
                    (section.category == "SCAFFOLD" and section.code != scaffold_kind)
                    or section.code in {"B.15", "B.18"}
                    or (section.code == "B.11" and not project.pit_depth)
                )
                if not_here:
                    svc.inspection_mark_section(
                        inspection=inspection,
                        section=section,
                        by=lead,
                        result=AnswerResult.NOT_APPLICABLE,
                    )
            scored_items = list(
                InspectionAnswer.objects.filter(inspection=inspection)
                .exclude(result=AnswerResult.NOT_APPLICABLE)
                .select_related("item")
            )
            for answer in rng.sample(scored_items, k=min(len(scored_items), rng.randint(3, 7))):
                lines = answer.item.deduction_lines or []
                per = next(
                    (i for i, line in enumerate(lines) if line["kind"] == "per_occurrence"), None
                )
                if per is None:
                    continue
                svc.inspection_answer(
                    inspection=inspection,
                    item=answer.item,
                    by=lead,
                    counts={str(per): rng.randint(1, 2)},
                )
                problems.append(answer)
            for section in sections:
                svc.inspection_mark_section(
                    inspection=inspection, section=section, by=lead, result=AnswerResult.COMPLIANT
                )
        else:
            for answer in rng.sample(
                list(answers.values()), k=3 if seed == 0 else rng.randint(1, 3)
            ):
                svc.inspection_answer(
                    inspection=inspection,
                    item=answer.item,
                    by=lead,
                    result=AnswerResult.NONCOMPLIANT,
                )
                problems.append(answer)
            if finish:
                for section in sections:
                    svc.inspection_mark_section(
                        inspection=inspection,
                        section=section,
                        by=lead,
                        result=AnswerResult.COMPLIANT,
                    )
        for number, answer in enumerate(problems):
            _s, _cat, text, place = FINDINGS[(seed + number) % len(FINDINGS)]
            major = answer.item.major_clause is not None and rng.random() < 0.3
            svc.inspection_photo_add(
                inspection=inspection,
                by=lead,
                data=_site_photo(seed * 10 + number, text),
                answer=answer,
            )
            svc.finding_save(
                inspection=inspection,
                by=lead,
                answer=answer,
                description=f"{answer.item.text[:30]}：{text}",
                location=place,
                grade=HazardGrade.MAJOR if major else HazardGrade.GENERAL,
                major_clause=answer.item.major_clause if major else None,
                deadline_days=0 if major else rng.choice([3, 7, 15]),
            )
        svc.inspection_update_notes(
            inspection=inspection,
            by=lead,
            site_situation=f"{DEMO_MARK}项目处于{project.get_progress_display() or '施工'}阶段，现场作业面正常。",
            conclusion="对检查发现的问题限期整改，整改完成后报监督机构复查。"
            if problems
            else "未发现问题。",
        )
        if not finish:
            return inspection
        for inspector in (lead, partner):
            svc.inspection_sign(
                inspection=inspection,
                by=lead,
                role=SignerRole.INSPECTOR,
                image_data=_scribble(inspector.pk + seed),
                signer=inspector,
            )
        member = svc.representative_members(inspection).filter(role="pm").first()
        if site_signs and member is not None:
            svc.inspection_sign(
                inspection=inspection,
                by=lead,
                role=SignerRole.REPRESENTATIVE,
                image_data=_scribble(seed + 500),
                signer_name=member.name,
            )
        stop = seed == 3 and bool(problems)  # one stop-work notice, to show resumption
        svc.inspection_finish(
            inspection=inspection,
            by=lead,
            notice_kind="partial_stop" if stop else "rectify",
            stop_scope="1#塔吊及其作业半径范围" if stop else "",
        )
        Inspection.objects.filter(pk=inspection.pk).update(
            finished_at=started + datetime.timedelta(hours=2)
        )
    return inspection


# --- bulk volume for --scale -----------------------------------------------------------------

# Hazards found on supervision and remote visits (the rest come from self-inspections and
# worker reports), and how many a visit finds on average: together they set how many visits
# the bulk hazards need.
VISIT_SHARE = 0.72
FINDINGS_PER_VISIT = 9
BULK_DAYS = 730
SITUATIONS = [
    "主体结构施工至{n}层，现场作业人员约{m}人",
    "基础施工阶段，基坑开挖深度约{n}米，现场作业人员约{m}人",
    "二次结构及装饰装修施工，现场作业人员约{m}人",
    "机电安装施工，塔吊{n}台在用，现场作业人员约{m}人",
]


def _window(project, now, rng):
    """The stretch of the last two years in which the project was being built, or None."""
    if project["status"] == "not_started":
        return None
    from anjian.core.seeding import aware_local

    earliest = now - datetime.timedelta(days=BULK_DAYS)
    start = (
        aware_local(project["actual_start"])
        if project["actual_start"]
        else now - datetime.timedelta(days=rng.randint(60, BULK_DAYS))
    )
    end = now
    if project["status"] in ("completed", "terminated") and project["actual_end"]:
        end = min(now, aware_local(project["actual_end"]))
    start = max(start, earliest)
    if (end - start).days < 30:
        start = end - datetime.timedelta(days=30)
    return start, end


def seed_bulk(*, stdout, quiet=False, hazards_per_project: int):
    """Finished supervision (and some remote) visits over the last two years for the projects
    --scale added, with JGJ59 scores on most, their inspectors, and monthly plans whose
    visits they were: as many as the bulk hazards need (`hazards_per_project`). Written as
    plain rows (core.seeding.insert_rows): volume data for benchmarks, not via the services."""
    import time
    import uuid

    from django.db import connection, transaction

    from anjian.accounts.models import Organization, User
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

    from .choices import InspectionSource, InspectionStatus, InspectionType, PlanStatus, VisitStatus
    from .models import ChecklistTemplate, Inspection, PlannedVisit, SupervisionPlan
    from .scoring import EXCELLENT, EXCELLENT_MIN, FAIL, PASS

    started = time.monotonic()
    if hazards_per_project <= 0:
        return
    projects = list(
        scaled_projects().values(
            "pk",
            "code",
            "agency_id",
            "status",
            "actual_start",
            "actual_end",
            "lead_supervisor_id",
            "latitude",
            "longitude",
        )
    )
    done = set(
        Inspection.objects.filter(project_id__in=[p["pk"] for p in projects])
        .values_list("project_id", flat=True)
        .distinct()
    )
    todo = [p for p in projects if p["pk"] not in done]
    staff = {
        u.username: u.pk
        for u in User.objects.filter(username__in=["supervisor", "supervisor2", "chief"])
    }
    templates = {t.key: t.pk for t in ChecklistTemplate.objects.published()}
    if not todo or len(staff) < 3 or not {"jgj59-2011", "daily-patrol"} <= set(templates):
        return
    now = timezone.now()
    vendor = connection.vendor
    bulk_session()
    contractors = contractors_of(p["pk"] for p in todo)
    profiles: dict[int, ContractorProfile] = {}
    windows = {}
    for project in todo:
        window = _window(project, now, random.Random(f"window|{project['code']}"))
        if window is not None:
            windows[project["pk"]] = window
    total_days = sum((end - start).days for start, end in windows.values()) or 1
    wanted = len(todo) * hazards_per_project * VISIT_SHARE / FINDINGS_PER_VISIT
    per_day = wanted / total_days

    # (started, finished, project, source, type, template, score, grade, lead, partner)
    visits = []
    partners = [staff["supervisor2"], staff["supervisor"], staff["chief"]]
    for project in todo:
        if project["pk"] not in windows:
            continue
        rng = random.Random(f"visits|{project['code']}")
        start, end = windows[project["pk"]]
        expected = (end - start).days * per_day
        count = max(1, int(expected) + (rng.random() < expected - int(expected)))
        contractor = contractors.get(project["pk"])
        profile = profiles.setdefault(contractor, ContractorProfile(contractor))
        lead = project["lead_supervisor_id"] or staff["supervisor"]
        step = (end - start) / count
        for i in range(count):
            moment = start + step * (i + rng.uniform(0.1, 0.9))
            day = timezone.localtime(moment).date()
            if day.weekday() >= 5:  # visits are made on working days
                day -= datetime.timedelta(days=day.weekday() - 4)
            begin = aware_local(day, rng.uniform(8.5, 15.5))
            finish = begin + datetime.timedelta(minutes=rng.randint(80, 210))
            if finish >= now:
                continue
            remote = rng.random() < 0.08
            scored = not remote and rng.random() < 0.55
            score = grade = None
            if scored:
                value = min(99.5, max(55.0, rng.gauss(profile.score, 6)))
                score = Decimal(f"{value:.1f}")
                grade = EXCELLENT if score >= EXCELLENT_MIN else PASS if score >= 70 else FAIL
            kind = (
                InspectionType.ROUTINE
                if remote
                else rng.choices(
                    [
                        InspectionType.ROUTINE,
                        InspectionType.SPECIAL,
                        InspectionType.RANDOM,
                        InspectionType.RECHECK,
                    ],
                    [78, 10, 8, 4],
                )[0]
            )
            partner = next(p for p in partners if p != lead)
            visits.append(
                (
                    begin,
                    finish,
                    project,
                    InspectionSource.REMOTE if remote else InspectionSource.SUPERVISION,
                    kind,
                    templates["jgj59-2011" if scored else "daily-patrol"],
                    score,
                    grade,
                    lead,
                    partner,
                    rng.choice(SITUATIONS).format(n=rng.randint(2, 30), m=rng.randint(20, 400)),
                    rng.random() < 0.9,  # on the month's plan
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                )
            )
    if not visits:
        return
    visits.sort(key=lambda v: (v[0], v[2]["pk"]))

    with transaction.atomic():
        # One published plan per month of the period (the demo's own months are kept).
        months = sorted({timezone.localtime(v[0]).date().replace(day=1) for v in visits})
        agency_ids = sorted({v[2]["agency_id"] for v in visits})
        plans = {
            (p.agency_id, p.month): p.pk
            for p in SupervisionPlan.objects.filter(agency_id__in=agency_ids, month__in=months)
        }
        SupervisionPlan.objects.bulk_create(
            [
                SupervisionPlan(
                    agency_id=agency_id,
                    month=month,
                    title=f"{month:%Y年%m月}安全监督工作计划",
                    status=PlanStatus.PUBLISHED,
                    created_by_id=staff["chief"],
                )
                for agency_id in agency_ids
                for month in months
                if (agency_id, month) not in plans
            ]
        )
        plans = {
            (p.agency_id, p.month): p.pk
            for p in SupervisionPlan.objects.filter(agency_id__in=agency_ids, month__in=months)
        }
        # Record numbers drawn per agency and year, in the order the visits were made.
        agencies = {
            o.pk: o
            for o in Organization.objects.filter(pk__in=agency_ids).select_related(
                "agency_settings"
            )
        }
        per_year: dict[tuple, int] = {}
        for v in visits:
            key = (v[2]["agency_id"], timezone.localtime(v[0]).year)
            per_year[key] = per_year.get(key, 0) + 1
        seq = {
            key: draw_numbers(agency_id=key[0], kind="inspection", year=key[1], count=n)
            for key, n in sorted(per_year.items())
        }
        inspection_id = next_pk(Inspection)
        visit_id = next_pk(PlannedVisit)
        rows, visit_rows, inspectors, visit_inspectors = [], [], [], []
        for (
            begin,
            finish,
            project,
            source,
            kind,
            template,
            score,
            grade,
            lead,
            partner,
            text,
            planned,
            token,
        ) in visits:
            agency_id = project["agency_id"]
            year = timezone.localtime(begin).year
            number = format_number(
                agency_pattern(agencies[agency_id], "inspection"),
                year=year,
                seq=seq[(agency_id, year)],
                short=agencies[agency_id].short_name,
            )
            seq[(agency_id, year)] += 1
            planned_id = None
            if planned and source == InspectionSource.SUPERVISION:
                day = timezone.localtime(begin).date()
                planned_id = visit_id
                visit_id += 1
                visit_rows.append(
                    (
                        planned_id,
                        db_datetime(begin - datetime.timedelta(days=20), vendor=vendor),
                        db_datetime(finish, vendor=vendor),
                        day,
                        kind,
                        VisitStatus.DONE,
                        "",
                        project["pk"],
                        plans[(agency_id, day.replace(day=1))],
                    )
                )
                visit_inspectors += [(planned_id, lead), (planned_id, partner)]
            rows.append(
                (
                    inspection_id,
                    db_datetime(begin, vendor=vendor),
                    db_datetime(finish, vendor=vendor),
                    number,
                    kind,
                    source,
                    InspectionStatus.FINISHED,
                    db_datetime(begin, vendor=vendor),
                    db_datetime(finish, vendor=vendor),
                    project["latitude"],
                    project["longitude"],
                    text,
                    "责令对检查发现的问题限期整改并书面回复。",
                    score,
                    grade or "",
                    "{}",
                    "",
                    token.hex if vendor == "sqlite" else token,
                    agency_id,
                    lead,
                    project["pk"],
                    template,
                    planned_id,
                )
            )
            inspectors += [(inspection_id, lead), (inspection_id, partner)]
            inspection_id += 1
        insert_rows(
            PlannedVisit,
            [
                "id",
                "created_at",
                "updated_at",
                "date",
                "inspection_type",
                "status",
                "note",
                "project_id",
                "plan_id",
            ],
            visit_rows,
        )
        insert_rows(
            PlannedVisit.inspectors.through, ["plannedvisit_id", "user_id"], visit_inspectors
        )
        insert_rows(
            Inspection,
            [
                "id",
                "created_at",
                "updated_at",
                "number",
                "inspection_type",
                "source",
                "status",
                "started_at",
                "finished_at",
                "latitude",
                "longitude",
                "site_situation",
                "conclusion",
                "score",
                "grade",
                "score_detail",
                "content_hash",
                "verify_token",
                "agency_id",
                "created_by_id",
                "project_id",
                "template_id",
                "visit_id",
            ],
            rows,
        )
        insert_rows(Inspection.inspectors.through, ["inspection_id", "user_id"], inspectors)
        reset_sequences(PlannedVisit, Inspection)
    if not quiet:
        stdout.write(
            f"Bulk inspections for the scaled projects: {len(rows)} visits "
            f"({len(visit_rows)} on monthly plans) in {time.monotonic() - started:.1f}s."
        )
