"""Regenerate docs/workflows/*.md from the workflow tables."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from anjian.dangerous_works import workflow as dangerous_work_workflow
from anjian.hazards import workflow as hazard_workflow

DOCS = {
    "hazard-rectification.md": hazard_workflow.markdown,
    "dangerous-works.md": dangerous_work_workflow.markdown,
}


class Command(BaseCommand):
    help = "Write the workflow documents generated from the workflow tables."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "docs" / "workflows"
        folder.mkdir(parents=True, exist_ok=True)
        for name, build in DOCS.items():
            (folder / name).write_text(build(), encoding="utf-8")
            self.stdout.write(f"wrote docs/workflows/{name}")
