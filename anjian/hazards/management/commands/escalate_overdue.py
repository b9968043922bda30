"""Run one pass of the overdue escalation ladder and print what it sent."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from anjian.hazards.escalation import escalate_overdue


class Command(BaseCommand):
    help = "One pass of overdue reminders, warnings, escalations and supervision letters."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO datetime to use as the current time (testing)")

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None:
                try:
                    moment = datetime.datetime.combine(
                        datetime.date.fromisoformat(now), datetime.time()
                    )
                except ValueError:
                    raise CommandError(f"--now {now!r} is not an ISO date or datetime") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        counts = escalate_overdue(now=moment)
        self.stdout.write(
            f"reminders={counts['reminder']} warnings={counts['warning']} "
            f"escalations={counts['escalation']} letters={counts['letters']}"
        )
