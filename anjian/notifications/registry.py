"""Plug notifications into the home page: a panel with the first to-dos."""

from anjian.core.views import HOME_PANELS

HOME_PANEL_SIZE = 5


def home_panel(request):
    """The user's most urgent to-dos (nothing when there are none)."""
    from .todos import todos_for

    items = todos_for(request.user)
    if not items:
        return None
    return "notifications/_home_panel.html", {
        "items": items[:HOME_PANEL_SIZE],
        "total": len(items),
    }


HOME_PANELS.append(home_panel)
