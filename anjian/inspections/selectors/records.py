"""Reads for inspection records: visibility, lists, the fill page, to-dos."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from ..choices import AnswerResult, InspectionSource, InspectionStatus, SignerRole
from ..models import Finding, Inspection, InspectionAnswer, InspectionPhoto, Signature


def inspection_for_user(user, pk, *, write: bool = False) -> Inspection:
    """The inspection if the user may see it (404 otherwise); with write, if they may fill it."""
    from ..services.records import can_edit

    inspection = (
        Inspection.objects.visible_to(user)
        .select_related("project", "template", "agency", "visit", "created_by")
        .filter(pk=pk)
        .first()
    )
    if inspection is None:
        raise Http404
    if write and not can_edit(inspection, user):
        raise PermissionDenied
    return inspection


def inspections_filtered(
    user,
    *,
    project=None,
    status="",
    template_key="",
    q="",
    month=None,
    street=None,
    commission=False,
):
    """The inspections a user may see, newest first, with what the list shows. `month` (its
    first day) keeps those finished in that local month; `commission` the supervision and
    remote ones (the dashboard's bars link here with these)."""
    qs = Inspection.objects.visible_to(user).select_related("project", "template")
    if project:
        qs = qs.filter(project_id=project)
    if street:
        qs = qs.filter(project__street_id=street)
    if commission:
        qs = qs.filter(source__in=[InspectionSource.SUPERVISION, InspectionSource.REMOTE])
    if month is not None:
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.datetime.combine(month, datetime.time()), tz)
        following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        end = timezone.make_aware(datetime.datetime.combine(following, datetime.time()), tz)
        qs = qs.filter(finished_at__gte=start, finished_at__lt=end)
    if status in InspectionStatus.values:
        qs = qs.filter(status=status)
    if template_key:
        qs = qs.filter(template__key=template_key)
    if q:
        qs = qs.filter(Q(project__name__icontains=q) | Q(number__icontains=q))
    return qs.annotate(finding_count=Count("findings", distinct=True)).order_by(
        "-started_at", "-id"
    )


def fill_page_data(inspection: Inspection) -> list[dict]:
    """Sections with their answers, each answer with its findings and photos (4 queries)."""
    answers = list(
        InspectionAnswer.objects.filter(inspection=inspection)
        .select_related("item__section", "item__major_clause")
        .order_by("item__section__order", "item__section_id", "item__order", "item_id")
    )
    findings: dict[int, list] = {}
    for finding in Finding.objects.filter(inspection=inspection).select_related(
        "major_clause", "dangerous_work"
    ):
        findings.setdefault(finding.answer_id, []).append(finding)
    photos: dict[int, list] = {}
    for photo in InspectionPhoto.objects.filter(inspection=inspection):
        photos.setdefault(photo.answer_id, []).append(photo)
    sections: dict[int, dict] = {}
    for answer in answers:
        answer.finding_list = findings.get(answer.pk, [])
        answer.photo_list = photos.get(answer.pk, [])
        section = answer.item.section
        entry = sections.setdefault(
            section.pk, {"section": section, "answers": [], "answered": 0, "problems": 0}
        )
        entry["answers"].append(answer)
        if answer.result:
            entry["answered"] += 1
        if answer.result == AnswerResult.NONCOMPLIANT:
            entry["problems"] += 1
    return list(sections.values())


def answer_with_extras(answer: InspectionAnswer) -> InspectionAnswer:
    """One answer with its findings and photos attached, for the item partial."""
    answer.finding_list = list(answer.findings.select_related("major_clause", "dangerous_work"))
    answer.photo_list = list(answer.photos.all())
    return answer


def unfinished_for(user):
    """Inspections in progress where the user is an inspector."""
    return (
        Inspection.objects.filter(inspectors=user, status=InspectionStatus.IN_PROGRESS)
        .select_related("project", "template")
        .order_by("-started_at")
    )


def awaiting_site_signature(user):
    """Finished supervision records of the user's projects that the site has not signed yet."""
    from anjian.projects.choices import CONTRACTOR_ROLES, SUPERVISION_ROLES

    roles = [*CONTRACTOR_ROLES, *SUPERVISION_ROLES]
    site_signed = Signature.objects.filter(
        inspection=OuterRef("pk"),
        role__in=[SignerRole.REPRESENTATIVE, SignerRole.SUPERVISING_ENGINEER],
        voided_at__isnull=True,
    )
    return (
        Inspection.objects.filter(
            status=InspectionStatus.FINISHED,
            project__members__user=user,
            project__members__role__in=roles,
            project__members__is_active=True,
        )
        .exclude(Exists(site_signed))
        .select_related("project", "template")
        .distinct()
        .order_by("-finished_at")
    )


def signatures_with_validity(inspection: Inspection, current_hash: str):
    """All signatures (voided ones too) with whether each still matches the record."""
    result = []
    for signature in inspection.signatures.select_related("signer").order_by("signed_at", "id"):
        signature.matches = signature.content_hash == current_hash
        result.append(signature)
    return result
