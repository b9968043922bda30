"""Benchmark the hazard ledger's Excel export: wall time and peak memory for N hazards.

    .venv/bin/python bench/bench_ledger_export.py            # 100,000 hazards
    .venv/bin/python bench/bench_ledger_export.py --n 20000 --tracemalloc

Without DATABASE_URL it builds a fresh SQLite database in a temporary ANJIAN_VAR_DIR (migrate,
one district, agency, contractor, a few projects, N hazards and a before photo on every tenth),
then exports the whole ledger as an administrator sees it, through the same code as the page
(`ledger` → `ledger_rows` → `write_xlsx` into a temporary file). The export runs in a fresh child
process so that its peak RSS (`ru_maxrss`) is the export's own, not the data loading's.
With DATABASE_URL set it uses that database (which must be migrated) and adds the N hazards.
Prints one line: n, rows, wall and CPU seconds, rows per second, peak RSS, RSS before the export, file size.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "bench-ledger"


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    os.environ.setdefault("ANJIAN_JOBS_IN_PROCESS", "0")
    import django

    django.setup()


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def create(n: int) -> float:
    """Migrate (SQLite) and load n hazards; returns the seconds it took."""
    from django.core.management import call_command
    from django.db import reset_queries

    started = time.perf_counter()
    if not os.environ.get("DATABASE_URL"):
        call_command("migrate", verbosity=0, interactive=False)

    import datetime

    from django.utils import timezone

    from anjian.accounts.choices import AgencyRole, OrgKind
    from anjian.accounts.models import Organization, User
    from anjian.core.models import District, Street
    from anjian.core.validators import make_credit_code
    from anjian.hazards.models import Hazard, HazardPhoto
    from anjian.projects.choices import ParticipantRole, ProjectCategory
    from anjian.projects.models import Project, ProjectParticipant

    district, _ = District.objects.get_or_create(
        area_code="990001", defaults={"province": "北京市", "city": "北京市", "name": "基准区"}
    )
    street, _ = Street.objects.get_or_create(district=district, name="基准街道")

    def org(name, kind, seq):
        return Organization.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "credit_code": make_credit_code(f"9199000{seq:010d}")},
        )[0]

    agency = org("基准区住建委", OrgKind.AGENCY, 1)
    agency.jurisdiction.add(street)
    contractor = org("基准建设工程有限公司", OrgKind.CONTRACTOR, 2)
    user, created = User.objects.get_or_create(
        username=MARK, defaults={"organization": agency, "agency_role": AgencyRole.ADMIN}
    )
    projects = []
    for i in range(10):
        project, _ = Project.objects.get_or_create(
            permit_number=f"9900012026010{i}01",
            defaults={
                "name": f"基准项目{i:02d}号地块",
                "street": street,
                "agency": agency,
                "category": ProjectCategory.BUILDING,
                "address": f"基准街道{i}号",
            },
        )
        ProjectParticipant.objects.get_or_create(
            project=project, organization=contractor, role=ParticipantRole.CONTRACTOR
        )
        projects.append(project)

    start = timezone.now() - datetime.timedelta(days=365)
    statuses = ["issued", "rectifying", "replied", "closed", "closed", "withdrawn"]
    batch = 2000
    for offset in range(0, n, batch):
        hazards = []
        for i in range(offset, min(n, offset + batch)):
            found = start + datetime.timedelta(minutes=5 * i)
            status = statuses[i % len(statuses)]
            hazards.append(
                Hazard(
                    project=projects[i % len(projects)],
                    agency=agency,
                    number=f"{MARK}-{i:07d}",
                    source="supervision",
                    description=f"第{i}号：脚手架连墙件设置不符合规范要求，剪刀撑未沿高度连续设置",
                    location=f"{i % 40 + 1}#楼{i % 30 + 1}层",
                    category=["脚手架", "施工用电", "高处作业", "起重机械"][i % 4],
                    grade="major" if i % 17 == 0 else "general",
                    status=status,
                    responsible_org=contractor,
                    responsible_person="张伟",
                    found_at=found,
                    deadline=found + datetime.timedelta(days=7),
                    replied_at=found + datetime.timedelta(days=3) if status != "issued" else None,
                    closed_at=found + datetime.timedelta(days=5) if status == "closed" else None,
                    reviewed_by=user if status == "closed" else None,
                )
            )
        created_hazards = Hazard.objects.bulk_create(hazards)
        HazardPhoto.objects.bulk_create(
            [
                HazardPhoto(
                    hazard_id=h.pk,
                    kind="before",
                    original="o.jpg",
                    image="i.jpg",
                    thumbnail="t.jpg",
                    sha256="0" * 64,
                )
                for h in created_hazards[::10]
            ]
        )
        reset_queries()  # under DEBUG=1 (bench/run.py) the logged INSERTs would pile up
    return time.perf_counter() - started


def export(use_tracemalloc: bool) -> dict:
    """Export the administrator's whole ledger into a temporary file; returns the numbers."""
    import tracemalloc

    from anjian.accounts.models import User
    from anjian.core.excel import write_xlsx
    from anjian.hazards.excel import LEDGER_HEADERS, LEDGER_WIDTHS, ledger_rows
    from anjian.hazards.selectors import LedgerFilters, ledger

    user = User.objects.get(username=MARK)
    qs = ledger(user, LedgerFilters())
    rss_before = _rss_mb()
    rows = 0

    def counted(it):
        nonlocal rows
        for row in it:
            rows += 1
            yield row

    if use_tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(
            tmp,
            "隐患台账",
            LEDGER_HEADERS,
            counted(ledger_rows(qs, base_url="https://anjian.example")),
            widths=LEDGER_WIDTHS,
        )
        size = tmp.tell()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    result = {
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu_seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": round(_rss_mb(), 1),
        "rss_before_mb": round(rss_before, 1),
        "file_mb": round(size / 1e6, 1),
    }
    if use_tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
        tracemalloc.stop()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="hazards to create")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python heap")
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.export_only:
        _setup_django()
        print(json.dumps(export(args.tracemalloc)))
        return

    with tempfile.TemporaryDirectory(prefix="anjian-bench-") as var_dir:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            env["ANJIAN_VAR_DIR"] = var_dir
            os.environ["ANJIAN_VAR_DIR"] = var_dir
        _setup_django()
        create_s = create(args.n)
        from django.db import connection

        connection.close()
        command = [sys.executable, __file__, "--export-only"]
        if args.tracemalloc:
            command.append("--tracemalloc")
        out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    fields = " ".join(f"{key}={value}" for key, value in result.items())
    print(f"ledger export: n={args.n} create_s={create_s:.1f} {fields}")


if __name__ == "__main__":
    main()
