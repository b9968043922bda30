"""Load the demo district: agency, streets, companies, demo accounts and projects (idempotent)."""

import datetime
import random
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from anjian.accounts.choices import AgencyRole, OrgKind
from anjian.accounts.models import Organization, User
from anjian.core.models import District, Street
from anjian.projects import demo_content as dc
from anjian.projects.choices import (
    CertificateKind,
    ParticipantRole,
    Progress,
    ProjectRole,
    ProjectStatus,
    SupervisionStatus,
)
from anjian.projects.models import Project, ProjectMember, ProjectParticipant

BASE_PROJECTS = 40
AGENCY_NAME = "北京市通州区住房和城乡建设委员会"
FIRST_PROJECT = {
    "name": "通州区台湖镇B-03地块住宅项目（一期）",
    "permit_number": "110112202603150101",
    "code": "TZ-DEMO-00001",
}
SECOND_PROJECT_CODE = "TZ-DEMO-00002"
CONTRACTOR_A = "京通建工集团第一建筑工程有限公司"  # pm, safety; group HQ of grouphq
CONTRACTOR_B = "燕潞建设集团第三工程有限公司"  # pm2
SUPERVISION_FIRM = "北京正衡建设工程监理有限公司"  # engineer
FIRST_PROJECT_BUILDER = "北京运河康复医院基建处"  # owner (the first project's 建设单位)

# username, name, organisation name, agency role, title
DEMO_ACCOUNTS = [
    ("supervisor", "王建国", AGENCY_NAME, AgencyRole.SUPERVISOR, "安全监督员"),
    ("supervisor2", "刘思远", AGENCY_NAME, AgencyRole.SUPERVISOR, "安全监督员"),
    ("chief", "陈立华", AGENCY_NAME, AgencyRole.CHIEF, "安全监督科科长"),
    ("leader", "赵志刚", AGENCY_NAME, AgencyRole.LEADER, "副主任"),
    ("admin", "孙晓梅", AGENCY_NAME, AgencyRole.ADMIN, "信息中心管理员"),
    ("pm", "张伟", CONTRACTOR_A, "", "项目经理"),
    ("safety", "李娜", CONTRACTOR_A, "", "专职安全员"),
    ("engineer", "周强", SUPERVISION_FIRM, "", "总监理工程师"),
    ("pm2", "吴敏", CONTRACTOR_B, "", "项目经理"),
    ("grouphq", "郑红", "京通建工集团有限公司", "", "安全管理部经理"),
    ("owner", "钱振华", FIRST_PROJECT_BUILDER, "", "建设单位项目负责人"),
]
ACCOUNT_NOTES = {
    "supervisor": "监督人员",
    "supervisor2": "监督人员（第二检查人）",
    "chief": "监督科长",
    "leader": "领导",
    "admin": "管理员",
    "pm": "项目经理（第一个示例项目）",
    "safety": "专职安全员（第一个示例项目）",
    "engineer": "总监理工程师（第一个示例项目）",
    "pm2": "另一施工单位的项目经理",
    "grouphq": "集团总公司（第一个示例项目施工单位的上级）",
    "owner": "建设单位项目负责人（第一个示例项目）",
}

STATUS_WEIGHTS = [
    (ProjectStatus.UNDER_CONSTRUCTION, 70),
    (ProjectStatus.NOT_STARTED, 8),
    (ProjectStatus.PARTIAL_STOP, 6),
    (ProjectStatus.FULL_STOP, 3),
    (ProjectStatus.COMPLETED, 8),
    (ProjectStatus.SUSPENDED, 3),
    (ProjectStatus.TERMINATED, 2),
]


def stable_rng(*parts) -> random.Random:
    """A generator seeded by the given parts, so a name always gets the same code."""
    return random.Random("|".join(str(p) for p in parts))


class Command(BaseCommand):
    help = (
        "Load the demo data once (idempotent); --scale N multiplies the projects by N and gives "
        "the added projects bulk inspections, hazards and their timelines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="projects = 40 × N")
        parser.add_argument(
            "--hazards-per-project",
            type=int,
            default=None,
            help=(
                "bulk hazards per added project, on average (default 10; with --scale 125, "
                "202 gives about 1,000,000 hazards)"
            ),
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, scale, quiet, hazards_per_project=None, **options):
        started = time.monotonic()
        if scale < 1:
            raise CommandError("--scale must be at least 1")
        if hazards_per_project is not None and (hazards_per_project < 0 or scale < 2):
            raise CommandError("--hazards-per-project needs --scale 2 or more and a count ≥ 0")
        with transaction.atomic():
            district, streets = self.regions()
            agency = self.agency(district, streets)
            orgs = self.organisations()
            users = self.accounts(orgs | {AGENCY_NAME: agency})
        created = self.projects(
            total=BASE_PROJECTS * scale,
            agency=agency,
            streets=streets,
            orgs=orgs,
            users=users,
        )
        from django.test.utils import override_settings

        from anjian.core.seeding import run_demo_seeders

        # Demo notifications are not e-mailed (the console backend would flood the terminal).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            run_demo_seeders(
                stdout=self.stdout,
                quiet=quiet,
                scale=scale,
                hazards_per_project=hazards_per_project,
            )
        if not quiet:
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"Demo data ready: {Project.objects.count()} projects "
                f"({created} new), {Organization.objects.count()} organisations, "
                f"{User.objects.count()} users in {elapsed:.1f}s."
            )

    # --- reference data ----------------------------------------------------------------------

    def regions(self):
        district, _ = District.objects.get_or_create(
            area_code=dc.DISTRICT["area_code"],
            defaults={
                "province": dc.DISTRICT["province"],
                "city": dc.DISTRICT["city"],
                "name": dc.DISTRICT["district"],
            },
        )
        streets = {}
        for item in dc.STREETS:
            street, _ = Street.objects.get_or_create(
                district=district,
                name=item["name"],
                defaults={
                    "code": item["code"],
                    "longitude": Decimal(str(item["lon"])),
                    "latitude": Decimal(str(item["lat"])),
                },
            )
            streets[item["name"]] = street
        return district, streets

    def agency(self, district, streets):
        agency, created = Organization.objects.get_or_create(
            name=AGENCY_NAME,
            defaults={
                "kind": OrgKind.AGENCY,
                "short_name": "通州区住建委",
                "credit_code": dc.credit_code(stable_rng(AGENCY_NAME), kind="institution"),
                "address": "北京市通州区运河东大街55号",
                "contact_name": "安全监督科",
                "contact_phone": "010-69546000",
                "district": district,
            },
        )
        if created:
            agency.jurisdiction.set(streets.values())
        return agency

    def _org(self, name, kind, qualification="", group=None):
        rng = stable_rng(name)
        org, _ = Organization.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "credit_code": dc.credit_code(rng),
                "address": dc.address(rng, rng.choice(dc.STREETS))[0],
                "contact_name": dc.person_name(rng),
                "contact_phone": dc.phone(rng),
                "group": group,
            },
        )
        org.qualification = qualification
        return org

    def organisations(self) -> dict[str, Organization]:
        orgs = {}
        for group in dc.GROUPS:
            hq = self._org(group["name"], OrgKind.GROUP)
            orgs[hq.name] = hq
            for sub in group["subsidiaries"]:
                orgs[sub["name"]] = self._org(
                    sub["name"], OrgKind.CONTRACTOR, sub["qualification"], group=hq
                )
        for item in dc.INDEPENDENT_CONTRACTORS:
            orgs[item["name"]] = self._org(item["name"], OrgKind.CONTRACTOR, item["qualification"])
        for item in dc.SUBCONTRACTORS:
            orgs[item["name"]] = self._org(item["name"], OrgKind.CONTRACTOR, item["scope"])
        for source, kind in (
            (dc.BUILDERS, OrgKind.BUILDER),
            (dc.SUPERVISING_FIRMS, OrgKind.SUPERVISION),
            (dc.SURVEYORS, OrgKind.SURVEY),
            (dc.DESIGNERS, OrgKind.DESIGN),
            (dc.MONITORING_UNITS, OrgKind.MONITORING),
        ):
            for item in source:
                orgs[item["name"]] = self._org(item["name"], kind, item.get("qualification", ""))
        return orgs

    def accounts(self, orgs) -> dict[str, User]:
        users = {}
        for username, name, org_name, role, title in DEMO_ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    name=name,
                    organization=orgs[org_name],
                    agency_role=role,
                    title=title,
                    phone=dc.phone(stable_rng(username)),
                    email=f"{username}@demo.anjian.local",
                )
                user.set_password(settings.ANJIAN_DEMO_PASSWORD)
                user.save()
            users[username] = user
        return users

    # --- projects ----------------------------------------------------------------------------

    def projects(self, *, total, agency, streets, orgs, users) -> int:
        existing = set(
            Project.objects.filter(code__startswith="TZ-DEMO-").values_list("code", flat=True)
        )
        wanted = [f"TZ-DEMO-{i:05d}" for i in range(1, total + 1)]
        missing = [code for code in wanted if code not in existing]
        if not missing:
            return 0
        today = timezone.localdate()
        group_contractors = [
            orgs[s["name"]]
            for g in dc.GROUPS
            for s in g["subsidiaries"]
            if s["name"] not in {CONTRACTOR_A, CONTRACTOR_B}
        ]
        independent = [orgs[c["name"]] for c in dc.INDEPENDENT_CONTRACTORS]
        contractor_pool = group_contractors + independent
        subcontractors = [orgs[c["name"]] for c in dc.SUBCONTRACTORS]
        builders = [orgs[b["name"]] for b in dc.BUILDERS]
        firms = [orgs[f["name"]] for f in dc.SUPERVISING_FIRMS]
        surveyors = [orgs[s["name"]] for s in dc.SURVEYORS]
        designers = [orgs[d["name"]] for d in dc.DESIGNERS]
        monitors = [orgs[m["name"]] for m in dc.MONITORING_UNITS]
        supervisors = [users["supervisor"], users["supervisor2"], users["chief"]]
        statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
        used_permits = set(Project.objects.values_list("permit_number", flat=True))

        new_projects, participants, members = [], [], []
        for code in missing:
            index = int(code.rsplit("-", 1)[1])
            rng = stable_rng("project", index)
            data = dc.project_name(rng, today=today)
            status = (
                ProjectStatus.UNDER_CONSTRUCTION
                if index <= 2
                else rng.choices(statuses, weights)[0]
            )
            name = data["name"]
            permit = dc.permit_number(
                rng, data["permit_date"], seq=index % 100, klass=data["permit_class"]
            )
            if index == 1:
                name, permit = FIRST_PROJECT["name"], FIRST_PROJECT["permit_number"]
                data["street"] = "台湖镇"
            while permit in used_permits:
                permit = dc.permit_number(
                    rng,
                    data["permit_date"] + datetime.timedelta(days=rng.randint(1, 400)),
                    seq=rng.randint(1, 99),
                    klass=data["permit_class"],
                )
            used_permits.add(permit)
            if index > BASE_PROJECTS:
                name = f"{name}（{index}）"
            street = streets[data["street"]]
            if index == 1:
                lon, lat = dc.coordinate_near(rng, dc.street_by_name("台湖镇"))
                address = "北京市通州区台湖镇台湖东路18号"
            else:
                lon, lat, address = data["lon"], data["lat"], data["address"]
            completed = status in {ProjectStatus.COMPLETED, ProjectStatus.TERMINATED}
            project = Project(
                name=name,
                code=code,
                permit_number=permit,
                permit_authority="北京市通州区住房和城乡建设委员会",
                permit_date=data["permit_date"],
                supervision_reg_no=f"TZAJ{data['permit_date']:%Y}{index:05d}",
                category=data["category"],
                nature=data["nature"],
                structure_type=data["structure"],
                usage=data["usage"],
                street=street,
                address=address,
                longitude=Decimal(str(lon)),
                latitude=Decimal(str(lat)),
                coordinate_system=dc.COORDINATE_SYSTEM,
                floor_area=_dec(data["floor_area"]),
                floors_above=data["floors_above"],
                floors_below=data["floors_below"],
                height=_dec(data["height"]),
                pit_depth=_dec(data["pit_depth"]),
                length=_dec(data["length"]),
                cost=_dec(data["cost_wan"]),
                safety_fee=_dec(round(data["cost_wan"] * 0.02, 1)),
                contract_start=data["contract_start"],
                contract_end=data["contract_end"],
                actual_start=data["actual_start"] if status != ProjectStatus.NOT_STARTED else None,
                actual_end=data["actual_end"] if completed else None,
                agency=agency,
                lead_supervisor=users["supervisor"] if index == 1 else supervisors[index % 3],
                supervision_status=(
                    SupervisionStatus.TERMINATED
                    if status == ProjectStatus.TERMINATED
                    else SupervisionStatus.SUSPENDED
                    if status == ProjectStatus.SUSPENDED
                    else SupervisionStatus.ACTIVE
                ),
                status=status,
                progress=rng.choice(list(Progress.values)) if not completed else Progress.CLOSING,
            )
            if index == 1:
                contractor = orgs[CONTRACTOR_A]
                firm = orgs[SUPERVISION_FIRM]
            elif index == 2:
                contractor = orgs[CONTRACTOR_B]
                firm = firms[1]
            else:
                contractor = contractor_pool[index % len(contractor_pool)]
                firm = firms[index % len(firms)]
            units = [
                (ParticipantRole.BUILDER, rng.choice(builders)),
                (ParticipantRole.CONTRACTOR, contractor),
                (ParticipantRole.SUPERVISION, firm),
                (ParticipantRole.SURVEY, rng.choice(surveyors)),
                (ParticipantRole.DESIGN, rng.choice(designers)),
            ]
            if data["pit_depth"] and data["pit_depth"] >= 5:
                units.append((ParticipantRole.MONITORING, rng.choice(monitors)))
            if rng.random() < 0.6:
                units.append((ParticipantRole.SUBCONTRACTOR, rng.choice(subcontractors)))
            new_projects.append(project)
            participants.append(
                [
                    ProjectParticipant(
                        organization=org,
                        role=role,
                        lead_name=dc.person_name(rng),
                        lead_phone=dc.phone(rng),
                        qualification=getattr(org, "qualification", ""),
                        safety_licence_no=(
                            dc.safety_licence_number(rng)
                            if role == ParticipantRole.CONTRACTOR
                            else ""
                        ),
                    )
                    for role, org in units
                ]
            )
            members.append(self._members(rng, index, contractor, firm, units[0][1], users))

        with transaction.atomic():
            if len(new_projects) <= BASE_PROJECTS:
                for project in new_projects:
                    project.save()  # change-logged one by one for the base data
            else:
                Project.objects.bulk_create(new_projects, batch_size=500)
                new_projects = list(Project.objects.filter(code__in=missing).order_by("code"))
            by_code = {p.code: p for p in new_projects}
            rows_p, rows_m = [], []
            for code, units, people in zip(missing, participants, members, strict=True):
                project = by_code[code]
                for unit in units:
                    unit.project = project
                    rows_p.append(unit)
                for person in people:
                    person.project = project
                    rows_m.append(person)
            ProjectParticipant.objects.bulk_create(rows_p, batch_size=1000)
            ProjectMember.objects.bulk_create(rows_m, batch_size=1000)
        return len(missing)

    def _members(self, rng, index, contractor, firm, builder, users):
        def person(role, org, user=None, **extra):
            return ProjectMember(
                role=role,
                name=user.name if user else dc.person_name(rng),
                phone=user.phone if user else dc.phone(rng),
                organization=org,
                user=user,
                **extra,
            )

        linked = {}
        if index == 1:
            linked = {
                "pm": users["pm"],
                "safety": users["safety"],
                "chief": users["engineer"],
                "owner": users["owner"],
            }
        elif index == 2:
            linked = {"pm": users["pm2"]}
        return [
            person(
                ProjectRole.PM,
                contractor,
                linked.get("pm"),
                registration_no=dc.constructor_registration_number(rng),
                safety_cert_kind=CertificateKind.SAFETY_B,
                safety_cert_no=dc.safety_certificate_b(rng),
            ),
            person(ProjectRole.TECH_LEAD, contractor),
            person(
                ProjectRole.SAFETY_OFFICER,
                contractor,
                linked.get("safety"),
                safety_cert_kind=CertificateKind.SAFETY_C,
                safety_cert_no=dc.safety_certificate_c(rng),
            ),
            person(
                ProjectRole.CHIEF_ENGINEER,
                firm,
                linked.get("chief"),
                registration_no=dc.supervision_engineer_number(rng),
                safety_cert_kind=CertificateKind.SUPERVISION_ENGINEER,
            ),
            person(ProjectRole.OWNER_LEAD, builder, linked.get("owner")),
        ]


def _dec(value):
    return None if value is None else Decimal(str(value))
