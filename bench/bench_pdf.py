"""Time the 监督检查记录 PDF of a 100-item record with 20 photos (median of 3 renders).

    DEBUG=1 .venv/bin/python bench/bench_pdf.py [--jgj59] [--out DIR]

Runs against a throw-away SQLite database and media folder in a temporary directory (it
overrides ANJIAN_VAR_DIR and ignores DATABASE_URL), builds the record through the services, then
renders it three times and prints the median time, the page count, the size and the number of
queries. --jgj59 also renders a full JGJ 59-2011 scored record (19 tables). Not part of pytest.
"""

import argparse
import io
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = tempfile.mkdtemp(prefix="anjian-bench-pdf-")
os.environ["ANJIAN_VAR_DIR"] = VAR
os.environ.pop("DATABASE_URL", None)
os.environ.pop("MEDIA_ROOT", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from anjian.accounts.choices import AgencyRole  # noqa: E402
from anjian.core.testing.personas import build_world, make_user  # noqa: E402
from anjian.inspections.choices import (  # noqa: E402
    AnswerResult,
    ItemKind,
    SignerRole,
    TemplateKind,
    TemplateStatus,
)
from anjian.inspections.models import (  # noqa: E402
    ChecklistTemplate,
    TemplateItem,
    TemplateSection,
)
from anjian.inspections.pdf import render_inspection_pdf  # noqa: E402
from anjian.inspections.seed.daily_patrol import DAILY_PATROL_TEMPLATE  # noqa: E402
from anjian.inspections.services import records as svc  # noqa: E402
from anjian.inspections.testing import signature_data_url  # noqa: E402

VERIFY_URL = "https://anjian.example.gov.cn/verify/8f14e45f-ceea-467f-a0e6-0b5f1f2e9c1d/"


def photo_jpeg(seed: int) -> bytes:
    """A 1600×1200 site-like picture (sky, ground, a scaffold grid) as JPEG."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (150 + rng.randint(0, 60), 180, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 700, 1600, 1200], fill=(120 + rng.randint(0, 40), 100, 80))
    x0 = rng.randint(100, 600)
    for x in range(x0, x0 + 800, 80):
        draw.line([(x, 200), (x, 900)], fill=(60, 60, 60), width=8)
    for y in range(200, 900, 90):
        draw.line([(x0, y), (x0 + 800, y)], fill=(200, 60, 30), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def hundred_item_template(owner) -> ChecklistTemplate:
    """10 sections × 10 compliance items, texts taken from the daily-patrol seed."""
    texts = [
        item["text"] for section in DAILY_PATROL_TEMPLATE["sections"] for item in section["items"]
    ]
    names = [section["name"] for section in DAILY_PATROL_TEMPLATE["sections"]]
    template = ChecklistTemplate.objects.create(
        key="bench-100",
        name="施工现场安全监督检查表（100项）",
        kind=TemplateKind.COMPLIANCE,
        status=TemplateStatus.PUBLISHED,
        owner=owner,
        basis="日常监督检查要点",
    )
    for s in range(10):
        section = TemplateSection.objects.create(
            template=template, code=f"{s + 1}", title=names[s % len(names)], order=s
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                section=section,
                code=f"{s + 1}.{i + 1}",
                text=texts[(s * 10 + i) % len(texts)],
                clause="日常监督检查要点" if i % 4 == 0 else "",
                kind=ItemKind.COMPLIANCE,
                order=i,
            )
            for i in range(10)
        )
    return template


def build_record(world, template, *, photos=20, scored=False):
    """Start, answer every item, add findings and photos, notes, signatures; finish."""
    supervisor = world.users["supervisor"]
    second = make_user(f"bench{template.pk}", world.orgs["agency"], AgencyRole.SUPERVISOR)
    second.name = "李明远"
    second.save()
    supervisor.name = "王建国"
    supervisor.save()
    inspection = svc.inspection_start(
        project=world.projects["P"], template=template, by=supervisor, inspectors=[second]
    )
    rng = random.Random(7)
    answers = list(
        inspection.answers.select_related("item__section").order_by(
            "item__section__order", "item__order"
        )
    )
    bad = []
    for index, answer in enumerate(answers):
        item = answer.item
        if scored:
            if rng.random() < 0.2 and item.deduction_lines:
                line = item.deduction_lines[0]
                count = {"fixed": 1, "range": line.get("min") or 1, "per_occurrence": 1}
                svc.inspection_answer(
                    inspection=inspection,
                    item=item,
                    by=supervisor,
                    counts={"0": count.get(line["kind"], 1)},
                    note="现场抽查发现" if rng.random() < 0.5 else None,
                )
                bad.append(answer)
            else:
                svc.inspection_answer(
                    inspection=inspection, item=item, by=supervisor, result=AnswerResult.COMPLIANT
                )
        else:
            if index % 8 == 3:
                result = AnswerResult.NONCOMPLIANT
                bad.append(answer)
            elif index % 13 == 5:
                result = AnswerResult.NOT_APPLICABLE
            else:
                result = AnswerResult.COMPLIANT
            svc.inspection_answer(
                inspection=inspection,
                item=item,
                by=supervisor,
                result=result,
                note="资料已查阅" if index % 9 == 0 else None,
            )
    for n, answer in enumerate(bad):
        answer.refresh_from_db()
        svc.finding_save(
            inspection=inspection,
            by=supervisor,
            answer=answer,
            description=f"{answer.item.text[:18]}不符合要求，现场已要求立即整改并拍照留存。",
            location=f"{n % 6 + 1}#楼{n % 17 + 2}层",
            deadline_days=3 if n % 3 == 0 else None,
        )
    targets = bad + [a for a in answers if a not in bad]
    for n in range(max(photos, len(bad))):  # every non-compliant item needs a photo
        svc.inspection_photo_add(
            inspection=inspection,
            by=supervisor,
            data=photo_jpeg(n),
            answer=targets[n % len(targets)],
        )
    svc.inspection_update_notes(
        inspection=inspection,
        by=supervisor,
        site_situation="该工程主体结构施工至十二层，现场作业人员约一百二十人，塔吊两台、施工升降机一台正常运行。",
        conclusion="针对检查发现的问题，责令施工单位按期整改，整改完成后报监理单位复查，并将整改回复单报送监督机构。",
    )
    for inspector in (supervisor, second):
        svc.inspection_sign(
            inspection=inspection,
            by=supervisor,
            role=SignerRole.INSPECTOR,
            image_data=signature_data_url(),
            signer=inspector,
        )
    svc.inspection_sign(
        inspection=inspection,
        by=supervisor,
        role=SignerRole.REPRESENTATIVE,
        image_data=signature_data_url(),
        signer=world.users["pm"],
    )
    return svc.inspection_finish(inspection=inspection, by=supervisor)


def page_count(path: Path) -> str:
    try:
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            return line.split()[1]
    return "?"


def measure(label: str, inspection, out: Path) -> None:
    """Render three times; wall time depends on the machine's load, CPU time much less."""
    walls, cpus = [], []
    pdf = b""
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            pdf = render_inspection_pdf(inspection, verify_url=VERIFY_URL)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    path = out / f"{label}.pdf"
    path.write_bytes(pdf)
    items = inspection.answers.count()
    photos = inspection.photos.count()
    print(
        f"{label}: {items} items, {photos} photos — median {statistics.median(walls):.2f} s wall "
        f"(runs {', '.join(f'{t:.2f}' for t in walls)}), {statistics.median(cpus):.2f} s CPU; "
        f"{page_count(path)} pages, {len(pdf) / 1024:.0f} KiB, {len(queries)} queries; "
        f"load average {os.getloadavg()[0]:.1f} → {path}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jgj59", action="store_true", help="also a full JGJ 59 scored record")
    parser.add_argument("--out", type=Path, default=Path(VAR), help="where to write the PDFs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    world = build_world()
    inspection = build_record(world, hundred_item_template(world.orgs["agency"]))
    measure("record-100-items", inspection, args.out)
    if args.jgj59:
        from anjian.inspections.seeding import KEY_JGJ59, seed_clauses_and_templates

        seed_clauses_and_templates(owner=world.orgs["agency"])
        template = ChecklistTemplate.objects.get(key=KEY_JGJ59, status=TemplateStatus.PUBLISHED)
        measure("record-jgj59", build_record(world, template, scored=True), args.out)


if __name__ == "__main__":
    main()
