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


def navigation(request):
    """The navigation entries the current user may see, with the active one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for name, label, icon, allowed in NAV_ITEMS:
        if not allowed(user):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"url": url, "label": label, "icon": icon, "active": active})
    return {"nav_items": items}
