"""The district view of dangerous works (list, counts, map, export), the project tab, the live
classification preview of the registration form and the threshold table."""

from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anjian.core.errors import DomainError
from anjian.core.excel import xlsx_response
from anjian.core.http import paginate, render_page
from anjian.projects.selectors import project_for_user

from .. import rules, selectors
from .. import services as svc
from .. import thresholds as th
from ..excel import HEADERS, WIDTHS, work_rows
from ..filters import WorkFilterForm, flag
from ..models import CategorySetting, ThresholdRule

# Background tiles of the map (settings.ANJIAN_MAP_TILES, a Leaflet URL template); empty shows
# the markers on a blank map, which is the default under tests (no network).
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap"
DEFAULT_CENTER = (39.909, 116.657)  # 通州区


def _map_settings() -> dict:
    center = getattr(settings, "ANJIAN_MAP_CENTER", DEFAULT_CENTER)
    return {
        "tiles": getattr(
            settings,
            "ANJIAN_MAP_TILES",
            "" if getattr(settings, "TESTING", False) else DEFAULT_TILES,
        ),
        "attribution": getattr(settings, "ANJIAN_MAP_ATTRIBUTION", DEFAULT_ATTRIBUTION),
        "center": [float(center[0]), float(center[1])],
    }


@login_required
@require_GET
def work_list(request):
    """危大工程 of every project the user may see: counts, filters, table, map, export."""
    form = WorkFilterForm(request.GET, user=request.user)
    filters = form.filters()
    now = timezone.now()
    page = paginate(request, selectors.works(request.user, filters, now))
    page.object_list = selectors.with_warnings(page.object_list, now)
    # The pills count under the search and place filters only, so each stays clickable.
    facets = replace(filters, status="", category="", level="", warning="", on_site=False)
    counts = selectors.counts(selectors.works(request.user, facets, now), now)
    return render_page(
        request,
        "dangerous_works/list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "counts": counts,
            "map": _map_settings(),
            "can_read_rules": request.user.is_agency_staff,
        },
        partial="results",
    )


@login_required
@require_GET
def map_data(request):
    """Markers for the map: one per project with coordinates, listing its works. The same
    filters as the list; only works on site unless `on_site=0`."""
    form = WorkFilterForm(request.GET, user=request.user)
    on_site = flag(request.GET.get("on_site", "1"))
    qs = selectors.works(request.user, form.filters(on_site=on_site))
    points = selectors.map_points(qs)
    return JsonResponse({"points": points, "count": len(points)})


@login_required
@require_GET
def export(request):
    """The filtered list as an Excel workbook, written row by row."""
    form = WorkFilterForm(request.GET, user=request.user)
    now = timezone.now()
    qs = selectors.works(request.user, form.filters(), now)
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    base = request.build_absolute_uri("/")[:-1]
    return xlsx_response(
        f"危大工程清单-{stamp}.xlsx",
        "危大工程清单",
        HEADERS,
        work_rows(qs, base_url=base, now=now),
        widths=WIDTHS,
    )


def _preview(request) -> dict:
    subtype = (request.GET.get("subtype") or "").strip()
    if not subtype:
        return {"empty": True}
    category, _sep, sub = subtype.partition(":")
    raw = {
        key[len("param_") :]: value
        for key, value in request.GET.items()
        if key.startswith("param_") and len(key) < 60
    }
    try:
        params = svc.clean_params(category, sub, raw)
        result = svc.classify(category, sub, params)
    except DomainError as error:
        return {"error": error.message}
    return {"result": result, "is_none": result.level == th.NONE}


@login_required
@require_GET
def classify_preview(request):
    """The level the registration form's parameters give, with the rules that triggered it.

    GET `subtype` ("PIT:excavation") and `param_<key>` (yes/no parameters send "on"). Bad input
    is shown in the partial with status 200: this is a preview, the form validates on save."""
    return render(request, "dangerous_works/_classify.html", _preview(request))


def _require_agency_staff(user):
    if not user.is_agency_staff:
        raise PermissionDenied


def _require_rules_editor(user):
    if not rules.can_edit_rules(user):
        raise PermissionDenied


@login_required
@require_GET
def thresholds(request):
    """The threshold table and the per-category requirements; administrators edit them."""
    _require_agency_staff(request.user)
    by_category: dict[str, list[ThresholdRule]] = {c: [] for c in th.CATEGORIES}
    for rule in ThresholdRule.objects.all():
        by_category.setdefault(rule.category, []).append(rule)
    stored = {s.category: s for s in CategorySetting.objects.all()}
    groups = []
    for category, label in th.CATEGORIES.items():
        always = [
            (th.SUBTYPES[key], "super" if key in th.ALWAYS_SUPER else "danger")
            for key in th.SUBTYPES
            if key[0] == category and (key in th.ALWAYS_DANGER or key in th.ALWAYS_SUPER)
        ]
        groups.append(
            {
                "category": category,
                "label": label,
                "rules": by_category.get(category, []),
                "always": always,
                "setting": stored.get(category) or svc.category_setting(category),
            }
        )
    return render(
        request,
        "dangerous_works/thresholds.html",
        {
            "groups": groups,
            "can_edit": rules.can_edit_rules(request.user),
            "monitoring_choices": CategorySetting.Monitoring.choices,
        },
    )


def _fail(request, error: DomainError):
    if error.status_code == 403:
        raise PermissionDenied
    messages.error(request, str(error.message))


@login_required
@require_POST
def threshold_edit(request, rule_pk):
    """An administrator changes one rule's threshold or switches it on or off."""
    _require_rules_editor(request.user)
    rule = get_object_or_404(ThresholdRule, pk=rule_pk)
    threshold = request.POST.get("threshold")
    is_active = request.POST.get("is_active")
    try:
        rule = rules.threshold_update(
            rule=rule,
            by=request.user,
            threshold=threshold if rule.op != ThresholdRule.Op.TRUE else None,
            is_active=None if is_active is None else flag(is_active),
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(
            request,
            _("Rule saved: %(rule)s (%(state)s).")
            % {
                "rule": f"{rule.subtype_label} · {rule.as_rule().text}",
                "state": _("in use") if rule.is_active else _("not in use"),
            },
        )
    return redirect(f"{reverse('dangerous_works:thresholds')}#rule-{rule.pk}")


@login_required
@require_POST
def category_edit(request, category):
    """An administrator sets a category's acceptance, monitoring and patrol interval."""
    _require_rules_editor(request.user)
    if category not in th.CATEGORIES:
        raise Http404
    try:
        rules.category_update(
            category=category,
            by=request.user,
            needs_acceptance=flag(request.POST.get("needs_acceptance")),
            monitoring=request.POST.get("monitoring", ""),
            patrol_hours=request.POST.get("patrol_hours"),
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(
            request,
            _("Requirements saved for %(category)s.") % {"category": th.CATEGORIES[category]},
        )
    return redirect(f"{reverse('dangerous_works:thresholds')}#category-{category}")


@login_required
@require_GET
def project_tab(request, pk):
    """The project's '危大工程' tab: its works with level, status, warnings and dates."""
    from anjian.projects.views import _tab_context

    project = project_for_user(request.user, pk)
    context = _tab_context(request, project, "dangerous_works:project_tab")
    now = timezone.now()
    qs = selectors.works(request.user, selectors.WorkFilters(project=project.pk), now)
    context["works"] = selectors.with_warnings(qs[:200], now)
    context["counts"] = selectors.counts(qs, now)
    context["can_register"] = svc.can_register(project, request.user)
    return render(request, "dangerous_works/project_tab.html", context)
