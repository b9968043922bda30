"""A small world of personas for tests: one district, two agencies, companies and projects.

- agency A covers streets A1 and A2; agency B (another district's agency) covers street B1;
- project P (street A1): builder, contractor A (group G), supervising firm S; pm/safety/engineer;
- project Q (street A2): contractor B (no relation to A); pm2;
- project R (street B1): contractor A as well, but outside agency A's jurisdiction.
"""

from dataclasses import dataclass, field

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.accounts.models import Organization, User
from anjian.core.models import District, Street
from anjian.core.validators import make_credit_code
from anjian.projects.choices import ParticipantRole, ProjectCategory, ProjectRole
from anjian.projects.models import Project, ProjectMember, ProjectParticipant

PASSWORD = "test-pass-123"
PERSONAS = (
    "anonymous",
    "supervisor",
    "chief",
    "leader",
    "admin",
    "pm",
    "safety",
    "engineer",
    "pm2",
    "grouphq",
    "outsider",
)


@dataclass
class World:
    district: District
    streets: dict[str, Street]
    orgs: dict[str, Organization]
    users: dict[str, User] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)

    def user(self, name: str) -> User | None:
        return self.users.get(name)


_counter = [0]


def credit_code() -> str:
    """A fresh valid 统一社会信用代码."""
    _counter[0] += 1
    return make_credit_code(f"91110112{_counter[0]:09d}")


def permit(seq: int) -> str:
    """A valid 18-digit permit number, unique per seq."""
    return f"110112202603{(seq // 100) % 28 + 1:02d}{seq % 100:02d}01"


def make_org(name, kind, **extra) -> Organization:
    return Organization.objects.create(name=name, kind=kind, credit_code=credit_code(), **extra)


def make_user(username, org, role="", **extra) -> User:
    user = User(username=username, name=username, organization=org, agency_role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_project(name, street, agency, *, seq, **extra) -> Project:
    defaults = {
        "category": ProjectCategory.BUILDING,
        "address": f"北京市通州区{street.name}测试路{seq}号",
        "permit_number": permit(seq),
    }
    defaults.update(extra)
    return Project.objects.create(name=name, street=street, agency=agency, **defaults)


def build_world() -> World:
    """Create the personas' world and return it."""
    district = District.objects.create(
        province="北京市", city="北京市", name="通州区", area_code="110112"
    )
    other = District.objects.create(
        province="北京市", city="北京市", name="顺义区", area_code="110113"
    )
    streets = {
        "A1": Street.objects.create(district=district, name="台湖镇"),
        "A2": Street.objects.create(district=district, name="梨园镇"),
        "B1": Street.objects.create(district=other, name="仁和镇"),
    }
    orgs = {
        "agency": make_org("通州区住建委", OrgKind.AGENCY, district=district),
        "agency_b": make_org("顺义区住建委", OrgKind.AGENCY, district=other),
        "group": make_org("京通建工集团有限公司", OrgKind.GROUP),
        "builder": make_org("北京潞悦置业有限公司", OrgKind.BUILDER),
        "firm": make_org("北京正衡建设工程监理有限公司", OrgKind.SUPERVISION),
    }
    orgs["contractor_a"] = make_org(
        "京通建工集团第一建筑工程有限公司", OrgKind.CONTRACTOR, group=orgs["group"]
    )
    orgs["contractor_b"] = make_org("燕潞建设集团第三工程有限公司", OrgKind.CONTRACTOR)
    orgs["agency"].jurisdiction.set([streets["A1"], streets["A2"]])
    orgs["agency_b"].jurisdiction.set([streets["B1"]])
    world = World(district=district, streets=streets, orgs=orgs)
    agency = orgs["agency"]
    world.users = {
        "supervisor": make_user("supervisor", agency, AgencyRole.SUPERVISOR),
        "chief": make_user("chief", agency, AgencyRole.CHIEF),
        "leader": make_user("leader", agency, AgencyRole.LEADER),
        "admin": make_user("admin", agency, AgencyRole.ADMIN),
        "pm": make_user("pm", orgs["contractor_a"]),
        "safety": make_user("safety", orgs["contractor_a"]),
        "engineer": make_user("engineer", orgs["firm"]),
        "pm2": make_user("pm2", orgs["contractor_b"]),
        "grouphq": make_user("grouphq", orgs["group"]),
        "outsider": make_user("outsider", orgs["agency_b"], AgencyRole.SUPERVISOR),
    }
    p = make_project("台湖镇B-03地块住宅项目", streets["A1"], agency, seq=1)
    q = make_project("梨园镇安置房项目", streets["A2"], agency, seq=2)
    r = make_project("仁和镇厂房项目", streets["B1"], orgs["agency_b"], seq=3)
    for project, contractor in ((p, "contractor_a"), (q, "contractor_b"), (r, "contractor_a")):
        ProjectParticipant.objects.create(
            project=project, organization=orgs[contractor], role=ParticipantRole.CONTRACTOR
        )
    ProjectParticipant.objects.create(
        project=p, organization=orgs["builder"], role=ParticipantRole.BUILDER
    )
    ProjectParticipant.objects.create(
        project=p, organization=orgs["firm"], role=ParticipantRole.SUPERVISION
    )
    for username, role in (
        ("pm", ProjectRole.PM),
        ("safety", ProjectRole.SAFETY_OFFICER),
        ("engineer", ProjectRole.CHIEF_ENGINEER),
    ):
        user = world.users[username]
        ProjectMember.objects.create(
            project=p, role=role, name=user.name, user=user, organization=user.organization
        )
    ProjectMember.objects.create(
        project=q, role=ProjectRole.PM, name="pm2", user=world.users["pm2"]
    )
    world.projects = {"P": p, "Q": q, "R": r}
    return world


def make_template(world: World):
    """A small published scored checklist of agency A (created once per test, then reused)."""
    from decimal import Decimal

    from anjian.inspections.choices import ItemKind, TemplateKind, TemplateStatus
    from anjian.inspections.models import ChecklistTemplate, TemplateItem, TemplateSection

    template = ChecklistTemplate.objects.filter(key="test-checklist", version=1).first()
    if template is not None:
        return template
    template = ChecklistTemplate.objects.create(
        key="test-checklist",
        name="测试检查表",
        kind=TemplateKind.SCORED,
        status=TemplateStatus.PUBLISHED,
        owner=world.orgs["agency"],
        summary_weights={"MANAGE": 100},
    )
    section = TemplateSection.objects.create(
        template=template,
        code="B.1",
        title="安全管理检查评分表",
        category="MANAGE",
        has_guarantee_split=True,
    )
    for order, (code, text, points, guarantee) in enumerate(
        [("B.1-1", "安全生产责任制", 60, True), ("B.1-2", "安全标志", 40, False)]
    ):
        TemplateItem.objects.create(
            section=section,
            code=code,
            text=text,
            kind=ItemKind.SCORED,
            points=Decimal(points),
            is_guarantee=guarantee,
            deduction_lines=[
                {"kind": "fixed", "text": f"未落实{text}", "min": 10, "max": 10, "per": None}
            ],
            order=order,
        )
    return template


def make_draft_template(world: World):
    """A draft version 2 of make_template's checklist, copied by its administrator."""
    from anjian.inspections.models import ChecklistTemplate
    from anjian.inspections.services.checklists import template_new_version

    draft = ChecklistTemplate.objects.filter(key="test-checklist", status="draft").first()
    if draft is not None:
        return draft
    return template_new_version(template=make_template(world), by=world.users["admin"])


def plan_world(world: World) -> dict:
    """Supervision-plan objects for the access matrix and plan tests (created once per world).

    Agency A's plan for this month with one visit (project P, today, supervisor and chief) and
    one 双随机 draw; and a second supervisor of agency B ("outsider2") so the outsider can draw.
    """
    cached = world.__dict__.get("_plan_world")
    if cached:
        return cached
    from django.utils import timezone

    from anjian.core.context import acting_as
    from anjian.inspections.services.plans import plan_create, random_draw_run, visit_add

    chief = world.users["chief"]
    today = timezone.localdate()
    with acting_as(chief):
        plan = plan_create(month=today, by=chief, title="测试监督计划")
        visit = visit_add(
            plan=plan,
            project=world.projects["P"],
            date=today,
            inspectors=[world.users["supervisor"], chief],
            by=chief,
        )
        draw = random_draw_run(by=chief, k=1, seed="matrix-seed")
    world.users.setdefault(
        "outsider2", make_user("outsider2", world.orgs["agency_b"], AgencyRole.SUPERVISOR)
    )
    world.__dict__["_plan_world"] = {"plan": plan, "visit": visit, "draw": draw}
    return world.__dict__["_plan_world"]
