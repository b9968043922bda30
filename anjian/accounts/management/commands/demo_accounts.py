"""Print the demo accounts as a table (used by `make run`)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from anjian.accounts.models import User
from anjian.projects.management.commands.seed_demo import ACCOUNT_NOTES, DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the demo accounts with their roles and the demo password."

    def handle(self, *args, **options):
        names = [row[0] for row in DEMO_ACCOUNTS]
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        width = max(len(n) for n in names) + 2
        self.stdout.write("")
        self.stdout.write(
            "演示账号 Demo accounts — 密码 password: " + settings.ANJIAN_DEMO_PASSWORD
        )
        self.stdout.write("-" * 72)
        for username in names:
            user = users.get(username)
            if user is None:
                continue
            org = user.organization.name if user.organization else ""
            self.stdout.write(f"{username:<{width}}{ACCOUNT_NOTES[username]:<24}{user.name}  {org}")
        self.stdout.write("-" * 72)
