"""Celery app for production (REDIS_URL set): worker and beat run the periodic jobs."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")

app = Celery("anjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    """Register every job of anjian.core.jobs.PERIODIC_JOBS as a beat entry."""
    from anjian.core.jobs import PERIODIC_JOBS

    for job in PERIODIC_JOBS:
        sender.add_periodic_task(job.every_seconds, run_job.s(job.name), name=job.name)


@app.task(name="anjian.run_job")
def run_job(name: str):
    """Run one registered periodic job by name."""
    from anjian.core.jobs import run_job_by_name

    return run_job_by_name(name)
