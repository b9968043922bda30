"""Pages at scale: seed_demo --scale N into a temporary SQLite database, then time the project
list (plain, searched, filtered), a project page, the hazard ledger and the 危大工程 district
view (list, warnings, map, project tab, API) as `supervisor`, with
each page's query count and SQL time.

Usage: DEBUG=1 .venv/bin/python bench/bench_pages.py [--scale 100] [--runs 20]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="anjian-bench-")
    os.environ.setdefault("ANJIAN_VAR_DIR", tmp)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from anjian.accounts.models import User
    from anjian.dangerous_works.models import DangerousWork
    from anjian.hazards.models import Hazard
    from anjian.projects.models import Project

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        call_command("seed_demo", scale=args.scale, quiet=True)
    seed_seconds = time.monotonic() - started
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="supervisor"))
    print(
        f"seed_demo --scale {args.scale}: {seed_seconds:.1f} s, {Project.objects.count()} "
        f"projects, {Hazard.objects.count()} hazards, {DangerousWork.objects.count()} "
        "dangerous works"
    )
    first = Project.objects.get(code="TZ-DEMO-00001").pk
    cases = {
        "list": "/projects/",
        "search by permit fragment": "/projects/?q=2026031501",
        "search by company name": "/projects/?q=京通建工",
        "filter street+status, sort by name": "/projects/?street=3&status=under_construction&sort=name",
        "page 50": "/projects/?page=50",
        "project page": f"/projects/{first}/",
        "ledger first page": "/hazards/",
        "ledger: open, overdue, text": "/hazards/?open=on&overdue=on&q=脚手架",
        "ledger: grade+status, sort deadline": "/hazards/?grade=major&status=closed&sort=deadline",
        "dangerous works: district view": "/dangerous-works/",
        "dangerous works: any warning, on site": "/dangerous-works/?warning=any&on_site=1",
        "dangerous works: map markers": "/dangerous-works/map.json",
        "dangerous works: project tab": f"/projects/{first}/dangerous-works/",
        "API dangerous works, first page": "/api/v1/dangerous-works",
    }
    for label, url in cases.items():
        client.get(url)  # warm
        times, sql = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
            sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"{label:38s} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
            f"SQL {statistics.median(sql):6.1f} ms  queries {len(ctx.captured_queries)}"
        )


if __name__ == "__main__":
    main()
