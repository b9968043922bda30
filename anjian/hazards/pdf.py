"""The hazard loop's official documents as PDF: notices, the reply sheet, supervision letters.

- 整改通知书 / 局部停工整改通知书 / 全面停工整改通知书 / 复工通知书 (`render_notice_pdf`)
- 整改回复单 (`render_reply_pdf`)
- 督办函 (`render_letter_pdf`)

Each document costs a fixed number of queries whatever its length (select_related and one query
per related list). Photos and signatures are read through Django storage and inlined as data:
URIs; the QR code is an inline SVG, so rendering never makes an HTTP request. The wording is the
fixed Chinese of the paper documents, whatever the reader's interface language.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone, translation

from anjian.accounts.choices import OrgKind
from anjian.core.pdf import DOCUMENT_LANGUAGE, file_data_uri, qr_svg_data_uri, render_pdf
from anjian.inspections.choices import HazardGrade
from anjian.projects.choices import ParticipantRole, ProjectRole
from anjian.projects.models import ProjectParticipant

from .choices import (
    AWAITING_CONTRACTOR,
    HazardStatus,
    NoticeKind,
    NoticeStatus,
    PhotoKind,
    ReviewMode,
)
from .models import (
    Hazard,
    HazardEvent,
    HazardPhoto,
    HazardReply,
    NoticeSignature,
    RectificationNotice,
    ResumptionApplication,
    SupervisionLetter,
)

NOTICE_TEMPLATE = "hazards/pdf/notice.html"
REPLY_TEMPLATE = "hazards/pdf/reply.html"
LETTER_TEMPLATE = "hazards/pdf/letter.html"

NOTICE_TITLE = {
    NoticeKind.RECTIFY: "整改通知书",
    NoticeKind.PARTIAL_STOP: "局部停工整改通知书",
    NoticeKind.FULL_STOP: "全面停工整改通知书",
    NoticeKind.RESUME: "复工通知书",
}
REPLY_TITLE = "整改回复单"
LETTER_TITLE = "督办函"

BASIS = "《建设工程安全生产管理条例》第四十三条、《中华人民共和国安全生产法》第六十五条"
DEFAULT_REQUIREMENTS = (
    "请于期限内完成整改，整改完成后通过平台提交整改回复（附整改前后照片），经监理单位确认后"
    "报我单位复查；逾期未整改的，将依法处理。"
)
STOP_REQUIREMENTS = (
    "停工期间，你单位应落实现场安全防护和值守措施，严禁擅自恢复施工。整改完成后通过平台提交整改"
    "回复（附整改前后照片）并提出复工申请，经我单位现场复查同意、下达复工通知书后，方可恢复施工；"
    "逾期未整改或擅自复工的，将依法处理。"
)
RESUME_REQUIREMENTS = (
    "请你单位恢复施工后继续落实安全生产主体责任，加强施工现场安全管理和隐患排查治理，"
    "防止同类隐患再次发生。"
)

GRADE_TEXT = {HazardGrade.GENERAL: "一般", HazardGrade.MAJOR: "重大"}
STATUS_TEXT = {
    HazardStatus.ISSUED: "待整改",
    HazardStatus.RECTIFYING: "复查未通过，重新整改中",
    HazardStatus.REPLIED: "已回复，待复查",
    HazardStatus.CONFIRMED: "监理已确认，待复查",
    HazardStatus.DISPUTED: "有异议，待裁定",
    HazardStatus.CLOSED: "复查通过，已销号",
    HazardStatus.WITHDRAWN: "已撤销",
}
REVIEW_MODE_TEXT = {ReviewMode.ONLINE: "在线复查", ReviewMode.ONSITE: "现场复查"}
ENGINEER_EVENT_TEXT = {
    HazardEvent.Type.CONFIRMED: "确认整改完成",
    HazardEvent.Type.RETURNED: "退回，要求重新整改",
}
REVIEW_EVENT_TEXT = {
    HazardEvent.Type.ACCEPTED: "复查通过",
    HazardEvent.Type.REJECTED: "复查不通过",
}
PARTICIPANT_TEXT = {
    ParticipantRole.BUILDER: "建设单位",
    ParticipantRole.CONTRACTOR: "施工单位",
    ParticipantRole.SUPERVISION: "监理单位",
}
ROLE_TEXT = {
    ProjectRole.PM: "项目经理",
    ProjectRole.TECH_LEAD: "项目技术负责人",
    ProjectRole.SAFETY_OFFICER: "专职安全生产管理人员",
    ProjectRole.CHIEF_ENGINEER: "总监理工程师",
    ProjectRole.ENGINEER: "监理工程师",
    ProjectRole.OWNER_LEAD: "建设单位项目负责人",
    ProjectRole.OTHER: "其他",
}
BLANK = "＿＿＿＿＿＿＿＿"


# --- entry points ---------------------------------------------------------------------------------


def render_notice_pdf(notice: RectificationNotice, *, verify_url: str) -> bytes:
    """The notice (整改/局部停工/全面停工/复工通知书) as PDF bytes; its QR code opens `verify_url`."""
    with translation.override(DOCUMENT_LANGUAGE):
        context = notice_context(notice, verify_url=verify_url)
    return render_pdf(NOTICE_TEMPLATE, context)


def render_reply_pdf(notice: RectificationNotice) -> bytes:
    """The notice's 整改回复单 as PDF bytes."""
    with translation.override(DOCUMENT_LANGUAGE):
        context = reply_context(notice)
    return render_pdf(REPLY_TEMPLATE, context)


def render_letter_pdf(letter: SupervisionLetter) -> bytes:
    """A 督办函 as PDF bytes."""
    with translation.override(DOCUMENT_LANGUAGE):
        context = letter_context(letter)
    return render_pdf(LETTER_TEMPLATE, context)


# --- contexts (every query happens here) ------------------------------------------------------


def _participants_prefetch(prefix: str = "project__") -> Prefetch:
    return Prefetch(
        f"{prefix}participants",
        queryset=ProjectParticipant.objects.select_related("organization").order_by("id"),
    )


def notice_context(notice: RectificationNotice, *, verify_url: str, now=None) -> dict:
    """Everything the notice template shows (6 queries; 7 for a 复工通知书)."""
    now = now or timezone.now()
    notice = (
        RectificationNotice.objects.select_related(
            "project", "agency", "issued_by", "inspection", "resumes"
        )
        .prefetch_related(_participants_prefetch())
        .get(pk=notice.pk)
    )
    project = notice.project
    resume = notice.kind == NoticeKind.RESUME
    # A 复工通知书 lists the hazards of the stop notice it lifts.
    source = notice.resumes if resume and notice.resumes_id else notice
    hazards = list(
        Hazard.objects.filter(notice_id=source.pk)
        .select_related("major_clause")
        .order_by("number", "id")
    )
    before = _photos_by_hazard(hazards, kind=PhotoKind.BEFORE)
    receipts = list(
        NoticeSignature.objects.filter(notice=notice, kind=NoticeSignature.Kind.RECEIPT).order_by(
            "signed_at", "id"
        )
    )
    inspectors = []
    if notice.inspection_id:
        inspectors = [
            u.get_full_name() or u.username for u in notice.inspection.inspectors.order_by("id")
        ]
    application = None
    if resume:
        application = (
            ResumptionApplication.objects.filter(resume_notice=notice)
            .select_related("reviewed_by")
            .first()
        )
    issued_day = timezone.localtime(notice.issued_at).date()
    parties = _parties(project)
    requirements = notice.requirements.strip()
    if resume:
        requirements = RESUME_REQUIREMENTS
    elif not requirements:
        requirements = STOP_REQUIREMENTS if notice.is_stop else DEFAULT_REQUIREMENTS
    return {
        **_common(notice.agency, NOTICE_TITLE.get(notice.kind, "整改通知书"), notice.number, now),
        "footer_note": f"核验码 {str(notice.verify_token)[:8].upper()}",
        "draft": notice.status == NoticeStatus.WITHDRAWN,
        "draft_watermark": "已撤销",
        "notice": notice,
        "kind": notice.kind,
        "is_stop": notice.is_stop,
        "is_resume": resume,
        "project": project,
        "contractor": parties["contractor"],
        "copy_to": parties["copy_to"],
        "inspection": notice.inspection,
        "inspectors": "、".join(inspectors),
        "issuer": notice.issued_by.get_full_name() or notice.issued_by.username,
        "basis": BASIS,
        "stop_scope": notice.stop_scope,
        "stop_notice": notice.resumes if resume else None,
        "stop_title": NOTICE_TITLE.get(notice.resumes.kind, "")
        if resume and notice.resumes
        else "",
        "application": _application(application) if application else None,
        "hazards": [_hazard_row(i, h, before, issued_day) for i, h in enumerate(hazards, 1)],
        "major_count": sum(1 for h in hazards if h.grade == HazardGrade.MAJOR),
        "requirements": requirements,
        "receipts": [_signature_row(s) for s in receipts],
        "verify_url": verify_url,
        "qr": qr_svg_data_uri(verify_url),
    }


def reply_context(notice: RectificationNotice, *, now=None) -> dict:
    """Everything the reply sheet shows (7 queries)."""
    now = now or timezone.now()
    notice = (
        RectificationNotice.objects.select_related("project", "agency")
        .prefetch_related(_participants_prefetch())
        .get(pk=notice.pk)
    )
    project = notice.project
    hazards = list(
        Hazard.objects.filter(notice=notice).select_related("major_clause").order_by("number", "id")
    )
    ids = [h.pk for h in hazards]
    latest: dict[int, HazardReply] = {}
    for reply in HazardReply.objects.filter(hazard_id__in=ids).order_by("created_at", "id"):
        latest[reply.hazard_id] = reply
    photos = list(HazardPhoto.objects.filter(hazard_id__in=ids).order_by("created_at", "id"))
    events = list(
        HazardEvent.objects.filter(
            hazard_id__in=ids,
            type__in=[*ENGINEER_EVENT_TEXT, *REVIEW_EVENT_TEXT],
        )
        .select_related("actor")
        .order_by("at", "id")
    )
    signatures = list(
        NoticeSignature.objects.filter(
            notice=notice,
            kind__in=[NoticeSignature.Kind.REPLY_PM, NoticeSignature.Kind.REPLY_ENGINEER],
        ).order_by("signed_at", "id")
    )
    numbers = {h.pk: h.number for h in hazards}
    rows = [_reply_row(i, h, latest.get(h.pk), photos) for i, h in enumerate(hazards, 1)]
    parties = _parties(project)
    engineer_confirms = project.engineer_confirms_rectification
    return {
        **_common(notice.agency, REPLY_TITLE, notice.number, now),
        "footer_note": f"回复 {NOTICE_TITLE.get(notice.kind, '')} {notice.number}",
        "draft": any(h.status in AWAITING_CONTRACTOR for h in hazards) or not hazards,
        "draft_watermark": "尚未回复完毕",
        "notice": notice,
        "notice_title": NOTICE_TITLE.get(notice.kind, "整改通知书"),
        "project": project,
        "contractor": parties["contractor"],
        "builder": parties["builder"],
        "supervision": parties["supervision"],
        "rows": rows,
        "replied": sum(1 for r in rows if r["reply"]),
        "closed": sum(1 for h in hazards if h.status == HazardStatus.CLOSED),
        "pm_signatures": [
            _signature_row(s) for s in signatures if s.kind == NoticeSignature.Kind.REPLY_PM
        ],
        "engineer_confirms": engineer_confirms,
        "engineer_signatures": [
            _signature_row(s) for s in signatures if s.kind == NoticeSignature.Kind.REPLY_ENGINEER
        ],
        "engineer_events": [
            _event_row(e, numbers, ENGINEER_EVENT_TEXT)
            for e in events
            if e.type in ENGINEER_EVENT_TEXT
        ],
        "review_events": [
            _event_row(e, numbers, REVIEW_EVENT_TEXT) for e in events if e.type in REVIEW_EVENT_TEXT
        ],
    }


def letter_context(letter: SupervisionLetter, *, now=None) -> dict:
    """Everything the 督办函 shows (2 queries)."""
    now = now or timezone.now()
    letter = (
        SupervisionLetter.objects.select_related(
            "agency",
            "project",
            "addressed_to",
            "hazard__major_clause",
            "hazard__notice",
            "hazard__responsible_org",
        )
        .prefetch_related(_participants_prefetch())
        .get(pk=letter.pk)
    )
    hazard, project = letter.hazard, letter.project
    parties = _parties(project)
    addressed = letter.addressed_to or hazard.responsible_org or parties["contractor"]
    # Copy to the units concerned that the letter is not addressed to.
    copy_to = [
        c
        for c in ([("施工单位", parties["contractor"])] if parties["contractor"] else [])
        + parties["copy_to"]
        if c[1] and c[1] != addressed
    ]
    overdue = 0
    if hazard.deadline:
        overdue = max((letter.issued_at - hazard.deadline).days, 0)
    return {
        **_common(letter.agency, LETTER_TITLE, letter.number, now),
        "footer_note": f"督办 {hazard.number}",
        "letter": letter,
        "project": project,
        "hazard": hazard,
        "addressed_to": addressed,
        "addressed_is_group": bool(addressed and addressed.kind == OrgKind.GROUP),
        "contractor": parties["contractor"],
        "copy_to": copy_to,
        "grade_text": GRADE_TEXT.get(hazard.grade, hazard.grade),
        "clause": hazard.major_clause.label if hazard.major_clause_id else "",
        "clause_text": hazard.major_clause.text if hazard.major_clause_id else "",
        "notice": hazard.notice,
        "notice_title": NOTICE_TITLE.get(hazard.notice.kind, "") if hazard.notice_id else "",
        "overdue_days": overdue,
        "status_text": STATUS_TEXT.get(hazard.status, hazard.status),
    }


# --- pieces ---------------------------------------------------------------------------------------


def _common(agency, title: str, number: str, now) -> dict:
    return {
        "agency": agency,
        "agency_name": agency.name,
        "doc_title": title,
        "doc_number": number or "（未编号）",
        "printed_note": f"打印于 {timezone.localtime(now):%Y-%m-%d %H:%M}",
        "now": now,
    }


def _parties(project) -> dict:
    """施工单位 (addressee) and the 抄送 units of the project (uses the prefetched participants)."""
    contractor = project.participant(ParticipantRole.CONTRACTOR)
    builder = project.participant(ParticipantRole.BUILDER)
    supervision = project.participant(ParticipantRole.SUPERVISION)
    copy_to = [
        (PARTICIPANT_TEXT[role], org)
        for role, org in (
            (ParticipantRole.BUILDER, builder),
            (ParticipantRole.SUPERVISION, supervision),
        )
        if org
    ]
    return {
        "contractor": contractor,
        "builder": builder,
        "supervision": supervision,
        "copy_to": copy_to,
    }


def _photos_by_hazard(hazards, *, kind) -> dict[int, list[HazardPhoto]]:
    photos: dict[int, list[HazardPhoto]] = {}
    if not hazards:
        return photos
    for photo in (
        HazardPhoto.objects.filter(hazard_id__in=[h.pk for h in hazards], kind=kind)
        .only("id", "hazard_id", "thumbnail", "kind", "taken_at")
        .order_by("created_at", "id")
    ):
        photos.setdefault(photo.hazard_id, []).append(photo)
    return photos


def _deadline(hazard: Hazard, issued_day) -> dict:
    if not hazard.deadline:
        return {"immediate": False, "date": None}
    day = timezone.localtime(hazard.deadline).date()
    return {"immediate": day <= issued_day, "date": hazard.deadline}


def _hazard_row(index: int, hazard: Hazard, before: dict, issued_day) -> dict:
    photos = before.get(hazard.pk, [])
    return {
        "index": index,
        "number": hazard.number,
        "location": hazard.location,
        "description": hazard.description,
        "grade": hazard.grade,
        "grade_text": GRADE_TEXT.get(hazard.grade, hazard.grade),
        "clause": hazard.major_clause.label if hazard.major_clause_id else "",
        "deadline": _deadline(hazard, issued_day),
        "status_text": STATUS_TEXT.get(hazard.status, hazard.status),
        "closed_at": hazard.closed_at,
        "photo": file_data_uri(photos[0].thumbnail) if photos else "",
        "more_photos": max(len(photos) - 1, 0),
    }


def _reply_row(index: int, hazard: Hazard, reply: HazardReply | None, photos) -> dict:
    before = [p for p in photos if p.hazard_id == hazard.pk and p.kind == PhotoKind.BEFORE]
    after = [p for p in photos if p.hazard_id == hazard.pk and p.kind == PhotoKind.AFTER]
    if reply is not None:
        # The after photos of the latest reply (older replies' photos were reviewed already).
        latest = [p for p in after if p.event_id == reply.event_id]
        after = latest or after
    return {
        "index": index,
        "number": hazard.number,
        "description": hazard.description,
        "location": hazard.location,
        "grade": hazard.grade,
        "grade_text": GRADE_TEXT.get(hazard.grade, hazard.grade),
        "clause": hazard.major_clause.label if hazard.major_clause_id else "",
        "deadline": hazard.deadline,
        "status": hazard.status,
        "status_text": STATUS_TEXT.get(hazard.status, hazard.status),
        "closed_at": hazard.closed_at,
        "rejections": hazard.rejections,
        "reply": reply,
        "before": [_thumb(p, "整改前", n) for n, p in enumerate(before[:4], 1)],
        "after": [_thumb(p, "整改后", n) for n, p in enumerate(after[:4], 1)],
        "more_before": max(len(before) - 4, 0),
        "more_after": max(len(after) - 4, 0),
    }


def _thumb(photo: HazardPhoto, label: str, number: int) -> dict:
    return {
        "src": file_data_uri(photo.thumbnail),
        "label": f"{label}{number}",
        "taken_at": photo.taken_at,
    }


def _role_text(role: str) -> str:
    """A signer's role in Chinese, whatever language it was stored in."""
    if not role:
        return ""
    for value, label in ROLE_TEXT.items():
        if role in (value, label):
            return label
        for language in ("en", DOCUMENT_LANGUAGE):
            with translation.override(language):
                if role == str(ProjectRole(value).label):
                    return label
    return role


def _signature_row(signature: NoticeSignature) -> dict:
    return {
        "name": signature.name,
        "role": _role_text(signature.role),
        "image": file_data_uri(signature.image),
        "signed_at": signature.signed_at,
    }


def _event_row(event: HazardEvent, numbers: dict, labels: dict) -> dict:
    actor = event.actor
    mode = (event.payload or {}).get("review_mode", "")
    return {
        "hazard": numbers.get(event.hazard_id, ""),
        "action": labels.get(event.type, event.type),
        "accepted": event.type in (HazardEvent.Type.ACCEPTED, HazardEvent.Type.CONFIRMED),
        "comment": event.comment,
        "actor": (actor.get_full_name() or actor.username) if actor else "",
        "at": event.at,
        "mode": REVIEW_MODE_TEXT.get(mode, ""),
    }


def _application(application: ResumptionApplication) -> dict:
    reviewer = application.reviewed_by
    return {
        "reviewed_at": application.reviewed_at,
        "reviewer": (reviewer.get_full_name() or reviewer.username) if reviewer else "",
        "mode": REVIEW_MODE_TEXT.get(application.review_mode, ""),
        "comment": application.comment,
        "applied_at": application.created_at,
    }
