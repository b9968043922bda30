"""Template context: the navigation for the signed-in user's role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, icon, predicate on user). Apps add entries as their issues land.
NAV_ITEMS = [
    ("core:home", _("Home"), "house", lambda u: True),
    ("projects:list", _("Projects"), "buildings", lambda u: True),
    ("accounts:org_list", _("Organisations"), "diagram-3", lambda u: u.is_agency_staff),
    ("accounts:user_list", _("Users"), "people", lambda u: u.is_admin),
    ("core:regions", _("Districts and streets"), "geo-alt", lambda u: u.is_admin),
    ("accounts:agency_settings", _("Agency settings"), "sliders", lambda u: u.is_admin),
]


# Set-up pages, gathered under one "管理" menu so that the daily work fits in the bar.
NAV_MANAGEMENT = {
    "inspections:template_list",
    "accounts:org_list",
    "accounts:user_list",
    "core:regions",
    "accounts:agency_settings",
}


def navigation(request):
    """The navigation entries the current user may see, with the active one marked: the daily
    work in `nav_items`, the set-up pages in `nav_management` (a drop-down menu)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_management": []}
    path = request.path
    items, management = [], []
    for name, label, icon, allowed in NAV_ITEMS:
        if not allowed(user):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        entry = {"url": url, "label": label, "icon": icon, "active": active}
        (management if name in NAV_MANAGEMENT else items).append(entry)
    return {
        "nav_items": items,
        "nav_management": management,
        "nav_management_active": any(entry["active"] for entry in management),
    }
