"""Issue 8's targets at city scale, on SQLite and on PostgreSQL.

Seeds `seed_demo --scale 125 --hazards-per-project 202` (5,000 projects, about 1,000,000
hazards with their timelines, 85,000 visits), then times, through Django's test client (the
whole request: middleware, view, queries, template; no network), p50 and p95 over --runs:

- the leader dashboard, GET /stats/ as `chief` (while that page is a placeholder, the
  selectors `anjian.stats.selectors.dashboard()` plus a JSON dump instead, and says so);
- the hazard ledger's first page, plain and with filters, as `supervisor`;
- a project page (the busiest project) with its hazards tab;
- the ranking page as `chief`;
- the ledger's Excel export of ~100,000 hazards, in a child process of its own so that its
  peak RSS is the export's.

Beside each, the time of its SQL alone: the time spent in the driver's execute() calls,
added up by a `connection.execute_wrapper` (rows fetched later, as a streaming cursor does, are
not in it; for the pages' sorted, counted and LIMITed queries execute() is nearly all of it).
For the export, whose rows come through a streaming cursor, the SQL floor is its main query
executed and fetched to the last row with a raw cursor.

The SQLite database is kept in /tmp/anjian-bench-scale-<scale>x<per project>/ and reused
while it holds the data (delete the folder to seed afresh); PostgreSQL gets a throwaway
database `anjian_bench_<pid>` on $BENCH_PG (default postgres://postgres@127.0.0.1:5432),
dropped at the end unless --keep-pg names one to keep and reuse.

    DEBUG=1 .venv/bin/python bench/bench_scale.py                      # both databases
    DEBUG=1 .venv/bin/python bench/bench_scale.py --db sqlite --runs 10
    DEBUG=1 .venv/bin/python bench/bench_scale.py --db postgres --keep-pg anjian_bench
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432"
# Targets of issue 8 (ms, except the export: s and MB).
TARGETS = {"dashboard": 300, "ledger": 100, "project": 100}
EXPORT_SECONDS, EXPORT_MB = 20, 300


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["ANJIAN_JOBS_IN_PROCESS"] = "0"
    import django

    django.setup()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values, q) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]


# --- child: seed, then time the pages -----------------------------------------------------------


def seed(args) -> None:
    from django.core.management import call_command
    from django.db import connection

    from anjian.hazards.models import Hazard
    from anjian.projects.models import Project

    call_command("migrate", verbosity=0, interactive=False)
    wanted_projects = 40 * args.scale
    if (
        Project.objects.count() >= wanted_projects
        and Hazard.objects.count() >= (wanted_projects - 40) * args.hazards_per_project
    ):
        print(f"[{connection.vendor}] reusing the seeded database", flush=True)
        return
    started = time.monotonic()
    call_command(
        "seed_demo", scale=args.scale, hazards_per_project=args.hazards_per_project, quiet=False
    )
    seconds = time.monotonic() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    print(
        f"[{connection.vendor}] seed_demo --scale {args.scale} --hazards-per-project "
        f"{args.hazards_per_project}: {seconds:.0f} s",
        flush=True,
    )


def counts_line() -> str:
    from django.db import connection

    from anjian.dangerous_works.models import DangerousWork
    from anjian.hazards.models import Hazard, HazardEvent, RectificationNotice
    from anjian.inspections.models import Inspection
    from anjian.projects.models import Project

    return (
        f"[{connection.vendor}] {Project.objects.count():,} projects, "
        f"{Hazard.objects.count():,} hazards, {HazardEvent.objects.count():,} hazard events, "
        f"{RectificationNotice.objects.count():,} notices, "
        f"{Inspection.objects.count():,} inspections, "
        f"{DangerousWork.objects.count():,} dangerous works"
    )


class SQLTimer:
    """A connection.execute_wrapper adding up the time spent in the database driver."""

    def __init__(self):
        self.seconds, self.queries = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def measure(label, call, runs, target=None) -> dict:
    """Time `call` `runs` times after one warm-up, and the SQL inside it."""
    from django.db import connection

    call()
    times, sql, queries = [], [], 0
    for _ in range(runs):
        timer = SQLTimer()
        with connection.execute_wrapper(timer):
            t0 = time.perf_counter()
            call()
            times.append((time.perf_counter() - t0) * 1000)
        sql.append(timer.seconds * 1000)
        queries = timer.queries
    result = {
        "label": label,
        "p50": statistics.median(times),
        "p95": _pct(times, 0.95),
        "sql_p50": statistics.median(sql),
        "sql_p95": _pct(sql, 0.95),
        "queries": queries,
        "target": target,
    }
    verdict = ""
    if target:
        over = result["p95"] - target
        verdict = "met" if over <= 0 else f"MISSED by {over:.0f} ms ({result['p95'] / target:.1f}×)"
        verdict = f"  target p95 ≤ {target} ms: {verdict}"
    print(
        f"{label:48s} p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  "
        f"SQL p50 {result['sql_p50']:7.1f} ms  p95 {result['sql_p95']:7.1f} ms  "
        f"queries {queries:3d}{verdict}",
        flush=True,
    )
    return result


def pages(args) -> None:
    import datetime

    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from anjian.accounts.models import User
    from anjian.hazards.models import Hazard
    from anjian.projects.models import Project

    print(counts_line(), flush=True)
    supervisor = Client(HTTP_HOST="127.0.0.1")
    supervisor.force_login(User.objects.get(username="supervisor"))
    chief = Client(HTTP_HOST="127.0.0.1")
    chief_user = User.objects.get(username="chief")
    chief.force_login(chief_user)

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    busiest = (Hazard.objects.values("project_id").annotate(n=Count("pk")).order_by("-n").first())[
        "project_id"
    ]
    street = (Project.objects.values("street_id").annotate(n=Count("pk")).order_by("-n").first())[
        "street_id"
    ]
    contractor = (
        Hazard.objects.filter(responsible_org__isnull=False)
        .values("responsible_org_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )["responsible_org_id"]
    today = timezone.localdate()
    month_ago = (today - datetime.timedelta(days=30)).isoformat()
    year_start = today.replace(month=1, day=1).isoformat()

    # The leader dashboard: the page if it exists, else its selectors and a JSON dump.
    placeholder = chief.get("/stats/").content.strip() == b"todo"
    if placeholder:
        from anjian.stats.selectors import DashFilters, dashboard

        def dash(street_id=None):
            def call():
                data = dashboard(chief_user, DashFilters.default(street=street_id))
                return json.dumps(data, default=str)

            return call

        measure("dashboard selectors + JSON (page: placeholder)", dash(), args.runs, 300)
        measure("  same, one street", dash(street), args.runs, 300)
    else:
        measure("dashboard /stats/ as chief", get(chief, "/stats/"), args.runs, 300)
        measure("  same, one street", get(chief, f"/stats/?street={street}"), args.runs, 300)
        map_response = chief.get("/stats/map.json")
        if map_response.status_code == 200 and map_response.content.strip() != b"todo":
            measure("  map points /stats/map.json", get(chief, "/stats/map.json"), args.runs)

    ledger = {
        "ledger first page": "/hazards/",
        "ledger: open + overdue": "/hazards/?open=on&overdue=on",
        "ledger: street, 重大, found this year": (
            f"/hazards/?street={street}&grade=major&found_from={year_start}"
        ),
        "ledger: contractor, sort by deadline": f"/hazards/?contractor={contractor}&sort=deadline",
        "ledger: closed in the last 30 days": f"/hazards/?status=closed&closed_from={month_ago}",
        "ledger: text search 脚手架": "/hazards/?q=脚手架",
    }
    for label, url in ledger.items():
        measure(label, get(supervisor, url), args.runs, 100)
    measure(
        "project page (busiest project)", get(supervisor, f"/projects/{busiest}/"), args.runs, 100
    )
    measure("  its hazards tab", get(supervisor, f"/projects/{busiest}/hazards/"), args.runs, 100)
    risk = supervisor.get(f"/projects/{busiest}/risk/")
    if risk.status_code == 200 and risk.content.strip() != b"todo":
        measure("  its risk tab", get(supervisor, f"/projects/{busiest}/risk/"), args.runs, 100)
    measure("ranking page /rankings/ as chief", get(chief, "/rankings/"), args.runs)

    # The statistics job at this scale: the full rebuild of the monthly summary (nightly and
    # by seed_demo), the incremental refresh after 1,000 hazards changed, and the risk scores.
    from django.db.models import Max

    from anjian.stats.services import refresh_risk
    from anjian.stats.summary import rebuild, refresh

    for label, call, runs in (
        ("stats: rebuild() of the monthly summary", rebuild, 1),
        ("stats: refresh_risk() of every active project", refresh_risk, 3),
    ):
        seconds = []
        for _ in range(runs):
            t0 = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - t0)
        print(f"{label:48s} {statistics.median(seconds):7.1f} s", flush=True)
    top = Hazard.objects.aggregate(m=Max("pk"))["m"]
    Hazard.objects.filter(pk__gt=top - 1000).update(updated_at=timezone.now())
    t0 = time.perf_counter()
    result = refresh()
    print(
        f"{'stats: refresh() after 1,000 hazards changed':48s} "
        f"{time.perf_counter() - t0:7.1f} s  {result}",
        flush=True,
    )

    # The export's filter: the newest ~N hazards (found since a day), passed to the child.
    cutoff = Hazard.objects.order_by("-found_at").values_list("found_at", flat=True)[
        args.export_rows
    ]
    found_from = timezone.localtime(cutoff).date() + datetime.timedelta(days=1)
    print(f"EXPORT_QUERY found_from={found_from.isoformat()}", flush=True)


def export(args) -> None:
    """One export through the view, in this fresh process; prints a JSON line."""
    from django.db import connection, reset_queries
    from django.test import Client

    from anjian.accounts.models import User
    from anjian.hazards.excel import ROW_FIELDS
    from anjian.hazards.filters import LedgerFilterForm
    from anjian.hazards.selectors import ledger

    user = User.objects.get(username="supervisor")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    query = dict(pair.split("=", 1) for pair in args.export_query.split("&"))
    rss_before = _rss_mb()
    reset_queries()
    started = time.perf_counter()
    cpu = time.process_time()
    response = client.get("/hazards/export.xlsx", query)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    peak = _rss_mb()
    recorded_sql = sum(float(q["time"]) for q in connection.queries)
    # The SQL floor: the export's main query run and fetched with a raw cursor.
    form = LedgerFilterForm(query, user=user)
    qs = (
        ledger(user, form.filters())
        .select_related(
            "project__street", "responsible_org", "major_clause", "notice", "reviewed_by"
        )
        .only(*ROW_FIELDS)
    )
    rows = qs.count()
    sql, params = qs.query.sql_with_params()
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while cursor.fetchmany(2000):
            pass
    sql_seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": round(seconds, 2),
                "cpu_s": round(cpu_seconds, 2),
                "sql_s": round(sql_seconds, 2),
                "recorded_sql_s": round(recorded_sql, 2),
                "peak_rss_mb": round(peak, 1),
                "rss_before_mb": round(rss_before, 1),
                "file_mb": round(size / 1e6, 1),
            }
        )
    )


# --- parent: one child per database ---------------------------------------------------------------


def _run(command, env) -> str:
    out = []
    with subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        for line in proc.stdout:
            if not line.startswith(("EXPORT_QUERY", "{")):
                print(line, end="", flush=True)
            out.append(line)
        err = proc.stderr.read()
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{err[-3000:]}")
    return "".join(out)


def run_database(db, args) -> None:
    env = {**os.environ, "DEBUG": "1", "ANJIAN_JOBS_IN_PROCESS": "0"}
    pg_name = None
    if db == "sqlite":
        var_dir = Path(f"/tmp/anjian-bench-scale-{args.scale}x{args.hazards_per_project}")
        var_dir.mkdir(parents=True, exist_ok=True)
        env["ANJIAN_VAR_DIR"] = str(var_dir)
        env.pop("DATABASE_URL", None)
    else:
        import psycopg

        base = os.environ.get("BENCH_PG", PG_DEFAULT)
        pg_name = args.keep_pg or f"anjian_bench_{os.getpid()}"
        try:
            psycopg.connect(f"{base}/postgres", connect_timeout=5).close()
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL not reachable at {base} ({exc}): skipped", flush=True)
            return
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [pg_name]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = f"{base}/{pg_name}"
        env["ANJIAN_VAR_DIR"] = f"/tmp/anjian-bench-scale-pg-{pg_name}"
        Path(env["ANJIAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    common = [
        f"--scale={args.scale}",
        f"--hazards-per-project={args.hazards_per_project}",
        f"--runs={args.runs}",
        f"--export-rows={args.export_rows}",
    ]
    try:
        out = _run([sys.executable, __file__, "--child=pages", *common], env)
        query = next(
            line.split(" ", 1)[1].strip()
            for line in out.splitlines()
            if line.startswith("EXPORT_QUERY")
        )
        out = _run(
            [sys.executable, __file__, "--child=export", f"--export-query={query}", *common], env
        )
        result = json.loads(out.strip().splitlines()[-1])
        met = result["seconds"] <= EXPORT_SECONDS and result["peak_rss_mb"] <= EXPORT_MB
        verdict = "met" if met else "MISSED"
        print(
            f"{'Excel export (' + str(result['rows']) + ' hazards, ' + query + ')':48s} "
            f"{result['seconds']:.1f} s wall, {result['cpu_s']:.1f} s CPU, SQL alone "
            f"{result['sql_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB "
            f"(before {result['rss_before_mb']:.0f} MB), {result['file_mb']} MB file"
            f"  target ≤ {EXPORT_SECONDS} s and ≤ {EXPORT_MB} MB: {verdict}",
            flush=True,
        )
    finally:
        if pg_name and not args.keep_pg:
            import psycopg

            with psycopg.connect(
                f"{os.environ.get('BENCH_PG', PG_DEFAULT)}/postgres", autocommit=True
            ) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--scale", type=int, default=125)
    parser.add_argument("--hazards-per-project", type=int, default=202)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--keep-pg", default="", help="a PostgreSQL database to keep and reuse")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--export-query", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup()
        if args.child == "pages":
            seed(args)
            pages(args)
        else:
            export(args)
        return
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        print(f"== {db} ==", flush=True)
        started = time.monotonic()
        run_database(db, args)
        print(f"({db}: {time.monotonic() - started:.0f} s in all)", flush=True)


if __name__ == "__main__":
    main()
