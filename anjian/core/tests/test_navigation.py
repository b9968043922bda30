"""The navigation bar: daily work in the bar, set-up pages under one 管理 menu."""

from django.test import RequestFactory

from anjian.core.context_processors import navigation


def _nav(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return navigation(request)


def test_set_up_pages_are_gathered_under_the_management_menu(world):
    nav = _nav(world.users["admin"], "/accounts/users/")
    main = [item["url"] for item in nav["nav_items"]]
    management = [item["url"] for item in nav["nav_management"]]
    assert "/accounts/users/" in management and "/accounts/users/" not in main
    assert len(management) == 5 and nav["nav_management_active"] is True
    assert "/documents/" in main and "/projects/" in main


def test_supervisors_see_checklists_and_organisations_there_companies_see_no_menu(world):
    supervisor = _nav(world.users["supervisor"])
    urls = {item["url"] for item in supervisor["nav_management"]}
    assert urls == {"/checklists/", "/orgs/"}
    assert supervisor["nav_management_active"] is False
    pm = _nav(world.users["pm"])
    assert pm["nav_management"] == [] and any(i["url"] == "/inbox/" for i in pm["nav_items"])
