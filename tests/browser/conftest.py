"""Fixtures for browser tests: one headless chromium per session, a fresh context per test.

The browser is Debian's /usr/bin/chromium (never a downloaded one). Each test gets its own
browser context (cookies, storage) at phone or desktop size; the demo data is loaded into the
live server's database with `seed_demo`.
"""

import os
import re
import shutil
import sqlite3

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("ANJIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "anjian-demo"
TIMEOUT_MS = 15_000
HOME_URL = re.compile(r"^https?://[^/]+/$")

VIEWPORTS = {
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session; skips when it is not installed."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API is up, an event loop runs in this thread; Django's ORM calls
    # from test bodies (seeding, database assertions) would be refused as "async unsafe".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


_snapshots: dict[str, sqlite3.Connection | None] = {}
SNAPSHOT_SCHEMA = "demo_snapshot"


def _pg_tables(connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        return [row[0] for row in cursor.fetchall()]


def _pg_snapshot(connection):
    """Copy every table of the seeded database into a schema of the same database (≈1 s)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in _pg_tables(connection):
            cursor.execute(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table}" AS TABLE public."{table}"')


def _pg_restore(connection):
    """Put the snapshot back (the tables are empty after the last test's flush) and move every
    id sequence past the restored rows; foreign keys are checked at commit (deferred)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import transaction

    tables = _pg_tables(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        quoted = ", ".join(f'public."{table}"' for table in tables)
        cursor.execute(f"TRUNCATE {quoted}")
        for table in tables:
            cursor.execute(
                f'INSERT INTO public."{table}" SELECT * FROM {SNAPSHOT_SCHEMA}."{table}"'
            )
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)


@pytest.fixture
def demo_data(transactional_db):
    """The demo district (`seed_demo`) in the live server's database.

    The first test seeds and keeps a snapshot: on SQLite an in-memory copy (restored with
    SQLite's backup API, ≈0.1 s), on PostgreSQL a copy of every table in a schema of the test
    database (restored with INSERT … SELECT, ≈1 s) — seeding again would take ≈20 s per test.
    Every test still starts from exactly the demo data: `transactional_db` empties the tables
    afterwards.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.db import connection

    if connection.vendor == "postgresql":
        if connection.alias not in _snapshots:
            call_command("seed_demo", quiet=True)
            _pg_snapshot(connection)
            _snapshots[connection.alias] = None
        else:
            _pg_restore(connection)
            ContentType.objects.clear_cache()
            cache.clear()
        return
    if connection.vendor != "sqlite":
        call_command("seed_demo", quiet=True)
        return
    connection.ensure_connection()
    snapshot = _snapshots.get(connection.alias)
    if snapshot is None:
        call_command("seed_demo", quiet=True)
        snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(snapshot)
        _snapshots[connection.alias] = snapshot
    else:
        snapshot.backup(connection.connection)
        # Row ids of content types changed with the flush; forget the cached ones.
        ContentType.objects.clear_cache()
        cache.clear()


@pytest.fixture
def new_context(browser, live_server):
    """`new_context("phone"|"desktop")`: a fresh browser context on the live server."""
    contexts = []

    def make(size: str = "desktop"):
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            **VIEWPORTS[size],
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _page(new_context, size):
    page = new_context(size).new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return page


@pytest.fixture
def phone(new_context):
    """A page in a phone-sized context (375×812, touch)."""
    return _page(new_context, "phone")


@pytest.fixture
def desktop(new_context):
    """A page in a desktop-sized context (1280×900)."""
    return _page(new_context, "desktop")


def log_in(page, username: str, password: str = DEMO_PASSWORD):
    """Log in through the login form and wait for the home page."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(HOME_URL)
    page.get_by_test_id("user-menu").wait_for(state="attached")
    return page


@pytest.fixture(name="login")
def login_fixture():
    """`login(page, "supervisor")`: log in through the form and wait for the home page."""
    return log_in
