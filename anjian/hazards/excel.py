"""Excel export of the hazard ledger (隐患台账), streamed in constant memory.

`ledger_rows` reads the queryset in chunks with a server-side iterator and one photo query per
chunk, and yields one row at a time, so `core.excel.write_xlsx` (openpyxl's write-only mode)
never holds more than one chunk of hazards, whatever the ledger's size.
"""

from collections import defaultdict
from collections.abc import Iterator
from itertools import islice

from django.urls import reverse
from django.utils import timezone

from .choices import HazardGrade, HazardSource, HazardStatus, PhotoKind
from .models import Hazard, HazardPhoto

CHUNK_SIZE = 2000

# Header and column width, in the order of the values `_row` returns.
LEDGER_COLUMNS = [
    ("隐患编号", 18),
    ("发现日期", 12),
    ("工程名称", 30),
    ("街道", 12),
    ("隐患描述", 40),
    ("部位", 16),
    ("类别", 12),
    ("等级", 10),
    ("重大隐患条款", 30),
    ("责任单位", 30),
    ("责任人", 10),
    ("整改期限", 17),
    ("状态", 14),
    ("是否逾期", 9),
    ("来源", 10),
    ("通知书编号", 22),
    ("整改回复时间", 17),
    ("复查人", 10),
    ("销号时间", 17),
    ("整改前照片", 50),
    ("整改后照片", 50),
]
# The columns `_row` reads (the rest, such as the project's sixty fields, are not loaded).
ROW_FIELDS = (
    "number",
    "found_at",
    "description",
    "location",
    "category",
    "grade",
    "responsible_person",
    "deadline",
    "status",
    "source",
    "replied_at",
    "closed_at",
    "project__name",
    "project__street__name",
    "responsible_org__name",
    "major_clause__label",
    "major_clause__text",
    "notice__number",
    "reviewed_by__name",
    "reviewed_by__username",
)
LEDGER_HEADERS = [header for header, _width in LEDGER_COLUMNS]
LEDGER_WIDTHS = [width for _header, width in LEDGER_COLUMNS]


def _local(value, tz):
    """A stored (UTC) datetime as a naive datetime in `tz` for Excel, or None."""
    return value.astimezone(tz).replace(tzinfo=None) if value else None


def _photo_links(hazard_ids, base_url) -> dict[int, dict[str, list[str]]]:
    """{hazard id: {kind: [absolute image links]}} for one chunk of hazards: one query."""
    links: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        HazardPhoto.objects.filter(hazard_id__in=hazard_ids)
        .order_by("hazard_id", "pk")
        .values_list("hazard_id", "kind", "pk")
    )
    for hazard_id, kind, pk in rows:
        url = reverse("hazards:photo", kwargs={"photo_pk": pk, "variant": "image"})
        links[hazard_id][kind].append(f"{base_url}{url}")
    return links


def _labels() -> dict[str, dict[str, str]]:
    """The choice labels in the active language, looked up once per export.

    `get_<field>_display()` rebuilds a dict of the choices and translates the label on every
    call, which was a fifth of the export's time; the labels are the same.
    """
    return {
        "grade": {value: str(label) for value, label in HazardGrade.choices},
        "status": {value: str(label) for value, label in HazardStatus.choices},
        "source": {value: str(label) for value, label in HazardSource.choices},
    }


def _row(hazard: Hazard, photos: dict[str, list[str]], now, labels, tz) -> list:
    project = hazard.project
    clause = hazard.major_clause
    return [
        hazard.number or str(hazard.pk),
        hazard.found_at.astimezone(tz).date(),
        project.name,
        project.street.name if project.street_id else "",
        hazard.description,
        hazard.location,
        hazard.category,
        labels["grade"].get(hazard.grade, hazard.grade),
        f"{clause.label} {clause.text}" if clause else "",
        hazard.responsible_org.name if hazard.responsible_org_id else "",
        hazard.responsible_person,
        _local(hazard.deadline, tz),
        labels["status"].get(hazard.status, hazard.status),
        "是" if hazard.is_overdue(now) else "否",
        labels["source"].get(hazard.source, hazard.source),
        hazard.notice.number if hazard.notice_id else "",
        _local(hazard.replied_at, tz),
        str(hazard.reviewed_by) if hazard.reviewed_by_id else "",
        _local(hazard.closed_at, tz),
        "\n".join(photos.get(PhotoKind.BEFORE, ())),
        "\n".join(photos.get(PhotoKind.AFTER, ())),
    ]


def ledger_rows(qs, *, base_url: str, now=None, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """The ledger's rows for `write_xlsx`, in the queryset's order, one chunk in memory at a time.

    `qs` is the (filtered, visibility-scoped) ledger; `base_url` (scheme and host, no trailing
    slash) makes the photo links absolute. Queries: one per chunk of hazards, one per chunk of
    photos.
    """
    now = now or timezone.now()
    base_url = base_url.rstrip("/")
    labels = _labels()
    tz = timezone.get_current_timezone()  # dates in local time, like the page
    hazards = (
        qs.select_related(
            "project__street", "responsible_org", "major_clause", "notice", "reviewed_by"
        )
        .only(*ROW_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    while chunk := list(islice(hazards, chunk_size)):
        photos = _photo_links([h.pk for h in chunk], base_url)
        for hazard in chunk:
            yield _row(hazard, photos.get(hazard.pk, {}), now, labels, tz)
