"""Test helpers: documents, signatures and a driver that walks a dangerous work of project P
through its lifecycle with the real services (used by tests and the access matrix)."""

import datetime

from django.utils import timezone

from anjian.inspections.testing import signature_data_url

from . import services as svc
from . import workflow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

EXPERTS = [
    ("王建国", "教授级高工", "北京市建筑设计研究院"),
    ("李明华", "教授级高工", "北京城建勘测设计研究院"),
    ("张志强", "高级工程师", "中国建筑科学研究院"),
    ("陈立新", "高级工程师", "北京市政工程设计研究总院"),
    ("刘海涛", "教授", "北京工业大学"),
]


def pdf(name="方案.pdf"):
    return (name, PDF)


def signatures_for(work, action) -> list[dict]:
    """Valid signatures for every signer the step needs."""
    image = signature_data_url()
    required = list(workflow.SIGNERS.get(action, ()))
    if action == workflow.APPROVE_INTERNAL and work.subcontractor_id:
        required.append(workflow.SUBCONTRACTOR_SIGNER)
    out = []
    for role, _label, count in required:
        if role == "expert":
            out += [
                {"role": role, "name": n, "title": t, "employer": e, "image": image}
                for n, t, e in EXPERTS[:count]
            ]
        else:
            out += [
                {"role": role, "name": f"{role}签字人{i}", "image": image} for i in range(count)
            ]
    return out


def pit_data(depth=5.5, **extra) -> dict:
    data = {
        "name": "1#楼基坑开挖与支护",
        "subtype": "PIT:excavation",
        "location": "1#楼基坑",
        "params": {"excavation_depth": depth},
        "planned_start": timezone.localdate() + datetime.timedelta(days=10),
        "planned_end": timezone.localdate() + datetime.timedelta(days=70),
        "tech_lead": "赵工",
        "safety_officer": "钱安全",
    }
    data.update(extra)
    return data


# The path of each status from `identified`, as (action, role persona).
PATH = [
    (workflow.DRAFT, "pm"),
    (workflow.SUBMIT, "pm"),
    (workflow.APPROVE_INTERNAL, "pm"),
    (workflow.APPROVE_REVIEW, "engineer"),
    (workflow.ARGUE_PASS, "pm"),  # skipped for works under the larger threshold
    (workflow.DISCLOSE, "pm"),
    (workflow.START, "pm"),
]


def step(work, world, action, persona="pm", **extra):
    kwargs = {"comment": extra.pop("comment", "意见")}
    if action in workflow.SIGNERS or action == workflow.APPROVE_INTERNAL:
        kwargs["signatures"] = signatures_for(work, action)
    if action in workflow.DOCUMENTS:
        kwargs["document"] = pdf()
    if action in workflow.ARGUE_ACTIONS:
        kwargs["held_on"] = timezone.localdate()
    if action == workflow.DISCLOSE:
        kwargs["posted"] = True
    kwargs.update(extra)
    return svc.work_act(work=work, by=world.users[persona], action=action, **kwargs)


def walk(work, world, until: str):
    """Take the PATH (from wherever the work is) until it reaches status `until`."""
    for action, persona in PATH:
        if work.status == until:
            return work
        if (work.status, action) not in workflow.TRANSITIONS:
            continue  # e.g. no argumentation under the larger threshold; resume mid-path
        work = step(work, world, action, persona)
    if work.status != until:
        raise AssertionError(f"walk stopped at {work.status}, wanted {until}")
    return work


def register(world, depth=5.5, **extra):
    return svc.work_register(
        project=world.projects["P"], by=world.users["pm"], data=pit_data(depth, **extra)
    )


def work_objects(world) -> dict:
    """Once per world: an identified work, one in supervisor review, one under construction
    with an open alarm, for the access matrix."""
    cached = getattr(world, "_dangerous_works", None)
    if cached:
        return cached
    svc.seed_threshold_rules()
    identified = register(world, 3.5, name="2#楼基坑")
    review = walk(register(world, 4, name="3#楼基坑"), world, workflow.SUPERVISOR_REVIEW)
    building = walk(register(world, 5.5), world, workflow.IN_PROGRESS)
    reading = svc.reading_add(
        work=building,
        by=world.users["pm"],
        point="ZQS-1",
        quantity="支护桩顶水平位移",
        value="32",
        unit="mm",
        alarm_value="30",
    )
    world._dangerous_works = {
        "identified": identified,
        "review": review,
        "building": building,
        "reading": reading,
        "document": building.documents.first(),
    }
    return world._dangerous_works
