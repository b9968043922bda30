"""Demo data for inspections: the standard templates, plans, and records in every state.

Records are written through the services (answers, findings, photos, signatures, finish), so
their content hashes, numbers and scores are real. Idempotent: skipped once demo records exist.
"""

import base64
import datetime
import io
import random

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
def seed(*, stdout, quiet=False):
    """Load the checklist templates, plans and demo inspection records (idempotent)."""
    from .seeding import seed_clauses_and_templates

    seed_clauses_and_templates()
    try:
        from .demo_plans import seed_demo_plans
    except ImportError:
        seed_demo_plans = None
    if seed_demo_plans is not None:
        seed_demo_plans(stdout=stdout, quiet=quiet)
    seed_records(stdout=stdout, quiet=quiet)


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
