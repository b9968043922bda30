"""Test helpers: an inspection in progress on project P with a finding, a photo, a signature."""

import base64
import io

from PIL import Image, ImageDraw

from anjian.accounts.choices import AgencyRole
from anjian.accounts.models import User

from .choices import ItemKind, TemplateKind, TemplateStatus
from .models import ChecklistTemplate, InspectionAnswer, TemplateItem, TemplateSection


def signature_data_url() -> str:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 15)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def record_objects(world) -> dict:
    """Create (once per world) a template and an in-progress inspection of project P."""
    cached = getattr(world, "_records", None)
    if cached:
        return cached
    from .services import records as svc

    agency = world.orgs["agency"]
    template = ChecklistTemplate.objects.create(
        key="matrix",
        name="矩阵检查表",
        kind=TemplateKind.COMPLIANCE,
        status=TemplateStatus.PUBLISHED,
        owner=agency,
    )
    section = TemplateSection.objects.create(template=template, code="S", title="安全管理")
    item = TemplateItem.objects.create(
        section=section, code="S-1", text="安全员在岗", kind=ItemKind.COMPLIANCE
    )
    second = User.objects.filter(username="supervisor_b2").first()
    if second is None:
        second = User.objects.create(
            username="supervisor_b2", organization=agency, agency_role=AgencyRole.SUPERVISOR
        )
    supervisor = world.users["supervisor"]
    inspection = svc.inspection_start(
        project=world.projects["P"], template=template, by=supervisor, inspectors=[second]
    )
    svc.inspection_answer(inspection=inspection, item=item, by=supervisor, result="noncompliant")
    answer = InspectionAnswer.objects.get(inspection=inspection, item=item)
    photo = svc.inspection_photo_add(
        inspection=inspection, by=supervisor, data=jpeg(), answer=answer
    )
    finding = svc.finding_save(
        inspection=inspection,
        by=supervisor,
        answer=answer,
        description="安全员不在岗",
        location="项目部",
    )
    signature = svc.inspection_sign(
        inspection=inspection,
        by=supervisor,
        role="inspector",
        image_data=signature_data_url(),
        signer=supervisor,
    )
    world._records = {
        "template": template,
        "section": section,
        "item": item,
        "inspection": inspection,
        "finding": finding,
        "photo": photo,
        "signature": signature,
    }
    return world._records
