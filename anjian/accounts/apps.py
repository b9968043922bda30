from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, organisations, roles, login protection and API tokens."""

    name = "anjian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
