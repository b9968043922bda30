"""Demo notifications for pm, safety, supervisor and chief, linking to the first demo project.

Idempotent: every notification has a key, so running seed_demo again creates nothing new.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from anjian.core.seeding import register_demo_seeder

FIRST_PROJECT_CODE = "TZ-DEMO-00001"


def _entries(project, finished, unfinished) -> list[dict]:
    """(recipient, key, title, body, url, obj, kind, hours ago, read) of each demo message."""
    project_url = reverse("projects:detail", args=[project.pk])
    entries = [
        {
            "user": "pm",
            "key": f"demo-project-updated-{project.pk}",
            "title": "工程项目信息已更新",
            "body": f"监督机构更新了{project.name}的形象进度和关键人员信息，请核对。",
            "url": project_url,
            "obj": project,
            "kind": "project.updated",
            "hours": 72,
            "read": True,
        },
        {
            "user": "safety",
            "key": f"demo-flood-season-{project.pk}",
            "title": "关于开展汛期施工安全专项检查的通知",
            "body": "请各在建项目于本周五前完成基坑、脚手架、临时用电的自查，并做好防汛物资储备。",
            "url": project_url,
            "obj": project,
            "kind": "info",
            "hours": 50,
            "read": True,
        },
        {
            "user": "chief",
            "key": "demo-plan-reminder",
            "title": "本月监督计划待发布",
            "body": "本月监督计划已由监督人员编制完成，请审核后发布。",
            "url": reverse("inspections:plan_list"),
            "obj": None,
            "kind": "plan.reminder",
            "hours": 30,
            "read": True,
        },
    ]
    if finished is not None:
        number = finished.number or "—"
        entries += [
            {
                "user": "pm",
                "key": f"demo-inspection-sign-{finished.pk}",
                "title": f"监督检查记录{number}待您签字确认",
                "body": (
                    f"{project.name}的{finished.template.name}已由监督人员完成，"
                    "请核对检查内容后在手机上签字确认。"
                ),
                "url": reverse("inspections:sign", args=[finished.pk]),
                "obj": finished,
                "kind": "inspection.finished",
                "hours": 3,
                "read": False,
            },
            {
                "user": "safety",
                "key": f"demo-inspection-finished-{finished.pk}",
                "title": f"本项目收到监督检查记录{number}",
                "body": "监督人员已完成对本项目的监督检查，发现的问题请按整改通知书要求按期整改。",
                "url": reverse("inspections:project_tab", args=[project.pk]),
                "obj": finished,
                "kind": "inspection.finished",
                "hours": 3,
                "read": False,
            },
            {
                "user": "supervisor",
                "key": f"demo-inspection-waiting-{finished.pk}",
                "title": f"检查记录{number}等待施工单位签字",
                "body": f"{project.name}的项目经理尚未签字确认检查记录。",
                "url": reverse("inspections:detail", args=[finished.pk]),
                "obj": finished,
                "kind": "inspection.finished",
                "hours": 2,
                "read": True,
            },
            {
                "user": "chief",
                "key": f"demo-inspection-done-{finished.pk}",
                "title": f"监督检查记录{number}已完成",
                "body": f"监督人员完成了对{project.name}的监督检查，请查阅检查结果。",
                "url": reverse("inspections:detail", args=[finished.pk]),
                "obj": finished,
                "kind": "inspection.finished",
                "hours": 2,
                "read": False,
            },
        ]
    if unfinished is not None:
        started = timezone.localtime(unfinished.started_at).strftime("%m月%d日%H:%M")
        entries.append(
            {
                "user": "supervisor",
                "key": f"demo-inspection-unfinished-{unfinished.pk}",
                "title": f"检查记录尚未完成：{project.name}",
                "body": f"您于{started}开始的{unfinished.template.name}尚未完成，请补充检查内容并签字后提交。",
                "url": reverse("inspections:detail", args=[unfinished.pk]),
                "obj": unfinished,
                "kind": "inspection.unfinished",
                "hours": 1,
                "read": False,
            }
        )
    return entries


@register_demo_seeder("notifications", order=90)
def seed(*, stdout, quiet=False):
    """Give the demo accounts a few read and unread notifications (idempotent via keys)."""
    from anjian.accounts.models import User
    from anjian.inspections.choices import InspectionStatus
    from anjian.inspections.models import Inspection
    from anjian.projects.models import Project

    from .models import Notification
    from .services import notify

    users = {
        u.username: u
        for u in User.objects.filter(username__in=["pm", "safety", "supervisor", "chief"])
    }
    project = Project.objects.filter(code=FIRST_PROJECT_CODE).first()
    if project is None or len(users) < 4:
        return
    records = Inspection.objects.filter(project=project).select_related("template")
    finished = (
        records.filter(status=InspectionStatus.FINISHED).order_by("-finished_at", "-id").first()
    )
    unfinished = (
        records.filter(status=InspectionStatus.IN_PROGRESS).order_by("-started_at", "-id").first()
    )
    now = timezone.now()
    created = 0
    for entry in _entries(project, finished, unfinished):
        user = users[entry["user"]]
        made = notify(
            users=[user],
            title=entry["title"],
            body=entry["body"],
            url=entry["url"],
            obj=entry["obj"],
            kind=entry["kind"],
            key=entry["key"],
            email=False,
        )
        if not made:
            continue
        created += made
        at = now - datetime.timedelta(hours=entry["hours"])
        Notification.objects.filter(user=user, key=entry["key"]).update(
            created_at=at,
            read_at=at + datetime.timedelta(minutes=40) if entry["read"] else None,
        )
    if not quiet:
        stdout.write(f"Demo notifications: {created}.")
