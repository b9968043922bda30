import pytest
from django.core.management import call_command

from anjian.accounts.models import Organization, User
from anjian.core.validators import validate_credit_code, validate_permit_number
from anjian.projects.models import Project

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_pm2_sees_nothing_of_pms_projects():
    call_command("seed_demo", quiet=True)
    counts = (Project.objects.count(), Organization.objects.count(), User.objects.count())
    call_command("seed_demo", quiet=True)
    assert (Project.objects.count(), Organization.objects.count(), User.objects.count()) == counts
    assert counts[0] == 40
    pm = User.objects.get(username="pm")
    pm2 = User.objects.get(username="pm2")
    pm_projects = set(Project.objects.visible_to(pm).values_list("pk", flat=True))
    pm2_projects = set(Project.objects.visible_to(pm2).values_list("pk", flat=True))
    assert pm_projects and pm2_projects and not pm_projects & pm2_projects
    first = Project.objects.get(code="TZ-DEMO-00001")
    assert first.pk in pm_projects
    assert first.pk in set(
        Project.objects.visible_to(User.objects.get(username="grouphq")).values_list(
            "pk", flat=True
        )
    )
    assert Project.objects.visible_to(User.objects.get(username="supervisor")).count() == 40
    for org in Organization.objects.all():
        validate_credit_code(org.credit_code)
    for permit in Project.objects.values_list("permit_number", flat=True):
        validate_permit_number(permit)
    assert User.objects.get(username="supervisor").check_password("anjian-demo")


def test_seed_demo_scale_multiplies_projects_with_bulk_inserts():
    call_command("seed_demo", quiet=True, scale=3)
    assert Project.objects.count() == 120
    assert Project.objects.filter(participants__role="contractor").distinct().count() == 120
