"""Test helpers for 公文收发: small valid files and the personas' documents, made with the real
services (used by the access matrix, the service, view and API tests)."""

import datetime
import io
import zipfile

from django.utils import timezone

from . import services as svc
from .models import Document, Recipient, SubmissionKind

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    """A minimal file that is a Word document by its content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def in_days(days: int) -> datetime.datetime:
    """18:00 local time `days` days from today."""
    return svc.deadline_on(timezone.localdate() + datetime.timedelta(days=days))


def draft(world, by="supervisor", **fields) -> Document:
    """A draft 通知 to every active project of street A1 (project P's contractor)."""
    values = {
        "kind": "notice",
        "title": "关于开展冬季施工安全专项检查的通知",
        "body": "各施工单位：\n\n请于本周内完成**冬季施工**安全自查。",
        "audience": {"streets": [world.streets["A1"].pk], "units": ["contractor"]},
        "sign_required": True,
        "sign_deadline": in_days(3),
        "reply_required": True,
        "reply_deadline": in_days(7),
    }
    values.update(fields)
    return svc.document_save(by=world.users[by], fields=values, files=[("通知.pdf", PDF_BYTES)])


def sent(world, **fields) -> Document:
    """A 通知 drafted by the supervisor and approved by the chief."""
    document = draft(world, **fields)
    svc.document_submit(document=document, by=world.users["supervisor"])
    return svc.document_approve(document=document, by=world.users["chief"])


def document_objects(world) -> dict:
    """One of everything: a draft, a document awaiting approval, a sent one with pm's inbox row
    read, signed and replied to, and a submission from pm routed to the supervisor. Made once
    per world (cached on it)."""
    cached = world.__dict__.get("_document_objects")
    if cached is not None:
        return cached
    project = world.projects["P"]
    if project.lead_supervisor_id is None:
        project.lead_supervisor = world.users["supervisor"]
        project.save(update_fields=["lead_supervisor"])
    the_draft = draft(world, title="草稿：关于报送安全生产月活动总结的通知")
    pending = draft(world, title="待审批：关于加强深基坑工程监测的通知")
    svc.document_submit(document=pending, by=world.users["supervisor"])
    the_sent = sent(world)
    row = Recipient.objects.get(document=the_sent, project=project)
    svc.recipient_open(recipient=row, by=world.users["pm"])
    svc.recipient_sign(recipient=row, by=world.users["pm"])
    reply = svc.recipient_reply(
        recipient=row,
        by=world.users["pm"],
        body="已完成自查，整改报告见附件。",
        files=[("自查报告.docx", docx_bytes())],
    )
    row.refresh_from_db()
    submission = svc.submission_create(
        by=world.users["pm"],
        fields={
            "kind": SubmissionKind.REPORT,
            "title": "关于十一月安全生产情况的报告",
            "body": "本月无事故。",
            "project": project,
        },
        files=[("情况报告.pdf", PDF_BYTES)],
    )
    world.__dict__["_document_objects"] = objects = {
        "draft": the_draft,
        "pending": pending,
        "sent": the_sent,
        "recipient": row,
        "reply": reply,
        "document_attachment": the_sent.attachments.first(),
        "reply_attachment": reply.attachments.first(),
        "submission": submission,
        "submission_attachment": submission.attachments.first(),
    }
    return objects


__all__ = ["PDF_BYTES", "document_objects", "docx_bytes", "draft", "sent"]
