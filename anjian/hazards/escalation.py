"""Overdue reminders, warnings, escalation and supervision letters (STYLE.md point 4).

`escalate_overdue(now=...)` selects hazards whose `next_escalation_at` is due, claims each rung
with a conditional update (it goes on only if it changed exactly one row), then writes the
timeline event, the notifications (keyed, so never twice) and, on the letter rung, a 督办函 — all
in the claim's transaction. Running it twice, or in two processes at once, sends nothing twice.
"""

import datetime
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import AgencySettings, User
from anjian.core.numbering import next_number
from anjian.projects.choices import CONTRACTOR_ROLES

from .choices import AWAITING_CONTRACTOR
from .models import Hazard, HazardEvent, SupervisionLetter
from .services import _event, agency_users, project_users

EVENT_FOR_RUNG = {
    "reminder": HazardEvent.Type.REMINDED,
    "warning": HazardEvent.Type.WARNED,
    "escalation": HazardEvent.Type.ESCALATED,
    "letter": HazardEvent.Type.LETTER,
}


def _recipients(hazard: Hazard, who: list[str]) -> list[User]:
    users: dict[int, User] = {}
    for target in who:
        if target == "contractor":
            found = project_users(hazard.project, CONTRACTOR_ROLES)
        elif target == "supervisor":
            found = [u for u in (hazard.created_by, hazard.project.lead_supervisor) if u]
        elif target == "chief":
            found = agency_users(hazard.agency, [AgencyRole.CHIEF])
        elif target == "group":
            group_id = hazard.responsible_org.group_id if hazard.responsible_org_id else None
            found = (
                list(User.objects.filter(organization_id=group_id, is_active=True))
                if group_id
                else []
            )
        else:
            found = []
        for user in found:
            users[user.pk] = user
    return list(users.values())


def _message(hazard: Hazard, code: str, now) -> tuple[str, str]:
    deadline = timezone.localtime(hazard.deadline).strftime("%Y-%m-%d %H:%M")
    if code == "reminder":
        title = _("Rectification due soon: %(number)s") % {"number": hazard.number}
    elif code == "warning":
        title = _("Rectification overdue: %(number)s") % {"number": hazard.number}
    elif code == "escalation":
        title = _("Escalated: %(number)s is still overdue") % {"number": hazard.number}
    else:
        title = _("Supervision letter issued: %(number)s") % {"number": hazard.number}
    body = _("%(project)s — %(description)s (deadline %(deadline)s)") % {
        "project": hazard.project.name,
        "description": hazard.description[:80],
        "deadline": deadline,
    }
    return title, body


def _issue_letter(hazard: Hazard, now) -> SupervisionLetter:
    addressed = (
        hazard.responsible_org.group
        if hazard.responsible_org_id and hazard.responsible_org.group_id
        else hazard.responsible_org
    )
    days = (now - hazard.deadline).days
    body = _(
        "%(project)s: the hazard “%(description)s” (%(number)s) was due for rectification on "
        "%(deadline)s and is %(days)d days overdue. Rectify it at once, report the result to the "
        "supervision agency within %(reply_days)d working days, and supervise the project's "
        "rectification."
    ) % {
        "reply_days": AgencySettings.for_agency_id(hazard.agency_id).letter_reply_days,
        "project": hazard.project.name,
        "description": hazard.description[:120],
        "number": hazard.number,
        "deadline": timezone.localtime(hazard.deadline).strftime("%Y-%m-%d"),
        "days": max(days, 0),
    }
    return SupervisionLetter.objects.create(
        agency=hazard.agency,
        project=hazard.project,
        hazard=hazard,
        number=next_number(agency=hazard.agency, kind="letter", year=timezone.localtime(now).year),
        addressed_to=addressed,
        body=body,
        issued_at=now,
    )


def _escalate_one(pk: int, now, counts: Counter) -> bool:
    """Claim and carry out the next due rung of one hazard; False when nothing was due."""
    with transaction.atomic():
        row = (
            Hazard.objects.filter(
                pk=pk, status__in=AWAITING_CONTRACTOR, next_escalation_at__lte=now
            )
            .values("escalation_level", "next_escalation_at", "deadline", "agency_id")
            .first()
        )
        if row is None or row["deadline"] is None:
            return False
        ladder = AgencySettings.for_agency_id(row["agency_id"]).escalation_ladder or []
        level = row["escalation_level"]
        if level >= len(ladder):
            Hazard.objects.filter(pk=pk, escalation_level=level).update(next_escalation_at=None)
            return False
        following = ladder[level + 1] if level + 1 < len(ladder) else None
        next_at = (
            row["deadline"] + datetime.timedelta(hours=following["hours"]) if following else None
        )
        claimed = Hazard.objects.filter(
            pk=pk,
            escalation_level=level,
            next_escalation_at=row["next_escalation_at"],
            status__in=AWAITING_CONTRACTOR,
        ).update(escalation_level=level + 1, next_escalation_at=next_at)
        if claimed != 1:
            return False
        hazard = Hazard.objects.select_related(
            "project", "agency", "responsible_org__group", "created_by", "project__lead_supervisor"
        ).get(pk=pk)
        rung = ladder[level]
        code = rung.get("code", f"rung{level + 1}")
        title, body = _message(hazard, code, now)
        payload = {"rung": level + 1, "code": code, "deadline": row["deadline"].isoformat()}
        if rung.get("letter"):
            letter = _issue_letter(hazard, now)
            payload["letter"] = letter.number
            # The 督办函 goes out as an official document: receipt and written reply tracked.
            from anjian.documents.services import document_from_letter

            document_from_letter(letter)
            counts["letters"] += 1
        _event(
            hazard,
            EVENT_FOR_RUNG.get(code, HazardEvent.Type.ESCALATED),
            None,
            comment=title,
            **payload,
        )
        users = _recipients(hazard, rung.get("notify", []))
        from anjian.notifications.services import notify

        notify(
            users=users,
            title=title,
            body=body,
            url=hazard.get_absolute_url(),
            obj=hazard,
            kind=f"hazard.{code}",
            key=f"escalation-{pk}-{level + 1}-{row['deadline'].isoformat()}",
        )
        counts[code] += 1
        return True


def escalate_overdue(*, now=None, limit: int = 5000) -> Counter:
    """One pass of the ladder over every due hazard; returns how many of each rung were sent."""
    now = now or timezone.now()
    counts: Counter = Counter()
    due = list(
        Hazard.objects.filter(status__in=AWAITING_CONTRACTOR, next_escalation_at__lte=now)
        .order_by("next_escalation_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        # Catch up every rung that is due (e.g. after the server was down for days).
        for _attempt in range(10):
            if not _escalate_one(pk, now, counts):
                break
    return counts
