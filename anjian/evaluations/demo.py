"""Demo data for 考评 and 排名: monthly self-evaluations and the commission's 评定, accidents,
final 考评 of every result (one objection waiting for the chief), and published rankings.

Who sees what (the default demo, relative to today's month M):

- `pm` / `safety`: the first project's self-evaluations of the last six months — M-5…M-2
  confirmed by the 监理 (`engineer`) and the 建设单位 (`owner`), M-4 with a 保证项目 scored 0
  (塔吊 行程限位装置), so that sheet is 0 and the month 不合格; M-1 submitted and waiting for both
  reviews (a to-do for `engineer` and `owner`); M in draft. The commission's 评定 of M-4 and M-2.
- `pm2`: the second project's self-evaluations, M-1 returned by its 监理 with an opinion; the
  commission's 评定 of M-3.
- `supervisor` / `chief`: three accidents (two liability accidents of level 一般, one not a
  liability accident), four final 考评 — 优良, 合格, 不合格 (the accident) and 合格 with the
  contractor's objection (it asks for 优良, which this year's 10 % cap no longer allows) waiting
  for `chief`'s review.
- `leader`: contractor and group rankings published for M-4…M-2 (trends); M-1 is left
  unpublished, with enough supervision inspections for both rankings, for `leader` to publish.
- `grouphq`: its group in those rankings with its subsidiaries' projects' contributions, and the
  final 考评 of its subsidiary's project.

Evaluations, reviews, accidents, final 考评 and rankings go through the real services (drawn PNG
signatures, real notifications), each step backdated right after it ran. Two kinds of volume are
bulk-inserted instead: the confirmed self-evaluations of older months (every construction month
of the four completed projects, which their final 考评 requires), scored by the same function,
with one drawn signature per person; and the scored supervision inspections the rankings need
(the inspections demo makes one per project, in the last weeks) — finished JGJ59 records with
answers, score, number, content hash and signatures, but no findings, so no hazards are added.
Idempotent: every part checks what exists. `--scale` adds nothing here.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import random
import time
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from anjian.core.context import acting_as
from anjian.core.seeding import register_demo_seeder

AGENCY_NAME = "北京市通州区住房和城乡建设委员会"
FIRST = "TZ-DEMO-00001"  # pm, safety, engineer, owner
SECOND = "TZ-DEMO-00002"  # pm2
# The final 考评 (DOMAIN.md §5.1): code -> result. Two are completed in the demo registry; two
# more are completed here (actual_end set).
EXCELLENT_CODE = "TZ-DEMO-00021"  # completed four months ago
PASS_CODE = "TZ-DEMO-00019"  # completed eight months ago
FAIL_CODE = "TZ-DEMO-00023"  # a 一般 liability accident → 不合格
OBJECTION_CODE = "TZ-DEMO-00029"  # grouphq's subsidiary: 合格, objects (wants 优良)
COMPLETE_HERE = {FAIL_CODE: 15, OBJECTION_CODE: None}  # days after contract_end (None: today-5)
# More self-evaluations of the last months (besides the first two projects).
RECENT_SELF = ("TZ-DEMO-00020", "TZ-DEMO-00040")
INSPECTION_MARK = "【演示·评分】"
# Scored supervision inspections per month for the rankings: project code -> inspections.
RANKING_VISITS = {
    FIRST: 2,  # 京通建工集团第一建筑 (group 京通建工)
    "TZ-DEMO-00028": 1,  # 京通建工集团市政
    OBJECTION_CODE: 1,  # 京通建工集团安装
    SECOND: 2,  # 燕潞建设集团第三工程 (group 燕潞)
    "TZ-DEMO-00016": 1,  # 燕潞建设集团基础
    "TZ-DEMO-00020": 2,  # 通衢路桥第二 (group 通衢)
    "TZ-DEMO-00031": 2,  # 华岳筑城华北 (group 华岳)
    "TZ-DEMO-00040": 2,  # 北京潞安市政 (independent)
    "TZ-DEMO-00038": 1,  # 北京运兴 (independent; one inspection: not ranked)
}
# Deductions per record (min, max) by project: a few sites are better kept than others.
CARE = {
    FIRST: (12, 18),
    SECOND: (8, 14),
    EXCELLENT_CODE: (4, 8),
    "TZ-DEMO-00020": (6, 12),
    "TZ-DEMO-00031": (14, 22),
    "TZ-DEMO-00040": (10, 18),
    "TZ-DEMO-00038": (22, 32),
}
DEFAULT_CARE = (12, 22)
PUBLISHED_MONTHS = 3  # M-4…M-2; M-1 stays unpublished
SELF_MONTHS = 6  # M-5…M


# --- small helpers -------------------------------------------------------------------------------


def _signature(seed) -> str:
    """A drawn signature as a PNG data URL: two to four pen strokes (a name's characters) and
    an underline, different for every seed, kept inside the box."""
    from PIL import Image, ImageDraw

    rng = random.Random(f"signature|{seed}")
    image = Image.new("RGB", (360, 140), "white")
    draw = ImageDraw.Draw(image)
    ink = rng.choice([(20, 20, 20), (25, 35, 90), (10, 10, 60)])
    width = rng.randint(3, 5)
    strokes = rng.randint(2, 4)
    room = 300 // strokes
    left = rng.randint(15, 35)
    for stroke in range(strokes):
        x, y = left + stroke * room, rng.randint(45, 95)
        points = [(x, y)]
        for _ in range(rng.randint(5, 9)):
            x = min(left + (stroke + 1) * room - 8, x + rng.randint(4, max(5, room // 5)))
            y = max(15, min(120, y + rng.randint(-36, 36)))
            points.append((x, y))
        draw.line(points, fill=ink, width=width, joint="curve")
    end = left + strokes * room - rng.randint(0, 30)
    draw.line(
        [(left + rng.randint(0, 20), rng.randint(112, 124)), (end, rng.randint(108, 120))],
        fill=ink,
        width=max(2, width - 2),
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class _Ink:
    """Stored signature images for bulk rows: one drawn PNG per person (and folder)."""

    def __init__(self):
        self.names: dict[tuple, str] = {}

    def stored(self, person: str, folder: str) -> str:
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        if (person, folder) not in self.names:
            data = _signature(f"stored|{person}")
            png = base64.b64decode(data.split(",", 1)[1])
            digest = hashlib.sha256(f"{folder}|{person}".encode()).hexdigest()[:16]
            self.names[person, folder] = default_storage.save(
                f"{folder}/demo/{digest}.png", ContentFile(png)
            )
        return self.names[person, folder]


_ink = _Ink()


def _month_add(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(month: datetime.date) -> datetime.date:
    return _month_add(month, 1) - datetime.timedelta(days=1)


class _Clock:
    """Today, and aware times on given days, never later than a few minutes ago."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.month = self.today.replace(day=1)
        self.latest = self.now - datetime.timedelta(minutes=5)

    def at(self, day: datetime.date, hour: float = 10.0) -> datetime.datetime:
        midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        return min(midnight + datetime.timedelta(hours=hour), self.latest)

    def backdate_notifications(self, since, when):
        """Move the notifications written since `since` to `when` (read when old)."""
        from anjian.notifications.models import Notification

        read = (
            when + datetime.timedelta(hours=3)
            if when < self.now - datetime.timedelta(days=2)
            else None
        )
        Notification.objects.filter(created_at__gte=since).update(created_at=when, read_at=read)


class _Sheet:
    """The JGJ59 template's items, and deductions that read like a real site's."""

    def __init__(self):
        from . import services as svc

        self.template = svc.jgj59_template()
        self.items = svc.template_items(self.template)
        self.by_section: dict[str, list] = {}
        for item in self.items:
            self.by_section.setdefault(item.section.code, []).append(item)

    def applicable(self, project) -> set[str]:
        """The sheets that apply to the project (the others are 缺项)."""
        rng = random.Random(f"sheets|{project.code}")
        codes = {"B.1", "B.2", "B.12", "B.13", "B.14", "B.19"}
        if project.category == "building":
            codes.add(rng.choice(["B.3", "B.3", "B.8", "B.6"]))
            codes.add("B.17")
            if (project.floors_above or 0) >= 8:
                codes.add("B.16")
        else:
            codes.add("B.7")
            codes.add("B.18")
        if project.pit_depth:
            codes.add("B.11")
        return codes

    def deductions(self, project, rng, count, zero_item=None):
        """({item: deduction}, [lines read]) for `count` deductions on the applicable sheets;
        guarantee items keep their table off the zero rule unless `zero_item` (a code) is given,
        which loses all its points."""
        sheets = self.applicable(project)
        pool = [i for code in sorted(sheets) for i in self.by_section.get(code, ())]
        weights = [1 if i.is_guarantee else 3 for i in pool]
        chosen: dict = {}
        guarantee_lost: dict[str, Decimal] = {}
        notes = []
        attempts = 0
        while len(chosen) < count and attempts < count * 6:
            attempts += 1
            item = rng.choices(pool, weights)[0]
            lines = item.deduction_lines or []
            if item in chosen or not lines:
                continue
            line = rng.choice(lines)
            if line["kind"] == "per_occurrence":
                times = rng.randint(1, 3)
                value = Decimal(str(line["per"])) * times
                note = f"{line['text']}（{times}处）"
            elif line["kind"] == "range":
                value = Decimal(rng.randint(int(line["min"]), int(line["max"])))
                note = line["text"]
            else:
                value = Decimal(str(line["min"]))
                note = line["text"]
            value = min(value, item.points)
            if item.is_guarantee:
                value = min(value, item.points - 2)
                lost = guarantee_lost.get(item.section.code, Decimal(0))
                if lost + value > 14 or value <= 0:
                    continue
                guarantee_lost[item.section.code] = lost + value
            chosen[item] = value
            notes.append(f"{item.code} {item.text}：{note}")
        if zero_item:
            item = next(i for i in self.items if i.code == zero_item)
            chosen[item] = item.points
            notes.append(f"{item.code} {item.text}：{item.deduction_lines[0]['text']}")
        return chosen, notes, sheets

    def answers(self, chosen, sheets) -> dict:
        """The evaluation form's answers: deductions, and 缺项 for the sheets that don't apply."""
        answers = {}
        for item in self.items:
            if item.section.code not in sheets:
                answers[str(item.pk)] = {"d": "0", "na": True}
            elif item in chosen:
                answers[str(item.pk)] = {"d": f"{chosen[item].normalize():f}", "na": False}
        return answers


class _Cast:
    """The demo accounts, and accounts for other projects' site teams and 监理."""

    def __init__(self):
        from anjian.accounts.models import User

        names = ["supervisor", "supervisor2", "chief", "leader", "pm", "pm2", "engineer", "owner"]
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}

    def ready(self) -> bool:
        return {"supervisor", "supervisor2", "chief", "leader", "pm", "engineer"} <= set(self.users)

    def site(self, project):
        from anjian.hazards.demo import _account_for

        return _account_for(project, "pm")

    def reviewers(self, project) -> list:
        """The 监理 first, then the 建设单位's project lead when they have an account."""
        from anjian.hazards.demo import _account_for
        from anjian.projects.models import ProjectMember

        people = [_account_for(project, "chief_engineer")]
        owner = (
            ProjectMember.objects.filter(
                project=project, role="owner_lead", is_active=True, user__isnull=False
            )
            .select_related("user")
            .first()
        )
        if owner is not None:
            people.append(owner.user)
        return [p for p in people if p is not None]

    def supervisor(self, project):
        lead = project.lead_supervisor
        if lead is not None and lead.agency_role in ("supervisor", "chief"):
            return lead
        return self.users["supervisor"]


def _link_owner(project, owner):
    """Databases seeded before `owner` existed: make them the first project's 建设 lead."""
    from anjian.projects.models import ProjectMember

    if owner is None:
        return
    member = ProjectMember.objects.filter(project=project, role="owner_lead").first()
    if member is not None and member.user_id is None:
        member.user = owner
        member.name = owner.name
        member.phone = owner.phone
        member.save(update_fields=["user", "name", "phone", "updated_at"])


# --- the seeder ----------------------------------------------------------------------------------


@register_demo_seeder("evaluations", order=40)
def seed(*, stdout, quiet=False, scale=1):
    """Evaluations, accidents, final 考评 and rankings of the demo district (idempotent).
    Runs after the inspections (10) and hazards (20) seeders; `scale` adds nothing."""
    from anjian.accounts.models import Organization
    from anjian.projects.models import Project

    started = time.monotonic()
    agency = Organization.objects.filter(name=AGENCY_NAME).first()
    cast = _Cast()
    if agency is None or not cast.ready():
        return
    projects = {
        p.code: p
        for p in Project.objects.filter(code__startswith="TZ-DEMO-", agency=agency)
        .select_related("lead_supervisor")
        .order_by("code")[:40]
    }
    if FIRST not in projects:
        return
    from anjian.core.errors import DomainError

    from .services import jgj59_template

    try:
        jgj59_template()
    except DomainError:  # the checklists are not loaded
        return
    _link_owner(projects[FIRST], cast.users.get("owner"))
    _ink.names.clear()  # the media folder may differ from an earlier run in this process
    clock = _Clock()
    sheet = _Sheet()
    _complete_projects(projects, clock)
    counts = {
        "inspections": _ranking_inspections(agency, projects, cast, sheet, clock),
        "evaluations": _self_evaluations(projects, cast, sheet, clock),
    }
    counts["evaluations"] += _agency_evaluations(projects, cast, sheet, clock)
    counts["accidents"] = _accidents(projects, cast, clock)
    counts["final"] = _final_evaluations(projects, cast, clock)
    counts["rankings"] = _rankings(agency, cast, clock)
    if not quiet and any(counts.values()):
        stdout.write(
            "Demo evaluations: {evaluations} evaluations, {accidents} accidents, {final} final "
            "考评, {rankings} published rankings, {inspections} scored inspections for the "
            "rankings".format(**counts)
            + f" in {time.monotonic() - started:.1f}s."
        )


# --- projects completed for their final 考评 -------------------------------------------------------


def _complete_projects(projects, clock):
    """Two nearly finished projects are completed: their actual end date is set."""
    from anjian.projects.models import Project

    for code, late in COMPLETE_HERE.items():
        project = projects.get(code)
        if project is None or project.actual_end is not None or project.actual_start is None:
            continue
        if late is None:
            end = clock.today - datetime.timedelta(days=5)
        else:
            end = (project.contract_end or clock.today) + datetime.timedelta(days=late)
        end = max(min(end, clock.today - datetime.timedelta(days=5)), project.actual_start)
        Project.objects.filter(pk=project.pk).update(
            actual_end=end, status="completed", progress="closing"
        )
        project.actual_end, project.status, project.progress = end, "completed", "closing"


def _active(project, month) -> bool:
    start = project.actual_start
    if start is None or start > _month_end(month):
        return False
    return project.actual_end is None or project.actual_end >= month


# --- scored supervision inspections for the rankings ----------------------------------------------


def _ranking_inspections(agency, projects, cast, sheet, clock) -> int:
    """Finished JGJ59 supervision inspections in M-4…M-1, and a few while the completed
    projects were built (bulk: the volume behind the rankings and the final 考评)."""
    from django.db import transaction

    from anjian.core.numbering import next_number
    from anjian.inspections.models import Inspection, InspectionAnswer, InspectionEvent, Signature
    from anjian.inspections.services.records import content_hash, score_rows
    from anjian.projects.models import ProjectMember

    if Inspection.objects.filter(site_situation__startswith=INSPECTION_MARK).exists():
        return 0
    supervisor, partner = cast.users["supervisor"], cast.users["supervisor2"]
    rng = random.Random(20261201)

    def image(name):
        return _ink.stored(name, "signatures")

    plans = []
    for back in range(PUBLISHED_MONTHS + 1, 0, -1):
        month = _month_add(clock.month, -back)
        last_day = min(_month_end(month), clock.today - datetime.timedelta(days=1))
        for code, visits in RANKING_VISITS.items():
            project = projects.get(code)
            if project is None or not _active(project, month):
                continue
            latest = min(last_day, project.actual_end or last_day)
            first = max(month, project.actual_start)
            if latest < first:
                continue
            for _visit in range(visits):
                day = first + datetime.timedelta(days=rng.randint(0, (latest - first).days))
                plans.append((project, day))
    # The completed projects were inspected while they were built (their final 考评 shows it).
    for code in (EXCELLENT_CODE, PASS_CODE, FAIL_CODE):
        project = projects.get(code)
        if project is None or project.actual_start is None or project.actual_end is None:
            continue
        span = (project.actual_end - project.actual_start).days
        for share in (0.3, 0.55, 0.8):
            plans.append(
                (project, project.actual_start + datetime.timedelta(days=int(span * share)))
            )
    plans.sort(key=lambda plan: (plan[1], plan[0].code))
    rows = []
    for project, day in plans:
        lead = cast.supervisor(project)
        second = partner if lead.pk != partner.pk else supervisor
        low, high = CARE.get(project.code, DEFAULT_CARE)
        chosen, notes, sheets = sheet.deductions(project, rng, rng.randint(low, high))
        result = score_rows(
            sheet.template,
            (
                (item, chosen.get(item, Decimal(0)), item.section.code in sheets)
                for item in sheet.items
            ),
        )
        started = clock.at(day, 9 + rng.randint(0, 5) + rng.choice([0, 0.5]))
        rows.append((project, lead, second, started, chosen, sheets, result, notes))
    if not rows:
        return 0
    with transaction.atomic():
        inspections = Inspection.objects.bulk_create(
            Inspection(
                project=project,
                agency_id=project.agency_id,
                template=sheet.template,
                inspection_type="routine",
                source="supervision",
                status="finished",
                created_by=lead,
                started_at=started,
                finished_at=started + datetime.timedelta(hours=2, minutes=rng.randint(0, 40)),
                site_situation=(
                    f"{INSPECTION_MARK}按JGJ 59-2011评分，检查{len(sheets)}张分项检查评分表；"
                    f"项目处于{project.get_progress_display() or '施工'}阶段。"
                ),
                conclusion=(
                    "扣分项："
                    + "；".join(notes[:6])
                    + ("等。" if len(notes) > 6 else "。")
                    + "以上问题已责令现场立即整改，未发现重大事故隐患，不另行签发整改通知书。"
                ),
                score=Decimal(result["total"]),
                grade=result["grade"],
                score_detail=result,
            )
            for project, lead, _second, started, _chosen, _sheets, result, notes in rows
        )
        answers, through, events = [], [], []
        Through = Inspection.inspectors.through
        for inspection, (_p, lead, second, started, chosen, sheets, _r, _n) in zip(
            inspections, rows, strict=True
        ):
            answered_at = started + datetime.timedelta(minutes=30)
            for item in sheet.items:
                applicable = item.section.code in sheets
                deduction = chosen.get(item, Decimal(0))
                answers.append(
                    InspectionAnswer(
                        inspection_id=inspection.pk,
                        item_id=item.pk,
                        result=("noncompliant" if deduction else "compliant")
                        if applicable
                        else "na",
                        deduction=deduction,
                        answered_by_id=lead.pk,
                        answered_at=answered_at,
                    )
                )
            through += [
                Through(inspection_id=inspection.pk, user_id=lead.pk),
                Through(inspection_id=inspection.pk, user_id=second.pk),
            ]
            events += [
                InspectionEvent(inspection=inspection, type="started", actor=lead, at=started),
                InspectionEvent(
                    inspection=inspection, type="finished", actor=lead, at=inspection.finished_at
                ),
            ]
        InspectionAnswer.objects.bulk_create(answers, batch_size=2000)
        Through.objects.bulk_create(through)
        InspectionEvent.objects.bulk_create(events)
        pm_names = dict(
            ProjectMember.objects.filter(
                project__in=[r[0] for r in rows], role="pm", is_active=True
            ).values_list("project_id", "name")
        )
        signatures = []
        for inspection, (project, lead, second, *_rest) in zip(inspections, rows, strict=True):
            inspection.number = next_number(
                agency=agency,
                kind="inspection",
                year=timezone.localtime(inspection.finished_at).year,
            )
            inspection.content_hash = content_hash(inspection)
            Inspection.objects.filter(pk=inspection.pk).update(
                number=inspection.number,
                content_hash=inspection.content_hash,
                created_at=inspection.started_at,
                updated_at=inspection.finished_at,
            )
            signed = inspection.finished_at - datetime.timedelta(minutes=10)
            for person in (lead, second):
                signatures.append(
                    Signature(
                        inspection=inspection,
                        role="inspector",
                        signer=person,
                        signer_name=person.name or person.username,
                        image=image(person.username),
                        signed_at=signed,
                        content_hash=inspection.content_hash,
                        recorded_by=lead,
                        created_at=signed,
                    )
                )
            name = pm_names.get(project.pk)
            if name:
                signatures.append(
                    Signature(
                        inspection=inspection,
                        role="representative",
                        signer_name=name,
                        image=image(f"{project.code}|{name}"),
                        signed_at=signed,
                        content_hash=inspection.content_hash,
                        recorded_by=lead,
                        created_at=signed,
                    )
                )
        Signature.objects.bulk_create(signatures)
    return len(inspections)


# --- monthly self-evaluations and the commission's 评定 ---------------------------------------------

REVIEW_OPINIONS = [
    "同意。自评扣分与监理日常巡视情况基本一致，扣分项已督促施工单位整改完毕。",
    "同意。自评资料齐全，扣分项已整改，请继续加强临边防护和临时用电管理。",
    "同意自评结果。本月安全例会及隐患排查记录完整，整改闭合。",
    "同意。请施工单位对本月扣分项举一反三，下月重点检查脚手架和起重机械。",
]
OWNER_OPINIONS = [
    "同意监理单位意见。",
    "同意，请施工单位持续做好安全文明施工。",
    "同意自评结果，建设单位将配合落实安全文明施工措施费。",
]
ZERO_REMARK = (
    "本月1#塔吊高度限位器失灵，B.17保证项目“行程限位装置”扣10分，塔式起重机评分表按零分计，"
    "本月自评不合格。已停用塔吊、更换限位器并经检测合格后恢复使用。"
)
RETURN_OPINION = (
    "自评未反映本月监理通知单指出的问题：2#工作井配电箱未设漏电保护器、电缆拖地敷设，"
    "B.14施工用电应扣分；沟槽临边防护不连续，B.13亦应扣分。请核实后重新自评。"
)


def _self_plan(projects, clock):
    """(project, month, outcome) of every self-evaluation to make; outcome is one of confirmed,
    submitted, returned, draft."""
    plan = []
    months = [_month_add(clock.month, -back) for back in range(SELF_MONTHS - 1, -1, -1)]
    first = projects[FIRST]
    for month in months:
        if not _active(first, month):
            continue
        outcome = "confirmed"
        if month == clock.month:
            outcome = "draft"
        elif month == months[-2]:
            outcome = "submitted"
        plan.append((first, month, outcome))
    second = projects.get(SECOND)
    if second is not None:
        for month in months[:-1]:
            if _active(second, month):
                plan.append((second, month, "returned" if month == months[-2] else "confirmed"))
    for code in RECENT_SELF:
        project = projects.get(code)
        if project is not None:
            for month in months[-4:-1]:
                if _active(project, month):
                    plan.append((project, month, "confirmed"))
    # Every construction month of the projects with a final 考评 (none missing: 111号文).
    for code in (EXCELLENT_CODE, PASS_CODE, FAIL_CODE, OBJECTION_CODE):
        project = projects.get(code)
        if project is None or project.actual_start is None or project.actual_end is None:
            continue
        month = project.actual_start.replace(day=1)
        while month <= project.actual_end:
            plan.append((project, month, "confirmed"))
            month = _month_add(month, 1)
    unique = {}
    for project, month, outcome in plan:
        unique.setdefault((project.pk, month), (project, month, outcome))
    return list(unique.values())


class _SelfMonth:
    """One month's self-evaluation: its deductions, remarks, timeline and review opinions."""

    def __init__(self, project, month, outcome, sheet, clock, reviewers):
        self.project, self.month, self.outcome = project, month, outcome
        rng = random.Random(f"self|{project.code}|{month}")
        low, high = CARE.get(project.code, DEFAULT_CARE)
        self.zero = project.code == FIRST and month == _month_add(clock.month, -4)
        chosen, notes, sheets = sheet.deductions(
            project,
            rng,
            max(2, rng.randint(low, high) * 2 // 3),
            zero_item="B.17-2" if self.zero else None,
        )
        self.answers = sheet.answers(chosen, sheets)
        self.remarks = (
            ZERO_REMARK if self.zero else "本月自评扣分项：" + "；".join(notes[:8]) + "。均已整改。"
        )
        # Written in the month's last days and submitted early the next month; the last month
        # of a completed project right at completion.
        anchor, final_month = _month_add(month, 1), False
        if project.actual_end is not None and project.actual_end < anchor:
            anchor, final_month = project.actual_end + datetime.timedelta(days=1), True
        last = min(anchor - datetime.timedelta(days=1), clock.today)
        self.created_at = clock.at(last - datetime.timedelta(days=min(3, last.day - 1)), 15)
        self.submitted_at = clock.at(
            anchor + datetime.timedelta(days=0 if final_month else rng.randint(0, 2)), 9.5
        )
        self.reviews = []  # (reviewer, when, agrees, opinion)
        for index, reviewer in enumerate(reviewers):
            days = 1 if final_month else 3 + index + rng.randint(0, 2)
            when = clock.at(anchor + datetime.timedelta(days=days), 14 + index)
            returned = outcome == "returned" and index == 0
            if returned:
                opinion = RETURN_OPINION
            elif self.zero and index == 0:
                opinion = "同意。塔吊限位器已更换并经检测合格，监理已复查。本月自评不合格属实。"
            elif index == 0:
                opinion = rng.choice(REVIEW_OPINIONS)
            else:
                opinion = rng.choice(OWNER_OPINIONS)
            self.reviews.append((reviewer, when, not returned, opinion))
            if returned:
                break


def _self_evaluations(projects, cast, sheet, clock) -> int:
    """The first two projects' months and everyone's last three through the services; older
    confirmed months (volume, e.g. for the final 考评 of completed projects) with bulk inserts."""
    from .models import Evaluation

    plan = _self_plan(projects, clock)
    done = set(
        Evaluation.objects.filter(kind="self", project__in=[p for p, _m, _o in plan]).values_list(
            "project_id", "period"
        )
    )
    recent = _month_add(clock.month, -2)
    people: dict[int, tuple] = {}
    history = []
    created = 0
    for project, month, outcome in plan:
        if (project.pk, month) in done:
            continue
        if project.pk not in people:
            people[project.pk] = (cast.site(project), cast.reviewers(project))
        site, reviewers = people[project.pk]
        if site is None or not reviewers:
            continue
        entry = _SelfMonth(project, month, outcome, sheet, clock, reviewers)
        showcase = project.code in (FIRST, SECOND) or month >= recent
        if outcome == "confirmed" and not showcase:
            history.append((entry, site))
        else:
            _self_with_services(entry, site, clock)
        created += 1
    _self_in_bulk(history, sheet)
    return created


def _self_with_services(entry, site, clock):
    from . import services as svc
    from .models import Evaluation

    with acting_as(site):
        evaluation = svc.evaluation_create(
            project=entry.project, by=site, kind="self", period=entry.month
        )
        evaluation = svc.evaluation_save(
            evaluation=evaluation, by=site, answers=entry.answers, remarks=entry.remarks
        )
    Evaluation.objects.filter(pk=evaluation.pk).update(
        created_at=entry.created_at, updated_at=entry.created_at
    )
    if entry.outcome == "draft":
        return
    _step(
        clock,
        site,
        entry.submitted_at,
        svc.evaluation_submit,
        evaluation=evaluation,
        by=site,
        image_data=_signature(f"{site.pk}|{entry.month}"),
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(
        submitted_at=entry.submitted_at, updated_at=entry.submitted_at
    )
    if entry.outcome == "submitted":
        return
    for reviewer, when, agrees, opinion in entry.reviews:
        _step(
            clock,
            reviewer,
            when,
            svc.evaluation_review,
            evaluation=evaluation,
            by=reviewer,
            agrees=agrees,
            opinion=opinion,
            image_data=_signature(f"{reviewer.pk}|{entry.month}"),
        )
    last = entry.reviews[-1][1]
    Evaluation.objects.filter(pk=evaluation.pk).update(
        updated_at=last, confirmed_at=last if entry.outcome == "confirmed" else None
    )


def _self_in_bulk(history, sheet):
    """Confirmed self-evaluations of past months: scored like the service does, with the
    contractor's and the reviewers' signatures (one drawn image per person)."""
    from django.db import transaction

    from . import services as svc
    from .models import Evaluation, EvaluationSignature

    if not history:
        return
    roles: dict[tuple, str] = {}
    rows = []
    for entry, site in history:
        evaluation = Evaluation(
            project=entry.project,
            kind="self",
            period=entry.month,
            template=sheet.template,
            answers=entry.answers,
            status="confirmed",
            remarks=entry.remarks,
            created_by=site,
            submitted_at=entry.submitted_at,
            confirmed_at=entry.reviews[-1][1],
            created_at=entry.created_at,
        )
        svc._store_score(evaluation, svc.score(evaluation, sheet.items))
        rows.append(evaluation)
    with transaction.atomic():
        Evaluation.objects.bulk_create(rows)
        Evaluation.objects.filter(pk__in=[e.pk for e in rows]).update(updated_at=F("confirmed_at"))
        signatures = []
        for evaluation, (entry, site) in zip(rows, history, strict=True):
            signatures.append(
                EvaluationSignature(
                    evaluation=evaluation,
                    role="contractor",
                    user=site,
                    name=site.name or site.username,
                    image=_ink.stored(site.username, "evaluation-signatures"),
                    signed_at=entry.submitted_at,
                    created_at=entry.submitted_at,
                )
            )
            for reviewer, when, agrees, opinion in entry.reviews:
                key = (entry.project.pk, reviewer.pk)
                if key not in roles:
                    roles[key] = svc.review_role(entry.project, reviewer)
                signatures.append(
                    EvaluationSignature(
                        evaluation=evaluation,
                        role=roles[key],
                        user=reviewer,
                        name=reviewer.name or reviewer.username,
                        opinion=opinion,
                        agrees=agrees,
                        image=_ink.stored(reviewer.username, "evaluation-signatures"),
                        signed_at=when,
                        created_at=when,
                    )
                )
        EvaluationSignature.objects.bulk_create(signatures)


def _step(clock, actor, when, call, **kwargs):
    """Run a service call as `actor`, then move what it wrote (signatures, notifications) to
    `when`."""
    from .models import EvaluationSignature

    with acting_as(actor):
        since = timezone.now()
        result = call(**kwargs)
        EvaluationSignature.objects.filter(created_at__gte=since).update(
            created_at=when, updated_at=when, signed_at=when
        )
        clock.backdate_notifications(since, when)
    return result


def _agency_evaluations(projects, cast, sheet, clock) -> int:
    """The commission's 评定 of the first project (M-4, M-2) and the second (M-3)."""
    from . import services as svc
    from .models import Evaluation

    wanted = [(FIRST, -4), (FIRST, -2), (SECOND, -3)]
    created = 0
    for code, back in wanted:
        project = projects.get(code)
        month = _month_add(clock.month, back)
        if project is None or not _active(project, month):
            continue
        if Evaluation.objects.filter(project=project, kind="agency", period=month).exists():
            continue
        by = cast.supervisor(project)
        rng = random.Random(f"agency|{code}|{month}")
        chosen, notes, sheets = sheet.deductions(project, rng, rng.randint(12, 20))
        when = clock.at(_month_end(month) - datetime.timedelta(days=rng.randint(2, 8)), 11)
        with acting_as(by):
            since = timezone.now()
            evaluation = svc.evaluation_create(project=project, by=by, kind="agency", period=month)
            svc.evaluation_save(
                evaluation=evaluation,
                by=by,
                answers=sheet.answers(chosen, sheets),
                remarks="监督机构结合本月监督检查评定。主要扣分项：" + "；".join(notes[:6]) + "。",
            )
            clock.backdate_notifications(since, when)
        _step(
            clock,
            by,
            when,
            svc.evaluation_submit,
            evaluation=evaluation,
            by=by,
            image_data=_signature(f"{by.pk}|agency|{month}"),
        )
        Evaluation.objects.filter(pk=evaluation.pk).update(
            created_at=when - datetime.timedelta(hours=3),
            updated_at=when,
            submitted_at=when,
            confirmed_at=when,
        )
        created += 1
    return created


# --- accidents -------------------------------------------------------------------------------------

ACCIDENTS = [
    # code, days after actual start (None: days ago), level, liability, deaths, injuries, text
    (
        FAIL_CODE,
        150,
        None,
        "general",
        True,
        1,
        0,
        "基坑东侧土方开挖时未按专项施工方案分层放坡，坑壁局部坍塌，1名作业人员被埋，"
        "经抢救无效死亡。经事故调查组认定为一般生产安全责任事故，施工总承包单位负主要责任。",
    ),
    (
        "TZ-DEMO-00038",
        None,
        40,
        "general",
        True,
        0,
        2,
        "2#塔吊吊运钢筋时吊索具断裂，吊物坠落砸伤2名作业人员（重伤）。"
        "经调查认定为一般生产安全责任事故：吊索具未按规定检查报废。项目已被责令局部停工整改。",
    ),
    (
        "TZ-DEMO-00016",
        None,
        75,
        "general",
        False,
        0,
        1,
        "项目出入口外社会车辆与渣土运输车辆发生碰撞，车辆驾驶员受伤。"
        "经交管部门认定为道路交通事故，不属于生产安全责任事故。",
    ),
]


def _accidents(projects, cast, clock) -> int:
    from . import services as svc
    from .models import Accident

    created = 0
    for code, after_start, days_ago, level, liability, deaths, injuries, text in ACCIDENTS:
        project = projects.get(code)
        if project is None or project.actual_start is None:
            continue
        if Accident.objects.filter(project=project, description=text).exists():
            continue
        if after_start is not None:
            day = project.actual_start + datetime.timedelta(days=after_start)
            if project.actual_end:
                day = min(day, project.actual_end - datetime.timedelta(days=20))
        else:
            day = clock.today - datetime.timedelta(days=days_ago)
        day = max(min(day, clock.today - datetime.timedelta(days=1)), project.actual_start)
        by = cast.supervisor(project)
        when = clock.at(day + datetime.timedelta(days=1), 16)
        with acting_as(by):
            since = timezone.now()
            accident = svc.accident_record(
                project=project,
                by=by,
                data={
                    "occurred_on": day,
                    "level": level,
                    "is_liability": liability,
                    "deaths": deaths,
                    "injuries": injuries,
                    "description": text,
                },
            )
            Accident.objects.filter(pk=accident.pk).update(created_at=when, updated_at=when)
            clock.backdate_notifications(since, when)
        created += 1
    return created


# --- the final 考评 ----------------------------------------------------------------------------------

FINALS = [
    (
        EXCELLENT_CODE,
        "excellent",
        10,
        "施工期间月度自评均按规定开展并经建设、监理审核；自评及监督检查得分均在优良档；"
        "未发生生产安全事故，未受停工整改处理，安全生产标准化管理规范。",
    ),
    (PASS_CODE, "pass", 8, ""),
    (FAIL_CODE, "fail", 9, "事故发生后项目已停工整改，施工总承包单位须落实事故防范和整改措施。"),
    (OBJECTION_CODE, "pass", 3, ""),
]
OBJECTION = (
    "本项目施工期间月度自评均已开展并经建设、监理单位审核确认（平均{self_mean}分），"
    "监督检查平均{supervision_mean}分，未发生生产安全事故，也未被责令停工整改，"
    "安全生产标准化管理达到优良水平。请求复核，将考评结果调整为优良。"
)


def _final_evaluations(projects, cast, clock) -> int:
    from . import services as svc
    from .models import FinalEvaluation

    created = 0
    for code, result, days_after, reasons in FINALS:
        project = projects.get(code)
        if project is None or project.actual_end is None:
            continue
        if FinalEvaluation.objects.filter(project=project).exists():
            continue
        by = cast.supervisor(project)
        decided = clock.at(
            min(project.actual_end + datetime.timedelta(days=days_after), clock.today), 10
        )
        if result == "excellent":
            due, cap, given = svc.excellent_quota(project.agency, timezone.localdate(decided).year)
            if given >= cap:
                result = "pass"  # no room under the 10 % cap this year
        with acting_as(by):
            since = timezone.now()
            final = svc.final_evaluate(
                project=project, by=by, result=result, reasons=reasons, now=decided
            )
            FinalEvaluation.objects.filter(pk=final.pk).update(
                created_at=decided, updated_at=decided
            )
            clock.backdate_notifications(since, decided)
        created += 1
        if code == OBJECTION_CODE:
            site = cast.site(project)
            objected = clock.at(
                min(timezone.localdate(decided) + datetime.timedelta(days=2), clock.today), 16
            )
            if site is not None:
                with acting_as(site):
                    since = timezone.now()
                    svc.final_object(
                        final=final,
                        by=site,
                        objection=OBJECTION.format(
                            self_mean=final.self_evaluation_mean or "—",
                            supervision_mean=final.supervision_mean or "—",
                        ),
                    )
                    FinalEvaluation.objects.filter(pk=final.pk).update(
                        objected_at=objected, updated_at=objected
                    )
                    clock.backdate_notifications(since, objected)
    return created


# --- published rankings ----------------------------------------------------------------------------


def _rankings(agency, cast, clock) -> int:
    """Contractor and group rankings of M-5…M-2, published by the leader early the next month."""
    from anjian.core.errors import DomainError

    from . import services as svc
    from .models import RankingSnapshot

    leader = cast.users["leader"]
    created = 0
    for back in range(PUBLISHED_MONTHS + 1, 1, -1):
        month = _month_add(clock.month, -back)
        when = clock.at(_month_add(month, 1) + datetime.timedelta(days=5), 15)
        for unit in (RankingSnapshot.Unit.CONTRACTOR, RankingSnapshot.Unit.GROUP):
            if RankingSnapshot.objects.filter(
                agency=agency, unit=unit, period_type="month", period_start=month
            ).exists():
                continue
            with acting_as(leader):
                since = timezone.now()
                try:
                    snapshot = svc.ranking_publish(
                        agency=agency, by=leader, unit=unit, period_type="month", day=month
                    )
                except DomainError:
                    continue  # nothing to rank
                RankingSnapshot.objects.filter(pk=snapshot.pk).update(
                    published_at=when, created_at=when, updated_at=when
                )
                clock.backdate_notifications(since, when)
            created += 1
    return created
