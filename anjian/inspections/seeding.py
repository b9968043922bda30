"""Load the major-hazard clauses and the four standard checklist templates (idempotent)."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization

from .choices import HazardGrade, ItemKind, TemplateKind, TemplateStatus
from .models import ChecklistTemplate, MajorHazardClause, TemplateItem, TemplateSection
from .seed.daily_patrol import DAILY_PATROL_TEMPLATE
from .seed.epidemic import EPIDEMIC_TEMPLATE
from .seed.jgj59 import JGJ59_SHEETS, JGJ59_SUMMARY
from .seed.major_hazard_2024 import MAJOR_HAZARD_2024_CLAUSES

KEY_JGJ59 = "jgj59-2011"
KEY_MAJOR = "major-hazard-2024"
KEY_EPIDEMIC = "epidemic"
KEY_PATROL = "daily-patrol"


@transaction.atomic
def seed_clauses() -> dict[str, MajorHazardClause]:
    """Create the 53 clauses of the 2024 standard where missing."""
    clauses = {c.code: c for c in MajorHazardClause.objects.all()}
    for data in MAJOR_HAZARD_2024_CLAUSES:
        if data["code"] not in clauses:
            clauses[data["code"]] = MajorHazardClause.objects.create(
                code=data["code"],
                label=data["label"],
                article=data["article"],
                item=data["item"],
                category=data["category"],
                text=data["text"],
                doc=data["doc"],
            )
    return clauses


def _new_template(owner, key, name, kind, basis, description, weights=None):
    return ChecklistTemplate.objects.create(
        key=key,
        version=1,
        name=name,
        kind=kind,
        status=TemplateStatus.PUBLISHED,
        published_at=timezone.now(),
        owner=owner,
        basis=basis,
        description=description,
        summary_weights=weights or {},
    )


def _jgj59(owner):
    weights = {c["code"]: c["weight"] for c in JGJ59_SUMMARY}
    template = _new_template(
        owner,
        KEY_JGJ59,
        "建筑施工安全检查评分（JGJ 59-2011）",
        TemplateKind.SCORED,
        "JGJ 59-2011 建筑施工安全检查标准",
        "汇总表10个分项、19张分项检查评分表。扣分标准文字为可编辑默认值，请对照标准核定。",
        weights,
    )
    for order, sheet in enumerate(JGJ59_SHEETS):
        section = TemplateSection.objects.create(
            template=template,
            code=sheet["code"],
            title=sheet["title"],
            category=sheet["category"],
            has_guarantee_split=sheet["has_guarantee_split"],
            order=order,
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                section=section,
                code=item["code"],
                text=item["name"],
                clause=f"JGJ 59-2011 {sheet['code']}",
                kind=ItemKind.SCORED,
                points=Decimal(str(item["points"])),
                is_guarantee=item["guarantee"],
                deduction_lines=[
                    {k: line[k] for k in ("kind", "text", "min", "max", "per")}
                    for line in item["deduction_lines"]
                ],
                photo_required=True,
                order=index,
            )
            for index, item in enumerate(sheet["items"])
        )
    return template


def _major(owner, clauses):
    template = _new_template(
        owner,
        KEY_MAJOR,
        "重大事故隐患判定检查（2024版）",
        TemplateKind.COMPLIANCE,
        "建质规〔2024〕5号 房屋市政工程生产安全重大事故隐患判定标准（2024版）",
        "逐条核查53项重大事故隐患情形；不符合即为重大隐患。条文为简写，引用前请核对原文。",
    )
    sections: dict[int, TemplateSection] = {}
    for index, data in enumerate(MAJOR_HAZARD_2024_CLAUSES):
        article = data["article"]
        if article not in sections:
            sections[article] = TemplateSection.objects.create(
                template=template,
                code=f"第{article}条",
                title=data["category"],
                order=article,
            )
        TemplateItem.objects.create(
            section=sections[article],
            code=data["code"],
            text=data["text"],
            clause=data["label"],
            kind=ItemKind.COMPLIANCE,
            default_grade=HazardGrade.MAJOR,
            major_clause=clauses[data["code"]],
            photo_required=True,
            order=index,
        )
    return template


def _compliance(owner, key, data, basis, description, clauses):
    template = _new_template(owner, key, data["name"], TemplateKind.COMPLIANCE, basis, description)
    for order, section_data in enumerate(data["sections"]):
        section = TemplateSection.objects.create(
            template=template, code=section_data["code"], title=section_data["name"], order=order
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                section=section,
                code=item["code"],
                text=item["text"],
                kind=ItemKind.COMPLIANCE,
                default_grade=HazardGrade.GENERAL,
                major_clause=clauses.get(item.get("major_clause") or ""),
                photo_required=True,
                order=index,
            )
            for index, item in enumerate(section_data["items"])
        )
    return template


@transaction.atomic
def seed_clauses_and_templates(owner: Organization | None = None) -> list[ChecklistTemplate]:
    """Create the standard templates that do not exist yet, owned by the (first) agency."""
    owner = owner or Organization.objects.filter(kind=OrgKind.AGENCY).order_by("pk").first()
    if owner is None:
        return []
    clauses = seed_clauses()
    existing = set(ChecklistTemplate.objects.values_list("key", flat=True))
    created = []
    if KEY_JGJ59 not in existing:
        created.append(_jgj59(owner))
    if KEY_MAJOR not in existing:
        created.append(_major(owner, clauses))
    if KEY_EPIDEMIC not in existing:
        created.append(
            _compliance(
                owner,
                KEY_EPIDEMIC,
                EPIDEMIC_TEMPLATE,
                "本区施工现场疫情防控工作要求",
                "疫情防控检查：人员进出、体温、口罩、消毒、宿舍、食堂、隔离室、应急预案。",
                clauses,
            )
        )
    if KEY_PATROL not in existing:
        created.append(
            _compliance(
                owner,
                KEY_PATROL,
                DAILY_PATROL_TEMPLATE,
                "日常监督检查要点",
                "日常安全巡查：按专业逐项检查，不符合项可关联重大事故隐患条款。",
                clauses,
            )
        )
    return created
