"""Excel export of the district view (危大工程清单), streamed in constant memory.

`work_rows` reads the filtered, annotated list in chunks with a server-side iterator and yields
one row at a time for `core.excel.write_xlsx` (openpyxl's write-only mode); the warnings come
from the annotations, so there is no query per row.
"""

from collections.abc import Iterator

from django.utils import timezone

from . import thresholds, workflow
from . import warnings as warn

CHUNK_SIZE = 2000

# Header and column width, in the order of the values `_row` returns.
COLUMNS = [
    ("编号", 18),
    ("危大工程名称", 30),
    ("工程名称", 30),
    ("街道", 12),
    ("类别", 20),
    ("分项", 28),
    ("等级", 14),
    ("判定依据", 36),
    ("状态", 14),
    ("计划开始", 12),
    ("计划完成", 12),
    ("实际开始", 12),
    ("预警", 40),
    ("链接", 45),
]
HEADERS = [header for header, _width in COLUMNS]
WIDTHS = [width for _header, width in COLUMNS]
LEVELS = {thresholds.DANGER: "危大工程", thresholds.SUPER: "超过一定规模"}


def _warnings_text(found) -> str:
    return "；".join(f"{w.label}（{w.detail}）" if w.detail else w.label for w in found)


def _row(work, *, base_url, now, hours) -> list:
    project = work.project
    return [
        work.number,
        work.name,
        project.name,
        project.street.name if project.street_id else "",
        thresholds.CATEGORIES.get(work.category, work.category),
        work.subtype_label,
        LEVELS.get(work.level, work.level),
        "；".join(work.level_reasons or ()),
        workflow.STATUS_LABELS.get(work.status, work.status),
        work.planned_start,
        work.planned_end,
        work.actual_start,
        _warnings_text(warn.warnings_for(work, now, patrol_hours=hours)),
        f"{base_url}{work.get_absolute_url()}",
    ]


def work_rows(qs, *, base_url: str, now=None, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """The rows for `write_xlsx`, in the queryset's order.

    `qs` is `selectors.works(...)` (visibility-scoped, filtered, annotated for the warnings);
    `base_url` (scheme and host) makes the links absolute. Queries: one for the patrol
    intervals, then one per chunk of works.
    """
    now = now or timezone.now()
    base_url = base_url.rstrip("/")
    hours = warn._patrol_hours()
    for work in qs.select_related("project__street").iterator(chunk_size=chunk_size):
        yield _row(work, base_url=base_url, now=now, hours=hours)
