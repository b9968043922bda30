"""Demo-data seeders of later apps, run by `seed_demo` after the registry is loaded.

Each app registers a function in its AppConfig.ready(); every seeder must be idempotent.
The bulk helpers below write volume data for benchmarks (`seed_demo --scale N
--hazards-per-project M`) without model instances: plain rows, COPY on PostgreSQL and
`executemany` on SQLite, ids chosen by the caller where other rows point at them.
"""

import datetime
import inspect
from collections.abc import Callable, Iterable
from itertools import islice

_UTC = datetime.UTC
DEMO_SEEDERS: list[tuple[int, str, Callable]] = []

# Bulk hazards per added project when `--scale` is given without `--hazards-per-project`.
BULK_HAZARDS_PER_PROJECT = 10
# The first projects are the hand-made demo; bulk volume goes to the projects after them.
BASE_PROJECTS = 40


def register_demo_seeder(name: str, order: int = 100):
    """Decorator: run `func(stdout=..., quiet=...)` during seed_demo, lowest order first."""

    def wrap(func):
        if all(existing != name for _o, existing, _f in DEMO_SEEDERS):
            DEMO_SEEDERS.append((order, name, func))
        return func

    return wrap


def run_demo_seeders(*, stdout, quiet: bool = False, scale: int = 1, **options) -> None:
    """Run every seeder; each also gets `scale` and the other options its signature names
    (bulk volume for benchmarks)."""
    options = {"scale": scale, **options}
    for _order, _name, func in sorted(DEMO_SEEDERS, key=lambda item: (item[0], item[1])):
        accepted = inspect.signature(func).parameters
        extra = {key: value for key, value in options.items() if key in accepted}
        func(stdout=stdout, quiet=quiet, **extra)


# --- bulk volume ---------------------------------------------------------------------------------


def scaled_projects():
    """The projects `--scale` added (after the hand-made base), in code order."""
    from anjian.projects.models import Project

    return Project.objects.filter(code__startswith="TZ-DEMO-").order_by("code")[BASE_PROJECTS:]


def db_datetime(value: datetime.datetime | None, *, vendor: str):
    """An aware datetime as the backend stores it: naive UTC text on SQLite, as is otherwise."""
    if value is None or vendor != "sqlite":
        return value
    return value.astimezone(_UTC).replace(tzinfo=None)


def next_pk(model) -> int:
    """The first free primary key of `model` (rows inserted with explicit keys from here)."""
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def insert_rows(model, columns: list[str], rows: Iterable[tuple], *, batch_size: int = 5000):
    """Insert plain tuples (values ready for the database, in `columns`' order: attnames such as
    `project_id`) into `model`'s table; returns how many. No signals, no change log, no
    defaults: volume data only."""
    from django.db import connection

    meta = model._meta
    names = [meta.get_field(c).column if c != "id" else meta.pk.column for c in columns]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column_list = ", ".join(quote(n) for n in names)
    count = 0
    rows = iter(rows)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the driver's cursor: no per-row Django overhead
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["?"] * len(names))
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({marks})"
        while batch := list(islice(rows, batch_size)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def reset_sequences(*models) -> None:
    """After inserts with explicit keys, move PostgreSQL's id sequences past them."""
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest key by itself
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def draw_numbers(*, agency_id: int, kind: str, year: int, count: int) -> int:
    """Reserve `count` serial numbers of `kind` (see core.numbering); returns the first."""
    from .models import DocumentSequence

    sequence, _ = DocumentSequence.objects.select_for_update().get_or_create(
        agency_id=agency_id, kind=kind, year=year
    )
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return first


class ContractorProfile:
    """How a contractor behaves in the bulk data, the same in every seeder: how many hazards
    its sites have (relative), how often it rectifies on time and its inspection scores."""

    def __init__(self, organization_id):
        import random

        rng = random.Random(f"contractor|{organization_id}")
        self.hazard_rate = rng.uniform(0.6, 1.6)
        self.on_time = rng.uniform(0.72, 0.96)
        self.score = rng.uniform(76, 92)


def contractors_of(project_ids) -> dict[int, int]:
    """{project id: its contractor's organization id} (one query)."""
    from anjian.projects.choices import ParticipantRole
    from anjian.projects.models import ProjectParticipant

    return dict(
        ProjectParticipant.objects.filter(
            project_id__in=list(project_ids), role=ParticipantRole.CONTRACTOR
        )
        .order_by("project_id", "id")
        .values_list("project_id", "organization_id")
    )


def aware_local(day: datetime.date, hours: float = 0.0, tz=None) -> datetime.datetime:
    """`hours` after local midnight of `day`, as an aware datetime (`tz`: the current zone)."""
    if tz is None:
        from django.utils import timezone

        tz = timezone.get_current_timezone()
    midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
    return midnight + datetime.timedelta(hours=hours)


def bulk_session() -> None:
    """Let this connection write volume fast: on SQLite a 256 MB page cache, so that the
    indexes of a million rows are updated in memory rather than page by page from disk."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-262144")
