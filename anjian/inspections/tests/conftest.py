"""Fixtures for inspection tests: small templates, a second inspector, a signature image."""

import base64
import io
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw

from anjian.accounts.choices import AgencyRole
from anjian.core.testing.personas import make_user
from anjian.inspections.choices import HazardGrade, ItemKind, TemplateKind, TemplateStatus
from anjian.inspections.models import (
    ChecklistTemplate,
    MajorHazardClause,
    TemplateItem,
    TemplateSection,
)


@pytest.fixture
def clause(db):
    return MajorHazardClause.objects.create(
        code="MH2024-7-2",
        label="第7条第2项",
        article=7,
        item=2,
        category="脚手架工程",
        text="脚手架连墙件未设置或整层缺失",
    )


@pytest.fixture
def patrol(world, clause):
    """A published compliance template: 2 sections, 3 items (one suggests a major clause)."""
    t = ChecklistTemplate.objects.create(
        key="patrol",
        name="日常巡查",
        kind=TemplateKind.COMPLIANCE,
        status=TemplateStatus.PUBLISHED,
        owner=world.orgs["agency"],
    )
    s1 = TemplateSection.objects.create(template=t, code="S1", title="安全管理", order=1)
    s2 = TemplateSection.objects.create(template=t, code="S2", title="脚手架", order=2)
    TemplateItem.objects.create(
        section=s1, code="S1-1", text="安全员在岗", kind=ItemKind.COMPLIANCE, order=1
    )
    TemplateItem.objects.create(
        section=s1, code="S1-2", text="交底记录齐全", kind=ItemKind.COMPLIANCE, order=2
    )
    TemplateItem.objects.create(
        section=s2,
        code="S2-1",
        text="连墙件按方案设置",
        kind=ItemKind.COMPLIANCE,
        order=1,
        default_grade=HazardGrade.MAJOR,
        major_clause=clause,
    )
    return t


@pytest.fixture
def scored(world):
    """A published scored template: one split table (B.1 style) in category MANAGE."""
    t = ChecklistTemplate.objects.create(
        key="mini-jgj59",
        name="评分表",
        kind=TemplateKind.SCORED,
        status=TemplateStatus.PUBLISHED,
        owner=world.orgs["agency"],
        summary_weights={"MANAGE": 10, "CIVIL": 15},
    )
    b1 = TemplateSection.objects.create(
        template=t,
        code="B.1",
        title="安全管理检查评分表",
        category="MANAGE",
        has_guarantee_split=True,
        order=1,
    )
    lines = [
        {"kind": "fixed", "text": "未建立责任制，扣10分", "min": 10, "max": 10, "per": None},
        {"kind": "per_occurrence", "text": "每处扣2分", "min": None, "max": None, "per": 2},
    ]
    for i in range(6):
        TemplateItem.objects.create(
            section=b1,
            code=f"B.1-{i + 1}",
            text=f"保证项目{i + 1}",
            kind=ItemKind.SCORED,
            points=Decimal(10),
            is_guarantee=True,
            deduction_lines=lines,
            order=i,
        )
    for i in range(4):
        TemplateItem.objects.create(
            section=b1,
            code=f"B.1-{i + 7}",
            text=f"一般项目{i + 1}",
            kind=ItemKind.SCORED,
            points=Decimal(10),
            deduction_lines=lines,
            order=6 + i,
        )
    b2 = TemplateSection.objects.create(
        template=t,
        code="B.2",
        title="文明施工检查评分表",
        category="CIVIL",
        has_guarantee_split=False,
        order=2,
    )
    TemplateItem.objects.create(
        section=b2,
        code="B.2-1",
        text="围挡",
        kind=ItemKind.SCORED,
        points=Decimal(100),
        deduction_lines=lines,
        order=1,
    )
    return t


@pytest.fixture
def supervisor2(world):
    return make_user("supervisor2", world.orgs["agency"], AgencyRole.SUPERVISOR)


def png_data_url(width=300, height=120) -> str:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(10, 100), (80, 20), (150, 90), (280, 15)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def jpeg_bytes(color=(200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def signature():
    return png_data_url()


@pytest.fixture
def photo():
    return jpeg_bytes()
