"""Periodic background jobs: one registry, two runners.

Embedded mode (no REDIS_URL): a daemon thread in the server process runs each job every
`every_seconds`. Production: Celery beat schedules the same jobs (anjian/celery.py). Jobs must be
idempotent and claim rows with a conditional update (STYLE.md point 4), so running twice is safe.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], object]
    every_seconds: int = 60


PERIODIC_JOBS: list[Job] = []
_started = False


def register(name: str, every_seconds: int = 60):
    """Decorator adding a function to the periodic jobs."""

    def wrap(func):
        PERIODIC_JOBS.append(Job(name=name, func=func, every_seconds=every_seconds))
        return func

    return wrap


def run_job_by_name(name: str):
    """Run the job called `name` once and return its result."""
    for job in PERIODIC_JOBS:
        if job.name == name:
            return job.func()
    raise KeyError(name)


def _loop():
    from django.db import close_old_connections

    last_run: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for job in list(PERIODIC_JOBS):
            if now - last_run.get(job.name, 0) >= job.every_seconds:
                last_run[job.name] = now
                try:
                    close_old_connections()
                    job.func()
                except Exception:
                    log.exception("periodic job %s failed", job.name)
                finally:
                    close_old_connections()
        time.sleep(5)


def start_in_process_jobs() -> bool:
    """Start the in-process runner once, in the embedded mode only."""
    global _started
    if _started or not settings.JOBS_IN_PROCESS or settings.TESTING:
        return False
    _started = True
    threading.Thread(target=_loop, name="anjian-jobs", daemon=True).start()
    log.info("in-process job runner started with %d jobs", len(PERIODIC_JOBS))
    return True
