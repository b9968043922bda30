"""Create a personal API token for a user and print it (shown once)."""

from django.core.management.base import BaseCommand, CommandError

from anjian.accounts.models import User
from anjian.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有启用的用户 {username}（no active user {username}）")
        _token, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
